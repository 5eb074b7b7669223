"""미리보기·인쇄: the report's PDF shown page by page, printed, or saved as PDF or Excel.

The pages are the PDF itself rendered by QtPdf (QPdfDocument + QPdfView), so what the clerk sees
is exactly what prints and what a saved file holds. Printing renders each page at the printer's
resolution onto a QPrinter chosen in the system's print dialog. Where QtPdf is missing (a trimmed
Qt build), the PDF opens in the system's viewer instead, from which it can be printed.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRect, QSize, QStandardPaths, QUrl
from PySide6.QtGui import QDesktopServices, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.aggregates.reports import build
from app.services.aggregates.reports.model import Report
from app.services.aggregates.reports.pdf import render_pdf
from app.views.common.base import hint_label, show_error
from app.views.common.context import AppContext
from app.views.common.save_target import checked_save_path
from app.views.common.workers import Background

log = logging.getLogger(__name__)

try:  # QtPdf ships with PySide6's wheels; a trimmed build may lack it
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtPdfWidgets import QPdfView

    HAVE_QTPDF = True
except ImportError:  # pragma: no cover - depends on the Qt build
    HAVE_QTPDF = False


def prepare(report: Report) -> tuple[Report, Path, int]:
    """Render the report into a private temporary folder (run this in a worker thread)."""
    folder = Path(tempfile.mkdtemp(prefix="kscms-preview-"))
    path = folder / "report.pdf"
    return report, path, render_pdf(report, path)


def print_document(document: QPdfDocument, printer: QPrinter) -> int:
    """Render every page onto `printer` at its resolution, scaled to the printable area; returns pages."""
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("프린터를 열 수 없습니다. 프린터 연결과 설정을 확인하세요.")
    try:
        area = printer.pageLayout().paintRectPixels(printer.resolution())
        for page in range(document.pageCount()):
            if page:
                printer.newPage()
            points = document.pagePointSize(page)
            scale = min(area.width() / points.width(), area.height() / points.height())
            size = QSize(int(points.width() * scale), int(points.height() * scale))
            image = document.render(page, size)
            painter.drawImage(QRect(0, 0, size.width(), size.height()), image)
    finally:
        painter.end()
    return document.pageCount()


class ReportPreviewDialog(QDialog):
    """The report's pages with 인쇄, PDF 저장, 엑셀 저장 and 닫기."""

    def __init__(self, ctx: AppContext, prepared: tuple[Report, Path, int], parent: QWidget | None = None) -> None:
        """`prepared` is what `prepare` returned: the report, its rendered PDF and the page count."""
        super().__init__(parent)
        self.ctx = ctx
        self.report, self.pdf_path, self.pages = prepared
        report = self.report
        self.setWindowTitle(f"미리보기 — {report.title}")
        self.resize(1000, 760)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{report.title} · {report.period_text} · {self.pages}쪽"))
        self.document: Any = None
        self.view: Any = None
        if HAVE_QTPDF:
            self.document = QPdfDocument(self)
            self.document.load(str(self.pdf_path))
            self.view = QPdfView(self)
            self.view.setPageMode(QPdfView.PageMode.MultiPage)
            self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
            self.view.setDocument(self.document)
            layout.addWidget(self.view, 1)
        else:
            layout.addWidget(hint_label("이 PC에서는 미리보기를 표시할 수 없어 PDF 보기 프로그램으로 엽니다."))
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.pdf_path)))
        self.status = hint_label("")
        self.print_button = QPushButton("인쇄")
        self.print_button.setProperty("primary", True)
        self.pdf_button = QPushButton("PDF 저장")
        self.xlsx_button = QPushButton("엑셀 저장")
        self.close_button = QPushButton("닫기")
        self.print_button.clicked.connect(self.print_report)
        self.pdf_button.clicked.connect(lambda: self.save("pdf"))
        self.xlsx_button.clicked.connect(lambda: self.save("xlsx"))
        self.close_button.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        for button in (self.print_button, self.pdf_button, self.xlsx_button, self.close_button):
            row.addWidget(button)
        layout.addLayout(row)
        self._saving = Background(self)
        self._saving.finished.connect(lambda _t, path: self._done(f"저장했습니다: {path}"))
        self._saving.failed.connect(lambda _t, error: show_error(self, error))

    def page_count(self) -> int:
        return self.document.pageCount() if self.document is not None else self.pages

    def print_report(self, printer: QPrinter | None = None) -> bool:
        """인쇄: the system's print dialog, then every page; audited like a saved file."""
        if self.document is None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.pdf_path)))
            return False
        if printer is None:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            printer.setDocName(f"{self.report.title} {self.report.period_text}")
            dialog = QPrintDialog(printer, self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return False
        try:
            pages = print_document(self.document, printer)
        except OSError as error:
            show_error(self, error, "인쇄")
            return False
        build.record(self.ctx.db, self.ctx.actor, self.report, "print")
        self._done(f"{pages}쪽을 인쇄했습니다.")
        return True

    def save(self, fmt: str, path: str | None = None) -> None:
        if path is None:
            folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
            name = f"{self.report.file_stem}.{fmt}"
            suffix = "PDF 파일 (*.pdf)" if fmt == "pdf" else "엑셀 파일 (*.xlsx)"
            path, _ = QFileDialog.getSaveFileName(self, f"{fmt.upper()} 저장", str(Path(folder) / name), suffix)
            if not path:
                return
        if checked_save_path(self, self.ctx.db, path, f"{fmt.upper()} 저장") is None:
            return
        db, actor, report, target = self.ctx.db, self.ctx.actor, self.report, path
        self.status.setText("저장하는 중입니다…")
        # the save dialog asked before replacing a file; the database and backups stay refused
        self._saving.start(lambda: str(build.save(db, actor, report, target, "pdf" if fmt == "pdf" else "xlsx",
                                                  force=True)))

    def _done(self, message: str) -> None:
        self.status.setText(message)
        self.ctx.signals.status_message.emit(message)

    def done(self, result: int) -> None:  # closes the document before its file goes
        if self.document is not None:
            self.document.close()
        super().done(result)
        if HAVE_QTPDF:  # the system viewer may still be reading the file otherwise
            shutil.rmtree(self.pdf_path.parent, ignore_errors=True)
