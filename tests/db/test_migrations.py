"""The migrations build exactly the models' schema, on SQLite and PostgreSQL, and refuse a newer database."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from app.database import migrate as migrations
from app.database import schema
from app.database.engine import Database
from app.models import Base


def test_migrated_schema_matches_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_quick_head_agrees_with_alembic() -> None:
    """Start-up reads the head from the files without Alembic; it must be the head Alembic computes."""
    assert schema.quick_head() == schema.head_revision()


def test_upgrade_twice_changes_nothing(db: Database) -> None:
    assert schema.current_revision(db.engine) == schema.head_revision()
    assert migrations.upgrade(db.engine) is False


def test_a_database_from_a_newer_version_is_refused(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_from_the_future'"))
    with pytest.raises(schema.SchemaTooNewError, match="더 새로운 버전"):
        migrations.upgrade(db.engine)


def test_sqlite_file_is_backed_up_before_an_upgrade(sqlite_db: Database, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A pending upgrade first copies the file whole; the copy holds the data as it was."""
    with sqlite_db.engine.begin() as conn:
        conn.execute(text("INSERT INTO institution (name, created_at, updated_at) "
                          "VALUES ('옛 학원', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    applied: list[str] = []
    import alembic.command

    monkeypatch.setattr(migrations, "head_revision", lambda: "0002_next")
    monkeypatch.setattr(migrations, "quick_head", lambda: "0002_next")
    monkeypatch.setattr(alembic.command, "upgrade", lambda cfg, target: applied.append(target))
    backups = tmp_path / "backups"

    assert migrations.upgrade(sqlite_db.engine, backup_to=backups) is True

    assert applied == ["head"]
    copies = list(backups.glob("kscms-*-before-upgrade-*.db"))
    assert len(copies) == 1
    copy = Database.from_url(f"sqlite:///{copies[0].as_posix()}")
    with copy.engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM institution")).scalar_one() == "옛 학원"
    copy.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one().lower() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1


@pytest.mark.pg
def test_postgresql_storage_settings_for_the_request_files(pg_db: Database) -> None:
    """What makes building a 100,000-record EB21 fast there (tests/bench/bench_sending.py): room for
    HOT updates on debit_request, no index on the columns the build sets, lz4 for the stored file."""
    with pg_db.engine.connect() as conn:
        options = conn.execute(text("SELECT reloptions FROM pg_class WHERE oid = 'debit_request'::regclass")).scalar()
        indexed = conn.execute(text(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'debit_request'::regclass")).scalars().all()
        compression = conn.execute(text(
            "SELECT attcompression FROM pg_attribute WHERE attrelid = 'transmission'::regclass "
            "AND attname = 'content'")).scalar()
    assert "fillfactor=50" in (options or [])
    assert not {"transmission_id", "seq_no", "version_id"} & set(indexed)
    assert compression == "l"
