"""Fixtures shared by every test: a fresh migrated database per test, on SQLite and PostgreSQL.

Qt runs offscreen, passwords hash with cheap argon2 parameters, and the OS keyring is replaced by
an in-memory one, so nothing a test does touches the developer's own keyring or data folder.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

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


def _sqlite_db(tmp_path: Path):  # type: ignore[no-untyped-def]
    from app.database import migrate as migrations
    from app.database.engine import Database

    db = Database.from_url(f"sqlite:///{(tmp_path / 'test.db').as_posix()}")
    migrations.upgrade(db.engine)
    return db


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
        sep = "&" if "?" in self.base else "?"
        return f"{self.base}{sep}options=-csearch_path%3D{schema}"

    def execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.base.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
            conn.execute(sql)


@pytest.fixture(scope="session")
def pg_server() -> _PgServer:
    return _PgServer()


def require_pg(server: _PgServer) -> None:
    if server.error:
        if os.environ.get("KSCMS_REQUIRE_PG") == "1" or os.environ.get("CI"):
            pytest.fail(server.error)
        pytest.skip(server.error)


@pytest.fixture
def pg_url(pg_server: _PgServer) -> Iterator[str]:
    """A fresh, empty schema on the PostgreSQL server, as a database URL."""
    require_pg(pg_server)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    pg_server.execute(f"CREATE SCHEMA {schema}")
    try:
        yield pg_server.schema_url(schema)
    finally:
        pg_server.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def sqlite_db(tmp_path: Path):  # type: ignore[no-untyped-def]
    db = _sqlite_db(tmp_path)
    yield db
    db.dispose()


@pytest.fixture
def pg_db(pg_url: str):  # type: ignore[no-untyped-def]
    from app.database import migrate as migrations
    from app.database.engine import Database

    db = Database.from_url(pg_url)
    migrations.upgrade(db.engine)
    yield db
    db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def db(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """The same test on SQLite and, marked `pg`, on PostgreSQL."""
    return request.getfixturevalue("sqlite_db" if request.param == "sqlite" else "pg_db")


@pytest.fixture
def office(db):  # type: ignore[no-untyped-def]
    """An institution with one contract, three items and an administrator who already chose a password."""
    from tests.factories import make_office

    return make_office(db)
