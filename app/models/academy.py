"""학원 paperwork: refunds by the 학원법 table, 휴원 pauses and the numbered 교육비 납입증명서.

* `Refund` / `RefundLine`: a withdrawal (퇴원) or a course stop (수강중단) on a date owes the payer a
  refund computed month by month (학원법 시행령 별표4); each line keeps the computation that produced
  it, so the confirmation printed for the parent and the ledger agree. The money moves only when the
  clerk confirms the payout: then each line becomes a REFUND ledger entry (app/services/collection/ledger.py).
* `Pause`: 휴원 of one agreement for a run of months; no charge is made for a paused month.
* `FeeCertificate`: an issued 교육비 납입증명서 — its number, who issued it, the figures it showed and
  the last ledger entry it counted, so a later entry of that year marks it out of date.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TimestampMixin, UtcDateTime, str_enum, utcnow
from app.models.enums import RefundKind, RefundMethod, RefundRule, RefundState


class Refund(TimestampMixin, Base):
    """반환: what a withdrawing (or course-stopping) student is owed, due within 5 days of the reason."""

    __tablename__ = "refund"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_nonneg"),
        Index("ix_refund_contract_state", "contract_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="RESTRICT"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[RefundKind] = mapped_column(str_enum(RefundKind))
    reason_on: Mapped[date] = mapped_column(Date)  # the day the reason arose (퇴원·수강중단 일자)
    due_on: Mapped[date] = mapped_column(Date)  # reason_on + 5 days (학원법 시행령 §18③)
    amount: Mapped[int] = mapped_column(BigInteger)  # Σ lines
    state: Mapped[RefundState] = mapped_column(str_enum(RefundState), default=RefundState.DUE)
    paid_on: Mapped[date | None] = mapped_column(Date)
    paid_method: Mapped[RefundMethod | None] = mapped_column(str_enum(RefundMethod))
    paid_by: Mapped[str | None] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(30))
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    lines: Mapped[list[RefundLine]] = relationship(back_populates="refund", order_by="RefundLine.id",
                                                   cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version_id}


class RefundLine(Base):
    """One month of one agreement in a refund: what was paid, the table's line, and what is returned."""

    __tablename__ = "refund_line"
    __table_args__ = (
        CheckConstraint("amount >= 0 AND amount <= paid_amount", name="amount_within_paid"),
        CheckConstraint("elapsed >= 0 AND total > 0", name="teaching_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    refund_id: Mapped[int] = mapped_column(ForeignKey("refund.id", ondelete="CASCADE"), index=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("debit_agreement.id", ondelete="RESTRICT"), index=True)
    charge_id: Mapped[int] = mapped_column(ForeignKey("charge.id", ondelete="RESTRICT"), index=True)
    period: Mapped[str] = mapped_column(String(7))
    paid_amount: Mapped[int] = mapped_column(BigInteger)  # net received for the charge when computed
    rule: Mapped[RefundRule] = mapped_column(str_enum(RefundRule))
    # Teaching time of the month that had passed, of the month's total: days, or sessions when the
    # item counts sessions (CollectionItem.teaching_sessions).
    elapsed: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(4))  # "일" or "회"
    amount: Mapped[int] = mapped_column(BigInteger)

    refund: Mapped[Refund] = relationship(back_populates="lines")


class Pause(TimestampMixin, Base):
    """휴원: one agreement paused from first_month to last_month (YYYY-MM, both included)."""

    __tablename__ = "pause"
    __table_args__ = (
        CheckConstraint("first_month <= last_month", name="month_order"),
        Index("ix_pause_agreement_months", "agreement_id", "first_month", "last_month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="RESTRICT"), index=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("debit_agreement.id", ondelete="RESTRICT"))
    first_month: Mapped[str] = mapped_column(String(7))
    last_month: Mapped[str] = mapped_column(String(7))
    reason: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(30))
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_by: Mapped[str | None] = mapped_column(String(30))


class FeeCertificate(Base):
    """An issued 교육비 납입증명서 (number = year-serial within the contract)."""

    __tablename__ = "fee_certificate"
    __table_args__ = (
        UniqueConstraint("contract_id", "year", "serial"),
        Index("ix_fee_certificate_customer_year", "customer_id", "year"),
        CheckConstraint("serial > 0", name="serial_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="RESTRICT"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="RESTRICT"))
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(BigInteger)
    # The twelve monthly amounts it showed, "m:amount" comma-separated ("1:120000,2:120000,…").
    months: Mapped[str] = mapped_column(String(300))
    # The highest ledger entry id it counted: a later entry of the year means it is out of date.
    last_entry_id: Mapped[int] = mapped_column(Integer, default=0)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(30))

    @property
    def number(self) -> str:
        return f"{self.year}-{self.serial:04d}"
