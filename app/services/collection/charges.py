"""청구: one charge per agreement and period, and what each agreement due on a debit date may be asked for.

Charges are created when they are requested (이체의뢰, or the automatic request), inside that
transaction, with the agreement's monthly amount and the discount in effect *at creation*; a later
discount change (할인관리) applies from the next charge on. Looking never writes: the request list
shows a charge not yet created as it would be (`DueRow.charge_id` None). Creation is an
``INSERT … ON CONFLICT DO NOTHING`` on the unique (agreement, period) on both databases, and only the
inserting transaction writes the CHARGE/DISCOUNT ledger entries, so two clerks requesting the same
payer at once never charge it twice.

`due_rows` is the single computation behind the request list, the pre-flight check, the request
itself and the automatic request: an excluded row carries its Korean reason, a requestable one the
amount to ask for (earlier outstanding first, never above the per-debit limit). Each row also carries
the request made for *its* debit date (`DueRow.requested_*`), so a queued or answered row shows what
was asked and how it stands, not an empty amount. `brought_rows` adds what the date's file carries
for agreements not due on it by their debit day (a 재처리의뢰, a charge moved from a missed cut-off),
so the list holds everything that goes to the bank that day.

A paused month (휴원, app/services/customers/pauses.py) makes no charge: `ensure_charges` skips an
agreement with a live pause covering the period, and `due_rows` excludes it with the pause's months
and reason (`PAUSED`) as the first check after an ended agreement, so the request list, the
automatic request and the home counts leave it out alike. The pauses are read once per period of
the date (`pauses.paused_agreements`), never per row; the month after the pause is charged again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import and_, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from app.models import (
    AccountRegistration,
    AgreementStatus,
    Charge,
    CollectionItem,
    Customer,
    DebitAgreement,
    DebitRequest,
    DebitRequestLine,
    LedgerEntry,
    LedgerKind,
    MissedRemedy,
    RegistrationKind,
    RegistrationState,
    RequestKind,
    RequestState,
)
from app.models.academy import Pause
from app.services.collection import ledger
from app.services.collection.ledger import Balance, LineSpec
from app.services.common.calendar import SEOUL, BusinessCalendar
from app.services.common.masking import masked_last4
from app.services.common.periods import add_months, first_day, last_day, month_of, year_month
from app.services.common.search import number_or_name
from app.services.customers.pauses import months_text, paused_agreements
from app.services.exchange.cms.banks import bank_name
from app.services.exchange.cms.reasons import reason, reason_text

MIN_DEBIT_AMOUNT = 140
"""The banks refuse a debit under 140 won (불능코드 0075)."""

# Why a row cannot be requested (DueRow.reason) — the clerk's words.
ENDED = "이체정보가 해지되었습니다"
PAUSED = "휴원 중입니다 ({months}: {reason})"
PAUSED_STATUS = "휴원"
CUSTOMER_INACTIVE = "사용중지된 고객입니다"
NO_REGISTRATION = "계좌신청 내역이 없습니다 (계좌신청 후 의뢰할 수 있습니다)"
REGISTRATION_PENDING = "계좌신청이 완료되지 않았습니다 ({state})"
ALREADY_REQUESTED = "이미 이체의뢰되었습니다 ({state})"
PAID_IN_CASH = "현금수납으로 완납되었습니다"
ALREADY_DEBITED = "이미 출금되었습니다 (이체처리완료)"
FULLY_DISCOUNTED = "청구금액이 없습니다 (전액 할인)"
NOTHING_DUE = "의뢰할 미수납액이 없습니다"
OVER_LIMIT = "건당출금한도({limit:,}원)를 넘어 의뢰할 수 없습니다"
UNDER_MINIMUM = "이체금액이 140원 미만입니다 ({amount:,}원)"
CAPPED = "건당출금한도({limit:,}원)를 넘는 {left:,}원은 미수납으로 남습니다"
# The clerk's choice for a charge whose cut-off was missed (app/services/collection/missed.py): on the date it
# missed it is no longer asked for (a moved charge that is queued reads ALREADY_REQUESTED first).
REMEDIED = {
    MissedRemedy.MOVE: "마감을 놓쳐 다음 출금일로 옮겼습니다",
    MissedRemedy.CASH: "마감을 놓쳐 현금수납으로 받기로 했습니다",
    MissedRemedy.UNPAID: "마감을 놓쳐 미납으로 두었습니다",
}


def covers(first_month: str, last_month: str | None, period: str) -> bool:
    """Whether an agreement running first_month … last_month (None: open-ended) is due in `period`."""
    return first_month <= period and (last_month is None or period <= last_month)


def days_on(calendar: BusinessCalendar, debit_date: date) -> dict[str, tuple[int, ...]]:
    """period → the days of the month (1-31) whose debit falls on `debit_date`.

    A contracted day on a closed day moves to the next business day, possibly into the next month
    (`BusinessCalendar.debit_date_for`), so a date can serve this month's and last month's periods.
    """
    found: dict[str, tuple[int, ...]] = {}
    for period in (add_months(month_of(debit_date), -1), month_of(debit_date)):
        year, month = year_month(period)
        days = tuple(d for d in range(1, 32) if calendar.debit_date_for(year, month, d) == debit_date)
        if days:
            found[period] = days
    return found


# --- charges ----------------------------------------------------------------------------------


def charge_values(monthly_amount: int, discount_amount: int) -> tuple[int, int]:
    """(amount, discount) of a new charge: the monthly amount and the discount now in effect."""
    return monthly_amount, max(0, min(discount_amount, monthly_amount))


def _insert(s: Session) -> postgresql.Insert | sqlite.Insert:
    dialect = s.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Charge)


def ensure_charges(s: Session, contract_id: int, period: str, agreements: Iterable[DebitAgreement], on: date,
                   by: str, *, paused: Collection[int] | None = None) -> dict[int, int]:
    """agreement id → charge id of `period`, creating the missing charges of ACTIVE covering agreements
    that are not paused (휴원) in `period`.

    Never twice: ``ON CONFLICT DO NOTHING RETURNING`` tells which rows this transaction inserted, and
    only those get their CHARGE/DISCOUNT entries. `paused`: the agreement ids paused in `period` when
    the caller read them already (`due_rows`); None reads them here (one query).
    """
    agreements = list(agreements)
    covering = [a for a in agreements
                if a.status is AgreementStatus.ACTIVE and covers(a.first_month, a.last_month, period)]
    if paused is None:
        paused = paused_agreements(s, [a.id for a in covering], period) if covering else {}
    wanted = [a for a in covering if a.id not in paused]
    if wanted:
        values = []
        for a in wanted:
            amount, discount = charge_values(a.monthly_amount, a.discount_amount)
            values.append({"contract_id": contract_id, "agreement_id": a.id, "period": period, "amount": amount,
                           "discount": discount, "version_id": 1})
        stmt = _insert(s).on_conflict_do_nothing(index_elements=["agreement_id", "period"]).returning(
            Charge.id, Charge.agreement_id, Charge.amount, Charge.discount)
        for start in range(0, len(values), 1000):
            created = s.execute(stmt, values[start : start + 1000]).all()
            ledger.post_charges(s, contract_id, [(cid, amount, discount) for cid, _a, amount, discount in created],
                                on, by)
    ids = [a.id for a in agreements]
    found: dict[int, int] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        found.update(s.execute(select(Charge.agreement_id, Charge.id)
                               .where(Charge.agreement_id.in_(chunk), Charge.period == period)).all())
    return found


# --- what is due on a debit date --------------------------------------------------------------


@dataclass(frozen=True)
class DueRow:
    """One agreement due on the debit date: what it owes, what would be asked, and why not if not."""

    agreement_id: int
    customer_id: int
    customer_no: str
    customer_name: str
    grade: str
    item_id: int
    item_code: str
    item_name: str
    bank_code: str
    bank_name: str
    account_masked: str
    period: str
    charge_id: int | None  # None until the period's charge exists (it is created when requested)
    monthly_amount: int
    discount: int
    charge_amount: int  # this period: monthly amount less discount, as charged
    current_outstanding: int  # of this period's charge, not collected and not in an open request
    earlier_outstanding: int  # of earlier periods' charges, not collected and not in an open request (미수납액)
    debit_limit: int
    request_amount: int  # what 이체의뢰 asks for now (0 when the row cannot be requested)
    left_outstanding: int  # what does not fit under the per-debit limit and stays outstanding
    status_text: str  # 최종수납현황: 미의뢰, 이체의뢰대기, 이체의뢰중, 이체처리완료, 이체처리미완료, 현금수납 …
    open_request_id: int | None  # the queued/in-flight request that holds this period's charge, if any
    reason: str | None  # why the row cannot be requested (Korean), None when it can
    note: str | None  # something the clerk should know even so (capped by the limit …)
    lines: tuple[LineSpec, ...] = ()  # what a request would carry, oldest charge first
    # The request made for THIS debit date (the latest one not withdrawn, 이체의뢰 or 재처리의뢰):
    # what it asked and how it stands. None/0 when nothing was requested for this date.
    requested_id: int | None = None
    requested_amount: int = 0
    requested_state: RequestState | None = None
    brought: bool = False  # on the date's file though not due on it by its debit day (`note` says why)

    @property
    def requestable(self) -> bool:
        return self.reason is None

    @property
    def requested(self) -> bool:
        """A request for this debit date exists (queued, at the bank or answered)."""
        return self.requested_state is not None


def registration_states(s: Session, agreement_ids: Sequence[int]) -> dict[int, AccountRegistration]:
    """The latest registration (withdrawn ones aside) of each agreement that has one.

    An agreement with no registration of its own (the 연체료 item an office bills, made by
    app/services/collection/late_fee_billing.py) stands on a completed one of another agreement of the
    same customer for the same bank account: the bank registers the pair (납부자번호, account), and
    the 납부자번호 is the customer's, so asking it to register the pair again would be refused (A016).
    """
    out: dict[int, AccountRegistration] = {}
    for start in range(0, len(agreement_ids), 5000):
        chunk = list(agreement_ids[start : start + 5000])
        latest = (select(func.max(AccountRegistration.id))
                  .where(AccountRegistration.agreement_id.in_(chunk),
                         AccountRegistration.state != RegistrationState.WITHDRAWN)
                  .group_by(AccountRegistration.agreement_id))
        for reg in s.scalars(select(AccountRegistration).where(AccountRegistration.id.in_(latest))):
            out[reg.agreement_id] = reg
    missing = [a for a in agreement_ids if a not in out]
    if missing:
        out.update(_shared_registrations(s, missing))
    return out


def _shared_registrations(s: Session, agreement_ids: Sequence[int]) -> dict[int, AccountRegistration]:
    """agreement id → the completed registration of a sibling agreement (same customer, bank and account)."""
    own = aliased(DebitAgreement)
    sibling = aliased(DebitAgreement)
    out: dict[int, AccountRegistration] = {}
    for start in range(0, len(agreement_ids), 5000):
        chunk = list(agreement_ids[start : start + 5000])
        # Each sibling's latest registration counts (a later 해지 ends what it can lend).
        latest = (select(AccountRegistration.agreement_id, func.max(AccountRegistration.id).label("reg_id"))
                  .where(AccountRegistration.state != RegistrationState.WITHDRAWN)
                  .group_by(AccountRegistration.agreement_id).subquery())
        rows = s.execute(
            select(own.id, func.max(AccountRegistration.id))
            .join(sibling, and_(sibling.customer_id == own.customer_id, sibling.id != own.id,
                                sibling.bank_code == own.bank_code, sibling.account_no_hash == own.account_no_hash))
            .join(latest, latest.c.agreement_id == sibling.id)
            .join(AccountRegistration, AccountRegistration.id == latest.c.reg_id)
            .where(own.id.in_(chunk), AccountRegistration.kind == RegistrationKind.NEW,
                   AccountRegistration.state == RegistrationState.DONE)
            .group_by(own.id)
        ).all()
        regs = {r.id: r for r in s.scalars(select(AccountRegistration)
                                           .where(AccountRegistration.id.in_([reg_id for _a, reg_id in rows])))}
        out.update({agreement_id: regs[reg_id] for agreement_id, reg_id in rows})
    return out


def registration_problem(reg: AccountRegistration | None) -> str | None:
    """Why an agreement's account cannot be debited yet, or None when its registration is complete."""
    if reg is None:
        return NO_REGISTRATION
    if reg.kind is RegistrationKind.NEW and reg.state is RegistrationState.DONE:
        return None
    state = reg.state.label
    if reg.kind is not RegistrationKind.NEW:
        state = f"해지 {state}"
    if reg.state is RegistrationState.FAILED and reg.reason_code:
        state += f": {reason_text(reg.reason_code)}"
    return REGISTRATION_PENDING.format(state=state)


