"""통장입금대사: the bank statement's deposits, remembered so none is applied twice, and what each paid

Revision ID: 0015_statements
Revises: 0014_apartment
Create Date: 2026-12-06

Issue 20. A payer whose debit failed often pays by transfer into the office's account; the clerk
reads the statement into the desk, confirms the proposed matches and they become payments of the
method 계좌입금 (payment.method 'TRANSFER': a plain text column, no new column). Each deposit read is
a `statement_line`, unique per contract by its identity, so the same statement read twice, or two
overlapping periods, find the deposits already known. `statement_allocation` ties the part of a
deposit that paid a charge to the payment it became.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_statements"
down_revision: str | None = "0014_apartment"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "statement_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("identity", sa.String(length=64), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("occurred_time", sa.String(length=8), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("depositor", sa.String(length=100), nullable=False),
        sa.Column("memo", sa.String(length=200), nullable=True),
        sa.Column("balance", sa.BigInteger(), nullable=True),
        sa.Column("bank", sa.String(length=40), nullable=True),
        sa.Column("source_file", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("applied_amount", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=30), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=30), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_statement_line_amount_positive")),
        sa.CheckConstraint("applied_amount >= 0 AND applied_amount <= amount",
                           name=op.f("ck_statement_line_applied_within")),
        sa.ForeignKeyConstraint(["contract_id"], ["contract.id"], name=op.f("fk_statement_line_contract_id_contract"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_line")),
        sa.UniqueConstraint("contract_id", "identity", name=op.f("uq_statement_line_contract_id")),
    )
    op.create_index("ix_statement_line_contract_state", "statement_line", ["contract_id", "state", "occurred_on"])
    op.create_table(
        "statement_allocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("charge_id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_statement_allocation_amount_positive")),
        sa.ForeignKeyConstraint(["charge_id"], ["charge.id"], name=op.f("fk_statement_allocation_charge_id_charge"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["line_id"], ["statement_line.id"],
                                name=op.f("fk_statement_allocation_line_id_statement_line"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["payment_id"], ["payment.id"], name=op.f("fk_statement_allocation_payment_id_payment"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_allocation")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_statement_allocation_payment_id")),
    )
    op.create_index(op.f("ix_statement_allocation_line_id"), "statement_allocation", ["line_id"])
    op.create_index(op.f("ix_statement_allocation_charge_id"), "statement_allocation", ["charge_id"])


def downgrade() -> None:
    op.drop_table("statement_allocation")
    op.drop_table("statement_line")
