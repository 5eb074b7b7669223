"""이체의뢰: what is due on a debit date, why a row cannot be asked for, asking and withdrawing.

A retry (재처리의뢰, `retries`) and the automatic request (`automatic`) queue through the checks and the
queueing below (`cutoff_state_in`, `hold_date`, `require_room`, `queue`), so every way into an EB21 obeys
the same cut-off, the same one-open-request-per-charge rule and the same file capacity.

Why it is shaped like this:

* The request screen shows every agreement due on the chosen debit date, requestable or not, each
  excluded row with its reason in Korean (`DueRow.reason`), because a clerk who cannot see why a
  payer is missing calls the agency. The same computation (`charges.due_rows`) decides what
  `request` queues, so the list and the queue never disagree.
* A charge is never in two open requests. `request` locks the charges it is about to ask for and
  only then re-reads their balances and open lines, so of two clerks pressing the button together
  the second sees the first's requests and gets `ConflictError`; the partial unique index on open
  lines is the backstop that makes it a database rule (its IntegrityError also becomes ConflictError).
* Requests are taken strictly before the cut-off (14:00 of the business day before the debit date)
  and not once the EB21 file of that date was built: the file builder holds the per-contract lock
  exclusively that requesting and withdrawing hold shared (`ledger.money_session`), so no request
  can slip in beside a built file and be stranded.
* A withdrawal is possible while no file carries the request: before the cut-off, and after it for
  a request that missed it (the scheduler tells the clerk to withdraw those). A file, once built,
  is never changed, so a request in one is never withdrawn.
* Money moves only through `ledger` (REQUEST/CARRY with the lines; removed on withdrawal).
* What one EB21 cannot carry is refused here, when the clerk can still act, never at the cut-off:
  a debit date's requests become one file whose trailer holds 8 digits of count and 13 of amount
  (`EB21_CAPACITY`, cms-file-format.md §3.3), so a day over that is split onto another date now
  (`FileCapacityError`), instead of the file failing to build after the cut-off and the day being lost.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import BigInteger, cast, func, insert, select, text
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import (
    Charge,
    CollectionItem,
    Contract,
    Customer,
    DebitAgreement,
    DebitRequest,
    Direction,
    FileKind,
    RequestKind,
    RequestState,
    Transmission,
)
from app.services.collection import charges, ledger
from app.services.collection.charges import (
    DueRow,
    RetryRow,
)
from app.services.collection.withdrawal import withdrawing
from app.services.common import audit
from app.services.common.access import contract_for
from app.services.common.calendar import SEOUL, BusinessCalendar
from app.services.common.errors import ConflictError, ServiceError
from app.services.common.formats import moment_text
from app.services.common.periods import add_months, year_month
from app.services.common.session import Actor
from app.services.exchange.cms import remote_name
from app.services.exchange.cms.tables import LAYOUTS, MAX_DATA_SEQUENCE
from app.services.exchange.leases import lock_key
from app.services.exchange.transmissions import ContractInfo, contract_info

__all__ = [
    "EB21_CAPACITY",
    "OVER_POSTED_FEE",
    "CutoffState",
    "DebitDateOption",
    "DueList",
    "DuePart",
    "DueRow",
    "DueTotals",
    "FileCapacity",
    "FileCapacityError",
    "PayerChange",
    "Preflight",
    "RequestOutcome",
    "cutoff_state",
    "cutoff_state_for",
    "debit_dates",
    "list_due",
    "preflight",
    "request",
    "withdraw",
]

@dataclass(frozen=True)
class FileCapacity:
    """What one EB21 (one contract, one debit date) can carry, from the format's field widths."""

    records: int
    amount: int


def _eb21_capacity() -> FileCapacity:
    """The trailer's 총 Data Record 수 (N 8) and 일련번호 (N 8, 99999999 is the trailer's) bound the
    count; the amount fields (전액출금 금액 / 부분출금 금액, N 13) the total, as a contract's records
    all go into one of the two (its 출금형태 is the same for every record)."""
    trailer = LAYOUTS["EB21"].trailer
    digits = min(trailer.field("full_amount").length, trailer.field("partial_amount").length)
    return FileCapacity(records=min(MAX_DATA_SEQUENCE, 10 ** trailer.field("total_count").length - 1),
                        amount=10**digits - 1)


