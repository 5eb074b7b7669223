"""The ledger: the ONE place that knows how money moves. Every other module writes money through here.

Semantics (exact; the tests check them after every step of random sequences):

Every won charged, discounted, requested, carried over, debited, failed, received in cash or reversed
is one `LedgerEntry` row. Amounts are non-negative integers (won); the *kind* gives the sign:

=========  =========================================  ==================================  ===============
kind       written when                               by                                  outstanding
=========  =========================================  ==================================  ===============
CHARGE     a period's charge is created               `post_charges`                      + amount
DISCOUNT   the same, when the charge has a discount   `post_charges`                      − amount
REQUEST    a request line is created (asked of bank)  `add_lines`                         0 (memo)
CARRY      a line asks for an earlier period's        `add_lines`                         0 (memo)
           outstanding (미수납 이월), beside REQUEST
DEBIT      a result debits (part of) a line           `apply_debit_outcome` / receiving   − amount
FAIL       the part of a line the result did not      `apply_debit_outcome` / receiving   0 (memo)
           debit
CASH       현금수납                                     `post_cash`                         − amount
REVERSAL   현금수납 취소 (undoes one CASH)               `post_reversal`                     + amount
REFUND     반환 paid out (학원법: a withdrawal)           `post_refund`                       0 (see below)
=========  =========================================  ==================================  ===============

    outstanding(charge) = CHARGE − DISCOUNT − DEBIT − CASH + REVERSAL      and it is never below 0.
    received(charge)    = DEBIT + CASH − REVERSAL − REFUND                 and it is never below 0.

A refund gives back part of what was received *and* releases the payer from that part of the charge:
it lowers what the charge asks (owed = CHARGE − DISCOUNT − REFUND) and what it received by the same
amount, so the outstanding amount does not move. Its entries point (refund_id) at the `Refund` row
whose lines computed them; a refund never returns more than a charge received, and a charge whose
line is open (the bank may be debiting it) cannot be refunded.

Rules that follow, and that the writers here enforce:

* A charge is in at most one *open* request line (partial unique index); a line is open from its
  request until the result (or a withdrawal) closes it. A line never asks for more than the charge's
  outstanding, and while a line is open no cash can be received, so a charge is never debited plus
  paid in cash beyond what it owes.
* request.amount = Σ its lines = Σ its REQUEST entries. After the result every line is closed,
  request.debited_amount = Σ its DEBIT entries, and Σ DEBIT + Σ FAIL = request.amount.
* A request's debited amount is allocated to its lines **oldest charge first** (by charge period,
  then charge id). `add_lines` inserts the lines in that same order, so the receiving module's
  allocation by line id gives the same result.
* Each DEBIT entry has its `Payment(DEBIT)`, each CASH entry its `Payment(CASH)`; a REVERSAL entry
  points (payment_id) at the CASH payment it undoes, and that payment's `reversed_by_id` at the
  reversing payment row (method CASH, `reversal_reason` set). Payment rows are records; the figures
  on every screen are sums of ledger entries.
* A request withdrawn before any file carried it was never asked of the bank: its lines are closed
  and its REQUEST/CARRY entries removed in the same transaction (the audit log keeps the withdrawal).
* Two writers at once: requesting, cash and reversal run in `money_session` and lock the charges
  they touch (`lock_charges`) before reading balances; a result closes its lines and posts its DEBIT
  entries in one commit, so whoever decides an amount reads open lines *before* balances.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Date,
    Integer,
    String,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from app.database.engine import Database
from app.models import (
    Charge,
    DebitAgreement,
    DebitRequest,
    DebitRequestLine,
    LedgerEntry,
    LedgerKind,
    Payment,
    PaymentMethod,
    RequestState,
)
from app.models.base import UtcDateTime
from app.models.enums import LabelledEnum
from app.services.common.calendar import SEOUL, BusinessCalendar
from app.services.common.errors import ConflictError, NotFoundError, ServiceError
from app.services.exchange.leases import lock_key

SYSTEM_USER = "system"
OUTSIDE_DEBIT = (PaymentMethod.CASH, PaymentMethod.TRANSFER)
"""Payments received outside the bank debit (현금수납, 계좌입금): the clerk records them and an
administrator may reverse them; both are CASH entries of the ledger."""

ADDS: frozenset[LedgerKind] = frozenset({LedgerKind.CHARGE, LedgerKind.REVERSAL})
"""Kinds that raise a charge's outstanding amount."""
SUBTRACTS: frozenset[LedgerKind] = frozenset({LedgerKind.DISCOUNT, LedgerKind.DEBIT, LedgerKind.CASH})
"""Kinds that lower it. REQUEST, CARRY and FAIL are memo entries: they record, they do not move the balance."""

