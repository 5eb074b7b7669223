"""현금수납관리 on screen: failed, outstanding charges; partial and full receipts; refusals; reversal."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.views.collection.cash_view import CASH_NOTE, CashPage
from tests.collection_views.conftest import Boxes
from tests.collection_views.helpers import add_payer, failed_fifth
from tests.factories import Office

LEFT = Qt.MouseButton.LeftButton


def _failures(office: Office, actor) -> None:
    db, cid = office.db, office.contract_id
    payers = [add_payer(db, cid, "2024001", "김민준"), add_payer(db, cid, "2024002", "이서연", monthly=250_000),
              add_payer(db, cid, "2024003", "박지호", monthly=280_000)]
    failed_fifth(db, actor, cid, payers, reasons={"2024001": "0021", "2024002": "0031"}, debited={"2024003": 280_000})


def _select(page: CashPage, customer_no: str) -> None:
    page.table.selectRow(next(i for i, r in enumerate(page.model.rows()) if r.customer_no == customer_no))


def test_cash_over_the_outstanding_is_refused_with_the_services_words(qtbot, office: Office, clerk, open_page,
                                                                      boxes: Boxes) -> None:
    _failures(office, clerk)
    page = open_page(CashPage, clerk)
    assert page.note.objectName() == "warningText" and page.note.text() == CASH_NOTE
    assert [r.customer_no for r in page.model.rows()] == ["2024001", "2024002"]
    assert page.total_label.text() == "총 2건 · 현금수납 가능금액 합계 550,000원"
    _select(page, "2024001")
    assert page.amount.text() == "300,000"  # the outstanding amount, ready to be received in full
    page.amount.setText("300,001")
    qtbot.mouseClick(page.receive_button, LEFT)
    assert boxes.take() == ["현금수납 가능금액(300,000원)보다 많이 수납할 수 없습니다."]
    assert page.model.row_at(0).outstanding == 300_000 and page.payments_model.rowCount() == 0
    page.amount.setText("삼만원")
    qtbot.mouseClick(page.receive_button, LEFT)
    assert boxes.take() == ["수납금액: 숫자만 입력하세요 (예: 12,000)."]


def test_partial_then_full_receipt_closes_the_charge(qtbot, office: Office, clerk, open_page) -> None:
    _failures(office, clerk)
    page = open_page(CashPage, clerk)
    _select(page, "2024002")
    page.amount.setText("100,000")
    qtbot.keyClick(page.amount, Qt.Key.Key_Return)
    assert "현금 100,000원을 수납했습니다. 남은 미수납액은 150,000원입니다." in page.status.text()
    row = next(r for r in page.model.rows() if r.customer_no == "2024002")
    assert (row.cash, row.outstanding) == (100_000, 150_000)
    assert page.selected_row() == row and page.amount.text() == "150,000"
    qtbot.mouseClick(page.receive_button, LEFT)
    assert "완납되었습니다" in page.status.text()
    assert [r.customer_no for r in page.model.rows()] == ["2024001"]
    paid = page.payments_model.rows()
    assert [(p.customer_no, p.amount, p.created_by) for p in paid] == [("2024002", 100_000, "clerk1"),
                                                                         ("2024002", 150_000, "clerk1")]
    # A clerk cannot reverse; the controls are not even there.
    assert not page.reverse_button.isVisibleTo(page) and not page.reversal_reason.isVisibleTo(page)


def test_an_administrator_reverses_a_receipt_with_a_reason(qtbot, office: Office, clerk, open_page,
                                                           boxes: Boxes) -> None:
    _failures(office, clerk)
    page = open_page(CashPage)
    _select(page, "2024001")
    qtbot.mouseClick(page.receive_button, LEFT)
    assert page.model.rowCount() == 1
    page.payments_table.selectRow(0)
    qtbot.mouseClick(page.reverse_button, LEFT)  # no reason given
    assert boxes.take() == ["현금수납을 취소하는 사유를 입력하세요."]
    page.reversal_reason.setText("다른 고객 수납으로 잘못 입력")
    qtbot.mouseClick(page.reverse_button, LEFT)
    assert "현금수납 300,000원을 취소했습니다. 미수납액은 300,000원입니다." in page.status.text()
    assert any(r.customer_no == "2024001" and r.outstanding == 300_000 for r in page.model.rows())
    reversed_row = page.payments_model.row_at(0)
    assert reversed_row.reversed and reversed_row.reversal_reason == "다른 고객 수납으로 잘못 입력"
    assert page.payments_model.index(0, page.payments_model.column_of("상태")).data() == "수납취소"
    page.payments_table.selectRow(0)
    assert not page.reverse_button.isEnabled()


def test_filters_and_a_viewer_without_the_receipt_form(office: Office, clerk, viewer, open_page) -> None:
    _failures(office, clerk)
    page = open_page(CashPage, viewer)
    assert page.model.rowCount() == 2 and not page.receive_row.isVisibleTo(page)
    page.customer_name.setText("서연")
    page.search_button.click()
    assert [r.customer_no for r in page.model.rows()] == ["2024002"]
    page.customer_name.clear()
    page.customer_no.setText("2024001")
    page.search_button.click()
    assert [r.customer_no for r in page.model.rows()] == ["2024001"]
    row = page.model.index(0, page.model.column_of("미처리 사유")).data()
    assert row == "0021 잔액부족"
