"""반환관리: a student who withdraws (퇴원) or stops a course (수강중단) is owed a refund by the 학원법 table.

The clerk names the customer, the reason and its day; `plan_refund` computes, month by month, what
each charge of the agreements in scope returns (`refund_table`), and only looks. `record_refund`
computes again under the charges' locks and writes the `Refund` (반환대기, due 5 days after the
reason), ends the agreements from the next month and cancels their account registration, so the bank
stops the standing order and no later period can be requested. The money moves when the clerk
confirms the payout (`pay_refund`): each line becomes a REFUND ledger entry (`ledger.post_refund`),
which lowers what the charge received and leaves its outstanding amount alone.

Scope:

* 퇴원 (WITHDRAWAL): every active agreement of the customer;
* 수강중단 (COURSE_STOP): the one agreement named.

An agreement ended by a refund that was later cancelled may be refunded again (the clerk corrects a
wrong day); one with a live refund (반환대기 or 반환완료) since its first month may not. A student who
comes back later reopens the agreement with a new first month, so an old refund does not block a new one.

Refused, with nothing written: a reason day after today or before the agreement's first month, and
any request of those agreements still 이체의뢰대기 (withdraw it on 이체의뢰) or 이체의뢰중 (wait for the
result): the bank may yet take money the table has not counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, select
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
    Refund,
    RefundKind,
    RefundLine,
    RefundMethod,
    RefundRule,
    RefundState,
    RegistrationKind,
    RegistrationState,
    RequestState,
)
from app.services.collection import ledger, month_lock
from app.services.collection import refund_table as table
from app.services.collection.withdrawal import can_withdraw
from app.services.common import audit
from app.services.common.access import contract_for, customer_for
from app.services.common.errors import ConflictError, NotFoundError, ServiceError
from app.services.common.masking import masked_last4
from app.services.common.periods import month_of
from app.services.common.search import contains_text
from app.services.common.session import Actor

LIVE = (RefundState.DUE, RefundState.PAID)
REFUND_NOT_FOUND = "반환 내역을 찾을 수 없습니다. 목록을 다시 조회하세요."
CANCEL_KEEPS_END = ("반환을 취소해도 이체정보 해지(최종이체년월)와 보낸 해지 신청은 그대로 남습니다. "
                    "다시 다니게 되면 고객관리에서 이체정보를 새로 등록하세요.")


# --- what the screens get ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundLinePlan:
    """One month of one agreement: what was paid, the table's line and what goes back."""

    agreement_id: int
    charge_id: int
    item_name: str
    period: str
    paid_amount: int
    rule: RefundRule
    elapsed: int
    total: int
    unit: str
    amount: int
    explanation: str


@dataclass(frozen=True)
class RefundPlan:
    customer_id: int
    customer_name: str
    kind: RefundKind
    reason_on: date
    due_on: date
    lines: tuple[RefundLinePlan, ...]
    amount: int
    agreement_ids: tuple[int, ...] = ()  # the agreements the refund ends
    item_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class RefundAgreement:
    """An agreement the refund dialog offers: its item and whether the item counts sessions."""

    agreement_id: int
    item_name: str
    monthly_amount: int
    teaching_sessions: int | None


@dataclass(frozen=True)
class RefundCustomer:
    customer_id: int
    customer_no: str
    name: str
    student_name: str
    agreements: tuple[RefundAgreement, ...]


@dataclass(frozen=True)
class RefundRow:
    id: int
    customer_id: int
    customer_no: str
    customer_name: str
    student_name: str
    kind: RefundKind
    items: str
    reason_on: date
    due_on: date
    amount: int
    state: RefundState
    paid_on: date | None
    paid_method: RefundMethod | None
    created_by: str

    def days_left(self, today: date) -> int:
        """Days until the due day (0 on it, negative once it has passed)."""
        return (self.due_on - today).days


@dataclass(frozen=True)
class RefundDetail(RefundRow):
    contract_id: int = 0
    note: str = ""
    cancel_reason: str = ""
    paid_by: str = ""
    lines: tuple[RefundLinePlan, ...] = ()