def _due_agreements(s: Session, contract_id: int, day_map: dict[str, tuple[int, ...]], item_id: int | None
                    ) -> list[tuple[str, DebitAgreement, Customer, CollectionItem]]:
    out: list[tuple[str, DebitAgreement, Customer, CollectionItem]] = []
    for period, days in day_map.items():
        stmt = (
            select(DebitAgreement, Customer, CollectionItem)
            .join(Customer, Customer.id == DebitAgreement.customer_id)
            .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
            .where(Customer.contract_id == contract_id, DebitAgreement.debit_day.in_(days),
                   DebitAgreement.first_month <= period,
                   (DebitAgreement.last_month.is_(None)) | (DebitAgreement.last_month >= period))
            .order_by(Customer.customer_no, CollectionItem.code)
        )
        if item_id is not None:
            stmt = stmt.where(DebitAgreement.item_id == item_id)
        out.extend((period, a, c, i) for a, c, i in s.execute(stmt))
    return out


def due_rows(s: Session, contract_id: int, calendar: BusinessCalendar, debit_date: date, *, item_id: int | None,
             include_outstanding: bool, create: bool, today: date, by: str,
             only: Collection[int] | None = None, with_earlier: bool = True) -> list[DueRow]:
    """Every agreement due on `debit_date` (see the module docstring); `create` makes the missing charges.

    `only`: just these agreements (a request recomputes the ticked rows, not the whole date).
    `with_earlier` False skips the earlier periods' charges (their 미수납액 reads 0): a caller that only
    counts what would be requested without 미수납액 (the home card) need not read years of history.
    """
    day_map = days_on(calendar, debit_date)
    due = _due_agreements(s, contract_id, day_map, item_id)
    if only is not None:
        due = [row for row in due if row[1].id in only]
    if not due:
        return []
    current: dict[int, int] = {}
    paused: dict[tuple[str, int], Pause] = {}  # (period, agreement id) → the pause that keeps it uncharged
    for period in day_map:
        agreements = [a for p, a, _c, _i in due if p == period]
        here_paused = paused_agreements(s, [a.id for a in agreements], period)
        paused.update({(period, agreement_id): pause for agreement_id, pause in here_paused.items()})
        if create:
            current.update(ensure_charges(s, contract_id, period, agreements, today, by, paused=here_paused))
        else:
            current.update(s.execute(select(Charge.agreement_id, Charge.id).where(
                Charge.agreement_id.in_([a.id for a in agreements]), Charge.period == period)).all())
    agreement_ids = [a.id for _p, a, _c, _i in due]
    earlier: dict[int, list[tuple[int, str]]] = {}
    for period in (day_map if with_earlier or include_outstanding else ()):
        found = s.execute(select(Charge.agreement_id, Charge.id, Charge.period).where(
            Charge.agreement_id.in_([a.id for p, a, _c, _i in due if p == period]), Charge.period < period)
            .order_by(Charge.period, Charge.id))
        for agreement_id, earlier_id, charge_period in found:
            earlier.setdefault(agreement_id, []).append((earlier_id, charge_period))
    charge_ids = set(current.values()) | {c for lst in earlier.values() for c, _p in lst}
    # Open lines before balances: a result applied in between closes its lines and posts its DEBIT
    # entries in one commit, so a line seen closed here has its DEBIT seen by the balance read after.
    held = ledger.open_lines(s, charge_ids)
    money = ledger.balances(s, charge_ids)
    regs = registration_states(s, agreement_ids)
    last_state = _last_request_states(s, list(current.values()))
    remedies = _remedies(s, current.values())
    here = requests_on(s, contract_id, debit_date, agreement_ids)
    elsewhere = _request_dates(s, {request_id for request_id, _state in held.values()})
    rows: list[DueRow] = []
    for period, a, c, i in due:
        charge_id = current.get(a.id)
        hold = held.get(charge_id) if charge_id is not None else None
        moved_to = elsewhere.get(hold[0]) if hold is not None else None
        rows.append(_row(period, a, c, i, charge_id, earlier.get(a.id, []), money, held, regs.get(a.id),
                         last_state, include_outstanding, here.get(a.id),
                         moved_to if moved_to != debit_date else None,
                         remedies.get(charge_id) if charge_id is not None else None, paused.get((period, a.id))))
    return rows


