"""고객관리 > 일괄등록: customers and their agreements from the clerk's Excel list.

Two steps, because nothing may be written before the clerk has seen what will happen:

1. `preview_import` reads and checks every row and says, row by row, what would be imported and
   what is wrong (Excel row number, column header, Korean reason). It writes nothing.
2. `run_import` writes the previewed rows in one transaction: all of them (`all-or-nothing`, refused
   while any row has an error) or the valid ones (`valid-only`). Customer numbers already in the
   contract are skipped or updated, as the clerk chose. A cancel or any failure writes nothing.

Both take a progress callback and a cancel test, so a screen can run them in a worker thread.
The error list can be saved beside the original data (`save_error_report`) for the clerk to fix
and import again. Nothing here logs a resident or account number.

A clerk's own list is read too, not only the template: its columns are matched by the template's
words and their synonyms (`import_rows.plan_columns`); a column nobody knows, or a second column for
a field already taken, is the clerk's to decide (the screen's 열 연결 step, the CLI's ``--map``)
before anything can be imported. The decisions are remembered per contract in the shared settings
(AppSetting ``import.mapping.<contract_id>``, JSON header → field key, "" for 사용 안 함), written
in the import's own transaction and applied, and shown, the next time.

Payer lists exported by other CMS services (효성 CMS+, NICE 더빌, 도너스, an academy program) are
recognised by their header (`imports.profiles`): the preview says which export it read the file as,
shows the mapping before anything is written, skips the rows the service had stopped, and says that
every payer is registered with the bank again through this agency (a new EB13 with evidence). What the
export lacks is asked once for the whole file or typed per row in the preview (`imports.fill`); each
new agreement whose first debit comes before its registration can complete (D-2) is marked with what
to do; the consent evidence is attached by 고객번호 after the import, or left for later.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import AppSetting, CollectionItem, Customer
from app.models.base import utcnow
from app.services.common import audit, output_files
from app.services.common.calendar import SEOUL
from app.services.common.crypto import DataKey
from app.services.common.errors import ConflictError, ServiceError
from app.services.common.session import Actor
from app.services.customers import agreements, rules
from app.services.customers.imports import profiles
from app.services.customers.imports.fill import (
    FILE_WIDE_KEYS,
    FILL_KEYS,
    LATER_PLACE,
    Asked,
    EvidenceOutcome,
    EvidencePlan,
    FileValues,
    Filler,
    LateMark,
    asked_notes,
    asked_reason,
    attach_evidence,
    clean_overrides,
    empty_reason,
    late_marks,
    late_note,
    moment,
    plan_asked,
    read_as_notes,
    shown_value,
    switch_in_notes,
)
from app.services.customers.imports.profiles import Profile, Recognised, RowHabits
from app.services.customers.imports.reader import (
    MAX_ROWS,
    ImportCancelled,
    ImportFileError,
    Progress,
    open_sheet,
)
from app.services.customers.imports.rows import (
    BY_KEY,
    COLUMNS,
    EXAMPLE_PREFIX,
    IGNORE,
    ColumnPlan,
    HeaderMap,
    ItemChoice,
    RowChecker,
    RowError,
    RowResult,
    Source,
    Status,
    field_for,
    looks_like_header,
    normalise_header,
    plan_columns,
)
from app.services.customers.imports.template import write_error_workbook
from app.services.customers.imports.writer import WriteCounts, WriteJob, Writer
from app.services.settings import contracts

__all__ = [
    "ALL_OR_NOTHING",
    "AUTO_PROFILE",
    "FILE_WIDE_KEYS",
    "FILL_KEYS",
    "MAX_ROWS",
    "NO_PROFILE",
    "SKIP",
    "TEMPLATE_SHEET",
    "UPDATE",
    "VALID_ONLY",
    "ColumnsMissing",
    "FileValues",
    "ImportCancelled",
    "ImportFileError",
    "ImportOptions",
    "ImportPreview",
    "ImportResult",
    "change_options",
    "column_lines",
    "fill_value",
    "looks_like_header",
    "mapping_key",
    "preview_import",
    "remembered_mapping",
    "report_lines",
    "run_import",
    "save_error_report",
]

log = logging.getLogger(__name__)

ALL_OR_NOTHING = "all-or-nothing"
VALID_ONLY = "valid-only"
SKIP = "skip"
UPDATE = "update"
TEMPLATE_SHEET = "고객목록"
MODES = (ALL_OR_NOTHING, VALID_ONLY)
ON_EXISTING = (SKIP, UPDATE)
AUTO_PROFILE = "auto"
"""Recognise the export by its header (the default); NO_PROFILE reads every file as the clerk's own."""
NO_PROFILE = ""


