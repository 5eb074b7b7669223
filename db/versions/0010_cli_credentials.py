"""command-line logins and scheduler credentials

Revision ID: 0010_cli_credentials
Revises: 0009_transmission_sealed
Create Date: 2026-12-04

Every command line run now logs in as a user, and the unattended scheduler runs under a credential
an administrator makes for one PC and can revoke (`scheduler_credential`, app/models/user.py). The
audit log also names the operating-system account at the keyboard (`audit_log.os_user`), beside the
host it already named.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_cli_credentials"
down_revision: str | None = "0009_transmission_sealed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the OS-user column to the audit log and the scheduler credential table."""
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("os_user", sa.String(length=64), nullable=True))

    op.create_table(
        "scheduler_credential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=200), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=30), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_user_id"], ["app_user.id"],
                                name=op.f("fk_scheduler_credential_created_by_user_id_app_user"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["institution_id"], ["institution.id"],
                                name=op.f("fk_scheduler_credential_institution_id_institution"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduler_credential")),
    )
    with op.batch_alter_table("scheduler_credential", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scheduler_credential_institution_id"), ["institution_id"], unique=False)


def downgrade() -> None:
    """Drop what upgrade added (the audit rows keep everything but the OS user)."""
    with op.batch_alter_table("scheduler_credential", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduler_credential_institution_id"))
    op.drop_table("scheduler_credential")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("os_user")