def _remedies(s: Session, charge_ids: Iterable[int]) -> dict[int, MissedRemedy]:
    """charge id → the remedy the clerk chose for its missed cut-off, for the charges that have one."""
    ids = sorted(set(charge_ids))
    out: dict[int, MissedRemedy] = {}
    for start in range(0, len(ids), 5000):
        for charge_id, remedy in s.execute(select(Charge.id, Charge.missed_remedy).where(
                Charge.id.in_(ids[start : start + 5000]), Charge.missed_remedy.is_not(None))):
            if remedy is not None:  # the query leaves NULLs out; this says so to the type checker
                out[charge_id] = MissedRemedy(remedy)
    return out


@dataclass(frozen=True)
class RequestedHere:
    """The request made for one debit date of one agreement (the latest one not withdrawn)."""

    request_id: int
    agreement_id: int
    kind: RequestKind
    state: RequestState
    amount: int
    retry_of_id: int | None


def requests_on(s: Session, contract_id: int, debit_date: date,
                agreement_ids: Collection[int] | None = None) -> dict[int, RequestedHere]:
    """agreement id → the latest request (withdrawn ones aside, any kind) made for `debit_date`.

    `agreement_ids` None: every agreement with a request on the date.
    """
    r = DebitRequest
    stmt = (select(r.id, r.agreement_id, r.kind, r.state, r.amount, r.retry_of_id)
            .where(r.contract_id == contract_id, r.debit_date == debit_date, r.state != RequestState.WITHDRAWN)
            .order_by(r.id))
    out: dict[int, RequestedHere] = {}
    if agreement_ids is None:
        chunks: list[list[int] | None] = [None]
    else:
        ids = sorted(set(agreement_ids))
        chunks = [ids[start : start + 5000] for start in range(0, len(ids), 5000)]
    for chunk in chunks:
        for request_id, agreement_id, kind, state, amount, retry_of in s.execute(
                stmt if chunk is None else stmt.where(r.agreement_id.in_(chunk))):
            out[agreement_id] = RequestedHere(request_id, agreement_id, RequestKind(kind), RequestState(state),
                                              int(amount), retry_of)
    return out


