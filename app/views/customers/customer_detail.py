"""고객 상세정보: one customer's record, its 이체정보 per item, and its history.

Numbers are masked here as everywhere. An administrator may press 개인정보 보기 to see this one
customer's full resident and account numbers; the service writes each press to the audit log, and
the numbers are dropped again when the window closes. 담당자 and 조회 do not get the button (and the
service refuses them anyway).

From here the clerk edits the customer and adds, edits or ends agreements, as the manual's 고객
상세정보 does; each of those dialogs saves on its own and this window reloads after it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.models import AgreementStatus, RegistrationState
from app.services.customers import records as customers
from app.services.customers.agreements import AgreementRow
from app.services.customers.arrears import customer_arrears
from app.services.customers.records import CustomerDetail, RevealedNumbers
from app.views.common.base import hint_label, run_guarded
from app.views.common.context import AppContext
from app.views.common.dialogs import close_row
from app.views.common.tables import (
    ALERT,
    ALIGN_CENTER,
    ALIGN_RIGHT,
    MUTED,
    Column,
    RowsModel,
    fit_columns,
    make_table,
)
from app.views.customers.agreement_dialog import AgreementDialog, EndAgreementDialog
from app.views.customers.customer_dialog import CustomerDialog
from app.views.customers.evidence_panel import DisputePdf, EvidenceDialog


def _won(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def _period(a: AgreementRow) -> str:
    return f"{a.first_month} ~ {a.last_month or ''}"


def _registration_colour(a: AgreementRow) -> QColor | None:
    if a.status is AgreementStatus.ENDED:
        return MUTED
    return ALERT if a.registration_state is RegistrationState.FAILED else None


class CustomerDetailDialog(QDialog):
    def __init__(self, ctx: AppContext, customer_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.customer_id = customer_id
        self.changed = False
        self.saved_id: int | None = None
        self.done_message = ""
        self.revealed: RevealedNumbers | None = None
        self.active_dialog: QDialog | None = None
        self.detail: CustomerDetail | None = None
        self.setMinimumSize(1000, 640)

        self.values: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(4)
        layout_fields = (
            ("고객번호", "고객명", "고객구분"), ("고객등급", "주민(사업자)번호", "대표자명"),
            ("전화번호", "휴대번호", "이메일"), ("업종", "최초가입일", "지역구분"), ("학생 이름", "학생 생년월일"),
            ("주소",), ("메모",),
        )
        for row, names in enumerate(layout_fields):
            for column, name in enumerate(names):
                caption = QLabel(name)
                caption.setObjectName("hintText")
                value = QLabel()
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                value.setWordWrap(len(names) == 1)
                self.values[name] = value
                grid.addWidget(caption, row, column * 2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
                grid.addWidget(value, row, column * 2 + 1, 1, 5 if len(names) == 1 else 1)
        for column in (1, 3, 5):
            grid.setColumnStretch(column, 1)

        self.edit_button = QPushButton("수정")
        self.active_button = QPushButton("사용중지")
        self.reveal_button = QPushButton("개인정보 보기")
        self.reveal_button.setToolTip("이 고객의 주민등록번호·계좌번호 전체를 봅니다. 감사 기록에 남습니다.")
        self.reveal_button.setVisible(ctx.actor.is_admin)
        self.reveal_note = hint_label("")
        for button in (self.edit_button, self.active_button):
            button.setVisible(ctx.actor.can_edit)

        self.agreement_model = RowsModel(self._agreement_columns(), self)
        self.agreement_table = make_table(self.agreement_model, self.edit_agreement)
        self.agreement_table.setMinimumHeight(120)
        self.agreement_table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.add_button = QPushButton("이체정보 추가")
        self.add_button.setProperty("primary", True)
        self.change_button = QPushButton("이체정보 수정")
        self.end_button = QPushButton("이체정보 해지")
        for button in (self.add_button, self.change_button, self.end_button):
            button.setVisible(ctx.actor.can_edit)
            button.setAutoDefault(False)

        self.history_model = RowsModel((
            Column("일자", lambda h: h.on.isoformat(), ALIGN_CENTER),
            Column("구분", lambda h: h.kind, ALIGN_CENTER),
            Column("집금항목", lambda h: h.item_name),
            Column("내용", lambda h: h.text),
            Column("금액", lambda h: _won(h.amount), ALIGN_RIGHT),
            Column("상태", lambda h: h.state, ALIGN_CENTER,
                   lambda h: ALERT if h.state in ("계좌신청미완료", "이체처리미완료") else None),
            Column("사유", lambda h: h.reason),
        ), self)
        self.history_table = make_table(self.history_model)
        self.history_table.setMinimumHeight(110)

        # Issue 16: 동의자료 of the selected agreement (any role, ended agreements too) and the payer's
        # 민원 자료 PDF (administrators: it holds the evidence in clear).
        self.evidence_button = QPushButton("동의자료")
        self.evidence_button.setAutoDefault(False)
        self.dispute_button = QPushButton("민원 자료 PDF")
        self.dispute_button.setToolTip("이 고객의 이체정보·동의자료·계좌신청 이력·출금과 수납 전부를 PDF 한 부로 저장합니다.")
        self.dispute_button.setVisible(ctx.actor.is_admin)
        self.dispute_button.setAutoDefault(False)
        self.dispute = DisputePdf(ctx, self)
        top = QHBoxLayout()
        top.addWidget(self.edit_button)
        top.addWidget(self.active_button)
        top.addStretch(1)
        top.addWidget(self.dispute_button)
        top.addWidget(self.reveal_button)
        self.reveal_note.setWordWrap(False)
        # Issue 19: the household's late fee as of today and its 독촉 보류, when there is either.
        self.arrears_note = hint_label("")
        self.arrears_note.setObjectName("arrearsNote")
        agreement_buttons = QHBoxLayout()
        agreement_buttons.addWidget(self._section("이체정보"))
        agreement_buttons.addStretch(1)
        for button in (self.add_button, self.change_button, self.end_button):
            agreement_buttons.addWidget(button)
        agreement_buttons.addWidget(self.evidence_button)
        close = close_row(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self._section("고객 기본정보"))
        layout.addLayout(grid)
        layout.addLayout(top)
        layout.addWidget(self.reveal_note)
        layout.addWidget(self.arrears_note)
        layout.addLayout(agreement_buttons)
        layout.addWidget(self.agreement_table, 3)
        layout.addWidget(self._section("이력 (계좌신청 · 이체의뢰 · 수납 · 독촉)"))
        layout.addWidget(self.history_table, 2)
        layout.addWidget(close)

        self.edit_button.clicked.connect(self.edit_customer)
        self.active_button.clicked.connect(self.toggle_active)
        self.reveal_button.clicked.connect(self.reveal)
        self.add_button.clicked.connect(self.add_agreement)
        self.change_button.clicked.connect(self.edit_agreement)
        self.end_button.clicked.connect(self.end_agreement)
        self.evidence_button.clicked.connect(self.show_evidence)
        self.dispute_button.clicked.connect(self.dispute_pdf)
        self.reload()

    @staticmethod
    def _section(text: str) -> QLabel:
        label = QLabel(text)
        label.setStyleSheet("font-weight: bold; color: #1f3b5b;")
        return label

    def _agreement_columns(self) -> tuple[Column, ...]:
        return (
            Column("집금항목", lambda a: a.item_name),
            Column("월이체금액", lambda a: _won(a.monthly_amount), ALIGN_RIGHT),
            Column("건당한도", lambda a: _won(a.debit_limit), ALIGN_RIGHT),
            Column("할인", lambda a: (f"{a.discount_rate}% " if a.discount_rate else "") + _won(a.discount_amount),
                   ALIGN_RIGHT),
            Column("이체기간", _period, ALIGN_CENTER),
            Column("이체일", lambda a: f"{a.debit_day}일", ALIGN_CENTER),
            Column("은행", lambda a: a.bank_name),
            Column("계좌번호", self._account_text, ALIGN_CENTER),
            Column("예금주", lambda a: a.holder_name),
            Column("생년월일/사업자번호", lambda a: a.holder_id, ALIGN_CENTER),
            Column("상태", lambda a: a.status.label, ALIGN_CENTER, lambda a: MUTED if a.status is AgreementStatus.ENDED else None),
            Column("계좌신청", lambda a: a.registration_text, ALIGN_CENTER, _registration_colour),
        )

    def _birth_text(self, d: CustomerDetail) -> str:
        """'2018-03-02 (올해 말 만 8세)': the 2026 rule counts 예체능 학원비 of children under 9 at the year's end."""
        born = d.student_birth_date
        if born is None:
            return ""
        year = self.ctx.clock().year
        return f"{born.isoformat()} ({year}년 말 만 {year - born.year}세)" if born.year <= year else born.isoformat()

    def _account_text(self, a: AgreementRow) -> str:
        if self.revealed is not None and a.id in self.revealed.accounts:
            return self.revealed.accounts[a.id]
        return a.account_masked

    # --- loading ------------------------------------------------------------------------------

    def reload(self) -> None:
        d = customers.get_customer_detail(self.ctx.db, self.ctx.actor, self.customer_id)
        self.detail = d
        self.setWindowTitle(f"고객 상세정보 — {d.customer_no} {d.name}")
        identity = (d.business_no and f"{d.business_no[:3]}-{d.business_no[3:5]}-{d.business_no[5:]}") or d.resident_masked
        if self.revealed is not None and self.revealed.resident_no:
            identity = f"{self.revealed.resident_no[:6]}-{self.revealed.resident_no[6:]}"
        texts = {
            "고객번호": d.customer_no, "고객명": d.name + ("" if d.active else "  (사용중지)"),
            "고객구분": d.customer_type.label, "고객등급": d.grade, "주민(사업자)번호": identity,
            "대표자명": d.representative, "전화번호": d.phone, "휴대번호": d.mobile, "이메일": d.email,
            "업종": d.industry, "최초가입일": d.joined_on.isoformat() if d.joined_on else "", "지역구분": d.region,
            "주소": " ".join(p for p in (f"({d.postal_code})" if d.postal_code else "", d.address, d.address_detail) if p),
            "메모": d.memo, "학생 이름": d.student_name or ("" if not d.student_birth_date else "(고객 본인)"),
            "학생 생년월일": self._birth_text(d),
        }
        for name, value in texts.items():
            self.values[name].setText(value or "-")
        self.active_button.setText("사용재개" if not d.active else "사용중지")
        self.reveal_button.setEnabled(self.revealed is None)
        arrears = customer_arrears(self.ctx.db, self.ctx.actor, self.customer_id, self.ctx.clock().date())
        self.arrears_note.setText(arrears.summary)
        self.arrears_note.setVisible(bool(arrears.summary))
        self.agreement_model.set_rows(d.agreements)
        self.history_model.set_rows(sorted((*d.history, *arrears.history), key=lambda h: h.on, reverse=True))
        fit_columns(self.agreement_table, maximum=260)
        fit_columns(self.history_table, maximum=300)
        if d.agreements:
            self.agreement_table.selectRow(0)
        self._update_buttons()

    def selected_agreement(self) -> AgreementRow | None:
        rows = self.agreement_table.selectionModel().selectedRows()
        return self.agreement_model.row_at(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        selected = self.selected_agreement()
        live = selected is not None and selected.status is AgreementStatus.ACTIVE
        active_customer = self.detail is not None and self.detail.active
        self.add_button.setEnabled(active_customer)
        self.change_button.setEnabled(live and active_customer)
        self.end_button.setEnabled(live)
        self.evidence_button.setEnabled(selected is not None)

    # --- actions -----------------------------------------------------------------------------

    def _open(self, dialog: QDialog) -> None:
        self.active_dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._after(dialog))
        # 이체정보 추가 without any item sends the clerk to 집금항목관리: this window makes way for it.
        dialog.rejected.connect(lambda: self.reject() if getattr(dialog, "went_to_items", False) else None)
        dialog.open()

    def _after(self, dialog: QDialog) -> None:
        self.changed = True
        self.saved_id = self.customer_id
        self.done_message = getattr(dialog, "done_message", "") or "저장했습니다."
        self.reveal_note.setText(self.done_message)
        self.reload()

    def edit_customer(self) -> None:
        if self.detail is not None:
            self._open(CustomerDialog(self.ctx, self.detail, self))

    def add_agreement(self) -> None:
        if self.detail is not None:
            self._open(AgreementDialog(self.ctx, self.detail, None, self))

    def edit_agreement(self) -> None:
        selected = self.selected_agreement()
        if self.detail is not None and selected is not None and selected.status is AgreementStatus.ACTIVE \
                and self.ctx.actor.can_edit:
            self._open(AgreementDialog(self.ctx, self.detail, selected, self))

    def end_agreement(self) -> None:
        selected = self.selected_agreement()
        if self.detail is not None and selected is not None and selected.status is AgreementStatus.ACTIVE:
            self._open(EndAgreementDialog(self.ctx, self.detail, selected, self))

    def show_evidence(self) -> None:
        """동의자료 of the selected agreement: shown to every role; attaching and opening as the role allows."""
        selected = self.selected_agreement()
        if self.detail is not None and selected is not None:
            self._open(EvidenceDialog(self.ctx, f"{self.detail.customer_no} {self.detail.name}", selected, self))

    def dispute_pdf(self) -> None:
        if self.detail is not None and self.ctx.actor.is_admin:
            self.dispute.save(self.detail.id, self.detail.customer_no, self.detail.name)

    def toggle_active(self) -> None:
        d = self.detail
        if d is None:
            return
        if run_guarded(self, lambda: customers.set_active(self.ctx.db, self.ctx.actor, d.id, not d.active,
                                                          version_id=d.version_id)):
            self.changed = True
            self.saved_id = d.id
            self.done_message = f"고객 {d.customer_no}을(를) {'사용재개' if not d.active else '사용중지'}했습니다."
            self.reveal_note.setText(self.done_message)
            self.reload()

    def reveal(self) -> None:
        """개인정보 보기: this customer's full numbers, until the window closes; audited by the service."""
        def action() -> None:
            self.revealed = customers.reveal_personal_data(self.ctx.db, self.ctx.actor, self.customer_id,
                                                           self.ctx.data_key)
        if run_guarded(self, action):
            self.reveal_note.setText("개인정보를 표시하고 있습니다 (감사 기록에 남았습니다). 창을 닫으면 다시 가려집니다.")
            self.reload()

    def done(self, result: int) -> None:  # Qt override
        self.revealed = None  # drop the numbers with the window
        super().done(result)
