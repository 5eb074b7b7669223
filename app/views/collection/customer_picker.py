"""The household search of the dialogs that act on one customer (휴원 등록, 독촉 보류 등록): a search box,
its button, and the matching customers with the first one chosen."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.services.customers import records as customers
from app.services.customers.records import CustomerListRow, CustomerQuery
from app.views.collection.table_models import ALIGN_CENTER, Column, TickModel, fit, make_tick_table, search_box
from app.views.common.context import AppContext
from app.views.common.tables import MUTED

SEARCH_LIMIT = 100

CUSTOMER_COLUMNS = (
    Column("고객번호", lambda r: r.customer_no),
    Column("고객명", lambda r: r.name),
    Column("고객등급", lambda r: r.grade, ALIGN_CENTER),
    Column("집금항목", lambda r: r.items or "이체정보 없음", foreground=lambda r: None if r.items else MUTED),
)


class CustomerPicker:
    """The search row and the customer table; `moved` is called whenever the chosen customer may have changed.

    The dialog lays out `row` and `table` where it wants them (a hint or a form may sit between)."""

    def __init__(self, ctx: AppContext, contract_id: int, label: str, moved: Callable[[], None],
                 parent: QWidget) -> None:
        self.ctx = ctx
        self.contract_id = contract_id
        self.moved = moved
        self.search = search_box()
        self.search_button = QPushButton("검색")
        self.search_button.clicked.connect(self.find)
        self.search.returnPressed.connect(self.find)
        self.model = TickModel(CUSTOMER_COLUMNS, key=lambda r: r.id, ticks=False, parent=parent)
        self.table = make_tick_table(self.model)
        self.table.setMinimumHeight(150)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self.moved())
        self.row = QHBoxLayout()
        self.row.addWidget(QLabel(label))
        self.row.addWidget(self.search)
        self.row.addWidget(self.search_button)
        self.row.addStretch(1)

    def find(self) -> None:
        """The contract's customers matching the search (number, name, phone …), the first of them chosen."""
        rows = customers.list_page(self.ctx.db, self.ctx.actor, self.contract_id,
                                   CustomerQuery(search=self.search.text().strip()), limit=SEARCH_LIMIT,
                                   data_key=self.ctx.data_key)
        self.model.set_rows(rows)
        fit(self.table)
        if rows:
            self.table.selectRow(0)
        self.moved()

    def chosen(self) -> CustomerListRow | None:
        chosen = self.table.selectionModel().selectedRows()
        return self.model.row_at(chosen[0].row()) if chosen else None
