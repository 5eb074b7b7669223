"""`python -m app import-customers` / `export-customers`: 일괄등록 and the customer list without a screen.

The import prints the same validation report the screen shows (every error with its Excel row,
column and Korean reason) and exits non-zero when nothing was imported, so a script can tell a
refused file from a done one. A clerk's own list (not the template) prints how each column is
read; a column the import does not know is connected with ``--map "원본열=필드"`` (repeatable; the
field by the template's header, e.g. 월이체금액, or 사용안함), and the choice is remembered for the
contract by the import, as the screen's 열 연결 step does. The export writes masked numbers only
(the colleague's `exports.export_customers`), and is audited there.

A payer list exported by another CMS service (효성 CMS+, NICE 더빌, 도너스, an academy program) is
recognised by its header (``--profile`` names one or turns recognition off); the import prints which
export it read and how each column is read. What the export lacks is given once for the whole file
(``--debit-day``, ``--item``, ``--first-month``) or per row (``--fill "행:항목=값"``, the preview's
per-row column), and the consent evidence with ``--evidence`` (a folder or .zip named by 고객번호,
attached after the import; without it the registrations wait in 계좌신청대기 for 동의자료 일괄첨부).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.common import ask_passphrase
from app.cli.errors import CliError
from app.services.common.crypto import DataKey

if TYPE_CHECKING:
    from app.database.engine import Database
    from app.services.common.session import Actor

IMPORT_REFUSED = 1
"""Exit status when the file was read but nothing was imported (errors, or all rows skipped)."""


def _data_key(db: Database) -> DataKey:
    """The key this PC's keyring holds, else the passphrase (KSCMS_PASSPHRASE or a prompt)."""
    from app.services.common import keys

    return keys.cached(db) or keys.unlock(db, ask_passphrase("데이터 암호 문구: "))


def _contract(args: argparse.Namespace) -> tuple[Database, Actor, int]:
    """(database, the logged-in user, contract id) of --contract, which the user logged in to."""
    from app.services.settings import contracts

    caller = args.caller
    return caller.db, caller.user, contracts.contract_id_for_code(caller.db, args.contract)


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """--map "원비=월이체금액" --map "순번=사용안함" → {header: field key} (IGNORE for 사용 안 함)."""
    from app.services.customers.imports.rows import COLUMNS, field_for

    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, wanted = pair.partition("=")
        found = field_for(wanted) if sep and column.strip() else None
        if found is None:
            names = ", ".join(c.header for c in COLUMNS)
            raise CliError(f"--map \"{pair}\"을(를) 알 수 없습니다. \"엑셀의 열 이름=항목\"으로 쓰고, 항목은 양식의 열 이름"
                           f"({names}) 가운데 하나나 사용안함으로 쓰세요.", "bad --map")
        mapping[column.strip()] = found
    return mapping


def parse_fills(pairs: list[str]) -> dict[int, dict[str, str]]:
    """--fill "12:계좌번호=110123456789" → {12: {"account_no": "110123456789"}} (the preview's per-row values);
    the field is named as the template names it, by a usual synonym, or by the export's own column (결제정보)."""
    from app.services.customers.imports.fill import FILL_KEYS
    from app.services.customers.imports.profiles import field_of_header
    from app.services.customers.imports.rows import BY_KEY, field_for

    fills: dict[int, dict[str, str]] = {}
    names = ", ".join(BY_KEY[k].header for k in FILL_KEYS)
    for pair in pairs:
        row_text, colon, rest = pair.partition(":")
        wanted, equals, value = rest.partition("=")
        key = (field_for(wanted) or field_of_header(wanted)) if colon and equals else None
        if not row_text.strip().isdigit() or key not in FILL_KEYS:
            raise CliError(f"--fill \"{pair}\"을(를) 알 수 없습니다. \"엑셀 행 번호:항목=값\"으로 쓰고"
                           f"(예: --fill \"12:계좌번호=110123456789\"), 항목은 {names} 가운데 하나로 쓰세요.", "bad --fill")
        assert key is not None
        fills.setdefault(int(row_text), {})[key] = value.strip()
    return fills


def cmd_import_customers(args: argparse.Namespace) -> int:
    from app.services.customers.imports import flow as imports

    file = Path(args.file)
    if not file.exists():
        raise CliError(f"파일이 없습니다: {file}", "file not found")
    mapping = parse_mapping(args.map)
    fills = parse_fills(args.fill)
    db, actor, contract_id = _contract(args)
    options = imports.ImportOptions(mode=args.mode, on_existing=args.on_existing,
                                    store_full_resident=args.store_full_resident)
    values = imports.FileValues(debit_day=args.debit_day or "", item=args.item or "", first_month=args.first_month or "",
                                evidence=args.evidence or "")
    profile = {"auto": imports.AUTO_PROFILE, "none": imports.NO_PROFILE}.get(args.profile, args.profile)
    try:
        preview = imports.preview_import(db, actor, contract_id, file, options, mapping=mapping, profile=profile,
                                         file_values=values, overrides=fills)
    except imports.ColumnsMissing as missing:
        print("열 연결:")
        for line in imports.column_lines(missing.plan):
            print(line)
        raise
    if preview.plan is not None and not preview.plan.is_template:
        print("열 연결:")
        for line in imports.column_lines(preview.plan):
            print(line)
    for line in imports.report_lines(preview, limit=args.max_errors or None):
        print(line)
    if preview.fill_columns and preview.error_count:
        names = ", ".join(header for _key, header in preview.fill_columns)
        print(f"명령줄에서는 '미리보기의 칸' 대신 --fill \"행:항목=값\"으로 행마다 넣습니다 (항목: {names}).")
    if args.errors_to:
        saved = imports.save_error_report(db, actor, preview, args.errors_to, force=args.force)
        print(f"오류 목록 {saved:,}행을 저장했습니다: {args.errors_to}")
    reason = preview.blocked_reason()
    if reason:
        print(f"등록하지 않았습니다: {reason} (nothing imported)", file=sys.stderr)
        return IMPORT_REFUSED
    if args.dry_run:
        print("검사만 했습니다 (--dry-run). 아무것도 저장하지 않았습니다.")
        return 0
    result = imports.run_import(db, actor, preview, _data_key(db))
    print(result.summary())
    if result.evidence is not None and result.evidence.report is not None:
        for miss in result.evidence.report.unmatched:
            print(f"  첨부하지 못함 {miss.file_name}: {miss.reason}")
    return 0 if result.imported else IMPORT_REFUSED


