"""The schema itself refuses what would lose money or identity, whatever the code above it does."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from app.models import (
    Charge,
    Customer,
    DebitAgreement,
    DebitRequest,
    DebitRequestLine,
)
from tests.factories import Office


def _customer(office: Office, no: str = "C0001") -> int:
    with office.db.session() as s:
        c = Customer(contract_id=office.contract_id, customer_no=no, name="홍길동")
        s.add(c)
        s.flush()
        return c.id


def _agreement(office: Office, customer_id: int, *, monthly: int = 100_000, limit: int = 200_000,
               discount: int = 0, item_id: int | None = None) -> DebitAgreement:
    from sqlalchemy import select

    from app.models import CollectionItem

    with office.db.session() as s:
        item = item_id or s.scalars(select(CollectionItem.id).where(CollectionItem.contract_id == office.contract_id)).first()
    return DebitAgreement(
        customer_id=customer_id, item_id=item, debit_limit=limit, monthly_amount=monthly,
        discount_amount=discount, first_month="2026-01", debit_day=25, bank_code="004",
        account_no_enc=b"x", account_no_hash="h", account_last4="1234", holder_name="홍길동", holder_id="900101",
    )


def _insert(office: Office, row: object) -> int:
    with office.db.session() as s:
        s.add(row)
        s.flush()
        return row.id  # type: ignore[attr-defined]


def test_customer_number_is_unique_per_contract(office: Office) -> None:
    _customer(office, "C0001")
    with pytest.raises(IntegrityError):
        _customer(office, "C0001")


def test_monthly_amount_may_not_exceed_the_debit_limit(office: Office) -> None:
    customer = _customer(office)
    with pytest.raises(IntegrityError):
        _insert(office, _agreement(office, customer, monthly=300_000, limit=200_000))


def test_amounts_may_not_be_negative(office: Office) -> None:
    customer = _customer(office)
    with pytest.raises(IntegrityError):
        _insert(office, _agreement(office, customer, monthly=-1, limit=200_000))


def test_discount_may_not_exceed_the_monthly_amount(office: Office) -> None:
    customer = _customer(office)
    with pytest.raises(IntegrityError):
        _insert(office, _agreement(office, customer, monthly=100_000, discount=100_001))


def test_one_agreement_per_customer_and_item(office: Office) -> None:
    customer = _customer(office)
    _insert(office, _agreement(office, customer))
    with pytest.raises(IntegrityError):
        _insert(office, _agreement(office, customer))


def test_one_charge_per_agreement_and_period(office: Office) -> None:
    agreement = _insert(office, _agreement(office, _customer(office)))
    _insert(office, Charge(contract_id=office.contract_id, agreement_id=agreement, period="2026-03", amount=100_000))
    with pytest.raises(IntegrityError):
        _insert(office, Charge(contract_id=office.contract_id, agreement_id=agreement, period="2026-03", amount=100_000))


def test_a_charge_is_never_in_two_open_requests(office: Office) -> None:
    agreement = _insert(office, _agreement(office, _customer(office)))
    charge = _insert(office, Charge(contract_id=office.contract_id, agreement_id=agreement, period="2026-03", amount=100_000))

    def request() -> int:
        return _insert(office, DebitRequest(contract_id=office.contract_id, agreement_id=agreement,
                                            debit_date=date(2026, 3, 25), amount=100_000, bank_code="004"))

    first, second = request(), request()
    _insert(office, DebitRequestLine(request_id=first, charge_id=charge, amount=100_000, is_open=True))
    with pytest.raises(IntegrityError):
        _insert(office, DebitRequestLine(request_id=second, charge_id=charge, amount=100_000, is_open=True))
    # Once the first request is closed (failed, say), the charge may be asked for again.
    _insert(office, DebitRequestLine(request_id=second, charge_id=charge, amount=100_000, is_open=False))


def test_debited_amount_never_exceeds_the_requested_amount(office: Office) -> None:
    agreement = _insert(office, _agreement(office, _customer(office)))
    with pytest.raises(IntegrityError):
        _insert(office, DebitRequest(contract_id=office.contract_id, agreement_id=agreement, debit_date=date(2026, 3, 25),
                                     amount=100_000, debited_amount=100_001, bank_code="004"))


def test_foreign_keys_are_enforced(office: Office) -> None:
    with pytest.raises(IntegrityError):
        _insert(office, Charge(contract_id=office.contract_id, agreement_id=987654, period="2026-03", amount=1))
