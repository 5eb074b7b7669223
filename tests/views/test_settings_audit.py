"""감사기록: a login shows up; filters narrow the list; only administrators have the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from app.models import Role
from app.services.common.errors import AuthError, PermissionDeniedError
from app.services.settings import users as auth
from app.views.common.context import AppContext
from app.views.settings.audit_view import AuditPage, detail_text
from tests.factories import ADMIN_BIRTH, ADMIN_PASSWORD, Office, add_user

LEFT = Qt.MouseButton.LeftButton


def open_page(qtbot, office: Office) -> AuditPage:
    page = AuditPage(AppContext(office.db, office.admin, office.contract_id))
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    qtbot.waitExposed(page)
    return page


def actions(page: AuditPage) -> list[str]:
    return [page.model.index(i, 2).data() for i in range(page.model.rowCount())]


def test_a_login_is_listed(qtbot, office: Office) -> None:
    auth.login(office.db, office.institution_code, "admin", ADMIN_PASSWORD, ADMIN_BIRTH)
    page = open_page(qtbot, office)
    assert "로그인" in actions(page)
    row = next(i for i in range(page.model.rowCount()) if page.model.index(i, 2).data() == "로그인")
    assert page.model.index(row, 1).data() == "admin"
    assert page.model.index(row, 0).data().count(":") == 2  # 일시 with seconds
    assert page.model.index(row, 5).data()  # the PC's name
    assert page.count.text().startswith(f"{page.model.rowCount()}건")


def test_filters_by_action_and_user(qtbot, office: Office) -> None:
    add_user(office, "clerk3", Role.CLERK)
    auth.login(office.db, office.institution_code, "admin", ADMIN_PASSWORD, ADMIN_BIRTH)
    with pytest.raises(AuthError):
        auth.login(office.db, office.institution_code, "clerk3", "wrong-pass1", "900505")
    page = open_page(qtbot, office)
    page.action.setCurrentIndex(page.action.findData("login_failed"))
    qtbot.mouseClick(page.search_button, LEFT)
    assert actions(page) == ["로그인 실패"]
    assert "실패 횟수: 1" in page.model.index(0, 4).data()

    page.action.setCurrentIndex(0)
    page.user.setEditText("admin")
    qtbot.keyClick(page.user.lineEdit(), Qt.Key.Key_Return)
    assert page.model.rowCount() >= 2
    assert {page.model.index(i, 1).data() for i in range(page.model.rowCount())} == {"admin"}


def test_a_period_before_today_is_empty(qtbot, office: Office) -> None:
    auth.login(office.db, office.institution_code, "admin", ADMIN_PASSWORD, ADMIN_BIRTH)
    page = open_page(qtbot, office)
    page.date_to.setDate(page.date_from.date().addDays(-1))
    page.date_from.setDate(page.date_to.date().addDays(-(timedelta(days=30).days)))
    qtbot.mouseClick(page.search_button, LEFT)
    assert page.model.rowCount() == 0 and page.count.text().startswith("0건")


def test_default_period_is_the_last_seven_days(qtbot, office: Office) -> None:
    page = open_page(qtbot, office)
    assert page.date_from.date().daysTo(page.date_to.date()) == 6


def test_only_administrators_have_the_page(office: Office) -> None:
    clerk = add_user(office, "clerk4", Role.CLERK)
    with pytest.raises(PermissionDeniedError):
        AuditPage(AppContext(office.db, clerk, office.contract_id))


def test_detail_is_readable() -> None:
    assert detail_text('{"role": "CLERK->ADMIN", "name": "changed"}') == "권한: 담당자 → 관리자, 이름: 변경"
    assert detail_text('{"reason": "unknown user"}') == "사유: 없는 사용자"
    assert detail_text("") == ""
