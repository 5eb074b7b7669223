"""처음 설정 마법사: which database this PC uses, then either joining it or setting up a new institution.

Pages, in order: 이 PC의 데이터베이스 → (already set up by another PC) 데이터 암호 문구로 연결 →
or (new) 이용기관·계약 → 첫 관리자 → 데이터 암호 문구 → 중계 방식 → 요약.

Why it looks like this:

* **Nothing is kept until 설정 완료.** The database page creates or upgrades the schema (so the
  next pages can check against it), but the institution, the relay choice, the passwords in the
  keyring and this PC's settings.json are all written in `finish`, at the end. A cancelled wizard
  leaves at most an empty schema, which the next start recognises and offers the wizard again.
* **Network work runs off the UI thread** (`workers.Worker`): a connection test to an unreachable server
  or fetching an SFTP host key can take seconds; the page shows 연결하는 중… and stays responsive.
* **The first administrator chooses a password here** (8–64 characters, letters and digits, the
  rule of `validation.password`) instead of receiving the shared initial 000000: on an office server
  every PC can reach, a known password would open the administrator's account from setup until the
  first login. Other users still start with 000000 and change it at first login.
* **Secrets go to the OS keyring only**: the PostgreSQL password (db_setup), the SFTP password
  (relay credentials) and the unwrapped data key (keys); never settings.json, never the database.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app import config
from app.database import connection as db_setup
from app.database import problems
from app.database import server_settings as db_settings
from app.database.engine import Database
from app.services.common.crypto import DataKey, KeyringCache
from app.services.exchange.relay.config import MODE_SFTP, RelayConfig
from app.views.common.workers import Worker
from app.views.setup.setup_wizard_forms import (
    AdminPage,
    InstitutionPage,
    JoinPage,
    PassphrasePage,
    RelayPage,
    SummaryPage,
)
from app.views.setup.wizard_parts import (
    PAGE_ADMIN,
    PAGE_DATABASE,
    PAGE_INSTITUTION,
    PAGE_JOIN,
    PAGE_PASSPHRASE,
    PAGE_RELAY,
    PAGE_SUMMARY,
    message_label,
    status,
)

log = logging.getLogger(__name__)


class DatabasePage(QWizardPage):
    """이 PC의 데이터베이스: a file on this PC, or the office PostgreSQL server (tested before going on)."""

    def __init__(self, wizard: SetupWizard, *, url: str | None, problem: str | None) -> None:
        super().__init__()
        self.setup = wizard
        self._busy = False
        self._prepared_for: tuple[str, str | None] | None = None
        self.setTitle("이 PC의 데이터베이스")
        self.setSubTitle("이 PC만 쓰면 [이 PC에 저장]을, 사무실의 여러 PC가 같은 자료를 쓰면 [사무실 서버]를 고르세요.")

        self.local = QRadioButton("이 PC에 저장 (파일, 이 PC에서만 사용)")
        self.server = QRadioButton("사무실 서버 (PostgreSQL, 여러 PC가 함께 사용)")
        choice = QButtonGroup(self)
        choice.addButton(self.local)
        choice.addButton(self.server)

        self.file_path = QLineEdit(str(config.data_dir() / config.SQLITE_FILE))
        browse = QPushButton("찾아보기…")
        browse.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_path, 1)
        file_row.addWidget(browse)
        self.local_box = QGroupBox("데이터베이스 파일")
        local_layout = QVBoxLayout(self.local_box)
        local_layout.addLayout(file_row)
        local_layout.addWidget(message_label("기본 위치는 이 PC 사용자의 데이터 폴더입니다. 매일 자동 백업이 같은 폴더의 "
                                             "backups에 만들어집니다."))

        self.host = QLineEdit()
        self.host.setPlaceholderText("예: 192.168.0.10 또는 office-server")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(db_settings.DEFAULT_PORT)
        self.port.setMaximumWidth(110)
        self.dbname = QLineEdit("kscms")
        self.user = QLineEdit("kscms")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.server_box = QGroupBox("사무실 PostgreSQL 서버 (서버 관리자에게 받은 정보)")
        server_form = QFormLayout(self.server_box)
        server_form.addRow("서버 주소", self.host)
        server_form.addRow("포트", self.port)
        server_form.addRow("데이터베이스", self.dbname)
        server_form.addRow("사용자", self.user)
        server_form.addRow("비밀번호", self.password)
        server_form.addRow(message_label(
            "비밀번호는 이 PC의 자격 증명 저장소(Windows 자격 증명 관리자)에만 저장되고 설정 파일에는 저장되지 않습니다."
            if db_settings.keyring_usable() else
            "이 PC에는 자격 증명 저장소가 없어 비밀번호를 기억할 수 없습니다. 다음 시작 때도 연결하려면 서버 관리자에게 "
            "pgpass 파일 설정을 부탁하세요 (docs/shared-database.md).",
            name="hintText" if db_settings.keyring_usable() else "warningText",
        ))

        self.test_button = QPushButton("연결 시험")
        self.test_button.clicked.connect(self.test_connection)
        self.result = message_label()
        self.result.setVisible(False)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.local)
        layout.addWidget(self.local_box)
        layout.addWidget(self.server)
        layout.addWidget(self.server_box)
        layout.addLayout(test_row)
        layout.addWidget(self.result)
        if os.environ.get(config.ENV_DATABASE_URL):
            layout.addWidget(message_label(
                f"참고: 환경 변수 {config.ENV_DATABASE_URL}가 설정되어 있어, 프로그램은 다음 시작 때에도 그 데이터베이스를 "
                "엽니다.", name="warningText"))
        layout.addStretch(1)

        self._fill(url)
        for signal in (self.local.toggled, self.file_path.textChanged, self.host.textChanged, self.port.valueChanged,
                       self.dbname.textChanged, self.user.textChanged, self.password.textChanged):
            signal.connect(self._changed)
        self._show_choice()
        if problem:
            status(self.result, problem, error=True)

    # --- the form -----------------------------------------------------------------------------

    def _fill(self, url: str | None) -> None:
        path = db_settings.sqlite_file(url) if url else None
        if url and path is None:
            server = db_settings.ServerSettings.from_url(url)
            self.host.setText(server.host)
            self.port.setValue(server.port)
            self.dbname.setText(server.database)
            self.user.setText(server.user)
            self.server.setChecked(True)
        else:
            if path is not None:
                self.file_path.setText(str(path))
            self.local.setChecked(True)

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self, "데이터베이스 파일", self.file_path.text(), "KSCMS desk 데이터베이스 (*.db)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if chosen:
            self.file_path.setText(chosen)

    def _show_choice(self) -> None:
        local = self.local.isChecked()
        self.local_box.setEnabled(local)
        self.server_box.setEnabled(not local)

    def _changed(self) -> None:
        self._show_choice()
        self._prepared_for = None
        status(self.result, "")
        self.completeChanged.emit()

    def chosen_url(self) -> str:
        """The URL of the current choice; ConnectionProblem when a field is missing."""
        if self.local.isChecked():
            text = self.file_path.text().strip()
            if not text:
                raise problems.ConnectionProblem(problems.ProblemKind.FILE, "데이터베이스 파일의 위치를 입력하세요.")
            return db_settings.sqlite_url(Path(text).expanduser())
        server = self.server_settings()
        server.check()
        return server.url()

    def server_settings(self) -> db_settings.ServerSettings:
        return db_settings.ServerSettings(self.host.text().strip(), self.port.value(), self.dbname.text().strip(),
                                       self.user.text().strip())

    def chosen_password(self) -> str | None:
        return None if self.local.isChecked() or not self.password.text() else self.password.text()

    def isComplete(self) -> bool:  # noqa: N802 (Qt naming)
        if self._busy:
            return False
        if self.local.isChecked():
            return bool(self.file_path.text().strip())
        return all(w.text().strip() for w in (self.host, self.dbname, self.user))

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        self.test_button.setEnabled(not busy)
        self.local.setEnabled(not busy)
        self.server.setEnabled(not busy)
        if busy:
            status(self.result, text)
        self.completeChanged.emit()

    # --- connection test and preparing ---------------------------------------------------------

    def test_connection(self) -> None:
        """연결 시험: probe only (nothing is created), in the background."""
        try:
            url = self.chosen_url()
        except problems.ConnectionProblem as problem:
            status(self.result, problem.message, error=True)
            return
        password = self.chosen_password()
        self._set_busy(True, "연결하는 중…")
        self.setup.run_in_background(lambda: db_setup.probe(url, password=password), self._tested, self._failed)

    def _tested(self, probe: db_setup.Probe) -> None:
        self._set_busy(False)
        status(self.result, describe_probe(probe), ok=True)

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if not isinstance(error, problems.ConnectionProblem):
            log.error("database check failed", exc_info=(type(error), error, error.__traceback__))
            error = problems.describe_connection_error(error)
        status(self.result, error.message, error=True)

    def validatePage(self) -> bool:  # noqa: N802 (Qt naming)
        """다음: probe and create/upgrade the schema in the background, then move on by itself."""
        try:
            url = self.chosen_url()
        except problems.ConnectionProblem as problem:
            status(self.result, problem.message, error=True)
            return False
        password = self.chosen_password()
        if self._prepared_for == (url, password) and self.setup.database is not None:
            return True
        self._set_busy(True, "데이터베이스를 준비하는 중…")

        def prepare() -> tuple[db_setup.Probe, Database]:
            probe = db_setup.probe(url, password=password)
            return probe, db_setup.prepare(url, password=password)

        def prepared(result: tuple[db_setup.Probe, Database]) -> None:
            probe, database = result
            self.setup.use_database(url, password, probe, database)
            self._prepared_for = (url, password)
            self._set_busy(False)
            status(self.result, describe_probe(probe), ok=True)
            self.setup.next()

        self.setup.run_in_background(prepare, prepared, self._failed)
        return False

    def nextId(self) -> int:  # noqa: N802 (Qt naming)
        return PAGE_JOIN if self.setup.joining else PAGE_INSTITUTION


def describe_probe(probe: db_setup.Probe) -> str:
    if probe.state is db_setup.DatabaseState.INITIALIZED:
        return (f"연결했습니다. 이미 설정된 데이터베이스입니다 (이용기관: {probe.institution_name}). "
                "[다음]을 누르면 데이터 암호 문구로 이 PC를 연결합니다.")
    return "연결했습니다. 아직 비어 있는 데이터베이스입니다. [다음]을 누르면 학원 정보를 입력합니다."


class SetupWizard(QWizard):
    """The first-start wizard. After `exec()` accepted: `database` (migrated), `data_key`, `database_url`."""

    def __init__(self, *, url: str | None = None, problem: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("KSCMS desk 처음 설정")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setButtonText(QWizard.WizardButton.BackButton, "< 이전")
        self.setButtonText(QWizard.WizardButton.NextButton, "다음 >")
        self.setButtonText(QWizard.WizardButton.FinishButton, "설정 완료")
        self.setButtonText(QWizard.WizardButton.CancelButton, "취소")
        self.setMinimumSize(720, 600)

        self.database: Database | None = None
        self.database_url: str | None = None
        self.database_password: str | None = None
        self.probe: db_setup.Probe | None = None
        self.data_key: DataKey | None = None
        self._new_key: DataKey | None = None
        self.workers: set[Worker] = set()

        self.database_page = DatabasePage(self, url=url, problem=problem)
        self.join_page = JoinPage(self)
        self.institution_page = InstitutionPage(self)
        self.admin_page = AdminPage(self)
        self.passphrase_page = PassphrasePage(self)
        self.relay_page = RelayPage(self)
        self.summary_page = SummaryPage(self)
        for page_id, page in ((PAGE_DATABASE, self.database_page), (PAGE_JOIN, self.join_page),
                              (PAGE_INSTITUTION, self.institution_page), (PAGE_ADMIN, self.admin_page),
                              (PAGE_PASSPHRASE, self.passphrase_page), (PAGE_RELAY, self.relay_page),
                              (PAGE_SUMMARY, self.summary_page)):
            self.setPage(page_id, page)
        self.setStartId(PAGE_DATABASE)

    # --- state shared by the pages ----------------------------------------------------------

    @property
    def joining(self) -> bool:
        return self.probe is not None and not self.probe.needs_setup

    def use_database(self, url: str, password: str | None, probe: db_setup.Probe, database: Database) -> None:
        """The database page found and prepared a database: the following pages work on it."""
        self.forget_database()
        self.database_url, self.database_password, self.probe, self.database = url, password, probe, database
        self.data_key = self._new_key = None

    def forget_database(self) -> None:
        if self.database is not None:
            self.database.dispose()
        self.database = self.probe = self.database_url = self.database_password = None

    def stored_relay(self) -> RelayConfig:
        """The relay choice already in a joined database (the built-in simulator when none)."""
        from app.services.exchange import relay_config

        if self.database is None:
            return RelayConfig()
        try:
            return relay_config.load(self.database)
        except Exception:  # an unreadable setting is fixed later in 환경설정
            log.warning("stored relay configuration unreadable", exc_info=True)
            return RelayConfig()

    def run_in_background(self, call: Callable[[], Any], on_done: Callable[[Any], None],
                          on_error: Callable[[BaseException], None]) -> Worker:
        worker = Worker(call, self)
        self.workers.add(worker)
        worker.succeeded.connect(on_done)
        worker.failed.connect(on_error)
        worker.finished.connect(lambda: self.workers.discard(worker))
        worker.start()
        return worker

    def wait_for_workers(self) -> None:
        for worker in list(self.workers):
            worker.wait()

    # --- the end ----------------------------------------------------------------------------

    def finish(self) -> str | None:
        """Write everything chosen; None when done, else the Korean reason it was refused.

        Safe to call again after a refusal: the institution is created once (`_new_key`).
        """
        from app.services.common.errors import ServiceError
        from app.services.common.validation import ValidationError
        from app.services.settings import setup

        assert self.database is not None and self.database_url is not None
        try:
            if self.joining:
                key = self.data_key
                assert key is not None
            else:
                key = self._new_key or self._set_up_institution()
        except ValidationError as error:
            return f"{error.field}: {error.message}"
        except ServiceError as error:
            return error.message
        except Exception as error:
            if not setup.is_database_error(error):
                raise
            log.exception("setup could not be written")
            return problems.describe_connection_error(error).message
        self._keep_secrets(key)
        db_settings.save_choice(self.database_url)
        self.data_key = key
        return None

    def _set_up_institution(self) -> DataKey:
        from app.services.exchange import relay_config
        from app.services.settings import setup

        assert self.database is not None
        form = self.institution_page.form(admin=self.admin_page, passphrase=self.passphrase_page.passphrase.text())
        self._new_key = key = setup.initialize(self.database, form)
        actor = setup.first_admin(self.database, form)
        relay_config.save(self.database, actor, self.relay_page.relay_config(pinned_by=actor.login_id))
        return key

    def _keep_secrets(self, key: DataKey) -> None:
        """This PC's keyring: the data key, the database password, the relay password. Where there is no
        trustworthy keyring nothing is stored (the summary page said so) and nothing fails."""
        from app.services.common.errors import ServiceError
        from app.services.exchange.relay.base import RelayUnavailableError
        from app.services.exchange.relay.credentials import KeyringSecrets

        KeyringCache(account=key.key_id).save(key)
        if not db_settings.keyring_usable():
            return
        try:
            if not db_settings.sqlite_file(self.database_url or "") and self.database_password:
                db_settings.save_password(db_settings.ServerSettings.from_url(self.database_url or ""), self.database_password)
            relay = self.stored_relay() if self.joining else self.relay_page.relay_config(pinned_by="")
            password = self.relay_page.password.text()
            if relay.mode == MODE_SFTP and relay.sftp is not None and password:
                KeyringSecrets().store_password(relay.sftp.username, relay.sftp.host, relay.sftp.port, password)
        except (ServiceError, RelayUnavailableError) as error:
            log.warning("a password could not be kept in the keyring: %s", error)

    def done(self, result: int) -> None:
        """Closing (finished or cancelled) waits for a running connection test instead of killing it."""
        self.wait_for_workers()
        if result != QWizard.DialogCode.Accepted:
            self.forget_database()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt naming)
        self.wait_for_workers()
        super().closeEvent(event)