@dataclass(frozen=True)
class ImportOptions:
    mode: str = ALL_OR_NOTHING
    on_existing: str = SKIP
    store_full_resident: bool = False  # default: a full resident number is kept as the birth date only

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        if self.on_existing not in ON_EXISTING:
            raise ValueError(f"on_existing must be one of {ON_EXISTING}")


@dataclass
class ImportPreview:
    """Every data row with its status, and what the file looked like; nothing has been written."""

    contract_id: int
    file_name: str
    sheet_name: str
    header: list[str]
    rows: list[RowResult]
    options: ImportOptions
    file_keys: frozenset[str]
    notices: list[str] = field(default_factory=list)
    plan: ColumnPlan | None = None
    number_accounts: int = 0  # rows whose account number was a number cell, read as its digits
    profile: Profile | None = None  # the other service's export the file was read as
    profile_score: int = 0  # how many of that export's own column names the header holds
    file_values: FileValues = field(default_factory=FileValues)
    asked: tuple[Asked, ...] = ()  # fields filled by the file-wide values or typed per row
    overrides: dict[int, dict[str, str]] = field(default_factory=dict)  # Excel row → field → the clerk's text
    fill_columns: tuple[tuple[str, str], ...] = ()  # (field, column header) the preview lets the clerk type in
    late: dict[int, LateMark] = field(default_factory=dict)  # Excel row → first debit before D-2
    item_names: dict[int, str] = field(default_factory=dict)

    @property
    def registrations(self) -> int:
        """New agreements, each a registration (EB13 신규) the bank will be asked for."""
        return self.count(Status.NEW)

    @property
    def status_skipped(self) -> int:
        """Rows skipped for the other service's status (해지, 중지, 카드 …), not for an existing number."""
        return sum(1 for r in self.rows if r.status is Status.SKIP and not _existing_note(r))

    @property
    def account_warnings(self) -> int:
        """Valid rows whose account number has a length its bank does not use (warned, not refused)."""
        return sum(1 for r in self.rows if r.account_warning and r.status is not Status.ERROR)

    def count(self, status: Status) -> int:
        return sum(1 for r in self.rows if r.status is status)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def error_count(self) -> int:
        return self.count(Status.ERROR)

    @property
    def valid_count(self) -> int:
        return self.total - self.error_count

    @property
    def errors(self) -> list[RowError]:
        return [e for r in self.rows for e in r.errors]

    def blocked_reason(self) -> str | None:
        """Why `run_import` would write nothing, or None when it would write something."""
        if self.plan is not None and self.plan.undecided:
            names = ", ".join(c.header for c in self.plan.undecided)
            return (f"어떤 항목인지 정하지 않은 열이 있습니다: {names}. '열 연결'에서 읽을 항목이나 '사용 안 함'을 "
                    "고른 뒤 다시 검사하세요 (명령줄: --map \"열이름=항목\").")
        if self.options.mode == ALL_OR_NOTHING and self.error_count:
            return (f"'모두 정상일 때만 등록'을 골랐는데 오류가 있는 행이 {self.error_count:,}개 있어 등록할 수 없습니다. "
                    "오류를 고친 뒤 파일을 다시 선택하거나 '정상인 행만 등록'을 고르세요.")
        if not any(r.status in (Status.NEW, Status.UPDATE) for r in self.rows):
            return "등록할 행이 없습니다. 모든 행이 오류이거나 이미 등록된 고객번호입니다."
        return None


