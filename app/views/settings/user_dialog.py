"""사용자 추가 / 수정 / 사용자정보수정: one form for the three ways a user record is edited.

The dialog saves through the auth service itself, so that a refusal (a bad birth date, a taken ID)
is shown inline under the form, naming the field, while everything typed stays in place. A user
editing themself cannot change their role, and may open the password change from here, which is
where the manual puts it (사용자관리 → 사용자정보수정).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import Role
from app.services.common.errors import ServiceError
from app.services.common.passwords import INITIAL_PASSWORD
from app.services.common.validation import ValidationError
from app.services.settings import users as auth
from app.services.settings.users import UserForm, UserRow
from app.views.common.base import hint_label
from app.views.common.context import AppContext
from app.views.common.dialogs import accept_row
from app.views.shell.password_dialog import PasswordDialog

ROLE_HELP: dict[Role, str] = {
    Role.ADMIN: "모든 업무와 사용자·계약정보·집금항목 설정",
    Role.CLERK: "고객관리·수납관리 등 일상 업무 (설정은 바꿀 수 없음)",
    Role.VIEWER: "조회와 출력만 (아무것도 바꿀 수 없음)",
}


def note(text: str) -> QLabel:
    """A short note under a form field. Not word-wrapped: a wrapped label in a QFormLayout is
    given more height than its text needs, which opens gaps between the rows; break lines by hand."""
    label = QLabel(text)
    label.setObjectName("hintText")
    return label


def read_only(edit: QLineEdit, *, focusable: bool = False) -> None:
    """A value shown but not editable, and looking so: a read-only QLineEdit otherwise looks like any other."""
    edit.setReadOnly(True)
    edit.setStyleSheet("QLineEdit { background: #eef1f4; color: #333333; }")
    if not focusable:
        edit.setFocusPolicy(Qt.FocusPolicy.NoFocus)


class UserDialog(QDialog):
    """Add a user (`user=None`), edit one (administrator), or edit oneself (사용자정보수정)."""

    def __init__(self, ctx: AppContext, user: UserRow | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.user = user
        self.is_self = user is not None and user.id == ctx.actor.user_id
        self.saved_login_id = ""
        self.done_message = ""
        self.password_dialog: PasswordDialog | None = None
        if user is None:
            title = "사용자 추가"
        else:
            title = "사용자정보수정" if self.is_self and not ctx.actor.is_admin else "사용자 수정"
        self.setWindowTitle(title)
        self.setMinimumWidth(500)

        self.login_id = QLineEdit(user.login_id if user else "")
        self.login_id.setMaxLength(30)
        self.name = QLineEdit(user.name if user else "")
        self.name.setMaxLength(50)
        self.role = QComboBox()
        for role in Role:
            self.role.addItem(role.label, role.value)  # Qt hands a str enum back as plain str
        self.role.setCurrentIndex(self.role.findData((user.role if user else Role.CLERK).value))
        self.role.setEnabled(ctx.actor.is_admin)
        self.role_help = QLabel()
        self.role_help.setObjectName("hintText")
        self.role_help.setTextFormat(Qt.TextFormat.RichText)
        self.role.currentIndexChanged.connect(self._show_role_help)
        self.birth_date = QLineEdit()
        self.birth_date.setMaxLength(6)
        self.birth_date.setEchoMode(QLineEdit.EchoMode.Password)
        self.phone = QLineEdit(user.phone if user else "")
        self.phone.setMaxLength(20)
        self.email = QLineEdit(user.email if user else "")
        self.email.setMaxLength(100)
        self.notifications = QCheckBox("알림 받기 (마감·결과·공지 알림)")
        self.notifications.setChecked(user.notifications_enabled if user else True)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("사용자 ID", self.login_id)
        if user is not None:
            read_only(self.login_id)
            form.addRow("", note("ID는 수정할 수 없습니다."))
        else:
            form.addRow("", note(f"{auth.LOGIN_ID_PATTERN_HELP}.\n한 번 만든 ID는 바꾸거나 다시 쓸 수 없습니다."))
        form.addRow("이름", self.name)
        form.addRow("권한", self.role)
        form.addRow("", self.role_help)
        form.addRow("생년월일", self.birth_date)
        birth_note = "6자리(YYMMDD). 로그인할 때 본인확인에 씁니다."
        form.addRow("", note(birth_note + ("\n비워 두면 바뀌지 않습니다." if user else "")))
        form.addRow("전화번호", self.phone)
        form.addRow("이메일", self.email)
        form.addRow("", self.notifications)

        self.error = QLabel("")
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setVisible(False)

        buttons = accept_row("저장", self.save, self.reject)
        self.save_button = buttons.accept
        self.password_button: QPushButton | None = None
        if self.is_self:
            self.password_button = buttons.add_action("비밀번호 변경…")
            self.password_button.setAutoDefault(False)
            self.password_button.clicked.connect(self.change_password)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        if user is None:
            layout.addWidget(hint_label(
                f"새 사용자의 처음 비밀번호는 {INITIAL_PASSWORD}입니다. "
                "처음 로그인할 때 새 비밀번호로 바꿔야 합니다."))
        layout.addWidget(self.error)
        layout.addWidget(buttons.box)
        self._show_role_help()
        (self.name if user else self.login_id).setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_role_help(self) -> None:
        """All three roles, one line each, the chosen one in bold: the choice is made by comparing them."""
        chosen = self.selected_role()
        lines = []
        for role, text in ROLE_HELP.items():
            line = f"{role.label}: {text}"
            lines.append(f"<b>{line}</b>" if role is chosen else line)
        self.role_help.setText("<br>".join(lines))

    def selected_role(self) -> Role:
        return Role(self.role.currentData())

    def form(self) -> UserForm:
        return UserForm(
            name=self.name.text(),
            role=self.selected_role(),
            birth_date=self.birth_date.text(),
            phone=self.phone.text(),
            email=self.email.text(),
            notifications_enabled=self.notifications.isChecked(),
        )

    def save(self) -> None:
        """Save through the service; stay open with the reason in red if it refuses."""
        try:
            if self.user is None:
                login_id = auth.validate_login_id(self.login_id.text())
                auth.create_user(self.ctx.db, self.ctx.actor, login_id, self.form())
                self.done_message = f"사용자 {login_id}을(를) 추가했습니다. 처음 비밀번호는 {INITIAL_PASSWORD}입니다."
            else:
                login_id = self.user.login_id
                auth.update_user(self.ctx.db, self.ctx.actor, self.user.id, self.form(),
                                 version_id=self.user.version_id)
                self.done_message = f"사용자 {login_id}의 정보를 저장했습니다."
        except ValidationError as error:
            self._fail(f"{error.field}: {error.message}", error.field)
            return
        except ServiceError as error:
            self._fail(error.message, "사용자 ID" if "사용자 ID" in error.message else "")
            return
        self.saved_login_id = login_id
        self.accept()

    def change_password(self) -> None:
        """Open the password change on top; it saves on its own, independent of this form."""
        self.password_dialog = PasswordDialog(self.ctx.db, self.ctx.actor, parent=self)
        self.password_dialog.accepted.connect(
            lambda: self.ctx.signals.status_message.emit("비밀번호를 바꿨습니다."))
        self.password_dialog.open()

    def _fail(self, message: str, field: str) -> None:
        self.error.setText(message)
        self.error.setVisible(True)
        # Make room for the error line instead of squeezing the rows above it.
        if self.isVisible():
            self.resize(self.width(), max(self.height(), self.sizeHint().height()))
        widgets = {"사용자 ID": self.login_id, "이름": self.name, "생년월일": self.birth_date,
                   "전화번호": self.phone, "휴대": self.phone, "이메일": self.email}
        target = next((w for label, w in widgets.items() if field and (label in field or field in label)), None)
        if target is not None and not target.isReadOnly():
            target.setFocus(Qt.FocusReason.OtherFocusReason)
            target.selectAll()
