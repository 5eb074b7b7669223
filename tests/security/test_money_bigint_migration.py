"""Migration 0008 makes every money column 64-bit on a database that already holds an office's money.

A 32-bit column (int4 on PostgreSQL) cannot hold 3,000,000,000원; after the upgrade every money
column can, the rows written before are unchanged, and on SQLite — where the type is rewritten in
the schema text, not by copying tables — the file stays whole with its foreign keys intact.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.database import migrate as migrations
from app.database import schema
from app.database.engine import Database

BEFORE = "0007_transmission_lz4"
BIG = 3_000_000_000  # 20,000 payers × 150,000원: over 2^31 − 1
STAMP = datetime(2026, 7, 1, 1, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def old_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database at the revision before 0008, holding one charge with its ledger and request."""
    url = f"sqlite:///{(tmp_path / 'office.db').as_posix()}" if request.param == "sqlite" \
        else request.getfixturevalue("pg_url")
    db = Database.from_url(url)
    cfg = schema.alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, BEFORE)
    _office_with_money(db)
    yield db
    db.dispose()


def _office_with_money(db: Database) -> None:
    rows = [
        ("INSERT INTO institution (id, name, created_at, updated_at) VALUES (1, '해오름수학학원', :at, :at)", {}),
        ("INSERT INTO contract (id, institution_id, institution_code, name, business_no, representative, "
         "settlement_bank_code, settlement_account_no, passbook_text, fee_per_debit, fee_per_registration, debit_days, "
         "registration_cutoff, request_cutoff, result_time, auto_request, auto_request_lead_minutes, "
         "approval_box_enabled, approval_box_labels, year_end_closing, active, version_id, created_at, updated_at) "
         "VALUES (1, 1, '9912345678', '해오름수학학원', '1248100998', '김해오', '088', '110123456789', '해오름학원', "
         "300, 200, '5,15,25', '14:00:00', '14:00:00', '11:00:00', :no, 120, :no, '', :no, :yes, 1, :at, :at)", {}),
        ("INSERT INTO collection_item (id, contract_id, code, name, collection_days, from_catalogue, active, "
         "version_id, created_at, updated_at) VALUES (1, 1, 'A01', '수강료', '5', :no, :yes, 1, :at, :at)", {}),
        ("INSERT INTO customer (id, contract_id, customer_no, name, customer_type, active, version_id, created_at, "
         "updated_at) VALUES (1, 1, 'C0000001', '김하늘', 'PERSON', :yes, 1, :at, :at)", {}),
        ("INSERT INTO debit_agreement (id, customer_id, item_id, debit_limit, monthly_amount, discount_rate, "
         "discount_amount, first_month, debit_day, bank_code, account_no_enc, account_no_hash, account_last4, "
         "holder_name, holder_id, status, version_id, created_at, updated_at) VALUES (1, 1, 1, 200000, 150000, 10, "
         "15000, '2026-07', 5, '088', :blob, 'hash', '0001', '김하늘', '800101', 'ACTIVE', 1, :at, :at)", {}),
        ("INSERT INTO charge (id, contract_id, agreement_id, period, amount, discount, version_id, created_at, "
         "updated_at) VALUES (1, 1, 1, '2026-07', 150000, 15000, 1, :at, :at)", {}),
        ("INSERT INTO debit_request (id, contract_id, agreement_id, kind, state, debit_date, amount, debited_amount, "
         "bank_code, version_id, created_at, updated_at) VALUES (1, 1, 1, 'NORMAL', 'WAITING', :day, 135000, 0, "
         "'088', 1, :at, :at)", {}),
        ("INSERT INTO debit_request_line (id, request_id, charge_id, amount, is_open) VALUES (1, 1, 1, 135000, :yes)",
         {}),
        ("INSERT INTO ledger_entry (id, contract_id, charge_id, kind, amount, entry_on, debit_request_id, "
         "created_at) VALUES (1, 1, 1, 'CHARGE', 150000, :day, NULL, :at), (2, 1, 1, 'DISCOUNT', 15000, :day, "
         "NULL, :at), (3, 1, 1, 'REQUEST', 135000, :day, 1, :at)", {}),
    ]
    common = {"at": STAMP, "yes": True, "no": False, "day": date(2026, 7, 6), "blob": b"sealed"}
    with db.engine.begin() as conn:
        for sql, params in rows:
            conn.execute(text(sql), {**common, **params})


