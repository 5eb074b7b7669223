"""The issued 교육비 납입증명서 PDF shown page by page, to check and print (QtPdf, as 미리보기·인쇄 does).

The file shown is the one just saved, so what the clerk sees is what the parent gets. Printing goes
through report_preview's `print_document` (each page rendered at the printer's resolution) and is
audited like the saving was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.services.aggregates.reports import certificate_pdf
from app.views.common.base import hint_label, show_error
from app.views.common.context import AppContext
from app.views.common.report_preview import HAVE_QTPDF, print_document

if HAVE_QTPDF:
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtPdfWidgets import QPdfView


class CertificatePreviewDialog(QDialog):
    """The saved certificates with 인쇄 and 닫기."""

    def __init__(self, ctx: AppContext, path: Path, numbers: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.path, self.numbers = ctx, path, numbers
        self.setWindowTitle("미리보기 — 교육비 납입증명서")
        self.resize(820, 700)
        layout = QVBoxLayout(self)
        span = numbers[0] if len(numbers) == 1 else f"{numbers[0]} ~ {numbers[-1]}"
        layout.addWidget(QLabel(f"교육비 납입증명서 {span} · {len(numbers)}장 · {path.name}"))
        self.document: Any = None
        if HAVE_QTPDF:
            self.document = QPdfDocument(self)
            self.document.load(str(path))
            view = QPdfView(self)
            view.setPageMode(QPdfView.PageMode.MultiPage)
            view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
            view.setDocument(self.document)
            layout.addWidget(view, 1)
        else:  # pragma: no cover - depends on the Qt build
            layout.addWidget(hint_label("이 PC에서는 미리보기를 표시할 수 없어 PDF 보기 프로그램으로 엽니다."))
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        self.status = hint_label("")
        self.print_button = QPushButton("인쇄")
        self.print_button.setProperty("primary", True)
        self.print_button.clicked.connect(lambda: self.print_pages())
        close = QPushButton("닫기")
        close.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.print_button)
        row.addWidget(close)
        layout.addLayout(row)

    def page_count(self) -> int:
        return self.document.pageCount() if self.document is not None else 0

    def print_pages(self, printer: QPrinter | None = None) -> bool:
        """인쇄: the system's print dialog, then every page; audited."""
        if self.document is None:  # pragma: no cover - no QtPdf: the system viewer prints
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.path)))
            return False
        if printer is None:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            printer.setDocName(self.path.stem)
            if QPrintDialog(printer, self).exec() != QDialog.DialogCode.Accepted:
                return False
        try:
            pages = print_document(self.document, printer)
        except OSError as error:
            show_error(self, error, "인쇄")
            return False
        certificate_pdf.record_printed(self.ctx.db, self.ctx.actor, self.numbers)
        self.status.setText(f"{pages}쪽을 인쇄했습니다.")
        return True

    def done(self, result: int) -> None:  # the file stays (it is the clerk's saved copy); the document closes
        if self.document is not None:
            self.document.close()
        super().done(result)
