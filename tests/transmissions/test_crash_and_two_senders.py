"""Exactly once, proved with real processes: kill -9 at every sending step and restart; two senders
on one PostgreSQL database."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import DataKeyRecord, DebitRequest, RequestState, Transmission
from app.models import TransmissionState as TS
from app.services.common import keys
from app.services.common.calendar import SEOUL
from app.services.common.crypto import DataKey, KdfParams, wrap_data_key
from app.services.exchange import relay_config
from app.services.exchange.cms import decode_eb21
from app.services.exchange.relay.config import SIMULATOR_FOLDER, RelayConfig
from app.services.exchange.transmissions import sha256_hex
from tests.transmissions.helpers import add_payers, plain, queue_requests

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "crash-test-passphrase"
NOW = datetime(2026, 3, 11, 13, 58, 30, tzinfo=SEOUL)  # Wednesday, in the send window of the 14:00 cut-off
DEBIT = date(2026, 3, 12)
NAME = "EB210312_2026"


def _url(db) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def _prepare(office, tmp_path: Path, count: int = 25) -> Path:
    key = DataKey.generate()  # wrapped with cheap argon2 parameters: each child unlocks it at start
    wrapped = wrap_data_key(key, PASSPHRASE, params=KdfParams(time_cost=1, memory_cost=1024, parallelism=1))
    with office.db.session() as s:
        s.add(DataKeyRecord(key_id=key.key_id, wrapped=wrapped.to_json()))
    relay_config.save(office.db, office.admin, RelayConfig())
    payers = add_payers(office.db, office.contract_id, key, [f"77{i:06d}1234" for i in range(count)])
    queue_requests(office.db, office.contract_id, payers, DEBIT, amount=33_000)
    data_dir = tmp_path / "data"
    data_dir.mkdir(exist_ok=True)
    return data_dir


def _child(office, data_dir: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    full_env = {**os.environ, "PYTHONPATH": str(ROOT)}
    full_env.pop("KSCMS_CRASH_PAUSE", None)
    full_env.update(env or {})
    return subprocess.Popen(
        [sys.executable, "-m", "tests.transmissions.sender_child", "--url", _url(office.db), "--data-dir",
         str(data_dir), "--code", office.institution_code, "--now", NOW.isoformat(), "--passphrase", PASSPHRASE,
         *extra],
        cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _wait_for(marker: Path, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if proc.poll() is not None:
            raise AssertionError(f"child ended before the pause: {proc.communicate()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("child never reached the pause")
        time.sleep(0.02)


def _relay_state(data_dir: Path, code: str) -> tuple[list[str], int, int]:
    """Files in the relay's send/ folder, and how many times the relay took / refused the name."""
    root = data_dir / SIMULATOR_FOLDER
    send = root / code / "send"
    names = sorted(p.name for p in send.iterdir() if p.is_file()) if send.exists() else []
    state = root / ".simulator-state.sqlite3"
    if not state.exists():
        return names, 0, 0
    with sqlite3.connect(state) as conn:
        taken = conn.execute("SELECT COUNT(*) FROM intake WHERE name = ?", (NAME,)).fetchone()[0]
        refused = conn.execute("SELECT COUNT(*) FROM refusal").fetchone()[0]
    return names, taken, refused


def _assert_sent_exactly_once(office, data_dir: Path, count: int) -> None:
    with office.db.session() as s:
        files = s.scalars(select(Transmission)).all()
        assert [(t.remote_name, t.state) for t in files] == [(NAME, TS.SENT)]
        content = plain(files[0], keys.unlock(office.db, PASSPHRASE, remember=False))  # stored sealed
        assert files[0].sha256 == sha256_hex(content)
        rows = s.execute(select(DebitRequest.state, DebitRequest.transmission_id, DebitRequest.seq_no)
                         .order_by(DebitRequest.seq_no)).all()
    assert [tuple(r) for r in rows] == [(RequestState.SENT, files[0].id, i) for i in range(1, count + 1)]
    assert len(decode_eb21(content, NAME).records) == count
    names, taken, refused = _relay_state(data_dir, office.institution_code)
    assert names == [NAME] and (taken, refused) == (1, 0)  # no .part left, one intake, nothing refused
    assert (data_dir / SIMULATOR_FOLDER / office.institution_code / "send" / NAME).read_bytes() == content


@pytest.mark.slow
@pytest.mark.parametrize("step", ["building", "built", "sending", "mid-upload", "uploaded"])
def test_kill_9_at_each_sending_step_then_restart_sends_once(office, tmp_path: Path, step: str) -> None:
    data_dir = _prepare(office, tmp_path)
    marker = tmp_path / f"{step}.reached"
    if step == "mid-upload":
        proc = _child(office, data_dir, "--pause-mid-upload", str(marker))
    else:
        proc = _child(office, data_dir, env={"KSCMS_CRASH_PAUSE": f"{step}:{marker}"})
    _wait_for(marker, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    with office.db.session() as s:  # what the crash left behind
        left = [(t.remote_name, t.state) for t in s.scalars(select(Transmission))]
    expected = {"building": [], "built": [(NAME, TS.CREATED)], "sending": [(NAME, TS.SENDING)],
                "mid-upload": [(NAME, TS.SENDING)], "uploaded": [(NAME, TS.SENDING)]}[step]
    assert left == expected
    names, _taken, _ = _relay_state(data_dir, office.institution_code)
    if step == "uploaded":
        assert names == [NAME]  # on the relay, but the sender died before saving that
    else:
        assert NAME not in names

    restart = _child(office, data_dir)
    out, err = restart.communicate(timeout=120)
    assert restart.returncode == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["problems"] == []
    _assert_sent_exactly_once(office, data_dir, 25)


@pytest.mark.pg
@pytest.mark.slow
@pytest.mark.parametrize("lease", ["shared", "none"])
def test_two_senders_on_one_postgresql_database_make_one_file(pg_db, tmp_path: Path, lease: str) -> None:
    """Two scheduler processes tick through the send window together: one file, sent once.

    With lease="none" each process has its own lease (as if the lease had expired under a paused
    holder), so both believe they are the sender: the database rules and the relay still allow one file.
    """
    from tests.factories import make_office

    office = make_office(pg_db)
    data_dir = _prepare(office, tmp_path, count=200)
    start = tmp_path / "go"
    extra = ["--mode", "ticks", "--seconds", "4", "--start-file", str(start)]
    env = {"KSCMS_TEST_OWN_LEASE": "1"} if lease == "none" else None
    procs = [_child(office, data_dir, *extra, env=env) for _ in range(2)]
    time.sleep(1.5)  # both unlocked the key and wait at the start line
    start.write_text("go", encoding="utf-8")
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    uploaded = [r["uploaded"] for r in results]
    assert sorted(len(u) for u in uploaded) in ([0, 1], [1, 1]), results
    if lease == "shared":
        assert sorted(len(u) for u in uploaded) == [0, 1] and any(r["skipped"] for r in results)
    assert all(p == [] for r in results for p in r["problems"]), results
    _assert_sent_exactly_once(office, data_dir, 200)
