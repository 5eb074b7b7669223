"""처음 설정 on the home screen: the checklist of a new office, its two steps done in place, the month drawn.

The office of tests/conftest.py has items and fees; `strip_to_fresh` takes them away, so it looks
like what the first-start wizard leaves: a contract with the settlement account and passbook text,
no fee, no item, no payer, no relay test. Steps then tick as their data appears, through the real
services (items, contract, the relay over the built-in simulator, the scheduler's EB13).

Pictures of the home screen in the main window, at 1366×768 and 1024×768, for a fresh office and a
half-done one, go to /tmp/work/shots/setup_*.png (SQLite run only).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox
from sqlalchemy import delete, select

from app.models import AppSetting, AuditLog, CollectionItem, Contract, RegistrationState
from app.services.common.calendar import ManualClock
from app.services.common.errors import PermissionDeniedError, ServiceError
from app.services.common.session import Actor
from app.services.exchange import relay_config
from app.services.exchange.relay.base import RelayUnavailableError
from app.services.exchange.relay.config import RelayConfig, SimulatorSettings
from app.services.exchange.transmissions import ContractInfo
from app.services.home import month_flow
from app.services.settings import contracts, first_setup
from app.views.common.context import AppContext
from app.views.common.theme import apply_theme
from app.views.shell.home_view import HomePage
from app.views.shell.main_window import MainWindow
from tests.factories import Office
from tests.home.helpers import Relay, add_payer, at
from tests.home.scenarios import BUSY_MOMENT, busy_day

SHOTS = Path("/tmp/work/shots")
STEPS = [first_setup.STEP_ITEMS, first_setup.STEP_CONTRACT, first_setup.STEP_RELAY, first_setup.STEP_PASSPHRASE,
         first_setup.STEP_PAYERS, first_setup.STEP_REGISTRATION]


@pytest.fixture(autouse=True)
def korean_and_no_boxes(qapp, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Korean font as the app sets it; confirmations say yes; a warning box would block, so it is recorded."""
    apply_theme(qapp)
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: warnings.append(text))
    yield warnings
    assert not warnings, f"unexpected warning boxes: {warnings}"


def strip_to_fresh(office: Office) -> None:
    """What the first-start wizard leaves: no item, no fee (the wizard does not ask for it)."""
    with office.db.session() as s:
        s.execute(delete(CollectionItem).where(CollectionItem.contract_id == office.contract_id))
        contract = s.get(Contract, office.contract_id)
        assert contract is not None
        contract.fee_per_debit = contract.fee_per_registration = 0


def done_flags(office: Office, actor: Actor | None = None) -> dict[str, bool]:
    progress = first_setup.progress(office.db, actor or office.admin, office.contract_id)
    return {step.key: step.done for step in progress.steps}


def set_fee(office: Office, fee: str) -> None:
    row = contracts.get_contract(office.db, office.admin, office.contract_id)
    contracts.update_contract(office.db, office.admin, office.contract_id, contracts.ContractForm(
        institution_code=row.institution_code, name=row.name, business_no=row.business_no,
        representative=row.representative, settlement_bank_code=row.settlement_bank_code,
        settlement_account_no=row.settlement_account_no, passbook_text=row.passbook_text, fee_per_debit=fee,
        fee_per_registration="0", debit_days=",".join(str(d) for d in row.debit_days), version_id=row.version_id))


def opened(qtbot, ctx: AppContext, size: tuple[int, int] = (1280, 1000)) -> HomePage:
    page = HomePage(ctx)
    qtbot.addWidget(page)
    page.resize(*size)
    page.show()
    qtbot.waitExposed(page)
    return page


def texts(page: HomePage) -> list[str]:
    QApplication.processEvents()  # widgets added to a shown layout are shown by a queued call
    return [label.text() for label in page.findChildren(QLabel) if label.isVisible()]


