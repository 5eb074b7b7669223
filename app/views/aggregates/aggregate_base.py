"""What every 집계 screen shares: the period bar, a summary table whose group keys open the rows
behind them, a 리스트 button back, and 미리보기·인쇄 / PDF 저장 / 엑셀 저장.

Queries over a million rows and PDF building run in a worker thread (`Background`), each answer
tagged with the request it answers so a slow, stale one never overwrites a newer one. A drill-down
asks for its rows a page at a time as the clerk scrolls (`PagedModel`). Totals always come from the
service's SQL, never from adding up what happens to be loaded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, QStandardPaths, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.database.engine import Database
from app.services.aggregates.common import GroupBy
from app.services.aggregates.reports import build
from app.services.aggregates.reports.model import Report
from app.services.common.errors import ServiceError
from app.services.common.periods import Period, default_period
from app.services.common.session import Actor
from app.views.aggregates.aggregate_models import (
    PagedModel,
    SummaryModel,
    count_column,
    won,
    won_column,
)
from app.views.common.base import Page, hint_label, show_error
from app.views.common.context import AppContext
from app.views.common.date_pickers import mark_closed_days
from app.views.common.save_target import checked_save_path
from app.views.common.tables import (
    ALIGN_CENTER,
    ALIGN_LEFT,
    ALIGN_RIGHT,
    Column,
    fit_columns,
    make_table,
)
from app.views.common.workers import Background

log = logging.getLogger(__name__)

__all__ = ["ALIGN_CENTER", "ALIGN_LEFT", "ALIGN_RIGHT", "AggregatePage", "Background", "Column", "PagedModel", "Query",
           "SummaryModel", "count_column", "date_edit", "won", "won_column"]


# --- the page --------------------------------------------------------------------------------------


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def date_edit(day: date) -> QDateEdit:
    edit = QDateEdit(_qdate(day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


@dataclass(frozen=True)
class Query:
    """What the screen asks, read on the UI thread and handed whole to the worker (widgets are not
    thread-safe, so a worker never reads one)."""

    db: Database
    actor: Actor
    contract_id: int
    period: Period
    now: datetime
    group_by: GroupBy
    options: dict[str, Any] = field(default_factory=dict)


class AggregatePage(Page):
    """A 집계 screen. Subclasses give the columns, the service calls and the reports."""

    loaded = Signal()  # the summary is on screen
    detail_opened = Signal()
    saved = Signal(str)  # a report file was written (its path)

    grouping: bool = False  # shows the 집계기준 combo (집금항목 / 고객등급 / 은행)
    summary_links: Sequence[int] = ()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        today = ctx.clock().date()
        period = default_period(today)
        self.start_edit, self.end_edit = date_edit(period.start), date_edit(period.end)
        mark_closed_days(ctx, self.start_edit, self.end_edit)
        self.group_combo = QComboBox()
        for group in GroupBy:
            self.group_combo.addItem(group.label, group)
        self.group_combo.setVisible(self.grouping)
        self.group_combo.currentIndexChanged.connect(lambda _i: self.search())
        self.search_button = QPushButton("조회")
        self.search_button.setProperty("primary", True)
        self.search_button.clicked.connect(self.search)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("조회기간"))
        bar.addWidget(self.start_edit)
        bar.addWidget(QLabel("~"))
        bar.addWidget(self.end_edit)
        if self.grouping:
            bar.addSpacing(12)
            bar.addWidget(QLabel("집계기준"))
            bar.addWidget(self.group_combo)
        for widget in self.extra_controls():
            bar.addSpacing(12)
            bar.addWidget(widget)
        bar.addWidget(self.search_button)
        bar.addStretch(1)
        self.body.addLayout(bar)

        self.summary_model = SummaryModel(self.summary_columns(), self, links=self.summary_links)
        self.summary_table = make_table(self.summary_model, self.open_selected)
        self.summary_table.horizontalHeader().setStretchLastSection(False)  # figures stay next to their key
        self.summary_table.clicked.connect(self._clicked)
        self.detail_model = PagedModel(self.detail_columns(), self)
        self.detail_table = make_table(self.detail_model)
        self.detail_title = QLabel()
        self.detail_title.setObjectName("sectionTitle")
        self.list_button = QPushButton("리스트")
        self.list_button.clicked.connect(self.back_to_list)
        self.detail_total = hint_label("")

        self.stack = QStackedWidget()
        self.stack.addWidget(self.summary_panel())
        detail = QWidget()
        column = QVBoxLayout(detail)
        column.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(self.detail_title, 1)
        head.addWidget(self.list_button)
        column.addLayout(head)
        column.addWidget(self.detail_table, 1)
        column.addWidget(self.detail_total)
        self.stack.addWidget(detail)
        self.body.addWidget(self.stack, 1)

        self.preview_button = QPushButton("미리보기·인쇄")
        self.pdf_button = QPushButton("PDF 저장")
        self.xlsx_button = QPushButton("엑셀 저장")
        self.preview_button.clicked.connect(self.preview)
        self.pdf_button.clicked.connect(lambda: self.save_as("pdf"))
        self.xlsx_button.clicked.connect(lambda: self.save_as("xlsx"))
        buttons = QHBoxLayout()
        self.status = hint_label("")
        buttons.addWidget(self.status, 1)
        for button in (*self.extra_buttons(), self.preview_button, self.pdf_button, self.xlsx_button):
            buttons.addWidget(button)
        self.body.addLayout(buttons)

        self.selection: Any | None = None  # what the drill-down shows
        self.summary: Any | None = None
        self.summary_query: Query | None = None  # the question the summary on screen answers
        self.active_dialog: QWidget | None = None
        self._query = Background(self)
        self._query.finished.connect(self._summary_ready)
        self._query.failed.connect(self._query_failed)
        self._reports = Background(self)
        self._reports.finished.connect(self._report_ready)
        self._reports.failed.connect(self._report_failed)
        self._report_purpose: tuple[str, str | None] = ("preview", None)

    # --- what subclasses give -----------------------------------------------------------------------

    def summary_panel(self) -> QWidget:
        """The summary side of the stack; by default the table alone."""
        return self.summary_table

    def extra_controls(self) -> Sequence[QWidget]:
        return ()

    def extra_buttons(self) -> Sequence[QWidget]:
        return ()

    def summary_columns(self) -> Sequence[Column]:
        raise NotImplementedError

    def detail_columns(self) -> Sequence[Column]:
        raise NotImplementedError

    def options(self) -> dict[str, Any]:
        """Page-specific choices for `Query.options` (read on the UI thread)."""
        return {}

    def fetch_summary(self, q: Query) -> Any:
        """Runs in the worker thread; returns the service's summary (with `.rows` and `.total`)."""
        raise NotImplementedError

    def show_summary(self, summary: Any) -> None:
        self.summary_model.set_summary(summary.rows, summary.total)

    def selection_for(self, row: Any, column: int) -> Any | None:
        """What a click on (row, column) of the summary opens; None when nothing."""
        return row

    def selection_title(self, selection: Any) -> str:
        raise NotImplementedError

    def detail_loader(self, q: Query, selection: Any) -> Callable[[int, int], Sequence[Any]]:
        """(offset, limit) → rows; called on the UI thread a page at a time."""
        raise NotImplementedError

    def detail_total_text(self, selection: Any) -> str:
        return ""

    def summary_report(self, q: Query) -> Report:
        """Runs in the worker thread."""
        raise NotImplementedError

    def detail_report(self, q: Query, selection: Any) -> Report:
        """Runs in the worker thread."""
        raise NotImplementedError

    # --- state ---------------------------------------------------------------------------------------

    @property
    def period(self) -> Period:
        return Period(_date(self.start_edit.date()), _date(self.end_edit.date()))

    @property
    def group_by(self) -> GroupBy:
        return GroupBy(self.group_combo.currentData())  # Qt hands a str enum back as a plain str

    def set_period(self, start: date, end: date) -> None:
        self.start_edit.setDate(_qdate(start))
        self.end_edit.setDate(_qdate(end))

    @property
    def contract_id(self) -> int:
        if self.ctx.contract_id is None:
            raise ServiceError("계약정보를 먼저 선택하세요.")
        return self.ctx.contract_id

    def in_detail(self) -> bool:
        return self.stack.currentIndex() == 1

    def query(self) -> Query:
        """The screen's question as a value (UI thread only)."""
        return Query(self.ctx.db, self.ctx.actor, self.contract_id, self.period, self.ctx.clock(), self.group_by,
                     self.options())

    # --- loading -------------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.search()

    def search(self) -> None:
        """조회: the summary in the background; the drill-down closes (its group may be gone)."""
        if self.ctx.contract_id is None:
            self.status.setText("계약정보를 먼저 선택하세요.")
            return
        try:
            q = self.query()
        except ServiceError as error:  # e.g. a start date after the end date
            show_error(self, error)
            return
        self.back_to_list()
        self.search_button.setEnabled(False)
        self.status.setText("조회 중입니다…")
        self.summary_query = q
        self._query.start(lambda: self.fetch_summary(q))

    def _summary_ready(self, token: int, summary: Any) -> None:
        if not self._query.is_current(token):
            return
        self.search_button.setEnabled(True)
        self.summary = summary
        self.show_summary(summary)
        fit_columns(self.summary_table)
        self.status.setText(self.summary_status(summary))
        self.loaded.emit()

    def summary_status(self, summary: Any) -> str:
        rows = len(getattr(summary, "rows", ()))
        return f"{self.period.text} · {rows}개 항목" if rows else f"{self.period.text} · 자료가 없습니다."

    def _query_failed(self, token: int, error: Exception) -> None:
        if self._query.is_current(token):  # a stale question's failure is not news: a newer one is coming
            self.search_button.setEnabled(True)
            self._failed(error)

    def _report_failed(self, token: int, error: Exception) -> None:
        if self._reports.is_current(token):
            self._failed(error)

    def _failed(self, error: Exception) -> None:
        if not isinstance(error, ServiceError):  # a refusal is the clerk's news; anything else is ours
            log.error("%s: background work failed", self.key, exc_info=error)
        self.status.setText("")
        show_error(self, error)

    # --- drill-down ----------------------------------------------------------------------------------

    def _clicked(self, index: QModelIndex) -> None:
        if index.column() in self.summary_model.links:
            self.open_row(index.row(), index.column())

    def open_selected(self) -> None:
        rows = self.summary_table.selectionModel().selectedRows()
        if rows:
            self.open_row(rows[0].row(), 0)

    def open_row(self, row: int, column: int) -> None:
        if self.summary_model.is_total(row):
            return
        item = self.summary_model.row_at(row)
        selection = self.selection_for(item, column) if item is not None else None
        if selection is not None:
            self.open_detail(selection)

    def open_detail(self, selection: Any) -> None:
        """Show the rows behind `selection` (a page at a time) with their total from the summary."""
        q = self.summary_query
        assert q is not None  # a row opens only from a summary on screen, which `search` asked for
        self.selection = selection
        self.detail_title.setText(self.selection_title(selection))
        self.detail_model.start(self.detail_loader(q, selection))
        fit_columns(self.detail_table)
        self.detail_total.setText(self.detail_total_text(selection))
        self.stack.setCurrentIndex(1)
        self.detail_opened.emit()

    def back_to_list(self) -> None:
        """리스트: back to the summary."""
        self.selection = None
        self.stack.setCurrentIndex(0)

    # --- reports -------------------------------------------------------------------------------------

    def current_report(self) -> Callable[[], Report]:
        """The report of what is on screen: the drill-down when one is open, else the summary
        (of the question the summary on screen answered, not of what the bar now says)."""
        selection, q = self.selection, self.summary_query or self.query()
        if self.in_detail() and selection is not None:
            return lambda: self.detail_report(q, selection)
        return lambda: self.summary_report(q)

    def preview(self) -> None:
        """미리보기·인쇄: the report and its PDF are made in the background, then shown."""
        from app.views.common.report_preview import prepare

        try:
            make = self.current_report()
        except ServiceError as error:
            show_error(self, error)
            return
        self._report_purpose = ("preview", None)
        self.status.setText("출력물을 만드는 중입니다…")
        self._reports.start(lambda: prepare(make()))

    def save_as(self, fmt: str, path: str | None = None) -> None:
        """PDF 저장 / 엑셀 저장: ask where, then write in the background."""
        try:
            make = self.current_report()
        except ServiceError as error:
            show_error(self, error)
            return
        if path is None:
            suffix = "PDF 파일 (*.pdf)" if fmt == "pdf" else "엑셀 파일 (*.xlsx)"
            folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
            name = f"{self.title}_{self.period.start:%Y%m%d}-{self.period.end:%Y%m%d}.{fmt}"
            path, _ = QFileDialog.getSaveFileName(self, f"{fmt.upper()} 저장", str(Path(folder) / name), suffix)
            if not path:
                return
        if checked_save_path(self, self.ctx.db, path, f"{fmt.upper()} 저장") is None:
            return
        self._report_purpose = (fmt, path)
        self.status.setText("파일을 만드는 중입니다…")
        db, actor = self.ctx.db, self.ctx.actor
        target = path

        def work() -> tuple[Report, str]:
            report = make()
            # the save dialog asked before replacing a file; the database and backups stay refused
            build.save(db, actor, report, target, "pdf" if fmt == "pdf" else "xlsx", force=True)
            return report, target

        self._reports.start(work)

    def _report_ready(self, token: int, result: Any) -> None:
        if not self._reports.is_current(token):
            return
        purpose, _path = self._report_purpose
        if purpose == "preview":
            from app.views.common.report_preview import ReportPreviewDialog

            self.status.setText("")
            dialog = ReportPreviewDialog(self.ctx, result, self)
            self.active_dialog = dialog
            dialog.open()
            return
        what, path = result
        message = f"안내문 {what:,}장을 저장했습니다: {path}" if purpose == "letters" else f"저장했습니다: {path}"
        self.status.setText(message)
        self.ctx.signals.status_message.emit(message)
        self.saved.emit(path)
