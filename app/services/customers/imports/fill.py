"""What a payer list lacks, asked once for the whole file or typed per row, and what follows the import.

Another service's export rarely has everything this desk needs: the debit day of this contract, its
collection item, the first month debited here, the consent evidence. Those are asked once for the
whole file (`FileValues`) or typed by the clerk in the preview for the rows that lack them
(`overrides`: Excel row → field → text); the rows are then checked again, by the same rules as any
cell. Both become cells the checker reads, so a value from the clerk is checked exactly as the file's
own would be, and its errors name the column the clerk filled:

* a field the file has a column for: the clerk's per-row value replaces the cell, the file-wide value
  fills the cells that are empty;
* a field the file has no column for (`Asked.virtual`): a column of its own after the file's last,
  headed by the template's name (이체예정일, 계좌번호 …), holding the per-row or file-wide value.

After the checks, each new agreement's registration is weighed against its first debit (D-2,
`agreements.registration_outlook`), and after the import the evidence folder or .zip is attached
by 고객번호 (`evidence.bulk.attach_bulk`) — or left for later, when the registrations wait in
계좌신청대기 until 고객관리 > 동의자료 일괄첨부 gives them their evidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from app.database.engine import Database
from app.services.common.calendar import SEOUL, BusinessCalendar
from app.services.common.crypto import DataKey
from app.services.common.errors import ServiceError
from app.services.common.masking import masked_last4
from app.services.common.periods import add_months
from app.services.common.session import Actor
from app.services.common.validation import ValidationError
from app.services.customers import agreements, rules
from app.services.customers.evidence.bulk import BulkReport, attach_bulk
from app.services.customers.imports.profiles import Profile
from app.services.customers.imports.rows import BY_KEY, ItemChoice, RowResult, Status, item_lookup, normalise_header

FILL_KEYS: tuple[str, ...] = ("item", "debit_day", "first_month", "monthly_amount", "bank_code", "account_no",
                              "holder_name", "holder_id")
"""Fields a clerk may give per row in the preview (what other services' exports lack most)."""
FILE_WIDE_KEYS: tuple[str, ...] = ("debit_day", "item", "first_month")
"""Fields asked once for the whole file."""
SHORT_HEADERS = {"holder_id": "예금주생년월일"}
MAX_OVERRIDE_ROWS = 10_000
MAX_OVERRIDE_TEXT = 64
LATER_PLACE = "고객관리 > 동의자료 일괄첨부"
_LOOKAHEAD_MONTHS = 6  # how far the D-2 mark looks for a first month the registration can make


@dataclass(frozen=True)
class FileValues:
    """The values asked once for the whole file; "" is not given. `evidence` is a folder or .zip of
    scanned consent forms named by 고객번호, attached after the import ("" is 나중에 첨부)."""

    debit_day: str = ""
    item: str = ""
    first_month: str = ""
    evidence: str = ""

    def get(self, key: str) -> str:
        return str(getattr(self, key, "") or "") if key in FILE_WIDE_KEYS else ""

    @property
    def given(self) -> bool:
        return any(self.get(k) for k in FILE_WIDE_KEYS) or bool(self.evidence)

    def checked(self, items: Sequence[ItemChoice]) -> FileValues:
        """The values as the rules read them (25일 → 25, 수강료, 2026.5 → 2026-05) or ServiceError
        naming the value and what is wrong: a bad file-wide value would fail every row at once."""
        day = self.debit_day.strip()
        item_name = self.item.strip()
        month = self.first_month.strip()
        if item_name:
            found = item_lookup(items).get(normalise_header(item_name).casefold())
            if found is None:
                names = ", ".join(i.name for i in items) or "없음"
                raise ServiceError(f"파일 전체 집금항목 '{item_name}'은(는) 이 계약의 집금항목이 아닙니다 (등록된 항목: {names}).")
            item_name = found.name
        named = [i for i in items if i.name == item_name] if item_name else list(items)
        allowed = sorted({d for i in named for d in i.days}) or None
        try:
            if day:
                day = str(rules.debit_day(re.sub(r"^(매월|매달)\s*", "", day), allowed))
            if month:
                month = rules.month(month, "최초이체년월")
        except ValidationError as problem:
            raise ServiceError(f"파일 전체 {problem.field}: {problem.message}") from None
        evidence = self.evidence.strip()
        if evidence:
            evidence_source(evidence)
        return FileValues(day, item_name, month, evidence)


def evidence_source(path: str | Path) -> Path:
    """The folder or .zip of consent forms, refused before anything is written when it is neither."""
    source = Path(path)
    if source.is_dir() or (source.is_file() and source.suffix.lower() == ".zip"):
        return source
    if source.is_file():
        raise ServiceError(f"동의자료는 폴더나 .zip 파일로 고르세요: {source.name}")
    raise ServiceError(f"동의자료 폴더나 .zip 파일을 찾을 수 없습니다: {source}")


def clean_overrides(overrides: Mapping[int, Mapping[str, Any]] | None) -> dict[int, dict[str, str]]:
    """The clerk's per-row values, bounded (rows, text length) and limited to `FILL_KEYS`."""
    if not overrides:
        return {}
    if len(overrides) > MAX_OVERRIDE_ROWS:
        raise ServiceError(f"행마다 입력한 값은 {MAX_OVERRIDE_ROWS:,}행까지 받습니다. 나머지는 파일에 적어 다시 선택하세요.")
    cleaned: dict[int, dict[str, str]] = {}
    for row, values in overrides.items():
        kept: dict[str, str] = {}
        for key, value in values.items():
            if key not in FILL_KEYS:
                raise ServiceError(f"{row}행: '{key}'은(는) 미리보기에서 입력할 수 있는 항목이 아닙니다.")
            text = "" if value is None else str(value).strip()
            if len(text) > MAX_OVERRIDE_TEXT:
                raise ServiceError(f"{row}행 [{BY_KEY[key].header}]: 입력한 값이 너무 깁니다 ({MAX_OVERRIDE_TEXT}자까지).")
            if text:
                kept[key] = text
        if kept:
            cleaned[int(row)] = kept
    return cleaned


@dataclass(frozen=True)
class Asked:
    """A field filled by the clerk rather than (only) the file: where its cells are and what fills them."""

    key: str
    header: str
    position: int
    virtual: bool  # no column of the file: a column of its own after the file's last
    file_value: str = ""

    @property
    def label(self) -> str:
        """The virtual column's header: the template's, or its usual short name where that is long
        (예금주생년월일 reads back as the same field when the error list is imported again)."""
        return SHORT_HEADERS.get(self.key, BY_KEY[self.key].header)


class Filler:
    """Puts the file-wide and per-row values into a row's cells (and the virtual columns' cells)."""

    def __init__(self, asked: Sequence[Asked], positions: Mapping[str, int], width: int,
                 overrides: Mapping[int, Mapping[str, str]]) -> None:
        self.width = width
        self.fills = [(a.position, a.file_value) for a in asked if a.file_value]
        self.overrides = overrides
        self.positions = positions
        self.virtual = any(a.virtual for a in asked)

    @property
    def idle(self) -> bool:
        return not (self.fills or self.overrides or self.virtual)

    def apply(self, row: int, cells: Sequence[Any]) -> list[Any]:
        filled = list(cells)
        if len(filled) < self.width:
            filled.extend([""] * (self.width - len(filled)))
        for position, value in self.fills:
            current = filled[position]
            if current is None or (isinstance(current, str) and not current.strip()):
                filled[position] = value
        for key, typed in self.overrides.get(row, {}).items():
            at = self.positions.get(key)
            if at is not None:
                filled[at] = typed
        return filled


def plan_asked(positions: Mapping[str, int], header_width: int, file_values: FileValues,
               askable: Sequence[str], overrides: Mapping[int, Mapping[str, str]]) -> tuple[Asked, ...]:
    """The asked fields of this file: every `askable` field with no column gets a virtual column,
    a field with a column gets the file-wide value for its empty cells."""
    wanted = {key for values in overrides.values() for key in values}
    asked: list[Asked] = []
    extra = header_width
    for key in FILL_KEYS:
        value = file_values.get(key)
        if key in positions:
            if value:
                asked.append(Asked(key, BY_KEY[key].header, positions[key], False, value))
            continue
        if key in askable or value or key in wanted:
            asked.append(Asked(key, BY_KEY[key].header, extra, True, value))
            extra += 1
    return tuple(asked)


# --- D-2: can the registration queued now complete before the first debit? --------------------------


@dataclass(frozen=True)
class LateMark:
    """A new agreement whose registration cannot complete before its first debit's D-2 deadline."""

    row: int
    first_debit: date
    deadline: date
    result_at: datetime
    suggestion: str  # the first month whose debit the registration does make ("" none within reach)

    def message(self) -> str:
        text = (f"첫 출금일 {self.first_debit:%Y-%m-%d}의 계좌신청 마감(D-2)은 {self.deadline:%m-%d}인데 결과가 "
                f"{self.result_at:%m-%d %H:%M}에 나옵니다.")
        if self.suggestion:
            return text + f" 최초이체년월을 {self.suggestion}(으)로 하세요."
        return text + " 최초이체년월을 늦추거나 다른 이체예정일을 고르세요."


def moment(today: date | None, now: datetime | None) -> datetime:
    """When the registrations are queued: `now`, else 09:00 of `today` (before the cut-off), else now."""
    if now is not None:
        return now if now.tzinfo else now.replace(tzinfo=SEOUL)
    if today is not None:
        return datetime.combine(today, time(9, 0), SEOUL)
    return datetime.now(SEOUL)


def late_marks(calendar: BusinessCalendar, now: datetime, rows: Sequence[RowResult], *, cutoff: time,
               result_time: time) -> dict[int, LateMark]:
    """Every new row whose first debit comes before its registration can complete (by Excel row)."""
    cache: dict[tuple[str, int], LateMark | None] = {}

    def weigh(first_month: str, day: int) -> LateMark | None:
        outlook = agreements.registration_outlook(calendar, now, first_month, day, cutoff=cutoff, result_time=result_time)
        if outlook.in_time:
            return None
        # Search from the later of the first month and this month: a first month long past is no hint.
        suggestion, period = "", max(first_month, f"{now.astimezone(SEOUL):%Y-%m}")
        for _ in range(_LOOKAHEAD_MONTHS):
            if period == first_month:
                period = add_months(period, 1)
            if agreements.registration_outlook(calendar, now, period, day, cutoff=cutoff,
                                               result_time=result_time).in_time:
                suggestion = period
                break
            period = add_months(period, 1)
        return LateMark(0, outlook.first_debit, outlook.deadline, outlook.result_at, suggestion)

    marks: dict[int, LateMark] = {}
    for row in rows:
        terms = row.agreement
        if row.status is not Status.NEW or terms is None:
            continue
        pair = (terms.first_month, terms.debit_day)
        if pair not in cache:
            cache[pair] = weigh(*pair)
        found = cache[pair]
        if found is not None:
            marks[row.row] = LateMark(row.row, found.first_debit, found.deadline, found.result_at, found.suggestion)
    return marks


# --- evidence after the import -----------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceOutcome:
    """What the evidence step did: the bulk attach's report, or why it could not run (the import
    itself is written either way: evidence never undoes registrations)."""

    source: str
    report: BulkReport | None = None
    error: str = ""

    def summary(self) -> str:
        if self.report is not None:
            return f"동의자료 {self.report.summary}."
        return f"동의자료를 첨부하지 못했습니다: {self.error} {LATER_PLACE}에서 다시 첨부하세요."


@dataclass
class EvidencePlan:
    """How the preview says evidence will be handled (the source, or later, and for how many)."""

    source: str = ""
    registrations: int = 0
    hints: list[str] = field(default_factory=list)

    def notice(self) -> str:
        if self.source:
            text = (f"등록한 뒤 '{Path(self.source).name}'의 동의자료를 파일 이름의 고객번호로 이체정보에 첨부합니다. "
                    "첨부하지 못한 파일은 결과에 사유와 함께 보여 드립니다.")
        else:
            text = (f"동의자료는 나중에 첨부합니다: 계좌신청 {self.registrations:,}건은 출금동의 증빙을 첨부할 때까지 "
                    f"계좌신청대기에 남아 은행에 보내지 않습니다 ({LATER_PLACE}).")
        return " ".join([text, *self.hints])


def attach_evidence(db: Database, actor: Actor, key: DataKey, contract_id: int, source: str, *,
                    now: datetime | None = None,
                    progress: Callable[[int, int], None] | None = None) -> EvidenceOutcome:
    """Attach the folder or .zip by 고객번호 after the import; a refusal is reported, not raised."""
    try:
        report = attach_bulk(db, actor, key, Path(source), contract_id=contract_id, now=now, progress=progress)
    except ServiceError as refused:
        return EvidenceOutcome(source, error=refused.message)
    except OSError:
        return EvidenceOutcome(source, error="폴더나 압축 파일을 읽을 수 없습니다.")
    return EvidenceOutcome(source, report)


# --- what the preview says ----------------------------------------------------------------------------


def empty_reason(key: str, header: str) -> str:
    """Why an export's empty cell of a field the clerk may fill is refused, and what to do."""
    also = f" 또는 파일 전체 {BY_KEY[key].header}을(를) 정하세요" if key in FILE_WIDE_KEYS else ""
    return f"비어 있습니다. 미리보기의 '{header}' 칸에 이 행의 값을 입력하세요{also}."


def asked_reason(asked: Asked) -> str:
    """Why a cell of a field the file has no column for is empty, and what to do."""
    also = f" 또는 파일 전체 {asked.label}을(를) 정하세요" if asked.key in FILE_WIDE_KEYS else ""
    return f"파일에 {asked.label} 열이 없습니다. 미리보기의 '{asked.label}' 칸에 이 행의 값을 입력하세요{also}."


def read_as_notes(export: Profile, score: int, *, explicit: bool) -> list[str]:
    """Which export the file was read as, and what that export does not carry."""
    how = "직접 고른 양식" if explicit else f"그 서비스의 열 이름 {score}개가 맞음"
    notes = [f"{export.name}으로 읽었습니다 ({how}). 열 연결을 확인하고, 다르게 읽을 열은 바꾸세요."]
    return notes + ([export.lacks] if export.lacks else [])


def asked_notes(asked: Sequence[Asked], overrides: Mapping[int, Mapping[str, str]], header: Sequence[str], *,
                bank_in_account: bool) -> list[str]:
    """Where the file-wide values went, which fields are typed per row, and how many were typed."""
    notes: list[str] = []
    for one in asked:
        label = one.label
        shown = f"{one.file_value}일" if one.key == "debit_day" else one.file_value
        if one.virtual and one.file_value:
            notes.append(f"파일에 {label} 열이 없어 모든 행에 파일 전체 값 {shown}을(를) 넣었습니다.")
        elif one.virtual and one.key == "bank_code" and bank_in_account:
            continue  # the bank is read from the account cell's bracket (the profile's note says so)
        elif one.virtual:
            also = " (또는 파일 전체 값으로 정하세요)" if one.key in FILE_WIDE_KEYS else ""
            notes.append(f"파일에 {label} 열이 없습니다: 미리보기의 '{label}' 칸에 행마다 입력하세요{also}.")
        elif one.file_value:
            column = header[one.position] if one.position < len(header) else label
            notes.append(f"{column} 칸이 빈 행에는 파일 전체 값 {shown}을(를) 넣었습니다.")
    typed = sum(len(v) for v in overrides.values())
    if typed:
        notes.append(f"미리보기에서 입력한 값 {typed:,}칸을 넣어 다시 검사했습니다.")
    return notes


def switch_in_notes(export: Profile, skipped: int, registrations: int) -> list[str]:
    """The rows the other service had stopped, and the registrations asked of the bank again."""
    service = export.service
    notes = []
    if skipped:
        notes.append(f"{service}에서 해지·중지되었거나 계좌 자동이체가 아닌 {skipped:,}행은 건너뜁니다 (행마다 '참고'에 사유).")
    notes.append(f"{service}에서 옮겨 오는 납부자 {registrations:,}명은 이 기관으로 은행에 출금이체를 다시 신청합니다: "
                 f"등록하면 계좌신청(신규) {registrations:,}건이 계좌신청대기에 들어가고, 출금동의 증빙이 접수된 뒤 은행에 "
                 f"보냅니다. {service}의 자동이체는 이곳의 첫 출금 전에 {service}에서 해지하세요 (두 곳에서 출금될 수 있습니다).")
    return notes


def late_note(late: Mapping[int, LateMark]) -> str:
    first = min(late.values(), key=lambda m: m.row)
    return (f"첫 출금일 전에 계좌신청을 마칠 수 없는 행이 {len(late):,}개 있습니다 ('계좌신청' 칸의 ⚠). "
            f"예: {first.row}행 — {first.message()}")


def shown_value(overrides: Mapping[int, Mapping[str, str]], item_names: Mapping[int, str], row: RowResult,
                key: str) -> str:
    """A per-row column's value as shown: typed, else read (an account masked as on every screen)."""
    typed = overrides.get(row.row, {}).get(key)
    if typed is not None:
        return _masked(typed) if key == "account_no" else typed
    terms = row.agreement
    if terms is None:
        return ""
    if key == "item":
        return item_names.get(terms.item_id or 0, "")
    if key == "account_no":
        return _masked(terms.account_no)
    if key == "monthly_amount":
        return f"{terms.monthly_amount:,}"
    value = getattr(terms, key, "")
    return "" if value is None else str(value)


def _masked(account: str) -> str:
    return masked_last4("".join(ch for ch in account if ch.isascii() and ch.isdigit())[-4:])
