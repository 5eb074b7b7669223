"""오늘 할 일, 공지사항 and the notification tray on screen (pytest-qt), with pictures under shots/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox

from app.models import NoticeSource, Role
from app.services import notices
from app.services.common.calendar import ManualClock
from app.services.common.session import Actor
from app.services.exchange.relay.base import RelayNotice
from app.services.home import notifications
from app.views.common.context import AppContext
from app.views.common.theme import apply_theme
from app.views.notices_view import NoticeDialog, NoticesPage
from app.views.shell.home_view import HomePage
from app.views.shell.main_window import MainWindow
from app.views.shell.tray import NotificationTray
from tests.factories import Office, add_user
from tests.home.helpers import Relay, add_payer, at
from tests.home.scenarios import busy_day

SHOTS = Path(__file__).resolve().parents[2] / "shots"
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def korean_and_no_boxes(qapp, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Korean font as the app sets it; confirmations say yes; a warning box would block, so it is recorded."""
    apply_theme(qapp)
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: warnings.append(text))
    yield warnings
    assert not warnings, f"unexpected warning boxes: {warnings}"


def shot(widget, name: str, request) -> None:
    """The picture, once (from the SQLite run), into shots/ to look at."""
    if request.node.callspec.params.get("db") != "sqlite":
        return
    SHOTS.mkdir(exist_ok=True)
    QApplication.processEvents()
    assert widget.grab().save(str(SHOTS / name))


def opened(qtbot, ctx: AppContext, page_class, size: tuple[int, int] = (1280, 900)):
    page = page_class(ctx)
    qtbot.addWidget(page)
    page.resize(*size)
    page.show()
    qtbot.waitExposed(page)
    return page


def recorder(ctx: AppContext) -> list[str]:
    pages: list[str] = []
    ctx.signals.open_page.connect(pages.append)
    return pages


# --- 오늘 할 일 ------------------------------------------------------------------------------------


def test_home_on_a_busy_day(qtbot, office: Office, clerk: Actor, relay: Relay, clock: ManualClock,
                            request) -> None:
    busy_day(office, clerk, relay, clock)
    ctx = AppContext(office.db, clerk, office.contract_id, clock=clock)
    page = opened(qtbot, ctx, HomePage, (1280, 1180))
    s = page.summary
    assert s is not None
    assert page.day_label.text() == "2026-03-13 (금)\n영업일"
    assert page.countdown_label.text() == "40분 남음" and page.countdown_label.objectName() == "bigAlert"
    assert page.cutoff_label.text() == "03-13(금) 14:00 마감 · 출금일 03-16(월)"
    assert "계좌신청 대기 1건" in page.queued_label.text()
    assert page.unrequested_label.text() == "아직 의뢰하지 않은 청구 1건 · 120,000원"
    assert set(page.work_buttons) == {"registrations", "cash", "at_risk", "discounts", "notices"}
    assert page.metric_text("출금", 2) == "190,000원" and page.metric_text("출금불능", 2) == "100,000원"
    assert page.metric_text("이체의뢰") == "1건 · 80,000원" and page.metric_text("수납률") == "100.0%"
    # 미납: February's 100,000원 failure is unpaid; March's requests are queued or at the bank, never 미납.
    assert page.metric_text("미납", 1) == "0원" and page.metric_text("미납", 2) == "100,000원"
    assert page.metric_text("미납", 3) == "-100,000원"
    assert s.item("notices").examples[0] == "3월 현금수납 마감 안내"
    cash = s.item("cash")
    assert cash is not None and "03-24(화) 14:00" in cash.detail  # before the 25th's request
    shot(page, "home_busy.png", request)

    pages = recorder(ctx)
    for key, target in (("registrations", "collection.registrations"), ("cash", "collection.cash"),
                        ("at_risk", "customers.list"), ("discounts", "collection.discounts"),
                        ("notices", "notices")):
        qtbot.mouseClick(page.work_buttons[key], LEFT)
        assert pages[-1] == target
    qtbot.mouseClick(page.result_buttons[0], LEFT)
    assert pages[-1] == "collection.registrations"

    # The countdown moves with the clock, once a minute; past the cut-off the card turns to the next
    # debit day of the contract (the 25th), not to the next business day.
    clock.advance(timedelta(minutes=10))
    page.timer.timeout.emit()
    assert page.countdown_label.text() == "30분 남음"
    clock.set(at(date(2026, 3, 13), 14, 1))
    page.timer.timeout.emit()
    assert page.cutoff_label.text() == "03-24(화) 14:00 마감 · 출금일 03-25(수)"
    assert page.countdown_label.text() == "10일 23시간 남음" and page.countdown_label.objectName() == "bigText"
    assert page.timer.interval() == 60_000 and page.timer.isActive()