def _request_dates(s: Session, request_ids: Collection[int]) -> dict[int, date]:
    """request id → its debit date."""
    ids = sorted(set(request_ids))
    out: dict[int, date] = {}
    for start in range(0, len(ids), 5000):
        out.update(s.execute(select(DebitRequest.id, DebitRequest.debit_date)
                             .where(DebitRequest.id.in_(ids[start : start + 5000]))).all())
    return out


def brought_rows(s: Session, contract_id: int, calendar: BusinessCalendar, debit_date: date, *,
                 item_id: int | None, exclude: Collection[int]) -> list[DueRow]:
    """What the date's file carries for agreements not due on `debit_date` by their debit day.

    A 재처리의뢰 of another date's failure, or a charge moved here from a missed cut-off, goes to the
    bank on this date too; the list shows them (requested, never requestable here) with a note of
    where they come from, so the clerk sees the whole file. `exclude`: the agreements due on the
    date (their request is on their own row). A moved charge names the date it missed (the one the
    clerk moved it from), else the debit date of its period and the agreement's debit day. Reads only.
    """
    due_here = set(exclude)
    found = {a: r for a, r in requests_on(s, contract_id, debit_date).items() if a not in due_here}
    if not found:
        return []
    stmt = (select(DebitAgreement, Customer, CollectionItem)
            .join(Customer, Customer.id == DebitAgreement.customer_id)
            .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
            .where(DebitAgreement.id.in_(sorted(found)))
            .order_by(Customer.customer_no, CollectionItem.code))
    if item_id is not None:
        stmt = stmt.where(DebitAgreement.item_id == item_id)
    parties = s.execute(stmt).all()
    if not parties:
        return []
    request_ids = [found[a.id].request_id for a, _c, _i in parties]
    newest: dict[int, tuple[int, str]] = {}  # request id → (charge id, period) of its newest charge
    missed_on: dict[int, date] = {}  # charge id → the debit date whose cut-off it missed (moved from)
    for request_id, line_charge, line_period, missed in s.execute(
            select(DebitRequestLine.request_id, Charge.id, Charge.period, Charge.missed_debit_date)
            .join(Charge, Charge.id == DebitRequestLine.charge_id)
            .where(DebitRequestLine.request_id.in_(request_ids))
            .order_by(Charge.period, Charge.id)):
        newest[request_id] = (line_charge, line_period)
        if missed is not None:
            missed_on[line_charge] = missed
    charge_ids = {charge_id for charge_id, _p in newest.values()}
    held = ledger.open_lines(s, charge_ids)  # before balances, as in `due_rows`
    money = ledger.balances(s, charge_ids)
    retried = _request_dates(s, {r.retry_of_id for r in found.values() if r.retry_of_id is not None})
    rows = []
    for a, c, i in parties:
        here = found[a.id]
        charge_id, period = newest.get(here.request_id, (None, month_of(debit_date)))
        bal = money[charge_id] if charge_id is not None else Balance()
        hold = held.get(charge_id) if charge_id is not None else None
        if here.kind is RequestKind.RETRY:
            origin = retried.get(here.retry_of_id) if here.retry_of_id is not None else None
            note = f"재처리의뢰 ({origin:%m-%d} 출금분)" if origin else "재처리의뢰"
        else:
            origin = missed_on.get(charge_id) if charge_id is not None else None
            if origin is None:
                origin = calendar.debit_date_for(*year_month(period), a.debit_day)
            note = f"{origin:%m-%d} 출금분을 옮겨 의뢰"
        rows.append(DueRow(
            agreement_id=a.id, customer_id=c.id, customer_no=c.customer_no, customer_name=c.name,
            grade=c.grade or "", item_id=i.id, item_code=i.code, item_name=i.name, bank_code=a.bank_code,
            bank_name=bank_name(a.bank_code), account_masked=masked_last4(a.account_last4), period=period,
            charge_id=charge_id, monthly_amount=bal.charged, discount=bal.discount, charge_amount=bal.owed,
            current_outstanding=0 if hold else max(bal.outstanding, 0), earlier_outstanding=0,
            debit_limit=a.debit_limit, request_amount=0, left_outstanding=0,
            status_text=_requested_status(here.state, bal, hold), open_request_id=hold[0] if hold else None,
            reason=ALREADY_REQUESTED.format(state=here.state.label), note=note,
            requested_id=here.request_id, requested_amount=here.amount, requested_state=here.state, brought=True,
        ))
    return rows


