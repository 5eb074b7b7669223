"""Copies of the SQLite database in the backups folder: taken, named, listed and rotated.

Why it looks like this:

* **The online backup API, not a file copy.** A copy of a WAL database taken with the file system
  may miss the last transactions or catch a page half-written; the backup API copies a consistent
  snapshot while the program keeps working.
* **Written under a temporary name, renamed when whole**, so a copy cut short by a power failure is
  never listed (or rotated, or restored) as a backup.
* **Daily backups**: one a day at program start, the last ``KEEP_DAILY`` (14) daily copies kept.
  Copies taken before a schema upgrade or a restore, and manual ones, are never deleted here and do
  not count against the 14: they are the ones someone may need after a bad day, and they are few.

Apart from app/database/backup.py (checking and restoring, PostgreSQL) because the schema upgrade
(app/database/migrate.py) takes its pre-upgrade copy here, while a restore upgrades what it restored:
this module imports neither. backup.py keeps these names for its callers (``backup.backup_sqlite``).
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine

from app.database import backup_manifest as manifests
from app.services.common import output_files
from app.services.common.crypto import DataKey
from app.services.common.errors import ServiceError

log = logging.getLogger(__name__)

KEEP_DAILY = 14
DAILY = "daily"
MANUAL = "manual"
BEFORE_RESTORE = "before-restore"
BEFORE_UPGRADE = "before-upgrade"

_NAME = re.compile(r"^kscms-(?P<stamp>\d{8}-\d{6})-(?P<reason>[A-Za-z0-9_.-]+?)(?:-(?P<n>\d+))?\.(?P<ext>db|dump)$")
_KIND_LABELS = {DAILY: "매일 자동", MANUAL: "수동", BEFORE_RESTORE: "복원 전", BEFORE_UPGRADE: "업데이트 전"}


class BackupError(ServiceError):
    """A backup or restore that was refused or failed; the message says why in Korean, `english` for the CLI."""

    def __init__(self, message: str, english: str = "backup or restore refused") -> None:
        super().__init__(message)
        self.english = english


# --- SQLite copies ---------------------------------------------------------------------------


def sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise ValueError("not a SQLite file database")
    return Path(database)


def backup_target(folder: Path, reason: str, ext: str = "db", now: datetime | None = None) -> Path:
    """A free name in `folder` for a backup taken now for `reason` (a counter is added when the second is taken)."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = folder / f"kscms-{stamp}-{reason}.{ext}"
    counter = 1
    while target.exists():
        target = folder / f"kscms-{stamp}-{reason}-{counter}.{ext}"
        counter += 1
    return target


def copy_sqlite(
    source: Path,
    target: Path,
    *,
    kind: str = MANUAL,
    key: DataKey | None = None,
    force: bool = False,
    protected: Iterable[Path] | None = None,
) -> Path:
    """A consistent copy of the SQLite file `source` at `target`, with its manifest beside it.

    Both files are 0600 and written through output_files (temporary name, renamed when whole). The
    manifest is authenticated with `key`, else with the key this PC's keyring holds for `source`,
    else written unauthenticated (see backup_manifest). `protected` defaults to the live database
    and the backups folder; the backups-folder writers pass only the database files.
    """
    source, target = Path(source), Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    guard = [*(output_files.default_protected() if protected is None else protected),
             *output_files.database_files(source)]
    output_files.check_target(manifests.manifest_path(target), force=force, protected=guard)

    def write(temp: Path) -> None:
        src = sqlite3.connect(str(source))
        try:
            dest = sqlite3.connect(str(temp))
            try:
                src.backup(dest)
                # A standalone file: no -wal beside it is needed to read it, wherever it is copied.
                dest.execute("PRAGMA journal_mode=DELETE")
            finally:
                dest.close()
        finally:
            src.close()

    try:
        written = output_files.write_output(target, write, force=force, protected=guard)
    except sqlite3.Error as error:
        raise BackupError(f"데이터베이스를 복사하지 못했습니다: {error}", f"cannot copy the database: {error}") from None
    signing_key = manifests.key_for_database_file(source, key)
    manifest = manifests.for_sqlite_file(written, kind=kind, key=signing_key)
    manifests.write(manifest, written, force=force, protected=guard)
    if signing_key is None:
        log.warning("backup %s taken without the data key: its manifest is unauthenticated", written.name)
    return written


