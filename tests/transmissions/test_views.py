"""The 이체송수신현황 screen and the decoded file view (pytest-qt), filled by a real scheduler run."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from app.models import AuditLog, Role, Transmission
from app.models import TransmissionState as TS
from app.services.common.calendar import ManualClock
from app.services.exchange import receiving, relay_config
from app.services.exchange.relay.config import RelayConfig
from app.services.exchange.scheduler import CollectionScheduler
from app.services.exchange.transmissions import load_contract, sha256_hex
from app.views.collection import transmissions_view
from app.views.collection.transmissions_view import TransmissionsPage
from app.views.common.context import AppContext
from app.views.common.theme import apply_theme
from tests.evidence_support import TINY_JPEG
from tests.factories import add_user
from tests.transmissions.helpers import (
    add_payers,
    plain,
    queue_registrations,
    queue_requests,
)
from tests.transmissions.test_scheduler import at, run_until

ROOT = Path(__file__).resolve().parents[2]
BANKS = ["004", "088", "020", "081", "011", "004", "088", "004", "090", "003", "088", "004"]


def _shot(widget, name: str, tmp_path: Path) -> Path:
    """Render to PNG: into shots/ when KSCMS_SHOTS is set (to look at), else into the test's folder."""
    folder = ROOT / "shots" if os.environ.get("KSCMS_SHOTS") else tmp_path
    folder.mkdir(exist_ok=True)
    path = folder / name
    QApplication.processEvents()
    assert widget.grab().save(str(path))
    return path


@pytest.fixture
def filled(office, key, tmp_path: Path, qapp):
    apply_theme(qapp)
    db = office.db
    clock = ManualClock.at(2026, 3, 9, 9, 0)
    relay_config.save(db, office.admin, RelayConfig())
    factory = relay_config.transport_factory(db, clock=clock, data_dir=tmp_path / "data")
    sched = CollectionScheduler(db, clock=clock, transport_for=factory, data_key=key, upload_delays=())
    accounts = [f"{3560 + i:04d}{i:04d}77{i:02d}" for i in range(11)] + ["356000000021"]
    payers = add_payers(db, office.contract_id, key, accounts, bank=BANKS)
    queue_registrations(db, office.contract_id, key, payers, requested_on=date(2026, 3, 9), created_at=at(9, 10))
    run_until(sched, clock, at(10, 12))
    queue_requests(db, office.contract_id, payers, date(2026, 3, 12),
                   amount=[150_000 + 10_000 * i for i in range(12)])
    queue_requests(db, office.contract_id, payers[:5], date(2026, 3, 13), amount=80_000, period="2026-02")
    run_until(sched, clock, at(13, 12))
    # a broken result for the 03-13 file: refused, kept, shown as 오류
    receiving.apply_result(db, load_contract(db, office.contract_id), "EB220313_2026", b"H00000000" + b"9" * 150,
                           now=at(13, 12), key=key)
    ctx = AppContext(db=db, actor=office.admin, contract_id=office.contract_id, data_key=key, clock=clock)
    return ctx, sched, payers


