"""연체료관리's dialogs: [감면] and [감면 취소] (관리자, with the reason), and [연체료 청구]'s preview.

The waiver dialogs only take the scope and the reason; the waiver service decides (관리자 only, the
charge must be the household's, no second standing waiver) and its refusal is shown as it says it.

The billing dialog is the preview the clerk confirms: for the ticked households, what each is billed
as an item 연체료 of which month, on which debit date it goes to the bank, and, for a household that
cannot be billed, why. [청구 확정] bills the households that can be billed (the service recomputes under
its locks, all or nothing); the others are named above the button and left as they are. Changing the
청구년월 asks the service again, so what is confirmed is what is on screen.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.services.collection import late_fee_billing, late_fee_waivers
from app.services.collection.late_fee_billing import BillingPreview
from app.services.collection.late_fee_list import ChargeFee, HouseholdFees
from app.services.collection.late_fee_waivers import WaiverRow
from app.services.common.errors import ServiceError
from app.services.common.periods import add_months, month_of
from app.views.collection.table_models import ALIGN_CENTER, Column, fit, money_column, office_today
from app.views.common.base import hint_label, run_guarded, show_error
from app.views.common.context import AppContext
from app.views.common.dialogs import accept_row
from app.views.common.tables import ALERT, RowsModel, make_table

REASON_PLACEHOLDER = "사유 (필수, 500자 이내: 관리규약 조항, 입원·분쟁 등)"
PERIOD_CHOICES = 3  # the 청구년월 offered: the month after the 기준일's and the two after it


def _reason_box() -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setPlaceholderText(REASON_PLACEHOLDER)
    box.setFixedHeight(72)
    return box


class WaiverDialog(QDialog):
    """[감면]: the whole household or the charge selected on the page, and the reason."""

    def __init__(self, ctx: AppContext, household: HouseholdFees, line: ChargeFee | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household = household
        self.line = line
        self.message = ""
        self.setWindowTitle("연체료 감면")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label(
            f"{household.customer_name}({household.label}) 세대의 연체료를 감면합니다. 감면해도 연체료는 계속 "
            "계산되어 '감면'으로 표시되고, 청구하지 않습니다. 이미 청구한 연체료는 그대로 남습니다."))
        self.whole = QRadioButton(f"세대 전체 (연체료 {household.fee:,}원)")
        self.one = QRadioButton(f"선택한 청구만: {line.period} {line.item_name} (연체료 {line.fee:,}원)" if line
                                else "선택한 청구만 (아래 표에서 청구를 고르세요)")
        self.one.setEnabled(line is not None and not line.waived)
        (self.one if self.one.isEnabled() else self.whole).setChecked(True)
        self.scope = QButtonGroup(self)
        self.scope.addButton(self.whole)
        self.scope.addButton(self.one)
        layout.addWidget(self.whole)
        layout.addWidget(self.one)
        self.reason = _reason_box()
        layout.addWidget(self.reason)
        self.buttons = accept_row("감면", self.save, self.reject, default=False)
        layout.addWidget(self.buttons.box)

    def save(self) -> None:
        charge_id = self.line.charge_id if self.one.isChecked() and self.line is not None else None
        said: list[str] = []
        if run_guarded(self, lambda: said.append(late_fee_waivers.waive(
                self.ctx.db, self.ctx.actor, self.household.customer_id, charge_id, self.reason.toPlainText(),
                self.ctx.clock()).message)):
            self.message = said[0]
            self.accept()


def _short(text: str, length: int = 20) -> str:
    return text if len(text) <= length else text[:length] + "…"


class RevokeDialog(QDialog):
    """[감면 취소]: one of the household's standing waivers, and why it ends; the waiver stays recorded."""

    def __init__(self, ctx: AppContext, household: HouseholdFees, standing: list[WaiverRow],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.message = ""
        self.setWindowTitle("연체료 감면 취소")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label(
            f"{household.customer_name}({household.label}) 세대의 감면을 취소하면 다음 계산부터 그 연체료를 다시 "
            "청구할 수 있습니다. 감면했던 기록은 취소 사유와 함께 남습니다."))
        self.standing = {w.id: w for w in standing}
        self.waiver = QComboBox()
        for w in standing:  # a reason may be long: the box names it, the whole reason shows below it
            self.waiver.addItem(f"{w.scope_text} · {_short(w.reason)}", w.id)
        chosen = QHBoxLayout()
        chosen.addWidget(QLabel("감면"))
        chosen.addWidget(self.waiver, 1)
        layout.addLayout(chosen)
        self.chosen = hint_label("")
        layout.addWidget(self.chosen)
        self.waiver.currentIndexChanged.connect(lambda _i: self._waiver_moved())
        self._waiver_moved()
        self.reason = _reason_box()
        layout.addWidget(self.reason)
        self.buttons = accept_row("감면 취소", self.save, self.reject, default=False)
        self.buttons.reject.setText("닫기")
        layout.addWidget(self.buttons.box)

    def _waiver_moved(self) -> None:
        w = self.standing.get(self.waiver.currentData())
        self.chosen.setText(f"{w.scope_text} 감면 — {w.waived_by}, {w.waived_at:%Y-%m-%d}\n사유: {w.reason}" if w else "")

    def save(self) -> None:
        waiver_id = self.waiver.currentData()
        if waiver_id is None:
            return
        said: list[str] = []
        if run_guarded(self, lambda: said.append(late_fee_waivers.revoke(
                self.ctx.db, self.ctx.actor, int(waiver_id), self.reason.toPlainText(), self.ctx.clock()).message)):
            self.message = said[0]
            self.accept()


