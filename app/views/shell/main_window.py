"""The main window: the manual's menu tree on the left, the chosen screen on the right.

The header holds the contract selector (one installation may hold several contracts), the user
and role, and today's business date, because every screen's meaning depends on those three.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.services.common.calendar import BusinessCalendar
from app.services.common.errors import ServiceError
from app.services.common.formats import weekday
from app.services.customers import agreements
from app.services.home import notifications
from app.services.settings import contracts
from app.views.common.base import Page
from app.views.common.context import AppContext
from app.views.common.prefs import view_settings
from app.views.shell.menu import BEYOND_MANUAL, MANUAL_MENU, MenuEntry
from app.views.shell.pages import ADMIN_ONLY, PageFactory, page_factories
from app.views.shell.tray import NotificationTray

KEY_ROLE = Qt.ItemDataRole.UserRole
HOME_KEY = "home"
HOME_LABEL = "오늘 할 일"


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, factories: dict[str, PageFactory] | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.factories = factories if factories is not None else page_factories()
        self.pages: dict[str, Page] = {}
        self.logout_requested = False
        self.setWindowTitle(f"KSCMS desk {__version__}")
        self.setMinimumSize(1024, 640)

        self.contract_combo = QComboBox()
        self.contract_combo.setMinimumWidth(260)
        self.contract_combo.setToolTip("계약정보를 선택")
        self.user_label = QLabel()
        self.user_label.setObjectName("headerInfo")
        self.date_label = QLabel()
        self.date_label.setObjectName("headerInfo")

        header = QWidget()
        header.setObjectName("appHeader")
        header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        row = QHBoxLayout(header)
        row.setContentsMargins(12, 6, 12, 6)
        row.addWidget(QLabel("계약정보를 선택"))
        row.addWidget(self.contract_combo)
        row.addStretch(1)
        row.addWidget(self.date_label)
        row.addSpacing(18)
        row.addWidget(self.user_label)

        self.tree = QTreeWidget()
        self.tree.setObjectName("menuTree")
        self.tree.setHeaderHidden(True)
        self.tree.setIndentation(14)
        self.stack = QStackedWidget()
        self.empty = QLabel("왼쪽 메뉴에서 화면을 선택하세요.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.empty)

        splitter = self.splitter = QSplitter()
        splitter.addWidget(self.tree)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)

        self._build_menu_bar()
        self._build_tree()
        self._fit_menu()
        self._load_contracts()
        self._show_identity()
        self.contract_combo.currentIndexChanged.connect(self._contract_chosen)
        self.tree.currentItemChanged.connect(self._tree_moved)
        ctx.signals.data_changed.connect(self._data_changed)
        ctx.signals.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        ctx.signals.open_page.connect(self.open_page)
        self.statusBar().showMessage("준비")
        self._restore()
        self.tray = NotificationTray(ctx, self)
        self.tray.start()

    # --- construction --------------------------------------------------------------------

    def _build_menu_bar(self) -> None:
        file_menu = self.menuBar().addMenu("파일(&F)")
        password = QAction("비밀번호 변경…", self)
        password.triggered.connect(self._change_password)
        logout = QAction("로그아웃", self)
        logout.triggered.connect(self._logout)
        quit_action = QAction("종료", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        self.notify_action = QAction("알림 받기 (마감·결과·송신 오류)", self)
        self.notify_action.setCheckable(True)
        self.notify_action.setChecked(notifications.is_enabled(self.ctx.db, self.ctx.actor))
        self.notify_action.toggled.connect(self._toggle_notifications)
        file_menu.addActions([password, self.notify_action, logout])
        if self.ctx.actor.is_admin:  # 백업 / 복원 (app/views/shell/backup_dialogs.py)
            from app.views.shell.backup_dialogs import backup_actions

            file_menu.addSeparator()
            file_menu.addActions(backup_actions(self, self.ctx))
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu("도움말(&H)")
        about = QAction("KSCMS desk 정보", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def visible_entries(self) -> list[tuple[str, list[MenuEntry]]]:
        """The manual's groups with the entries this user may open and a page serves, in order."""
        groups: list[tuple[str, list[MenuEntry]]] = []
        for group in MANUAL_MENU:
            entries = [e for e in group.entries if self._allowed(e.key)]
            entries += [e for e in BEYOND_MANUAL.get(group.key, ()) if self._allowed(e.key)]
            if entries or (not group.entries and self._allowed(group.key)):
                groups.append((group.label, entries))
        return groups

    def _allowed(self, key: str) -> bool:
        if key not in self.factories:
            return False
        return not (key in ADMIN_ONLY and not self.ctx.actor.is_admin)

    def _build_tree(self) -> None:
        self.tree.clear()
        if self._allowed(HOME_KEY):  # above the manual's groups, which follow unchanged
            home = QTreeWidgetItem([HOME_LABEL])
            home.setData(0, KEY_ROLE, HOME_KEY)
            self.tree.addTopLevelItem(home)
        group_keys = {g.label: g.key for g in MANUAL_MENU}
        for label, entries in self.visible_entries():
            top = QTreeWidgetItem([label])
            top.setData(0, KEY_ROLE, group_keys[label] if not entries else "")
            self.tree.addTopLevelItem(top)
            for entry in entries:
                child = QTreeWidgetItem([entry.label])
                child.setData(0, KEY_ROLE, entry.key)
                top.addChild(child)
        self.tree.expandAll()

    def _fit_menu(self) -> None:
        """The menu only as wide as its longest entry, indented: on a 1024-wide screen the lists need
        every pixel beside it."""
        self.tree.ensurePolished()
        width = self.tree.sizeHintForColumn(0) + 2 * self.tree.frameWidth() + 6
        # room for the scroll bar a short screen gives the tree, or it cuts the longest entries
        width += self.tree.verticalScrollBar().sizeHint().width()
        self.tree.setMinimumWidth(width)
        self.splitter.setSizes([width, max(width, self.width() - width)])

    def _load_contracts(self) -> None:
        self.contract_combo.blockSignals(True)
        self.contract_combo.clear()
        for row in contracts.list_contracts(self.ctx.db, self.ctx.actor):
            if row.active:
                self.contract_combo.addItem(f"{row.name} ({row.institution_code})", row.id)
        wanted = self.ctx.contract_id or view_settings().value("main/contract_id")
        index = self.contract_combo.findData(int(wanted)) if wanted else -1
        self.contract_combo.setCurrentIndex(max(index, 0))
        self.contract_combo.blockSignals(False)
        contract_id = self.contract_combo.currentData()
        if contract_id is not None:
            self.ctx.contract_id = int(contract_id)

    def _show_identity(self) -> None:
        actor = self.ctx.actor
        self.user_label.setText(f"{actor.name} ({actor.login_id}) · {actor.role.label}")
        today = self.ctx.clock().date()
        calendar = self._calendar()
        status = "영업일" if calendar.is_business_day(today) else f"휴일: {calendar.holiday_name(today) or '휴무'}"
        self.date_label.setText(f"{today:%Y-%m-%d} ({weekday(today)}) · {status}")

    def _calendar(self) -> BusinessCalendar:
        """The contract's calendar with the institution's own closed days; the bank calendar before
        any contract exists (a bare national calendar would call the office's closed day 영업일)."""
        if self.ctx.contract_id is None:
            return BusinessCalendar()
        try:
            return agreements.calendar_for(self.ctx.db, self.ctx.actor, self.ctx.contract_id)
        except ServiceError:
            return BusinessCalendar()

    # --- navigation ----------------------------------------------------------------------

    def open_page(self, key: str) -> bool:
        """Show the page for `key`, building it on first use. False when this user may not open it."""
        if not self._allowed(key):
            return False
        page = self.pages.get(key)
        if page is None:
            page = self.factories[key](self.ctx)
            self.pages[key] = page
            self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)
        self._select_tree_item(key)
        self.statusBar().showMessage(page.title)
        return True

    def current_key(self) -> str | None:
        widget = self.stack.currentWidget()
        return next((k for k, p in self.pages.items() if p is widget), None)

    def _select_tree_item(self, key: str) -> None:
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            if top is None:  # typed Optional for an index out of range; i never is
                continue
            candidates = [top] + [top.child(j) for j in range(top.childCount())]
            for item in candidates:
                if item is not None and item.data(0, KEY_ROLE) == key and self.tree.currentItem() is not item:
                    self.tree.blockSignals(True)
                    self.tree.setCurrentItem(item)
                    self.tree.blockSignals(False)
                    return

    def _tree_moved(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        key = current.data(0, KEY_ROLE) if current else None
        if key:
            self.open_page(str(key))

    def _contract_chosen(self, _index: int) -> None:
        contract_id = self.contract_combo.currentData()
        if contract_id is not None:
            self.ctx.set_contract(int(contract_id))
            self._show_identity()

    def _data_changed(self, topic: str) -> None:
        if topic == "contract":
            self._load_contracts()
            self._show_identity()
        elif topic == "users":  # 사용자정보수정 may have switched this user's notifications
            self.notify_action.blockSignals(True)
            self.notify_action.setChecked(notifications.is_enabled(self.ctx.db, self.ctx.actor))
            self.notify_action.blockSignals(False)

    # --- actions -------------------------------------------------------------------------

    def _change_password(self) -> None:
        from app.views.shell.password_dialog import PasswordDialog

        PasswordDialog(self.ctx.db, self.ctx.actor, parent=self).exec()

    def _toggle_notifications(self, enabled: bool) -> None:
        notifications.set_enabled(self.ctx.db, self.ctx.actor, enabled)
        self.tray.set_enabled(enabled)
        self.statusBar().showMessage("알림을 켰습니다." if enabled else "알림을 껐습니다.", 5000)

    def _logout(self) -> None:
        self.logout_requested = True
        self.close()

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "KSCMS desk 정보",
            f"KSCMS desk {__version__}\n대행 자동이체(CMS) 수납 관리 프로그램\n데이터베이스: {self.ctx.db.engine.url.get_backend_name()}",
        )

    # --- remembered state ----------------------------------------------------------------

    def _restore(self) -> None:
        prefs = view_settings()
        geometry = prefs.value("main/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        # After login the day starts on 오늘 할 일; the last screen is the fallback when it is absent.
        last = prefs.value("main/page")
        if self.open_page(HOME_KEY):
            return
        if not (isinstance(last, str) and self.open_page(last)):
            first = next((e.key for _, entries in self.visible_entries() for e in entries), None)
            if first:
                self.open_page(first)

    def save_state(self) -> None:
        prefs = view_settings()
        prefs.setValue("main/geometry", self.saveGeometry())
        key = self.current_key()
        if key:
            prefs.setValue("main/page", key)
        if self.ctx.contract_id is not None:
            prefs.setValue("main/contract_id", self.ctx.contract_id)
        prefs.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt naming)
        self.tray.stop()
        self.save_state()
        super().closeEvent(event)
