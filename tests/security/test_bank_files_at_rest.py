"""Issue 13, bank files at rest: after a month of sending and receiving, no copy of the database shows
an account number, and the simulator keeps nothing it no longer needs, readable by its owner only.

The month runs through the real scheduler and the built-in bank simulator on a ManualClock: two
registrations batches' worth of EB13/EB14, two EB21/EB22 pairs. Then the raw bytes of everything a
thief could copy — the SQLite file, its -wal, a backup made by the app, a pg_dump of the schema
and a plain SELECT on PostgreSQL — are searched for every payer's account number (also hex-encoded,
which is how pg_dump writes bytea) and for the passbook text as a bank file encodes it (cp949).
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select, text

from app.database import copies
from app.database.engine import Database
from app.models import DataKeyRecord, Transmission
from app.models import TransmissionState as TS
from app.services.common.calendar import SEOUL, ManualClock
from app.services.common.crypto import DataKey, KdfParams, wrap_data_key
from app.services.exchange import relay_config
from app.services.exchange import transmissions as tx
from app.services.exchange.relay.config import SIMULATOR_FOLDER, RelayConfig
from app.services.exchange.scheduler import CollectionScheduler
from tests.evidence_support import TINY_JPEG
from tests.factories import Office
from tests.security.cli import login_env, run_cli
from tests.transmissions.helpers import (
    Payer,
    add_payers,
    queue_registrations,
    queue_requests,
)
from tests.transmissions.test_scheduler import run_until

PASSPHRASE = "test-passphrase"  # what tests.security.cli.login_env gives a command as KSCMS_PASSPHRASE
PASSBOOK = "해오름학원".encode("cp949")  # the contract's 통장기재내용 as every EB21 record carries it
ACCOUNTS = [f"7{i:02d}4816{i:02d}" + end for i, end in enumerate(
    ["5931", "6042", "7153", "0021", "8264", "0012", "9375", "9021", "1486", "2597", "3608", "4719"])]


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SEOUL)


def install_key(db: Database) -> DataKey:
    """The installation's data key, wrapped under PASSPHRASE (cheap argon2) so a command can unlock it."""
    key = DataKey.generate()
    wrapped = wrap_data_key(key, PASSPHRASE, params=KdfParams(time_cost=1, memory_cost=1024, parallelism=1))
    with db.session() as s:
        s.add(DataKeyRecord(key_id=key.key_id, wrapped=wrapped.to_json()))
    return key


def simulate_a_month(office: Office, key: DataKey, data_dir: Path) -> list[Payer]:
    """March 2026 through the scheduler and the built-in simulator: registrations on the 2nd,
    requests for the 12th and the 25th, every result fetched and applied by the 31st."""
    db = office.db
    clock = ManualClock.at(2026, 3, 2, 9, 0)
    relay_config.save(db, office.admin, RelayConfig())  # the built-in simulator, in the data folder
    factory = relay_config.transport_factory(db, clock=clock, data_dir=data_dir)
    sched = CollectionScheduler(db, clock=clock, transport_for=factory, data_key=key, upload_delays=())
    payers = add_payers(db, office.contract_id, key, ACCOUNTS, bank=["088", "004", "020"] * 4)
    queue_registrations(db, office.contract_id, key, payers, requested_on=date(2026, 3, 2), created_at=at(3, 2, 9))
    events = [
        (at(3, 9, 9), lambda: queue_requests(db, office.contract_id, payers, date(2026, 3, 12), amount=150_000)),
        (at(3, 20, 9), lambda: queue_requests(db, office.contract_id, payers, date(2026, 3, 25), amount=80_000,
                                              period="2026-02")),
    ]
    run_until(sched, clock, at(3, 31, 18), events)
    with db.session() as s:
        files = s.execute(select(Transmission.remote_name, Transmission.state, Transmission.content_sealed)
                          .order_by(Transmission.id)).all()
    assert sorted(name for name, _state, _sealed in files) == [  # 2 March is 삼일절's substitute holiday
        "EB130303_2026", "EB140303_2026", "EB210312_2026", "EB210325_2026", "EB220312_2026", "EB220325_2026",
        "EI130303_2026"]  # the consent evidence, before the EB13 (issue 16)
    assert {state for _n, state, _s in files} == {TS.APPLIED} and all(sealed for *_rest, sealed in files)
    return payers


def secrets_of(payers: Iterable[Payer]) -> list[bytes]:
    """What must not be readable: each account, birth date + account, an EB21 record's passbook text and
    the consent evidence the EI13 carried; each also as hex (pg_dump writes bytea as hex)."""
    plain = [PASSBOOK, TINY_JPEG]
    for p in payers:
        plain += [p.account.encode(), (p.holder_id + p.account).encode()]
    return plain + [s.hex().encode() for s in plain]


def hits(data: bytes, secrets: list[bytes]) -> list[bytes]:
    return [s for s in secrets if s in data]


def scan_files(paths: Iterable[Path], secrets: list[bytes]) -> dict[str, list[bytes]]:
    found = {}
    for path in paths:
        if path.is_file():
            where = hits(path.read_bytes(), secrets)
            if where:
                found[path.name] = where
    return found