EB21_CAPACITY = _eb21_capacity()
"""99,999,998 records and 9,999,999,999,999원 per file (cms-file-format.md §1.1, §3.3)."""


class FileCapacityError(ServiceError):
    """A request the debit date's file could not carry; nothing was queued. `english` is for the CLI."""

    def __init__(self, message: str, english: str) -> None:
        super().__init__(message)
        self.english = english


class CutoffState(NamedTuple):
    """Whether the 이체의뢰 button is shown, and the Korean sentence the screen puts beside it."""

    open: bool
    message: str


@dataclass(frozen=True)
class DebitDateOption:
    """One debit date the clerk may choose: a contracted day of the month moved onto a business day."""

    debit_date: date
    days: tuple[int, ...]  # the contracted days of the month that fall on this date (usually one)
    periods: tuple[str, ...]  # the charge periods (YYYY-MM) debited on this date
    cutoff: datetime  # the last moment requests are taken (Seoul time)


REQUESTED = "이미 의뢰"
REQUESTABLE = "의뢰 가능"
MISSED = "마감 후 미의뢰"
BLOCKED = "의뢰 불가"


@dataclass(frozen=True)
class DuePart:
    """One category of the list: how many rows and how many won."""

    label: str
    count: int
    won: int

    @property
    def text(self) -> str:
        return f"{self.label} {self.count:,}건 {self.won:,}원"


@dataclass(frozen=True)
class DueTotals:
    """전체 = 이미 의뢰 + 의뢰 가능 + 의뢰 불가, in counts and won: every row in exactly one part.

    On a closed date the middle part is 마감 후 미의뢰: what could have been asked and was not sent.
    """

    requested: DuePart
    requestable: DuePart
    blocked: DuePart

    @property
    def parts(self) -> tuple[DuePart, DuePart, DuePart]:
        return self.requested, self.requestable, self.blocked

    @property
    def whole(self) -> DuePart:
        return DuePart("전체", sum(p.count for p in self.parts), sum(p.won for p in self.parts))

    @property
    def text(self) -> str:
        """'전체 259건 60,000,000원 = 이미 의뢰 82건 … + 의뢰 가능 177건 … + 의뢰 불가 0건 0원'."""
        return f"{self.whole.text} = " + " + ".join(p.text for p in self.parts)


def row_part(row: DueRow) -> str:
    """The category of a row: requested for this date first, then requestable, else blocked."""
    if row.requested:
        return REQUESTED
    return REQUESTABLE if row.requestable else BLOCKED


def row_won(row: DueRow, include_outstanding: bool) -> int:
    """The won a row adds to its category: what was asked (이미 의뢰), what would be asked (의뢰 가능),
    or what stays unrequested (의뢰 불가: this period's outstanding, and earlier months' when 미수납액
    포함 is on)."""
    part = row_part(row)
    if part == REQUESTED:
        return row.requested_amount
    if part == REQUESTABLE:
        return row.request_amount
    return row.current_outstanding + (row.earlier_outstanding if include_outstanding else 0)


@dataclass(frozen=True)
class DueList:
    debit_date: date
    periods: tuple[str, ...]
    include_outstanding: bool
    cutoff: CutoffState
    rows: tuple[DueRow, ...]  # due by debit day, then what the file carries for others (`DueRow.brought`)

    @property
    def requestable(self) -> tuple[DueRow, ...]:
        return tuple(r for r in self.rows if r.requestable)

    @property
    def request_total(self) -> int:
        return sum(r.request_amount for r in self.rows if r.requestable)

    @property
    def totals(self) -> DueTotals:
        """The footer's identity; the middle part reads 마감 후 미의뢰 once requests are no longer taken."""
        sums = {REQUESTED: [0, 0], REQUESTABLE: [0, 0], BLOCKED: [0, 0]}
        for row in self.rows:
            part = sums[row_part(row)]
            part[0] += 1
            part[1] += row_won(row, self.include_outstanding)
        middle = REQUESTABLE if self.cutoff.open else MISSED
        return DueTotals(DuePart(REQUESTED, *sums[REQUESTED]), DuePart(middle, *sums[REQUESTABLE]),
                         DuePart(BLOCKED, *sums[BLOCKED]))


