"""Two clerks at the same moment: nothing requested twice, nothing received in cash twice, one charge per period.

Threads share nothing but the database: each call opens its own connection (the engine's pool), so on
PostgreSQL these are two real concurrent transactions; on SQLite the write lock serialises them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select

from app.models import Charge, DebitRequest, DebitRequestLine, Payment, PaymentMethod
from app.services.collection import cash, ledger
from app.services.collection import requests as debits
from app.services.common.errors import ConflictError, ServiceError
from tests.collection.helpers import add_payer, at, check_invariants, mark_sent

D = date(2026, 4, 15)
NOW = at(date(2026, 4, 10))


def _race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls at the same moment; each result is its return value or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as error:  # noqa: BLE001 - the test inspects it
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_clerks_request_the_same_charges_at_once(office, clerk) -> None:
    payers = [add_payer(office.db, office.contract_id, str(i), day=15) for i in range(1, 6)]
    ids = [p.agreement_id for p in payers]
    debits.list_due(office.db, office.admin, office.contract_id, D, now=NOW)  # charges exist, as on screen
    results = _race(lambda: debits.request(office.db, office.admin, office.contract_id, D, ids, now=NOW),
                    lambda: debits.request(office.db, clerk, office.contract_id, D, list(reversed(ids)), now=NOW))
    won = [r for r in results if isinstance(r, debits.RequestOutcome)]
    lost = [r for r in results if isinstance(r, ConflictError)]
    assert len(won) == 1 and len(lost) == 1, results
    assert "먼저 이체의뢰" in lost[0].message
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(DebitRequest)) == 5
        assert s.scalar(select(func.count()).select_from(DebitRequestLine)) == 5
    check_invariants(office.db)


def test_two_clerks_opening_the_list_at_once_make_one_charge_each(office, clerk) -> None:
    """Looking creates no charge; two clerks requesting the same payers at once make one charge each."""
    payers = [add_payer(office.db, office.contract_id, str(i), day=15) for i in range(1, 4)]
    results = _race(lambda: debits.list_due(office.db, office.admin, office.contract_id, D, now=NOW),
                    lambda: debits.list_due(office.db, clerk, office.contract_id, D, now=NOW))
    assert all(isinstance(r, debits.DueList) for r in results), results
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Charge)) == 0
    ids = [p.agreement_id for p in payers]
    results = _race(lambda: debits.request(office.db, office.admin, office.contract_id, D, ids, now=NOW),
                    lambda: debits.request(office.db, clerk, office.contract_id, D, ids, now=NOW))
    assert sum(isinstance(r, debits.RequestOutcome) for r in results) == 1, results
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Charge)) == 3
    check_invariants(office.db)


def test_cash_twice_at_once_never_exceeds_the_outstanding(office, clerk) -> None:
    p = add_payer(office.db, office.contract_id, "1", monthly=30_000, day=15)
    out = debits.request(office.db, office.admin, office.contract_id, D, [p.agreement_id], now=NOW)
    mark_sent(office.db)
    with office.db.session() as s:
        ledger.apply_debit_outcome(s, out.request_ids[0], 0, "0021", at(date(2026, 4, 16), 11))
        charge_id = s.scalar(select(Charge.id))
    results = _race(lambda: cash.receive_cash(office.db, office.admin, charge_id, 20_000, date(2026, 4, 17)),
                    lambda: cash.receive_cash(office.db, clerk, charge_id, 20_000, date(2026, 4, 17)))
    assert sum(isinstance(r, cash.CashReceipt) for r in results) == 1, results
    assert any(isinstance(r, ServiceError) and "현금수납 가능금액(10,000원)" in r.message for r in results)
    with office.db.session() as s:
        assert s.scalar(select(func.sum(Payment.amount)).where(Payment.method == PaymentMethod.CASH)) == 20_000
    check_invariants(office.db)


def test_cash_and_a_request_of_the_same_charge_at_once(office) -> None:
    """Either the cash goes in first (the request then asks only the rest) or the request (cash is refused)."""
    p = add_payer(office.db, office.contract_id, "1", monthly=30_000, day=15)
    march = date(2026, 3, 16)
    out = debits.request(office.db, office.admin, office.contract_id, march, [p.agreement_id], now=at(date(2026, 3, 10)))
    mark_sent(office.db)
    with office.db.session() as s:
        ledger.apply_debit_outcome(s, out.request_ids[0], 0, "0021", at(date(2026, 3, 17), 11))
        march_charge = s.scalar(select(Charge.id))
    debits.list_due(office.db, office.admin, office.contract_id, D, now=NOW)
    _race(lambda: cash.receive_cash(office.db, office.admin, march_charge, 30_000, date(2026, 4, 10)),
          lambda: debits.request(office.db, office.admin, office.contract_id, D, [p.agreement_id],
                                 include_outstanding=True, now=NOW))
    outstanding = check_invariants(office.db)
    with office.db.session() as s:
        asked = s.scalar(select(func.coalesce(func.sum(DebitRequestLine.amount), 0)).where(
            DebitRequestLine.charge_id == march_charge, DebitRequestLine.is_open.is_(True)))
    assert asked <= outstanding[march_charge]


@pytest.mark.pg
def test_the_open_line_index_holds_between_two_connections(pg_db) -> None:
    """Below the services: two transactions inserting an open line for one charge; the second is refused."""
    from tests.factories import make_office

    office = make_office(pg_db)
    p = add_payer(pg_db, office.contract_id, "1", day=15)
    # The charge comes into being with a request; withdrawn, it stays with no open line.
    out = debits.request(pg_db, office.admin, office.contract_id, D, [p.agreement_id], now=NOW)
    debits.withdraw(pg_db, office.admin, out.request_ids[0], now=NOW)
    with pg_db.session() as s:
        charge_id = s.scalar(select(Charge.id))
    first = pg_db._factory()  # two sessions = two connections, both open
    second = pg_db._factory()
    try:
        made = []
        for s in (first, second):
            req = DebitRequest(contract_id=office.contract_id, agreement_id=p.agreement_id, debit_date=D, amount=50_000,
                               bank_code="088")
            s.add(req)
            s.flush()
            made.append(req)
        ledger.add_lines(first, [(made[0], [ledger.LineSpec(charge_id, "2026-04", 50_000)], "2026-04")], D, "a")
        blocked = _race(lambda: ledger.add_lines(second, [(made[1], [ledger.LineSpec(charge_id, "2026-04", 50_000)],
                                                           "2026-04")], D, "b"),
                        lambda: first.commit())
        assert isinstance(blocked[0], ConflictError), blocked
        assert isinstance(blocked[0].__cause__.orig, psycopg.errors.UniqueViolation)
    finally:
        second.rollback()
        first.close()
        second.close()
    with pg_db.session() as s:
        assert s.scalar(select(func.count()).select_from(DebitRequestLine).where(DebitRequestLine.is_open)) == 1
