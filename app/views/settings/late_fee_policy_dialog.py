"""연체료 규정의 입력 줄 (`PolicyForm`) and the dialog that sets one item's own policy (`LateFeePolicyDialog`).

The same form serves the contract's default (on the 연체료·독촉 규정 page, saved by the box's [저장])
and an item's own policy (in the dialog), so the clerk types a rate the same way in both places: in
percent as the 관리규약 states it. Under the inputs, the line the other screens will print and a
worked example ("미납 100,000원을 납기 30일 뒤에 내면 연체료 1,250원") computed by the very function
that computes late fees, so the clerk sees at once whether "0.05" means what the 관리규약 means.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.models import LateFeeBasis
from app.services.collection import late_fees
from app.services.common.errors import ServiceError
from app.services.common.validation import ValidationError
from app.services.settings import arrears_rules as rules
from app.services.settings.arrears_rules import ItemPolicy, LateFeeForm, PolicyRow
from app.views.common.base import grow_to_fit, hint_label
from app.views.common.context import AppContext
from app.views.common.dialogs import accept_row

EXAMPLE_BASE = 100_000
EXAMPLE_DAYS = 30
ROUNDING_CHOICES = ((1, "원 미만 절사"), (10, "10원 미만 절사"), (100, "100원 미만 절사"), (1000, "1,000원 미만 절사"))
BASIS_CHOICES = ((LateFeeBasis.DAY, "일 (하루마다)"), (LateFeeBasis.MONTH, "월 (한 달마다)"))


def _small(width: int, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setAlignment(Qt.AlignmentFlag.AlignRight)
    edit.setPlaceholderText(placeholder)
    edit.setFixedWidth(width)
    return edit


class PolicyForm(QWidget):
    """The inputs of one late-fee policy, with the line it reads as and a worked example."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.enabled = QCheckBox("연체료 사용")
        self.basis = QComboBox()
        for basis, text in BASIS_CHOICES:
            self.basis.addItem(text, basis)
        self.rate = _small(80, "예: 0.05")
        self.rate.setMaxLength(10)
        self.rate_unit = QLabel("%/일")
        self.grace = _small(48, "0")
        self.grace.setMaxLength(3)
        self.cap = _small(110, "없음")
        self.cap.setMaxLength(16)
        self.rounding = QComboBox()
        for unit, text in ROUNDING_CHOICES:
            self.rounding.addItem(text, unit)
        for combo in (self.basis, self.rounding):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        # Two lines always (the line, then the example), so the form does not jump as the clerk types.
        self.summary = QLabel("")
        self.summary.setObjectName("hintText")
        self.summary.setMinimumHeight(self.summary.fontMetrics().lineSpacing() * 2 + 2)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

        first = self.first_row = QHBoxLayout()  # a page may put its [저장] at the end of it
        first.addWidget(self.enabled)
        first.addSpacing(12)
        for caption, widgets in (("계산 방식", (self.basis,)), ("연체요율", (self.rate, self.rate_unit)),
                                 ("유예일수", (self.grace, QLabel("일")))):
            first.addWidget(QLabel(caption))
            for widget in widgets:
                first.addWidget(widget)
            first.addSpacing(12)
        first.addStretch(1)
        second = QHBoxLayout()
        second.addWidget(QLabel("한도 (건당)"))
        second.addWidget(self.cap)
        second.addWidget(QLabel("원 (비우면 한도 없음)"))
        second.addSpacing(12)
        second.addWidget(QLabel("절사"))
        second.addWidget(self.rounding)
        second.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(first)
        layout.addLayout(second)
        layout.addWidget(self.summary)

        self.enabled.toggled.connect(lambda _on: self._changed())
        self.basis.currentIndexChanged.connect(lambda _i: self._changed())
        self.rounding.currentIndexChanged.connect(lambda _i: self._changed())
        for edit in (self.rate, self.grace, self.cap):
            edit.textChanged.connect(lambda _t: self._changed())
        self._editable = True
        self._update()

    # --- in and out ----------------------------------------------------------------------------------

    def set_policy(self, policy: PolicyRow) -> None:
        """Show `policy` (a never-saved one shows "사용 안 함" with empty figures) without signalling a change."""
        self.blockSignals(True)
        for widget in (self.enabled, self.basis, self.rounding, self.rate, self.grace, self.cap):
            widget.blockSignals(True)
        self.enabled.setChecked(policy.enabled)
        self.basis.setCurrentIndex(max(0, self.basis.findData(policy.basis)))
        self.rate.setText(policy.rate_text)
        self.grace.setText(str(policy.grace_days) if policy.saved else "")
        self.cap.setText(f"{policy.cap_amount:,}" if policy.cap_amount is not None else "")
        self.rounding.setCurrentIndex(max(0, self.rounding.findData(policy.rounding_unit)))
        for widget in (self.enabled, self.basis, self.rounding, self.rate, self.grace, self.cap):
            widget.blockSignals(False)
        self.blockSignals(False)
        self._update()

    def form(self, version: str | None) -> LateFeeForm:
        return LateFeeForm(enabled=self.enabled.isChecked(), basis=LateFeeBasis(self.basis.currentData()),
                           rate=self.rate.text(), grace_days=self.grace.text(), cap=self.cap.text(),
                           rounding_unit=int(self.rounding.currentData()), version=version)

    def set_editable(self, editable: bool) -> None:
        """Read-only (조회·담당자, or an item following the default): shown, not changeable."""
        self._editable = editable
        self._update()

    def field_widget(self, field: str) -> QWidget:
        """The input a refusal names, to put the cursor there."""
        return {rules.RATE_FIELD: self.rate, rules.GRACE_FIELD: self.grace, rules.CAP_FIELD: self.cap,
                rules.ROUNDING_FIELD: self.rounding, rules.BASIS_FIELD: self.basis}.get(field, self.rate)

    # --- the line and the example ---------------------------------------------------------------------

    def _changed(self) -> None:
        self._update()
        self.changed.emit()

    def _update(self) -> None:
        on = self.enabled.isChecked()
        self.enabled.setEnabled(self._editable)
        for widget in (self.basis, self.rate, self.grace, self.cap, self.rounding):
            widget.setEnabled(self._editable and on)
        daily = self.basis.currentData() == LateFeeBasis.DAY
        self.rate_unit.setText("%/일" if daily else "%/월")
        self.summary.setText(self.summary_text())

    def summary_text(self) -> str:
        """"→ 일 0.05% · 유예 5일 · … — 예) 미납 100,000원을 …": or what is wrong with the figures typed."""
        if not self.enabled.isChecked():
            return "→ 사용 안 함: 연체료를 계산하지 않습니다."
        try:
            terms = rules.validate_policy(self.form(None))
        except ValidationError as error:
            return f"→ {error.field}: {error.message}"
        rule = late_fees.Rule(terms.basis, terms.rate_ppm, terms.grace_days, terms.cap_amount, terms.rounding_unit)
        due = date(2026, 1, 5)  # any day: the example counts days after it
        fee = late_fees.fee_for(rule, EXAMPLE_BASE, due, due + timedelta(days=EXAMPLE_DAYS))
        return (f"→ {rules.policy_text(terms)}\n"
                f"예) 미납 {EXAMPLE_BASE:,}원을 납기 {EXAMPLE_DAYS}일 뒤에 내면 연체료 {fee:,}원")


