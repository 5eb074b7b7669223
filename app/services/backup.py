"""Copies of the database and putting one back: SQLite through its online backup API, PostgreSQL through pg_dump.

Why it looks like this:

* **The online backup API, not a file copy.** A copy of a WAL database taken with the file system
  may miss the last transactions or catch a page half-written; the backup API copies a consistent
  snapshot while the program keeps working.
* **Written under a temporary name, renamed when whole**, so a copy cut short by a power failure is
  never listed (or rotated, or restored) as a backup.
* **Daily backups**: one a day at program start, the last ``KEEP_DAILY`` (14) daily copies kept.
  Copies taken before a schema upgrade or a restore, and manual ones, are never deleted here and do
  not count against the 14: they are the ones someone may need after a bad day, and they are few.
* **Restore checks before it touches anything**: the SQLite header, ``PRAGMA integrity_check``, and
  a KSCMS schema revision this program knows (an older one is fine: the next start upgrades it,
  with its own pre-upgrade copy; a newer one is refused). Then the current file is copied aside
  ("before-restore") and the backup is written into the live file with the backup API, which keeps
  the file's identity and lets SQLite reset its WAL properly. Every connection must be closed first
  (``restore_database`` disposes the engine), and the program restarts afterwards.
* **PostgreSQL is backed up with ``pg_dump -Fc``** when the client tools are installed; the office
  server's own nightly dump (docs/shared-database.md) is the real safety net for a shared database.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from app.db import Database
from app.services.errors import ServiceError

log = logging.getLogger(__name__)

KEEP_DAILY = 14
DAILY = "daily"
MANUAL = "manual"
BEFORE_RESTORE = "before-restore"
BEFORE_UPGRADE = "before-upgrade"
SQLITE_HEADER = b"SQLite format 3\x00"
PG_DOCS = "docs/shared-database.md의 '서버에서 백업하기'"

_NAME = re.compile(r"^kscms-(?P<stamp>\d{8}-\d{6})-(?P<reason>[A-Za-z0-9_.-]+?)(?:-(?P<n>\d+))?\.(?P<ext>db|dump)$")
_KIND_LABELS = {DAILY: "매일 자동", MANUAL: "수동", BEFORE_RESTORE: "복원 전", BEFORE_UPGRADE: "업데이트 전"}


class BackupError(ServiceError):
    """A backup or restore that was refused or failed; the message says why in Korean."""


# --- SQLite copies ---------------------------------------------------------------------------


def sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise ValueError("not a SQLite file database")
    return Path(database)


def _target(folder: Path, reason: str, ext: str = "db", now: datetime | None = None) -> Path:
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = folder / f"kscms-{stamp}-{reason}.{ext}"
    counter = 1
    while target.exists():
        target = folder / f"kscms-{stamp}-{reason}-{counter}.{ext}"
        counter += 1
    return target


def copy_sqlite(source: Path, target: Path) -> Path:
    """A consistent copy of the SQLite file `source` at `target` (written aside, then renamed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    part.unlink(missing_ok=True)
    src = sqlite3.connect(str(source))
    try:
        dest = sqlite3.connect(str(part))
        try:
            src.backup(dest)
            # A standalone file: no -wal beside it is needed to read it, wherever it is copied.
            dest.execute("PRAGMA journal_mode=DELETE")
        finally:
            dest.close()
    finally:
        src.close()
    part.replace(target)
    return target


def backup_sqlite(engine: Engine, folder: Path, *, reason: str = MANUAL, now: datetime | None = None) -> Path:
    """Copy the live database into `folder` and return the copy's path."""
    folder.mkdir(parents=True, exist_ok=True)
    return copy_sqlite(sqlite_path(engine), _target(folder, reason, now=now))


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
            removed.append(old.path)
        except OSError as error:
            log.warning("could not delete old backup %s: %s", old.path.name, error)
    return removed


def daily_backup(engine: Engine, folder: Path, *, now: datetime | None = None, keep: int = KEEP_DAILY) -> Path | None:
    """Today's daily backup if there is none yet (and the rotation); None when there already was one."""
    if engine.url.get_backend_name() != "sqlite":
        return None
    now = now or datetime.now()
    today: date = now.date()
    if any(b.kind == DAILY and b.taken_at.date() == today for b in list_backups(folder)):
        return None
    path = sqlite_path(engine)
    if not path.exists():
        return None
    target = copy_sqlite(path, _target(folder, DAILY, now=now))
    removed = rotate_daily(folder, keep=keep)
    log.info("daily backup %s taken, %d old daily backup(s) removed", target.name, len(removed))
    return target


# --- checking and restoring --------------------------------------------------------------------


@dataclass(frozen=True)
class BackupCheck:
    """What a restorable backup holds."""

    path: Path
    revision: str
    taken_at: datetime
    upgrade_needed: bool


def _known_revisions() -> tuple[set[str], str | None]:
    from alembic.script import ScriptDirectory

    from app.migrations import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}, script.get_current_head()


