"""The manifest beside every backup, and the checks a restore makes before it trusts a file.

Why: SQLite's integrity check only says a file is *a* well-formed database. A backup with one
flipped byte in a row, amounts multiplied by ten, a dropped table or a faked older schema revision
passes it. So every backup gets ``<backup>.manifest.json`` (0600) holding the file's SHA-256, the
program version, the schema revision, the row count of every table, when and why it was taken, and
the data key's id, authenticated with HMAC-SHA256 under a sub-key of the data key
(``DataKey.manifest_tag``, its own HKDF label). Anyone can recompute a SHA-256; only a holder of the
data key can make a manifest that verifies.

When the key is not available at backup time (the daily backup at start on a PC whose keyring does
not hold it, e.g. a server without a keyring before anyone logged in), the manifest is still
written, with ``authenticated: false`` and no tag. Its SHA-256 and counts still catch accidents,
but it proves nothing against a deliberate edit, so restoring it is an administrator's explicit
"unverified" choice, audited (backup.restore_sqlite).

The shape check a restore also makes is app/database/backup_shape.py's.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from app import __version__
from app.services.common import output_files
from app.services.common.crypto import DataKey, KeyringCache
from app.services.common.errors import ServiceError

log = logging.getLogger(__name__)

MANIFEST_SUFFIX = ".manifest.json"
FORMAT = "kscms-backup-manifest/1"
SQLITE = "sqlite"
POSTGRESQL = "postgresql"
_CHUNK = 1 << 20


class ManifestError(ServiceError):
    """A manifest that is missing, unreadable or does not match its backup; `english` for the CLI."""

    def __init__(self, message: str, english: str) -> None:
        super().__init__(message)
        self.english = english


@dataclass(frozen=True)
class Manifest:
    """What a backup holds, as its writer saw it. `mac` covers every other field."""

    sha256: str
    size: int
    app_version: str
    schema_revision: str | None
    row_counts: dict[str, int]
    taken_at: str
    kind: str
    database: str
    key_id: str | None
    authenticated: bool
    mac: str | None = None
    format: str = FORMAT
    tables: dict[str, list[str]] = field(default_factory=dict)

    def signed_bytes(self) -> bytes:
        """The canonical text the tag is computed over (every field but the tag)."""
        body = {k: v for k, v in asdict(self).items() if k != "mac"}
        return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def manifest_path(backup_file: Path) -> Path:
    return backup_file.with_name(backup_file.name + MANIFEST_SUFFIX)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- the key -----------------------------------------------------------------------------------


def key_for_database_file(path: Path, given: DataKey | None = None) -> DataKey | None:
    """The data key of the SQLite database at `path`: `given` if it is that key, else this PC's keyring.

    Only the key's id is read, with plain SQL, so it works on a database of an older revision too
    (the copy taken just before a schema upgrade) and on a live file another connection has open.
    """
    key_id = None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            row = conn.execute("SELECT key_id FROM data_key ORDER BY id LIMIT 1").fetchone()
            key_id = str(row[0]) if row and row[0] else None
        finally:
            conn.close()
    except sqlite3.Error:
        return None  # no key table yet, or not readable: the manifest goes unauthenticated
    if key_id is None:
        return None
    if given is not None and given.key_id == key_id:
        return given
    return _keyring_key(key_id)


def _keyring_key(key_id: str | None) -> DataKey | None:
    if not key_id:
        return None
    try:
        key = KeyringCache(account=key_id).load()
    except Exception:  # noqa: BLE001 - a broken keyring must not stop a backup
        log.warning("keyring unavailable while looking for data key %s", key_id)
        return None
    return key if key is not None and key.key_id == key_id else None


def key_for(manifest: Manifest, given: DataKey | None) -> DataKey | None:
    """The key to verify `manifest` with: the caller's if it is the one named, else this PC's keyring."""
    if given is not None and given.key_id == manifest.key_id:
        return given
    return _keyring_key(manifest.key_id)


# --- making ------------------------------------------------------------------------------------


def make(*, sha256: str, size: int, schema_revision: str | None, row_counts: dict[str, int], kind: str,
         database: str, key: DataKey | None, tables: dict[str, list[str]] | None = None,
         taken_at: datetime | None = None) -> Manifest:
    """A manifest, tagged when `key` is given, else marked unauthenticated."""
    base = Manifest(
        sha256=sha256, size=size, app_version=__version__, schema_revision=schema_revision,
        row_counts=dict(sorted(row_counts.items())), taken_at=(taken_at or datetime.now().astimezone()).isoformat(),
        kind=kind, database=database, key_id=key.key_id if key else None, authenticated=key is not None,
        tables={k: list(v) for k, v in sorted((tables or {}).items())},
    )
    if key is None:
        return base
    return Manifest(**{**asdict(base), "mac": key.manifest_tag(base.signed_bytes())})


def write(manifest: Manifest, backup_file: Path, *, force: bool = False,
          protected: Iterable[Path] | None = None) -> Path:
    """`<backup>.manifest.json`, 0600, written atomically through output_files."""
    return output_files.write_output(manifest_path(backup_file), manifest.to_json(), force=force,
                                     protected=protected)


def for_sqlite_file(path: Path, *, kind: str, key: DataKey | None) -> Manifest:
    """The manifest of a finished SQLite copy at `path` (its hash, revision, tables and counts)."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
    try:
        revision = _revision(conn)
        counts, tables = sqlite_counts(conn), sqlite_tables(conn)
    finally:
        conn.close()
    return make(sha256=sha256_file(path), size=path.stat().st_size, schema_revision=revision, row_counts=counts,
                kind=kind, database=SQLITE, key=key, tables=tables)