def window_shots(qtbot, ctx: AppContext, name: str, request) -> None:
    """The home screen in the main window at the two laptop sizes (SQLite run only)."""
    if request.node.callspec.params.get("db") != "sqlite":
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    for width, height in ((1366, 768), (1024, 768)):
        window.resize(width, height)
        for _ in range(3):  # wrapped labels settle their heights over a few layout passes
            qtbot.wait(20)
        assert window.current_key() == "home"
        assert window.grab().save(str(SHOTS / f"setup_{name}_{width}x{height}.png"))
    window.close()


# --- the service -----------------------------------------------------------------------------------


def test_each_step_ticks_as_its_data_appears(office: Office, clock: ManualClock, tmp_path: Path) -> None:
    db, admin, cid = office.db, office.admin, office.contract_id
    strip_to_fresh(office)
    progress = first_setup.progress(db, admin, cid)
    assert [s.key for s in progress.steps] == STEPS
    assert not any(s.done for s in progress.steps) and not progress.ready and progress.done_count == 0
    assert "건당수수료(이체)" in progress.step(first_setup.STEP_CONTRACT).detail

    contracts.create_item(db, admin, cid, contracts.ItemForm(name="수강료", collection_days="5,25"))
    assert done_flags(office)[first_setup.STEP_ITEMS]
    assert first_setup.progress(db, admin, cid).step(first_setup.STEP_ITEMS).detail == "수강료(5·25일)"

    set_fee(office, "300")
    step = first_setup.progress(db, admin, cid).step(first_setup.STEP_CONTRACT)
    assert step.done and "이체 건당 300원" in step.detail and "통장기재 '해오름학원'" in step.detail

    first_setup.confirm_passphrase(db, admin, now=clock.now())
    assert done_flags(office)[first_setup.STEP_PASSPHRASE]

    [item] = contracts.list_items(db, admin, cid)
    add_payer(db, cid, "C001", account="110000000001", name="김하늘", item=item.code, queued_at=clock.now())
    progress = first_setup.progress(db, admin, cid)
    assert progress.step(first_setup.STEP_PAYERS).done and progress.step(first_setup.STEP_PAYERS).detail == "고객 1명"
    waiting = progress.step(first_setup.STEP_REGISTRATION)
    assert not waiting.done and waiting.detail.startswith("계좌신청대기 1건 — 매 영업일 14:00 마감에")

    relay = Relay(db, admin, clock, tmp_path / "data")  # the built-in simulator, as the wizard saves it
    assert not done_flags(office)[first_setup.STEP_RELAY]
    answer = first_setup.run_relay_test(db, admin, cid, relay.factory, now=clock.now())
    assert answer.startswith("내장 은행 시뮬레이터")
    step = first_setup.progress(db, admin, cid).step(first_setup.STEP_RELAY)
    assert step.done and step.detail == "내장 은행 시뮬레이터 (연습용) · 연결 시험 2026-03-09 09:00 admin"

    # A relay saved after the test is not the relay that was tested.
    relay_config.save(db, admin, RelayConfig(simulator=SimulatorSettings(seed=7)))
    step = first_setup.progress(db, admin, cid).step(first_setup.STEP_RELAY)
    assert not step.done and step.detail.startswith("중계 설정이 바뀌었습니다.")
    first_setup.run_relay_test(db, admin, cid, relay.factory, now=clock.now())
    assert done_flags(office)[first_setup.STEP_RELAY] and not first_setup.progress(db, admin, cid).ready

    relay.run_until(at(date(2026, 3, 9), 14, 5))  # the scheduler sends the day's EB13 before the cut-off
    progress = first_setup.progress(db, admin, cid)
    assert progress.step(first_setup.STEP_REGISTRATION).done and progress.ready


