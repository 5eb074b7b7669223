"""Issue 16, "EI13 before EB13", end to end: the real scheduler, the built-in bank simulator, an injected clock.

A 신규 goes to the bank only once its agreement's consent evidence was sent as an EI13 and accepted:

* a new payer without evidence is held ("동의자료 없음") and listed on the home screen and in 계좌신청;
  once evidence is attached, the next cut-off sends the EI13, then the EB13 in the same pass, and
  the EB14 completes the registration;
* an EB13 forced out without evidence (only a test can) comes back 0078 and the desk says what to do;
* an EI13 with one bad piece (a wrong extension) is refused for it alone: that evidence 증빙접수불가
  0102 with the fix, the others accepted in a second EI13 of the same pass, their 신규 sent;
* a sending process killed at each step of the EI13 (kill -9, real processes) is recovered exactly
  once by the next one.
"""

from __future__ import annotations

import io
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
from PIL import Image, ImageDraw
from sqlalchemy import select

from app.models import (
    AccountRegistration,
    ConsentEvidence,
    DataKeyRecord,
    EvidenceState,
    RegistrationState,
    Transmission,
)
from app.models import TransmissionState as TS
from app.services.collection import registrations
from app.services.common import keys
from app.services.common.calendar import SEOUL, ManualClock
from app.services.common.crypto import DataKey, KdfParams, wrap_data_key
from app.services.common.destinations import Destination
from app.services.common.session import Actor
from app.services.customers.evidence import store as evidence
from app.services.exchange import building, relay_config, sending
from app.services.exchange.cms import decode_eb13, reason
from app.services.exchange.cms.ei13 import decode_ei13
from app.services.exchange.relay.config import SIMULATOR_FOLDER, RelayConfig
from app.services.exchange.transmissions import file_bytes, load_contract, sha256_hex
from app.services.home import today as home
from tests.evidence_support import give_evidence
from tests.factories import Office
from tests.home.helpers import KEY, Relay, add_payer, at
from tests.transmissions.helpers import add_payers, plain, queue_registrations

MONDAY, TUESDAY, WEDNESDAY = date(2026, 3, 9), date(2026, 3, 10), date(2026, 3, 11)
ROOT = Path(__file__).resolve().parents[2]


def scanned_form() -> bytes:
    """A clerk's scan of a signed consent form (a JPEG the fitting keeps as a JPEG)."""
    image = Image.new("RGB", (600, 400), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 560, 360), outline="black", width=3)
    draw.line((80, 300, 300, 320), fill="blue", width=4)  # the signature
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def registration_rows(office: Office, actor: Actor, now: datetime) -> dict[str, registrations.RegistrationRow]:
    """The 계좌신청 list by 고객번호 (latest registration of each)."""
    rows = registrations.list_registrations(office.db, actor, office.contract_id, now=now)
    return {r.customer_no: r for r in sorted(rows, key=lambda r: r.id)}


def files(office: Office) -> list[tuple[str, TS]]:
    with office.db.session() as s:
        return [(t.remote_name, t.state) for t in s.scalars(select(Transmission).order_by(Transmission.id))]


def evidence_states(office: Office) -> list[tuple[int, EvidenceState, str | None]]:
    with office.db.session() as s:
        return [tuple(r) for r in s.execute(select(ConsentEvidence.agreement_id, ConsentEvidence.state,  # type: ignore[misc]
                                                   ConsentEvidence.reason_code).order_by(ConsentEvidence.id))]


