"""휴원 등록: choose a customer, the items that pause (all ticked), the months and the reason.

The dialog decides nothing itself: the months, the reason and the items go to
`pauses.add_pause`, whose Korean refusal (a month already charged, an overlap, more than 12
months …) is shown under the form, and nothing is written. Below the months it says, live, how
many months that is and from when the items are charged again, so the clerk sees the pause's end
before pressing 등록.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.services.common.errors import ServiceError
from app.services.common.periods import add_months, first_day, month_of
from app.services.common.validation import ValidationError
from app.services.customers import pauses
from app.services.customers.pauses import PausableItem
from app.services.customers.records import CustomerListRow
from app.views.collection.customer_picker import CustomerPicker
from app.views.collection.table_models import (
    ALIGN_CENTER,
    Column,
    TickModel,
    fit,
    make_tick_table,
    money_column,
    office_today,
)
from app.views.common.base import grow_to_fit, hint_label
from app.views.common.context import AppContext
from app.views.common.date_pickers import mark_closed_days
from app.views.common.dialogs import accept_row

ITEM_COLUMNS = (
    Column("집금항목", lambda r: r.item_name),
    money_column("월이체금액", lambda r: r.monthly_amount),
    Column("이체기간", lambda r: f"{r.first_month}~{r.last_month or ''}", ALIGN_CENTER),
    Column("등록된 휴원", lambda r: r.pauses),
)


def month_edit(month: str) -> QDateEdit:
    """A YYYY-MM picker (the day is always the 1st)."""
    day = first_day(month)
    edit = QDateEdit(QDate(day.year, day.month, 1))
    edit.setDisplayFormat("yyyy-MM")
    edit.setCalendarPopup(True)
    edit.setMinimumWidth(96)
    return edit


def picked_month(edit: QDateEdit) -> str:
    return edit.date().toString("yyyy-MM")


class PauseDialog(QDialog):
    """휴원 등록 for one customer of the chosen contract; `added` carries what was done, just before it closes."""

    added = Signal(str)

    def __init__(self, ctx: AppContext, contract_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.contract_id = contract_id
        self.message = ""
        self.setWindowTitle("휴원 등록")
        self.setMinimumWidth(760)
        self.today: date = office_today(ctx)
        start = add_months(month_of(self.today), 1)

        self.picker = CustomerPicker(ctx, contract_id, "고객", lambda: self._customer_moved(), self)
        self.search, self.search_button = self.picker.search, self.picker.search_button
        self.customer_model, self.customer_table = self.picker.model, self.picker.table

        self.chosen_label = QLabel()
        self.item_model = TickModel(ITEM_COLUMNS, key=lambda r: r.agreement_id, parent=self)
        self.item_model.checked_changed.connect(self._explain)
        self.item_table = make_tick_table(self.item_model)
        self.item_table.setMinimumHeight(110)

        self.first_month = month_edit(start)
        self.last_month = month_edit(start)
        mark_closed_days(ctx, self.first_month, self.last_month, contract_id=contract_id)  # as every picker does
        self.first_month.dateChanged.connect(self._first_moved)
        self.last_month.dateChanged.connect(lambda _d: self._explain())
        self.span = QLabel()
        self.reason = QLineEdit()
        self.reason.setMaxLength(pauses.REASON_MAX)
        self.reason.setPlaceholderText("예: 가족 여행, 건강 문제 (필수)")
        self.error = QLabel("")
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        buttons = accept_row("휴원 등록", self.save, self.reject, default=False)
        self.save_button = buttons.accept

        months = QHBoxLayout()
        months.addWidget(self.first_month)
        months.addWidget(QLabel("~"))
        months.addWidget(self.last_month)
        months.addSpacing(12)
        months.addWidget(self.span, 1)
        form = QFormLayout()
        form.addRow("휴원 기간", months)
        form.addRow("휴원 사유", self.reason)
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label("휴원한 달에는 청구하지 않고 이체의뢰에서 제외합니다. 휴원이 끝나면 다음 달부터 자동으로 "
                                    f"다시 청구합니다. 한 번에 {pauses.MAX_MONTHS}개월까지 등록할 수 있습니다."))
        layout.addLayout(self.picker.row)
        layout.addWidget(self.customer_table, 3)
        layout.addWidget(self.chosen_label)
        layout.addWidget(self.item_table, 2)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons.box)
        self.find_customers()

    # --- customers and items ------------------------------------------------------------------------

    def find_customers(self) -> None:
        self.picker.find()

    def chosen_customer(self) -> CustomerListRow | None:
        return self.picker.chosen()

    def _customer_moved(self) -> None:
        customer = self.chosen_customer()
        items: list[PausableItem] = []
        if customer is None:
            self.chosen_label.setText("휴원할 고객을 위 목록에서 고르세요.")
        else:
            items = pauses.pausable_items(self.ctx.db, self.ctx.actor, customer.id, today=self.today)
            self.chosen_label.setText(f"{customer.name}({customer.customer_no})의 집금항목 — 휴원할 항목에 체크하세요."
                                      if items else f"{customer.name}({customer.customer_no})은(는) 사용 중인 "
                                      "이체정보가 없어 휴원할 항목이 없습니다.")
        self.item_model.set_rows(items)
        self.item_model.set_all_checked(True)
        fit(self.item_table)
        self._explain()

    # --- months -------------------------------------------------------------------------------------

    def _first_moved(self) -> None:
        """The end follows a start moved past it, so a one-month pause is one change."""
        if self.last_month.date() < self.first_month.date():
            self.last_month.setDate(self.first_month.date())
        self._explain()

    def _explain(self) -> None:
        first, last = picked_month(self.first_month), picked_month(self.last_month)
        if last < first:
            self.span.setText("종료월이 시작월보다 빠릅니다.")
        else:
            self.span.setText(f"{pauses.month_count(first, last)}개월 · {add_months(last, 1)}부터 다시 청구")
        self.save_button.setEnabled(bool(self.item_model.checked_rows()))

    # --- saving -------------------------------------------------------------------------------------

    def save(self) -> None:
        customer = self.chosen_customer()
        chosen = [r.agreement_id for r in self.item_model.checked_rows()]
        if customer is None or not chosen:
            self._refuse("휴원할 고객과 집금항목을 고르세요.")
            return
        try:
            added = pauses.add_pause(self.ctx.db, self.ctx.actor, customer.id, chosen, picked_month(self.first_month),
                                     picked_month(self.last_month), self.reason.text(), today=office_today(self.ctx))
        except ServiceError as error:
            self._refuse(f"{error.field}: {error.message}" if isinstance(error, ValidationError) else error.message)
            return
        self.message = added.message
        self.added.emit(added.message)
        self.accept()

    def _refuse(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(True)
        grow_to_fit(self)
