"""반환관리 > [반환 계산]: choose the student and the reason, see the table's computation, then 반환 등록.

The clerk finds the customer (number, payer or student name), says 퇴원 (every item) or 수강중단 (one
item) and the day, and for an item taught in sessions how many were held this month. [계산] asks the
refund service, which alone knows the table; the dialog shows each month's line, the total and the
due day *before* anything is saved. [반환 등록] stays off until a computation matches what is on screen
(any change asks for [계산] again), and asks once more, saying that the agreements end.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.models import RefundKind
from app.services.collection import refunds
from app.services.collection.refunds import RefundCustomer, RefundPlan
from app.views.collection.table_models import ALIGN_CENTER, Column, date_edit, fit, money_column, office_today
from app.views.common.base import confirm, hint_label, run_guarded
from app.views.common.context import AppContext
from app.views.common.date_pickers import mark_closed_days, qdate_to_date
from app.views.common.dialogs import accept_row
from app.views.common.tables import RowsModel, make_table

LINE_COLUMNS = (
    Column("청구월", lambda r: r.period, ALIGN_CENTER),
    Column("집금항목", lambda r: r.item_name),
    money_column("납부액", lambda r: r.paid_amount),
    Column("적용 기준", lambda r: r.rule.label),
    Column("교습 경과", lambda r: f"{r.elapsed}{r.unit} / {r.total}{r.unit}", ALIGN_CENTER),
    money_column("반환액", lambda r: r.amount),
)


class RefundDialog(QDialog):
    """반환 계산 → 반환 등록 for one customer."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.plan: RefundPlan | None = None
        self.message = ""  # what 반환 등록 said, for the page's status line
        self.customers: list[RefundCustomer] = []
        self.sessions: dict[int, QSpinBox] = {}
        self.setWindowTitle("반환 계산")
        self.setMinimumWidth(820)
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label(
            "학원법 시행령 [별표 4]에 따라 계산합니다: 교습 시작 전 전액, 총 교습시간의 1/3 경과 전 2/3, "
            "1/2 경과 전 1/2, 그 뒤는 반환하지 않으며 그 다음 달부터 이미 낸 교습비는 전액 반환합니다."))

        self.search = QLineEdit()
        self.search.setPlaceholderText("고객번호 또는 납부자·학생 이름")
        self.search.setMinimumWidth(220)
        self.find_button = QPushButton("찾기")
        self.customer = QComboBox()
        self.customer.setMinimumWidth(300)
        find = QHBoxLayout()
        find.addWidget(QLabel("고객"))
        find.addWidget(self.search)
        find.addWidget(self.find_button)
        find.addWidget(self.customer, 1)
        layout.addLayout(find)

        self.withdrawal = QRadioButton("퇴원 (모든 집금항목)")
        self.course_stop = QRadioButton("수강중단")
        self.withdrawal.setChecked(True)
        self.kind = QButtonGroup(self)
        self.kind.addButton(self.withdrawal)
        self.kind.addButton(self.course_stop)
        self.item = QComboBox()
        self.item.setMinimumWidth(140)
        self.reason_on = date_edit(office_today(ctx))
        mark_closed_days(ctx, self.reason_on)
        reason = QHBoxLayout()
        reason.addWidget(QLabel("구분"))
        reason.addWidget(self.withdrawal)
        reason.addWidget(self.course_stop)
        reason.addWidget(self.item)
        reason.addSpacing(16)
        reason.addWidget(QLabel("사유 발생일"))
        reason.addWidget(self.reason_on)
        reason.addStretch(1)
        layout.addLayout(reason)

        self.sessions_box = QGroupBox("이번 달 진행한 교습 횟수 (횟수로 교습하는 항목)")
        self.sessions_form = QFormLayout(self.sessions_box)
        layout.addWidget(self.sessions_box)
        self.note = QLineEdit()
        self.note.setPlaceholderText("메모 (선택: 퇴원 사유 등)")
        self.compute_button = QPushButton("계산")
        self.compute_button.setProperty("primary", True)
        compute = QHBoxLayout()
        compute.addWidget(self.note, 1)
        compute.addWidget(self.compute_button)
        layout.addLayout(compute)

        self.lines_model = RowsModel(LINE_COLUMNS, self)
        self.lines_table = make_table(self.lines_model)
        self.lines_table.setMinimumHeight(110)
        layout.addWidget(self.lines_table, 1)
        self.explain = hint_label("")
        layout.addWidget(self.explain)
        self.total_label = QLabel()
        self.total_label.setObjectName("sectionTitle")
        self.total_label.setWordWrap(True)
        layout.addWidget(self.total_label)
        self.buttons = accept_row("반환 등록", self.register, self.reject, default=False)
        layout.addWidget(self.buttons.box)

        self.find_button.clicked.connect(self.find_customers)
        self.search.returnPressed.connect(self.find_customers)
        self.compute_button.clicked.connect(self.compute)
        self.customer.currentIndexChanged.connect(lambda _i: self._customer_moved())
        self.item.currentIndexChanged.connect(lambda _i: self._inputs_changed())
        self.kind.buttonToggled.connect(lambda *_a: self._inputs_changed())
        self.reason_on.dateChanged.connect(lambda *_a: self._forget())
        self.find_customers()

    # --- choosing -----------------------------------------------------------------------------------

    def find_customers(self) -> None:
        """Customers matching the search that have something a refund may cover."""
        if self.ctx.contract_id is None:
            return
        self.customers = refunds.refund_customers(self.ctx.db, self.ctx.actor, self.ctx.contract_id,
                                                  self.search.text())
        self.customer.blockSignals(True)
        self.customer.clear()
        for c in self.customers:
            student = f" · 학생 {c.student_name}" if c.student_name and c.student_name != c.name else ""
            self.customer.addItem(f"{c.customer_no} {c.name}{student} ({', '.join(a.item_name for a in c.agreements)})",
                                  c.customer_id)
        if not self.customers:
            self.customer.addItem("반환할 이체정보가 있는 고객이 없습니다", None)
        self.customer.blockSignals(False)
        self._customer_moved()

    def chosen_customer(self) -> RefundCustomer | None:
        return next((c for c in self.customers if c.customer_id == self.customer.currentData()), None)

    def _customer_moved(self) -> None:
        customer = self.chosen_customer()
        self.item.blockSignals(True)
        self.item.clear()
        for a in customer.agreements if customer else ():
            self.item.addItem(a.item_name, a.agreement_id)
        self.item.blockSignals(False)
        self._inputs_changed()

    def _inputs_changed(self) -> None:
        """The sessions asked for follow the scope (퇴원: every sessions item; 수강중단: the one chosen)."""
        self.item.setEnabled(self.course_stop.isChecked())
        customer = self.chosen_customer()
        while self.sessions_form.rowCount():
            self.sessions_form.removeRow(0)
        self.sessions = {}
        for a in customer.agreements if customer else ():
            if not a.teaching_sessions or (self.course_stop.isChecked() and a.agreement_id != self.item.currentData()):
                continue
            box = QSpinBox()
            box.setRange(0, a.teaching_sessions)
            box.setSuffix(f" / {a.teaching_sessions}회")
            box.valueChanged.connect(lambda _v: self._forget())
            self.sessions[a.agreement_id] = box
            self.sessions_form.addRow(f"{a.item_name}", box)
        self.sessions_box.setVisible(bool(self.sessions))
        self._forget()

    def _forget(self) -> None:
        """Something changed: the shown computation no longer matches, so it cannot be registered."""
        self.plan = None
        self.lines_model.set_rows([])
        self.explain.setText("")
        self.total_label.setText("[계산]을 눌러 반환금액을 확인하세요." if self.chosen_customer() else "")
        self.buttons.accept.setEnabled(False)

    # --- computing and registering ------------------------------------------------------------------

    def _arguments(self) -> tuple[int, RefundKind, int | None, dict[int, int]] | None:
        """(customer id, kind, the agreement of a 수강중단, sessions held per agreement) as on screen."""
        customer = self.chosen_customer()
        if customer is None:
            return None
        kind = RefundKind.COURSE_STOP if self.course_stop.isChecked() else RefundKind.WITHDRAWAL
        agreement_id = self.item.currentData() if kind is RefundKind.COURSE_STOP else None
        return customer.customer_id, kind, agreement_id, {aid: box.value() for aid, box in self.sessions.items()}

    def compute(self) -> None:
        """[계산]: the service's computation, line by line, the total and the due day (nothing saved)."""
        args = self._arguments()
        if args is None:
            return
        customer_id, kind, agreement_id, held = args
        found: list[RefundPlan] = []
        reason_on = qdate_to_date(self.reason_on)
        if not run_guarded(self, lambda: found.append(refunds.plan_refund(
                self.ctx.db, self.ctx.actor, customer_id, kind, reason_on, agreement_id=agreement_id,
                sessions_held=held, today=office_today(self.ctx)))):
            self._forget()
            return
        plan = found[0]
        self.plan = plan
        self.lines_model.set_rows(list(plan.lines))
        fit(self.lines_table)
        self.explain.setText("\n".join(line.explanation for line in plan.lines)
                             or "반환사유가 생긴 달부터 납부한 교습비가 없어 반환할 금액이 없습니다.")
        ends = ", ".join(plan.item_names)
        self.total_label.setText(
            f"반환 합계 {plan.amount:,}원 · 지급 기한 {plan.due_on:%Y-%m-%d} (사유 발생일 + 5일) · "
            f"{ends} 이체정보는 {plan.reason_on:%Y-%m}까지로 해지됩니다.")
        self.buttons.accept.setEnabled(self.ctx.actor.can_edit)

    def register(self) -> None:
        """[반환 등록]: asked once more, then recorded by the service (which computes it again)."""
        plan, args = self.plan, self._arguments()
        if plan is None or args is None:
            return
        customer_id, kind, agreement_id, held = args
        if not confirm(self, f"{plan.customer_name}: {kind.label}, 반환 {plan.amount:,}원 (기한 "
                             f"{plan.due_on:%Y-%m-%d})을 등록합니다. {', '.join(plan.item_names)} 이체정보는 "
                             f"{plan.reason_on:%Y-%m}까지로 해지되고 은행에 해지 신청이 나갑니다. 등록할까요?",
                       "반환 등록"):
            return
        said: list[str] = []
        if run_guarded(self, lambda: said.append(refunds.record_refund_outcome(
                self.ctx.db, self.ctx.actor, customer_id, kind, plan.reason_on, agreement_id=agreement_id,
                sessions_held=held, note=self.note.text(), today=office_today(self.ctx)).message)):
            self.message = f"{plan.customer_name}: {said[0]}"
            self.accept()
