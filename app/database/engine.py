"""The engine factory and the unit-of-work session.

One engine per process and one short session per unit of work: a widget never holds a session
across user actions. SQLite is tuned for a desk PC (WAL, foreign keys on, a busy timeout so two
threads wait instead of failing); PostgreSQL gets `pool_pre_ping` so a server restart in the night
does not greet the clerk with an error in the morning.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from app.services.common.errors import MONTH_CLOSED_MARK, MonthClosedError


def normalise_url(url: str) -> str:
    """postgresql:// means psycopg 3 here; nobody should have to remember the driver name."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url_or_engine: str | Engine) -> bool:
    url = url_or_engine.url if isinstance(url_or_engine, Engine) else make_url(url_or_engine)
    return url.get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
    except Exception:  # noqa: BLE001 - a database without WAL (in memory) keeps its journal; that is fine
        pass
    cursor.close()


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """The process's engine. `hide_parameters`: a statement error (and echo) never carries the bound
    values (names, account numbers) into a message, a log file or a clerk's screen."""
    url = normalise_url(url)
    if is_sqlite(url):
        engine = create_engine(url, echo=echo, hide_parameters=True,
                               connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        echo=echo,
        hide_parameters=True,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        connect_args={"connect_timeout": 5, "application_name": "kscms-desk"},
    )


class Database:
    """An engine and its session factory, handed explicitly to the services that need them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._factory = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls(make_engine(url))

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error."""
        session = self._factory()
        try:
            yield session
            session.commit()
        except DBAPIError as error:
            session.rollback()
            if MONTH_CLOSED_MARK in str(error.orig):
                raise MonthClosedError() from error
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
