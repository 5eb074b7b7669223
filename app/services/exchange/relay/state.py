"""The simulator's memory: files taken, results due, registrations in force, consent evidence
received (accepted or refused, per 납부자번호 + bank + account), notices posted.

A small SQLite file, not JSON, because more than one process may drive the same simulator folder
(the application and ``python -m app`` on one PC, or either of them and ``app.relay_sim``):
``BEGIN IMMEDIATE`` makes each step a cross-process critical section on Windows and Linux alike,
without a lock-file library. Every step is one short transaction; the file work a step does is
idempotent, so a crash between writing a file and committing only repeats that step.

Times are stored as UTC epoch seconds (REAL) so comparisons are plain number comparisons.

The file holds request files (full account numbers) until their result is made: it is 0600 (its
-wal and -shm companions inherit the mode from it), runs with ``secure_delete`` so a blanked copy
is overwritten rather than left in a free page, and ``forget_content`` blanks a copy once done.
The register of registrations matches accounts by a keyed hash (HMAC-SHA256 under a random salt
kept in the file), never by the number itself: the simulated bank only needs equality, and a copy of
the data folder should not list account numbers. Consent evidence is remembered the same way, by
the same keyed hash, with its kind, extension, size and SHA-256 but never its bytes; ``evidence_verdict``
answers what an EB13 new registration needs to know: accepted evidence on record, none (0078), or
the latest refused (its code). A file of an older version is converted at open.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from app.services.common.calendar import SEOUL

REASON_NO_EVIDENCE = "0078"
"""EB13 new registration without accepted consent evidence (EI13 not sent), §4."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS intake (
    id INTEGER PRIMARY KEY,
    institution TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    received_at REAL NOT NULL,
    sha256 TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'stored')),
    due_at REAL,
    result_name TEXT,
    content BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS intake_name ON intake (institution, name);
