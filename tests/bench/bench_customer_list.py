"""고객관리 list over 100,000 customers: opening, searching, sorting, filtering (prints figures).

Run:  .venv/bin/python tests/bench/bench_customer_list.py [--customers 100000] [--pg] [--export]

Not a timed test: it prints medians so a change can be compared with the figures in the issue.
The target is the first page on screen within 0.3 s of opening the screen and a search by name or
by account number answered within 0.3 s. Rows go in through SQLAlchemy Core executemany with the
account numbers encrypted and blind-indexed exactly as the application stores them. `--pg` runs
the same on the PostgreSQL test server (KSCMS_TEST_PG_URL or 127.0.0.1:5432) in a scratch schema.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SURNAMES = "김이박최정강조윤장임한오서신권황안송류전홍"
GIVEN = "민서지하도예시주수현준은윤채유다건우승연태성재가세아소영진혜"
BANKS = ("004", "088", "020", "081", "011", "003", "090")


def _median(call: Callable[[], object], rounds: int = 7) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def fill(db, office, key, count: int) -> dict[str, str]:
    """`count` customers, 1–2 agreements each, each with its registration; returns sample search terms."""
    from sqlalchemy import insert, select, text

    from app.models import AccountRegistration, CollectionItem, Customer, DebitAgreement

    rng = random.Random(7)
    with db.session() as s:
        items = [i for i, in s.execute(select(CollectionItem.id).where(CollectionItem.contract_id == office.contract_id)
                                       .order_by(CollectionItem.code))]
    started = time.perf_counter()
    names = [rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN) for _ in range(count)]
    customers = [{
        "contract_id": office.contract_id, "customer_no": f"2024{n:06d}", "name": names[n - 1],
        "customer_type": "PERSON", "grade": f"초등{n % 6 + 1}", "mobile": f"010-{rng.randint(2000, 9999)}-{n % 10000:04d}",
        "joined_on": date(2024, 1, 1) + timedelta(days=n % 700), "active": True, "version_id": 1,
    } for n in range(1, count + 1)]
    with db.session() as s:
        for start in range(0, count, 20_000):
            s.execute(insert(Customer), customers[start:start + 20_000])
        ids = [i for i, in s.execute(select(Customer.id).where(Customer.contract_id == office.contract_id)
                                     .order_by(Customer.id))]
    agreements, accounts = [], []
    for n, customer_id in enumerate(ids, start=1):
        for item in items[: 1 + (n % 3 == 0)]:
            account = f"{rng.randint(10**11, 10**12 - 1)}"
            accounts.append(account)
            agreements.append({
                "customer_id": customer_id, "item_id": item, "debit_limit": 500_000, "monthly_amount": 300_000,
                "discount_rate": 0, "discount_amount": 0, "first_month": "2025-03", "debit_day": 25,
                "bank_code": BANKS[n % len(BANKS)], "account_no_enc": key.encrypt(account, "account_no"),
                "account_no_hash": key.blind_index(account, "account_no"), "account_last4": account[-4:],
                "holder_name": names[n - 1], "holder_id": "800101", "status": "ACTIVE", "version_id": 1,
            })
    with db.session() as s:
        for start in range(0, len(agreements), 20_000):
            s.execute(insert(DebitAgreement), agreements[start:start + 20_000])
        rows = s.execute(select(DebitAgreement.id, DebitAgreement.bank_code, DebitAgreement.account_no_enc,
                                DebitAgreement.account_last4).order_by(DebitAgreement.id)).all()
        registrations = [{
            "contract_id": office.contract_id, "agreement_id": a_id, "kind": "NEW",
            "state": "FAILED" if a_id % 97 == 0 else "DONE", "bank_code": bank, "account_no_enc": enc,
            "account_last4": last4, "holder_id": "800101", "requested_on": date(2025, 2, 20),
            "reason_code": "0014" if a_id % 97 == 0 else None,
        } for a_id, bank, enc, last4 in rows]
        for start in range(0, len(registrations), 20_000):
            s.execute(insert(AccountRegistration), registrations[start:start + 20_000])
        s.execute(text("ANALYZE"))
    print(f"  inserted {count:,} customers, {len(agreements):,} agreements and registrations "
          f"in {time.perf_counter() - started:.1f} s (encryption included)")
    middle = count // 2
    return {"name": names[middle], "account": accounts[len(accounts) // 2], "number": f"2024{middle:06d}"}


def run(db, label: str, count: int, export: bool) -> None:
    from dataclasses import replace

    from PySide6.QtWidgets import QApplication

    from app.models import RegistrationState
    from app.services.common.crypto import DataKey
    from app.services.customers import exports
    from app.services.customers.records import CustomerQuery
    from app.views.common.context import AppContext
    from app.views.customers.customers_view import CustomersPage
    from tests.factories import make_office

    print(f"[{label}]")
    office = make_office(db)
    key = DataKey.generate()
    terms = fill(db, office, key, count)
    app = QApplication.instance() or QApplication([])
    ctx = AppContext(db, office.admin, office.contract_id, key)

    def open_screen() -> CustomersPage:
        page = CustomersPage(ctx)
        page.resize(1280, 720)
        page.show()
        app.processEvents()
        page.table.viewport().grab()  # painted, with its first page of rows
        return page

    page = open_screen()
    assert page.model.rowCount() == 200 and page.model.total == count, (page.model.rowCount(), page.model.total)
    def open_and_close() -> None:
        opened = open_screen()
        opened.close()
        opened.deleteLater()

    figures = {"open screen → first page painted": _median(open_and_close)}
    model = page.model

    def query(**changes: object) -> Callable[[], None]:
        return lambda: model.set_query(replace(CustomerQuery(), **changes))  # type: ignore[arg-type]

    figures[f"search name '{terms['name']}'"] = _median(query(search=terms["name"]))
    figures[f"  → {model.total} found"] = 0.0
    figures[f"search name part '{terms['name'][1:]}'"] = _median(query(search=terms["name"][1:]))
    figures["search account (blind index)"] = _median(query(search=terms["account"]))
    assert model.total >= 1
    figures["search customer number"] = _median(query(search=terms["number"]))
    figures["search mobile last 4 '1234'"] = _median(query(search="1234"))
    figures["sort by name (desc)"] = _median(query(sort="name", descending=True))
    figures["filter 계좌신청미완료"] = _median(query(registration_state=RegistrationState.FAILED))
    figures["filter grade 초등3"] = _median(query(grade="초등3"))
    model.set_query(CustomerQuery(sort="name"))

    def deep_page() -> None:
        model._fetch(model.query, count // 2, 200)  # what scrolling halfway asks for
    figures["page at row 50% (scrolled)"] = _median(deep_page)
    page.close()
    page.deleteLater()
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # widgets go before the interpreter does
    for name, seconds in figures.items():
        print(f"  {name:<44} {seconds * 1000:8.1f} ms" if seconds else f"  {name}")
    if export:
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            result = exports.export_customers(db, office.admin, office.contract_id, Path(folder) / "all.xlsx")
            print(f"  export {result.rows:,} rows to .xlsx (masked)          {time.perf_counter() - started:8.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--pg", action="store_true", help="also on PostgreSQL")
    parser.add_argument("--export", action="store_true", help="also time the .xlsx export of all rows")
    args = parser.parse_args()

    import keyring

    from app.database import migrate as migrations
    from app.database.engine import Database
    from app.services.common.crypto import MemoryKeyring
    from app.services.common.passwords import use_fast_hashing_for_tests

    keyring.set_keyring(MemoryKeyring())
    use_fast_hashing_for_tests()
    with tempfile.TemporaryDirectory() as folder:
        db = Database.from_url(f"sqlite:///{Path(folder, 'bench.db').as_posix()}")
        migrations.upgrade(db.engine)
        run(db, "SQLite", args.customers, args.export)
        db.dispose()
    if args.pg:
        import psycopg

        base = os.environ.get("KSCMS_TEST_PG_URL", "postgresql://root@127.0.0.1:5432/test")
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        try:
            db = Database.from_url(f"{base}?options=-csearch_path%3D{schema}")
            migrations.upgrade(db.engine)
            run(db, "PostgreSQL", args.customers, args.export)
            db.dispose()
        finally:
            with psycopg.connect(base, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main()
    # Two runs' worth of Qt objects trip a refcount bug in PySide6's interpreter-shutdown garbage
    # collection ("bool_dealloc"); the figures are printed, so leave without that teardown.
    sys.stdout.flush()
    os._exit(0)
