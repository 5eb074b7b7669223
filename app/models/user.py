"""People who log in, and the audit trail of what they did."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin, UtcDateTime, str_enum, utcnow
from app.models.enums import Role


class User(TimestampMixin, Base):
    """사용자. The login ID never changes once made (the manual says so)."""

    __tablename__ = "app_user"
    __table_args__ = (UniqueConstraint("institution_id", "login_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="RESTRICT"), index=True)
    login_id: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(50))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    password_hash: Mapped[str] = mapped_column(String(200))
    # The manual checks the operator's resident number; we keep only a hash of a birth date.
    birth_hash: Mapped[str] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    notifications_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(100))
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class AuditLog(Base):
    """Who did what, when: logins, user and settings changes, reveals and exports of personal data."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"), index=True)
    login_id: Mapped[str | None] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(100))
    # The operating-system account at the keyboard: a shared 관리자 login or a script is still a person.
    os_user: Mapped[str | None] = mapped_column(String(64))


class SchedulerCredential(Base):
    """A revocable credential under which one PC runs `python -m app scheduler` unattended.

    An administrator makes it for a PC (its name, usually the host name) and the token is shown once;
    only an argon2 hash is kept. It can send and receive, nothing else, and stops working at the next
    pass after `revoked_at` is set, so a lost or retired PC is cut off without touching any user.
    """

    __tablename__ = "scheduler_credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(200))
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_by: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
