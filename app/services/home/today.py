"""오늘 할 일: what the clerk must know and do today, in one read of the database.

The home screen answers the questions a clerk asks every morning, in the order the day runs: is
today a business day; when is the next cut-off and what goes with it (and what is due but not yet
requested); which results come today and whether they are in; what work is waiting (each item a
click away from its screen); and how this month stands against last month.

Everything is computed from the database and an explicit `now`, so a test drives a month on a
ManualClock. Where the collection services already compute something, this module uses them:
`charges.due_rows` (what is due and requestable), `charges.retry_rows` (what may still be retried
this month), `ledger.balances` / `ledger.open_lines` / `ledger.signed_amount` (every sum of money).
What they do not offer — the latest registration of each agreement, the month's sums by debit
date — is plain SQL over the models here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Subquery, and_, case, func, select
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import (
    AccountRegistration,
    AgreementStatus,
    Charge,
    CollectionItem,
    Customer,
    DebitAgreement,
    DebitRequest,
    DebitRequestLine,
    Direction,
    FileKind,
    LedgerEntry,
    LedgerKind,
    MissedRemedy,
    RegistrationKind,
    RegistrationState,
    RequestState,
    Transmission,
    TransmissionState,
)
from app.services import notices
from app.services.collection import charges, ledger, registrations
from app.services.collection import missed as missed_cutoffs
from app.services.common import debit_days
from app.services.common.access import contract_for
from app.services.common.calendar import SEOUL
from app.services.common.destinations import Destination
from app.services.common.formats import day_text, moment_text, weekday
from app.services.common.periods import add_months, first_day, last_day, month_of, year_month
from app.services.common.session import Actor
from app.services.exchange.cms.reasons import reason_text
from app.services.exchange.transmissions import ContractInfo, contract_info
from app.services.home.cash_receipts_due import cash_receipts_due
from app.services.home.dunning_due import dunning_due
from app.services.home.refunds_due import refunds_due
from app.services.home.statement_due import statement_due
from app.services.home.work_item import WorkItem  # re-exported: the home screen imports it from here

AT_RISK_HORIZON = timedelta(days=45)
"""How far ahead a debit date is looked at for an unfinished registration (a month and a half)."""
EXAMPLES = 3
"""How many names a work item shows; the screen it opens lists them all."""



# --- what the screen shows -----------------------------------------------------------------------


@dataclass(frozen=True)
class DayInfo:
    today: date
    is_business_day: bool
    holiday_name: str | None  # why today is closed (토요일, 설날 …), None on a business day
    next_business_day: date

    @property
    def text(self) -> str:
        head = f"{self.today:%Y-%m-%d} ({weekday(self.today)})"
        if self.is_business_day:
            return f"{head} · 영업일"
        return f"{head} · 휴일 ({self.holiday_name or '휴무'})"


@dataclass(frozen=True)
class CutoffLine:
    """One item's debit closed by the cut-off: what is queued for it and what is not yet."""

    item_name: str
    debit_date: date
    days: tuple[int, ...]  # the contracted days debited on `debit_date` (5 → 12-07 when the 5th is closed)
    queued_requests: int  # 이체의뢰대기
    queued_amount: int
    unrequested_count: int  # due, requestable, not requested yet
    unrequested_amount: int


@dataclass(frozen=True)
class CutoffInfo:
    """The next request cut-off of the contract's debit dates and what it closes.

    The debit date is the next one of the items' contracted days (moved by the calendar), never
    merely the next business day: a clerk who debits on the 5th, 15th and 25th has nothing to
    request on the other days. `lines` has one entry per item and date the cut-off closes.
    """

    at: datetime  # the request cut-off (14:00 of the business day before `debit_date`)
    debit_date: date  # the first debit date the cut-off closes
    registration_at: datetime  # the next registration cut-off (usually the same moment)
    queued_registrations: int  # 계좌신청대기, not yet in a file
    queued_requests: int  # 이체의뢰대기 for the cut-off's debit dates, all items
    queued_amount: int
    unrequested_count: int  # due on those dates, requestable, not requested yet
    unrequested_amount: int
    lines: tuple[CutoffLine, ...] = ()

    @property
    def debit_dates(self) -> tuple[date, ...]:
        return tuple(sorted({line.debit_date for line in self.lines})) or (self.debit_date,)

    def remaining(self, now: datetime) -> timedelta:
        return self.at - now


