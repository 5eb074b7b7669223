"""A million-request database for the 집계 benchmark, written with sqlite3 executemany / PostgreSQL COPY.

Deterministic (no randomness: outcomes come from a hash of agreement and month) and consistent with
the ledger's semantics: one charge per agreement and month, one request and line per charge, the
CHARGE/DISCOUNT/REQUEST entries, and DEBIT/FAIL entries by outcome; withdrawn requests keep no
entries. The last month has requests still waiting or sent, so 정산내역현황 has something to flag.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

MONTHS = 25
FIRST_MONTH = date(2024, 11, 1)
GRADES = ("초등", "중등", "고등", "성인", "특별", None)
BANKS = ("004", "088", "020", "011", "081", "003", "045", "090")
STAMP = datetime(2026, 11, 27, 1, 0)
BATCH = 50_000


@dataclass
class BulkOffice:
    db: Any
    admin: Any
    contract_id: int
    institution_id: int
    generated: bool


def open_database(kind: str, requests: int) -> BulkOffice:
    """The cached benchmark database (migrated to head), with its office; `generated` says if rows are in."""
    from app.database import migrate as migrations
    from app.database.engine import Database
    from app.models import Contract, DebitRequest, Role, User
    from app.services.common.passwords import use_fast_hashing_for_tests
    from app.services.common.session import Actor
    from tests.factories import make_office

    use_fast_hashing_for_tests()
    if kind == "sqlite":
        url = f"sqlite:////tmp/kscms_bench_agg_{requests}.db"
    else:
        import psycopg

        base = os.environ.get("KSCMS_TEST_PG_URL", "postgresql://root@127.0.0.1:5432/test")
        schema = f"bench_agg_{requests}"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        url = f"{base}?options=-csearch_path%3D{schema}"
    db = Database.from_url(url)
    migrations.upgrade(db.engine)
    with db.session() as s:
        contract = s.query(Contract).first()
        user = s.query(User).first()
        if contract is not None and user is not None:
            generated = s.query(DebitRequest.id).limit(1).first() is not None
            actor = Actor(user.id, contract.institution_id, user.login_id, user.name, Role.ADMIN)
            return BulkOffice(db, actor, contract.id, contract.institution_id, generated)
    office = make_office(db, institution_code=uuid.uuid4().hex[:10])
    return BulkOffice(db, office.admin, office.contract_id, office.institution_id, False)


def _month(i: int) -> date:
    index = FIRST_MONTH.year * 12 + FIRST_MONTH.month - 1 + i
    return date(index // 12, index % 12 + 1, 1)


def _outcome(agreement: int, month: int, last: bool) -> str:
    h = (agreement * 7919 + month * 104729) % 1000
    if last and h >= 900:
        return ("WAITING", "SENT", "WITHDRAWN")[h % 3]
    if h < 900:
        return "DONE"
    if h < 950:
        return "FAILED"
    if h < 975:
        return "PARTIAL"
    return "DONE"


def _rows(contract_id: int, items: list[int], requests: int) -> dict[str, Iterator[tuple[Any, ...]]]:
    agreements = max(1, requests // MONTHS)
    customers = agreements * 4 // 5

    def customer_rows() -> Iterator[tuple[Any, ...]]:
        for c in range(1, customers + 1):
            yield (c, contract_id, f"N{c:07d}", f"고객{c:07d}", "PERSON", GRADES[c % len(GRADES)], True, 1)

    def agreement_rows() -> Iterator[tuple[Any, ...]]:
        for a in range(1, agreements + 1):
            item = items[0] if a <= customers else items[1 + a % 2]
            customer = (a - 1) % customers + 1
            monthly = 100_000 + (a % 50) * 1000
            discount = monthly // 10 if a % 10 == 0 else 0
            yield (a, customer, item, 1_000_000, monthly, 10 if discount else 0, discount, "2024-11", 5 if a % 3 else 25,
                   BANKS[a % len(BANKS)], b"sealed", f"hash{a}", f"{a % 10000:04d}", "예금주", "700101", "ACTIVE", 1)

    def money_rows() -> Iterator[tuple[str, tuple[Any, ...]]]:
        entry = 0
        for m in range(MONTHS):
            first = _month(m)
            period = f"{first:%Y-%m}"
            for a in range(1, agreements + 1):
                n = m * agreements + a
                monthly = 100_000 + (a % 50) * 1000
                discount = monthly // 10 if a % 10 == 0 else 0
                owed = monthly - discount
                day = first.replace(day=5 if a % 3 else 25)
                state = _outcome(a, m, m == MONTHS - 1)
                debited = {"DONE": owed, "PARTIAL": owed // 2}.get(state, 0)
                reason = {"FAILED": "0021" if a % 2 else "0031", "PARTIAL": "0021"}.get(state)
                yield "charge", (n, contract_id, a, period, monthly, discount, 1)
                yield "debit_request", (n, contract_id, a, "NORMAL", state, day, owed, debited,
                                        BANKS[a % len(BANKS)], reason, 1)
                yield "debit_request_line", (n, n, n, owed, state in ("WAITING", "SENT"))
                entries = [("CHARGE", monthly, first, None), ("DISCOUNT", discount, first, None)]
                if state != "WITHDRAWN":
                    entries.append(("REQUEST", owed, first, n))
                if state in ("DONE", "PARTIAL", "FAILED"):
                    entries += [("DEBIT", debited, day, n), ("FAIL", owed - debited, day, n)]
                for kind, amount, on, request in entries:
                    if amount:
                        entry += 1
                        yield "ledger_entry", (entry, contract_id, n, kind, amount, on, request, STAMP)

    def registration_rows() -> Iterator[tuple[Any, ...]]:
        for a in range(1, agreements + 1):
            yield (contract_id, a, "NEW", "DONE", BANKS[a % len(BANKS)], b"sealed", f"{a % 10000:04d}", "700101",
                   date(2024, 10, 1 + a % 28), STAMP, STAMP)
            if a % 7 == 0:
                state = ("WAITING", "SENT", "DONE", "FAILED", "WITHDRAWN")[a % 5]
                yield (contract_id, a, "NEW", state, BANKS[(a + 1) % len(BANKS)], b"sealed", f"{a % 10000:04d}",
                       "700101", date(2026, 11, 1 + a % 26), STAMP, STAMP)

    return {"customer": customer_rows(), "debit_agreement": agreement_rows(), "money": money_rows(),
            "account_registration": registration_rows()}


COLUMNS = {
    "customer": "id, contract_id, customer_no, name, customer_type, grade, active, version_id",
    "debit_agreement": "id, customer_id, item_id, debit_limit, monthly_amount, discount_rate, discount_amount, "
                       "first_month, debit_day, bank_code, account_no_enc, account_no_hash, account_last4, "
                       "holder_name, holder_id, status, version_id",
    "charge": "id, contract_id, agreement_id, period, amount, discount, version_id",
    "debit_request": "id, contract_id, agreement_id, kind, state, debit_date, amount, debited_amount, bank_code, "
                     "reason_code, version_id",
    "debit_request_line": "id, request_id, charge_id, amount, is_open",
    "ledger_entry": "id, contract_id, charge_id, kind, amount, entry_on, debit_request_id, created_at",
    "account_registration": "contract_id, agreement_id, kind, state, bank_code, account_no_enc, account_last4, "
                            "holder_id, requested_on, created_at, updated_at",
}


ORDER = ("customer", "debit_agreement", "charge", "debit_request", "debit_request_line", "ledger_entry",
         "account_registration")


class _Loader:
    """Buffers rows per table and writes them in batches: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, raw: Any, sqlite: bool) -> None:
        self.raw, self.sqlite = raw, sqlite
        self.buffers: dict[str, list[tuple[Any, ...]]] = {}
        self.counts: dict[str, int] = {}

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        buffer = self.buffers.setdefault(table, [])
        buffer.append(row)
        if len(buffer) >= BATCH:
            for name in ORDER:  # parents first, or the foreign keys refuse the children
                self.flush(name)

    def flush(self, table: str) -> None:
        rows = self.buffers.get(table) or []
        if not rows:
            return
        columns = COLUMNS[table]
        cursor = self.raw.cursor()
        if self.sqlite:
            marks = ", ".join("?" * len(columns.split(",")))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
        else:
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        cursor.close()
        self.counts[table] = self.counts.get(table, 0) + len(rows)
        self.buffers[table] = []

    def load(self, table: str, rows: Iterable[tuple[Any, ...]]) -> None:
        for row in rows:
            self.add(table, row)
        self.flush(table)


def generate(office: BulkOffice, requests: int) -> dict[str, int]:
    """Write the rows (into an empty database) and ANALYZE; returns rows written per table."""
    from app.models import CollectionItem

    with office.db.session() as s:
        items = [i.id for i in s.query(CollectionItem).filter_by(contract_id=office.contract_id).order_by("id")]
    rows = _rows(office.contract_id, items, requests)
    raw = office.db.engine.raw_connection()
    try:
        loader = _Loader(raw, office.db.is_sqlite)
        loader.load("customer", rows["customer"])
        loader.load("debit_agreement", rows["debit_agreement"])
        for table, row in rows["money"]:
            loader.add(table, row)
        for table in ("charge", "debit_request", "debit_request_line", "ledger_entry"):
            loader.flush(table)
        loader.load("account_registration", rows["account_registration"])
        raw.commit()
    finally:
        raw.close()
    with office.db.engine.begin() as conn:
        if not office.db.is_sqlite:
            for table in ("customer", "debit_agreement", "charge", "debit_request", "ledger_entry", "account_registration"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        conn.execute(text("ANALYZE"))
    return loader.counts


def database_file(requests: int) -> Path:
    return Path(f"/tmp/kscms_bench_agg_{requests}.db")
