"""Copies of the SQLite file, taken with SQLite's online backup API so a busy database is copied whole."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

KEEP_DAILY = 14


def sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise ValueError("not a SQLite file database")
    return Path(database)


def backup_sqlite(engine: Engine, folder: Path, *, reason: str = "manual") -> Path:
    """Copy the live database into `folder` and return the copy's path."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = folder / f"kscms-{stamp}-{reason}.db"
    counter = 1
    while target.exists():
        target = folder / f"kscms-{stamp}-{reason}-{counter}.db"
        counter += 1
    source = sqlite3.connect(str(sqlite_path(engine)))
    try:
        dest = sqlite3.connect(str(target))
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return target
