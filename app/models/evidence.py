"""출금동의 증빙: the payer's consent evidence for one debit agreement, kept encrypted.

Under the KFTC rules an EB13 new registration goes to the bank only after its evidence was sent as
an EI13 file and accepted (domain.md "Consent evidence", cms-file-format.md §5.1). The bytes are the
ones sent — already fitted to the agency's size limit — sealed with the personal-data key
(`DataKey.seal_bytes`), so neither the raw database nor a backup holds them in clear; the SHA-256 of
those bytes, the kind, the original name and size say what they are without opening them. After the
retention term (5 years after the agreement ends unless the contract sets another) the content is
destroyed: `content_enc` becomes NULL and the row stays as the record that it existed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin, UtcDateTime, str_enum, utcnow
from app.models.enums import EvidenceKind, EvidenceState


class ConsentEvidence(TimestampMixin, Base):
    __tablename__ = "consent_evidence"
    __table_args__ = (Index("ix_consent_evidence_contract_state", "contract_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="RESTRICT"))
    agreement_id: Mapped[int] = mapped_column(ForeignKey("debit_agreement.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[EvidenceKind] = mapped_column(str_enum(EvidenceKind, 2))
    extension: Mapped[str] = mapped_column(String(5))  # as the EI13 carries it: jpg, pdf, tif, mp3, der …
    original_name: Mapped[str] = mapped_column(String(255))
    original_size: Mapped[int] = mapped_column(BigInteger)
    size: Mapped[int] = mapped_column(Integer)  # bytes stored and sent (after fitting)
    sha256: Mapped[str] = mapped_column(String(64))  # of the bytes stored and sent
    content_enc: Mapped[bytes | None] = mapped_column(LargeBinary)  # sealed; NULL once destroyed
    note: Mapped[str | None] = mapped_column(Text)  # how it was fitted (e.g. "TIFF 3쪽 → JPEG 1장, 품질 70")
    attached_by: Mapped[str] = mapped_column(String(30))
    attached_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    state: Mapped[EvidenceState] = mapped_column(str_enum(EvidenceState), default=EvidenceState.WAITING)
    transmission_id: Mapped[int | None] = mapped_column(ForeignKey("transmission.id", ondelete="RESTRICT"))
    seq_no: Mapped[int | None] = mapped_column(Integer)
    reason_code: Mapped[str | None] = mapped_column(String(4))
    destroyed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    destroyed_by: Mapped[str | None] = mapped_column(String(30))
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}
