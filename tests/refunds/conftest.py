"""Fixtures of the refund tests: an academy whose 수강료 (A01) is taught on days 1–30 of each month and
whose 피아노 (A04) counts 8 sessions a month; payers paid by a real request and its bank result.

Money goes through the collection services (request → sent → `ledger.apply_debit_outcome`), never
straight into the ledger, so a refund is checked against what the program really records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.models import Charge, CollectionItem, DebitRequest
from app.services.collection import ledger
from app.services.collection import requests as debits
from app.services.common.session import Actor
from tests.collection.helpers import add_payer, at, mark_sent
from tests.factories import Office, Payer

TUITION = "A01"
PIANO = "A04"


@dataclass
class Academy:
    office: Office
    clerk: Actor

    @property
    def db(self):  # type: ignore[no-untyped-def]
        return self.office.db

    @property
    def contract_id(self) -> int:
        return self.office.contract_id

    def payer(self, no: str, name: str, *, monthly: int = 100_000, item: str = TUITION, day: int = 15,
              first: str = "2026-01") -> Payer:
        return add_payer(self.db, self.contract_id, no, name, monthly=monthly, item=item, day=day, first=first)

    def paid(self, payer: Payer, debit_date: date, *, debited: int | None = None) -> int:
        """Request the payer's charge of `debit_date`, send it and apply the bank's result; the charge id."""
        out = debits.request(self.db, self.office.admin, self.contract_id, debit_date, [payer.agreement_id],
                             now=at(debit_date - timedelta(days=6), 9))
        mark_sent(self.db, list(out.request_ids))
        with self.db.session() as s:
            request_id = out.request_ids[0]
            amount = debited
            if amount is None:
                req = s.get(DebitRequest, request_id)
                assert req is not None
                amount = req.amount
            ledger.apply_debit_outcome(s, request_id, amount, None if debited is None else "0021",
                                       at(debit_date, 20))
        return self.charge(payer, f"{debit_date:%Y-%m}")

    def charge(self, payer: Payer, period: str) -> int:
        with self.db.session() as s:
            found = s.scalar(select(Charge.id).where(Charge.agreement_id == payer.agreement_id,
                                                     Charge.period == period))
            assert found is not None
            return found


@pytest.fixture
def academy(office: Office, clerk: Actor) -> Academy:
    with office.db.session() as s:
        tuition = s.scalar(select(CollectionItem).where(CollectionItem.contract_id == office.contract_id,
                                                        CollectionItem.code == TUITION))
        assert tuition is not None
        tuition.teaching_first_day, tuition.teaching_last_day = 1, 30
        s.add(CollectionItem(contract_id=office.contract_id, code=PIANO, name="피아노", collection_days="5,15,25",
                             teaching_sessions=8))
    return Academy(office, clerk)


from tests.message_boxes import Boxes, boxes  # noqa: E402, F401 - the autouse fixture of the screen tests