def _money_columns() -> dict[str, tuple[str, ...]]:
    import importlib.util

    from app.resources import migrations_dir

    path = migrations_dir() / "versions" / "0008_money_bigint.py"
    spec = importlib.util.spec_from_file_location("money_bigint", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.MONEY_COLUMNS


def _store_big(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE ledger_entry SET amount = :big WHERE id = 1"), {"big": BIG})
        conn.execute(text("UPDATE charge SET amount = :big WHERE id = 1"), {"big": BIG})
        conn.execute(text("UPDATE debit_agreement SET debit_limit = :big WHERE id = 1"), {"big": BIG})


def test_before_the_upgrade_postgresql_cannot_hold_a_three_billion_won_amount(old_db: Database) -> None:
    """The reproduction: on PostgreSQL the old columns are int4 (SQLite held 64 bits all along)."""
    if old_db.is_sqlite:
        _store_big(old_db)
        return
    with pytest.raises(DBAPIError, match="out of range"):
        _store_big(old_db)


def test_the_upgrade_keeps_the_money_and_makes_room_for_billions(old_db: Database) -> None:
    assert migrations.upgrade(old_db.engine) is True

    with old_db.engine.connect() as conn:
        kept = conn.execute(text("SELECT kind, amount FROM ledger_entry ORDER BY id")).all()
        request = conn.execute(text("SELECT amount, debited_amount FROM debit_request")).one()
        agreement = conn.execute(text("SELECT debit_limit, monthly_amount, discount_amount "
                                      "FROM debit_agreement")).one()
        fees = conn.execute(text("SELECT fee_per_debit, fee_per_registration FROM contract")).one()
    assert [tuple(r) for r in kept] == [("CHARGE", 150_000), ("DISCOUNT", 15_000), ("REQUEST", 135_000)]
    assert tuple(request) == (135_000, 0) and tuple(agreement) == (200_000, 150_000, 15_000)
    assert tuple(fees) == (300, 200)

    _store_big(old_db)
    with old_db.engine.connect() as conn:
        stored = conn.execute(text("SELECT SUM(amount) FROM ledger_entry")).scalar_one()
        charge = conn.execute(text("SELECT amount FROM charge")).scalar_one()
    assert int(stored) == BIG + 15_000 + 135_000 and charge == BIG

    columns = _money_columns()
    with old_db.engine.connect() as conn:
        if old_db.is_sqlite:
            for table, names in columns.items():
                declared = {row[1]: row[2] for row in conn.execute(text(f"PRAGMA table_info({table})"))}
                assert {n: declared[n] for n in names} == {n: "BIGINT" for n in names}, table
            assert conn.execute(text("PRAGMA integrity_check")).scalars().all() == ["ok"]
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
        else:
            found = {(t, c): d for t, c, d in conn.execute(text(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema()"))}
            assert {(t, c): found[(t, c)] for t, names in columns.items() for c in names} == {
                (t, c): "bigint" for t, names in columns.items() for c in names}


def test_the_check_constraints_still_guard_the_money_after_the_upgrade(old_db: Database) -> None:
    """The SQLite schema text was rewritten: its CHECKs must still refuse a negative amount."""
    migrations.upgrade(old_db.engine)
    with pytest.raises(DBAPIError, match=r"(?i)check"), old_db.engine.begin() as conn:
        conn.execute(text("UPDATE ledger_entry SET amount = -1 WHERE id = 1"))
