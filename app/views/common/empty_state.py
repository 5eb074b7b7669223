"""What an empty list says: the next thing to do when there is nothing yet, the filter when it hides all.

A new clerk who opens 고객관리 and reads "조건에 맞는 고객이 없습니다" thinks a filter is wrong;
the truth is that there are no customers yet, and the useful answer is where they come from. Every
list screen therefore tells the two cases apart: with no filter set, `EmptyState` says what to do
next and offers the buttons that do it ("아직 고객이 없습니다 — 신규등록 또는 일괄등록"); with a
filter set, it keeps the filter wording and offers nothing. The message is drawn over the empty
table's viewport, centred, so no screen's layout moves, and it hides as soon as there are rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from app.services.customers import records as customers
from app.services.customers.records import CustomerQuery
from app.views.common.context import AppContext

STYLE = """
QFrame#emptyState { background: transparent; border: none; }
QFrame#emptyState QLabel#emptyText { color: #4a5a6a; font-size: 11pt; }
QFrame#emptyState QLabel#emptyHint { color: #6b7785; }
"""

Action = str | Callable[[], None]
"""A page key to open (app/views/shell/menu.py) or a callable of the screen itself (신규등록)."""

PAGE_CUSTOMERS = "customers.list"
PAGE_IMPORT = "customers.import"
NO_CUSTOMERS = "아직 고객이 없습니다 — 신규등록 또는 일괄등록"
NO_CUSTOMERS_HINT = "고객관리 › 신규등록으로 한 명씩, 일괄등록으로 엑셀 양식을 받아 여러 명을 한 번에 넣습니다."


def has_customers(ctx: AppContext) -> bool:
    """Whether the chosen contract has any customer at all, in use or not (one COUNT)."""
    if ctx.contract_id is None:
        return False
    return customers.count_customers(ctx.db, ctx.actor, ctx.contract_id, CustomerQuery(include_inactive=True)) > 0


def customer_actions(ctx: AppContext) -> list[tuple[str, Action]]:
    """[고객관리 ›] [일괄등록 ›] for whoever may register customers; nothing for a viewer."""
    if not ctx.actor.can_edit:
        return []
    return [("고객관리 (신규등록) ›", PAGE_CUSTOMERS), ("일괄등록 ›", PAGE_IMPORT)]


class EmptyState(QFrame):
    """A message, an optional hint and buttons, centred over `table`'s viewport while the list is empty."""

    MAX_WIDTH = 560

    def __init__(self, table: QAbstractScrollArea, ctx: AppContext) -> None:
        super().__init__(table.viewport())
        self.ctx = ctx
        self.table = table
        self.buttons: dict[str, QPushButton] = {}
        self.setObjectName("emptyState")
        self.setStyleSheet(STYLE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(8)
        self.text = QLabel()
        self.text.setObjectName("emptyText")
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = QLabel()
        self.hint.setObjectName("emptyHint")
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.row = QHBoxLayout()
        self.row.setSpacing(8)
        layout.addWidget(self.text)
        layout.addWidget(self.hint)
        layout.addLayout(self.row)
        table.viewport().installEventFilter(self)
        self.hide()

    def show_empty(self, text: str, hint: str = "", actions: Sequence[tuple[str, Action]] = ()) -> None:
        """Show `text` (and `hint`, and a button per action) over the empty list."""
        self.text.setText(text)
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
        while self.row.count():
            item = self.row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
        self.buttons = {}
        if actions:
            self.row.addStretch(1)
            for label, action in actions:
                button = QPushButton(label)
                button.clicked.connect(lambda _=False, a=action: self._run(a))
                self.buttons[label] = button
                self.row.addWidget(button)
                button.show()
            self.row.addStretch(1)
        self.show()
        self.raise_()
        self._place()

    def show_filtered(self, text: str) -> None:
        """A filter hides every row: say so in the filter's words, with no button."""
        self.show_empty(text)

    def show_no_customers(self, hint: str = NO_CUSTOMERS_HINT) -> None:
        """The office has no customer yet: every list is empty for that one reason; say where they come from."""
        self.show_empty(NO_CUSTOMERS, hint if self.ctx.actor.can_edit else "관리자나 담당자가 고객을 등록하면 나옵니다.",
                        customer_actions(self.ctx))

    def clear(self) -> None:
        self.hide()

    @property
    def message(self) -> str:
        """The text shown, '' when hidden (tests read it)."""
        return self.text.text() if not self.isHidden() else ""

    def _run(self, action: Action) -> None:
        if isinstance(action, str):
            self.ctx.signals.open_page.emit(action)
        else:
            action()

    def _place(self) -> None:
        viewport = self.table.viewport()
        width = min(self.MAX_WIDTH, max(viewport.width() - 24, 200))
        self.setFixedWidth(width)
        self.adjustSize()
        height = min(self.sizeHint().height(), max(viewport.height(), self.minimumSizeHint().height()))
        self.resize(width, height)
        self.move(max((viewport.width() - width) // 2, 0), max((viewport.height() - height) // 3, 0))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.Resize and not self.isHidden():
            self._place()
        return False
