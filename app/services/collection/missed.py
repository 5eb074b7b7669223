"""Missed cut-offs: debit dates whose request cut-off passed with charges not requested, or queued and never sent.

A clerk who forgets the 5th's 이체의뢰 (its cut-off was 14:00 on the business day before) has families
who were not debited and do not know it. Nothing in the bank's files says so — a request that was
never made has no result — so the desk must: every debit date of the contract's items whose cut-off
has passed, from the first of last month on, is checked, and each one with payers left out stands
in red on the home screen, on the 이체의뢰 list of that date, in a tray notification and from the
command line, until the clerk chooses one of three remedies for them:

* **MOVE** — ask for the charges on the item's next debit date whose cut-off is still ahead (they
  become 이체의뢰대기 there, and that date's file carries them);
* **CASH** — the families pay at the desk: the charges are created and become 현금수납 candidates;
* **UNPAID** — leave them 미납: the charges are created, so every 미납 figure and letter counts them.

Who counts as left out: an active payer with a completed account registration, due on the date by
the agreement's debit day (the calendar moves days as `charges.days_on` does), whose charge for the
period was never asked for by any request that was not withdrawn, still owes something, and has no
remedy chosen; or whose 이체의뢰 was queued for the date and no file carried it before the cut-off.
A payer whose registration was never completed is not listed here: the request list and the home
screen's registration work already say why that payer cannot be debited.

Listing never writes; a remedy writes, all or nothing, under the money lock of the contract, and is
audited. The choice is kept on the charge (`Charge.missed_remedy`, `missed_debit_date`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, exists, select, update
from sqlalchemy.orm import QueryableAttribute, Session

from app.database.engine import Database
from app.models import (
    AgreementStatus,
    Charge,
    CollectionItem,
    Customer,
    DebitAgreement,
    DebitRequest,
    DebitRequestLine,
    MissedRemedy,
    Pause,
    RequestKind,
    RequestState,
)
from app.services.collection import charges, ledger, month_lock
from app.services.collection import requests as debits
from app.services.common import audit, debit_days
from app.services.common.access import contract_for
from app.services.common.calendar import SEOUL
from app.services.common.errors import ConflictError, ServiceError
from app.services.common.formats import day_text, moment_text
from app.services.common.session import Actor
from app.services.exchange.transmissions import ContractInfo, contract_info

Remedy = MissedRemedy
"""The clerk's three choices (MOVE, CASH, UNPAID); stored on the charge, so it lives in the models."""


@dataclass(frozen=True)
class MissedRow:
    """One payer left out of a debit date."""

    agreement_id: int
    customer_id: int
    customer_no: str
    customer_name: str
    item_id: int
    item_name: str
    period: str  # YYYY-MM of the charge
    charge_id: int | None  # None: the charge was never created (never requested)
    amount: int  # won the debit would have asked: the charge's outstanding, or the queued request's amount
    request_id: int | None  # a queued request that was never sent; None: never requested


@dataclass(frozen=True)
class MissedDebit:
    """One item's debit date whose request cut-off passed with charges not requested or not sent."""

    debit_date: date
    item_id: int
    item_name: str
    cutoff: datetime
    rows: tuple[MissedRow, ...]
    move_to: date | None  # the item's next debit date whose cut-off is still ahead (None: none in reach)
    move_cutoff: datetime | None

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def amount(self) -> int:
        return sum(r.amount for r in self.rows)

    @property
    def unrequested_count(self) -> int:
        return sum(1 for r in self.rows if r.request_id is None)

    @property
    def queued_count(self) -> int:
        return sum(1 for r in self.rows if r.request_id is not None)

    @property
    def key(self) -> str:
        """Stable name of the event (the tray shows it once): 'YYYY-MM-DD:item id'."""
        return f"{self.debit_date.isoformat()}:{self.item_id}"

    @property
    def title(self) -> str:
        """'12-07(월) 출금 · 수강료'."""
        return f"{day_text(self.debit_date)} 출금 · {self.item_name}"

    @property
    def message(self) -> str:
        """What happened, in the clerk's words, with the count and the won."""
        parts = []
        if self.unrequested_count:
            won = sum(r.amount for r in self.rows if r.request_id is None)
            parts.append(f"의뢰하지 않은 {self.unrequested_count:,}건 {won:,}원")
        if self.queued_count:
            won = sum(r.amount for r in self.rows if r.request_id is not None)
            parts.append(f"이체의뢰대기로 남아 송신되지 않은 {self.queued_count:,}건 {won:,}원")
        return (f"이체의뢰 마감 {moment_text(self.cutoff)}이 지났습니다. {' · '.join(parts)}은 은행에 보내지 않아 "
                "출금되지 않습니다.")

    def remedy_text(self, remedy: Remedy) -> str:
        """The button's words: '12-15(화) 출금으로 옮기기', '현금수납으로 받기', '미납으로 두기'."""
        if remedy is Remedy.MOVE:
            return f"{day_text(self.move_to)} 출금으로 옮기기" if self.move_to else "옮길 출금일 없음"
        return remedy.label


