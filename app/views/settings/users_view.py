"""환경설정 > 사용자관리: the institution's users, and each user's own 사용자정보수정.

An administrator sees everyone and manages them (add, edit, reset password, lock, deactivate);
anyone else sees only their own row and may edit only their own name, contacts and password, as the
manual describes (사용자관리 → 사용자정보수정). The services enforce the same rules; hiding the
buttons only spares the clerk a refusal.

The list is built from the shared table kit (`app.views.common.tables`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDialog, QPushButton, QWidget

from app.services.common.formats import stamp_text
from app.services.settings import users as auth
from app.services.settings.users import UserRow
from app.views.common.base import Page, button_row, confirm, hint_label, run_guarded
from app.views.common.context import AppContext
from app.views.common.tables import (
    ALERT,
    ALIGN_CENTER,
    MUTED,
    Column,
    RowsModel,
    fit_columns,
    make_table,
)
from app.views.settings.user_dialog import UserDialog


def user_status(row: UserRow) -> str:
    """One word for the state that matters most: a stopped user cannot log in at all, a locked one not now."""
    if not row.active:
        return "사용중지"
    if row.locked:
        return "잠김"
    if row.must_change_password:
        return "비밀번호 변경 필요"
    return "사용"


def _status_colour(row: UserRow) -> QColor | None:
    return {"사용중지": MUTED, "잠김": ALERT, "비밀번호 변경 필요": ALERT}.get(user_status(row))


def _contacts(row: UserRow) -> str:
    return " / ".join(part for part in (row.phone, row.email) if part)


USER_COLUMNS = (
    Column("사용자 ID", lambda r: r.login_id),
    Column("이름", lambda r: r.name),
    Column("권한", lambda r: r.role.label, ALIGN_CENTER),
    Column("상태", user_status, ALIGN_CENTER, _status_colour),
    Column("최근 로그인", lambda r: stamp_text(r.last_login_at), ALIGN_CENTER),
    Column("연락처", _contacts),
)


class UsersPage(Page):
    """사용자관리: a list of users and the actions an administrator takes on one of them."""

    title = "사용자관리"
    key = "settings.users"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.active_dialog: QDialog | None = None
        self.model = RowsModel(USER_COLUMNS, self)
        self.table = make_table(self.model, self.edit_selected)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())

        self.add_button = QPushButton("사용자 추가")
        self.edit_button = QPushButton("수정")
        self.reset_button = QPushButton("비밀번호 초기화")
        self.lock_button = QPushButton("잠금")
        self.active_button = QPushButton("사용 중지")
        self.self_button = QPushButton("사용자정보수정")
        self.admin_buttons = (self.add_button, self.edit_button, self.reset_button, self.lock_button,
                              self.active_button)
        for button in self.admin_buttons:
            button.setVisible(ctx.actor.is_admin)
        self.add_button.setProperty("primary", True)
        self.add_button.clicked.connect(self.add_user)
        self.edit_button.clicked.connect(self.edit_selected)
        self.reset_button.clicked.connect(self.reset_selected)
        self.lock_button.clicked.connect(self.toggle_lock_selected)
        self.active_button.clicked.connect(self.toggle_active_selected)
        self.self_button.clicked.connect(self.edit_self)
        self.self_button.setToolTip("내 이름·연락처와 비밀번호를 바꿉니다.")

        if ctx.actor.is_admin:
            intro = ("사용자 ID는 만든 뒤 바꿀 수 없습니다. 새 사용자와 비밀번호를 초기화한 사용자는 "
                     "처음 비밀번호 000000으로 로그인한 뒤 새 비밀번호를 정해야 합니다.")
        else:
            intro = "내 정보만 보입니다. 이름·연락처와 비밀번호는 [사용자정보수정]에서 바꿀 수 있습니다."
        self.body.addWidget(hint_label(intro))
        buttons = button_row(*self.admin_buttons, stretch_first=False)
        if ctx.actor.is_admin:
            buttons.addSpacing(16)  # the user's own 정보수정 apart from the actions on others
        buttons.addWidget(self.self_button)
        buttons.addStretch(1)
        self.body.addLayout(buttons)
        self.body.addWidget(self.table, 1)
        self.status = hint_label("")
        self.body.addWidget(self.status)
        self._update_buttons()

    # --- loading -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the list and keep the same user selected, so an action's result is visible at once."""
        keep = self.selected_user()
        self.model.set_rows(auth.list_users(self.ctx.db, self.ctx.actor, now=self.ctx.clock))
        fit_columns(self.table)
        target = next((i for i, r in enumerate(self.model.rows()) if keep and r.id == keep.id), 0)
        if self.model.rowCount():
            self.table.selectRow(target)
        self._update_buttons()

    def selected_user(self) -> UserRow | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.row_at(rows[0].row()) if rows else None

    def select_login(self, login_id: str) -> None:
        """Select a user by ID (used after adding one, and by tests)."""
        for i, row in enumerate(self.model.rows()):
            if row.login_id == login_id:
                self.table.selectRow(i)
                return

    def _update_buttons(self) -> None:
        row = self.selected_user()
        own = row is not None and row.id == self.ctx.actor.user_id
        for button in (self.edit_button, self.reset_button):
            button.setEnabled(row is not None)
        self.lock_button.setText("잠금 해제" if row is not None and row.locked else "잠금")
        self.active_button.setText("사용 재개" if row is not None and not row.active else "사용 중지")
        # The services refuse locking or stopping oneself; say so before the click, not after.
        self.lock_button.setEnabled(row is not None and not own)
        self.active_button.setEnabled(row is not None and not own)
        self.lock_button.setToolTip("자기 자신은 잠글 수 없습니다." if own else "")
        self.active_button.setToolTip("자기 자신은 사용 중지할 수 없습니다." if own else "")

    # --- actions -------------------------------------------------------------------------------

    def add_user(self) -> None:
        self._open(UserDialog(self.ctx, None, self))

    def edit_selected(self) -> None:
        """Double-click or Enter: an administrator edits the row; anyone else edits themself."""
        if not self.ctx.actor.is_admin:
            self.edit_self()
            return
        row = self.selected_user()
        if row is not None:
            self._open(UserDialog(self.ctx, row, self))

    def edit_self(self) -> None:
        own = next((r for r in self.model.rows() if r.id == self.ctx.actor.user_id), None)
        if own is None:
            own = auth.get_user(self.ctx.db, self.ctx.actor, self.ctx.actor.user_id or 0, now=self.ctx.clock)
        self._open(UserDialog(self.ctx, own, self))

    def reset_selected(self) -> None:
        row = self.selected_user()
        if row is None or not confirm(
            self,
            f"{row.name}({row.login_id})의 비밀번호를 처음 비밀번호 000000으로 초기화할까요?\n"
            "잠금도 풀리며, 다음 로그인 때 새 비밀번호를 정해야 합니다.",
            "비밀번호 초기화",
        ):
            return
        if run_guarded(self, lambda: auth.reset_password(self.ctx.db, self.ctx.actor, row.id)):
            self._done(f"{row.login_id}: 비밀번호를 000000으로 초기화했습니다. 다음 로그인 때 새 비밀번호를 정해야 합니다.")

    def toggle_lock_selected(self) -> None:
        row = self.selected_user()
        if row is None:
            return
        lock = not row.locked
        if lock and not confirm(
            self, f"{row.name}({row.login_id})을(를) 잠글까요?\n잠금을 해제할 때까지 로그인할 수 없습니다.", "사용자 잠금"
        ):
            return
        if run_guarded(self, lambda: auth.set_locked(self.ctx.db, self.ctx.actor, row.id, lock, now=self.ctx.clock)):
            self._done(f"{row.login_id}: {'잠갔습니다' if lock else '잠금을 해제했습니다'}.")

    def toggle_active_selected(self) -> None:
        row = self.selected_user()
        if row is None:
            return
        active = not row.active
        if not active and not confirm(
            self,
            f"{row.name}({row.login_id})의 사용을 중지할까요?\n사용 재개할 때까지 로그인할 수 없습니다. "
            "기록은 그대로 남습니다.",
            "사용 중지",
        ):
            return
        if run_guarded(self, lambda: auth.set_active(self.ctx.db, self.ctx.actor, row.id, active)):
            self._done(f"{row.login_id}: {'사용을 재개했습니다' if active else '사용을 중지했습니다'}.")

    # --- plumbing ------------------------------------------------------------------------------

    def _open(self, dialog: QDialog) -> None:
        """Window-modal but not blocking (`open`, not `exec`), so the page reacts to `accepted`."""
        self.active_dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._after_dialog(dialog))
        dialog.finished.connect(lambda _result: self._forget(dialog))
        dialog.open()

    def _forget(self, dialog: QDialog) -> None:
        if self.active_dialog is dialog:
            self.active_dialog = None

    def _after_dialog(self, dialog: QDialog) -> None:
        self.refresh()
        login_id = getattr(dialog, "saved_login_id", "")
        if login_id:
            self.select_login(login_id)
        self._done(getattr(dialog, "done_message", "") or "저장했습니다.", reload=False)

    def _done(self, message: str, *, reload: bool = True) -> None:
        if reload:
            self.refresh()
        self.status.setText(message)
        self.ctx.signals.status_message.emit(message)
        self.ctx.signals.data_changed.emit("users")
