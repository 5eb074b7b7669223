"""관리사무소 rules: 연체료 by the 관리규약, 독촉 in stages, and the month close (마감).

* `LateFeePolicy`: the 관리규약's late fee for a contract (item NULL) or one item where it differs.
  The rate is kept in parts per million (2 % → 20000) so the computation stays in integers.
* `LateFeeWaiver`: a manager's waiver for a household (charge NULL) or one charge, with its reason;
  revoking it keeps the row, so a waiver once granted stays visible.
* `LateFeeBill`: the fee of one late charge billed as an item 연체료 of a later month (the charge it
  became); the next computation subtracts what is already billed.
* `DunningStage` / `DunningHold` / `DunningLetter`: the stages after a failed debit, a household's
  pause (a payment plan, a dispute) and every letter issued — one per stage and failed request.
* `MonthClose`: one close of a contract's month. While a close stands (``reopened_at`` NULL) the
  database's triggers (migration 0014) refuse any change to that month's charges, requests, payments
  and ledger rows; reopening keeps the row, so the earlier close report reads as superseded.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin, UtcDateTime, str_enum, utcnow
from app.models.enums import LateFeeBasis


class LateFeePolicy(TimestampMixin, Base):
    """연체료 rule of a contract (item_id NULL) or of one item; off (`enabled` false) by default."""

    __tablename__ = "late_fee_policy"
    __table_args__ = (
        UniqueConstraint("contract_id", "item_id"),
        CheckConstraint("rate_ppm >= 0 AND rate_ppm <= 1000000", name="rate_range"),
        CheckConstraint("grace_days >= 0 AND grace_days <= 365", name="grace_range"),
        CheckConstraint("cap_amount IS NULL OR cap_amount >= 0", name="cap_nonneg"),
        CheckConstraint("rounding_unit IN (1, 10, 100, 1000)", name="rounding_unit_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="RESTRICT"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("collection_item.id", ondelete="RESTRICT"))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    basis: Mapped[LateFeeBasis] = mapped_column(str_enum(LateFeeBasis, 10), default=LateFeeBasis.DAY)
    rate_ppm: Mapped[int] = mapped_column(Integer, default=0)
    grace_days: Mapped[int] = mapped_column(Integer, default=0)
    cap_amount: Mapped[int | None] = mapped_column(BigInteger)
    rounding_unit: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str | None] = mapped_column(String(30))


class LateFeeWaiver(Base):
    """감면: a household's (charge_id NULL) or one charge's late fee waived by a manager, with the reason."""

    __tablename__ = "late_fee_waiver"
    __table_args__ = (
        Index("ix_late_fee_waiver_customer", "customer_id"),
        CheckConstraint("length(reason) > 0", name="reason_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="RESTRICT"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="RESTRICT"))
    charge_id: Mapped[int | None] = mapped_column(ForeignKey("charge.id", ondelete="RESTRICT"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    waived_by: Mapped[str] = mapped_column(String(30))
    waived_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(30))
    revoke_reason: Mapped[str | None] = mapped_column(Text)


class LateFeeBill(Base):
    """The late fee of one charge, as of a day, billed as the charge `billed_charge_id` (item 연체료)."""

    __tablename__ = "late_fee_bill"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="RESTRICT"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="RESTRICT"), index=True)
    charge_id: Mapped[int] = mapped_column(ForeignKey("charge.id", ondelete="RESTRICT"), index=True)
    billed_charge_id: Mapped[int] = mapped_column(ForeignKey("charge.id", ondelete="RESTRICT"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    as_of: Mapped[date] = mapped_column(Date)
    billed_by: Mapped[str] = mapped_column(String(30))
    billed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class DunningStage(TimestampMixin, Base):
    """One 독촉 stage of a contract: its name, the days after a failed debit, and the letter's wording."""

    __tablename__ = "dunning_stage"
    __table_args__ = (
        UniqueConstraint("contract_id", "seq"),
        CheckConstraint("seq > 0", name="seq_positive"),
        CheckConstraint("days_after >= 0 AND days_after <= 365", name="days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="RESTRICT"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(20))
    days_after: Mapped[int] = mapped_column(Integer)
    wording: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class DunningHold(Base):
    """A household kept out of 독촉 until `ends_on` (a payment plan, a dispute); ended early by `ended_at`."""

    __tablename__ = "dunning_hold"
    __table_args__ = (
        Index("ix_dunning_hold_customer", "customer_id", "ends_on"),
        CheckConstraint("length(reason) > 0", name="reason_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="RESTRICT"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_by: Mapped[str | None] = mapped_column(String(30))
    end_reason: Mapped[str | None] = mapped_column(String(200))  # why it was ended before `ends_on`


class DunningLetter(Base):
    """A letter issued for one stage after one failed request; the unique pair makes it once."""

    __tablename__ = "dunning_letter"
    __table_args__ = (
        UniqueConstraint("stage_id", "request_id"),
        Index("ix_dunning_letter_customer", "customer_id", "issued_at"),
        CheckConstraint("unpaid >= 0 AND late_fee >= 0 AND late_fee_waived >= 0", name="amounts_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="RESTRICT"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="RESTRICT"))
    stage_id: Mapped[int] = mapped_column(ForeignKey("dunning_stage.id", ondelete="RESTRICT"))
    request_id: Mapped[int] = mapped_column(ForeignKey("debit_request.id", ondelete="RESTRICT"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    unpaid: Mapped[int] = mapped_column(BigInteger)
    late_fee: Mapped[int] = mapped_column(BigInteger, default=0)
    # The waived fee the letter showed as 감면 (never asked for), so a reprint shows it again.
    late_fee_waived: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(30))


class MonthClose(Base):
    """마감 of one contract month; while `reopened_at` is NULL the month's money rows are frozen."""

    __tablename__ = "month_close"
    __table_args__ = (
        Index("ix_month_close_contract_period", "contract_id", "period"),
        CheckConstraint("reopened_at IS NULL OR coalesce(length(reopen_reason), 0) > 0", name="reopen_reason_given"),
        CheckConstraint("missing_results = 0 OR coalesce(length(override_reason), 0) > 0", name="override_reason_given"),
        # At most one standing close per contract month; a reopened one stays as history.
        Index("uq_month_close_standing", "contract_id", "period", unique=True,
              sqlite_where=text("reopened_at IS NULL"), postgresql_where=text("reopened_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="RESTRICT"))
    period: Mapped[str] = mapped_column(String(7))
    closed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_by: Mapped[str] = mapped_column(String(30))
    # Requests of the month still without a result when it was closed, and why it was closed anyway.
    missing_results: Mapped[int] = mapped_column(Integer, default=0)
    override_reason: Mapped[str | None] = mapped_column(Text)
    # The close report's figures as JSON (app/services/aggregates/month_close_report.py): what the
    # council was given; a frozen month recomputes to the same.
    figures: Mapped[str] = mapped_column(Text)
    reopened_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reopened_by: Mapped[str | None] = mapped_column(String(30))
    reopen_reason: Mapped[str | None] = mapped_column(Text)
