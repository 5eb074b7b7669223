"""집금항목: what an institution collects and on which days."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin


class CollectionItem(TimestampMixin, Base):
    __tablename__ = "collection_item"
    __table_args__ = (
        UniqueConstraint("contract_id", "code"),
        CheckConstraint("posted_fee IS NULL OR posted_fee >= 0", name="posted_fee_nonneg"),
        CheckConstraint("teaching_first_day IS NULL OR (teaching_first_day >= 1 AND teaching_first_day <= 31)",
                        name="teaching_first_day_range"),
        CheckConstraint("teaching_last_day IS NULL OR (teaching_last_day >= 1 AND teaching_last_day <= 31)",
                        name="teaching_last_day_range"),
        CheckConstraint("teaching_sessions IS NULL OR teaching_sessions > 0", name="teaching_sessions_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(40))
    # Comma-separated days of the month, e.g. "5,15,25".
    collection_days: Mapped[str] = mapped_column(String(100))
    from_catalogue: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # 학원: the 교습비 posted for this item (no monthly amount may exceed it), and its teaching time in
    # a month for refunds: first and last teaching day (None = the month's first and last day), or a
    # number of sessions.
    posted_fee: Mapped[int | None] = mapped_column(BigInteger)
    teaching_first_day: Mapped[int | None] = mapped_column(Integer)
    teaching_last_day: Mapped[int | None] = mapped_column(Integer)
    teaching_sessions: Mapped[int | None] = mapped_column(Integer)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def day_list(self) -> list[int]:
        return sorted(int(d) for d in self.collection_days.split(",") if d.strip())
