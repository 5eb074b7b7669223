"""The declarative base and the column types every model shares.

Money is integer won everywhere, so there is no Numeric money type here on purpose.
Timestamps are stored as naive UTC and handed back timezone-aware, because SQLite has
no timezone type and the two databases must behave the same.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, TypeAlias, TypeVar, cast

from sqlalchemy import ColumnElement, DateTime, Enum, MetaData, Table, func
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, QueryableAttribute, mapped_column
from sqlalchemy.types import TypeDecorator

_T = TypeVar("_T")
Key: TypeAlias = "_T | ColumnElement[_T] | QueryableAttribute[_T]"
"""A value to compare a column with: a Python value, or another column (in a join)."""

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, naive UTC in the column."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # SQLite server defaults come back as text
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def str_enum(enum_cls: type[enum.Enum], length: int = 20) -> Enum:
    """Store an enum by its value as plain text, readable in both databases and in SQL tools."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def table_of(model: type[Base]) -> Table:
    """The model's Table, for Core bulk statements. SQLAlchemy types `__table__` as any FromClause (a
    class may be mapped to a join or a select); every model here is mapped to one Table."""
    return cast(Table, model.__table__)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, server_default=func.current_timestamp())
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime, default=utcnow, onupdate=utcnow, server_default=func.current_timestamp()
    )
