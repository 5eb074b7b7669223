"""Shared by the backup tests: an office with a data key like a real installation, and a fake snapshot."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from app.database.backup import PgSnapshot
from app.database.engine import Database
from app.services.common import keys
from app.services.common.crypto import DataKey, KeyringCache

PASSPHRASE = "test-passphrase"  # the one tests/security/cli.login_env gives the command line


def give_data_key(db: Database) -> DataKey:
    """The data key setup makes, cached in this PC's (test) keyring as the first unlock does."""
    with db.session() as s:
        key = keys.create_data_key(s, PASSPHRASE)
    KeyringCache(account=key.key_id).save(key)
    return key


@contextmanager
def fake_pg_snapshot(_url: str, _password: str | None) -> Iterator[PgSnapshot]:
    """What backup.pg_snapshot yields, for a test whose pg_dump is faked and whose server does not exist."""
    yield PgSnapshot(None, None, None, {}, {})
