"""수납관리 > 계좌신청: where each payer's account registration (출금이체신청) stands, and why not.

Registrations are queued by the customer screens; this screen is where the clerk sees them move —
계좌신청대기 → 계좌신청중 → 계좌신청완료 or 계좌신청미완료 with the bank's reason in Korean — and
acts on two cases: 재신청 a rejected one once the account was fixed (double-click the row to open
the customer and fix it), and 신청취소 one still waiting. A 신규 held for its consent evidence
(동의자료 없음, 동의자료 전송 대기, 동의자료 접수불가) stays 계좌신청대기 marked 보류, with the reason and
what to do; [증빙 보류만] lists just those (the home screen's work item opens this screen), and
double-clicking one opens the customer, where the evidence is attached in the 이체정보. The manual's red notes stand above the
list; the service's warnings (a first debit too close for D-2, banks that always require the
registration) are shown per row and in full for the selected row, because they are what decides
whether next month's debit will go through.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from app.models import RegistrationState
from app.services.collection import registrations
from app.services.collection.registrations import RegistrationQuery, RegistrationRow
from app.services.common.errors import ServiceError
from app.views.collection.table_models import (
    ALIGN_CENTER,
    ALL,
    DONE_COLOUR,
    WAITING_COLOUR,
    Column,
    TickModel,
    bank_combo,
    contract_line,
    date_edit,
    fill_items,
    fit,
    item_combo,
    make_tick_table,
    office_today,
    qdate_to_date,
    search_box,
    set_tone,
    update_contract_line,
)
from app.views.common.base import Page, confirm, hint_label
from app.views.common.context import AppContext
from app.views.common.date_pickers import mark_closed_days
from app.views.common.dialogs import open_dialog
from app.views.common.empty_state import EmptyState, has_customers
from app.views.common.tables import ALERT
from app.views.customers.customer_detail import CustomerDetailDialog

NOTES = (
    "※ 오후2시 전까지 계좌신청을 하셔야 다음날 오전 11시에 결과를 확인 하실 수 있습니다.",
    "※ 국민은행, 새마을금고의 계좌번호는 필히 계좌신청을 하셔야 합니다.",
    "※ 이체 2영업일(D-2) 전에 계좌신청 작업이 완료되어야 합니다.",
)
STATES = (RegistrationState.WAITING, RegistrationState.SENT, RegistrationState.DONE, RegistrationState.FAILED,
          RegistrationState.WITHDRAWN)
STATE_COLOURS = {RegistrationState.DONE: DONE_COLOUR, RegistrationState.FAILED: ALERT,
                 RegistrationState.WAITING: WAITING_COLOUR}


def _reason(row: RegistrationRow) -> str:
    if row.state is RegistrationState.FAILED:
        return f"{row.reason_code or ''} {row.reason_text}".strip() or "사유 코드 없음"
    if row.hold is not None:
        return row.hold.reason
    return ""


def _state(row: RegistrationRow) -> str:
    """계좌신청대기 · 보류 for a 신규 the clerk must give evidence before it can go."""
    return f"{row.state_text} · 보류" if row.hold is not None and row.hold.needs_action else row.state_text


def _state_colour(row: RegistrationRow) -> QColor | None:
    if row.hold is not None and row.hold.needs_action:
        return ALERT
    return STATE_COLOURS.get(row.state)


def _why_not(row: RegistrationRow) -> str | None:
    if row.can_requeue or row.can_withdraw:
        return None
    return f"{row.state_text}: 재신청·신청취소할 수 없는 상태입니다"


def _notes(row: RegistrationRow) -> str:
    """사유 · 주의: the bank's reason of a rejection (or why a 신규 is held) first, then the warnings."""
    parts = [_reason(row)] if row.state is RegistrationState.FAILED or row.hold is not None else []
    return " / ".join(parts + list(row.warnings))