# --- scope ------------------------------------------------------------------------------------------


def _live_refunds(s: Session, agreement_ids: list[int]) -> dict[int, list[tuple[int, date]]]:
    """agreement id → [(refund id, reason day)] of its live refunds (반환대기/반환완료)."""
    out: dict[int, list[tuple[int, date]]] = {}
    if not agreement_ids:
        return out
    rows = s.execute(
        select(RefundLine.agreement_id, Refund.id, Refund.reason_on).join(Refund, Refund.id == RefundLine.refund_id)
        .where(RefundLine.agreement_id.in_(agreement_ids), Refund.state.in_(LIVE)).distinct())
    for agreement_id, refund_id, reason_on in rows:
        out.setdefault(agreement_id, []).append((refund_id, reason_on))
    return out


def _ended_by_refund(s: Session, agreement_ids: list[int]) -> set[int]:
    """Ended agreements that a refund (of any state) ended: a cancelled one may be done again."""
    if not agreement_ids:
        return set()
    return set(s.scalars(select(RefundLine.agreement_id).where(RefundLine.agreement_id.in_(agreement_ids))))


def _candidates(s: Session, customer_id: int) -> list[tuple[DebitAgreement, CollectionItem]]:
    rows = s.execute(
        select(DebitAgreement, CollectionItem).join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
        .where(DebitAgreement.customer_id == customer_id).order_by(CollectionItem.code)).all()
    ended = _ended_by_refund(s, [a.id for a, _i in rows if a.status is AgreementStatus.ENDED])
    return [(a, i) for a, i in rows if a.status is AgreementStatus.ACTIVE or a.id in ended]


def _conflict(agreement: DebitAgreement, live: Mapping[int, list[tuple[int, date]]]) -> int | None:
    """The id of a live refund of the agreement's current run (since its first month), if any."""
    for refund_id, reason_on in live.get(agreement.id, []):
        if month_of(reason_on) >= agreement.first_month:
            return refund_id
    return None


def _scope(s: Session, customer: Customer, kind: RefundKind, agreement_id: int | None,
           *, lock: bool = False) -> list[tuple[DebitAgreement, CollectionItem]]:
    """The agreements the refund covers (see the module docstring), refused with a Korean reason."""
    candidates = _candidates(s, customer.id)
    live = _live_refunds(s, [a.id for a, _i in candidates])
    if kind is RefundKind.COURSE_STOP:
        if agreement_id is None:
            raise ServiceError("수강중단은 중단하는 집금항목(이체정보)을 고르세요.")
        chosen = [(a, i) for a, i in candidates if a.id == agreement_id]
        if not chosen:
            raise ServiceError("이 고객의 사용 중인 이체정보가 아닙니다. 고객을 다시 고르세요.")
        refund_id = _conflict(chosen[0][0], live)
        if refund_id is not None:
            raise ConflictError(f"'{chosen[0][1].name}'에는 이미 반환(#{refund_id})을 등록했습니다. "
                                "잘못 등록했다면 관리자가 그 반환을 취소한 뒤 다시 등록하세요.")
        scope = chosen
    else:
        scope = [(a, i) for a, i in candidates
                 if a.status is AgreementStatus.ACTIVE or _conflict(a, live) is None]
        for a, i in scope:
            refund_id = _conflict(a, live)
            if refund_id is not None:
                raise ConflictError(f"'{i.name}'에는 이미 반환(#{refund_id})을 등록했습니다. "
                                    "잘못 등록했다면 관리자가 그 반환을 취소한 뒤 다시 등록하세요.")
        if not scope:
            done = sorted({r for rows in live.values() for r, _d in rows})
            if done:
                raise ConflictError(f"이 고객은 이미 반환(#{', #'.join(map(str, done))})을 등록했습니다.")
            raise ServiceError("이 고객에게는 사용 중인 이체정보가 없습니다. 반환할 것이 없습니다.")
    if lock:
        ids = sorted(a.id for a, _i in scope)
        s.scalars(select(DebitAgreement.id).where(DebitAgreement.id.in_(ids)).order_by(DebitAgreement.id)
                  .with_for_update()).all()
    return scope