@dataclass(frozen=True)
class ImportResult:
    counts: WriteCounts
    skipped: int
    errors: int
    evidence: EvidenceOutcome | None = None  # the folder or .zip attached after the import
    evidence_later: bool = False  # the clerk chose 나중에 첨부 for a list from elsewhere

    @property
    def imported(self) -> int:
        return self.counts.customers_added + self.counts.customers_updated

    def summary(self) -> str:
        c = self.counts
        text = (f"고객 {c.customers_added:,}명 등록, {c.customers_updated:,}명 수정, 건너뜀 {self.skipped:,}행, "
                f"오류 {self.errors:,}행. 계좌신청 {c.registrations_queued:,}건이 계좌신청대기로 접수되었습니다.")
        if self.evidence is not None:
            text += " " + self.evidence.summary()
        elif self.evidence_later and c.registrations_queued:
            text += (f" 계좌신청 {c.registrations_queued:,}건은 출금동의 증빙을 첨부할 때까지 계좌신청대기에 남습니다 "
                     f"({LATER_PLACE}).")
        return text


class FastRules:
    """The whole-form checks of `rules` for a file's rows, with the fields' accepted values remembered.

    Why: a list of 100,000 payers repeats the same item, month, day, bank, grade and address in row
    after row. The rows are checked by `rules.validate_customer` / `validate_agreement` themselves,
    handed one `rules.Remembered` for the whole file, so the values and the Korean messages are
    exactly the rules' own — there is no second copy of them here to drift. Resident numbers are
    never remembered.
    """

    def __init__(self, today: date) -> None:
        self.today = today
        self.remembered = rules.Remembered()

    def __call__(self, customer: dict[str, Any], agreement: dict[str, Any], item: ItemChoice | None
                 ) -> tuple[rules.CustomerValues, rules.AgreementValues]:
        return (rules.validate_customer(customer, today=self.today, remembered=self.remembered),
                rules.validate_agreement(agreement, allowed_days=item.days if item else None, today=self.today,
                                         remembered=self.remembered, posted_fee=item.posted_fee if item else None))


def _never() -> bool:
    return False


def seoul_today() -> date:
    return datetime.now(SEOUL).date()


