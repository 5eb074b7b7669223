"""Shared pieces of every screen: a page base class, message boxes and small form helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from app.services.common.errors import ServiceError
from app.services.common.validation import ValidationError
from app.views.common.context import AppContext


class Page(QWidget):
    """A screen of the menu tree. Subclasses build their layout and reload from services on `refresh`."""

    title: str = ""
    key: str = ""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName(self.key or type(self).__name__)
        self._outer = QVBoxLayout(self)
        self._outer.setContentsMargins(12, 12, 12, 12)
        self._outer.setSpacing(10)
        heading = QLabel(self.title)
        heading.setObjectName("pageTitle")
        self._outer.addWidget(heading)
        ctx.signals.contract_changed.connect(self._on_contract_changed)

    @property
    def body(self) -> QVBoxLayout:
        return self._outer

    def refresh(self) -> None:
        """Reload what the page shows; called when shown and when the contract changes."""

    def _on_contract_changed(self, _contract_id: int) -> None:
        if self.isVisible():
            self.refresh()

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        self.refresh()


def show_error(parent: QWidget | None, error: Exception, title: str = "확인") -> None:
    """Show a refused operation the way a clerk can act on it."""
    if isinstance(error, ValidationError):
        text = f"{error.field}: {error.message}"
    elif isinstance(error, ServiceError):
        text = error.message
    else:
        text = f"처리 중 오류가 발생했습니다. ({type(error).__name__})"
    QMessageBox.warning(parent, title, text)


def run_guarded(parent: QWidget | None, action: Callable[[], Any], *, done: str | None = None) -> bool:
    """Run a service call; show its refusal as a message box. Returns True when it went through."""
    try:
        action()
    except (ServiceError, ValidationError) as error:
        show_error(parent, error)
        return False
    if done:
        QMessageBox.information(parent, "완료", done)
    return True


def confirm(parent: QWidget | None, text: str, title: str = "확인") -> bool:
    answer = QMessageBox.question(parent, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def grow_to_fit(window: QWidget) -> None:
    """Make room for a line that just appeared (an error under a form) instead of squeezing the rows
    above it: a shown window grows to the height its layout wants at its present width. Qt does not
    do this by itself for a wrapped label, whose height depends on its width."""
    layout = window.layout()
    if layout is None or not window.isVisible():
        return  # not shown yet: it opens at the size its layout wants anyway
    layout.activate()
    want = layout.totalHeightForWidth(window.width()) if layout.hasHeightForWidth() else layout.totalSizeHint().height()
    want = max(want, layout.totalMinimumSize().height())
    if window.height() < want:
        window.resize(window.width(), want)


def hline() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


def button_row(*widgets: QWidget, stretch_first: bool = True) -> QHBoxLayout:
    row = QHBoxLayout()
    if stretch_first:
        row.addStretch(1)
    for widget in widgets:
        row.addWidget(widget)
    return row


def hint_label(text: str, *, warning: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setObjectName("warningText" if warning else "hintText")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
