"""공지사항: notices from the agency, and an office's own notices to its clerks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UtcDateTime, str_enum, utcnow
from app.models.enums import NoticeSource


class Notice(Base):
    __tablename__ = "notice"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id", ondelete="CASCADE"), index=True)
    source: Mapped[NoticeSource] = mapped_column(str_enum(NoticeSource))
    # The relay's own id for an agency notice, so fetching twice stores it once.
    external_id: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    created_by: Mapped[str | None] = mapped_column(String(30))


class NoticeRead(Base):
    __tablename__ = "notice_read"
    __table_args__ = (UniqueConstraint("notice_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    read_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
