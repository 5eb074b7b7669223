"""transmission.content: lz4 instead of pglz on PostgreSQL

Revision ID: 0007_transmission_lz4
Revises: 0006_partial_debit
Create Date: 2026-11-27

A request file of 100,000 records is 15 MB of fixed-width text. Stored with PostgreSQL's default
pglz it took 0.12 s to compress inside the build's transaction, with lz4 0.035 s, for about the same
size (2.1 MB and 2.4 MB). Servers built without lz4 keep pglz: the change is skipped, not an error.
Only files stored from now on are compressed with lz4; the old ones read as before. SQLite stores
the bytes as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007_transmission_lz4"
down_revision: str | None = "0006_partial_debit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _compression(method: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "DO $$ BEGIN "
        f"ALTER TABLE transmission ALTER COLUMN content SET COMPRESSION {method}; "
        "EXCEPTION WHEN feature_not_supported THEN RAISE NOTICE 'lz4 not available: content stays pglz'; "
        "END $$"
    )


def upgrade() -> None:
    _compression("lz4")


def downgrade() -> None:
    _compression("pglz")
