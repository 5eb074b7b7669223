"""비밀번호 변경: a user changes their own password, by choice or because they must.

`forced=True` is the first-login case: the user came in with the initial password 000000 (or one
an administrator reset), which other people may know, so the program cannot be used until a new
one is chosen. That dialog cannot be skipped; its only other way out is 로그아웃, and the caller
treats a rejected forced dialog as a logout.
"""

from __future__ import annotations

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
from app.services.common.errors import ServiceError
from app.services.common.session import Actor
from app.services.common.validation import ValidationError
from app.services.settings import users as auth
from app.views.common.base import hint_label
from app.views.common.dialogs import accept_row

PASSWORD_RULE = "8~64자, 영문과 숫자를 모두 포함하세요. 처음 비밀번호(000000)와 지금 비밀번호는 쓸 수 없습니다."
FORCED_REASON = (
    "처음 받은 비밀번호(000000)나 관리자가 초기화한 비밀번호로 로그인했습니다. 다른 사람도 알 수 있는 "
    "비밀번호이므로, 새 비밀번호를 정해야 계속할 수 있습니다. [로그아웃]을 누르면 로그인 화면으로 돌아갑니다."
)


class PasswordDialog(QDialog):
    """현재 비밀번호, 새 비밀번호, 새 비밀번호 확인 → `auth.change_own_password`; errors stay in the dialog."""

    def __init__(
        self, db: Database, actor: Actor, *, forced: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.forced = forced
        self.done_message = "비밀번호를 바꿨습니다. 다음 로그인부터 새 비밀번호를 쓰세요."
        self.setWindowTitle("비밀번호 변경 필요" if forced else "비밀번호 변경")
        self.setMinimumWidth(520)

        self.current = self._secret_field()
        self.new = self._secret_field()
        self.confirm = self._secret_field()

        form = QFormLayout()
        form.addRow("사용자 ID", QLabel(f"{actor.login_id} ({actor.name})"))
        form.addRow("현재 비밀번호", self.current)
        form.addRow("새 비밀번호", self.new)
        form.addRow("새 비밀번호 확인", self.confirm)

        self.error = QLabel("")
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setVisible(False)

        buttons = accept_row("변경", self.submit, self.reject, reject_text="로그아웃" if forced else "취소")
        self.change_button, self.cancel_button = buttons.accept, buttons.reject

        layout = QVBoxLayout(self)
        if forced:
            heading = QLabel("비밀번호 변경 필요")
            heading.setObjectName("pageTitle")
            layout.addWidget(heading)
            layout.addWidget(hint_label(FORCED_REASON))
        layout.addLayout(form)
        layout.addWidget(hint_label(PASSWORD_RULE))
        layout.addWidget(self.error)
        layout.addWidget(buttons.box)
        self.setTabOrder(self.current, self.new)
        self.setTabOrder(self.new, self.confirm)
        self.setTabOrder(self.confirm, self.change_button)
        self.current.setFocus(Qt.FocusReason.OtherFocusReason)

    @staticmethod
    def _secret_field() -> QLineEdit:
        field = QLineEdit()
        field.setEchoMode(QLineEdit.EchoMode.Password)
        field.setMaxLength(64)
        field.setMinimumWidth(240)
        return field

    def submit(self) -> None:
        """Check what can be checked here (all filled, both new entries equal), then let the service decide."""
        if not self.current.text():
            self._fail("현재 비밀번호: 지금 쓰는 비밀번호를 입력하세요.", self.current)
            return
        if not self.new.text():
            self._fail("새 비밀번호: 새 비밀번호를 입력하세요.", self.new)
            return
        if self.new.text() != self.confirm.text():
            self.confirm.clear()
            self._fail("새 비밀번호 확인: 새 비밀번호와 같지 않습니다. 한 번 더 똑같이 입력하세요.", self.confirm)
            return
        try:
            auth.change_own_password(self.db, self.actor, self.current.text(), self.new.text())
        except ValidationError as error:
            self._fail(f"새 비밀번호: {error.message}", self.new)
            return
        except ServiceError as error:
            wrong_current = "현재 비밀번호" in error.message
            if wrong_current:
                self.current.clear()
            self._fail(error.message, self.current if wrong_current else self.new)
            return
        self.accept()

    def _fail(self, message: str, focus: QLineEdit) -> None:
        self.error.setText(message)
        self.error.setVisible(True)
        # Make room for the error line instead of squeezing the rows above it.
        if self.isVisible():
            self.resize(self.width(), max(self.height(), self.sizeHint().height()))
        focus.setFocus(Qt.FocusReason.OtherFocusReason)
        focus.selectAll()
