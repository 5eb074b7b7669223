"""Rows and checks for the collection tests: payers with encrypted accounts, registrations, the clock.

Rows are inserted with the models (the customer screens are another colleague's work); the checks
recompute every ledger rule from the raw tables, independently of the code under test.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time

from sqlalchemy import func, select

from app.database.engine import Database
from app.models import (
    Charge,
    DebitRequest,
    DebitRequestLine,
    LedgerEntry,
    LedgerKind,
    Payment,
    PaymentMethod,
    RegistrationState,
    RequestState,
)
from app.services.common.calendar import seoul_datetime
from app.services.common.crypto import DataKey
from tests.factories import PayerStyle

KEY = DataKey.generate()


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return seoul_datetime(day, time(hour, minute))


PAYERS = PayerStyle(KEY, monthly=50_000, day=5, first="2026-01", grade=None, account="110123456789",
                    limit_times=1, limit_floor=100_000, holder="{name}", unnamed="고객{no}",
                    registration=RegistrationState.DONE, created_by="clerk")
add_payer = PAYERS.add  # a payer registered long ago (December 2025), under a made-up name unless given one


def mark_sent(db: Database, request_ids: list[int] | None = None) -> list[int]:
    """What the sender does once the relay has the file: WAITING → SENT (all, or the given ones)."""
    with db.session() as s:
        stmt = select(DebitRequest).where(DebitRequest.state == RequestState.WAITING)
        if request_ids is not None:
            stmt = stmt.where(DebitRequest.id.in_(request_ids))
        rows = list(s.scalars(stmt))
        for r in rows:
            r.state = RequestState.SENT
        return [r.id for r in rows]


def check_invariants(db: Database) -> dict[int, int]:
    """Every ledger rule, recomputed from the raw rows (a few grouped queries); returns outstanding per charge."""
    with db.session() as s:
        kinds: dict[int, dict[LedgerKind, int]] = defaultdict(lambda: defaultdict(int))
        for charge_id, kind, total in s.execute(select(LedgerEntry.charge_id, LedgerEntry.kind,
                                                       func.sum(LedgerEntry.amount))
                                                .group_by(LedgerEntry.charge_id, LedgerEntry.kind)):
            kinds[charge_id][LedgerKind(kind)] = int(total)
        open_lines: dict[int, int] = {}
        open_amount: dict[int, int] = {}
        for charge_id, count, amount in s.execute(
                select(DebitRequestLine.charge_id, func.count(), func.sum(DebitRequestLine.amount))
                .where(DebitRequestLine.is_open.is_(True)).group_by(DebitRequestLine.charge_id)):
            open_lines[charge_id], open_amount[charge_id] = int(count), int(amount)
        out: dict[int, int] = {}
        for charge_id, amount, discount in s.execute(select(Charge.id, Charge.amount, Charge.discount)):
            k = kinds[charge_id]
            assert k[LedgerKind.CHARGE] == amount, f"charge {charge_id}: CHARGE entries"
            assert k[LedgerKind.DISCOUNT] == discount, f"charge {charge_id}: DISCOUNT entries"
            owed = amount - discount
            left = owed - k[LedgerKind.DEBIT] - k[LedgerKind.CASH] + k[LedgerKind.REVERSAL]
            assert 0 <= left <= owed, f"charge {charge_id}: outstanding {left} of {owed}"
            assert k[LedgerKind.DEBIT] + k[LedgerKind.CASH] - k[LedgerKind.REVERSAL] <= owed
            received = k[LedgerKind.DEBIT] + k[LedgerKind.CASH] - k[LedgerKind.REVERSAL] - k[LedgerKind.REFUND]
            assert received >= 0, f"charge {charge_id}: refunded more than it received"
            assert open_lines.get(charge_id, 0) <= 1, f"charge {charge_id} is in {open_lines[charge_id]} open requests"
            assert open_amount.get(charge_id, 0) <= left, f"charge {charge_id}: an open line asks more than it owes"
            out[charge_id] = left
        totals = defaultdict(int, {LedgerKind(kind): int(total) for kind, total in s.execute(
            select(LedgerEntry.kind, func.sum(LedgerEntry.amount)).group_by(LedgerEntry.kind))})
        payments = {PaymentMethod.DEBIT: 0, PaymentMethod.CASH: 0}
        reversed_total = 0
        for method, amount, reversal_reason, reversed_by in s.execute(
                select(Payment.method, Payment.amount, Payment.reversal_reason, Payment.reversed_by_id)):
            if reversal_reason is None:
                payments[PaymentMethod(method)] += amount
            if reversed_by is not None:
                reversed_total += amount
        assert payments[PaymentMethod.DEBIT] == totals[LedgerKind.DEBIT]
        assert payments[PaymentMethod.CASH] == totals[LedgerKind.CASH]
        assert reversed_total == totals[LedgerKind.REVERSAL]
        per: dict[int, dict[LedgerKind, int]] = defaultdict(lambda: defaultdict(int))
        for request_id, kind, total in s.execute(select(LedgerEntry.debit_request_id, LedgerEntry.kind,
                                                        func.sum(LedgerEntry.amount))
                                                 .where(LedgerEntry.debit_request_id.is_not(None))
                                                 .group_by(LedgerEntry.debit_request_id, LedgerEntry.kind)):
            per[request_id][LedgerKind(kind)] = int(total)
        lines: dict[int, list[tuple[int, bool]]] = defaultdict(list)
        for request_id, amount, is_open in s.execute(select(DebitRequestLine.request_id, DebitRequestLine.amount,
                                                            DebitRequestLine.is_open)):
            lines[request_id].append((amount, bool(is_open)))
        for req_id, state, amount, debited in s.execute(select(DebitRequest.id, DebitRequest.state, DebitRequest.amount,
                                                               DebitRequest.debited_amount)):
            state, mine, m = RequestState(state), lines[req_id], per[req_id]
            if state is RequestState.WITHDRAWN:
                assert m[LedgerKind.REQUEST] == 0 and not any(o for _a, o in mine)
                continue
            assert sum(a for a, _o in mine) == amount == m[LedgerKind.REQUEST]
            if state in (RequestState.WAITING, RequestState.SENT):
                assert all(o for _a, o in mine)
                assert m[LedgerKind.DEBIT] == m[LedgerKind.FAIL] == 0
            else:
                assert not any(o for _a, o in mine)
                assert m[LedgerKind.DEBIT] == debited
                assert m[LedgerKind.DEBIT] + m[LedgerKind.FAIL] == amount
        return out