DOUBLE_REQUEST_MESSAGE = (
    "다른 사용자가 같은 청구를 먼저 이체의뢰했습니다. 아무것도 의뢰하지 않았습니다. 목록을 다시 조회하세요."
)


# --- sessions for money writes --------------------------------------------------------------------


@contextmanager
def money_session(db: Database, contract_id: int) -> Iterator[Session]:
    """A unit of work that writes money for `contract_id`.

    SQLite: ``BEGIN IMMEDIATE``, so a read-then-write cannot interleave with another writer (the
    whole file is the lock). PostgreSQL: the *shared* form of the file builder's per-contract lock,
    so no request is queued or withdrawn while an EB21 file is being built (the builder holds it
    exclusively), while two clerks still work side by side (they race on the open-line index and on
    the charge rows they lock, see `lock_charges`).
    """
    with db.session() as s:
        if db.is_sqlite:
            s.connection().exec_driver_sql("BEGIN IMMEDIATE")
        else:
            s.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": lock_key(f"build:{contract_id}")})
        yield s


def lock_charges(s: Session, charge_ids: Iterable[int]) -> dict[int, Charge]:
    """The charges, row-locked in id order (no deadlock between two writers) until the transaction ends.

    Requesting, receiving cash and reversing all lock the charges they touch first and only then
    read balances and open lines, so each sees what the other committed.
    """
    ids = sorted(set(charge_ids))
    if not ids:
        return {}
    rows = s.scalars(select(Charge).where(Charge.id.in_(ids)).order_by(Charge.id).with_for_update()).all()
    return {c.id: c for c in rows}


# --- sums -----------------------------------------------------------------------------------------


def signed_amount() -> ColumnElement[int]:
    """SQL: an entry's effect on its charge's outstanding amount (0 for memo kinds)."""
    return case(
        (LedgerEntry.kind.in_(list(ADDS)), LedgerEntry.amount),
        (LedgerEntry.kind.in_(list(SUBTRACTS)), -LedgerEntry.amount),
        else_=0,
    )


@dataclass(frozen=True)
class Balance:
    """A charge's ledger, summed by kind."""

    charged: int = 0
    discount: int = 0
    requested: int = 0
    carried: int = 0
    debited: int = 0
    failed: int = 0
    cash: int = 0
    reversed: int = 0
    refunded: int = 0

    @property
    def owed(self) -> int:
        """Charged less discount: what the charge asks of the payer (before any refund)."""
        return self.charged - self.discount

    @property
    def received(self) -> int:
        """What the institution keeps of this charge: debited and cash, less reversals and refunds."""
        return self.debited + self.cash - self.reversed - self.refunded

    @property
    def outstanding(self) -> int:
        return self.charged - self.discount - self.debited - self.cash + self.reversed

    @property
    def cash_net(self) -> int:
        return self.cash - self.reversed


_FIELD = {
    LedgerKind.CHARGE: "charged", LedgerKind.DISCOUNT: "discount", LedgerKind.REQUEST: "requested",
    LedgerKind.CARRY: "carried", LedgerKind.DEBIT: "debited", LedgerKind.FAIL: "failed",
    LedgerKind.CASH: "cash", LedgerKind.REVERSAL: "reversed", LedgerKind.REFUND: "refunded",
}