def cmd_export_customers(args: argparse.Namespace) -> int:
    from app.services.customers import exports

    db, actor, contract_id = _contract(args)
    result = exports.export_customers(db, actor, contract_id, args.out, force=args.force)
    print(f"고객 {result.rows:,}명을 저장했습니다 (주민·계좌번호는 가림): {result.path}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the two commands to `python -m app` (called from app.cli.main.extra_commands)."""
    from app.services.customers.imports import flow as imports
    from app.services.customers.imports import profiles

    imp = sub.add_parser(
        "import-customers",
        help="엑셀 고객리스트 일괄등록; 검사 결과를 출력하고 등록하지 못하면 0이 아닌 값 (bulk import)",
    )
    imp.add_argument("file", help="고객리스트 .xlsx 또는 .xls (양식: 일괄등록 화면의 '양식 다운로드', 또는 기관의 명단)")
    imp.add_argument("--contract", required=True, help="이용기관코드")
    imp.add_argument("--mode", choices=list(imports.MODES), default=imports.ALL_OR_NOTHING,
                     help="all-or-nothing: 모든 행이 정상일 때만 등록 (기본), valid-only: 정상인 행만 등록")
    imp.add_argument("--on-existing", choices=list(imports.ON_EXISTING), default=imports.SKIP,
                     help="이미 있는 고객번호: skip 건너뛰기 (기본), update 수정")
    imp.add_argument("--store-full-resident", action="store_true",
                     help="주민등록번호 전체를 암호화해 저장 (기본은 생년월일만)")
    imp.add_argument("--errors-to", metavar="ERRORS.xlsx", help="오류 목록을 원래 자료 옆에 오류 내용을 붙여 저장")
    imp.add_argument("--force", action="store_true", help="--errors-to 파일이 이미 있으면 덮어씀 (overwrite)")
    imp.add_argument("--max-errors", type=int, default=0, help="출력할 오류 수 (0: 모두)")
    imp.add_argument("--dry-run", action="store_true", help="검사만 하고 저장하지 않음")
    imp.add_argument("--map", action="append", default=[], metavar="원본열=필드",
                     help="엑셀의 열을 양식의 항목에 연결 (예: --map \"원비=월이체금액\" --map \"순번=사용안함\"); "
                          "등록하면 이 계약에 기억해 다음에도 씀 (map a column)")
    imp.add_argument("--profile", default="auto",
                     choices=["auto", "none", *(p.key for p in profiles.PROFILES)],
                     help="다른 CMS 서비스의 내보내기 양식: auto 열 이름으로 알아봄 (기본), none 기관의 명단으로 읽음, "
                          + ", ".join(f"{p.key} {p.service}" for p in profiles.PROFILES) + " (export profile)")
    imp.add_argument("--debit-day", metavar="일", help="파일 전체 이체예정일: 파일에 없거나 빈 칸인 행에 (예: 25)")
    imp.add_argument("--item", metavar="집금항목", help="파일 전체 집금항목: 파일에 없거나 빈 칸인 행에 (예: 수강료)")
    imp.add_argument("--first-month", metavar="YYYY-MM", help="파일 전체 최초이체년월: 파일에 없거나 빈 칸인 행에 (예: 2027-01)")
    imp.add_argument("--evidence", metavar="폴더|ZIP",
                     help="등록한 뒤 고객번호로 첨부할 출금동의 증빙 폴더나 .zip (없으면 나중에: 동의자료 일괄첨부)")
    imp.add_argument("--fill", action="append", default=[], metavar="행:항목=값",
                     help="한 행에만 넣을 값, 미리보기의 행별 입력과 같음 (예: --fill \"12:계좌번호=110123456789\" "
                          "--fill \"12:예금주생년월일=800102\") (per-row value)")
    imp.set_defaults(handler=cmd_import_customers)

    exp = sub.add_parser("export-customers", help="고객 목록을 엑셀로 저장 (번호는 가림) (export)")
    exp.add_argument("out", help="저장할 .xlsx")
    exp.add_argument("--force", action="store_true", help="같은 이름의 파일이 있으면 덮어씀 (overwrite)")
    exp.add_argument("--contract", required=True, help="이용기관코드")
    exp.set_defaults(handler=cmd_export_customers)
