"""An apartment complex over three months (September–November 2026), on an injected clock.

Four households pay 관리비 (item M01) by automatic debit on the 25th (moved to 28 September by 추석
and to 26 October by a Sunday). Money goes through the real collection services — request, sent, the bank's result
through `ledger.apply_debit_outcome`, cash through `cash.receive_cash` — never straight into the
ledger, so late fees, letters and the close see what the program really records.

The story (`three_months`), each household's 관리비 and what the bank did:

| household | 관리비 | 2026-09-28 | 2026-10-26 | 2026-11-25 |
|---|---|---|---|---|
| 101동 1001호 김하늘 | 250,000 | debited | debited | debited |
| 101동 1002호 이바다 | 180,000 | failed (0021) | failed (0021) | debited |
| 102동 2001호 박산들 | 320,000 | debited | failed (0021), cash 2026-11-03 | debited |
| 102동 2002호 최들녘 | 210,000 | failed (0021) | partial 100,000 | failed (0021) |
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app.models import Charge, CollectionItem, Contract, DebitRequest
from app.services.collection import cash, ledger
from app.services.collection import requests as debits
from app.services.common.calendar import seoul_datetime
from app.services.common.session import Actor
from tests.collection.helpers import add_payer, mark_sent
from tests.factories import Office, Payer

ITEM = "M01"
SEPTEMBER, OCTOBER, NOVEMBER = date(2026, 9, 28), date(2026, 10, 26), date(2026, 11, 25)
DEBIT_DATES = (SEPTEMBER, OCTOBER, NOVEMBER)
NO_MONEY = "0021"

FULL = -1  # an outcome: the bank took the whole request
FAILED = 0  # an outcome: the bank took nothing (0021)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return seoul_datetime(day, time(hour, minute))


@dataclass
class Complex:
    office: Office
    clerk: Actor
    households: dict[str, Payer] = field(default_factory=dict)

    @property
    def db(self):  # type: ignore[no-untyped-def]
        return self.office.db

    @property
    def contract_id(self) -> int:
        return self.office.contract_id

    @property
    def admin(self) -> Actor:
        return self.office.admin

    def household(self, no: str, name: str, monthly: int) -> Payer:
        payer = add_payer(self.db, self.contract_id, no, name, monthly=monthly, item=ITEM, day=25, first="2026-09")
        self.households[no] = payer
        return payer

    def debit(self, debit_date: date, outcomes: dict[str, int]) -> dict[str, int]:
        """Request every household's charge of `debit_date`, send, and apply `outcomes` (customer no →
        FULL, FAILED or the won debited); the request id of each household."""
        ids = [self.households[no].agreement_id for no in outcomes]
        out = debits.request(self.db, self.admin, self.contract_id, debit_date, ids,
                             now=at(debit_date - timedelta(days=6), 9))
        mark_sent(self.db, list(out.request_ids))
        by_agreement: dict[int, int] = {}
        with self.db.session() as s:
            for request in s.scalars(select(DebitRequest).where(DebitRequest.id.in_(out.request_ids))):
                by_agreement[request.agreement_id] = request.id
        result: dict[str, int] = {}
        for no, outcome in outcomes.items():
            request_id = by_agreement[self.households[no].agreement_id]
            with self.db.session() as s:
                request = s.get(DebitRequest, request_id)
                assert request is not None
                taken = request.amount if outcome == FULL else outcome
                reason = None if taken == request.amount else NO_MONEY
                ledger.apply_debit_outcome(s, request_id, taken, reason, at(debit_date + timedelta(days=1), 11))
            result[no] = request_id
        return result

    def pay_cash(self, no: str, period: str, amount: int, on: date, *, today: date | None = None) -> int:
        """Cash for the household's charge of `period`, received `on`; the payment id."""
        receipt = cash.receive_cash(self.db, self.admin, self.charge(no, period), amount, on, today=today or on)
        return receipt.payment_id

    def charge(self, no: str, period: str) -> int:
        with self.db.session() as s:
            found = s.scalar(select(Charge.id).where(Charge.agreement_id == self.households[no].agreement_id,
                                                     Charge.period == period))
            assert found is not None, f"no charge of {no} for {period}"
            return found


def make_complex(office: Office, clerk: Actor) -> Complex:
    """The complex with its four households, before any month is billed."""
    with office.db.session() as s:
        contract = s.get(Contract, office.contract_id)
        assert contract is not None
        contract.name = "푸른숲아파트 관리사무소"
        s.add(CollectionItem(contract_id=office.contract_id, code=ITEM, name="관리비", collection_days="25"))
    place = Complex(office, clerk)
    place.household("1011001", "김하늘", 250_000)
    place.household("1011002", "이바다", 180_000)
    place.household("1022001", "박산들", 320_000)
    place.household("1022002", "최들녘", 210_000)
    return place


def three_months(place: Complex) -> Complex:
    """September to November as the module docstring's table tells it."""
    place.debit(SEPTEMBER, {"1011001": FULL, "1011002": FAILED, "1022001": FULL, "1022002": FAILED})
    place.debit(OCTOBER, {"1011001": FULL, "1011002": FAILED, "1022001": FAILED, "1022002": 100_000})
    place.pay_cash("1022001", "2026-10", 320_000, date(2026, 11, 3))
    place.debit(NOVEMBER, {"1011001": FULL, "1011002": FULL, "1022001": FULL, "1022002": FAILED})
    return place