def backup_sqlite(engine: Engine, folder: Path, *, reason: str = MANUAL, now: datetime | None = None,
                  key: DataKey | None = None) -> Path:
    """Copy the live database into `folder` and return the copy's path (manifest beside it)."""
    folder.mkdir(parents=True, exist_ok=True)
    source = sqlite_path(engine)
    return copy_sqlite(source, backup_target(folder, reason, now=now), kind=_kind_of(reason), key=key,
                       protected=output_files.database_files(source))


def _kind_of(reason: str) -> str:
    return BEFORE_UPGRADE if reason.startswith(BEFORE_UPGRADE) else reason


@dataclass(frozen=True)
class BackupFile:
    """A backup in the backups folder, as its name describes it."""

    path: Path
    taken_at: datetime
    reason: str

    @property
    def kind(self) -> str:
        return BEFORE_UPGRADE if self.reason.startswith(BEFORE_UPGRADE) else self.reason

    @property
    def kind_label(self) -> str:
        return _KIND_LABELS.get(self.kind, self.reason)

    @property
    def manifest_label(self) -> str:
        """What the backups list shows about the backup's manifest (read, not verified: that is restore's job)."""
        try:
            manifest = manifests.read(self.path)
        except manifests.ManifestError:
            return "확인 정보 없음"
        return "서명됨" if manifest.authenticated else "서명 없음"

    @property
    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0


def describe(path: Path) -> BackupFile | None:
    """The BackupFile for a name this module wrote, else None."""
    match = _NAME.match(path.name)
    if not match:
        return None
    try:
        taken_at = datetime.strptime(match["stamp"], "%Y%m%d-%H%M%S")
    except ValueError:
        return None
    return BackupFile(path, taken_at, match["reason"])


def list_backups(folder: Path, *, ext: str = "db") -> list[BackupFile]:
    """The backups in `folder`, newest first (unfinished .part files are not listed)."""
    if not folder.is_dir():
        return []
    found = [b for p in folder.glob(f"kscms-*.{ext}") if p.is_file() and (b := describe(p)) is not None]
    return sorted(found, key=lambda b: (b.taken_at, b.path.name), reverse=True)


def rotate_daily(folder: Path, *, keep: int = KEEP_DAILY) -> list[Path]:
    """Delete the daily backups beyond the newest `keep`; other kinds are left alone."""
    daily = [b for b in list_backups(folder) if b.kind == DAILY]
    removed = []
    for old in daily[keep:]:
        try:
            old.path.unlink()
            manifests.manifest_path(old.path).unlink(missing_ok=True)
            removed.append(old.path)
        except OSError as error:
            log.warning("could not delete old backup %s: %s", old.path.name, error)
    return removed


def daily_backup(engine: Engine, folder: Path, *, now: datetime | None = None, keep: int = KEEP_DAILY,
                 key: DataKey | None = None) -> Path | None:
    """Today's daily backup if there is none yet (and the rotation); None when there already was one.

    It runs at start, before anyone logged in: the manifest is signed with the key this PC's keyring
    holds for the database (most PCs), else written unauthenticated (a keyring-less server); such a
    backup is restored only unverified, by an administrator's explicit choice.
    """
    if engine.url.get_backend_name() != "sqlite":
        return None
    now = now or datetime.now()
    today: date = now.date()
    if any(b.kind == DAILY and b.taken_at.date() == today for b in list_backups(folder)):
        return None
    path = sqlite_path(engine)
    if not path.exists():
        return None
    target = copy_sqlite(path, backup_target(folder, DAILY, now=now), kind=DAILY, key=key,
                         protected=output_files.database_files(path))
    removed = rotate_daily(folder, keep=keep)
    log.info("daily backup %s taken, %d old daily backup(s) removed", target.name, len(removed))
    return target
