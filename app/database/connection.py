"""This PC's database: test a connection, say in Korean what is wrong, remember the choice, connect.

Why it looks like this:

* **The PostgreSQL password never touches settings.json.** settings.json holds a URL without a
  password; the password sits in the OS keyring (service ``KSCMS desk database``, account
  ``user@host:port/database``). ``make_database`` hands it to the driver at connect time through
  SQLAlchemy's ``do_connect`` event, so it is not in the engine's URL either and cannot leak into
  a log line or an error message that prints the URL.
* **Connection failures are named, not dumped.** libpq reports connection failures as text only
  (no SQLSTATE), in English or, on a Korean Windows server, in Korean; ``describe_connection_error``
  matches both and says what to do (server off, firewall, wrong password, database missing ...).
* **Probing does not change anything.** ``probe`` only reads: whether the database is empty,
  already set up by another PC (then this PC joins it with the data passphrase) or made by a newer
  program. ``prepare`` is the step that creates or upgrades the schema.

The pieces that need no connection are leaf modules, so the backups and the CLI can use them without
this one: where the database is and its keyring password (app/database/server_settings.py), what
went wrong (app/database/problems.py), the schema's revision (app/database/schema.py). Callers import
those names from their own modules.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from app import config
from app.database import schema
from app.database.engine import Database, is_sqlite, make_engine, normalise_url
from app.database.problems import ConnectionProblem, ProblemKind, describe_connection_error
from app.database.server_settings import (
    ServerSettings,
    load_password,
    sqlite_file,
)

SQLITE_HEADER = b"SQLite format 3\x00"


# --- connecting --------------------------------------------------------------------------------


def make_database(url: str, *, password: str | None = None) -> Database:
    """The Database for `url`. A PostgreSQL URL without a password gets `password`, else this PC's
    keyring entry, at each new connection; with neither, libpq's own sources (pgpass, PGPASSWORD) apply."""
    url = normalise_url(url)
    engine = make_engine(url)
    if not is_sqlite(url) and make_url(url).password is None:
        _supply_password(engine, ServerSettings.from_url(url), password)
    return Database(engine)


def _supply_password(engine: Engine, server: ServerSettings, password: str | None) -> None:
    def do_connect(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
        if cparams.get("password"):
            return
        secret = password if password is not None else load_password(server)
        if secret:
            cparams["password"] = secret

    event.listen(engine, "do_connect", do_connect)


# --- probing and preparing ----------------------------------------------------------------------


class DatabaseState(str, Enum):
    NEW = "new"  # no file yet, or no KSCMS tables: the wizard sets up a new institution
    EMPTY_SCHEMA = "empty_schema"  # KSCMS tables but no institution yet (an earlier setup was cancelled)
    INITIALIZED = "initialized"  # another PC set it up: this PC joins it with the data passphrase


@dataclass(frozen=True)
class Probe:
    state: DatabaseState
    institution_name: str | None = None
    revision: str | None = None

    @property
    def needs_setup(self) -> bool:
        return self.state is not DatabaseState.INITIALIZED


def check_sqlite_target(path: Path) -> None:
    """A file path the program can create, or an existing KSCMS SQLite file; refused otherwise."""
    path = Path(path)
    if path.is_dir():
        raise ConnectionProblem(ProblemKind.FILE, f"폴더가 아니라 파일 이름을 지정하세요: {path}")
    if path.exists():
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
        if path.stat().st_size and header != SQLITE_HEADER:
            raise ConnectionProblem(ProblemKind.NOT_KSCMS, f"이 파일은 KSCMS desk 데이터베이스가 아닙니다: {path.name}")
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        probe_file = path.parent / f".{path.name}.write-test"
        probe_file.write_bytes(b"")
        probe_file.unlink()
    except OSError as error:
        raise ConnectionProblem(
            ProblemKind.FILE, f"이 폴더에 파일을 만들 수 없습니다: {path.parent} ({error.strerror or type(error).__name__})"
        ) from None


def probe(url: str, *, password: str | None = None) -> Probe:
    """What is at `url`, without changing it; ConnectionProblem (Korean) when it cannot be used."""
    from app.models import Institution

    path = sqlite_file(url)
    if path is not None:
        check_sqlite_target(path)
        if not path.exists() or path.stat().st_size == 0:
            return Probe(DatabaseState.NEW)
        try:
            raw = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
            try:
                raw.execute("PRAGMA schema_version").fetchone()
            finally:
                raw.close()
        except sqlite3.DatabaseError as error:
            raise ConnectionProblem(ProblemKind.NOT_KSCMS, f"이 파일을 데이터베이스로 열 수 없습니다: {path.name} ({error})") from None
    where = "" if path is not None else ServerSettings.from_url(url).address
    # A plain engine for a file: make_engine's pragmas would switch a foreign file to WAL mode.
    db = Database(create_engine(normalise_url(url))) if path is not None else make_database(url, password=password)
    try:
        try:
            revision = schema.check_not_newer(db.engine)
        except schema.SchemaTooNewError as error:
            raise ConnectionProblem(ProblemKind.TOO_NEW, str(error)) from None
        if revision is None:
            with db.engine.connect() as conn:
                tables = _user_tables(conn, sqlite=path is not None)
            if tables and path is not None:
                raise ConnectionProblem(ProblemKind.NOT_KSCMS,
                                        "이 파일은 KSCMS desk 데이터베이스가 아닙니다 (다른 프로그램의 표가 있습니다).")
            if tables:
                raise ConnectionProblem(
                    ProblemKind.NOT_KSCMS,
                    "이 데이터베이스에는 KSCMS desk가 아닌 다른 프로그램의 표가 있습니다. KSCMS desk 전용 데이터베이스를 "
                    "지정하세요.",
                )
            return Probe(DatabaseState.NEW)
        with db.session() as s:
            name = s.scalar(select(Institution.name).order_by(Institution.id).limit(1))
        return Probe(DatabaseState.EMPTY_SCHEMA if name is None else DatabaseState.INITIALIZED, name, revision)
    except ConnectionProblem:
        raise
    except (SQLAlchemyError, OSError) as error:
        raise describe_connection_error(error, where) from None
    finally:
        db.dispose()


def _user_tables(conn: Any, *, sqlite: bool) -> list[str]:
    if sqlite:
        sql = "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
    else:
        sql = ("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
               "AND table_type = 'BASE TABLE'")
    return [row[0] for row in conn.execute(text(sql))]


def prepare(url: str, *, password: str | None = None) -> Database:
    """Open `url` and create or upgrade its schema (backing up a SQLite file that holds data first)."""
    from app.database import migrate as migrations

    path = sqlite_file(url)
    if path is not None:
        check_sqlite_target(path)
    db = make_database(url, password=password)
    try:
        migrations.upgrade(db.engine, backup_to=config.backup_dir() if path is not None else None)
    except schema.SchemaTooNewError as error:
        db.dispose()
        raise ConnectionProblem(ProblemKind.TOO_NEW, str(error)) from None
    except (SQLAlchemyError, OSError) as error:
        db.dispose()
        raise describe_connection_error(error, "" if path is not None else ServerSettings.from_url(url).address) from None
    return db
