"""The database side of sending safely: one sender (the lease), one writer per contract (serialised
transactions), and many rows per statement (bulk writes) — so a file's rows are taken, and a
result's rows applied, in one transaction that stays short even for 100,000 rows.

Why two locking mechanisms:

* **The lease** (a `SchedulerLease` row with an owner and an expiry) decides which PC runs the
  sending and fetching work at all. Several clerks' PCs share one PostgreSQL database and each runs
  the embedded scheduler; only the lease holder builds, uploads and applies. The holder renews it at
  every pass; a PC that dies stops renewing and another takes over after `ttl`. A restarted process
  on the same host need not wait: when the recorded owner's process is gone, the lease is free.
* **Serialised transactions** (`serialized`) make the few critical write transactions — building a
  file, applying a result, taking the lease — run one at a time per key even if two processes get
  there together (a lease that expired while its holder was paused, an administrator's 지금 송신 on
  another PC). PostgreSQL: a transaction-scoped advisory lock. SQLite: ``BEGIN IMMEDIATE``, which
  takes the database's write lock before the first read, so a read-then-write cannot interleave.

The lease is an optimisation of who works; correctness never rests on it alone. Rows are taken with
conditional updates, one file name per kind and day is a unique constraint, and the relay refuses a
name it already holds — so even two holders at once could not produce a second file.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import Connection, Table, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import SchedulerLease
from app.models.base import utcnow

log = logging.getLogger(__name__)

SENDER_LEASE = "sender"
DEFAULT_TTL = timedelta(minutes=3)

PROCESS_LOCK = threading.RLock()
"""Within one process, the scheduler thread and a screen's 지금 송신 must not upload the same file
at once; they hold this lock around sending and fetching work (the lease is per process)."""


def lock_key(name: str) -> int:
    """A stable signed 64-bit number for a lock name (PostgreSQL advisory locks take bigint keys)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big", signed=True)


@contextmanager
def serialized(db: Database, name: str) -> Iterator[Session]:
    """A unit of work that no other process runs at the same time under the same `name`.

    Commits on success, rolls back on any error (and the lock goes with the transaction).
    """
    with db.session() as s:
        if db.is_sqlite:
            # The whole database is the lock on SQLite; IMMEDIATE waits (busy_timeout) for it.
            s.connection().exec_driver_sql("BEGIN IMMEDIATE")
        else:
            s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(name)})
        yield s


def process_identity() -> str:
    """``user@host#pid``: who holds the lease, readable in the status bar and unique per process."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (a service account): still identify the host
        user = "?"
    return f"{user}@{socket.gethostname()}#{os.getpid()}"


def _parse_owner(owner: str) -> tuple[str, int] | None:
    """(host, pid) of an owner string written by `process_identity`, or None for anything else."""
    at = owner.rfind("@")
    hash_ = owner.rfind("#")
    if at < 0 or hash_ < at:
        return None
    try:
        return owner[at + 1 : hash_], int(owner[hash_ + 1 :])
    except ValueError:
        return None


def busy_message(owner: str | None, *, host: str | None = None) -> str:
    """Why this process may not send, naming the holder as the clerk can find it.

    A holder on this very PC (another window of the program, a headless ``python -m app scheduler``)
    is "이 PC의 다른 프로그램", with its user and process number so it can be found and closed; only a
    holder elsewhere is "다른 PC". Saying "다른 PC" of this PC sent clerks looking for a PC that
    does not exist. `host` is this PC's name (tests pass another).
    """
    parsed = _parse_owner(owner) if owner else None
    if parsed is None:
        return f"다른 PC({owner or '알 수 없음'})가 송수신을 맡고 있습니다."
    holder_host, pid = parsed
    if holder_host == (host if host is not None else socket.gethostname()):
        user = owner[: owner.rfind("@")] if owner else "?"
        return f"이 PC의 다른 프로그램(사용자 {user}, 프로세스 {pid})이 송수신을 맡고 있습니다."
    return f"다른 PC({holder_host})가 송수신을 맡고 있습니다."


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine (never signals or ends it)."""
    if pid <= 0:
        return False
    if os.name == "nt":  # pragma: no cover - Windows only; os.kill(pid, 0) would terminate it there
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]  # windll exists on Windows only
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        try:
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        finally:
            kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class LeaseHolder:
    owner: str
    expires_at: datetime
    heartbeat_at: datetime


