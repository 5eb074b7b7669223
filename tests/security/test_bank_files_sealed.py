"""Issue 13, bank files at rest: how a stored file is sealed, what happens without the key, how the
plaintext rows of an older version are sealed at the first unlock (all or nothing), and that a file
uploaded just before a crash is taken by the simulator at the upload's time (item 8c)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import OperationalError

from app.database import schema
from app.database.engine import Database
from app.models import Direction, FileKind, Transmission
from app.models import TransmissionState as TS
from app.services.common import keys
from app.services.common.calendar import SEOUL, ManualClock
from app.services.common.crypto import (
    DataKey,
    DecryptionError,
    WrongKeyError,
    is_sealed,
)
from app.services.common.errors import ServiceError
from app.services.exchange import building, receiving, sending
from app.services.exchange import transmissions as tx
from app.services.exchange.cms import (
    DebitHeader,
    DebitRecord,
    decode_eb21,
    encode_eb21,
    encode_eb22,
)
from app.services.exchange.relay.local import SimulatorTransport
from app.services.exchange.relay.simulator import BankSimulator
from tests.factories import Office
from tests.security.cli import ROOT, login_env, run_cli
from tests.security.test_bank_files_at_rest import PASSPHRASE, install_key
from tests.transmissions.fakes import FakeRelay
from tests.transmissions.helpers import add_payers, queue_requests

ACCOUNTS = ["730148165931", "731148166042", "732148160021"]
DEBIT = date(2026, 3, 11)
NOW = datetime(2026, 3, 10, 13, 58, tzinfo=SEOUL)


def eb21_bytes(accounts: list[str] = ACCOUNTS, debit: date = DEBIT) -> bytes:
    header = DebitHeader("9912345678", debit, "0880000", "110123456789")
    records = [DebitRecord(sequence=i, bank_branch_code="0880000", account_no=a, amount=50_000, holder_id="800101",
                           passbook_text="해오름학원", customer_no=f"C{i:07d}") for i, a in enumerate(accounts, start=1)]
    return encode_eb21(header, records)


# --- the seal --------------------------------------------------------------------------------------


def test_a_sealed_file_opens_only_with_its_key_and_purpose_and_hides_its_bytes() -> None:
    key, other = DataKey.generate(), DataKey.generate()
    plain = eb21_bytes() * 20
    sealed, again = key.seal_bytes(plain, "bank_file"), key.seal_bytes(plain, "bank_file")
    assert sealed != again and sealed[:4] == b"KSB\x01" and is_sealed(sealed) and not is_sealed(plain)  # fresh nonce
    assert key.open_bytes(sealed, "bank_file") == plain
    assert not any(a.encode() in sealed for a in ACCOUNTS)
    assert len(sealed) < len(plain) // 3  # compressed before encryption: PostgreSQL cannot compress ciphertext
    with pytest.raises(WrongKeyError, match="다른 데이터 암호 키"):
        other.open_bytes(sealed, "bank_file")
    with pytest.raises(DecryptionError):
        key.open_bytes(sealed, "account_no")  # moved to another purpose
    tampered = bytearray(sealed)
    tampered[-20] ^= 1
    with pytest.raises(DecryptionError):
        key.open_bytes(bytes(tampered), "bank_file")
    with pytest.raises(DecryptionError):
        key.open_bytes(plain, "bank_file")  # plaintext is never taken for a sealed file


# --- no key: refused in Korean, nothing stored in clear ------------------------------------------------


def _built(office: Office, key: DataKey) -> int:
    contract = tx.load_contract(office.db, office.contract_id)
    payers = add_payers(office.db, office.contract_id, key, ACCOUNTS)
    queue_requests(office.db, office.contract_id, payers, DEBIT)
    built = building.build_request_file(office.db, contract, DEBIT, key, now=NOW)
    assert isinstance(built, building.BuiltFile)
    return built.transmission_id


def test_without_the_key_nothing_is_built_sent_fetched_shown_or_saved(office: Office, tmp_path: Path) -> None:
    key = DataKey.generate()
    tid = _built(office, key)
    contract = tx.load_contract(office.db, office.contract_id)
    relay = FakeRelay()
    with pytest.raises(ServiceError, match="데이터 암호 키가 없어"):
        sending.upload_transmission(office.db, relay, tid, key=None, now=lambda: NOW, delays=())
    assert relay.uploads == []
    with pytest.raises(ServiceError, match="KSCMS_PASSPHRASE"):
        building.build_request_file(office.db, contract, date(2026, 3, 12), None)

    assert sending.upload_transmission(office.db, relay, tid, key=key, now=lambda: NOW, delays=()).sent
    request = decode_eb21(relay.sent["EB210311_2026"], "EB210311_2026")
    relay.results["EB220311_2026"] = encode_eb22(request.header, [])
    report = receiving.fetch_results(office.db, relay, contract, key=None, now=lambda: NOW)
    assert report.error == tx.KEY_MISSING and report.outcomes == [] and "EB220311_2026" in relay.results
    with pytest.raises(ServiceError, match="데이터 암호 키가 없어"):
        receiving.apply_result(office.db, contract, "EB220311_2026", relay.results["EB220311_2026"], now=NOW,
                               key=None)
    with office.db.session() as s:
        assert s.scalar(select(Transmission.id).where(Transmission.direction == Direction.RECEIVE)) is None

    shown = tx.decode_stored(office.db, office.admin, tid, None)
    assert tx.KEY_MISSING in shown.problems and shown.record_count == 0
    with pytest.raises(ServiceError, match="데이터 암호 키가 없어"):
        tx.save_file(office.db, office.admin, tid, tmp_path / "out", None)
    assert not (tmp_path / "out").exists()
    wrong = tx.decode_stored(office.db, office.admin, tid, DataKey.generate())
    assert any("다른 데이터 암호 키" in p for p in wrong.problems) and wrong.record_count == 0

    report = receiving.fetch_results(office.db, relay, contract, key=key, now=lambda: NOW)
    assert [o.status for o in report.outcomes] == [receiving.ApplyStatus.APPLIED]
    with office.db.session() as s:
        received = s.scalar(select(Transmission).where(Transmission.direction == Direction.RECEIVE))
        assert received.content_sealed and is_sealed(received.content)
        assert tx.open_content(received.content, True, key) == relay.done["EB220311_2026"]


def test_a_sealed_file_moved_to_another_row_is_not_sent_to_the_bank(office: Office) -> None:
    """Each row's bytes must be the ones its SHA-256 records: a sealed file copied over another
    (an edited database) opens with the key, but is refused before it goes to the bank."""
    key = DataKey.generate()
    tid = _built(office, key)
    contract = tx.load_contract(office.db, office.contract_id)
    late = add_payers(office.db, office.contract_id, key, ["743148169375"], prefix="L")
    queue_requests(office.db, office.contract_id, late, date(2026, 3, 12))
    other = building.build_request_file(office.db, contract, date(2026, 3, 12), key, now=NOW)
    assert isinstance(other, building.BuiltFile)
    with office.db.session() as s:
        s.get(Transmission, tid).content = s.get(Transmission, other.transmission_id).content
    relay = FakeRelay()
    with pytest.raises(DecryptionError, match="SHA-256"):
        sending.upload_transmission(office.db, relay, tid, key=key, now=lambda: NOW, delays=())
    assert relay.uploads == [] and relay.sent == {}


def test_receive_on_the_command_line_obtains_the_key_like_send(office: Office) -> None:
    data_dir = Path(os.environ["KSCMS_DATA_DIR"])
    install_key(office.db)
    env = {**login_env(office.db, data_dir), "KSCMS_PASSPHRASE": ""}
    refused = run_cli("receive", "--contract", office.institution_code, env=env)
    assert refused.returncode != 0 and "데이터 암호 문구" in refused.stderr and "KSCMS_PASSPHRASE" in refused.stderr
    done = run_cli("receive", "--contract", office.institution_code, env=login_env(office.db, data_dir))
    assert done.returncode == 0, done.stderr
    assert "결과를 기다리는 파일이 없습니다" in done.stdout


# --- files an older version stored in clear ---------------------------------------------------------------


def _old_row(db: Database, contract_id: int, name: str, content: bytes) -> int:
    """A transmission as version 0008 wrote it: bytes in clear, no content_sealed given (server default)."""
    table = Transmission.__table__
    with db.session() as s:
        s.execute(insert(table).values(
            contract_id=contract_id, kind=FileKind.EB21.value, direction=Direction.SEND.value,
            state=TS.APPLIED.value, file_name=name[:8], remote_name=name, file_date=DEBIT, content=content,
            sha256=tx.sha256_hex(content), record_count=3, total_amount=150_000, version_id=1,
            created_at=NOW, updated_at=NOW))
        return int(s.scalar(select(Transmission.id).where(Transmission.remote_name == name)))


def _raw_sqlite_bytes(db: Database) -> bytes:
    live = Path(db.engine.url.database or "")
    return b"".join(p.read_bytes() for p in (live, Path(f"{live}-wal")) if p.exists())


def test_the_first_unlock_seals_every_old_plaintext_file_in_one_transaction(office: Office) -> None:
    db = office.db
    key = install_key(db)
    first, second = eb21_bytes(), eb21_bytes(["741148167153", "742148168264"], date(2026, 3, 12))
    ids = [_old_row(db, office.contract_id, "EB210311_2026", first),
           _old_row(db, office.contract_id, "EB210312_2026", second)]
    if db.engine.dialect.name == "sqlite":
        assert b"741148167153" in _raw_sqlite_bytes(db)  # the old version's file, readable by anyone

    assert keys.unlock(db, PASSPHRASE) == key
    with db.session() as s:
        rows = s.scalars(select(Transmission).order_by(Transmission.id)).all()
        assert [r.id for r in rows] == ids and all(r.content_sealed and is_sealed(r.content) for r in rows)
        assert [tx.open_content(r.content, True, key) for r in rows] == [first, second]
        assert [r.sha256 for r in rows] == [tx.sha256_hex(first), tx.sha256_hex(second)]
    shown = tx.decode_stored(db, office.admin, ids[1], key)
    assert shown.record_count == 2 and shown.problems == ()
    if db.engine.dialect.name == "sqlite":  # not left behind in a free page or in the -wal either
        raw = _raw_sqlite_bytes(db)
        assert b"741148167153" not in raw and b"730148165931" not in raw
    else:
        with db.engine.connect() as conn:
            stored = conn.execute(text("SELECT content FROM transmission")).scalars().all()
        assert not any(b"741148167153" in bytes(b) for b in stored)
    assert keys.cached(db) == key  # nothing left to do: a later unlock changes nothing
    assert tx.seal_legacy_contents(db, key) == 0


def test_a_failure_while_sealing_leaves_every_old_file_as_it_was(office: Office,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    db = office.db
    install_key(db)
    first, second = eb21_bytes(), eb21_bytes(["741148167153", "742148168264"], date(2026, 3, 12))
    _old_row(db, office.contract_id, "EB210311_2026", first)
    _old_row(db, office.contract_id, "EB210312_2026", second)
    real = DataKey.seal_bytes
    calls: list[int] = []

    def failing(self: DataKey, data: bytes, purpose: str, *, compress: bool = True) -> bytes:
        calls.append(1)
        if len(calls) == 2:  # the disk fills up at the second file
            raise OperationalError("UPDATE transmission", {}, Exception("database or disk is full"))
        return real(self, data, purpose, compress=compress)

    monkeypatch.setattr(DataKey, "seal_bytes", failing)
    with pytest.raises(ServiceError, match="저장된 은행 파일을 암호화하지 못했습니다"):
        keys.unlock(db, PASSPHRASE)
    with db.session() as s:
        rows = s.execute(select(Transmission.content, Transmission.content_sealed).order_by(Transmission.id)).all()
    assert [(bytes(c), sealed) for c, sealed in rows] == [(first, False), (second, False)]  # all, not half

    monkeypatch.setattr(DataKey, "seal_bytes", real)
    keys.unlock(db, PASSPHRASE)
    with db.session() as s:
        assert set(s.scalars(select(Transmission.content_sealed))) == {True}


def test_the_downgrade_is_refused_while_files_are_sealed(office: Office) -> None:
    import alembic.command


    key = install_key(office.db)
    _built(office, key)
    cfg = schema.alembic_config()
    with pytest.raises(RuntimeError, match="Downgrade refused"), office.db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        alembic.command.downgrade(cfg, "0008_money_bigint")
    assert schema.current_revision(office.db.engine) == schema.head_revision()
    with office.db.session() as s:
        assert s.scalar(select(Transmission.content_sealed)) is True


# --- item 8c: the arrival is the upload's time ---------------------------------------------------------------

_CHILD = textwrap.dedent("""
    import os, signal, sys
    from datetime import datetime
    from pathlib import Path
    from app.services.common.calendar import ManualClock
    from app.services.exchange.relay import layout
    from app.services.exchange.relay.local import SimulatorTransport
    from app.services.exchange.relay.simulator import BankSimulator

    root, moment, source = sys.argv[1:4]
    real = layout.rename_no_replace

    def rename_then_die(src, dst):
        real(src, dst)
        os.kill(os.getpid(), signal.SIGKILL)  # kill -9 right after the rename, before the simulator's pass

    layout.rename_no_replace = rename_then_die
    sim = BankSimulator(Path(root), ManualClock(datetime.fromisoformat(moment)), purge_finished=True)
    SimulatorTransport(sim, "9912345678").upload("EB210311_2026", Path(source).read_bytes())