@dataclass(frozen=True)
class ExpectedResult:
    """A result file due today (or overdue), and whether it arrived."""

    kind: str  # "EB14" (계좌신청 결과) or "EB22" (이체의뢰 결과)
    label: str
    due_at: datetime
    arrived: bool
    arrived_at: datetime | None
    overdue: bool  # due before today and still not in
    records: int
    done: int
    failed: int
    debited: int  # won (EB22)
    destination: Destination


@dataclass(frozen=True)
class MonthFigures:
    """One month at a glance. Requests by debit date; billing and outstanding by charge period."""

    period: str  # YYYY-MM
    requested_count: int
    requested: int  # asked of the banks (이체의뢰 + 재처리의뢰) for debit dates in the month
    debited: int  # 출금
    failed: int  # 출금불능
    cash: int  # 현금수납 (less reversals), received in the month
    owed: int  # the period's charges less discounts
    outstanding: int  # of the period's charges, not yet collected (scheduled and in flight included)
    unpaid: int = 0  # 미납 (ledger.is_unpaid) of the period's charges as of today: never scheduled or in flight

    @property
    def rate(self) -> float | None:
        """수납률: the share of the period's billing collected.

        None — shown as "-" — while there is nothing to rate: nothing billed, or nothing collected,
        failed or 미납 yet (requests merely scheduled or in flight are no 0 %).
        """
        collected = self.owed - self.outstanding
        if not self.owed or not (collected or self.failed or self.unpaid):
            return None
        return collected / self.owed


@dataclass(frozen=True)
class HomeSummary:
    now: datetime
    contract_id: int
    contract_name: str
    day: DayInfo
    cutoff: CutoffInfo
    results: tuple[ExpectedResult, ...]
    work: tuple[WorkItem, ...]
    this_month: MonthFigures
    last_month: MonthFigures
    missed: tuple[missed_cutoffs.MissedDebit, ...] = ()  # debit dates whose cut-off passed with payers left out

    def item(self, key: str) -> WorkItem | None:
        return next((w for w in self.work if w.key == key), None)


# --- the summary -----------------------------------------------------------------------------------


def summary(db: Database, actor: Actor, contract_id: int, *, now: datetime) -> HomeSummary:
    """Everything the home screen shows for one contract at `now` (read-only)."""
    now = now.astimezone(SEOUL)
    today = now.date()
    with db.session() as s:
        contract = contract_for(s, actor, contract_id)
        info = contract_info(s, contract_id)
        cal = info.calendar
        day = DayInfo(today, cal.is_business_day(today), cal.holiday_name(today), cal.next_business_day(today))
        work = [
            *_rejected_registrations(s, contract_id),
            *_registrations_without_evidence(s, contract_id),
            *_failed_debits(s, info, now),
            *_at_risk(s, info, now),
            *_ending_discounts(s, contract_id, today),
            *cash_receipts_due(s, contract_id, today),
            *refunds_due(s, contract_id, today),
            *dunning_due(s, contract_id, today),
            *statement_due(s, contract_id, today),
        ]
        this_period = month_of(today)
        figures = (_month(s, contract_id, this_period, info, today),
                   _month(s, contract_id, add_months(this_period, -1), info, today))
        cutoff = next_cutoff(s, info, now)
        results = expected_results(s, info, now)
        missed = tuple(missed_cutoffs.missed_in(s, info, now))
        name = contract.name
    unread = notices.unread_count(db, actor)
    if unread:
        newest = tuple(n.title for n in notices.latest_unread(db, actor, EXAMPLES))
        work.append(WorkItem("notices", "읽지 않은 공지사항", unread, None,
                             "케이에스넷과 기관의 공지입니다. 휴일 일정과 마감 변경을 확인하세요.", Destination.NOTICES,
                             newest))
    return HomeSummary(now, contract_id, name, day, cutoff, tuple(results), tuple(work), *figures, missed=missed)


