"""집계 > 월마감: close a month, see what it comes to, print its report, reopen it with a reason.

The clerk picks a month. The panel says whether it can close (the month is over, every request of its
debit dates has the bank's result) and lists, with household and debit date, each request still
without one. Below it the month's figures by item — the stored ones for a closed month (what the
council was given), else as they would be reported now — with the 연체료 billed, the corrections of
earlier closed months recorded in it, and, for a closed month, the 현재 다시 계산 check.

[마감] (관리자) closes it; with results missing a dialog asks why, and the reason is kept. [마감 취소
(재개방)] (관리자) asks for the reason too. [보고서 PDF] / [보고서 Excel] save the report of the close
selected in the history below (every close of the contract: 마감 or 대체됨 after a reopen), or of the
month's standing close. Clerks and viewers see all of it and change nothing.

Loading, and writing a report, run off the UI thread (`Background`); closing and reopening are one
short transaction each and run on it, like the other screens' buttons.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from app.services.aggregates import month_close
from app.services.aggregates.month_close import CloseReport, CloseRow, Readiness, month_label
from app.services.aggregates.month_close_report import CloseFigures, MonthFigures
from app.services.aggregates.reports import month_close_pdf, month_close_xlsx
from app.services.common.errors import ServiceError
from app.services.common.formats import stamp_text
from app.services.common.periods import add_months, month_of
from app.views.aggregates.month_close_dialogs import MISSING_COLUMNS, override_dialog, reopen_dialog
from app.views.collection.table_models import (
    ALIGN_CENTER,
    ALIGN_RIGHT,
    Column,
    contract_gate,
    fit,
    money_column,
    office_today,
    set_tone,
)
from app.views.common.base import Page, confirm, hint_label, run_guarded, show_error
from app.views.common.context import AppContext
from app.views.common.dialogs import open_dialog
from app.views.common.save_target import checked_save_path
from app.views.common.tables import MUTED, AnyIndex, RowsModel, make_table
from app.views.common.workers import Background

log = logging.getLogger(__name__)

NO_CONTRACT = "계약정보가 선택되지 않았습니다. 화면 위에서 계약을 고르면 월마감을 할 수 있습니다."
INTRO = ("지난 달의 숫자를 확정합니다. 마감한 달의 청구·이체의뢰·수납은 어떤 화면이나 명령으로도 바꿀 수 없고, 나중에 "
         "찾은 현금수납이나 수납취소는 열린 달에 정정으로 기록됩니다. 마감 보고서는 모든 집계와 원 단위까지 같습니다.")
MONTHS_LISTED = 24


@dataclass(frozen=True)
class Loaded:
    """One background load: the month's readiness, every close, and the standing close's recheck."""

    ready: Readiness
    closes: list[CloseRow]
    check: CloseReport | None


@dataclass(frozen=True)
class FigureRow:
    """A line of the figures table: an item, or the 합계."""

    name: str
    figures: CloseFigures
    total: bool = False


def _count(value: int) -> str:
    return f"{value:,}"


FIGURE_COLUMNS = (
    Column("집금항목", lambda r: r.name),
    Column("청구건수", lambda r: _count(r.figures.charge_count), ALIGN_RIGHT),
    money_column("청구금액", lambda r: r.figures.charged),
    money_column("할인", lambda r: r.figures.discount),
    money_column("출금", lambda r: r.figures.debited),
    money_column("현금수납", lambda r: r.figures.cash),
    money_column("수납취소", lambda r: r.figures.reversed),
    money_column("반환", lambda r: r.figures.refunded),
    Column("미납건수", lambda r: _count(r.figures.unpaid_count), ALIGN_RIGHT),
    money_column("미납", lambda r: r.figures.unpaid),
)

HISTORY_COLUMNS = (
    Column("마감월", lambda r: month_label(r.period), ALIGN_CENTER),
    Column("마감일시", lambda r: stamp_text(r.closed_at), ALIGN_CENTER),
    Column("마감자", lambda r: r.closed_by_text),
    Column("재개방일시", lambda r: stamp_text(r.reopened_at), ALIGN_CENTER),
    Column("재개방자", lambda r: r.reopened_by_text),
    Column("상태", lambda r: r.status_text, ALIGN_CENTER, lambda r: None if r.standing else MUTED),
    Column("사유", lambda r: r.reason_text),
)


class FiguresModel(RowsModel):
    """The figures, with the 합계 line in bold."""

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.FontRole and index.isValid():
            row = self.row_at(index.row())
            if row is not None and row.total:
                font = QFont()
                font.setBold(True)
                return font
        return super().data(index, role)


def figure_rows(figures: MonthFigures) -> list[FigureRow]:
    return [*(FigureRow(i.item, i) for i in figures.items), FigureRow("합계", figures.total, True)]


def extra_text(ready: Readiness) -> str:
    """연체료 청구, the corrections recorded in the month, and (closed) which figures these are."""
    f = ready.figures
    parts = [f"연체료 청구 {f.late_fee_charged:,}원 (청구금액에 포함)"]
    if f.adjustments:
        parts.append("마감월 정정: " + ", ".join(f"{month_label(a.period)} {a.count:,}건 {a.net:,}원"
                                             for a in f.adjustments))
    else:
        parts.append("마감월 정정 없음")
    parts.append(f"미납은 {f.as_of:%Y-%m-%d} 현재")
    if ready.standing is not None:
        parts.append("마감 때 보고한 숫자")
    return " · ".join(parts)


class MonthClosePage(Page):
    """월마감: readiness, figures, close / reopen, the report, the history of closes."""

    title = "월마감"
    key = "aggregates.month_close"

    loaded = Signal()  # the month's readiness and the history are on screen
    saved = Signal(str)  # a report file was written (its path)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.active_dialog: Any | None = None
        self.ready: Readiness | None = None
        self.closes: list[CloseRow] = []
        self.gate, content = contract_gate(ctx, self.body, NO_CONTRACT)
        self.contract_label, self.no_contract, self.content = self.gate.label, self.gate.message, self.gate.content
        content.addWidget(hint_label(INTRO))

        self.month = QComboBox()
        this_month = month_of(office_today(ctx))
        for back in range(MONTHS_LISTED):
            month = add_months(this_month, -back)
            self.month.addItem(month_label(month), month)
        self.month.setCurrentIndex(1)  # last month: the one usually closed
        self.close_button = QPushButton("마감")
        self.close_button.setProperty("primary", True)
        self.reopen_button = QPushButton("마감 취소(재개방)")
        for admin_only in (self.close_button, self.reopen_button):
            admin_only.setVisible(ctx.actor.is_admin)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("마감월"))
        bar.addWidget(self.month)
        bar.addStretch(1)
        bar.addWidget(self.close_button)
        bar.addWidget(self.reopen_button)
        content.addLayout(bar)

        self.state_label = hint_label("")
        content.addWidget(self.state_label)
        self.missing_model = RowsModel(MISSING_COLUMNS, self)
        self.missing_table = make_table(self.missing_model)
        self.missing_table.setMinimumHeight(90)
        self.missing_table.setVisible(False)
        content.addWidget(self.missing_table, 1)

        self.figures_model = FiguresModel(FIGURE_COLUMNS, self)
        self.figures_table = make_table(self.figures_model)
        self.figures_table.setMinimumHeight(96)
        content.addWidget(self.figures_table, 1)
        self.extra_label = hint_label("")
        content.addWidget(self.extra_label)
        self.recheck_label = hint_label("")
        self.recheck_label.setVisible(False)
        content.addWidget(self.recheck_label)

        history_title = QLabel("마감 기록")
        history_title.setObjectName("sectionTitle")
        content.addWidget(history_title)
        self.history_model = RowsModel(HISTORY_COLUMNS, self)
        self.history_table = make_table(self.history_model, stretch=len(HISTORY_COLUMNS) - 1)
        self.history_table.setMinimumHeight(110)
        self.history_table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        content.addWidget(self.history_table, 1)

        self.status = hint_label("")
        self.pdf_button = QPushButton("보고서 PDF")
        self.xlsx_button = QPushButton("보고서 Excel")
        actions = QHBoxLayout()
        actions.addWidget(self.status, 1)
        actions.addWidget(self.pdf_button)
        actions.addWidget(self.xlsx_button)
        content.addLayout(actions)

        self.month.currentIndexChanged.connect(lambda _i: self.refresh())
        self.close_button.clicked.connect(self.close_month)
        self.reopen_button.clicked.connect(self.reopen_month)
        self.pdf_button.clicked.connect(lambda: self.save_report("pdf"))
        self.xlsx_button.clicked.connect(lambda: self.save_report("xlsx"))
        self._load = Background(self)
        self._load.finished.connect(self._loaded)
        self._load.failed.connect(self._load_failed)
        self._saving = Background(self)
        self._saving.finished.connect(self._saved)
        self._saving.failed.connect(self._save_failed)
        self._busy = False
        self._update_buttons()

    @property
    def period(self) -> str:
        return str(self.month.currentData())

    # --- loading -------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the chosen month's readiness and the history of closes, in the background."""
        self.gate.show(self.ctx)
        if self.ctx.contract_id is None:
            return
        db, actor, contract_id, period, today, now = (self.ctx.db, self.ctx.actor, self.ctx.contract_id, self.period,
                                                      office_today(self.ctx), self.ctx.clock())

        def work() -> Loaded:
            ready = month_close.readiness(db, actor, contract_id, period, today)
            # 현재 다시 계산 of a standing close: a closed month must recompute to what it reported
            check = (month_close.close_report(db, actor, ready.standing.id, today=today, now=now)
                     if ready.standing is not None else None)
            return Loaded(ready, month_close.history(db, actor, contract_id), check)

        self._load.start(work)

    def _loaded(self, token: int, result: Loaded) -> None:
        if not self._load.is_current(token):
            return
        self.ready, self.closes = result.ready, result.closes
        ready = self.ready
        self.state_label.setText(ready.message)
        set_tone(self.state_label, warning=bool(ready.missing) or (not ready.month_over and ready.standing is None))
        self.missing_model.set_rows(list(ready.missing))
        self.missing_table.setVisible(bool(ready.missing))
        fit(self.missing_table)
        self.figures_model.set_rows(figure_rows(ready.figures))
        fit(self.figures_table)
        self.extra_label.setText(extra_text(ready))
        check = result.check
        self.recheck_label.setText("" if check is None else check.recheck_text
                                   + "".join(f"\n• {line}" for line in check.changes[:5]))
        self.recheck_label.setVisible(check is not None)
        set_tone(self.recheck_label, warning=check is not None and bool(check.changes))
        self.history_model.set_rows(self.closes)
        fit(self.history_table)
        latest = next((i for i, r in enumerate(self.closes) if r.period == ready.period), None)
        if latest is not None:
            self.history_table.selectRow(latest)
        else:
            self.history_table.clearSelection()
        self._update_buttons()
        self.loaded.emit()

    def _load_failed(self, token: int, error: Exception) -> None:
        if not self._load.is_current(token):
            return
        if not isinstance(error, ServiceError):
            log.error("%s: loading failed", self.key, exc_info=error)
        show_error(self, error, "월마감")

    def selected_close(self) -> CloseRow | None:
        """The close the report buttons print: the one selected below, else the month's standing close."""
        chosen = self.history_table.selectionModel().selectedRows()
        if chosen:
            row: CloseRow | None = self.history_model.row_at(chosen[0].row())
            return row
        return self.ready.standing if self.ready is not None else None

    def _update_buttons(self) -> None:
        ready = self.ready
        idle = not self._busy and self.ctx.contract_id is not None
        self.close_button.setEnabled(idle and ready is not None and ready.can_close)
        self.reopen_button.setEnabled(idle and ready is not None and ready.standing is not None)
        printable = idle and self.selected_close() is not None
        self.pdf_button.setEnabled(printable)
        self.xlsx_button.setEnabled(printable)

    # --- closing and reopening ---------------------------------------------------------------------------

    def close_month(self) -> None:
        """[마감]: straight after a yes when every result is in; with results missing, the reason first."""
        ready = self.ready
        if ready is None or not ready.can_close or not self.ctx.actor.is_admin:
            return
        if ready.missing:
            dialog = override_dialog(ready.period, ready.missing, self)
            open_dialog(self, dialog, accepted=lambda: self._close(ready.period, dialog.reason))
            return
        total = ready.figures.total
        if confirm(self, f"{month_label(ready.period)}을(를) 마감합니다. 청구 {total.charged:,}원, 출금 {total.debited:,}원, "
                         f"미납 {total.unpaid:,}원으로 보고되고, 이 달의 자료는 더 바꿀 수 없습니다. 마감할까요?", "월마감"):
            self._close(ready.period, None)

    def _close(self, period: str, reason: str | None) -> None:
        assert self.ctx.contract_id is not None
        db, actor, contract_id = self.ctx.db, self.ctx.actor, self.ctx.contract_id
        said: list[str] = []
        if run_guarded(self, lambda: said.append(month_close.close(
                db, actor, contract_id, period, today=office_today(self.ctx), now=self.ctx.clock(),
                override_reason=reason).message)):
            self._done(said[0])
        else:
            self.refresh()

    def reopen_month(self) -> None:
        """[마감 취소(재개방)]: the reason, then the month is open again."""
        ready = self.ready
        if ready is None or ready.standing is None or not self.ctx.actor.is_admin:
            return
        dialog = reopen_dialog(ready.period, self)
        open_dialog(self, dialog, accepted=lambda: self._reopen(ready.period, dialog.reason))

    def _reopen(self, period: str, reason: str) -> None:
        assert self.ctx.contract_id is not None
        db, actor, contract_id = self.ctx.db, self.ctx.actor, self.ctx.contract_id
        said: list[str] = []
        if run_guarded(self, lambda: said.append(month_close.reopen(db, actor, contract_id, period, reason,
                                                                     self.ctx.clock()))):
            self._done(said[0])
        else:
            self.refresh()

    def _done(self, message: str) -> None:
        self.status.setText(message)
        self.ctx.signals.status_message.emit(message)
        self.ctx.signals.data_changed.emit("month_close")
        self.refresh()

    # --- the report ------------------------------------------------------------------------------------

    def save_report(self, fmt: str, target: str | None = None) -> None:
        """[보고서 PDF] / [보고서 Excel] of the selected close, saved where the clerk chooses (in the background)."""
        row = self.selected_close()
        if row is None or self._busy:
            return
        suffix, kind = ("pdf", "PDF 파일 (*.pdf)") if fmt == "pdf" else ("xlsx", "엑셀 파일 (*.xlsx)")
        title = "보고서 PDF 저장" if fmt == "pdf" else "보고서 Excel 저장"
        if target is None:
            folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
            state = "" if row.standing else "_대체됨"
            name = f"월마감보고서_{row.period}{state}.{suffix}"
            target, _filter = QFileDialog.getSaveFileName(self, title, str(Path(folder) / name), kind)
            if not target:
                return
        path = checked_save_path(self, self.ctx.db, target, title)
        if path is None:
            return
        db, actor, now, close_id = self.ctx.db, self.ctx.actor, self.ctx.clock(), row.id
        write = month_close_pdf.write_close_pdf if fmt == "pdf" else month_close_xlsx.write_close_xlsx
        self._busy = True
        self._update_buttons()
        self.status.setText("보고서를 만드는 중입니다…")
        # the save dialog asked before replacing a file (force); the database and backups stay refused
        self._saving.start(lambda: str(write(db, actor, close_id, path, now=now, force=True)))

    def _saved(self, token: int, written: str) -> None:
        if not self._saving.is_current(token):
            return
        self._busy = False
        self._update_buttons()
        self.status.setText(f"보고서를 저장했습니다: {written}")
        self.ctx.signals.status_message.emit(self.status.text())
        self.saved.emit(written)

    def _save_failed(self, token: int, error: Exception) -> None:
        if not self._saving.is_current(token):
            return
        self._busy = False
        self._update_buttons()
        self.status.setText("")
        if not isinstance(error, ServiceError):
            log.error("%s: saving the report failed", self.key, exc_info=error)
        show_error(self, error, "보고서 저장")

