"""The shape check a restore makes: the backup's tables are those of its revision, and it upgrades.

The shape check does not trust the file's own claim about its revision: the file's tables and
columns must be exactly those an empty database migrated to that revision has, and a copy of the
file upgraded to the program's head must match the models (alembic's compare_metadata, as
tests/db/test_migrations.py does) — so a backup that would leave a program unable to start is
refused before the live data is touched.

Apart from app/database/backup_manifest.py because it upgrades a trial copy (app/database/migrate.py),
and the upgrade's own pre-upgrade copy writes a manifest: the manifest module imports no upgrade.
"""

from __future__ import annotations

import functools
import sqlite3
import tempfile
from pathlib import Path

from app.database.backup_manifest import ManifestError, sqlite_tables
from app.database.schema import alembic_config


@functools.lru_cache(maxsize=16)
def reference_tables(revision: str) -> dict[str, tuple[str, ...]]:
    """{table: columns} of an empty SQLite database migrated to `revision` (cached per process)."""
    from alembic import command
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    with tempfile.TemporaryDirectory(prefix="kscms-shape-") as tmp:
        path = Path(tmp) / "reference.db"
        engine = create_engine(f"sqlite:///{path.as_posix()}", poolclass=NullPool)
        try:
            cfg = alembic_config()
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
        finally:
            engine.dispose()
        reference = sqlite3.connect(str(path))
        try:
            return {t: tuple(c) for t, c in sqlite_tables(reference).items()}
        finally:
            reference.close()


def check_shape(path: Path, revision: str) -> None:
    """The tables and columns of revision `revision`, and, upgraded, exactly the program's models.

    `path` is a private staged copy: the upgrade is done on a second copy of it, never on the file
    that will be restored and never on the live database.
    """
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
    try:
        found = {t: tuple(c) for t, c in sqlite_tables(conn).items()}
    finally:
        conn.close()
    expected = reference_tables(revision)
    if found != expected:
        missing = sorted(set(expected) - set(found))
        extra = sorted(set(found) - set(expected))
        altered = sorted(t for t in set(found) & set(expected) if found[t] != expected[t])
        parts = [f"없는 표 {', '.join(missing[:3])}" if missing else "", f"낯선 표 {', '.join(extra[:3])}" if extra else "",
                 f"열이 다른 표 {', '.join(altered[:3])}" if altered else ""]
        reason = "; ".join(p for p in parts if p)
        raise ManifestError(
            f"백업의 데이터베이스 구조가 스키마 버전 {revision}의 구조와 다릅니다({reason}). 이 백업은 복원하지 않습니다.",
            f"schema shape differs from revision {revision}: missing {missing[:3]}, extra {extra[:3]}, "
            f"altered {altered[:3]}",
        )
    _check_upgraded(path, revision)


def _check_upgraded(path: Path, revision: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from app.database import migrate as migrations
    from app.models import Base

    with tempfile.TemporaryDirectory(prefix="kscms-upgrade-") as tmp:
        trial = Path(tmp) / "trial.db"
        source, dest = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True), sqlite3.connect(str(trial))
        try:
            source.backup(dest)
        finally:
            source.close()
            dest.close()
        engine = create_engine(f"sqlite:///{trial.as_posix()}", poolclass=NullPool)
        try:
            try:
                migrations.upgrade(engine)
            except Exception as error:  # noqa: BLE001 - any failure means the program could not start on it
                raise ManifestError(
                    f"이 백업은 스키마 버전 {revision}에서 현재 버전으로 갱신되지 않습니다. 복원하면 프로그램이 시작되지 "
                    "않으므로 복원하지 않습니다.",
                    f"backup cannot be upgraded from {revision}: {type(error).__name__}",
                ) from None
            with engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        finally:
            engine.dispose()
    if diff:
        raise ManifestError(
            "이 백업을 현재 버전으로 갱신한 구조가 프로그램과 맞지 않습니다. 이 백업은 복원하지 않습니다.",
            f"upgraded backup differs from the models: {str(diff)[:200]}",
        )
