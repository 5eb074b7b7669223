"""collection: discount history (할인관리) and the auto-request marker (자동 이체의뢰)

Revision ID: 0003_collection
Revises: 0002_customer_search
Create Date: 2026-11-27

See app/models/collection_extra.py for why each table exists.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_collection"
down_revision: str | None = "0002_customer_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "discount_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("old_rate", sa.Integer(), nullable=False),
        sa.Column("old_amount", sa.Integer(), nullable=False),
        sa.Column("new_rate", sa.Integer(), nullable=False),
        sa.Column("new_amount", sa.Integer(), nullable=False),
        sa.Column("monthly_amount", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.String(length=30), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("old_amount >= 0 AND new_amount >= 0", name=op.f("ck_discount_change_amounts_nonneg")),
        sa.ForeignKeyConstraint(["agreement_id"], ["debit_agreement.id"],
                                name=op.f("fk_discount_change_agreement_id_debit_agreement"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["contract_id"], ["contract.id"],
                                name=op.f("fk_discount_change_contract_id_contract"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"],
                                name=op.f("fk_discount_change_user_id_app_user"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discount_change")),
    )
    with op.batch_alter_table("discount_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discount_change_agreement_id"), ["agreement_id"], unique=False)
        batch_op.create_index("ix_discount_change_contract_at", ["contract_id", "changed_at"], unique=False)

    op.create_table(
        "auto_request_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("debit_date", sa.Date(), nullable=False),
        sa.Column("ran_at", sa.DateTime(), nullable=False),
        sa.Column("request_count", sa.Integer(), nullable=False),
        sa.Column("total_amount", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["contract_id"], ["contract.id"],
                                name=op.f("fk_auto_request_run_contract_id_contract"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auto_request_run")),
        sa.UniqueConstraint("contract_id", "debit_date", name=op.f("uq_auto_request_run_contract_id")),
    )


def downgrade() -> None:
    op.drop_table("auto_request_run")
    with op.batch_alter_table("discount_change", schema=None) as batch_op:
        batch_op.drop_index("ix_discount_change_contract_at")
        batch_op.drop_index(batch_op.f("ix_discount_change_agreement_id"))
    op.drop_table("discount_change")