class LateFeePolicyDialog(QDialog):
    """One item's late fee: follow the contract default, or its own policy (which may be "사용 안 함")."""

    def __init__(self, ctx: AppContext, contract_id: int, item: ItemPolicy, default: PolicyRow,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.contract_id, self.item, self.default = ctx, contract_id, item, default
        self.message = ""
        editable = ctx.actor.is_admin
        self.setWindowTitle(f"연체료 규정 — {item.code} {item.name}")
        self.setMinimumWidth(660)
        self.follow = QRadioButton(f"기본 규정 따름 ({default.text})")
        self.own = QRadioButton("이 항목만 따로 정함")
        choice = QButtonGroup(self)
        choice.addButton(self.follow)
        choice.addButton(self.own)
        self.policy = PolicyForm(self)
        self.policy.set_policy(item.own if item.own is not None else default)
        (self.own if item.own is not None else self.follow).setChecked(True)
        for radio in (self.follow, self.own):
            radio.setEnabled(editable)
        self.error = QLabel("")
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setVisible(False)

        layout = QVBoxLayout(self)
        layout.addWidget(hint_label("항목마다 관리규약이 다르면 이 항목만의 규정을 정합니다. '사용 안 함'으로 정하면 "
                                    "기본 규정과 상관없이 이 항목에는 연체료가 붙지 않습니다."))
        layout.addWidget(self.follow)
        layout.addWidget(self.own)
        layout.addWidget(self.policy)
        if not editable:
            layout.addWidget(hint_label("연체료 규정은 관리자만 바꿀 수 있습니다.", warning=True))
        layout.addWidget(self.error)
        buttons = accept_row("저장", self.save, self.reject)
        self.save_button = buttons.accept
        self.save_button.setVisible(editable)
        buttons.reject.setText("취소" if editable else "닫기")
        layout.addWidget(buttons.box)
        self.own.toggled.connect(lambda _on: self._choice_changed())
        self._choice_changed()

    def _choice_changed(self) -> None:
        own = self.own.isChecked()
        self.policy.set_editable(own and self.ctx.actor.is_admin)
        if not own:
            self.policy.set_policy(self.default)

    def save(self) -> None:
        """Save through the service; a refusal stays in the dialog in red, naming the field."""
        version = self.item.own.version if self.item.own is not None else rules.unsaved_version(self.item.item_id)
        name = f"{self.item.code} {self.item.name}"
        try:
            if self.follow.isChecked():
                rules.use_default(self.ctx.db, self.ctx.actor, self.contract_id, self.item.item_id, version=version)
                self.message = f"'{name}'은(는) 이제 기본 규정을 따릅니다: {self.default.text}"
            else:
                saved = rules.save_late_fee_policy(self.ctx.db, self.ctx.actor, self.contract_id, self.item.item_id,
                                                   self.policy.form(version))
                self.message = f"'{name}'의 연체료 규정을 저장했습니다: {saved.text}"
        except ValidationError as error:
            self._fail(error.lines())
            self.policy.field_widget(error.field).setFocus(Qt.FocusReason.OtherFocusReason)
            return
        except ServiceError as error:
            self._fail(error.message)
            return
        self.accept()

    def _fail(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(True)
        grow_to_fit(self)
