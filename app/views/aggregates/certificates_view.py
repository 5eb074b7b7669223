"""집계 > 교육비 납입증명서: every student's year of fees paid, issued as numbered certificates (PDF) for 연말정산.

The list is the service's (app/services/aggregates/certificates.py): one row per customer with money
counted in the year, the months compacted into one column (the selected row's twelve months show
below the list), the 연간 합계, the latest certificate's number and whether the ledger has changed
since (변경됨). The clerk ticks students and presses [선택 발급 PDF], or [전체 발급 PDF] for every row
listed; a student with earlier certificates is named with them ("이미 발급: 2026-0003 (12-02 홍길동,
변경됨)") and the clerk confirms before a new number is given. Issuing and writing the PDF run in the
background; the saved PDF then opens in a preview to print. [목록 엑셀] saves the list as shown.

The year defaults to last year in January and February (when parents ask), else this year.
주민등록번호 전체 표시 is offered only to users who may unmask (관리자) with the data key open.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.aggregates import certificates
from app.services.aggregates.certificates import CertificateRow
from app.services.aggregates.reports import build, certificate_list, certificate_pdf
from app.services.common.errors import ServiceError
from app.views.collection.table_models import (
    ALIGN_CENTER,
    Column,
    TickModel,
    contract_line,
    fit,
    make_tick_table,
    money_column,
    office_today,
    search_box,
    sync_all_box,
    update_contract_line,
)
from app.views.common.base import Page, confirm, hint_label, show_error
from app.views.common.column_fit import set_elastic
from app.views.common.context import AppContext
from app.views.common.empty_state import EmptyState, has_customers
from app.views.common.save_target import checked_save_path
from app.views.common.tables import ALERT, MUTED
from app.views.common.workers import Background

log = logging.getLogger(__name__)

NO_CONTRACT = "계약정보를 먼저 선택하세요. 화면 위의 계약정보에서 학원의 계약을 고르면 교육비 납입증명서 목록이 나옵니다."
INTRO = ("자동이체 출금액과 현금수납액에서 수납취소액과 반환금액을 뺀 금액을 월별로 보여 줍니다. 학생을 선택하고 "
         "[선택 발급 PDF]를 누르면 번호가 매겨진 증명서를 저장하고 미리보기에서 인쇄할 수 있습니다.")
DONE_COLOUR = QColor("#1e7b34")


def months_text(months: tuple[int, ...]) -> str:
    """The months with money as runs: '1~5·7월' (a month below zero, a refund, is marked '11월−')."""
    parts: list[str] = []
    run: list[int] = []

    def flush() -> None:
        if run:
            parts.append(f"{run[0]}~{run[-1]}" if len(run) > 2 else "·".join(str(m) for m in run))
            run.clear()

    for month, amount in enumerate(months, start=1):
        if amount > 0:
            run.append(month)
            continue
        flush()
        if amount < 0:
            parts.append(f"{month}(반환)")
    flush()
    return "·".join(parts) + "월" if parts else ""


def month_line(row: CertificateRow) -> str:
    """The selected student's twelve months, for the line under the list."""
    paid = " · ".join(f"{m}월 {a:,}" for m, a in enumerate(row.months, start=1) if a)
    return f"{row.student}({row.customer_no}) {paid or '납입 없음'} · 합계 {row.total:,}원"


def _state_colour(row: CertificateRow) -> QColor:
    if row.latest is None:
        return MUTED
    return ALERT if row.out_of_date else DONE_COLOUR


COLUMNS = (
    Column("고객번호", lambda r: r.customer_no),
    Column("납부자", lambda r: r.payer),
    Column("학생", lambda r: r.student),
    Column("생년월일", lambda r: f"{r.birth_date:%Y-%m-%d}" if r.birth_date else "", ALIGN_CENTER),
    Column("9세 미만", lambda r: "●" if r.under_nine else "", ALIGN_CENTER),
    Column("납입월", lambda r: months_text(r.months)),
    money_column("연간 합계", lambda r: r.total),
    Column("발급번호", lambda r: r.latest_number, ALIGN_CENTER),
    Column("상태", lambda r: r.state_text, ALIGN_CENTER, _state_colour),
)


def default_year(today: datetime) -> int:
    """Last year in January and February (연말정산 season), else this year."""
    return today.year - 1 if today.month <= 2 else today.year


@dataclass(frozen=True)
class IssueJob:
    """What one [발급] asks, read on the UI thread and handed whole to the worker."""

    year: int
    customer_ids: tuple[int, ...]
    target: str
    per_student: bool
    full_resident_no: bool