# --- the computation --------------------------------------------------------------------------------


def _check_reason_day(reason_on: date, today: date, scope: list[tuple[DebitAgreement, CollectionItem]]) -> None:
    if isinstance(reason_on, datetime) or not isinstance(reason_on, date):
        raise ServiceError("반환사유 발생일은 날짜(YYYY-MM-DD)로 입력하세요.")
    if reason_on > today:
        raise ServiceError(f"반환사유 발생일 {reason_on:%Y-%m-%d}은(는) 오늘({today:%Y-%m-%d}) 뒤의 날짜입니다. "
                           "퇴원·수강중단이 실제로 있었던 날(오늘까지)을 입력하세요.")
    for agreement, item in scope:
        if month_of(reason_on) < agreement.first_month:
            raise ServiceError(f"반환사유 발생일 {reason_on:%Y-%m-%d}이(가) '{item.name}'의 최초이체년월"
                               f"({agreement.first_month})보다 이릅니다. 날짜를 확인하세요.")


def _lines(s: Session, scope: list[tuple[DebitAgreement, CollectionItem]], reason_on: date,
           sessions_held: Mapping[int, int] | None, *, lock: bool = False) -> list[RefundLinePlan]:
    """Each charge of the scope from the reason month on that kept money, by the table."""
    reason_month = month_of(reason_on)
    by_id = {a.id: (a, i) for a, i in scope}
    charges = list(s.scalars(select(Charge).where(Charge.agreement_id.in_(list(by_id)),
                                                  Charge.period >= reason_month)))
    if lock:
        ledger.lock_charges(s, [c.id for c in charges])
    money = ledger.balances(s, [c.id for c in charges])
    charges.sort(key=lambda c: (by_id[c.agreement_id][1].code, c.period, c.id))
    out: list[RefundLinePlan] = []
    for charge in charges:
        paid = money[charge.id].received
        if paid <= 0:
            continue
        agreement, item = by_id[charge.agreement_id]
        time = _teaching_time(item, agreement.id, charge.period, reason_on, sessions_held)
        if charge.period == reason_month:
            rule = table.rule_for(time.elapsed, time.total)
        else:
            rule, time = RefundRule.LATER_MONTH, table.TeachingTime(0, time.total, time.unit)
        amount = table.refund_amount(paid, rule)
        out.append(RefundLinePlan(
            agreement.id, charge.id, item.name, charge.period, paid, rule, time.elapsed, time.total, time.unit, amount,
            table.explanation(charge.period, item.name, paid, rule, time.elapsed, time.total, time.unit, amount)))
    return out


def _teaching_time(item: CollectionItem, agreement_id: int, period: str, reason_on: date,
                   sessions_held: Mapping[int, int] | None) -> table.TeachingTime:
    if not item.teaching_sessions:
        return table.days_elapsed(period, reason_on, item.teaching_first_day, item.teaching_last_day)
    total = item.teaching_sessions
    if period != month_of(reason_on):
        return table.TeachingTime(0, total, table.SESSIONS)
    held = (sessions_held or {}).get(agreement_id)
    if isinstance(held, bool) or not isinstance(held, int) or not 0 <= held <= total:
        raise ServiceError(f"'{item.name}'은(는) 횟수로 교습합니다. {period}에 진행한 교습 횟수를 "
                           f"0~{total}회로 입력하세요.")
    return table.TeachingTime(held, total, table.SESSIONS)


