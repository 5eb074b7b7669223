"""Tables and small widgets shared by the 수납관리 screens (계좌신청 … 할인관리).

The clerk ticks rows on most of these screens (the manual's checkbox column), and a row that
cannot be ticked must say why rather than vanish: `TickModel` is the settings screens' `RowsModel`
with a tick column in front, greyed rows and the reason as their tooltip. Ticks are kept by a
row's key across a reload, so changing a filter or 미수납액 포함 does not lose the clerk's work,
while a row that became impossible (just requested) drops its tick.

Money is shown as the clerk writes it, `300,000원`; the services hand over integer won.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from PySide6.QtCore import QDate, QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QColor, QFont, QKeyEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.models import RequestKind
from app.services.common import formats
from app.services.common.calendar import SEOUL
from app.services.customers import records as customers
from app.services.customers.agreements import bank_choices
from app.services.settings import contracts
from app.views.common.base import hint_label
from app.views.common.context import AppContext
from app.views.common.date_pickers import mark_closed_days, qdate_to_date
from app.views.common.tables import (
    ALIGN_CENTER,
    ALIGN_RIGHT,
    MUTED,
    AnyIndex,
    Column,
    RowsModel,
    fit_columns,
    make_table,
)

__all__ = [
    "ALIGN_CENTER", "ALIGN_RIGHT", "ALL", "DONE_COLOUR", "LINK", "WAITING_COLOUR", "Column", "TickList", "TickModel",
    "bank_combo", "contract_line", "date_edit", "debit_date_text", "fill_items", "fit", "item_combo", "make_tick_table",
    "money_column", "office_today", "qdate_to_date", "search_box", "set_tone", "sync_all_box", "tick_list",
    "update_contract_line", "won",
]

ALL = "전체"
DONE_COLOUR = QColor("#1e7b34")
LINK = QColor("#1f5fa8")
WAITING_COLOUR = QColor("#8a5a00")


def won(value: int | None) -> str:
    """'300,000원'; an absent amount stays blank rather than showing 0원."""
    return "" if value is None else formats.won(value)


class DatedRequest(Protocol):
    """A row about one 이체의뢰 (결과조회, 재처리의뢰): its 출금일 and whether it is a 재처리의뢰."""

    @property
    def debit_date(self) -> date: ...

    @property
    def kind(self) -> RequestKind: ...


def debit_date_text(row: DatedRequest) -> str:
    """출금일 with 구분 riding on it: a 재처리의뢰 is the rarer kind, so only it is marked."""
    return f"{row.debit_date:%Y-%m-%d}" + (" 재처리" if row.kind is RequestKind.RETRY else "")


def money_column(header: str, value: Callable[[Any], int | None],
                 foreground: Callable[[Any], QColor | None] | None = None, *, blank_zero: bool = False) -> Column:
    """A right-aligned amount; `blank_zero` for columns where 0 means "none" (no discount, nothing
    outstanding), so the amounts that matter stand out."""
    if blank_zero:
        return Column(header, lambda r: won(value(r) or None), ALIGN_RIGHT, foreground)
    return Column(header, lambda r: won(value(r)), ALIGN_RIGHT, foreground)


def fit(view: QTableView) -> None:
    """`fit_columns` a little tighter: these lists carry more columns than the settings screens."""
    fit_columns(view, padding=12, maximum=320)


class TickModel(RowsModel):
    """A `RowsModel` with a tick column (선택) in front.

    `key` identifies a row across reloads; `why_not` gives the Korean reason a row cannot be
    ticked (None when it can). Such rows are greyed, and every cell's tooltip gives the reason
    (after the cell's whole text, which a narrow column may end in "…").
    With `ticks=False` (a 조회 user, who acts on nothing) the tick column is left out, while the
    greying and the reasons stay: they tell the reader as much as they tell the clerk. With
    `grey=False` a row without a box keeps its colours (a 계좌신청완료 row is not "excluded", there
    is simply nothing to do with it). `set_locked` takes every box away at once, with one reason
    (after the cut-off nothing can be requested, whatever each row says).
    `links` names the columns whose cells open something when clicked (고객명 → 고객 상세정보),
    with a test per row; those cells are drawn underlined so the clerk sees they can be clicked.
    """

    checked_changed = Signal()

    def __init__(self, columns: Sequence[Column], key: Callable[[Any], Hashable],
                 why_not: Callable[[Any], str | None] = lambda _r: None, *, ticks: bool = True,
                 links: Mapping[str, Callable[[Any], bool]] | None = None, grey: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(columns, parent)
        self._grey = grey
        self._locked: str | None = None
        self._links = dict(links or {})
        self._link_font: QFont | None = None
        self._key = key
        self._why_not = why_not
        self._offset = 1 if ticks else 0
        self._checked: set[Hashable] = set()

    @property
    def has_ticks(self) -> bool:
        return self._offset == 1

    def column_of(self, header: str) -> int:
        """The view column of a header (tests and click handlers find columns by their Korean name)."""
        for number, column in enumerate(self._columns):
            if column.header == header:
                return number + self._offset
        raise KeyError(header)

    def refresh_cells(self) -> None:
        """Repaint every cell: values computed outside the rows (a preview) changed."""
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, self.columnCount() - 1))

    # --- ticks -----------------------------------------------------------------------------------

    def tickable(self, row: Any) -> bool:
        return self._locked is None and self._why_not(row) is None

    @property
    def locked(self) -> str | None:
        return self._locked

    def set_locked(self, reason: str | None) -> None:
        """No box on any row while `reason` holds (None: the rows' own reasons decide again)."""
        if reason == self._locked:
            return
        self._locked = reason
        if reason is not None:
            self._checked.clear()
        self.refresh_cells()
        self.checked_changed.emit()

    def checked_rows(self) -> list[Any]:
        return [r for r in self._rows if self._key(r) in self._checked]

    def all_checked(self) -> bool:
        """Every row that can be ticked is (and there is one): what a 전체 선택 box should show."""
        ready = [r for r in self._rows if self.tickable(r)]
        return bool(ready) and all(self._key(r) in self._checked for r in ready)

    def set_checked(self, row_index: int, checked: bool) -> bool:
        row = self.row_at(row_index)
        if row is None or not self.has_ticks or not self.tickable(row):
            return False
        key = self._key(row)
        if checked == (key in self._checked):
            return True
        (self._checked.add if checked else self._checked.discard)(key)
        cell = self.index(row_index, 0)
        self.dataChanged.emit(cell, cell, [Qt.ItemDataRole.CheckStateRole])
        self.checked_changed.emit()
        return True

    def set_all_checked(self, checked: bool) -> None:
        wanted = checked and self.has_ticks
        self._checked = {self._key(r) for r in self._rows if self.tickable(r)} if wanted else set()
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, 0),
                                  [Qt.ItemDataRole.CheckStateRole])
        self.checked_changed.emit()

    def toggle(self, row_index: int) -> None:
        row = self.row_at(row_index)
        if row is not None:
            self.set_checked(row_index, self._key(row) not in self._checked)

    def set_rows(self, rows: Sequence[Any]) -> None:
        """Replace the rows; ticks survive for rows that are still there and still tickable."""
        still = {self._key(r) for r in rows if self.tickable(r)}
        self._checked &= still
        super().set_rows(rows)
        self.checked_changed.emit()

    # --- Qt ----------------------------------------------------------------------------------------

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802 (Qt naming)
        return 0 if parent.isValid() else len(self._columns) + self._offset

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.isValid() and self.has_ticks and index.column() == 0:
            row = self.row_at(index.row())
            if row is not None and self.tickable(row):
                return base | Qt.ItemFlag.ItemIsUserCheckable
        return base

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        reason = self._why_not(row)
        if self.has_ticks and index.column() == 0:
            if role == Qt.ItemDataRole.CheckStateRole:
                if reason is not None or self._locked is not None:
                    return None  # no box at all: nothing to tick here
                return Qt.CheckState.Checked if self._key(row) in self._checked else Qt.CheckState.Unchecked
            if role == Qt.ItemDataRole.ToolTipRole:
                return self._locked or reason
            return None
        column = self._columns[index.column() - self._offset]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.ToolTipRole:  # the whole text (a narrow column ends it in "…"), then why not
            text = column.text(row)
            return f"{text}\n{reason}" if reason and text and text not in reason else reason or text
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align.value)
        is_link = column.header in self._links and self._links[column.header](row)
        if role == Qt.ItemDataRole.ForegroundRole:
            colour = column.foreground(row) if column.foreground is not None else None
            if colour is None and is_link:
                colour = LINK
            return colour if colour is not None else (MUTED if reason is not None and self._grey else None)
        if role == Qt.ItemDataRole.FontRole and is_link:
            if self._link_font is None:
                self._link_font = QFont()
                self._link_font.setUnderline(True)
            return self._link_font
        return None

    def header_at(self, column: int) -> str:
        """The Korean header of a view column, so a click handler knows what was clicked."""
        return "선택" if column < self._offset else self._columns[column - self._offset].header

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802 (Qt naming)
        if not index.isValid() or not self.has_ticks or index.column() != 0 \
                or role != Qt.ItemDataRole.CheckStateRole:
            return False
        state = value if isinstance(value, Qt.CheckState) else Qt.CheckState(int(value))
        return self.set_checked(index.row(), state == Qt.CheckState.Checked)

    def headerData(  # noqa: N802 (Qt naming)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if self.has_ticks and section == 0:
            if role == Qt.ItemDataRole.DisplayRole:
                return "선택"
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(ALIGN_CENTER.value)
            return None
        return super().headerData(section - self._offset, orientation, role)


class _SpaceTicks(QObject):
    """Space ticks the current row whichever cell is current (the view itself would only tick the
    box when the tick cell is current, and a QShortcut loses Space to the view's keyboard search)."""

    def __init__(self, view: QTableView, model: TickModel) -> None:
        super().__init__(view)
        self._view = view
        self._model = model

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Space:
            if self._view.currentIndex().isValid():
                self._model.toggle(self._view.currentIndex().row())
            return True
        return False


def sync_all_box(box: QCheckBox, model: TickModel) -> None:
    """Show on the 전체 선택 box what is ticked now (after a reload or single ticks), without re-ticking."""
    box.blockSignals(True)
    box.setChecked(model.all_checked())
    box.blockSignals(False)


def make_tick_table(model: RowsModel, on_activate: Callable[[], None] | None = None, *,
                    stretch: int | None = None) -> QTableView:
    """`make_table` plus Space to tick the current row, so the list works from the keyboard too."""
    view = make_table(model, on_activate, stretch=stretch)
    if isinstance(model, TickModel) and model.has_ticks:
        view.installEventFilter(_SpaceTicks(view, model))
    view.verticalHeader().setDefaultSectionSize(26)
    return view


@dataclass
class TickList:
    """A list to tick rows in (이체의뢰, 재처리의뢰): the table, the current row's detail below it, and
    a 전체 선택 box with the totals of what is ticked for the row of action buttons."""

    model: TickModel
    table: QTableView
    detail: QLabel
    all_box: QCheckBox
    totals: QLabel

    def actions(self, *buttons: QWidget) -> QHBoxLayout:
        """전체 선택, the totals, then `buttons` at the right."""
        row = QHBoxLayout()
        row.addWidget(self.all_box)
        row.addSpacing(12)
        row.addWidget(self.totals, 1)
        for button in buttons:
            row.addWidget(button)
        return row


def tick_list(layout: QBoxLayout, model: TickModel, *, select_all: str, editing: bool,
              on_checked: Callable[[], None], on_selection: Callable[[], None]) -> TickList:
    """Add a `TickList` over `model` to `layout`; the 전체 선택 box only for those who may act on it."""
    model.checked_changed.connect(on_checked)
    table = make_tick_table(model)
    table.selectionModel().selectionChanged.connect(lambda *_: on_selection())
    layout.addWidget(table, 1)
    detail = hint_label("")
    layout.addWidget(detail)
    all_box = QCheckBox(select_all)
    all_box.toggled.connect(lambda on: model.set_all_checked(on))
    all_box.setVisible(editing)
    totals = QLabel()
    totals.setWordWrap(True)  # two lines of totals beside the buttons, wrapping on a 1024-wide screen
    return TickList(model, table, detail, all_box, totals)


# --- filters and headings --------------------------------------------------------------------------


def contract_line(ctx: AppContext) -> QLabel:
    """① 계약정보: which contract the screen works on (chosen in the window header)."""
    label = QLabel()
    label.setObjectName("headerInfo")
    update_contract_line(ctx, label)
    return label


def update_contract_line(ctx: AppContext, label: QLabel) -> None:
    if ctx.contract_id is None:
        label.setText("계약정보: 선택된 계약이 없습니다. 화면 위에서 계약을 고르세요.")
        return
    row = contracts.get_contract(ctx.db, ctx.actor, ctx.contract_id)
    label.setText(f"계약정보: {row.name} (이용기관코드 {row.institution_code})")


@dataclass(frozen=True)
class ContractGate:
    """A page's ① 계약정보 line, the message that stands alone when no contract is chosen, and the
    content that shows only with one (a page without a contract shows nothing it could not fill)."""

    label: QLabel
    message: QLabel
    content: QWidget

    def show(self, ctx: AppContext) -> None:
        """Switch to the chosen contract, or to the message when none is chosen."""
        update_contract_line(ctx, self.label)
        chosen = ctx.contract_id is not None
        self.message.setVisible(not chosen)
        self.label.setVisible(chosen)  # the message says it instead
        self.content.setVisible(chosen)


def contract_gate(ctx: AppContext, body: QVBoxLayout, message: str) -> tuple[ContractGate, QVBoxLayout]:
    """Add the gate's three parts to `body`; returns it and the content's layout for the page to fill."""
    label = contract_line(ctx)
    body.addWidget(label)
    alone = hint_label(message, warning=True)
    # Alone on the page when no contract is chosen: it takes the height, its text at the top.
    alone.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
    alone.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    body.addWidget(alone)
    content = QWidget()
    layout = QVBoxLayout(content)
    layout.setContentsMargins(0, 0, 0, 0)
    body.addWidget(content, 1)
    return ContractGate(label, alone, content), layout


def item_combo(minimum_width: int = 110) -> QComboBox:
    combo = QComboBox()
    combo.setMinimumWidth(minimum_width)
    combo.addItem(ALL, None)
    return combo


def fill_items(ctx: AppContext, combo: QComboBox) -> None:
    """The contract's 집금항목, keeping the current choice when it still exists."""
    keep = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    combo.addItem(ALL, None)
    if ctx.contract_id is not None:
        for item_id, name in customers.filter_options(ctx.db, ctx.actor, ctx.contract_id).items:
            combo.addItem(name, item_id)
    combo.setCurrentIndex(max(combo.findData(keep), 0))
    combo.blockSignals(False)


def bank_combo() -> QComboBox:
    """은행 filter: '088 신한은행' items, the closed box only as wide as a typical name."""
    combo = QComboBox()
    combo.addItem(ALL, None)
    for code, text in bank_choices():
        combo.addItem(text, code)
    combo.setMaxVisibleItems(15)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(9)
    return combo


def search_box(placeholder: str = "고객번호 또는 고객명", width: int = 170) -> QLineEdit:
    """The customer text filter, wide enough to show its placeholder whole."""
    box = QLineEdit()
    box.setPlaceholderText(placeholder)
    box.setClearButtonEnabled(True)
    box.setMinimumWidth(width)
    box.setMaximumWidth(width + 40)
    return box


def set_tone(label: QLabel, *, warning: bool) -> None:
    """Red (the manual's caution colour) or the quiet hint colour, re-applied from the style sheet."""
    label.setObjectName("warningText" if warning else "hintText")
    label.style().unpolish(label)
    label.style().polish(label)


def office_today(ctx: AppContext) -> date:
    """Today at the office (Seoul), from the context's clock, so tests can set the day."""
    return ctx.clock().astimezone(SEOUL).date()


def date_edit(day: date) -> QDateEdit:
    edit = QDateEdit(QDate(day.year, day.month, day.day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumWidth(118)  # the whole date, never '2026-11-0…'
    return edit


@dataclass(frozen=True)
class RecentDaysBar:
    """'발행일 [from] ~ [to] [조회]' over the last days up to today, the office's closed days marked:
    the filter row of the history tabs (독촉 발행 내역, 통장입금 처리 내역)."""

    layout: QHBoxLayout
    date_from: QDateEdit
    date_to: QDateEdit
    search: QPushButton


def recent_days_bar(ctx: AppContext, label: str, days: int) -> RecentDaysBar:
    today = office_today(ctx)
    date_from, date_to = date_edit(today - timedelta(days=days - 1)), date_edit(today)
    mark_closed_days(ctx, date_from, date_to)
    search = QPushButton("조회")
    search.setProperty("primary", True)
    bar = QHBoxLayout()
    for widget in (QLabel(label), date_from, QLabel("~"), date_to, search):
        bar.addWidget(widget)
    bar.addStretch(1)
    return RecentDaysBar(bar, date_from, date_to, search)

