"""미납 means unpaid: one definition (ledger.is_unpaid) behind 미납내역집계, the home screen, the letters.

A month of 해오름수학학원 on a ManualClock with the built-in bank simulator (tests/collection/academy_months.py):
five payers debited on the 25th (moved to Tuesday 26 May). Before the debit date and while the
requests are at the bank nothing is 미납; after the results exactly the failures and the partial
remainder are, and only they get a letter. The figures are computed by hand below.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from app.models import Contract
from app.services.aggregates import outstanding as aggregates_outstanding
from app.services.aggregates.common import GroupBy
from app.services.aggregates.reports import letters
from app.services.collection import cash, ledger, retries
from app.services.collection import requests as debits
from app.services.common.calendar import ManualClock
from app.services.common.periods import Period
from app.services.common.session import Actor
from app.services.exchange.transmissions import load_contract
from app.services.home import today as home
from tests.collection.academy_months import Academy
from tests.collection.helpers import add_payer, at
from tests.factories import Office
from tests.home.helpers import Relay

MAY = Period(date(2026, 5, 1), date(2026, 5, 31))
DEBIT = date(2026, 5, 26)  # the 25th is 대체공휴일 (부처님오신날) in 2026: debited on Tuesday the 26th


@pytest.fixture
def academy(office: Office, clerk: Actor, tmp_path: Path) -> Academy:
    with office.db.session() as s:
        contract = s.get(Contract, office.contract_id)
        assert contract is not None
        contract.partial_debit = True
    clock = ManualClock.at(2026, 4, 27, 9, 0)
    return Academy(office, clerk, clock, Relay(office.db, office.admin, clock, tmp_path / "relay"))


def _unpaid(a: Academy) -> tuple[int, int]:
    """(미납건수, 미납금액) of May as the 미납내역집계 screen shows it today."""
    total = aggregates_outstanding.summarise(a.db, a.clerk, a.cid, MAY, GroupBy.ITEM, today=a.today()).total
    return total.unpaid_count, total.unpaid_amount


def _unpaid_customers(a: Academy) -> list[str]:
    rows = aggregates_outstanding.details(a.db, a.clerk, a.cid, MAY, None, None, today=a.today())
    return [letter.customer_no for letter in letters.letters_for(rows)]


def _home_unpaid(a: Academy) -> int:
    return home.summary(a.db, a.clerk, a.cid, now=a.now()).this_month.unpaid


def test_before_the_debit_date_nothing_is_unpaid_after_it_only_the_failures(academy: Academy, tmp_path: Path) -> None:
    a = academy
    a.sign_up("ok", "poor", "half", "disc")  # registrations go out today, results tomorrow
    a.sign_up("closed", registered_long_ago=True)  # registered in January; the account is closed since

    # Fri 22 May 10:00 — the 25th's list is open; looking made no charge and nothing is 미납.
    a.run_until(date(2026, 5, 22), 10)
    due = a.due(DEBIT)
    assert sorted(due) == ["C01", "C02", "C04", "C05", "C06"] and all(r.charge_id is None for r in due.values())
    assert _unpaid(a) == (0, 0) and _unpaid_customers(a) == [] and _home_unpaid(a) == 0

    # 150,000 + 200,000 + 130,000 + 100,000 + (140,000 − 20,000) = 700,000
    outcome = a.request(DEBIT, ["ok", "poor", "closed", "half", "disc"])
    assert (outcome.count, outcome.total_amount) == (5, 700_000)
    summary = aggregates_outstanding.summarise(a.db, a.clerk, a.cid, MAY, GroupBy.ITEM, today=a.today()).total
    assert (summary.charge_count, summary.owed_amount, summary.unpaid_count, summary.unpaid_amount) == (
        5, 700_000, 0, 0)  # queued: 이체의뢰대기, not 미납

    # 14:00 — the file left at 13:58 (이체의뢰중); Tuesday the 26th, the debit date itself: still no result.
    a.run_until(date(2026, 5, 22), 14)
    assert _unpaid(a) == (0, 0) and _home_unpaid(a) == 0
    a.run_until(DEBIT, 15)
    assert _unpaid(a) == (0, 0) and _unpaid_customers(a) == [] and _home_unpaid(a) == 0
    with a.db.session() as s:
        states = ledger.charge_states(s, load_contract(a.db, a.cid).calendar, a.cid, a.today())
    assert sorted(state.label for state, _left in states.values()) == ["이체의뢰중"] * 5

    # Wed 27 May 12:00 — results: 이바다(C02) 잔액부족 200,000; 정바람(C04) 계좌해지 130,000; 한별(C05) half
    # debited, 50,000 left. 미납 = 3건, 200,000 + 130,000 + 50,000 = 380,000원; the rest is 수납.
    a.run_until(date(2026, 5, 27), 12)
    assert _unpaid(a) == (3, 380_000)
    assert _home_unpaid(a) == 380_000
    assert _unpaid_customers(a) == ["C02", "C04", "C05"]
    assert {k: r.outstanding for k, r in a.cash_rows().items()} == {
        ("C02", "2026-05"): 200_000, ("C04", "2026-05"): 130_000, ("C05", "2026-05"): 50_000}
    written = letters.write_letters(a.db, a.clerk, a.cid, MAY, None, None, tmp_path / "letters.pdf", now=a.now())
    assert written == 3  # a letter only for 미납

    # The same May printed as of the debit date (period to 05-26) says what was known then: nothing.
    as_then = Period(date(2026, 5, 1), DEBIT)
    then = aggregates_outstanding.summarise(a.db, a.clerk, a.cid, as_then, GroupBy.ITEM, today=a.today()).total
    assert (then.unpaid_count, then.unpaid_amount) == (0, 0)

    # Thursday the 28th: 이바다 is retried. While the retry is queued she is not 미납 (2건 180,000원) …
    retry = a.retries()[("C02", "이체의뢰")]
    retries.retry(a.db, a.clerk, a.cid, [retry.request_id], date(2026, 5, 28), now=a.now())
    assert _unpaid(a) == (2, 180_000) and _unpaid_customers(a) == ["C04", "C05"]
    # … and when it fails again (Fri 29 May), she is: 3건 380,000원 again.
    a.run_until(date(2026, 5, 29), 12)
    assert _unpaid(a) == (3, 380_000)
    # 정바람 pays her 130,000 in cash: 수납, no longer 미납 (2건 250,000원).
    cash.receive_cash(a.db, a.clerk, a.cash_rows()[("C04", "2026-05")].charge_id, 130_000, a.today())
    assert _unpaid(a) == (2, 250_000) and _home_unpaid(a) == 250_000


def test_a_charge_never_asked_is_scheduled_until_its_date_then_unpaid(office: Office) -> None:
    """A request withdrawn leaves its charge unasked: 청구예정 up to its debit date, 미납 once the date is gone."""
    d, service = date, debits
    payer = add_payer(office.db, office.contract_id, "1", monthly=30_000, day=15)
    debit_date = d(2026, 4, 15)
    out = service.request(office.db, office.admin, office.contract_id, debit_date, [payer.agreement_id],
                          now=at(d(2026, 4, 10)))
    calendar = load_contract(office.db, office.contract_id).calendar

    def state(day: date) -> str:
        with office.db.session() as s:
            [(st, left)] = ledger.charge_states(s, calendar, office.contract_id, day).values()
        return f"{st.label} {left:,}"

    assert state(d(2026, 4, 10)) == "이체의뢰대기 30,000"
    service.withdraw(office.db, office.admin, out.request_ids[0], now=at(d(2026, 4, 10)))
    assert state(d(2026, 4, 10)) == "청구예정 30,000"
    assert state(debit_date) == "청구예정 30,000"  # the date itself has not passed
    assert state(d(2026, 4, 16)) == "미납 30,000"
    april = Period(d(2026, 4, 1), d(2026, 4, 30))
    at_15 = aggregates_outstanding.summarise(office.db, office.admin, office.contract_id, april, GroupBy.ITEM,
                                             today=debit_date).total
    at_16 = aggregates_outstanding.summarise(office.db, office.admin, office.contract_id, april, GroupBy.ITEM,
                                             today=d(2026, 4, 16)).total
    assert (at_15.unpaid_count, at_15.unpaid_amount, at_16.unpaid_count, at_16.unpaid_amount) == (0, 0, 1, 30_000)
