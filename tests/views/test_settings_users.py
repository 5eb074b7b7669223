"""사용자관리 on screen: add, edit, reset, lock, deactivate, and what a 조회 user may see."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox

from app.models import Role
from app.services.common.session import Actor
from app.services.settings import users as auth
from app.views.common.context import AppContext
from app.views.settings.user_dialog import UserDialog
from app.views.settings.users_view import UsersPage, user_status
from tests.factories import Office, add_user

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def answers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Confirmations say yes; a warning box would block, so it is recorded instead and must stay empty."""
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *a, **k: warnings.append(text))
    yield warnings
    assert not warnings, f"unexpected warning boxes: {warnings}"


def open_page(qtbot, office: Office, actor: Actor | None = None) -> UsersPage:
    page = UsersPage(AppContext(office.db, actor or office.admin, office.contract_id))
    qtbot.addWidget(page)
    page.resize(1000, 600)
    page.show()
    qtbot.waitExposed(page)
    return page


def row_of(page: UsersPage, login_id: str) -> auth.UserRow:
    return next(r for r in page.model.rows() if r.login_id == login_id)


def test_admin_adds_a_user_through_the_dialog(qtbot, office: Office) -> None:
    page = open_page(qtbot, office)
    assert [r.login_id for r in page.model.rows()] == ["admin"]
    qtbot.mouseClick(page.add_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, UserDialog) and dialog.isVisible()
    assert "000000" in " ".join(label.text() for label in dialog.findChildren(QLabel))
    qtbot.keyClicks(dialog.login_id, "kim01")
    dialog.name.setText("김담당")
    dialog.role.setCurrentIndex(dialog.role.findData(Role.CLERK.value))
    qtbot.keyClicks(dialog.birth_date, "950101")
    qtbot.keyClicks(dialog.phone, "010-1234-5678")
    qtbot.mouseClick(dialog.save_button, LEFT)

    row = row_of(page, "kim01")
    assert (row.name, row.role, user_status(row)) == ("김담당", Role.CLERK, "비밀번호 변경 필요")
    assert page.model.rowCount() == 2
    assert page.selected_user() is not None and page.selected_user().login_id == "kim01"
    assert "kim01" in page.status.text()


def test_a_refused_field_is_named_and_the_dialog_keeps_what_was_typed(qtbot, office: Office) -> None:
    page = open_page(qtbot, office)
    qtbot.mouseClick(page.add_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, UserDialog)
    qtbot.keyClicks(dialog.login_id, "park02")
    dialog.name.setText("박담당")
    qtbot.keyClicks(dialog.birth_date, "991399")  # month 13
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.isVisible()
    assert not dialog.error.isHidden()
    assert dialog.error.text().startswith("생년월일")
    assert (dialog.login_id.text(), dialog.name.text()) == ("park02", "박담당")
    assert page.model.rowCount() == 1

    dialog.login_id.setText("ab")  # too short
    dialog.birth_date.setText("990101")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.isVisible() and dialog.error.text().startswith("사용자 ID")


def test_edit_keeps_the_id_read_only(qtbot, office: Office) -> None:
    add_user(office, "lee03", Role.CLERK)
    page = open_page(qtbot, office)
    page.select_login("lee03")
    qtbot.mouseClick(page.edit_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, UserDialog)
    assert dialog.login_id.isReadOnly() and dialog.login_id.text() == "lee03"
    assert any("ID는 수정할 수 없습니다" in label.text() for label in dialog.findChildren(QLabel))
    dialog.name.setText("이수정")
    dialog.role.setCurrentIndex(dialog.role.findData(Role.VIEWER.value))
    qtbot.mouseClick(dialog.save_button, LEFT)
    row = row_of(page, "lee03")
    assert (row.name, row.role) == ("이수정", Role.VIEWER)


def test_double_click_opens_the_edit_dialog(qtbot, office: Office) -> None:
    page = open_page(qtbot, office)
    index = page.model.index(0, 1)
    rect = page.table.visualRect(index)
    # QTest's double click alone does not set the view's pressed index; a click first, as a hand would.
    qtbot.mouseClick(page.table.viewport(), LEFT, pos=rect.center())
    qtbot.mouseDClick(page.table.viewport(), LEFT, pos=rect.center())
    assert isinstance(page.active_dialog, UserDialog)
    assert page.active_dialog.user is not None and page.active_dialog.user.login_id == "admin"


