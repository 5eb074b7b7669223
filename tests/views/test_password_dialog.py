"""비밀번호 변경: weak passwords refused in Korean, a good one accepted, the forced first-login mode."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.services.common.errors import AuthError
from app.services.settings import users as auth
from app.views.shell.password_dialog import PasswordDialog
from tests.factories import ADMIN_BIRTH, ADMIN_PASSWORD, Office

LEFT = Qt.MouseButton.LeftButton


def make(qtbot, office: Office, *, forced: bool = False) -> PasswordDialog:
    dialog = PasswordDialog(office.db, office.admin, forced=forced)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def fill(qtbot, dialog: PasswordDialog, current: str, new: str, confirm: str) -> None:
    for widget, value in ((dialog.current, current), (dialog.new, new), (dialog.confirm, confirm)):
        widget.clear()
        qtbot.keyClicks(widget, value)


def test_the_rule_is_shown(qtbot, office: Office) -> None:
    dialog = make(qtbot, office)
    assert dialog.windowTitle() == "비밀번호 변경"
    texts = " ".join(w.text() for w in dialog.findChildren(type(dialog.error)))
    assert "8~64자" in texts and "영문과 숫자" in texts


@pytest.mark.parametrize("weak", ["abc12", "abcdefghij", "1234567890"])
def test_a_weak_password_is_refused_in_korean(qtbot, office: Office, weak: str) -> None:
    dialog = make(qtbot, office)
    fill(qtbot, dialog, ADMIN_PASSWORD, weak, weak)
    qtbot.mouseClick(dialog.change_button, LEFT)
    assert dialog.isVisible() and dialog.result() != PasswordDialog.DialogCode.Accepted
    assert not dialog.error.isHidden()
    assert dialog.error.text().startswith("새 비밀번호:")
    assert any("\uac00" <= ch <= "\ud7a3" for ch in dialog.error.text())  # Hangul, not an English trace
    # The old password still works.
    assert auth.login(office.db, office.institution_code, "admin", ADMIN_PASSWORD, ADMIN_BIRTH)


def test_the_two_new_entries_must_match(qtbot, office: Office) -> None:
    dialog = make(qtbot, office)
    fill(qtbot, dialog, ADMIN_PASSWORD, "goodPass123", "goodPass124")
    qtbot.mouseClick(dialog.change_button, LEFT)
    assert dialog.error.text().startswith("새 비밀번호 확인")
    assert dialog.confirm.text() == "" and dialog.new.text() == "goodPass123"


def test_a_wrong_current_password_is_named(qtbot, office: Office) -> None:
    dialog = make(qtbot, office)
    fill(qtbot, dialog, "notMine999", "goodPass123", "goodPass123")
    qtbot.mouseClick(dialog.change_button, LEFT)
    assert "현재 비밀번호" in dialog.error.text()
    assert dialog.current.text() == ""


def test_a_good_password_is_accepted_with_enter(qtbot, office: Office) -> None:
    dialog = make(qtbot, office)
    fill(qtbot, dialog, ADMIN_PASSWORD, "goodPass123", "goodPass123")
    qtbot.keyClick(dialog.confirm, Qt.Key.Key_Return)
    assert dialog.result() == PasswordDialog.DialogCode.Accepted
    assert auth.login(office.db, office.institution_code, "admin", "goodPass123", ADMIN_BIRTH)
    with pytest.raises(AuthError):
        auth.login(office.db, office.institution_code, "admin", ADMIN_PASSWORD, ADMIN_BIRTH)


def test_forced_mode_explains_and_its_only_way_out_is_logout(qtbot, office: Office) -> None:
    dialog = make(qtbot, office, forced=True)
    assert dialog.windowTitle() == "비밀번호 변경 필요"
    texts = " ".join(w.text() for w in dialog.findChildren(type(dialog.error)))
    assert "000000" in texts and "로그아웃" in texts
    assert dialog.cancel_button.text() == "로그아웃"
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == PasswordDialog.DialogCode.Rejected


def test_forced_mode_clears_must_change(qtbot, office: Office) -> None:
    auth.reset_password(office.db, office.admin, office.admin.user_id or 0)
    assert auth.login(office.db, office.institution_code, "admin", "000000", ADMIN_BIRTH).must_change_password
    dialog = make(qtbot, office, forced=True)
    fill(qtbot, dialog, "000000", "fresh2024x", "fresh2024x")
    qtbot.mouseClick(dialog.change_button, LEFT)
    assert dialog.result() == PasswordDialog.DialogCode.Accepted
    assert not auth.login(office.db, office.institution_code, "admin", "fresh2024x", ADMIN_BIRTH).must_change_password