# --- the next cut-off ----------------------------------------------------------------------------


def next_cutoff(s: Session, info: ContractInfo, now: datetime) -> CutoffInfo:
    """The next request cut-off of the items' debit dates (`debit_days.next_slots`) and, per item and
    date, what is queued and what is due but not yet requested (creates no charge)."""
    cal = info.calendar
    slots = debit_days.next_slots(s, info, now)
    registration_at = cal.next_cutoff(now, info.registration_cutoff)
    a = AccountRegistration
    queued = s.scalar(select(func.count()).select_from(a).where(  # held 신규 are a work item, not this
        a.contract_id == info.id, a.state == RegistrationState.WAITING, a.transmission_id.is_(None),
        registrations.evidence_ready(registrations.EVIDENCE_ON_ITS_WAY))) or 0
    if not slots:  # no debit day at all: the next business day's cut-off, with nothing to request
        at = cal.next_cutoff(now, info.request_cutoff)
        return CutoffInfo(at, cal.next_business_day(at.date()), registration_at, int(queued), 0, 0, 0, 0)
    lines = tuple(_cutoff_line(s, info, slot, now) for slot in slots)
    return CutoffInfo(slots[0].cutoff, slots[0].debit_date, registration_at, int(queued),
                      sum(x.queued_requests for x in lines), sum(x.queued_amount for x in lines),
                      sum(x.unrequested_count for x in lines), sum(x.unrequested_amount for x in lines), lines)


def _cutoff_line(s: Session, info: ContractInfo, slot: debit_days.DebitSlot, now: datetime) -> CutoffLine:
    """Queued and not-yet-queued of one item on one debit date (item id 0: every item)."""
    r = DebitRequest
    query = select(func.count(), func.coalesce(func.sum(r.amount), 0)).where(
        r.contract_id == info.id, r.state == RequestState.WAITING, r.debit_date == slot.debit_date)
    if slot.item_id:
        query = query.join(DebitAgreement, DebitAgreement.id == r.agreement_id).where(
            DebitAgreement.item_id == slot.item_id)
    count, amount = s.execute(query).one()
    rows = charges.due_rows(s, info.id, info.calendar, slot.debit_date, item_id=slot.item_id or None,
                            include_outstanding=False, create=False, today=now.astimezone(SEOUL).date(), by="home",
                            with_earlier=False)
    ready = [row for row in rows if row.requestable]
    return CutoffLine(slot.item_name, slot.debit_date, slot.days, int(count), int(amount), len(ready),
                      sum(row.request_amount for row in ready))


def unrequested(s: Session, info: ContractInfo, debit_date: date, now: datetime) -> tuple[int, int]:
    """(count, won) due on `debit_date` that could be requested now and is not (creates no charge)."""
    rows = charges.due_rows(s, info.id, info.calendar, debit_date, item_id=None, include_outstanding=False,
                            create=False, today=now.astimezone(SEOUL).date(), by="home", with_earlier=False)
    ready = [row for row in rows if row.requestable]
    return len(ready), sum(row.request_amount for row in ready)


# --- results expected today ----------------------------------------------------------------------


