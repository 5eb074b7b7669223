"""the clerk's choice for a debit whose cut-off was missed

Revision ID: 0011_missed_remedy
Revises: 0010_cli_credentials
Create Date: 2026-12-04

A debit date whose request cut-off passed with charges not requested stands in red on the home
screen until the clerk chooses what becomes of them: moved to the item's next debit date, received
in cash, or left 미납 (app/services/collection/missed.py). The choice is kept on the charge, with the debit
date it missed, so the red list forgets what was decided and the cash screen can list it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_missed_remedy"
down_revision: str | None = "0010_cli_credentials"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Two nullable columns on the charge: existing charges have no missed debit."""
    with op.batch_alter_table("charge", schema=None) as batch_op:
        batch_op.add_column(sa.Column("missed_debit_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("missed_remedy", sa.String(length=10), nullable=True))


def downgrade() -> None:
    """Drop the columns (the audit log keeps each choice).

    Plain ALTER TABLE … DROP COLUMN on both databases (SQLite ≥ 3.35): a batch copy of `charge` would
    drop the table under the request lines and ledger entries that point at it.
    """
    op.drop_column("charge", "missed_remedy")
    op.drop_column("charge", "missed_debit_date")