@dataclass(frozen=True)
class RequestOutcome:
    debit_date: date
    kind: RequestKind
    request_ids: tuple[int, ...]
    count: int
    total_amount: int
    message: str


@dataclass(frozen=True)
class PayerChange:
    """A payer in the pre-flight comparison (amounts in won; None = not requested that month)."""

    agreement_id: int
    customer_no: str
    customer_name: str
    item_name: str
    last_amount: int | None
    this_amount: int | None
    text: str  # Korean, one line


@dataclass(frozen=True)
class Preflight:
    """이체의뢰 전 점검: this debit date against the same debit day(s) of last month."""

    debit_date: date
    last_debit_dates: tuple[date, ...]
    this_count: int
    this_amount: int
    last_count: int
    last_amount: int
    new_payers: tuple[PayerChange, ...]
    dropped_payers: tuple[PayerChange, ...]
    changed_payers: tuple[PayerChange, ...]  # bank or account changed since last month's request
    amount_changes: tuple[PayerChange, ...]
    expired_discounts: tuple[PayerChange, ...]
    excluded: tuple[DueRow, ...]
    # 학원: charges whose monthly amount is above the item's posted 교습비 (학원법 제15조), requestable
    # or not, so the clerk fixes them before asking the bank for money the law forbids.
    over_posted_fee: tuple[PayerChange, ...] = ()

    def lines(self) -> list[str]:
        """The summary as Korean lines for the confirmation dialog."""
        diff = self.this_amount - self.last_amount
        out = [f"이번 의뢰 {self.this_count}건 {self.this_amount:,}원 / 지난달 {self.last_count}건 "
               f"{self.last_amount:,}원 (차이 {diff:+,}원)"]
        for title, group in ((OVER_POSTED_FEE, self.over_posted_fee), ("신규", self.new_payers),
                             ("제외", self.dropped_payers), ("계좌 변경", self.changed_payers),
                             ("금액 변경", self.amount_changes), ("할인 종료", self.expired_discounts)):
            if group:
                out.append(f"{title} {len(group)}건: " + "; ".join(p.text for p in group[:10])
                           + (f" 외 {len(group) - 10}건" if len(group) > 10 else ""))
        if self.excluded:
            out.append(f"의뢰할 수 없는 고객 {len(self.excluded)}명:")
            out.extend(f"  {r.customer_name}({r.customer_no}) {r.item_name}: {r.reason}" for r in self.excluded)
        return out


OVER_POSTED_FEE = "게시 교습비 초과"


# --- cut-off ------------------------------------------------------------------------------------


def cutoff_state(contract: ContractInfo, debit_date: date, now: datetime, *, file_built: bool = False) -> CutoffState:
    """(open, explanation) for the request button; closed at/after the cut-off or once the file is built."""
    calendar = contract.calendar
    if not calendar.is_business_day(debit_date):
        return CutoffState(False, f"{debit_date:%Y-%m-%d}은(는) 영업일이 아닙니다 ({calendar.holiday_name(debit_date)}). "
                                  "다른 출금일을 고르세요.")
    cutoff = calendar.request_cutoff(debit_date, contract.request_cutoff)
    if now >= cutoff:
        return CutoffState(False, f"이체의뢰 마감({moment_text(cutoff)})이 지나 출금일 {debit_date:%Y-%m-%d}에는 "
                                  "더 의뢰할 수 없습니다.")
    if file_built:
        return CutoffState(False, f"출금일 {debit_date:%Y-%m-%d}의 이체의뢰 파일을 이미 만들었습니다. "
                                  "다른 출금일을 고르세요.")
    return CutoffState(True, f"{moment_text(cutoff)}까지 이체의뢰할 수 있습니다.")


def _file_built(s: Session, contract_id: int, debit_date: date) -> bool:
    return s.scalar(select(Transmission.id).where(
        Transmission.contract_id == contract_id, Transmission.direction == Direction.SEND,
        Transmission.remote_name == remote_name(FileKind.EB21, debit_date)).limit(1)) is not None


