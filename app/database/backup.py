"""Copies of the database and putting one back: SQLite through its online backup API, PostgreSQL through pg_dump.

Why it looks like this (taking, naming and rotating the SQLite copies lives in app/database/copies.py,
with its own reasons):

* **Restore checks before it touches anything**: the SQLite header, ``PRAGMA integrity_check``, and
  a KSCMS schema revision this program knows (an older one is fine: the next start upgrades it,
  with its own pre-upgrade copy; a newer one is refused). Then the current file is copied aside
  ("before-restore") and the backup is written into the live file with the backup API, which keeps
  the file's identity and lets SQLite reset its WAL properly. Every connection must be closed first
  (``restore_database`` disposes the engine), and the program restarts afterwards.
* **PostgreSQL is backed up with ``pg_dump -Fc``** when the client tools are installed; the office
  server's own nightly dump (docs/shared-database.md) is the real safety net for a shared database.
* **Every backup has a manifest** (``<backup>.manifest.json``, app/database/backup_manifest.py):
  SHA-256, program version, schema revision, row counts, authenticated with the data key. A restore
  verifies it, then the schema's shape, then the counts, on a private staged copy that is the one
  restored; anything else is refused with the reason. A backup without a valid manifest is restored
  only as an administrator's explicit ``unverified`` choice (still a KSCMS database of a known
  revision and shape), recorded in the restored database's audit log.
* **Files are 0600 and written through output_files**: a backup never replaces an existing file
  unless asked (``--out`` with ``--force``), and never the live database or its -wal/-shm.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from app.database import backup_manifest as manifests
from app.database import backup_shape as shape
from app.database.copies import (
    BEFORE_RESTORE,
    MANUAL,
    BackupError,
    backup_target,
    copy_sqlite,
    describe,
    sqlite_path,
)
from app.database.engine import Database
from app.database.schema import known_revisions
from app.services.common import output_files
from app.services.common.crypto import DataKey
from app.services.common.session import Actor

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DOCS = "docs/shared-database.md의 '서버에서 백업하기'"


def _refused(error: manifests.ManifestError) -> BackupError:
    return BackupError(error.message, error.english)


# --- checking and restoring --------------------------------------------------------------------


@dataclass(frozen=True)
class BackupCheck:
    """What a restorable backup holds, and whether its manifest vouched for it."""

    path: Path
    revision: str
    taken_at: datetime
    upgrade_needed: bool
    verified: bool = False
    unverified_reason: str | None = None
    """Why the manifest did not verify (only for an unverified check: a Korean sentence)."""


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
    """The structural pre-check: refuse (BackupError) anything that is not a whole KSCMS SQLite
    database of a revision this program knows. It does not prove the file is the one backed up:
    `verify_backup` (which every restore runs) does."""
    path = Path(path)
    name = path.name
    _require_sqlite_file(path)
    try:
        with _readable(path) as conn:
            revision = _checked_revision(conn, name)
    except sqlite3.DatabaseError as error:
        raise _damaged(name, error) from None
    revision, upgrade_needed = _known(revision, name)
    info = describe(path)
    taken_at = info.taken_at if info else datetime.fromtimestamp(path.stat().st_mtime)
    return BackupCheck(path, revision, taken_at, upgrade_needed)


def _require_sqlite_file(path: Path) -> None:
    if not path.is_file():
        raise BackupError(f"백업 파일을 찾을 수 없습니다: {path.name}", f"no such backup file: {path.name}")
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise BackupError(f"이 파일은 KSCMS desk 백업(SQLite 데이터베이스)이 아닙니다: {path.name}",
                          f"not a SQLite database: {path.name}")


def _damaged(name: str, error: object) -> BackupError:
    return BackupError(f"백업 파일이 손상되었거나 열 수 없습니다. 다른 백업을 고르세요: {name} ({error})",
                       f"backup is damaged or unreadable: {error}")


def _known(revision: str | None, name: str) -> tuple[str, bool]:
    """The revision, and whether it needs an upgrade; refused when absent or newer than this program."""
    if not revision:
        raise BackupError(f"이 파일은 KSCMS desk 데이터베이스가 아닙니다(스키마 버전 정보가 없습니다): {name}",
                          "not a KSCMS desk database (no schema revision)")
    known, head = known_revisions()
    if revision not in known:
        raise BackupError(
            "이 백업은 더 새로운 버전의 KSCMS desk로 만들어져 이 프로그램으로 복원할 수 없습니다. "
            f"프로그램을 먼저 업데이트하세요. (backup schema {revision}, program {head})",
            f"backup schema {revision} is unknown to this program (head {head})",
        )
    return revision, revision != head


def _checked_revision(conn: sqlite3.Connection, name: str) -> str | None:
    result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        raise BackupError(f"백업 파일이 손상되었습니다(무결성 검사 실패). 다른 백업을 고르세요: {name}",
                          "backup failed SQLite's integrity check")
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return str(row[0]) if row and row[0] else None


def verify_backup(path: Path, *, key: DataKey | None = None, unverified: bool = False) -> BackupCheck:
    """Every check a restore makes, without restoring: BackupError naming the first reason to refuse.

    Verified (the default): the manifest's tag under the data key (`key`, else this PC's keyring),
    the file's SHA-256, its revision (known, not newer), its integrity, the shape of that revision
    and of the upgraded copy, and every table's row count. `unverified`: a missing, unsigned or
    non-matching manifest is tolerated (the reason is returned), nothing else is.
    """
    with _verified(Path(path), key=key, unverified=unverified) as (check, _staged):
        return check


@contextmanager
def _verified(path: Path, *, key: DataKey | None, unverified: bool) -> Iterator[tuple[BackupCheck, Path]]:
    """The checked backup and a private staged copy of exactly the bytes that were checked."""
    name = path.name
    _require_sqlite_file(path)
    manifest: manifests.Manifest | None = None
    problem: manifests.ManifestError | None = None
    try:
        manifest = manifests.read(path)
    except manifests.ManifestError as error:
        problem = error
    entered = False  # after the yield, errors are the caller's (the restore itself) and pass through unchanged
    try:
        with manifests.staged_copy(path) as staged:
            conn = sqlite3.connect(f"{staged.path.resolve().as_uri()}?immutable=1", uri=True)
            try:
                revision, upgrade_needed = _known(_checked_revision(conn, name), name)
                if manifest is not None and problem is None:
                    problem = _manifest_problem(manifest, staged, revision, key, conn)
                if problem is not None and not unverified:
                    raise _refused(problem)
            finally:
                conn.close()
            try:
                shape.check_shape(staged.path, revision)
            except manifests.ManifestError as error:
                raise _refused(error) from None
            taken_at = _taken_at(path, manifest if problem is None else None)
            check = BackupCheck(path, revision, taken_at, upgrade_needed, verified=problem is None,
                                unverified_reason=problem.message if problem is not None else None)
            entered = True
            yield check, staged.path
    except sqlite3.DatabaseError as error:
        if entered:
            raise
        raise _damaged(name, error) from None
    except OSError as error:
        if entered:
            raise
        raise BackupError(f"백업 파일을 읽지 못했습니다: {name} ({error.strerror or error})",
                          f"cannot read {name}: {error.strerror or error}") from None


def _manifest_problem(manifest: manifests.Manifest, staged: manifests.Staged, revision: str,
                      key: DataKey | None, conn: sqlite3.Connection) -> manifests.ManifestError | None:
    """Why the manifest does not vouch for the staged bytes, or None when it does."""
    try:
        manifests.verify_tag(manifest, key)
        manifests.verify_file(manifest, staged)
        if manifest.database != manifests.SQLITE or manifest.schema_revision != revision:
            raise manifests.ManifestError("백업의 스키마 버전이 확인 정보와 다릅니다. 이 백업은 복원하지 않습니다.",
                                          f"schema revision {revision} differs from the manifest")
        manifests.verify_counts(manifest, conn)
    except manifests.ManifestError as error:
        return error
    return None


def _taken_at(path: Path, manifest: manifests.Manifest | None) -> datetime:
    if manifest is not None:
        try:
            return datetime.fromisoformat(manifest.taken_at).replace(tzinfo=None)
        except ValueError:
            pass
    info = describe(path)
    return info.taken_at if info else datetime.fromtimestamp(path.stat().st_mtime)


def restore_sqlite(
    db_file: Path,
    backup_file: Path,
    *,
    safety_folder: Path,
    key: DataKey | None = None,
    unverified: bool = False,
    actor: Actor | None = None,
) -> Path | None:
    """Replace the contents of `db_file` with `backup_file`; returns the copy taken of the current file.

    Nothing is touched unless `verify_backup` accepts the file; the bytes restored are the private
    copy that was verified. Every connection to `db_file` must be closed by the caller. The current
    file is copied to `safety_folder` first ("before-restore"). `unverified` is an administrator's
    choice only (`actor`), and is written to the restored database's audit log.
    """
    db_file, backup_file = Path(db_file), Path(backup_file)
    if db_file.exists() and backup_file.exists() and backup_file.resolve() == db_file.resolve():
        raise BackupError("지금 사용 중인 데이터베이스 파일 자체는 복원할 수 없습니다. 백업 폴더의 파일을 고르세요.",
                          "cannot restore the live database onto itself")
    if unverified and (actor is None or not actor.is_admin):
        raise BackupError("검증 없이 복원은 관리자만 할 수 있습니다.", "unverified restore is for administrators only")
    with _verified(backup_file, key=key, unverified=unverified) as (check, staged):
        safety: Path | None = None
        if db_file.exists() and db_file.stat().st_size:
            safety = _safety_copy(db_file, safety_folder, key)
        _write_into(db_file, staged)
    if not check.verified:
        assert actor is not None
        _audit_unverified(db_file, actor, backup_file.name, check, safety_folder)
    log.info("database restored from %s (%s; previous contents saved as %s)", backup_file.name,
             "verified" if check.verified else "UNVERIFIED", safety.name if safety else "nothing")
    return safety


def _safety_copy(db_file: Path, folder: Path, key: DataKey | None) -> Path:
    """The current file, set aside before it is replaced: a consistent copy with its manifest, or, when
    the current file is too damaged for SQLite to copy (often the reason for restoring), its raw bytes."""
    target = backup_target(folder, BEFORE_RESTORE)
    guard = output_files.database_files(db_file)
    try:
        return copy_sqlite(db_file, target, kind=BEFORE_RESTORE, key=key, protected=guard)
    except BackupError:
        log.warning("current database could not be copied with SQLite; keeping its raw bytes as %s", target.name)
        return output_files.write_output(target, lambda temp: shutil.copyfile(db_file, temp), protected=guard)


def _write_into(db_file: Path, staged: Path) -> None:
    """The staged copy into the live file with the backup API (keeps the file's identity, resets its WAL)."""
    try:
        source = sqlite3.connect(f"{staged.resolve().as_uri()}?immutable=1", uri=True)
        try:
            dest = sqlite3.connect(str(db_file), timeout=10)
            try:
                try:
                    source.backup(dest)
                except sqlite3.DatabaseError as error:
                    if isinstance(error, sqlite3.OperationalError):
                        raise  # busy or locked: another program has it open
                    # the current file is not a database any more (its bytes are in the safety copy):
                    # empty it in place, keeping the file itself, and copy again
                    dest.close()
                    for companion in ("-wal", "-shm", "-journal"):
                        Path(f"{db_file}{companion}").unlink(missing_ok=True)
                    with open(db_file, "r+b") as handle:
                        handle.truncate(0)
                    dest = sqlite3.connect(str(db_file), timeout=10)
                    source.backup(dest)
                if dest.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                    raise BackupError("복원한 데이터베이스를 검사하지 못했습니다. 복원 전 백업으로 되돌리세요.",
                                      "restored database failed its quick check")
                dest.execute("PRAGMA journal_mode=WAL")
            finally:
                dest.close()
        finally:
            source.close()
        os.chmod(db_file, output_files.PRIVATE_MODE)
    except sqlite3.OperationalError as error:
        raise BackupError(
            "데이터베이스가 사용 중이라 복원하지 못했습니다. KSCMS desk를 모두 닫고 다시 하세요. "
            f"({error})",
            f"database is in use: {error}",
        ) from None


def _audit_unverified(db_file: Path, actor: Actor, name: str, check: BackupCheck, safety_folder: Path) -> None:
    """Record the unverified restore in the restored database, so it stays with the data it brought.

    The restored file is brought to the program's revision first (the shape check proved it can be),
    and the row names the administrator by login even where the backup predates their account.
    """
    from app.database import migrate as migrations
    from app.database.server_settings import sqlite_url
    from app.models import Institution, User
    from app.services.common import audit

    restored = Database.from_url(sqlite_url(db_file))
    try:
        migrations.upgrade(restored.engine, backup_to=safety_folder)
        with restored.session() as s:
            user = s.get(User, actor.user_id) if actor.user_id is not None else None
            same = user is not None and user.login_id == actor.login_id and user.institution_id == actor.institution_id
            institution = actor.institution_id if s.get(Institution, actor.institution_id) is not None else None
            audit.record(s, "backup_restored_unverified", actor=actor if same else None,
                         institution_id=institution, login_id=actor.login_id, target=name[:100],
                         detail={"revision": check.revision, "reason": check.unverified_reason or ""})
    finally:
        restored.dispose()
    log.warning("UNVERIFIED restore of %s by %s: %s", name, actor.login_id, check.unverified_reason)


def restore_database(
    db: Database,
    backup_file: Path,
    *,
    safety_folder: Path,
    key: DataKey | None = None,
    unverified: bool = False,
    actor: Actor | None = None,
) -> Path | None:
    """`restore_sqlite` for an open Database: its pooled connections are closed first."""
    if not db.is_sqlite:
        raise BackupError(
            "공유 데이터베이스(PostgreSQL)는 프로그램에서 복원하지 않습니다. 서버 관리자가 pg_restore로 복원합니다 "
            f"({PG_DOCS} 참고).",
            "a PostgreSQL database is restored by the server administrator with pg_restore",
        )
    path = sqlite_path(db.engine)
    db.dispose()
    return restore_sqlite(path, backup_file, safety_folder=safety_folder, key=key, unverified=unverified, actor=actor)


# --- PostgreSQL -------------------------------------------------------------------------------


def find_pg_dump() -> Path | None:
    """pg_dump on PATH, else in the usual Windows install folders (newest version first)."""
    found = shutil.which("pg_dump")
    if found:
        return Path(found)
    # Windows' own spelling; os.environ ignores case there, and pg_dump is only looked for in them there.
    for root in (os.environ.get("ProgramFiles"), os.environ.get("ProgramFiles(x86)")):  # noqa: SIM112 - as above
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
    key: DataKey | None = None,
    force: bool = False,
    protected: Iterable[Path] | None = None,
    kind: str = MANUAL,
) -> Path:
    """`pg_dump -Fc` of the database at `url` into `out_file` (0600), with its manifest beside it.

    The password goes by environment only. pg_dump reads a snapshot exported by a REPEATABLE READ
    transaction of ours, and the manifest's revision and row counts are read in that same snapshot,
    so they describe exactly the rows in the dump. The manifest is signed with `key`, else with this
    PC's keyring copy of the database's key, else written unauthenticated.
    """
    from app.database.server_settings import ServerSettings, load_password

    exe = pg_dump or find_pg_dump()
    if exe is None:
        raise BackupError(
            "pg_dump 프로그램을 찾을 수 없어 공유 데이터베이스를 이 PC에서 백업할 수 없습니다. PostgreSQL 클라이언트 "
            f"도구를 설치하거나, 서버에서 매일 백업하도록 설정하세요 ({PG_DOCS} 참고).",
            "pg_dump not found",
        )
    parsed = make_url(url)
    server = ServerSettings.from_url(url)
    env = dict(os.environ)
    secret = password or parsed.password or load_password(server)
    if secret:
        env["PGPASSWORD"] = secret
    out_file = Path(out_file)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    output_files.check_target(out_file, force=force, protected=protected)
    output_files.check_target(manifests.manifest_path(out_file), force=force, protected=protected)
    schema = _schema_of(url)
    with pg_snapshot(url, secret) as snapshot:

        def write(temp: Path) -> None:
            args = [str(exe), "--format=custom", "--no-password", f"--file={temp}", f"--host={server.host}",
                    f"--port={server.port}", f"--username={server.user}", f"--dbname={server.database}"]
            if snapshot.snapshot_id:
                args.append(f"--snapshot={snapshot.snapshot_id}")
            if schema:
                args.append(f"--schema={schema}")
            try:
                done = run(args, env=env, capture_output=True, text=True, timeout=timeout, check=False)
            except subprocess.TimeoutExpired:
                raise BackupError("pg_dump가 제한 시간 안에 끝나지 않았습니다. 서버와 네트워크 상태를 확인하세요.",
                                  "pg_dump timed out") from None
            except OSError as error:
                raise BackupError(f"pg_dump를 실행하지 못했습니다: {error.strerror or error}",
                                  f"cannot run pg_dump: {error.strerror or error}") from None
            if done.returncode != 0:
                raise BackupError(_pg_dump_failure(done.stderr or "", server), "pg_dump failed")

        written = output_files.write_output(out_file, write, force=force, protected=protected)
        signing_key = key if key is not None and key.key_id == snapshot.key_id else manifests._keyring_key(
            snapshot.key_id)
        manifest = manifests.make(sha256=manifests.sha256_file(written), size=written.stat().st_size,
                                  schema_revision=snapshot.revision, row_counts=snapshot.row_counts, kind=kind,
                                  database=manifests.POSTGRESQL, key=signing_key, tables=snapshot.tables)
    manifests.write(manifest, written, force=force, protected=protected)
    log.info("PostgreSQL backup written to %s (manifest %s)", written.name,
             "signed" if signing_key else "unauthenticated")
    return written


