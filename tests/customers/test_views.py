"""The customer screens driven the way a clerk drives them (pytest-qt), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from app.models import AccountRegistration, AuditLog, RegistrationState, Role
from app.services.common.calendar import SEOUL
from app.services.common.crypto import DataKey
from app.services.common.session import Actor
from app.services.customers import records as customers
from app.views.common.context import AppContext
from app.views.customers.agreement_dialog import AgreementDialog, EndAgreementDialog
from app.views.customers.customer_detail import CustomerDetailDialog
from app.views.customers.customer_dialog import CustomerDialog, IndustryDialog
from app.views.customers.customers_view import CustomersPage
from tests.customers.conftest import RESIDENT, bulk_customers, person
from tests.factories import Office, add_user

LEFT = Qt.MouseButton.LeftButton
NOW = datetime(2026, 11, 27, 10, 30, tzinfo=SEOUL)


@pytest.fixture(autouse=True)
def no_blocking_boxes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A warning box would block the test; record it instead. Tested paths must not need one."""
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: shown.append(text))
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text, *a, **k: shown.append(text))
    yield shown
    assert not shown, f"unexpected message boxes: {shown}"


def open_page(qtbot, office: Office, key: DataKey, actor: Actor | None = None) -> CustomersPage:
    page = CustomersPage(AppContext(office.db, actor or office.admin, office.contract_id, key, clock=lambda: NOW))
    qtbot.addWidget(page)
    page.resize(1280, 720)
    page.show()
    qtbot.waitExposed(page)
    return page


def test_the_list_loads_one_page_and_fetches_more_as_it_scrolls(qtbot, office: Office, key: DataKey) -> None:
    bulk_customers(office.db, office, key, 450)
    page = open_page(qtbot, office, key)
    assert page.total_label.text() == "총 450명"
    assert page.model.rowCount() == 200 and page.model.canFetchMore()
    page.table.scrollToBottom()  # the view asks for the next page itself
    qtbot.waitUntil(lambda: page.model.rowCount() == 400)
    page.model.fetchMore()
    assert page.model.rowCount() == 450 and not page.model.canFetchMore()
    assert page.model.data(page.model.index(0, 7)) == "****0001"  # accounts masked on screen


def test_search_by_name_and_by_account_number(qtbot, office: Office, key: DataKey) -> None:
    bulk_customers(office.db, office, key, 40)
    page = open_page(qtbot, office, key)
    page.search.insert("고객000017")  # Hangul arrives committed from the IME; QTest types ASCII only
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    assert page.total_label.text() == "총 1명" and page.model.row_at(0).customer_no == "B000017"  # type: ignore[union-attr]
    page.search.clear()
    qtbot.keyClicks(page.search, "3333-0000-0023")
    qtbot.waitUntil(lambda: page.model.row_at(0).customer_no == "B000023")  # type: ignore[union-attr] # after the pause
    assert page.total_label.text() == "총 1명"


def test_header_click_sorts_on_the_server_and_filters_apply_at_once(qtbot, office: Office, key: DataKey) -> None:
    bulk_customers(office.db, office, key, 12)
    page = open_page(qtbot, office, key)
    header = page.table.horizontalHeader()
    header.sectionClicked.emit(0)  # what a click does: toggles the indicator on 고객번호
    header.setSortIndicator(0, Qt.SortOrder.DescendingOrder)
    assert page.model.query.descending and page.model.row_at(0).customer_no == "B000012"  # type: ignore[union-attr]
    header.setSortIndicator(5, Qt.SortOrder.AscendingOrder)  # 집금항목: not sortable
    assert page.model.query.sort == "customer_no" and "정렬할 수 없습니다" in page.status.text()
    assert header.sortIndicatorSection() == 0
    page.grade_filter.setCurrentIndex(page.grade_filter.findText("등급3"))
    assert page.total_label.text() == "총 2명"
    page.state_filter.setCurrentIndex(page.state_filter.findText("계좌신청완료"))
    assert page.total_label.text() == "총 0명"  # bulk rows have no registration yet


