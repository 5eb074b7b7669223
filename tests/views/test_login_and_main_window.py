"""The login window and the main window's menu tree, roles and remembered state."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidgetItem

from app.models import Role
from app.views.common.context import AppContext
from app.views.shell.login_dialog import LoginDialog
from app.views.shell.main_window import MainWindow
from app.views.shell.menu import BEYOND_MANUAL, MANUAL_MENU
from tests.factories import ADMIN_BIRTH, ADMIN_PASSWORD, Office, add_user

MANUAL_LIST = {
    "환경설정": ["사용자관리", "집금항목관리", "계약정보"],
    "고객관리": ["고객관리", "일괄등록"],
    "수납관리": ["계좌신청", "이체의뢰", "재처리의뢰", "이체의뢰결과", "이체송수신현황", "현금수납관리", "할인관리"],
    "집계": ["이체의뢰내역집계", "미납내역집계", "할인내역집계", "계좌신청현황", "이체의뢰현황", "정산내역현황"],
    "공지사항": [],
}


def _fill(qtbot, dialog: LoginDialog, code: str, login_id: str, password: str, birth: str) -> None:
    for widget, value in ((dialog.institution_code, code), (dialog.login_id, login_id),
                          (dialog.password, password), (dialog.birth_date, birth)):
        widget.clear()
        qtbot.keyClicks(widget, value)


def test_login_success_closes_the_dialog(qtbot, office: Office) -> None:
    dialog = LoginDialog(office.db)
    qtbot.addWidget(dialog)
    _fill(qtbot, dialog, office.institution_code, "admin", ADMIN_PASSWORD, ADMIN_BIRTH)
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == LoginDialog.DialogCode.Accepted
    assert dialog.result_login is not None and dialog.result_login.actor.login_id == "admin"
    # The IDs are remembered for next time; the password is not.
    again = LoginDialog(office.db)
    qtbot.addWidget(again)
    assert again.institution_code.text() == office.institution_code
    assert again.login_id.text() == "admin"
    assert again.password.text() == ""


def test_wrong_password_shows_a_korean_message_and_clears_the_password(qtbot, office: Office) -> None:
    dialog = LoginDialog(office.db)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    _fill(qtbot, dialog, office.institution_code, "admin", "wrongpass1", ADMIN_BIRTH)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)  # Enter presses the default button
    assert dialog.result_login is None
    assert not dialog.error.isHidden()
    assert "올바르지 않습니다" in dialog.error.text()
    assert dialog.password.text() == ""


def test_empty_fields_are_named(qtbot, office: Office) -> None:
    dialog = LoginDialog(office.db)
    qtbot.addWidget(dialog)
    dialog.institution_code.clear()
    dialog.try_login()
    assert "모두 입력하세요" in dialog.error.text()


def test_lockout_is_shown_on_the_login_window(qtbot, office: Office) -> None:
    dialog = LoginDialog(office.db)
    qtbot.addWidget(dialog)
    for _ in range(5):
        _fill(qtbot, dialog, office.institution_code, "admin", "wrongpass1", ADMIN_BIRTH)
        dialog.try_login()
    assert "잠겼습니다" in dialog.error.text()


def test_menu_definition_equals_the_manual() -> None:
    assert {g.label: [e.label for e in g.entries] for g in MANUAL_MENU} == MANUAL_LIST
    assert list(MANUAL_LIST) == [g.label for g in MANUAL_MENU]


def _tree_labels(window: MainWindow) -> dict[str, list[str]]:
    """The manual's groups as the tree shows them (the 오늘 할 일 entry above them aside)."""
    labels: dict[str, list[str]] = {}
    for i in range(window.tree.topLevelItemCount()):
        top: QTreeWidgetItem = window.tree.topLevelItem(i)
        if top.data(0, Qt.ItemDataRole.UserRole) == "home":
            continue
        labels[top.text(0)] = [top.child(j).text(0) for j in range(top.childCount())]
    return labels


def test_tree_shows_the_manuals_entries_in_order_for_each_built_screen(qtbot, office: Office) -> None:
    window = MainWindow(AppContext(office.db, office.admin))
    qtbot.addWidget(window)
    assert window.tree.topLevelItem(0).text(0) == "오늘 할 일"  # the home entry sits above the manual's groups
    shown = _tree_labels(window)
    assert list(shown) == [g for g in MANUAL_LIST if g in shown]
    for group, entries in shown.items():
        beyond = {g.label: [e.label for e in BEYOND_MANUAL.get(g.key, ())] for g in MANUAL_MENU}
        manual = MANUAL_LIST[group] + beyond[group]
        assert entries == [e for e in manual if e in entries], f"{group} out of the manual's order"
    assert shown["환경설정"] == ["사용자관리", "집금항목관리", "계약정보", "감사기록", "동의자료 보관·파기",
                                "연체료·독촉 규정"]
    assert shown["고객관리"] == ["고객관리", "일괄등록", "동의자료 일괄첨부", "휴원관리"]
    assert shown["수납관리"][-5:] == ["반환관리", "현금영수증관리", "연체료관리", "독촉관리", "통장입금대사"]
    assert shown["집계"][-2:] == ["교육비 납입증명서", "월마감"]
    # Every visible leaf opens a real screen, never a placeholder.
    for key in window.factories:
        if window.open_page(key):
            assert window.stack.currentWidget() is window.pages[key]


