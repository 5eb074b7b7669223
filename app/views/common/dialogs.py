"""The button rows at the foot of the dialogs: `accept_row` (저장/등록/확인 … beside 취소) and
`close_row` (a lone 닫기); and `open_dialog`, how a page opens one without blocking.

One helper so that every dialog's row has the same order, roles and look: the platform places the
accepting button and 취소 where its users expect them (QDialogButtonBox), the accepting button is
drawn as the primary action, and Enter presses it where the dialog asks for that (`default`).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton

CANCEL = "취소"
CLOSE = "닫기"


@dataclass(frozen=True)
class ButtonRow:
    """A dialog's button row: the box to lay out and its two buttons, for enabling or renaming."""

    box: QDialogButtonBox
    accept: QPushButton
    reject: QPushButton

    def add_action(self, text: str) -> QPushButton:
        """A further button beside the two (집금항목관리 열기, 비밀번호 변경…); the caller connects it."""
        return self.box.addButton(text, QDialogButtonBox.ButtonRole.ActionRole)


def accept_row(accept_text: str, on_accept: Callable[[], object], on_reject: Callable[[], object], *,
               reject_text: str = CANCEL, primary: bool = True, default: bool = True) -> ButtonRow:
    """`accept_text` (the accept role) and `reject_text` (the reject role, 취소 unless told).

    `primary` draws the accepting button as the screen's main action; `default` makes Enter press
    it. A dialog whose Enter must not accept (a list to choose from, a 해지) passes `default=False`.
    """
    box = QDialogButtonBox()
    accept = box.addButton(accept_text, QDialogButtonBox.ButtonRole.AcceptRole)
    if primary:
        accept.setProperty("primary", True)
    if default:
        accept.setDefault(True)
    reject = box.addButton(reject_text, QDialogButtonBox.ButtonRole.RejectRole)
    box.accepted.connect(on_accept)
    box.rejected.connect(on_reject)
    return ButtonRow(box, accept, reject)


def close_row(on_close: Callable[[], object]) -> QDialogButtonBox:
    """A lone 닫기 (the reject role), for a dialog that only shows things."""
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    box.button(QDialogButtonBox.StandardButton.Close).setText(CLOSE)
    box.rejected.connect(on_close)
    return box


class DialogOwner(Protocol):
    """A page that keeps the dialog it opened, for its own safety and for tests to reach it."""

    active_dialog: QDialog | None


# Which `open_dialog` call each owner's `active_dialog` comes from, so that a dialog destroyed after
# the next one was opened does not clear the newer one. Weak: the map never keeps a page alive.
_latest: weakref.WeakKeyDictionary[DialogOwner, object] = weakref.WeakKeyDictionary()


def open_dialog(owner: DialogOwner, dialog: QDialog, *, accepted: Callable[[], None] | None = None,
                finished: Callable[[], None] | None = None) -> None:
    """Open `dialog` window-modal without blocking (`open`, not `exec`) as `owner.active_dialog`.

    The page keeps its reference until Qt has destroyed the dialog: dropping the last Python
    reference to a closed but not yet deleted dialog lets PySide free parts of it early, and the
    deferred delete then crashes. The callbacks must not capture the dialog for the same reason.
    """
    token = object()
    owner.active_dialog = dialog
    _latest[owner] = token

    def forget(*_args: object) -> None:
        if _latest.get(owner) is token:
            owner.active_dialog = None

    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if accepted is not None:
        dialog.accepted.connect(accepted)
    if finished is not None:
        dialog.finished.connect(lambda _result: finished())
    dialog.destroyed.connect(forget)
    dialog.open()