@dataclass
class PgSnapshot:
    """What the manifest of a dump says about the database, read in the snapshot pg_dump dumps."""

    snapshot_id: str | None
    revision: str | None
    key_id: str | None
    row_counts: dict[str, int]
    tables: dict[str, list[str]]


@contextmanager
def pg_snapshot(url: str, password: str | None) -> Iterator[PgSnapshot]:
    """A REPEATABLE READ transaction held open while pg_dump reads its exported snapshot."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from app.database.engine import normalise_url

    parsed = make_url(normalise_url(url))
    if password and not parsed.password:
        parsed = parsed.set(password=password)
    engine = create_engine(parsed, poolclass=NullPool, connect_args={"connect_timeout": 15})
    entered = False  # after the yield, errors are the caller's own and pass through unchanged
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot_id = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
                tables: dict[str, list[str]] = {}
                for table, column in conn.execute(text(
                        "SELECT c.table_name, c.column_name FROM information_schema.columns c "
                        "JOIN information_schema.tables t ON t.table_schema = c.table_schema "
                        "AND t.table_name = c.table_name WHERE c.table_schema = current_schema() "
                        "AND t.table_type = 'BASE TABLE'")):
                    tables.setdefault(str(table), []).append(str(column))
                counts = {name: int(conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar() or 0)
                          for name in sorted(tables)}
                revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
                    if "alembic_version" in tables else None
                key_id = conn.execute(text("SELECT key_id FROM data_key ORDER BY id LIMIT 1")).scalar() \
                    if "data_key" in tables else None
                snapshot = PgSnapshot(snapshot_id, revision, key_id, counts,
                                      {t: sorted(c) for t, c in sorted(tables.items())})
                entered = True
                yield snapshot
    except Exception as error:  # a connection failure is reported like pg_dump's own
        if entered:
            raise
        from app.database.problems import describe_connection_error
        from app.database.server_settings import ServerSettings

        problem = describe_connection_error(error, ServerSettings.from_url(url).address)
        raise BackupError(f"백업하지 못했습니다: {problem.message}", f"cannot read the database: {problem.kind.value}") \
            from None
    finally:
        engine.dispose()


@dataclass(frozen=True)
class DumpCheck:
    """A verified PostgreSQL dump: what its manifest vouches for."""

    path: Path
    revision: str
    taken_at: datetime
    tables: int
    rows: int
    listed: bool
    """Whether pg_restore --list was available to confirm the dump holds exactly those tables."""


def verify_dump(path: Path, *, key: DataKey | None = None, pg_restore: Path | None = None,
                run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run) -> DumpCheck:
    """Check a pg_dump file against its manifest: tag, SHA-256, a known revision, the tables of that
    revision (from the manifest, and from the dump's own table of contents where pg_restore exists).

    Row counts cannot be counted without restoring; the manifest's, read in the dump's own snapshot,
    are shown so the server administrator can compare them after pg_restore.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"백업 파일을 찾을 수 없습니다: {path.name}", f"no such backup file: {path.name}")
    try:
        manifest = manifests.read(path)
        manifests.verify_tag(manifest, key)
        with manifests.staged_hash(path) as staged:
            manifests.verify_file(manifest, staged)
    except manifests.ManifestError as error:
        raise _refused(error) from None
    if manifest.database != manifests.POSTGRESQL:
        raise BackupError("이 확인 정보는 PostgreSQL 백업의 것이 아닙니다.", "manifest is not for a PostgreSQL dump")
    revision, _upgrade = _known(manifest.schema_revision, path.name)
    expected = {t: list(c) for t, c in shape.reference_tables(revision).items()}
    if manifest.tables != expected:
        raise BackupError(f"백업의 데이터베이스 구조가 스키마 버전 {revision}의 구조와 다릅니다. 이 백업은 쓰지 마세요.",
                          f"dump schema differs from revision {revision}")
    listed = _dump_tables(path, pg_restore, run)
    if listed is not None and listed != set(expected):
        raise BackupError("백업 파일에 들어 있는 표가 확인 정보와 다릅니다. 이 백업은 쓰지 마세요.",
                          "tables in the dump differ from the manifest")
    return DumpCheck(path, revision, _taken_at(path, manifest), len(manifest.tables),
                     sum(manifest.row_counts.values()), listed is not None)


