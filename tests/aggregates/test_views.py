"""The 집계 screens: choose a grouping, click a group → its rows, 리스트 returns; charts; preview, print, save."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFont
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QMessageBox, QTableView

from app.services.aggregates.common import GroupBy
from app.services.common.calendar import SEOUL
from app.views.aggregates.aggregate_base import AggregatePage
from app.views.aggregates.aggregate_status import (
    RegistrationStatusPage,
    RequestStatusPage,
    SettlementPage,
)
from app.views.aggregates.aggregates_view import (
    DiscountAggregatePage,
    OutstandingAggregatePage,
    RequestAggregatePage,
)
from app.views.aggregates.charts_view import OverviewPage
from app.views.common.context import AppContext
from app.views.common.report_preview import ReportPreviewDialog
from tests.aggregates.seed import Seeded
from tests.factories import Office

SHOTS = Path(__file__).resolve().parents[2] / "shots"
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=SEOUL)
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def korean_font_and_no_boxes(qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """NanumGothic as the application font (as `theme.apply_theme` does), and no message box may pop up."""
    previous = qapp.font()
    qapp.setFont(QFont("NanumGothic", 10))
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: warnings.append(text))
    yield warnings
    qapp.setFont(previous)
    assert not warnings, warnings


def open_page(qtbot, seeded: tuple[Office, Seeded], cls: type, *, start: date | None = None):
    office, _ = seeded
    page = cls(AppContext(office.db, office.admin, office.contract_id, clock=lambda: NOW))
    qtbot.addWidget(page)
    page.resize(1280, 720)
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.show()
    if start is not None:
        page.set_period(start, NOW.date())
        with qtbot.waitSignal(page.loaded, timeout=20000):
            page.search()
    return page


def click_cell(qtbot, table: QTableView, row: int, column: int) -> None:
    rect = table.visualRect(table.model().index(row, column))
    qtbot.mouseClick(table.viewport(), LEFT, pos=QPoint(rect.center()))


def _has_ink(widget) -> bool:
    """Whether anything dark is drawn yet (QPdfView paints its pages asynchronously)."""
    image = widget.grab().toImage()
    return any(image.pixelColor(x, y).lightness() < 128
               for x in range(0, image.width(), 7) for y in range(0, image.height() // 3, 7))


def shot(widget, name: str, office: Office) -> None:
    """Screens are the same on both databases; keep the SQLite run's picture."""
    if office.db.is_sqlite:
        SHOTS.mkdir(exist_ok=True)
        assert widget.grab().save(str(SHOTS / name))


def test_requests_by_group_drill_down_and_back(qtbot, seeded: tuple[Office, Seeded]) -> None:
    office, _ = seeded
    page = open_page(qtbot, seeded, RequestAggregatePage)
    assert (page.period.start, page.period.end) == (date(2026, 11, 1), date(2026, 11, 27))
    assert page.group_by is GroupBy.ITEM
    labels = [r.label for r in page.summary_model.group_rows()]
    assert labels == sorted(labels) and "수강료" in labels
    assert page.summary_model.index(page.summary_model.rowCount() - 1, 0).data() == "합계"
    page.set_period(date(2026, 9, 1), NOW.date())
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.group_combo.setCurrentIndex(page.group_combo.findData(GroupBy.GRADE))
    assert page.summary_model.headerData(0, Qt.Orientation.Horizontal) == "고객등급"
    shot(page, "aggregate_requests_summary.png", office)
    first = page.summary_model.group_rows()[0]
    with qtbot.waitSignal(page.detail_opened):
        click_cell(qtbot, page.summary_table, 0, 0)
    assert page.in_detail() and first.label in page.detail_title.text()
    page.detail_model.load_all()
    rows = page.detail_model.rows()
    assert len(rows) == first.requested_count and sum(r.amount for r in rows) == first.requested_amount
    shot(page, "aggregate_requests_detail.png", office)
    qtbot.mouseClick(page.list_button, LEFT)
    assert not page.in_detail() and page.selection is None
    click_cell(qtbot, page.summary_table, page.summary_model.rowCount() - 1, 0)  # 합계 opens nothing
    assert not page.in_detail()


