"""The program's start as the clerk meets it: the login window first, the database opened behind it.

Startup.run is driven with its real event loop: a repeating timer plays the clerk (types the answers
once 로그인 can be pressed, closes the main window), and the dialogs that would wait for a click
(the wizard, the passphrase, the message boxes) are replaced by recorders. The last test checks in a
fresh interpreter that what the first paint needs does not import the database stack.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from app.database import server_settings
from app.database.engine import Database
from app.services.common import keys
from app.views.shell import startup as startup_module
from app.views.shell.login_dialog import OPENING_NOTE, LoginDialog
from app.views.shell.startup import Opened, Startup
from tests.factories import ADMIN_BIRTH, ADMIN_PASSWORD, Office

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "startup-passphrase"
GIVE_UP_MS = 60_000


def _url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


@pytest.fixture
def configured(office: Office, monkeypatch: pytest.MonkeyPatch) -> Office:
    """The office's database as this PC's database, with a data key the keyring does not hold yet."""
    with office.db.session() as s:
        keys.create_data_key(s, PASSPHRASE)
    monkeypatch.setenv("KSCMS_DATABASE_URL", _url(office.db))
    monkeypatch.setenv("KSCMS_PASSPHRASE", PASSPHRASE)
    return office


@pytest.fixture
def no_scheduler(monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedded scheduler has tests of its own; here it would only add threads to wait for."""
    monkeypatch.setattr(Startup, "_start_scheduler", staticmethod(lambda ctx, window: None))


class Clerk:
    """Looks at the open windows every few milliseconds, as a clerk would, and acts on what it sees."""

    def __init__(self, act: Callable[[Clerk, QWidget], None]) -> None:
        self.act = act
        self.seen: list[str] = []
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._look)
        self.timer.start()
        QTimer.singleShot(GIVE_UP_MS, self._give_up)

    def _look(self) -> None:
        for widget in QApplication.topLevelWidgets():
            if widget.isVisible():
                self.act(self, widget)

    def _give_up(self) -> None:  # a stuck start must fail the test, not hang the suite
        self.seen.append("gave up")
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog) and widget.isVisible():
                widget.reject()
        QApplication.exit(0)

    def stop(self) -> None:
        self.timer.stop()


def _close_database_afterwards(monkeypatch: pytest.MonkeyPatch) -> list[Database]:
    """Every database the start opens, to be closed by the test (the program leaves that to its exit)."""
    opened: list[Database] = []
    real = Startup._prepare

    def prepare(self: Startup) -> Opened:
        found = real(self)
        if found.db is not None:
            opened.append(found.db)
        return found

    monkeypatch.setattr(Startup, "_prepare", prepare)
    return opened


@pytest.fixture
def databases(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Database]]:
    opened = _close_database_afterwards(monkeypatch)
    yield opened
    for db in opened:
        db.dispose()


@pytest.fixture
def logins(monkeypatch: pytest.MonkeyPatch) -> list[LoginDialog]:
    """The login window each start showed first (the one the database is opened behind)."""
    shown: list[LoginDialog] = []
    real = Startup._open_behind

    def open_behind(self: Startup, login: LoginDialog) -> Opened | None:
        shown.append(login)
        return real(self, login)

    monkeypatch.setattr(Startup, "_open_behind", open_behind)
    return shown


