"""로그인: contract ID, user ID, password and the operator's birth date, as the manual asks.

The manual checks the operator's resident number at login; we ask for the birth date registered
for the user instead, and keep only its hash.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.database.engine import Database
from app.models.base import utcnow
from app.services.common.errors import AuthError
from app.services.settings import users as auth
from app.views.common.base import grow_to_fit
from app.views.common.dialogs import accept_row
from app.views.common.prefs import view_settings


class LoginDialog(QDialog):
    def __init__(
        self, db: Database, parent: QWidget | None = None, *, now: Callable[[], datetime] = utcnow
    ) -> None:
        super().__init__(parent)
        self.db = db
        self._now = now
        self.result_login: auth.LoginResult | None = None
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

        buttons = accept_row("로그인", self.try_login, self.reject, reject_text="닫기")
        self.login_button = buttons.accept

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(hint)
        layout.addWidget(buttons.box)

        prefs = view_settings()
        self.institution_code.setText(str(prefs.value("login/institution_code", "")))
        self.login_id.setText(str(prefs.value("login/login_id", "")))
        first_empty = next(
            (w for w in (self.institution_code, self.login_id, self.password) if not w.text()), self.password
        )
        first_empty.setFocus(Qt.FocusReason.OtherFocusReason)

    def try_login(self) -> None:
        """Check the answers; on success remember the IDs (never the password) and close."""
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
                now=self._now,
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
        self.error.setText(message)
        self.error.setVisible(True)
        grow_to_fit(self)  # the inputs keep their height; the dialog grows for the error line
