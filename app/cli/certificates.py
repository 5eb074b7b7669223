"""`python -m app certificate`: 교육비 납입증명서 without a screen, for the January rush or a script.

    certificate --contract CODE --year YYYY [--customer NO ...] --pdf OUT [--xlsx OUT] [--force]

Issues one numbered certificate per student with money counted in the year (or only the students
given with --customer), through the same services as the 집계 > 교육비 납입증명서 screen
(app/services/aggregates/certificates.py, reports/certificate_pdf.py): every number is recorded, the
earlier ones of each student are printed beside the new one, and the PDF (a page per student) is
written through output_files (0600, never over the database, an existing file only with --force).
Both paths are checked before any number is given, so a refused path issues nothing. --xlsx also
saves the year's list as the screen's [목록 엑셀] does. Resident numbers always print masked here.

Issuing needs edit rights (관리자·담당자), as on screen; the login is the usual one (app/cli/login.py).
Prints one line per certificate: 발급번호, 고객번호, 학생, 연간 합계 (and any earlier numbers).
"""

from __future__ import annotations

import argparse
from datetime import datetime

from app.cli.errors import CliError


def _now() -> datetime:
    """The moment of issue: the Seoul wall clock (tests replace it)."""
    from app.services.common.calendar import SEOUL

    return datetime.now(SEOUL)


def cmd_certificate(args: argparse.Namespace) -> int:
    from app.services.aggregates import certificates
    from app.services.aggregates.reports import build, certificate_list, certificate_pdf
    from app.services.common import output_files
    from app.services.common.calendar import SEOUL
    from app.services.settings import contracts

    caller = args.caller
    db, actor = caller.db, caller.user
    actor.require_edit()  # refused before anything is read or checked, as the screen hides the buttons
    now = _now().astimezone(SEOUL)
    certificates.check_issue_year(args.year, now.date())
    contract_id = contracts.contract_id_for_code(db, args.contract)
    protected = output_files.protected_for(db)
    output_files.check_target(args.pdf, force=args.force, protected=protected)
    if args.xlsx:
        output_files.check_target(args.xlsx, force=args.force, protected=protected)
    rows = certificates.certificate_rows(db, actor, contract_id, args.year)
    if args.customer:
        by_no = {r.customer_no: r for r in rows}
        unknown = [no for no in args.customer if no.strip() not in by_no]
        if unknown:
            raise CliError(f"{args.year}년에 납입한 교육비가 없거나 없는 고객번호입니다: {', '.join(unknown)}",
                           f"no fees counted in {args.year} for customer(s): {', '.join(unknown)}")
        rows = [by_no[no.strip()] for no in dict.fromkeys(args.customer)]
    if not rows:
        raise CliError(f"{args.year}년에 납입한 교육비가 있는 고객이 없습니다", f"no fees counted in {args.year}")
    issued, paths = certificate_pdf.issue_to_pdf(db, actor, contract_id, args.year, [r.customer_id for r in rows],
                                                 args.pdf, today=now.date(), now=now, force=args.force)
    for cert in issued:
        earlier = f"\t이미 발급: {', '.join(e.text for e in cert.earlier)}" if cert.earlier else ""
        print(f"{cert.number}\t{cert.customer_no}\t{cert.student}\t{cert.total:,}원{earlier}")
    print(f"발급했습니다 ({len(issued):,}장, 합계 {sum(c.total for c in issued):,}원): {paths[0]}")
    if args.xlsx:
        report = certificate_list.certificate_list(db, actor, contract_id, args.year, now=now)
        print(f"목록을 저장했습니다: {build.save(db, actor, report, args.xlsx, 'xlsx', force=args.force)}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `certificate` to `python -m app` (called from app.cli.main.extra_commands)."""
    from app.cli.args import cli_year

    cmd = sub.add_parser(
        "certificate", help="교육비 납입증명서 발급 PDF·목록 엑셀 (education fee certificates)",
        description="연도의 교육비 납입증명서를 발급해 PDF(학생마다 한 쪽)로 저장하고 발급번호를 출력합니다. "
                    "발급할 때마다 새 번호가 기록되고, 이전에 발급한 번호도 함께 출력합니다.",
    )
    cmd.add_argument("--contract", required=True, metavar="CODE", help="이용기관코드")
    cmd.add_argument("--year", required=True, type=cli_year, metavar="YYYY", help="납입 연도")
    cmd.add_argument("--customer", action="append", metavar="NO",
                     help="고객번호 (여러 번 쓸 수 있음; 없으면 그 해 납입 내역이 있는 모든 고객)")
    cmd.add_argument("--pdf", required=True, metavar="OUT.pdf", help="증명서 PDF 저장 경로")
    cmd.add_argument("--xlsx", metavar="OUT.xlsx", help="목록 엑셀 저장 경로 (선택)")
    cmd.add_argument("--force", action="store_true", help="OUT이 이미 있으면 덮어씀 (overwrite)")
    cmd.set_defaults(handler=cmd_certificate)