""")


def test_a_request_renamed_into_place_just_before_a_kill_counts_from_its_upload(tmp_path: Path) -> None:
    root, source = tmp_path / "relay", tmp_path / "EB210311_2026"
    source.write_bytes(eb21_bytes())
    child = subprocess.run([sys.executable, "-c", _CHILD, str(root), NOW.isoformat(), str(source)],
                           cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert (root / "9912345678" / "send" / "EB210311_2026").exists()  # renamed into place, never taken

    clock = ManualClock.at(2026, 3, 10, 14, 30)  # the next pass comes after the 14:00 cut-off
    transport = SimulatorTransport(BankSimulator(root, clock, purge_finished=True), "9912345678")
    assert transport.list_results() == []
    assert not (root / "9912345678" / "recv" / "EB210311_2026.err").exists()  # not refused as late
    [pending] = transport.simulator.pending_results("9912345678")
    assert pending.request_name == "EB210311_2026"
    with sqlite3.connect(root / ".simulator-state.sqlite3") as conn:
        received = conn.execute("SELECT received_at FROM intake").fetchone()[0]
    assert datetime.fromtimestamp(received, SEOUL) == NOW
    clock.set(datetime(2026, 3, 12, 11, 0, tzinfo=SEOUL))
    assert transport.list_results() == ["EB220311_2026"]


def test_without_a_noted_arrival_a_late_request_is_still_refused(tmp_path: Path) -> None:
    """The noted time is used only for exactly the bytes noted: a file dropped in late is late."""
    root = tmp_path / "relay"
    sim = BankSimulator(root, ManualClock.at(2026, 3, 10, 13, 58), purge_finished=True)
    transport = SimulatorTransport(sim, "9912345678")
    sim.note_arrival("9912345678", "EB210311_2026", b"other bytes")
    sim.clock.set(datetime(2026, 3, 10, 14, 30, tzinfo=SEOUL))  # type: ignore[attr-defined]
    (transport.base / "send" / "EB210311_2026").write_bytes(eb21_bytes())
    transport.list_results()
    report = (transport.base / "recv" / "EB210311_2026.err").read_text(encoding="utf-8")
    assert report.startswith("[접수 마감]")