def balances(s: Session, charge_ids: Iterable[int]) -> dict[int, Balance]:
    """Balance of each charge (every id asked for is in the answer, with zeros when it has no entry)."""
    ids = sorted(set(charge_ids))
    found: dict[int, dict[str, int]] = {i: {} for i in ids}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        rows = s.execute(
            select(LedgerEntry.charge_id, LedgerEntry.kind, func.sum(LedgerEntry.amount))
            .where(LedgerEntry.charge_id.in_(chunk))
            .group_by(LedgerEntry.charge_id, LedgerEntry.kind)
        )
        for charge_id, kind, total in rows:
            found[charge_id][_FIELD[LedgerKind(kind)]] = int(total or 0)
    return {i: Balance(**values) for i, values in found.items()}


def balance(s: Session, charge_id: int) -> Balance:
    return balances(s, [charge_id])[charge_id]


def outstanding(s: Session, charge_id: int) -> int:
    """CHARGE − DISCOUNT − DEBIT − CASH + REVERSAL of one charge."""
    return balance(s, charge_id).outstanding


@dataclass(frozen=True)
class RequestMoney:
    requested: int = 0
    debited: int = 0
    failed: int = 0


def request_money(s: Session, request_ids: Iterable[int]) -> dict[int, RequestMoney]:
    """REQUEST, DEBIT and FAIL entries summed per request (the results screen's figures)."""
    ids = sorted(set(request_ids))
    found: dict[int, dict[str, int]] = {i: {} for i in ids}
    names = {LedgerKind.REQUEST: "requested", LedgerKind.DEBIT: "debited", LedgerKind.FAIL: "failed"}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        rows = s.execute(
            select(LedgerEntry.debit_request_id, LedgerEntry.kind, func.sum(LedgerEntry.amount))
            .where(LedgerEntry.debit_request_id.in_(chunk), LedgerEntry.kind.in_(list(names)))
            .group_by(LedgerEntry.debit_request_id, LedgerEntry.kind)
        )
        for request_id, kind, total in rows:
            if request_id is not None:  # the IN filter leaves none; this narrows the nullable column's type
                found[request_id][names[LedgerKind(kind)]] = int(total or 0)
    return {i: RequestMoney(**values) for i, values in found.items()}


def contract_totals(s: Session, contract_id: int) -> dict[LedgerKind, int]:
    """Every kind summed over the contract (for checks and the aggregates)."""
    rows = s.execute(
        select(LedgerEntry.kind, func.sum(LedgerEntry.amount))
        .where(LedgerEntry.contract_id == contract_id)
        .group_by(LedgerEntry.kind)
    )
    totals = {kind: 0 for kind in LedgerKind}
    for kind, total in rows:
        totals[LedgerKind(kind)] = int(total or 0)
    return totals


def open_lines(s: Session, charge_ids: Iterable[int]) -> dict[int, tuple[int, RequestState]]:
    """charge id → (request id, request state) of its open line, for the charges that have one."""
    ids = sorted(set(charge_ids))
    out: dict[int, tuple[int, RequestState]] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        rows = s.execute(
            select(DebitRequestLine.charge_id, DebitRequest.id, DebitRequest.state)
            .join(DebitRequest, DebitRequest.id == DebitRequestLine.request_id)
            .where(DebitRequestLine.charge_id.in_(chunk), DebitRequestLine.is_open.is_(True))
        )
        for charge_id, request_id, state in rows:
            out[charge_id] = (request_id, RequestState(state))
    return out


# --- writers --------------------------------------------------------------------------------------


def _won(amount: int) -> int:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        raise ValueError(f"ledger amounts are non-negative integer won, got {amount!r}")
    return amount


