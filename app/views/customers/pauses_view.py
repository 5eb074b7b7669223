"""고객관리 > 휴원관리: the students who pause (휴원), when, why, and ending a pause early.

A pause keeps its months from being charged: 이체의뢰 lists the student as excluded with the pause's
months and reason, and the month after the pause is charged again by itself. Here the clerk lists
the pauses (a month and a customer narrow the list), registers one ([휴원 등록]: customer, items,
months, reason) and ends one early ([휴원 종료], after a confirmation): a pause not started yet is
cancelled, one under way ends after this month. A 조회 user sees the list without the buttons.
"""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.common.formats import stamp_text
from app.services.common.periods import add_months, month_of
from app.services.customers import pauses
from app.services.customers.pauses import PauseRow, PauseState
from app.views.collection.table_models import (
    ALIGN_CENTER,
    ALIGN_RIGHT,
    ALL,
    LINK,
    Column,
    TickModel,
    contract_line,
    fit,
    make_tick_table,
    money_column,
    office_today,
    search_box,
    update_contract_line,
)
from app.views.common.base import Page, confirm, hint_label, run_guarded
from app.views.common.column_fit import set_elastic
from app.views.common.context import AppContext
from app.views.common.dialogs import open_dialog
from app.views.common.empty_state import EmptyState, has_customers
from app.views.common.tables import MUTED
from app.views.customers.pause_dialog import PauseDialog

INTRO = ("휴원한 달에는 청구하지 않고, 이체의뢰 목록에 '휴원 중'으로 제외 사유를 표시합니다. 휴원 기간이 끝나면 다음 달부터 "
         "자동으로 다시 청구합니다. [휴원 종료]는 시작 전인 휴원을 취소하고, 진행 중인 휴원은 이번 달까지로 줄입니다.")
NO_CONTRACT = "계약정보가 선택되지 않았습니다. 화면 위에서 계약을 고르면 휴원 내역이 나옵니다."
MONTHS_BACK, MONTHS_AHEAD = 12, 24


def _state_colour(row: PauseRow) -> QColor | None:
    if row.state is PauseState.ACTIVE:
        return LINK
    if row.state in (PauseState.FINISHED, PauseState.CANCELLED):
        return MUTED
    return None


def _closing(row: PauseRow) -> str:
    """비고: who cancelled it and when, else why it cannot be ended now (blank for a pause that can)."""
    if row.cancelled_at is not None:
        return f"{row.cancelled_by or ''} {stamp_text(row.cancelled_at, '%Y-%m-%d')} 취소".strip()
    if row.state is PauseState.ACTIVE and row.end_block is not None:
        return f"{add_months(row.last_month, 1)}부터 다시 청구"
    return ""


COLUMNS = (
    Column("상태", lambda r: r.state.label, ALIGN_CENTER, _state_colour),
    Column("고객번호", lambda r: r.customer_no),
    Column("고객명", lambda r: r.customer_name),
    Column("집금항목", lambda r: r.item_name),
    Column("휴원기간", lambda r: r.period_text, ALIGN_CENTER),
    Column("개월", lambda r: f"{r.months}", ALIGN_RIGHT),
    money_column("월이체금액", lambda r: r.monthly_amount),
    Column("휴원 사유", lambda r: r.reason),
    Column("등록", lambda r: f"{r.created_by} {stamp_text(r.created_at, '%Y-%m-%d')}", ALIGN_CENTER),
    Column("비고", _closing),
)