def test_the_passphrase_confirmation_is_an_administrators_and_audited(office: Office, clock: ManualClock,
                                                                         clerk: Actor, viewer: Actor) -> None:
    for who in (clerk, viewer):
        with pytest.raises(PermissionDeniedError):
            first_setup.confirm_passphrase(office.db, who, now=clock.now())
    assert not done_flags(office, viewer)[first_setup.STEP_PASSPHRASE]  # anyone may read the list
    first_setup.confirm_passphrase(office.db, office.admin, now=clock.now())
    with office.db.session() as s:
        setting = s.get(AppSetting, first_setup.KEY_PASSPHRASE)
        assert setting is not None and setting.value == "2026-03-09T09:00:00+09:00 admin"
        assert setting.updated_by == "admin"
        [row] = s.scalars(select(AuditLog).where(AuditLog.target == first_setup.KEY_PASSPHRASE)).all()
        assert row.action == "settings_changed" and row.login_id == "admin"
    step = first_setup.progress(office.db, clerk, office.contract_id).step(first_setup.STEP_PASSPHRASE)
    assert step.done and step.detail == "적어 두었음 · 확인 2026-03-09 09:00 admin"


class _Unreachable:
    def test_connection(self) -> str:
        raise RelayUnavailableError("SFTP relay.ksnet.co.kr:22에 연결할 수 없습니다.")


def test_a_failed_relay_test_records_nothing(office: Office, clock: ManualClock, viewer: Actor) -> None:
    def unreachable(_info: ContractInfo) -> _Unreachable:
        return _Unreachable()

    with pytest.raises(ServiceError, match=r"중계 서버에 연결하지 못했습니다. SFTP relay.ksnet.co.kr:22"):
        first_setup.run_relay_test(office.db, office.admin, office.contract_id, unreachable,  # type: ignore[arg-type]
                                   now=clock.now())
    with pytest.raises(PermissionDeniedError):
        first_setup.run_relay_test(office.db, viewer, office.contract_id, unreachable,  # type: ignore[arg-type]
                                   now=clock.now())
    with office.db.session() as s:
        assert s.get(AppSetting, first_setup.KEY_RELAY) is None
    assert not done_flags(office)[first_setup.STEP_RELAY]


def test_an_sftp_relay_without_a_pinned_key_is_not_configured(office: Office) -> None:
    from app.services.exchange.relay.config import MODE_SFTP, SftpSettings

    relay_config.save(office.db, office.admin, RelayConfig(mode=MODE_SFTP, sftp=SftpSettings(host="relay.example",
                                                                                             username="u")))
    with office.db.session() as s:
        first_setup.mark_ready_in(s, "admin", at(date(2026, 3, 9), 9))
    step = first_setup.progress(office.db, office.admin, office.contract_id).step(first_setup.STEP_RELAY)
    assert not step.done and "서버 키가 등록되지 않았습니다" in step.detail


# --- the checklist on the home screen ----------------------------------------------------------------


def test_a_fresh_office_gets_the_checklist_not_an_empty_day(qtbot, office: Office, clock: ManualClock,
                                                             request) -> None:
    strip_to_fresh(office)
    ctx = AppContext(office.db, office.admin, office.contract_id, clock=clock)
    page = opened(qtbot, ctx)
    card = page.setup_card
    assert card.isVisible() and card.title.text() == "처음 설정 — 6단계 중 0단계 완료"
    assert [card.marks[k].text() for k in STEPS] == ["1", "2", "3", "4", "5", "6"]
    assert not any("지금 처리할 일이 없습니다" in text for text in texts(page))
    assert any(text.startswith("처음 설정을 마치면 그날 처리할 일이 여기에 나옵니다") for text in texts(page))
    assert page.month_strip.marked("today") == month_flow.REGISTER == page.month_strip.marked("next")
    assert card.passphrase_button is not None and card.relay_button is not None
    window_shots(qtbot, ctx, "fresh", request)