def test_screen_lists_files_per_bank_and_opens_a_masked_view(filled, qtbot, tmp_path: Path) -> None:
    ctx, sched, payers = filled
    page = TransmissionsPage(ctx, scheduler=sched)
    qtbot.addWidget(page)
    page.resize(1400, 820)
    page.show()
    qtbot.waitExposed(page)
    rows = page.model.rows()
    assert [(r.remote_name, r.state) for r in rows] == [
        ("EB220313_2026", TS.ERROR), ("EB210313_2026", TS.SENT),
        ("EB220312_2026", TS.APPLIED), ("EB210312_2026", TS.APPLIED),
        ("EB140309_2026", TS.APPLIED), ("EB130309_2026", TS.APPLIED),
        ("EI130309_2026", TS.APPLIED)]  # the consent evidence went first, taken whole at upload
    ei13 = rows[6]
    assert (ei13.tally.count, ei13.tally.done_count, ei13.tally.failed_count) == (12, 12, 0)
    eb21 = rows[3]
    assert (eb21.tally.count, eb21.tally.done_count, eb21.tally.failed_count) == (12, 11, 1)
    assert eb21.tally.amount == sum(150_000 + 10_000 * i for i in range(12))
    assert page.model.data(page.model.index(0, 10)) == "오류"
    assert "은행별 송수신 현황" in " ".join(w.text() for w in page.findChildren(type(page.count)))
    page.table.selectRow(3)
    _shot(page, "transmissions.png", tmp_path)
    banks = {b.bank_code: b.tally.count for b in page.bank_model.rows()}
    assert banks == {"004": 4, "088": 3, "020": 1, "081": 1, "011": 1, "090": 1, "003": 1}

    page.bank.setCurrentIndex(page.bank.findData("020"))
    page.search()
    by_bank = {r.remote_name: (r.tally.count, r.tally.amount) for r in page.model.rows()}
    assert by_bank["EB210312_2026"] == (1, 170_000) and "EB210313_2026" in by_bank  # payer 3 (020) is in both
    page.bank.setCurrentIndex(page.bank.findData("090"))
    page.search()
    assert [r.remote_name for r in page.model.rows()] == ["EB220313_2026", "EB220312_2026", "EB210312_2026",
                                                          "EB140309_2026", "EB130309_2026", "EI130309_2026"]
    page.bank.setCurrentIndex(0)
    page.search()

    page.table.selectRow(3)
    dialog = page.open_selected()
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    model = dialog.model
    assert model.rowCount() == 12
    texts = [str(model.data(model.index(r, c))) for r in range(model.rowCount()) for c in range(model.columnCount())]
    assert any(t == "********" + payers[0].account[-4:] for t in texts)
    assert not any(p.account in t for p in payers for t in texts)  # no account number in full
    assert any(t.startswith(payers[0].holder_id[:2]) and t.endswith("****") for t in texts)
    assert "해오름학원" in texts
    _shot(dialog, "file_view.png", tmp_path)
    dialog.close()

    page.table.selectRow(6)  # the EI13: the evidence as length and SHA-256, the account masked
    evidence = page.open_selected()
    qtbot.addWidget(evidence)
    qtbot.waitExposed(evidence)
    model = evidence.model
    assert model.rowCount() == 12
    headers = [" ".join(str(model.headerData(c, Qt.Orientation.Horizontal)).split())
               for c in range(model.columnCount())]
    assert "동의자료 SHA-256" in headers and "동의자료 길이" in headers
    texts = [str(model.data(model.index(r, c))) for r in range(model.rowCount()) for c in range(model.columnCount())]
    assert any(t == "********" + payers[0].account[-4:] for t in texts)
    assert not any(p.account in t for p in payers for t in texts)
    assert sha256_hex(TINY_JPEG) in texts
    assert evidence.decoded.header["총 동의자료 수"] == "12"
    _shot(evidence, "file_view_ei13.png", tmp_path)
    evidence.close()

    page.table.selectRow(0)
    broken = page.open_selected()
    qtbot.addWidget(broken)
    assert broken.problems.isVisible() and "반영하지 않았습니다" in broken.problems.text()
    assert broken.model.rowCount() == 0
    _shot(broken, "file_view_refused.png", tmp_path)
    broken.close()


def test_save_send_now_and_fetch_now_buttons(filled, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx, sched, _payers = filled
    page = TransmissionsPage(ctx, scheduler=sched)
    qtbot.addWidget(page)
    page.show()
    page.table.selectRow(3)
    target = page.save_selected(tmp_path / "EB210312_2026")
    with ctx.db.session() as s:
        stored = plain(s.scalar(select(Transmission).where(Transmission.remote_name == "EB210312_2026")), ctx.data_key)
        audited = s.scalar(select(AuditLog.target).where(AuditLog.action == "personal_data_exported"))
    assert target.read_bytes() == stored and audited == "EB210312_2026"

    monkeypatch.setattr(transmissions_view, "confirm", lambda *a, **k: True)
    ctx.clock.set(at(13, 12, 30))
    page.send_button.click()
    qtbot.waitUntil(lambda: not page.busy, timeout=20_000)
    assert page.result.text() == "지금 보낼 계좌신청이나 오늘 마감인 이체의뢰가 없습니다."
    newcomer = add_payers(ctx.db, ctx.contract_id, ctx.data_key, ["888877776666"], prefix="N")
    queue_registrations(ctx.db, ctx.contract_id, ctx.data_key, newcomer, requested_on=date(2026, 3, 13),
                        created_at=at(13, 12))
    page.send_button.click()
    qtbot.waitUntil(lambda: not page.busy, timeout=20_000)
    assert "EB130313_2026 송신완료." in page.result.text()
    assert page.model.rows()[0].remote_name == "EB130313_2026"  # the list was refreshed
    page.fetch_button.click()
    qtbot.waitUntil(lambda: not page.busy, timeout=20_000)
    assert page.result.text()  # what 지금 수신 did (the refused 03-13 result is reported again)


def test_clerk_sees_the_list_without_admin_buttons(filled, office, qtbot) -> None:
    ctx, sched, _ = filled
    clerk = add_user(office, "clerk2", Role.CLERK)
    page = TransmissionsPage(AppContext(db=ctx.db, actor=clerk, contract_id=ctx.contract_id, clock=ctx.clock),
                             scheduler=sched)
    qtbot.addWidget(page)
    page.show()
    assert page.model.rowCount() == 7
    assert not page.send_button.isVisible() and not page.fetch_button.isVisible() and not page.save_button.isVisible()
    assert page.view_button.isVisible()


def test_bridge_carries_scheduler_passes_to_the_ui_thread(filled, qtbot) -> None:
    ctx, sched, _ = filled
    bridge = transmissions_view.SchedulerBridge(sched)
    with qtbot.waitSignal(bridge.passed, timeout=5000) as signal:
        sched.fetch_now(ctx.contract_id, ctx.actor)
    assert signal.args and signal.args[0]
    assert isinstance(transmissions_view.make_scheduler(ctx), CollectionScheduler)
