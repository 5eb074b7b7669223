"""The deposits of 통장입금대사 on screen: a deposit with its proposal and the clerk's decision (`Line`),
their table (`LineModel`) and the list both tabs of deposits share (`ProposalList`: 통장 읽기 and
미처리 입금).

The clerk's choices live on the rows until [수납반영]: a tick (apply what the row proposes), a change
([변경…]: the parts the clerk chose, which ticks the row), or 수납아님 with its reason. Nothing is
written here; `ProposalList.decisions` turns the rows into the `Decision`s the page hands to the
applying service. The confidence filter hides rows rather than dropping them, so a tick on a row the
filter hides is still applied, and the totals beside the button always count every ticked row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import StatementLineState
from app.services.collection.cash import CashRow
from app.services.collection.statements.model import Action, Allocation, Confidence, Decision, Proposal
from app.services.common.errors import ServiceError
from app.views.collection.statement_dialogs import (
    ChangeDialog,
    DismissDialog,
    allocation_line,
    allocations_text,
    when_text,
)
from app.views.collection.table_models import (
    ALIGN_CENTER,
    DONE_COLOUR,
    WAITING_COLOUR,
    Column,
    TickModel,
    fit,
    make_tick_table,
    money_column,
)
from app.views.common.base import hint_label, show_error
from app.views.common.column_fit import set_elastic
from app.views.common.context import AppContext
from app.views.common.dialogs import open_dialog
from app.views.common.empty_state import EmptyState
from app.views.common.tables import ALERT, MUTED

KNOWN = "known"
"""The filter of deposits read before (통장 읽기 only)."""

KNOWN_TEXT = {
    StatementLineState.APPLIED: ("이미 수납반영", "이미 수납반영한 입금입니다. 다시 수납하지 않습니다."),
    StatementLineState.PENDING: ("미처리 보관 중", "이미 읽어 미처리로 보관 중인 입금입니다. [미처리 입금]에서 처리하세요."),
    StatementLineState.DISMISSED: ("수납아님", "수납아님으로 처리한 입금입니다."),
}
CONFIDENCE_COLOUR: dict[Confidence, QColor | None] = {
    Confidence.SURE: DONE_COLOUR, Confidence.LIKELY: None, Confidence.DOUBTFUL: WAITING_COLOUR,
    Confidence.NONE: MUTED,
}


@dataclass(frozen=True)
class Line:
    """One deposit on screen: the matcher's proposal and what the clerk made of it so far.

    `allocations` is what applying would pay (the proposal's, or the clerk's after [변경…]);
    `available` what of the deposit may still be applied (a stored deposit may be partly applied);
    `stored` marks a deposit of 미처리 입금, whose 미처리 state is the reason it is listed, not a bar.
    """

    proposal: Proposal
    allocations: tuple[Allocation, ...]
    available: int
    stored: bool = False
    changed: bool = False
    dismissal: str | None = None  # the clerk's 수납아님 reason, written when applying

    @property
    def identity(self) -> str:
        return self.proposal.deposit.identity

    @property
    def total(self) -> int:
        return sum(a.amount for a in self.allocations)

    @property
    def known(self) -> StatementLineState | None:
        """What became of the deposit before, when that bars deciding it here."""
        known = self.proposal.known
        return None if self.stored and known is StatementLineState.PENDING else known

    @property
    def left_over(self) -> int:
        """Won of the deposit that applying would not use (flagged; never applied)."""
        if not self.allocations or self.known is not None:
            return 0
        return self.proposal.excess if not self.changed else max(self.available - self.total, 0)

    @property
    def preselected(self) -> bool:
        return (self.known is None and self.proposal.confidence is Confidence.SURE and bool(self.allocations)
                and self.dismissal is None)


def why_not(line: Line) -> str | None:
    """Why a deposit cannot be ticked for 수납반영, in the clerk's words (None: it can)."""
    if line.known is not None:
        return KNOWN_TEXT[line.known][1]
    if line.dismissal is not None:
        return f"수납아님으로 지정했습니다: {line.dismissal}"
    if not line.allocations:
        return "수납할 청구를 찾지 못했습니다. [변경…]으로 고르세요."
    return None