def expected_results(s: Session, info: ContractInfo, now: datetime) -> list[ExpectedResult]:
    """Result files due today, and older ones still not in (the relay or the bank is late)."""
    today = now.astimezone(SEOUL).date()
    t = Transmission
    sent = s.execute(select(t.id, t.kind, t.file_date, t.state, t.applied_at, t.record_count).where(
        t.contract_id == info.id, t.direction == Direction.SEND, t.kind.in_([FileKind.EB13, FileKind.EB21]),
        t.state.in_([TransmissionState.SENT, TransmissionState.AWAITING, TransmissionState.APPLIED]),
        t.file_date >= today - timedelta(days=20),
    ).order_by(t.file_date, t.id)).all()
    out: list[ExpectedResult] = []
    for tid, file_kind, file_date, state, applied_at, records in sent:
        kind = str(file_kind)
        due = info.result_due(kind, file_date)
        arrived = state == TransmissionState.APPLIED
        if due.date() != today and (arrived or due.date() > today):
            continue
        done = failed = debited = 0
        if arrived:
            done, failed, debited = outcome_counts(s, kind, tid)
        if kind == "EB13":
            label, page, result_kind = f"계좌신청 결과 ({day_text(file_date)} 신청분)", Destination.REGISTRATIONS, "EB14"
        else:
            label, page, result_kind = f"이체의뢰 결과 (출금일 {day_text(file_date)})", Destination.RESULTS, "EB22"
        out.append(ExpectedResult(result_kind, label, due, arrived, applied_at, due.date() < today,
                                  int(records or 0), done, failed, debited, page))
    return out


def outcome_counts(s: Session, kind: str, send_id: int) -> tuple[int, int, int]:
    """(done, failed, debited won) of the rows a request file carried, once its result is applied."""
    if kind == "EB13":
        a = AccountRegistration
        counted = s.execute(select(a.state, func.count()).where(a.transmission_id == send_id).group_by(a.state)).all()
        by = {RegistrationState(state): int(n) for state, n in counted}
        return by.get(RegistrationState.DONE, 0), by.get(RegistrationState.FAILED, 0), 0
    r = DebitRequest
    send = s.get(Transmission, send_id)
    assert send is not None
    rows = s.execute(select(r.state, func.count(), func.coalesce(func.sum(r.debited_amount), 0))
                     .where(*r.carried_by(send_id, send.contract_id, send.file_date)).group_by(r.state)).all()
    done = failed = debited = 0
    for state, n, won in rows:
        debited += int(won)
        if RequestState(state) is RequestState.DONE:
            done += int(n)
        elif RequestState(state) in (RequestState.FAILED, RequestState.PARTIAL):
            failed += int(n)
    return done, failed, debited


# --- work waiting ----------------------------------------------------------------------------------


def _latest_registrations(contract_id: int) -> Subquery:
    """Subquery: each agreement's latest registration (withdrawn ones aside), as `charges` reads it."""
    a = AccountRegistration
    return (select(a.agreement_id, func.max(a.id).label("rid"))
            .where(a.contract_id == contract_id, a.state != RegistrationState.WITHDRAWN)
            .group_by(a.agreement_id).subquery())


def _who(customer: Customer, item: CollectionItem) -> str:
    return f"{customer.name}({customer.customer_no}) {item.name}"


def _rejected_registrations(s: Session, contract_id: int) -> list[WorkItem]:
    """계좌신청미완료 whose agreement has not been registered again since: the clerk must fix and requeue."""
    latest = _latest_registrations(contract_id)
    a = AccountRegistration
    rows = s.execute(
        select(a, Customer, CollectionItem)
        .join(latest, latest.c.rid == a.id)
        .join(DebitAgreement, DebitAgreement.id == a.agreement_id)
        .join(Customer, Customer.id == DebitAgreement.customer_id)
        .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
        .where(a.state == RegistrationState.FAILED)
        .order_by(a.result_at, a.id)
    ).all()
    if not rows:
        return []
    examples = tuple(f"{_who(c, i)}: {reason_text(reg.reason_code) or '사유 없음'}" for reg, c, i in rows[:EXAMPLES])
    return [WorkItem("registrations", "계좌신청미완료 — 고쳐서 다시 신청", len(rows), None,
                     "은행이 받지 않은 계좌신청입니다. 계좌번호·예금주를 확인하고 다시 신청하세요.",
                     Destination.REGISTRATIONS, examples)]