@dataclass(frozen=True)
class RemedyOutcome:
    remedy: Remedy
    debit_date: date
    item_id: int
    count: int
    amount: int
    moved_to: date | None
    message: str


# --- finding them -----------------------------------------------------------------------------------


def _first_day_checked(today: date) -> date:
    """Debit dates from the first of last month on are checked: older ones belong to months long reported."""
    return date(today.year - (today.month == 1), 12 if today.month == 1 else today.month - 1, 1)


def _passed_slots(s: Session, info: ContractInfo, now: datetime) -> list[debit_days.DebitSlot]:
    today = now.astimezone(SEOUL).date()
    items = debit_days.item_days(s, info.id)
    first = _first_day_checked(today)
    slots = [slot for slot in debit_days._slots(info, items, today)
             if slot.cutoff <= now and first <= slot.debit_date]
    return sorted(slots, key=lambda sl: (sl.debit_date, sl.item_id))


def _next_slot(info: ContractInfo, item_id: int, days: tuple[int, ...], name: str, now: datetime
               ) -> debit_days.DebitSlot | None:
    """The item's next debit date whose request cut-off is still ahead of `now`."""
    today = now.astimezone(SEOUL).date()
    ahead = [slot for slot in debit_days._slots(info, {item_id: (name, days)}, today) if slot.cutoff > now]
    return min(ahead, key=lambda sl: sl.debit_date) if ahead else None


def _never_asked(charge_id: ColumnElement[int] | QueryableAttribute[int]) -> ColumnElement[bool]:
    """SQL: no request that was not withdrawn ever carried the charge."""
    line, req = DebitRequestLine, DebitRequest
    return ~exists().where(line.charge_id == charge_id, req.id == line.request_id,
                           req.state != RequestState.WITHDRAWN)


def _unrequested(s: Session, info: ContractInfo, slot: debit_days.DebitSlot) -> list[MissedRow]:
    """Payers due on the slot's date by their debit day whose charge was never asked for (see the docstring)."""
    found: list[tuple[str, DebitAgreement, Customer, CollectionItem, int | None]] = []
    for period, days in charges.days_on(info.calendar, slot.debit_date).items():
        da = DebitAgreement
        rows = s.execute(
            select(da, Customer, CollectionItem, Charge.id)
            .join(Customer, Customer.id == da.customer_id)
            .join(CollectionItem, CollectionItem.id == da.item_id)
            .outerjoin(Charge, (Charge.agreement_id == da.id) & (Charge.period == period))
            .where(Customer.contract_id == info.id, Customer.active.is_(True), da.status == AgreementStatus.ACTIVE,
                   da.item_id == slot.item_id, da.debit_day.in_(days), da.first_month <= period,
                   da.last_month.is_(None) | (da.last_month >= period),
                   Charge.id.is_(None) | (Charge.missed_remedy.is_(None) & _never_asked(Charge.id)),
                   # 휴원: a paused month is never charged, so its cut-off passing misses nothing.
                   ~exists().where(Pause.agreement_id == da.id, Pause.cancelled_at.is_(None),
                                   Pause.first_month <= period, Pause.last_month >= period))
            .order_by(Customer.customer_no)
        ).all()
        found.extend((period, agreement, customer, item, charge_id) for agreement, customer, item, charge_id in rows)
    if not found:
        return []
    regs = charges.registration_states(s, [a.id for _p, a, _c, _i, _ch in found])
    existing = [ch for *_rest, ch in found if ch is not None]
    money = ledger.balances(s, existing)
    out = []
    for period, a, c, i, charge_id in found:
        if charges.registration_problem(regs.get(a.id)) is not None:
            continue
        if charge_id is None:
            amount, discount = charges.charge_values(a.monthly_amount, a.discount_amount)
            owed = amount - discount
        else:
            owed = money[charge_id].outstanding
        if owed <= 0:
            continue
        out.append(MissedRow(a.id, c.id, c.customer_no, c.name, i.id, i.name, period, charge_id, owed, None))
    return out


