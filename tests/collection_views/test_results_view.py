"""이체의뢰결과 on screen: default period, states, the reason on click, customer detail, totals, Excel."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from app.views.collection.results_view import REASON_NOTE, ResultsPage
from app.views.customers.customer_detail import CustomerDetailDialog
from tests.collection_views.helpers import (
    NOW,
    TWENTY_FIFTH,
    add_payer,
    failed_fifth,
    request,
)
from tests.factories import Office

LEFT = Qt.MouseButton.LeftButton


def _results(office: Office, actor) -> None:
    db, cid = office.db, office.contract_id
    payers = [add_payer(db, cid, "2024001", "김민준", account="110222333444"),
              add_payer(db, cid, "2024002", "이서연", monthly=250_000),
              add_payer(db, cid, "2024003", "박지호", monthly=280_000),
              add_payer(db, cid, "2024004", "최하은", monthly=120_000),
              add_payer(db, cid, "2024005", "정우진", monthly=150_000)]
    failed_fifth(db, actor, cid, payers, reasons={"2024002": "0021", "2024005": "0014"},
                 debited={"2024001": 300_000, "2024003": 100_000})  # 2024004 left 이체의뢰중
    late = add_payer(db, cid, "2024006", "강서준", day=25)
    request(db, actor, cid, TWENTY_FIFTH, [late], NOW)  # debit date after today: outside the default period


def _click(qtbot, page: ResultsPage, customer_no: str, header: str) -> None:
    row = next(i for i, r in enumerate(page.model.rows()) if r.customer_no == customer_no)
    index = page.model.index(row, page.model.column_of(header))
    rect = page.table.visualRect(index)
    qtbot.mouseClick(page.table.viewport(), LEFT, pos=rect.center())


def test_default_period_states_and_totals_equal_the_rows(office: Office, clerk, open_page) -> None:
    _results(office, clerk)
    page = open_page(ResultsPage, clerk)
    assert (page.date_from.date().toString("yyyy-MM-dd"), page.date_to.date().toString("yyyy-MM-dd")) == (
        "2026-11-01", "2026-11-20")
    states = {r.customer_no: r.state_text for r in page.model.rows()}
    assert states == {"2024001": "이체처리완료", "2024002": "이체처리미완료", "2024003": "이체처리미완료",
                      "2024004": "이체의뢰중", "2024005": "이체처리미완료"}
    view = page.view
    assert view is not None
    for total in view.totals:
        rows = [r for r in page.model.rows() if r.state_text == total.state_text]
        assert total.count == len(rows)
        assert total.amount == sum(r.amount for r in rows)
        assert total.debited == sum(r.debited_amount for r in rows)
        assert f"{total.state_text} {total.count}건 {total.amount:,}원" in page.totals_label.text()
    assert view.count == page.model.rowCount() and view.amount == sum(r.amount for r in page.model.rows())
    assert "합계 5건 1,100,000원 (출금 400,000원)" in page.totals_label.text()
    assert "이체처리미완료 3건 680,000원 (출금 100,000원)" in page.totals_label.text()
    # The 25th's request shows once the period reaches it.
    page.date_to.setDate(page.date_to.date().addDays(10))
    page.search_button.click()
    assert page.model.rowCount() == 6 and page.model.row_at(5).state_text == "이체의뢰대기"


def test_clicking_a_failure_shows_its_reason_and_a_name_opens_the_customer(qtbot, office: Office, clerk,
                                                                          open_page) -> None:
    _results(office, clerk)
    page = open_page(ResultsPage, clerk)
    _click(qtbot, page, "2024002", "진행상태")
    assert "[0021] 잔액부족" in page.reason_label.text() and REASON_NOTE in page.reason_label.text()
    assert page.reason_label.objectName() == "warningText"
    _click(qtbot, page, "2024003", "진행상태")
    assert "부분출금 100,000원" in page.reason_label.text()
    _click(qtbot, page, "2024001", "진행상태")  # a success has no reason to show
    assert page.reason_label.text() == ""
    _click(qtbot, page, "2024005", "고객명")
    dialog = page.active_dialog
    assert isinstance(dialog, CustomerDetailDialog) and dialog.isVisible()
    assert dialog.customer_id == next(r.customer_id for r in page.model.rows() if r.customer_no == "2024005")
    dialog.reject()
    qtbot.waitUntil(lambda: page.active_dialog is None)  # forgotten once Qt deleted it


def test_filters_narrow_to_a_state_and_a_customer(office: Office, clerk, open_page) -> None:
    _results(office, clerk)
    page = open_page(ResultsPage, clerk)
    page.state_filter.setCurrentIndex(page.state_filter.findData("이체처리미완료"))
    page.search_button.click()
    assert {r.customer_no for r in page.model.rows()} == {"2024002", "2024003", "2024005"}
    assert page.view is not None and [t.state_text for t in page.view.totals] == ["이체처리미완료"]
    page.customer.setText("서연")
    page.search_button.click()
    assert [r.customer_no for r in page.model.rows()] == ["2024002"]


def test_excel_download_runs_in_a_worker_and_masks_accounts(qtbot, office: Office, clerk, open_page,
                                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _results(office, clerk)
    page = open_page(ResultsPage, clerk)
    target = tmp_path / "결과"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(target), "Excel 파일 (*.xlsx)"))
    page.export_button.click()
    qtbot.waitUntil(lambda: page.last_export is not None, timeout=10_000)
    assert page.export_button.isEnabled() and "이체의뢰결과 5건을" in page.status.text()
    saved = target.with_suffix(".xlsx")
    assert page.last_export is not None and page.last_export.path == saved
    sheet = load_workbook(saved).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    flat = " ".join(str(v) for row in values for v in row if v is not None)
    assert values[0][:4] == ["출금일", "구분", "고객번호", "고객명"]
    assert "****3444" in flat and "110222333444" not in flat
    assert "잔액부족" in flat and "이체처리미완료 합계" in flat