def _requested_status(state: RequestState, bal: Balance, hold: tuple[int, RequestState] | None) -> str:
    """최종수납현황 of a row requested for this date: the request's state, unless the charge was settled
    since (a failure paid in cash reads 현금수납)."""
    if hold is None and bal.outstanding <= 0 and state in (RequestState.FAILED, RequestState.PARTIAL):
        return "현금수납" if bal.cash_net > 0 else RequestState.DONE.label
    return state.label


def _last_request_states(s: Session, charge_ids: list[int]) -> dict[int, RequestState]:
    """charge id → state of the latest request that carried it (withdrawn ones aside)."""
    out: dict[int, RequestState] = {}
    if not charge_ids:
        return out
    rows = s.execute(
        select(DebitRequestLine.charge_id, DebitRequest.state)
        .join(DebitRequest, DebitRequest.id == DebitRequestLine.request_id)
        .where(DebitRequestLine.charge_id.in_(charge_ids), DebitRequest.state != RequestState.WITHDRAWN)
        .order_by(DebitRequest.id)
    )
    for charge_id, state in rows:
        out[charge_id] = RequestState(state)
    return out


def _status(charge_id: int | None, bal: Balance, held: tuple[int, RequestState] | None,
            last: RequestState | None) -> str:
    if charge_id is None:
        return "미의뢰"
    if held is not None:
        return held[1].label
    if bal.outstanding == 0:
        if bal.owed == 0:
            return "전액할인"
        return "현금수납" if bal.cash_net > 0 else "이체처리완료"
    if last in (RequestState.FAILED, RequestState.PARTIAL):
        return RequestState.FAILED.label
    return "미의뢰"