def _entry(contract_id: int, charge_id: int, kind: LedgerKind, amount: int, on: date, by: str, *,
           request_id: int | None = None, payment_id: int | None = None, note: str | None = None,
           adjusts_period: str | None = None) -> LedgerEntry:
    _won(amount)
    return LedgerEntry(contract_id=contract_id, charge_id=charge_id, kind=kind, amount=amount, entry_on=on,
                       debit_request_id=request_id, payment_id=payment_id, note=note, created_by=by,
                       adjusts_period=adjusts_period)


def post_charges(s: Session, contract_id: int, created: Iterable[tuple[int, int, int]], on: date, by: str) -> None:
    """CHARGE (and DISCOUNT when there is one) for charges just created: (charge id, amount, discount) each.

    Zero amounts write nothing (a fully discounted charge has CHARGE = DISCOUNT, a 0-won one neither).
    """
    rows: list[dict[str, object]] = []
    for charge_id, amount, discount in created:
        if not 0 <= discount <= amount:
            raise ValueError("discount must be within the charge amount")
        if amount:
            rows.append(_entry_row(contract_id, charge_id, LedgerKind.CHARGE, amount, on, by))
        if discount:
            rows.append(_entry_row(contract_id, charge_id, LedgerKind.DISCOUNT, discount, on, by))
    if rows:
        s.execute(insert(LedgerEntry), rows)


@dataclass(frozen=True)
class LineSpec:
    """One part of a request: `amount` won of charge `charge_id` (of `period`)."""

    charge_id: int
    period: str
    amount: int


class RequestLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def contract_id(self) -> int: ...
    @property
    def amount(self) -> int: ...


@dataclass(frozen=True)
class RequestRef:
    """A request just inserted (its id, contract and amount), without an ORM object."""

    id: int
    contract_id: int
    amount: int


def _entry_row(contract_id: int, charge_id: int, kind: LedgerKind, amount: int, on: date, by: str, *,
               request_id: int | None = None, note: str | None = None) -> dict[str, object]:
    return {"contract_id": contract_id, "charge_id": charge_id, "kind": kind.value, "amount": _won(amount), "entry_on": on,
            "debit_request_id": request_id, "payment_id": None, "note": note, "created_by": by}


def add_lines(s: Session, batch: Sequence[tuple[RequestLike, Sequence[LineSpec], str]], on: date, by: str) -> None:
    """Open each request's lines (oldest charge first) with their REQUEST entries, and CARRY for earlier periods.

    `batch` holds (inserted request, its lines, the request's own period). The caller has locked the
    charges and checked each amount against its outstanding. The partial unique index refuses a
    second open line for a charge: that arrives here as IntegrityError and leaves as ConflictError
    (the caller's transaction is then rolled back whole, so nothing of the request stays).
    """
    lines: list[dict[str, object]] = []
    entries: list[dict[str, object]] = []
    for request, specs, period in batch:
        if not specs:
            raise ValueError("a request needs at least one line")
        ordered = sorted(specs, key=lambda line: (line.period, line.charge_id))
        if sum(line.amount for line in ordered) != request.amount:
            raise ValueError("request amount must equal the sum of its lines")
        for line in ordered:
            if line.amount <= 0:
                raise ValueError("a line asks for at least 1 won")
            lines.append({"request_id": request.id, "charge_id": line.charge_id, "amount": line.amount,
                          "is_open": True})
            entries.append(_entry_row(request.contract_id, line.charge_id, LedgerKind.REQUEST, line.amount, on, by,
                                      request_id=request.id))
            if line.period < period:
                entries.append(_entry_row(request.contract_id, line.charge_id, LedgerKind.CARRY, line.amount, on,
                                          by, request_id=request.id, note=f"{line.period} 미수납액 이월"))
    try:
        # Inserted in this order, so line ids follow the oldest-first order receiving allocates by.
        s.execute(insert(DebitRequestLine), lines)
    except IntegrityError as error:
        raise ConflictError(DOUBLE_REQUEST_MESSAGE) from error
    s.execute(insert(LedgerEntry), entries)


