"""What every command of `python -m app` shares: opening the database and asking the passphrase.

The command modules (app/cli/backup.py, relay.py, ...) import these from here rather than from
app/cli/main.py, so main can import every command module without one importing it back.
"""

from __future__ import annotations

import getpass
import os
import sys

from app.cli.errors import CliError
from app.config import ENV_PASSPHRASE, backup_dir, database_url
from app.database import schema
from app.database.engine import Database


def open_database(*, migrate: bool = True) -> Database:
    """Open the configured database and bring its schema up to date (backing up a SQLite file first)."""
    from app.database import migrate as migrations
    from app.database.connection import make_database

    db = make_database(database_url())  # a PostgreSQL password comes from this PC's keyring
    if migrate:
        try:
            migrations.upgrade(db.engine, backup_to=backup_dir())
        except schema.SchemaTooNewError as error:
            raise CliError(str(error), "database schema is newer than this program") from None
        except Exception as error:  # noqa: BLE001 - report any connection failure in one line
            from app.cli.errors import failure_parts

            # the driver's own text is left out: it can run to several lines, quote a row or name the server's user
            korean, english = failure_parts(error)
            prefix = "" if english.startswith("database unavailable") else "database unavailable: "
            raise CliError(korean, f"{prefix}{english}") from None
    return db


def ask_passphrase(prompt: str, *, confirm: bool = False) -> str:
    """The data-encryption passphrase: KSCMS_PASSPHRASE, else a prompt on a terminal, else an error."""
    value = os.environ.get(ENV_PASSPHRASE)
    if value:
        return value
    if not sys.stdin.isatty():
        raise CliError("데이터 암호 문구가 필요합니다. KSCMS_PASSPHRASE를 설정하세요", "passphrase required (set KSCMS_PASSPHRASE)")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("한 번 더 입력: ") != first:
        raise CliError("암호 문구가 서로 다릅니다", "passphrases differ")
    return first