def _plan(s: Session, customer: Customer, kind: RefundKind, reason_on: date, agreement_id: int | None,
          sessions_held: Mapping[int, int] | None, today: date, *, lock: bool = False) -> RefundPlan:
    if not isinstance(kind, RefundKind):
        raise ServiceError("반환 구분(퇴원 또는 수강중단)을 고르세요.")
    scope = _scope(s, customer, kind, agreement_id, lock=lock)
    _check_reason_day(reason_on, today, scope)
    lines = _lines(s, scope, reason_on, sessions_held, lock=lock)
    return RefundPlan(customer.id, customer.name, kind, reason_on, table.due_on(reason_on), tuple(lines),
                      sum(line.amount for line in lines), tuple(a.id for a, _i in scope),
                      tuple(i.name for _a, i in scope))


def plan_refund(db: Database, actor: Actor, customer_id: int, kind: RefundKind, reason_on: date, *,
                agreement_id: int | None = None, sessions_held: Mapping[int, int] | None = None,
                today: date) -> RefundPlan:
    """반환 계산: the refund the table gives, line by line, without writing anything."""
    with db.session() as s:
        customer = customer_for(s, actor, customer_id)
        return _plan(s, customer, kind, reason_on, agreement_id, sessions_held, today)


# --- writing ----------------------------------------------------------------------------------------


def _open_requests(s: Session, agreement_ids: list[int]) -> None:
    """Refuse while the bank may still take money of these agreements (queued or in flight)."""
    states = set(s.scalars(select(DebitRequest.state).where(
        DebitRequest.agreement_id.in_(agreement_ids),
        DebitRequest.state.in_([RequestState.WAITING, RequestState.SENT]))))
    if RequestState.SENT in states:
        raise ConflictError("이체의뢰중인 건이 있어 반환을 등록할 수 없습니다. 은행의 결과가 나온 뒤(이체의뢰결과) "
                            "다시 계산하세요.")
    if RequestState.WAITING in states:
        raise ConflictError("이체의뢰대기인 건이 있어 반환을 등록할 수 없습니다. [이체의뢰] 화면에서 그 의뢰를 "
                            "의뢰취소한 뒤 다시 등록하세요.")


def _cancel_registration(s: Session, actor: Actor, agreement: DebitAgreement, contract_id: int,
                         today: date) -> str | None:
    """Stop the bank's standing order: withdraw a 신규 not yet in a file, else queue its 해지 (CANCEL)."""
    latest = s.scalar(select(AccountRegistration).where(
        AccountRegistration.agreement_id == agreement.id, AccountRegistration.state != RegistrationState.WITHDRAWN)
        .order_by(AccountRegistration.id.desc()).limit(1))
    if latest is None or latest.kind is not RegistrationKind.NEW or latest.state is RegistrationState.FAILED:
        return None
    if can_withdraw(latest):
        latest.state = RegistrationState.WITHDRAWN
        return "보내기 전이던 계좌신청(신규)을 취소했습니다"
    s.add(AccountRegistration(
        contract_id=contract_id, agreement_id=agreement.id, kind=RegistrationKind.CANCEL,
        state=RegistrationState.WAITING, bank_code=latest.bank_code, account_no_enc=latest.account_no_enc,
        account_last4=latest.account_last4, holder_id=latest.holder_id, requested_on=today,
        created_by=actor.login_id))
    return f"계좌({masked_last4(latest.account_last4)}) 해지 신청을 대기열에 넣었습니다"


@dataclass(frozen=True)
class RecordedRefund:
    refund_id: int
    amount: int
    state: RefundState
    message: str


def record_refund(db: Database, actor: Actor, customer_id: int, kind: RefundKind, reason_on: date, *,
                  agreement_id: int | None = None, sessions_held: Mapping[int, int] | None = None,
                  note: str | None = None, today: date) -> int:
    """반환 등록: the refund (반환대기, or 반환완료 at once when it is 0원), the agreements ended from the next
    month and their 해지 queued. Returns the refund's id."""
    return record_refund_outcome(db, actor, customer_id, kind, reason_on, agreement_id=agreement_id,
                                 sessions_held=sessions_held, note=note, today=today).refund_id


