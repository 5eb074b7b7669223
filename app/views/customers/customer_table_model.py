"""The customer list's table model: pages of ~200 rows fetched as the clerk scrolls, never all rows.

The view asks `canFetchMore`/`fetchMore` when it nears the end of what is loaded; each call asks
the service for the next page in the same order. The total comes from a COUNT, so the footer says
"총 100,000명" while only the first page is in memory. Sorting is the server's (ORDER BY an indexed
column), chosen by the page from the header click; this model never sorts rows itself.

The model holds frozen service rows, not ORM objects, and no session: each page is its own short
unit of work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

from app.models import RegistrationState
from app.services.customers.records import PAGE_SIZE, CustomerListRow, CustomerQuery

AnyIndex = QModelIndex | QPersistentModelIndex
ALIGN_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
ALIGN_CENTER = Qt.AlignmentFlag.AlignCenter
ALIGN_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
MUTED = QColor("#8a8a8a")
ALERT = QColor("#c0392b")
WAITING = QColor("#a0620a")

FetchPage = Callable[[CustomerQuery, int, int], list[CustomerListRow]]
"""fetch(query, offset, limit) → rows."""
CountRows = Callable[[CustomerQuery], int]


@dataclass(frozen=True)
class CustomerColumn:
    header: str
    text: Callable[[CustomerListRow], str]
    align: Qt.AlignmentFlag = ALIGN_LEFT
    sort_key: str | None = None  # a customers.SORT_COLUMNS key when the server can sort by it


STATE_HEADER = "계좌신청"


def _state_text(row: CustomerListRow) -> str:
    """Under the title 계좌신청 the state without repeating that word (대기, 신청중, 완료, 미완료), so
    eleven columns fit a 1024-wide screen; the whole word is the cell's tooltip."""
    if row.registration_state is None:
        return "이체정보 없음" if not row.items else ""
    short = row.registration_state.label.removeprefix(STATE_HEADER)
    return "신청중" if short == "중" else short


COLUMNS: tuple[CustomerColumn, ...] = (
    CustomerColumn("고객번호", lambda r: r.customer_no, ALIGN_LEFT, "customer_no"),
    CustomerColumn("고객명", lambda r: r.name, ALIGN_LEFT, "name"),
    CustomerColumn("구분", lambda r: r.customer_type.label, ALIGN_CENTER, "customer_type"),
    CustomerColumn("등급", lambda r: r.grade, ALIGN_CENTER, "grade"),
    CustomerColumn("휴대번호", lambda r: r.mobile, ALIGN_CENTER, "mobile"),
    CustomerColumn("집금항목", lambda r: r.items),
    CustomerColumn("은행", lambda r: r.banks),
    CustomerColumn("계좌번호", lambda r: r.accounts_masked, ALIGN_CENTER),
    CustomerColumn("월이체금액", lambda r: f"{r.monthly_total:,}" if r.items else "", ALIGN_RIGHT),  # all items
    CustomerColumn(STATE_HEADER, _state_text, ALIGN_CENTER),
    CustomerColumn("가입일", lambda r: r.joined_on.isoformat() if r.joined_on else "", ALIGN_CENTER, "joined_on"),
)


def column_for_sort(sort_key: str) -> int:
    return next((i for i, c in enumerate(COLUMNS) if c.sort_key == sort_key), 0)


class CustomerTableModel(QAbstractTableModel):
    """Lazily paged rows of one query; `set_query` starts over with the first page."""

    total_changed = Signal(int)

    def __init__(self, fetch: FetchPage, count: CountRows, *, page_size: int = PAGE_SIZE, parent: Any = None) -> None:
        super().__init__(parent)
        self._fetch = fetch
        self._count = count
        self.page_size = page_size
        self.query = CustomerQuery()
        self._rows: list[CustomerListRow] = []
        self._total = 0
        self._exhausted = True

    # --- loading ----------------------------------------------------------------------------

    @property
    def total(self) -> int:
        return self._total

    def set_query(self, query: CustomerQuery) -> None:
        """Show `query`'s rows: count them, then load only the first page."""
        self.beginResetModel()
        self.query = query
        self._total = self._count(query)
        self._rows = self._fetch(query, 0, self.page_size) if self._total else []
        self._exhausted = len(self._rows) < self.page_size
        self.endResetModel()
        self.total_changed.emit(self._total)

    def reload(self) -> None:
        self.set_query(self.query)

    def sort_by(self, sort_key: str, descending: bool) -> None:
        if sort_key != self.query.sort or descending != self.query.descending:
            self.set_query(replace(self.query, sort=sort_key, descending=descending))

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: N802 (Qt naming)
        return not parent.isValid() and not self._exhausted and len(self._rows) < self._total

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: N802 (Qt naming)
        if not self.canFetchMore(parent):
            return
        page = self._fetch(self.query, len(self._rows), self.page_size)
        if len(page) < self.page_size:
            self._exhausted = True  # rows were removed meanwhile, or this was the last page
        if not page:
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(page) - 1)
        self._rows.extend(page)
        self.endInsertRows()

    def row_at(self, row: int) -> CustomerListRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, customer_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == customer_id), -1)

    # --- Qt model -----------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802 (Qt naming)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802 (Qt naming)
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = self._rows[index.row()], COLUMNS[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and column.header == STATE_HEADER and row.registration_state:
            return row.registration_state.label
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return column.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align.value)
        if role == Qt.ItemDataRole.ForegroundRole:
            if not row.active:
                return MUTED
            if column.header == STATE_HEADER:
                if row.registration_state is RegistrationState.FAILED:
                    return ALERT
                if row.registration_state is RegistrationState.WAITING:
                    return WAITING
        return None

    def headerData(  # noqa: N802 (Qt naming)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        column = COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.header
        if role == Qt.ItemDataRole.ToolTipRole:
            return "눌러서 정렬" if column.sort_key else "이 열로는 정렬할 수 없습니다"
        return None