def cutoff_state_in(s: Session, info: ContractInfo, debit_date: date, now: datetime) -> CutoffState:
    """`cutoff_state` inside an open session; the retry, the automatic request and a moved charge ask it
    in their own transaction, so they are refused at exactly the cut-off a request is."""
    return cutoff_state(info, debit_date, now, file_built=_file_built(s, info.id, debit_date))


def cutoff_state_for(db: Database, actor: Actor, contract_id: int, debit_date: date, now: datetime) -> CutoffState:
    """`cutoff_state` with the contract and the "EB21 already built" fact read from the database."""
    with db.session() as s:
        contract_for(s, actor, contract_id)
        return cutoff_state_in(s, contract_info(s, contract_id), debit_date, now)


# --- debit dates --------------------------------------------------------------------------------


def debit_dates(db: Database, actor: Actor, contract_id: int, year: int, month: int) -> list[DebitDateOption]:
    """The debit dates of `year`-`month` the clerk may choose (contract debit days on business days)."""
    with db.session() as s:
        contract = contract_for(s, actor, contract_id)
        info = contract_info(s, contract_id)
        return date_options(contract, info, year, month)


def date_options(contract: Contract, info: ContractInfo, year: int, month: int) -> list[DebitDateOption]:
    """The debit dates of a month for a contract already read; the automatic request walks the same
    dates the clerk is offered, so it never asks for a date the screen would not."""
    by_date: dict[date, list[int]] = {}
    for day in contract.debit_day_list:
        by_date.setdefault(info.calendar.debit_date_for(year, month, day), []).append(day)
    return [DebitDateOption(d, tuple(days), tuple(charges.days_on(info.calendar, d)),
                            info.calendar.request_cutoff(d, info.request_cutoff))
            for d, days in sorted(by_date.items())]


def _require_debit_date(contract: Contract, info: ContractInfo, debit_date: date) -> None:
    allowed = contract.debit_day_list
    for period in charges.days_on(info.calendar, debit_date):
        year, month = year_month(period)
        if any(info.calendar.debit_date_for(year, month, d) == debit_date for d in allowed):
            return
    days = ", ".join(str(d) for d in allowed)
    raise ServiceError(f"{debit_date:%Y-%m-%d}은(는) 이체일이 아닙니다. 계약된 이체일({days}일)의 출금일을 고르세요.")


# --- the list -------------------------------------------------------------------------------------


def debit_date_window(today: date) -> tuple[date, date]:
    """The debit dates a list may be opened for: from 1 January of last year (last year's months are
    looked back at, e.g. for 연말정산) to a year after `today` (no agreement is asked for further ahead).

    A request creates the period's charges, so a typo such as 9999-12-31 would otherwise make
    charges for the year 9999 (or overflow the calendar), and 0001-01-01 would underflow it.
    """
    last = date(today.year + 1, today.month, 28 if (today.month, today.day) == (2, 29) else today.day)
    return date(today.year - 1, 1, 1), last


def check_debit_date(debit_date: date, today: date) -> None:
    """Refuse a debit date outside `debit_date_window(today)`, in Korean, saying the window."""
    first, last = debit_date_window(today)
    if not first <= debit_date <= last:
        raise ServiceError(f"출금일 {debit_date:%Y-%m-%d}은(는) 고를 수 있는 범위({first:%Y-%m-%d} ~ {last:%Y-%m-%d}) "
                           "밖입니다. 이체의뢰는 1년 뒤의 출금일까지, 지난 출금일 조회는 작년 1월 1일부터 할 수 있습니다.")


def checked_due_rows(
    s: Session, actor: Actor, contract_id: int, debit_date: date, item_id: int | None, include_outstanding: bool,
    now: datetime, *, create: bool, only: Collection[int] | None = None,
) -> tuple[Contract, ContractInfo, list[DueRow]]:
    """The rows due on `debit_date` after the tenancy, window and debit-day checks; the automatic request
    uses it so what it queues is what the request screen lists."""
    contract = contract_for(s, actor, contract_id)
    info = contract_info(s, contract_id)
    check_debit_date(debit_date, now.astimezone(SEOUL).date())
    _require_debit_date(contract, info, debit_date)
    rows = charges.due_rows(s, contract_id, info.calendar, debit_date, item_id=item_id,
                            include_outstanding=include_outstanding, create=create,
                            today=now.astimezone(SEOUL).date(), by=actor.login_id, only=only)
    return contract, info, rows