def record_refund_outcome(db: Database, actor: Actor, customer_id: int, kind: RefundKind, reason_on: date, *,
                          agreement_id: int | None = None, sessions_held: Mapping[int, int] | None = None,
                          note: str | None = None, today: date) -> RecordedRefund:
    """`record_refund` with the Korean sentence of what happened, for the screen."""
    actor.require_edit()
    with db.session() as s:
        contract_id = customer_for(s, actor, customer_id).contract_id
    with ledger.money_session(db, contract_id) as s:
        contract = contract_for(s, actor, contract_id)
        customer = customer_for(s, actor, customer_id)
        plan = _plan(s, customer, kind, reason_on, agreement_id, sessions_held, today, lock=True)
        _open_requests(s, list(plan.agreement_ids))
        free = plan.amount == 0
        refund = Refund(contract_id=contract_id, customer_id=customer_id, kind=kind, reason_on=reason_on,
                        due_on=plan.due_on, amount=plan.amount, state=RefundState.PAID if free else RefundState.DUE,
                        paid_on=today if free else None, paid_by=actor.login_id if free else None,
                        note=(note or "").strip()[:1000] or None, created_by=actor.login_id)
        refund.lines = [RefundLine(agreement_id=line.agreement_id, charge_id=line.charge_id, period=line.period,
                                   paid_amount=line.paid_amount, rule=line.rule, elapsed=line.elapsed,
                                   total=line.total, unit=line.unit, amount=line.amount) for line in plan.lines]
        s.add(refund)
        s.flush()
        done: list[str] = []
        reason_month = month_of(reason_on)
        for agreement in s.scalars(select(DebitAgreement).where(DebitAgreement.id.in_(list(plan.agreement_ids)))):
            if agreement.last_month is None or agreement.last_month > reason_month:
                agreement.last_month = reason_month
            if agreement.status is AgreementStatus.ACTIVE:
                agreement.status, agreement.ended_on = AgreementStatus.ENDED, today
                said = _cancel_registration(s, actor, agreement, contract_id, today)
                if said:
                    done.append(said)
        s.flush()
        audit.record(s, "refund_recorded", actor=actor, target=f"{contract.institution_code} 반환 {refund.id}",
                     detail={"refund_id": refund.id, "customer_id": customer_id, "kind": kind.value,
                             "reason_on": reason_on.isoformat(), "amount": plan.amount,
                             "agreement_ids": list(plan.agreement_ids), "lines": len(plan.lines)})
        refund_id, state = refund.id, refund.state
    items = ", ".join(plan.item_names)
    head = ("반환금액이 0원이라 반환완료로 기록했습니다" if free
            else f"반환 {plan.amount:,}원을 등록했습니다. {plan.due_on:%Y-%m-%d}까지 지급하고 [지급 확인]을 누르세요")
    tail = f" {items} 이체정보는 {reason_month}까지로 해지했습니다"
    return RecordedRefund(refund_id, plan.amount, state, f"{head}.{tail}" + (f" ({'; '.join(done)})." if done else "."))


def _refund_for_update(s: Session, actor: Actor, refund_id: int) -> Refund:
    found = s.scalar(select(Refund).where(Refund.id == refund_id).with_for_update())
    if found is None:
        raise NotFoundError(REFUND_NOT_FOUND)
    contract_for(s, actor, found.contract_id, REFUND_NOT_FOUND)
    return found


def _contract_of(db: Database, refund_id: int) -> int:
    with db.session() as s:
        contract_id = s.scalar(select(Refund.contract_id).where(Refund.id == refund_id))
    if contract_id is None:
        raise NotFoundError(REFUND_NOT_FOUND)
    return contract_id


