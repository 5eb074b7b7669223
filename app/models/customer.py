"""고객 and 이체정보: payers and their standing debit agreements, one per collection item."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TimestampMixin, str_enum
from app.models.enums import AgreementStatus, CustomerType


class Customer(TimestampMixin, Base):
    """A payer. Rows are never deleted, so a customer number is never reused in its contract."""

    __tablename__ = "customer"
    __table_args__ = (
        UniqueConstraint("contract_id", "customer_no"),
        Index("ix_customer_contract_name", "contract_id", "name"),
        # The customer list sorts by these within a contract (migration 0002_customer_search).
        Index("ix_customer_contract_type", "contract_id", "customer_type"),
        Index("ix_customer_contract_grade", "contract_id", "grade"),
        Index("ix_customer_contract_mobile", "contract_id", "mobile"),
        Index("ix_customer_contract_joined", "contract_id", "joined_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="RESTRICT"), index=True)
    customer_no: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(50))
    customer_type: Mapped[CustomerType] = mapped_column(str_enum(CustomerType), default=CustomerType.PERSON)
    grade: Mapped[str | None] = mapped_column(String(30), index=True)
    # Encrypted (AES-GCM) full resident number, only when one was entered; the mask is safe to show.
    resident_no_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    resident_no_masked: Mapped[str | None] = mapped_column(String(20))
    business_no: Mapped[str | None] = mapped_column(String(10))
    representative: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20))
    mobile: Mapped[str | None] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(50))
    joined_on: Mapped[date | None] = mapped_column(Date)
    region: Mapped[str | None] = mapped_column(String(30))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    address: Mapped[str | None] = mapped_column(String(200))
    address_detail: Mapped[str | None] = mapped_column(String(200))
    memo: Mapped[str | None] = mapped_column(Text)
    # 학원: the student when not the payer (교육비 납입증명서), and the birth date that tells whether
    # the student is under 9 at the year's end (2026 rule for 예체능 학원비).
    student_name: Mapped[str | None] = mapped_column(String(50))
    student_birth_date: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    agreements: Mapped[list[DebitAgreement]] = relationship(back_populates="customer", order_by="DebitAgreement.id")

    __mapper_args__ = {"version_id_col": version_id}


class DebitAgreement(TimestampMixin, Base):
    """이체정보: the customer's standing order for one item."""

    __tablename__ = "debit_agreement"
    __table_args__ = (
        UniqueConstraint("customer_id", "item_id"),
        CheckConstraint("monthly_amount >= 0", name="monthly_amount_nonneg"),
        CheckConstraint("debit_limit >= 0", name="debit_limit_nonneg"),
        CheckConstraint("monthly_amount <= debit_limit", name="monthly_within_limit"),
        CheckConstraint("discount_rate >= 0 AND discount_rate <= 100", name="discount_rate_range"),
        CheckConstraint("discount_amount >= 0 AND discount_amount <= monthly_amount", name="discount_amount_range"),
        CheckConstraint("debit_day >= 1 AND debit_day <= 31", name="debit_day_range"),
        Index("ix_debit_agreement_account_hash", "account_no_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="RESTRICT"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("collection_item.id", ondelete="RESTRICT"), index=True)
    debit_limit: Mapped[int] = mapped_column(BigInteger)
    monthly_amount: Mapped[int] = mapped_column(BigInteger)
    discount_rate: Mapped[int] = mapped_column(Integer, default=0)
    discount_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    first_month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    last_month: Mapped[str | None] = mapped_column(String(7))
    debit_day: Mapped[int] = mapped_column(Integer)
    bank_code: Mapped[str] = mapped_column(String(3), index=True)
    account_no_enc: Mapped[bytes] = mapped_column(LargeBinary)
    # Keyed hash of the account digits (blind index): search without decrypting every row.
    account_no_hash: Mapped[str] = mapped_column(String(64))
    account_last4: Mapped[str] = mapped_column(String(4))
    holder_name: Mapped[str] = mapped_column(String(50))
    holder_id: Mapped[str] = mapped_column(String(10))  # YYMMDD or business number, as bank files carry it
    manager_name: Mapped[str | None] = mapped_column(String(50))
    registrant: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[AgreementStatus] = mapped_column(str_enum(AgreementStatus), default=AgreementStatus.ACTIVE)
    ended_on: Mapped[date | None] = mapped_column(Date)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    customer: Mapped[Customer] = relationship(back_populates="agreements")

    __mapper_args__ = {"version_id_col": version_id}