def test_reset_password_asks_first_and_sets_must_change(qtbot, office: Office, monkeypatch) -> None:
    clerk = add_user(office, "choi04", Role.CLERK)
    page = open_page(qtbot, office)
    page.select_login("choi04")
    assert user_status(row_of(page, "choi04")) == "사용"

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    qtbot.mouseClick(page.reset_button, LEFT)
    assert user_status(row_of(page, "choi04")) == "사용"

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(page.reset_button, LEFT)
    assert user_status(row_of(page, "choi04")) == "비밀번호 변경 필요"
    assert auth.get_user(office.db, office.admin, clerk.user_id or 0).must_change_password
    assert "000000" in page.status.text()


def test_lock_and_unlock(qtbot, office: Office) -> None:
    add_user(office, "jung05", Role.CLERK)
    page = open_page(qtbot, office)
    page.select_login("jung05")
    assert page.lock_button.text() == "잠금"
    qtbot.mouseClick(page.lock_button, LEFT)
    assert user_status(row_of(page, "jung05")) == "잠김"
    assert page.selected_user().login_id == "jung05"
    assert page.lock_button.text() == "잠금 해제"
    qtbot.mouseClick(page.lock_button, LEFT)
    assert user_status(row_of(page, "jung05")) == "사용"
    assert page.lock_button.text() == "잠금"


def test_deactivate_and_resume(qtbot, office: Office) -> None:
    add_user(office, "kang06", Role.VIEWER)
    page = open_page(qtbot, office)
    page.select_login("kang06")
    qtbot.mouseClick(page.active_button, LEFT)
    assert user_status(row_of(page, "kang06")) == "사용중지"
    assert page.active_button.text() == "사용 재개"
    qtbot.mouseClick(page.active_button, LEFT)
    assert user_status(row_of(page, "kang06")) == "사용"


def test_admin_cannot_lock_or_stop_themself(qtbot, office: Office) -> None:
    page = open_page(qtbot, office)
    page.select_login("admin")
    assert not page.lock_button.isEnabled() and not page.active_button.isEnabled()


def test_viewer_sees_only_their_own_row_and_no_admin_buttons(qtbot, office: Office) -> None:
    add_user(office, "other07", Role.CLERK)
    viewer = add_user(office, "view08", Role.VIEWER)
    page = open_page(qtbot, office, viewer)
    assert [r.login_id for r in page.model.rows()] == ["view08"]
    for button in (page.add_button, page.edit_button, page.reset_button, page.lock_button, page.active_button):
        assert not button.isVisible()
    assert page.self_button.isVisible()

    qtbot.mouseClick(page.self_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, UserDialog)
    assert dialog.windowTitle() == "사용자정보수정"
    assert dialog.login_id.isReadOnly() and not dialog.role.isEnabled()
    assert dialog.password_button is not None and dialog.password_button.isVisible()
    dialog.name.setText("조회 담당자")
    dialog.email.setText("view08@example.com")
    qtbot.mouseClick(dialog.save_button, LEFT)
    row = row_of(page, "view08")
    assert (row.name, row.email, row.role) == ("조회 담당자", "view08@example.com", Role.VIEWER)


def test_own_password_change_from_the_user_dialog(qtbot, office: Office) -> None:
    clerk = add_user(office, "han09", Role.CLERK, password="clerk1234")
    page = open_page(qtbot, office, clerk)
    qtbot.mouseClick(page.self_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, UserDialog) and dialog.password_button is not None
    qtbot.mouseClick(dialog.password_button, LEFT)
    password_dialog = dialog.password_dialog
    assert password_dialog is not None and password_dialog.isVisible()
    qtbot.keyClicks(password_dialog.current, "clerk1234")
    qtbot.keyClicks(password_dialog.new, "hanNew2024")
    qtbot.keyClicks(password_dialog.confirm, "hanNew2024")
    qtbot.keyClick(password_dialog.confirm, Qt.Key.Key_Return)
    assert password_dialog.result() == password_dialog.DialogCode.Accepted
    result = auth.login(office.db, office.institution_code, "han09", "hanNew2024", "900505")
    assert result.actor.login_id == "han09"
