"""Bring the schema up to date at start, safely.

Before upgrading a SQLite file that already holds data, a copy is taken with SQLite's online
backup API. A database stamped with a revision this program does not know was made by a newer
version: we refuse to touch it rather than guess. The revision questions themselves live in
app/database/schema.py, and callers ask them there.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine

from app.database.schema import (
    alembic_config,
    check_not_newer,
    head_revision,
    quick_head,
    stored_revision,
)

log = logging.getLogger(__name__)



def upgrade(engine: Engine, *, backup_to: Path | None = None) -> bool:
    """Upgrade to head; returns True when anything was applied."""
    head = quick_head()
    if head is not None and stored_revision(engine) == head:
        return False
    current = check_not_newer(engine)
    head = head_revision()
    if current == head:
        return False
    if current is not None and backup_to is not None and engine.url.get_backend_name() == "sqlite":
        from app.database.copies import backup_sqlite

        target = backup_sqlite(engine, backup_to, reason=f"before-upgrade-{current[:8]}")
        log.info("backed up the database before the schema upgrade to %s", target)
    from alembic import command

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    log.info("schema upgraded from %s to %s", current, head)
    return True
