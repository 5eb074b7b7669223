"""독촉관리 > [보류 등록] and [보류 해제]: keeping a household out of 독촉 for a while, and ending that early.

[보류 등록] finds the household (the row chosen on the list comes in searched and selected), asks the
reason (필수, 200자까지: 분납 약정, 이의 제기 …) and the end day (tomorrow to a year from today), and
says what it means before saving. [보류 해제] asks why it ends early; the reason goes to the audit log.
Neither dialog decides anything: the service's Korean refusal is shown under the form and nothing is
written.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.services.collection import dunning_holds
from app.services.collection.dunning_holds import HoldRow
from app.services.common.errors import ServiceError
from app.services.customers.records import CustomerListRow
from app.views.collection.customer_picker import CustomerPicker
from app.views.collection.table_models import (
    date_edit,
    office_today,
)
from app.views.common.base import grow_to_fit, hint_label
from app.views.common.context import AppContext
from app.views.common.date_pickers import mark_closed_days, qdate_to_date
from app.views.common.dialogs import accept_row

DEFAULT_DAYS = 30
"""A new hold ends a month from today unless the clerk picks another day."""


def _error_label() -> QLabel:
    label = QLabel("")
    label.setObjectName("errorText")
    label.setWordWrap(True)
    label.setVisible(False)
    return label


class HoldDialog(QDialog):
    """보류 등록 for one household of the chosen contract; `done_with` carries what was done, just before it closes."""

    done_with = Signal(str)

    def __init__(self, ctx: AppContext, contract_id: int, search: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.contract_id = contract_id
        self.message = ""
        self.today: date = office_today(ctx)
        self.setWindowTitle("독촉 보류 등록")
        self.setMinimumWidth(640)

        self.picker = CustomerPicker(ctx, contract_id, "세대(고객)", lambda: self._explain(), self)
        self.search, self.search_button = self.picker.search, self.picker.search_button
        self.customer_model, self.customer_table = self.picker.model, self.picker.table
        self.search.setText(search)

        self.reason = QLineEdit()
        self.reason.setMaxLength(dunning_holds.REASON_MAX)
        self.reason.setPlaceholderText("예: 분납 약정(12월까지), 관리비 이의 제기 (필수)")
        self.reason.setMinimumWidth(360)
        last = dunning_holds.a_year_after(self.today)
        self.ends_on = date_edit(self.today + timedelta(days=DEFAULT_DAYS))
        self.ends_on.setDateRange(QDate(*_ymd(self.today + timedelta(days=1))), QDate(*_ymd(last)))
        mark_closed_days(ctx, self.ends_on, contract_id=contract_id)  # as every picker does
        self.ends_on.dateChanged.connect(lambda *_: self._explain())
        self.meaning = hint_label("")
        self.error = _error_label()
        self.reason.textEdited.connect(lambda _t: self.error.setVisible(False))  # the refusal is answered
        self.buttons = accept_row("보류 등록", self.save, self.reject, default=False)

        form = QFormLayout()
        form.addRow("보류 사유", self.reason)
        ends = QHBoxLayout()
        ends.addWidget(self.ends_on)
        ends.addWidget(QLabel(f"까지 (오늘부터 최대 {last:%Y-%m-%d})"))
        ends.addStretch(1)
        form.addRow("보류 종료일", ends)
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label("분납 약정이나 이의 제기처럼 사정이 있는 세대는 정한 날까지 독촉 안내문을 보내지 않습니다. "
                                    "보류가 끝나면 밀린 안내문이 다시 발행 예정 목록에 나옵니다."))
        layout.addLayout(self.picker.row)
        layout.addWidget(self.customer_table, 1)
        layout.addLayout(form)
        layout.addWidget(self.meaning)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons.box)
        self.find_customers()

    def find_customers(self) -> None:
        self.picker.find()

    def chosen_customer(self) -> CustomerListRow | None:
        return self.picker.chosen()

    def _explain(self) -> None:
        customer = self.chosen_customer()
        ends_on = qdate_to_date(self.ends_on)
        if customer is None:
            self.meaning.setText("보류할 세대를 위 목록에서 고르세요.")
        else:
            days = (ends_on - self.today).days + 1
            self.meaning.setText(f"{customer.name}({customer.customer_no}): 오늘({self.today:%Y-%m-%d})부터 "
                                 f"{ends_on:%Y-%m-%d}까지 {days}일 동안 독촉 안내문을 발행하지 않습니다.")
        self.buttons.accept.setEnabled(customer is not None)

    def save(self) -> None:
        customer = self.chosen_customer()
        if customer is None:
            self._refuse("보류할 세대를 고르세요.")
            return
        try:
            row = dunning_holds.hold(self.ctx.db, self.ctx.actor, customer.id, self.reason.text(),
                                     qdate_to_date(self.ends_on), self.today, now=self.ctx.clock())
        except ServiceError as error:
            self._refuse(error.message)
            return
        self.message = f"{row.customer_name}의 독촉을 {row.ends_on:%Y-%m-%d}까지 보류했습니다 ({row.reason})."
        self.done_with.emit(self.message)
        self.accept()

    def _refuse(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(True)
        grow_to_fit(self)


class EndHoldDialog(QDialog):
    """보류 해제 of one hold, with the reason it ends early; `done_with` carries what was done."""

    done_with = Signal(str)

    def __init__(self, ctx: AppContext, hold: HoldRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.hold = hold
        self.message = ""
        self.setWindowTitle("독촉 보류 해제")
        self.setMinimumWidth(520)
        self.reason = QLineEdit()
        self.reason.setMaxLength(dunning_holds.REASON_MAX)
        self.reason.setPlaceholderText("예: 분납 약정 취소, 이의 해결 (필수)")
        self.error = _error_label()
        self.reason.textEdited.connect(lambda _t: self.error.setVisible(False))
        self.buttons = accept_row("보류 해제", self.save, self.reject, default=False)
        form = QFormLayout()
        form.addRow("세대", QLabel(f"{hold.customer_name} ({hold.customer_no})"))
        held = QLabel(f"{hold.reason} · {hold.starts_on:%Y-%m-%d} ~ {hold.ends_on:%Y-%m-%d}")
        held.setWordWrap(True)  # a reason may be up to 200 characters
        form.addRow("보류", held)
        form.addRow("해제 사유", self.reason)
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label("보류를 지금 끝냅니다. 그동안 밀린 안내문은 발행 예정 목록에 다시 나옵니다."))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons.box)

    def save(self) -> None:
        try:
            self.message = dunning_holds.end_hold(self.ctx.db, self.ctx.actor, self.hold.id, self.reason.text(),
                                                  self.ctx.clock())
        except ServiceError as error:
            self.error.setText(error.message)
            self.error.setVisible(True)
            grow_to_fit(self)
            return
        self.done_with.emit(self.message)
        self.accept()


def _ymd(day: date) -> tuple[int, int, int]:
    return day.year, day.month, day.day