def pay_refund(db: Database, actor: Actor, refund_id: int, paid_on: date, method: RefundMethod, *,
               today: date) -> str:
    """지급 확인: the refund was paid out (반환대기 → 반환완료); each line becomes a REFUND ledger entry."""
    actor.require_edit()
    if not isinstance(method, RefundMethod):
        raise ServiceError("지급 방법(계좌이체 또는 현금)을 고르세요.")
    if isinstance(paid_on, datetime) or not isinstance(paid_on, date):
        raise ServiceError("지급일은 날짜(YYYY-MM-DD)로 입력하세요.")
    contract_id = _contract_of(db, refund_id)
    with ledger.money_session(db, contract_id) as s:
        contract = contract_for(s, actor, contract_id, REFUND_NOT_FOUND)
        refund = _refund_for_update(s, actor, refund_id)
        if refund.state is not RefundState.DUE:
            raise ConflictError(f"반환대기인 건만 지급 확인할 수 있습니다 (현재 {refund.state.label}).")
        if not refund.reason_on <= paid_on <= today:
            raise ServiceError(f"지급일은 반환사유 발생일({refund.reason_on:%Y-%m-%d})부터 오늘({today:%Y-%m-%d})"
                               "까지의 날짜로 입력하세요.")
        month_lock.ensure_open(s, contract_id, paid_on, "그 날짜의 반환 지급")
        ledger.lock_charges(s, [line.charge_id for line in refund.lines])
        ledger.post_refund(s, contract_id, refund.id, [(line.charge_id, line.amount) for line in refund.lines],
                           paid_on, actor.login_id)
        refund.state, refund.paid_on, refund.paid_method, refund.paid_by = (RefundState.PAID, paid_on, method,
                                                                           actor.login_id)
        s.flush()
        audit.record(s, "refund_paid", actor=actor, target=f"{contract.institution_code} 반환 {refund_id}",
                     detail={"refund_id": refund_id, "amount": refund.amount, "paid_on": paid_on.isoformat(),
                             "method": method.value})
        amount, late = refund.amount, (paid_on - refund.due_on).days
    late_text = f" 기한보다 {late}일 늦게 지급했습니다." if late > 0 else ""
    return f"반환 {amount:,}원을 {paid_on:%Y-%m-%d}에 {method.label}로 지급했습니다.{late_text}"


def cancel_refund(db: Database, actor: Actor, refund_id: int, reason: str) -> str:
    """반환 취소 (관리자, 반환대기만): the refund is void; the agreements stay ended (CANCEL_KEEPS_END)."""
    actor.require_admin()
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("반환을 취소하는 사유를 입력하세요.")
    contract_id = _contract_of(db, refund_id)
    with ledger.money_session(db, contract_id) as s:
        contract = contract_for(s, actor, contract_id, REFUND_NOT_FOUND)
        refund = _refund_for_update(s, actor, refund_id)
        if refund.state is not RefundState.DUE:
            raise ConflictError(f"반환대기인 건만 취소할 수 있습니다 (현재 {refund.state.label}). "
                                "지급한 반환은 취소하지 않습니다.")
        refund.state, refund.cancel_reason = RefundState.CANCELLED, reason[:1000]
        s.flush()
        audit.record(s, "refund_cancelled", actor=actor, target=f"{contract.institution_code} 반환 {refund_id}",
                     detail={"refund_id": refund_id, "amount": refund.amount, "reason": reason[:200]})
    return f"반환(#{refund_id})을 취소했습니다. {CANCEL_KEEPS_END}"


# --- reading ----------------------------------------------------------------------------------------


def _matches(text: str) -> ColumnElement[bool]:
    """The customer number exactly, or the payer's or the student's name containing `text`."""
    student: ColumnElement[str] = func.coalesce(Customer.student_name, "")
    return (Customer.customer_no == text) | contains_text(Customer.name, text) | contains_text(student, text)


def refund_customers(db: Database, actor: Actor, contract_id: int, text: str, *, limit: int = 50
                     ) -> list[RefundCustomer]:
    """Customers matching `text` (number, payer or student name) with the agreements a refund may cover."""
    text = (text or "").strip()
    stmt = select(Customer).where(Customer.contract_id == contract_id).order_by(Customer.customer_no).limit(limit)
    if text:
        stmt = stmt.where(_matches(text))
    out: list[RefundCustomer] = []
    with db.session() as s:
        contract_for(s, actor, contract_id)
        for customer in s.scalars(stmt):
            found = _candidates(s, customer.id)
            live = _live_refunds(s, [a.id for a, _i in found])
            offered = tuple(RefundAgreement(a.id, i.name, a.monthly_amount - a.discount_amount, i.teaching_sessions)
                            for a, i in found if _conflict(a, live) is None)
            if offered:
                out.append(RefundCustomer(customer.id, customer.customer_no, customer.name,
                                          customer.student_name or "", offered))
    return out


