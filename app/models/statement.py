"""통장입금대사: the deposits of the office's bank statement, and what each paid.

* `StatementLine`: one deposit of a statement the clerk read, remembered by its identity (day and
  time, amount, depositor, balance: a hash, unique per contract), so a statement downloaded twice or
  two overlapping periods never apply a deposit twice. It stays 미처리 until the clerk applies it
  (계좌입금 payments) or sets it aside (수납아님, with a reason). No account number is kept: banks
  print the sender's account on some statements, and it is never read.
* `StatementAllocation`: the part of a deposit applied to one charge, as the `Payment` it became
  (one deposit may pay several months). ``applied_amount`` on the line is their sum; what is left
  of a deposit larger than what was owed stays on the line, never on a charge.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UtcDateTime, str_enum, utcnow
from app.models.enums import StatementLineState


class StatementLine(Base):
    """One deposit (입금) of a bank statement, with its identity and what became of it."""

    __tablename__ = "statement_line"
    __table_args__ = (
        UniqueConstraint("contract_id", "identity"),
        Index("ix_statement_line_contract_state", "contract_id", "state", "occurred_on"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("applied_amount >= 0 AND applied_amount <= amount", name="applied_within"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="RESTRICT"))
    identity: Mapped[str] = mapped_column(String(64))  # sha256 hex of the line's identity (see statements)
    occurred_on: Mapped[date] = mapped_column(Date)
    occurred_time: Mapped[str | None] = mapped_column(String(8))  # "HH:MM:SS" when the statement has it
    amount: Mapped[int] = mapped_column(BigInteger)
    depositor: Mapped[str] = mapped_column(String(100))
    memo: Mapped[str | None] = mapped_column(String(200))
    balance: Mapped[int | None] = mapped_column(BigInteger)
    bank: Mapped[str | None] = mapped_column(String(40))  # the statement layout it was read as
    source_file: Mapped[str] = mapped_column(String(255))  # the file's name only
    state: Mapped[StatementLineState] = mapped_column(str_enum(StatementLineState), default=StatementLineState.PENDING)
    applied_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    note: Mapped[str | None] = mapped_column(Text)  # why it was set aside, or what was left over
    created_by: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(30))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class StatementAllocation(Base):
    """The part of a deposit that paid one charge: the 계좌입금 `Payment` it became."""

    __tablename__ = "statement_allocation"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("statement_line.id", ondelete="RESTRICT"), index=True)
    charge_id: Mapped[int] = mapped_column(ForeignKey("charge.id", ondelete="RESTRICT"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id", ondelete="RESTRICT"), unique=True)
    amount: Mapped[int] = mapped_column(BigInteger)