def test_home_on_a_quiet_day(qtbot, office: Office, request) -> None:
    clock = ManualClock.at(2026, 3, 15, 10, 0)  # a Sunday
    ctx = AppContext(office.db, office.admin, office.contract_id, clock=clock)
    page = opened(qtbot, ctx, HomePage, (1280, 900))
    assert page.day_label.text() == "2026-03-15 (일)\n휴일 (일요일)"
    assert "다음 영업일은 03-16(월)" in page.day_note.text()
    assert page.work_buttons == {} and page.result_buttons == []
    assert page.countdown_label.text() == "9일 4시간 남음"  # the 25th's cut-off, not Monday's
    assert page.unrequested_label.isHidden() and page.requests_button.isHidden()
    assert page.metric_text("수납률") == "-"
    shot(page, "home_quiet.png", request)


def test_reading_a_notice_updates_the_home_screen(qtbot, office: Office, clerk: Actor, clock: ManualClock) -> None:
    notices.post_office_notice(office.db, office.admin, "공지", "본문", now=clock.now())
    ctx = AppContext(office.db, clerk, office.contract_id, clock=clock)
    home_page = opened(qtbot, ctx, HomePage)
    assert set(home_page.work_buttons) == {"notices"}
    board = NoticesPage(ctx)  # another screen of the same window, sharing the signals
    qtbot.addWidget(board)
    board.refresh()
    board.select_notice(board.model.rows()[0].id)
    assert home_page.work_buttons == {}


# --- 공지사항 ---------------------------------------------------------------------------------------


def _board(office: Office, clock: ManualClock) -> None:
    posted = clock.now()
    notices.store_relay_notices(office.db, [
        RelayNotice("tax-invoice-2026-03", "2026년 3월 전자세금계산서 발행 안내",
                    "2026년 2월분 CMS 이용 수수료의 전자세금계산서를 발행하였습니다.\n"
                    "1. www.ksnet.co.kr 접속\n2. 고객센타 → 조회서비스 → 전자세금계산서", posted - timedelta(days=3)),
        RelayNotice("maintenance-2026-03", "3월 정기 시스템 점검 안내 (3/21 22:00~3/22 06:00)",
                    "더 안정적인 서비스를 위해 정기 시스템 점검을 합니다.", posted - timedelta(days=1)),
    ], office.institution_id)
    notices.post_office_notice(office.db, office.admin, "3월 현금수납 마감 안내",
                               "2월 미납분 현금수납은 3월 24일(화)까지 받습니다.", now=posted)


def test_the_board_marks_unread_and_opening_reads(qtbot, office: Office, clerk: Actor, clock: ManualClock,
                                                  request) -> None:
    _board(office, clock)
    ctx = AppContext(office.db, clerk, office.contract_id, clock=clock)
    changed: list[str] = []
    ctx.signals.data_changed.connect(changed.append)
    page = opened(qtbot, ctx, NoticesPage, (1200, 620))
    model = page.model
    assert [model.index(r, 2).data() for r in range(3)] == [
        "3월 현금수납 마감 안내", "3월 정기 시스템 점검 안내 (3/21 22:00~3/22 06:00)", "2026년 3월 전자세금계산서 발행 안내"]
    assert [model.index(r, 0).data() for r in range(3)] == ["●", "●", "●"]
    assert model.index(0, 2).data(Qt.ItemDataRole.FontRole).bold()
    assert model.index(0, 1).data() == "기관 공지" and model.index(1, 1).data() == "케이에스넷"
    assert page.post_button.isHidden() and page.delete_button.isHidden()  # a 담당자 reads, does not post
    assert "읽지 않은 공지 3건" in page.status.text()

    page.table.selectRow(2)
    assert page.reader_title.text() == "2026년 3월 전자세금계산서 발행 안내"
    assert "www.ksnet.co.kr" in page.reader.toPlainText() and page.reader_meta.text().startswith("케이에스넷 · ")
    assert model.index(2, 0).data() == "" and model.index(2, 2).data(Qt.ItemDataRole.FontRole) is None
    assert changed == ["notices"] and notices.unread_count(office.db, clerk) == 2
    assert page.status.text() == "공지 3건 · 읽지 않은 공지 2건"
    shot(page, "notices.png", request)

    page.unread_only.setChecked(True)
    assert model.rowCount() == 2
    page.read_all_button.click()
    assert model.rowCount() == 0 and notices.unread_count(office.db, clerk) == 0


