"""From the program's start to the main window: database, first run, data key, login, password change.

Kept apart from `app.gui` so each step can be driven by a test without starting an event loop.
"""

from __future__ import annotations

import logging
import os

from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from app import migrations
from app.config import ENV_PASSPHRASE, backup_dir, database_url
from app.db import Database
from app.services import keys, setup
from app.services.crypto import DataKey, WrongPassphraseError
from app.views.context import AppContext
from app.views.login_dialog import LoginDialog

log = logging.getLogger(__name__)


class StartupError(Exception):
    pass


class Startup:
    def __init__(self) -> None:
        self.data_key: DataKey | None = None

    def open_database(self) -> Database:
        url = database_url()
        db = Database.from_url(url)
        try:
            migrations.upgrade(db.engine, backup_to=backup_dir())
        except migrations.SchemaTooNewError as error:
            raise StartupError(str(error)) from None
        except Exception as error:
            log.exception("database unavailable")
            raise StartupError(
                "데이터베이스에 연결할 수 없습니다. 네트워크와 서버 설정을 확인하세요.\n"
                f"({db.engine.url.render_as_string(hide_password=True)}: {type(error).__name__})"
            ) from None
        return db

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
        from app.views.passphrase_dialog import PassphraseDialog

        dialog = PassphraseDialog(db)
        return dialog.key if dialog.exec() == QDialog.DialogCode.Accepted else None

    def run(self, app: QApplication, db: Database) -> int:
        from app.views.main_window import MainWindow
        from app.views.password_dialog import PasswordDialog

        if not setup.is_initialized(db):
            from app.views.first_run_dialog import FirstRunDialog

            first = FirstRunDialog(db)
            if first.exec() != QDialog.DialogCode.Accepted:
                return 0
            self.data_key = first.data_key
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
            window.show()
            app.exec()
            if not window.logout_requested:
                return 0
