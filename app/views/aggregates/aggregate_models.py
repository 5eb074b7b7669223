"""Models of the 집계 screens: the summary table with its 합계 and links, and the drill-down that
fetches a page at a time (their work runs off the UI thread in `app.views.common.workers.Background`).

Kept apart from `aggregate_base` (the page itself) so each stays small.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QWidget

from app.services.aggregates.common import DETAIL_PAGE
from app.services.common.formats import won
from app.views.common.tables import ALIGN_RIGHT, AnyIndex, Column, RowsModel

LINK = QColor("#1f5fa8")
TOTAL_BG = QColor("#e4ebd6")


def won_column(header: str, value: Callable[[Any], int]) -> Column:
    return Column(header, lambda r: won(value(r)), ALIGN_RIGHT)


def count_column(header: str, value: Callable[[Any], int], *, link: bool = False) -> Column:
    """A count; with `link`, a non-zero count is drawn as a link (a click lists those rows)."""
    colour = (lambda r: LINK if value(r) else None) if link else None
    return Column(header, lambda r: f"{value(r):,}", ALIGN_RIGHT, colour)


# --- table models ----------------------------------------------------------------------------------


class SummaryModel(RowsModel):
    """Group rows, then the 합계 row (bold, shaded). Column 0 of a group row is a link to its rows;
    `links` names more columns that open a filtered list (a state's count)."""

    def __init__(self, columns: Sequence[Column], parent: QWidget | None = None, *, links: Sequence[int] = ()) -> None:
        super().__init__(columns, parent)
        self.total: Any | None = None
        self.links = {0, *links}

    def set_summary(self, rows: Sequence[Any], total: Any | None) -> None:
        self.total = total
        self.set_rows(list(rows) + ([total] if total is not None else []))

    def is_total(self, row: int) -> bool:
        return self.total is not None and row == self.rowCount() - 1

    def set_columns(self, columns: Sequence[Column]) -> None:
        """Columns that depend on the answer (미납내역집계's 연체료 only where the contract has a
        late-fee policy); the rows are set again after (`set_summary`)."""
        self.beginResetModel()
        self._columns = list(columns)
        self.endResetModel()

    def set_header(self, column: int, text: str) -> None:
        """The first column is named after the grouping (집금항목, 고객등급, 은행)."""
        self._columns[column] = replace(self._columns[column], header=text)
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, column, column)

    def group_rows(self) -> list[Any]:
        rows = self.rows()
        return rows[:-1] if self.total is not None else rows

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        total = self.is_total(index.row())
        if total and role == Qt.ItemDataRole.DisplayRole and index.column() == 0:
            return "합계"
        link = not total and self._opens(index.row(), index.column())
        if role == Qt.ItemDataRole.FontRole and (total or link):
            font = QFont()
            font.setBold(total)
            font.setUnderline(link)
            return font
        if role == Qt.ItemDataRole.BackgroundRole and total:
            return QBrush(TOTAL_BG)
        if role == Qt.ItemDataRole.ForegroundRole and link:
            return LINK
        return super().data(index, role)

    def _opens(self, row: int, column: int) -> bool:
        """A link column opens something unless its own colouring says the cell is empty (a 0 count)."""
        if column not in self.links:
            return False
        colour = self._columns[column].foreground
        return colour is None or colour(self._rows[row]) is not None


class PagedModel(RowsModel):
    """A drill-down: the first page on `start`, the next as the view scrolls to the end."""

    def __init__(self, columns: Sequence[Column], parent: QWidget | None = None) -> None:
        super().__init__(columns, parent)
        self._loader: Callable[[int, int], Sequence[Any]] | None = None
        self._more = False

    def set_columns(self, columns: Sequence[Column]) -> None:
        """Columns that depend on the summary the drill-down belongs to (see `SummaryModel.set_columns`)."""
        self.beginResetModel()
        self._columns = list(columns)
        self.endResetModel()

    def start(self, loader: Callable[[int, int], Sequence[Any]]) -> None:
        self._loader = loader
        first = list(loader(0, DETAIL_PAGE))
        self._more = len(first) == DETAIL_PAGE
        self.set_rows(first)

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: N802 (Qt naming)
        return not parent.isValid() and self._more

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: N802 (Qt naming)
        if parent.isValid() or not self._more or self._loader is None:
            return
        have = self.rowCount()
        more = list(self._loader(have, DETAIL_PAGE))
        self._more = len(more) == DETAIL_PAGE
        if more:
            self.beginInsertRows(QModelIndex(), have, have + len(more) - 1)
            self._rows.extend(more)
            self.endInsertRows()

    def load_all(self) -> None:
        while self.canFetchMore():
            self.fetchMore()
