"""customer search: indexes the customer list sorts and filters by

Revision ID: 0002_customer_search
Revises: 0001_baseline
Create Date: 2026-11-27

The 고객관리 list pages through up to 100,000 customers of a contract ordered by the column whose
header was clicked; each of these lets the database walk the index instead of sorting the table.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002_customer_search"
down_revision: str | None = "0001_baseline"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_customer_contract_type", ["contract_id", "customer_type"]),
    ("ix_customer_contract_grade", ["contract_id", "grade"]),
    ("ix_customer_contract_mobile", ["contract_id", "mobile"]),
    ("ix_customer_contract_joined", ["contract_id", "joined_on"]),
)


def upgrade() -> None:
    with op.batch_alter_table("customer", schema=None) as batch_op:
        for name, columns in INDEXES:
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("customer", schema=None) as batch_op:
        for name, _columns in reversed(INDEXES):
            batch_op.drop_index(name)
