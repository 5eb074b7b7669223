"""The form pages of the first-start wizard: joining, institution, administrator, passphrase, relay, summary.

Each page checks its own fields when the clerk presses 다음 (with the same service rules the rest of
the program uses), so a mistake is named on the page where it was made; nothing is written before
the summary page's 설정 완료 (`SetupWizard.finish`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from typing import Any, Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWizardPage,
)

from app.database import connection as db_setup
from app.database import server_settings
from app.database.engine import Database
from app.services.common import keys, validation
from app.services.common.crypto import DataKey
from app.services.common.validation import ValidationError
from app.services.exchange.cms import banks
from app.services.exchange.relay.config import (
    MODE_SFTP,
    HostKeyInfo,
    RelayConfig,
    SftpSettings,
)
from app.services.settings import contracts, setup
from app.services.settings import users as auth
from app.views.setup.wizard_parts import PAGE_RELAY, PAGE_SUMMARY, message_label, status


class Wizard(Protocol):
    """What the pages use of the wizard (`setup_wizard.SetupWizard`): the database chosen on its first
    page, what the other pages hold, and its background runner. A protocol, so these pages need not
    import the wizard that imports them."""

    database: Database | None
    database_url: str | None
    probe: db_setup.Probe | None
    data_key: DataKey | None
    institution_page: InstitutionPage
    admin_page: AdminPage
    relay_page: RelayPage

    @property
    def joining(self) -> bool: ...

    def stored_relay(self) -> RelayConfig: ...

    def run_in_background(self, call: Callable[[], Any], on_done: Callable[[Any], None],
                          on_error: Callable[[BaseException], None]) -> object: ...

    def finish(self) -> str | None: ...


def password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


def error_label() -> QLabel:
    label = message_label(name="errorText")
    label.setVisible(False)
    return label


class JoinPage(QWizardPage):
    """A second PC joining a database another PC set up: the data passphrase unlocks the shared key."""

    def __init__(self, wizard: Wizard) -> None:
        super().__init__()
        self.setup = wizard
        self.setTitle("이미 설정된 데이터베이스에 연결")
        self.setSubTitle("다른 PC에서 설정을 마친 데이터베이스입니다. 관리자가 정한 데이터 암호 문구를 입력하세요.")
        self.found = message_label()
        self.passphrase = password_field()
        self.error = error_label()
        form = QFormLayout()
        form.addRow("데이터 암호 문구", self.passphrase)
        layout = QVBoxLayout(self)
        layout.addWidget(self.found)
        layout.addWidget(message_label(
            "주민등록번호와 계좌번호는 암호화되어 있어, 데이터 암호 문구가 있어야 이 PC에서 읽을 수 있습니다. "
            "문구는 이 PC의 자격 증명 저장소에 기억되어 다음부터는 묻지 않습니다."))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802 (Qt naming)
        probe = self.setup.probe
        name = probe.institution_name if probe else None
        self.found.setText(f"이용기관: <b>{escape(name or '(이름 없음)')}</b>")
        self.passphrase.clear()
        status(self.error, "")

    def validatePage(self) -> bool:  # noqa: N802 (Qt naming)
        from app.services.common.crypto import WrongPassphraseError

        assert self.setup.database is not None
        try:
            self.setup.data_key = keys.unlock(self.setup.database, self.passphrase.text(), remember=False)
        except WrongPassphraseError:
            self.passphrase.clear()
            status(self.error, "데이터 암호 문구가 올바르지 않습니다. 관리자에게 확인하세요.", error=True)
            return False
        return True

    def nextId(self) -> int:  # noqa: N802 (Qt naming)
        return PAGE_RELAY if self.setup.stored_relay().mode == MODE_SFTP else PAGE_SUMMARY


class InstitutionPage(QWizardPage):
    """이용기관·계약정보, as on the contract the agency sent."""

    def __init__(self, wizard: Wizard) -> None:
        super().__init__()
        self.setup = wizard
        self.setTitle("이용기관·계약정보")
        self.setSubTitle("케이에스넷에서 받은 계약서의 내용을 그대로 입력하세요. 나중에 환경설정 > 계약정보에서 고칠 수 있습니다.")
        self.institution_name = QLineEdit()
        self.institution_code = QLineEdit()
        self.institution_code.setMaxLength(10)
        self.institution_code.setPlaceholderText("숫자 10자리")
        self.business_no = QLineEdit()
        self.business_no.setPlaceholderText("예: 124-81-00998")
        self.representative = QLineEdit()
        self.bank = QComboBox()
        for code, name in sorted(banks.BANK_NAMES.items()):
            self.bank.addItem(f"{code} {name}", code)
        self.account = QLineEdit()
        self.passbook = QLineEdit()
        self.passbook.setPlaceholderText("한글 8자(16바이트) 이내")
        self.error = error_label()
        form = QFormLayout()
        form.addRow("이용기관명", self.institution_name)
        form.addRow("이용기관코드", self.institution_code)
        form.addRow("사업자등록번호", self.business_no)
        form.addRow("대표자명", self.representative)
        form.addRow("정산은행", self.bank)
        form.addRow("정산계좌번호", self.account)
        form.addRow("통장기재내용", self.passbook)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)

    def contract_form(self) -> contracts.ContractForm:
        return contracts.ContractForm(
            institution_code=self.institution_code.text(), name=self.institution_name.text(),
            business_no=self.business_no.text(), representative=self.representative.text(),
            settlement_bank_code=str(self.bank.currentData()), settlement_account_no=self.account.text(),
            passbook_text=self.passbook.text(),
        )

    def form(self, *, admin: AdminPage, passphrase: str) -> setup.SetupForm:
        """Everything `setup.initialize` needs, from this page and the administrator page."""
        contract = self.contract_form()
        return setup.SetupForm(
            institution_name=contract.name, institution_code=contract.institution_code,
            business_no=contract.business_no, representative=contract.representative,
            settlement_bank_code=contract.settlement_bank_code, settlement_account_no=contract.settlement_account_no,
            passbook_text=contract.passbook_text, admin_login_id=admin.login_id.text().strip(),
            admin_name=admin.name.text().strip() or "관리자", admin_birth_date=admin.birth.text().strip(),
            passphrase=passphrase, admin_password=admin.password.text(),
        )

    def validatePage(self) -> bool:  # noqa: N802 (Qt naming)
        try:
            contracts.validate_contract(self.contract_form())
        except ValidationError as error:
            status(self.error, f"{error.field}: {error.message}", error=True)
            return False
        status(self.error, "")
        return True


class AdminPage(QWizardPage):
    """The first administrator; the password is chosen here (see docs: no shared 000000 on a new database)."""

    def __init__(self, wizard: Wizard) -> None:
        super().__init__()
        self.setup = wizard
        self.setTitle("첫 관리자")
        self.setSubTitle("이 프로그램을 관리할 사람의 계정입니다. 다른 사용자는 로그인한 뒤 환경설정 > 사용자관리에서 추가합니다.")
        self.login_id = QLineEdit("admin")
        self.name = QLineEdit()
        self.birth = QLineEdit()
        self.birth.setMaxLength(6)
        self.birth.setPlaceholderText("YYMMDD (예: 800101)")
        self.password = password_field()
        self.password_again = password_field()
        self.error = error_label()
        form = QFormLayout()
        form.addRow("사용자 ID", self.login_id)
        form.addRow("이름", self.name)
        form.addRow("생년월일", self.birth)
        form.addRow("비밀번호", self.password)
        form.addRow("비밀번호 확인", self.password_again)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(message_label(
            f"비밀번호는 {validation.PASSWORD_MIN}~{validation.PASSWORD_MAX}자이며 영문자와 숫자를 하나 이상 포함해야 "
            "합니다. 로그인할 때는 이용기관코드, 사용자 ID, 이 비밀번호와 생년월일을 입력합니다."))
        layout.addWidget(self.error)
        layout.addStretch(1)

    def validatePage(self) -> bool:  # noqa: N802 (Qt naming)
        try:
            auth.validate_login_id(self.login_id.text())
            validation.birth_date_yymmdd(self.birth.text().strip())
            validation.password(self.password.text())
            if self.password.text() != self.password_again.text():
                raise ValidationError("비밀번호 확인", "비밀번호가 서로 다릅니다.")
        except ValidationError as error:
            status(self.error, f"{error.field}: {error.message}", error=True)
            return False
        status(self.error, "")
        return True


class PassphrasePage(QWizardPage):
    """The data-encryption passphrase: wraps the key that encrypts resident and account numbers."""

    def __init__(self, wizard: Wizard) -> None:
        super().__init__()
        self.setup = wizard
        self.setTitle("데이터 암호 문구")
        self.setSubTitle("주민등록번호와 계좌번호를 암호화하는 열쇠를 보호하는 문구입니다. 다른 PC를 연결할 때도 필요합니다.")
        self.passphrase = password_field()
        self.passphrase_again = password_field()
        self.error = error_label()
        form = QFormLayout()
        form.addRow("암호 문구", self.passphrase)
        form.addRow("한 번 더", self.passphrase_again)
        warning = message_label(
            "이 문구를 잊으면 암호화된 주민등록번호와 계좌번호를 다시는 읽을 수 없습니다. 누구도(프로그램 제작자도) "
            "되살릴 수 없으니, 종이에 적어 금고처럼 안전한 곳에 보관하세요.", name="warningText")
        layout = QVBoxLayout(self)
        layout.addWidget(message_label(f"{keys.MIN_PASSPHRASE}자 이상, 관리자 비밀번호와 다른 문구를 쓰세요. 띄어쓰기를 "
                                       "넣은 짧은 문장이 기억하기 쉽고 안전합니다."))
        layout.addLayout(form)
        layout.addWidget(warning)
        layout.addWidget(self.error)
        layout.addStretch(1)

    def validatePage(self) -> bool:  # noqa: N802 (Qt naming)
        text = self.passphrase.text()
        if len(text) < keys.MIN_PASSPHRASE:
            message = f"데이터 암호 문구는 {keys.MIN_PASSPHRASE}자 이상이어야 합니다."
        elif text != self.passphrase_again.text():
            message = "데이터 암호 문구가 서로 다릅니다."
        elif text == self.setup.admin_page.password.text():
            message = "관리자 비밀번호와 다른 문구를 쓰세요."
        else:
            status(self.error, "")
            return True
        status(self.error, message, error=True)
        return False


NEW_RELAY_SUBTITLE = "처음에는 연습용 시뮬레이터로 시작하고, 케이에스넷의 접속 정보를 받으면 환경설정에서 바꿔도 됩니다."


class RelayPage(QWizardPage):
    """How files reach the banks: the built-in simulator (practice) or the agency's SFTP relay."""

    def __init__(self, wizard: Wizard) -> None:
        super().__init__()
        self.setup = wizard
        self.host_key: HostKeyInfo | None = None
        self._key_for: tuple[str, int] | None = None
        self.setTitle("중계 방식")
        self.setSubTitle(NEW_RELAY_SUBTITLE)
        self.simulator = QRadioButton("내장 시뮬레이터 (연습용: 파일을 실제 은행으로 보내지 않습니다)")
        self.sftp = QRadioButton("케이에스넷 중계 서버 (SFTP: 실제 이체)")
        group = QButtonGroup(self)
        group.addButton(self.simulator)
        group.addButton(self.sftp)
        self.simulator.setChecked(True)
        self.stored = message_label()
        self.host = QLineEdit()
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(22)
        self.port.setMaximumWidth(110)
        self.username = QLineEdit()
        self.password = password_field()
        self.fetch_button = QPushButton("서버 키 가져오기")
        self.fetch_button.clicked.connect(self.fetch_key)
        self.key_text = message_label(name="hostKey")
        self.key_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.confirmed = QCheckBox("이 지문이 케이에스넷이 알려 준 지문과 같은지 확인했습니다")
        self.confirmed.setEnabled(False)
        self.box = QGroupBox("SFTP 중계 서버 (케이에스넷에서 받은 접속 정보)")
        self.form = form = QFormLayout(self.box)
        form.addRow("서버 주소", self.host)
        form.addRow("포트", self.port)
        form.addRow("사용자 ID", self.username)
        form.addRow("비밀번호", self.password)
        key_row = QHBoxLayout()
        key_row.addWidget(self.fetch_button)
        key_row.addWidget(self.key_text, 1)
        form.addRow("서버 키", key_row)
        form.addRow("", self.confirmed)
        self.error = error_label()
        layout = QVBoxLayout(self)
        for widget in (self.simulator, self.sftp, self.stored, self.box, self.error):
            layout.addWidget(widget)
        layout.addStretch(1)
        for signal in (self.host.textChanged, self.port.valueChanged):
            signal.connect(self._address_changed)
        self.sftp.toggled.connect(self._show_mode)
        self._show_mode()

    def initializePage(self) -> None:  # noqa: N802 (Qt naming)
        joining = self.setup.joining
        for widget in (self.simulator, self.sftp):
            widget.setVisible(not joining)
        self.stored.setVisible(joining)
        self.fetch_button.setVisible(not joining)
        self.form.setRowVisible(self.confirmed, not joining)
        for field in (self.host, self.username):
            field.setReadOnly(joining)
        self.port.setReadOnly(joining)
        self.setSubTitle(NEW_RELAY_SUBTITLE)
        if joining:
            self.setSubTitle("이 데이터베이스에 저장된 중계 설정입니다. 모든 PC가 같은 중계 서버를 씁니다.")
            relay = self.setup.stored_relay()
            assert relay.sftp is not None
            self.sftp.setChecked(True)
            self.host.setText(relay.sftp.host)
            self.port.setValue(relay.sftp.port)
            self.username.setText(relay.sftp.username)
            pinned = relay.pinned_host_key
            self.key_text.setText(
                f"등록됨: {escape(pinned.key_type)} <b style='font-family: monospace'>{escape(pinned.fingerprint_sha256)}</b>"
                if pinned else "등록된 서버 키가 없습니다. 관리자가 환경설정에서 등록해야 송수신할 수 있습니다.")
            self.stored.setText("이 PC에서도 송수신하려면 중계 서버 비밀번호를 입력하세요. 비워 두면 비밀번호가 저장된 "
                                "다른 PC가 송수신합니다.")
        self._show_mode()

    def _show_mode(self) -> None:
        self.box.setEnabled(self.sftp.isChecked())

    def _address_changed(self) -> None:
        if self._key_for != (self.host.text().strip(), self.port.value()):
            self.host_key = None
            self.confirmed.setChecked(False)
            self.confirmed.setEnabled(False)
            self.key_text.setText("")

    def fetch_key(self) -> None:
        from app.services.exchange.relay.sftp import fetch_host_key

        host, port = self.host.text().strip(), self.port.value()
        if not host:
            status(self.error, "SFTP 서버 주소를 입력하세요.", error=True)
            return
        self.fetch_button.setEnabled(False)
        status(self.error, "")
        self.key_text.setText("서버에 연결하는 중…")
        self.setup.run_in_background(lambda: fetch_host_key(host, port), lambda key: self._fetched(host, port, key),
                                     self._fetch_failed)

    def _fetched(self, host: str, port: int, key: HostKeyInfo) -> None:
        self.fetch_button.setEnabled(True)
        self.host_key, self._key_for = key, (host, port)
        self.key_text.setText(
            f"종류: {escape(key.key_type)}<br>지문: <b style='font-family: monospace; font-size: 11pt'>"
            f"{escape(key.fingerprint_sha256)}</b>")
        self.confirmed.setChecked(False)
        self.confirmed.setEnabled(True)

    def _fetch_failed(self, error: BaseException) -> None:
        self.fetch_button.setEnabled(True)
        self.key_text.setText("")
        status(self.error, str(error), error=True)

    def relay_config(self, *, pinned_by: str) -> RelayConfig:
        """The choice on this page as the RelayConfig to store (the host key pinned when confirmed)."""
        if not self.sftp.isChecked():
            return RelayConfig()
        relay = RelayConfig(mode=MODE_SFTP, sftp=self.sftp_settings())
        if self.host_key is not None and self.confirmed.isChecked():
            relay = relay.pin(self.host_key, pinned_at=datetime.now(UTC), pinned_by=pinned_by)
        return relay

    def sftp_settings(self) -> SftpSettings:
        """The server as typed on this page (host, port, user ID)."""
        return SftpSettings(host=self.host.text().strip(), port=self.port.value(), username=self.username.text().strip())

    def validatePage(self) -> bool:  # noqa: N802 (Qt naming)
        if self.setup.joining or not self.sftp.isChecked():
            status(self.error, "")
            return True
        try:
            self.sftp_settings().check()
        except ValueError as error:
            status(self.error, str(error), error=True)
            return False
        if not self.password.text():
            message = "중계 서버 비밀번호를 입력하세요."
        elif self.host_key is None or self._key_for != (self.host.text().strip(), self.port.value()):
            message = "[서버 키 가져오기]를 눌러 서버 키의 지문을 확인하세요."
        elif not self.confirmed.isChecked():
            message = "지문을 케이에스넷에 확인한 뒤 확인란을 선택하세요. 다른 지문이면 연결하지 마세요."
        else:
            status(self.error, "")
            return True
        status(self.error, message, error=True)
        return False


