"""고객관리 > 고객관리: the customer list, search and filters, 신규등록 and 엑셀 다운로드.

The list is a `CustomerTableModel` that fetches 200 rows at a time, so it opens at once over
100,000 customers. Searching waits for a short pause in typing (or Enter) before asking the
database; filters apply as soon as they change. Double-click or Enter opens the 고객 상세정보.

엑셀 다운로드 runs in a worker thread with a progress bar and 취소: a big list takes seconds, and
the window must stay usable meanwhile. Everyone may download; numbers are masked unless an
administrator ticks 개인정보 포함, and every download is audited by the export service.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QWidget,
)

from app.models import CustomerType, RegistrationState
from app.services.customers import exports
from app.services.customers import records as customers
from app.services.customers.records import CustomerQuery
from app.views.common.base import Page, hint_label, show_error
from app.views.common.column_fit import fit_columns, set_elastic
from app.views.common.context import AppContext
from app.views.common.empty_state import EmptyState
from app.views.common.save_target import checked_save_path
from app.views.common.workers import Job
from app.views.customers.customer_detail import CustomerDetailDialog
from app.views.customers.customer_dialog import CustomerDialog
from app.views.customers.customer_table_model import (
    COLUMNS,
    CustomerTableModel,
    column_for_sort,
)

SEARCH_DELAY_MS = 300
ALL = "전체"


class CustomersPage(Page):
    title = "고객관리"
    key = "customers.list"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.active_dialog: QDialog | None = None
        self.export_job: Job | None = None
        self.last_export: exports.ExportResult | None = None
        self._loaded_contract: int | None = None

        self.search = QLineEdit()
        self.search.setPlaceholderText("고객번호, 고객명, 전화·휴대번호 또는 계좌번호")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(300)
        self.search.setMaximumWidth(520)
        self.search_button = QPushButton("검색")
        self.type_filter = QComboBox()
        self.type_filter.addItem(ALL, None)
        for kind in CustomerType:  # data as plain values: Qt hands a str enum back as str anyway
            self.type_filter.addItem(kind.label, kind.value)
        self.grade_filter = QComboBox()
        self.grade_filter.setMinimumWidth(90)
        self.item_filter = QComboBox()
        self.item_filter.setMinimumWidth(90)
        self.state_filter = QComboBox()
        self.state_filter.addItem(ALL, None)
        for state in (RegistrationState.WAITING, RegistrationState.SENT, RegistrationState.DONE, RegistrationState.FAILED):
            self.state_filter.addItem(state.label, state.value)
        self.inactive = QCheckBox("사용중지 고객 포함")

        self.new_button = QPushButton("신규등록")
        self.new_button.setProperty("primary", True)
        self.new_button.setVisible(ctx.actor.can_edit)
        self.export_button = QPushButton("엑셀 다운로드")
        self.unmasked = QCheckBox("주민·계좌번호 전체 포함")
        self.unmasked.setToolTip("관리자만 선택할 수 있습니다. 내려받은 기록이 감사 기록에 남습니다.")
        self.unmasked.setVisible(ctx.actor.is_admin)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress.setMaximumWidth(220)
        self.cancel_button = QPushButton("취소")
        self.cancel_button.setVisible(False)

        self.model = CustomerTableModel(self._fetch, self._count, parent=self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.sortIndicatorChanged.connect(self._sort_clicked)
        # Columns fit their text (fit_columns, after each load); on a narrow screen the grade and the
        # lists of a customer's items and accounts give up width first, whole in their tooltips.
        set_elastic(self.table, *(i for i, c in enumerate(COLUMNS) if c.header in ("등급", "집금항목", "계좌번호")))
        self.empty = EmptyState(self.table, ctx)
        self.total_label = QLabel("총 0명")
        self.total_label.setObjectName("headerInfo")
        self.status = hint_label("")

        # Two rows, so the whole filter fits a 1024-wide screen: the search, then the four choices.
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.search_button)
        filters.addSpacing(8)
        filters.addWidget(self.inactive)
        filters.addStretch(0)
        choices = QHBoxLayout()
        for label, combo in (("고객구분", self.type_filter), ("고객등급", self.grade_filter),
                             ("집금항목", self.item_filter), ("계좌신청 상태", self.state_filter)):
            choices.addWidget(QLabel(label))
            choices.addWidget(combo)
            choices.addSpacing(10)
        choices.addStretch(1)
        actions = QHBoxLayout()
        actions.addWidget(self.new_button)
        actions.addStretch(1)
        actions.addWidget(self.progress)
        actions.addWidget(self.cancel_button)
        actions.addWidget(self.unmasked)
        actions.addWidget(self.export_button)
        footer = QHBoxLayout()
        footer.addWidget(self.total_label)
        footer.addSpacing(16)
        footer.addWidget(self.status, 1)

        self.body.addLayout(filters)
        self.body.addLayout(choices)
        self.body.addLayout(actions)
        self.body.addWidget(self.table, 1)
        self.body.addLayout(footer)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self.apply_filters)
        self.search_button.clicked.connect(self.apply_filters)
        for combo in (self.type_filter, self.grade_filter, self.item_filter, self.state_filter):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filters())
        self.inactive.toggled.connect(lambda _on: self.apply_filters())
        self.model.total_changed.connect(lambda total: self.total_label.setText(f"총 {total:,}명"))
        self.new_button.clicked.connect(self.new_customer)
        self.export_button.clicked.connect(self.export)
        self.cancel_button.clicked.connect(self.cancel_export)
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut = QShortcut(QKeySequence(key), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self.open_selected)
        ctx.signals.data_changed.connect(self._on_data_changed)

    # --- loading ------------------------------------------------------------------------------

    def _fetch(self, query: CustomerQuery, offset: int, limit: int) -> list[customers.CustomerListRow]:
        if self.ctx.contract_id is None:
            return []
        return customers.list_page(self.ctx.db, self.ctx.actor, self.ctx.contract_id, query, offset=offset,
                                   limit=limit, data_key=self.ctx.data_key)

    def _count(self, query: CustomerQuery) -> int:
        if self.ctx.contract_id is None:
            return 0
        return customers.count_customers(self.ctx.db, self.ctx.actor, self.ctx.contract_id, query, self.ctx.data_key)

    def refresh(self) -> None:
        """Shown or contract changed: refill the filters once per contract, then reload the list."""
        if self.ctx.contract_id is None:
            self.status.setText("계약정보를 먼저 선택하세요.")
            return
        if self._loaded_contract != self.ctx.contract_id:
            self._fill_filters()
            self._loaded_contract = self.ctx.contract_id
        self.apply_filters()

    def _fill_filters(self) -> None:
        assert self.ctx.contract_id is not None
        options = customers.filter_options(self.ctx.db, self.ctx.actor, self.ctx.contract_id)
        for combo, entries in ((self.grade_filter, [(g, g) for g in options.grades]),
                               (self.item_filter, [(name, item_id) for item_id, name in options.items])):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(ALL, None)
            for text, data in entries:
                combo.addItem(text, data)
            combo.setCurrentIndex(max(0, combo.findData(current)) if current is not None else 0)
            combo.blockSignals(False)

    def current_query(self) -> CustomerQuery:
        return CustomerQuery(
            search=self.search.text().strip(),
            customer_type=CustomerType(kind) if (kind := self.type_filter.currentData()) else None,
            grade=self.grade_filter.currentData(),
            item_id=self.item_filter.currentData(),
            registration_state=RegistrationState(state) if (state := self.state_filter.currentData()) else None,
            include_inactive=self.inactive.isChecked(),
            sort=self.model.query.sort,
            descending=self.model.query.descending,
        )

    def apply_filters(self) -> None:
        self._search_timer.stop()
        try:
            self.model.set_query(self.current_query())
        except Exception as error:  # noqa: BLE001 - a database that went away must not close the screen
            show_error(self, error)
            return
        column = column_for_sort(self.model.query.sort)
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(column, Qt.SortOrder.DescendingOrder if self.model.query.descending
                                else Qt.SortOrder.AscendingOrder)
        header.blockSignals(False)
        fit_columns(self.table, padding=12, maximum=240)
        if self.model.rowCount():
            self.table.selectRow(0)
        self._show_empty()

    def _show_empty(self) -> None:
        """No rows: with no filter set, where customers come from (with the buttons); with one, the filter's words."""
        text = self.search.text().strip()
        if self.model.total:
            self.empty.clear()
            self.status.setText(f"'{text}' 검색 결과" if text else "")
            return
        query = self.current_query()
        if text or query.customer_type or query.grade or query.item_id is not None or query.registration_state:
            message = f"'{text}'(으)로 찾은 고객이 없습니다." if text else "조건에 맞는 고객이 없습니다."
            self.empty.show_filtered(message)
        elif not query.include_inactive and self._count(replace(query, include_inactive=True)):
            message = "사용 중인 고객이 없습니다. 사용중지한 고객은 '사용중지 고객 포함'을 체크하면 보입니다."
            self.empty.show_filtered(message)
        elif self.ctx.actor.can_edit:
            message = "아직 고객이 없습니다 — 신규등록 또는 일괄등록"
            self.empty.show_empty(message, "한 명씩은 [신규등록], 여러 명은 [일괄등록]에서 엑셀 양식을 받아 채운 뒤 올립니다.",
                                  [("신규등록", self.new_customer), ("일괄등록", "customers.import")])
        else:
            message = "아직 고객이 없습니다."
            self.empty.show_empty(message, "관리자나 담당자가 고객을 등록하면 여기에 나옵니다.")
        self.status.setText(message)

    def _sort_clicked(self, section: int, order: Qt.SortOrder) -> None:
        """Server-side sort for indexed columns; a click on any other header changes nothing."""
        key = COLUMNS[section].sort_key
        if key is None:
            self.apply_filters()  # puts the indicator back on the real sort column
            self.status.setText(f"'{COLUMNS[section].header}' 열로는 정렬할 수 없습니다.")
            return
        self.model.sort_by(key, order == Qt.SortOrder.DescendingOrder)
        fit_columns(self.table, padding=12, maximum=240)  # the sort arrow moved to another title

    def _on_data_changed(self, topic: str) -> None:
        if topic in ("customers", "items") and self.isVisible():
            if topic == "items":
                self._loaded_contract = None
            self.refresh()

    # --- actions -----------------------------------------------------------------------------

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        row = self.model.row_at(rows[0].row()) if rows else None
        return row.id if row else None

    def open_selected(self) -> None:
        customer_id = self.selected_id()
        if customer_id is not None:
            self._open(CustomerDetailDialog(self.ctx, customer_id, self))

    def new_customer(self) -> None:
        if self.ctx.contract_id is None:
            self.status.setText("계약정보를 먼저 선택하세요.")
            return
        self._open(CustomerDialog(self.ctx, None, self))

    def _open(self, dialog: QDialog) -> None:
        """Window-modal but not blocking (`open`, not `exec`): the list reloads when it closes."""
        self.active_dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self._after_dialog(dialog))
        dialog.open()

    def _after_dialog(self, dialog: QDialog) -> None:
        saved_id = getattr(dialog, "saved_id", None)
        message = getattr(dialog, "done_message", "")
        # Keep `active_dialog` pointing at the closed dialog until the next one replaces it: dropping
        # the last Python reference here, before Qt's deferred delete, crashes PySide.
        if saved_id is None and not getattr(dialog, "changed", False):
            return
        self.ctx.signals.data_changed.emit("customers")
        if saved_id is not None and self.model.row_of(saved_id) >= 0:
            self.table.selectRow(self.model.row_of(saved_id))
        if message:
            self.status.setText(message)
            self.ctx.signals.status_message.emit(message)
        if isinstance(dialog, CustomerDialog) and saved_id is not None:
            self._open(CustomerDetailDialog(self.ctx, saved_id, self))  # next: its 이체정보 (the manual's order)

    # --- export ------------------------------------------------------------------------------

    def ask_export_path(self) -> str:
        """The file to write (a modal save dialog; tests replace this method)."""
        suggested = str(Path.home() / f"고객목록_{date.today():%Y%m%d}.xlsx")
        path, _filter = QFileDialog.getSaveFileName(self, "엑셀 다운로드", suggested, "Excel 통합 문서 (*.xlsx)")
        if path and not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        return path

    def export(self) -> None:
        if self.ctx.contract_id is None or self.export_job is not None:
            return
        path = self.ask_export_path()
        if not path or checked_save_path(self, self.ctx.db, path, "엑셀 다운로드") is None:
            return
        unmasked = self.ctx.actor.is_admin and self.unmasked.isChecked()
        db, actor, contract_id, key = self.ctx.db, self.ctx.actor, self.ctx.contract_id, self.ctx.data_key
        query = self.model.query
        job = Job.reporting(lambda progress, cancelled: exports.export_customers(
            db, actor, contract_id, path, query=query, unmasked=unmasked, data_key=key,
            progress=progress, cancelled=cancelled, force=True))  # the save dialog asked before replacing
        job.on_progress(self._export_progress)
        job.signals.finished.connect(self._export_done)
        job.signals.failed.connect(self._export_failed)
        self.export_job = job
        self.progress.setRange(0, max(1, self.model.total))
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.export_button.setEnabled(False)
        self.status.setText("엑셀 파일을 만드는 중입니다…")
        job.start()

    def cancel_export(self) -> None:
        if self.export_job is not None:
            self.export_job.cancel()
            self.status.setText("취소하는 중입니다…")

    def _export_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)

    def _export_finished(self) -> None:
        self.export_job = None
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.export_button.setEnabled(True)

    def _export_done(self, result: exports.ExportResult) -> None:
        self._export_finished()
        self.last_export = result
        masked = "개인정보 포함" if result.unmasked else "개인정보는 가려서"
        message = f"고객 {result.rows:,}명을 {masked} 저장했습니다: {result.path}"
        self.status.setText(message)
        self.ctx.signals.status_message.emit(message)

    def _export_failed(self, error: BaseException) -> None:
        self._export_finished()
        if isinstance(error, exports.ExportCancelled):
            self.status.setText(error.message)
            return
        self.status.setText("엑셀 다운로드를 하지 못했습니다.")
        if isinstance(error, OSError):
            self.status.setText("파일을 저장할 수 없습니다. 같은 파일이 엑셀에서 열려 있다면 닫고, "
                                "다른 폴더나 이름으로 다시 하세요.")
        elif isinstance(error, Exception):
            show_error(self, error)