def status_text(line: Line) -> str:
    if line.known is not None:
        return KNOWN_TEXT[line.known][0]
    if line.dismissal is not None:
        return "수납아님 지정"
    text = "변경함" if line.changed else ""
    if line.stored and line.available < line.proposal.deposit.amount:
        text = ", ".join(t for t in (text, f"남은 {line.available:,}원") if t)
    return text


def _confidence(line: Line) -> str:
    if line.known is not None:
        return ""  # nothing is proposed for a deposit decided before: 상태 says what became of it
    return "직접 지정" if line.changed else line.proposal.confidence.label


def _confidence_colour(line: Line) -> QColor | None:
    if line.known is not None or line.dismissal is not None:
        return MUTED
    return None if line.changed else CONFIDENCE_COLOUR[line.proposal.confidence]


def _reasons(line: Line) -> str:
    return " · ".join(line.proposal.reasons)


LINE_COLUMNS = (
    Column("거래일시", lambda r: when_text(r.proposal.deposit), ALIGN_CENTER),
    Column("입금자", lambda r: r.proposal.deposit.depositor),
    money_column("입금액", lambda r: r.proposal.deposit.amount),
    Column("신뢰도", _confidence, ALIGN_CENTER, _confidence_colour),
    Column("제안", lambda r: allocations_text(r.allocations)),
    Column("사유", _reasons),
    money_column("초과입금", lambda r: r.left_over, lambda r: ALERT, blank_zero=True),
    Column("상태", status_text, ALIGN_CENTER, lambda r: MUTED if r.known is not None else None),
)


REASON_WISH = 300
"""px the 사유 column asks for at most on a narrow table: what a deposit pays (제안) is worth its width
first; the whole reason is in the cell's tooltip and in the line under the table."""
OTHER_COLUMNS = 900
"""About what the other columns want together (제안 included): a table wider than this by more than
`REASON_WISH` lets 사유 ask for the rest (a 1920-wide screen shows the reasons whole)."""


class LineModel(TickModel):
    """The deposits with their ticks; rows change in place as the clerk decides them (ticks are kept)."""

    def __init__(self, ticks: bool, parent: QWidget) -> None:
        super().__init__(LINE_COLUMNS, key=lambda r: r.identity, why_not=why_not, ticks=ticks, grey=False,
                         parent=parent)
        self.reason_wish = REASON_WISH

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid() and index.column() >= (1 if self.has_ticks else 0):
            line: Line = self._rows[index.row()]
            header = self.header_at(index.column())
            if header == "초과입금" and line.left_over:
                if line.changed:
                    return f"남는 {line.left_over:,}원은 수납하지 않고 미처리로 남깁니다"
                return f"초과 {line.left_over:,}원은 수납하지 않습니다"
            if header == "제안" and line.allocations:
                return "\n".join(allocation_line(a) for a in line.allocations)
        if role == Qt.ItemDataRole.SizeHintRole and index.isValid() and self.header_at(index.column()) == "사유":
            metrics = QFontMetrics(QApplication.font())
            wanted = metrics.horizontalAdvance(_reasons(self._rows[index.row()])) + 12
            return QSize(self.reason_wish, metrics.height() + 8) if wanted > self.reason_wish else None
        return super().data(index, role)

    def replace_line(self, row: int, line: Line, *, tick: bool | None = None) -> None:
        """Put the clerk's decision on a row; `tick` sets its box (a tick it can no longer have goes)."""
        self._rows[row] = line
        if why_not(line) is not None or tick is False:
            self._checked.discard(line.identity)
        elif tick:
            self._checked.add(line.identity)
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))
        self.checked_changed.emit()

    def start(self, lines: Sequence[Line]) -> None:
        """New lines, ticked as proposed (a sure match never seen before), whatever was ticked before."""
        self._checked = {line.identity for line in lines if line.preselected} if self.has_ticks else set()
        super().set_rows(lines)

    def tick_many(self, rows: Sequence[int], on: bool) -> None:
        """Tick or untick rows at once with one signal (전체 선택 over thousands of deposits)."""
        for number in rows:
            line = self.row_at(number)
            if line is not None and self.tickable(line) and self.has_ticks:
                (self._checked.add if on else self._checked.discard)(line.identity)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, 0),
                                  [Qt.ItemDataRole.CheckStateRole])
        self.checked_changed.emit()