def preview_import(
    db: Database,
    actor: Actor,
    contract_id: int,
    path: str | Path,
    options: ImportOptions = ImportOptions(),
    *,
    today: date | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] = _never,
    mapping: Mapping[str, str] | None = None,
    profile: str | None = AUTO_PROFILE,
    file_values: FileValues | None = None,
    overrides: Mapping[int, Mapping[str, str]] | None = None,
    now: datetime | None = None,
) -> ImportPreview:
    """Read and check the whole file against the contract; raises ImportFileError for an unusable file.

    `mapping` is the clerk's choice for this file (sheet header → field key, IGNORE for 사용 안 함);
    the contract's remembered choices apply to the other columns, then the columns of the export
    `profile` names (AUTO_PROFILE: recognised by the header; NO_PROFILE: none; or a profile's key).
    `file_values` are asked once for the whole file, `overrides` typed per row (Excel row → field →
    text); `now` (else 09:00 of `today`) is when the registrations are taken to be queued, for the
    D-2 marks. Looking writes nothing: the choices are remembered only by `run_import`.
    """
    actor.require_edit()
    contract = contracts.get_contract(db, actor, contract_id)
    items = [ItemChoice(i.id, i.code, i.name, tuple(i.collection_days), i.posted_fee)
             for i in contracts.list_items(db, actor, contract_id, active_only=True)]
    if not items:
        raise ServiceError("이 계약에 사용 중인 집금항목이 없습니다. 환경설정 > 집금항목관리에서 먼저 등록하세요.")
    values = (file_values or FileValues()).checked(items)
    fills = clean_overrides(overrides)
    file = Path(path)
    remembered = remembered_mapping(db, contract_id)
    chosen = {normalise_header(k): _field(k, v) for k, v in (mapping or {}).items()}
    known = [k for k, v in {**remembered, **chosen}.items() if v != IGNORE] + sorted(profiles.header_words())
    sheet = open_sheet(file, preferred_sheet=TEMPLATE_SHEET, header_test=lambda cells: looks_like_header(cells, known))
    recognised = _recognised(profile, sheet.header)
    export = recognised.profile if recognised else None
    askable = set(FILL_KEYS) - ({"item"} if len(items) == 1 else set()) if export else set()
    optional = {k for k in FILE_WIDE_KEYS if values.get(k)} | {k for typed in fills.values() for k in typed}
    defaults = {"debit_limit"} | ({"item"} if len(items) == 1 else set()) | askable | optional
    plan = plan_columns(sheet.header, chosen=chosen, remembered=remembered, defaults=defaults,
                        profile=export.mapping_for(sheet.header) if export else None)
    if plan.missing:
        raise ColumnsMissing(plan, sheet.header_row, sheet.header)
    header_map, asked = _with_asked(plan, len(sheet.header), values, askable, fills)
    header = [*sheet.header, *(a.label for a in asked if a.virtual)]
    filler = Filler(asked, header_map.positions, len(header), fills)
    habits = RowHabits(export, header_map.positions, header_map.headers, sheet.header)
    unfilled = [(a.position, asked_reason(a)) for a in asked if a.virtual and not a.file_value]
    if export is not None:  # an export's empty cell of a field the clerk may fill: say how
        virtual = {a.key for a in asked if a.virtual}
        unfilled += [(header_map.positions[k], empty_reason(k, header_map.header(k))) for k in FILL_KEYS
                     if k in header_map.positions and k not in virtual and k in BY_KEY and BY_KEY[k].required]
    with db.session() as s:
        existing = set(s.scalars(select(Customer.customer_no).where(Customer.contract_id == contract_id)))
    day = today or seoul_today()
    checker = RowChecker(header_map, items, day, FastRules(day))
    bad_cells = sheet.scan.bad_cells
    first_column = sheet.first_column
    number_at = header_map.positions["customer_no"]
    rows: list[RowResult] = []
    total = sheet.data_rows
    for count, (row_no, cells) in enumerate(sheet.rows, start=1):
        if count % 2000 == 0:
            if cancelled():
                raise ImportCancelled()
            if progress:
                progress("검사하는 중", count, total)
        if number_at < len(cells) and str(cells[number_at]).startswith(EXAMPLE_PREFIX):
            continue
        source = cells if filler.idle else filler.apply(row_no, cells)
        prepared = habits.prepare(source, None if filler.idle else cells)
        if prepared.skip is not None:
            rows.append(_skipped(row_no, prepared.cells, header_map, prepared.skip))
            continue
        problems = prepared.problems
        width = len(prepared.cells)
        for position, reason in unfilled:
            if position >= width or prepared.cells[position] in ("", None):
                problems.setdefault(position, reason)  # a masked number keeps its own reason
        if bad_cells or problems:
            def bad(position: int, _row: int = row_no, _problems: dict[int, str] = problems) -> str | None:
                return _problems.get(position) or bad_cells.get((_row, position + first_column))
        else:
            def bad(position: int, _row: int = row_no, _problems: dict[int, str] = problems) -> str | None:
                return None  # the same signature as the one above
        result = checker.check(row_no, prepared.cells, bad)
        if result.raw is not None:  # the error list keeps the cells as the file (and the clerk) gave them
            result.raw = list(source)
        if prepared.notes:
            result.notes = (*result.notes, *prepared.notes)
        rows.append(result)
    if not rows:
        raise ImportFileError(
            f"'{sheet.sheet_name}' 시트에 고객 자료가 없습니다. 첫 행(열 이름) 아래에 고객을 한 행에 한 명씩 입력하세요."
        )
    _mark_duplicates(rows, header_map.headers["customer_no"])
    _mark_existing(rows, existing, options.on_existing)
    if progress:
        progress("검사하는 중", total, total)
    log.info("import preview: contract %s, %s rows, %s with errors", contract_id, len(rows),
             sum(1 for r in rows if r.status is Status.ERROR))
    late = late_marks(agreements.calendar_for(db, actor, contract_id), moment(today, now), rows,
                      cutoff=contract.registration_cutoff, result_time=contract.result_time)
    preview = ImportPreview(contract_id, file.name, sheet.sheet_name, header, rows, options,
                            frozenset(header_map.positions), [], plan,
                            checker.number_accounts, export, recognised.score if recognised else 0, values, asked,
                            fills, _fill_columns(rows, header_map, fills), late, {i.id: i.name for i in items})
    preview.notices = _notices(preview, sheet.header_row, items, explicit=profile not in (AUTO_PROFILE, NO_PROFILE, None))
    return preview