def test_clicking_a_line_opens_its_screen(qtbot, office: Office, clock: ManualClock) -> None:
    strip_to_fresh(office)
    ctx = AppContext(office.db, office.admin, office.contract_id, clock=clock)
    pages: list[str] = []
    ctx.signals.open_page.connect(pages.append)
    page = opened(qtbot, ctx)
    buttons = page.setup_card.link_buttons
    assert set(buttons) == {
        (first_setup.STEP_ITEMS, "settings.items"), (first_setup.STEP_CONTRACT, "settings.contract"),
        (first_setup.STEP_RELAY, "collection.transmissions"), (first_setup.STEP_PAYERS, "customers.list"),
        (first_setup.STEP_PAYERS, "customers.import"), (first_setup.STEP_REGISTRATION, "collection.registrations")}
    for (_step, key), button in buttons.items():
        button.click()
        assert pages[-1] == key
    page.setup_card.title_labels[first_setup.STEP_ITEMS].linkActivated.emit("settings.items")  # the title is a link
    assert pages[-1] == "settings.items"
    page.month_strip.next_button.click()
    assert pages[-1] == "customers.list"  # next: register payers


def test_the_two_steps_done_on_the_checklist(qtbot, office: Office, clock: ManualClock) -> None:
    ctx = AppContext(office.db, office.admin, office.contract_id, clock=clock)
    page = opened(qtbot, ctx)
    card = page.setup_card
    assert card.marks[first_setup.STEP_ITEMS].text() == "완료" and card.marks[first_setup.STEP_PASSPHRASE].text() == "4"

    assert card.passphrase_button is not None
    card.passphrase_button.click()  # the confirmation says yes
    assert card.marks[first_setup.STEP_PASSPHRASE].text() == "완료" and card.passphrase_button is None
    with office.db.session() as s:
        assert s.get(AppSetting, first_setup.KEY_PASSPHRASE) is not None

    # 연결 시험 that fails says why in the line and records nothing; then one that succeeds ticks the step.
    card.transport_for = lambda _info: _Unreachable()
    assert card.relay_button is not None
    card.relay_button.click()
    qtbot.waitUntil(lambda: card.relay_job is None, timeout=5000)
    assert card.relay_status.text().startswith("중계 서버에 연결하지 못했습니다.") and card.relay_status.isVisible()
    assert card.marks[first_setup.STEP_RELAY].text() == "3"
    card.transport_for = relay_config.transport_factory(office.db, clock=clock)
    card.relay_button.click()
    qtbot.waitUntil(lambda: card.marks[first_setup.STEP_RELAY].text() == "완료", timeout=5000)
    assert card.relay_status.text().startswith("연결했습니다: 내장 은행 시뮬레이터")
    assert card.title.text() == "처음 설정 — 6단계 중 4단계 완료"


def test_a_viewer_reads_the_checklist_without_its_buttons(qtbot, office: Office, clock: ManualClock,
                                                          viewer: Actor) -> None:
    page = opened(qtbot, AppContext(office.db, viewer, office.contract_id, clock=clock))
    card = page.setup_card
    assert card.isVisible() and card.passphrase_button is None and card.relay_button is None
    assert "관리자가 확인합니다" in texts(page)


def test_the_checklist_leaves_when_all_is_done(qtbot, office: Office, clock: ManualClock, relay: Relay,
                                               request) -> None:
    db, cid = office.db, office.contract_id
    with db.session() as s:  # a half-done office: items, fees, passphrase, payers; relay and 계좌신청 to do
        first_setup.mark_ready_in(s, "admin", clock.now())
        s.execute(delete(AppSetting).where(AppSetting.key == first_setup.KEY_RELAY))
    for n, name in enumerate(("김하늘", "이바다", "박구름"), start=1):
        add_payer(db, cid, f"C00{n}", account=f"11000000000{n}", name=name, queued_at=clock.now())
    ctx = AppContext(db, office.admin, cid, clock=clock)
    page = opened(qtbot, ctx)
    card = page.setup_card
    assert card.isVisible() and card.title.text() == "처음 설정 — 6단계 중 4단계 완료"
    assert page.month_strip.marked("today") == month_flow.REGISTRATION
    assert page.month_strip.marked("next") == month_flow.REGISTRATION  # their 계좌신청 goes out at 14:00
    assert page.month_strip.flow is not None
    assert page.month_strip.flow.next_text == "계좌신청대기 3건 — 03-09(월) 14:00 마감에 은행으로 보냅니다."
    window_shots(qtbot, ctx, "halfdone", request)

    with db.session() as s:
        first_setup.mark_ready_in(s, "admin", clock.now())
    relay.run_until(at(date(2026, 3, 9), 14, 5))  # the EB13 goes out at the cut-off
    page.refresh()
    assert card.isHidden() and page.setup is not None and page.setup.ready
    assert not page.month_strip.isHidden()


