"""수납관리 > 이체송수신현황: every file sent to and received from the relay, per bank, for reference.

As the manual says, this is the relay-side view by bank, not the institution's own ledger: the
clerk chooses a bank (or 전체) and a period of request dates (this month by default) and sees each
file with its counts, amounts, state and times; double-click opens it decoded (`FileViewDialog`).
Administrators also get 지금 송신 / 지금 수신 (the scheduler's work, on demand, in a worker thread)
and 파일 저장 (the exact bytes, audited: the fallback for uploading by hand on the agency's web page
when the relay is down).
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QObject, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from app.models import TransmissionState
from app.services.common.formats import stamp_text
from app.services.exchange import relay_config
from app.services.exchange import transmissions as tx
from app.services.exchange.cms import BANK_NAMES
from app.services.exchange.scheduler import CollectionScheduler, PassReport
from app.services.exchange.transmissions import BankTally, TransmissionRow
from app.views.collection.file_view_dialog import FileViewDialog
from app.views.common.base import Page, confirm, hint_label, show_error
from app.views.common.column_fit import set_elastic
from app.views.common.context import AppContext
from app.views.common.date_pickers import mark_closed_days, qdate_to_date
from app.views.common.tables import (
    ALERT,
    ALIGN_CENTER,
    ALIGN_RIGHT,
    MUTED,
    Column,
    RowsModel,
    fit_columns,
    make_table,
)
from app.views.common.workers import Job

GOOD = QColor("#1f6f3f")
HINT = ("이 화면은 이용기관 기준이 아니라 은행별 송수신 현황이므로 참고자료로 활용하세요. "
        "기간은 이체의뢰일(계좌신청은 신청일) 기준이며, 파일을 두 번 누르면 내용을 볼 수 있습니다.")


def _money(value: int) -> str:
    return f"{value:,}" if value else ""


def _state_colour(row: TransmissionRow) -> QColor | None:
    if row.state == TransmissionState.ERROR:
        return ALERT
    if row.state == TransmissionState.APPLIED:
        return GOOD
    return None


def _count(row: TransmissionRow) -> int:
    return row.tally.count or row.file_records


def _amount(row: TransmissionRow) -> int:
    return row.tally.amount if row.tally.count else row.file_amount


FILE_COLUMNS = (
    Column("구분", lambda r: r.direction.label, ALIGN_CENTER),
    Column("파일", lambda r: f"{r.kind} {r.kind_label}"),
    Column("파일이름", lambda r: tx.display_name(r.remote_name)),
    Column("이체의뢰일", lambda r: r.file_date.isoformat(), ALIGN_CENTER),
    Column("건수", lambda r: f"{_count(r):,}", ALIGN_RIGHT),
    Column("금액", lambda r: _money(_amount(r)), ALIGN_RIGHT),
    Column("완료", lambda r: f"{r.tally.done_count:,}" if r.tally.done_count else "", ALIGN_RIGHT),
    Column("미완료", lambda r: f"{r.tally.failed_count:,}" if r.tally.failed_count else "", ALIGN_RIGHT,
           lambda r: ALERT if r.tally.failed_count else None),
    Column("출금액", lambda r: _money(r.tally.done_amount), ALIGN_RIGHT),
    Column("미출금액", lambda r: _money(r.tally.failed_amount), ALIGN_RIGHT),
    Column("상태", lambda r: r.state_label, ALIGN_CENTER, _state_colour),
    Column("송수신 시각", lambda r: stamp_text(r.sent_at if r.direction == "SEND" else r.received_at, "%m-%d %H:%M"),
           ALIGN_CENTER),
    Column("비고", lambda r: r.error or "", foreground=lambda r: ALERT if r.error else MUTED),
)
"""Thirteen columns that fit a 1024-wide screen: the times without the year (이체의뢰일 has it), the
파일 name narrowing first ("EB13 출금…", whole in its tooltip) and 비고 after it; when a result was
반영 is in the file's own view (double-click), where every time of the file is listed."""

BANK_COLUMNS = (
    Column("은행", lambda b: f"{b.bank_name} ({b.bank_code})"),
    Column("건수", lambda b: f"{b.tally.count:,}", ALIGN_RIGHT),
    Column("금액", lambda b: _money(b.tally.amount), ALIGN_RIGHT),
    Column("완료", lambda b: f"{b.tally.done_count:,}" if b.tally.done_count else "", ALIGN_RIGHT),
    Column("미완료", lambda b: f"{b.tally.failed_count:,}" if b.tally.failed_count else "", ALIGN_RIGHT,
           lambda b: ALERT if b.tally.failed_count else None),
    Column("출금액", lambda b: _money(b.tally.done_amount), ALIGN_RIGHT),
    Column("미출금액", lambda b: _money(b.tally.failed_amount), ALIGN_RIGHT),
)


def make_scheduler(ctx: AppContext) -> CollectionScheduler:
    """The scheduler of this app process: the relay chosen in the settings, the context's clock and
    data key (None while locked: then nothing is built, and the status says why)."""
    return CollectionScheduler(
        ctx.db, clock=ctx.clock, transport_for=relay_config.transport_factory(ctx.db, clock=ctx.clock),
        data_key=lambda: ctx.data_key,
    )


