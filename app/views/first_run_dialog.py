"""처음 시작: the institution, its contract, the first administrator and the data passphrase."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.services import setup
from app.services.cms import banks
from app.services.crypto import DataKey
from app.services.errors import ServiceError
from app.services.validation import ValidationError


class FirstRunDialog(QDialog):
    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.data_key: DataKey | None = None
        self.setWindowTitle("KSCMS desk 처음 설정")
        self.setMinimumWidth(520)

        self.institution_name = QLineEdit()
        self.institution_code = QLineEdit()
        self.institution_code.setMaxLength(10)
        self.business_no = QLineEdit()
        self.representative = QLineEdit()
        self.bank = QComboBox()
        for code, name in sorted(banks.BANK_NAMES.items()):
            self.bank.addItem(f"{code} {name}", code)
        self.account = QLineEdit()
        self.passbook = QLineEdit()
        contract_box = QGroupBox("이용기관·계약정보 (케이에스넷에서 받은 계약서의 내용)")
        contract_form = QFormLayout(contract_box)
        contract_form.addRow("이용기관명", self.institution_name)
        contract_form.addRow("이용기관코드", self.institution_code)
        contract_form.addRow("사업자등록번호", self.business_no)
        contract_form.addRow("대표자명", self.representative)
        contract_form.addRow("정산은행", self.bank)
        contract_form.addRow("정산계좌번호", self.account)
        contract_form.addRow("통장기재내용", self.passbook)

        self.admin_id = QLineEdit("admin")
        self.admin_name = QLineEdit()
        self.admin_birth = QLineEdit()
        self.admin_birth.setMaxLength(6)
        self.admin_birth.setPlaceholderText("YYMMDD")
        admin_box = QGroupBox("첫 관리자 (첫 로그인 비밀번호는 000000, 로그인 후 바로 바꿉니다)")
        admin_form = QFormLayout(admin_box)
        admin_form.addRow("사용자 ID", self.admin_id)
        admin_form.addRow("이름", self.admin_name)
        admin_form.addRow("생년월일", self.admin_birth)

        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_again = QLineEdit()
        self.passphrase_again.setEchoMode(QLineEdit.EchoMode.Password)
        key_box = QGroupBox("데이터 암호 문구 (주민등록번호·계좌번호 암호화, 8자 이상)")
        key_form = QFormLayout(key_box)
        key_form.addRow("암호 문구", self.passphrase)
        key_form.addRow("한 번 더", self.passphrase_again)
        warn = QLabel("암호 문구를 잊으면 암호화된 개인정보를 읽을 수 없습니다. 안전한 곳에 적어 두세요.")
        warn.setObjectName("warningText")
        warn.setWordWrap(True)
        key_form.addRow(warn)

        self.error = QLabel("")
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        buttons = QDialogButtonBox()
        save = buttons.addButton("설정 완료", QDialogButtonBox.ButtonRole.AcceptRole)
        save.setDefault(True)
        buttons.addButton("취소", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        for widget in (contract_box, admin_box, key_box, self.error, buttons):
            layout.addWidget(widget)

    def submit(self) -> None:
        if self.passphrase.text() != self.passphrase_again.text():
            self._fail("데이터 암호 문구가 서로 다릅니다.")
            return
        form = setup.SetupForm(
            institution_name=self.institution_name.text(),
            institution_code=self.institution_code.text(),
            business_no=self.business_no.text(),
            representative=self.representative.text(),
            settlement_bank_code=str(self.bank.currentData()),
            settlement_account_no=self.account.text(),
            passbook_text=self.passbook.text(),
            admin_login_id=self.admin_id.text(),
            admin_name=self.admin_name.text() or "관리자",
            admin_birth_date=self.admin_birth.text(),
            passphrase=self.passphrase.text(),
        )
        try:
            self.data_key = setup.initialize(self.db, form)
        except ValidationError as error:
            self._fail(f"{error.field}: {error.message}")
            return
        except ServiceError as error:
            self._fail(error.message)
            return
        self.accept()

    def _fail(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(True)
