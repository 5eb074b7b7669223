"""수납관리 > 이체의뢰: the charges due on a debit date, ticked and requested before the cut-off.

The manual's order: ① the contract, ② 이체예정일 and 집금항목 then 검색, ③ the cautions printed in
red, the 미수납액 choice, ⑤ tick and [이체의뢰], ⑧ check that the rows became 이체의뢰대기.

Every agreement due on the date is listed, including those that cannot be requested, greyed with
the reason: a payer missing without a reason is the call the office dreads. The debit dates offered
are the contract's debit days moved onto business days (`debits.debit_dates`); the amounts, the
reasons and the cut-off sentence all come from the debit service. After the cut-off the 이체의뢰
button is not shown at all — exactly as the manual says — and the line above the list says why.

The list adds up: each row is in one of 이미 의뢰 (requested for this date, showing what was asked
and how it stands), 의뢰 가능 and 의뢰 불가, and the footer says 전체 = their sum in counts and won
(`DueList.totals`). Requests the date's file carries for payers not due on it (a 재처리의뢰, a charge
moved from a missed cut-off) are rows too, with where they come from. On a date whose cut-off passed
with payers never sent to the bank (`services.missed`), a red panel above the list says so and
offers the desk's three remedies — move them to the item's next debit date, receive in cash, leave
them 미납 — each after a confirmation naming the count and the won.

[이체의뢰] first opens the pre-flight check (this month against last month); the request is made
only from there, so nobody requests without having seen who dropped out.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.models import RequestState
from app.services.collection import missed
from app.services.collection import requests as debits
from app.services.collection.charges import DueRow
from app.services.collection.missed import MissedDebit, Remedy, RemedyOutcome
from app.services.collection.requests import DebitDateOption, DueList
from app.services.common import debit_days
from app.services.common.calendar import SEOUL
from app.services.common.errors import ServiceError
from app.services.common.formats import date_text
from app.views.collection.missed_remedies import move_tooltip, remedy_question
from app.views.collection.preflight_dialog import PreflightDialog
from app.views.collection.table_models import (
    ALIGN_CENTER,
    DONE_COLOUR,
    WAITING_COLOUR,
    Column,
    TickModel,
    contract_line,
    fill_items,
    fit,
    item_combo,
    money_column,
    office_today,
    set_tone,
    sync_all_box,
    tick_list,
    update_contract_line,
)
from app.views.common.base import Page, confirm, hint_label, run_guarded, show_error
from app.views.common.column_fit import set_elastic
from app.views.common.context import AppContext
from app.views.common.dialogs import open_dialog
from app.views.common.empty_state import EmptyState, has_customers
from app.views.common.tables import ALERT

REMEDIES = (Remedy.MOVE, Remedy.CASH, Remedy.UNPAID)
MISSED_STYLE = """
QFrame#missedPanel { background: #fdecea; border: 2px solid #c0392b; border-radius: 6px; }
QFrame#missedPanel QLabel { border: none; background: transparent; }
QFrame#missedPanel QLabel#missedTitle { font-weight: bold; color: #c0392b; }
QFrame#missedPanel QLabel#missedText { color: #7a2318; }
"""
CAUTIONS = (
    "※ 이체의뢰는 마감 시각(이체일 전 영업일 오후 2시) 이후에는 작업할 수 없으므로 이체의뢰 버튼이 보이지 않습니다.",
    "※ 은행 전산에 계좌신청이 완료된 고객만 이체의뢰할 수 있습니다. 계좌신청은 이체 2영업일(D-2) 전에 완료되어야 합니다.",
    "※ 당월 이체의뢰 하기 전에 전월 미납금 현금수납을 하셔야합니다. 현금수납한 미납금은 다시 의뢰되지 않습니다.",
    "※ 오후 2시 이후 데이터가 은행에 정상 접수되면 이체의뢰대기가 이체의뢰중으로 바뀌고, "
    "결과는 이체일 다음 영업일 오전 11시에 이체의뢰결과에서 확인할 수 있습니다.",
)


def _status_colour(row: DueRow) -> QColor | None:
    if row.status_text in (RequestState.WAITING.label, RequestState.SENT.label):
        return WAITING_COLOUR
    if row.status_text in (RequestState.DONE.label, "현금수납"):
        return DONE_COLOUR
    if row.status_text in (RequestState.FAILED.label, RequestState.PARTIAL.label):
        return ALERT
    return None


def _asked(row: DueRow) -> int | None:
    """이체의뢰금액: what was asked for this date when it was requested, what would be asked when it
    can be, blank otherwise."""
    if row.requested:
        return row.requested_amount
    return row.request_amount if row.requestable else None


def _guidance(row: DueRow) -> str:
    """의뢰 불가 사유 / 안내: the note when there is one (where a row of another date's file comes from,
    which date's file holds its charge, what stays over the limit), else why it cannot be requested;
    the reason is also the row's tooltip."""
    return row.note or row.reason or ""


COLUMNS = (
    Column("고객번호", lambda r: r.customer_no),
    Column("고객명", lambda r: r.customer_name),
    Column("집금항목", lambda r: r.item_name),
    Column("은행", lambda r: r.bank_name),
    money_column("월이체금액", lambda r: r.monthly_amount),
    money_column("할인", lambda r: r.discount, blank_zero=True),
    money_column("미수납액", lambda r: r.earlier_outstanding, blank_zero=True),
    money_column("이체의뢰금액", _asked),
    Column("최종수납현황", lambda r: r.status_text, ALIGN_CENTER, _status_colour),
    Column("사유 · 안내", _guidance, foreground=lambda r: None if r.reason else ALERT),
)
"""청구월 and the masked account are in the line under the list for the selected row: the reason of an
excluded row is what the clerk must see without scrolling. Its column (의뢰 불가 사유 or 안내, titled
short so that eleven columns fit a 1024-wide screen) is the one that narrows, ending in "…" with the
whole text as its tooltip and in the line under the list."""


def option_text(option: DebitDateOption) -> str:
    days = ", ".join(str(d) for d in option.days)
    cutoff = option.cutoff.astimezone(SEOUL)
    return (f"{date_text(option.debit_date)} · {days}일분 · "
            f"마감 {cutoff:%m-%d} {cutoff:%H:%M}")


class RequestsPage(Page):
    """이체의뢰: list due charges of a debit date, pre-flight, request the ticked ones, withdraw a queued one."""

    title = "이체의뢰"
    key = "collection.requests"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.due: DueList | None = None
        self.active_dialog: QDialog | None = None
        editing = ctx.actor.can_edit
        self.contract_label = contract_line(ctx)
        self.body.addWidget(self.contract_label)

        self.date_combo = QComboBox()
        self.date_combo.setMinimumWidth(300)
        self.item_filter = item_combo()
        self.search_button = QPushButton("검색")
        self.search_button.setProperty("primary", True)
        self.search_button.clicked.connect(self.search)
        self.outstanding = QCheckBox("미수납액 포함")
        self.outstanding.setToolTip("지난달까지 수납되지 않은 금액을 이번 의뢰에 더합니다 (건당출금한도 안에서).")
        self.outstanding.toggled.connect(lambda _on: self.search())
        # A changed date or item lists again at once: ticks must never belong to another list than
        # the one shown (the request uses the listed date and item, see `_listed`).
        self.date_combo.currentIndexChanged.connect(lambda _i: self.search())
        self.item_filter.currentIndexChanged.connect(lambda _i: self.search())
        filters = QHBoxLayout()
        filters.addWidget(QLabel("이체예정일"))
        filters.addWidget(self.date_combo)
        filters.addWidget(QLabel("집금항목"))
        filters.addWidget(self.item_filter)
        filters.addWidget(self.search_button)
        filters.addSpacing(16)
        filters.addWidget(self.outstanding)
        filters.addStretch(1)
        self.body.addLayout(filters)

        self.cautions = hint_label("\n".join(CAUTIONS), warning=True)
        self.body.addWidget(self.cautions)
        self.cutoff_label = hint_label("")
        self.body.addWidget(self.cutoff_label)
        # "12-05은 휴일이라 출금일은 12-07(월)입니다": the contracted day the chosen date stands for.
        self.moved_label = hint_label("")
        self.moved_label.setVisible(False)
        self.body.addWidget(self.moved_label)
        self.date_combo.currentIndexChanged.connect(lambda _i: self._show_moved())
        # A closed date with payers never sent to the bank: what happened and the remedies.
        self.missed: list[MissedDebit] = []
        self.missed_buttons: dict[tuple[int, Remedy], QPushButton] = {}  # (item id, remedy)
        self.missed_panel = QFrame()
        self.missed_panel.setObjectName("missedPanel")
        self.missed_panel.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.missed_panel.setStyleSheet(MISSED_STYLE)
        self.missed_box = QVBoxLayout(self.missed_panel)
        self.missed_box.setContentsMargins(12, 8, 12, 8)
        self.missed_box.setSpacing(4)
        self.missed_panel.setVisible(False)
        self.body.addWidget(self.missed_panel)

        self.model = TickModel(COLUMNS, key=lambda r: r.agreement_id, why_not=lambda r: r.reason, ticks=editing,
                               parent=self)
        ticks = tick_list(self.body, self.model, select_all="의뢰 가능 전체 선택", editing=editing,
                          on_checked=self._update_totals, on_selection=self._selection_moved)
        self.table, self.detail, self.all_box, self.totals = ticks.table, ticks.detail, ticks.all_box, ticks.totals
        set_elastic(self.table, self.model.column_of(COLUMNS[-1].header))
        self.empty = EmptyState(self.table, ctx)
        self.preflight_button = QPushButton("사전 점검")
        self.preflight_button.setToolTip("지난달과 비교해 신규·변경·제외 고객, 금액 변경, 끝난 할인, 의뢰할 수 없는 고객을 봅니다.")
        self.preflight_button.clicked.connect(lambda: self.open_preflight(for_request=False))
        self.withdraw_button = QPushButton("의뢰취소")
        self.withdraw_button.setToolTip("이체의뢰대기인 건을 은행에 보내기 전에 취소합니다.")
        self.withdraw_button.clicked.connect(self.withdraw_selected)
        self.withdraw_button.setVisible(editing)
        self.request_button = QPushButton("이체의뢰")
        self.request_button.setProperty("primary", True)
        self.request_button.clicked.connect(lambda: self.open_preflight(for_request=True))
        self.request_button.setVisible(False)
        self.body.addLayout(ticks.actions(self.preflight_button, self.withdraw_button, self.request_button))
        self.status = hint_label("")
        self.body.addWidget(self.status)
        self._listed: tuple[date, int | None, bool] | None = None  # (debit date, item, 미수납액 포함) shown

    # --- loading -------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Offer the debit dates of this month and next (they move with the calendar), then list."""
        if self.ctx.contract_id is None:
            return
        update_contract_line(self.ctx, self.contract_label)
        fill_items(self.ctx, self.item_filter)
        self._fill_dates()
        self.search()

    def _fill_dates(self) -> None:
        """The contract's debit days on business days; keeps the clerk's choice, else the next open date."""
        keep = self.date_combo.currentData()
        today = office_today(self.ctx)
        now = self.ctx.clock()
        nxt = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
        options: list[DebitDateOption] = []
        for year, month in ((today.year, today.month), (nxt.year, nxt.month)):
            options += debits.debit_dates(self.ctx.db, self.ctx.actor, self.ctx.contract_id or 0, year, month)
        self.date_combo.blockSignals(True)
        self.date_combo.clear()
        for option in options:
            self.date_combo.addItem(option_text(option), option.debit_date.isoformat())  # findData needs a plain value
        upcoming = next((i for i, o in enumerate(options) if o.cutoff > now), len(options) - 1)
        kept = self.date_combo.findData(keep) if keep else -1
        self.date_combo.setCurrentIndex(kept if kept >= 0 else max(upcoming, 0))
        self.date_combo.blockSignals(False)
        self._show_moved()

    def select_date(self, debit_date: date) -> None:
        """Choose a debit date, which lists it (the clerk's 이체예정일).

        A contracted day that falls on a closed day (12-05, a Saturday) means its moved debit date
        (12-07): it is chosen, and the line under the date says so.
        """
        moved = debit_days.resolve(self.ctx.db, self.ctx.actor, self.ctx.contract_id or 0, debit_date)
        debit_date = moved.debit_date
        index = self.date_combo.findData(debit_date.isoformat())
        if index < 0:
            raise ValueError(f"{debit_date} is not offered")
        if index == self.date_combo.currentIndex():
            self.search()
        self.date_combo.setCurrentIndex(index)

    def _show_moved(self) -> None:
        """Say which contracted days the chosen debit date was moved from (hidden when none)."""
        chosen = self.debit_date()
        notes = () if chosen is None or self.ctx.contract_id is None else debit_days.moved_notes(
            self.ctx.db, self.ctx.actor, self.ctx.contract_id, chosen)
        self.moved_label.setText(" · ".join(notes))
        self.moved_label.setVisible(bool(notes))

    def debit_date(self) -> date | None:
        value = self.date_combo.currentData()
        return date.fromisoformat(value) if value else None

    def search(self) -> None:
        debit_date = self.debit_date()
        if self.ctx.contract_id is None or debit_date is None:
            return
        listed = (debit_date, self.item_filter.currentData(), self.outstanding.isChecked())
        try:
            self.due = debits.list_due(self.ctx.db, self.ctx.actor, self.ctx.contract_id, *listed,
                                       now=self.ctx.clock())
        except ServiceError as error:  # ValidationError is one too
            self.due, self._listed = None, None
            self.model.set_rows([])
            show_error(self, error)
            return
        self._listed = listed
        self.model.set_rows(self.due.rows)
        fit(self.table)
        self._show_empty(debit_date, listed[1])
        self._show_cutoff()
        self._show_missed()
        self._update_totals()
        self._selection_moved()

    def _show_empty(self, debit_date: date, item_id: int | None) -> None:
        """No payer on the date: with no item chosen, why (no customers yet, or none debited that day)."""
        if self.model.rowCount():
            self.empty.clear()
        elif item_id is not None:
            self.empty.show_filtered(f"{self.item_filter.currentText()} 항목에는 {debit_date:%m-%d} 출금일에 이체의뢰할 "
                                     "고객이 없습니다.")
        elif not has_customers(self.ctx):
            self.empty.show_no_customers("고객과 이체정보를 넣고 계좌신청이 끝나면, 이체예정일마다 여기서 이체의뢰합니다.")
        else:
            self.empty.show_empty(f"{debit_date:%m-%d} 출금일에 이체의뢰할 고객이 없습니다",
                                  "이체정보의 이체예정일이 이 날짜인 고객만 나옵니다. 위에서 다른 이체예정일을 고르거나, "
                                  "고객 상세정보에서 이체정보를 확인하세요.",
                                  [("고객관리 ›", "customers.list")] if self.ctx.actor.can_edit else [])

    def _show_cutoff(self) -> None:
        """The button is there only while requests are taken; otherwise the sentence says why."""
        state = self.due.cutoff if self.due is not None else None
        is_open = bool(state and state.open)
        self.request_button.setVisible(self.ctx.actor.can_edit and is_open)
        self.all_box.setVisible(self.ctx.actor.can_edit and is_open)
        self.model.set_locked(None if is_open or state is None else state.message)
        self.cutoff_label.setText(state.message if state else "")
        set_tone(self.cutoff_label, warning=not is_open)

    # --- a missed cut-off ----------------------------------------------------------------------------

    def _show_missed(self) -> None:
        """The red panel of a closed date whose payers were not sent to the bank (hidden otherwise)."""
        found: list[MissedDebit] = []
        due, listed = self.due, self._listed
        if due is not None and listed is not None and not due.cutoff.open and self.ctx.contract_id is not None:
            try:
                found = missed.missed_debits(self.ctx.db, self.ctx.actor, self.ctx.contract_id,
                                             now=self.ctx.clock(), debit_date=due.debit_date)
            except ServiceError as error:
                show_error(self, error)
            item_id = listed[1]
            found = [m for m in found if item_id is None or m.item_id == item_id]
        self.missed = found
        self.missed_buttons = {}
        while self.missed_box.count():
            item = self.missed_box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
        self.missed_panel.setVisible(bool(found))
        for m in found:
            self.missed_box.addWidget(self._missed_line(m))
        if found and not self.ctx.actor.can_edit:
            note = QLabel("조회 권한으로는 처리할 수 없습니다. 관리자나 담당자가 다음 출금일로 옮기기, "
                          "현금수납으로 받기, 미납으로 두기 가운데 하나를 고르세요.")
            note.setObjectName("missedText")
            note.setWordWrap(True)
            self.missed_box.addWidget(note)

    def _missed_line(self, m: MissedDebit) -> QWidget:
        """'12-07(월) 출금 · 수강료 · 177건 41,089,000원', what happened, and the three buttons."""
        line = QWidget()
        row = QHBoxLayout(line)
        row.setContentsMargins(0, 0, 0, 0)
        text = QVBoxLayout()
        text.setSpacing(2)
        title = QLabel(f"{m.title} · {m.count:,}건 {m.amount:,}원")
        title.setObjectName("missedTitle")
        title.setWordWrap(True)
        message = QLabel(m.message)
        message.setObjectName("missedText")
        message.setWordWrap(True)
        text.addWidget(title)
        text.addWidget(message)
        row.addLayout(text, 1)
        if self.ctx.actor.can_edit:
            today = office_today(self.ctx)
            for remedy in REMEDIES:
                button = QPushButton(m.remedy_text(remedy))
                if remedy is Remedy.MOVE:
                    button.setEnabled(m.move_to is not None)
                    button.setToolTip(move_tooltip(m))
                else:
                    button.setToolTip(remedy_question(m, remedy, today).rsplit("\n", 1)[0])
                button.clicked.connect(lambda _=False, m=m, remedy=remedy: self.apply_remedy(m, remedy))
                self.missed_buttons[(m.item_id, remedy)] = button
                row.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
        return line

    def apply_remedy(self, m: MissedDebit, remedy: Remedy) -> None:
        """One remedy for the payers of one item left out of the listed date, after the clerk confirms the
        count and the won; then the list is read again and the other screens are told."""
        contract_id = self.ctx.contract_id
        if contract_id is None or not self.ctx.actor.can_edit:
            return
        if not confirm(self, remedy_question(m, remedy, office_today(self.ctx)), remedy.label):
            return
        outcome: list[RemedyOutcome] = []
        if run_guarded(self, lambda: outcome.append(missed.apply_remedy(
                self.ctx.db, self.ctx.actor, contract_id, m.debit_date, m.item_id, remedy, now=self.ctx.clock()))):
            self._done(outcome[0].message)
        else:
            self.search()  # someone else may have acted first: show the date as it is now

    # --- totals and selection ------------------------------------------------------------------------

    def _update_totals(self) -> None:
        """The ticked selection, then 전체 = 이미 의뢰 + 의뢰 가능 (마감 후 미의뢰) + 의뢰 불가 (`DueList.totals`)."""
        ticked = self.model.checked_rows()
        amount = sum(r.request_amount for r in ticked)
        text = self.due.totals.text if self.due is not None else ""
        if self.model.has_ticks and self.model.locked is None:
            text = f"선택 {len(ticked)}건 · 이체의뢰금액 합계 {amount:,}원\n" + text
        self.totals.setText(text)
        self.request_button.setEnabled(bool(ticked))
        sync_all_box(self.all_box, self.model)

    def selected_row(self) -> DueRow | None:
        chosen = self.table.selectionModel().selectedRows()
        return self.model.row_at(chosen[0].row()) if chosen else None

    def _selection_moved(self) -> None:
        row = self.selected_row()
        waiting = row is not None and row.open_request_id is not None and row.status_text == RequestState.WAITING.label
        self.withdraw_button.setEnabled(waiting)
        if row is None:
            self.detail.setText("")
            return
        parts = [f"{row.customer_name}({row.customer_no}) {row.item_name} {row.period} · {row.bank_name} "
                 f"{row.account_masked}: 청구 {row.charge_amount:,}원"]
        if row.earlier_outstanding:
            parts.append(f"이전 미수납액 {row.earlier_outstanding:,}원")
        parts.append(f"건당출금한도 {row.debit_limit:,}원")
        if row.requested_state is not None:
            parts.append(f"이 출금일 의뢰 {row.requested_amount:,}원 ({row.requested_state.label})")
        if row.note:
            parts.append(row.note)
        if row.reason:
            parts.append(f"의뢰 불가: {row.reason}")
        self.detail.setText(" · ".join(parts))

    # --- pre-flight and request ----------------------------------------------------------------------

    def open_preflight(self, *, for_request: bool) -> None:
        """사전 점검 of the list shown; from [이체의뢰] it is the confirmation step, and its button requests."""
        if self.ctx.contract_id is None or self._listed is None:
            return
        listed = self._listed
        ticked = self.model.checked_rows()
        if for_request and not ticked:
            self.status.setText("이체의뢰할 고객을 체크하세요.")
            return
        found: list[debits.Preflight] = []
        if not run_guarded(self, lambda: found.append(debits.preflight(
                self.ctx.db, self.ctx.actor, self.ctx.contract_id or 0, *listed, now=self.ctx.clock()))):
            return
        is_open = bool(self.due and self.due.cutoff.open)
        dialog = PreflightDialog(found[0], self,
                                 ticked=(len(ticked), sum(r.request_amount for r in ticked)) if for_request else None,
                                 can_request=for_request and is_open and self.ctx.actor.can_edit)
        ids = [r.agreement_id for r in ticked]
        open_dialog(self, dialog, accepted=(lambda: self.request(listed, ids)) if for_request else None)

    def request(self, listed: tuple[date, int | None, bool], agreement_ids: list[int]) -> None:
        """이체의뢰: the ticked rows of the listed date become 이체의뢰대기 (all or none, the service decides)."""
        debit_date, item_id, include_outstanding = listed
        outcome: list[debits.RequestOutcome] = []
        if run_guarded(self, lambda: outcome.append(debits.request(
                self.ctx.db, self.ctx.actor, self.ctx.contract_id or 0, debit_date, agreement_ids,
                include_outstanding=include_outstanding, now=self.ctx.clock(), item_id=item_id))):
            self._done(outcome[0].message)
        else:
            self.search()  # someone else may have requested first: show the rows as they are now

    def withdraw_selected(self) -> None:
        """의뢰취소 of the selected 이체의뢰대기 row, before any file carries it."""
        row = self.selected_row()
        if row is None or row.open_request_id is None:
            return
        if not confirm(self, f"{row.customer_name}({row.customer_no}) {row.item_name}의 이체의뢰를 취소할까요?\n"
                             "취소한 건은 마감 전까지 다시 이체의뢰할 수 있습니다.", "이체의뢰 취소"):
            return
        request_id = row.open_request_id
        if run_guarded(self, lambda: debits.withdraw(self.ctx.db, self.ctx.actor, request_id, now=self.ctx.clock())):
            self._done(f"{row.customer_name}({row.customer_no}) {row.item_name}의 이체의뢰를 취소했습니다.")

    def _done(self, message: str) -> None:
        self.search()
        self.status.setText(message)
        self.ctx.signals.status_message.emit(message)
        self.ctx.signals.data_changed.emit("collection")