def _row(period: str, a: DebitAgreement, c: Customer, i: CollectionItem, charge_id: int | None,
         earlier: list[tuple[int, str]], money: dict[int, Balance], held: dict[int, tuple[int, RequestState]],
         reg: AccountRegistration | None, last: dict[int, RequestState], include_outstanding: bool,
         here: RequestedHere | None, moved_to: date | None, remedy: MissedRemedy | None,
         pause: Pause | None = None) -> DueRow:
    if charge_id is not None:
        bal = money[charge_id]
        amount, discount = bal.charged, bal.discount
    else:
        amount, discount = charge_values(a.monthly_amount, a.discount_amount)
        # A paused month makes no charge: it owes nothing (월이체금액 and 할인 still show what it would be).
        bal = Balance() if pause is not None else Balance(charged=amount, discount=discount)
    hold = held.get(charge_id) if charge_id is not None else None
    current_left = 0 if hold else bal.outstanding
    older = [(cid, p, money[cid].outstanding) for cid, p in earlier if cid not in held and money[cid].outstanding > 0]
    earlier_left = sum(x for _c, _p, x in older)
    wanted = [(cid, p, x) for cid, p, x in older] if include_outstanding else []
    if current_left > 0:
        wanted.append((charge_id or 0, period, current_left))  # 0: not created yet (created at request)
    lines: list[LineSpec] = []
    room = a.debit_limit
    for cid, p, x in wanted:  # oldest first
        take = min(x, room)
        if take > 0:
            lines.append(LineSpec(cid, p, take))
            room -= take
    request_amount = sum(line.amount for line in lines)
    left = sum(x for _c, _p, x in wanted) - request_amount
    reason = _reason(a, c, reg, hold, bal, wanted, request_amount, remedy, pause)
    note = CAPPED.format(limit=a.debit_limit, left=left) if left > 0 and request_amount > 0 else None
    if moved_to is not None and hold is not None:  # its charge went to another date's file
        note = f"{moved_to:%m-%d} 출금으로 의뢰됨"
    status = _status(charge_id, bal, hold, last.get(charge_id) if charge_id is not None else None)
    if here is not None and (hold is None or hold[0] == here.request_id):
        status = _requested_status(here.state, bal, hold)
    elif pause is not None and charge_id is None:
        status = PAUSED_STATUS
    return DueRow(
        agreement_id=a.id, customer_id=c.id, customer_no=c.customer_no, customer_name=c.name, grade=c.grade or "",
        item_id=i.id, item_code=i.code, item_name=i.name, bank_code=a.bank_code, bank_name=bank_name(a.bank_code),
        account_masked=masked_last4(a.account_last4), period=period, charge_id=charge_id, monthly_amount=amount,
        discount=discount, charge_amount=0 if pause is not None and charge_id is None else amount - discount,
        current_outstanding=current_left,
        earlier_outstanding=earlier_left, debit_limit=a.debit_limit,
        request_amount=0 if reason else request_amount, left_outstanding=left if not reason else 0,
        status_text=status, open_request_id=hold[0] if hold else None, reason=reason, note=note,
        lines=tuple(lines) if not reason and charge_id is not None else (),
        requested_id=here.request_id if here else None, requested_amount=here.amount if here else 0,
        requested_state=here.state if here else None,
    )


