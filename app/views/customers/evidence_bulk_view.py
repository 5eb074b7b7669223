"""고객관리 › 동의자료 일괄첨부: many payers' consent evidence at once, from a folder or a .zip.

The office scans its stack of signed forms and names each file by 고객번호 (``C001.jpg``,
``C001_수강료.pdf`` for one item of several, ``2025001 동의서.tif``); this screen sends the folder or
zip to `evidence.attach_bulk` in a worker thread (fitting hundreds of scans takes a while; a
progress bar follows it) and shows its report as three lists: what was attached, which files did not
match and why, and the agreements that still have no evidence — the clerk's to-do list. The report
can be saved as .xlsx through the same save-target checks and audit as every report.

A 조회 user sees the screen and its explanation but cannot start an attach.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QStandardPaths, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.models import EvidenceKind
from app.services.aggregates.reports import build
from app.services.aggregates.reports.model import Column as ReportColumn
from app.services.aggregates.reports.model import Kind, Report, ReportTable, Section
from app.services.common.errors import ServiceError
from app.services.customers.evidence import sealed
from app.services.customers.evidence import store as evidence
from app.services.customers.evidence.bulk import BulkMatch, BulkMiss, BulkReport
from app.services.customers.evidence.fit import size_text
from app.services.customers.evidence.sealed import WithoutEvidence
from app.views.collection.table_models import contract_line, update_contract_line
from app.views.common.base import Page, hint_label, show_error
from app.views.common.context import AppContext
from app.views.common.save_target import checked_save_path
from app.views.common.tables import (
    ALERT,
    ALIGN_RIGHT,
    Column,
    RowsModel,
    fit_columns,
    make_table,
)
from app.views.common.workers import Background
from app.views.customers.evidence_panel import CHOICES

NAMING = ("파일 이름을 고객번호로 지어 한 폴더(또는 zip 파일)에 모으세요: C001.jpg · 한 고객이 집금항목을 여럿 내면 "
          "C001_수강료.pdf처럼 항목 이름이나 코드를 붙입니다 · ‘2025001 동의서.tif’처럼 다른 말은 무시합니다. "
          "그림은 JPEG로 줄이고 여러 쪽 스캔은 한 장으로, 녹취는 MP3로 압축해 금융결제원 한도에 맞춥니다.")


def bulk_report(report: BulkReport, context: Any, when: datetime, source: str) -> Report:
    """The bulk attach's report as a `Report` (three tables), for 엑셀 저장; it names customers."""
    matched = ReportTable(
        columns=(ReportColumn("고객번호", 12), ReportColumn("고객명", 12), ReportColumn("집금항목", 14),
                 ReportColumn("파일", 30), ReportColumn("크기", 8, Kind.CENTER), ReportColumn("처리내용", 40)),
        sections=(Section([(m.customer_no, m.customer_name, m.item_name, m.file_name, size_text(m.size), m.note)
                           for m in report.matched]),),
        caption=f"첨부됨 {len(report.matched)}건")
    missed = ReportTable(
        columns=(ReportColumn("파일", 30), ReportColumn("사유", 70)),
        sections=(Section([(m.file_name, m.reason) for m in report.unmatched]),),
        caption=f"맞지 않음 {len(report.unmatched)}건")
    without = ReportTable(
        columns=(ReportColumn("고객번호", 12), ReportColumn("고객명", 12), ReportColumn("집금항목", 14),
                 ReportColumn("상태", 40)),
        sections=(Section([(w.customer_no, w.customer_name, w.item_name, w.status) for w in report.without_evidence]),),
        caption=f"아직 동의자료 없는 이체정보 {len(report.without_evidence)}건")
    return Report(title="동의자료 일괄첨부 결과", context=context, period_text=f"{when:%Y-%m-%d %H:%M}",
                  tables=(matched, missed, without), filters=(f"자료: {source}",), landscape=True,
                  file_stem=f"동의자료_일괄첨부_{when:%Y%m%d_%H%M}", personal=True)


class _Progress(QObject):
    """Carries the worker's progress to the screen (a signal crosses threads safely)."""

    moved = Signal(int, int)


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight: bold; color: #1f3b5b;")
    return label


