"""Migrated template databases: the schema is built once per pytest session and copied for every test.

Migrating costs 0.1-0.4 s on SQLite and 0.6-0.9 s on PostgreSQL; with about 750 database tests that
was most of the suite's time. A copy is what a fresh migration would have made - the same tables,
indexes, sequences and `alembic_version` row, since the migrations insert nothing else and nothing
time- or random-dependent (tests/db/test_template.py proves it on both databases).

SQLite: the migrated file is copied byte for byte (0.2 ms; the backup API takes 5 ms).

PostgreSQL: each test keeps its own schema on the shared server (the URL's search_path, as the
tests have always had), filled by replaying a `pg_dump` of a schema migrated once (about 0.2 s).
A database per test cloned with `CREATE DATABASE ... TEMPLATE` was measured too: the clone takes
0.08 s, but on PostgreSQL 15 every `DROP DATABASE` forces a checkpoint (0.5-1 s on this machine,
and it slows every other connection to the server), so it was slower than migrating. Without a
usable pg_dump, `PgTemplate.script` is None and each test migrates its schema as before.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import URL, make_url


def migrate(url: str) -> None:
    """Upgrade the database at `url` to head, the way the app does at start."""
    from app.database import migrate as migrations
    from app.database.engine import Database

    db = Database.from_url(url)
    try:
        migrations.upgrade(db.engine)
    finally:
        db.dispose()


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.as_posix()}"


def migrated_sqlite_file(folder: Path) -> Path:
    """The session's template: a SQLite file migrated to head, every connection closed (no -wal left)."""
    path = folder / "migrated.db"
    migrate(sqlite_url(path))
    return path


def copy_sqlite(template: Path, target: Path) -> None:
    shutil.copyfile(template, target)


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as libpq and psycopg read it (no `+psycopg` driver suffix)."""
    return url.replace("postgresql+psycopg", "postgresql")


def schema_url(base: str, schema: str) -> str:
    """`base` with its search_path set to `schema`, so the app's unqualified names land there."""
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


def _dump_schema(base: str, schema: str) -> str:
    """A plain pg_dump of one schema: DDL, storage settings, sequences' positions and the rows."""
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise RuntimeError("pg_dump is not on PATH")
    url = make_url(libpq_url(base))
    env = dict(os.environ)
    if url.password:  # in the environment, not on a command line others can read
        env["PGPASSWORD"] = str(url.password)
    dsn = URL.create(url.drivername, url.username, None, url.host, url.port, url.database).render_as_string()
    done = subprocess.run(
        [pg_dump, "--dbname", dsn, "--schema", schema, "--inserts", "--no-owner", "--no-privileges"],
        capture_output=True, text=True, timeout=120, check=False, env=env,
    )
    if done.returncode != 0:
        raise RuntimeError(f"pg_dump failed: {done.stderr.strip()}")
    return done.stdout


def replay_script(dump: str, schema: str) -> str:
    """The dump as SQL to run into an existing empty schema: psql's backslash commands and the
    `CREATE SCHEMA` dropped; the template's unique name left as the placeholder `schema`."""
    lines = [line for line in dump.splitlines() if not line.startswith("\\")]
    return "\n".join(line for line in lines if line.strip() != f"CREATE SCHEMA {schema};")


class PgTemplate:
    """One schema migrated per session, kept as a replayable script; the schema itself is dropped
    at once (the script is all the tests need)."""

    def __init__(self, base: str, execute: Callable[[str], None]) -> None:
        self.base = base
        self.placeholder = f"kscms_tpl_{os.getpid()}_{uuid.uuid4().hex[:12]}"
        self.script: str | None = None
        self.error: str | None = None
        execute(f"CREATE SCHEMA {self.placeholder}")
        try:
            migrate(schema_url(base, self.placeholder))
            self.script = replay_script(_dump_schema(base, self.placeholder), self.placeholder)
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:  # no usable pg_dump
            self.error = f"no template ({exc}); every test migrates its own schema"
        finally:
            execute(f"DROP SCHEMA {self.placeholder} CASCADE")

    def fill(self, schema: str) -> None:
        """Make the empty `schema` what a migration would have made of it."""
        import psycopg

        if self.script is None:
            migrate(schema_url(self.base, schema))
            return
        with psycopg.connect(libpq_url(self.base)) as conn:
            conn.execute(self.script.replace(self.placeholder, schema))
