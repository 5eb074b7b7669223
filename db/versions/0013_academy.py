"""학원 paperwork: refunds, pauses, fee certificates, posted fees, teaching time, 현금영수증, student fields

Revision ID: 0013_academy
Revises: 0012_consent_evidence
Create Date: 2026-12-05

Issue 18 (domain.md "Academies (학원) have paperwork of their own"): the refund tables (a refund and
its computed month lines, paid out as REFUND ledger entries that point at it), the 휴원 pauses, the
issued 교육비 납입증명서; the contract's registration number, address and seal image; the item's
posted fee and teaching time; the payment's cash-receipt fields; the customer's student name and
birth date. Every new column is nullable or has a server default, so existing rows stay valid.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_academy"
down_revision: str | None = "0012_consent_evidence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# SQLite: a batch rebuild of collection_item, contract, customer or payment would DROP a table other rows
# point at (RESTRICT foreign keys, enforced by the app's connection), so an office with data could not
# upgrade. Every column here is added with a plain ALTER TABLE ADD COLUMN instead — SQLite allows a
# column CHECK there — and dropped with ALTER TABLE DROP COLUMN (3.35+).
SQLITE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("contract", "academy_registration_no", "VARCHAR(30)"),
    ("contract", "academy_address", "VARCHAR(200)"),
    ("contract", "seal_png", "BLOB"),
    ("customer", "student_name", "VARCHAR(50)"),
    ("customer", "student_birth_date", "DATE"),
    ("collection_item", "posted_fee",
     "BIGINT CONSTRAINT ck_collection_item_posted_fee_nonneg CHECK (posted_fee IS NULL OR posted_fee >= 0)"),
    ("collection_item", "teaching_first_day",
     "INTEGER CONSTRAINT ck_collection_item_teaching_first_day_range "
     "CHECK (teaching_first_day IS NULL OR (teaching_first_day >= 1 AND teaching_first_day <= 31))"),
    ("collection_item", "teaching_last_day",
     "INTEGER CONSTRAINT ck_collection_item_teaching_last_day_range "
     "CHECK (teaching_last_day IS NULL OR (teaching_last_day >= 1 AND teaching_last_day <= 31))"),
    ("collection_item", "teaching_sessions",
     "INTEGER CONSTRAINT ck_collection_item_teaching_sessions_positive "
     "CHECK (teaching_sessions IS NULL OR teaching_sessions > 0)"),
    ("payment", "cash_receipt_no", "VARCHAR(20)"),
    ("payment", "cash_receipt_on", "DATE"),
    ("payment", "cash_receipt_self", "BOOLEAN DEFAULT 0 NOT NULL"),
    ("payment", "cash_receipt_by", "VARCHAR(30)"),
)
ITEM_CHECKS = {
    "posted_fee_nonneg": "posted_fee IS NULL OR posted_fee >= 0",
    "teaching_first_day_range": "teaching_first_day IS NULL OR (teaching_first_day >= 1 AND teaching_first_day <= 31)",
    "teaching_last_day_range": "teaching_last_day IS NULL OR (teaching_last_day >= 1 AND teaching_last_day <= 31)",
    "teaching_sessions_positive": "teaching_sessions IS NULL OR teaching_sessions > 0",
}


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    """New columns on contract, customer, collection_item, payment and ledger_entry; four new tables."""
    if _sqlite():
        for table, column, ddl in SQLITE_COLUMNS:
            op.execute(f"ALTER TABLE {table} ADD COLUMN {column} {ddl}")
    else:
        _add_columns_postgresql()


    op.create_table(
        "refund",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("paid_method", sa.String(length=20), nullable=True),
        sa.Column("paid_by", sa.String(length=30), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=30), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_refund_amount_nonneg")),
        sa.ForeignKeyConstraint(["contract_id"], ["contract.id"], name=op.f("fk_refund_contract_id_contract"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], name=op.f("fk_refund_customer_id_customer"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund")),
    )
    op.create_index("ix_refund_contract_state", "refund", ["contract_id", "state"])
    op.create_index(op.f("ix_refund_customer_id"), "refund", ["customer_id"])
    op.create_table(
        "refund_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("refund_id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("charge_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("paid_amount", sa.BigInteger(), nullable=False),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("elapsed", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=4), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount >= 0 AND amount <= paid_amount", name=op.f("ck_refund_line_amount_within_paid")),
        sa.CheckConstraint("elapsed >= 0 AND total > 0", name=op.f("ck_refund_line_teaching_time")),
        sa.ForeignKeyConstraint(["agreement_id"], ["debit_agreement.id"],
                                name=op.f("fk_refund_line_agreement_id_debit_agreement"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["charge_id"], ["charge.id"], name=op.f("fk_refund_line_charge_id_charge"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["refund_id"], ["refund.id"], name=op.f("fk_refund_line_refund_id_refund"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund_line")),
    )
    op.create_index(op.f("ix_refund_line_refund_id"), "refund_line", ["refund_id"])
    op.create_index(op.f("ix_refund_line_agreement_id"), "refund_line", ["agreement_id"])
    op.create_index(op.f("ix_refund_line_charge_id"), "refund_line", ["charge_id"])
    op.create_table(
        "pause",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("first_month", sa.String(length=7), nullable=False),
        sa.Column("last_month", sa.String(length=7), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=30), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_by", sa.String(length=30), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.CheckConstraint("first_month <= last_month", name=op.f("ck_pause_month_order")),
        sa.ForeignKeyConstraint(["agreement_id"], ["debit_agreement.id"],
                                name=op.f("fk_pause_agreement_id_debit_agreement"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["contract_id"], ["contract.id"], name=op.f("fk_pause_contract_id_contract"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pause")),
    )
    op.create_index(op.f("ix_pause_contract_id"), "pause", ["contract_id"])
    op.create_index("ix_pause_agreement_months", "pause", ["agreement_id", "first_month", "last_month"])
    op.create_table(
        "fee_certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("months", sa.String(length=300), nullable=False),
        sa.Column("last_entry_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by", sa.String(length=30), nullable=False),
        sa.CheckConstraint("serial > 0", name=op.f("ck_fee_certificate_serial_positive")),
        sa.ForeignKeyConstraint(["contract_id"], ["contract.id"], name=op.f("fk_fee_certificate_contract_id_contract"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], name=op.f("fk_fee_certificate_customer_id_customer"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_certificate")),
        sa.UniqueConstraint("contract_id", "year", "serial", name=op.f("uq_fee_certificate_contract_id")),
    )
    op.create_index("ix_fee_certificate_customer_year", "fee_certificate", ["customer_id", "year"])
    if _sqlite():
        # No table references ledger_entry, so its batch rebuild (the way to a named table-level foreign
        # key on SQLite) drops nothing other rows point at; it copies the ledger once.
        with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
            batch_op.add_column(sa.Column("refund_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(op.f("fk_ledger_entry_refund_id_refund"), "refund", ["refund_id"], ["id"],
                                        ondelete="RESTRICT")
    else:
        op.add_column("ledger_entry", sa.Column("refund_id", sa.Integer(), nullable=True))
        op.create_foreign_key(op.f("fk_ledger_entry_refund_id_refund"), "ledger_entry", "refund", ["refund_id"], ["id"],
                              ondelete="RESTRICT")


def _add_columns_postgresql() -> None:
    op.add_column("contract", sa.Column("academy_registration_no", sa.String(length=30), nullable=True))
    op.add_column("contract", sa.Column("academy_address", sa.String(length=200), nullable=True))
    op.add_column("contract", sa.Column("seal_png", sa.LargeBinary(), nullable=True))
    op.add_column("customer", sa.Column("student_name", sa.String(length=50), nullable=True))
    op.add_column("customer", sa.Column("student_birth_date", sa.Date(), nullable=True))
    op.add_column("collection_item", sa.Column("posted_fee", sa.BigInteger(), nullable=True))
    op.add_column("collection_item", sa.Column("teaching_first_day", sa.Integer(), nullable=True))
    op.add_column("collection_item", sa.Column("teaching_last_day", sa.Integer(), nullable=True))
    op.add_column("collection_item", sa.Column("teaching_sessions", sa.Integer(), nullable=True))
    for name, condition in ITEM_CHECKS.items():
        op.create_check_constraint(op.f(f"ck_collection_item_{name}"), "collection_item", condition)
    op.add_column("payment", sa.Column("cash_receipt_no", sa.String(length=20), nullable=True))
    op.add_column("payment", sa.Column("cash_receipt_on", sa.Date(), nullable=True))
    op.add_column("payment", sa.Column("cash_receipt_self", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("payment", sa.Column("cash_receipt_by", sa.String(length=30), nullable=True))


def downgrade() -> None:
    """Drop what upgrade added (refunds, pauses and certificates are lost; REFUND ledger entries go too)."""
    op.execute("DELETE FROM ledger_entry WHERE kind = 'REFUND'")
    if _sqlite():
        # ledger_entry is referenced by no table, so its batch rebuild (needed to drop a REFERENCES column)
        # drops nothing other rows point at.
        with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
            batch_op.drop_column("refund_id")
    else:
        op.drop_constraint(op.f("fk_ledger_entry_refund_id_refund"), "ledger_entry", type_="foreignkey")
        op.drop_column("ledger_entry", "refund_id")
    op.drop_index("ix_fee_certificate_customer_year", table_name="fee_certificate")
    op.drop_table("fee_certificate")
    op.drop_index("ix_pause_agreement_months", table_name="pause")
    op.drop_index(op.f("ix_pause_contract_id"), table_name="pause")
    op.drop_table("pause")
    op.drop_index(op.f("ix_refund_line_charge_id"), table_name="refund_line")
    op.drop_index(op.f("ix_refund_line_agreement_id"), table_name="refund_line")
    op.drop_index(op.f("ix_refund_line_refund_id"), table_name="refund_line")
    op.drop_table("refund_line")
    op.drop_index(op.f("ix_refund_customer_id"), table_name="refund")
    op.drop_index("ix_refund_contract_state", table_name="refund")
    op.drop_table("refund")
    if not _sqlite():
        for name in ITEM_CHECKS:
            op.drop_constraint(op.f(f"ck_collection_item_{name}"), "collection_item", type_="check")
    for table, column, _ddl in reversed(SQLITE_COLUMNS):
        if _sqlite():
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        else:
            op.drop_column(table, column)