def remove_request(s: Session, request_id: int) -> None:
    """A request withdrawn before any file carried it: close its lines and drop its REQUEST/CARRY entries."""
    s.execute(update(DebitRequestLine).where(DebitRequestLine.request_id == request_id).values(is_open=False)
              .execution_options(synchronize_session=False))
    s.execute(delete(LedgerEntry).where(LedgerEntry.debit_request_id == request_id,
                                        LedgerEntry.kind.in_([LedgerKind.REQUEST, LedgerKind.CARRY]))
              .execution_options(synchronize_session=False))


def apply_debit_outcome(s: Session, request_id: int, debited_amount: int, reason_code: str | None,
                        when: datetime) -> None:
    """Apply the bank's result for one SENT request, exactly as the ledger semantics say.

    `debited_amount` is what the bank took (0 … request amount): all of it → 이체처리완료 (DONE);
    none → 이체처리미완료 (FAILED, `reason_code` required); some → PARTIAL with the reason. The amount
    is allocated to the lines oldest charge first: a Payment(DEBIT) and a DEBIT entry for each
    line's paid part, a FAIL entry for its unpaid part; every line is closed. Entries are dated the
    debit date; `when` (aware) is the result time.
    """
    request = s.scalar(select(DebitRequest).where(DebitRequest.id == request_id).with_for_update())
    if request is None:
        raise NotFoundError("이체의뢰를 찾을 수 없습니다.")
    if request.state is not RequestState.SENT:
        raise ServiceError(f"이체의뢰중인 건에만 결과를 반영할 수 있습니다 (현재 {request.state.label}).")
    if not isinstance(debited_amount, int) or not 0 <= debited_amount <= request.amount:
        raise ValueError("debited amount must be an integer between 0 and the requested amount")
    if debited_amount < request.amount and not reason_code:
        raise ValueError("a failed or partial debit needs the bank's reason code")
    lines = s.execute(
        select(DebitRequestLine, Charge.period)
        .join(Charge, Charge.id == DebitRequestLine.charge_id)
        .where(DebitRequestLine.request_id == request_id)
        .order_by(Charge.period, Charge.id)
    ).all()
    left = debited_amount
    for line, _period in lines:
        paid = min(line.amount, left)
        left -= paid
        if paid:
            payment = Payment(contract_id=request.contract_id, charge_id=line.charge_id, method=PaymentMethod.DEBIT,
                              amount=paid, paid_on=request.debit_date, debit_request_id=request.id,
                              created_by=SYSTEM_USER)
            s.add(payment)
            s.flush()
            s.add(_entry(request.contract_id, line.charge_id, LedgerKind.DEBIT, paid, request.debit_date,
                         SYSTEM_USER, request_id=request.id, payment_id=payment.id))
        if line.amount - paid:
            s.add(_entry(request.contract_id, line.charge_id, LedgerKind.FAIL, line.amount - paid,
                         request.debit_date, SYSTEM_USER, request_id=request.id))
        line.is_open = False
    if debited_amount == request.amount:
        request.state, request.reason_code = RequestState.DONE, None
    else:
        request.state = RequestState.PARTIAL if debited_amount else RequestState.FAILED
        request.reason_code = reason_code
    request.debited_amount = debited_amount
    request.result_at = when
    s.flush()