def test_a_new_payer_is_held_until_its_evidence_is_accepted_then_registers(
    office: Office, clerk: Actor, relay: Relay, clock: ManualClock
) -> None:
    payer = add_payer(office.db, office.contract_id, "C001", account="110000001234", name="김하늘", queued_at=clock.now(),
                      evidence=None)

    # Held: 계좌신청 says why and what to do, the home screen lists it, the scheduler does not plan it.
    row = registration_rows(office, clerk, clock.now())["C001"]
    assert row.state is RegistrationState.WAITING and row.hold is not None and row.hold.needs_action
    assert row.reason_text == "동의자료 없음" and "이체정보에서 출금동의 증빙" in row.hint
    held_only = registrations.list_registrations(office.db, clerk, office.contract_id,
                                                 registrations.RegistrationQuery(held_only=True), now=clock.now())
    assert [r.customer_no for r in held_only] == ["C001"]
    summary = home.summary(office.db, clerk, office.contract_id, now=clock.now())
    item = summary.item("registrations_evidence")
    assert item is not None and item.title == "동의자료 없는 계좌신청" and item.count == 1
    assert item.destination is Destination.REGISTRATIONS and item.examples == ("김하늘(C001) 수강료: 동의자료 없음",)
    assert summary.cutoff.queued_registrations == 0  # not among what the cut-off sends
    assert "계좌신청" not in relay.scheduler.status(clock.now()).next_action

    relay.run_until(at(MONDAY, 14, 30))  # Monday's cut-off passes: nothing goes, nothing is "missed"
    assert files(office) == []
    assert relay.scheduler.missed_cutoffs(office.contract_id) == []
    assert registration_rows(office, clerk, clock.now())["C001"].state is RegistrationState.WAITING

    # The clerk attaches the signed form: on its way, no longer work for the clerk.
    clock.set(at(MONDAY, 16))
    attached = evidence.attach(office.db, clerk, KEY, payer.agreement_id, scanned_form(), "김하늘 동의서.jpg",
                               now=clock.now())
    row = registration_rows(office, clerk, clock.now())["C001"]
    assert row.hold is not None and row.hold.reason == "동의자료 전송 대기" and not row.hold.needs_action
    assert home.summary(office.db, clerk, office.contract_id, now=clock.now()).item("registrations_evidence") is None
    status = relay.scheduler.status(clock.now())
    assert status.next_at == at(TUESDAY, 13, 58) and "동의자료·계좌신청 송신" in status.next_action

    # Tuesday's cut-off: the EI13, taken whole at upload, then the EB13 in the same pass.
    relay.run_until(at(TUESDAY, 14, 5))
    assert files(office) == [("EI130310_2026", TS.APPLIED), ("EB130310_2026", TS.SENT)]
    with office.db.session() as s:
        ei13_id, eb13_id = s.scalars(select(Transmission.id).order_by(Transmission.id)).all()
        ev = s.get(ConsentEvidence, attached.id)
        assert ev is not None and (ev.state, ev.transmission_id, ev.seq_no) == (EvidenceState.ACCEPTED, ei13_id, 1)
        reg = s.get(AccountRegistration, row.id)
        assert reg is not None and (reg.state, reg.transmission_id) == (RegistrationState.SENT, eb13_id)
    name, content = file_bytes(office.db, office.admin, ei13_id, KEY)
    [record] = decode_ei13(content, name).records
    assert (record.customer_no, record.bank_code, record.account_no, record.kind) == ("C001", "088", "110000001234", "1")
    assert record.extension == attached.extension and sha256_hex(record.content) == attached.sha256
    [sent] = decode_eb13(file_bytes(office.db, office.admin, eb13_id, KEY)[1], "EB130310_2026").records
    assert (sent.customer_no, sent.account_no, sent.request_kind) == ("C001", "110000001234", "1")

    relay.run_until(at(WEDNESDAY, 11, 5))  # the EB14: Y
    row = registration_rows(office, clerk, clock.now())["C001"]
    assert row.state is RegistrationState.DONE and row.hold is None and row.reason_code is None
    assert evidence.current(office.db, clerk, payer.agreement_id).state is EvidenceState.ACCEPTED  # type: ignore[union-attr]


