"""Bring the schema up to date at start, safely.

Before upgrading a SQLite file that already holds data, a copy is taken with SQLite's online
backup API. A database stamped with a revision this program does not know was made by a newer
version: we refuse to touch it rather than guess.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from app.resources import migrations_dir

log = logging.getLogger(__name__)


class SchemaTooNewError(RuntimeError):
    """The database was made by a newer KSCMS desk."""


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def check_not_newer(engine: Engine) -> str | None:
    current = current_revision(engine)
    script = ScriptDirectory.from_config(alembic_config())
    if current is not None and not _known(script, current):
        raise SchemaTooNewError(
            "이 데이터베이스는 더 새로운 버전의 KSCMS desk로 만들어졌습니다. 프로그램을 업데이트하세요. "
            f"(database schema {current} is newer than this program, head {script.get_current_head()})"
        )
    return current


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:
        return False


def upgrade(engine: Engine, *, backup_to: Path | None = None) -> bool:
    """Upgrade to head; returns True when anything was applied."""
    current = check_not_newer(engine)
    head = head_revision()
    if current == head:
        return False
    if current is not None and backup_to is not None and engine.url.get_backend_name() == "sqlite":
        from app.services.backup import backup_sqlite

        target = backup_sqlite(engine, backup_to, reason=f"before-upgrade-{current[:8]}")
        log.info("backed up the database before the schema upgrade to %s", target)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    log.info("schema upgraded from %s to %s", current, head)
    return True
