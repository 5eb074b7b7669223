"""출금동의 증빙: consent evidence per agreement, the contract's limit and retention

Revision ID: 0012_consent_evidence
Revises: 0011_missed_remedy
Create Date: 2026-12-04

An EB13 new registration may go to the bank only after the payer's consent evidence went out as an
EI13 file and was accepted (domain.md "Consent evidence"). Each piece of evidence is one row of
`consent_evidence`, its bytes sealed with the personal-data key; the contract gains the agency's
size limit per file (300 KB unless set) and the years evidence is kept after the agreement ends (5).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_consent_evidence"
down_revision: str | None = "0011_missed_remedy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The evidence table and the contract's two settings (existing contracts get the defaults)."""
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evidence_max_bytes", sa.Integer(), server_default="307200", nullable=False))
        batch_op.add_column(sa.Column("evidence_retention_years", sa.Integer(), server_default="5", nullable=False))
    op.create_table(
        "consent_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=2), nullable=False),
        sa.Column("extension", sa.String(length=5), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("original_size", sa.BigInteger(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_enc", sa.LargeBinary(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("attached_by", sa.String(length=30), nullable=False),
        sa.Column("attached_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("transmission_id", sa.Integer(), nullable=True),
        sa.Column("seq_no", sa.Integer(), nullable=True),
        sa.Column("reason_code", sa.String(length=4), nullable=True),
        sa.Column("destroyed_at", sa.DateTime(), nullable=True),
        sa.Column("destroyed_by", sa.String(length=30), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["agreement_id"], ["debit_agreement.id"],
                                name=op.f("fk_consent_evidence_agreement_id_debit_agreement"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["contract_id"], ["contract.id"],
                                name=op.f("fk_consent_evidence_contract_id_contract"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["transmission_id"], ["transmission.id"],
                                name=op.f("fk_consent_evidence_transmission_id_transmission"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_evidence")),
    )
    with op.batch_alter_table("consent_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_evidence_agreement_id"), ["agreement_id"], unique=False)
        batch_op.create_index("ix_consent_evidence_contract_state", ["contract_id", "state"], unique=False)


def downgrade() -> None:
    """Drop the evidence table (its sealed bytes with it) and the contract's two settings."""
    with op.batch_alter_table("consent_evidence", schema=None) as batch_op:
        batch_op.drop_index("ix_consent_evidence_contract_state")
        batch_op.drop_index(batch_op.f("ix_consent_evidence_agreement_id"))
    op.drop_table("consent_evidence")
    # Plain DROP COLUMN (SQLite ≥ 3.35): a batch copy would drop `contract` under every row pointing at it.
    op.drop_column("contract", "evidence_retention_years")
    op.drop_column("contract", "evidence_max_bytes")
