"""contract.partial_debit: 부분출금 허용 per contract

Revision ID: 0006_partial_debit
Revises: 0005_debit_request_take
Create Date: 2026-11-27

With it on, request files carry 출금형태 '0' (cms-file-format.md §3.4) and a bank debits what the
balance allows instead of failing the whole request; off (the default, and every existing
contract) keeps '1', 전액출금.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_partial_debit"
down_revision: str | None = "0005_debit_request_take"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contract") as batch:
        batch.add_column(sa.Column("partial_debit", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("contract") as batch:
        batch.drop_column("partial_debit")