class SenderLease:
    """The right to send and fetch for this database, held by one process at a time.

    `acquire` both takes a free (or expired, or orphaned) lease and renews one already held, so the
    scheduler simply calls it at every pass. Time is the real wall clock on purpose: the lease is
    about whether a process is alive, not about the business clock that tests move by hand.
    """

    def __init__(
        self,
        db: Database,
        *,
        owner: str | None = None,
        ttl: timedelta = DEFAULT_TTL,
        name: str = SENDER_LEASE,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.owner = owner or process_identity()
        self.ttl = ttl
        self.name = name
        self._now = now
        self.held = False

    def _free_for_me(self, row: SchedulerLease, now: datetime) -> bool:
        if row.owner == self.owner or row.expires_at <= now:
            return True
        parsed, mine = _parse_owner(row.owner), _parse_owner(self.owner)
        if parsed and mine and parsed[0] == mine[0] and parsed[1] != mine[1] and not process_alive(parsed[1]):
            log.info("lease %s: previous owner %s on this host is gone; taking over", self.name, row.owner)
            return True
        return False

    def acquire(self) -> bool:
        """Take or renew the lease; False while another live process holds it."""
        self._ensure_row()
        now = self._now()
        with serialized(self.db, f"lease:{self.name}") as s:
            row = s.scalar(select(SchedulerLease).where(SchedulerLease.name == self.name).with_for_update())
            assert row is not None  # made by _ensure_row, never deleted
            if not self._free_for_me(row, now):
                if self.held:
                    log.warning("lease %s lost to %s", self.name, row.owner)
                self.held = False
                return False
            if row.owner != self.owner:
                log.info("lease %s taken by %s (was %s)", self.name, self.owner, row.owner or "nobody")
            row.owner = self.owner
            row.expires_at = now + self.ttl
            row.heartbeat_at = now
        self.held = True
        return True

    def release(self) -> None:
        """Give the lease up at a clean shutdown, so another PC need not wait for the expiry."""
        with serialized(self.db, f"lease:{self.name}") as s:
            row = s.scalar(select(SchedulerLease).where(SchedulerLease.name == self.name).with_for_update())
            if row is not None and row.owner == self.owner:
                row.expires_at = self._now() - timedelta(seconds=1)
        self.held = False

    def holder(self) -> LeaseHolder | None:
        """Who holds the lease now (None when nobody does or it expired)."""
        with self.db.session() as s:
            row = s.get(SchedulerLease, self.name)
            if row is None or not row.owner or row.expires_at <= self._now():
                return None
            return LeaseHolder(row.owner, row.expires_at, row.heartbeat_at)

    def _ensure_row(self) -> None:
        with self.db.session() as s:
            if s.get(SchedulerLease, self.name) is not None:
                return
        epoch = self._now() - timedelta(days=1)
        try:
            with self.db.session() as s:
                s.add(SchedulerLease(name=self.name, owner="", expires_at=epoch, heartbeat_at=epoch))
        except IntegrityError:
            pass  # another process made it first; that is all we wanted


# --- bulk writes ----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A value as a PostgreSQL array element: enums by value, aware times as naive UTC (UtcDateTime's rule)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _arrays(conn: Connection, table: Table, columns: Sequence[str]) -> str:
    return ", ".join(f"CAST(:p_{c} AS {table.c[c].type.compile(dialect=conn.dialect)}[])" for c in columns)


def bulk_insert(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *, returning: Sequence[str] = ()
) -> list[Any]:
    """INSERT many rows: one ``INSERT … SELECT FROM unnest(arrays)`` on PostgreSQL (a client-side
    executemany there costs a round trip per row), executemany on SQLite (in-process, already fast)."""
    if not rows:
        return []
    columns = list(rows[0])
    if conn.dialect.name == "postgresql":
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({_arrays(conn, table, columns)})"
        if returning:
            sql += f" RETURNING {', '.join(returning)}"
        result = conn.execute(text(sql), {f"p_{c}": [_plain(r[c]) for r in rows] for c in columns})
        return [tuple(row) for row in result] if returning else []
    if returning:
        stmt = insert(table).returning(*(table.c[c] for c in returning), sort_by_parameter_order=True)
        return [tuple(row) for row in conn.execute(stmt, list(rows))]
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    conn.exec_driver_sql(sql, _driver_rows(conn, table, columns, rows))
    return []


def bulk_update(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *, only_if: dict[str, Any] | None = None
) -> int:
    """UPDATE rows by ``id`` (each dict: id and the new values); returns how many rows changed.

    One ``UPDATE … FROM unnest(arrays)`` on PostgreSQL (a join by primary key the planner does in
    linear time, unlike a join with a windowed subquery), the driver's executemany on SQLite. Bumps
    ``version_id`` where the table has one. `only_if` (column → value, None meaning IS NULL) is
    re-checked on every row, so a row someone else changed meanwhile is left alone and not counted.
    """
    if not rows:
        return 0
    columns = [c for c in rows[0] if c != "id"]
    bump = "version_id" in table.c
    conditions = only_if or {}
    if conn.dialect.name == "postgresql":
        sets = ", ".join(f"{c} = v.{c}" for c in columns) + (", version_id = t.version_id + 1" if bump else "")
        guard = "".join(f" AND t.{c} IS NULL" if v is None else f" AND t.{c} = :w_{c}" for c, v in conditions.items())
        sql = (f"UPDATE {table.name} AS t SET {sets} FROM unnest({_arrays(conn, table, ['id', *columns])}) "
               f"AS v(id, {', '.join(columns)}) WHERE t.id = v.id{guard}")
        params = {f"p_{c}": [_plain(r[c]) for r in rows] for c in ["id", *columns]}
        params.update({f"w_{c}": _plain(v) for c, v in conditions.items() if v is not None})
        return int(conn.execute(text(sql), params).rowcount or 0)
    sets = ", ".join(f"{c} = ?" for c in columns) + (", version_id = version_id + 1" if bump else "")
    guard = "".join(f" AND {c} IS NULL" if v is None else f" AND {c} = ?" for c, v in conditions.items())
    fixed = tuple(_plain(v) for v in conditions.values() if v is not None)
    params_rows = [(*row, *fixed) for row in _driver_rows(conn, table, [*columns, "id"], rows)]
    return int(conn.exec_driver_sql(f"UPDATE {table.name} SET {sets} WHERE id = ?{guard}", params_rows).rowcount or 0)


def _driver_rows(conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> list[Any]:
    """Parameter tuples for the driver's own executemany (SQLite), converted by each column's type once
    per value — what SQLAlchemy's executemany does, without building a parameter dict per row."""
    procs = [table.c[c].type.bind_processor(conn.dialect) for c in columns]
    return [tuple(p(r[c]) if p else r[c] for c, p in zip(columns, procs, strict=True)) for r in rows]