def post_cash(s: Session, charge: Charge, amount: int, on: date, by: str, *, adjusts_period: str | None = None,
              note: str | None = None, method: PaymentMethod = PaymentMethod.CASH) -> Payment:
    """현금수납 of `amount` won against a locked charge: Payment(CASH) and its CASH entry.

    `method` TRANSFER records a 계좌입금 found on the bank statement the same way: money received
    outside the debit, so it is a CASH entry of the ledger and counts wherever 현금수납 does.

    Refused when a line of the charge is open (the bank may be debiting it right now) or when the
    amount is not 1 … outstanding. `adjusts_period` names the closed month a late-found receipt
    corrects (`month_lock.adjustment_day`); `on` is then a day of the open month.
    """
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ServiceError("수납금액은 1원 이상의 정수여야 합니다.")
    held = open_lines(s, [charge.id]).get(charge.id)
    if held is not None:
        raise ServiceError(f"이 청구는 {held[1].label} 상태라 현금수납할 수 없습니다. "
                           "이체의뢰를 취소하거나 결과가 나온 뒤에 수납하세요.")
    left = outstanding(s, charge.id)
    if amount > left:
        raise ServiceError(f"현금수납 가능금액({left:,}원)보다 많이 수납할 수 없습니다.")
    if method not in OUTSIDE_DEBIT:
        raise ServiceError("자동이체 수납은 이체 결과로만 기록됩니다.")
    payment = Payment(contract_id=charge.contract_id, charge_id=charge.id, method=method, amount=amount,
                      paid_on=on, created_by=by, adjusts_period=adjusts_period)
    s.add(payment)
    s.flush()
    s.add(_entry(charge.contract_id, charge.id, LedgerKind.CASH, amount, on, by, payment_id=payment.id, note=note,
                 adjusts_period=adjusts_period))
    s.flush()
    return payment


def post_reversal(s: Session, payment: Payment, reason: str, on: date, by: str, *,
                  adjusts_period: str | None = None) -> Payment:
    """현금수납 취소: a reversing payment row, the original marked reversed, and a REVERSAL entry.

    Undoing a payment of a closed month, the reversal is dated `on` in the open month and names the
    closed month (`adjusts_period`); the original row only gains its link (the lock allows that)."""
    if payment.method not in OUTSIDE_DEBIT or payment.reversal_reason is not None:
        raise ServiceError("현금수납·계좌입금 건만 취소할 수 있습니다.")
    if payment.reversed_by_id is not None:
        raise ServiceError("이미 취소한 현금수납입니다.")
    if balance(s, payment.charge_id).received < payment.amount:
        raise ServiceError("이 청구에서 이미 반환한 금액이 있어 현금수납을 취소할 수 없습니다. 반환을 먼저 확인하세요.")
    reversal = Payment(contract_id=payment.contract_id, charge_id=payment.charge_id, method=payment.method,
                       amount=payment.amount, paid_on=on, reversal_reason=reason, created_by=by,
                       adjusts_period=adjusts_period)
    s.add(reversal)
    s.flush()
    payment.reversed_by_id = reversal.id
    s.add(_entry(payment.contract_id, payment.charge_id, LedgerKind.REVERSAL, payment.amount, on, by,
                 payment_id=payment.id, note=reason[:200], adjusts_period=adjusts_period))
    s.flush()
    return reversal


def post_refund(s: Session, contract_id: int, refund_id: int, lines: Iterable[tuple[int, int]], on: date,
                by: str) -> None:
    """반환 paid out: one REFUND entry per (charge id, amount) line of refund `refund_id`.

    The caller has locked the charges (`lock_charges`). Refused, with nothing written, when a line
    asks for more than its charge received or when the charge is in an open request.
    """
    wanted = [(charge_id, amount) for charge_id, amount in lines if amount > 0]
    for _charge_id, amount in wanted:
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise ServiceError("반환금액은 원 단위 정수여야 합니다.")
    held = open_lines(s, [c for c, _a in wanted])
    if held:
        state = next(iter(held.values()))[1]
        raise ServiceError(f"반환할 청구가 {state.label} 상태입니다. 이체 결과가 나온 뒤 반환하세요.")
    money = balances(s, [c for c, _a in wanted])
    for charge_id, amount in wanted:
        if amount > money[charge_id].received:
            raise ServiceError(f"반환금액({amount:,}원)이 수납된 금액({money[charge_id].received:,}원)보다 많습니다.")
    for charge_id, amount in wanted:
        entry = _entry(contract_id, charge_id, LedgerKind.REFUND, amount, on, by, note=f"반환 #{refund_id}")
        entry.refund_id = refund_id
        s.add(entry)
    s.flush()


