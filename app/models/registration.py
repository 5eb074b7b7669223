"""계좌신청: registering (or cancelling) a payer's account with the bank, file EB13 → EB14."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Key, TimestampMixin, UtcDateTime, str_enum
from app.models.enums import RegistrationKind, RegistrationState


class AccountRegistration(TimestampMixin, Base):
    """One EB13 data record to be, being or having been sent.

    The bank account is copied (encrypted) into the row, because a cancellation must name the
    old account even after the agreement moved to a new one.
    """

    __tablename__ = "account_registration"
    __table_args__ = (
        Index("ix_account_registration_contract_state", "contract_id", "state"),
        Index("ix_account_registration_transmission_seq", "transmission_id", "seq_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="RESTRICT"), index=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("debit_agreement.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[RegistrationKind] = mapped_column(str_enum(RegistrationKind))
    state: Mapped[RegistrationState] = mapped_column(str_enum(RegistrationState), default=RegistrationState.WAITING)
    bank_code: Mapped[str] = mapped_column(String(3), index=True)
    account_no_enc: Mapped[bytes] = mapped_column(LargeBinary)
    account_last4: Mapped[str] = mapped_column(String(4))
    holder_id: Mapped[str] = mapped_column(String(10))
    requested_on: Mapped[date] = mapped_column(Date)
    transmission_id: Mapped[int | None] = mapped_column(ForeignKey("transmission.id", ondelete="RESTRICT"))
    seq_no: Mapped[int | None] = mapped_column(Integer)
    reason_code: Mapped[str | None] = mapped_column(String(4))
    result_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_by: Mapped[str | None] = mapped_column(String(30))

    @classmethod
    def carried_by(cls, file_id: Key[int], contract_id: Key[int], file_date: Key[date]) -> list[ColumnElement[bool]]:
        """Conditions for the registrations an EB13 carries (the same call as `DebitRequest.carried_by`)."""
        return [cls.transmission_id == file_id]