def list_due(
    db: Database, actor: Actor, contract_id: int, debit_date: date, item_id: int | None = None,
    include_outstanding: bool = False, *, now: datetime | None = None,
) -> DueList:
    """Every agreement due on `debit_date` with its amounts and, when it cannot be requested, why; then
    what the date's file carries for agreements not due on it (a 재처리의뢰, a moved charge), so the
    list and its totals (`DueList.totals`) hold everything that goes to the bank that day.

    Looking never writes: the list creates no charge (a row whose charge does not exist yet shows what
    it would be, `charge_id` None). Charges come into being when they are requested (`request`, the
    automatic request), inside that transaction, so merely opening a date — even a closed one —
    changes no figure of 미납내역집계, the home screen or the letters. Raises ServiceError when
    `debit_date` is not a debit date.
    """
    now = now or datetime.now(SEOUL)
    with db.session() as s:
        _c, info, rows = checked_due_rows(s, actor, contract_id, debit_date, item_id, include_outstanding, now,
                                          create=False)
        rows += charges.brought_rows(s, contract_id, info.calendar, debit_date, item_id=item_id,
                                     exclude={r.agreement_id for r in rows})
        state = cutoff_state_in(s, info, debit_date, now)
    return DueList(debit_date, tuple(charges.days_on(info.calendar, debit_date)), include_outstanding, state,
                   tuple(rows))


def preflight(
    db: Database, actor: Actor, contract_id: int, debit_date: date, item_id: int | None = None,
    include_outstanding: bool = False, *, now: datetime | None = None,
) -> Preflight:
    """This month against last month: new, changed and dropped payers, amount changes, expired discounts,
    exclusions; and every charge above its item's posted 교습비."""
    due = list_due(db, actor, contract_id, debit_date, item_id, include_outstanding, now=now)
    with db.session() as s:
        info = contract_info(s, contract_id)
        result = _compare(s, info.calendar, contract_id, debit_date, [r for r in due.rows if not r.brought])
        return replace(result, over_posted_fee=_over_posted_fee(s, contract_id, due.rows))


def _over_posted_fee(s: Session, contract_id: int, rows: Sequence[DueRow]) -> tuple[PayerChange, ...]:
    """Each row of the date (brought ones too: they go to the bank that day) whose charge asks more a
    month than the item's posted fee; one query for the contract's fees."""
    fees = {item_id: fee for item_id, fee in s.execute(
        select(CollectionItem.id, CollectionItem.posted_fee).where(CollectionItem.contract_id == contract_id,
                                                                  CollectionItem.posted_fee.is_not(None)))}
    out: list[PayerChange] = []
    for row in rows:
        fee = fees.get(row.item_id)
        if fee is None or row.monthly_amount <= fee:
            continue
        text = (f"{row.customer_name}({row.customer_no}) {row.item_name} {row.period} 월 금액 {row.monthly_amount:,}원 > "
                f"게시 교습비 {fee:,}원")
        out.append(PayerChange(row.agreement_id, row.customer_no, row.customer_name, row.item_name, None,
                               row.monthly_amount, text))
    return tuple(out)