# --- what a charge is, as of a date (the clerk's words) -------------------------------------------
#
# One definition each, used by 미납내역집계 (summary, drill-down, PDF, Excel), the home screen's
# 미납 figure and 미납 안내문 (domain.md, "What the clerk's words mean"). As of the end of day D:
#
#   수납 (COLLECTED)      nothing left: CHARGE − DISCOUNT − DEBIT − CASH + REVERSAL (entries ≤ D) ≤ 0;
#   이체의뢰대기/중       asked for (a REQUEST entry on or before D; a withdrawn request has none) and no
#   (QUEUED / SENT)       result known at D — except a request still waiting (never sent) whose debit
#                         date is before D: it missed its cut-off, so it is not in flight;
#   미납 (UNPAID)         something left, not in flight, and either a debit of it failed (a FAIL entry
#                         whose result came by D: failed or partial) or its own debit date (period and
#                         the agreement's debit day, on the institution's calendar) is before D;
#   청구예정 (SCHEDULED)  the rest: something left, nothing asked, its debit date not yet passed.
#
# Charges are created when requested, so "never asked and its date is gone" is 미납 only for a charge
# row that exists (a withdrawn request, a request never sent). A contracted day with no charge at all
# is a missed cut-off, which the home screen reports; nothing is invented here.


class ChargeState(LabelledEnum):
    """The state of one charge as of a date (see the comment above)."""

    SCHEDULED = ("SCHEDULED", "청구예정")
    QUEUED = ("QUEUED", "이체의뢰대기")
    SENT = ("SENT", "이체의뢰중")
    COLLECTED = ("COLLECTED", "수납")
    UNPAID = ("UNPAID", "미납")


AS_OF: BindParameter[date] = bindparam("as_of", type_=Date())
AS_OF_END: BindParameter[datetime] = bindparam("as_of_end", type_=UtcDateTime())
AS_OF_PERIOD: BindParameter[str] = bindparam("as_of_period", type_=String())
AS_OF_PREV_PERIOD: BindParameter[str] = bindparam("as_of_prev_period", type_=String())
GONE_DAYS = bindparam("gone_days", expanding=True, type_=Integer())
PREV_GONE_DAYS = bindparam("prev_gone_days", expanding=True, type_=Integer())


