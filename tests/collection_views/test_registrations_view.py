"""계좌신청 on screen: states with reasons and warnings, filters, 재신청 and 신청취소, the customer on double-click."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app.models import RegistrationState
from app.views.collection.registrations_view import RegistrationsPage
from app.views.customers.customer_detail import CustomerDetailDialog
from tests.collection_views.conftest import Boxes
from tests.collection_views.helpers import add_payer, at
from tests.factories import Office

LEFT = Qt.MouseButton.LeftButton
CHECKED = Qt.CheckState.Checked
AFTER_CUTOFF = at(date(2026, 11, 20), 15, 0)  # past today's 14:00: what is queued now goes on Monday


def _registrations(office: Office) -> None:
    db, cid = office.db, office.contract_id
    add_payer(db, cid, "2024001", "김민준", requested_on=date(2026, 10, 1))
    add_payer(db, cid, "2024002", "이서연", registration=RegistrationState.FAILED, reason_code="0012",
              requested_on=date(2026, 11, 10))
    add_payer(db, cid, "2024003", "박지호", bank="004", first="2026-12", registration=RegistrationState.WAITING,
              requested_on=date(2026, 11, 19))
    add_payer(db, cid, "2024004", "최하은", registration=RegistrationState.SENT, first="2026-12",
              requested_on=date(2026, 11, 18))
    add_payer(db, cid, "2024005", "정우진", day=25, first="2026-11", registration=RegistrationState.WAITING,
              requested_on=date(2026, 11, 20))


def _row(page: RegistrationsPage, customer_no: str, state: str | None = None) -> int:
    return next(i for i, r in enumerate(page.model.rows())
                if r.customer_no == customer_no and (state is None or r.state_text == state))


def _cell(page: RegistrationsPage, customer_no: str, header: str) -> str:
    return page.model.index(_row(page, customer_no), page.model.column_of(header)).data()


def test_states_reasons_warnings_and_the_manuals_red_notes(qtbot, office: Office, clerk, open_page) -> None:
    _registrations(office)
    page = open_page(RegistrationsPage, clerk, AFTER_CUTOFF)
    red = " ".join(label.text() for label in page.findChildren(QLabel) if label.objectName() == "warningText")
    assert "오후2시 전까지 계좌신청을 하셔야 다음날 오전 11시에 결과를 확인 하실 수 있습니다" in red
    assert "국민은행, 새마을금고의 계좌번호는 필히 계좌신청을 하셔야 합니다" in red
    assert [r.customer_no for r in page.model.rows()] == ["2024005", "2024003", "2024004", "2024002", "2024001"]
    assert {r.customer_no: r.state_text for r in page.model.rows()} == {
        "2024001": "계좌신청완료", "2024002": "계좌신청미완료", "2024003": "계좌신청대기", "2024004": "계좌신청중",
        "2024005": "계좌신청대기"}
    assert _cell(page, "2024002", "사유 · 주의") == "0012 계좌번호 오류"
    assert _cell(page, "2024002", "신청일") == "2026-11-10"
    assert "KB국민은행 계좌는 계좌신청이 완료되어야만 출금할 수 있습니다" in _cell(page, "2024003", "사유 · 주의")
    assert "다음 출금일 2026-11-25의 2영업일 전(11-23)까지 계좌신청이 끝나지 않습니다" in _cell(page, "2024005", "사유 · 주의")
    assert _cell(page, "2024001", "사유 · 주의") == ""
    assert page.totals.text() == ("총 5건 · 계좌신청대기 2건 · 계좌신청중 1건 · 계좌신청완료 1건 · 계좌신청미완료 1건 · "
                                  "주의 2건")
    page.table.selectRow(_row(page, "2024002"))
    assert "사유 0012 계좌번호 오류 → 계좌 정보를 확인하여 계좌신청을 다시 하세요" in page.detail.text()
    assert page.detail.objectName() == "warningText"
    # Done and in-flight registrations have nothing to act on: greyed, no box.
    for customer_no in ("2024001", "2024004"):
        assert page.model.index(_row(page, customer_no), 0).data(Qt.ItemDataRole.CheckStateRole) is None

    page.state_filter.setCurrentIndex(page.state_filter.findData(RegistrationState.FAILED.value))
    qtbot.mouseClick(page.search_button, LEFT)
    assert [r.customer_no for r in page.model.rows()] == ["2024002"]
    page.state_filter.setCurrentIndex(0)
    page.bank_filter.setCurrentIndex(page.bank_filter.findData("004"))
    qtbot.mouseClick(page.search_button, LEFT)
    assert [r.customer_no for r in page.model.rows()] == ["2024003"]
    page.bank_filter.setCurrentIndex(0)
    page.use_dates.setChecked(True)
    page.date_from.setDate(page.date_from.date().fromString("2026-11-18", "yyyy-MM-dd"))
    page.date_to.setDate(page.date_to.date().fromString("2026-11-19", "yyyy-MM-dd"))
    qtbot.mouseClick(page.search_button, LEFT)
    assert [r.customer_no for r in page.model.rows()] == ["2024003", "2024004"]


def test_requeue_a_rejected_one_and_withdraw_a_waiting_one(qtbot, office: Office, clerk, open_page,
                                                           boxes: Boxes) -> None:
    _registrations(office)
    page = open_page(RegistrationsPage, clerk)
    assert not page.requeue_button.isEnabled() and not page.withdraw_button.isEnabled()
    page.model.setData(page.model.index(_row(page, "2024002"), 0), CHECKED, Qt.ItemDataRole.CheckStateRole)
    assert page.requeue_button.text() == "재신청 (1건)" and not page.withdraw_button.isEnabled()
    qtbot.mouseClick(page.requeue_button, LEFT)
    assert page.status.text() == "재신청 1건을 처리했습니다."
    states = sorted(r.state_text for r in page.model.rows() if r.customer_no == "2024002")
    assert states == ["계좌신청대기", "계좌신청미완료"]
    old = page.model.row_at(_row(page, "2024002", "계좌신청미완료"))
    assert not old.can_requeue and not page.model.tickable(old)  # a newer registration exists now
    new = page.model.row_at(_row(page, "2024002", "계좌신청대기"))
    assert new.requested_on == date(2026, 11, 20)

    page.model.setData(page.model.index(_row(page, "2024003"), 0), CHECKED, Qt.ItemDataRole.CheckStateRole)
    assert page.withdraw_button.text() == "신청취소 (1건)"
    qtbot.mouseClick(page.withdraw_button, LEFT)
    assert boxes.asked and "계좌신청대기 1건을 취소할까요" in boxes.asked[0]
    assert page.status.text() == "신청취소 1건을 처리했습니다."
    assert _cell(page, "2024003", "신청현황") == "신청취소"


def test_double_click_opens_the_customer_to_fix_the_account(qtbot, office: Office, clerk, open_page) -> None:
    _registrations(office)
    page = open_page(RegistrationsPage, clerk)
    index = page.model.index(_row(page, "2024002"), page.model.column_of("고객명"))
    where = page.table.visualRect(index).center()
    qtbot.mouseClick(page.table.viewport(), LEFT, pos=where)  # a double click starts with a press
    qtbot.mouseDClick(page.table.viewport(), LEFT, pos=where)
    dialog = page.active_dialog
    assert isinstance(dialog, CustomerDetailDialog) and dialog.isVisible()
    assert dialog.customer_id == page.model.row_at(_row(page, "2024002")).customer_id
    dialog.reject()
    qtbot.waitUntil(lambda: page.active_dialog is None)


def test_a_viewer_sees_registrations_without_actions(office: Office, viewer, open_page) -> None:
    _registrations(office)
    page = open_page(RegistrationsPage, viewer)
    assert page.model.rowCount() == 5 and not page.model.has_ticks
    assert not page.requeue_button.isVisibleTo(page) and not page.withdraw_button.isVisibleTo(page)