def _recognised(choice: str | None, header: list[str]) -> Recognised | None:
    """The export the file is read as: recognised, none, or the one the clerk named."""
    if choice is None or choice == NO_PROFILE:
        return None
    if choice == AUTO_PROFILE:
        return profiles.recognise(header)
    named = profiles.by_key(choice)
    return Recognised(named, named.score(header))


def _with_asked(plan: ColumnPlan, width: int, values: FileValues, askable: set[str],
                fills: Mapping[int, Mapping[str, str]]) -> tuple[HeaderMap, tuple[Asked, ...]]:
    """The plan's header map with the asked fields' virtual columns after the file's last."""
    base = plan.header_map()
    asked = plan_asked(base.positions, width, values, sorted(askable), fills)
    virtual = [a for a in asked if a.virtual]
    if not virtual:
        return base, asked
    return HeaderMap({**base.positions, **{a.key: a.position for a in virtual}},
                     {**base.headers, **{a.key: a.label for a in virtual}}, base.unknown,
                     frozenset(k for k in base.defaulted if k not in {a.key for a in virtual})), asked


def _fill_columns(rows: list[RowResult], header_map: HeaderMap,
                  fills: Mapping[int, Mapping[str, str]]) -> tuple[tuple[str, str], ...]:
    """The fields the preview offers to type per row: those with a refused cell in some row, and
    those the clerk typed already (so the typed values stay in view after the check)."""
    typed = {key for values in fills.values() for key in values}
    failing = {e.column for r in rows if r.status is Status.ERROR for e in r.errors}
    return tuple((key, header_map.header(key)) for key in FILL_KEYS
                 if key in typed or (key in header_map.positions and header_map.header(key) in failing))


def _skipped(row_no: int, cells: list[Any], header_map: HeaderMap, note: str) -> RowResult:
    """A row the other service had stopped (해지, 중지, 카드 …): shown as 건너뜀 with the reason."""
    def text(key: str) -> str:
        position = header_map.positions.get(key)
        value = cells[position] if position is not None and position < len(cells) else ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return "" if value is None else str(value).strip()[:50]

    return RowResult(row_no, text("customer_no"), text("name"), Status.SKIP, [], (note,))


def fill_value(preview: ImportPreview, row: RowResult, key: str) -> str:
    """What the preview shows in a per-row column: the clerk's typed value, else the value read
    (account numbers masked as on every screen), else nothing."""
    return shown_value(preview.overrides, preview.item_names, row, key)


def _field(column: str, wanted: str) -> str:
    """The field key of a clerk's choice ('memo', '메모', '비고', '사용 안 함' → IGNORE)."""
    found = field_for(wanted)
    if found is None:
        names = ", ".join(c.header for c in COLUMNS)
        raise ServiceError(f"'{column}' 열을 연결할 항목 '{wanted}'을(를) 알 수 없습니다. 양식의 열 이름({names}) "
                           "가운데 하나나 '사용 안 함'을 쓰세요.")
    return found


class ColumnsMissing(ImportFileError):
    """Required fields no column gives: the file cannot be checked until the clerk connects columns.

    Carries the column plan so a screen can offer the 열 연결 step at once."""

    def __init__(self, plan: ColumnPlan, header_row: int, header: list[str]) -> None:
        names = ", ".join(BY_KEY[k].header for k in plan.missing)
        found = ", ".join(h for h in header if h) or "없음"
        super().__init__(
            f"필수 열이 없습니다: {names}. {header_row}행의 열 이름을 양식과 같게 고치거나, '열 연결'"
            f"(명령줄: --map \"열이름=항목\")에서 이 파일의 어느 열이 그 항목인지 정하세요. (이 파일의 열: {found})"
        )
        self.plan = plan
        self.header_row = header_row


