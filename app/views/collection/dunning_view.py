"""수납관리 > 독촉관리: the letters due after failed debits, issuing them, holds, and what was issued.

Three tabs:

* **발행 예정** — for a day (today unless the clerk picks another), the letters due on or before it and
  not issued: household, stage, the failed debit (date, item, months), what is unpaid and the late fee
  as of that day, and the day the letter fell due. A held household's letters are greyed with
  "보류: 사유 (~종료일)" and cannot be ticked. The clerk ticks rows (or 전체 선택) and presses
  [안내문 발행]: after one confirmation, one PDF is written (a page per household) and each letter is
  recorded, so it can never be issued twice; nothing is issued or printed without that click, and
  only on today's list. [보류 등록] / [보류 해제] work on the chosen row's household.
* **보류 중** — the holds in force today, with [보류 등록] and [보류 해제].
* **발행 내역** — the letters issued in a date range; ticked ones can be saved again as a PDF marked
  재발행, which records no new letter.

Lists load in the background; writing a PDF runs in the background too. A 조회 user sees every list
and none of the buttons that change or print anything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.collection import dunning
from app.services.collection.dunning import DueLetter, HoldRow, IssuedLetter, IssueOutcome
from app.services.common.errors import ServiceError
from app.views.collection.dunning_hold_dialog import EndHoldDialog, HoldDialog
from app.views.collection.table_models import (
    ALIGN_CENTER,
    ALIGN_RIGHT,
    Column,
    TickModel,
    contract_gate,
    date_edit,
    fit,
    make_tick_table,
    money_column,
    office_today,
    recent_days_bar,
    sync_all_box,
    tick_list,
)
from app.views.common.base import Page, confirm, hint_label, show_error
from app.views.common.column_fit import set_elastic
from app.views.common.context import AppContext
from app.views.common.date_pickers import mark_closed_days, qdate_to_date
from app.views.common.dialogs import open_dialog
from app.views.common.empty_state import EmptyState, has_customers
from app.views.common.save_target import checked_save_path
from app.views.common.tables import MUTED
from app.views.common.workers import Background

log = logging.getLogger(__name__)

NO_CONTRACT = "계약정보가 선택되지 않았습니다. 화면 위에서 계약을 고르면 독촉 안내문 목록이 나옵니다."
INTRO = ("자동이체가 출금되지 않은 세대에 연체료·독촉 규정의 단계(1차 안내, 2차 독촉, 최고 …)대로 안내문을 보냅니다. "
         "발행할 안내문을 체크하고 [안내문 발행]을 누르면 세대마다 한 장씩 PDF로 저장되고 발행 내역에 남습니다. "
         "보류한 세대에는 보류 기간 동안 안내문을 보내지 않습니다.")
ISSUE_TODAY_ONLY = "안내문은 오늘 기준 목록에서만 발행합니다. 기준일을 오늘로 바꿔 조회하세요."
HISTORY_DAYS = 31
"""발행 내역 opens on the last month."""


def _due_colour(row: DueLetter) -> QColor | None:
    return MUTED if row.hold is not None else None


DUE_COLUMNS = (
    Column("고객번호", lambda r: r.customer_no),
    Column("고객명", lambda r: r.customer_name),
    Column("단계", lambda r: r.stage.name, ALIGN_CENTER),
    Column("출금일", lambda r: f"{r.debit_date:%Y-%m-%d}" + (" 재처리" if r.retry else ""), ALIGN_CENTER),
    Column("집금항목", lambda r: r.item_name),
    Column("청구월", lambda r: r.months, ALIGN_CENTER),
    money_column("미납액", lambda r: r.unpaid),
    Column("연체료", lambda r: r.late_fee_text, ALIGN_RIGHT),
    Column("예정일", lambda r: f"{r.due_on:%Y-%m-%d}", ALIGN_CENTER),
    Column("비고", lambda r: r.hold.text if r.hold is not None else "", foreground=_due_colour),
)

HOLD_COLUMNS = (
    Column("고객번호", lambda r: r.customer_no),
    Column("고객명", lambda r: r.customer_name),
    Column("보류 사유", lambda r: r.reason),
    Column("시작일", lambda r: f"{r.starts_on:%Y-%m-%d}", ALIGN_CENTER),
    Column("종료일", lambda r: f"{r.ends_on:%Y-%m-%d}", ALIGN_CENTER),
    Column("등록자", lambda r: r.created_by, ALIGN_CENTER),
)

ISSUED_COLUMNS = (
    Column("발행일", lambda r: f"{r.issued_on:%Y-%m-%d}", ALIGN_CENTER),
    Column("고객번호", lambda r: r.customer_no),
    Column("고객명", lambda r: r.customer_name),
    Column("단계", lambda r: r.stage_name, ALIGN_CENTER),
    Column("출금일", lambda r: f"{r.debit_date:%Y-%m-%d}", ALIGN_CENTER),
    Column("집금항목", lambda r: r.item_name),
    Column("청구월", lambda r: ", ".join(r.periods), ALIGN_CENTER),
    money_column("미납액", lambda r: r.unpaid),
    money_column("연체료", lambda r: r.late_fee, blank_zero=True),
    Column("발행자", lambda r: r.issued_by, ALIGN_CENTER),
)


@dataclass(frozen=True)
class _Issue:
    """What one [안내문 발행] asks, read on the UI thread and handed whole to the worker."""

    keys: tuple[dunning.LetterKey, ...]
    day: date
    target: Path


def _households(rows: list[Any]) -> int:
    return len({r.customer_id for r in rows})


class DunningPage(Page):
    """독촉관리: letters due, issuing (PDF), holds, and the issued letters with their reprint."""

    title = "독촉관리"
    key = "collection.dunning"

    loaded = Signal(str)  # "due", "holds" or "issued": that list is on screen
    issued = Signal(object)  # the IssueOutcome of an [안내문 발행]
    reprinted = Signal(str)  # the path of a 재발행 PDF

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.active_dialog: QDialog | None = None
        self.gate, content = contract_gate(ctx, self.body, NO_CONTRACT)
        self.no_contract, self.content = self.gate.message, self.gate.content
        content.addWidget(hint_label(INTRO))
        self.tabs = QTabWidget()
        content.addWidget(self.tabs, 1)
        self.status = hint_label("")
        content.addWidget(self.status)
        self.listed_day: date | None = None
        self._busy = False
        self._build_due(ctx)
        self._build_holds(ctx)
        self._build_issued(ctx)
        self._due_work, self._holds_work, self._issued_work, self._pdf_work = (
            Background(self), Background(self), Background(self), Background(self))
        self._due_work.finished.connect(self._due_loaded)
        self._holds_work.finished.connect(self._holds_loaded)
        self._issued_work.finished.connect(self._issued_loaded)
        for work in (self._due_work, self._holds_work, self._issued_work):
            work.failed.connect(lambda token, error, w=work: self._load_failed(w, token, error))
        self._pdf_work.finished.connect(self._pdf_done)
        self._pdf_work.failed.connect(self._pdf_failed)
        self._update_buttons()

    # --- layout --------------------------------------------------------------------------------------

    def _build_due(self, ctx: AppContext) -> None:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        self.day = date_edit(office_today(ctx))
        mark_closed_days(ctx, self.day)
        self.due_search = QPushButton("조회")
        self.due_search.setProperty("primary", True)
        self.hold_button = QPushButton("보류 등록")
        self.end_hold_button = QPushButton("보류 해제")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("기준일"))
        bar.addWidget(self.day)
        bar.addWidget(self.due_search)
        bar.addStretch(1)
        bar.addWidget(self.hold_button)
        bar.addWidget(self.end_hold_button)
        layout.addLayout(bar)
        self.due_model = TickModel(DUE_COLUMNS, key=lambda r: r.key, why_not=lambda r: r.hold.text if r.hold else None,
                                   ticks=ctx.actor.can_edit, parent=self)
        self.due = tick_list(layout, self.due_model, select_all="전체 선택", editing=ctx.actor.can_edit,
                             on_checked=self._ticks_changed, on_selection=self._due_moved)
        set_elastic(self.due.table, self.due_model.column_of("집금항목"), self.due_model.column_of("비고"))
        self.due_empty = EmptyState(self.due.table, ctx)
        self.issue_button = QPushButton("안내문 발행")
        self.issue_button.setProperty("primary", True)
        layout.addLayout(self.due.actions(self.issue_button))
        for button in (self.hold_button, self.end_hold_button, self.issue_button):
            button.setVisible(ctx.actor.can_edit)
        self.due_search.clicked.connect(self.load_due)
        self.day.dateChanged.connect(lambda *_: self.load_due())
        self.hold_button.clicked.connect(self.open_hold)
        self.end_hold_button.clicked.connect(lambda: self.open_end_hold())
        self.issue_button.clicked.connect(lambda: self.issue_ticked())
        self.tabs.addTab(tab, "발행 예정")

    def _build_holds(self, ctx: AppContext) -> None:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        self.holds_model = TickModel(HOLD_COLUMNS, key=lambda r: r.id, ticks=False, parent=self)
        self.holds_table = make_tick_table(self.holds_model)
        set_elastic(self.holds_table, self.holds_model.column_of("보류 사유"))
        self.holds_table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        layout.addWidget(self.holds_table, 1)
        self.holds_empty = EmptyState(self.holds_table, ctx)
        self.holds_total = QLabel()
        self.new_hold_button = QPushButton("보류 등록")
        self.stop_hold_button = QPushButton("보류 해제")
        row = QHBoxLayout()
        row.addWidget(self.holds_total, 1)
        row.addWidget(self.new_hold_button)
        row.addWidget(self.stop_hold_button)
        layout.addLayout(row)
        for button in (self.new_hold_button, self.stop_hold_button):
            button.setVisible(ctx.actor.can_edit)
        self.new_hold_button.clicked.connect(self.open_hold)
        self.stop_hold_button.clicked.connect(lambda: self.open_end_hold(self.selected_hold()))
        self.tabs.addTab(tab, "보류 중")

    def _build_issued(self, ctx: AppContext) -> None:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        bar = recent_days_bar(ctx, "발행일", HISTORY_DAYS)
        self.date_from, self.date_to, self.issued_search = bar.date_from, bar.date_to, bar.search
        layout.addLayout(bar.layout)
        self.issued_model = TickModel(ISSUED_COLUMNS, key=lambda r: r.id, ticks=ctx.actor.can_edit, parent=self)
        self.issued_table = make_tick_table(self.issued_model)
        set_elastic(self.issued_table, self.issued_model.column_of("집금항목"))
        layout.addWidget(self.issued_table, 1)
        self.issued_empty = EmptyState(self.issued_table, ctx)
        self.issued_all = QCheckBox("전체 선택")
        self.issued_all.setVisible(ctx.actor.can_edit)
        self.issued_all.toggled.connect(lambda on: self.issued_model.set_all_checked(on))
        self.issued_model.checked_changed.connect(self._issued_ticks_changed)
        self.issued_total = QLabel()
        self.issued_total.setWordWrap(True)
        self.reprint_button = QPushButton("재발행 PDF")
        self.reprint_button.setVisible(ctx.actor.can_edit)
        row = QHBoxLayout()
        row.addWidget(self.issued_all)
        row.addSpacing(12)
        row.addWidget(self.issued_total, 1)
        row.addWidget(self.reprint_button)
        layout.addLayout(row)
        self.issued_search.clicked.connect(self.load_issued)
        self.reprint_button.clicked.connect(lambda: self.reprint_ticked())
        self.tabs.addTab(tab, "발행 내역")

    # --- loading -------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the three lists (in the background)."""
        self.gate.show(self.ctx)
        if self.ctx.contract_id is None:
            for model in (self.due_model, self.holds_model, self.issued_model):
                model.set_rows([])
            return
        self.load_due()
        self.load_holds()
        self.load_issued()

    def load_due(self) -> None:
        if self.ctx.contract_id is None:
            return
        db, actor, contract_id, day = self.ctx.db, self.ctx.actor, self.ctx.contract_id, qdate_to_date(self.day)
        self.due.totals.setText("조회 중입니다…")
        self._due_work.start(lambda: (day, dunning.due_letters(db, actor, contract_id, day)))

    def load_holds(self) -> None:
        if self.ctx.contract_id is None:
            return
        db, actor, contract_id, today = self.ctx.db, self.ctx.actor, self.ctx.contract_id, office_today(self.ctx)
        self._holds_work.start(lambda: dunning.holds(db, actor, contract_id, today))

    def load_issued(self) -> None:
        if self.ctx.contract_id is None:
            return
        db, actor, contract_id = self.ctx.db, self.ctx.actor, self.ctx.contract_id
        start, end = qdate_to_date(self.date_from), qdate_to_date(self.date_to)
        self._issued_work.start(lambda: dunning.issued_letters(db, actor, contract_id, start, end))

    def _due_loaded(self, token: int, result: tuple[date, list[DueLetter]]) -> None:
        if not self._due_work.is_current(token):
            return
        self.listed_day, rows = result
        self.due_model.set_rows(rows)
        fit(self.due.table)
        if rows:
            self.due_empty.clear()
            if not self.due.table.selectionModel().selectedRows():
                self.due.table.selectRow(0)
        elif not has_customers(self.ctx):
            self.due_empty.show_no_customers()
        else:
            self.due_empty.show_empty(f"{self.listed_day:%Y-%m-%d}까지 발행할 안내문이 없습니다",
                                      "자동이체가 출금되지 않은 세대가 있으면 단계별 날짜에 여기에 나옵니다.")
        self._ticks_changed()
        self._due_moved()
        self.loaded.emit("due")

    def _holds_loaded(self, token: int, rows: list[HoldRow]) -> None:
        if not self._holds_work.is_current(token):
            return
        self.holds_model.set_rows(rows)
        fit(self.holds_table)
        if rows:
            self.holds_empty.clear()
            self.holds_table.selectRow(0)
        else:
            self.holds_empty.show_empty("보류 중인 세대가 없습니다",
                                        "분납 약정이나 이의 제기로 안내문을 잠시 멈출 세대는 [보류 등록]으로 등록하세요.")
        self.holds_total.setText(f"보류 중 {len(rows)}세대" if rows else "")
        self._update_buttons()
        self.loaded.emit("holds")

    def _issued_loaded(self, token: int, rows: list[IssuedLetter]) -> None:
        if not self._issued_work.is_current(token):
            return
        self.issued_model.set_rows(rows)
        fit(self.issued_table)
        if rows:
            self.issued_empty.clear()
        else:
            self.issued_empty.show_empty("이 기간에 발행한 안내문이 없습니다")
        self._issued_ticks_changed()
        self.loaded.emit("issued")

    def _load_failed(self, work: Background, token: int, error: Exception) -> None:
        if not work.is_current(token):
            return
        if not isinstance(error, ServiceError):
            log.error("%s: loading a list failed", self.key, exc_info=error)
        show_error(self, error)

    # --- the 발행 예정 list ----------------------------------------------------------------------------

    def selected_due(self) -> DueLetter | None:
        chosen = self.due.table.selectionModel().selectedRows()
        return self.due_model.row_at(chosen[0].row()) if chosen else None

    def selected_hold(self) -> HoldRow | None:
        chosen = self.holds_table.selectionModel().selectedRows()
        return self.holds_model.row_at(chosen[0].row()) if chosen else None

    def _due_moved(self) -> None:
        row = self.selected_due()
        if row is None:
            self.due.detail.setText("")
        else:
            fee = f" · 연체료 {row.late_fee_text}" if row.late_fee_text else ""
            account = f" · 계좌 {row.account}" if row.account else ""
            hold = f" · {row.hold.text}" if row.hold else ""
            self.due.detail.setText(
                f"{row.customer_name}({row.customer_no}) {row.stage.name} — {row.debit_date:%Y-%m-%d} "
                f"{row.item_name} {row.months} 출금분 · 미납 {row.unpaid:,}원{fee}{account}{hold}")
        self._update_buttons()

    def _ticks_changed(self) -> None:
        sync_all_box(self.due.all_box, self.due_model)
        rows = self.due_model.rows()
        ready = [r for r in rows if r.hold is None]
        held = _households([r for r in rows if r.hold is not None])
        text = (f"발행 예정 {len(ready)}건 · {_households(ready)}세대 · 미납 {sum(r.unpaid for r in ready):,}원"
                + (f" · 보류 {held}세대" if held else ""))
        ticked = self.due_model.checked_rows()
        if ticked:
            text += f" · 선택 {len(ticked)}건({_households(ticked)}세대)"
        if self.listed_day is not None and self.listed_day != office_today(self.ctx) and self.ctx.actor.can_edit:
            text += f"\n{ISSUE_TODAY_ONLY}"
        self.due.totals.setText(text)
        self._update_buttons()

    def _update_buttons(self) -> None:
        idle = not self._busy and self.ctx.contract_id is not None
        today = self.listed_day == office_today(self.ctx)
        self.issue_button.setEnabled(idle and today and bool(self.due_model.checked_rows()))
        due = self.selected_due()
        self.hold_button.setEnabled(idle)
        self.end_hold_button.setEnabled(idle and due is not None and due.hold is not None)
        self.new_hold_button.setEnabled(idle)
        self.stop_hold_button.setEnabled(idle and self.selected_hold() is not None)
        self.reprint_button.setEnabled(idle and bool(self.issued_model.checked_rows()))

    # --- holds ---------------------------------------------------------------------------------------

    def open_hold(self) -> None:
        """[보류 등록]: the dialog opens on the chosen row's household (발행 예정 tab)."""
        if self.ctx.contract_id is None or not self.ctx.actor.can_edit:
            return
        row = self.selected_due() if self.tabs.currentIndex() == 0 else None
        dialog = HoldDialog(self.ctx, self.ctx.contract_id, row.customer_no if row else "", self)
        dialog.done_with.connect(self._changed)
        open_dialog(self, dialog)

    def open_end_hold(self, hold: HoldRow | None = None) -> None:
        """[보류 해제]: of the chosen held row (발행 예정) or the chosen hold (보류 중)."""
        if not self.ctx.actor.can_edit:
            return
        if hold is None:
            row = self.selected_due()
            hold = row.hold if row is not None else None
        if hold is None:
            return
        dialog = EndHoldDialog(self.ctx, hold, self)
        dialog.done_with.connect(self._changed)
        open_dialog(self, dialog)

    def _changed(self, message: str) -> None:
        self._announce(message)
        self.refresh()

    # --- issuing and reprinting ------------------------------------------------------------------------

    def _ask_target(self, title: str, name: str) -> str:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        path, _filter = QFileDialog.getSaveFileName(self, title, str(Path(folder) / name), "PDF 파일 (*.pdf)")
        return path

    def issue_ticked(self, target: str | None = None) -> None:
        """[안내문 발행]: the ticked letters, after one confirmation, written and recorded in the background."""
        ticked: list[DueLetter] = self.due_model.checked_rows()
        if self.ctx.contract_id is None or self._busy or not self.ctx.actor.can_edit or not ticked:
            return
        day = self.listed_day
        if day != office_today(self.ctx):
            show_error(self, ServiceError(ISSUE_TODAY_ONLY), "안내문 발행")
            return
        assert day is not None
        if not confirm(self, f"독촉 안내문 {len(ticked)}건({_households(ticked)}세대)을 발행합니다. 세대마다 한 장씩 PDF로 "
                             "저장하고 발행 내역에 남깁니다. 발행한 안내문은 다시 발행할 수 없고 [발행 내역]에서 재발행만 "
                             "할 수 있습니다. 발행할까요?", "안내문 발행"):
            return
        path = target or self._ask_target("독촉 안내문 저장", f"독촉안내문_{day:%Y%m%d}.pdf")
        if not path:
            return
        checked = checked_save_path(self, self.ctx.db, path, "안내문 발행")
        if checked is None:
            return
        job = _Issue(tuple(r.key for r in ticked), day, checked)
        db, actor, contract_id, now = self.ctx.db, self.ctx.actor, self.ctx.contract_id, self.ctx.clock()
        self._set_busy(True, f"안내문 {len(ticked)}건을 발행하는 중입니다…")
        # the save dialog asked before replacing a file (force); the database and backups stay refused
        self._pdf_work.start(lambda: ("issue", dunning.issue(db, actor, contract_id, job.keys, job.day, job.target,
                                                            now=now, force=True)))

    def reprint_ticked(self, target: str | None = None) -> None:
        """[재발행 PDF]: the ticked issued letters saved again, marked 재발행 (no new letter is recorded)."""
        ticked: list[IssuedLetter] = self.issued_model.checked_rows()
        if self.ctx.contract_id is None or self._busy or not self.ctx.actor.can_edit or not ticked:
            return
        path = target or self._ask_target("재발행 PDF 저장", f"독촉안내문_재발행_{office_today(self.ctx):%Y%m%d}.pdf")
        if not path:
            return
        checked = checked_save_path(self, self.ctx.db, path, "재발행")
        if checked is None:
            return
        ids = [r.id for r in ticked]
        db, actor, contract_id, now = self.ctx.db, self.ctx.actor, self.ctx.contract_id, self.ctx.clock()
        self._set_busy(True, f"안내문 {len(ids)}건을 다시 인쇄할 PDF로 만드는 중입니다…")
        self._pdf_work.start(lambda: ("reprint", dunning.reprint(db, actor, contract_id, ids, checked, now=now,
                                                                force=True)))

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        self.status.setText(text)
        self._update_buttons()

    def _pdf_done(self, token: int, result: tuple[str, Any]) -> None:
        if not self._pdf_work.is_current(token):
            return
        self._set_busy(False)
        kind, value = result
        if kind == "issue":
            outcome: IssueOutcome = value
            self.due_model.set_all_checked(False)
            self._announce(outcome.message)
            self.refresh()
            self.issued.emit(outcome)
        else:
            self.issued_model.set_all_checked(False)
            self._announce(f"재발행 PDF를 저장했습니다: {value}")
            self.reprinted.emit(str(value))

    def _pdf_failed(self, token: int, error: Exception) -> None:
        if not self._pdf_work.is_current(token):
            return
        self._set_busy(False)
        if not isinstance(error, ServiceError):  # a refusal is the clerk's news; anything else is ours
            log.error("%s: issuing or reprinting failed", self.key, exc_info=error)
        show_error(self, error, "독촉 안내문")
        self.refresh()

    def _issued_ticks_changed(self) -> None:
        sync_all_box(self.issued_all, self.issued_model)
        rows = self.issued_model.rows()
        ticked = self.issued_model.checked_rows()
        text = f"발행 {len(rows)}건 · {_households(rows)}세대" if rows else ""
        if ticked:
            text += f" · 선택 {len(ticked)}건"
        self.issued_total.setText(text)
        self._update_buttons()

    def _announce(self, message: str) -> None:
        self.status.setText(message)
        self.ctx.signals.status_message.emit(message)
        self.ctx.signals.data_changed.emit("dunning")