def _period_text(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def as_of_params(calendar: BusinessCalendar, day: date) -> dict[str, Any]:
    """The bound values of the state expressions for the end of `day` (Seoul).

    Only this month's and last month's contracted days can still be ahead of `day` (a closed day moves
    a debit at most into the next month); each month's days whose debit date is before `day` are
    listed, as the calendar moves them (not monotonic in the day: February's 28th may be debited after
    its 30th).
    """
    prev = date(day.year - 1, 12, 1) if day.month == 1 else date(day.year, day.month - 1, 1)

    def gone(year: int, month: int) -> list[int]:
        return [d for d in range(1, 32) if calendar.debit_date_for(year, month, d) < day]

    end = datetime.combine(day + timedelta(days=1), time(0), SEOUL)
    return {"as_of": day, "as_of_end": end, "as_of_period": _period_text(day.year, day.month),
            "as_of_prev_period": _period_text(prev.year, prev.month),
            "gone_days": gone(day.year, day.month), "prev_gone_days": gone(prev.year, prev.month)}


def in_flight(charge_id: ColumnElement[int], *, queued: bool | None = None) -> ColumnElement[bool]:
    """SQL: the charge is asked for and its result is not known as of the end of AS_OF.

    A request still waiting (never sent) whose debit date is before AS_OF is not in flight: it missed
    its cut-off and the bank will never debit it. `queued` True: only waiting requests (이체의뢰대기);
    False: only sent ones (이체의뢰중; a request with a result after AS_OF was in flight then).
    """
    e, r = aliased(LedgerEntry), aliased(DebitRequest)
    conditions = [e.charge_id == charge_id, e.kind == LedgerKind.REQUEST, e.entry_on <= AS_OF,
                  r.id == e.debit_request_id, or_(r.result_at.is_(None), r.result_at >= AS_OF_END),
                  or_(r.state != RequestState.WAITING, r.debit_date >= AS_OF)]
    if queued is True:
        conditions.append(r.state == RequestState.WAITING)
    elif queued is False:
        conditions.append(r.state != RequestState.WAITING)
    return exists().where(*conditions)


def debit_failed(charge_id: ColumnElement[int]) -> ColumnElement[bool]:
    """SQL: a debit of the charge failed (wholly or in part) and its result came by the end of AS_OF."""
    e, r = aliased(LedgerEntry), aliased(DebitRequest)
    return exists().where(e.charge_id == charge_id, e.kind == LedgerKind.FAIL, r.id == e.debit_request_id,
                          r.result_at < AS_OF_END)


def debit_date_gone(period: ColumnElement[str], debit_day: ColumnElement[int]) -> ColumnElement[bool]:
    """SQL: the debit date of (period, agreement's debit day) is before AS_OF."""
    return or_(period < AS_OF_PREV_PERIOD,
               and_(period == AS_OF_PREV_PERIOD, debit_day.in_(PREV_GONE_DAYS)),
               and_(period == AS_OF_PERIOD, debit_day.in_(GONE_DAYS)))


def is_unpaid(charge_id: ColumnElement[int], period: ColumnElement[str], debit_day: ColumnElement[int],
              left: ColumnElement[int]) -> ColumnElement[bool]:
    """SQL: 미납 as of AS_OF; `left` is the charge's outstanding amount from entries on or before AS_OF."""
    return and_(left > 0, ~in_flight(charge_id), or_(debit_failed(charge_id), debit_date_gone(period, debit_day)))


def charge_state(charge_id: ColumnElement[int], period: ColumnElement[str], debit_day: ColumnElement[int],
                 left: ColumnElement[int]) -> ColumnElement[str]:
    """SQL: the ChargeState value of the charge as of AS_OF (same arguments as `is_unpaid`)."""
    return case(
        (left <= 0, ChargeState.COLLECTED.value),
        (in_flight(charge_id, queued=True), ChargeState.QUEUED.value),
        (in_flight(charge_id, queued=False), ChargeState.SENT.value),
        (or_(debit_failed(charge_id), debit_date_gone(period, debit_day)), ChargeState.UNPAID.value),
        else_=ChargeState.SCHEDULED.value,
    )


def left_as_of() -> ColumnElement[int]:
    """SQL aggregate over a charge's LedgerEntry rows (already limited to entry_on ≤ AS_OF): its outstanding."""
    return func.coalesce(func.sum(signed_amount()), 0)


def charge_states(s: Session, calendar: BusinessCalendar, contract_id: int, day: date,
                  charge_ids: Iterable[int] | None = None, *, period: str | None = None,
                  ) -> dict[int, tuple[ChargeState, int]]:
    """charge id → (state, outstanding) as of the end of `day`, for the contract's charges (or those given,
    or those of one period)."""
    left = left_as_of()
    stmt = (
        select(Charge.id, Charge.period, DebitAgreement.debit_day, left.label("left"))
        .join(DebitAgreement, DebitAgreement.id == Charge.agreement_id)
        .join(LedgerEntry, and_(LedgerEntry.charge_id == Charge.id, LedgerEntry.entry_on <= AS_OF))
        .where(Charge.contract_id == contract_id)
        .group_by(Charge.id, Charge.period, DebitAgreement.debit_day)
    )
    if charge_ids is not None:
        stmt = stmt.where(Charge.id.in_(sorted(set(charge_ids))))
    if period is not None:
        stmt = stmt.where(Charge.period == period)
    b = stmt.subquery("b")
    state = charge_state(b.c.id, b.c.period, b.c.debit_day, b.c.left)
    rows = s.execute(select(b.c.id, state, b.c.left), as_of_params(calendar, day)).all()
    return {int(cid): (ChargeState(st), int(lft)) for cid, st, lft in rows}
