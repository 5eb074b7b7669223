"""이체정보 추가 / 수정 / 해지: one customer's standing debit order for one collection item.

Fields ①–⑨ of the manual. What the clerk must see before pressing 추가 is shown live under the
form: the discount amount computed from the rate (truncated to the won) and the resulting debit
amount; a bank that always needs 계좌신청 (국민은행, 새마을금고); and whether a registration queued
now completes before the first debit's D-2 deadline, from the business-day calendar.

In 수정 the account number starts empty and is kept unless a new one is typed, so the stored number
is never put on screen; a new bank, account or holder id queues the re-registration.

학원: when the item has a posted 교습비, it is shown under the monthly amount and turns red as soon as
the typed amount exceeds it; saving such an amount is refused by the service (학원법 제15조).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.models import AgreementStatus, CustomerType
from app.services.common.calendar import BusinessCalendar
from app.services.common.errors import ServiceError
from app.services.common.formats import parse_won
from app.services.common.periods import year_month
from app.services.common.validation import ValidationError
from app.services.customers import agreements
from app.services.customers import rules as customer_rules
from app.services.customers.agreements import AgreementRow
from app.services.customers.records import CustomerDetail
from app.services.customers.rules import AgreementForm
from app.services.exchange.cms.account_numbers import numbering_warning
from app.services.exchange.cms.banks import BANK_NAMES, requires_registration
from app.services.settings import contracts
from app.views.common.base import grow_to_fit
from app.views.common.context import AppContext
from app.views.common.date_pickers import mark_closed_days
from app.views.common.dialogs import accept_row
from app.views.customers.evidence_panel import EvidencePanel
from app.views.settings.user_dialog import read_only


def month_edit(value: date) -> QDateEdit:
    edit = QDateEdit(QDate(value.year, value.month, 1))
    edit.setDisplayFormat("yyyy-MM")
    edit.setCalendarPopup(True)
    return edit


def month_text(edit: QDateEdit) -> str:
    return edit.date().toString("yyyy-MM")


def next_month(today: date) -> date:
    return date(today.year + (today.month == 12), today.month % 12 + 1, 1)


class AgreementDialog(QDialog):
    """이체정보 추가 (`agreement=None`) or 수정."""

    def __init__(self, ctx: AppContext, customer: CustomerDetail, agreement: AgreementRow | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.customer = customer
        self.agreement = agreement
        self.saved_id: int | None = None
        self.done_message = ""
        self.went_to_items = False  # closed by [집금항목관리 열기]: the caller closes its own window too
        self.setWindowTitle(f"이체정보 {'수정' if agreement else '추가'} — {customer.customer_no} {customer.name}")
        self.setMinimumWidth(800)
        self.today = ctx.clock().date()
        all_items = contracts.list_items(ctx.db, ctx.actor, customer.contract_id, active_only=agreement is None)
        if agreement is not None:  # the item is what the agreement is: shown, not changed
            self.items = [i for i in all_items if i.id == agreement.item_id]
        else:  # one agreement per customer and item: offer only the items it does not pay yet
            taken = {a.item_id for a in customer.agreements if a.status is AgreementStatus.ACTIVE}
            self.items = [i for i in all_items if i.id not in taken]
        contract = contracts.get_contract(ctx.db, ctx.actor, customer.contract_id)
        self.contract_days = contract.debit_days
        self.cutoff, self.result_time = contract.registration_cutoff, contract.result_time
        self.calendar: BusinessCalendar = agreements.calendar_for(ctx.db, ctx.actor, customer.contract_id)

        self.item = QComboBox()
        for item in self.items:
            self.item.addItem(item.name, item.id)
        self.debit_limit = QLineEdit()
        self.monthly_amount = QLineEdit()
        for edit in (self.debit_limit, self.monthly_amount):
            edit.setAlignment(Qt.AlignmentFlag.AlignRight)
            edit.setPlaceholderText("원")
        self.discount_rate = QSpinBox()
        self.discount_rate.setRange(0, 100)
        self.discount_rate.setSuffix(" %")
        self.discount_amount = QLineEdit("0")
        self.discount_amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.net_label = QLabel()
        self.fee_label = QLabel()
        self.fee_label.setWordWrap(True)
        self.first_month = month_edit(next_month(self.today))
        self.has_last = QCheckBox("지정")
        self.last_month = month_edit(next_month(self.today))
        self.last_month.setEnabled(False)
        mark_closed_days(ctx, self.first_month, self.last_month, contract_id=customer.contract_id)
        self.debit_day = QComboBox()
        self.bank = QComboBox()
        self.bank.addItem("선택하세요", "")
        for code, text in agreements.bank_choices():
            self.bank.addItem(text, code)
        self.account_no = QLineEdit()
        self.account_no.setMaxLength(20)
        self.holder_name = QLineEdit()
        self.holder_id = QLineEdit()
        self.holder_id.setMaxLength(12)
        self.manager_name = QLineEdit()
        self.registrant = QLineEdit(ctx.actor.name)

        last_row = QHBoxLayout()
        last_row.addWidget(self.has_last)
        last_row.addWidget(self.last_month, 1)
        left = QFormLayout()
        left.addRow("① 집금항목명", self.item)
        left.addRow("② 건당출금한도", self.debit_limit)
        left.addRow("③ 월이체금액", self.monthly_amount)
        left.addRow("④ 할인/면제비율", self.discount_rate)
        left.addRow("⑤ 할인/면제금액", self.discount_amount)
        left.addRow("    게시 교습비", self.fee_label)
        left.addRow("    실 이체금액", self.net_label)
        left.addRow("⑥ 최초이체년월", self.first_month)
        left.addRow("    최종이체년월", last_row)
        right = QFormLayout()
        right.addRow("⑦ 이체예정일", self.debit_day)
        right.addRow("⑧ 이체은행", self.bank)
        right.addRow("    계좌번호", self.account_no)
        right.addRow("    예금주명", self.holder_name)
        right.addRow("    생년월일/사업자번호", self.holder_id)
        right.addRow("⑨ 관리자명", self.manager_name)
        right.addRow("    등록자", self.registrant)
        for form in (left, right):
            form.setHorizontalSpacing(12)
            form.setVerticalSpacing(6)
            form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.left_form = left
        columns = QGridLayout()
        columns.addLayout(left, 0, 0)
        columns.addLayout(right, 0, 1)
        columns.setHorizontalSpacing(24)

        self.notice = QLabel("")
        self.notice.setObjectName("warningText")
        self.notice.setWordWrap(True)
        self.timing = QLabel("")
        self.timing.setObjectName("hintText")
        self.timing.setWordWrap(True)
        self.error = QLabel("")
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        buttons = accept_row("저장" if agreement else "추가", self.save, self.reject)
        self.save_button = buttons.accept
        # An office without any item cannot add an agreement: the way to the screen that makes one.
        self.items_button = buttons.add_action("집금항목관리 열기")
        self.items_button.clicked.connect(self.open_items)
        self.items_button.setVisible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        self.evidence = EvidencePanel(ctx, agreement.id if agreement else None, self)  # 동의자료 (issue 16)
        self.finished.connect(lambda _r: self.evidence.shutdown())
        layout.addWidget(self.evidence)
        layout.addWidget(self.notice)
        layout.addWidget(self.timing)
        layout.addWidget(self.error)
        layout.addWidget(buttons.box)

        self.item.currentIndexChanged.connect(lambda _i: self._fill_days())
        self.item.currentIndexChanged.connect(lambda _i: self._update_amounts())
        for edit in (self.monthly_amount, self.discount_amount):
            edit.textChanged.connect(lambda _t: self._update_amounts())
        self.discount_rate.valueChanged.connect(lambda _v: self._update_amounts())
        for edit in (self.debit_limit, self.monthly_amount, self.discount_amount):
            edit.editingFinished.connect(lambda e=edit: self._format_won(e))
        self.has_last.toggled.connect(self.last_month.setEnabled)
        self.bank.currentIndexChanged.connect(lambda _i: self._update_notices())
        self.first_month.dateChanged.connect(lambda _d: self._update_notices())
        self.debit_day.currentIndexChanged.connect(lambda _i: self._update_notices())
        for edit in (self.account_no, self.holder_id):
            edit.textChanged.connect(lambda _t: self._update_notices())
        self._load()
        if not self.items and not all_items:
            who = "[집금항목관리 열기]를 눌러" if ctx.actor.is_admin else "관리자에게 부탁해"
            self._fail(f"등록된 집금항목이 없습니다. 이체정보를 넣으려면 먼저 {who} 환경설정 › 집금항목관리에서 "
                       "집금항목(수강료 등)과 출금일을 등록하세요.", "")
            self.save_button.setEnabled(False)
            self.items_button.setVisible(True)
        elif not self.items:
            self._fail("더 추가할 수 있는 집금항목이 없습니다. 이 고객은 모든 항목의 이체정보가 있습니다.", "")
            self.save_button.setEnabled(False)

    def open_items(self) -> None:
        """집금항목관리 in the main window; this dialog closes (nothing was typed that could be kept)."""
        self.went_to_items = True
        self.ctx.signals.open_page.emit("settings.items")
        self.reject()

    # --- filling -----------------------------------------------------------------------------

    def _load(self) -> None:
        a = self.agreement
        person = self.customer.customer_type is CustomerType.PERSON
        self.holder_id.setPlaceholderText("생년월일 900101" if person else "사업자번호 10자리")
        if a is None:
            # Usual cases: a pupil's parent (대표자) pays, or the customer pays for themself.
            if person and self.customer.representative:
                self.holder_name.setText(self.customer.representative)
            else:
                self.holder_name.setText(self.customer.name)
                birth = self.customer.resident_masked[:6]
                self.holder_id.setText(self.customer.business_no if not person else birth if birth.isdigit() else "")
            self.account_no.setPlaceholderText("하이픈 없이 또는 있게 (6~16자리)")
            self._fill_days()
            self._update_amounts()
            return
        self.item.setEnabled(False)
        self.debit_limit.setText(f"{a.debit_limit:,}")
        self.monthly_amount.setText(f"{a.monthly_amount:,}")
        self.discount_rate.setValue(a.discount_rate)
        self.discount_amount.setText(f"{a.discount_amount:,}")
        self.first_month.setDate(QDate(*year_month(a.first_month), 1))
        if a.last_month:
            self.has_last.setChecked(True)
            self.last_month.setDate(QDate(*year_month(a.last_month), 1))
        self._fill_days()
        self.debit_day.setCurrentIndex(max(0, self.debit_day.findData(a.debit_day)))
        self.bank.setCurrentIndex(max(0, self.bank.findData(a.bank_code)))
        self.account_no.setPlaceholderText(f"{a.account_masked} (바꿀 때만 입력)")
        self.holder_name.setText(a.holder_name)
        self.holder_id.setText(a.holder_id)
        self.manager_name.setText(a.manager_name)
        self.registrant.setText(a.registrant or self.ctx.actor.name)
        self._update_amounts()

    def _fill_days(self) -> None:
        item = next((i for i in self.items if i.id == self.item.currentData()), None)
        days = item.collection_days if item and item.collection_days else self.contract_days
        current = self.debit_day.currentData()
        self.debit_day.blockSignals(True)
        self.debit_day.clear()
        for day in days:
            self.debit_day.addItem(f"{day}일", day)
        self.debit_day.setCurrentIndex(max(0, self.debit_day.findData(current)))
        self.debit_day.blockSignals(False)
        self._update_notices()

    def _format_won(self, edit: QLineEdit) -> None:
        value = parse_won(edit.text())
        if value is not None:
            edit.setText(f"{value:,}")

    def _update_amounts(self) -> None:
        """The manual: 비율을 설정하면 자동으로 금액이 입력됩니다 — truncated to the won, live."""
        monthly = parse_won(self.monthly_amount.text())
        rate = self.discount_rate.value()
        self.discount_amount.setReadOnly(rate > 0)
        if rate > 0:
            self.discount_amount.blockSignals(True)
            self.discount_amount.setText(f"{customer_rules.discount_amount_for(monthly or 0, rate):,}")
            self.discount_amount.blockSignals(False)
        discount = parse_won(self.discount_amount.text()) or 0
        if monthly is None:
            self.net_label.setText("")
        else:
            self.net_label.setText(f"{max(0, monthly - discount):,}원 (월이체금액 − 할인)")
        self._show_posted_fee(monthly)

    def _show_posted_fee(self, monthly: int | None) -> None:
        """The chosen item's posted 교습비, red with the reason once the monthly amount exceeds it."""
        item = next((i for i in self.items if i.id == self.item.currentData()), None)
        fee = item.posted_fee if item is not None else None
        self.left_form.setRowVisible(self.fee_label, fee is not None)
        if fee is None:
            return
        over = customer_rules.over_posted_fee(monthly, fee) if monthly is not None else None
        self.fee_label.setText(over or f"{fee:,}원 (월이체금액은 이보다 많을 수 없습니다)")
        self.fee_label.setStyleSheet("color: #c0392b; font-weight: bold;" if over else "color: #555555;")

    def _update_notices(self) -> None:
        code = self.bank.currentData()
        notes = []
        if code and requires_registration(code):
            notes.append(f"{BANK_NAMES[code]} 계좌는 반드시 계좌신청이 완료되어야 출금할 수 있습니다 (매뉴얼).")
        digits_warning = numbering_warning(code, self.account_no.text()) if code else None
        if digits_warning:  # a warning only: the bank may have a numbering the table does not know
            notes.append(digits_warning)
        timing = ""
        if self.debit_day.currentData() is not None and self._registers():
            outlook = agreements.registration_outlook(
                self.calendar, self.ctx.clock(), self._first_registered_month(), int(self.debit_day.currentData()),
                cutoff=self.cutoff, result_time=self.result_time)
            if outlook.in_time:
                timing = outlook.message()
            else:
                notes.append(outlook.message())
        self.notice.setText("\n".join(notes))
        self.notice.setVisible(bool(notes))
        self.timing.setText(timing)
        self.timing.setVisible(bool(timing))

    def _registers(self) -> bool:
        """Whether saving queues a registration: always when adding, on a new account when editing."""
        a = self.agreement
        if a is None:
            return True
        return bool(self.account_no.text().strip()) or self.bank.currentData() != a.bank_code \
            or self.holder_id.text().strip() != a.holder_id

    def _first_registered_month(self) -> str:
        """The first month the new registration serves (`agreements.first_registered_month`)."""
        return agreements.first_registered_month(
            self.calendar, self.ctx.clock().date(), month_text(self.first_month), int(self.debit_day.currentData()),
            running=self.agreement is not None)

    # --- saving ------------------------------------------------------------------------------

    def form(self) -> AgreementForm:
        return AgreementForm(
            item_id=self.item.currentData(), debit_limit=self.debit_limit.text(),
            monthly_amount=self.monthly_amount.text(), discount_rate=str(self.discount_rate.value()),
            discount_amount=self.discount_amount.text(), first_month=month_text(self.first_month),
            last_month=month_text(self.last_month) if self.has_last.isChecked() else "",
            debit_day=str(self.debit_day.currentData() or ""), bank_code=self.bank.currentData() or "",
            account_no=self.account_no.text(), holder_name=self.holder_name.text(), holder_id=self.holder_id.text(),
            manager_name=self.manager_name.text(), registrant=self.registrant.text(),
        )

    def save(self) -> None:
        self.error.setVisible(False)
        try:
            if self.agreement is None:
                saved = agreements.create_agreement(self.ctx.db, self.ctx.actor, self.customer.id, self.form(),
                                                    data_key=self.ctx.data_key, today=self.today)
                verb = "추가"
            else:
                saved = agreements.update_agreement(self.ctx.db, self.ctx.actor, self.agreement.id, self.form(),
                                                    version_id=self.agreement.version_id,
                                                    data_key=self.ctx.data_key, today=self.today)
                verb = "수정"
        except ValidationError as error:
            self._fail(error.lines(), error.field)  # every problem of the form at once, the first focused
            return
        except ServiceError as error:
            self._fail(error.message, "")
            return
        self.saved_id = saved.id
        parts = [f"{self.item.currentText()} 이체정보를 {verb}했습니다.", *saved.queued]
        if self.agreement is None and self.evidence.pending is not None:  # chosen while adding: goes with it
            parts.append(self.evidence.attach_pending(saved.id))
        self.done_message = " ".join(parts)
        self.accept()

    def _fail(self, message: str, field: str) -> None:
        self.error.setText(message)
        self.error.setVisible(True)
        grow_to_fit(self)
        widgets: dict[str, QWidget] = {
            "집금항목명": self.item, "건당출금한도": self.debit_limit, "월이체금액": self.monthly_amount,
            "할인/면제비율": self.discount_rate, "할인/면제금액": self.discount_amount,
            "최초이체년월": self.first_month, "최종이체년월": self.last_month, "이체예정일": self.debit_day,
            "이체은행": self.bank, "계좌번호": self.account_no, "예금주명": self.holder_name,
            customer_rules.HOLDER_ID_FIELD: self.holder_id, "관리자명": self.manager_name, "등록자": self.registrant,
        }
        target = widgets.get(field)
        if target is not None and target.isEnabled():
            target.setFocus(Qt.FocusReason.OtherFocusReason)
            if isinstance(target, QLineEdit):
                target.selectAll()


