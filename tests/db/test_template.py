"""A database copied from the session's template is what migrating a fresh one makes.

The fixtures (tests/template_db.py) copy instead of migrating for speed; this is the proof that no
test sees a difference: the same schema, storage settings, sequence positions and rows (the
`alembic_version` row is the only one the migrations insert).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from app.database.engine import Database
from tests import template_db


def _lines(sql: str | None) -> list[str]:
    """A CREATE statement as its sorted lines: SQLite's batch mode (a table rebuilt by a migration)
    writes the constraints in an order that differs from one migration to the next."""
    return sorted(line.strip().rstrip(",").strip() for line in (sql or "").splitlines())


def _sqlite_state(path: Path) -> tuple[list[tuple[object, ...]], dict[str, list[tuple[object, ...]]]]:
    with sqlite3.connect(path) as conn:
        found = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
        schema = [(kind, name, table, _lines(sql)) for kind, name, table, sql in found]
        tables = [name for kind, name, _t, _s in found if kind == "table"]
        rows = {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    return schema, rows


def test_a_sqlite_copy_equals_a_fresh_migration(sqlite_db: Database, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.db"
    template_db.migrate(template_db.sqlite_url(fresh))
    sqlite_db.dispose()
    assert _sqlite_state(tmp_path / "test.db") == _sqlite_state(fresh)


@pytest.mark.pg
def test_a_postgres_copy_equals_a_fresh_migration(pg_db: Database, pg_template: template_db.PgTemplate,
                                                  pg_server) -> None:
    if pg_template.script is None:
        pytest.skip(pg_template.error or "no template")
    copied = pg_db.engine.url.query["options"].split("search_path=", 1)[1]  # type: ignore[union-attr]
    fresh = copied + "_fresh"
    pg_server.execute(f"CREATE SCHEMA {fresh}")
    try:
        template_db.migrate(template_db.schema_url(pg_server.base, fresh))
        dumps = [template_db.replay_script(template_db._dump_schema(pg_server.base, s), s).replace(s, "S")
                 for s in (copied, fresh)]
        assert dumps[0] == dumps[1]
        assert "fillfactor" in dumps[0] and "alembic_version" in dumps[0]
    finally:
        pg_server.execute(f"DROP SCHEMA {fresh} CASCADE")


@pytest.mark.pg
def test_each_postgres_test_gets_its_own_schema(pg_db: Database) -> None:
    with pg_db.session() as s:
        assert s.scalar(text("SELECT current_schema()")).startswith("t_")
        assert s.scalar(text("SELECT count(*) FROM alembic_version")) == 1