class ProposalList(QWidget):
    """The deposits of one tab with their proposals: a confidence filter, the table, [변경…] and
    [수납아님…] on the chosen row, the ticked totals and the apply button (the page applies)."""

    apply_requested = Signal()

    def __init__(self, ctx: AppContext, find: Callable[[str], list[CashRow]], *, stored: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.find_charges = find
        self.stored = stored
        self.active_dialog: QDialog | None = None
        editing = ctx.actor.can_edit
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.filter = QComboBox()
        self.filter.setMinimumWidth(150)
        self.filter.currentIndexChanged.connect(lambda _i: self._filter_rows())
        self.change_button = QPushButton("변경…")
        self.dismiss_button = QPushButton("수납아님…")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("신뢰도"))
        bar.addWidget(self.filter)
        bar.addStretch(1)
        bar.addWidget(self.change_button)
        bar.addWidget(self.dismiss_button)
        layout.addLayout(bar)
        self.model = LineModel(editing, self)
        self.table = make_tick_table(self.model, self.open_change if editing else None)
        set_elastic(self.table, self.model.column_of("제안"), self.model.column_of("사유"))  # 상태 stays whole
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_moved())
        self.table.viewport().installEventFilter(self)  # 사유 may ask for more on a wide table
        layout.addWidget(self.table, 1)
        self.empty = EmptyState(self.table, ctx)
        self.detail = hint_label("")
        layout.addWidget(self.detail)
        self.all_box = QCheckBox("보이는 입금 전체 선택")
        self.all_box.toggled.connect(self._all_toggled)
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.apply_button = QPushButton("수납반영")
        self.apply_button.setProperty("primary", True)
        self.apply_button.clicked.connect(self.apply_requested)
        actions = QHBoxLayout()
        actions.addWidget(self.all_box)
        actions.addSpacing(12)
        actions.addWidget(self.totals, 1)
        actions.addWidget(self.apply_button)
        layout.addLayout(actions)
        for widget in (self.change_button, self.dismiss_button, self.all_box, self.apply_button):
            widget.setVisible(editing)
        self.change_button.clicked.connect(self.open_change)
        self.dismiss_button.clicked.connect(self.open_dismiss)
        self.model.checked_changed.connect(self._ticks_changed)
        self.busy = False
        self._fill_filter()
        self._ticks_changed()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.Resize and watched is self.table.viewport():
            wish = max(REASON_WISH, self.table.viewport().width() - OTHER_COLUMNS)
            if wish != self.model.reason_wish:
                self.model.reason_wish = wish
                if self.model.rowCount():
                    fit(self.table)  # measured again with the new wish, then fitted to the new width
        return False

    # --- rows ----------------------------------------------------------------------------------------

    def set_proposals(self, proposals: Sequence[Proposal]) -> None:
        """Show new proposals (a file read, a reload after applying): ticks and the clerk's changes start afresh."""
        self.model.start([Line(p, p.allocations, p.remainder, self.stored) for p in proposals])
        self._fill_filter()
        self._filter_rows()
        if self.model.rowCount():
            self.table.selectRow(next((i for i in range(self.model.rowCount()) if not self.table.isRowHidden(i)), 0))
        self._selection_moved()

    def lines(self) -> list[Line]:
        return self.model.rows()

    def counts(self) -> dict[Confidence | str, int]:
        """How many deposits of each confidence (new ones only) and how many were read before."""
        found: dict[Confidence | str, int] = {c: 0 for c in Confidence}
        found[KNOWN] = 0
        for line in self.model.rows():
            found[KNOWN if line.known is not None else line.proposal.confidence] += 1
        return found

    def _fill_filter(self) -> None:
        keep = self.filter.currentData()
        counts = self.counts()
        self.filter.blockSignals(True)
        self.filter.clear()
        self.filter.addItem(f"전체 ({self.model.rowCount():,})", None)
        for confidence in Confidence:
            self.filter.addItem(f"{confidence.label} ({counts[confidence]:,})", confidence)
        if not self.stored:
            self.filter.addItem(f"이미 읽은 입금 ({counts[KNOWN]:,})", KNOWN)
        self.filter.setCurrentIndex(max(self.filter.findData(keep), 0))
        self.filter.blockSignals(False)

    def set_filter(self, wanted: Confidence | str | None) -> None:
        self.filter.setCurrentIndex(max(self.filter.findData(wanted), 0))

    def _shown(self, line: Line) -> bool:
        wanted = self.filter.currentData()
        if wanted is None:
            return True
        if wanted == KNOWN:
            return line.known is not None
        return line.known is None and line.proposal.confidence == wanted  # the combo hands back the code

    def visible_rows(self) -> list[int]:
        return [i for i in range(self.model.rowCount()) if not self.table.isRowHidden(i)]

    def _filter_rows(self) -> None:
        for number, line in enumerate(self.model.rows()):
            self.table.setRowHidden(number, not self._shown(line))
        fit(self.table)
        if self.model.rowCount() and not self.visible_rows():
            self.empty.show_filtered("이 신뢰도의 입금이 없습니다.")
        elif self.model.rowCount():
            self.empty.clear()
        chosen = self.selected()
        if chosen is None or self.table.isRowHidden(chosen[0]):
            visible = self.visible_rows()
            if visible:
                self.table.selectRow(visible[0])
            else:
                self.table.clearSelection()
        self._ticks_changed()

    def selected(self) -> tuple[int, Line] | None:
        chosen = self.table.selectionModel().selectedRows()
        if not chosen:
            return None
        line = self.model.row_at(chosen[0].row())
        return None if line is None else (chosen[0].row(), line)

    def select_deposit(self, depositor: str) -> Line:
        """Choose the row of a depositor (tests and the detail line name deposits by who sent them)."""
        number = next(i for i, line in enumerate(self.model.rows()) if line.proposal.deposit.depositor == depositor)
        self.table.selectRow(number)
        return self.model.rows()[number]

    # --- the clerk's decisions -------------------------------------------------------------------------

    def decisions(self) -> list[Decision]:
        """What [수납반영] sends: ticked ones applied, 수납아님 ones set aside, the rest of a file kept for later."""
        ticked = {line.identity for line in self.model.checked_rows()}
        decided: list[Decision] = []
        for line in self.model.rows():
            if line.known is not None:
                continue
            if line.identity in ticked:
                decided.append(Decision(line.identity, Action.APPLY,
                                        tuple((a.charge_id, a.amount) for a in line.allocations)))
            elif line.dismissal is not None:
                decided.append(Decision(line.identity, Action.DISMISS, note=line.dismissal))
            elif not self.stored:
                decided.append(Decision(line.identity, Action.LATER))
        return decided

    def tally(self) -> tuple[int, int, int, int]:
        """(ticked deposits, their total, 수납아님, kept for later) of what [수납반영] would send."""
        ticked = self.model.checked_rows()
        undecided = [line for line in self.model.rows() if line.known is None]
        dismissed = sum(1 for line in undecided if line.dismissal is not None)
        return len(ticked), sum(line.total for line in ticked), dismissed, len(undecided) - len(ticked) - dismissed

    def reserved(self, but: str) -> dict[int, int]:
        """Per charge, what the ticked deposits other than `but` already pay of it."""
        taken: dict[int, int] = {}
        for line in self.model.checked_rows():
            if line.identity != but:
                for part in line.allocations:
                    taken[part.charge_id] = taken.get(part.charge_id, 0) + part.amount
        return taken

    def open_change(self) -> None:
        """[변경…]: choose what the chosen deposit pays; it is ticked once the clerk confirms."""
        chosen = self.selected()
        if chosen is None or not self.ctx.actor.can_edit or self.busy:
            return
        _number, line = chosen
        if line.known is not None:
            show_error(self, ServiceError(KNOWN_TEXT[line.known][1]), "변경")
            return
        search = line.allocations[0].customer_no if line.allocations else ""
        dialog = ChangeDialog(line.proposal.deposit, line.available, line.allocations, self.find_charges,
                              reserved=self.reserved(line.identity), search=search, parent=self)
        dialog.resize(900, 560)

        def changed() -> None:
            parts = dialog.allocations()
            self._decide(line, replace(line, allocations=parts, changed=parts != line.proposal.allocations,
                                       dismissal=None), tick=True)

        open_dialog(self, dialog, accepted=changed)

    def open_dismiss(self) -> None:
        """[수납아님…] with a reason; on a row already set aside the button takes it back."""
        chosen = self.selected()
        if chosen is None or not self.ctx.actor.can_edit or self.busy:
            return
        _number, line = chosen
        if line.known is not None:
            show_error(self, ServiceError(KNOWN_TEXT[line.known][1]), "수납아님")
            return
        if line.dismissal is not None:
            self._decide(line, replace(line, dismissal=None), tick=False)
            return
        dialog = DismissDialog(line.proposal.deposit, parent=self)
        open_dialog(self, dialog, accepted=lambda: self._decide(line, replace(line, dismissal=dialog.note), tick=False))

    def _decide(self, old: Line, new: Line, *, tick: bool) -> None:
        """Put the clerk's decision on the deposit's row, found again by its identity (the rows may have
        been reloaded while a dialog was open; a deposit no longer listed is left alone)."""
        number = next((i for i, line in enumerate(self.model.rows()) if line.identity == old.identity), None)
        if number is not None:
            self.model.replace_line(number, new, tick=tick)
        self._selection_moved()

    def _all_toggled(self, on: bool) -> None:
        self.model.tick_many(self.visible_rows(), on)

    # --- what the clerk sees -----------------------------------------------------------------------------

    def _selection_moved(self) -> None:
        chosen = self.selected()
        line = chosen[1] if chosen else None
        if line is None:
            self.detail.setText("")
        else:
            deposit = line.proposal.deposit
            memo = f" · 적요 {deposit.memo}" if deposit.memo else ""
            pays = ", ".join(allocation_line(a) for a in line.allocations) or (
                KNOWN_TEXT[line.known][0] if line.known is not None else "수납할 청구 없음")
            reasons = f" — {_reasons(line)}" if line.proposal.reasons else ""
            note = f" — 수납아님: {line.dismissal}" if line.dismissal else ""
            self.detail.setText(f"{when_text(deposit)} {deposit.depositor} {deposit.amount:,}원{memo} → {pays}"
                                f"{reasons}{note}")
        open_row = line is not None and line.known is None and not self.busy
        self.change_button.setEnabled(open_row)
        self.dismiss_button.setEnabled(open_row)
        self.dismiss_button.setText("수납아님 취소" if line is not None and line.dismissal is not None else "수납아님…")

    def _ticks_changed(self) -> None:
        visible = [self.model.row_at(i) for i in self.visible_rows()]
        ready = [line for line in visible if line is not None and self.model.tickable(line)]
        ticked_keys = {line.identity for line in self.model.checked_rows()}
        self.all_box.blockSignals(True)
        self.all_box.setChecked(bool(ready) and all(line.identity in ticked_keys for line in ready))
        self.all_box.blockSignals(False)
        count, total, dismissed, later = self.tally()
        parts = [f"선택 {count:,}건 {total:,}원"]
        if dismissed:
            parts.append(f"수납아님 {dismissed:,}건")
        if later:
            parts.append(f"미처리로 남김 {later:,}건")
        self.totals.setText(" · ".join(parts) if self.model.rowCount() else "")
        self.apply_button.setText(f"선택한 {count:,}건 수납반영 · 합계 {total:,}원")
        writes = count or dismissed or (later and not self.stored)
        self.apply_button.setEnabled(bool(writes) and not self.busy)

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self._ticks_changed()
        self._selection_moved()