def _compare(s: Session, calendar: BusinessCalendar, contract_id: int, debit_date: date,
             rows: Sequence[DueRow]) -> Preflight:
    """Compare the rows of `debit_date` with the requests of the same contracted day(s) last month."""
    last_dates: set[date] = set()
    prev_periods: set[str] = set()
    for period, days in charges.days_on(calendar, debit_date).items():
        prev = add_months(period, -1)
        prev_periods.add(prev)
        last_dates.update(calendar.debit_date_for(*year_month(prev), d) for d in days)
    last: dict[int, list[int]] = {}
    last_bank: dict[int, str] = {}
    for agreement_id, amount, bank in s.execute(select(DebitRequest.agreement_id, DebitRequest.amount,
                                                       DebitRequest.bank_code).where(
            DebitRequest.contract_id == contract_id, DebitRequest.kind == RequestKind.NORMAL,
            DebitRequest.state != RequestState.WITHDRAWN, DebitRequest.debit_date.in_(sorted(last_dates)))):
        last.setdefault(agreement_id, []).append(amount)
        last_bank[agreement_id] = bank
    this = {r.agreement_id: r for r in rows}
    names = {r.agreement_id: (r.customer_no, r.customer_name, r.item_name) for r in rows}
    missing = [a for a in last if a not in names]
    if missing:
        for a_id, no, name, item in s.execute(
            select(DebitAgreement.id, Customer.customer_no, Customer.name, CollectionItem.name)
            .join(Customer, Customer.id == DebitAgreement.customer_id)
            .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id).where(DebitAgreement.id.in_(missing))
        ):
            names[a_id] = (no, name, item)
    regs = charges.registration_states(s, [r.agreement_id for r in rows])
    earliest = min(last_dates) if last_dates else debit_date

    def change(agreement_id: int, before: int | None, now_: int | None, text: str) -> PayerChange:
        no, name, item = names.get(agreement_id, ("", "", ""))
        return PayerChange(agreement_id, no, name, item, before, now_, f"{name}({no}) {item} {text}")

    new, dropped, moved, amounts = [], [], [], []
    for a_id, row in this.items():
        before = sum(last[a_id]) if a_id in last else None
        if not row.requestable:
            continue
        if before is None:
            new.append(change(a_id, None, row.request_amount, f"{row.request_amount:,}원"))
            continue
        if before != row.request_amount:
            amounts.append(change(a_id, before, row.request_amount, f"{before:,}원 → {row.request_amount:,}원"))
        reg = regs.get(a_id)
        if last_bank[a_id] != row.bank_code or (reg is not None and reg.requested_on > earliest):
            moved.append(change(a_id, before, row.request_amount, f"계좌 변경 ({row.bank_name} {row.account_masked})"))
    for a_id, amounts_before in last.items():
        if a_id not in this or not this[a_id].requestable:
            why = this[a_id].reason if a_id in this else "이번 출금일에 청구할 이체정보가 아닙니다"
            dropped.append(change(a_id, sum(amounts_before), None, f"{sum(amounts_before):,}원 → 제외 ({why})"))
    expired = []
    for a_id, period, old in s.execute(select(Charge.agreement_id, Charge.period, Charge.discount).where(
            Charge.contract_id == contract_id, Charge.period.in_(sorted(prev_periods)), Charge.discount > 0)):
        due = this.get(a_id)
        if due is not None and due.period == add_months(period, 1) and due.discount < old:
            expired.append(change(a_id, old, due.discount, f"할인 {old:,}원 → {due.discount:,}원"))
    ready = [r for r in rows if r.requestable]
    return Preflight(
        debit_date=debit_date, last_debit_dates=tuple(sorted(last_dates)), this_count=len(ready),
        this_amount=sum(r.request_amount for r in ready), last_count=sum(len(v) for v in last.values()),
        last_amount=sum(sum(v) for v in last.values()), new_payers=tuple(new), dropped_payers=tuple(dropped),
        changed_payers=tuple(moved), amount_changes=tuple(amounts), expired_discounts=tuple(expired),
        excluded=tuple(r for r in rows if not r.requestable),
    )


# --- requesting -----------------------------------------------------------------------------------


def queue(s: Session, actor: Actor, contract_id: int, debit_date: date, rows: Sequence[DueRow | RetryRow],
          kind: RequestKind, today: date, retry_of: dict[int, int] | None = None) -> list[ledger.RequestRef]:
    """One WAITING request per row with its lines and ledger entries (rows already checked requestable).

    Bulk Core inserts: a month of a large institution is thousands of requests in one click. Retries,
    the automatic request and a moved charge queue through here too, so every request is written alike.
    """
    values = [{"contract_id": contract_id, "agreement_id": row.agreement_id, "kind": kind.value,
               "state": RequestState.WAITING.value, "debit_date": debit_date, "amount": row.request_amount,
               "debited_amount": 0, "bank_code": row.bank_code, "created_by": actor.login_id,
               "retry_of_id": (retry_of or {}).get(row.agreement_id), "version_id": 1} for row in rows]
    ids = s.execute(insert(DebitRequest).returning(DebitRequest.id, sort_by_parameter_order=True), values).scalars().all()
    made = [ledger.RequestRef(i, contract_id, row.request_amount) for i, row in zip(ids, rows, strict=True)]
    ledger.add_lines(s, [(ref, row.lines, row.period) for ref, row in zip(made, rows, strict=True)], today,
                     actor.login_id)
    return made