class EndAgreementDialog(QDialog):
    """이체정보 해지: the last month to debit; the account registration is cancelled with it."""

    def __init__(self, ctx: AppContext, customer: CustomerDetail, agreement: AgreementRow,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.agreement = agreement
        self.saved_id: int | None = None
        self.done_message = ""
        self.setWindowTitle("이체정보 해지")
        today = ctx.clock().date()
        self.last_month = month_edit(today)
        mark_closed_days(ctx, self.last_month, contract_id=customer.contract_id)
        summary = QLineEdit(f"{customer.customer_no} {customer.name} · {agreement.item_name} · "
                            f"{agreement.bank_name} {agreement.account_masked}")
        read_only(summary)
        form = QFormLayout()
        form.addRow("이체정보", summary)
        form.addRow("최종이체년월", self.last_month)
        note = QLabel("해지하면 최종이체년월 다음 달부터 청구·이체의뢰를 하지 않고, 은행에 계좌 해지 신청을 보냅니다.\n"
                      "보내기 전인 계좌신청은 해지 신청 대신 취소합니다. "
                      f"최초이체년월({agreement.first_month}) 전 달을 고르면 한 번도 출금하지 않습니다.")
        note.setObjectName("hintText")
        self.error = QLabel("")
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        buttons = accept_row("해지", self.save, self.reject, default=False)
        self.end_button = buttons.accept
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(buttons.box)
        self.setMinimumWidth(520)

    def save(self) -> None:
        try:
            saved = agreements.end_agreement(self.ctx.db, self.ctx.actor, self.agreement.id,
                                             last_month=month_text(self.last_month),
                                             version_id=self.agreement.version_id, today=self.ctx.clock().date())
        except ServiceError as error:
            self.error.setText(f"{error.field}: {error.message}" if isinstance(error, ValidationError) else error.message)
            self.error.setVisible(True)
            return
        self.saved_id = saved.id
        self.done_message = " ".join([f"{self.agreement.item_name} 이체정보를 해지했습니다.", *saved.queued])
        self.accept()