def test_the_login_window_waits_for_the_database_then_logs_in_to_the_main_window(
        qtbot, qapp, configured: Office, databases: list[Database], logins: list[LoginDialog],
        no_scheduler: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The clerk sees the login window before the database is open, with 로그인 disabled and a note;
    the answers typed meanwhile stay; once the database is open the same window logs in."""
    at_prepare: list[tuple[bool, bool, str, str]] = []
    real = Startup._prepare

    def watched(self: Startup) -> Opened:
        [login] = logins
        at_prepare.append((login.isVisible(), login.login_button.isEnabled(),
                           login.opening.text() if not login.opening.isHidden() else "",
                           threading.current_thread().name))
        return real(self)

    monkeypatch.setattr(Startup, "_prepare", watched)
    at_login: list[tuple[bool, str, bool]] = []

    def act(clerk: Clerk, widget: QWidget) -> None:
        if isinstance(widget, LoginDialog) and not clerk.seen:
            clerk.seen.append("login shown")
            widget.institution_code.setText(configured.institution_code)
            widget.login_id.setText("admin")
        elif isinstance(widget, LoginDialog) and widget.login_button.isEnabled() and "typed" not in clerk.seen:
            clerk.seen.append("typed")
            at_login.append((widget is logins[0], widget.login_id.text(), widget.opening.isHidden()))
            widget.password.setText(ADMIN_PASSWORD)
            widget.birth_date.setText(ADMIN_BIRTH)
            widget.login_button.click()
        elif type(widget).__name__ == "MainWindow" and "main" not in clerk.seen:
            clerk.seen.append("main")
            widget.close()

    clerk = Clerk(act)
    startup = Startup()
    code = startup.run(qapp)
    clerk.stop()
    assert code == 0
    assert clerk.seen == ["login shown", "typed", "main"]
    # Opened on the worker, the login window already up with 로그인 disabled and the note shown.
    assert at_prepare == [(True, False, OPENING_NOTE, "open-database")]
    # The same window logs in; what was typed while waiting is still there; the note is gone.
    assert at_login == [(True, "admin", True)]
    assert startup.data_key is not None and startup.data_key == keys.unlock(configured.db, PASSPHRASE)


def test_closing_the_login_window_while_the_database_opens_ends_quietly(
        qtbot, qapp, configured: Office, databases: list[Database], monkeypatch: pytest.MonkeyPatch) -> None:
    started, release = threading.Event(), threading.Event()
    real = Startup._prepare

    def slow(self: Startup) -> Opened:
        started.set()
        release.wait(GIVE_UP_MS / 1000)
        return real(self)

    monkeypatch.setattr(Startup, "_prepare", slow)
    logged_in: list[bool] = []
    monkeypatch.setattr(Startup, "_log_in", lambda self, app, db, login: logged_in.append(True) or 0)

    def act(clerk: Clerk, widget: QWidget) -> None:
        if isinstance(widget, LoginDialog) and started.is_set() and not clerk.seen:
            clerk.seen.append("closed")
            widget.close()
            release.set()  # the opening finishes after the window went; the start must still end

    clerk = Clerk(act)
    assert Startup().run(qapp) == 0
    clerk.stop()
    assert clerk.seen == ["closed"] and not logged_in
    [db] = databases  # it was opened, and then closed by the start itself (not left to the exit)
    assert db.engine.pool.checkedin() == 0 and db.engine.pool.checkedout() == 0


def test_an_empty_database_opens_the_setup_wizard_instead_of_the_waiting_login(
        qtbot, qapp, tmp_path: Path, logins: list[LoginDialog], monkeypatch: pytest.MonkeyPatch) -> None:
    from app.database import connection as db_setup
    from app.views.setup import setup_wizard

    url = server_settings.sqlite_url(tmp_path / "empty.db")
    db_setup.prepare(url).dispose()
    server_settings.save_choice(url)
    opened: list[tuple[str | None, str | None, bool]] = []

    class Wizard:
        def __init__(self, *, url: str | None = None, problem: str | None = None) -> None:
            opened.append((url, problem, logins[0].isVisible()))
            self.database = None

        def exec(self) -> int:
            return int(QDialog.DialogCode.Rejected.value)

    monkeypatch.setattr(setup_wizard, "SetupWizard", Wizard)
    assert Startup().run(qapp) == 0  # closing the wizard ends the program quietly, as before
    assert opened == [(url, None, False)]  # the wizard stands alone: the login window was hidden


def test_a_database_that_cannot_be_reached_shows_the_same_message_box(
        qtbot, qapp, logins: list[LoginDialog], monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("KSCMS_DATABASE_URL", server_settings.ServerSettings("127.0.0.1", port, "kscms", "kscms").url())
    shown: list[tuple[str, bool]] = []

    def critical(parent: Any, title: str, text: str) -> None:
        shown.append((text, logins[0].isVisible()))

    monkeypatch.setattr(startup_module.QMessageBox, "critical", staticmethod(critical))
    assert Startup().run(qapp) == 1
    [(text, login_visible)] = shown
    assert text.startswith("데이터베이스에 연결할 수 없습니다.\n") and "연결을 거부" in text
    assert not login_visible


def test_without_the_passphrase_the_program_ends_with_the_same_notice(
        qtbot, qapp, configured: Office, databases: list[Database], logins: list[LoginDialog],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KSCMS_PASSPHRASE")
    asked: list[bool] = []

    def ask(db: Database) -> None:
        asked.append(logins[0].isVisible())
        return None  # the clerk closed the passphrase dialog

    told: list[str] = []
    monkeypatch.setattr(Startup, "_ask_key", staticmethod(ask))
    monkeypatch.setattr(startup_module.QMessageBox, "information", staticmethod(lambda p, t, text: told.append(text)))
    assert Startup().run(qapp) == 0
    assert asked == [False]  # asked with the login window out of the way
    assert told == ["데이터 암호 문구 없이 종료합니다."]


def test_a_key_cached_on_this_pc_needs_no_passphrase(
        qtbot, qapp, configured: Office, databases: list[Database], monkeypatch: pytest.MonkeyPatch) -> None:
    key = keys.unlock(configured.db, PASSPHRASE)  # remembered in this PC's (test) keyring
    monkeypatch.delenv("KSCMS_PASSPHRASE")
    monkeypatch.setattr(Startup, "_ask_key", staticmethod(lambda db: pytest.fail("asked for the passphrase")))
    handed: list[tuple[Database, bool]] = []

    def log_in(self: Startup, app: QApplication, db: Database, login: LoginDialog) -> int:
        handed.append((db, login.login_button.isEnabled() and login.isVisible()))
        return 0

    monkeypatch.setattr(Startup, "_log_in", log_in)
    startup = Startup()
    assert startup.run(qapp) == 0
    assert startup.data_key == key
    assert [enabled for _, enabled in handed] == [True]


def test_the_first_paint_imports_neither_the_database_nor_the_services() -> None:
    """What app/gui.py loads before the login window is painted (the login window, the start-up, the
    theme) must not pull SQLAlchemy, the models or the services in: they cost most of a second."""
    code = (
        "import sys\n"
        "import app.gui, app.views.shell.startup, app.views.shell.login_dialog, app.views.common.theme\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic', 'keyring')\n"
        "               or m.startswith(('app.services', 'app.models', 'app.database')))\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PATH": "", "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"})
    assert out.stdout.strip() == "[]"