def pg_schema(db: Database) -> str:
    """The test's own schema, from the URL's ``options=-csearch_path=<schema>`` (tests/conftest.py)."""
    options = db.engine.url.query["options"]
    return str(options).split("search_path=", 1)[1]


def pg_dump(db: Database, out: Path) -> Path:
    """A plain-text pg_dump of the test's schema (what an administrator or a thief with access gets)."""
    url = db.engine.url
    schema = pg_schema(db)
    env = {**os.environ, "PGHOST": url.host or "127.0.0.1", "PGPORT": str(url.port or 5432),
           "PGUSER": url.username or "root", "PGDATABASE": url.database or ""}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    subprocess.run(["/usr/bin/pg_dump", "--schema", schema, "--format", "plain", "--file", str(out)],
                   env=env, check=True, capture_output=True, timeout=120)
    return out


def test_a_month_leaves_no_account_number_in_the_database_its_wal_backups_or_a_dump(office: Office,
                                                                                    tmp_path: Path) -> None:
    db = office.db
    data_dir = Path(os.environ["KSCMS_DATA_DIR"])
    key = install_key(db)
    payers = simulate_a_month(office, key, data_dir)
    secrets = secrets_of(payers)

    # The scanner finds them where they are in clear: the EB21 saved on purpose for the agency's web page.
    with db.session() as s:
        eb21 = s.scalar(select(Transmission.id).where(Transmission.remote_name == "EB210312_2026"))
    saved = tx.save_file(db, office.admin, eb21, tmp_path / "saved", key)
    assert {p.account.encode() for p in payers} <= set(hits(saved.read_bytes(), secrets))
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600

    if db.engine.dialect.name == "sqlite":
        live = copies.sqlite_path(db.engine)
        copy = copies.backup_sqlite(db.engine, tmp_path / "backups")
        scanned = [live, Path(f"{live}-wal"), *sorted(copy.parent.iterdir())]
        assert Path(f"{live}-wal").stat().st_size > 0 and copy.stat().st_size > 0  # real bytes were looked at
        assert scan_files(scanned, secrets) == {}
        with sqlite3.connect(copy) as conn:  # the backup holds the files, sealed
            blobs = [bytes(b) for (b,) in conn.execute("SELECT content FROM transmission")]
    else:
        dump = pg_dump(db, tmp_path / "dump.sql")
        assert "해오름수학학원" in dump.read_text(encoding="utf-8")  # the dump holds the office's data
        assert scan_files([dump], secrets) == {}
        with db.engine.connect() as conn:  # a plain SELECT, as any database user could run it
            blobs = [bytes(b) for b in conn.execute(text("SELECT content FROM transmission")).scalars()]
    assert len(blobs) == 7 and all(b.startswith(b"KSB\x01") for b in blobs)
    assert all(not hits(b, secrets) for b in blobs)


def test_the_simulator_keeps_nothing_it_no_longer_needs_and_only_for_its_owner(office: Office) -> None:
    data_dir = Path(os.environ["KSCMS_DATA_DIR"])
    payers = simulate_a_month(office, install_key(office.db), data_dir)
    root = data_dir / SIMULATOR_FOLDER
    # Its state file (the simulated bank's register) holds no account number either, nor its -wal.
    assert scan_files(root.glob(".simulator-state.sqlite3*"), secrets_of(payers)) == {}
    modes = {p.relative_to(root).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in [root, *root.rglob("*")]}
    assert {m for p, m in modes.items() if (root / p).is_dir() or p == "."} == {0o700}, modes
    assert {m for p, m in modes.items() if (root / p).is_file()} == {0o600}, modes
    code = office.institution_code
    left = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.parent != root)
    notices = [p for p in left if p.startswith(f"{code}/notice/")]
    assert left == notices, left  # every request answered and every result applied: no bank file left
    with sqlite3.connect(root / ".simulator-state.sqlite3") as conn:
        kept = conn.execute("SELECT COUNT(*), SUM(length(content)) FROM intake").fetchone()
    assert kept == (4, 0)  # EI13, EB13 and two EB21: the names stay taken, the copies are gone


def test_transmissions_save_on_the_command_line_writes_0600_and_refuses_to_overwrite(office: Office,
                                                                                    tmp_path: Path) -> None:
    data_dir = Path(os.environ["KSCMS_DATA_DIR"])
    key = install_key(office.db)
    payers = simulate_a_month(office, key, data_dir)
    with office.db.session() as s:
        eb21 = s.scalar(select(Transmission.id).where(Transmission.remote_name == "EB210325_2026"))
    env = login_env(office.db, data_dir)
    out = tmp_path / "agency-upload"
    done = run_cli("transmissions", "save", str(eb21), str(out), env=env)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert payers[0].account.encode() in out.read_bytes()  # the exact bank file, opened with the key
    again = run_cli("transmissions", "save", str(eb21), str(out), env=env)
    assert again.returncode != 0 and "이미 있습니다" in again.stderr
    forced = run_cli("transmissions", "save", str(eb21), str(out), "--force", env=env)
    assert forced.returncode == 0, forced.stderr
    without_key = run_cli("transmissions", "save", str(eb21), str(tmp_path / "other"),
                          env={**env, "KSCMS_PASSPHRASE": "wrong-passphrase"})
    assert without_key.returncode != 0 and not (tmp_path / "other").exists()
