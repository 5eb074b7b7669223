"""일괄등록's parts for payer lists from elsewhere: the values asked once for the whole file, and the
report of the consent evidence attached after the import.

Another service's export lacks what only this desk knows (this contract's debit day and item, the
first month debited here) and never carries the consent evidence: the bar asks for them once, and
the import's evidence step (a folder or .zip named by 고객번호) is reported beside the result — the
files that did not match, with the reason, are the clerk's to fix in 동의자료 일괄첨부.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.customers.imports.fill import LATER_PLACE, EvidenceOutcome, FileValues
from app.views.common.base import hint_label

AS_FILE = "파일대로"
LATER = "later"
FOLDER = "folder"
ZIP = "zip"


class FileValuesBar(QWidget):
    """파일에 없는 값: 이체예정일, 집금항목, 최초이체년월 for the whole file, and 동의자료 (폴더·zip or 나중에)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.debit_day = QComboBox()
        self.item = QComboBox()
        self.first_month = QLineEdit()
        self.first_month.setPlaceholderText("예: 2027-01")
        self.first_month.setMaxLength(10)
        self.first_month.setFixedWidth(96)
        self.first_month.setToolTip("파일에 최초이체년월이 없거나 빈 행에 넣습니다 (다른 서비스의 시작월은 읽지 않음).")
        self.evidence = QComboBox()
        self.evidence.addItem("나중에 첨부", LATER)
        self.evidence.addItem("폴더에서 첨부…", FOLDER)
        self.evidence.addItem("zip 파일에서 첨부…", ZIP)
        self.evidence.setToolTip("등록한 뒤 파일 이름의 고객번호로 출금동의 증빙을 첨부합니다. 나중에 첨부하면 계좌신청은 "
                                 f"증빙을 첨부할 때까지 계좌신청대기에 남습니다 ({LATER_PLACE}).")
        self.source = ""
        self.source_label = QLabel("")
        self.source_label.setObjectName("hintText")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(QLabel("파일에 없는 값"))
        for label, widget in (("이체예정일", self.debit_day), ("집금항목", self.item), ("최초이체년월", self.first_month),
                              ("동의자료", self.evidence)):
            row.addSpacing(8)
            row.addWidget(QLabel(label))
            row.addWidget(widget)
        row.addWidget(self.source_label, 1)
        self.set_choices((), ())
        self.debit_day.activated.connect(lambda _i: self.changed.emit())
        self.item.activated.connect(lambda _i: self.changed.emit())
        self.first_month.editingFinished.connect(self._month_done)
        self.evidence.activated.connect(self._evidence_chosen)
        self._month = ""

    def set_choices(self, items: Sequence[str], days: Sequence[int]) -> None:
        """The contract's items and debit days (the file-wide value must be one of them)."""
        kept_item, kept_day = self.item.currentData(), self.debit_day.currentData()
        self.item.clear()
        self.item.addItem(AS_FILE, "")
        for name in items:
            self.item.addItem(name, name)
        self.debit_day.clear()
        self.debit_day.addItem(AS_FILE, "")
        for day in sorted(set(days)):
            self.debit_day.addItem(f"{day}일", str(day))
        self.item.setCurrentIndex(max(0, self.item.findData(kept_item)))
        self.debit_day.setCurrentIndex(max(0, self.debit_day.findData(kept_day)))

    def values(self) -> FileValues:
        return FileValues(debit_day=self.debit_day.currentData() or "", item=self.item.currentData() or "",
                          first_month=self.first_month.text().strip(), evidence=self.source)

    def clear(self) -> None:
        for combo in (self.debit_day, self.item, self.evidence):
            combo.setCurrentIndex(0)
        self.first_month.clear()
        self._month = ""
        self._set_source("")

    # --- the clerk's choices (dialogs; tests replace these methods) ---------------------------

    def ask_folder(self) -> str:
        return QFileDialog.getExistingDirectory(self, "동의자료 폴더 선택", str(Path.home()))

    def ask_zip(self) -> str:
        path, _filter = QFileDialog.getOpenFileName(self, "동의자료 zip 파일 선택", str(Path.home()),
                                                    "압축 파일 (*.zip);;모든 파일 (*)")
        return path

    def choose_evidence(self, kind: str) -> None:
        """나중에, or a folder / zip the clerk picks (cancelling the dialog keeps 나중에)."""
        path = self.ask_folder() if kind == FOLDER else self.ask_zip() if kind == ZIP else ""
        self._set_source(path)
        self.changed.emit()

    def _evidence_chosen(self, index: int) -> None:
        self.choose_evidence(self.evidence.itemData(index))

    def _set_source(self, path: str) -> None:
        self.source = path
        kind = LATER if not path else FOLDER if Path(path).is_dir() else ZIP
        self.evidence.setCurrentIndex(max(0, self.evidence.findData(kind)))
        self.source_label.setText(Path(path).name if path else "")
        self.source_label.setToolTip(path)

    def _month_done(self) -> None:
        text = self.first_month.text().strip()
        if text != self._month:
            self._month = text
            self.changed.emit()


class EvidenceReportBox(QGroupBox):
    """동의자료 첨부 결과 after an import: the summary, and each file that was not attached with why."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("동의자료 첨부 결과", parent)
        self.summary = hint_label("")
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(("첨부하지 못한 파일", "사유"))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self.setVisible(False)

    def show_outcome(self, outcome: EvidenceOutcome | None) -> None:
        self.table.setRowCount(0)
        if outcome is None:
            self.setVisible(False)
            return
        text = outcome.summary()
        report = outcome.report
        if report is not None and report.without_evidence:
            text += f" 증빙이 없는 이체정보는 {LATER_PLACE}에서 첨부하세요."
        self.summary.setText(text)
        misses = report.unmatched if report is not None else ()
        self.table.setRowCount(len(misses))
        for row, miss in enumerate(misses):
            self.table.setItem(row, 0, QTableWidgetItem(miss.file_name))
            reason = QTableWidgetItem(miss.reason)
            reason.setToolTip(miss.reason)
            self.table.setItem(row, 1, reason)
        self.table.setVisible(bool(misses))
        self.table.resizeRowsToContents()
        self.setVisible(True)
