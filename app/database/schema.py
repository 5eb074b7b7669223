"""The schema's revision questions: which revision a database holds, which one this program's
migrations end at, and whether a database was made by a newer program.

Kept apart from app/database/migrate.py (which upgrades, backing up a SQLite file first) so that the
backup, manifest and connection modules can ask these questions without importing the upgrade,
and the upgrade can import the backup without a cycle. It imports nothing of the program's but
app/resources.py (where the migration files are).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from app.resources import migrations_dir

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory


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


def stored_revision(engine: Engine) -> str | None:
    """The revision in alembic_version, read with one query (None when the table is missing)."""
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
    except Exception:  # noqa: BLE001 - alembic raises several kinds for a revision it does not have
        return False


def known_revisions() -> tuple[set[str], str | None]:
    """Every revision this program's migrations know, and their head."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}, script.get_current_head()