class PausesPage(Page):
    """휴원관리: the contract's pauses with a month and customer filter; 휴원 등록 and 휴원 종료 for editors."""

    title = "휴원관리"
    key = "customers.pauses"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.active_dialog: QDialog | None = None
        self.no_contract = hint_label(NO_CONTRACT, warning=True)
        self.body.addWidget(self.no_contract)
        self.content = QWidget()
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        self.body.addWidget(self.content, 1)
        self.body.addStretch(0)  # takes the room only while the content is hidden: the message stays on top

        self.contract_label = contract_line(ctx)
        layout.addWidget(self.contract_label)
        layout.addWidget(hint_label(INTRO))
        self.month = QComboBox()
        self.month.setMaxVisibleItems(16)
        self.search = search_box()
        self.search_button = QPushButton("검색")
        self.search_button.setProperty("primary", True)
        filters = QHBoxLayout()
        filters.addWidget(QLabel("휴원월"))
        filters.addWidget(self.month)
        filters.addWidget(QLabel("고객"))
        filters.addWidget(self.search)
        filters.addWidget(self.search_button)
        filters.addStretch(1)
        layout.addLayout(filters)
        self.month.currentIndexChanged.connect(lambda _i: self.refresh())
        self.search_button.clicked.connect(self.refresh)
        self.search.returnPressed.connect(self.refresh)

        self.model = TickModel(COLUMNS, key=lambda r: r.pause_id, ticks=False, grey=False, parent=self)
        self.table = make_tick_table(self.model)
        set_elastic(self.table, self.model.column_of("휴원 사유"), self.model.column_of("비고"))
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_moved())
        layout.addWidget(self.table, 1)
        self.empty = EmptyState(self.table, ctx)

        self.total_label = QLabel()
        self.add_button = QPushButton("휴원 등록")
        self.add_button.setProperty("primary", True)
        self.add_button.clicked.connect(self.add_pause)
        self.end_button = QPushButton("휴원 종료")
        self.end_button.clicked.connect(self.end_selected)
        footer = QHBoxLayout()
        footer.addWidget(self.total_label, 1)
        for button in (self.add_button, self.end_button):
            button.setVisible(ctx.actor.can_edit)  # a 조회 user reads the list only
            footer.addWidget(button)
        layout.addLayout(footer)
        self.status = hint_label("")
        layout.addWidget(self.status)
        self._fill_months()
        self._selection_moved()

    # --- loading -------------------------------------------------------------------------------------

    def _fill_months(self) -> None:
        """전체, then the months from a year back to two years ahead (this month chosen by none: 전체)."""
        keep = self.month.currentData()
        this_month = month_of(office_today(self.ctx))
        self.month.blockSignals(True)
        self.month.clear()
        self.month.addItem(ALL, None)
        for step in range(-MONTHS_BACK, MONTHS_AHEAD + 1):
            month = add_months(this_month, step)
            self.month.addItem(f"{month} (이번 달)" if step == 0 else month, month)
        self.month.setCurrentIndex(max(self.month.findData(keep), 0))
        self.month.blockSignals(False)

    def refresh(self) -> None:
        """Reload the list (keeping the same pause selected); with no contract, only say so."""
        chosen = self.ctx.contract_id is not None
        self.no_contract.setVisible(not chosen)
        self.content.setVisible(chosen)
        if self.ctx.contract_id is None:
            return
        update_contract_line(self.ctx, self.contract_label)
        self._fill_months()
        keep = self.selected_row()
        rows = pauses.list_pauses(self.ctx.db, self.ctx.actor, self.ctx.contract_id, month=self.month.currentData(),
                                  search=self.search.text().strip() or None, today=office_today(self.ctx))
        self.model.set_rows(rows)
        fit(self.table)
        self._show_empty()
        counts = {state: sum(1 for r in rows if r.state is state) for state in PauseState}
        self.total_label.setText(f"총 {len(rows)}건 · 휴원중 {counts[PauseState.ACTIVE]}건 · "
                                 f"예정 {counts[PauseState.SCHEDULED]}건")
        target = next((i for i, r in enumerate(rows) if keep is not None and r.pause_id == keep.pause_id), 0)
        if rows:
            self.table.selectRow(target)
        self._selection_moved()

    def _show_empty(self) -> None:
        if self.model.rowCount():
            self.empty.clear()
        elif self.month.currentData() is not None or self.search.text().strip():
            self.empty.show_filtered("조건에 맞는 휴원 내역이 없습니다.")
        elif not has_customers(self.ctx):
            self.empty.show_no_customers()
        else:
            hint = ("학생이 한 달 이상 쉬면 [휴원 등록]으로 기간과 사유를 적으세요. 그 달에는 청구하지 않습니다."
                    if self.ctx.actor.can_edit else "담당자가 휴원을 등록하면 여기에 나옵니다.")
            self.empty.show_empty("등록된 휴원이 없습니다", hint)

    def selected_row(self) -> PauseRow | None:
        chosen = self.table.selectionModel().selectedRows()
        return self.model.row_at(chosen[0].row()) if chosen else None

    def _selection_moved(self) -> None:
        row = self.selected_row()
        self.end_button.setEnabled(row is not None and row.can_end)
        self.end_button.setToolTip(row.end_block or "" if row is not None else "종료할 휴원을 목록에서 고르세요.")

    # --- actions -------------------------------------------------------------------------------------

    def add_pause(self) -> None:
        """[휴원 등록]: the dialog registers it; the list shows it when the dialog closes accepted."""
        if self.ctx.contract_id is None or not self.ctx.actor.can_edit:
            return
        dialog = PauseDialog(self.ctx, self.ctx.contract_id, self)
        dialog.added.connect(self._done)  # not a lambda over the dialog: open_dialog's rule
        open_dialog(self, dialog)

    def end_selected(self) -> None:
        """[휴원 종료] after a confirmation that says what happens to the months."""
        row = self.selected_row()
        if row is None or not row.can_end or not self.ctx.actor.can_edit:
            return
        who = f"{row.customer_name}({row.customer_no}) {row.item_name} {row.period_text} 휴원"
        if row.state is PauseState.SCHEDULED:
            question = f"{who}을 취소할까요?\n{row.first_month}부터 예정대로 청구합니다."
        else:
            this_month = month_of(office_today(self.ctx))
            question = (f"{who}을 이번 달({this_month})까지로 줄일까요?\n"
                        f"{add_months(this_month, 1)}부터 다시 청구합니다.")
        if not confirm(self, question, "휴원 종료"):
            return
        outcome: list[pauses.EndedPause] = []
        if run_guarded(self, lambda: outcome.append(pauses.end_pause(self.ctx.db, self.ctx.actor, row.pause_id,
                                                                     today=office_today(self.ctx)))):
            self._done(outcome[0].message)

    def _done(self, message: str) -> None:
        self.refresh()
        self.status.setText(message)
        self.ctx.signals.status_message.emit(message)
        self.ctx.signals.data_changed.emit("customers")