def test_roles_hide_what_they_must(qtbot, office: Office) -> None:
    viewer = add_user(office, "viewer1", Role.VIEWER)
    clerk = add_user(office, "clerk1", Role.CLERK)
    for actor in (viewer, clerk):
        window = MainWindow(AppContext(office.db, actor))
        qtbot.addWidget(window)
        assert "감사기록" not in _tree_labels(window)["환경설정"]
        assert window.open_page("settings.audit") is False
        assert "동의자료 보관·파기" not in _tree_labels(window)["환경설정"]
        assert window.open_page("settings.evidence_retention") is False
        assert "동의자료 일괄첨부" in _tree_labels(window)["고객관리"]


def test_header_shows_contract_user_role_and_business_date(qtbot, office: Office) -> None:
    from datetime import datetime

    from app.services.common.calendar import SEOUL

    ctx = AppContext(office.db, office.admin, clock=lambda: datetime(2026, 2, 17, 10, 0, tzinfo=SEOUL))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    assert "해오름수학학원" in window.contract_combo.currentText()
    assert ctx.contract_id == office.contract_id
    assert "관리자" in window.user_label.text()
    assert "2026-02-17" in window.date_label.text()
    assert "휴일" in window.date_label.text()  # 설날 연휴


def test_window_size_and_open_screen_are_remembered(qtbot, office: Office) -> None:
    window = MainWindow(AppContext(office.db, office.admin))
    qtbot.addWidget(window)
    window.resize(1024, 690)  # within the offscreen screen (800x800), so the restore is not clamped
    window.open_page("settings.contract")
    window.save_state()
    again = MainWindow(AppContext(office.db, office.admin))
    qtbot.addWidget(again)
    assert again.current_key() == "home"  # the day starts on 오늘 할 일, not on the last screen
    assert again.size().height() == 690  # the default would be 800


def test_keyboard_moves_through_the_menu(qtbot, office: Office) -> None:
    window = MainWindow(AppContext(office.db, office.admin))
    qtbot.addWidget(window)
    window.show()
    window.open_page("settings.users")
    window.tree.setFocus()
    qtbot.keyClick(window.tree, Qt.Key.Key_Down)
    assert window.current_key() == "settings.items"


def test_a_scheduler_pass_reaches_the_status_bar_and_asks_the_tray(qtbot, office: Office,
                                                                   monkeypatch) -> None:
    """After login the embedded scheduler runs; each pass that did something shows in the status bar
    and makes the tray check at once whether to tell the clerk (results in, a sending failed)."""
    from datetime import datetime

    from app.services.exchange.scheduler import PassReport
    from app.views.collection import transmissions_view
    from app.views.shell.startup import Startup

    class FakeScheduler:
        def __init__(self) -> None:
            self.listeners: list = []
            self.started = False

        def add_listener(self, listener) -> None:
            self.listeners.append(listener)

        def start(self) -> None:
            self.started = True

        def status(self):
            return type("S", (), {"text": lambda self: "다음 작업: 없음"})()

    fake = FakeScheduler()
    monkeypatch.setattr(transmissions_view, "make_scheduler", lambda ctx: fake)
    ctx = AppContext(office.db, office.admin)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    checks: list[bool] = []
    window.tray.check_requested.connect(lambda: checks.append(True))
    messages: list[str] = []
    ctx.signals.status_message.connect(messages.append)

    assert Startup._start_scheduler(ctx, window) is fake and fake.started
    report = PassReport(datetime(2026, 3, 10, 11, 0))
    report.lines.append("EB220310_2026 반영완료 (완료 9건, 미완료 1건, 출금 900,000원).")
    fake.listeners[0](report)

    qtbot.waitUntil(lambda: bool(checks) and any("반영완료" in m for m in messages), timeout=2000)


def test_a_login_window_shown_before_the_database_opens_waits_with_a_note(qtbot, office: Office) -> None:
    """The program paints the login window first and opens the database behind it: meanwhile the clerk
    may type, 로그인 (and Enter) does nothing and a note says why; then the same window logs in."""
    from app.views.shell.login_dialog import OPENING_NOTE

    ready = LoginDialog(office.db)
    qtbot.addWidget(ready)
    ready.show()
    qtbot.waitExposed(ready)
    assert ready.opening.isHidden() and ready.login_button.isEnabled()

    dialog = LoginDialog(None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert not dialog.login_button.isEnabled()
    assert not dialog.opening.isHidden() and dialog.opening.text() == OPENING_NOTE == "데이터베이스를 여는 중…"
    assert dialog.height() > ready.height()  # the note takes a line
    _fill(qtbot, dialog, office.institution_code, "admin", ADMIN_PASSWORD, ADMIN_BIRTH)
    qtbot.keyClick(dialog.birth_date, Qt.Key.Key_Return)
    dialog.try_login()
    assert dialog.isVisible() and dialog.result_login is None and dialog.error.isHidden()

    dialog.set_database(office.db)
    assert dialog.login_button.isEnabled() and dialog.opening.isHidden()
    assert dialog.height() == ready.height()  # the note's line is given back
    assert dialog.password.text() == ADMIN_PASSWORD  # what was typed while waiting stays
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == LoginDialog.DialogCode.Accepted
    assert dialog.result_login is not None and dialog.result_login.actor.login_id == "admin"