def _unsent(s: Session, info: ContractInfo, first: date, now: datetime) -> dict[tuple[date, int], list[MissedRow]]:
    """이체의뢰 queued for a date from `first` on, never carried by a file, whose cut-off has passed."""
    r, a = DebitRequest, DebitAgreement
    rows = s.execute(
        select(r.id, r.debit_date, r.amount, a, Customer, CollectionItem)
        .join(a, a.id == r.agreement_id)
        .join(Customer, Customer.id == a.customer_id)
        .join(CollectionItem, CollectionItem.id == a.item_id)
        .where(r.contract_id == info.id, r.state == RequestState.WAITING, r.transmission_id.is_(None),
               r.kind == RequestKind.NORMAL, r.debit_date >= first)
        .order_by(r.debit_date, Customer.customer_no)
    ).all()
    out: dict[tuple[date, int], list[MissedRow]] = {}
    for request_id, debit_date, amount, agreement, customer, item in rows:
        if not info.calendar.is_business_day(debit_date):
            cut = now  # a date that cannot be debited at all has missed whatever cut-off it had
        else:
            cut = info.calendar.request_cutoff(debit_date, info.request_cutoff)
        if now < cut:
            continue
        period = s.scalar(select(Charge.period).join(DebitRequestLine, DebitRequestLine.charge_id == Charge.id)
                          .where(DebitRequestLine.request_id == request_id).order_by(Charge.period.desc()).limit(1))
        charge_id = s.scalar(select(Charge.id).where(Charge.agreement_id == agreement.id, Charge.period == period))
        out.setdefault((debit_date, item.id), []).append(MissedRow(
            agreement.id, customer.id, customer.customer_no, customer.name, item.id, item.name, period or "",
            charge_id, int(amount), int(request_id)))
    return out


def missed_in(s: Session, info: ContractInfo, now: datetime) -> list[MissedDebit]:
    """Every item's debit date whose cut-off passed with payers left out, by date then item code (read-only)."""
    today = now.astimezone(SEOUL).date()
    items = debit_days.item_days(s, info.id)
    unsent = _unsent(s, info, _first_day_checked(today), now)
    cutoffs: dict[tuple[date, int], datetime] = {}
    groups: dict[tuple[date, int], list[MissedRow]] = {}
    for slot in _passed_slots(s, info, now):
        rows = _unrequested(s, info, slot)
        cutoffs[(slot.debit_date, slot.item_id)] = slot.cutoff
        if rows:
            groups.setdefault((slot.debit_date, slot.item_id), []).extend(rows)
    for key, rows in unsent.items():
        queued = {r.agreement_id for r in rows}
        groups[key] = [r for r in groups.get(key, []) if r.agreement_id not in queued] + rows
        debit_date = key[0]
        if key not in cutoffs:
            cutoffs[key] = (info.calendar.request_cutoff(debit_date, info.request_cutoff)
                            if info.calendar.is_business_day(debit_date) else now)
    order = {item_id: n for n, item_id in enumerate(items)}
    out = []
    for (debit_date, item_id), rows in sorted(groups.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 0))):
        rows.sort(key=lambda r: (r.customer_no, r.period))
        name, days = items.get(item_id, (rows[0].item_name, ()))
        nxt = _next_slot(info, item_id, days, name, now) if days else None
        out.append(MissedDebit(debit_date, item_id, name, cutoffs[(debit_date, item_id)], tuple(rows),
                               nxt.debit_date if nxt else None, nxt.cutoff if nxt else None))
    return out