class SummaryPage(QWizardPage):
    """What 설정 완료 will do, and where each secret will be kept."""

    def __init__(self, wizard: Wizard) -> None:
        super().__init__()
        self.setup = wizard
        self.setTitle("요약")
        self.setSubTitle("아래 내용으로 설정합니다. 고칠 것이 있으면 [< 이전]을 누르세요.")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.error = error_label()
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.error)
        layout.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802 (Qt naming)
        self.text.setText(summary_html(self.setup))
        status(self.error, "")

    def validatePage(self) -> bool:  # noqa: N802 (Qt naming)
        problem = self.setup.finish()
        if problem:
            status(self.error, problem, error=True)
            return False
        return True

    def nextId(self) -> int:  # noqa: N802 (Qt naming)
        return -1


def summary_html(wizard: Wizard) -> str:
    url = wizard.database_url or ""
    path = server_settings.sqlite_file(url) if url else None
    if path is not None:
        where = f"이 PC의 파일 <b>{escape(str(path))}</b>"
    else:
        server = server_settings.ServerSettings.from_url(url)
        where = f"사무실 서버 <b>{escape(server.address)}</b> (사용자 {escape(server.user)})"
    rows = [("데이터베이스", where)]
    if wizard.joining:
        name = wizard.probe.institution_name if wizard.probe else ""
        rows.append(("이용기관", f"<b>{escape(name or '')}</b>에 이 PC를 연결합니다 (데이터 암호 문구 확인됨)."))
    else:
        inst, admin = wizard.institution_page, wizard.admin_page
        bank = banks.BANK_NAMES.get(str(inst.bank.currentData()), "")
        rows += [
            ("이용기관", f"<b>{escape(inst.institution_name.text())}</b> (이용기관코드 {escape(inst.institution_code.text())}, "
                         f"정산은행 {escape(bank)})"),
            ("첫 관리자", f"<b>{escape(admin.login_id.text())}</b> {escape(admin.name.text())} — 정한 비밀번호와 생년월일로 "
                          "로그인합니다."),
            ("데이터 암호 문구", "정했습니다. 적어 둔 종이를 안전한 곳에 보관하세요."),
        ]
    relay = wizard.stored_relay() if wizard.joining else wizard.relay_page.relay_config(pinned_by="")
    if relay.mode == MODE_SFTP and relay.sftp is not None:
        pinned = relay.pinned_host_key.fingerprint_sha256 if relay.pinned_host_key else "등록 안 됨"
        rows.append(("중계", f"케이에스넷 SFTP {escape(relay.sftp.username)}@{escape(relay.sftp.address)} "
                             f"(서버 키 {escape(pinned)})"))
    else:
        rows.append(("중계", "내장 시뮬레이터 (연습용)"))
    keep = ["이 PC의 설정 파일(settings.json)에는 데이터베이스 위치만 저장합니다 (비밀번호 없음)."]
    if server_settings.keyring_usable():
        keep.append("비밀번호와 데이터 암호 키는 이 PC의 자격 증명 저장소(Windows 자격 증명 관리자)에 저장합니다.")
    else:
        keep.append("<span style='color:#c0392b'>이 PC에는 자격 증명 저장소가 없어 비밀번호와 데이터 암호 키를 기억하지 "
                    "못합니다. 프로그램을 시작할 때마다 데이터 암호 문구를 묻습니다.</span>")
    table = "".join(f"<tr><td style='padding:4px 14px 4px 0; white-space:nowrap'><b>{k}</b></td>"
                    f"<td style='padding:4px 0'>{v}</td></tr>" for k, v in rows)
    return f"<table>{table}</table><p>{'<br>'.join(keep)}</p>"