def test_an_eb13_forced_out_without_evidence_comes_back_0078_and_the_desk_says_what_to_do(
    office: Office, clerk: Actor, relay: Relay, clock: ManualClock
) -> None:
    payer = add_payer(office.db, office.contract_id, "C002", account="110000005678", name="이바다", queued_at=clock.now(),
                      evidence=None)
    contract = load_contract(office.db, office.contract_id)
    clock.set(at(MONDAY, 13, 50))
    # The builder will not take it …
    assert building.build_registration_file(office.db, contract, MONDAY, KEY, now=clock.now()) is None
    # … unless forced, which only this path (a test) does.
    forced = building.build_registration_file(office.db, contract, MONDAY, KEY, now=clock.now(), ignore_evidence=True)
    assert isinstance(forced, building.BuiltFile) and forced.record_count == 1
    uploaded = sending.upload_transmission(office.db, relay.factory(contract), forced.transmission_id, key=KEY,
                                           now=clock.now, delays=())
    assert uploaded.sent

    relay.run_until(at(TUESDAY, 11, 5))  # the EB14: N 0078
    row = registration_rows(office, clerk, clock.now())["C002"]
    assert (row.state, row.reason_code) == (RegistrationState.FAILED, "0078")
    assert row.reason_text == "동의자료 없음 (EI13 미제출)" == reason("0078").text
    assert row.hint.startswith("동의자료(EI13)를 먼저 보내야 합니다") and "이체정보에서 출금동의 증빙을 첨부" in row.hint
    assert row.can_requeue
    item = home.summary(office.db, clerk, office.contract_id, now=clock.now()).item("registrations")
    assert item is not None and item.examples == ("이바다(C002) 수강료: 동의자료 없음 (EI13 미제출)",)

    # Doing what the desk says: attach the evidence, 재신청; the next cut-off sends the EI13, then the EB13.
    evidence.attach(office.db, clerk, KEY, payer.agreement_id, scanned_form(), "동의서.jpg", now=clock.now())
    again = registrations.requeue(office.db, clerk, row.id, now=clock.now())
    relay.run_until(at(WEDNESDAY, 11, 5))
    assert [name for name, _state in files(office)] == ["EB130309_2026", "EB140309_2026", "EI130310_2026",
                                                       "EB130310_2026", "EB140310_2026"]
    rows = registrations.list_registrations(office.db, clerk, office.contract_id, now=clock.now())
    assert {r.id: r.state for r in rows} == {row.id: RegistrationState.FAILED, again: RegistrationState.DONE}


def test_one_bad_evidence_is_refused_with_the_fix_and_the_others_go(
    office: Office, clerk: Actor, relay: Relay, clock: ManualClock
) -> None:
    payers = [add_payer(office.db, office.contract_id, f"C00{i}", account=f"11000000{i}{i}{i}{i}", name=f"납부자{i}",
                        queued_at=clock.now(), evidence=None) for i in range(1, 4)]
    give_evidence(office.db, KEY, [payers[0].agreement_id, payers[2].agreement_id])
    give_evidence(office.db, KEY, [payers[1].agreement_id], extension="gif")  # a picture the agency does not take

    relay.run_until(at(MONDAY, 14, 5))
    # The first EI13 was refused for record 2 alone and moved aside; the other two went again at once.
    assert files(office) == [("EI130309_2026#2", TS.ERROR), ("EI130309_2026", TS.APPLIED),
                             ("EB130309_2026", TS.SENT)]
    with office.db.session() as s:
        refused = s.scalar(select(Transmission).where(Transmission.remote_name == "EI130309_2026#2"))
        assert refused is not None and "0102" in (refused.error or "") and refused.record_count == 3
        second = s.scalar(select(Transmission).where(Transmission.remote_name == "EI130309_2026"))
        assert second is not None and second.record_count == 2
    assert [(state, code) for _a, state, code in evidence_states(office)] == [
        (EvidenceState.ACCEPTED, None), (EvidenceState.ACCEPTED, None), (EvidenceState.REJECTED, "0102")]

    rows = registration_rows(office, clerk, clock.now())
    assert [rows[no].state for no in ("C001", "C002", "C003")] == [
        RegistrationState.SENT, RegistrationState.WAITING, RegistrationState.SENT]
    bad = rows["C002"]
    assert bad.hold is not None and bad.hold.needs_action and bad.hold.reason_code == "0102"
    assert bad.reason_text == "동의자료 접수불가: 동의자료 파일형식 오류"
    assert bad.hint == reason("0102").hint and "이체정보" in bad.hint  # the fix
    shown = evidence.current(office.db, clerk, payers[1].agreement_id)
    assert shown is not None and shown.state is EvidenceState.REJECTED and shown.reason_text == "동의자료 파일형식 오류"
    item = home.summary(office.db, clerk, office.contract_id, now=clock.now()).item("registrations_evidence")
    assert item is not None and item.examples == ("납부자2(C002) 수강료: 동의자료 접수불가: 동의자료 파일형식 오류",)

    # The fix: a proper scan attached; it replaces the refused one and goes with Tuesday's cut-off.
    fixed = evidence.attach(office.db, clerk, KEY, payers[1].agreement_id, scanned_form(), "동의서.jpg",
                            now=at(MONDAY, 16))
    relay.run_until(at(WEDNESDAY, 11, 5))
    assert [name for name, _state in files(office)][3:] == ["EB140309_2026", "EI130310_2026", "EB130310_2026",
                                                           "EB140310_2026"]
    rows = registration_rows(office, clerk, clock.now())
    assert all(rows[no].state is RegistrationState.DONE for no in ("C001", "C002", "C003"))
    assert evidence.current(office.db, clerk, payers[1].agreement_id).id == fixed.id  # type: ignore[union-attr]
    assert [state for _a, state, _c in evidence_states(office)] == [
        EvidenceState.ACCEPTED, EvidenceState.ACCEPTED, EvidenceState.REPLACED, EvidenceState.ACCEPTED]


