"""집금항목: what an institution collects and on which days."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin


class CollectionItem(TimestampMixin, Base):
    __tablename__ = "collection_item"
    __table_args__ = (UniqueConstraint("contract_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(40))
    # Comma-separated days of the month, e.g. "5,15,25".
    collection_days: Mapped[str] = mapped_column(String(100))
    from_catalogue: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def day_list(self) -> list[int]:
        return sorted(int(d) for d in self.collection_days.split(",") if d.strip())