def missed_debits(db: Database, actor: Actor, contract_id: int, *, now: datetime,
                  debit_date: date | None = None) -> list[MissedDebit]:
    """`missed_in` for the clerk's contract; `debit_date` narrows it to one date (the 이체의뢰 list's)."""
    with db.session() as s:
        contract_for(s, actor, contract_id)
        found = missed_in(s, contract_info(s, contract_id), now)
    return [m for m in found if debit_date is None or m.debit_date == debit_date]


# --- the remedies -------------------------------------------------------------------------------------


def _withdraw(s: Session, request_ids: Iterable[int]) -> None:
    """Withdraw queued, never-sent requests (their charges stay, owing what they owed)."""
    for request_id in request_ids:
        req = s.scalar(select(DebitRequest).where(DebitRequest.id == request_id).with_for_update())
        if req is None or req.state is not RequestState.WAITING or req.transmission_id is not None:
            raise ConflictError("다른 사용자가 먼저 처리한 건이 있습니다. 아무것도 바꾸지 않았습니다. 다시 조회하세요.")
        req.state = RequestState.WITHDRAWN
        ledger.remove_request(s, req.id)


def _mark(s: Session, charge_ids: Collection[int], debit_date: date, remedy: Remedy) -> None:
    if charge_ids:
        s.execute(update(Charge).where(Charge.id.in_(sorted(charge_ids)))
                  .values(missed_debit_date=debit_date, missed_remedy=remedy, version_id=Charge.version_id + 1)
                  .execution_options(synchronize_session=False))


def _create_charges(s: Session, info: ContractInfo, rows: list[MissedRow], today: date, by: str) -> set[int]:
    """Create the never-created charges of `rows`; the ids of every row's charge."""
    ids = {r.charge_id for r in rows if r.charge_id is not None}
    by_period: dict[str, list[int]] = {}
    for r in rows:
        if r.charge_id is None:
            by_period.setdefault(r.period, []).append(r.agreement_id)
    for period, agreement_ids in by_period.items():
        agreements = list(s.scalars(select(DebitAgreement).where(DebitAgreement.id.in_(agreement_ids))))
        ids.update(charges.ensure_charges(s, info.id, period, agreements, today, by).values())
    return ids


def _move(s: Session, actor: Actor, info: ContractInfo, missed: MissedDebit, rows: list[MissedRow],
          now: datetime) -> int:
    """Queue the rows on the item's next debit date; the won queued."""
    target = missed.move_to
    if target is None:
        raise ServiceError(f"{missed.item_name}의 다음 출금일을 찾을 수 없어 옮길 수 없습니다. 현금수납이나 미납으로 "
                           "처리하세요.")
    state = debits.cutoff_state_in(s, info, target, now)
    if not state.open:
        raise ServiceError(state.message)
    today = now.astimezone(SEOUL).date()
    queued = [r for r in rows if r.request_id is not None]
    fresh = [r for r in rows if r.request_id is None]
    moved = 0
    if queued:
        ids = [r.request_id for r in queued if r.request_id is not None]
        ledger.lock_charges(s, [r.charge_id for r in queued if r.charge_id is not None])
        s.execute(update(DebitRequest).where(DebitRequest.id.in_(ids), DebitRequest.state == RequestState.WAITING,
                                             DebitRequest.transmission_id.is_(None))
                  .values(debit_date=target, version_id=DebitRequest.version_id + 1)
                  .execution_options(synchronize_session=False))
        moved += sum(r.amount for r in queued)
    if fresh:
        due = charges.due_rows(s, info.id, info.calendar, missed.debit_date, item_id=missed.item_id,
                               include_outstanding=False, create=True, today=today, by=actor.login_id,
                               only={r.agreement_id for r in fresh})
        ledger.lock_charges(s, [d.charge_id for d in due if d.charge_id is not None])
        due = charges.due_rows(s, info.id, info.calendar, missed.debit_date, item_id=missed.item_id,
                               include_outstanding=False, create=False, today=today, by=actor.login_id,
                               only={r.agreement_id for r in fresh})
        bad = [d for d in due if not d.requestable]
        if bad or len(due) != len(fresh):
            names = ", ".join(f"{d.customer_name}({d.customer_no}): {d.reason}" for d in bad[:5])
            raise ConflictError(f"옮길 수 없는 건이 있어 아무것도 옮기지 않았습니다. {names} 다시 조회하세요.")
        debits.hold_date(s, info.id, target)
        debits.require_room(s, info.id, target, due)
        made = debits.queue(s, actor, info.id, target, due, RequestKind.NORMAL, today)
        moved += sum(m.amount for m in made)
    return moved