def hold_date(s: Session, contract_id: int, debit_date: date) -> None:
    """On PostgreSQL, one requester at a time per (contract, debit date) until commit, so two clerks
    cannot both fit into the room the file has left (SQLite's BEGIN IMMEDIATE already serializes).
    Every way into the date's EB21 (request, retry, automatic, moved charge) takes it."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                  {"key": lock_key(f"eb21-room:{contract_id}:{debit_date.isoformat()}")})


def _queued_for(s: Session, contract_id: int, debit_date: date) -> tuple[int, int]:
    """(count, won) already waiting for the date's file: every queued request no file carries yet."""
    r = DebitRequest
    count, amount = s.execute(
        select(func.count(), cast(func.coalesce(func.sum(r.amount), 0), BigInteger)).where(
            r.contract_id == contract_id, r.debit_date == debit_date, r.state == RequestState.WAITING,
            r.transmission_id.is_(None))).one()
    return int(count), int(amount)


def require_room(s: Session, contract_id: int, debit_date: date, rows: Sequence[DueRow | RetryRow]) -> None:
    """Raise FileCapacityError when the date's EB21, with `rows` added, would not fit its count or amount fields.
    Public because every way into the file must fit it, not only the request screen."""
    capacity = EB21_CAPACITY
    count, amount = _queued_for(s, contract_id, debit_date)
    asked_count, asked_amount = len(rows), sum(r.request_amount for r in rows)
    over_count = count + asked_count > capacity.records
    over_amount = amount + asked_amount > capacity.amount
    if not (over_count or over_amount):
        return
    what, english = [], []
    if over_count:
        what.append(f"건수 {count + asked_count:,}건이 파일 한 개의 한도 {capacity.records:,}건(8자리)")
        english.append(f"{count + asked_count} records > {capacity.records}")
    if over_amount:
        what.append(f"금액 {amount + asked_amount:,}원이 파일 한 개의 한도 {capacity.amount:,}원(13자리)")
        english.append(f"{amount + asked_amount} won > {capacity.amount}")
    room_count, room_amount = max(0, capacity.records - count), max(0, capacity.amount - amount)
    if room_count and room_amount:
        advice = (f"이 출금일에는 {room_count:,}건, {room_amount:,}원까지 더 의뢰할 수 있으니 나머지 고객은 다른 "
                  "출금일로 나누어 의뢰하세요.")
    else:
        advice = "이 출금일의 파일은 가득 찼으니 다른 출금일로 나누어 의뢰하세요."
    raise FileCapacityError(
        f"출금일 {debit_date:%Y-%m-%d}의 이체의뢰 파일에 다 실을 수 없어 아무것도 의뢰하지 않았습니다. 이미 의뢰한 "
        f"{count:,}건 {amount:,}원에 이번 {asked_count:,}건 {asked_amount:,}원을 더하면 {', '.join(what)}을(를) "
        f"넘습니다. {advice}",
        f"the EB21 file of {debit_date:%Y-%m-%d} cannot carry it ({'; '.join(english)}); nothing was requested, "
        "split the payers over another debit date",
    )