def test_a_cancellation_needs_no_evidence_and_evidence_of_a_registered_payer_goes_too(
    office: Office, clerk: Actor, relay: Relay, clock: ManualClock
) -> None:
    """해지 is never held; evidence attached for a payer registered long ago goes in the next EI13."""
    from app.models import RegistrationKind

    old = add_payer(office.db, office.contract_id, "C009", account="110000009999", name="오래된", queued_at=clock.now(),
                    registration=RegistrationState.DONE, evidence=None)
    with office.db.session() as s:
        done = s.scalar(select(AccountRegistration).where(AccountRegistration.agreement_id == old.agreement_id))
        assert done is not None
        s.add(AccountRegistration(contract_id=office.contract_id, agreement_id=old.agreement_id,
                                  kind=RegistrationKind.CANCEL, state=RegistrationState.WAITING,
                                  bank_code=done.bank_code, account_no_enc=done.account_no_enc,
                                  account_last4=done.account_last4, holder_id=done.holder_id,
                                  requested_on=MONDAY, created_by="clerk"))
    give_evidence(office.db, KEY, [old.agreement_id])
    assert registrations.held_registrations(office.db, clerk, office.contract_id) == []
    relay.run_until(at(MONDAY, 14, 5))
    assert files(office) == [("EI130309_2026", TS.APPLIED), ("EB130309_2026", TS.SENT)]
    assert [state for _a, state, _c in evidence_states(office)] == [EvidenceState.ACCEPTED]


# --- a crash between building and uploading the EI13, with real processes -------------------------

PASSPHRASE = "ei13-crash-passphrase"
NOW = datetime(2026, 3, 11, 13, 58, 30, tzinfo=SEOUL)  # Wednesday, in the send window of the 14:00 cut-off
EI13_NAME, EB13_NAME = "EI130311_2026", "EB130311_2026"
COUNT = 7


def _prepare(office: Office, tmp_path: Path) -> tuple[Path, DataKey]:
    key = DataKey.generate()  # wrapped with cheap argon2 parameters: each child unlocks it at start
    wrapped = wrap_data_key(key, PASSPHRASE, params=KdfParams(time_cost=1, memory_cost=1024, parallelism=1))
    with office.db.session() as s:
        s.add(DataKeyRecord(key_id=key.key_id, wrapped=wrapped.to_json()))
    relay_config.save(office.db, office.admin, RelayConfig())
    payers = add_payers(office.db, office.contract_id, key, [f"66{i:06d}4321" for i in range(COUNT)])
    queue_registrations(office.db, office.contract_id, key, payers, requested_on=WEDNESDAY)  # evidence WAITING
    data_dir = tmp_path / "data"
    data_dir.mkdir(exist_ok=True)
    return data_dir, key


