"""Bring the schema up to date at start, safely.

Before upgrading a SQLite file that already holds data, a copy is taken with SQLite's online
backup API. A database stamped with a revision this program does not know was made by a newer
version: we refuse to touch it rather than guess.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from app.resources import migrations_dir

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

log = logging.getLogger(__name__)


class SchemaTooNewError(RuntimeError):
    """The database was made by a newer KSCMS desk."""


_REVISION = re.compile(r"^revision: str = ['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision: str \| None = (?:['\"]([^'\"]+)['\"]|None)", re.MULTILINE)


def quick_head() -> str | None:
    """The head revision read straight from the migration files, without importing Alembic's machinery.

    Starting the program must not pay Alembic's import time (~0.4 s) when the schema is current,
    which is every start but the first after an update. None when the files are not a simple chain.
    """
    revisions: dict[str, str | None] = {}
    for path in (migrations_dir() / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        rev, down = _REVISION.search(source), _DOWN.search(source)
        if not rev or not down:
            return None
        revisions[rev.group(1)] = down.group(1)
    heads = set(revisions) - {d for d in revisions.values() if d}
    return heads.pop() if len(heads) == 1 else None


def _stored_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:
        return None


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def check_not_newer(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

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
    head = quick_head()
    if head is not None and _stored_revision(engine) == head:
        return False
    current = check_not_newer(engine)
    head = head_revision()
    if current == head:
        return False
    if current is not None and backup_to is not None and engine.url.get_backend_name() == "sqlite":
        from app.database.backup import backup_sqlite

        target = backup_sqlite(engine, backup_to, reason=f"before-upgrade-{current[:8]}")
        log.info("backed up the database before the schema upgrade to %s", target)
    from alembic import command

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    log.info("schema upgraded from %s to %s", current, head)
    return True
