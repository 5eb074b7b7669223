"""이체송수신현황: every file sent to or received from the relay, kept sealed (encrypted) byte for byte."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin, UtcDateTime, str_enum
from app.models.enums import Direction, FileKind, TransmissionState


class Transmission(TimestampMixin, Base):
    """A request file once built is immutable: its bytes and SHA-256 are stored with it.

    ``content`` holds the file sealed with the data key (``DataKey.seal_bytes``, purpose
    ``bank_file``): bank files carry full account numbers and birth dates, and a copied database
    must reveal neither. ``sha256`` is of the plaintext (exactly-once checks, integrity, the screen).
    ``content_sealed`` is False only for rows written before migration 0009, until the first unlock
    of the key seals them all in one transaction (``transmissions.seal_legacy_contents``).
    """

    __tablename__ = "transmission"
    __table_args__ = (
        UniqueConstraint("contract_id", "kind", "remote_name", "direction"),
        Index("ix_transmission_contract_file_date", "contract_id", "file_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[FileKind] = mapped_column(str_enum(FileKind))
    direction: Mapped[Direction] = mapped_column(str_enum(Direction))
    state: Mapped[TransmissionState] = mapped_column(str_enum(TransmissionState), default=TransmissionState.CREATED)
    file_name: Mapped[str] = mapped_column(String(8))  # EB21MMDD, as in header and trailer
    remote_name: Mapped[str] = mapped_column(String(40))  # EB21MMDD_YYYY on the SFTP relay
    file_date: Mapped[date] = mapped_column(Date)  # debit date (EB21/22) or send date (EB13/14)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)  # sealed; see transmissions.open_content
    content_sealed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sha256: Mapped[str | None] = mapped_column(String(64))
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    total_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    answers_id: Mapped[int | None] = mapped_column(ForeignKey("transmission.id", ondelete="RESTRICT"))
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    applied_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}
