"""수납관리 > 이체의뢰결과: what the banks did with each request, totals per state, and the Excel download.

The period defaults to the manual's: debit dates from the 1st of this month to today. Two cells are
clickable, as in the manual: the 고객명 opens the 고객 상세정보, and 이체처리미완료 shows the
reason below the list, with the manual's note that reason codes are the banks' own and are shown
as closely as the system can word them. The totals per state are the service's (sums of the
ledger), so what the clerk reconciles here is what the ledger says.

엑셀 다운로드 runs in a worker thread: a month of an academy's results is quick, but a large
office's quarter is not, and the window must not freeze meanwhile. Accounts are masked in the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from app.models import RequestState
from app.services.collection import results
from app.services.collection.results import (
    ResultQuery,
    ResultRow,
    ResultsExport,
    ResultsView,
)
from app.services.common.errors import ServiceError
from app.services.common.formats import stamp_text
from app.views.collection.table_models import (
    ALIGN_CENTER,
    ALL,
    DONE_COLOUR,
    WAITING_COLOUR,
    Column,
    TickModel,
    bank_combo,
    contract_line,
    date_edit,
    debit_date_text,
    fill_items,
    fit,
    item_combo,
    make_tick_table,
    money_column,
    office_today,
    qdate_to_date,
    search_box,
    set_tone,
    update_contract_line,
)
from app.views.common.base import Page, hint_label, show_error
from app.views.common.context import AppContext
from app.views.common.date_pickers import mark_closed_days
from app.views.common.dialogs import open_dialog
from app.views.common.empty_state import EmptyState, has_customers
from app.views.common.save_target import checked_save_path
from app.views.common.tables import ALERT
from app.views.common.workers import Job
from app.views.customers.customer_detail import CustomerDetailDialog

RESULT_NOTE = "※ 이체결과는 이체의뢰 한 다음날[영업일기준] 11시에 확인 할 수 있습니다."
REASON_NOTE = ("미처리 사유코드는 은행마다 틀리며, 보여지는 사유내용은 은행에서 보내지는 코드를 KSCMS 전산에서 최대한 "
               "근접한 내용으로 변환해서 보여지는것이니, 자세한 내용은 은행으로 문의 하시기 바랍니다.")
STATE_CHOICES = (
    ("이체처리완료", (RequestState.DONE,)),
    ("이체처리미완료", (RequestState.FAILED, RequestState.PARTIAL)),
    ("이체의뢰중", (RequestState.SENT,)),
    ("이체의뢰대기", (RequestState.WAITING,)),
)
FAILED_TEXT = "이체처리미완료"
COLOURS = {"이체처리완료": DONE_COLOUR, FAILED_TEXT: ALERT, "이체의뢰대기": WAITING_COLOUR}

COLUMNS = (
    Column("출금일", debit_date_text, ALIGN_CENTER),
    Column("고객번호", lambda r: r.customer_no),
    Column("고객명", lambda r: r.customer_name),
    Column("집금항목", lambda r: r.item_name),
    Column("은행", lambda r: r.bank_name),
    Column("계좌번호", lambda r: r.account_masked, ALIGN_CENTER),
    money_column("의뢰금액", lambda r: r.amount),
    money_column("출금금액", lambda r: r.debited_amount),
    money_column("미출금액", lambda r: r.unpaid_amount, blank_zero=True),
    Column("진행상태", lambda r: r.state_text, ALIGN_CENTER, lambda r: COLOURS.get(r.state_text)),
    Column("결과수신", lambda r: stamp_text(r.result_at, "%m-%d %H:%M"), ALIGN_CENTER),
)


class ResultsPage(Page):
    """이체의뢰결과: requests of a period with their state, reason on click, totals per state, Excel."""

    title = "이체의뢰결과"
    key = "collection.results"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.view: ResultsView | None = None
        self.export_job: Job | None = None
        self.last_export: ResultsExport | None = None
        self.active_dialog: QDialog | None = None
        first, last = results.default_period(office_today(ctx))
        self.contract_label = contract_line(ctx)
        self.body.addWidget(self.contract_label)
        self.body.addWidget(hint_label(RESULT_NOTE, warning=True))

        self.date_from = date_edit(first)
        self.date_to = date_edit(last)
        mark_closed_days(ctx, self.date_from, self.date_to)
        self.item_filter = item_combo()
        self.state_filter = QComboBox()
        self.state_filter.addItem(ALL, None)
        for text, _states in STATE_CHOICES:
            self.state_filter.addItem(text, text)
        self.bank_filter = bank_combo()
        self.customer = search_box()
        self.customer.returnPressed.connect(self.refresh)
        self.search_button = QPushButton("검색")
        self.search_button.setProperty("primary", True)
        self.search_button.clicked.connect(self.refresh)
        self.export_button = QPushButton("엑셀 다운로드")
        self.export_button.setToolTip("조회한 목록을 엑셀 파일로 저장합니다 (계좌번호는 가려서 저장).")
        self.export_button.clicked.connect(self.export)
        period = QHBoxLayout()  # two rows: the period and states, then who and the actions
        period.addWidget(QLabel("이체예정일"))
        period.addWidget(self.date_from)
        period.addWidget(QLabel("~"))
        period.addWidget(self.date_to)
        for caption, widget in (("집금항목", self.item_filter), ("진행상태", self.state_filter)):
            period.addSpacing(8)
            period.addWidget(QLabel(caption))
            period.addWidget(widget)
        period.addStretch(1)
        self.body.addLayout(period)
        who = QHBoxLayout()
        for caption, field in (("은행", self.bank_filter), ("고객", self.customer)):
            who.addWidget(QLabel(caption))
            who.addWidget(field)
            who.addSpacing(8)
        who.addWidget(self.search_button)
        who.addStretch(1)
        who.addWidget(self.export_button)
        self.body.addLayout(who)

        self.model = TickModel(COLUMNS, key=lambda r: r.request_id, ticks=False, parent=self,
                               links={"고객명": lambda _r: True, "진행상태": lambda r: r.state_text == FAILED_TEXT})
        # On a 1024-wide screen the time a result came (결과수신) narrows first, whole in its tooltip.
        self.table = make_tick_table(self.model, stretch=self.model.column_of("결과수신"))
        self.table.clicked.connect(self.cell_clicked)
        self.body.addWidget(self.table, 1)
        self.empty = EmptyState(self.table, ctx)

        self.reason_label = hint_label("")
        self.body.addWidget(self.reason_label)
        self.totals_label = QLabel()
        self.totals_label.setObjectName("headerInfo")
        self.totals_label.setWordWrap(True)
        self.body.addWidget(self.totals_label)
        self.status = hint_label("")
        self.body.addWidget(self.status)

    # --- loading -------------------------------------------------------------------------------------

    def query(self) -> ResultQuery:
        chosen = self.state_filter.currentData()
        states = next((s for text, s in STATE_CHOICES if text == chosen), ())
        return ResultQuery(date_from=qdate_to_date(self.date_from), date_to=qdate_to_date(self.date_to),
                           item_id=self.item_filter.currentData(), states=states,
                           bank_code=self.bank_filter.currentData(), customer=self.customer.text().strip() or None)

    def refresh(self) -> None:
        if self.ctx.contract_id is None:
            return
        update_contract_line(self.ctx, self.contract_label)
        fill_items(self.ctx, self.item_filter)
        self.view = results.list_results(self.ctx.db, self.ctx.actor, self.ctx.contract_id, self.query(),
                                         today=office_today(self.ctx))
        self.model.set_rows(self.view.rows)
        fit(self.table)
        self._show_empty()
        self.reason_label.setText("")
        parts = [f"{t.state_text} {t.count}건 {t.amount:,}원" + (f" (출금 {t.debited:,}원)" if t.debited else "")
                 for t in self.view.totals]
        parts.append(f"합계 {self.view.count}건 {self.view.amount:,}원 (출금 {self.view.debited:,}원)")
        self.totals_label.setText("  |  ".join(parts))

    def _show_empty(self) -> None:
        """No result in the period: with no filter, how results come; with one, the filter's words."""
        query = self.query()
        period = f"{query.date_from:%m-%d}~{query.date_to:%m-%d}" if query.date_from and query.date_to else "이 기간"
        if self.model.rowCount():
            self.empty.clear()
        elif query.item_id is not None or query.states or query.bank_code or query.customer:
            self.empty.show_filtered(f"{period} 출금분 가운데 조건에 맞는 이체의뢰가 없습니다.")
        elif not has_customers(self.ctx):
            self.empty.show_no_customers()
        else:
            self.empty.show_empty(f"{period} 출금분 이체의뢰가 없습니다 — 이체의뢰 화면에서 의뢰하세요",
                                  "의뢰한 건은 출금일 다음 영업일 11:00부터 결과(이체처리완료·미완료)가 여기에 나옵니다. "
                                  "지난 달은 위에서 이체예정일 기간을 바꾸세요.",
                                  [("이체의뢰 ›", "collection.requests")] if self.ctx.actor.can_edit else [])

    # --- clicks --------------------------------------------------------------------------------------

    def cell_clicked(self, index: QModelIndex) -> None:
        """고객명 → 고객 상세정보; 이체처리미완료 → its reason; any other cell shows the row's reason if it has one."""
        row: ResultRow | None = self.model.row_at(index.row())
        if row is None:
            return
        header = self.model.header_at(index.column())
        if header == "고객명":
            self.open_customer(row)
            return
        self.show_reason(row)

    def show_reason(self, row: ResultRow) -> None:
        if row.state_text != FAILED_TEXT:
            self.reason_label.setText("")
            return
        code = f"[{row.reason_code}] " if row.reason_code else ""
        self.reason_label.setText(f"{row.customer_name}({row.customer_no}) {row.debit_date:%Y-%m-%d} "
                                  f"미처리 사유: {code}{row.reason_text}\n※ {REASON_NOTE}")
        set_tone(self.reason_label, warning=True)

    def open_customer(self, row: ResultRow) -> None:
        """The manual: clicking the name opens the customer's detail window."""
        open_dialog(self, CustomerDetailDialog(self.ctx, row.customer_id, self))

    # --- Excel ---------------------------------------------------------------------------------------

    def export(self) -> None:
        if self.ctx.contract_id is None or self.export_job is not None:
            return
        today = office_today(self.ctx)
        suggested = str(Path.home() / f"이체의뢰결과_{today:%Y%m%d}.xlsx")
        path, _filter = QFileDialog.getSaveFileName(self, "엑셀 다운로드", suggested, "Excel 파일 (*.xlsx)")
        if not path:
            return
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        if checked_save_path(self, self.ctx.db, path, "엑셀 다운로드") is None:
            return
        db, actor, contract_id, query = self.ctx.db, self.ctx.actor, self.ctx.contract_id or 0, self.query()
        target = Path(path)
        # the save dialog asked before replacing a file; the database and backups stay refused
        job = Job(lambda: results.export_results_xlsx(db, actor, contract_id, target, query, today=today, force=True))
        job.signals.finished.connect(self._exported)
        job.signals.failed.connect(self._export_failed)
        self.export_job = job
        self.export_button.setEnabled(False)
        self.status.setText("엑셀 파일을 만드는 중입니다…")
        job.start()

    def _exported(self, done: Any) -> None:
        self.export_job = None
        self.last_export = done
        self.export_button.setEnabled(True)
        message = f"이체의뢰결과 {done.rows}건을 {done.path}에 저장했습니다 (계좌번호는 가려서 저장)."
        self.status.setText(message)
        self.ctx.signals.status_message.emit(message)

    def _export_failed(self, error: Any) -> None:
        self.export_job = None
        self.export_button.setEnabled(True)
        if isinstance(error, OSError):  # a locked or read-only file: the clerk can pick another place
            error = ServiceError(f"파일을 저장할 수 없습니다 ({error.strerror or error}). 다른 위치를 고르세요.")
        self.status.setText("엑셀 다운로드에 실패했습니다.")
        show_error(self, error, "엑셀 다운로드")