class SchedulerBridge(QObject):
    """Brings the embedded scheduler's passes (run on its background thread) to the UI thread.

    For the main window: ``bridge = SchedulerBridge(scheduler)``, connect ``bridge.passed`` to the
    status bar, ``scheduler.start()`` after login and ``scheduler.shutdown()`` at close; the status
    bar text is ``scheduler.status().text()``.
    """

    passed = Signal(str)

    def __init__(self, scheduler: CollectionScheduler, parent: QObject | None = None) -> None:
        super().__init__(parent)
        scheduler.add_listener(self._relay)

    def _relay(self, report: PassReport) -> None:
        if report.lines or report.problems or report.skipped:
            self.passed.emit(report.summary())


class TransmissionsPage(Page):
    title = "이체송수신현황"
    key = "collection.transmissions"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None,
                 scheduler: CollectionScheduler | None = None) -> None:
        super().__init__(ctx, parent)
        self._scheduler = scheduler
        self.task: Job | None = None
        self.dialogs: list[FileViewDialog] = []
        today = ctx.clock().date()
        self.bank = QComboBox()
        self.bank.addItem("전체", "")
        for code, name in sorted(BANK_NAMES.items()):
            self.bank.addItem(f"{name} ({code})", code)
        self.date_from = self._date_box(today.replace(day=1))
        self.date_to = self._date_box(today.replace(day=_calendar.monthrange(today.year, today.month)[1]))
        mark_closed_days(ctx, self.date_from, self.date_to)
        self.search_button = QPushButton("조회")
        self.search_button.setProperty("primary", True)
        self.search_button.clicked.connect(self.search)
        filters = QHBoxLayout()
        filters.addWidget(QLabel("은행"))
        filters.addWidget(self.bank)
        filters.addSpacing(12)
        filters.addWidget(QLabel("이체의뢰일"))
        filters.addWidget(self.date_from)
        filters.addWidget(QLabel("~"))
        filters.addWidget(self.date_to)
        filters.addWidget(self.search_button)
        filters.addStretch(1)

        self.model = RowsModel(FILE_COLUMNS, self)
        self.table = make_table(self.model, self.open_selected, stretch=len(FILE_COLUMNS) - 1)
        set_elastic(self.table, 1, len(FILE_COLUMNS) - 1)  # 파일, 비고
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_banks())
        self.bank_model = RowsModel(BANK_COLUMNS, self)
        self.bank_table = make_table(self.bank_model, stretch=0)
        self.bank_table.setMinimumHeight(150)
        self.bank_title = QLabel("은행별 내역")
        self.count = hint_label("")
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_line = hint_label("")

        self.view_button = QPushButton("파일 보기")
        self.view_button.clicked.connect(self.open_selected)
        self.save_button = QPushButton("파일 저장")
        self.save_button.clicked.connect(self._save_clicked)
        self.send_button = QPushButton("지금 송신")
        self.send_button.clicked.connect(self.send_now)
        self.fetch_button = QPushButton("지금 수신")
        self.fetch_button.clicked.connect(self.fetch_now)
        admin = ctx.actor.is_admin
        for button in (self.save_button, self.send_button, self.fetch_button):
            button.setVisible(admin)
        buttons = QHBoxLayout()
        buttons.addWidget(self.count, 1)
        for button in (self.view_button, self.save_button, self.send_button, self.fetch_button):
            buttons.addWidget(button)

        self.body.addLayout(filters)
        self.body.addWidget(hint_label(HINT))
        self.body.addWidget(self.table, 2)
        self.body.addWidget(self.bank_title)
        self.body.addWidget(self.bank_table, 1)
        self.body.addLayout(buttons)
        self.body.addWidget(self.result)
        self.body.addWidget(self.status_line)

    @staticmethod
    def _date_box(day: date) -> QDateEdit:
        box = QDateEdit(QDate(day.year, day.month, day.day))
        box.setCalendarPopup(True)
        box.setDisplayFormat("yyyy-MM-dd")
        return box

    @property
    def scheduler(self) -> CollectionScheduler:
        """The scheduler used for 지금 송신/수신; same process, same lease as the embedded one."""
        if self._scheduler is None:
            self._scheduler = make_scheduler(self.ctx)
        return self._scheduler

    # --- listing -------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.search()

    def search(self) -> None:
        if self.ctx.contract_id is None:
            self.model.set_rows([])
            self.count.setText("계약정보를 선택하세요.")
            return
        first, last = qdate_to_date(self.date_from), qdate_to_date(self.date_to)
        if last < first:
            self.count.setText("기간: 끝 날짜가 시작 날짜보다 앞입니다. 날짜를 바꾸세요.")
            self.model.set_rows([])
            return
        bank = str(self.bank.currentData() or "") or None
        rows = tx.list_transmissions(self.ctx.db, self.ctx.actor, self.ctx.contract_id, first=first, last=last,
                                     bank_code=bank)
        self.model.set_rows(rows)
        fit_columns(self.table)
        sent = sum(1 for r in rows if r.direction == "SEND")
        errors = sum(1 for r in rows if r.state == TransmissionState.ERROR)
        note = f", 오류 {errors}개" if errors else ""
        self.count.setText(f"송신 {sent}개, 수신 {len(rows) - sent}개{note} · {first:%Y-%m-%d} ~ {last:%Y-%m-%d}"
                           f"{' · ' + self.bank.currentText() if bank else ''}")
        if rows:
            self.table.selectRow(0)
        self._show_banks()
        self._show_status()

    def selected(self) -> TransmissionRow | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _show_banks(self) -> None:
        row = self.selected()
        banks: list[BankTally] = tx.bank_breakdown(self.ctx.db, self.ctx.actor, row.id) if row else []
        self.bank_model.set_rows(banks)
        fit_columns(self.bank_table)
        self.bank_title.setText(f"은행별 내역 · {tx.display_name(row.remote_name)}" if row else "은행별 내역")
        self.save_button.setEnabled(row is not None)
        self.view_button.setEnabled(row is not None)

    def _show_status(self) -> None:
        try:
            self.status_line.setText(f"송수신 일정: {self.scheduler.status().text()}")
        except Exception as error:  # noqa: BLE001 - the list must show even if the plan cannot be read
            self.status_line.setText(f"송수신 일정을 읽지 못했습니다 ({type(error).__name__}).")

    # --- one file ------------------------------------------------------------------------------

    def open_selected(self) -> FileViewDialog | None:
        row = self.selected()
        if row is None:
            return None
        try:
            dialog = FileViewDialog(self.ctx, row.id, self)
        except Exception as error:  # noqa: BLE001 - shown to the clerk
            show_error(self, error)
            return None
        self.dialogs = [d for d in self.dialogs if d.isVisible()] + [dialog]
        dialog.show()
        return dialog

    def save_selected(self, path: Path, *, force: bool = False) -> Path | None:
        """Save the selected file's exact bytes (opened with the data key); `force` only once the
        clerk has confirmed replacing an existing file (the save dialog asks)."""
        row = self.selected()
        if row is None:
            return None
        target = tx.save_file(self.ctx.db, self.ctx.actor, row.id, path, self.ctx.data_key, force=force)
        self._say(f"{target.name} 파일을 저장했습니다 ({target}). 감사기록에 남았습니다.", ok=True)
        return target

    def _save_clicked(self) -> None:
        row = self.selected()
        if row is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "파일 저장", tx.display_name(row.remote_name))
        if path:
            try:
                self.save_selected(Path(path), force=True)  # the save dialog asked before replacing
            except Exception as error:  # noqa: BLE001 - shown to the clerk
                show_error(self, error)

    # --- 지금 송신 / 지금 수신 ---------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.task is not None

    def send_now(self) -> None:
        if self.ctx.contract_id is None or self.busy:
            return
        if not confirm(self, "대기 중인 계좌신청과 오늘 마감인 이체의뢰를 지금 중계서버로 보냅니다.\n"
                             "보낸 뒤에 같은 출금일로 의뢰한 건은 그 파일로 보낼 수 없습니다. 보낼까요?", "지금 송신"):
            return
        contract_id, actor = self.ctx.contract_id, self.ctx.actor
        self._start("송신 중입니다…", lambda: self.scheduler.send_now(contract_id, actor))

    def fetch_now(self) -> None:
        if self.ctx.contract_id is None or self.busy:
            return
        contract_id, actor = self.ctx.contract_id, self.ctx.actor
        self._start("결과 파일을 받는 중입니다…", lambda: self.scheduler.fetch_now(contract_id, actor))

    def _start(self, message: str, work: Callable[[], PassReport]) -> None:
        task = Job(work)
        task.signals.finished.connect(self._done)
        task.signals.failed.connect(self._failed)
        self.task = task
        self._set_buttons(False)
        self._say(message, ok=None)
        task.start()

    def _done(self, report: PassReport) -> None:
        self.task = None
        self._set_buttons(True)
        lines = report.lines + [f"문제: {p}" for p in report.problems] + [m.message for m in report.missed]
        self._say("\n".join(lines) or "처리할 작업이 없었습니다.", ok=not report.problems)
        self.ctx.signals.status_message.emit(report.summary())
        self.ctx.signals.data_changed.emit("transmissions")
        self.search()

    def _failed(self, error: BaseException) -> None:
        self.task = None
        self._set_buttons(True)
        self._say(getattr(error, "message", None) or f"처리 중 오류가 발생했습니다 ({type(error).__name__}).", ok=False)

    def _set_buttons(self, enabled: bool) -> None:
        for button in (self.send_button, self.fetch_button, self.search_button):
            button.setEnabled(enabled)

    def _say(self, text: str, *, ok: bool | None) -> None:
        self.result.setStyleSheet("" if ok is None else "color: #1f6f3f;" if ok else "color: #c0392b;")
        self.result.setText(text)