CREATE INDEX IF NOT EXISTS intake_due ON intake (status, due_at);
CREATE TABLE IF NOT EXISTS refusal (
    id INTEGER PRIMARY KEY,
    institution TEXT NOT NULL,
    name TEXT NOT NULL,
    received_at REAL NOT NULL,
    sha256 TEXT NOT NULL,
    tag TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS registration (
    id INTEGER PRIMARY KEY,
    institution TEXT NOT NULL,
    customer_no TEXT NOT NULL,
    bank_code TEXT NOT NULL,
    account_no TEXT NOT NULL,
    effective_at REAL NOT NULL,
    cancelled_at REAL,
    source TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS registration_pair ON registration (institution, customer_no, bank_code, account_no);
CREATE TABLE IF NOT EXISTS evidence (
    id INTEGER PRIMARY KEY,
    institution TEXT NOT NULL,
    customer_no TEXT NOT NULL,
    bank_code TEXT NOT NULL,
    account_no TEXT NOT NULL,
    applied_on TEXT NOT NULL,
    received_at REAL NOT NULL,
    reason_code TEXT,
    kind TEXT NOT NULL,
    extension TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    source TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS evidence_pair ON evidence (institution, customer_no, bank_code, account_no, received_at);
CREATE TABLE IF NOT EXISTS arrival (
    institution TEXT NOT NULL,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    arrived_at REAL NOT NULL,
    PRIMARY KEY (institution, name)
);
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS notice_posted (
    institution TEXT NOT NULL,
    notice_id TEXT NOT NULL,
    PRIMARY KEY (institution, notice_id)
);
"""


def to_epoch(moment: datetime) -> float:
    return moment.timestamp()


def from_epoch(value: float) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC).astimezone(SEOUL)


@dataclass(frozen=True)
class Intake:
    """A request file the simulator accepted, and when its result is due."""

    id: int
    institution: str
    name: str
    kind: str
    received_at: datetime
    status: str  # pending: result not yet made; done: result made; stored: no result (EI13)
    due_at: datetime | None
    result_name: str | None
    content: bytes
    sha256: str


def _use_wal(conn: sqlite3.Connection, *, tries: int = 100) -> None:
    """WAL, which persists in the file: readers never wait for a writer.

    Switching needs the file to itself, and SQLite answers "database is locked" at once, without
    its busy timeout, when another process opens the same new file at that moment (two schedulers
    starting together), so the switch is retried for a few seconds.
    """
    for attempt in range(tries):
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == tries - 1:
                raise
            time.sleep(0.05)


def _hashed(salt: bytes, account_no: str) -> str:
    return hmac.new(salt, account_no.encode("ascii", "replace"), hashlib.sha256).hexdigest()


def _private_file(path: Path) -> None:
    """Create the state file 0600 before SQLite opens it (SQLite gives -wal and -shm the same mode),
    and tighten one an older version made with the umask's mode."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    if os.name != "nt":
        os.chmod(path, 0o600)


class SimulatorState:
    """Thin, typed access to the state file; one connection per transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        _private_file(path)
        conn = sqlite3.connect(path, timeout=30.0, isolation_level=None)
        try:
            _use_wal(conn)
            conn.executescript(_SCHEMA)  # idempotent (IF NOT EXISTS); executescript commits itself
        finally:
            conn.close()
        with self.transaction() as db:
            self._salt = self._account_salt(db)

    # --- account numbers, hashed ----------------------------------------------------------------

    @staticmethod
    def _account_salt(db: sqlite3.Connection) -> bytes:
        """The file's salt; made, and every plaintext account of an older file hashed, on first open."""
        row = db.execute("SELECT value FROM meta WHERE name = 'account_salt'").fetchone()
        if row is not None:
            return bytes(row[0])
        salt = secrets.token_bytes(32)
        db.execute("INSERT INTO meta (name, value) VALUES ('account_salt', ?)", (salt,))
        for row_id, account_no in db.execute("SELECT id, account_no FROM registration").fetchall():
            db.execute("UPDATE registration SET account_no = ? WHERE id = ?", (_hashed(salt, account_no), row_id))
        return salt

    def _account(self, account_no: str) -> str:
        return _hashed(self._salt, account_no)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """An immediate (write-locking) transaction: simulators sharing the file take turns."""
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            conn.execute("PRAGMA secure_delete = ON")
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    # --- intake ---------------------------------------------------------------------------

    @staticmethod
    def _intake(row: tuple) -> Intake:
        (id_, inst, name, kind, received, sha, status, due, result_name, content) = row
        return Intake(
            id_,
            inst,
            name,
            kind,
            from_epoch(received),
            status,
            None if due is None else from_epoch(due),
            result_name,
            bytes(content),
            sha,
        )

    _INTAKE_COLUMNS = "id, institution, name, kind, received_at, sha256, status, due_at, result_name, content"

    def find_intake(self, db: sqlite3.Connection, institution: str, name: str) -> Intake | None:
        row = db.execute(
            f"SELECT {self._INTAKE_COLUMNS} FROM intake WHERE institution = ? AND name = ?", (institution, name)
        ).fetchone()
        return None if row is None else self._intake(row)

    def add_intake(
        self,
        db: sqlite3.Connection,
        *,
        institution: str,
        name: str,
        kind: str,
        received_at: datetime,
        sha256: str,
        due_at: datetime | None,
        result_name: str | None,
        content: bytes,
    ) -> None:
        db.execute(
            "INSERT INTO intake (institution, name, kind, received_at, sha256, status, due_at, result_name, content)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                institution,
                name,
                kind,
                to_epoch(received_at),
                sha256,
                "pending" if result_name else "stored",
                None if due_at is None else to_epoch(due_at),
                result_name,
                content,
            ),
        )

    def due_intakes(self, db: sqlite3.Connection, now: datetime) -> list[Intake]:
        """Accepted requests whose result is due by ``now``, in the order results must be made."""
        rows = db.execute(
            f"SELECT {self._INTAKE_COLUMNS} FROM intake WHERE status = 'pending' AND due_at <= ? ORDER BY due_at, id",
            (to_epoch(now),),
        ).fetchall()
        return [self._intake(r) for r in rows]

    def pending_intakes(self, institution: str | None = None) -> list[Intake]:
        with self.transaction() as db:
            sql = f"SELECT {self._INTAKE_COLUMNS} FROM intake WHERE status = 'pending'"
            args: tuple[str, ...] = ()
            if institution is not None:
                sql += " AND institution = ?"
                args = (institution,)
            rows = db.execute(sql + " ORDER BY due_at, id", args).fetchall()
        return [self._intake(r) for r in rows]

    def accepted_names(self, db: sqlite3.Connection, institution: str) -> dict[str, str]:
        """Name → SHA-256 of every request accepted from an institution."""
        rows = db.execute("SELECT name, sha256 FROM intake WHERE institution = ?", (institution,)).fetchall()
        return {name: sha for name, sha in rows}

    def mark_done(self, db: sqlite3.Connection, intake_id: int, *, forget_content: bool = False) -> None:
        """The result is made; with ``forget_content`` the request's bytes are blanked too."""
        if forget_content:
            db.execute("UPDATE intake SET status = 'done', content = X'' WHERE id = ?", (intake_id,))
        else:
            db.execute("UPDATE intake SET status = 'done' WHERE id = ?", (intake_id,))

    def forget_content(self, db: sqlite3.Connection, institution: str, name: str) -> None:
        """Blank the stored copy of a request that needs no more work (the name stays taken)."""
        db.execute("UPDATE intake SET content = X'' WHERE institution = ? AND name = ?", (institution, name))

    # --- arrivals -----------------------------------------------------------------------------

    def note_arrival(self, db: sqlite3.Connection, institution: str, name: str, sha256: str, at: datetime) -> None:
        """The uploader's time for ``name`` with these bytes (a later upload of the name replaces it)."""
        db.execute(
            "INSERT OR REPLACE INTO arrival (institution, name, sha256, arrived_at) VALUES (?, ?, ?, ?)",
            (institution, name, sha256, to_epoch(at)),
        )

    def pop_arrival(self, db: sqlite3.Connection, institution: str, name: str, sha256: str) -> datetime | None:
        """The noted arrival of exactly these bytes under ``name``, removed as it is used; else None."""
        row = db.execute(
            "SELECT sha256, arrived_at FROM arrival WHERE institution = ? AND name = ?", (institution, name)
        ).fetchone()
        if row is None:
            return None
        db.execute("DELETE FROM arrival WHERE institution = ? AND name = ?", (institution, name))
        return from_epoch(row[1]) if row[0] == sha256 else None

    def add_refusal(
        self, db: sqlite3.Connection, *, institution: str, name: str, received_at: datetime, sha256: str, tag: str,
        reason: str,
    ) -> None:
        db.execute(
            "INSERT INTO refusal (institution, name, received_at, sha256, tag, reason) VALUES (?, ?, ?, ?, ?, ?)",
            (institution, name, to_epoch(received_at), sha256, tag, reason),
        )

    # --- registrations ----------------------------------------------------------------------

    def registered(
        self, db: sqlite3.Connection, institution: str, customer_no: str, bank_code: str, account_no: str,
        as_of: datetime,
    ) -> bool:
        """Whether the pair had a registration in force at ``as_of``."""
        at = to_epoch(as_of)
        row = db.execute(
            "SELECT 1 FROM registration WHERE institution = ? AND customer_no = ? AND bank_code = ? AND account_no = ?"
            " AND effective_at <= ? AND (cancelled_at IS NULL OR cancelled_at > ?) LIMIT 1",
            (institution, customer_no, bank_code, self._account(account_no), at, at),
        ).fetchone()
        return row is not None

    def register(
        self, db: sqlite3.Connection, institution: str, customer_no: str, bank_code: str, account_no: str,
        effective_at: datetime, source: str,
    ) -> None:
        db.execute(
            "INSERT INTO registration (institution, customer_no, bank_code, account_no, effective_at, source)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (institution, customer_no, bank_code, self._account(account_no), to_epoch(effective_at), source),
        )

    def cancel(
        self, db: sqlite3.Connection, institution: str, customer_no: str, bank_code: str, account_no: str,
        cancelled_at: datetime,
    ) -> None:
        db.execute(
            "UPDATE registration SET cancelled_at = ? WHERE institution = ? AND customer_no = ? AND bank_code = ?"
            " AND account_no = ? AND cancelled_at IS NULL",
            (to_epoch(cancelled_at), institution, customer_no, bank_code, self._account(account_no)),
        )

    def registration_count(self, institution: str) -> int:
        """Registrations currently in force (for the demo and the connection test)."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT COUNT(*) FROM registration WHERE institution = ? AND cancelled_at IS NULL", (institution,)
            ).fetchone()
        return int(row[0])

    def forget_institution(self, institution: str) -> None:
        """Drop every row of one institution (files taken, refusals, registrations, consent evidence,
        notices posted).

        For the demo academy, which is made again from nothing: a new demo must not meet the file
        names and registrations of an earlier one (they would be refused as duplicates)."""
        with self.transaction() as db:
            for table in ("intake", "refusal", "registration", "evidence", "arrival", "notice_posted"):
                db.execute(f"DELETE FROM {table} WHERE institution = ?", (institution,))

    # --- consent evidence (EI13) -------------------------------------------------------------

    def remember_evidence(
        self, db: sqlite3.Connection, *, institution: str, customer_no: str, bank_code: str, account_no: str,
        applied_on: date, received_at: datetime, reason_code: str | None, kind: str, extension: str, size: int,
        sha256: str, source: str,
    ) -> None:
        """Note one EI13 record's verdict (``reason_code`` None = accepted) as of its file's arrival."""
        db.execute(
            "INSERT INTO evidence (institution, customer_no, bank_code, account_no, applied_on, received_at,"
            " reason_code, kind, extension, size, sha256, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (institution, customer_no, bank_code, self._account(account_no), applied_on.isoformat(),
             to_epoch(received_at), reason_code, kind, extension, size, sha256, source),
        )

    def latest_evidence(
        self, db: sqlite3.Connection, institution: str, customer_no: str, bank_code: str, account_no: str,
        as_of: datetime | None = None,
    ) -> tuple[bool, str | None] | None:
        """(accepted, reason code) of the pair's latest evidence received by ``as_of`` (None: any
        time); None when no evidence for the pair arrived."""
        sql = (
            "SELECT reason_code FROM evidence WHERE institution = ? AND customer_no = ? AND bank_code = ?"
            " AND account_no = ?"
        )
        args: list[object] = [institution, customer_no, bank_code, self._account(account_no)]
        if as_of is not None:
            sql += " AND received_at <= ?"
            args.append(to_epoch(as_of))
        row = db.execute(sql + " ORDER BY received_at DESC, id DESC LIMIT 1", args).fetchone()
        if row is None:
            return None
        return (row[0] is None, row[0])

    def evidence_count(self, institution: str) -> tuple[int, int]:
        """(accepted, refused) evidence records received from an institution (demo, tests)."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT COALESCE(SUM(reason_code IS NULL), 0), COALESCE(SUM(reason_code IS NOT NULL), 0)"
                " FROM evidence WHERE institution = ?",
                (institution,),
            ).fetchone()
        return int(row[0]), int(row[1])

    # --- notices ----------------------------------------------------------------------------

    def posted_notices(self, db: sqlite3.Connection, institution: str) -> set[str]:
        rows = db.execute("SELECT notice_id FROM notice_posted WHERE institution = ?", (institution,)).fetchall()
        return {r[0] for r in rows}

    def notice_posted(self, db: sqlite3.Connection, institution: str, notice_id: str) -> bool:
        row = db.execute(
            "SELECT 1 FROM notice_posted WHERE institution = ? AND notice_id = ?", (institution, notice_id)
        ).fetchone()
        return row is not None

    def mark_notice_posted(self, db: sqlite3.Connection, institution: str, notice_id: str) -> None:
        db.execute(
            "INSERT OR IGNORE INTO notice_posted (institution, notice_id) VALUES (?, ?)", (institution, notice_id)
        )


def evidence_verdict(
    state: SimulatorState,
    institution_code: str,
    payer_no: str,
    bank: str,
    account: str,
    *,
    db: sqlite3.Connection | None = None,
    as_of: datetime | None = None,
) -> str | None:
    """What an EB13 new registration of (납부자번호, bank code, account) gets for its evidence.

    None: the latest evidence received for the pair was accepted; "0078": no evidence arrived for
    it; otherwise the 불능코드 (0101/0102/0103/0105) the latest evidence was refused with.
    ``as_of``: count only evidence received by then (for an EB13: its own arrival time, since KFTC
    wants the EI13 validated before the EB13 comes). ``db``: the transaction already open, if any —
    inside one (as when answering an EB13) it must be passed, or this call would wait for that
    transaction's write lock.
    """
    if db is None:
        with state.transaction() as own:
            found = state.latest_evidence(own, institution_code, payer_no, bank, account, as_of)
    else:
        found = state.latest_evidence(db, institution_code, payer_no, bank, account, as_of)
    if found is None:
        return REASON_NO_EVIDENCE
    accepted, code = found
    return None if accepted else code
