"""수납관리 > 현금수납관리: a payer whose debit failed pays at the office, and the clerk records it.

Only charges with a failed debit that are still outstanding are listed (the manual: 이체처리미완료인
고객에 한하여). The clerk picks a row, enters what was received — part of it is fine — and presses
수납완료. The screen does not judge the amount: the cash service refuses more than the outstanding
amount, or a charge a queued request holds, and its Korean sentence is what the clerk reads.

A 현금영수증 issued on the spot may be entered with the receipt (승인번호 and 발급일, or 자진발급); an
amount of 100,000원 or more brings a reminder that one is due within 5 days. Left empty, it is entered
later on 현금영수증관리, where what is still missing is listed.

Below, the cash received in a period with each one's 현금영수증, where an administrator may reverse a
receipt (수납취소) with a reason: a wrong entry must be undone in the ledger, never deleted.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.collection import cash, cash_receipts
from app.services.collection.cash import CashPaymentRow, CashRow, ReceiptEntry
from app.services.common import formats, validation
from app.views.collection.table_models import (
    ALIGN_CENTER,
    Column,
    TickModel,
    contract_line,
    date_edit,
    fill_items,
    fit,
    item_combo,
    make_tick_table,
    money_column,
    office_today,
    qdate_to_date,
    set_tone,
    update_contract_line,
)
from app.views.common.base import Page, hint_label, run_guarded
from app.views.common.column_fit import set_elastic
from app.views.common.context import AppContext
from app.views.common.date_pickers import mark_closed_days
from app.views.common.empty_state import EmptyState, has_customers
from app.views.common.tables import ALERT, MUTED

CASH_NOTE = "※ 당월 이체의뢰 하기 전에 전월 미납금 현금수납을 하셔야합니다."
RECEIPT_DUE = (f"※ {cash_receipts.THRESHOLD:,}원 이상: {cash_receipts.ISSUE_DAYS}일 안에 현금영수증 발급 의무 "
               f"(미발급 가산세 {cash_receipts.PENALTY_PERCENT}%). 번호가 없으면 {cash_receipts.SELF_ISSUE_NUMBER}로 "
               "자진발급하세요.")
RECEIPT_LATER = "현금영수증: 발급했으면 승인번호를 입력하세요. 나중에 현금영수증관리에서 입력해도 됩니다."
INTRO = ("이체의뢰결과가 이체처리미완료인 고객에 한하여 현금으로 수납하고 이체처리를 완료할 수 있습니다. "
         "고객을 고르고 수납금액(현금수납 가능금액 이하, 일부 수납 가능)을 입력한 뒤 [수납완료]를 누르세요.")

CANDIDATE_COLUMNS = (
    Column("고객번호", lambda r: r.customer_no),
    Column("고객명", lambda r: r.customer_name),
    Column("집금항목", lambda r: r.item_name),
    Column("청구월", lambda r: r.period, ALIGN_CENTER),
    money_column("청구금액", lambda r: r.charge_amount),
    money_column("출금액", lambda r: r.debited, blank_zero=True),
    money_column("현금수납액", lambda r: r.cash, blank_zero=True),
    money_column("현금수납 가능금액", lambda r: r.outstanding, lambda r: ALERT),
    Column("최근 출금일", lambda r: f"{r.last_debit_date:%Y-%m-%d}" if r.last_debit_date else "", ALIGN_CENTER),
    Column("미처리 사유", lambda r: f"{r.reason_code} {r.reason_text}" if r.reason_code else r.reason_text),
    Column("비고", lambda r: r.blocked or ""),
)

PAYMENT_COLUMNS = (
    Column("수납일", lambda r: f"{r.paid_on:%Y-%m-%d}", ALIGN_CENTER),
    Column("고객번호", lambda r: r.customer_no),
    Column("고객명", lambda r: r.customer_name),
    Column("집금항목", lambda r: r.item_name),
    Column("청구월", lambda r: r.period, ALIGN_CENTER),
    money_column("수납금액", lambda r: r.amount),
    Column("수납방법", lambda r: r.method, ALIGN_CENTER),  # 현금수납, or 계좌입금 applied from 통장입금대사
    Column("수납자", lambda r: r.created_by, ALIGN_CENTER),
    Column("상태", lambda r: "수납취소" if r.reversed else "수납", ALIGN_CENTER,
           lambda r: MUTED if r.reversed else None),
    Column("현금영수증", lambda r: r.receipt, ALIGN_CENTER,
           lambda r: ALERT if "경과" in r.receipt else (MUTED if r.reversed else None)),
    Column("취소 사유", lambda r: r.reversal_reason),
)


class CashPage(Page):
    """현금수납관리: failed, outstanding charges; receive cash against one; reverse a receipt (관리자)."""

    title = "현금수납관리"
    key = "collection.cash"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        today = office_today(ctx)
        self.contract_label = contract_line(ctx)
        self.body.addWidget(self.contract_label)
        self.note = hint_label(CASH_NOTE, warning=True)
        self.body.addWidget(self.note)
        self.body.addWidget(hint_label(INTRO))

        self.item_filter = item_combo()
        self.customer_no = QLineEdit()
        self.customer_no.setPlaceholderText("고객번호")
        self.customer_no.setMaximumWidth(140)
        self.customer_name = QLineEdit()
        self.customer_name.setPlaceholderText("고객명")
        self.customer_name.setMaximumWidth(160)
        self.search_button = QPushButton("검색")
        self.search_button.setProperty("primary", True)
        filters = QHBoxLayout()
        for caption, widget in (("집금항목", self.item_filter), ("고객번호", self.customer_no),
                                ("고객명", self.customer_name)):
            filters.addWidget(QLabel(caption))
            filters.addWidget(widget)
        filters.addWidget(self.search_button)
        filters.addStretch(1)
        self.body.addLayout(filters)
        self.search_button.clicked.connect(self.refresh)
        self.customer_no.returnPressed.connect(self.refresh)
        self.customer_name.returnPressed.connect(self.refresh)
        self.item_filter.currentIndexChanged.connect(lambda _i: self.refresh())

        self.model = TickModel(CANDIDATE_COLUMNS, key=lambda r: r.charge_id, why_not=lambda r: r.blocked,
                               ticks=False, parent=self)
        self.table = make_tick_table(self.model, self._focus_amount)
        set_elastic(self.table, self.model.column_of("미처리 사유"), self.model.column_of("비고"))  # long texts narrow first
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_moved())
        self.body.addWidget(self.table, 3)
        self.empty = EmptyState(self.table, ctx)
        self.total_label = QLabel()
        self.body.addWidget(self.total_label)

        self.selected_label = QLabel()
        self.amount = QLineEdit()
        self.amount.setPlaceholderText("수납금액 (원)")
        self.amount.setMaximumWidth(150)
        self.received_on = date_edit(today)
        mark_closed_days(ctx, self.received_on)
        self.receive_button = QPushButton("수납완료")
        self.receive_button.setProperty("primary", True)
        self.receive_button.clicked.connect(self.receive_selected)
        self.amount.returnPressed.connect(self.receive_selected)
        self.amount.textChanged.connect(lambda _t: self._receipt_hint())
        form = QHBoxLayout()
        form.addWidget(self.selected_label, 1)
        form.addWidget(QLabel("수납금액"))
        form.addWidget(self.amount)
        form.addWidget(QLabel("수납일"))
        form.addWidget(self.received_on)
        form.addWidget(self.receive_button)
        self.receive_row = QWidget()
        rows = QVBoxLayout(self.receive_row)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.addLayout(form)
        rows.addLayout(self._receipt_fields(today))
        self.receive_row.setVisible(ctx.actor.can_edit)
        self.body.addWidget(self.receive_row)
        self.status = hint_label("")
        self.body.addWidget(self.status)

        self.body.addWidget(self._payments_box(today), 2)
        self._selection_moved()

    def _receipt_fields(self, today: date) -> QHBoxLayout:
        """현금영수증 at receipt time (optional): 승인번호 and 발급일, or 자진발급, and the reminder."""
        self.receipt_no = QLineEdit()
        self.receipt_no.setPlaceholderText(f"승인번호 (숫자 {cash_receipts.APPROVAL_DIGITS}자리)")
        self.receipt_no.setMaxLength(20)
        self.receipt_no.setMaximumWidth(170)
        self.receipt_no.returnPressed.connect(self.receive_selected)
        self.receipt_on = date_edit(today)
        mark_closed_days(self.ctx, self.receipt_on)
        self.receipt_self = QCheckBox(f"자진발급 ({cash_receipts.SELF_ISSUE_NUMBER})")
        self.receipt_self.setToolTip("고객이 번호를 주지 않아 국세청 코드로 발급한 경우입니다. 승인번호는 있으면 입력하세요.")
        self.receipt_hint = hint_label(RECEIPT_LATER)
        row = QHBoxLayout()
        row.addWidget(QLabel("현금영수증"))
        row.addWidget(self.receipt_no)
        row.addWidget(QLabel("발급일"))
        row.addWidget(self.receipt_on)
        row.addWidget(self.receipt_self)
        row.addSpacing(8)
        row.addWidget(self.receipt_hint, 1)
        return row

    def _receipt_hint(self) -> None:
        """The reminder turns red when the amount typed is 100,000원 or more (a receipt is then mandatory)."""
        amount = formats.parse_won(self.amount.text())
        due = amount is not None and amount >= cash_receipts.THRESHOLD
        self.receipt_hint.setText(RECEIPT_DUE if due else RECEIPT_LATER)
        set_tone(self.receipt_hint, warning=due)

    def receipt_entry(self) -> ReceiptEntry | None:
        """What the clerk typed about the 현금영수증, or None when nothing (it is entered later, then)."""
        number = self.receipt_no.text().strip()
        if not number and not self.receipt_self.isChecked():
            return None
        return ReceiptEntry(number or None, qdate_to_date(self.receipt_on), self.receipt_self.isChecked())

    def _payments_box(self, today: date) -> QGroupBox:
        box = QGroupBox("현금수납·계좌입금 내역")
        layout = QVBoxLayout(box)
        self.paid_from = date_edit(today.replace(day=1) - timedelta(days=31))
        self.paid_to = date_edit(today)
        mark_closed_days(self.ctx, self.paid_from, self.paid_to)
        self.payments_button = QPushButton("조회")
        self.payments_button.clicked.connect(self.load_payments)
        row = QHBoxLayout()
        row.addWidget(QLabel("수납일"))
        row.addWidget(self.paid_from)
        row.addWidget(QLabel("~"))
        row.addWidget(self.paid_to)
        row.addWidget(self.payments_button)
        row.addStretch(1)
        self.reversal_reason = QLineEdit()
        self.reversal_reason.setPlaceholderText("취소 사유 (필수)")
        self.reversal_reason.setMinimumWidth(220)
        self.reverse_button = QPushButton("수납취소")
        self.reverse_button.clicked.connect(self.reverse_selected)
        for widget in (self.reversal_reason, self.reverse_button):  # the cash service allows administrators only
            widget.setVisible(self.ctx.actor.is_admin)
            row.addWidget(widget)
        layout.addLayout(row)
        self.payments_model = TickModel(PAYMENT_COLUMNS, key=lambda r: r.payment_id,
                                        why_not=lambda r: "이미 취소한 수납입니다" if r.reversed else None,
                                        ticks=False, parent=self)
        self.payments_table = make_tick_table(self.payments_model, stretch=self.payments_model.column_of("취소 사유"))
        self.payments_table.setToolTip("현금영수증이 빠진 건은 현금영수증관리에서 발급을 입력합니다.")
        self.payments_table.setMinimumHeight(120)
        self.payments_table.selectionModel().selectionChanged.connect(lambda *_: self._payment_moved())
        layout.addWidget(self.payments_table)
        self._payment_moved()
        return box

    # --- loading -------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the candidates (keeping the same charge selected) and the receipts of the period."""
        if self.ctx.contract_id is None:
            return
        update_contract_line(self.ctx, self.contract_label)
        fill_items(self.ctx, self.item_filter)
        keep = self.selected_row()
        rows = cash.list_cash_candidates(
            self.ctx.db, self.ctx.actor, self.ctx.contract_id, item_id=self.item_filter.currentData(),
            customer_no=self.customer_no.text().strip() or None, name=self.customer_name.text().strip() or None)
        self.model.set_rows(rows)
        fit(self.table)
        self._show_empty()
        total = sum(r.outstanding for r in rows)
        self.total_label.setText(f"총 {len(rows)}건 · 현금수납 가능금액 합계 {total:,}원")
        target = next((i for i, r in enumerate(rows) if keep and r.charge_id == keep.charge_id), 0)
        if rows:
            self.table.selectRow(target)
        self._selection_moved()
        self.load_payments()

    def _show_empty(self) -> None:
        """Nothing to receive: with no filter, when charges come here; with one, the filter's words."""
        if self.model.rowCount():
            self.empty.clear()
        elif self.item_filter.currentData() is not None or self.customer_no.text().strip() \
                or self.customer_name.text().strip():
            self.empty.show_filtered("조건에 맞는 현금수납 대상이 없습니다.")
        elif not has_customers(self.ctx):
            self.empty.show_no_customers()
        else:
            self.empty.show_empty("지금 현금수납할 청구가 없습니다",
                                  "출금되지 않은 청구(이체처리미완료, 현금수납으로 돌린 마감 놓친 건)가 생기면 여기에 "
                                  "나옵니다. 결과는 이체의뢰결과에서 확인합니다.",
                                  [("이체의뢰결과 ›", "collection.results")])

    def load_payments(self) -> None:
        if self.ctx.contract_id is None:
            return
        rows = cash.list_cash_payments(self.ctx.db, self.ctx.actor, self.ctx.contract_id,
                                       qdate_to_date(self.paid_from), qdate_to_date(self.paid_to),
                                       today=office_today(self.ctx))
        self.payments_model.set_rows(rows)
        fit(self.payments_table)
        self._payment_moved()

    def selected_row(self) -> CashRow | None:
        chosen = self.table.selectionModel().selectedRows()
        return self.model.row_at(chosen[0].row()) if chosen else None

    def selected_payment(self) -> CashPaymentRow | None:
        chosen = self.payments_table.selectionModel().selectedRows()
        return self.payments_model.row_at(chosen[0].row()) if chosen else None

    def _selection_moved(self) -> None:
        row = self.selected_row()
        if row is None:
            self.selected_label.setText("현금수납할 고객을 목록에서 고르세요.")
        else:
            self.selected_label.setText(f"{row.customer_name}({row.customer_no}) · {row.item_name} {row.period} · "
                                        f"현금수납 가능금액 {row.outstanding:,}원")
            self.amount.setText(f"{row.outstanding:,}")
        blocked = row is not None and row.blocked is not None
        self.receive_button.setEnabled(row is not None and not blocked)
        self.receive_button.setToolTip(row.blocked if row is not None and row.blocked else "")

    def _payment_moved(self) -> None:
        payment = self.selected_payment()
        self.reverse_button.setEnabled(payment is not None and not payment.reversed)

    def _focus_amount(self) -> None:
        self.amount.setFocus()
        self.amount.selectAll()

    # --- actions -------------------------------------------------------------------------------------

    def receive_selected(self) -> None:
        """수납완료: the amount as typed goes to the cash service, which alone decides whether it fits."""
        row = self.selected_row()
        if row is None or not self.ctx.actor.can_edit:
            return
        outcome: list[cash.CashReceipt] = []

        def action() -> None:
            amount = validation.amount_won(self.amount.text(), "수납금액", minimum=1)
            outcome.append(cash.receive_cash(self.ctx.db, self.ctx.actor, row.charge_id, amount,
                                             qdate_to_date(self.received_on), today=office_today(self.ctx),
                                             receipt=self.receipt_entry()))

        if run_guarded(self, action):
            self.receipt_no.clear()
            self.receipt_self.setChecked(False)
            self._done(f"{row.customer_name}({row.customer_no}) {row.item_name} {row.period}: {outcome[0].message}")

    def reverse_selected(self) -> None:
        """수납취소 (관리자): the receipt is undone in the ledger and the amount is outstanding again."""
        payment = self.selected_payment()
        if payment is None or not self.ctx.actor.is_admin:
            return
        outcome: list[cash.CashReceipt] = []
        reason = self.reversal_reason.text()
        if run_guarded(self, lambda: outcome.append(cash.reverse_cash(
                self.ctx.db, self.ctx.actor, payment.payment_id, reason, on=office_today(self.ctx)))):
            self.reversal_reason.clear()
            self._done(f"{payment.customer_name}({payment.customer_no}): {outcome[0].message}")

    def _done(self, message: str) -> None:
        self.refresh()
        self.status.setText(message)
        self.ctx.signals.status_message.emit(message)
        self.ctx.signals.data_changed.emit("collection")
