"""신규등록 / 수정 of a customer: the manual's 고객추가 window, fields ①–⑨ and a memo.

The dialog saves through the customers service itself, so a refusal (a taken customer number, a
resident number with an impossible date, someone else's newer save) is shown in red under the
form, naming the field, and everything typed stays in place. A warning that is not a refusal (a
resident number whose check digit does not match, possible since 2020) is shown first and saved on
the second press of 저장.

The resident number field echoes only while being edited, and in 수정 it starts empty: the stored
number is never put back on screen here (개인정보 보기 in the detail is the audited way to see it).

학원: the student's name (only when the student is not the payer) and birth date, both optional, are
printed on the 교육비 납입증명서; the birth date tells who is under 9 at the year's end (2026 rule).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.models import CustomerType
from app.services.common.errors import ServiceError
from app.services.common.validation import ValidationError
from app.services.customers import industries
from app.services.customers import records as customers
from app.services.customers import rules as customer_rules
from app.services.customers.records import CustomerDetail
from app.services.customers.rules import CustomerForm
from app.services.settings import contracts
from app.views.common.base import grow_to_fit
from app.views.common.context import AppContext
from app.views.common.date_pickers import mark_closed_days
from app.views.common.dialogs import accept_row
from app.views.settings.user_dialog import read_only

REGIONS = ("서울", "부산", "대구", "인천", "광주", "대전", "울산", "세종", "경기", "강원", "충북", "충남", "전북", "전남",
           "경북", "경남", "제주")
NO_DATE = QDate(1900, 1, 1)


class IndustryDialog(QDialog):
    """업종검색: type part of a name, pick from the list (double-click or 선택)."""

    def __init__(self, current: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("업종검색")
        self.resize(420, 460)
        self.chosen = ""
        self.search = QLineEdit()
        self.search.setPlaceholderText("업종명 일부를 입력하세요 (예: 학원, 관리)")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget()
        buttons = accept_row("선택", self.choose, self.reject, default=False)
        self.choose_button = buttons.accept
        self.list.itemDoubleClicked.connect(lambda _item: self.choose())
        self.search.textChanged.connect(self.fill)
        self.search.returnPressed.connect(self.choose)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons.box)
        self.fill("")
        match = self.list.findItems(current, Qt.MatchFlag.MatchExactly) if current else []
        if match:
            self.list.setCurrentItem(match[0])

    def fill(self, text: str) -> None:
        self.list.clear()
        for industry in industries.search(text):
            item = QListWidgetItem(industry.label)
            item.setData(Qt.ItemDataRole.UserRole, industry.name)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def choose(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        self.chosen = str(item.data(Qt.ItemDataRole.UserRole))
        self.accept()


class CustomerDialog(QDialog):
    """New customer (`detail=None`) or edit of one, saved with optimistic locking."""

    def __init__(self, ctx: AppContext, detail: CustomerDetail | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        assert ctx.contract_id is not None or detail is not None
        self.ctx = ctx
        self.detail = detail
        self.contract_id = detail.contract_id if detail else ctx.contract_id
        self.saved_id: int | None = None
        self.done_message = ""
        self.industry_dialog: IndustryDialog | None = None
        self._acknowledged: tuple[str, ...] = ()
        self.setWindowTitle("고객 수정" if detail else "고객추가 (신규등록)")
        self.setMinimumWidth(760)

        assert self.contract_id is not None
        contract = contracts.get_contract(ctx.db, ctx.actor, self.contract_id)
        options = customers.filter_options(ctx.db, ctx.actor, self.contract_id)
        self.contract = QLineEdit(f"{contract.name} ({contract.institution_code})")
        read_only(self.contract)
        self.customer_no = QLineEdit()
        self.customer_no.setMaxLength(customer_rules.CUSTOMER_NO_MAX)
        self.name = QLineEdit()
        self.name.setMaxLength(customer_rules.CUSTOMER_NAME_MAX)
        self.customer_type = QComboBox()
        for kind in CustomerType:
            self.customer_type.addItem(kind.label, kind.value)  # Qt hands a str enum back as plain str
        self.grade = QComboBox()
        self.grade.setEditable(True)
        self.grade.addItems(options.grades)
        self.grade.setCurrentText("")
        grade_line = self.grade.lineEdit()
        assert grade_line is not None  # setEditable(True) gave the combo its line edit
        grade_line.setPlaceholderText("선택하거나 입력")
        self.resident_no = QLineEdit()
        self.resident_no.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
        self.resident_no.setMaxLength(14)
        self.business_no = QLineEdit()
        self.business_no.setMaxLength(12)
        self.identity_label = QLabel("주민등록번호")
        self.identity_hint = QLabel()
        self.identity_hint.setObjectName("hintText")
        self.representative = QLineEdit()
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("02-123-4567")
        self.mobile = QLineEdit()
        self.mobile.setPlaceholderText("010-1234-5678")
        self.email = QLineEdit()
        self.industry = QLineEdit()
        self.industry_button = QPushButton("업종검색")
        self.industry_button.setAutoDefault(False)
        self.joined_on = QDateEdit()
        self.joined_on.setCalendarPopup(True)
        self.joined_on.setDisplayFormat("yyyy-MM-dd")
        self.joined_on.setMinimumDate(NO_DATE)
        self.joined_on.setSpecialValueText(" ")  # the minimum date shows as empty: 미입력
        mark_closed_days(ctx, self.joined_on, contract_id=self.contract_id)
        self.region = QComboBox()
        self.region.setEditable(True)
        self.region.addItems(REGIONS)
        self.postal_code = QLineEdit()
        self.postal_code.setMaxLength(7)
        self.address = QLineEdit()
        self.address_detail = QLineEdit()
        self.memo = QPlainTextEdit()
        self.memo.setFixedHeight(56)
        self.student_name = QLineEdit()
        self.student_name.setMaxLength(customer_rules.STUDENT_NAME_MAX)
        self.student_name.setPlaceholderText("학원: 수강생이 고객(납부자)과 다를 때만")
        self.student_birth = QLineEdit()
        self.student_birth.setMaxLength(10)
        self.student_birth.setPlaceholderText("예: 2018-03-02 (선택)")

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        identity = QVBoxLayout()
        identity.setSpacing(2)
        identity.addWidget(self.resident_no)
        identity.addWidget(self.business_no)
        identity.addWidget(self.identity_hint)
        industry_row = QHBoxLayout()
        industry_row.addWidget(self.industry, 1)
        industry_row.addWidget(self.industry_button)
        # (a caption or its own label, the field or a row of fields)
        left: tuple[tuple[str | QLabel, QWidget | QLayout], ...] = (
            ("① 계약정보", self.contract), ("② 고객번호", self.customer_no), ("③ 고객명", self.name),
            ("④ 고객구분", self.customer_type), ("    고객등급", self.grade), (self.identity_label, identity),
            ("⑥ 대표자명", self.representative), ("    학생 이름", self.student_name),
            ("    학생 생년월일", self.student_birth))
        right: tuple[tuple[str | QLabel, QWidget | QLayout], ...] = (
            ("    전화번호", self.phone), ("    휴대번호", self.mobile), ("    이메일", self.email),
            ("⑦ 업종", industry_row), ("⑧ 최초가입일", self.joined_on), ("⑨ 지역구분", self.region),
            ("    우편번호", self.postal_code), ("    주소", self.address), ("    상세주소", self.address_detail))
        for column, entries in ((0, left), (2, right)):
            for row, (label, widget) in enumerate(entries):
                grid.addWidget(label if isinstance(label, QLabel) else QLabel(label), row, column,
                               Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
                if isinstance(widget, QWidget):
                    grid.addWidget(widget, row, column + 1)
                else:
                    grid.addLayout(widget, row, column + 1)
        memo_row = len(right)
        grid.addWidget(QLabel("메모"), memo_row, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.memo, memo_row, 1, 1, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        grid.setColumnMinimumWidth(2, 70)

        self.warning = QLabel("")
        self.warning.setObjectName("warningText")
        self.warning.setWordWrap(True)
        self.warning.setVisible(False)
        self.error = QLabel("")
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        buttons = accept_row("저장" if detail else "등록", self.save, self.reject)
        self.save_button = buttons.accept

        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.warning)
        layout.addWidget(self.error)
        layout.addWidget(buttons.box)

        self.customer_type.currentIndexChanged.connect(lambda _i: self._show_identity())
        self.industry_button.clicked.connect(self.search_industry)
        self._load(detail)
        self._show_identity()
        (self.name if detail else self.customer_no).setFocus(Qt.FocusReason.OtherFocusReason)

    def _load(self, detail: CustomerDetail | None) -> None:
        if detail is None:
            assert self.contract_id is not None
            self.customer_no.setText(customers.suggest_customer_no(self.ctx.db, self.ctx.actor, self.contract_id))
            self.customer_no.setPlaceholderText("영문·숫자·하이픈 20자 이내")
            today = self.ctx.clock().date()
            self.joined_on.setDate(QDate(today.year, today.month, today.day))
            self.region.setCurrentText("")
            return
        self.customer_no.setText(detail.customer_no)
        read_only(self.customer_no)
        self.customer_no.setToolTip("고객번호는 은행에 납부자번호로 등록되어 있어 바꿀 수 없습니다.")
        self.name.setText(detail.name)
        self.customer_type.setCurrentIndex(self.customer_type.findData(detail.customer_type.value))
        self.grade.setCurrentText(detail.grade)
        self.business_no.setText(detail.business_no)
        for edit, value in ((self.representative, detail.representative), (self.phone, detail.phone),
                            (self.mobile, detail.mobile), (self.email, detail.email),
                            (self.industry, detail.industry), (self.postal_code, detail.postal_code),
                            (self.address, detail.address), (self.address_detail, detail.address_detail)):
            edit.setText(value)
        self.region.setCurrentText(detail.region)
        self.memo.setPlainText(detail.memo)
        self.student_name.setText(detail.student_name)
        self.student_birth.setText(detail.student_birth_date.isoformat() if detail.student_birth_date else "")
        joined = detail.joined_on
        self.joined_on.setDate(QDate(joined.year, joined.month, joined.day) if joined else NO_DATE)

    def _show_identity(self) -> None:
        person = self.customer_type.currentData() == CustomerType.PERSON.value
        self.resident_no.setVisible(person)
        self.business_no.setVisible(not person)
        self.identity_label.setText("⑤ 주민등록번호" if person else "⑤ 사업자번호")
        if person:
            stored = self.detail.resident_masked if self.detail else ""
            self.resident_no.setPlaceholderText(f"{stored} (바꿀 때만 입력)" if stored else "900101-1234567 또는 생년월일 900101")
            self.identity_hint.setText("생년월일 6자리만 넣어도 됩니다. 13자리는 암호화해 저장합니다.")
        else:
            self.business_no.setPlaceholderText("123-45-67890")
            self.identity_hint.setText("사업자등록번호 10자리 (검증번호 확인)")

    def search_industry(self) -> None:
        self.industry_dialog = IndustryDialog(self.industry.text().strip(), self)
        self.industry_dialog.accepted.connect(lambda: self.industry.setText(self.industry_dialog.chosen
                                                                             if self.industry_dialog else ""))
        self.industry_dialog.open()

    def form(self) -> CustomerForm:
        joined = self.joined_on.date()
        return CustomerForm(
            customer_no=self.customer_no.text(), name=self.name.text(), customer_type=CustomerType(self.customer_type.currentData()),
            grade=self.grade.currentText(), resident_no=self.resident_no.text(), business_no=self.business_no.text(),
            representative=self.representative.text(), phone=self.phone.text(), mobile=self.mobile.text(),
            email=self.email.text(), industry=self.industry.text(),
            joined_on=None if joined == NO_DATE else date(joined.year(), joined.month(), joined.day()),
            region=self.region.currentText(), postal_code=self.postal_code.text(), address=self.address.text(),
            address_detail=self.address_detail.text(), memo=self.memo.toPlainText(),
            student_name=self.student_name.text(), student_birth_date=self.student_birth.text(),
        )

    def save(self) -> None:
        """Validate, show warnings once, save; a refusal stays in the dialog with the input kept."""
        self.error.setVisible(False)
        form = self.form()
        today = self.ctx.clock().date()
        try:
            values = customer_rules.validate_customer(form, today=today)
            if values.warnings and values.warnings != self._acknowledged:
                self._acknowledged = values.warnings
                self.warning.setText("\n".join(values.warnings) + "\n그래도 저장하려면 [저장]을 한 번 더 누르세요.")
                self.warning.setVisible(True)
                grow_to_fit(self)
                return
            if self.detail is None:
                assert self.contract_id is not None
                saved = customers.create_customer(self.ctx.db, self.ctx.actor, self.contract_id, form, self.ctx.data_key,
                                                  today=today)
                self.done_message = f"고객 {saved.customer_no} {values.name}을(를) 등록했습니다. 이어서 이체정보를 추가하세요."
            else:
                saved = customers.update_customer(self.ctx.db, self.ctx.actor, self.detail.id, form,
                                                  version_id=self.detail.version_id, data_key=self.ctx.data_key,
                                                  today=today)
                self.done_message = f"고객 {saved.customer_no} {values.name}의 정보를 저장했습니다."
        except ValidationError as error:
            self._fail(error.lines(), error.field)  # every problem of the form at once, the first focused
            return
        except ServiceError as error:
            self._fail(error.message, "고객번호" if "고객번호" in error.message else "")
            return
        self.saved_id = saved.id
        self.accept()

    def _fail(self, message: str, field: str) -> None:
        self.error.setText(message)
        self.error.setVisible(True)
        grow_to_fit(self)
        widgets: dict[str, QWidget] = {
            "고객번호": self.customer_no, "고객명": self.name, "고객구분": self.customer_type, "고객등급": self.grade,
            "주민등록번호": self.resident_no, "사업자번호": self.business_no, "대표자명": self.representative,
            "전화번호": self.phone, "휴대번호": self.mobile, "이메일": self.email, "업종": self.industry,
            "최초가입일": self.joined_on, "지역구분": self.region, "우편번호": self.postal_code, "주소": self.address,
            "상세주소": self.address_detail, "메모": self.memo, customer_rules.STUDENT_NAME_FIELD: self.student_name,
            customer_rules.STUDENT_BIRTH_FIELD: self.student_birth,
        }
        target = widgets.get(field)
        if target is not None and target.isEnabled():
            target.setFocus(Qt.FocusReason.OtherFocusReason)
            if isinstance(target, QLineEdit) and not target.isReadOnly():
                target.selectAll()