def test_new_customer_shows_korean_errors_inline_and_keeps_the_input(qtbot, office: Office, key: DataKey) -> None:
    page = open_page(qtbot, office, key)
    qtbot.mouseClick(page.new_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, CustomerDialog) and dialog.isVisible()
    dialog.customer_no.setText("")
    qtbot.keyClicks(dialog.customer_no, "2026-001")
    dialog.name.insert("김하늘")
    qtbot.keyClicks(dialog.resident_no, "900231-1234567")
    qtbot.keyClicks(dialog.mobile, "01098765432")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.isVisible() and dialog.error.isVisible()
    assert dialog.error.text().startswith("주민등록번호:") and "생년월일" in dialog.error.text()
    assert (dialog.name.text(), dialog.mobile.text(), dialog.resident_no.text()) == ("김하늘", "01098765432", "900231-1234567")
    assert dialog.focusWidget() is dialog.resident_no
    dialog.resident_no.setText("900101-1234567")  # a wrong check digit: warned once, saved on the second press
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.isVisible() and "검증번호" in dialog.warning.text()
    qtbot.mouseClick(dialog.save_button, LEFT)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert isinstance(page.active_dialog, CustomerDetailDialog)  # next step: its 이체정보, as in the manual
    detail = page.active_dialog.detail
    assert detail is not None and (detail.customer_no, detail.mobile, detail.resident_masked) == (
        "2026-001", "010-9876-5432", "900101-1******")
    assert page.total_label.text() == "총 1명"


def test_a_taken_number_and_a_stale_edit_are_refused_in_the_dialog(qtbot, office: Office, key: DataKey) -> None:
    customer_id = customers.create_customer(office.db, office.admin, office.contract_id, person(), key).id
    ctx = AppContext(office.db, office.admin, office.contract_id, key, clock=lambda: NOW)
    new = CustomerDialog(ctx, None)
    qtbot.addWidget(new)
    new.customer_no.setText("C-001")
    new.name.setText("동명이인")
    new.save()
    assert "이미 있습니다" in new.error.text() and new.focusWidget() is new.customer_no

    edit = CustomerDialog(ctx, customers.get_customer_detail(office.db, office.admin, customer_id))
    qtbot.addWidget(edit)
    assert edit.customer_no.isReadOnly() and edit.resident_no.text() == ""
    other = customers.get_customer_detail(office.db, office.admin, customer_id)  # a second clerk saves first
    changed = other.form()
    changed.grade = "중등1"
    customers.update_customer(office.db, office.admin, customer_id, changed, version_id=other.version_id, data_key=key)
    edit.memo.setPlainText("통화함")
    edit.save()
    assert "다른 사용자가 먼저" in edit.error.text() and edit.memo.toPlainText() == "통화함"


def test_industry_search_fills_the_field(qtbot, office: Office, key: DataKey) -> None:
    dialog = CustomerDialog(AppContext(office.db, office.admin, office.contract_id, key, clock=lambda: NOW))
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.industry_button, LEFT)
    search = dialog.industry_dialog
    assert isinstance(search, IndustryDialog) and search.list.count() >= 60
    search.search.insert("아파트")
    assert search.list.count() == 1
    qtbot.keyClick(search.search, Qt.Key.Key_Return)
    assert dialog.industry.text() == "아파트 관리사무소"


def _detail(qtbot, office: Office, key: DataKey, actor: Actor, customer_id: int) -> CustomerDetailDialog:
    dialog = CustomerDetailDialog(AppContext(office.db, actor, office.contract_id, key, clock=lambda: NOW), customer_id)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_agreement_dialog_computes_the_discount_warns_and_queues_the_registration(qtbot, office: Office, key: DataKey) -> None:
    customer_id = customers.create_customer(office.db, office.admin, office.contract_id,
                                            person(representative="홍아빠"), key).id
    detail = _detail(qtbot, office, key, office.admin, customer_id)
    qtbot.mouseClick(detail.add_button, LEFT)
    dialog = detail.active_dialog
    assert isinstance(dialog, AgreementDialog) and dialog.holder_name.text() == "홍아빠"
    qtbot.keyClicks(dialog.debit_limit, "100000")
    qtbot.keyClicks(dialog.monthly_amount, "123456")
    dialog.discount_rate.setValue(15)
    assert dialog.discount_amount.text() == "18,518" and dialog.discount_amount.isReadOnly()
    assert dialog.net_label.text().startswith("104,938원")
    dialog.bank.setCurrentIndex(dialog.bank.findData("004"))
    assert "KB국민은행" in dialog.notice.text() and "계좌신청" in dialog.notice.text()
    assert "마감" in dialog.timing.text()  # the registration completes before D-2 of December's first debit
    qtbot.keyClicks(dialog.account_no, "123-45-678901")
    qtbot.keyClicks(dialog.holder_id, "700101")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.error.text().startswith("월이체금액:") and dialog.monthly_amount.text() == "123456"
    dialog.debit_limit.setText("500,000")
    qtbot.mouseClick(dialog.save_button, LEFT)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    row = detail.agreement_model.rows()[0]
    assert (row.discount_amount, row.account_masked, row.registration_state) == (18_518, "****8901", RegistrationState.WAITING)
    assert "계좌신청(신규)" in detail.done_message


