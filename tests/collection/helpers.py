"""Rows and checks for the collection tests: payers with encrypted accounts, registrations, the clock.

Rows are inserted with the models (the customer screens are another colleague's work); the checks
recompute every ledger rule from the raw tables, independently of the code under test.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, select

from app.database.engine import Database
from app.models import (
    AccountRegistration,
    Charge,
    CollectionItem,
    Customer,
    DebitAgreement,
    DebitRequest,
    DebitRequestLine,
    LedgerEntry,
    LedgerKind,
    Payment,
    PaymentMethod,
    RegistrationKind,
    RegistrationState,
    RequestState,
)
from app.services.common.calendar import seoul_datetime
from app.services.common.crypto import DataKey

KEY = DataKey.generate()


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return seoul_datetime(day, time(hour, minute))


@dataclass(frozen=True)
class Payer:
    customer_id: int
    agreement_id: int
    customer_no: str


def add_payer(
    db: Database, contract_id: int, customer_no: str, *, name: str | None = None, monthly: int = 50_000,
    limit: int | None = None, discount: int = 0, rate: int = 0, first: str = "2026-01", last: str | None = None,
    day: int = 5, bank: str = "088", item: str = "A01", registration: RegistrationState | None = RegistrationState.DONE,
    account: str = "110123456789", grade: str | None = None, reason_code: str | None = None,
) -> Payer:
    """A customer (or another item of an existing one) with an agreement and, unless None, a NEW registration."""
    with db.session() as s:
        item_id = s.scalar(select(CollectionItem.id).where(CollectionItem.contract_id == contract_id,
                                                           CollectionItem.code == item))
        customer = s.scalar(select(Customer).where(Customer.contract_id == contract_id,
                                                   Customer.customer_no == customer_no))
        if customer is None:
            customer = Customer(contract_id=contract_id, customer_no=customer_no, name=name or f"고객{customer_no}",
                                grade=grade)
            s.add(customer)
            s.flush()
        agreement = DebitAgreement(
            customer_id=customer.id, item_id=item_id, debit_limit=limit if limit is not None else max(monthly, 100_000),
            monthly_amount=monthly, discount_rate=rate, discount_amount=discount, first_month=first, last_month=last,
            debit_day=day, bank_code=bank, account_no_enc=KEY.encrypt(account, "account_no"),
            account_no_hash=KEY.blind_index(account, "account_no"), account_last4=account[-4:], holder_name=name or "예금주",
            holder_id="800101",
        )
        s.add(agreement)
        s.flush()
        if registration is not None:
            s.add(AccountRegistration(
                contract_id=contract_id, agreement_id=agreement.id, kind=RegistrationKind.NEW, state=registration,
                bank_code=bank, account_no_enc=agreement.account_no_enc, account_last4=account[-4:],
                holder_id="800101", requested_on=date(2025, 12, 1), reason_code=reason_code, created_by="clerk",
            ))
        return Payer(customer.id, agreement.id, customer_no)


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
