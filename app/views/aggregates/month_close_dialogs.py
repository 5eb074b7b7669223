"""월마감's two questions that need a written reason: closing with bank results still missing, and
reopening a closed month. Both keep the accepting button off until a reason is typed, because the
services refuse an empty one and the reason is printed on the close report for the council."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QDialog, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from app.services.aggregates.month_close import MissingResult, month_label
from app.views.collection.table_models import ALIGN_CENTER, Column, fit, money_column
from app.views.common.base import hint_label
from app.views.common.dialogs import accept_row
from app.views.common.tables import RowsModel, make_table

MISSING_COLUMNS = (
    Column("출금일", lambda m: f"{m.debit_date:%Y-%m-%d}", ALIGN_CENTER),
    Column("고객번호", lambda m: m.customer_no),
    Column("세대", lambda m: m.customer_name),
    Column("집금항목", lambda m: m.item),
    money_column("의뢰금액", lambda m: m.amount),
    Column("상태", lambda m: m.state.label, ALIGN_CENTER),
)


class ReasonDialog(QDialog):
    """A reason for an administrator's act on a month, with what it is about above it."""

    def __init__(self, title: str, text: str, accept_text: str, placeholder: str,
                 missing: Sequence[MissingResult] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(560)
        self.reason = ""
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label(text))
        if missing:
            self.missing_model = RowsModel(MISSING_COLUMNS, self)
            self.missing_model.set_rows(list(missing))
            table = make_table(self.missing_model)
            table.setMinimumHeight(120)
            fit(table)
            layout.addWidget(table)
        layout.addWidget(QLabel("사유 (필수)"))
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setPlaceholderText(placeholder)
        self.reason_edit.setFixedHeight(72)
        layout.addWidget(self.reason_edit)
        self.buttons = accept_row(accept_text, self._accept, self.reject, default=False)
        layout.addWidget(self.buttons.box)
        self.reason_edit.textChanged.connect(self._reason_changed)
        self._reason_changed()

    def _reason_changed(self) -> None:
        self.buttons.accept.setEnabled(bool(self.reason_edit.toPlainText().strip()))

    def _accept(self) -> None:
        self.reason = self.reason_edit.toPlainText().strip()
        if self.reason:
            self.accept()


def override_dialog(period: str, missing: Sequence[MissingResult], parent: QWidget | None = None) -> ReasonDialog:
    """[마감] with results missing: the requests still with the bank, and why close anyway."""
    label = month_label(period)
    return ReasonDialog(
        f"{label} 마감 — 결과 미수신", f"{label}의 출금일에 은행 결과가 아직 없는 이체의뢰가 {len(missing):,}건 있습니다. "
        "결과를 기다리지 않고 마감하면 나중에 온 결과는 이 달이 다시 열릴 때까지 반영되지 않습니다. 그래도 마감하려면 "
        "사유를 적으세요. 사유와 건수는 마감 기록과 보고서에 남습니다.",
        "사유를 적고 마감", "예: 운영위원회 보고 일정, 은행에 결과 확인 중", missing, parent)


def reopen_dialog(period: str, parent: QWidget | None = None) -> ReasonDialog:
    """[마감 취소(재개방)]: why the month is opened again."""
    label = month_label(period)
    return ReasonDialog(
        f"{label} 마감 취소(재개방)", f"{label} 마감을 취소하면 이 달의 청구·이체의뢰·수납을 다시 고칠 수 있습니다. 이번 마감 "
        "보고서는 '재개방으로 대체됨'으로 표시되고, 고친 뒤 다시 마감하면 새 보고서가 만들어집니다.",
        "재개방", "예: 10월 현금수납 누락분 반영", (), parent)