class EvidenceBulkPage(Page):
    title = "동의자료 일괄첨부"
    key = "customers.evidence_bulk"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.source: Path | None = None
        self.report: BulkReport | None = None
        self.finished_at: datetime | None = None
        self.contract = contract_line(ctx)
        self.folder_button = QPushButton("폴더 선택…")
        self.zip_button = QPushButton("zip 파일 선택…")
        self.source_label = QLabel("자료를 고르세요.")
        self.source_label.setObjectName("hintText")
        self.kind = QComboBox()
        self.kind.addItem("파일에 맞게 (그림·PDF는 서면, 녹음은 녹취)", None)
        for kind in CHOICES:  # the code as item data: Qt hands a str enum back as a plain str
            self.kind.addItem(kind.label, kind.value)
        self.run_button = QPushButton("일괄첨부")
        self.run_button.setProperty("primary", True)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress.setMaximumWidth(260)
        self.summary = hint_label("")
        self.save_button = QPushButton("엑셀 저장")
        self.save_button.setEnabled(False)

        self.matched_model = RowsModel((
            Column("고객번호", lambda m: m.customer_no), Column("고객명", lambda m: m.customer_name),
            Column("집금항목", lambda m: m.item_name), Column("파일", lambda m: m.file_name),
            Column("크기", lambda m: size_text(m.size), ALIGN_RIGHT), Column("처리내용", lambda m: m.note),
        ), self)
        self.missed_model = RowsModel((
            Column("파일", lambda m: m.file_name), Column("사유", lambda m: m.reason, foreground=lambda _m: ALERT),
        ), self)
        self.without_model = RowsModel((
            Column("고객번호", lambda w: w.customer_no), Column("고객명", lambda w: w.customer_name),
            Column("집금항목", lambda w: w.item_name), Column("상태", lambda w: w.status),
        ), self)
        self.matched_table = make_table(self.matched_model, stretch=5)
        self.missed_table = make_table(self.missed_model, stretch=1)
        self.without_table = make_table(self.without_model, stretch=3)
        for table in (self.matched_table, self.missed_table, self.without_table):
            table.setMinimumHeight(110)
        # a reason says what to do: wrapped in full rather than cut off with "…"
        self.missed_table.setWordWrap(True)
        self.missed_table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.matched_caption = _caption("첨부됨")
        self.missed_caption = _caption("맞지 않음")
        self.without_caption = _caption("아직 동의자료 없는 고객")

        self.body.addWidget(self.contract)
        self.body.addWidget(hint_label(NAMING))
        controls = QHBoxLayout()
        controls.addWidget(self.folder_button)
        controls.addWidget(self.zip_button)
        controls.addWidget(self.source_label, 1)
        controls.addWidget(QLabel("동의자료 구분"))
        controls.addWidget(self.kind)
        controls.addWidget(self.run_button)
        self.body.addLayout(controls)
        status = QHBoxLayout()
        status.addWidget(self.progress)
        status.addWidget(self.summary, 1)
        status.addWidget(self.save_button)
        self.body.addLayout(status)
        self.readonly_note = hint_label("조회 권한으로는 동의자료를 첨부할 수 없습니다. 결과와 설명만 볼 수 있습니다.",
                                        warning=True)
        self.readonly_note.setVisible(not ctx.actor.can_edit)
        self.body.addWidget(self.readonly_note)
        self.body.addWidget(self.matched_caption)
        self.body.addWidget(self.matched_table, 3)
        lower = QHBoxLayout()
        for caption, table, stretch in ((self.missed_caption, self.missed_table, 3),
                                        (self.without_caption, self.without_table, 2)):
            column = QVBoxLayout()
            column.addWidget(caption)
            column.addWidget(table, 1)
            lower.addLayout(column, stretch)
        self.body.addLayout(lower, 2)

        self.folder_button.clicked.connect(self.choose_folder)
        self.zip_button.clicked.connect(self.choose_zip)
        self.run_button.clicked.connect(self.run)
        self.save_button.clicked.connect(lambda: self.save_xlsx())
        self._progress = _Progress(self)
        self._progress.moved.connect(self._moved)
        self._work = Background(self)
        self._work.finished.connect(self._finished)
        self._work.failed.connect(self._failed)
        self._saving = Background(self)
        self._saving.finished.connect(lambda _t, path: self._said(f"결과를 저장했습니다: {path}"))
        self._saving.failed.connect(lambda _t, error: show_error(self, error, "엑셀 저장"))
        self.busy = False
        self._update_buttons()

    # --- choosing --------------------------------------------------------------------------------

    def refresh(self) -> None:
        update_contract_line(self.ctx, self.contract)

    def choose_folder(self) -> None:
        start = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        chosen = QFileDialog.getExistingDirectory(self, "동의자료 폴더 선택", start)
        if chosen:
            self.set_source(Path(chosen))

    def choose_zip(self) -> None:
        start = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        chosen, _ = QFileDialog.getOpenFileName(self, "동의자료 zip 파일 선택", start, "zip 파일 (*.zip)")
        if chosen:
            self.set_source(Path(chosen))

    def set_source(self, path: Path) -> None:
        self.source = path
        self.source_label.setText(f"{'폴더' if path.is_dir() else 'zip'}: {path}")
        self.source_label.setToolTip(str(path))
        self._update_buttons()

    def _update_buttons(self) -> None:
        editing = self.ctx.actor.can_edit
        for button in (self.folder_button, self.zip_button):
            button.setEnabled(editing and not self.busy)
        self.kind.setEnabled(editing and not self.busy)
        self.run_button.setEnabled(editing and not self.busy and self.source is not None)
        self.save_button.setEnabled(self.report is not None and not self.busy)

    # --- running ---------------------------------------------------------------------------------

    def run(self) -> None:
        """일괄첨부: the service matches the names first, then fits and stores each file on its own."""
        if self.source is None or self.busy or not self.ctx.actor.can_edit:
            return
        if self.ctx.contract_id is None:
            self.summary.setText("화면 위에서 계약을 고르세요.")
            return
        db, actor, key, source = self.ctx.db, self.ctx.actor, self.ctx.data_key, self.source
        kind = EvidenceKind(self.kind.currentData()) if self.kind.currentData() else None
        contract_id, now, progress = self.ctx.contract_id, self.ctx.clock(), self._progress.moved.emit
        self.busy = True
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.summary.setText("파일 이름을 맞추고 한도에 맞게 줄이는 중입니다…")
        self._update_buttons()
        self._work.start(lambda: evidence.attach_bulk(db, actor, sealed.require_key(key), source, kind=kind,
                                                      now=now, contract_id=contract_id, progress=progress))

    def _moved(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{done:,} / {total:,}")

    def _finished(self, token: int, report: Any) -> None:
        if not self._work.is_current(token):
            return
        self.busy = False
        self.progress.setVisible(False)
        self.finished_at = self.ctx.clock()
        self.show_report(report)
        self.ctx.signals.data_changed.emit("customers")

    def _failed(self, token: int, error: Any) -> None:
        if not self._work.is_current(token):
            return
        self.busy = False
        self.progress.setVisible(False)
        self.summary.setText("")
        self._update_buttons()
        show_error(self, error if isinstance(error, ServiceError) else
                   ServiceError(f"일괄첨부를 마치지 못했습니다 ({type(error).__name__}). 다시 시도하고, 계속되면 관리자에게 "
                                "문의하세요."), "동의자료 일괄첨부")

    def show_report(self, report: BulkReport) -> None:
        self.report = report
        self.matched_model.set_rows(list(report.matched))
        self.missed_model.set_rows(list(report.unmatched))
        self.without_model.set_rows(list(report.without_evidence))
        self.matched_caption.setText(f"첨부됨 {len(report.matched):,}건")
        self.missed_caption.setText(f"맞지 않음 {len(report.unmatched):,}건")
        people = len({w.customer_id for w in report.without_evidence})
        self.without_caption.setText(f"아직 동의자료 없는 고객 {people:,}명 (이체정보 {len(report.without_evidence):,}건)")
        for table in (self.matched_table, self.missed_table, self.without_table):
            fit_columns(table, maximum=320)
        self._said(report.summary + ".")
        self._update_buttons()

    def matched_rows(self) -> list[BulkMatch]:
        return self.matched_model.rows()

    def missed_rows(self) -> list[BulkMiss]:
        return self.missed_model.rows()

    def without_rows(self) -> list[WithoutEvidence]:
        return self.without_model.rows()

    # --- saving ----------------------------------------------------------------------------------

    def save_xlsx(self, path: str | None = None) -> None:
        """엑셀 저장: the three lists in one workbook, checked and audited like every saved report."""
        report, contract_id = self.report, self.ctx.contract_id
        if report is None or contract_id is None:
            return
        when = self.finished_at or self.ctx.clock()
        context = build.context(self.ctx.db, self.ctx.actor, contract_id, self.ctx.clock())
        document = bulk_report(report, context, when, str(self.source or ""))
        if path is None:
            folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
            path, _ = QFileDialog.getSaveFileName(self, "엑셀 저장", str(Path(folder) / f"{document.file_stem}.xlsx"),
                                                  "엑셀 파일 (*.xlsx)")
            if not path:
                return
        if checked_save_path(self, self.ctx.db, path, "엑셀 저장") is None:
            return
        db, actor, target = self.ctx.db, self.ctx.actor, path
        self.summary.setText("저장하는 중입니다…")
        # the save dialog asked before replacing a file; the database and backups stay refused
        self._saving.start(lambda: str(build.save(db, actor, document, target, "xlsx", force=True)))

    def _said(self, message: str) -> None:
        self.summary.setText(message)
        self.ctx.signals.status_message.emit(message)
