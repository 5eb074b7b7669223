"""청구, 이체의뢰, 수납 and the ledger: every won requested, debited, failed or received.

A charge may be asked for in several requests over time (a retry, a carried-over amount), and a
request may carry several charges (this month's plus last month's outstanding), so the link is
`DebitRequestLine`. The partial unique index on open lines makes "a charge is never in two open
requests" a database rule, not only a service rule.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Key, TimestampMixin, UtcDateTime, str_enum, utcnow
from app.models.enums import (
    LedgerKind,
    MissedRemedy,
    PaymentMethod,
    RequestKind,
    RequestState,
)


class Charge(TimestampMixin, Base):
    """청구: what one agreement owes for one period (YYYY-MM)."""

    __tablename__ = "charge"
    __table_args__ = (
        UniqueConstraint("agreement_id", "period"),
        CheckConstraint("amount >= 0", name="amount_nonneg"),
        CheckConstraint("discount >= 0 AND discount <= amount", name="discount_range"),
        Index("ix_charge_contract_period", "contract_id", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="RESTRICT"))
    agreement_id: Mapped[int] = mapped_column(ForeignKey("debit_agreement.id", ondelete="RESTRICT"), index=True)
    period: Mapped[str] = mapped_column(String(7))
    amount: Mapped[int] = mapped_column(BigInteger)
    discount: Mapped[int] = mapped_column(BigInteger, default=0)
    # A missed cut-off (app/services/collection/missed.py): the debit date that passed unrequested, and what the
    # clerk chose. Set only by that choice; a charge with a remedy no longer stands in the red list.
    missed_debit_date: Mapped[date | None] = mapped_column(Date)
    missed_remedy: Mapped[MissedRemedy | None] = mapped_column(str_enum(MissedRemedy, 10))
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class DebitRequest(TimestampMixin, Base):
    """이체의뢰 (or 재처리의뢰 when kind is RETRY): one EB21 data record."""

    __tablename__ = "debit_request"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_nonneg"),
        CheckConstraint("debited_amount >= 0 AND debited_amount <= amount", name="debited_within_amount"),
        Index("ix_debit_request_contract_state", "contract_id", "state"),
        # Room on each page for a new version of every row: taking rows into a file is then a HOT
        # update (no index entry), as no index holds transmission_id or seq_no (migration 0005).
        {"postgresql_with": {"fillfactor": 50}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="RESTRICT"))
    agreement_id: Mapped[int] = mapped_column(ForeignKey("debit_agreement.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[RequestKind] = mapped_column(str_enum(RequestKind), default=RequestKind.NORMAL)
    state: Mapped[RequestState] = mapped_column(str_enum(RequestState), default=RequestState.WAITING)
    debit_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    debited_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    bank_code: Mapped[str] = mapped_column(String(3))
    transmission_id: Mapped[int | None] = mapped_column(ForeignKey("transmission.id", ondelete="RESTRICT"))
    seq_no: Mapped[int | None] = mapped_column(Integer)
    reason_code: Mapped[str | None] = mapped_column(String(4))
    result_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    retry_of_id: Mapped[int | None] = mapped_column(ForeignKey("debit_request.id", ondelete="RESTRICT"))
    created_by: Mapped[str | None] = mapped_column(String(30))
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    lines: Mapped[list[DebitRequestLine]] = relationship(back_populates="request", order_by="DebitRequestLine.id")

    __mapper_args__ = {"version_id_col": version_id}

    @classmethod
    def carried_by(cls, file_id: Key[int], contract_id: Key[int], debit_date: Key[date]) -> list[ColumnElement[bool]]:
        """Conditions for the requests an EB21 carries.

        No index holds ``transmission_id`` (see the table's arguments), so the file's contract and
        debit date — an EB21 carries one date of one contract — lead to ix_debit_request_aggregate.
        """
        return [cls.contract_id == contract_id, cls.debit_date == debit_date, cls.transmission_id == file_id]


class DebitRequestLine(Base):
    """The part of a request that pays one charge."""

    __tablename__ = "debit_request_line"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        UniqueConstraint("request_id", "charge_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("debit_request.id", ondelete="CASCADE"), index=True)
    charge_id: Mapped[int] = mapped_column(ForeignKey("charge.id", ondelete="RESTRICT"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)

    request: Mapped[DebitRequest] = relationship(back_populates="lines")


Index(
    "uq_debit_request_line_open_charge",
    DebitRequestLine.charge_id,
    unique=True,
    sqlite_where=DebitRequestLine.is_open == true(),
    postgresql_where=DebitRequestLine.is_open == true(),
)


class Payment(Base):
    """수납: money received against a charge, by debit or in cash; reversals point at what they undo."""

    __tablename__ = "payment"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_payment_contract_paid_on", "contract_id", "paid_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="RESTRICT"))
    charge_id: Mapped[int] = mapped_column(ForeignKey("charge.id", ondelete="RESTRICT"), index=True)
    method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod))
    amount: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date] = mapped_column(Date)
    debit_request_id: Mapped[int | None] = mapped_column(ForeignKey("debit_request.id", ondelete="RESTRICT"))
    reversed_by_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id", ondelete="RESTRICT"))
    reversal_reason: Mapped[str | None] = mapped_column(Text)
    # A correction of a closed month (마감) recorded in the open month names the month it corrects.
    adjusts_period: Mapped[str | None] = mapped_column(String(7))
    # 현금영수증 of a cash payment: its approval number and date; `cash_receipt_self` marks a 자진발급
    # (issued to 010-000-1234 when the payer gave no number).
    cash_receipt_no: Mapped[str | None] = mapped_column(String(20))
    cash_receipt_on: Mapped[date | None] = mapped_column(Date)
    cash_receipt_self: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    cash_receipt_by: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(30))


class LedgerEntry(Base):
    """One movement of money, signed by its kind; screens' figures are sums of these rows."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_nonneg"),
        Index("ix_ledger_entry_contract_kind_on", "contract_id", "kind", "entry_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="RESTRICT"))
    charge_id: Mapped[int] = mapped_column(ForeignKey("charge.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[LedgerKind] = mapped_column(str_enum(LedgerKind))
    amount: Mapped[int] = mapped_column(BigInteger)
    entry_on: Mapped[date] = mapped_column(Date)
    debit_request_id: Mapped[int | None] = mapped_column(ForeignKey("debit_request.id", ondelete="RESTRICT"))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id", ondelete="RESTRICT"))
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refund.id", ondelete="RESTRICT"))
    adjusts_period: Mapped[str | None] = mapped_column(String(7))  # see Payment.adjusts_period
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(30))