class CertificatesPage(Page):
    """교육비 납입증명서: the year's list, issuing (PDF) and the list as .xlsx."""

    title = "교육비 납입증명서"
    key = "aggregates.certificates"

    loaded = Signal()
    issued = Signal(object)  # the list of IssuedCertificate
    saved = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.stack = QStackedWidget()
        self.body.addWidget(self.stack, 1)
        self.no_contract = hint_label(NO_CONTRACT)
        content = QWidget()
        self.stack.addWidget(content)
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.addWidget(self.no_contract)
        column.addStretch(1)
        self.stack.addWidget(holder)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        self.contract_label = contract_line(ctx)
        layout.addWidget(self.contract_label)
        layout.addWidget(hint_label(INTRO))

        today = ctx.clock()
        self.year = QSpinBox()
        self.year.setRange(certificates.FIRST_YEAR, today.year)
        self.year.setValue(default_year(today))
        self.year.setSuffix("년")
        self.year.setMinimumWidth(90)
        self.search = search_box("고객번호·납부자·학생")
        self.search_button = QPushButton("조회")
        self.search_button.setProperty("primary", True)
        self.per_student = QCheckBox("학생별 파일로 저장")
        self.per_student.setToolTip("체크하면 고른 폴더에 학생마다 PDF 파일 하나씩 저장합니다.")
        self.full_resident = QCheckBox("주민등록번호 전체 표시")
        self.full_resident.setToolTip("신청인의 주민등록번호를 가리지 않고 인쇄합니다 (관리자, 감사기록에 남음).")
        self.full_resident.setVisible(ctx.actor.is_admin and ctx.data_key is not None)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("연도"))
        bar.addWidget(self.year)
        bar.addSpacing(8)
        bar.addWidget(QLabel("검색"))
        bar.addWidget(self.search)
        bar.addWidget(self.search_button)
        bar.addStretch(1)
        bar.addWidget(self.per_student)
        bar.addWidget(self.full_resident)
        layout.addLayout(bar)
        self.search_button.clicked.connect(self.refresh)
        self.search.returnPressed.connect(self.refresh)
        self.year.valueChanged.connect(lambda _v: self.refresh())

        self.model = TickModel(COLUMNS, key=lambda r: r.customer_id, ticks=ctx.actor.can_edit, grey=False,
                               parent=self)
        self.table = make_tick_table(self.model)
        set_elastic(self.table, self.model.column_of("납입월"))
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_moved())
        layout.addWidget(self.table, 1)
        self.empty = EmptyState(self.table, ctx)
        self.detail = hint_label("")
        layout.addWidget(self.detail)

        self.all_box = QCheckBox("전체 선택")
        self.all_box.toggled.connect(lambda on: self.model.set_all_checked(on))
        self.all_box.setVisible(ctx.actor.can_edit)
        self.model.checked_changed.connect(self._ticks_changed)
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.issue_button = QPushButton("선택 발급 PDF")
        self.issue_button.setProperty("primary", True)
        self.issue_all_button = QPushButton("전체 발급 PDF")
        self.xlsx_button = QPushButton("목록 엑셀")
        self.issue_button.clicked.connect(lambda: self.issue_selected())
        self.issue_all_button.clicked.connect(lambda: self.issue_all())
        self.xlsx_button.clicked.connect(lambda: self.save_list())
        for button in (self.issue_button, self.issue_all_button):
            button.setVisible(ctx.actor.can_edit)
        actions = QHBoxLayout()
        actions.addWidget(self.all_box)
        actions.addSpacing(12)
        actions.addWidget(self.totals, 1)
        for button in (self.issue_button, self.issue_all_button, self.xlsx_button):
            actions.addWidget(button)
        layout.addLayout(actions)
        self.status = hint_label("")
        layout.addWidget(self.status)

        self.rows: list[CertificateRow] = []
        self.listed_year = self.year.value()
        self.last_issued: list[certificates.IssuedCertificate] = []
        self.active_dialog: QWidget | None = None
        self._work = Background(self)
        self._work.finished.connect(self._work_done)
        self._work.failed.connect(self._work_failed)
        self._busy = False
        self._update_buttons()

    # --- loading -------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the year's list (keeping ticks of students still listed)."""
        if self.ctx.contract_id is None:
            self.stack.setCurrentIndex(1)
            return
        self.stack.setCurrentIndex(0)
        update_contract_line(self.ctx, self.contract_label)
        try:
            rows = certificates.certificate_rows(self.ctx.db, self.ctx.actor, self.ctx.contract_id, self.year.value(),
                                                 search=self.search.text().strip() or None)
        except ServiceError as error:
            show_error(self, error)
            return
        self.rows, self.listed_year = rows, self.year.value()
        self.model.set_rows(rows)
        fit(self.table)
        self._show_empty()
        if rows and not self.table.selectionModel().selectedRows():
            self.table.selectRow(0)
        total = sum(r.total for r in rows)
        young = sum(r.under_nine for r in rows)
        changed = sum(r.out_of_date for r in rows)
        text = f"{self.listed_year}년 · 학생 {len(rows):,}명 · 연간 합계 {total:,}원 · 9세 미만 {young:,}명"
        self.summary_text = text + (f" · 변경됨 {changed:,}건" if changed else "")
        self._ticks_changed()
        self._selection_moved()
        self.loaded.emit()

    def _show_empty(self) -> None:
        if self.rows:
            self.empty.clear()
        elif self.search.text().strip():
            self.empty.show_filtered("검색한 고객의 납입 내역이 없습니다.")
        elif not has_customers(self.ctx):
            self.empty.show_no_customers()
        else:
            self.empty.show_empty(f"{self.year.value()}년에 납입된 교육비가 없습니다",
                                  "자동이체로 출금되었거나 현금으로 수납한 교육비가 있으면 학생별로 나옵니다.")

    def _ticks_changed(self) -> None:
        sync_all_box(self.all_box, self.model)
        ticked = self.model.checked_rows()
        picked = f" · 선택 {len(ticked):,}명 {sum(r.total for r in ticked):,}원" if ticked else ""
        self.totals.setText(getattr(self, "summary_text", "") + picked)
        self._update_buttons()

    def _selection_moved(self) -> None:
        row = self.selected_row()
        if row is None:
            self.detail.setText("")
            return
        earlier = f" · 최근 발급: {row.latest.text}" if row.latest else ""
        self.detail.setText(month_line(row) + earlier)

    def selected_row(self) -> CertificateRow | None:
        chosen = self.table.selectionModel().selectedRows()
        return self.model.row_at(chosen[0].row()) if chosen else None

    def _update_buttons(self) -> None:
        idle = not self._busy and self.ctx.contract_id is not None
        self.issue_button.setEnabled(idle and bool(self.model.checked_rows() or self.selected_row()))
        self.issue_all_button.setEnabled(idle and bool(self.rows))
        self.xlsx_button.setEnabled(idle and bool(self.rows))

    # --- issuing -------------------------------------------------------------------------------------

    def issue_selected(self, target: str | None = None) -> None:
        """[선택 발급 PDF]: the ticked students, or the selected one when none is ticked."""
        chosen = self.model.checked_rows() or ([r] if (r := self.selected_row()) is not None else [])
        if not chosen:
            show_error(self, ServiceError("증명서를 발급할 학생을 선택하세요."))
            return
        self._issue(chosen, target)

    def issue_all(self, target: str | None = None) -> None:
        """[전체 발급 PDF]: every student listed (with the search as it is)."""
        if self.rows:
            self._issue(list(self.rows), target)

    def _issue(self, chosen: list[CertificateRow], target: str | None) -> None:
        if self.ctx.contract_id is None or self._busy or not self.ctx.actor.can_edit:
            return
        if not self._confirm_earlier(chosen):
            return
        per_student = self.per_student.isChecked()
        path = target or self._ask_target(per_student, len(chosen))
        if not path:
            return
        if per_student:
            if not Path(path).is_dir():
                show_error(self, ServiceError(f"저장할 폴더가 없습니다: {path}"), "발급")
                return
        elif checked_save_path(self, self.ctx.db, path, "발급") is None:
            return
        job = IssueJob(self.listed_year, tuple(r.customer_id for r in chosen), str(path), per_student,
                       self.full_resident.isVisible() and self.full_resident.isChecked())
        db, actor, contract_id, key, today = (self.ctx.db, self.ctx.actor, self.ctx.contract_id, self.ctx.data_key,
                                              office_today(self.ctx))
        now = self.ctx.clock()
        self._set_busy(True, f"증명서 {len(chosen):,}장을 발급하는 중입니다…")
        # the save dialog asked before replacing a file (force); the database and backups stay refused
        self._work.start(lambda: ("issue", job, certificate_pdf.issue_to_pdf(
            db, actor, contract_id, job.year, job.customer_ids, job.target, per_student=job.per_student,
            show_resident_no=job.full_resident_no, data_key=key, today=today, now=now, force=True)))

    def _confirm_earlier(self, chosen: list[CertificateRow]) -> bool:
        """Students already issued for the year are named with their certificates; the clerk confirms."""
        issued = [r for r in chosen if r.latest is not None]
        if not issued:
            return True
        assert self.ctx.contract_id is not None
        earlier = certificates.earlier_for(self.ctx.db, self.ctx.actor, self.ctx.contract_id,
                                           [r.customer_id for r in issued], self.listed_year)
        lines = [f"{r.student}({r.customer_no}): 이미 발급: {', '.join(e.text for e in earlier.get(r.customer_id, []))}"
                 for r in issued[:10]]
        if len(issued) > 10:
            lines.append(f"… 외 {len(issued) - 10:,}명")
        return confirm(self, "이미 발급한 증명서가 있습니다.\n" + "\n".join(lines)
                       + "\n\n새 번호로 다시 발급할까요? (이전 증명서 번호는 기록에 남습니다)", "이미 발급한 증명서")

    def _ask_target(self, per_student: bool, count: int) -> str:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        if per_student:
            return QFileDialog.getExistingDirectory(self, f"학생별 PDF {count:,}개를 저장할 폴더", folder)
        name = f"교육비납입증명서_{self.listed_year}.pdf"
        path, _ = QFileDialog.getSaveFileName(self, "증명서 PDF 저장", str(Path(folder) / name), "PDF 파일 (*.pdf)")
        return path

    # --- the list as .xlsx ---------------------------------------------------------------------------

    def save_list(self, target: str | None = None) -> None:
        """[목록 엑셀]: the list as shown (year and search), audited as a personal-data export."""
        if self.ctx.contract_id is None or self._busy or not self.rows:
            return
        if target is None:
            folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
            name = f"교육비납입증명서_목록_{self.listed_year}.xlsx"
            target, _ = QFileDialog.getSaveFileName(self, "목록 엑셀 저장", str(Path(folder) / name), "엑셀 파일 (*.xlsx)")
            if not target:
                return
        if checked_save_path(self, self.ctx.db, target, "목록 엑셀") is None:
            return
        db, actor, contract_id, year = self.ctx.db, self.ctx.actor, self.ctx.contract_id, self.listed_year
        rows, search, now, path = list(self.rows), self.search.text().strip() or None, self.ctx.clock(), target
        self._set_busy(True, "목록을 저장하는 중입니다…")

        def work() -> tuple[str, str]:
            report = certificate_list.list_report(db, actor, contract_id, year, rows, now=now, search=search)
            return "xlsx", str(build.save(db, actor, report, path, "xlsx", force=True))

        self._work.start(work)

    # --- answers from the worker ---------------------------------------------------------------------

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        self.status.setText(text)
        self._update_buttons()

    def _work_done(self, token: int, result: tuple[Any, ...]) -> None:
        if not self._work.is_current(token):
            return
        self._set_busy(False)
        if result[0] == "xlsx":
            self._announce(f"목록을 저장했습니다: {result[1]}")
            self.saved.emit(result[1])
            return
        _kind, job, (issued, paths) = result
        self.last_issued = list(issued)
        span = issued[0].number if len(issued) == 1 else f"{issued[0].number} ~ {issued[-1].number}"
        where = str(paths[0]) if len(paths) == 1 else f"{job.target} (파일 {len(paths):,}개)"
        self._announce(f"교육비 납입증명서 {len(issued):,}장을 발급했습니다 ({span}). 저장: {where}")
        self.model.set_all_checked(False)
        self.refresh()
        self.issued.emit(self.last_issued)
        if not job.per_student:
            self._preview(Path(paths[0]), [c.number for c in issued])

    def _preview(self, path: Path, numbers: list[str]) -> None:
        from app.views.aggregates.certificate_preview import CertificatePreviewDialog

        dialog = CertificatePreviewDialog(self.ctx, path, numbers, self)
        self.active_dialog = dialog
        dialog.open()

    def _work_failed(self, token: int, error: Exception) -> None:
        if not self._work.is_current(token):
            return
        self._set_busy(False)
        if not isinstance(error, ServiceError):  # a refusal is the clerk's news; anything else is ours
            log.error("%s: issuing or saving failed", self.key, exc_info=error)
        show_error(self, error)
        self.refresh()

    def _announce(self, message: str) -> None:
        self.status.setText(message)
        self.ctx.signals.status_message.emit(message)
        self.ctx.signals.data_changed.emit("certificates")
