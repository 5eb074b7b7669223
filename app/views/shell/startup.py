"""From the program's start to the main window: database (or the setup wizard), data key, login, password change.

Kept apart from `app.gui` so each step can be driven by a test without starting an event loop.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from app.config import (
    ENV_DATABASE_URL,
    ENV_PASSPHRASE,
    LocalSettings,
    backup_dir,
    database_url,
)
from app.database import connection as db_setup
from app.database import copies, problems, schema, server_settings
from app.database import migrate as migrations
from app.database.engine import Database
from app.services.common import keys
from app.services.common.crypto import DataKey, WrongPassphraseError
from app.services.settings import setup
from app.views.common.context import AppContext
from app.views.shell.login_dialog import LoginDialog

log = logging.getLogger(__name__)


class StartupError(Exception):
    """The database cannot be used; `reconfigurable` when choosing another one could help."""

    def __init__(self, message: str, *, reconfigurable: bool = True) -> None:
        super().__init__(message)
        self.reconfigurable = reconfigurable


class StartupCancelled(StartupError):
    """The clerk closed the setup wizard: the program ends quietly."""

    def __init__(self, message: str) -> None:
        super().__init__(message, reconfigurable=False)


class Startup:
    def __init__(self) -> None:
        self.data_key: DataKey | None = None

    def open_database(self) -> Database:
        """The configured database, schema upgraded, with an institution in it.

        The setup wizard chooses (and sets up) the database on a first start (nothing chosen on this
        PC yet), when the configured database is still empty, or when it cannot be reached and the
        clerk agrees to choose again. Raises StartupCancelled when the wizard is closed.
        """
        if not server_settings.has_chosen():
            return self.run_wizard(None, None)
        url = database_url()
        try:
            db = self._open(url)
        except StartupError as error:
            if error.reconfigurable and self._offer_wizard(str(error)):
                return self.run_wizard(url, str(error))
            raise
        if not setup.is_initialized(db):
            db.dispose()
            return self.run_wizard(url, None)
        self._daily_backup(db)
        return db

    def _open(self, url: str) -> Database:
        """Connect (the PostgreSQL password comes from this PC's keyring) and upgrade the schema."""
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
        if not db.is_sqlite:
            return
        try:
            copies.daily_backup(db.engine, backup_dir())
        except Exception:  # the clerk can still work; the log says why
            log.warning("daily backup failed", exc_info=True)

    def unlock_key(self, db: Database) -> DataKey | None:
        """This PC's keyring, else KSCMS_PASSPHRASE, else ask; None if the clerk gives up."""
        key = keys.cached(db)
        if key is not None:
            return key
        env = os.environ.get(ENV_PASSPHRASE)
        if env:
            try:
                return keys.unlock(db, env)
            except WrongPassphraseError:
                log.warning("KSCMS_PASSPHRASE does not unlock this database's key")
        from app.views.shell.passphrase_dialog import PassphraseDialog

        dialog = PassphraseDialog(db)
        return dialog.key if dialog.exec() == QDialog.DialogCode.Accepted else None

    def run(self, app: QApplication, db: Database) -> int:
        from app.views.shell.main_window import MainWindow
        from app.views.shell.password_dialog import PasswordDialog

        if not setup.is_initialized(db):
            db.dispose()
            try:
                db = self.run_wizard(db.engine.url.render_as_string(hide_password=False), None)
            except StartupCancelled:
                return 0
        if self.data_key is None:
            self.data_key = self.unlock_key(db)
            if self.data_key is None:
                QMessageBox.information(None, "KSCMS desk", "데이터 암호 문구 없이 종료합니다.")
                return 0
        while True:
            login = LoginDialog(db)
            if login.exec() != QDialog.DialogCode.Accepted or login.result_login is None:
                return 0
            actor = login.result_login.actor
            if login.result_login.must_change_password:
                change = PasswordDialog(db, actor, forced=True)
                if change.exec() != QDialog.DialogCode.Accepted:
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