def _notes_colour(row: RegistrationRow) -> QColor | None:
    """Red for what needs the clerk; evidence merely on its way (it goes by itself) in the normal colour."""
    on_its_way = row.hold is not None and not row.hold.needs_action
    return None if on_its_way and not row.warnings else ALERT


COLUMNS = (
    Column("고객번호", lambda r: r.customer_no),
    Column("고객명", lambda r: r.customer_name),
    Column("집금항목", lambda r: r.item_name),
    Column("신청현황", _state, ALIGN_CENTER, _state_colour),
    Column("신청일", lambda r: f"{r.requested_on:%Y-%m-%d}", ALIGN_CENTER),
    Column("구분", lambda r: r.kind_text, ALIGN_CENTER),
    Column("은행", lambda r: r.bank_name),
    Column("계좌번호", lambda r: r.account_masked, ALIGN_CENTER),
    Column("이체기간", lambda r: f"{r.first_month}~{r.last_month or ''} · 매월 {r.debit_day}일", ALIGN_CENTER),
    Column("사유 · 주의", _notes, foreground=_notes_colour),
)
"""The state, its date and its reason lead; 월이체금액 is the customer screen's business, not this one's."""


class RegistrationsPage(Page):
    """계좌신청: filter, see states with reasons and warnings, 재신청 and 신청취소 the ticked rows."""

    title = "계좌신청"
    key = "collection.registrations"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        editing = ctx.actor.can_edit
        self.active_dialog: QDialog | None = None
        today = office_today(ctx)
        self.contract_label = contract_line(ctx)
        self.body.addWidget(self.contract_label)
        self.body.addWidget(hint_label("\n".join(NOTES), warning=True))

        self.state_filter = QComboBox()
        self.state_filter.addItem(ALL, None)
        for state in STATES:
            self.state_filter.addItem(state.label, state.value)
        self.bank_filter = bank_combo()
        self.item_filter = item_combo()
        self.held_only = QCheckBox("증빙 보류만")
        self.held_only.setToolTip("출금동의 증빙이 없거나 접수되지 않아 은행에 보내지 않은 계좌신청만 봅니다.")
        self.held_only.toggled.connect(lambda _on: self.refresh())
        self.use_dates = QCheckBox("신청일")
        self.date_from = date_edit(today.replace(day=1))
        self.date_to = date_edit(today)
        mark_closed_days(ctx, self.date_from, self.date_to)
        self.use_dates.toggled.connect(self._dates_toggled)
        self.customer = search_box()
        self.customer.returnPressed.connect(self.refresh)
        self.search_button = QPushButton("검색")
        self.search_button.setProperty("primary", True)
        self.search_button.clicked.connect(self.refresh)
        filters = QHBoxLayout()  # two rows: what and where, then when and who
        for caption, widget in (("신청현황", self.state_filter), ("은행", self.bank_filter),
                                ("집금항목", self.item_filter)):
            filters.addWidget(QLabel(caption))
            filters.addWidget(widget)
            filters.addSpacing(8)
        filters.addWidget(self.held_only)
        filters.addStretch(1)
        self.body.addLayout(filters)
        when = QHBoxLayout()
        when.addWidget(self.use_dates)
        when.addWidget(self.date_from)
        when.addWidget(QLabel("~"))
        when.addWidget(self.date_to)
        when.addSpacing(8)
        when.addWidget(QLabel("고객"))
        when.addWidget(self.customer)
        when.addSpacing(8)
        when.addWidget(self.search_button)
        when.addStretch(1)
        self.body.addLayout(when)
        self._dates_toggled(False)

        self.model = TickModel(COLUMNS, key=lambda r: r.id, why_not=_why_not, ticks=editing, grey=False, parent=self)
        self.model.checked_changed.connect(self._update_buttons)
        self.table = make_tick_table(self.model, self.open_customer, stretch=self.model.column_of("사유 · 주의"))
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_moved())
        self.body.addWidget(self.table, 1)
        self.empty = EmptyState(self.table, ctx)

        self.detail = hint_label("")
        self.body.addWidget(self.detail)
        self.totals = QLabel()
        self.requeue_button = QPushButton("재신청")
        self.requeue_button.setToolTip("계좌신청미완료 건을 계좌를 고친 뒤 다시 계좌신청대기로 넣습니다.")
        self.requeue_button.clicked.connect(self.requeue_ticked)
        self.withdraw_button = QPushButton("신청취소")
        self.withdraw_button.setToolTip("아직 은행에 보내지 않은 계좌신청대기 건을 취소합니다.")
        self.withdraw_button.clicked.connect(self.withdraw_ticked)
        actions = QHBoxLayout()
        actions.addWidget(self.totals, 1)
        for button in (self.requeue_button, self.withdraw_button):
            button.setVisible(editing)
            actions.addWidget(button)
        self.body.addLayout(actions)
        self.status = hint_label("")
        self.body.addWidget(self.status)
        self._update_buttons()

    def _dates_toggled(self, on: bool) -> None:
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)

    # --- loading -------------------------------------------------------------------------------------

    def query(self) -> RegistrationQuery:
        state = self.state_filter.currentData()
        dated = self.use_dates.isChecked()
        return RegistrationQuery(
            states=(RegistrationState(state),) if state else (), bank_code=self.bank_filter.currentData(),
            item_id=self.item_filter.currentData(), date_from=qdate_to_date(self.date_from) if dated else None,
            date_to=qdate_to_date(self.date_to) if dated else None, customer=self.customer.text().strip() or None,
            held_only=self.held_only.isChecked())

    def refresh(self) -> None:
        if self.ctx.contract_id is None:
            return
        update_contract_line(self.ctx, self.contract_label)
        fill_items(self.ctx, self.item_filter)
        rows = registrations.list_registrations(self.ctx.db, self.ctx.actor, self.ctx.contract_id, self.query(),
                                                now=self.ctx.clock())
        self.model.set_rows(rows)
        fit(self.table)
        self._show_empty(rows)
        counts = {state: sum(1 for r in rows if r.state is state) for state in STATES[:4]}
        warned = sum(1 for r in rows if r.warnings)
        held = sum(1 for r in rows if r.hold is not None and r.hold.needs_action)
        self.totals.setText(f"총 {len(rows)}건 · " + " · ".join(f"{s.label} {n}건" for s, n in counts.items())
                            + (f" · 증빙 보류 {held}건" if held else "") + (f" · 주의 {warned}건" if warned else ""))
        self._selection_moved()

    def _show_empty(self, rows: list[RegistrationRow]) -> None:
        """No rows: with no filter, where registrations come from; with one, the filter's words."""
        query = self.query()
        if rows:
            self.empty.clear()
        elif query.held_only and not (query.states or query.bank_code or query.item_id is not None
                                      or query.date_from or query.customer):
            self.empty.show_filtered("증빙이 없어 보류한 계좌신청이 없습니다.")
        elif query.states or query.bank_code or query.item_id is not None or query.date_from or query.customer:
            self.empty.show_filtered("조건에 맞는 계좌신청이 없습니다.")
        elif not has_customers(self.ctx):
            self.empty.show_no_customers("고객의 이체정보를 넣으면 계좌신청대기로 여기에 들어오고, 마감에 은행으로 보냅니다.")
        else:
            self.empty.show_empty("아직 계좌신청이 없습니다 — 고객 상세정보에서 이체정보를 추가하세요",
                                  "이체정보마다 계좌신청대기가 하나씩 생기고, 매 영업일 마감에 은행으로 보냅니다.",
                                  [("고객관리 ›", "customers.list")] if self.ctx.actor.can_edit else [])

    def selected_row(self) -> RegistrationRow | None:
        chosen = self.table.selectionModel().selectedRows()
        return self.model.row_at(chosen[0].row()) if chosen else None

    def _selection_moved(self) -> None:
        """The selected row's reason, what to do about it, and its warnings, in full."""
        row = self.selected_row()
        if row is None:
            self.detail.setText("")
            return
        parts = [f"{row.customer_name}({row.customer_no}) {row.item_name} {row.bank_name} {row.account_masked}: "
                 f"{row.state_text}"]
        if row.state is RegistrationState.FAILED:
            parts.append(f"사유 {_reason(row)}" + (f" → {row.hint}" if row.hint else ""))
            if row.can_requeue:
                parts.append("계좌를 고친 뒤(행을 두 번 눌러 고객 상세정보) [재신청]을 누르세요")
        elif row.hold is not None:
            parts.append(f"보류 사유 {row.hold.reason} → {row.hold.hint}")
            if row.hold.needs_action:
                parts.append("행을 두 번 눌러 고객 상세정보의 이체정보에서 증빙을 첨부하세요")
        parts.extend(row.warnings)
        self.detail.setText(" · ".join(parts))
        needs_action = row.hold is not None and row.hold.needs_action
        set_tone(self.detail, warning=bool(row.warnings) or row.state is RegistrationState.FAILED or needs_action)

    def _update_buttons(self) -> None:
        ticked = self.model.checked_rows()
        requeue = [r for r in ticked if r.can_requeue]
        withdraw = [r for r in ticked if r.can_withdraw]
        self.requeue_button.setEnabled(bool(requeue))
        self.withdraw_button.setEnabled(bool(withdraw))
        self.requeue_button.setText(f"재신청 ({len(requeue)}건)" if requeue else "재신청")
        self.withdraw_button.setText(f"신청취소 ({len(withdraw)}건)" if withdraw else "신청취소")

    # --- actions -------------------------------------------------------------------------------------

    def requeue_ticked(self) -> None:
        """재신청: each ticked 계좌신청미완료 goes back to 계좌신청대기 with the agreement's current account."""
        rows = [r for r in self.model.checked_rows() if r.can_requeue]
        if rows:
            self._each(rows, lambda r: registrations.requeue(self.ctx.db, self.ctx.actor, r.id, now=self.ctx.clock()),
                       "재신청")

    def withdraw_ticked(self) -> None:
        """신청취소: each ticked 계좌신청대기 is withdrawn before any file carries it."""
        rows = [r for r in self.model.checked_rows() if r.can_withdraw]
        if not rows or not confirm(self, f"선택한 계좌신청대기 {len(rows)}건을 취소할까요?\n"
                                         "취소한 고객은 다시 계좌신청하기 전까지 이체의뢰할 수 없습니다.", "신청취소"):
            return
        self._each(rows, lambda r: registrations.withdraw(self.ctx.db, self.ctx.actor, r.id), "신청취소")

    def _each(self, rows: list[RegistrationRow], action: Callable[[RegistrationRow], object], verb: str) -> None:
        """One service call per row (each its own unit of work); refusals are listed, not lost."""
        done, refused = 0, []
        for row in rows:
            try:
                action(row)
                done += 1
            except ServiceError as error:  # ValidationError is one too
                refused.append(f"{row.customer_name}({row.customer_no}): {error.message}")
        message = f"{verb} {done}건을 처리했습니다."
        if refused:
            message += f" 처리하지 못한 {len(refused)}건 — " + "; ".join(refused)
        self.refresh()
        self.status.setText(message)
        set_tone(self.status, warning=bool(refused))
        self.ctx.signals.status_message.emit(message)
        self.ctx.signals.data_changed.emit("registrations")

    def open_customer(self) -> None:
        """Double-click: the customer's detail, where the account is fixed before 재신청."""
        row = self.selected_row()
        if row is None:
            return
        open_dialog(self, CustomerDetailDialog(self.ctx, row.customer_id, self), finished=self.refresh)
