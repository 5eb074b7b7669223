"""The table kit every list screen is built from: `Column`, the read-only `RowsModel` over frozen
service rows, `make_table` (a list the way every screen shows one), and the colours and alignments
of cells.

One home for it so that every list behaves alike: whole-row selection, Enter opens the row, columns
fitted to their contents (`column_fit`), no ORM object ever behind a row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from app.views.common import column_fit

ALIGN_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
ALIGN_CENTER = Qt.AlignmentFlag.AlignCenter
ALIGN_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
MUTED = QColor("#8a8a8a")
ALERT = QColor("#c0392b")

AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    """One column of a `RowsModel`: its Korean header and how a row becomes its text."""

    header: str
    text: Callable[[Any], str]
    align: Qt.AlignmentFlag = ALIGN_LEFT
    foreground: Callable[[Any], QColor | None] | None = None


class RowsModel(QAbstractTableModel):
    """A read-only table over a list of frozen service rows (DTOs), never over ORM objects.

    The settings lists are short (users, items, a capped audit search), so the rows are held
    whole; `set_rows` replaces them in one reset, which keeps the view simple and correct.
    """

    def __init__(self, columns: Sequence[Column], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_at(self, row: int) -> Any | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802 (Qt naming)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802 (Qt naming)
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = self._rows[index.row()], self._columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return column.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align.value)
        if role == Qt.ItemDataRole.ForegroundRole and column.foreground is not None:
            return column.foreground(row)
        return None

    def headerData(  # noqa: N802 (Qt naming)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].header
        if role == Qt.ItemDataRole.TextAlignmentRole:  # a header sits over its values
            return int(self._columns[section].align.value)
        return None


def make_table(
    model: RowsModel, on_activate: Callable[[], object] | None = None, *, stretch: int | None = None
) -> QTableView:
    """A list the way every settings screen shows one: whole rows, one at a time, Enter opens it.

    No column takes the spare width (a short last column spread across a wide screen carries its
    values away from their rows); `stretch` names the column whose text is long (the audit's 내용),
    which `fit_columns` narrows, ending its text in "…", when the table is too narrow for it.
    """
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setTabKeyNavigation(False)  # Tab leaves the table, arrows move within it
    view.verticalHeader().setVisible(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(False)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    view.setMinimumHeight(160)
    column_fit.fit_columns(view)  # titles whole from the start; the screen refits when its rows arrive
    if on_activate is not None:
        view.doubleClicked.connect(lambda _index: on_activate())
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut = QShortcut(QKeySequence(key), view)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(on_activate)
    return view


def fit_columns(view: QTableView, *, padding: int = 20, maximum: int = 360) -> None:
    """Columns as wide as their contents plus some air (capped, so one long text cannot push the
    rest away), fitted to the table's width again whenever it is resized (`column_fit`)."""
    column_fit.fit_columns(view, padding=padding, maximum=maximum)
