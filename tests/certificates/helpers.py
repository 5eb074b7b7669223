"""Payers and money for the certificate tests: debits through the request service and the ledger's result
writer, cash through the cash service, so every figure a certificate sums is a real ledger entry.

(The year of one student through the real scheduler and bank simulator is tests/certificates/test_year.py.)
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.models import Charge, Customer
from app.services.collection import cash, ledger
from app.services.collection import requests as debits
from app.services.common.crypto import DataKey
from app.services.common.masking import masked_resident_no
from tests.collection.helpers import add_payer, at, mark_sent
from tests.factories import Office, Payer

KEY = DataKey.generate()


def student(office: Office, no: str, payer: str, *, student_name: str | None = None, birth: date | None = None,
            monthly: int = 120_000, resident_no: str | None = None, address: str | None = None) -> Payer:
    """A payer (debit day 5, from January 2026) with the 학원 fields of the certificate filled in."""
    p = add_payer(office.db, office.contract_id, no, payer, monthly=monthly, day=5, first="2026-01")
    with office.db.session() as s:
        customer = s.get(Customer, p.customer_id)
        assert customer is not None
        customer.student_name = student_name
        customer.student_birth_date = birth
        customer.address = address
        if resident_no:
            customer.resident_no_enc = KEY.encrypt(resident_no, "resident_no")
            customer.resident_no_masked = masked_resident_no(resident_no)
    return p


def debit(office: Office, payer: Payer, debit_date: date, *, debited: int | None = None) -> int:
    """Ask the bank for the payer's charge of `debit_date`'s month and apply the result; the charge id.

    `debited` None debits all of it; 0 fails (잔액부족)."""
    out = debits.request(office.db, office.admin, office.contract_id, debit_date, [payer.agreement_id],
                         now=at(debit_date - timedelta(days=3)))
    mark_sent(office.db, list(out.request_ids))
    with office.db.session() as s:
        amount = out.total_amount if debited is None else debited
        ledger.apply_debit_outcome(s, out.request_ids[0], amount, None if amount == out.total_amount else "0021",
                                   at(debit_date + timedelta(days=1), 11))
        charge_id = s.scalar(select(Charge.id).where(Charge.agreement_id == payer.agreement_id,
                                                     Charge.period == f"{debit_date:%Y-%m}"))
    assert charge_id is not None
    return charge_id


def pay_cash(office: Office, charge_id: int, amount: int, on: date) -> int:
    """현금수납 through the cash service (as the screen does); the payment id."""
    return cash.receive_cash(office.db, office.admin, charge_id, amount, on, today=on).payment_id