def _revision(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return str(row[0]) if row and row[0] else None


def sqlite_tables(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """{table: sorted column names} of the user tables of a SQLite database."""
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {n: sorted(r[1] for r in conn.execute(f'PRAGMA table_info("{n}")')) for n in names}


def sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {n: int(conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in sqlite_tables(conn)}


# --- reading and verifying ------------------------------------------------------------------------


def read(backup_file: Path) -> Manifest:
    """The manifest beside `backup_file`; ManifestError when there is none or it is not one."""
    path = manifest_path(backup_file)
    if not path.is_file():
        raise ManifestError(
            f"백업의 확인 정보 파일({path.name})이 없어 이 백업이 온전한지 확인할 수 없습니다.",
            f"no manifest {path.name} beside the backup",
        )
    try:
        data = json.loads(path.read_bytes()[:1_000_000].decode("utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("unknown format")
        manifest = Manifest(**data)
        _check_types(manifest)
    except (ValueError, TypeError, UnicodeDecodeError) as error:
        raise ManifestError(f"백업의 확인 정보 파일을 읽을 수 없습니다(형식이 다릅니다): {path.name}",
                            f"unreadable manifest {path.name}: {error}") from None
    return manifest


def _check_types(m: Manifest) -> None:
    if not (isinstance(m.sha256, str) and isinstance(m.size, int) and isinstance(m.row_counts, dict)
            and all(isinstance(k, str) and isinstance(v, int) for k, v in m.row_counts.items())
            and isinstance(m.authenticated, bool) and isinstance(m.tables, dict)):
        raise ValueError("field types")


def verify_tag(manifest: Manifest, key: DataKey | None) -> None:
    """Refuse a manifest that is unauthenticated, made under another key, or whose tag does not verify."""
    if not manifest.authenticated or not manifest.mac or not manifest.key_id:
        raise ManifestError(
            "이 백업은 데이터 암호 키 없이 만들어져 확인 정보에 서명이 없습니다. 관리자가 '검증 없이 복원'을 "
            "고를 때만 복원할 수 있습니다.",
            "manifest is not authenticated: taken without the data key",
        )
    usable = key_for(manifest, key)
    if usable is None:
        raise ManifestError(
            "이 백업에 서명한 데이터 암호 키가 이 PC에 없어 확인할 수 없습니다. 데이터 암호 문구로 잠금을 푼 뒤 "
            "다시 하세요.",
            f"data key {manifest.key_id} is not available to verify the manifest",
        )
    if not hmac.compare_digest(usable.manifest_tag(manifest.signed_bytes()), manifest.mac):
        raise ManifestError(
            "백업의 확인 정보가 위조되었거나 바뀌었습니다(서명 불일치). 이 백업은 복원하지 않습니다.",
            "manifest authentication failed: forged or altered",
        )


def verify_file(manifest: Manifest, staged: Staged) -> None:
    """The file is byte for byte the one the manifest describes."""
    if staged.size != manifest.size or not hmac.compare_digest(staged.sha256, manifest.sha256):
        raise ManifestError(
            "백업 파일이 만든 뒤에 바뀌었거나 손상되었습니다(SHA-256 불일치). 다른 백업을 고르세요.",
            "backup file does not match the sha256 in its manifest",
        )


def verify_counts(manifest: Manifest, conn: sqlite3.Connection) -> None:
    counts = sqlite_counts(conn)
    if counts != manifest.row_counts:
        changed = sorted(t for t in set(counts) | set(manifest.row_counts)
                         if counts.get(t) != manifest.row_counts.get(t))
        raise ManifestError(
            f"백업의 행 수가 확인 정보와 다릅니다({', '.join(changed[:5])}). 이 백업은 복원하지 않습니다.",
            f"row counts differ from the manifest: {', '.join(changed[:5])}",
        )


@dataclass(frozen=True)
class Staged:
    """A private copy of a backup: its path, and the SHA-256 and size of the bytes copied."""

    path: Path
    sha256: str
    size: int


@contextlib.contextmanager
def staged_copy(path: Path) -> Iterator[Staged]:
    """A private copy of `path`, hashed as copied, removed afterwards.

    Verifying and then restoring the *same* private bytes means a file swapped in the backups folder
    between the check and the restore cannot slip through. A WAL-mode file with a -wal beside it (a
    copy of a live database, only ever restored unverified) has the -wal folded into the copy.
    """
    import shutil

    with tempfile.TemporaryDirectory(prefix="kscms-restore-") as tmp:
        staged = Path(tmp) / "staged.db"
        shutil.copyfile(path, staged)
        staged.chmod(output_files.PRIVATE_MODE)
        copied = Staged(staged, sha256_file(staged), staged.stat().st_size)
        wal = path.with_name(path.name + "-wal")
        with staged.open("rb") as handle:
            header = handle.read(20)
        if header[18:20] == b"\x02\x02" and wal.exists() and wal.stat().st_size:
            shutil.copyfile(wal, staged.with_name("staged.db-wal"))
            conn = sqlite3.connect(str(staged))
            try:
                conn.execute("PRAGMA journal_mode=DELETE")
            finally:
                conn.close()
        yield copied


@contextlib.contextmanager
def staged_hash(path: Path) -> Iterator[Staged]:
    """The SHA-256 and size of `path` as read now (a dump is verified in place, never restored here)."""
    yield Staged(path, sha256_file(path), path.stat().st_size)
