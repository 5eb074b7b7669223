"""The first-start wizard, driven like a clerk: a local file, the office PostgreSQL server, joining an
existing database, connection problems named in Korean, the SFTP host key, and the start-up hook."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import keyring
import psycopg
import pytest
from PySide6.QtWidgets import QDialog, QWizard

from app import config
from app.database import connection as db_setup
from app.database import server_settings
from app.database.engine import Database
from app.services.common import keys
from app.services.exchange import relay_config
from app.services.exchange.relay.config import MODE_SFTP, MODE_SIMULATOR
from app.services.settings import setup
from app.services.settings import users as auth
from app.views.setup.setup_wizard import (
    PAGE_ADMIN,
    PAGE_DATABASE,
    PAGE_INSTITUTION,
    PAGE_JOIN,
    PAGE_PASSPHRASE,
    PAGE_RELAY,
    PAGE_SUMMARY,
    SetupWizard,
)
from tests.conftest import require_pg
from tests.setup.wizard_helpers import (
    ADMIN,
    INSTITUTION,
    PASSPHRASE,
    fill_admin,
    fill_institution,
    fill_passphrase,
)

WAIT = 30_000


def start(qtbot, **kwargs) -> SetupWizard:
    wizard = SetupWizard(**kwargs)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def settle(qtbot, wizard: SetupWizard) -> None:
    qtbot.waitUntil(lambda: not wizard.workers, timeout=WAIT)
    qtbot.wait(10)


def go(qtbot, wizard: SetupWizard, page: int) -> None:
    """다음, then wait (the database page works in the background) until `page` shows."""
    wizard.next()
    settle(qtbot, wizard)
    assert wizard.currentId() == page, _visible_errors(wizard)


def _visible_errors(wizard: SetupWizard) -> str:
    page = wizard.currentPage()
    labels = [getattr(page, n) for n in ("error", "result") if hasattr(page, n)]
    return " / ".join(label.text() for label in labels)


def new_installation(qtbot, wizard: SetupWizard) -> None:
    """From the database page to the summary, with valid input everywhere."""
    go(qtbot, wizard, PAGE_INSTITUTION)
    fill_institution(wizard.institution_page)
    go(qtbot, wizard, PAGE_ADMIN)
    fill_admin(wizard.admin_page)
    go(qtbot, wizard, PAGE_PASSPHRASE)
    fill_passphrase(wizard.passphrase_page)
    go(qtbot, wizard, PAGE_RELAY)
    go(qtbot, wizard, PAGE_SUMMARY)


def finish(qtbot, wizard: SetupWizard) -> None:
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.result() == QDialog.DialogCode.Accepted, wizard.summary_page.error.text()


def saved_settings() -> dict[str, object]:
    return json.loads((config.data_dir() / config.SETTINGS_FILE).read_text(encoding="utf-8"))


def assert_new_installation_works(db: Database, wizard: SetupWizard) -> None:
    assert setup.is_initialized(db)
    login = auth.login(db, INSTITUTION["institution_code"], ADMIN["login_id"], ADMIN["password"], ADMIN["birth"])
    assert not login.must_change_password  # the administrator chose the password in the wizard
    assert keys.cached(db) == wizard.data_key  # remembered on this PC
    assert keys.unlock(db, PASSPHRASE, remember=False) == wizard.data_key


# --- a local file -----------------------------------------------------------------------------


def test_new_installation_on_this_pc(qtbot) -> None:
    wizard = start(qtbot)
    assert wizard.database_page.local.isChecked()
    assert wizard.database_page.file_path.text() == str(config.data_dir() / config.SQLITE_FILE)
    new_installation(qtbot, wizard)
    summary = wizard.summary_page.text.text()
    assert "새봄피아노학원" in summary and "내장 시뮬레이터" in summary and ADMIN["password"] not in summary
    finish(qtbot, wizard)

    assert wizard.database is not None
    assert_new_installation_works(wizard.database, wizard)
    assert relay_config.load(wizard.database).mode == MODE_SIMULATOR
    assert saved_settings()["database_url"] is None  # the default file
    assert server_settings.has_chosen()
    wizard.database.dispose()


@pytest.mark.parametrize(
    ("page", "override", "expected"),
    [
        (PAGE_INSTITUTION, {"business_no": "1234567890"}, "사업자"),
        (PAGE_INSTITUTION, {"passbook": "가나다라마바사아자"}, "통장기재내용"),
        (PAGE_INSTITUTION, {"institution_code": "12345"}, "이용기관코드"),
        (PAGE_ADMIN, {"login_id": "a"}, "사용자 ID"),
        (PAGE_ADMIN, {"birth": "991399"}, "생년월일"),
        (PAGE_ADMIN, {"password": "short1", "password_again": "short1"}, "8~64자"),
        (PAGE_ADMIN, {"password": "onlyletters", "password_again": "onlyletters"}, "영문자와 숫자"),
        (PAGE_ADMIN, {"password_again": "spring2027"}, "서로 다릅니다"),
        (PAGE_PASSPHRASE, {"again": "different-1"}, "서로 다릅니다"),
        (PAGE_PASSPHRASE, {"passphrase": "short", "again": "short"}, "8자 이상"),
        (PAGE_PASSPHRASE, {"passphrase": ADMIN["password"], "again": ADMIN["password"]}, "관리자 비밀번호와 다른"),
    ],
)
def test_each_page_refuses_bad_input_keeps_it_and_writes_nothing(qtbot, page: int, override: dict[str, str],
                                                                 expected: str) -> None:
    wizard = start(qtbot)
    go(qtbot, wizard, PAGE_INSTITUTION)
    fill_institution(wizard.institution_page, **(override if page == PAGE_INSTITUTION else {}))
    if page > PAGE_INSTITUTION:
        go(qtbot, wizard, PAGE_ADMIN)
        fill_admin(wizard.admin_page, **(override if page == PAGE_ADMIN else {}))
    if page > PAGE_ADMIN:
        go(qtbot, wizard, PAGE_PASSPHRASE)
        fill_passphrase(wizard.passphrase_page, override.get("passphrase", PASSPHRASE), override.get("again"))
    wizard.next()
    assert wizard.currentId() == page
    error = wizard.currentPage().error  # type: ignore[attr-defined]
    assert error.isVisible() and expected in error.text()
    assert wizard.institution_page.institution_name.text() == INSTITUTION["institution_name"]  # nothing typed is lost
    assert wizard.database is not None and not setup.is_initialized(wizard.database)
    wizard.reject()
    assert not (config.data_dir() / config.SETTINGS_FILE).exists()


def test_second_pc_joins_a_file_database_with_the_passphrase(qtbot, tmp_path: Path) -> None:
    from app.services.settings.demo import data as demo_data

    url = server_settings.sqlite_url(tmp_path / "shared" / "kscms.db")
    first = db_setup.prepare(url)
    demo_data.create(first, passphrase="right-passphrase", customers=2)
    first.dispose()

    wizard = start(qtbot, url=url)
    go(qtbot, wizard, PAGE_JOIN)
    assert "해오름" in wizard.join_page.found.text() or (wizard.probe and wizard.probe.institution_name)
    wizard.join_page.passphrase.setText("wrong-passphrase")
    wizard.next()
    assert wizard.currentId() == PAGE_JOIN
    assert "올바르지 않습니다" in wizard.join_page.error.text()
    assert wizard.join_page.passphrase.text() == ""
    wizard.join_page.passphrase.setText("right-passphrase")
    go(qtbot, wizard, PAGE_SUMMARY)  # the simulator is the stored relay: no relay page
    finish(qtbot, wizard)

    assert wizard.database is not None
    assert keys.cached(wizard.database) == wizard.data_key == keys.unlock(wizard.database, "right-passphrase")
    assert saved_settings()["database_url"] == url
    wizard.database.dispose()


# --- the office PostgreSQL server -------------------------------------------------------------


@pytest.fixture(scope="module")
def _office_role(pg_server) -> Iterator[server_settings.ServerSettings]:
    """A login role of its own on the test server whose search_path is its own schema, so the wizard's
    plain host/port/database/user fields land in a private corner of database 'test' (CREATE and DROP
    DATABASE would force slow checkpoints on a shared server)."""
    require_pg(pg_server)
    name = f"kscms_wiz_{uuid.uuid4().hex[:10]}"
    pg_server.execute(f"CREATE ROLE {name} LOGIN")
    pg_server.execute(f"ALTER ROLE {name} SET search_path = {name}")
    base = server_settings.ServerSettings.from_url(pg_server.base)
    try:
        yield server_settings.ServerSettings(base.host, base.port, base.database, name)
    finally:
        pg_server.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        pg_server.execute(f"DROP OWNED BY {name}")
        pg_server.execute(f"DROP ROLE {name}")


@pytest.fixture
def pg_database(pg_server, _office_role: server_settings.ServerSettings) -> server_settings.ServerSettings:
    """An empty database for the office role, as the IT person hands it out (emptied before each test)."""
    role = _office_role.user
    pg_server.execute(f"DROP SCHEMA IF EXISTS {role} CASCADE")
    pg_server.execute(f"CREATE SCHEMA {role} AUTHORIZATION {role}")
    return _office_role


def fill_server(wizard: SetupWizard, server: server_settings.ServerSettings, password: str = "office-db-pw-1") -> None:
    page = wizard.database_page
    page.server.setChecked(True)
    page.host.setText(server.host)
    page.port.setValue(server.port)
    page.dbname.setText(server.database)
    page.user.setText(server.user)
    page.password.setText(password)


def test_connection(qtbot, wizard: SetupWizard) -> str:
    wizard.database_page.test_button.click()
    settle(qtbot, wizard)
    return wizard.database_page.result.text()


test_connection.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@pytest.mark.pg
def test_new_installation_on_the_office_server(qtbot, pg_database: server_settings.ServerSettings) -> None:
    wizard = start(qtbot)
    fill_server(wizard, pg_database)
    assert "아직 비어 있는 데이터베이스" in test_connection(qtbot, wizard)
    new_installation(qtbot, wizard)
    assert pg_database.address in wizard.summary_page.text.text()
    finish(qtbot, wizard)

    assert wizard.database is not None and not wizard.database.is_sqlite
    assert_new_installation_works(wizard.database, wizard)
    settings = saved_settings()
    assert settings["database_url"] == pg_database.url() and "office-db-pw-1" not in json.dumps(settings)
    assert keyring.get_password(server_settings.DB_KEYRING_SERVICE, pg_database.keyring_account) == "office-db-pw-1"
    wizard.database.dispose()


@pytest.mark.pg
def test_second_pc_joins_the_office_server(qtbot, pg_database: server_settings.ServerSettings) -> None:
    from app.services.settings.demo import data as demo_data

    first = db_setup.prepare(pg_database.url())
    demo_data.create(first, passphrase="office-passphrase", customers=2)
    first.dispose()

    wizard = start(qtbot)
    fill_server(wizard, pg_database)
    assert "이미 설정된 데이터베이스" in test_connection(qtbot, wizard)
    go(qtbot, wizard, PAGE_JOIN)
    wizard.join_page.passphrase.setText("not-the-passphrase")
    wizard.next()
    assert wizard.currentId() == PAGE_JOIN and "올바르지 않습니다" in wizard.join_page.error.text()
    wizard.join_page.passphrase.setText("office-passphrase")
    go(qtbot, wizard, PAGE_SUMMARY)
    finish(qtbot, wizard)
    assert wizard.database is not None and keys.cached(wizard.database) == wizard.data_key
    wizard.database.dispose()


@pytest.mark.pg
def test_a_database_name_the_server_does_not_have(qtbot, pg_database: server_settings.ServerSettings) -> None:
    wizard = start(qtbot)
    fill_server(wizard, server_settings.ServerSettings(pg_database.host, pg_database.port, "kscms_no_such_db", pg_database.user))
    assert "그런 이름의 데이터베이스가 없습니다" in test_connection(qtbot, wizard)
    wizard.next()
    settle(qtbot, wizard)
    assert wizard.currentId() == PAGE_DATABASE and wizard.database is None
    assert wizard.database_page.result.objectName() == "errorText"


def test_an_unreachable_server(qtbot) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    wizard = start(qtbot)
    fill_server(wizard, server_settings.ServerSettings("127.0.0.1", port, "kscms", "kscms"))
    assert "연결을 거부" in test_connection(qtbot, wizard)
    wizard.next()
    settle(qtbot, wizard)
    assert wizard.currentId() == PAGE_DATABASE


def test_a_wrong_password_is_named(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test server trusts everyone, so the driver's refusal is reproduced as libpq words it."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise psycopg.OperationalError(
            'connection failed: connection to server at "127.0.0.1", port 5432 failed: '
            'FATAL:  password authentication failed for user "kscms"'
        )

    monkeypatch.setattr(psycopg, "connect", refuse)
    monkeypatch.setattr(psycopg.Connection, "connect", refuse)
    wizard = start(qtbot)
    fill_server(wizard, server_settings.ServerSettings("127.0.0.1", 5432, "kscms", "kscms"), password="typo")
    assert "비밀번호가 틀렸거나" in test_connection(qtbot, wizard)


def test_missing_server_fields_are_named_before_connecting(qtbot) -> None:
    wizard = start(qtbot)
    wizard.database_page.server.setChecked(True)
    assert not wizard.database_page.isComplete()  # 다음 stays disabled without a server address
    assert "서버 주소" in test_connection(qtbot, wizard)


# --- the relay --------------------------------------------------------------------------------


def test_sftp_relay_needs_a_confirmed_host_key(qtbot, tmp_path: Path) -> None:
    from app.services.exchange.relay.credentials import KeyringSecrets
    from app.services.exchange.relay.launcher import start_relay_sim

    with start_relay_sim(tmp_path / "sim", password="relay-pw-1", institutions=[INSTITUTION["institution_code"]]) as sim:
        wizard = start(qtbot)
        go(qtbot, wizard, PAGE_INSTITUTION)
        fill_institution(wizard.institution_page)
        go(qtbot, wizard, PAGE_ADMIN)
        fill_admin(wizard.admin_page)
        go(qtbot, wizard, PAGE_PASSPHRASE)
        fill_passphrase(wizard.passphrase_page)
        go(qtbot, wizard, PAGE_RELAY)
        relay = wizard.relay_page
        relay.sftp.setChecked(True)
        relay.host.setText(sim.host)
        relay.port.setValue(sim.port)
        relay.username.setText("kscms")
        relay.password.setText("relay-pw-1")
        wizard.next()
        assert wizard.currentId() == PAGE_RELAY and "서버 키 가져오기" in relay.error.text()

        relay.fetch_button.click()
        settle(qtbot, wizard)
        assert sim.fingerprint in relay.key_text.text() and sim.host_key.key_type in relay.key_text.text()
        wizard.next()
        assert wizard.currentId() == PAGE_RELAY and "확인란" in relay.error.text()
        relay.confirmed.setChecked(True)
        go(qtbot, wizard, PAGE_SUMMARY)
        assert sim.fingerprint in wizard.summary_page.text.text()
        finish(qtbot, wizard)

    assert wizard.database is not None
    stored = relay_config.load(wizard.database)
    assert stored.mode == MODE_SFTP and stored.sftp is not None and stored.sftp.port == sim.port
    assert stored.pinned_host_key is not None and stored.pinned_host_key.fingerprint_sha256 == sim.fingerprint
    assert stored.pinned_host_key.pinned_by == ADMIN["login_id"]
    assert "relay-pw-1" not in stored.to_json()
    credential = KeyringSecrets().credential("kscms", sim.host, sim.port)
    assert credential is not None and credential.password == "relay-pw-1"
    wizard.database.dispose()


def test_changing_the_relay_address_forgets_the_fetched_key(qtbot) -> None:
    from app.services.exchange.relay.config import HostKeyInfo

    wizard = start(qtbot)
    relay = wizard.relay_page
    relay.sftp.setChecked(True)
    relay.host.setText("relay.example.kr")
    relay._fetched("relay.example.kr", 22, HostKeyInfo("ssh-ed25519", "SHA256:abc", "ssh-ed25519 AAAA"))
    relay.confirmed.setChecked(True)
    relay.host.setText("other.example.kr")
    assert relay.host_key is None and not relay.confirmed.isChecked() and not relay.confirmed.isEnabled()


# --- start-up -------------------------------------------------------------------------------


class FakeWizard:
    """Stands in for SetupWizard in start-up tests: records how it was opened, then is cancelled."""

    opened: ClassVar[list[tuple[str | None, str | None]]] = []

    def __init__(self, *, url: str | None = None, problem: str | None = None) -> None:
        FakeWizard.opened.append((url, problem))
        self.database = None

    def exec(self) -> int:
        return int(QDialog.DialogCode.Rejected.value)


@pytest.fixture
def fake_wizard(monkeypatch: pytest.MonkeyPatch) -> type[FakeWizard]:
    import app.views.setup.setup_wizard as module

    FakeWizard.opened = []
    monkeypatch.setattr(module, "SetupWizard", FakeWizard)
    return FakeWizard


def test_first_start_opens_the_wizard_and_cancelling_ends_quietly(qtbot, fake_wizard: type[FakeWizard]) -> None:
    from app.views.shell.startup import Startup, StartupCancelled

    with pytest.raises(StartupCancelled):
        Startup().open_database()
    assert fake_wizard.opened == [(None, None)]
    assert not (config.data_dir() / config.SQLITE_FILE).exists()  # nothing was created behind the clerk's back


def test_an_unreachable_database_on_first_start_opens_the_wizard_with_the_reason(qtbot, fake_wizard: type[FakeWizard]) -> None:
    from app.views.shell.startup import Startup, StartupCancelled

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = server_settings.ServerSettings("127.0.0.1", port, "kscms", "kscms").url()
    settings = config.LocalSettings.load()
    settings.database_url = url
    settings.save()
    with pytest.raises(StartupCancelled):
        Startup().open_database()
    [(opened_url, problem)] = fake_wizard.opened
    assert opened_url == url and problem and "연결을 거부" in problem


def test_an_empty_configured_database_opens_the_wizard(qtbot, fake_wizard: type[FakeWizard], tmp_path: Path) -> None:
    from app.views.shell.startup import Startup, StartupCancelled

    url = server_settings.sqlite_url(tmp_path / "empty.db")
    db_setup.prepare(url).dispose()
    server_settings.save_choice(url)
    with pytest.raises(StartupCancelled):
        Startup().open_database()
    assert fake_wizard.opened == [(url, None)]


# --- the passphrase dialog (a PC whose keyring lost the key), moved from tests/views -----------


def test_passphrase_dialog_unlocks_and_remembers_on_this_pc(qtbot, sqlite_db: Database) -> None:
    from app.services.settings.demo import data as demo_data
    from app.views.shell.passphrase_dialog import PassphraseDialog

    demo_data.create(sqlite_db, passphrase="right-passphrase", customers=2)
    assert keys.cached(sqlite_db) is None
    dialog = PassphraseDialog(sqlite_db)
    qtbot.addWidget(dialog)
    dialog.passphrase.setText("wrong-passphrase")
    dialog.try_unlock()
    assert dialog.key is None and "올바르지 않습니다" in dialog.error.text()
    dialog.passphrase.setText("right-passphrase")
    dialog.try_unlock()
    assert dialog.key is not None
    assert keys.cached(sqlite_db) == dialog.key  # the in-memory test keyring now holds it


# --- every page renders -------------------------------------------------------------------------


def test_every_wizard_page_and_backup_dialog_renders(qtbot, tmp_path: Path) -> None:
    from tests.setup import wizard_shots

    shots = wizard_shots.main(tmp_path / "shots")
    assert len(shots) >= 12
    for shot in shots:
        assert shot.stat().st_size > 5_000, shot.name