def test_an_admin_posts_and_deletes_office_notices(qtbot, office: Office, clock: ManualClock) -> None:
    _board(office, clock)
    ctx = AppContext(office.db, office.admin, office.contract_id, clock=clock)
    page = opened(qtbot, ctx, NoticesPage)
    assert not page.post_button.isHidden()
    qtbot.mouseClick(page.post_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, NoticeDialog) and dialog.isVisible()
    qtbot.mouseClick(dialog.save_button, LEFT)  # empty: refused under the form, nothing typed is lost
    assert dialog.isVisible() and dialog.error.text() == "제목: 제목을 입력하세요."
    dialog.title_edit.setText("4월 휴원 안내")  # keyClicks cannot type Hangul
    dialog.body_edit.setPlainText("4월 5일은 휴원합니다.")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert not dialog.isVisible()
    assert page.current is not None and page.current.title == "4월 휴원 안내" and page.current.is_read
    assert page.delete_button.isEnabled()

    agency = next(i for i, r in enumerate(page.model.rows()) if r.source is NoticeSource.AGENCY)
    page.table.selectRow(agency)
    assert not page.delete_button.isEnabled()
    mine = next(r for r in page.model.rows() if r.title == "4월 휴원 안내")
    page.select_notice(mine.id)
    qtbot.mouseClick(page.delete_button, LEFT)
    assert "4월 휴원 안내" not in [r.title for r in page.model.rows()]
    clerk = add_user(office, "clerk2", Role.CLERK)
    assert "4월 휴원 안내" not in [r.title for r in notices.list_notices(office.db, clerk)]


# --- the tray and the main window ------------------------------------------------------------------


def _reminder_due(office: Office) -> ManualClock:
    from app.models import RegistrationState

    add_payer(office.db, office.contract_id, "C001", account="110000000001", name="김하늘",
              registration=RegistrationState.DONE)
    return ManualClock(at(date(2026, 3, 24), 13, 30))


def test_without_a_system_tray_the_status_bar_carries_the_message(qtbot, office: Office, request) -> None:
    clock = _reminder_due(office)
    ctx = AppContext(office.db, office.admin, office.contract_id, clock=clock)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    assert window.current_key() == "home"  # the day starts on 오늘 할 일
    assert window.tree.topLevelItem(0).text(0) == "오늘 할 일"
    tray = window.tray
    assert not tray.uses_system_tray  # offscreen: QSystemTrayIcon.isSystemTrayAvailable() is False
    [note] = tray.check_now()
    assert note.title == "이체의뢰 마감 30분 전"
    assert not tray.status_link.isHidden() and "이체의뢰 마감 30분 전" in tray.status_link.text()
    assert 'href="collection.requests"' in tray.status_link.text()
    assert tray.check_now() == []  # shown once per session
    window.show()
    qtbot.waitExposed(window)
    shot(window, "main_window_home.png", request)
    pages = recorder(ctx)
    tray.status_link.linkActivated.emit("collection.requests")
    assert pages == ["collection.requests"] and tray.status_link.isHidden()

    window.notify_action.setChecked(False)  # 파일 › 알림 받기
    assert not notifications.is_enabled(office.db, office.admin)
    clock.set(at(date(2026, 3, 24), 13, 31))
    tray.memory = notifications.ShownEvents()
    assert tray.check_now() == []
    window.close()
    assert not tray.timer.isActive()


def test_with_a_system_tray_a_click_on_the_message_opens_its_screen(qtbot, office: Office) -> None:
    clock = _reminder_due(office)
    ctx = AppContext(office.db, office.admin, office.contract_id, clock=clock)
    window = QMainWindow()
    qtbot.addWidget(window)
    tray = NotificationTray(ctx, window, system_tray=True)
    tray.start()
    assert tray.uses_system_tray and tray.timer.isActive()
    [note] = tray.check_now()
    assert tray.last == note and tray.status_link.isHidden()
    pages = recorder(ctx)
    assert tray.icon is not None
    tray.icon.messageClicked.emit()
    assert pages == ["collection.requests"]
    tray.stop()
    assert tray.check_now() == []
