"""The personal-data key: made once, stored only wrapped, unwrapped once per PC.

The database holds the data key wrapped by a key derived from the administrator's passphrase, so
a copied database file reveals nothing. Each PC keeps the unwrapped key in its OS keyring after
the passphrase was entered once; where there is no keyring (a Linux server, CI) the key lives in
memory only and the passphrase is asked at every start (or read from KSCMS_PASSPHRASE).

Unlocking is also the moment bank files stored in clear before migration 0009 get sealed: the
migration cannot do it (it has no key), so `unlock` and `cached` — the paths the login, the setup
wizard and every command take — seal them all in one transaction before handing the key out.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import DataKeyRecord
from app.services.common.crypto import (
    DataKey,
    KeyringCache,
    WrappedKey,
    unwrap_data_key,
    wrap_data_key,
)
from app.services.common.errors import ServiceError

log = logging.getLogger(__name__)

MIN_PASSPHRASE = 8


def has_data_key(db: Database) -> bool:
    with db.session() as s:
        return s.scalar(select(DataKeyRecord.id).limit(1)) is not None


def create_data_key(s: Session, passphrase: str) -> DataKey:
    """Make the installation's data key; refused when one exists (a second key would orphan data)."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise ServiceError(f"데이터 암호 문구는 {MIN_PASSPHRASE}자 이상이어야 합니다.")
    if s.scalar(select(DataKeyRecord.id).limit(1)) is not None:
        raise ServiceError("이미 데이터 암호 키가 있습니다.")
    key = DataKey.generate()
    s.add(DataKeyRecord(key_id=key.key_id, wrapped=wrap_data_key(key, passphrase).to_json()))
    s.flush()
    return key


def _record(db: Database) -> DataKeyRecord:
    with db.session() as s:
        record = s.scalar(select(DataKeyRecord).order_by(DataKeyRecord.id).limit(1))
    if record is None:
        raise ServiceError("데이터 암호 키가 없습니다. 먼저 초기 설정을 하세요.")
    return record


def unlock(db: Database, passphrase: str, *, remember: bool = True) -> DataKey:
    """Unwrap with the passphrase (a wrong one raises WrongPassphraseError) and cache it on this PC."""
    record = _record(db)
    key = unwrap_data_key(WrappedKey.from_json(record.wrapped), passphrase)
    if remember:
        KeyringCache(account=record.key_id).save(key)
    _seal_legacy(db, key)
    return key


def cached(db: Database) -> DataKey | None:
    """The key this PC's keyring holds for this database, if any."""
    record = _record(db)
    key = KeyringCache(account=record.key_id).load()
    if key is not None and key.key_id != record.key_id:
        return None
    if key is not None:
        _seal_legacy(db, key)
    return key


def _seal_legacy(db: Database, key: DataKey) -> None:
    """Seal the bank files an older version stored in clear (all or none; see the module docstring).

    A failure is not swallowed: handing out the key would let the program run on with account
    numbers readable in the file, so the clerk is told and the next unlock tries again.
    """
    from app.services.exchange.transmissions import seal_legacy_contents

    try:
        sealed = seal_legacy_contents(db, key)
    except SQLAlchemyError as error:
        log.exception("sealing the stored bank files failed; all left as they were")
        raise ServiceError("저장된 은행 파일을 암호화하지 못했습니다. 아무것도 바뀌지 않았습니다. "
                           "데이터베이스 연결과 디스크 공간을 확인한 뒤 다시 로그인하세요.") from error
    if sealed:
        log.info("sealed %d bank files stored in clear by an older version (data key %s)", sealed, key.key_id)


def keyring_available(db: Database) -> bool:
    return KeyringCache(account=_record(db).key_id).available
