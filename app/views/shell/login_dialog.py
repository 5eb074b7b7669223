"""로그인: contract ID, user ID, password and the operator's birth date, as the manual asks.

The manual checks the operator's resident number at login; we ask for the birth date registered
for the user instead, and keep only its hash.

The window is the first thing the program paints, before the database is open (app/views/shell/
startup.py opens it behind the window), so this module imports nothing but Qt and the light view
helpers at load time: the database, the models and the login service come in when a login is tried.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.views.common.dialogs import accept_row
from app.views.common.prefs import view_settings

if TYPE_CHECKING:
    from app.database.engine import Database
    from app.services.settings.users import LoginResult

OPENING_NOTE = "데이터베이스를 여는 중…"


class LoginDialog(QDialog):
    """The login window; with `db=None` it waits for `set_database`, its login button disabled and a
    note saying the database is being opened, so the clerk can type the answers meanwhile."""

    def __init__(
        self, db: Database | None, parent: QWidget | None = None, *, now: Callable[[], datetime] | None = None
    ) -> None:
        super().__init__(parent)
        self.db = db
        self._now = now
        self.result_login: LoginResult | None = None
        self.setWindowTitle("KSCMS desk 로그인")
        self.setMinimumWidth(420)

        title = QLabel("KSCMS desk")
        title.setObjectName("pageTitle")
        subtitle = QLabel("대행 자동이체(CMS) 수납 관리")
        subtitle.setObjectName("hintText")

        self.institution_code = QLineEdit()
        self.institution_code.setMaxLength(10)
        self.institution_code.setPlaceholderText("이용기관코드 10자리")
        self.login_id = QLineEdit()
        self.login_id.setMaxLength(30)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setMaxLength(64)
        self.birth_date = QLineEdit()
        self.birth_date.setMaxLength(6)
        self.birth_date.setEchoMode(QLineEdit.EchoMode.Password)
        self.birth_date.setPlaceholderText("YYMMDD (본인확인)")

        form = QFormLayout()
        form.addRow("이용기관 ID", self.institution_code)
        form.addRow("사용자 ID", self.login_id)
        form.addRow("비밀번호", self.password)
        form.addRow("생년월일", self.birth_date)

        self.error = QLabel("")
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setVisible(False)

        hint = QLabel("처음 받은 비밀번호(000000)로 로그인하면 새 비밀번호를 정해야 합니다.")
        hint.setObjectName("hintText")
        hint.setWordWrap(True)

        self.opening = QLabel(OPENING_NOTE)
        self.opening.setObjectName("hintText")
        self.opening.setVisible(db is None)

        buttons = accept_row("로그인", self.try_login, self.reject, reject_text="닫기")
        self.login_button = buttons.accept
        self.login_button.setEnabled(db is not None)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(hint)
        layout.addWidget(self.opening)
        layout.addWidget(buttons.box)

        prefs = view_settings()
        self.institution_code.setText(str(prefs.value("login/institution_code", "")))
        self.login_id.setText(str(prefs.value("login/login_id", "")))
        first_empty = next(
            (w for w in (self.institution_code, self.login_id, self.password) if not w.text()), self.password
        )
        first_empty.setFocus(Qt.FocusReason.OtherFocusReason)

    def set_database(self, db: Database) -> None:
        """The database is open: the note goes, the window gives back its line, 로그인 can be pressed."""
        self.db = db
        if not self.opening.isHidden():
            self.opening.setVisible(False)
            self._fit_height()
        self.login_button.setEnabled(True)

    def _fit_height(self) -> None:
        """Take back the note's line: the height a window opened without the note gets, the width kept
        (the clerk may have widened it). A window never shown opens at that size by itself."""
        if not self.testAttribute(Qt.WidgetAttribute.WA_WState_ExplicitShowHide):
            return
        width = self.width()
        self.adjustSize()
        self.resize(width, self.height())

    def try_login(self) -> None:
        """Check the answers; on success remember the IDs (never the password) and close."""
        if self.db is None:  # the button is disabled until the database is open; Enter must not slip past
            return
        from app.models.base import utcnow
        from app.services.common.errors import AuthError
        from app.services.settings import users as auth

        if not all(w.text().strip() for w in (self.institution_code, self.login_id, self.password, self.birth_date)):
            self._fail("이용기관 ID, 사용자 ID, 비밀번호, 생년월일을 모두 입력하세요.")
            return
        try:
            self.result_login = auth.login(
                self.db,
                self.institution_code.text(),
                self.login_id.text(),
                self.password.text(),
                self.birth_date.text(),
                now=self._now or utcnow,
            )
        except AuthError as error:
            self.password.clear()
            self.password.setFocus()
            self._fail(error.message)
            return
        prefs = view_settings()
        prefs.setValue("login/institution_code", self.institution_code.text().strip())
        prefs.setValue("login/login_id", self.login_id.text().strip())
        self.accept()

    def _fail(self, message: str) -> None:
        from app.views.common.base import grow_to_fit

        self.error.setText(message)
        self.error.setVisible(True)
        grow_to_fit(self)  # the inputs keep their height; the dialog grows for the error line