def _refuse_unrequestable(rows: Sequence[DueRow], missing: Collection[int]) -> None:
    taken = [r for r in rows if r.open_request_id is not None and not r.requestable]
    if taken:
        names = ", ".join(f"{r.customer_name}({r.customer_no})" for r in taken[:5])
        more = f" 외 {len(taken) - 5}건" if len(taken) > 5 else ""
        raise ConflictError(f"다른 사용자가 먼저 이체의뢰한 건이 있습니다: {names}{more}. 아무것도 의뢰하지 않았습니다. "
                            "목록을 다시 조회하세요.")
    bad = [r for r in rows if not r.requestable]
    if bad:
        listed = "; ".join(f"{r.customer_name}({r.customer_no}) {r.item_name}: {r.reason}" for r in bad[:5])
        more = f" 외 {len(bad) - 5}건" if len(bad) > 5 else ""
        raise ServiceError(f"의뢰할 수 없는 건이 있어 아무것도 의뢰하지 않았습니다: {listed}{more}")
    if missing:
        raise ServiceError(f"이 출금일에 의뢰할 이체정보가 아닌 건이 {len(missing)}건 있습니다. 목록을 다시 조회하세요.")


def request(
    db: Database, actor: Actor, contract_id: int, debit_date: date, agreement_ids: Sequence[int], *,
    include_outstanding: bool = False, now: datetime, item_id: int | None = None,
) -> RequestOutcome:
    """Queue (이체의뢰대기) one request per ticked agreement; all or nothing.

    Refused after the cut-off or once the date's file is built (ServiceError with the reason);
    ConflictError when another clerk requested any of the same charges first; ServiceError naming
    the rows when a ticked row cannot be requested.
    """
    actor.require_edit()
    wanted = set(agreement_ids)
    if not wanted:
        raise ServiceError("이체의뢰할 고객을 선택하세요.")
    today = now.astimezone(SEOUL).date()
    with ledger.money_session(db, contract_id) as s:
        contract, info, rows = checked_due_rows(s, actor, contract_id, debit_date, item_id, include_outstanding, now,
                                                create=True, only=wanted)
        state = cutoff_state_in(s, info, debit_date, now)
        if not state.open:
            raise ServiceError(state.message)
        hold_date(s, contract_id, debit_date)
        # Lock what may be asked for, then look again: a clerk who got there first is seen now.
        ledger.lock_charges(s, [line.charge_id for r in rows for line in r.lines]
                            + [r.charge_id for r in rows if r.charge_id is not None])
        _c, _i, rows = checked_due_rows(s, actor, contract_id, debit_date, item_id, include_outstanding, now,
                                        create=False, only=wanted)
        _refuse_unrequestable(rows, wanted - {r.agreement_id for r in rows})
        require_room(s, contract_id, debit_date, rows)
        made = queue(s, actor, contract_id, debit_date, rows, RequestKind.NORMAL, today)
        total = sum(r.amount for r in made)
        audit.record(s, "debit_requested", actor=actor, target=f"{contract.institution_code} {debit_date:%Y-%m-%d}",
                     detail={"count": len(made), "amount": total, "include_outstanding": include_outstanding})
        ids = tuple(r.id for r in made)
    return RequestOutcome(debit_date, RequestKind.NORMAL, ids, len(ids), total,
                          f"출금일 {debit_date:%Y-%m-%d} 이체의뢰 {len(ids)}건({total:,}원)을 이체의뢰대기로 넣었습니다. "
                          f"{moment_text(info.calendar.request_cutoff(debit_date, info.request_cutoff))} 마감에 "
                          "은행으로 보냅니다.")


def withdraw(db: Database, actor: Actor, request_id: int, *, now: datetime) -> None:
    """Withdraw (의뢰취소) a queued request no file carries yet; its charges become requestable again."""
    with withdrawing(db, actor, DebitRequest, request_id,
                     missing=ServiceError("이체의뢰를 찾을 수 없습니다. 목록을 다시 조회하세요."),
                     not_waiting="{label} 상태의 의뢰는 취소할 수 없습니다.",
                     in_file="이미 이체의뢰 파일에 실린 의뢰라 취소할 수 없습니다. 파일은 한 번 만들면 바꾸지 않습니다.",
                     ) as (s, contract, req):
        ledger.remove_request(s, req.id)
        audit.record(s, "debit_request_withdrawn", actor=actor, at=now,
                     target=f"{contract.institution_code} {req.debit_date:%Y-%m-%d}",
                     detail={"request_id": req.id, "amount": req.amount, "kind": req.kind.value})