def test_the_chart_tab_shows_the_overview(qtbot, seeded: tuple[Office, Seeded]) -> None:
    office, _ = seeded
    page = open_page(qtbot, seeded, RequestAggregatePage, start=date(2026, 9, 1))
    page.tabs.setCurrentWidget(page.overview)
    qtbot.waitUntil(lambda: page.overview.item_model.rowCount() == 3, timeout=20000)
    assert page.overview.rate_model.rowCount() == 12
    assert page.overview.rate_model.index(0, 0).data() == "2026-11"
    assert page.overview.reason_model.rowCount() >= 1
    assert len(page.overview.item_chart.series()) == 1 and len(page.overview.reason_chart.series()) == 1
    page.resize(1280, 980)
    shot(page, "aggregate_overview_charts.png", office)
    standalone = OverviewPage(AppContext(office.db, office.admin, office.contract_id, clock=lambda: NOW))
    qtbot.addWidget(standalone)
    with qtbot.waitSignal(standalone.loaded, timeout=20000):
        standalone.show()
    assert standalone.overview.rate_model.rowCount() == 12


def test_outstanding_drill_down_and_letters(qtbot, seeded: tuple[Office, Seeded], tmp_path: Path) -> None:
    office, _ = seeded
    page = open_page(qtbot, seeded, OutstandingAggregatePage, start=date(2026, 9, 1))
    assert "현재 원장 기준" in page.status.text()
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.group_combo.setCurrentIndex(page.group_combo.findData(GroupBy.BANK))
    shot(page, "aggregate_outstanding_summary.png", office)
    group = page.summary_model.group_rows()[0]
    with qtbot.waitSignal(page.detail_opened):
        click_cell(qtbot, page.summary_table, 0, 0)
    page.detail_model.load_all()
    assert sum(r.unpaid_amount for r in page.detail_model.rows()) == group.unpaid_amount
    assert {r.bank for r in page.detail_model.rows()} == {group.label}
    target = tmp_path / "letters.pdf"
    with qtbot.waitSignal(page.saved, timeout=20000):
        page.write_letters(str(target))
    customers = {r.customer_no for r in page.detail_model.rows()}
    assert len(PdfReader(str(target)).pages) == len(customers)


def test_discounts_by_month_and_item(qtbot, seeded: tuple[Office, Seeded]) -> None:
    office, _ = seeded
    page = open_page(qtbot, seeded, DiscountAggregatePage, start=date(2026, 9, 1))
    assert [r.period for r in page.summary_model.group_rows()] == ["2026-09", "2026-10", "2026-11"]
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.by_item.setChecked(True)
    rows = page.summary_model.group_rows()
    assert all(r.item for r in rows)
    shot(page, "aggregate_discounts_summary.png", office)
    with qtbot.waitSignal(page.detail_opened):
        click_cell(qtbot, page.summary_table, 0, 0)
    assert len(page.detail_model.rows()) == rows[0].discounted_count
    assert {r.item for r in page.detail_model.rows()} == {rows[0].item}


def test_registrations_bank_and_state_then_list(qtbot, seeded: tuple[Office, Seeded]) -> None:
    office, _ = seeded
    page = open_page(qtbot, seeded, RegistrationStatusPage)
    rows = page.summary_model.group_rows()
    row = next(i for i, r in enumerate(rows) if r.failed_count)
    shot(page, "aggregate_registrations_summary.png", office)
    with qtbot.waitSignal(page.detail_opened):
        click_cell(qtbot, page.summary_table, row, 5)  # 계좌신청미완료
    assert {r.state for r in page.detail_model.rows()} == {"계좌신청미완료"}
    assert len(page.detail_model.rows()) == rows[row].failed_count
    qtbot.mouseClick(page.list_button, LEFT)
    with qtbot.waitSignal(page.detail_opened):
        click_cell(qtbot, page.summary_table, row, 0)  # 상호 (the bank): all its registrations
    assert len(page.detail_model.rows()) == rows[row].total_count
    shot(page, "aggregate_registrations_detail.png", office)
    qtbot.mouseClick(page.list_button, LEFT)
    assert page.stack.currentIndex() == 0