@contextmanager
def _readable(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to `path` that changes nothing on disk beside it.

    A file this module wrote is opened `immutable` (no lock, no -shm). A WAL-mode file with a
    non-empty -wal beside it (a copy of a live database) would be read without its last
    transactions that way, so it is copied with its -wal into a private folder and read there.
    """
    wal = path.with_name(path.name + "-wal")
    with path.open("rb") as handle:
        header = handle.read(20)
    if header[18:20] == b"\x02\x02" and wal.exists() and wal.stat().st_size:
        with tempfile.TemporaryDirectory(prefix="kscms-restore-") as tmp:
            staged = Path(tmp) / "staged.db"
            shutil.copyfile(path, staged)
            shutil.copyfile(wal, staged.with_name("staged.db-wal"))
            conn = sqlite3.connect(str(staged))
            try:
                yield conn
            finally:
                conn.close()
        return
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
    try:
        yield conn
    finally:
        conn.close()


def check_backup(path: Path) -> BackupCheck:
    """Refuse (BackupError) anything that is not a whole KSCMS SQLite database this program can use."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise BackupError(f"백업 파일을 찾을 수 없습니다: {name}")
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise BackupError(f"이 파일은 KSCMS desk 백업(SQLite 데이터베이스)이 아닙니다: {name}")
    try:
        with _readable(path) as conn:
            revision = _checked_revision(conn, name)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"백업 파일이 손상되었거나 열 수 없습니다. 다른 백업을 고르세요: {name} ({error})") from None
    if not revision:
        raise BackupError(f"이 파일은 KSCMS desk 데이터베이스가 아닙니다(스키마 버전 정보가 없습니다): {name}")
    known, head = _known_revisions()
    if revision not in known:
        raise BackupError(
            "이 백업은 더 새로운 버전의 KSCMS desk로 만들어져 이 프로그램으로 복원할 수 없습니다. "
            f"프로그램을 먼저 업데이트하세요. (backup schema {revision}, program {head})"
        )
    info = describe(path)
    taken_at = info.taken_at if info else datetime.fromtimestamp(path.stat().st_mtime)
    return BackupCheck(path, revision, taken_at, revision != head)


def _checked_revision(conn: sqlite3.Connection, name: str) -> str | None:
    result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        raise BackupError(f"백업 파일이 손상되었습니다(무결성 검사 실패). 다른 백업을 고르세요: {name}")
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return str(row[0]) if row and row[0] else None


def restore_sqlite(db_file: Path, backup_file: Path, *, safety_folder: Path) -> Path | None:
    """Replace the contents of `db_file` with `backup_file`; returns the copy taken of the current file.

    Nothing is touched unless `check_backup` accepts the file. Every connection to `db_file` must be
    closed by the caller. The current file is copied to `safety_folder` first ("before-restore").
    """
    db_file, backup_file = Path(db_file), Path(backup_file)
    if db_file.exists() and backup_file.exists() and backup_file.resolve() == db_file.resolve():
        raise BackupError("지금 사용 중인 데이터베이스 파일 자체는 복원할 수 없습니다. 백업 폴더의 파일을 고르세요.")
    check_backup(backup_file)
    safety: Path | None = None
    if db_file.exists() and db_file.stat().st_size:
        safety = copy_sqlite(db_file, _target(safety_folder, BEFORE_RESTORE))
    try:
        with _readable(backup_file) as source:
            dest = sqlite3.connect(str(db_file), timeout=10)
            try:
                source.backup(dest)
                if dest.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                    raise BackupError("복원한 데이터베이스를 검사하지 못했습니다. 복원 전 백업으로 되돌리세요.")
                dest.execute("PRAGMA journal_mode=WAL")
            finally:
                dest.close()
    except sqlite3.OperationalError as error:
        raise BackupError(
            "데이터베이스가 사용 중이라 복원하지 못했습니다. KSCMS desk를 모두 닫고 다시 하세요. "
            f"({error})"
        ) from None
    log.info("database restored from %s (previous contents saved as %s)", backup_file.name,
             safety.name if safety else "nothing")
    return safety