def _registrations_without_evidence(s: Session, contract_id: int) -> list[WorkItem]:
    """신규 held because their consent evidence is missing or was refused: the clerk attaches it in
    the 이체정보 (those whose evidence is on its way are no work: they go by themselves)."""
    holds = [h for h in registrations.evidence_holds(s, contract_id).values() if h.needs_action]
    if not holds:
        return []
    holds.sort(key=lambda h: h.registration_id)
    names = {aid: (c, i) for aid, c, i in s.execute(
        select(DebitAgreement.id, Customer, CollectionItem)
        .join(Customer, Customer.id == DebitAgreement.customer_id)
        .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
        .where(DebitAgreement.id.in_([h.agreement_id for h in holds[:EXAMPLES]])))}
    examples = tuple(f"{_who(*names[h.agreement_id])}: {h.reason}" for h in holds[:EXAMPLES])
    return [WorkItem("registrations_evidence", "동의자료 없는 계좌신청", len(holds), None,
                     "출금동의 증빙이 없거나 접수되지 않아 은행에 보내지 않은 계좌신청입니다. 고객의 이체정보에서 "
                     "증빙을 첨부하면 다음 마감에 동의자료(EI13)와 함께 나갑니다.", Destination.REGISTRATIONS, examples)]


def _failed_debits(s: Session, info: ContractInfo, now: datetime) -> list[WorkItem]:
    """Failed debits still owed and in no request: retry this month, or receive in cash before next month's
    request; and missed cut-offs set for cash (`missed`), still owed."""
    r, line = DebitRequest, DebitRequestLine
    failed_charges = list(s.scalars(
        select(line.charge_id).join(r, r.id == line.request_id)
        .where(r.contract_id == info.id, r.state.in_([RequestState.FAILED, RequestState.PARTIAL])).distinct()))
    # A missed cut-off the clerk chose to take in cash waits for its receipt like a failed debit.
    seen = set(failed_charges)
    failed_charges += [c for c in s.scalars(select(Charge.id).where(
        Charge.contract_id == info.id, Charge.missed_remedy == MissedRemedy.CASH)) if c not in seen]
    if not failed_charges:
        return []
    held = ledger.open_lines(s, failed_charges)
    money = ledger.balances(s, [c for c in failed_charges if c not in held])
    owed = {cid: bal.outstanding for cid, bal in money.items() if bal.outstanding > 0}
    if not owed:
        return []
    retryable = {ln.charge_id for row in charges.retry_rows(s, info.id, info.calendar, info.request_cutoff, now)
                 if row.can_retry for ln in row.lines}
    who = {cid: (c, i, a.debit_day) for cid, a, c, i in s.execute(
        select(Charge.id, DebitAgreement, Customer, CollectionItem)
        .join(DebitAgreement, DebitAgreement.id == Charge.agreement_id)
        .join(Customer, Customer.id == DebitAgreement.customer_id)
        .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
        .where(Charge.id.in_(list(owed))).order_by(Customer.customer_no, Charge.period))}
    retry = [cid for cid in who if cid in retryable]
    cash = [cid for cid in who if cid not in retryable]
    out: list[WorkItem] = []
    if retry:
        last = charges.retry_dates_for(info.calendar, info.request_cutoff, now)
        until = f"{day_text(last[-1])} 출금분까지" if last else "이번 달 안에"
        out.append(WorkItem("retries", "이체처리미완료 — 재처리의뢰 가능", len(retry), sum(owed[c] for c in retry),
                            f"{until} 재처리의뢰할 수 있습니다. 안 되면 현금수납하세요.", Destination.RETRIES,
                            tuple(_who(*who[c][:2]) for c in retry[:EXAMPLES])))
    if cash:
        deadline = min(_next_request_cutoff(info, now, who[c][2]) for c in cash)
        out.append(WorkItem("cash", "이체처리미완료 — 현금수납 확인", len(cash), sum(owed[c] for c in cash),
                            f"다음 이체의뢰 마감({moment_text(deadline)}) 전에 현금수납을 기록하세요. "
                            "받지 못했으면 그 의뢰에 미수납액으로 포함합니다.", Destination.CASH,
                            tuple(_who(*who[c][:2]) for c in cash[:EXAMPLES])))
    return out