def test_first_debit_too_close_is_warned(qtbot, office: Office, key: DataKey) -> None:
    customer_id = customers.create_customer(office.db, office.admin, office.contract_id, person(), key).id
    detail = _detail(qtbot, office, key, office.admin, customer_id)
    late = datetime(2026, 12, 2, 15, 0, tzinfo=SEOUL)
    dialog = AgreementDialog(AppContext(office.db, office.admin, office.contract_id, key, clock=lambda: late),
                             customers.get_customer_detail(office.db, office.admin, customer_id))
    qtbot.addWidget(dialog)
    dialog.first_month.setDate(dialog.first_month.date().addMonths(-1))  # December 2026, first debit on the 7th
    assert "마칠 수 없습니다" in dialog.notice.text()
    detail.close()


def test_masks_on_screen_and_only_the_admin_reveals_audited(qtbot, office: Office, key: DataKey) -> None:
    from app.services.customers import agreements
    from tests.customers.conftest import TODAY, agreement, item_ids

    customer_id = customers.create_customer(office.db, office.admin, office.contract_id, person(resident_no=RESIDENT), key).id
    agreements.create_agreement(office.db, office.admin, customer_id, agreement(item_ids(office.db, office)["수강료"]),
                                data_key=key, today=TODAY)
    for role, login in ((Role.CLERK, "clerk1"), (Role.VIEWER, "viewer1")):
        dialog = _detail(qtbot, office, key, add_user(office, login, role, birth="910101"), customer_id)
        assert not dialog.reveal_button.isVisible()
        assert dialog.values["주민(사업자)번호"].text() == "900101-1******"
        assert dialog.agreement_model.data(dialog.agreement_model.index(0, 7)) == "****4321"
        assert dialog.add_button.isVisible() is (role is Role.CLERK)
        dialog.close()
    admin = _detail(qtbot, office, key, office.admin, customer_id)
    assert admin.reveal_button.isVisible() and admin.values["주민(사업자)번호"].text() == "900101-1******"
    qtbot.mouseClick(admin.reveal_button, LEFT)
    assert admin.values["주민(사업자)번호"].text() == "900101-1234568"
    assert admin.agreement_model.data(admin.agreement_model.index(0, 7)) == "3560987654321"
    with office.db.session() as s:
        log = s.scalars(select(AuditLog).where(AuditLog.action == "personal_data_revealed")).one()
        assert (log.login_id, log.target) == ("admin", "C-001")
    admin.close()
    assert admin.revealed is None


def test_ending_an_agreement_from_the_detail(qtbot, office: Office, key: DataKey) -> None:
    from app.services.customers import agreements
    from tests.customers.conftest import TODAY, agreement, item_ids

    customer_id = customers.create_customer(office.db, office.admin, office.contract_id, person(), key).id
    agreements.create_agreement(office.db, office.admin, customer_id, agreement(item_ids(office.db, office)["수강료"]),
                                data_key=key, today=TODAY)
    detail = _detail(qtbot, office, key, office.admin, customer_id)
    qtbot.mouseClick(detail.end_button, LEFT)
    dialog = detail.active_dialog
    assert isinstance(dialog, EndAgreementDialog)
    qtbot.mouseClick(dialog.end_button, LEFT)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert detail.agreement_model.rows()[0].status.label == "해지" and not detail.end_button.isEnabled()
    with office.db.session() as s:
        assert s.scalars(select(AccountRegistration.state)).all() == [RegistrationState.WITHDRAWN]


def test_export_runs_in_the_background_masked_for_a_clerk(qtbot, office: Office, key: DataKey, tmp_path: Path) -> None:
    bulk_customers(office.db, office, key, 30)
    clerk = add_user(office, "clerk1", Role.CLERK)
    page = open_page(qtbot, office, key, clerk)
    assert not page.unmasked.isVisible() and page.export_button.isVisible()
    target = tmp_path / "고객.xlsx"
    page.ask_export_path = lambda: str(target)  # type: ignore[method-assign]
    qtbot.mouseClick(page.export_button, LEFT)
    qtbot.waitUntil(lambda: page.last_export is not None, timeout=10_000)
    assert "30명" in page.status.text() and not page.progress.isVisible() and page.export_button.isEnabled()
    rows = list(load_workbook(target).active.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 30 and rows[0][10] == "****0001"


def test_a_viewer_reads_but_does_not_register(qtbot, office: Office, key: DataKey) -> None:
    page = open_page(qtbot, office, key, add_user(office, "viewer1", Role.VIEWER, birth="910101"))
    assert not page.new_button.isVisible() and page.export_button.isVisible() and not page.unmasked.isVisible()
