"""수납관리 > 현금영수증관리: cash of 100,000원 or more and its 현금영수증, due within 5 days.

The list shows, per cash payment, the deadline (day 5 after the day received), the state (발급완료 /
기한 내 (D-n) / 기한 경과 n일), the penalty at stake (가산세: 20 %) and the receipt recorded (its
number and day; who entered it shows below the list for the selected row); totals below. 미발급만 (the default)
lists what is still to be issued, 전체 every payment of the line with what was issued. A clerk
records an issued receipt with [발급 입력] (or corrects one), takes one entered on the wrong payment
off with [기록 지우기], and saves what remains to be issued as 홈택스's bulk-issue sheet with
[홈택스 양식 엑셀]. A 조회 user sees the list and the totals, and none of the buttons.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.services.collection import cash_receipts
from app.services.collection.cash_receipts import CashReceiptList, CashReceiptRow, ReceiptState
from app.services.common.errors import ServiceError
from app.views.collection.table_models import (
    ALIGN_CENTER,
    DONE_COLOUR,
    Column,
    TickModel,
    contract_gate,
    date_edit,
    fit,
    make_tick_table,
    money_column,
    office_today,
    qdate_to_date,
    search_box,
)
from app.views.common.base import Page, confirm, hint_label, run_guarded, show_error
from app.views.common.column_fit import set_elastic
from app.views.common.context import AppContext
from app.views.common.date_pickers import mark_closed_days
from app.views.common.dialogs import accept_row, open_dialog
from app.views.common.empty_state import EmptyState
from app.views.common.save_target import checked_save_path
from app.views.common.tables import ALERT
from app.views.common.workers import Job

RULE = (f"학원은 {cash_receipts.THRESHOLD:,}원 이상 현금을 받으면 고객이 요청하지 않아도 받은 날부터 "
        f"{cash_receipts.ISSUE_DAYS}일 안에 현금영수증을 발급해야 합니다. 번호를 받지 못하면 국세청 코드 "
        f"{cash_receipts.SELF_ISSUE_NUMBER}로 자진발급합니다. 발급하지 않으면 금액의 "
        f"{cash_receipts.PENALTY_PERCENT}%가 가산세입니다.")
NO_CONTRACT = "선택된 계약이 없습니다. 화면 위에서 계약을 고르면 현금영수증 발급 대상이 나옵니다."


def _state_colour(row: CashReceiptRow) -> Any:
    if row.state is ReceiptState.OVERDUE:
        return ALERT
    return DONE_COLOUR if row.state is ReceiptState.ISSUED else None


COLUMNS = (
    Column("수납일", lambda r: f"{r.paid_on:%Y-%m-%d}", ALIGN_CENTER),
    Column("고객번호", lambda r: r.customer_no),
    Column("고객명", lambda r: r.customer_name),
    Column("학생", lambda r: r.student_name),
    Column("집금항목", lambda r: r.item_name),
    Column("청구월", lambda r: r.period, ALIGN_CENTER),
    money_column("금액", lambda r: r.amount),
    Column("발급기한", lambda r: f"{r.deadline:%Y-%m-%d}", ALIGN_CENTER),
    Column("상태", lambda r: r.state_text, ALIGN_CENTER, _state_colour),
    money_column("가산세", lambda r: r.penalty, lambda r: ALERT if r.state is ReceiptState.OVERDUE else None,
                 blank_zero=True),
    Column("현금영수증", lambda r: f"{r.receipt_text} · {r.receipt_on:%m-%d}".lstrip(" ·") if r.receipt_on else ""),
)


class CashReceiptDialog(QDialog):
    """발급 입력 for one cash payment: 승인번호 and 발급일, or 자진발급; a refusal stays in the dialog.

    `saved` carries the sentence for the page's status line once the service accepted the receipt.
    """

    saved = Signal(str)

    def __init__(self, ctx: AppContext, row: CashReceiptRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.row = row
        self.done_message = ""
        self.setWindowTitle("현금영수증 발급 입력")
        self.setMinimumWidth(460)
        today = office_today(ctx)
        self.approval_no = QLineEdit(row.receipt_no or "")
        self.approval_no.setPlaceholderText(f"숫자 {cash_receipts.APPROVAL_DIGITS}자리")
        self.approval_no.setMaxLength(20)
        self.issued_on = date_edit(row.receipt_on or today)
        mark_closed_days(ctx, self.issued_on)
        self.self_issued = QCheckBox(f"자진발급 (국세청 코드 {cash_receipts.SELF_ISSUE_NUMBER})")
        self.self_issued.setChecked(row.receipt_self)

        form = QFormLayout()
        form.addRow("고객", QLabel(f"{row.customer_name}({row.customer_no})"
                                   + (f" · 학생 {row.student_name}" if row.student_name else "")))
        form.addRow("수납", QLabel(f"{row.item_name} {row.period} · 현금 {row.amount:,}원 · {row.paid_on:%Y-%m-%d} 수납"))
        form.addRow("발급기한", QLabel(f"{row.deadline:%Y-%m-%d} ({row.state_text})"))
        form.addRow("승인번호", self.approval_no)
        form.addRow("발급일", self.issued_on)
        form.addRow("", self.self_issued)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint_label("자진발급은 승인번호를 몰라도 기록할 수 있습니다. 발급일은 수납일부터 오늘까지입니다."))
        self.error = QLabel("")
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        layout.addWidget(self.error)
        buttons = accept_row("저장", self.save, self.reject)
        self.save_button = buttons.accept
        layout.addWidget(buttons.box)
        self.approval_no.setFocus(Qt.FocusReason.OtherFocusReason)

    def save(self) -> None:
        """Through the service; its Korean refusal is shown in red and nothing is written."""
        try:
            change = cash_receipts.record_cash_receipt(
                self.ctx.db, self.ctx.actor, self.row.payment_id, approval_no=self.approval_no.text(),
                issued_on=qdate_to_date(self.issued_on), self_issued=self.self_issued.isChecked(),
                today=office_today(self.ctx))
        except ServiceError as error:
            self.error.setText(error.message)
            self.error.setVisible(True)
            if self.isVisible():
                self.resize(self.width(), max(self.height(), self.sizeHint().height()))
            return
        self.done_message = f"{self.row.customer_name}({self.row.customer_no}) {self.row.amount:,}원: {change.message}"
        self.saved.emit(self.done_message)
        self.accept()


class CashReceiptsPage(Page):
    """현금영수증관리: cash payments of 100,000원 or more, their receipts, the penalty at stake, 홈택스 엑셀."""

    title = "현금영수증관리"
    key = "collection.cash_receipts"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.listing: CashReceiptList | None = None
        self.export_job: Job | None = None
        self.active_dialog: QDialog | None = None
        today = office_today(ctx)
        self.gate, content = contract_gate(ctx, self.body, NO_CONTRACT)
        self.contract_label, self.no_contract, self.content = self.gate.label, self.gate.message, self.gate.content
        content.addWidget(hint_label(RULE))

        self.only_missing = QRadioButton("미발급만")
        self.show_all = QRadioButton("전체")
        self.only_missing.setChecked(True)
        self.scope = QButtonGroup(self)
        self.scope.addButton(self.only_missing)
        self.scope.addButton(self.show_all)
        self.use_period = QCheckBox("수납일")
        self.use_period.setToolTip("끄면 날짜와 관계없이 모두 봅니다 (미발급은 오래된 것도 남아 있어야 하므로 기본은 끔).")
        self.date_from = date_edit(today.replace(day=1))
        self.date_to = date_edit(today)
        mark_closed_days(self.ctx, self.date_from, self.date_to)
        self.search = search_box("고객번호, 고객명 또는 학생")
        self.search_button = QPushButton("검색")
        self.search_button.setProperty("primary", True)
        filters = QHBoxLayout()
        for widget in (self.only_missing, self.show_all):
            filters.addWidget(widget)
        filters.addSpacing(12)
        filters.addWidget(self.use_period)
        filters.addWidget(self.date_from)
        filters.addWidget(QLabel("~"))
        filters.addWidget(self.date_to)
        filters.addSpacing(12)
        filters.addWidget(self.search)
        filters.addWidget(self.search_button)
        filters.addStretch(1)
        content.addLayout(filters)
        self.only_missing.toggled.connect(lambda _on: self.refresh())  # one signal per switch of the pair
        self.use_period.toggled.connect(lambda _on: self._period_toggled())
        self.search_button.clicked.connect(self.refresh)
        self.search.returnPressed.connect(self.refresh)
        self._period_toggled(load=False)

        self.model = TickModel(COLUMNS, key=lambda r: r.payment_id, ticks=False, grey=False, parent=self)
        self.table = make_tick_table(self.model, self.enter_receipt if ctx.actor.can_edit else None)
        # On a 1024-wide screen the longer texts narrow first, whole in their tooltips.
        set_elastic(self.table, self.model.column_of("현금영수증"), self.model.column_of("집금항목"),
                    self.model.column_of("학생"))
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_moved())
        content.addWidget(self.table, 1)
        self.empty = EmptyState(self.table, ctx)
        self.totals_label = QLabel()
        self.totals_label.setObjectName("headerInfo")
        self.totals_label.setWordWrap(True)
        content.addWidget(self.totals_label)

        self.enter_button = QPushButton("발급 입력")
        self.enter_button.setProperty("primary", True)
        self.enter_button.setToolTip("고른 수납에 발급한 현금영수증의 승인번호와 발급일(또는 자진발급)을 기록합니다.")
        self.enter_button.clicked.connect(self.enter_receipt)
        self.clear_button = QPushButton("기록 지우기")
        self.clear_button.setToolTip("다른 수납에 잘못 입력한 현금영수증 기록을 지웁니다 (감사기록에 남습니다).")
        self.clear_button.clicked.connect(self.clear_receipt)
        self.export_button = QPushButton("홈택스 양식 엑셀")
        self.export_button.setToolTip("아직 발급하지 않은 건을 홈택스 현금영수증 일괄발급 양식의 엑셀로 저장합니다 "
                                      "(고객 휴대전화번호가 들어갑니다).")
        self.export_button.clicked.connect(self.export)
        actions = QHBoxLayout()
        self.selected_label = QLabel()
        actions.addWidget(self.selected_label, 1)
        for button in (self.enter_button, self.clear_button, self.export_button):
            button.setVisible(ctx.actor.can_edit)  # 조회 users look only (the services refuse them too)
            actions.addWidget(button)
        content.addLayout(actions)
        self.status = hint_label("")
        content.addWidget(self.status)
        self._selection_moved()

    # --- loading -------------------------------------------------------------------------------------

    def _period(self) -> tuple[date | None, date | None]:
        if not self.use_period.isChecked():
            return None, None
        return qdate_to_date(self.date_from), qdate_to_date(self.date_to)

    def _period_toggled(self, *, load: bool = True) -> None:
        for edit in (self.date_from, self.date_to):
            edit.setEnabled(self.use_period.isChecked())
        if load:
            self.refresh()

    def refresh(self) -> None:
        """Reload the list (keeping the same payment selected) and its totals."""
        self.gate.show(self.ctx)
        if self.ctx.contract_id is None:
            self.listing = None
            self.model.set_rows([])
            return
        keep = self.selected_row()
        since, until = self._period()
        self.listing = cash_receipts.cash_receipt_rows(
            self.ctx.db, self.ctx.actor, self.ctx.contract_id, today=office_today(self.ctx),
            only_missing=self.only_missing.isChecked(), since=since, until=until, search=self.search.text())
        rows = list(self.listing.rows)
        self.model.set_rows(rows)
        fit(self.table)
        self._show_empty()
        self.totals_label.setText(self._totals(self.listing))
        target = next((i for i, r in enumerate(rows) if keep and r.payment_id == keep.payment_id), 0)
        if rows:
            self.table.selectRow(target)
        self._selection_moved()

    @staticmethod
    def _totals(listing: CashReceiptList) -> str:
        late = f" (기한 경과 {listing.overdue}건)" if listing.overdue else ""
        return (f"총 {listing.count}건{late} · 금액 합계 {listing.amount:,}원 · "
                f"걸려 있는 가산세 {listing.penalty:,}원")

    def _show_empty(self) -> None:
        if self.model.rowCount():
            self.empty.clear()
        elif self.search.text().strip() or self.use_period.isChecked():
            self.empty.show_filtered("조건에 맞는 현금수납이 없습니다.")
        elif self.only_missing.isChecked():
            self.empty.show_empty("발급할 현금영수증이 없습니다",
                                  f"{cash_receipts.THRESHOLD:,}원 이상 현금수납에 현금영수증이 기록되지 않으면 여기에 "
                                  "나옵니다. 발급한 건은 [전체]에서 봅니다.")
        else:
            self.empty.show_empty(f"{cash_receipts.THRESHOLD:,}원 이상 현금수납이 없습니다",
                                  "현금수납은 현금수납관리에서 기록합니다.", [("현금수납관리 ›", "collection.cash")])

    def selected_row(self) -> CashReceiptRow | None:
        chosen = self.table.selectionModel().selectedRows()
        return self.model.row_at(chosen[0].row()) if chosen else None

    def _selection_moved(self) -> None:
        row = self.selected_row()
        if row is None:
            self.selected_label.setText("발급을 입력할 수납을 목록에서 고르세요." if self.ctx.actor.can_edit else "")
        else:
            who = f" · {row.receipt_by} 입력" if row.receipt_by else ""
            self.selected_label.setText(f"{row.customer_name}({row.customer_no}) · {row.paid_on:%Y-%m-%d} "
                                        f"현금 {row.amount:,}원 · {row.state_text}{who}")
        self.enter_button.setEnabled(row is not None)
        self.enter_button.setText("발급 수정" if row is not None and row.issued else "발급 입력")
        self.clear_button.setEnabled(row is not None and row.issued)
        has_missing = self.listing is not None and any(not r.issued for r in self.listing.rows)
        self.export_button.setEnabled(has_missing and self.export_job is None)

    # --- actions -------------------------------------------------------------------------------------

    def enter_receipt(self) -> None:
        """[발급 입력]: the dialog for the selected payment; the list reloads when it saved."""
        row = self.selected_row()
        if row is None or not self.ctx.actor.can_edit:
            return
        dialog = CashReceiptDialog(self.ctx, row, self)
        dialog.saved.connect(self._done)  # not a lambda over the dialog (see open_dialog)
        open_dialog(self, dialog)

    def clear_receipt(self) -> None:
        """[기록 지우기]: after a question, the receipt recorded on the selected payment is taken off."""
        row = self.selected_row()
        if row is None or not row.issued or not self.ctx.actor.can_edit:
            return
        if not confirm(self, f"{row.customer_name}({row.customer_no}) {row.paid_on:%Y-%m-%d} 현금 {row.amount:,}원의 "
                             f"현금영수증 기록({row.receipt_text})을 지울까요?\n다른 수납에 잘못 입력한 경우에만 지우세요."):
            return
        outcome: list[cash_receipts.ReceiptChange] = []
        if run_guarded(self, lambda: outcome.append(
                cash_receipts.clear_cash_receipt(self.ctx.db, self.ctx.actor, row.payment_id))):
            self._done(f"{row.customer_name}({row.customer_no}): {outcome[0].message}")

    def export(self) -> None:
        """[홈택스 양식 엑셀]: what remains to be issued (as filtered), written in a worker thread."""
        if self.ctx.contract_id is None or self.export_job is not None or not self.ctx.actor.can_edit:
            return
        today = office_today(self.ctx)
        suggested = str(Path.home() / f"현금영수증_일괄발급_{today:%Y%m%d}.xlsx")
        path, _filter = QFileDialog.getSaveFileName(self, "홈택스 양식 엑셀", suggested, "Excel 파일 (*.xlsx)")
        if not path:
            return
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        if checked_save_path(self, self.ctx.db, path, "홈택스 양식 엑셀") is None:
            return
        self.start_export(Path(path))

    def start_export(self, target: Path) -> None:
        """The export itself, once the clerk chose `target` (the save dialog asked before replacing a file)."""
        db, actor, contract_id = self.ctx.db, self.ctx.actor, self.ctx.contract_id or 0
        today = office_today(self.ctx)
        since, until = self._period()
        search = self.search.text()
        job = Job(lambda: cash_receipts.export_hometax_xlsx(db, actor, contract_id, target, today=today, since=since,
                                                            until=until, search=search, force=True))
        job.signals.finished.connect(self._exported)
        job.signals.failed.connect(self._export_failed)
        self.export_job = job
        self.export_button.setEnabled(False)
        self.status.setText("엑셀 파일을 만드는 중입니다…")
        job.start()

    def _exported(self, done: Any) -> None:
        self.export_job = None
        self._selection_moved()
        message = (f"발급할 현금영수증 {done.rows}건({done.amount:,}원)을 {done.path}에 저장했습니다. "
                   "홈택스에서 발급한 뒤 승인번호를 입력하세요.")
        self.status.setText(message)
        self.ctx.signals.status_message.emit(message)

    def _export_failed(self, error: Any) -> None:
        self.export_job = None
        self._selection_moved()
        if isinstance(error, OSError):
            error = ServiceError(f"파일을 저장할 수 없습니다 ({error.strerror or error}). 다른 위치를 고르세요.")
        self.status.setText("엑셀 저장에 실패했습니다.")
        show_error(self, error, "홈택스 양식 엑셀")

    def _done(self, message: str) -> None:
        self.refresh()
        self.status.setText(message)
        self.ctx.signals.status_message.emit(message)
        self.ctx.signals.data_changed.emit("collection")
