"""The institution, its CMS contracts and the days it adds to the bank calendar."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Time,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TimestampMixin


class Institution(TimestampMixin, Base):
    """이용기관: the academy, apartment office or association that uses the service."""

    __tablename__ = "institution"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    business_no: Mapped[str | None] = mapped_column(String(10))
    representative: Mapped[str | None] = mapped_column(String(50))

    contracts: Mapped[list[Contract]] = relationship(back_populates="institution", order_by="Contract.id")


class Contract(TimestampMixin, Base):
    """계약정보: one CMS contract, as the relay and the bank files know it."""

    __tablename__ = "contract"
    __table_args__ = (
        CheckConstraint("fee_per_debit >= 0", name="fee_per_debit_nonneg"),
        CheckConstraint("fee_per_registration >= 0", name="fee_per_registration_nonneg"),
        CheckConstraint("auto_request_lead_minutes >= 0", name="auto_request_lead_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="RESTRICT"), index=True)
    institution_code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    business_no: Mapped[str] = mapped_column(String(10))
    representative: Mapped[str] = mapped_column(String(50))
    settlement_bank_code: Mapped[str] = mapped_column(String(3))
    settlement_account_no: Mapped[str] = mapped_column(String(16))
    passbook_text: Mapped[str] = mapped_column(String(16))
    fee_per_debit: Mapped[int] = mapped_column(BigInteger, default=0)
    fee_per_registration: Mapped[int] = mapped_column(BigInteger, default=0)
    # Comma-separated days of the month ("5,15,25"): few values, always read together.
    debit_days: Mapped[str] = mapped_column(String(100), default="5,15,25")
    registration_cutoff: Mapped[time] = mapped_column(Time, default=time(14, 0))
    request_cutoff: Mapped[time] = mapped_column(Time, default=time(14, 0))
    result_time: Mapped[time] = mapped_column(Time, default=time(11, 0))
    auto_request: Mapped[bool] = mapped_column(Boolean, default=False)
    auto_request_lead_minutes: Mapped[int] = mapped_column(Integer, default=120)
    approval_box_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    approval_box_labels: Mapped[str] = mapped_column(String(100), default="담당,과장,원장")
    year_end_closing: Mapped[bool] = mapped_column(Boolean, default=True)
    # 부분출금 허용: EB21 출금형태 '0' instead of '1', so a bank debits what the balance allows
    partial_debit: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # 출금동의 증빙 (app/models/evidence.py): the agency's size limit per file and the years evidence
    # is kept after its agreement ends.
    evidence_max_bytes: Mapped[int] = mapped_column(Integer, default=307_200, server_default="307200")
    evidence_retention_years: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    # 학원: what the 교육비 납입증명서 prints for the institution (학원 등록번호, 소재지) and the 직인
    # image (PNG, normalised on upload) stamped on it and on the refund confirmation.
    academy_registration_no: Mapped[str | None] = mapped_column(String(30))
    academy_address: Mapped[str | None] = mapped_column(String(200))
    seal_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    institution: Mapped[Institution] = relationship(back_populates="contracts")

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def debit_day_list(self) -> list[int]:
        return sorted(int(d) for d in self.debit_days.split(",") if d.strip())


class InstitutionHoliday(Base):
    """A day the institution itself does not process (added to the bank calendar)."""

    __tablename__ = "institution_holiday"
    __table_args__ = (UniqueConstraint("contract_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(50))
