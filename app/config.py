"""Where this PC keeps its files, and which database it talks to.

Per-PC settings live in a small JSON file in the data folder (not in the database, because they
say which database to open). Environment variables win over the file so scripts and tests can
point the app anywhere without touching a user's settings.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from platformdirs import user_data_dir

APP_NAME = "KSCMS desk"
APP_AUTHOR = "KSCMS"
ENV_DATA_DIR = "KSCMS_DATA_DIR"
ENV_DATABASE_URL = "KSCMS_DATABASE_URL"
ENV_PASSPHRASE = "KSCMS_PASSPHRASE"
SETTINGS_FILE = "settings.json"
SQLITE_FILE = "kscms.db"
PRIVATE_DIR_MODE = 0o700
"""The data, log and backup folders are made owner-only: they hold the database and copies of it."""


def data_dir() -> Path:
    """The folder for the database, logs, backups and exports of this PC."""
    override = os.environ.get(ENV_DATA_DIR)
    path = Path(override) if override else Path(user_data_dir(APP_NAME, APP_AUTHOR))
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    path = data_dir() / "logs"
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    return path


def backup_dir() -> Path:
    path = data_dir() / "backups"
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    return path


@dataclass
class LocalSettings:
    """What this PC remembers between runs; secrets never go here (they go to the keyring)."""

    database_url: str | None = None
    installation_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls) -> LocalSettings:
        path = data_dir() / SETTINGS_FILE
        if not path.exists():
            return cls()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        return cls(
            database_url=raw.get("database_url"),
            installation_id=raw.get("installation_id"),
            extra=dict(raw.get("extra") or {}),
        )

    def save(self) -> None:
        path = data_dir() / SETTINGS_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(path)


def default_sqlite_url() -> str:
    return f"sqlite:///{(data_dir() / SQLITE_FILE).as_posix()}"


def database_url() -> str:
    """KSCMS_DATABASE_URL, else this PC's saved choice, else the embedded SQLite file."""
    return os.environ.get(ENV_DATABASE_URL) or LocalSettings.load().database_url or default_sqlite_url()