def restore_database(db: Database, backup_file: Path, *, safety_folder: Path) -> Path | None:
    """`restore_sqlite` for an open Database: its pooled connections are closed first."""
    if not db.is_sqlite:
        raise BackupError(
            "공유 데이터베이스(PostgreSQL)는 프로그램에서 복원하지 않습니다. 서버 관리자가 pg_restore로 복원합니다 "
            f"({PG_DOCS} 참고)."
        )
    path = sqlite_path(db.engine)
    check_backup(backup_file)
    db.dispose()
    return restore_sqlite(path, backup_file, safety_folder=safety_folder)


# --- PostgreSQL -------------------------------------------------------------------------------


def find_pg_dump() -> Path | None:
    """pg_dump on PATH, else in the usual Windows install folders (newest version first)."""
    found = shutil.which("pg_dump")
    if found:
        return Path(found)
    for root in (os.environ.get("ProgramFiles"), os.environ.get("ProgramFiles(x86)")):
        if not root:
            continue
        candidates = sorted(Path(root, "PostgreSQL").glob("*/bin/pg_dump.exe"),
                            key=lambda p: _version_key(p.parent.parent.name), reverse=True)
        if candidates:
            return candidates[0]
    return None


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", name)) or (0,)


def _schema_of(url: str) -> str | None:
    """The schema a URL's `options=-csearch_path=...` selects (tests, or a shared server), if any."""
    options = make_url(url).query.get("options")
    text = options if isinstance(options, str) else " ".join(options or ())
    match = re.search(r"search_path=([A-Za-z_][A-Za-z0-9_]*)", text)
    return match.group(1) if match else None


def backup_postgres(
    url: str,
    out_file: Path,
    *,
    password: str | None = None,
    pg_dump: Path | None = None,
    timeout: float = 3600,
    run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run,
) -> Path:
    """`pg_dump -Fc` of the database at `url` into `out_file`; the password goes by environment only."""
    from app.services import db_setup

    exe = pg_dump or find_pg_dump()
    if exe is None:
        raise BackupError(
            "pg_dump 프로그램을 찾을 수 없어 공유 데이터베이스를 이 PC에서 백업할 수 없습니다. PostgreSQL 클라이언트 "
            f"도구를 설치하거나, 서버에서 매일 백업하도록 설정하세요 ({PG_DOCS} 참고)."
        )
    parsed = make_url(url)
    server = db_setup.ServerSettings.from_url(url)
    env = dict(os.environ)
    secret = password or parsed.password or db_setup.load_password(server)
    if secret:
        env["PGPASSWORD"] = secret
    out_file = Path(out_file)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    part = out_file.with_name(out_file.name + ".part")
    args = [str(exe), "--format=custom", "--no-password", f"--file={part}", f"--host={server.host}",
            f"--port={server.port}", f"--username={server.user}", f"--dbname={server.database}"]
    schema = _schema_of(url)
    if schema:
        args.append(f"--schema={schema}")
    try:
        done = run(args, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        part.unlink(missing_ok=True)
        raise BackupError("pg_dump가 제한 시간 안에 끝나지 않았습니다. 서버와 네트워크 상태를 확인하세요.") from None
    except OSError as error:
        raise BackupError(f"pg_dump를 실행하지 못했습니다: {error.strerror or error}") from None
    if done.returncode != 0:
        part.unlink(missing_ok=True)
        raise BackupError(_pg_dump_failure(done.stderr or "", server))
    part.replace(out_file)
    log.info("PostgreSQL backup written to %s", out_file.name)
    return out_file


def _pg_dump_failure(stderr: str, server: object) -> str:
    from app.services import db_setup

    lower = stderr.lower()
    if "server version mismatch" in lower or "버전이 맞지 않" in lower:
        return ("이 PC의 pg_dump가 서버보다 오래된 버전입니다. 서버와 같거나 더 새로운 PostgreSQL 클라이언트 도구를 "
                f"설치하세요 ({PG_DOCS} 참고).")
    problem = db_setup.describe_connection_error(RuntimeError(stderr), getattr(server, "address", ""))
    if problem.kind is not db_setup.ProblemKind.OTHER:
        return f"백업하지 못했습니다: {problem.message}"
    first = next((line.strip() for line in stderr.splitlines() if line.strip()), "알 수 없는 오류")
    return f"pg_dump가 실패했습니다: {first}"


def default_dump_path(folder: Path) -> Path:
    return _target(folder, MANUAL, ext="dump")
