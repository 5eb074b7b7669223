"""The seeded 집계 dataset on both databases, and the ledger summed in Python as the oracle."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from app.database.engine import Database
from app.models import (
    Charge,
    CollectionItem,
    Customer,
    DebitAgreement,
    DebitRequest,
    LedgerEntry,
    LedgerKind,
    RequestState,
)
from app.services.common.calendar import SEOUL, BusinessCalendar
from tests.aggregates.seed import Seeded, seed
from tests.factories import Office


@dataclass
class Ledger:
    """Every row the aggregates read, loaded whole (the dataset is small) for sums done in Python."""

    entries: list[LedgerEntry]
    charges: dict[int, Charge]
    requests: dict[int, DebitRequest]
    agreements: dict[int, DebitAgreement]
    customers: dict[int, Customer]
    items: dict[int, str]

    def item_of_agreement(self, agreement_id: int) -> str:
        return self.items[self.agreements[agreement_id].item_id]

    def grade_of_agreement(self, agreement_id: int) -> str:
        return self.customers[self.agreements[agreement_id].customer_id].grade or ""

    def outstanding(self, start: date, end: date) -> dict[int, tuple[int, int]]:
        """charge id → (owed, received) as of `end`, for the charges of the period's months."""
        first, last = f"{start:%Y-%m}", f"{end:%Y-%m}"
        sums: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        seen: set[int] = set()
        for e in self.entries:
            charge = self.charges[e.charge_id]
            if not (first <= charge.period <= last) or e.entry_on > end:
                continue
            sign = {LedgerKind.CHARGE: (1, 0), LedgerKind.DISCOUNT: (-1, 0), LedgerKind.DEBIT: (0, 1),
                    LedgerKind.CASH: (0, 1), LedgerKind.REVERSAL: (0, -1)}.get(e.kind)
            if sign is None:
                continue
            seen.add(e.charge_id)
            sums[e.charge_id][0] += sign[0] * e.amount
            sums[e.charge_id][1] += sign[1] * e.amount
        return {cid: (v[0], v[1]) for cid, v in sums.items() if cid in seen}

    def unpaid(self, charge_id: int, left: int, as_of: date, calendar: BusinessCalendar) -> bool:
        """미납 as domain.md words it, computed here without SQL: something left, not queued or in
        flight at the end of `as_of`, and a debit failed (result known by then) or the debit date passed."""
        if left <= 0:
            return False
        end = datetime.combine(as_of + timedelta(days=1), time(0), SEOUL)
        failed = False
        for e in self.entries:
            if e.charge_id != charge_id or e.debit_request_id is None:
                continue
            r = self.requests[e.debit_request_id]
            known = r.result_at is not None and r.result_at < end
            if (e.kind is LedgerKind.REQUEST and e.entry_on <= as_of and not known
                    and (r.state is not RequestState.WAITING or r.debit_date >= as_of)):
                return False  # queued or in flight
            if e.kind is LedgerKind.FAIL and known:
                failed = True
        charge = self.charges[charge_id]
        day = self.agreements[charge.agreement_id].debit_day
        due = calendar.debit_date_for(int(charge.period[:4]), int(charge.period[5:]), day)
        return failed or due < as_of

    def request_money(self) -> dict[int, dict[LedgerKind, int]]:
        out: dict[int, dict[LedgerKind, int]] = defaultdict(lambda: defaultdict(int))
        for e in self.entries:
            if e.debit_request_id is not None:
                out[e.debit_request_id][e.kind] += e.amount
        return out


def load_ledger(db: Database, contract_id: int) -> Ledger:
    with db.session() as s:
        entries = list(s.scalars(select(LedgerEntry).where(LedgerEntry.contract_id == contract_id)))
        charges = {c.id: c for c in s.scalars(select(Charge).where(Charge.contract_id == contract_id))}
        requests = {r.id: r for r in s.scalars(select(DebitRequest).where(DebitRequest.contract_id == contract_id))}
        agreements = {a.id: a for a in s.scalars(select(DebitAgreement))}
        customers = {c.id: c for c in s.scalars(select(Customer).where(Customer.contract_id == contract_id))}
        items = {i.id: i.name for i in s.scalars(select(CollectionItem).where(CollectionItem.contract_id == contract_id))}
    return Ledger(entries, charges, requests, agreements, customers, items)


@pytest.fixture
def seeded(office: Office) -> tuple[Office, Seeded]:
    return office, seed(office)


@pytest.fixture
def ledger(seeded: tuple[Office, Seeded]) -> Ledger:
    office, _ = seeded
    return load_ledger(office.db, office.contract_id)