def apply_remedy(db: Database, actor: Actor, contract_id: int, debit_date: date, item_id: int, remedy: Remedy, *,
                 now: datetime, agreement_ids: Collection[int] | None = None) -> RemedyOutcome:
    """Apply the clerk's choice to the payers left out of one item's debit date (all of them, or those given).

    All or nothing: any row that cannot take the remedy (someone else acted first, the next date's
    cut-off passed meanwhile, the file has no room) leaves everything as it was, with the reason.
    """
    actor.require_edit()
    remedy = Remedy(remedy)
    today = now.astimezone(SEOUL).date()
    with ledger.money_session(db, contract_id) as s:
        contract = contract_for(s, actor, contract_id)
        info = contract_info(s, contract_id)
        missed = next((m for m in missed_in(s, info, now) if m.debit_date == debit_date and m.item_id == item_id),
                      None)
        if missed is None:
            raise ConflictError(f"출금일 {debit_date:%Y-%m-%d}에 마감을 놓친 건이 없습니다. 이미 처리되었는지 다시 "
                                "조회하세요.")
        rows = [r for r in missed.rows if agreement_ids is None or r.agreement_id in agreement_ids]
        if agreement_ids is not None and {r.agreement_id for r in rows} != set(agreement_ids):
            raise ConflictError("선택한 고객 중 마감을 놓친 목록에 없는 고객이 있습니다. 다시 조회하세요.")
        if not rows:
            raise ServiceError("처리할 고객을 선택하세요.")
        month_lock.ensure_open(s, contract_id, debit_date, "이 출금일의 청구")
        if remedy is Remedy.MOVE:
            amount = _move(s, actor, info, missed, rows, now)
            charge_ids = _create_charges(s, info, rows, today, actor.login_id)
            message = (f"{missed.title} {len(rows):,}건 {amount:,}원을 {day_text(missed.move_to or debit_date)} 출금으로 "
                       f"옮겨 이체의뢰대기로 넣었습니다. {moment_text(missed.move_cutoff or now)} 마감에 은행으로 보냅니다.")
        else:
            _withdraw(s, [r.request_id for r in rows if r.request_id is not None])
            charge_ids = _create_charges(s, info, rows, today, actor.login_id)
            amount = sum(r.amount for r in rows)
            if remedy is Remedy.CASH:
                message = (f"{missed.title} {len(rows):,}건 {amount:,}원을 현금수납 대상으로 넣었습니다. "
                           "받은 날에 현금수납 화면에서 한 건씩 기록하세요.")
            else:
                when = (f"출금일 {day_text(debit_date)}이 지나면 " if debit_date >= today else "")
                message = (f"{missed.title} {len(rows):,}건 {amount:,}원을 미납으로 두었습니다. {when}미납내역집계와 "
                           "미납 안내문에 나옵니다.")
        _mark(s, charge_ids, debit_date, remedy)
        audit.record(s, "missed_debit_remedy", actor=actor, at=now,
                     target=f"{contract.institution_code} {debit_date:%Y-%m-%d}",
                     detail={"remedy": remedy.value, "item_id": item_id, "count": len(rows), "amount": amount,
                             "moved_to": missed.move_to.isoformat() if remedy is Remedy.MOVE and missed.move_to
                             else None})
    return RemedyOutcome(remedy, debit_date, item_id, len(rows), amount,
                         missed.move_to if remedy is Remedy.MOVE else None, message)
