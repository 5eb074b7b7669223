"""Benchmark of building an EB21 from the database and applying an EB22, 100,000 records each.

A plain script, not a test: ``/work/main/.venv/bin/python tests/bench/bench_sending.py [--count N]``.
Runs on SQLite (a file) and on PostgreSQL (KSCMS_TEST_PG_URL or 127.0.0.1:5432, a fresh schema
dropped afterwards; skipped with a note when the server does not answer). Prints, per database:

- the codec alone encoding the same 100,000 records (best of 3) — the yardstick;
- building the EB21 from the database to stored bytes (select, decrypt, take the rows, encode,
  store; best of 3) and its ratio to the codec — target ≤ 3× and < 10 s;
- decoding and applying an EB22 of 100,000 records (every debit failed: 100,000 request updates and
  FAIL ledger rows) in one transaction — target < 15 s; and, for scale, an EB22 of 10,000 failures
  out of 100,000 requests (90,000 payments and DEBIT ledger rows).

Amounts are 10,000–29,900원, about 2 billion won per file; money columns are BIGINT since migration 0008
(tests/security/test_large_debit_day.py sends a 3,000,000,000원 day end to end).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import delete, text, update

from app.database import migrate as migrations
from app.database.engine import Database
from app.models import (
    DebitRequest,
    DebitRequestLine,
    LedgerEntry,
    Payment,
    Transmission,
)
from app.services.common.calendar import SEOUL
from app.services.common.crypto import DataKey
from app.services.common.passwords import use_fast_hashing_for_tests
from app.services.exchange import (
    building,
    receiving,
    sending,
)
from app.services.exchange.cms import (
    DebitHeader,
    branch_code,
    decode_eb21,
    encode_eb21,
    encode_eb22,
)
from app.services.exchange.transmissions import load_contract, open_content
from tests.factories import make_office
from tests.transmissions.fakes import FakeRelay
from tests.transmissions.helpers import add_payers, queue_requests

DEBIT = date(2026, 3, 16)
NAME = "EB210316_2026"
RESULT = "EB220316_2026"
NOW = datetime(2026, 3, 13, 13, 58, tzinfo=SEOUL)
BANKS = ("004", "088", "020", "081", "011")


def best(label: str, rounds: int, fn: Callable[[], Any], reset: Callable[[], None] | None = None) -> tuple[float, Any]:
    times, value = [], None
    for i in range(rounds):
        if reset is not None and i:
            reset()
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    print(f"  {label:<52} {min(times):7.2f} s   (rounds: {', '.join(f'{t:.2f}' for t in times)})", flush=True)
    return min(times), value


def setup(db: Database, count: int) -> tuple[Any, DataKey]:
    start = time.perf_counter()
    migrations.upgrade(db.engine)
    office = make_office(db)
    key = DataKey.generate()
    accounts = [f"{1000000000 + i * 7919:014d}" for i in range(count)]
    payers = add_payers(db, office.contract_id, key, accounts, bank=[BANKS[i % 5] for i in range(count)])
    queue_requests(db, office.contract_id, payers, DEBIT, amount=[10_000 + (i % 200) * 100 for i in range(count)])
    with db.engine.begin() as conn:  # what autovacuum does within a minute; requests are queued hours before the cut-off
        conn.execute(text("ANALYZE"))
    print(f"  {'setup: ' + f'{count:,} payers, agreements, charges, requests, lines':<52} "
          f"{time.perf_counter() - start:7.2f} s", flush=True)
    return office, key


def release(db: Database) -> None:
    with db.session() as s:
        s.execute(update(DebitRequest).values(transmission_id=None, seq_no=None))
        s.execute(delete(Transmission))


def reset_results(db: Database) -> None:
    with db.session() as s:
        s.execute(delete(LedgerEntry))
        s.execute(delete(Payment))
        s.execute(update(DebitRequest).values(state="SENT", debited_amount=0, reason_code=None, result_at=None))
        s.execute(update(DebitRequestLine).values(is_open=True))
        s.execute(delete(Transmission).where(Transmission.direction == "RECEIVE"))
        s.execute(update(Transmission).values(state="SENT", received_at=None, applied_at=None))


def run(label: str, db: Database, count: int) -> None:
    print(f"{label}: {count:,} records", flush=True)
    office, key = setup(db, count)
    contract = load_contract(db, office.contract_id)

    def build() -> building.BuiltFile:
        built = building.build_request_file(db, contract, DEBIT, key, now=NOW)
        assert isinstance(built, building.BuiltFile) and built.record_count == count
        return built

    built_time, built = best("build EB21 from the database (to stored bytes)", 3, build, lambda: release(db))
    with db.session() as s:
        stored = s.get(Transmission, built.transmission_id)
        content = open_content(stored.content, stored.content_sealed, key)  # stored sealed (issue 13)
    request = decode_eb21(content, NAME)
    header = DebitHeader(contract.institution_code, DEBIT, branch_code(contract.settlement_bank_code),
                         contract.settlement_account_no)
    records = list(request.records)
    codec_time, encoded = best("codec alone: encode_eb21 of the same records", 3, lambda: encode_eb21(header, records))
    assert encoded == content
    ratio = built_time / codec_time
    print(f"  {'=> build / codec':<52} {ratio:7.2f} ×   (target ≤ 3×: {'ok' if ratio <= 3 else 'MISSED'}; "
          f"build < 10 s: {'ok' if built_time < 10 else 'MISSED'})", flush=True)

    assert sending.upload_transmission(db, FakeRelay(), built.transmission_id, key=key, now=lambda: NOW,
                                      delays=()).sent
    all_failed = encode_eb22(request.header, [dataclasses.replace(r, result_flag="N", reason_code="0021")
                                              for r in records])

    def apply(data: bytes) -> Callable[[], receiving.ApplyOutcome]:
        def go() -> receiving.ApplyOutcome:
            outcome = receiving.apply_result(db, contract, RESULT, data, now=NOW, key=key)
            assert outcome.status == receiving.ApplyStatus.APPLIED, outcome.message
            return outcome
        return go

    apply_time, _ = best("decode + apply EB22 of 100% failures (one transaction)", 2, apply(all_failed),
                         lambda: reset_results(db))
    print(f"  {'=> apply':<52} {apply_time:7.2f} s   (target < 15 s: {'ok' if apply_time < 15 else 'MISSED'})",
          flush=True)
    reset_results(db)
    tenth = encode_eb22(request.header, [dataclasses.replace(r, result_flag="N", reason_code="0021")
                                         for r in records[::10]])
    best("decode + apply EB22, 10% failed (90% paid: payments)", 1, apply(tenth))


def pg_schema_url() -> tuple[str, Callable[[], None]] | None:
    import psycopg

    base = os.environ.get("KSCMS_TEST_PG_URL", "postgresql://root@127.0.0.1:5432/test")
    plain = base.replace("postgresql+psycopg", "postgresql")
    try:
        with psycopg.connect(plain, connect_timeout=5, autocommit=True) as conn:
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            conn.execute(f"CREATE SCHEMA {schema}")
    except Exception as error:  # noqa: BLE001 - no server: say so and go on with SQLite
        print(f"PostgreSQL: skipped ({error})")
        return None

    def drop() -> None:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")

    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--only", choices=["sqlite", "pg"])
    args = parser.parse_args()
    use_fast_hashing_for_tests()  # the office's administrator password: not what is measured
    print(f"Sending and receiving benchmark, Python {sys.version.split()[0]}")
    if args.only != "pg":
        with tempfile.TemporaryDirectory() as folder:
            db = Database.from_url(f"sqlite:///{Path(folder) / 'bench.db'}")
            try:
                run("SQLite", db, args.count)
            finally:
                db.dispose()
    if args.only != "sqlite":
        found = pg_schema_url()
        if found:
            url, drop = found
            db = Database.from_url(url)
            try:
                with db.engine.connect() as conn:
                    version = conn.execute(text("SHOW server_version")).scalar()
                run(f"PostgreSQL {version}", db, args.count)
            finally:
                db.dispose()
                drop()


if __name__ == "__main__":
    main()
