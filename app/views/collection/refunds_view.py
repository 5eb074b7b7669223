"""수납관리 > 반환관리: refunds owed to students who withdrew or stopped a course (학원법 시행령 [별표 4]).

The list shows every refund, the ones still owed first with their deadline (5 days after the reason;
D-2, 기한 3일 지남). [반환 계산] opens the dialog that computes and registers one; the selected refund's
computation is shown line by line below the list. When the money has gone to the parent the clerk
gives the day and the way (계좌이체/현금) and presses [지급 확인], which records the refund in the
ledger; [확인서 PDF] saves the confirmation for the parent. An administrator may [취소] a refund still
owed (a mistake), with a reason; the agreement's end stays.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from app.models import RefundMethod, RefundState
from app.services.collection import refund_letter, refunds
from app.services.collection.refunds import RefundDetail, RefundRow
from app.services.home.refunds_due import due_text
from app.views.collection.refund_dialog import RefundDialog
from app.views.collection.table_models import (
    ALIGN_CENTER,
    Column,
    contract_gate,
    date_edit,
    fit,
    money_column,
    office_today,
    search_box,
)
from app.views.common.base import Page, confirm, hint_label, run_guarded, show_error
from app.views.common.context import AppContext
from app.views.common.date_pickers import mark_closed_days, qdate_to_date
from app.views.common.dialogs import open_dialog
from app.views.common.empty_state import EmptyState, has_customers
from app.views.common.save_target import checked_save_path
from app.views.common.tables import ALERT, MUTED, RowsModel, make_table
from app.views.common.workers import Job

NO_CONTRACT = "계약정보가 선택되지 않았습니다. 화면 위에서 계약을 고르면 반환 내역이 나옵니다."
INTRO = ("퇴원·수강중단한 학생의 교습비는 사유가 생긴 날부터 5일 안에 반환해야 합니다. [반환 계산]으로 금액을 "
         "확인해 등록하면 그 이체정보는 그 달까지로 해지되어 다음 달부터 출금되지 않습니다. 돈을 돌려준 뒤 "
         "[지급 확인]을 누르세요.")


def _deadline(row: RefundRow, today: date) -> str:
    if row.state is RefundState.DUE:
        return due_text(row.due_on, today)
    return f"{row.due_on:%Y-%m-%d}"


def _state_colour(row: RefundRow, today: date) -> QColor | None:
    if row.state is RefundState.CANCELLED:
        return MUTED
    if row.state is RefundState.DUE and row.due_on < today:
        return ALERT
    return None


class RefundsPage(Page):
    """반환관리: the refunds, their computation, payout, confirmation PDF and (관리자) cancellation."""

    title = "반환관리"
    key = "collection.refunds"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.active_dialog: QDialog | None = None
        self.letter_job: Job | None = None
        self.detail: RefundDetail | None = None
        today = office_today(ctx)
        self.gate, content = contract_gate(ctx, self.body, NO_CONTRACT)
        self.contract_label, self.no_contract, self.content = self.gate.label, self.gate.message, self.gate.content
        content.addWidget(hint_label(INTRO))

        self.state_filter = QComboBox()
        self.state_filter.addItem("전체", None)
        for state in RefundState:
            self.state_filter.addItem(state.label, state)
        self.search = search_box("고객번호·납부자·학생", 170)
        self.search_button = QPushButton("조회")
        self.new_button = QPushButton("반환 계산")
        self.new_button.setProperty("primary", True)
        self.new_button.setVisible(ctx.actor.can_edit)
        filters = QHBoxLayout()
        filters.addWidget(QLabel("상태"))
        filters.addWidget(self.state_filter)
        filters.addWidget(self.search)
        filters.addWidget(self.search_button)
        filters.addStretch(1)
        filters.addWidget(self.new_button)
        content.addLayout(filters)

        self.model = RowsModel(self._columns(), self)
        self.table = make_table(self.model)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_moved())
        content.addWidget(self.table, 3)
        self.empty = EmptyState(self.table, ctx)
        self.total_label = QLabel()
        content.addWidget(self.total_label)
        self.detail_label = hint_label("")
        content.addWidget(self.detail_label)

        self.paid_on = date_edit(today)
        mark_closed_days(ctx, self.paid_on)
        self.method = QComboBox()
        for method in RefundMethod:
            self.method.addItem(method.label, method)
        self.pay_button = QPushButton("지급 확인")
        self.pay_button.setProperty("primary", True)
        self.letter_button = QPushButton("확인서 PDF")
        self.cancel_reason = QLineEdit()
        self.cancel_reason.setPlaceholderText("취소 사유 (필수)")
        self.cancel_reason.setMinimumWidth(200)
        self.cancel_button = QPushButton("취소")
        actions = QHBoxLayout()
        for caption, widget in (("지급일", self.paid_on), ("지급 방법", self.method)):
            label = QLabel(caption)
            label.setVisible(ctx.actor.can_edit)
            actions.addWidget(label)
            actions.addWidget(widget)
            widget.setVisible(ctx.actor.can_edit)
        actions.addWidget(self.pay_button)
        actions.addWidget(self.letter_button)
        actions.addStretch(1)
        actions.addWidget(self.cancel_reason)
        actions.addWidget(self.cancel_button)
        self.pay_button.setVisible(ctx.actor.can_edit)
        for admin_only in (self.cancel_reason, self.cancel_button):  # the refund service allows administrators only
            admin_only.setVisible(ctx.actor.is_admin)
        content.addLayout(actions)
        self.status = hint_label("")
        content.addWidget(self.status)

        self.search_button.clicked.connect(self.refresh)
        self.search.returnPressed.connect(self.refresh)
        self.state_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.new_button.clicked.connect(self.open_calculator)
        self.pay_button.clicked.connect(self.pay_selected)
        self.letter_button.clicked.connect(lambda: self.save_letter())
        self.cancel_button.clicked.connect(self.cancel_selected)
        self._selection_moved()

    def _columns(self) -> list[Column]:
        today = lambda: office_today(self.ctx)  # noqa: E731 - read at paint time: the day may change
        return [
            Column("번호", lambda r: f"#{r.id}", ALIGN_CENTER),
            Column("사유 발생일", lambda r: f"{r.reason_on:%Y-%m-%d}", ALIGN_CENTER),
            Column("구분", lambda r: r.kind.label, ALIGN_CENTER),
            Column("고객번호", lambda r: r.customer_no),
            Column("납부자", lambda r: r.customer_name),
            Column("학생", lambda r: r.student_name or r.customer_name),
            Column("집금항목", lambda r: r.items),
            money_column("반환금액", lambda r: r.amount),
            Column("지급 기한", lambda r: _deadline(r, today()), ALIGN_CENTER,
                   lambda r: ALERT if r.state is RefundState.DUE and r.due_on < today() else None),
            Column("상태", lambda r: r.state.label, ALIGN_CENTER,
                   lambda r: _state_colour(r, today())),
            Column("지급일", lambda r: f"{r.paid_on:%Y-%m-%d}" if r.paid_on else "", ALIGN_CENTER),
            Column("지급 방법", lambda r: r.paid_method.label if r.paid_method else "", ALIGN_CENTER),
        ]

    # --- loading -------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the list (keeping the same refund selected) and its totals."""
        self.gate.show(self.ctx)
        if self.ctx.contract_id is None:
            self.model.set_rows([])
            return
        keep = self.selected_row()
        chosen_state = self.state_filter.currentData()  # Qt hands the enum back as its text
        rows = refunds.list_refunds(self.ctx.db, self.ctx.actor, self.ctx.contract_id,
                                    state=RefundState(chosen_state) if chosen_state else None,
                                    search=self.search.text())
        self.model.set_rows(rows)
        fit(self.table)
        self._show_empty()
        due = [r for r in rows if r.state is RefundState.DUE]
        late = sum(1 for r in due if r.due_on < office_today(self.ctx))
        self.total_label.setText(f"총 {len(rows)}건 · 반환대기 {len(due)}건 {sum(r.amount for r in due):,}원"
                                 + (f" · 기한 지남 {late}건" if late else ""))
        target = next((i for i, r in enumerate(rows) if keep and r.id == keep.id), 0)
        if rows:
            self.table.selectRow(target)
        self._selection_moved()

    def _show_empty(self) -> None:
        if self.model.rowCount():
            self.empty.clear()
        elif self.state_filter.currentData() is not None or self.search.text().strip():
            self.empty.show_filtered("조건에 맞는 반환 내역이 없습니다.")
        elif not has_customers(self.ctx):
            self.empty.show_no_customers()
        else:
            self.empty.show_empty("반환 내역이 없습니다",
                                  "학생이 퇴원하거나 수강을 중단하면 [반환 계산]으로 반환금액을 계산해 등록하세요.")

    def selected_row(self) -> RefundRow | None:
        chosen = self.table.selectionModel().selectedRows()
        return self.model.row_at(chosen[0].row()) if chosen else None

    def _selection_moved(self) -> None:
        row = self.selected_row()
        self.detail = refunds.get_refund(self.ctx.db, self.ctx.actor, row.id) if row is not None else None
        if self.detail is None:
            self.detail_label.setText("")
        else:
            d = self.detail
            lines = [f"• {line.explanation}" for line in d.lines] or ["• 반환사유가 생긴 달부터 납부한 교습비가 없습니다."]
            head = f"#{d.id} {d.customer_name} · {d.kind.label} {d.reason_on:%Y-%m-%d} · 반환 합계 {d.amount:,}원"
            tail = [f"메모: {d.note}"] if d.note else []
            if d.cancel_reason:
                tail.append(f"취소 사유: {d.cancel_reason}")
            self.detail_label.setText("\n".join([head, *lines, *tail]))
        due = row is not None and row.state is RefundState.DUE
        self.pay_button.setEnabled(due)
        self.cancel_button.setEnabled(due)
        self.letter_button.setEnabled(row is not None and row.state is not RefundState.CANCELLED
                                      and self.letter_job is None)

    # --- actions -------------------------------------------------------------------------------------

    def open_calculator(self) -> None:
        """[반환 계산]: the dialog computes and registers; the list shows the new refund afterwards."""
        if self.ctx.contract_id is None or not self.ctx.actor.can_edit:
            return
        dialog = RefundDialog(self.ctx, self)

        def accepted() -> None:
            self._done(dialog.message)

        open_dialog(self, dialog, accepted=accepted)

    def pay_selected(self) -> None:
        """[지급 확인]: the refund was paid out on the chosen day, by the chosen way."""
        row = self.selected_row()
        if row is None or not self.ctx.actor.can_edit:
            return
        paid_on, method = qdate_to_date(self.paid_on), RefundMethod(self.method.currentData())
        if not confirm(self, f"{row.customer_name}에게 반환 {row.amount:,}원을 {paid_on:%Y-%m-%d}에 "
                             f"{method.label}로 지급했습니까? 확인하면 원장에 반환으로 기록됩니다.", "지급 확인"):
            return
        said: list[str] = []
        if run_guarded(self, lambda: said.append(refunds.pay_refund(
                self.ctx.db, self.ctx.actor, row.id, paid_on, method, today=office_today(self.ctx)))):
            self._done(f"{row.customer_name}: {said[0]}")

    def cancel_selected(self) -> None:
        """[취소] (관리자): a refund still owed is void; the agreement stays ended, which the answer says."""
        row = self.selected_row()
        if row is None or not self.ctx.actor.is_admin:
            return
        reason = self.cancel_reason.text()
        if reason.strip() and not confirm(
                self, f"#{row.id} {row.customer_name}의 반환 {row.amount:,}원을 취소합니다. {refunds.CANCEL_KEEPS_END} "
                      "취소할까요?", "반환 취소"):
            return
        said: list[str] = []
        if run_guarded(self, lambda: said.append(refunds.cancel_refund(self.ctx.db, self.ctx.actor, row.id, reason))):
            self.cancel_reason.clear()
            self._done(said[0])

    def save_letter(self, path: str | None = None) -> None:
        """[확인서 PDF]: the confirmation for the parent, saved where the clerk chooses (in the background)."""
        row = self.selected_row()
        if row is None or self.letter_job is not None:
            return
        if path is None:
            folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
            suggested = str(Path(folder) / f"반환확인서_{row.student_name or row.customer_name}_{row.id}.pdf")
            path, _filter = QFileDialog.getSaveFileName(self, "확인서 PDF 저장", suggested, "PDF (*.pdf)")
            if not path:
                return
        target = checked_save_path(self, self.ctx.db, path, "확인서 PDF 저장")
        if target is None:
            return
        db, actor, refund_id, now = self.ctx.db, self.ctx.actor, row.id, self.ctx.clock()
        job = Job(lambda: refund_letter.write_refund_letter(db, actor, refund_id, target, now=now, force=True))
        job.signals.finished.connect(self._letter_saved)
        job.signals.failed.connect(self._letter_failed)
        self.letter_job = job.start()
        self.letter_button.setEnabled(False)
        self.status.setText("확인서를 만드는 중입니다…")

    def _letter_saved(self, written: Path) -> None:
        self.letter_job = None
        self._selection_moved()
        self.status.setText(f"확인서를 저장했습니다: {written}")
        self.ctx.signals.status_message.emit(self.status.text())

    def _letter_failed(self, error: Exception) -> None:
        self.letter_job = None
        self._selection_moved()
        self.status.setText("")
        show_error(self, error, "확인서 PDF 저장")

    def _done(self, message: str) -> None:
        self.refresh()
        self.status.setText(message)
        self.ctx.signals.status_message.emit(message)
        self.ctx.signals.data_changed.emit("collection")
