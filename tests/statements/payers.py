"""Payers whose debits failed, and statements made by hand, for the matching and applying tests.

Each payer is inserted with the models (tests/collection/helpers.py), then asked for through the real
request service and failed through the ledger, as the results of the 15th would fail it; so what the
statement is matched against is exactly what 현금수납 would list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from app.database.engine import Database
from app.models import (
    Charge,
    Customer,
    LedgerEntry,
    LedgerKind,
    Payment,
    PaymentMethod,
    StatementAllocation,
    StatementLine,
    StatementLineState,
)
from app.services.collection import ledger
from app.services.collection import requests as debits
from app.services.collection.statements.model import Deposit, StatementFile, identity_of
from tests.collection.helpers import add_payer, at, mark_sent
from tests.factories import Office

APRIL = date(2026, 4, 15)  # a Wednesday: the 15th's debit of April
MAY = date(2026, 5, 15)  # a Friday: the 15th's debit of May
TODAY = date(2026, 5, 20)


@dataclass(frozen=True)
class Failed:
    customer_id: int
    agreement_id: int
    customer_no: str
    name: str
    charges: tuple[int, ...]  # oldest first


def failed(office: Office, customer_no: str, name: str, *, monthly: int, dates: Sequence[date] = (APRIL,),
           item: str = "A01", debited: int = 0, student: str | None = None, guardian: str | None = None,
           code: str = "0021") -> Failed:
    """A payer (debit day 15) whose debit failed on each of `dates` (or was partial: `debited` won taken)."""
    payer = add_payer(office.db, office.contract_id, customer_no, name, monthly=monthly, day=15, item=item,
                      limit=monthly * 3)
    if student or guardian:
        with office.db.session() as s:
            customer = s.get(Customer, payer.customer_id)
            assert customer is not None
            customer.student_name, customer.representative = student, guardian
    charges = []
    for day in dates:
        out = debits.request(office.db, office.admin, office.contract_id, day, [payer.agreement_id],
                             now=at(day - timedelta(days=5)))
        mark_sent(office.db, list(out.request_ids))
        with office.db.session() as s:
            ledger.apply_debit_outcome(s, out.request_ids[0], debited, code, at(day, 20))
            charges.append(s.scalar(select(Charge.id).where(Charge.agreement_id == payer.agreement_id,
                                                            Charge.period == f"{day:%Y-%m}")))
    return Failed(payer.customer_id, payer.agreement_id, customer_no, name, tuple(charges))


def deposit(row: int, on: date, who: str, amount: int, *, time: str | None = "10:00:00", balance: int | None = None,
            memo: str = "", repeat: int = 0) -> Deposit:
    """A deposit as the reader makes it (its identity from the same four values)."""
    return Deposit(row, on, time, amount, who, memo, balance, identity_of(on, time, amount, who, balance, repeat))


def statement(*deposits: Deposit, name: str = "거래내역_202605.xlsx") -> StatementFile:
    return StatementFile(name, "국민은행", 6, tuple(deposits), 0, (("입금액(원)", "입금액"),))


def counts(db: Database) -> tuple[int, int, int]:
    """(statement lines, allocations, payments) in the database."""
    with db.session() as s:
        return (int(s.scalar(select(func.count()).select_from(StatementLine)) or 0),
                int(s.scalar(select(func.count()).select_from(StatementAllocation)) or 0),
                int(s.scalar(select(func.count()).select_from(Payment)) or 0))


def outstanding(db: Database, charge_id: int) -> int:
    with db.session() as s:
        return ledger.outstanding(s, charge_id)


def check_statement_invariants(db: Database) -> None:
    """Every rule the statement tables keep, recomputed from the raw rows.

    A line's applied amount is the sum of its parts whose payment stands; it is APPLIED exactly when
    that is the whole deposit (unless set aside); each part is a 계좌입금 payment of the same charge and
    won; the ledger's CASH entries are the standing and reversed cash and 계좌입금 payments; no charge
    owes less than nothing or more than it charged."""
    with db.session() as s:
        standing: dict[int, int] = {}
        for line_id, won, method, charge, paid_charge, paid_won in s.execute(
                select(StatementAllocation.line_id, StatementAllocation.amount, Payment.method,
                       StatementAllocation.charge_id, Payment.charge_id, Payment.amount)
                .join(Payment, Payment.id == StatementAllocation.payment_id)
                .where(Payment.reversed_by_id.is_(None))):
            assert PaymentMethod(method) is PaymentMethod.TRANSFER and (charge, won) == (paid_charge, paid_won)
            standing[line_id] = standing.get(line_id, 0) + won
        for line in s.scalars(select(StatementLine)):
            assert line.applied_amount == standing.get(line.id, 0), f"line {line.id}: applied {line.applied_amount}"
            assert 0 <= line.applied_amount <= line.amount
            if line.state is not StatementLineState.DISMISSED:
                assert (line.state is StatementLineState.APPLIED) == (line.applied_amount == line.amount)
        cash_entries = s.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0))
                                .where(LedgerEntry.kind == LedgerKind.CASH)) or 0
        outside = s.scalar(select(func.coalesce(func.sum(Payment.amount), 0)).where(
            Payment.method.in_([PaymentMethod.CASH, PaymentMethod.TRANSFER]), Payment.reversal_reason.is_(None))) or 0
        assert int(cash_entries) == int(outside)
        for charge in s.scalars(select(Charge)):
            left = ledger.outstanding(s, charge.id)
            assert 0 <= left <= charge.amount - charge.discount, f"charge {charge.id}: outstanding {left}"
