"""Builders shared by the customer tests: a data key with no passphrase cost, forms a clerk would fill."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import insert, select

from app.database.engine import Database
from app.models import CollectionItem, Customer, CustomerType, DebitAgreement
from app.services.common.crypto import DataKey
from app.services.customers.rules import AgreementForm, CustomerForm
from tests.factories import Office

TODAY = date(2026, 11, 27)
RESIDENT = "900101-1234568"  # a valid check digit
ACCOUNT = "356-0987-6543-21"


@pytest.fixture
def key() -> DataKey:
    """A random data key: generating one costs nothing (no passphrase derivation in tests)."""
    return DataKey.generate()


def person(customer_no: str = "C-001", name: str = "홍길동", **changes: Any) -> CustomerForm:
    values: dict[str, Any] = {"customer_no": customer_no, "name": name, "customer_type": CustomerType.PERSON,
                              "mobile": "010-1234-5678", "grade": "초등3"}
    values.update(changes)
    return CustomerForm(**values)


def agreement(item_id: int, **changes: Any) -> AgreementForm:
    values: dict[str, Any] = {
        "item_id": item_id, "debit_limit": "500,000", "monthly_amount": "300,000", "discount_rate": "0",
        "discount_amount": "", "first_month": "2026-12", "debit_day": "25", "bank_code": "088",
        "account_no": ACCOUNT, "holder_name": "홍아빠", "holder_id": "700101", "registrant": "관리자",
    }
    values.update(changes)
    return AgreementForm(**values)


def item_ids(db: Database, office: Office) -> dict[str, int]:
    with db.session() as s:
        return {i.name: i.id for i in s.scalars(select(CollectionItem).where(CollectionItem.contract_id == office.contract_id))}


def bulk_customers(db: Database, office: Office, key: DataKey, count: int, *, start: int = 1) -> None:
    """Many customers with one agreement each, through Core inserts (the way the benchmark does it)."""
    item = item_ids(db, office)["수강료"]
    customers = [
        {"contract_id": office.contract_id, "customer_no": f"B{n:06d}", "name": f"고객{n:06d}",
         "customer_type": CustomerType.PERSON, "grade": f"등급{n % 5}", "mobile": f"010-{1000 + n % 9000}-{n % 10000:04d}",
         "active": True, "version_id": 1}
        for n in range(start, start + count)
    ]
    with db.session() as s:
        s.execute(insert(Customer), customers)
        ids = dict(s.execute(select(Customer.customer_no, Customer.id).where(Customer.contract_id == office.contract_id)).all())
        rows = []
        for n in range(start, start + count):
            account = f"3333{n:08d}"
            rows.append({
                "customer_id": ids[f"B{n:06d}"], "item_id": item, "debit_limit": 500_000, "monthly_amount": 100_000 + n,
                "discount_rate": 0, "discount_amount": 0, "first_month": "2026-12", "debit_day": 25, "bank_code": "088",
                "account_no_enc": key.encrypt(account, "account_no"),
                "account_no_hash": key.blind_index(account, "account_no"), "account_last4": account[-4:],
                "holder_name": "예금주", "holder_id": "700101", "status": "ACTIVE", "version_id": 1,
            })
        s.execute(insert(DebitAgreement), rows)
