"""Writing a file the user named: never over something that exists unless asked, never over the data.

Every export, saved bank file, report and backup goes through `write_output`. The file is written
to a temporary name in the target folder (0600, so a shared PC's other accounts cannot read account
numbers in it), flushed, and renamed into place only when complete: a failed or cancelled write
leaves nothing behind and never a half file under the chosen name. The live database (and its
-wal/-shm/-journal companions) and the backups folder are refused whatever the caller asks, because
an export written there would destroy the data it came from. A service passes `protected_for(db)`
so the database it was handed is guarded too, and another name for a guarded file (a symbolic or
hard link) is refused like the file itself.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.services.common.errors import ServiceError

if TYPE_CHECKING:
    from app.database.engine import Database

PRIVATE_MODE = 0o600
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


class OutputRefusedError(ServiceError):
    """The chosen output path cannot be written; the message says why and what to do, in Korean."""

    def __init__(self, message: str, english: str) -> None:
        super().__init__(message)
        self.english = english


def database_files(db_file: Path | str | None) -> list[Path]:
    """A SQLite file with its -wal/-shm/-journal companions (nothing for None)."""
    if db_file is None:
        return []
    return [Path(f"{db_file}{suffix}") for suffix in SQLITE_COMPANIONS]


def _protected() -> list[Path]:
    """The live SQLite database with its companions, and the backups folder of this PC."""
    from app import config
    from app.database.server_settings import sqlite_file

    paths = database_files(sqlite_file(config.database_url()))
    paths.append(config.data_dir() / "backups")
    return paths


def default_protected() -> list[Path]:
    """What every user-named output is refused over: the configured live database and the backups folder."""
    return _protected()


def protected_for(db: Database | None) -> list[Path]:
    """What a service writing for `db` must never touch: the defaults plus `db`'s own file.

    The database a service was handed may not be the configured one (a second office file opened
    by path, the tests), and an export over *that* file destroys the data just as surely.
    """
    paths = _protected()
    if db is not None and db.is_sqlite:
        database = db.engine.url.database
        if database and database != ":memory:":
            paths.extend(database_files(database))
    return paths


def _resolved(path: Path) -> Path:
    try:
        return path.expanduser().resolve(strict=False)
    except (OSError, RuntimeError):
        return path.expanduser().absolute()


def check_target(path: str | os.PathLike[str], *, force: bool = False, protected: Iterable[Path] | None = None) -> Path:
    """The absolute target if it may be written, else OutputRefusedError naming the reason.

    `protected` defaults to the live database and the backups folder; a backup writer passes its
    own list (it must write into the backups folder, but never over the live database).
    """
    target = _resolved(Path(path))
    guarded = [_resolved(p) for p in (_protected() if protected is None else protected)]
    for guard in guarded:
        if target == guard or guard in target.parents or _same_file(target, guard):
            raise OutputRefusedError(
                f"데이터베이스나 백업 파일에는 저장할 수 없습니다. 다른 이름을 고르세요: {target}",
                f"refusing to write over the database or a backup: {target}",
            )
    if target.is_dir():
        raise OutputRefusedError(f"폴더입니다. 파일 이름을 붙여 주세요: {target}", f"is a folder: {target}")
    if not target.parent.is_dir():
        raise OutputRefusedError(f"저장할 폴더가 없습니다: {target.parent}", f"no such folder: {target.parent}")
    if target.exists() or target.is_symlink():
        if not force:
            raise OutputRefusedError(
                f"같은 이름의 파일이 이미 있습니다. 덮어쓰려면 --force를 붙이거나 다른 이름을 고르세요: {target}",
                f"file exists (use --force to overwrite): {target}",
            )
        if not target.is_file() or target.is_symlink():
            raise OutputRefusedError(f"일반 파일이 아니어서 덮어쓸 수 없습니다: {target}", f"not a regular file: {target}")
    return target


def _same_file(a: Path, b: Path) -> bool:
    """Two names of one file (a hard link, or a case-insensitive file system spelling it differently)."""
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


@contextlib.contextmanager
def _temporary_beside(target: Path) -> Iterator[Path]:
    """A private temporary path in the target's folder, removed unless it was renamed into place."""
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as error:
        raise OutputRefusedError(
            f"이 폴더에 쓸 수 없습니다: {target.parent} ({error.strerror})",
            f"cannot write in {target.parent}: {error.strerror}",
        ) from None
    os.close(fd)
    temp = Path(name)
    try:
        os.chmod(temp, PRIVATE_MODE)
        yield temp
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def write_output(
    path: str | os.PathLike[str],
    write: bytes | Callable[[Path], object],
    *,
    force: bool = False,
    protected: Iterable[Path] | None = None,
) -> Path:
    """Write `write` (bytes, or a function that writes a file at the path it is given) to `path`.

    Returns the final path. The result is 0600; an existing file is replaced only with `force`.
    """
    target = check_target(path, force=force, protected=protected)
    with _temporary_beside(target) as temp:
        try:
            if isinstance(write, bytes | bytearray | memoryview):
                with open(temp, "wb") as handle:
                    handle.write(bytes(write))
                    handle.flush()
                    os.fsync(handle.fileno())
            else:
                write(temp)
            os.chmod(temp, PRIVATE_MODE)
            if not force and (target.exists() or target.is_symlink()):  # appeared while we wrote
                check_target(target, force=False, protected=protected)
            os.replace(temp, target)
        except OSError as error:
            raise OutputRefusedError(
                f"파일을 저장하지 못했습니다: {target} ({error.strerror or error})",
                f"cannot write {target}: {error.strerror or error}",
            ) from None
    return target


@contextlib.contextmanager
def write_only_workbook() -> Iterator[Any]:
    """An openpyxl write-only workbook for a `write_output` writer.

    If the writer fails or is cancelled half-way, each sheet's half-written stream is closed before
    the exception goes on, so openpyxl leaves no open temporary file behind (write_output then
    removes the partial output).
    """
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    try:
        yield book
    except BaseException:
        for sheet in book.worksheets:
            if not getattr(sheet, "closed", True):
                sheet.close()
        raise


def is_private(path: Path) -> bool:
    """True when only the owner may read or write the file (what the tests and the self-test check)."""
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0
