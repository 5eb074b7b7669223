"""공지사항: the agency's and the office's notices, newest first, unread ones bold with a dot.

The board on the left, the notice in full on the right; selecting a notice opens it and marks it
read for this user (the service does the marking, so the home screen's unread count agrees).
Administrators post notices to their own office's clerks and delete their own office's notices.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.models import NoticeSource
from app.services import notices
from app.services.common.errors import ServiceError
from app.services.common.formats import stamp_text
from app.services.common.validation import ValidationError
from app.services.notices import NoticeRow
from app.views.common.base import Page, button_row, confirm, hint_label, run_guarded
from app.views.common.context import AppContext
from app.views.common.dialogs import accept_row

UNREAD_DOT = "●"
DOT_COLOUR = QColor("#2f6ea5")
OFFICE_COLOUR = QColor("#8e5a00")
AnyIndex = QModelIndex | QPersistentModelIndex


class NoticeTableModel(QAbstractTableModel):
    """The board: dot, 구분, 제목, 게시일; unread rows bold."""

    HEADERS = ("", "구분", "제목", "게시일")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[NoticeRow] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def set_rows(self, rows: Sequence[NoticeRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[NoticeRow]:
        return list(self._rows)

    def row_at(self, row: int) -> NoticeRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def replace(self, updated: NoticeRow) -> None:
        """One row changed (opened → read): repaint it without resetting the selection."""
        for i, row in enumerate(self._rows):
            if row.id == updated.id:
                self._rows[i] = updated
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.HEADERS) - 1))
                return

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802 (Qt naming)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802 (Qt naming)
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (UNREAD_DOT if not row.is_read else "", row.source_label, row.title,
                    stamp_text(row.posted_at, "%Y-%m-%d"))[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return "읽지 않은 공지" if column == 0 and not row.is_read else row.title if column == 2 else None
        if role == Qt.ItemDataRole.FontRole and not row.is_read:
            return self._bold
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 0:
                return DOT_COLOUR
            if column == 1 and row.source is NoticeSource.OFFICE:
                return OFFICE_COLOUR
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 1, 3):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def headerData(  # noqa: N802 (Qt naming)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None


class NoticeDialog(QDialog):
    """새 공지 작성: title and text; saved through the service so a refusal shows under the form."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.saved_id: int | None = None
        self.setWindowTitle("기관 공지 작성")
        self.setMinimumSize(560, 420)
        self.title_edit = QLineEdit()
        self.title_edit.setMaxLength(notices.TITLE_MAX)
        self.title_edit.setPlaceholderText("예: 3월 현금수납은 25일까지 받습니다")
        self.body_edit = QPlainTextEdit()
        self.body_edit.setPlaceholderText("담당자들에게 알릴 내용을 쓰세요.")
        self.error = QLabel("")
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        form = QFormLayout()
        form.addRow("제목", self.title_edit)
        form.addRow("내용", self.body_edit)
        buttons = accept_row("등록", self.save, self.reject, default=False)
        self.save_button = buttons.accept
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label("이 기관의 모든 사용자에게 보입니다. 케이에스넷 공지와 함께 목록에 표시됩니다."))
        layout.addLayout(form, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons.box)

    def save(self) -> None:
        try:
            self.saved_id = notices.post_office_notice(self.ctx.db, self.ctx.actor, self.title_edit.text(),
                                                       self.body_edit.toPlainText(), now=self.ctx.clock())
        except ValidationError as error:
            self._fail(f"{error.field}: {error.message}")
            (self.title_edit if error.field == "제목" else self.body_edit).setFocus()
            return
        except ServiceError as error:
            self._fail(error.message)
            return
        self.accept()

    def _fail(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(True)


class NoticesPage(Page):
    """공지사항 (key "notices")."""

    title = "공지사항"
    key = "notices"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.active_dialog: NoticeDialog | None = None
        self.current: NoticeRow | None = None
        self.model = NoticeTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(0, 28)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(1, self.table.fontMetrics().horizontalAdvance(NoticeSource.AGENCY.label) + 28)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected())

        self.reader_title = QLabel("")
        self.reader_title.setObjectName("pageTitle")
        self.reader_title.setWordWrap(True)
        self.reader_meta = hint_label("")
        self.reader = QTextBrowser()
        self.reader.setOpenExternalLinks(False)
        reader = QWidget()
        reader_box = QVBoxLayout(reader)
        reader_box.setContentsMargins(8, 0, 0, 0)
        reader_box.addWidget(self.reader_title)
        reader_box.addWidget(self.reader_meta)
        reader_box.addWidget(self.reader, 1)

        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(reader)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([520, 520])

        self.unread_only = QCheckBox("읽지 않은 공지만")
        self.unread_only.toggled.connect(lambda _checked: self.refresh())
        self.read_all_button = QPushButton("모두 읽음으로")
        self.read_all_button.clicked.connect(self.read_all)
        self.post_button = QPushButton("기관 공지 작성")
        self.post_button.setProperty("primary", True)
        self.post_button.clicked.connect(self.post)
        self.delete_button = QPushButton("삭제")
        self.delete_button.clicked.connect(self.delete_selected)
        for button in (self.post_button, self.delete_button):
            button.setVisible(ctx.actor.is_admin)
        intro = ("케이에스넷 공지는 이체결과를 받을 때 함께 받아 옵니다. 휴일 일정과 마감 변경을 꼭 확인하세요.")
        if ctx.actor.is_admin:
            intro += " 관리자는 이 기관의 담당자들에게 기관 공지를 올릴 수 있습니다."
        self.body.addWidget(hint_label(intro))
        buttons = button_row(self.unread_only, stretch_first=False)
        buttons.addStretch(1)
        for button in (self.read_all_button, self.post_button, self.delete_button):
            buttons.addWidget(button)
        self.body.addLayout(buttons)
        self.body.addWidget(splitter, 1)
        self.status = hint_label("")
        self.body.addWidget(self.status)
        self._show(None)

    # --- loading -------------------------------------------------------------------------------

    def refresh(self) -> None:
        keep = self.current.id if self.current else None
        rows = notices.list_notices(self.ctx.db, self.ctx.actor, unread_only=self.unread_only.isChecked())
        self.table.blockSignals(True)
        self.model.set_rows(rows)
        self.table.blockSignals(False)
        self._count()
        index = next((i for i, r in enumerate(rows) if r.id == keep), None)
        if index is not None:
            self.table.selectionModel().blockSignals(True)
            self.table.selectRow(index)
            self.table.selectionModel().blockSignals(False)
        else:
            self._show(None)
        self._update_buttons()

    def _count(self) -> None:
        rows = self.model.rows()
        unread = sum(1 for r in rows if not r.is_read)
        self.status.setText(f"공지 {len(rows):,}건" + (f" · 읽지 않은 공지 {unread:,}건" if unread else ""))

    def select_notice(self, notice_id: int) -> None:
        """Select (and so open) a notice by id."""
        for i, row in enumerate(self.model.rows()):
            if row.id == notice_id:
                self.table.selectRow(i)
                return

    def selected_row(self) -> NoticeRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _selected(self) -> None:
        row = self.selected_row()
        if row is None:
            self._show(None)
            return
        was_unread = not row.is_read
        try:
            opened = notices.open_notice(self.ctx.db, self.ctx.actor, row.id, now=self.ctx.clock())
        except ServiceError as error:
            self.status.setText(error.message)
            self.refresh()
            return
        self.model.replace(opened)
        self._show(opened)
        self._count()
        if was_unread:
            self.ctx.signals.data_changed.emit("notices")

    def _show(self, row: NoticeRow | None) -> None:
        self.current = row
        if row is None:
            self.reader_title.setText("")
            self.reader_meta.setText("왼쪽 목록에서 공지를 고르면 내용이 여기에 보입니다.")
            self.reader.clear()
        else:
            self.reader_title.setText(row.title)
            who = row.source_label if row.source is NoticeSource.AGENCY else f"{row.source_label} · {row.author}"
            self.reader_meta.setText(f"{who} · {stamp_text(row.posted_at)}")
            self.reader.setPlainText(row.body)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.delete_button.setEnabled(self.current is not None and self.current.can_delete)
        self.delete_button.setToolTip("" if self.current is None or self.current.can_delete
                                      else "케이에스넷 공지는 삭제할 수 없습니다.")

    # --- actions -------------------------------------------------------------------------------

    def read_all(self) -> None:
        count = notices.mark_all_read(self.ctx.db, self.ctx.actor, now=self.ctx.clock())
        self.refresh()
        if count:
            self.ctx.signals.data_changed.emit("notices")
        self.status.setText(f"{count:,}건을 읽음으로 표시했습니다." if count else "읽지 않은 공지가 없습니다.")

    def post(self) -> None:
        dialog = NoticeDialog(self.ctx, self)
        self.active_dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._posted(dialog.saved_id))
        dialog.finished.connect(lambda _result: setattr(self, "active_dialog", None))
        dialog.open()

    def _posted(self, notice_id: int | None) -> None:
        self.refresh()
        if notice_id is not None:
            self.select_notice(notice_id)
        self.status.setText("기관 공지를 등록했습니다.")
        self.ctx.signals.data_changed.emit("notices")

    def delete_selected(self) -> None:
        row = self.current
        if row is None or not row.can_delete:
            return
        if not confirm(self, f"기관 공지 '{row.title}'을(를) 삭제할까요?\n모든 사용자의 목록에서 사라집니다.", "공지 삭제"):
            return
        if run_guarded(self, lambda: notices.delete_office_notice(self.ctx.db, self.ctx.actor, row.id,
                                                                  now=self.ctx.clock())):
            self.current = None
            self.refresh()
            self.status.setText("공지를 삭제했습니다.")
            self.ctx.signals.data_changed.emit("notices")
