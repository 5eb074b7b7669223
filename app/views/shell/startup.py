"""From the program's start to the main window: database (or the setup wizard), data key, login, password change.

Kept apart from `app.gui` so each step can be driven by a test without starting an event loop.

The login window is painted first and the database opened behind it: importing SQLAlchemy, the
models and the services, connecting, checking the schema and unlocking the data key take about a
second, and the clerk can type the answers meanwhile (the login button waits, with a note). The
opening runs on a worker thread started just after the window's first paint, so it does not slow
that paint down; everything that asks the clerk (the setup wizard, choosing the database again, the
passphrase, the error boxes) still happens on the GUI thread, after the worker is done. That is why
this module imports the database and the services only inside the functions that use them.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from app.config import (
    ENV_DATABASE_URL,
    ENV_PASSPHRASE,
    LocalSettings,
    backup_dir,
    database_url,
)
from app.views.shell.login_dialog import LoginDialog

if TYPE_CHECKING:
    from app.database.engine import Database
    from app.services.common.crypto import DataKey
    from app.views.common.context import AppContext

log = logging.getLogger(__name__)

PAINT_FALLBACK_MS = 1000
"""Open the database this long after showing the login window even if it was never painted (minimised)."""


class StartupError(Exception):
    """The database cannot be used; `reconfigurable` when choosing another one could help."""

    def __init__(self, message: str, *, reconfigurable: bool = True) -> None:
        super().__init__(message)
        self.reconfigurable = reconfigurable


class StartupCancelled(StartupError):
    """The clerk closed the setup wizard: the program ends quietly."""

    def __init__(self, message: str) -> None:
        super().__init__(message, reconfigurable=False)


@dataclass
class Opened:
    """What opening the database found without asking the clerk anything (so it can run off the GUI thread).

    `db` is open, current and set up; without it, `error` says why it cannot be used, or else the
    setup wizard is due (`url` None: this PC never chose its database; else that database is empty).
    `failure` is anything unexpected, raised again on the GUI thread. `key` is the data key this PC's
    keyring or KSCMS_PASSPHRASE gave (None: ask), `key_failure` what finding it raised.
    """

    url: str | None = None
    db: Database | None = None
    error: StartupError | None = None
    failure: Exception | None = None
    key: DataKey | None = None
    key_failure: Exception | None = None


class Startup:
    def __init__(self, *, started: float | None = None) -> None:
        self.data_key: DataKey | None = None
        self.started = time.perf_counter() if started is None else started
        """perf_counter at the program's start, for the log's "login window after" line."""

    def open_database(self) -> Database:
        """The configured database, schema upgraded, with an institution in it.

        The setup wizard chooses (and sets up) the database on a first start (nothing chosen on this
        PC yet), when the configured database is still empty, or when it cannot be reached and the
        clerk agrees to choose again. Raises StartupCancelled when the wizard is closed.
        """
        return self._settle(self._prepare(), None)

    def _prepare(self) -> Opened:
        """The part of `open_database` that asks nothing: connect, upgrade, check, take the day's copy."""
        from app.database import server_settings
        from app.services.settings import setup

        if not server_settings.has_chosen():
            return Opened()
        url = database_url()
        try:
            db = self._open(url)
        except StartupError as error:
            return Opened(url=url, error=error)
        if not setup.is_initialized(db):
            db.dispose()
            return Opened(url=url)
        self._daily_backup(db)
        return Opened(url=url, db=db)

    def _settle(self, opened: Opened, login: LoginDialog | None) -> Database:
        """The part of `open_database` that may ask the clerk: the wizard, or whether to choose again.

        The login window waiting behind (`login`) is hidden first, so the wizard or the message box
        stands alone as it did before the window was shown early.
        """
        if opened.db is not None:
            return opened.db
        if login is not None:
            login.hide()
        if opened.failure is not None:
            raise opened.failure
        if opened.error is not None:
            if opened.error.reconfigurable and self._offer_wizard(str(opened.error)):
                return self.run_wizard(opened.url, str(opened.error))
            raise opened.error
        return self.run_wizard(opened.url, None)

    def _open(self, url: str) -> Database:
        """Connect (the PostgreSQL password comes from this PC's keyring) and upgrade the schema."""
        from app.database import connection as db_setup
        from app.database import migrate as migrations
        from app.database import problems, schema, server_settings

        db = db_setup.make_database(url)
        try:
            migrations.upgrade(db.engine, backup_to=backup_dir())
        except schema.SchemaTooNewError as error:
            db.dispose()
            raise StartupError(str(error), reconfigurable=False) from None
        except Exception as error:
            log.exception("database unavailable")
            db.dispose()
            where = "" if server_settings.sqlite_file(url) else server_settings.ServerSettings.from_url(url).address
            problem = problems.describe_connection_error(error, where)
            raise StartupError(
                f"데이터베이스에 연결할 수 없습니다.\n{problem.message}\n"
                f"({server_settings.display_url(url)}: {type(error).__name__})"
            ) from None
        return db

    def _offer_wizard(self, message: str) -> bool:
        """Whether to let the clerk choose the database again after `message` (never for KSCMS_DATABASE_URL)."""
        from app.database import server_settings

        if os.environ.get(ENV_DATABASE_URL) or QApplication.instance() is None:
            return False
        if not LocalSettings.load().extra.get(server_settings.CHOSEN_KEY):
            return True  # this PC never finished choosing: straight to the wizard, the problem shown there
        answer = QMessageBox.question(
            None, "KSCMS desk",
            f"{message}\n\n데이터베이스 연결 설정을 다시 하시겠습니까?\n"
            "(서버가 잠시 꺼져 있는 것이면 [아니요]를 누르고, 서버가 켜진 뒤 다시 시작하세요.)",
        )
        return answer == QMessageBox.StandardButton.Yes

    def run_wizard(self, url: str | None, problem: str | None) -> Database:
        """The setup wizard; its database (ready, with an institution) and data key become this start's."""
        from app.views.setup.setup_wizard import SetupWizard

        wizard = SetupWizard(url=url, problem=problem)
        if wizard.exec() != QDialog.DialogCode.Accepted or wizard.database is None:
            raise StartupCancelled("처음 설정을 취소했습니다.")
        self.data_key = wizard.data_key
        return wizard.database

    @staticmethod
    def _daily_backup(db: Database) -> None:
        """Today's copy of a SQLite database (kept 14 days); a failure is logged, never blocks the start."""
        from app.database import copies

        if not db.is_sqlite:
            return
        try:
            copies.daily_backup(db.engine, backup_dir())
        except Exception:  # the clerk can still work; the log says why
            log.warning("daily backup failed", exc_info=True)

    def unlock_key(self, db: Database) -> DataKey | None:
        """This PC's keyring, else KSCMS_PASSPHRASE, else ask; None if the clerk gives up."""
        key = self._known_key(db)
        return key if key is not None else self._ask_key(db)

    @staticmethod
    def _known_key(db: Database) -> DataKey | None:
        """The data key without asking: this PC's keyring, else KSCMS_PASSPHRASE (None: ask the clerk)."""
        from app.services.common import keys
        from app.services.common.crypto import WrongPassphraseError

        key = keys.cached(db)
        if key is not None:
            return key
        env = os.environ.get(ENV_PASSPHRASE)
        if env:
            try:
                return keys.unlock(db, env)
            except WrongPassphraseError:
                log.warning("KSCMS_PASSPHRASE does not unlock this database's key")
        return None

    @staticmethod
    def _ask_key(db: Database) -> DataKey | None:
        from app.views.shell.passphrase_dialog import PassphraseDialog

        dialog = PassphraseDialog(db)
        return dialog.key if dialog.exec() == QDialog.DialogCode.Accepted else None

    def run(self, app: QApplication) -> int:
        """The whole start, as the program's exit code: the login window at once, the database opened
        behind it, then the login, a forced password change, the main window, and again after 로그아웃."""
        login = LoginDialog(None)
        login.show()
        opened = self._open_behind(login)
        if opened is None:
            return 0  # the clerk closed the login window while the database was opening
        try:
            db = self._settle(opened, login)
        except StartupCancelled:  # the clerk closed the setup wizard
            return 0
        except Exception as error:  # shown to the clerk, details in the log
            log.exception("could not open the database")
            QMessageBox.critical(None, "KSCMS desk", str(error))
            return 1
        from app.services.settings import setup  # loaded by the worker by now

        if not setup.is_initialized(db):
            db.dispose()
            login.hide()
            try:
                db = self.run_wizard(db.engine.url.render_as_string(hide_password=False), None)
            except StartupCancelled:
                return 0
        if self.data_key is None:
            if db is opened.db:  # the worker already asked the keyring and KSCMS_PASSPHRASE
                if opened.key_failure is not None:
                    raise opened.key_failure
                self.data_key = opened.key
            else:
                self.data_key = self._known_key(db)
            if self.data_key is None:
                login.hide()
                self.data_key = self._ask_key(db)
        if self.data_key is None:
            login.hide()
            QMessageBox.information(None, "KSCMS desk", "데이터 암호 문구 없이 종료합니다.")
            return 0
        login.set_database(db)
        return self._log_in(app, db, login)

    def _open_behind(self, login: LoginDialog) -> Opened | None:
        """Open the database on a worker thread once `login` is painted, the event loop running meanwhile.

        None when the clerk closed the login window first; the worker is then let finish (a schema
        upgrade is never abandoned half-way) and its database closed.
        """
        worker = _OpeningWorker(self)
        waiting = QEventLoop()
        worker.done.connect(waiting.quit)
        login.finished.connect(waiting.quit)

        def painted() -> None:
            log.info("login window after %.2f s", time.perf_counter() - self.started)
            worker.start()

        first_paint = _AfterFirstPaint(login, painted)
        waiting.exec()
        login.finished.disconnect(waiting.quit)
        first_paint.cancel()
        closed = login.isHidden()  # 닫기, Esc or the window's X before the database was open
        worker.wait()  # at once after `done`; after a close, until the worker is through
        if not closed and worker.opened is not None:
            return worker.opened
        if worker.opened is not None and worker.opened.db is not None:
            worker.opened.db.dispose()
        return None

    def _log_in(self, app: QApplication, db: Database, login: LoginDialog) -> int:
        """The login loop: each 로그아웃 comes back to a fresh login window, closing it ends the program."""
        from app.views.common.context import AppContext
        from app.views.shell.main_window import MainWindow
        from app.views.shell.password_dialog import PasswordDialog

        while True:
            if login.exec() != QDialog.DialogCode.Accepted or login.result_login is None:
                return 0
            actor = login.result_login.actor
            if login.result_login.must_change_password:
                change = PasswordDialog(db, actor, forced=True)
                if change.exec() != QDialog.DialogCode.Accepted:
                    login = LoginDialog(db)
                    continue
            ctx = AppContext(db=db, actor=actor, data_key=self.data_key)
            window = MainWindow(ctx)
            scheduler = self._start_scheduler(ctx, window)
            window.show()
            app.exec()
            if scheduler is not None:
                scheduler.shutdown()
            if not window.logout_requested:
                return 0
            login = LoginDialog(db)

    @staticmethod
    def _start_scheduler(ctx: AppContext, window: QWidget) -> Any:
        """The embedded scheduler sends at the cut-offs and fetches results while the app runs.

        Its passes reach the status bar through a Qt bridge (they run on the scheduler's thread).
        A scheduler that cannot start must not keep the clerk from working: it is logged and the
        status bar says so; the CLI's `python -m app scheduler` remains for a PC that stays on.
        """
        from app.views.collection.transmissions_view import (
            SchedulerBridge,
            make_scheduler,
        )

        try:
            scheduler = make_scheduler(ctx)
            bridge = SchedulerBridge(scheduler, window)
            bridge.passed.connect(ctx.signals.status_message.emit)
            tray = getattr(window, "tray", None)
            if tray is not None:  # results in, a sending failed: the tray decides what to tell at once
                bridge.passed.connect(lambda _summary: tray.check_requested.emit())
            scheduler.start()
        except Exception:  # reported, never fatal
            log.exception("the embedded scheduler did not start")
            ctx.signals.status_message.emit("자동 송수신 예약을 시작하지 못했습니다. 관리자에게 문의하세요.")
            return None
        ctx.signals.status_message.emit(scheduler.status().text())
        return scheduler