def _notices(preview: ImportPreview, header_row: int, items: list[ItemChoice], *, explicit: bool = False) -> list[str]:
    """What the clerk should know about how the file was read, beside the rows' own errors."""
    plan = preview.plan
    export = preview.profile
    notes: list[str] = []
    if export is not None:
        notes += read_as_notes(export, preview.profile_score, explicit=explicit)
    if header_row > 1:
        notes.append(f"열 이름은 {header_row}행에서 찾았습니다 (그 위의 제목·빈 행은 읽지 않음).")
    if plan is not None:
        if "item" in plan.defaulted and not any(a.key == "item" for a in preview.asked):
            notes.append(f"집금항목 열이 없어 모든 행을 이 계약의 집금항목 '{items[0].name}'(으)로 등록합니다.")
        if "debit_limit" in plan.defaulted:
            notes.append("건당출금한도 열이 없어 각 행의 월이체금액을 건당출금한도로 등록합니다.")
        remembered = [c for c in plan.columns if c.source is Source.REMEMBERED]
        if remembered:
            notes.append("지난번에 정한 열 연결을 적용했습니다: " + ", ".join(
                f"{c.header} → {BY_KEY[c.key].header if c.key else '사용 안 함'}" for c in remembered) + ".")
        status_words = {normalise_header(rule.header) for rule in export.statuses} if export else set()
        skipped = [c.header for c in plan.columns if c.key is None and c.decided
                   and normalise_header(c.header) not in status_words]
        if skipped:
            notes.append(f"읽지 않는 열: {', '.join(skipped)}.")
    notes += asked_notes(preview.asked, preview.overrides, preview.header,
                         bank_in_account=export is not None and export.bank_in_account)
    if preview.number_accounts:
        notes.append(f"계좌번호 {preview.number_accounts:,}행이 엑셀에 숫자로 저장되어 있어 숫자 그대로 읽었습니다. "
                     "앞자리가 0인 계좌번호는 0이 빠졌을 수 있으니 통장과 확인하세요.")
    if preview.account_warnings:
        notes.append(f"계좌번호가 그 은행의 계좌번호 체계(자릿수, 농협 구분)와 맞지 않는 행이 {preview.account_warnings:,}개 있습니다 "
                     "('참고'에 표시). 등록은 되지만 이대로 계좌신청을 보내면 은행이 거절할 수 있으니 확인하세요.")
    if export is not None:
        notes += switch_in_notes(export, preview.status_skipped, preview.registrations)
    if preview.late:
        notes.append(late_note(preview.late))
    if export is not None or preview.file_values.given:
        hints = [export.evidence_hint] if export is not None and export.evidence_hint else []
        notes.append(EvidencePlan(preview.file_values.evidence, preview.registrations, hints).notice())
    return notes


def mapping_key(contract_id: int) -> str:
    """The AppSetting key of a contract's remembered column mapping."""
    return f"import.mapping.{contract_id}"


def remembered_mapping(db: Database, contract_id: int) -> dict[str, str]:
    """The column choices remembered for this contract (header → field key, IGNORE for 사용 안 함).

    A damaged value is ignored (logged): the clerk is asked again, nothing is guessed."""
    with db.session() as s:
        row = s.get(AppSetting, mapping_key(contract_id))
        text = row.value if row is not None else None
    if not text:
        return {}
    try:
        stored = json.loads(text)
    except ValueError:
        log.warning("import mapping of contract %s is not JSON; ignored", contract_id)
        return {}
    if not isinstance(stored, dict):
        return {}
    return {normalise_header(k): v for k, v in stored.items()
            if isinstance(k, str) and isinstance(v, str) and (v in BY_KEY or v == IGNORE)}


def _remember(session: Session, actor: Actor, preview: ImportPreview) -> int:
    """Store the clerk's column choices of this import for the contract (in the import's transaction)."""
    chosen = {k: v for k, v in (preview.plan.mapping() if preview.plan else {}).items()}
    if not chosen:
        return 0
    key = mapping_key(preview.contract_id)
    row = session.get(AppSetting, key)
    merged: dict[str, str] = {}
    if row is not None:
        try:
            old = json.loads(row.value)
            merged.update({k: v for k, v in old.items() if isinstance(k, str) and isinstance(v, str)}
                          if isinstance(old, dict) else {})
        except ValueError:
            pass
    merged.update(chosen)
    text = json.dumps(merged, ensure_ascii=False, sort_keys=True)
    if row is None:
        session.add(AppSetting(key=key, value=text, updated_by=actor.login_id))
    elif row.value != text:
        row.value, row.updated_by = text, actor.login_id
    return sum(1 for c in preview.plan.columns if c.source is Source.CHOSEN) if preview.plan else 0