# --- the month --------------------------------------------------------------------------------------


def test_the_month_strip_marks_today_and_the_next_step(qtbot, office: Office, clerk: Actor, relay: Relay,
                                                       clock: ManualClock, request) -> None:
    busy_day(office, clerk, relay, clock)
    assert clock.now() == at(*BUSY_MOMENT)
    ctx = AppContext(office.db, clerk, office.contract_id, clock=clock)
    page = opened(qtbot, ctx, (1024, 1100))
    strip = page.month_strip
    flow = strip.flow
    assert flow is not None and flow.debit_date == date(2026, 3, 16)
    assert [s.title for s in flow.stages] == ["등록", "계좌신청", "이체의뢰", "결과", "재처리 또는 현금수납", "집계·출력"]
    assert [s.when for s in flow.stages] == ["언제든", "03-12(목)까지", "03-13(금) 14:00", "03-17(화) 11:00",
                                             "03-31(화)까지", "3월 말"]
    assert flow.stage(month_flow.REQUEST).rule == "출금일 전 영업일 14:00까지"
    # Today the 11:00 result of the 12th's 계좌신청 came in; the cut-off of the 16th is at 14:00 with 강들 left.
    assert strip.marked("today") == month_flow.RESULT and strip.marks[month_flow.RESULT].text() == "오늘"
    assert strip.marked("next") == month_flow.REQUEST and strip.marks[month_flow.REQUEST].text() == "다음"
    assert flow.next_text == "오늘 14:00까지 이체의뢰 — 아직 의뢰하지 않은 1건 · 120,000원"
    assert strip.stage_frames[month_flow.REQUEST].property("next") is True
    assert strip.head.text() == "한 달의 흐름 · 03-16(월) 출금 기준"
    if request.node.callspec.params.get("db") == "sqlite":
        SHOTS.mkdir(parents=True, exist_ok=True)
        for _ in range(3):
            qtbot.wait(20)
        assert strip.grab().save(str(SHOTS / "setup_month_strip_busy.png"))
    window_shots(qtbot, ctx, "busy", request)

    # After the cut-off, the rejected registration is the most urgent thing left.
    clock.set(at(date(2026, 3, 13), 14, 30))
    page.refresh()
    assert strip.marked("next") == month_flow.REGISTRATION
    assert strip.flow is not None and strip.flow.next_text.startswith("계좌신청미완료 1건")


def test_after_the_months_last_debit_the_month_closes(office: Office) -> None:
    from app.services.home import today as home

    add_payer(office.db, office.contract_id, "C001", account="110000000001", name="김하늘", first="2026-04",
              registration=RegistrationState.DONE)
    now = at(date(2026, 3, 27), 10)
    summary = home.summary(office.db, office.admin, office.contract_id, now=now)
    flow = month_flow.flow(office.db, office.admin, office.contract_id, summary, has_payers=True)
    assert flow.debit_date == date(2026, 4, 6)  # the 5th is a Sunday
    assert flow.today == month_flow.CLOSE and flow.next_step == month_flow.CLOSE
    assert flow.next_text == "이번 달 출금이 끝났습니다 — 집계를 확인하고 출력하세요."
    early = home.summary(office.db, office.admin, office.contract_id, now=at(date(2026, 4, 1), 10))
    assert month_flow.flow(office.db, office.admin, office.contract_id, early,
                           has_payers=True).today == month_flow.REGISTRATION  # before 4/6's D-2 (4/2)