class _OpeningWorker(QObject):
    """Runs `Startup._prepare` and the key lookup on a thread, then imports what the login and the main
    window will need, so that pressing 로그인 costs what it did when all this happened before the window.

    Only then is `done` emitted (queued to the GUI thread): the GUI thread imports nothing heavy while
    the worker still imports, so the two never meet half-way through a package's import.
    """

    done = Signal()

    def __init__(self, startup: Startup) -> None:
        super().__init__()
        self._startup = startup
        self._thread: threading.Thread | None = None
        self.opened: Opened | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="open-database")
            self._thread.start()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        try:
            opened = self._startup._prepare()
        except Exception as error:  # noqa: BLE001 - raised again on the GUI thread, shown there as before
            opened = Opened(failure=error)
        if opened.db is not None:
            try:
                opened.key = self._startup._known_key(opened.db)
            except Exception as error:  # noqa: BLE001 - likewise raised again on the GUI thread
                opened.key_failure = error
            _warm_up()
        self.opened = opened
        self.done.emit()


def _warm_up() -> None:
    """Import the login service and the main window's modules (mostly services: the home screen's
    figures, the reports behind the tray) while the clerk types. Module level code of the views makes
    no Qt object but value types (colours, sizes), so importing them here is safe; a failing import is
    left to fail again, with its message, where the GUI thread imports the module for real."""
    try:
        import app.services.settings.users
        import app.views.collection.transmissions_view
        import app.views.shell.main_window
        import app.views.shell.password_dialog  # noqa: F401
    except Exception:
        log.debug("warming up the main window's imports failed", exc_info=True)


class _AfterFirstPaint(QObject):
    """Calls `then` once, just after `widget`'s first paint (on the next turn of the event loop, when the
    frame has reached the screen), or PAINT_FALLBACK_MS after it was shown if it is never painted."""

    def __init__(self, widget: QWidget, then: Callable[[], Any]) -> None:
        super().__init__(widget)
        self._widget = widget
        self._then = then
        self._fired = False
        widget.installEventFilter(self)
        QTimer.singleShot(PAINT_FALLBACK_MS, self, self._fire)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.Paint and not self._fired:
            QTimer.singleShot(0, self, self._fire)
        return False

    def cancel(self) -> None:
        self._fired = True
        self._widget.removeEventFilter(self)

    def _fire(self) -> None:
        if self._fired:
            return
        self.cancel()
        self._then()
