"""현금영수증 on screen: the receipt fields of 현금수납관리, and the 현금영수증관리 page for a clerk and a viewer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from sqlalchemy import select

from app.models import Payment
from app.services.collection import cash
from app.views.collection.cash_receipts_view import NO_CONTRACT, CashReceiptDialog, CashReceiptsPage
from app.views.collection.cash_view import RECEIPT_DUE, RECEIPT_LATER, CashPage
from tests.cash_receipts.conftest import PAID_ON, Boxes, CashPayment, Clock, shot
from tests.collection.helpers import at
from tests.factories import Office

LEFT = Qt.MouseButton.LeftButton
DAY_6 = date(2026, 12, 7)


def _receipt(office: Office) -> list[tuple[int, str | None, date | None, bool]]:
    with office.db.session() as s:
        return [(p.amount, p.cash_receipt_no, p.cash_receipt_on, p.cash_receipt_self)
                for p in s.scalars(select(Payment).where(Payment.method == "CASH").order_by(Payment.id))]


def _owing(office: Office, clerk, cash_payment: CashPayment, amount: int) -> None:
    """A payer whose failed debit of `amount` is waiting for cash: paid once, then reversed by the administrator."""
    paid = cash_payment("S001", "김민준", amount)
    cash.reverse_cash(office.db, office.admin, paid, "수납일 다시 입력", on=PAID_ON)


def test_the_cash_form_takes_a_receipt_and_reminds_of_the_duty(qtbot, office: Office, clerk, open_page, request,
                                                              cash_payment: CashPayment, boxes: Boxes) -> None:
    _owing(office, clerk, cash_payment, 120_000)
    page = open_page(CashPage, clerk, Clock(at(date(2026, 12, 2), 10)))
    page.table.selectRow(0)
    assert page.amount.text() == "120,000"
    assert page.receipt_hint.text() == RECEIPT_DUE and page.receipt_hint.objectName() == "warningText"
    page.amount.setText("99,999")
    assert page.receipt_hint.text() == RECEIPT_LATER and page.receipt_hint.objectName() == "hintText"
    page.amount.setText("120,000")
    page.receipt_no.setText("12345")
    shot(page, "cash_receipts_cash_form.png", request)
    qtbot.mouseClick(page.receive_button, LEFT)
    assert boxes.take() == ["현금영수증 승인번호는 숫자 9자리입니다 (입력한 번호는 5자리)."]
    assert [r[0] for r in _receipt(office)] == [120_000, 120_000]  # the first receipt and its reversal only

    page.receipt_no.setText("135-792-468")
    page.receipt_on.setDate(QDate(2026, 12, 2))
    qtbot.mouseClick(page.receive_button, LEFT)
    assert "현금영수증 발급도 기록했습니다." in page.status.text()
    assert _receipt(office)[-1] == (120_000, "135792468", date(2026, 12, 2), False)
    assert page.receipt_no.text() == "" and not page.receipt_self.isChecked()
    column = page.payments_model.column_of("현금영수증")
    texts = [page.payments_model.index(i, column).data() for i in range(page.payments_model.rowCount())]
    assert texts == ["", "발급 12-02"]  # the reversed receipt needs none; the new one has its receipt


def test_the_cash_form_records_a_self_issued_receipt(qtbot, office: Office, clerk, open_page,
                                                     cash_payment: CashPayment) -> None:
    _owing(office, clerk, cash_payment, 150_000)
    page = open_page(CashPage, clerk, Clock(at(date(2026, 12, 2), 10)))
    page.table.selectRow(0)
    page.receipt_self.setChecked(True)
    page.receipt_on.setDate(QDate(2026, 12, 2))
    qtbot.mouseClick(page.receive_button, LEFT)
    assert _receipt(office)[-1] == (150_000, None, date(2026, 12, 2), True)


def test_the_page_lists_the_overdue_receipt_and_records_it(qtbot, office: Office, clerk, open_page, request,
                                                           cash_payment: CashPayment, boxes: Boxes,
                                                           tmp_path: Path) -> None:
    cash_payment("S001", "김민준", 120_000, mobile="010-2345-6789", student="김하준")
    cash_payment("S002", "이서연", 280_000, paid_on=date(2026, 12, 4))
    cash_payment("S003", "박지호", 99_999)
    page = open_page(CashReceiptsPage, clerk, Clock(at(DAY_6, 10)))
    assert [r.customer_no for r in page.model.rows()] == ["S001", "S002"]
    state = page.model.column_of("상태")
    assert [page.model.index(i, state).data() for i in range(2)] == ["기한 경과 1일", "기한 내 (D-2)"]
    assert page.model.index(0, page.model.column_of("가산세")).data() == "24,000원"
    assert page.totals_label.text() == "총 2건 (기한 경과 1건) · 금액 합계 400,000원 · 걸려 있는 가산세 80,000원"
    shot(page, "cash_receipts_page.png", request)

    page.start_export(tmp_path / "홈택스.xlsx")
    qtbot.waitUntil(lambda: page.export_job is None, timeout=10_000)
    assert page.status.text().startswith("발급할 현금영수증 2건(400,000원)을 ")
    assert (tmp_path / "홈택스.xlsx").exists()

    page.table.selectRow(0)
    qtbot.mouseClick(page.enter_button, LEFT)
    dialog = page.active_dialog
    assert isinstance(dialog, CashReceiptDialog)
    dialog.resize(dialog.sizeHint())
    dialog.approval_no.setText("1234567")
    dialog.issued_on.setDate(QDate(2026, 12, 5))
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.isVisible() and dialog.error.text() == "현금영수증 승인번호는 숫자 9자리입니다 (입력한 번호는 7자리)."
    shot(dialog, "cash_receipts_dialog.png", request)
    assert _receipt(office)[0][1:] == (None, None, False)
    dialog.approval_no.setText("123456789")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert page.status.text() == "김민준(S001) 120,000원: 현금영수증(2026-12-05) 발급을 기록했습니다."
    assert [r.customer_no for r in page.model.rows()] == ["S002"]
    assert page.totals_label.text() == "총 1건 · 금액 합계 280,000원 · 걸려 있는 가산세 56,000원"

    page.show_all.setChecked(True)
    assert [r.customer_no for r in page.model.rows()] == ["S001", "S002"]
    assert page.model.index(0, state).data() == "발급완료"
    assert page.model.index(0, page.model.column_of("현금영수증")).data() == "123456789 · 12-05"
    page.table.selectRow(0)
    assert page.selected_label.text() == "김민준(S001) · 2026-12-01 현금 120,000원 · 발급완료 · clerk1 입력"
    assert page.enter_button.text() == "발급 수정" and page.clear_button.isEnabled()
    qtbot.mouseClick(page.clear_button, LEFT)
    assert boxes.asked and "현금영수증 기록(123456789)을 지울까요?" in boxes.asked[-1]
    assert page.status.text() == "김민준(S001): 현금영수증 기록을 지웠습니다. 다시 발급 대상으로 나옵니다."
    assert page.model.index(0, state).data() == "기한 경과 1일"

    page.only_missing.setChecked(True)
    page.search.setText("하준")
    page.search_button.click()
    assert [r.customer_no for r in page.model.rows()] == ["S001"]
    page.search.setText("없는고객")
    page.search_button.click()
    assert page.model.rowCount() == 0 and page.empty.message == "조건에 맞는 현금수납이 없습니다."


def test_a_viewer_sees_the_list_and_no_buttons(qtbot, office: Office, viewer, open_page,
                                               cash_payment: CashPayment) -> None:
    cash_payment("S001", "김민준", 120_000)
    page = open_page(CashReceiptsPage, viewer, Clock(at(DAY_6, 10)))
    assert page.model.rowCount() == 1
    assert page.totals_label.text() == "총 1건 (기한 경과 1건) · 금액 합계 120,000원 · 걸려 있는 가산세 24,000원"
    for button in (page.enter_button, page.clear_button, page.export_button):
        assert not button.isVisibleTo(page)
    page.table.selectRow(0)
    page.enter_receipt()
    assert page.active_dialog is None


def test_without_a_contract_the_page_only_says_so(qtbot, office: Office, clerk, open_page, request) -> None:
    page = open_page(CashReceiptsPage, clerk, Clock(at(DAY_6, 10)), contract_id=None)
    assert page.no_contract.isVisible() and page.no_contract.text() == NO_CONTRACT
    assert not page.content.isVisible()
    shot(page, "cash_receipts_no_contract.png", request)


def test_nothing_to_issue_says_where_issued_ones_are(qtbot, office: Office, clerk, open_page) -> None:
    page = open_page(CashReceiptsPage, clerk, Clock(at(DAY_6, 10)))
    assert page.empty.message == "발급할 현금영수증이 없습니다" and not page.export_button.isEnabled()
    page.show_all.setChecked(True)
    assert page.empty.message == "100,000원 이상 현금수납이 없습니다"


def test_the_home_screen_shows_the_overdue_line_and_opens_the_page(qtbot, office: Office, clerk, open_page, request,
                                                                   cash_payment: CashPayment) -> None:
    from app.views.shell.home_view import HomePage

    cash_payment("S001", "김민준", 120_000)
    home = open_page(HomePage, clerk, Clock(at(DAY_6, 9)))
    opened: list[str] = []
    home.ctx.signals.open_page.connect(opened.append)
    assert "cash_receipts" in home.work_buttons
    shot(home, "cash_receipts_home.png", request)
    home.work_buttons["cash_receipts"].click()
    assert opened == ["collection.cash_receipts"]