PREVIEW_COLUMNS = (
    Column("동·호/고객번호", lambda r: r.label),
    Column("고객명", lambda r: r.customer_name),
    Column("연체된 청구월", lambda r: ", ".join(line.period[2:] for line in r.lines), ALIGN_CENTER),
    money_column("청구할 연체료", lambda r: r.amount),
    money_column("더해질 청구", lambda r: r.adds_to, blank_zero=True),
    Column("출금일", lambda r: f"{r.debit_on:%Y-%m-%d}" if r.debit_on else "", ALIGN_CENTER),
    Column("확인", lambda r: r.problem or r.note or "청구", foreground=lambda r: ALERT if not r.ok else None),
)


class BillingDialog(QDialog):
    """[연체료 청구]: the preview of the ticked households for a 청구년월, then [청구 확정]."""

    def __init__(self, ctx: AppContext, as_of: date, customer_ids: list[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.as_of = as_of
        self.customer_ids = customer_ids
        self.preview: BillingPreview | None = None
        self.message = ""
        self.setWindowTitle("연체료 청구")
        self.setMinimumWidth(860)
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label(
            f"{as_of:%Y-%m-%d}까지의 연체료 중 아직 청구하지 않은 금액(감면 제외)을 '연체료' 항목의 청구로 만듭니다. "
            "그 달 출금일의 이체의뢰 목록에 관리비와 함께 나오며, 같은 계좌에서 출금됩니다."))
        self.period = QComboBox()
        first = late_fee_billing.default_period(as_of)
        today_month = month_of(office_today(ctx))
        for offset in range(PERIOD_CHOICES):
            period = add_months(max(first, today_month), offset)
            self.period.addItem(late_fee_billing.period_text(period), period)
        choose = QHBoxLayout()
        choose.addWidget(QLabel("청구년월"))
        choose.addWidget(self.period)
        choose.addStretch(1)
        layout.addLayout(choose)
        self.model = RowsModel(PREVIEW_COLUMNS, self)
        self.table = make_table(self.model, stretch=len(PREVIEW_COLUMNS) - 1)  # 확인: a reason may be long
        self.table.setMinimumHeight(150)
        layout.addWidget(self.table, 1)
        self.lines = hint_label("")
        layout.addWidget(self.lines)
        self.summary = QLabel()
        self.summary.setObjectName("sectionTitle")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.buttons = accept_row("청구 확정", self.confirm_bill, self.reject, default=False)
        layout.addWidget(self.buttons.box)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_moved())
        self.period.currentIndexChanged.connect(lambda _i: self.load())
        self.load()

    @property
    def chosen_period(self) -> str:
        return str(self.period.currentData())

    def load(self) -> None:
        """Ask the service what billing the chosen month would do (nothing is written)."""
        assert self.ctx.contract_id is not None  # the page opens this only with a contract
        try:
            seen = late_fee_billing.preview(self.ctx.db, self.ctx.actor, self.ctx.contract_id, self.as_of,
                                            self.chosen_period, customer_ids=self.customer_ids,
                                            today=office_today(self.ctx))
        except ServiceError as error:
            self.preview = None
            self.model.set_rows([])
            self.summary.setText(error.message)
            self.buttons.accept.setEnabled(False)
            return
        self.preview = seen
        self.model.set_rows(list(seen.households))
        fit(self.table)
        ready, blocked = seen.ready, seen.blocked
        text = f"{late_fee_billing.period_text(seen.period)} 청구: {len(ready):,}세대 {seen.total:,}원"
        if blocked:
            text += f" · 청구할 수 없는 {len(blocked):,}세대는 빼고 청구합니다 (빨간 줄)"
        self.summary.setText(text)
        self.buttons.accept.setEnabled(bool(ready) and self.ctx.actor.can_edit)
        if seen.households:
            self.table.selectRow(0)
        self._selection_moved()

    def _selection_moved(self) -> None:
        chosen = self.table.selectionModel().selectedRows()
        row = self.model.row_at(chosen[0].row()) if chosen else None
        if row is None:
            self.lines.setText("")
            return
        parts = " · ".join(f"{line.period} {line.item_name} {line.units_text} {line.billable:,}원" for line in row.lines)
        why = f"\n청구할 수 없음: {row.problem}" if row.problem else (f"\n참고: {row.note}" if row.note else "")
        self.lines.setText(f"{row.customer_name}: {parts}{why}")

    def confirm_bill(self) -> None:
        """[청구 확정]: bill the households that can be billed; the service recomputes, all or nothing."""
        seen = self.preview
        if seen is None or not seen.ready or self.ctx.contract_id is None:
            return
        said: list[str] = []
        ids = [h.customer_id for h in seen.ready]
        try:
            said.append(late_fee_billing.bill(self.ctx.db, self.ctx.actor, self.ctx.contract_id, self.as_of,
                                              seen.period, ids, self.ctx.clock()).message)
        except ServiceError as error:
            show_error(self, error, "연체료 청구")
            self.load()  # someone else billed or requested meanwhile: show what holds now
            return
        skipped = f" 청구하지 않은 세대: {len(seen.blocked):,}세대." if seen.blocked else ""
        self.message = said[0] + skipped
        self.accept()