def _reason(a: DebitAgreement, c: Customer, reg: AccountRegistration | None, hold: tuple[int, RequestState] | None,
            bal: Balance, wanted: list[tuple[int, str, int]], request_amount: int,
            remedy: MissedRemedy | None = None, pause: Pause | None = None) -> str | None:
    if a.status is not AgreementStatus.ACTIVE:
        return ENDED
    if pause is not None:
        return PAUSED.format(months=months_text(pause.first_month, pause.last_month), reason=pause.reason)
    if not c.active:
        return CUSTOMER_INACTIVE
    problem = registration_problem(reg)
    if problem:
        return problem
    if hold is not None:
        return ALREADY_REQUESTED.format(state=hold[1].label)
    if remedy in REMEDIED and bal.outstanding > 0:
        return REMEDIED[remedy]
    if not wanted:
        if bal.owed == 0:
            return FULLY_DISCOUNTED
        if bal.cash_net > 0 and bal.outstanding == 0:
            return PAID_IN_CASH
        if bal.debited > 0 and bal.outstanding == 0:
            return ALREADY_DEBITED
        return NOTHING_DUE
    if request_amount == 0:
        return OVER_LIMIT.format(limit=a.debit_limit)
    if request_amount < MIN_DEBIT_AMOUNT:
        return UNDER_MINIMUM.format(amount=request_amount)
    return None


# --- 재처리의뢰: what a failed request of this month may still be retried for ----------------------


@dataclass(frozen=True)
class RetryRow:
    """A failed (or partly debited) request of the current month, as 재처리의뢰 lists it."""

    request_id: int
    agreement_id: int
    customer_no: str
    customer_name: str
    item_name: str
    bank_code: str
    bank_name: str
    debit_date: date
    kind: RequestKind
    state: RequestState
    amount: int
    debited_amount: int
    retry_amount: int  # what a retry asks now: the failed part still outstanding, within the limit
    reason_code: str
    reason_text: str
    retryable: bool  # the bank's reason allows a retry (cms reasons)
    hint: str
    carried: bool  # it cannot be retried this month: its outstanding goes into next month's request
    status_text: str  # 재처리의뢰 가능, 다음 달 이체의뢰로 이월, 이미 재처리의뢰함, 현금수납 완료 …
    why_not: str | None  # why it cannot be retried now (Korean), None when it can
    period: str = ""  # the newest period among its charges (a retry's own period)
    lines: tuple[LineSpec, ...] = ()

    @property
    def can_retry(self) -> bool:
        return self.why_not is None

    @property
    def request_amount(self) -> int:
        return self.retry_amount


def retry_dates_for(calendar: BusinessCalendar, cutoff_time: time, now: datetime) -> list[date]:
    """Business days of the current month (Seoul) whose request cut-off is still ahead of `now`."""
    today = now.astimezone(SEOUL).date()
    last = last_day(month_of(today))
    out = []
    day = today
    while day <= last:
        if calendar.is_business_day(day) and calendar.is_request_open(day, now, cutoff_time):
            out.append(day)
        day = date.fromordinal(day.toordinal() + 1)
    return out


def retry_rows(s: Session, contract_id: int, calendar: BusinessCalendar, cutoff_time: time, now: datetime, *,
               item_id: int | None = None, customer: str | None = None,
               only: Collection[int] | None = None) -> list[RetryRow]:
    """This month's failed and partly debited requests with what a retry may ask and, if not, why."""
    this_month = month_of(now.astimezone(SEOUL).date())
    first, last = first_day(this_month), last_day(this_month)
    stmt = (
        select(DebitRequest, DebitAgreement, Customer, CollectionItem)
        .join(DebitAgreement, DebitAgreement.id == DebitRequest.agreement_id)
        .join(Customer, Customer.id == DebitAgreement.customer_id)
        .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
        .where(DebitRequest.contract_id == contract_id,
               DebitRequest.state.in_([RequestState.FAILED, RequestState.PARTIAL]),
               DebitRequest.debit_date >= first, DebitRequest.debit_date <= last)
        .order_by(DebitRequest.debit_date, Customer.customer_no, DebitRequest.id)
    )
    if item_id is not None:
        stmt = stmt.where(DebitAgreement.item_id == item_id)
    if customer:
        stmt = stmt.where(number_or_name(Customer.customer_no, Customer.name, customer.strip()))
    if only is not None:
        stmt = stmt.where(DebitRequest.id.in_(list(only)))
    found = s.execute(stmt).all()
    if not found:
        return []
    ids = [r.id for r, _a, _c, _i in found]
    later = dict(s.execute(select(DebitRequest.retry_of_id, DebitRequest.state).where(
        DebitRequest.retry_of_id.in_(ids), DebitRequest.state != RequestState.WITHDRAWN)).all())
    failed: dict[int, list[tuple[int, str, int]]] = {}
    for request_id, charge_id, period, total in s.execute(
        select(LedgerEntry.debit_request_id, LedgerEntry.charge_id, Charge.period, func.sum(LedgerEntry.amount))
        .join(Charge, Charge.id == LedgerEntry.charge_id)
        .where(LedgerEntry.debit_request_id.in_(ids), LedgerEntry.kind == LedgerKind.FAIL)
        .group_by(LedgerEntry.debit_request_id, LedgerEntry.charge_id, Charge.period)
        .order_by(Charge.period, LedgerEntry.charge_id)
    ):
        if request_id is None:  # the IN filter leaves none; this narrows the nullable column's type
            continue
        failed.setdefault(request_id, []).append((charge_id, period, int(total)))
    charge_ids = {c for parts in failed.values() for c, _p, _x in parts}
    held = ledger.open_lines(s, charge_ids)  # before balances, as in `due_rows`
    money = ledger.balances(s, charge_ids)
    regs = registration_states(s, [a.id for _r, a, _c, _i in found])
    dates = retry_dates_for(calendar, cutoff_time, now)
    return [_retry_row(r, a, c, i, failed.get(r.id, []), money, held, regs.get(a.id), later.get(r.id), bool(dates))
            for r, a, c, i in found]