def _mark_duplicates(rows: list[RowResult], header: str) -> None:
    """Every row of a number that appears twice in the file is an error: which one is right is the clerk's call.

    Rows skipped for the other service's status (a 해지 contract beside the member's live one) do not count."""
    seen: dict[str, list[RowResult]] = {}
    for row in rows:
        if row.customer_no and row.status is not Status.SKIP:
            seen.setdefault(row.customer_no, []).append(row)
    for number, group in seen.items():
        if len(group) < 2:
            continue
        for row in group:
            others = ", ".join(str(o.row) for o in group if o is not row)
            _fail(row, RowError(row.row, header, f"고객번호 {number}이(가) 파일의 다른 행({others}행)에도 있습니다. "
                                                 "한 고객은 한 행에만 입력하세요."))


_SKIP_NOTE = "이미 등록된 고객번호라 건너뜁니다."
_UPDATE_NOTE = "이미 등록된 고객번호라 고객정보와 이 집금항목의 이체정보를 수정합니다."


def _existing_note(row: RowResult) -> bool:
    """The row is skipped or updated because its number is already registered (not for a status)."""
    return bool(row.notes) and row.notes[0] in (_SKIP_NOTE, _UPDATE_NOTE)


def _existing_as(row: RowResult, on_existing: str) -> None:
    notes = tuple(n for n in row.notes if n not in (_SKIP_NOTE, _UPDATE_NOTE))
    if on_existing == SKIP:
        row.status, row.notes = Status.SKIP, (_SKIP_NOTE, *notes)
    else:
        row.status, row.notes = Status.UPDATE, (_UPDATE_NOTE, *notes)


def _mark_existing(rows: list[RowResult], existing: set[str], on_existing: str) -> None:
    for row in rows:
        if row.status is Status.NEW and row.customer_no in existing:
            _existing_as(row, on_existing)


def change_options(preview: ImportPreview, options: ImportOptions) -> ImportPreview:
    """The same checked rows under other choices (mode, existing numbers): no need to read the file again."""
    if options.on_existing != preview.options.on_existing:
        for row in preview.rows:
            if row.status in (Status.SKIP, Status.UPDATE) and _existing_note(row):
                _existing_as(row, options.on_existing)
    return replace(preview, options=options)


def _fail(row: RowResult, error: RowError) -> None:
    row.errors.append(error)
    if row.status is not Status.ERROR:
        row.status = Status.ERROR
        row.customer = row.agreement = None
        row.notes = ()


def run_import(
    db: Database,
    actor: Actor,
    preview: ImportPreview,
    key: DataKey,
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] = _never,
    now: datetime | None = None,
) -> ImportResult:
    """Write the previewed rows in one transaction; ServiceError (nothing written) when refused."""
    actor.require_edit()
    reason = preview.blocked_reason()
    if reason:
        raise ServiceError(f"{reason} 아무것도 등록하지 않았습니다.")
    moment = now or utcnow()
    new_rows = [r for r in preview.rows if r.status is Status.NEW]
    update_rows = [r for r in preview.rows if r.status is Status.UPDATE]
    job = WriteJob(preview.contract_id, actor.login_id, key, preview.options.store_full_resident,
                   preview.file_keys, moment.astimezone(SEOUL).date(), moment)
    contract = contracts.get_contract(db, actor, preview.contract_id)
    try:
        with db.session() as s:
            # Written first on purpose: on SQLite this takes the write lock before ids are chosen.
            audit.record(s, "customers_imported", actor=actor, target=contract.institution_code, detail={
                "file": preview.file_name, "new": len(new_rows), "update": len(update_rows),
                "skipped": preview.count(Status.SKIP), "errors": preview.error_count, "mode": preview.options.mode,
                "account_length_warnings": preview.account_warnings,
            })
            s.flush()
            _guard_posted_fees(s, [*new_rows, *update_rows])
            counts = Writer(s, job, progress, cancelled).run(new_rows, update_rows)
            _remember(s, actor, preview)
    except IntegrityError:
        raise ConflictError(
            "다른 사용자가 같은 고객번호를 먼저 등록했습니다. 파일을 다시 선택해 미리보기부터 다시 하세요. "
            "아무것도 저장하지 않았습니다."
        ) from None
    log.info("import done: contract %s, %s added, %s updated", preview.contract_id, counts.customers_added,
             counts.customers_updated)
    evidence = None
    if preview.file_values.evidence:  # after the commit: a refused file never undoes the registrations
        evidence = attach_evidence(db, actor, key, preview.contract_id, preview.file_values.evidence, now=now,
                                   progress=(lambda done, total: progress("동의자료 첨부하는 중", done, total))
                                   if progress else None)
    return ImportResult(counts, preview.count(Status.SKIP), preview.error_count, evidence,
                        evidence_later=evidence is None and (preview.profile is not None or preview.file_values.given))