def _child(office: Office, data_dir: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    full_env = {**os.environ, "PYTHONPATH": str(ROOT)}
    full_env.pop("KSCMS_CRASH_PAUSE", None)
    full_env.update(env or {})
    url = office.db.engine.url.render_as_string(hide_password=False)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.transmissions.sender_child", "--url", url, "--data-dir", str(data_dir),
         "--code", office.institution_code, "--now", NOW.isoformat(), "--passphrase", PASSPHRASE],
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


def _relay_counts(data_dir: Path, code: str, name: str) -> tuple[int, int]:
    """How many times the relay took the name, and how many files it refused at all."""
    state = data_dir / SIMULATOR_FOLDER / ".simulator-state.sqlite3"
    if not state.exists():
        return 0, 0
    with sqlite3.connect(state) as conn:
        taken = conn.execute("SELECT COUNT(*) FROM intake WHERE institution = ? AND name = ?", (code, name)).fetchone()
        refused = conn.execute("SELECT COUNT(*) FROM refusal").fetchone()
        evidence_rows = conn.execute("SELECT COUNT(*) FROM evidence WHERE institution = ?", (code,)).fetchone()
    assert evidence_rows[0] == taken[0] * COUNT  # the relay remembered each piece once per file it took
    return int(taken[0]), int(refused[0])


@pytest.mark.slow
@pytest.mark.parametrize("step", ["building", "built", "sending", "uploaded"])
def test_a_crash_between_building_and_uploading_the_ei13_is_recovered_exactly_once(
    office: Office, tmp_path: Path, step: str
) -> None:
    data_dir, key = _prepare(office, tmp_path)
    marker = tmp_path / f"{step}.reached"
    proc = _child(office, data_dir, env={"KSCMS_CRASH_PAUSE": f"{step}:{marker}"})
    _wait_for(marker, proc)  # the first file of the pass is the EI13: it stops there
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    left = files(office)
    expected = {"building": [], "built": [(EI13_NAME, TS.CREATED)], "sending": [(EI13_NAME, TS.SENDING)],
                "uploaded": [(EI13_NAME, TS.SENDING)]}[step]
    assert left == expected
    in_file = [state for _a, state, _c in evidence_states(office)]
    assert in_file == [EvidenceState.WAITING if step == "building" else EvidenceState.SENT] * COUNT
    assert _relay_counts(data_dir, office.institution_code, EI13_NAME) == ((1, 0) if step == "uploaded" else (0, 0))

    restart = _child(office, data_dir)
    out, err = restart.communicate(timeout=120)
    assert restart.returncode == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["problems"] == [] and result["uploaded"][-1] == EB13_NAME

    assert files(office) == [(EI13_NAME, TS.APPLIED), (EB13_NAME, TS.SENT)]
    assert _relay_counts(data_dir, office.institution_code, EI13_NAME) == (1, 0)  # taken once, nothing refused
    with office.db.session() as s:
        ei13 = s.scalar(select(Transmission).where(Transmission.remote_name == EI13_NAME))
        assert ei13 is not None
        stored = plain(ei13, keys.unlock(office.db, PASSPHRASE, remember=False))
        assert ei13.sha256 == sha256_hex(stored) and ei13.content_sealed
        taken = s.execute(select(ConsentEvidence.state, ConsentEvidence.transmission_id, ConsentEvidence.seq_no)
                          .order_by(ConsentEvidence.seq_no)).all()
        regs = set(s.scalars(select(AccountRegistration.state)))
    assert [tuple(r) for r in taken] == [(EvidenceState.ACCEPTED, ei13.id, i) for i in range(1, COUNT + 1)]
    assert len(decode_ei13(stored, EI13_NAME).records) == COUNT
    assert regs == {RegistrationState.SENT}
    assert key.key_id == keys.unlock(office.db, PASSPHRASE, remember=False).key_id
