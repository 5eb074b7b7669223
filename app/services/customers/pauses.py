"""휴원: a student pauses one or more items for a run of months; nothing is charged for those months.

A pause is one `Pause` row per agreement (이체정보), from `first_month` to `last_month` (YYYY-MM, both
included). It ends by itself: the month after `last_month` the agreement is charged again, with no
act of the clerk. The charge code asks `paused_agreements` once per period, so a paused month gets no
`Charge` row, and 이체의뢰 (the screen, the automatic request and the home counts, all through
`charges.due_rows`) lists the agreement as excluded with the reason "휴원 중입니다 (…)".

Why the refusals (`add_pause` writes nothing unless every agreement passes):

* a charge is created when its month is requested (app/services/collection/charges.py), and it stays
  even if the request is withdrawn; a month that already has one cannot be paused, or the ledger would
  hold a charge the pause says was never made;
* the first month may not lie before the current month: a past month's debit date has gone, so
  pausing it would only rewrite what the 이체의뢰 list showed at the time;
* pauses of one agreement never overlap, so one row always answers "why was this month not charged";
* at most 12 months at a time: a longer absence is a withdrawal (해지 or 반환), not a pause.

Adding and ending run under the contract's exclusive money lock (the EB21 builder's,
`leases.serialized("build:…")`): every charge is created in a `ledger.money_session`, which holds the
shared form of that lock, so a request cannot create a month's charge between the check here and the
pause's insert. Adding and ending are audited.

`end_pause` stops a pause early: one not started yet is cancelled (`cancelled_at/by`), one under way
keeps the current month paused and ends after it (`last_month` = the current month), so next month is
charged again.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import AgreementStatus, Charge, CollectionItem, Customer, DebitAgreement
from app.models.academy import Pause
from app.models.base import utcnow
from app.services.common import audit, validation
from app.services.common.access import contract_for, customer_for
from app.services.common.calendar import SEOUL
from app.services.common.errors import ConflictError, NotFoundError, ServiceError
from app.services.common.periods import add_months, month_of, year_month
from app.services.common.search import number_or_name
from app.services.common.session import Actor
from app.services.exchange.leases import serialized

__all__ = [
    "MAX_MONTHS", "AddedPause", "EndedPause", "PausableItem", "PauseRow", "PauseState", "add_pause", "end_pause",
    "list_pauses", "month_count", "months_text", "pausable_items", "paused_agreements",
]

MAX_MONTHS = 12
"""The longest pause one registration may cover; a longer absence is a withdrawal, not a pause."""
REASON_MAX = 200  # Pause.reason's column
PAUSE_NOT_FOUND = "휴원 내역을 찾을 수 없습니다. 목록을 새로 고치세요."


class PauseState(Enum):
    """Where a pause stands against the current month (what the list's 상태 column says)."""

    SCHEDULED = "예정"
    ACTIVE = "휴원중"
    FINISHED = "종료"
    CANCELLED = "취소"

    @property
    def label(self) -> str:
        return self.value


_ORDER = {PauseState.ACTIVE: 0, PauseState.SCHEDULED: 1, PauseState.FINISHED: 2, PauseState.CANCELLED: 3}


def months_text(first_month: str, last_month: str) -> str:
    """'2027-01~2027-02', or '2027-01' for a single month."""
    return first_month if first_month == last_month else f"{first_month}~{last_month}"


def month_count(first_month: str, last_month: str) -> int:
    """How many months `first_month` … `last_month` covers, both included ('2027-01', '2027-02' → 2)."""
    (y1, m1), (y2, m2) = year_month(first_month), year_month(last_month)
    return (y2 * 12 + m2) - (y1 * 12 + m1) + 1


def state_of(pause: Pause, this_month: str) -> PauseState:
    if pause.cancelled_at is not None:
        return PauseState.CANCELLED
    if this_month < pause.first_month:
        return PauseState.SCHEDULED
    if this_month <= pause.last_month:
        return PauseState.ACTIVE
    return PauseState.FINISHED


def _end_block(state: PauseState, pause: Pause, this_month: str) -> str | None:
    """Why [휴원 종료] cannot act on the pause now, None when it can."""
    if state is PauseState.CANCELLED:
        return "취소된 휴원입니다."
    if state is PauseState.FINISHED:
        return "이미 끝난 휴원입니다."
    if state is PauseState.ACTIVE and pause.last_month == this_month:
        return (f"이번 달({this_month})까지인 휴원이라 {add_months(this_month, 1)}부터 자동으로 다시 청구합니다. "
                "따로 종료하지 않아도 됩니다.")
    return None


# --- the charge code's question ------------------------------------------------------------------


def paused_agreements(s: Session, agreement_ids: Collection[int], period: str) -> dict[int, Pause]:
    """agreement id → its live (not cancelled) pause covering `period`, for the agreements that have one.

    One query per 5,000 agreements, whatever their number: the request list asks it once per period.
    """
    ids = sorted(set(agreement_ids))
    out: dict[int, Pause] = {}
    for start in range(0, len(ids), 5000):
        for pause in s.scalars(select(Pause).where(
                Pause.agreement_id.in_(ids[start : start + 5000]), Pause.cancelled_at.is_(None),
                Pause.first_month <= period, Pause.last_month >= period)):
            out[pause.agreement_id] = pause
    return out


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PauseRow:
    """One pause as 휴원관리 lists it."""

    pause_id: int
    customer_id: int
    customer_no: str
    customer_name: str
    agreement_id: int
    item_code: str
    item_name: str
    monthly_amount: int  # what is not charged in each paused month (the agreement's 월이체금액)
    first_month: str
    last_month: str
    reason: str
    state: PauseState
    created_by: str
    created_at: datetime
    cancelled_by: str | None
    cancelled_at: datetime | None
    end_block: str | None  # why it cannot be ended (or cancelled) now, None when it can

    @property
    def months(self) -> int:
        return month_count(self.first_month, self.last_month)

    @property
    def period_text(self) -> str:
        return months_text(self.first_month, self.last_month)

    @property
    def can_end(self) -> bool:
        return self.end_block is None


def _today(today: date | None) -> date:
    return today if today is not None else datetime.now(SEOUL).date()


def list_pauses(db: Database, actor: Actor, contract_id: int, *, month: str | None = None,
                search: str | None = None, today: date | None = None) -> list[PauseRow]:
    """The contract's pauses with their state as of `today`'s month: under way first, then scheduled,
    finished and cancelled.

    `month` (YYYY-MM): only the pauses that keep that month from being charged (cancelled ones left
    out). `search`: the exact customer number or part of the name. Reads only.
    """
    wanted = validation.month_yyyymm(month, "휴원월") if month else None
    this_month = month_of(_today(today))
    stmt = (select(Pause, DebitAgreement, Customer, CollectionItem)
            .join(DebitAgreement, DebitAgreement.id == Pause.agreement_id)
            .join(Customer, Customer.id == DebitAgreement.customer_id)
            .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
            .where(Pause.contract_id == contract_id))
    if wanted is not None:
        stmt = stmt.where(Pause.cancelled_at.is_(None), Pause.first_month <= wanted, Pause.last_month >= wanted)
    text = (search or "").strip()
    if text:
        stmt = stmt.where(number_or_name(Customer.customer_no, Customer.name, text))
    with db.session() as s:
        contract_for(s, actor, contract_id)
        found = s.execute(stmt).all()
    rows = []
    for pause, agreement, customer, item in found:
        state = state_of(pause, this_month)
        rows.append(PauseRow(
            pause_id=pause.id, customer_id=customer.id, customer_no=customer.customer_no, customer_name=customer.name,
            agreement_id=agreement.id, item_code=item.code, item_name=item.name, monthly_amount=agreement.monthly_amount,
            first_month=pause.first_month, last_month=pause.last_month, reason=pause.reason, state=state,
            created_by=pause.created_by, created_at=pause.created_at, cancelled_by=pause.cancelled_by,
            cancelled_at=pause.cancelled_at, end_block=_end_block(state, pause, this_month),
        ))
    rows.sort(key=lambda r: (_ORDER[r.state], r.first_month if r.state is not PauseState.FINISHED else "",
                             r.customer_no, r.item_code, r.pause_id))
    return rows


@dataclass(frozen=True)
class PausableItem:
    """One ACTIVE agreement of a customer, as the 휴원 등록 dialog offers it (ticked by default)."""

    agreement_id: int
    item_name: str
    monthly_amount: int
    first_month: str
    last_month: str | None
    pauses: str  # its live pauses from this month on ('2027-01~2027-02 (가족 여행)'), '' when none


def pausable_items(db: Database, actor: Actor, customer_id: int, *, today: date | None = None) -> list[PausableItem]:
    """The customer's ACTIVE agreements (by item code) with the pauses already registered for them."""
    this_month = month_of(_today(today))
    with db.session() as s:
        customer_for(s, actor, customer_id)
        found = s.execute(select(DebitAgreement, CollectionItem.name)
                          .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
                          .where(DebitAgreement.customer_id == customer_id,
                                 DebitAgreement.status == AgreementStatus.ACTIVE)
                          .order_by(CollectionItem.code)).all()
        ids = [a.id for a, _n in found]
        live: dict[int, list[str]] = {}
        if ids:
            for pause in s.scalars(select(Pause).where(Pause.agreement_id.in_(ids), Pause.cancelled_at.is_(None),
                                                       Pause.last_month >= this_month)
                                   .order_by(Pause.first_month)):
                live.setdefault(pause.agreement_id, []).append(
                    f"{months_text(pause.first_month, pause.last_month)} ({pause.reason})")
    return [PausableItem(a.id, name, a.monthly_amount, a.first_month, a.last_month, ", ".join(live.get(a.id, [])))
            for a, name in found]


# --- adding --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddedPause:
    pause_ids: tuple[int, ...]
    first_month: str
    last_month: str
    message: str


def _checked_months(first_month: str, last_month: str, this_month: str) -> tuple[str, str]:
    first = validation.month_yyyymm(first_month, "휴원 시작월")
    last = validation.month_yyyymm(last_month, "휴원 종료월")
    if last < first:
        raise ServiceError(f"휴원 종료월({last})이 시작월({first})보다 빠릅니다. 기간을 다시 고르세요.")
    count = month_count(first, last)
    if count > MAX_MONTHS:
        raise ServiceError(f"휴원은 한 번에 {MAX_MONTHS}개월까지 등록할 수 있습니다 ({months_text(first, last)}: "
                           f"{count}개월). 더 길게 쉬면 이체정보를 해지하세요.")
    if first < this_month:
        raise ServiceError(f"휴원 시작월({first})이 이번 달({this_month})보다 앞섭니다. 지난 달은 휴원으로 등록할 수 "
                           "없습니다. 이번 달이나 그 뒤의 달부터 고르세요.")
    return first, last


def _checked_reason(reason: str) -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise ServiceError("휴원 사유를 입력하세요 (예: 가족 여행, 건강 문제).")
    if len(text) > REASON_MAX:
        raise ServiceError(f"휴원 사유는 {REASON_MAX}자까지 입력할 수 있습니다 (지금 {len(text)}자).")
    return text


def _chosen_agreements(s: Session, customer: Customer, agreement_ids: Sequence[int] | None
                       ) -> list[tuple[DebitAgreement, str]]:
    """The agreements to pause with their item names, in item order; every one the customer's and ACTIVE."""
    stmt = (select(DebitAgreement, CollectionItem.name)
            .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
            .where(DebitAgreement.customer_id == customer.id).order_by(CollectionItem.code)
            .with_for_update(of=DebitAgreement))
    if agreement_ids is None:
        chosen = [(a, n) for a, n in s.execute(stmt.where(DebitAgreement.status == AgreementStatus.ACTIVE)).all()]
        if not chosen:
            raise ServiceError(f"{customer.name}({customer.customer_no}) 고객은 사용 중인 이체정보가 없어 휴원을 "
                               "등록할 수 없습니다.")
        return chosen
    wanted = set(agreement_ids)
    if not wanted:
        raise ServiceError("휴원할 집금항목을 하나 이상 고르세요.")
    chosen = [(a, n) for a, n in s.execute(stmt.where(DebitAgreement.id.in_(sorted(wanted)))).all()]
    if {a.id for a, _n in chosen} != wanted:
        raise NotFoundError(f"{customer.name}({customer.customer_no}) 고객의 이체정보가 아닌 항목이 있습니다. "
                            "고객을 다시 고르세요.")
    ended = [n for a, n in chosen if a.status is not AgreementStatus.ACTIVE]
    if ended:
        raise ServiceError(f"{', '.join(ended)} 이체정보는 해지되어 휴원을 등록할 수 없습니다.")
    return chosen


def _refuse_overlap(s: Session, chosen: list[tuple[DebitAgreement, str]], first: str, last: str) -> None:
    names = {a.id: n for a, n in chosen}
    clash = s.scalars(select(Pause).where(
        Pause.agreement_id.in_(sorted(names)), Pause.cancelled_at.is_(None),
        Pause.first_month <= last, Pause.last_month >= first).order_by(Pause.first_month).limit(1)).first()
    if clash is not None:
        raise ConflictError(f"{names[clash.agreement_id]}은(는) 이미 {months_text(clash.first_month, clash.last_month)} "
                            f"휴원이 등록되어 있습니다 ({clash.reason}). 기간이 겹치지 않게 고르거나 그 휴원을 먼저 "
                            "종료하세요.")


def _refuse_charged(s: Session, chosen: list[tuple[DebitAgreement, str]], first: str, last: str) -> None:
    """A month with a charge was requested already (charges are made at request time, and stay)."""
    names = {a.id: n for a, n in chosen}
    charged = s.execute(select(Charge.period, Charge.agreement_id).where(
        Charge.agreement_id.in_(sorted(names)), Charge.period >= first, Charge.period <= last)
        .order_by(Charge.period, Charge.agreement_id)).all()
    if not charged:
        return
    earliest, agreement_id = charged[0]
    after = add_months(max(period for period, _a in charged), 1)
    advice = f"{after}부터 휴원을 등록하세요." if after <= last else "청구가 없는 달을 고르세요."
    raise ConflictError(f"{earliest} 청구가 이미 만들어졌습니다 ({names[agreement_id]}: 이체의뢰할 때 만들어지며 "
                        f"의뢰를 취소해도 남습니다). 청구가 만들어진 달은 휴원할 수 없으니 {advice}")


def add_pause(db: Database, actor: Actor, customer_id: int, agreement_ids: Sequence[int] | None, first_month: str,
              last_month: str, reason: str, *, today: date) -> AddedPause:
    """휴원 등록: pause the given agreements (None: all the customer's ACTIVE ones) from `first_month` to
    `last_month`. All or nothing: any refusal (see the module docstring) writes nothing."""
    actor.require_edit()
    this_month = month_of(today)
    text = _checked_reason(reason)
    first, last = _checked_months(first_month, last_month, this_month)
    with db.session() as s:
        contract_id = customer_for(s, actor, customer_id).contract_id
    with serialized(db, f"build:{contract_id}") as s:
        contract = contract_for(s, actor, contract_id)
        customer = s.get(Customer, customer_id)
        if customer is None:
            raise NotFoundError("고객을 찾을 수 없습니다. 목록을 새로 고치세요.")
        chosen = _chosen_agreements(s, customer, agreement_ids)
        _refuse_overlap(s, chosen, first, last)
        _refuse_charged(s, chosen, first, last)
        made = [Pause(contract_id=contract_id, agreement_id=a.id, first_month=first, last_month=last, reason=text,
                      created_by=actor.login_id) for a, _n in chosen]
        s.add_all(made)
        s.flush()
        items = "·".join(n for _a, n in chosen)
        audit.record(s, "pause_added", actor=actor,
                     target=f"{contract.institution_code} 고객 {customer.customer_no}",
                     detail={"items": items, "first_month": first, "last_month": last,
                             "pause_ids": [p.id for p in made]})
        message = (f"{customer.name}({customer.customer_no}) {items} {months_text(first, last)} 휴원을 "
                   f"등록했습니다. 이 기간에는 청구하지 않고 {add_months(last, 1)}부터 다시 청구합니다.")
        return AddedPause(tuple(p.id for p in made), first, last, message)


# --- ending --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EndedPause:
    pause_id: int
    cancelled: bool  # True: it had not started and is gone; False: it ends after the current month
    first_month: str
    last_month: str  # as it stands now
    message: str


def end_pause(db: Database, actor: Actor, pause_id: int, *, today: date) -> EndedPause:
    """휴원 종료: a pause not started yet is cancelled; one under way ends after the current month."""
    actor.require_edit()
    this_month = month_of(today)
    with db.session() as s:
        contract_id = s.scalar(select(Pause.contract_id).where(Pause.id == pause_id))
        if contract_id is None:
            raise NotFoundError(PAUSE_NOT_FOUND)
        contract_for(s, actor, contract_id, PAUSE_NOT_FOUND)
    with serialized(db, f"build:{contract_id}") as s:
        contract = contract_for(s, actor, contract_id, PAUSE_NOT_FOUND)
        pause = s.get(Pause, pause_id)
        if pause is None:
            raise NotFoundError(PAUSE_NOT_FOUND)
        state = state_of(pause, this_month)
        block = _end_block(state, pause, this_month)
        if block is not None:
            raise ConflictError(block)
        found = s.execute(select(Customer, CollectionItem.name)
                          .join(DebitAgreement, DebitAgreement.customer_id == Customer.id)
                          .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
                          .where(DebitAgreement.id == pause.agreement_id)).one()
        customer, item_name = found
        who = f"{customer.name}({customer.customer_no}) {item_name}"
        was = months_text(pause.first_month, pause.last_month)
        if state is PauseState.SCHEDULED:
            pause.cancelled_at = utcnow()
            pause.cancelled_by = actor.login_id
            message = f"{who} {was} 휴원을 취소했습니다. {pause.first_month}부터 예정대로 청구합니다."
        else:
            pause.last_month = this_month
            message = (f"{who} 휴원({was})을 이번 달({this_month})까지로 줄였습니다. "
                       f"{add_months(this_month, 1)}부터 다시 청구합니다.")
        audit.record(s, "pause_ended", actor=actor, target=f"{contract.institution_code} 고객 {customer.customer_no}",
                     detail={"pause_id": pause.id, "item": item_name, "was": was, "cancelled": state is PauseState.SCHEDULED,
                             "last_month": pause.last_month})
        return EndedPause(pause.id, state is PauseState.SCHEDULED, pause.first_month, pause.last_month, message)
