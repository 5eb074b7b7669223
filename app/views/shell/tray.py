"""The notification tray: shows what `services.notifications` decides, once per event per session.

A system tray icon lives while the main window does. Once a minute (and whenever `check_now` is
called — the scheduler's listener should call it after each pass) it asks `notifications.decide`
and shows the events it has not shown yet. Clicking a message opens its screen.

Where there is no system tray (a terminal server without one, offscreen tests, CI), the same
message goes to a link in the main window's status bar, which opens the screen when clicked: the
clerk still sees it, and nothing depends on the desktop having a tray.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMenu,
    QStyle,
    QSystemTrayIcon,
)

from app.services.home import notifications
from app.services.home.notifications import Notification, ShownEvents
from app.views.common.context import AppContext
from app.views.shell import destinations

log = logging.getLogger(__name__)

CHECK_MS = 60_000
LINK_WIDTH = 720
"""The most the status-bar link takes (px); the whole message is in its tooltip."""
MESSAGE_MS = 15_000
"""How long the tray balloon stays (the OS may shorten it)."""


class NotificationTray(QObject):
    """Shows the clerk's notifications in the system tray, or in the status bar when there is none.

    Args:
        ctx: the logged-in context (database, actor, clock, signals to open a page).
        window: the main window (its status bar is the fallback, its icon the tray's).
        system_tray: force the tray on or off; None asks `QSystemTrayIcon.isSystemTrayAvailable()`.
    """

    shown_changed = Signal()
    check_requested = Signal()  # thread-safe way in: the scheduler's listener emits this

    def __init__(self, ctx: AppContext, window: QMainWindow, *, system_tray: bool | None = None,
                 interval_ms: int = CHECK_MS) -> None:
        super().__init__(window)
        self.ctx = ctx
        self.window = window
        self.memory = ShownEvents()
        self.shown: list[Notification] = []
        self.last: Notification | None = None
        self.running = False
        available = QSystemTrayIcon.isSystemTrayAvailable() if system_tray is None else system_tray
        self.icon: QSystemTrayIcon | None = self._make_icon() if available else None
        self.status_link = QLabel("")
        self.status_link.setObjectName("notificationLink")
        self.status_link.setTextFormat(Qt.TextFormat.RichText)
        self.status_link.linkActivated.connect(self._open)
        self.status_link.setVisible(False)
        window.statusBar().addPermanentWidget(self.status_link)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check_now)
        self.check_requested.connect(self.check_now)

    @property
    def uses_system_tray(self) -> bool:
        return self.icon is not None

    def _make_icon(self) -> QSystemTrayIcon:
        icon = self.window.windowIcon()
        if icon.isNull():
            style = QApplication.style()
            icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation) if style else QIcon()
        tray = QSystemTrayIcon(icon, self)
        tray.setToolTip("KSCMS desk")
        menu = QMenu(self.window)
        self._action(menu, "창 열기", self._raise)
        self._action(menu, "오늘 할 일", lambda: self._open("home"))
        tray.setContextMenu(menu)
        tray.messageClicked.connect(lambda: self._open(destinations.page_key(self.last.destination) if self.last else "home"))
        tray.activated.connect(lambda reason: self._raise() if reason == QSystemTrayIcon.ActivationReason.Trigger
                               else None)
        return tray

    def _action(self, menu: QMenu, text: str, slot: Callable[[], None]) -> None:
        action = QAction(text, menu)
        action.triggered.connect(slot)
        menu.addAction(action)

    # --- running -------------------------------------------------------------------------------

    def start(self) -> None:
        """Show the icon and check once the window is up, then once a minute."""
        if self.icon is not None:
            self.icon.show()
        self.running = True
        self.timer.start()
        QTimer.singleShot(2_000, self, self.check_now)

    def stop(self) -> None:
        """The window is closing (logout, exit): no more checks, no icon left behind."""
        self.running = False
        self.timer.stop()
        if self.icon is not None:
            self.icon.hide()

    def set_enabled(self, enabled: bool) -> None:
        """The user's switch changed (the service stored it; `decide` reads it): hide what is shown."""
        if not enabled:
            self.status_link.setVisible(False)

    def check_now(self) -> list[Notification]:
        """Ask what to notify now, and show what was not shown yet; returns what was shown.

        A failing check is logged and skipped: a notification poll must never take the window down.
        """
        if not self.running:
            return []
        try:
            fresh = self.memory.fresh(notifications.decide(self.ctx.db, self.ctx.actor, self.ctx.clock()))
        except Exception:  # see the docstring
            log.exception("notification check failed")
            return []
        for note in fresh:
            self.show(note)
        return fresh

    def show(self, note: Notification) -> None:
        self.last = note
        self.shown.append(note)
        if self.icon is not None:
            kind = QSystemTrayIcon.MessageIcon.Warning if note.warning else QSystemTrayIcon.MessageIcon.Information
            self.icon.showMessage(note.title, note.message, kind, MESSAGE_MS)
        else:
            # Cut to a width the status bar can always give: a long label would widen the window.
            full = f"알림 · {note.title}: {note.message}"
            text = self.status_link.fontMetrics().elidedText(full, Qt.TextElideMode.ElideRight, LINK_WIDTH)
            colour = "#c0392b" if note.warning else "#1f3b5b"
            self.status_link.setText(f'<a href="{html.escape(destinations.page_key(note.destination))}" style="color:{colour};">'
                                     f"{html.escape(text)}</a>")
            self.status_link.setToolTip(f"{full}\n(누르면 해당 화면을 엽니다.)")
            self.status_link.setVisible(True)
        self.shown_changed.emit()

    # --- clicks ------------------------------------------------------------------------------

    def _open(self, page_key: str) -> None:
        self._raise()
        self.ctx.signals.open_page.emit(page_key)
        self.status_link.setVisible(False)

    def _raise(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()
