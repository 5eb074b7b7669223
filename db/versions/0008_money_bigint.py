"""money columns and sums are 64-bit

Revision ID: 0008_money_bigint
Revises: 0007_transmission_lz4
Create Date: 2026-12-04

An office of 20,000 payers at 150,000원 asks 3,000,000,000원 on one debit date, more than a 32-bit
column holds (2,147,483,647): on PostgreSQL `Integer` is int4, so the file's total could not be
stored and the day was never sent. Every column that holds won becomes BIGINT; counts stay
INTEGER, as the bank files cap them at 8 digits (cms-file-format.md §1.2).

PostgreSQL: one ALTER TABLE per table (all its columns at once, so each table is rewritten once).

SQLite stores every INTEGER-affinity column as a 64-bit integer already; only the declared type in
the schema text differs, and the autogenerate comparison (tests/db/test_migrations.py) reads it.
A batch "copy and move" would rewrite the ledger and fail on DROP TABLE once child rows exist
(foreign keys are on and RESTRICT). INTEGER and BIGINT have the same affinity, so the stored rows
are unchanged by renaming the type; the declared type is rewritten in place, the way SQLite's
documentation describes for schema changes that do not touch the stored format
(https://www.sqlite.org/lang_altertable.html, "Making Other Kinds Of Table Schema Changes").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from alembic import op

revision: str = "0008_money_bigint"
down_revision: str | None = "0007_transmission_lz4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "contract": ("fee_per_debit", "fee_per_registration"),
    "debit_agreement": ("debit_limit", "monthly_amount", "discount_amount"),
    "charge": ("amount", "discount"),
    "debit_request": ("amount", "debited_amount"),
    "debit_request_line": ("amount",),
    "payment": ("amount",),
    "ledger_entry": ("amount",),
    "discount_change": ("old_amount", "new_amount", "monthly_amount"),
    "auto_request_run": ("total_amount",),
    "transmission": ("total_amount",),
}
"""Every column that holds won, by table."""


def upgrade() -> None:
    _retype("INTEGER", "BIGINT")


def downgrade() -> None:
    """Back to 32 bits; PostgreSQL refuses ("integer out of range") if a stored amount no longer fits."""
    _retype("BIGINT", "INTEGER")


def _retype(old: str, new: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, columns in MONEY_COLUMNS.items():
            changes = ", ".join(f"ALTER COLUMN {column} TYPE {new}" for column in columns)
            op.execute(f"ALTER TABLE {table} {changes}")
        return
    _sqlite_declared_types(old, new)


def _sqlite_declared_types(old: str, new: str) -> None:
    """Rewrite the declared type of the money columns in sqlite_master (same affinity, same rows)."""
    conn = op.get_bind()
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar_one()
    conn.exec_driver_sql("PRAGMA writable_schema=ON")
    try:
        for table, columns in MONEY_COLUMNS.items():
            sql = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).scalar_one()
            for column in columns:
                pattern = re.compile(rf'^(\s*"?{column}"?\s+){old}\b', re.MULTILINE)
                sql, found = pattern.subn(rf"\g<1>{new}", sql)
                if found != 1:
                    raise RuntimeError(f"{table}.{column}: declared type {old} not found in the schema")
            conn.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql, table))
        conn.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    finally:
        conn.exec_driver_sql("PRAGMA writable_schema=OFF")
    problems = conn.exec_driver_sql("PRAGMA quick_check").scalars().all()
    if problems != ["ok"]:
        raise RuntimeError(f"the database failed its check after the type change: {problems[:5]}")