def _dump_tables(path: Path, pg_restore: Path | None,
                 run: Callable[..., subprocess.CompletedProcess[str]]) -> set[str] | None:
    """The tables whose data a custom-format dump holds (pg_restore --list), or None without pg_restore."""
    exe = pg_restore or (Path(found) if (found := shutil.which("pg_restore")) else None)
    if exe is None:
        return None
    try:
        done = run([str(exe), "--list", str(path)], capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        raise BackupError("pg_restore가 이 백업 파일을 읽지 못했습니다. 파일이 손상되었습니다.",
                          "pg_restore cannot read the dump")
    tables = set()
    for line in done.stdout.splitlines():
        match = re.search(r"\bTABLE DATA (\S+) (\S+) ", line)
        if match and not line.lstrip().startswith(";"):
            tables.add(match.group(2))
    return tables


def verify_any(path: Path, *, key: DataKey | None = None) -> BackupCheck | DumpCheck:
    """`verify_backup` for a SQLite backup, `verify_dump` for anything else (a pg_dump file)."""
    path = Path(path)
    if path.is_file():
        with path.open("rb") as handle:
            if handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER:
                return verify_backup(path, key=key)
    return verify_dump(path, key=key)


def _pg_dump_failure(stderr: str, server: object) -> str:
    from app.database.problems import ProblemKind, describe_connection_error

    lower = stderr.lower()
    if "server version mismatch" in lower or "버전이 맞지 않" in lower:
        return ("이 PC의 pg_dump가 서버보다 오래된 버전입니다. 서버와 같거나 더 새로운 PostgreSQL 클라이언트 도구를 "
                f"설치하세요 ({PG_DOCS} 참고).")
    problem = describe_connection_error(RuntimeError(stderr), getattr(server, "address", ""))
    if problem.kind is not ProblemKind.OTHER:
        return f"백업하지 못했습니다: {problem.message}"
    first = next((line.strip() for line in stderr.splitlines() if line.strip()), "알 수 없는 오류")
    return f"pg_dump가 실패했습니다: {first}"


def default_dump_path(folder: Path) -> Path:
    return backup_target(folder, MANUAL, ext="dump")