def _next_request_cutoff(info: ContractInfo, now: datetime, debit_day: int) -> datetime:
    """The cut-off of the payer's next regular request: cash must be recorded before it, or the
    outstanding amount would be asked of the bank and received at the desk."""
    period = month_of(now.astimezone(SEOUL).date())
    while True:
        year, month = year_month(period)
        cutoff = info.calendar.request_cutoff(info.calendar.debit_date_for(year, month, debit_day), info.request_cutoff)
        if cutoff > now:
            return cutoff
        period = add_months(period, 1)


def _next_debit_date(info: ContractInfo, now: datetime, first: str, last: str | None, debit_day: int) -> date | None:
    """The agreement's next debit date whose request cut-off is still ahead, within the horizon."""
    today = now.astimezone(SEOUL).date()
    period = max(first, add_months(month_of(today), -1))
    for _ in range(4):
        if last is not None and period > last:
            return None
        year, month = year_month(period)
        debit_date = info.calendar.debit_date_for(year, month, debit_day)
        if debit_date - today > AT_RISK_HORIZON:
            return None
        if now < info.calendar.request_cutoff(debit_date, info.request_cutoff):
            return debit_date
        period = add_months(period, 1)
    return None


def _done_by(info: ContractInfo, now: datetime, state: RegistrationState | None, sent_on: date | None) -> date:
    """When the registration's result would be in: sent already → its result day; else the next file's."""
    cal = info.calendar
    if state is RegistrationState.SENT and sent_on is not None:
        return cal.registration_result_at(sent_on, info.result_time).date()
    send_day = cal.registration_send_day(now, info.registration_cutoff)
    return cal.registration_result_at(send_day, info.result_time).date()


def _at_risk(s: Session, info: ContractInfo, now: datetime) -> list[WorkItem]:
    """Agreements whose next (first) debit comes before their registration can be complete (D-2)."""
    latest = _latest_registrations(info.id)
    a, reg = DebitAgreement, AccountRegistration
    complete = and_(reg.kind == RegistrationKind.NEW, reg.state == RegistrationState.DONE)
    rows = s.execute(
        select(a.first_month, a.last_month, a.debit_day, reg.state, Transmission.file_date, Customer, CollectionItem)
        .join(Customer, Customer.id == a.customer_id)
        .join(CollectionItem, CollectionItem.id == a.item_id)
        .outerjoin(latest, latest.c.agreement_id == a.id)
        .outerjoin(reg, reg.id == latest.c.rid)
        .outerjoin(Transmission, Transmission.id == reg.transmission_id)
        .where(Customer.contract_id == info.id, Customer.active.is_(True), a.status == AgreementStatus.ACTIVE,
               (reg.id.is_(None)) | ~complete)
        .order_by(Customer.customer_no, CollectionItem.code)
    ).all()
    found: list[tuple[date, str]] = []
    verdicts: dict[tuple[str, str | None, int, RegistrationState | None, date | None], tuple[date, date] | None] = {}
    for first, last, debit_day, state, sent_on, customer, item in rows:
        state = RegistrationState(state) if state is not None else None
        key = (first, last, debit_day, state, sent_on)
        if key not in verdicts:
            verdicts[key] = _risk(info, now, first, last, debit_day, state, sent_on)
        verdict = verdicts[key]
        if verdict is not None:
            debit_date, deadline = verdict
            what = state.label if state is not None else "계좌신청 없음"
            found.append((debit_date, f"{_who(customer, item)}: 출금 {day_text(debit_date)}, "
                                      f"완료 기한 {day_text(deadline)}, {what}"))
    if not found:
        return []
    found.sort(key=lambda f: f[0])
    return [WorkItem("at_risk", "첫 출금이 위험한 이체정보", len(found), None,
                     "출금 2영업일 전까지 계좌신청이 완료되지 않습니다. 계좌정보를 확인하고 서둘러 신청하거나 "
                     "최초이체년월을 늦추세요.", Destination.CUSTOMERS, tuple(text for _d, text in found[:EXAMPLES]))]


