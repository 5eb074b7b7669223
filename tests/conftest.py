"""Fixtures shared by every test: a fresh migrated database per test, on SQLite and PostgreSQL, the
office on it, and its clerk and viewer.

Each test's database is a copy of one migrated per session (tests/template_db.py), as fresh as a
migration would have made it. Qt runs offscreen, passwords hash with cheap argon2 parameters, and
the OS keyring is replaced by an in-memory one, so nothing a test does touches the developer's own
keyring or data folder.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import template_db

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DEFAULT_PG_URL = "postgresql://root@127.0.0.1:5432/test"


def pg_base_url() -> str:
    return os.environ.get("KSCMS_TEST_PG_URL", DEFAULT_PG_URL)


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import keyring

    from app.services.common.crypto import MemoryKeyring
    from app.services.common.passwords import use_fast_hashing_for_tests

    monkeypatch.setenv("KSCMS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KSCMS_DATABASE_URL", raising=False)
    use_fast_hashing_for_tests()
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session; `sqlite_db` copies it."""
    return template_db.migrated_sqlite_file(tmp_path_factory.mktemp("template"))


class _PgServer:
    """Creates one schema per test on the PostgreSQL server and drops it afterwards."""

    def __init__(self) -> None:
        self.base = pg_base_url()
        self.error: str | None = None
        try:
            import psycopg

            with psycopg.connect(self.base.replace("postgresql+psycopg", "postgresql"), connect_timeout=5) as conn:
                conn.execute("select 1")
        except Exception as exc:  # noqa: BLE001 - any failure means "no server"
            self.error = f"PostgreSQL at {self.base} did not answer: {exc}"

    def schema_url(self, schema: str) -> str:
        return template_db.schema_url(self.base, schema)

    def execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.base.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
            conn.execute(sql)


@pytest.fixture(scope="session")
def pg_server() -> _PgServer:
    return _PgServer()


@pytest.fixture(scope="session")
def pg_template(pg_server: _PgServer) -> template_db.PgTemplate:
    """A schema migrated once per session, kept as the script `pg_db` replays into each test's schema."""
    require_pg(pg_server)
    return template_db.PgTemplate(pg_server.base, pg_server.execute)


def require_pg(server: _PgServer) -> None:
    if server.error:
        if os.environ.get("KSCMS_REQUIRE_PG") == "1" or os.environ.get("CI"):
            pytest.fail(server.error)
        pytest.skip(server.error)


@pytest.fixture
def _pg_schema(pg_server: _PgServer) -> Iterator[str]:
    """The name of a fresh, empty schema on the PostgreSQL server, dropped after the test."""
    require_pg(pg_server)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    pg_server.execute(f"CREATE SCHEMA {schema}")
    try:
        yield schema
    finally:
        pg_server.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def pg_url(pg_server: _PgServer, _pg_schema: str) -> str:
    """A fresh, empty schema on the PostgreSQL server, as a database URL."""
    return pg_server.schema_url(_pg_schema)


@pytest.fixture
def sqlite_db(tmp_path: Path, sqlite_template: Path):  # type: ignore[no-untyped-def]
    """A migrated SQLite file of the test's own (tmp_path/test.db)."""
    from app.database.engine import Database

    path = tmp_path / "test.db"
    template_db.copy_sqlite(sqlite_template, path)
    db = Database.from_url(template_db.sqlite_url(path))
    yield db
    db.dispose()


@pytest.fixture
def pg_db(pg_url: str, _pg_schema: str, pg_template: template_db.PgTemplate):  # type: ignore[no-untyped-def]
    """The `pg_url` schema, migrated: the same URL, so a test may ask for both."""
    from app.database.engine import Database

    pg_template.fill(_pg_schema)
    db = Database.from_url(pg_url)
    yield db
    wait_for_background_jobs()
    db.dispose()


def wait_for_background_jobs() -> None:
    """Let a screen's background query finish before its schema is dropped: one still running holds
    locks that DROP SCHEMA … CASCADE waits for while it waits for DROP's, and PostgreSQL calls that a
    deadlock (a page refreshing after a contract change at the very end of a test)."""
    if "PySide6.QtCore" in sys.modules:
        from PySide6.QtCore import QThreadPool

        QThreadPool.globalInstance().waitForDone(30_000)


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def db(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """The same test on SQLite and, marked `pg`, on PostgreSQL."""
    return request.getfixturevalue("sqlite_db" if request.param == "sqlite" else "pg_db")


@pytest.fixture
def office(db):  # type: ignore[no-untyped-def]
    """An institution with one contract, three items and an administrator who already chose a password."""
    from tests.factories import make_office

    return make_office(db)


@pytest.fixture
def clerk(office):  # type: ignore[no-untyped-def]
    """A 담당자 of the office (clerk1) who already chose a password."""
    from app.models import Role
    from tests.factories import add_user

    return add_user(office, "clerk1", Role.CLERK)


@pytest.fixture
def viewer(office):  # type: ignore[no-untyped-def]
    """A 조회자 of the office (viewer1): may look, never change."""
    from app.models import Role
    from tests.factories import add_user

    return add_user(office, "viewer1", Role.VIEWER, birth="910606")