def _guard_posted_fees(session: Session, rows: list[RowResult]) -> None:
    """A posted 교습비 lowered since the preview would let an amount above it in: refuse the whole import."""
    used = sorted({r.agreement.item_id for r in rows if r.agreement is not None})
    if not used:
        return
    fees = dict(session.execute(select(CollectionItem.id, CollectionItem.posted_fee)
                                .where(CollectionItem.id.in_(used))).all())
    over = [r for r in rows if r.agreement is not None
            and rules.over_posted_fee(r.agreement.monthly_amount, fees.get(r.agreement.item_id))]
    if over:
        raise ConflictError(
            f"미리보기 이후 게시 교습비가 바뀌어 {len(over):,}행(예: {over[0].row}행)의 월이체금액이 게시 교습비를 넘습니다. "
            "파일을 다시 선택해 미리보기부터 다시 하세요. 아무것도 저장하지 않았습니다."
        )


def column_lines(plan: ColumnPlan) -> list[str]:
    """How each column of a clerk's own sheet is read, one line each (the CLI prints these)."""
    return [f"  {c.header} → {BY_KEY[c.key].header if c.key else '사용 안 함'} ({c.source.value})"
            if c.decided else f"  {c.header} → ? ({c.source.value})" for c in plan.columns]


def report_lines(preview: ImportPreview, *, limit: int | None = None) -> list[str]:
    """The validation report as text lines (the CLI prints these; the screen shows the same rows)."""
    lines = [
        f"파일 {preview.file_name} / 시트 {preview.sheet_name}: 전체 {preview.total:,}행, 정상 {preview.valid_count:,}행 "
        f"(신규 {preview.count(Status.NEW):,}, 수정 {preview.count(Status.UPDATE):,}, "
        f"건너뜀 {preview.count(Status.SKIP):,}), 오류 {preview.error_count:,}행",
        *preview.notices,
    ]
    errors = preview.errors
    for error in errors[:limit] if limit else errors:
        lines.append(str(error))
    if limit and len(errors) > limit:
        lines.append(f"… 오류 {len(errors) - limit:,}건 더 있습니다. 오류 목록을 엑셀로 저장해 확인하세요.")
    warned = [r for r in preview.rows if r.account_warning and r.status is not Status.ERROR]
    for row in warned[:limit] if limit else warned:
        lines.append(f"{row.row}행 참고: {row.account_warning}")
    stopped = [r for r in preview.rows if r.status is Status.SKIP and not _existing_note(r)]
    for row in stopped[:limit] if limit else stopped:
        lines.append(f"{row.row}행 건너뜀: {row.notes[0]}")
    late = sorted(preview.late.values(), key=lambda m: m.row)
    for mark in late[:limit] if limit else late:
        lines.append(f"{mark.row}행 ⚠ 계좌신청: {mark.message()}")
    return lines


def save_error_report(db: Database, actor: Actor, preview: ImportPreview, path: str | Path, *,
                      force: bool = False) -> int:
    """The rows with errors, as the file had them, with an 오류 내용 column beside; returns the row count.

    Same columns in the same order, so the clerk can fix this file and import it again (the extra
    columns are ignored then). The file holds account numbers, so saving it is audited, once it is
    in place; an existing file is replaced only with `force` (the database and backups never).
    """
    failed = [r for r in preview.rows if r.status is Status.ERROR]
    write_error_workbook(Path(path), preview.header, failed, force=force, protected=output_files.protected_for(db))
    with db.session() as s:
        audit.record(s, "personal_data_exported", actor=actor, target="일괄등록 오류 목록",
                     detail={"rows": len(failed), "file": Path(path).name})
    return len(failed)