def test_requests_by_bank_state_cells(qtbot, seeded: tuple[Office, Seeded]) -> None:
    office, _ = seeded
    page = open_page(qtbot, seeded, RequestStatusPage)
    rows = page.summary_model.group_rows()
    row = next(i for i, r in enumerate(rows) if r.sent_count)
    with qtbot.waitSignal(page.detail_opened):
        click_cell(qtbot, page.summary_table, row, 4)  # 이체의뢰중
    assert {r.state for r in page.detail_model.rows()} == {"이체의뢰중"}
    empty = next((i for i, r in enumerate(rows) if not r.partial_count), None)
    qtbot.mouseClick(page.list_button, LEFT)
    if empty is not None:
        click_cell(qtbot, page.summary_table, empty, 6)  # a zero count opens nothing
        assert not page.in_detail()
    shot(page, "aggregate_requests_by_bank.png", office)


def test_settlement_shows_what_to_check(qtbot, seeded: tuple[Office, Seeded]) -> None:
    office, _ = seeded
    page = open_page(qtbot, seeded, SettlementPage)
    assert page.issues_label.isVisible() and "케이에스넷 고객센터로 전화문의" in page.issues_label.text()
    assert "결과 시각" in page.issues_label.text()
    assert "정산예정액" in page.totals_label.text() and page.fee_model.rowCount() >= 1
    shot(page, "aggregate_settlement.png", office)
    row = page.summary_model.group_rows()[0]
    with qtbot.waitSignal(page.detail_opened):
        click_cell(qtbot, page.summary_table, 0, 2)
    assert sum(r.debited_amount for r in page.detail_model.rows()) == row.debited_amount
    page.set_period(date(2026, 10, 1), date(2026, 10, 31))
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.search()
    assert not page.issues_label.isVisible() and "이상 없음" in page.status.text()


def test_preview_print_and_save(qtbot, seeded: tuple[Office, Seeded], tmp_path: Path) -> None:
    office, _ = seeded
    page: AggregatePage = open_page(qtbot, seeded, RequestAggregatePage, start=date(2026, 9, 1))
    with qtbot.waitSignal(page.detail_opened):
        click_cell(qtbot, page.summary_table, 0, 0)
    page.preview()
    qtbot.waitUntil(lambda: isinstance(page.active_dialog, ReportPreviewDialog), timeout=20000)
    dialog = page.active_dialog
    assert isinstance(dialog, ReportPreviewDialog)
    qtbot.addWidget(dialog)
    assert dialog.report.title == "이체의뢰내역집계 상세내역" and dialog.page_count() >= 2
    dialog.resize(1100, 800)
    qtbot.waitUntil(lambda: dialog.document.status() == dialog.document.Status.Ready, timeout=10000)
    qtbot.waitUntil(lambda: _has_ink(dialog.view.viewport()), timeout=10000)  # pages render in the background
    shot(dialog, "aggregate_preview_dialog.png", office)
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printed = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(printed))
    assert dialog.print_report(printer)
    assert len(PdfReader(str(printed)).pages) == dialog.page_count()
    xlsx = tmp_path / "detail.xlsx"
    with qtbot.waitSignal(dialog._saving.finished, timeout=20000):
        dialog.save("xlsx", str(xlsx))
    assert xlsx.stat().st_size > 0
    dialog.reject()
    pdf = tmp_path / "summary.pdf"
    qtbot.mouseClick(page.list_button, LEFT)
    with qtbot.waitSignal(page.saved, timeout=20000):
        page.save_as("pdf", str(pdf))
    assert "이체의뢰내역집계" in (PdfReader(str(pdf)).pages[0].extract_text() or "")