def _retry_row(r: DebitRequest, a: DebitAgreement, c: Customer, i: CollectionItem, parts: list[tuple[int, str, int]],
               money: dict[int, Balance], held: dict[int, tuple[int, RequestState]], reg: AccountRegistration | None,
               later: RequestState | None, dates_left: bool) -> RetryRow:
    code = r.reason_code or ""
    why = reason(code) if code else None
    lines: list[LineSpec] = []
    room = a.debit_limit
    still = 0
    for charge_id, period, fail_part in parts:
        if charge_id in held:
            continue
        left = min(fail_part, money[charge_id].outstanding)
        still += max(left, 0)
        take = min(left, room)
        if take > 0:
            lines.append(LineSpec(charge_id, period, take))
            room -= take
    amount = sum(line.amount for line in lines)
    retryable = bool(why and why.retryable)
    why_not, status = _retry_verdict(a, c, reg, parts, money, held, later, amount, retryable, dates_left,
                                     why.hint if why else "")
    carried = still > 0 and later is None and (not dates_left or not retryable)
    return RetryRow(
        request_id=r.id, agreement_id=a.id, customer_no=c.customer_no, customer_name=c.name, item_name=i.name,
        bank_code=a.bank_code, bank_name=bank_name(a.bank_code), debit_date=r.debit_date, kind=r.kind, state=r.state,
        amount=r.amount, debited_amount=r.debited_amount, retry_amount=amount if why_not is None else 0,
        reason_code=code, reason_text=why.text if why else "", retryable=retryable, hint=why.hint if why else "",
        carried=carried, status_text=status, why_not=why_not,
        period=max((line.period for line in lines), default=""), lines=tuple(lines) if why_not is None else (),
    )


def _retry_verdict(a: DebitAgreement, c: Customer, reg: AccountRegistration | None, parts: list[tuple[int, str, int]],
                   money: dict[int, Balance], held: dict[int, tuple[int, RequestState]], later: RequestState | None,
                   amount: int, retryable: bool, dates_left: bool, hint: str) -> tuple[str | None, str]:
    """(why not, 상태) of a failed request."""
    if later is not None:
        text = f"이미 재처리의뢰했습니다 ({later.label})"
        return text, "재처리의뢰함"
    if a.status is not AgreementStatus.ACTIVE:
        return ENDED, "이체정보 해지"
    if not c.active:
        return CUSTOMER_INACTIVE, "사용중지 고객"
    if amount == 0:
        taken = [held[cid][1] for cid, _p, _x in parts if cid in held]
        if taken:
            return ALREADY_REQUESTED.format(state=taken[0].label), "다른 이체의뢰에 포함"
        if any(money[cid].cash_net > 0 for cid, _p, _x in parts):
            return PAID_IN_CASH, "현금수납 완료"
        return NOTHING_DUE, "미수납액 없음"
    if not retryable:
        return f"재처리의뢰로는 출금할 수 없는 사유입니다. {hint}", "재처리 불가 (다음 달 이체의뢰로 이월)"
    problem = registration_problem(reg)
    if problem:
        return problem, "계좌신청 미완료"
    if not dates_left:
        return ("이번 달에 재처리의뢰할 수 있는 날이 남지 않았습니다. 미수납액은 다음 달 이체의뢰에 "
                "포함하세요."), "다음 달 이체의뢰로 이월"
    if amount < MIN_DEBIT_AMOUNT:
        return UNDER_MINIMUM.format(amount=amount), "140원 미만"
    return None, "재처리의뢰 가능"
