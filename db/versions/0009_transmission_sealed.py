"""bank file content encrypted at rest

Revision ID: 0009_transmission_sealed
Revises: 0008_money_bigint
Create Date: 2026-12-04

`transmission.content` kept every EB13/EB14/EB21/EB22 byte for byte, so full account numbers and
birth dates could be read straight out of the database file, its backups and a pg_dump. From now
on the content is stored sealed with the data key (AES-GCM, see ``DataKey.seal_bytes``).

Why the upgrade itself does not encrypt: a migration runs at start, before anyone has given the
data key, and must not ask for it. It only adds ``content_sealed`` (False for every existing row),
so the database is "all plaintext, flagged as such"; the first unlock of the key
(``keys.unlock`` / ``keys.cached``, used by the login and by every command) seals every flagged
row in ONE transaction (``transmissions.seal_legacy_contents``). A failure there rolls back to all
plaintext; there is never a half-converted database.

PostgreSQL: ciphertext cannot be compressed, so the column is stored EXTERNAL (out of line, no
compression attempt); the sealed value is already zlib-compressed before encryption.

The downgrade is refused while any row is sealed: the old program cannot read sealed files and the
migration has no key to open them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_transmission_sealed"
down_revision: str | None = "0008_money_bigint"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("transmission") as batch:
        batch.add_column(sa.Column("content_sealed", sa.Boolean(), server_default=sa.false(), nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE transmission ALTER COLUMN content SET STORAGE EXTERNAL")


def downgrade() -> None:
    sealed = op.get_bind().execute(
        sa.text("SELECT COUNT(*) FROM transmission WHERE content_sealed = :yes"), {"yes": True}
    ).scalar()
    if sealed:
        raise RuntimeError(
            f"{sealed} stored bank files are encrypted; the previous version cannot read them. "
            "Downgrade refused (암호화된 송수신 파일이 있어 이전 버전으로 되돌릴 수 없습니다)."
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE transmission ALTER COLUMN content SET STORAGE EXTENDED")
    with op.batch_alter_table("transmission") as batch:
        batch.drop_column("content_sealed")