def _rows(s: Session, refunds: list[Refund]) -> dict[int, tuple[Customer, str]]:
    """refund id → (customer, '수강료, 교재비') for the list."""
    customers = {c.id: c for c in s.scalars(select(Customer).where(
        Customer.id.in_({r.customer_id for r in refunds})))}
    items: dict[int, list[str]] = {}
    for refund_id, name in s.execute(
            select(RefundLine.refund_id, CollectionItem.name)
            .join(DebitAgreement, DebitAgreement.id == RefundLine.agreement_id)
            .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
            .where(RefundLine.refund_id.in_([r.id for r in refunds])).order_by(CollectionItem.code, RefundLine.id)):
        if name not in items.setdefault(refund_id, []):
            items[refund_id].append(name)
    return {r.id: (customers[r.customer_id], ", ".join(items.get(r.id, [])) or "(납부 없음)") for r in refunds}


def _row(r: Refund, customer: Customer, items: str) -> RefundRow:
    return RefundRow(id=r.id, customer_id=customer.id, customer_no=customer.customer_no, customer_name=customer.name,
                     student_name=customer.student_name or "", kind=r.kind, items=items, reason_on=r.reason_on,
                     due_on=r.due_on, amount=r.amount, state=r.state, paid_on=r.paid_on, paid_method=r.paid_method,
                     created_by=r.created_by)


def list_refunds(db: Database, actor: Actor, contract_id: int, *, state: RefundState | None = None,
                 search: str | None = None) -> list[RefundRow]:
    """The contract's refunds, due ones first by due day, then the rest newest first."""
    stmt = select(Refund).join(Customer, Customer.id == Refund.customer_id).where(Refund.contract_id == contract_id)
    if state is not None:
        stmt = stmt.where(Refund.state == state)
    text = (search or "").strip()
    if text:
        stmt = stmt.where(_matches(text))
    with db.session() as s:
        contract_for(s, actor, contract_id)
        refunds = list(s.scalars(stmt))
        extra = _rows(s, refunds) if refunds else {}
        rows = [_row(r, *extra[r.id]) for r in refunds]
    due = sorted((r for r in rows if r.state is RefundState.DUE), key=lambda r: (r.due_on, r.id))
    rest = sorted((r for r in rows if r.state is not RefundState.DUE), key=lambda r: (r.reason_on, r.id), reverse=True)
    return due + rest


def get_refund(db: Database, actor: Actor, refund_id: int) -> RefundDetail:
    """One refund with its lines and their computation sentences (the detail pane and the PDF)."""
    with db.session() as s:
        refund = s.get(Refund, refund_id)
        if refund is None:
            raise NotFoundError(REFUND_NOT_FOUND)
        contract_for(s, actor, refund.contract_id, REFUND_NOT_FOUND)
        customer, items = _rows(s, [refund])[refund.id]
        names = dict(s.execute(
            select(DebitAgreement.id, CollectionItem.name).join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
            .where(DebitAgreement.id.in_([line.agreement_id for line in refund.lines]))).all())
        lines = tuple(
            RefundLinePlan(line.agreement_id, line.charge_id, names[line.agreement_id], line.period, line.paid_amount,
                           line.rule, line.elapsed, line.total, line.unit, line.amount,
                           table.explanation(line.period, names[line.agreement_id], line.paid_amount, line.rule,
                                             line.elapsed, line.total, line.unit, line.amount))
            for line in refund.lines)
        return RefundDetail(**vars(_row(refund, customer, items)), contract_id=refund.contract_id,
                            note=refund.note or "", cancel_reason=refund.cancel_reason or "",
                            paid_by=refund.paid_by or "", lines=lines)