def _risk(info: ContractInfo, now: datetime, first: str, last: str | None, debit_day: int,
          state: RegistrationState | None, sent_on: date | None) -> tuple[date, date] | None:
    """(debit date, registration deadline) when the registration cannot be complete by D-2, else None."""
    debit_date = _next_debit_date(info, now, first, last, debit_day)
    if debit_date is None:
        return None
    deadline = info.calendar.registration_deadline(debit_date)
    if _done_by(info, now, state, sent_on) <= deadline:
        return None
    return debit_date, deadline


def _ending_discounts(s: Session, contract_id: int, today: date) -> list[WorkItem]:
    """Discounted agreements whose last month (최종이체년월) is this month: the discount ends with it."""
    a = DebitAgreement
    rows = s.execute(
        select(a.discount_amount, Customer, CollectionItem)
        .join(Customer, Customer.id == a.customer_id)
        .join(CollectionItem, CollectionItem.id == a.item_id)
        .where(Customer.contract_id == contract_id, a.status == AgreementStatus.ACTIVE, a.discount_amount > 0,
               a.last_month == month_of(today))
        .order_by(Customer.customer_no, CollectionItem.code)
    ).all()
    if not rows:
        return []
    return [WorkItem("discounts", "이번 달에 끝나는 할인", len(rows), sum(int(d) for d, _c, _i in rows),
                     "최종이체년월이 이번 달인 할인 고객입니다. 다음 달에도 할인할지 확인하세요.", Destination.DISCOUNTS,
                     tuple(f"{_who(c, i)}: 월 {int(d):,}원 할인" for d, c, i in rows[:EXAMPLES]))]


# --- the month at a glance ---------------------------------------------------------------------


def _month(s: Session, contract_id: int, period: str, info: ContractInfo, today: date) -> MonthFigures:
    first, last = first_day(period), last_day(period)
    e, r = LedgerEntry, DebitRequest
    by_kind = dict(s.execute(
        select(e.kind, func.coalesce(func.sum(e.amount), 0))
        .join(r, r.id == e.debit_request_id)
        .where(e.contract_id == contract_id, r.debit_date >= first, r.debit_date <= last,
               e.kind.in_([LedgerKind.REQUEST, LedgerKind.DEBIT, LedgerKind.FAIL]))
        .group_by(e.kind)).all())
    requests = s.scalar(select(func.count()).select_from(r).where(
        r.contract_id == contract_id, r.debit_date >= first, r.debit_date <= last,
        r.state != RequestState.WITHDRAWN)) or 0
    cash = s.scalar(select(func.coalesce(func.sum(case((e.kind == LedgerKind.CASH, e.amount), else_=-e.amount)), 0))
                    .where(e.contract_id == contract_id, e.entry_on >= first, e.entry_on <= last,
                           e.kind.in_([LedgerKind.CASH, LedgerKind.REVERSAL]))) or 0
    billed = case((e.kind == LedgerKind.CHARGE, e.amount), (e.kind == LedgerKind.DISCOUNT, -e.amount), else_=0)
    owed, outstanding = s.execute(
        select(func.coalesce(func.sum(billed), 0), func.coalesce(func.sum(ledger.signed_amount()), 0))
        .join(Charge, Charge.id == e.charge_id)
        .where(Charge.contract_id == contract_id, Charge.period == period)).one()

    def kind(k: LedgerKind) -> int:
        return int(by_kind.get(k, by_kind.get(k.value, 0)) or 0)

    return MonthFigures(period, int(requests), kind(LedgerKind.REQUEST), kind(LedgerKind.DEBIT),
                        kind(LedgerKind.FAIL), int(cash), int(owed), int(outstanding),
                        _unpaid(s, info, period, today))


def _unpaid(s: Session, info: ContractInfo, period: str, today: date) -> int:
    """미납 won of the period's charges as of `today`, by the ledger's one definition."""
    states = ledger.charge_states(s, info.calendar, info.id, today, period=period)
    return sum(left for state, left in states.values() if state is ledger.ChargeState.UNPAID)
