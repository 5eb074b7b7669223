"""`python -m app send | receive | decode | transmissions | scheduler` as an administrator uses them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from app.cli import main as cli
from app.cli import relay as cli_relay
from app.models import AccountRegistration, AuditLog, DataKeyRecord, RegistrationState
from app.services.common.calendar import SEOUL, ManualClock
from app.services.common.crypto import DataKey, KdfParams, wrap_data_key
from app.services.exchange.transmissions import sha256_hex
from tests.evidence_support import TINY_JPEG
from tests.security.cli import use_login
from tests.transmissions.helpers import add_payers, queue_registrations

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "cli-test-passphrase"


@pytest.fixture
def cli_setup(office, monkeypatch: pytest.MonkeyPatch):
    key = DataKey.generate()
    wrapped = wrap_data_key(key, PASSPHRASE, params=KdfParams(time_cost=1, memory_cost=1024, parallelism=1))
    with office.db.session() as s:
        s.add(DataKeyRecord(key_id=key.key_id, wrapped=wrapped.to_json()))
    payers = add_payers(office.db, office.contract_id, key, ["123456781111", "123456782222"])
    queue_registrations(office.db, office.contract_id, key, payers, requested_on=date(2026, 3, 10),
                        created_at=datetime(2026, 3, 10, 9, tzinfo=SEOUL))
    use_login(monkeypatch, office.db)  # the office's administrator
    monkeypatch.setenv("KSCMS_PASSPHRASE", PASSPHRASE)
    clock = ManualClock.at(2026, 3, 10, 10, 0)
    monkeypatch.setattr(cli_relay, "SystemClock", lambda: clock)  # the business clock of this test
    return clock


def test_send_receive_list_save_and_decode(office, cli_setup, capsys, tmp_path: Path) -> None:
    code = office.institution_code
    assert cli.main(["send", "--contract", code]) == 0  # 10:00: no cut-off due yet
    assert "지금 보낼 파일이 없습니다" in capsys.readouterr().out
    assert cli.main(["send", "--contract", code, "--now"]) == 0
    sent = capsys.readouterr().out
    assert "EI130310_2026 송신완료, 동의자료 2건 접수." in sent  # the consent evidence first (issue 16)
    assert "EB130310_2026 송신완료." in sent and sent.index("EI130310_2026") < sent.index("EB130310_2026")
    cli_setup.set(datetime(2026, 3, 11, 11, 5, tzinfo=SEOUL))
    assert cli.main(["receive", "--contract", code]) == 0
    assert "EB140310_2026 반영완료 (완료 2건, 미완료 0건)" in capsys.readouterr().out
    with office.db.session() as s:
        assert set(s.scalars(select(AccountRegistration.state))) == {RegistrationState.DONE}

    assert cli.main(["transmissions", "--contract", code]) == 0
    listing = capsys.readouterr().out
    lines = [line.split("\t") for line in listing.splitlines() if line[:1].isdigit()]
    assert [(row[1], row[3], row[5], row[6]) for row in lines] == [("수신", "EB140310_2026", "반영완료", "2"),
                                                         ("송신", "EB130310_2026", "반영완료", "2"),
                                                         ("송신", "EI130310_2026", "반영완료", "2")]
    sent_id = int(lines[1][0])
    out = tmp_path / "saved"
    out.mkdir()
    assert cli.main(["transmissions", "save", str(sent_id), str(out)]) == 0
    saved = out / "EB130310_2026"
    assert saved.stat().st_size == 4 * 120
    with office.db.session() as s:
        entry = s.scalar(select(AuditLog).where(AuditLog.action == "personal_data_exported"))
    assert entry.target == "EB130310_2026" and entry.login_id == "admin"  # the user who logged in, not "system"
    assert json.loads(entry.detail)["records"] == 2
    capsys.readouterr()
    assert cli.main(["decode", str(saved)]) == 0
    decoded = capsys.readouterr().out
    assert "EB13 EB130310, 데이터 2건" in decoded and "********1111" in decoded and "123456781111" not in decoded

    # The EI13 is saved the same way (a personal-data export, audited) and decodes with its evidence as
    # length and SHA-256 only.
    assert cli.main(["transmissions", "save", lines[2][0], str(out)]) == 0
    evidence_file = out / "EI130310_2026"
    assert evidence_file.stat().st_size % 1024 == 0 and TINY_JPEG in evidence_file.read_bytes()
    with office.db.session() as s:
        targets = set(s.scalars(select(AuditLog.target).where(AuditLog.action == "personal_data_exported")))
    assert targets == {"EB130310_2026", "EI130310_2026"}
    capsys.readouterr()
    assert cli.main(["decode", str(evidence_file)]) == 0
    decoded = capsys.readouterr().out
    assert "EI13 EI130310, 데이터 2건" in decoded and sha256_hex(TINY_JPEG) in decoded
    assert "123456781111" not in decoded


def test_decode_refuses_a_malformed_file_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "EB210312_2026"
    bad.write_bytes(b"H00000000" + b" " * 100)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KSCMS_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run([sys.executable, "-m", "app", "decode", str(bad)], capture_output=True, text=True,
                            env=env, cwd=ROOT, stdin=subprocess.DEVNULL, timeout=120)
    assert result.returncode == 2 and "오류:" in result.stderr and result.stdout == ""


def test_scheduler_once_runs_one_pass(office, cli_setup, capsys) -> None:
    cli_setup.set(datetime(2026, 3, 10, 13, 59, tzinfo=SEOUL))  # in the send window of the 14:00 cut-off
    assert cli.main(["scheduler", "--once"]) == 0
    assert "EB130310_2026 송신완료." in capsys.readouterr().out
