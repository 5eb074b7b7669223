"""What 수납관리 adds to the schema: the discount history and the auto-request marker.

* `DiscountChange`: 할인관리 changes an agreement's discount for all future requests, so who changed
  it, when, from what to what must stay on record (the agreement row only holds the current value).
* `AutoRequestRun`: the automatic 이체의뢰 runs once per contract and debit date. The marker is what
  makes it once: a clerk who withdraws an auto-queued request does not see it come back at the next
  scheduler pass. The unique constraint lets two PCs race for it safely.
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
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UtcDateTime, utcnow


class DiscountChange(Base):
    """One agreement's discount changed by 할인관리 (일괄적용): who, when, from, to."""

    __tablename__ = "discount_change"
    __table_args__ = (
        Index("ix_discount_change_contract_at", "contract_id", "changed_at"),
        CheckConstraint("old_amount >= 0 AND new_amount >= 0", name="amounts_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="RESTRICT"))
    agreement_id: Mapped[int] = mapped_column(ForeignKey("debit_agreement.id", ondelete="RESTRICT"), index=True)
    old_rate: Mapped[int] = mapped_column(Integer)
    old_amount: Mapped[int] = mapped_column(BigInteger)
    new_rate: Mapped[int] = mapped_column(Integer)
    new_amount: Mapped[int] = mapped_column(BigInteger)
    monthly_amount: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(30))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="RESTRICT"))


class AutoRequestRun(Base):
    """The automatic 이체의뢰 of one contract and debit date has run (what it queued)."""

    __tablename__ = "auto_request_run"
    __table_args__ = (UniqueConstraint("contract_id", "debit_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="RESTRICT"))
    debit_date: Mapped[date] = mapped_column(Date)
    ran_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    request_count: Mapped[int] = mapped_column(Integer, default=0)
    total_amount: Mapped[int] = mapped_column(BigInteger, default=0)
