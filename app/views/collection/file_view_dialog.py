"""파일 보기: one file sent or received, decoded record by record, with what is wrong with it.

Personal numbers are masked by the codec's ``describe`` (the last four digits of an account, the
first two of a birth date), so looking at a file is not an export; saving its exact bytes is, and
goes through the audited `transmissions.save_file`. Stored files are sealed: both open them with the
session's data key, and without it the dialog says so instead of showing records. Records are described a page at a time as the
table scrolls (`canFetchMore`/`fetchMore`), so a 100,000-record file opens at once.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.common.formats import stamp_text
from app.services.exchange import transmissions as tx
from app.services.exchange.transmissions import DecodedFile
from app.views.common.base import hint_label, run_guarded
from app.views.common.column_fit import fit_columns
from app.views.common.context import AppContext

AnyIndex = QModelIndex | QPersistentModelIndex
PAGE = 500


class RecordsModel(QAbstractTableModel):
    """The data records of a decoded file, described page by page as the view asks for them."""

    def __init__(self, decoded: DecodedFile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.decoded = decoded
        self.columns = list(decoded.columns)
        self._rows: list[dict[str, str]] = []

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802 (Qt naming)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802 (Qt naming)
        return 0 if parent.isValid() else len(self.columns)

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: N802 (Qt naming)
        return not parent.isValid() and len(self._rows) < self.decoded.record_count

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: N802 (Qt naming)
        if parent.isValid():
            return
        start = len(self._rows)
        more = self.decoded.rows(start, PAGE)
        if not more:
            return
        self.beginInsertRows(QModelIndex(), start, start + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._rows[index.row()].get(column, "")
        if role == Qt.ItemDataRole.TextAlignmentRole and column in ("일련번호", "출금의뢰금액", "출금불능금액"):
            return int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)
        return None

    def headerData(  # noqa: N802 (Qt naming)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return two_lines(self.columns[section])
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return self.columns[section]
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None


def two_lines(title: str, longest: int = 5) -> str:
    """A field name of the bank file's spec on two lines when it is long (지정출금\n계좌번호): thirteen
    such titles side by side would not fit a 1024-wide screen, while the values under them are short."""
    if len(title) <= longest:
        return title
    for mark in (" ", "/"):
        if mark in title:
            head, _, tail = title.partition(mark)
            return f"{head}{'' if mark == ' ' else mark}\n{tail}"
    return f"{title[:4]}\n{title[4:]}"  # Korean compounds of two-syllable words: 처리결과\n코드


def _pairs(row: dict[str, str]) -> str:
    """A header or trailer as one readable line (the record type is implied by the label)."""
    return "   ".join(f"{k}: {v}" for k, v in row.items() if k not in ("레코드", "Record 구분") and v.strip())


class FileViewDialog(QDialog):
    """The decoded view of one stored file; administrators may also save its exact bytes."""

    def __init__(self, ctx: AppContext, transmission_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.transmission_id = transmission_id
        self.decoded = tx.decode_stored(ctx.db, ctx.actor, transmission_id, ctx.data_key)
        row = self.decoded.row
        name = tx.display_name(row.remote_name)
        self.setWindowTitle(f"파일 보기 - {name}")
        self.resize(1180, 680)

        info = QGridLayout()
        info.setHorizontalSpacing(18)
        facts = [
            ("파일", f"{row.kind} {row.kind_label} ({row.direction.label})"),
            ("파일이름", name),
            ("상태", row.state_label),
            ("일자", row.file_date.isoformat()),
            ("레코드", f"데이터 {self.decoded.record_count:,}건 · {self.decoded.size:,}바이트"),
            ("시각", " · ".join(t for t in (
                f"생성 {stamp_text(row.created_at)}" if row.created_at else "",
                f"송신 {stamp_text(row.sent_at)}" if row.sent_at else "",
                f"수신 {stamp_text(row.received_at)}" if row.received_at else "",
                f"반영 {stamp_text(row.applied_at)}" if row.applied_at else "",
            ) if t)),
            ("SHA-256", row.sha256 or ""),
        ]
        line = column = 0  # the grid's row and pair column (two facts side by side)
        for label, value in facts:
            key = QLabel(label)
            key.setObjectName("hintText")
            text = QLabel(value)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            if label in ("시각", "SHA-256"):  # long lines get a row of their own: the dialog fits 1024
                line, column = line + (column > 0), 0
                info.addWidget(key, line, 0)
                info.addWidget(text, line, 1, 1, 3)
                line += 1
                continue
            info.addWidget(key, line, column * 2)
            info.addWidget(text, line, column * 2 + 1)
            line, column = (line + 1, 0) if column else (line, 1)
        info.setColumnStretch(3, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(info)
        self.problems = QLabel("\n".join(f"오류: {p}" for p in self.decoded.problems))
        self.problems.setObjectName("errorText")
        self.problems.setWordWrap(True)
        self.problems.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems.setVisible(bool(self.decoded.problems))
        layout.addWidget(self.problems)
        self.header_line = hint_label(f"헤더  {_pairs(self.decoded.header)}" if self.decoded.header else "")
        self.header_line.setVisible(bool(self.decoded.header))
        layout.addWidget(self.header_line)

        self.model = RecordsModel(self.decoded, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.model.fetchMore()
        fit_columns(self.table, padding=8)
        layout.addWidget(self.table, 1)

        self.trailer_line = hint_label(f"트레일러  {_pairs(self.decoded.trailer)}" if self.decoded.trailer else "")
        self.trailer_line.setVisible(bool(self.decoded.trailer))
        layout.addWidget(self.trailer_line)
        layout.addWidget(hint_label("계좌번호·생년월일·전화번호는 가려서 보여 줍니다. 파일 저장은 원래 내용 그대로 저장하며 "
                                    "감사기록에 남습니다."))

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.save_button = QPushButton("파일 저장")
        self.save_button.clicked.connect(self._save)
        self.save_button.setVisible(ctx.actor.is_admin and self.decoded.size > 0)
        close = QPushButton("닫기")
        close.clicked.connect(self.accept)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)

    def _save(self) -> None:
        name = tx.display_name(self.decoded.row.remote_name)
        path, _ = QFileDialog.getSaveFileName(self, "파일 저장", name)
        if path:
            # The save dialog has asked before replacing an existing file, hence force.
            run_guarded(self, lambda: tx.save_file(self.ctx.db, self.ctx.actor, self.transmission_id, path,
                                                   self.ctx.data_key, force=True),
                        done=f"저장했습니다: {path}")
