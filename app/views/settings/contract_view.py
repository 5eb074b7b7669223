"""환경설정 > 계약정보: the selected CMS contract, as the relay and the bank files carry it.

Every value here ends up in a bank file or decides when files are sent, so the form is checked by
`contracts.validate_contract` and a refusal is shown under the form naming the field, with the
typed values left in place. 통장기재내용 is printed in each payer's passbook and is limited to 16
bytes of EUC-KR, so a live counter shows the bytes as they are typed. Two administrators editing
the same contract are caught by optimistic locking; the second is told and can reload.

학원 정보 (issue 18): the 학원 등록번호 and 소재지 the 교육비 납입증명서 prints are saved with the form;
the 직인 is saved at once by its own buttons (a picture is not "typed"), shown as it will be stamped:
normalised by `seal.normalise`, paper made transparent.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTime
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.services.common import validation
from app.services.common.errors import ServiceError
from app.services.common.validation import ValidationError
from app.services.exchange.cms import banks
from app.services.settings import contracts, seal
from app.services.settings.contracts import ContractForm, ContractRow
from app.views.common.base import Page, confirm, hint_label, run_guarded
from app.views.common.context import AppContext
from app.views.settings.user_dialog import note, read_only

PASSBOOK_MAX_BYTES = validation.PASSBOOK_MAX_BYTES
SEAL_BOX = QSize(120, 120)
SEAL_FILTER = "이미지 (*.png *.jpg *.jpeg *.bmp *.gif)"
OK_STYLE = "color: #555555;"
BAD_STYLE = "color: #c0392b; font-weight: bold;"


def passbook_bytes(text: str) -> tuple[int, list[str]]:
    """Bytes as the bank file counts them, and the characters strict EUC-KR (KS X 1001) cannot carry.

    Python's `euc_kr` codec writes syllables outside KS X 1001 (e.g. 똠) as an 8-byte jamo
    sequence the banks do not accept, so only a genuine 2-byte code counts as inside.
    """
    outside = [c for c in text if ord(c) >= 0x80 and len(c.encode("euc_kr", errors="ignore")) != 2]
    return validation.euc_kr_bytes(text), outside


def business_no_text(value: str) -> str:
    """1248100998 → 124-81-00998, as printed on the registration certificate; other input as typed."""
    try:
        return validation.format_business_no(value)
    except ValueError:
        return value


def _time(value: time) -> QTime:
    return QTime(value.hour, value.minute)


class ContractPage(Page):
    """계약정보: edit the selected contract (관리자) or read it (everyone else); 새 계약 추가 for a second one."""

    title = "계약정보"
    key = "settings.contract"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.contract: ContractRow | None = None
        self.creating = False
        self.dirty = False
        self._loading = False
        self._build_fields()
        self._build_layout()
        self._set_editable(ctx.actor.is_admin)

    # --- building ------------------------------------------------------------------------------

    def _build_fields(self) -> None:
        self.institution_code = QLineEdit()
        self.institution_code.setMaxLength(10)
        self.institution_code.setPlaceholderText("10자리")
        self.name = QLineEdit()
        self.name.setMaxLength(100)
        self.business_no = QLineEdit()
        self.business_no.setMaxLength(12)
        self.business_no.setPlaceholderText("123-45-67890")
        self.business_no.editingFinished.connect(
            lambda: self.business_no.setText(business_no_text(self.business_no.text())))
        self.representative = QLineEdit()
        self.representative.setMaxLength(50)
        self.bank = QComboBox()
        for code, bank_name in sorted(banks.BANK_NAMES.items()):
            self.bank.addItem(f"{code} {bank_name}", code)
        self.account_no = QLineEdit()
        self.account_no.setMaxLength(20)
        self.passbook = QLineEdit()
        self.passbook.setMaxLength(PASSBOOK_MAX_BYTES * 2)
        self.passbook_counter = QLabel()
        self.passbook.textChanged.connect(self._count_passbook)
        self.fee_debit = self._won_box()
        self.fee_registration = self._won_box()
        self.debit_days = QLineEdit()
        self.debit_days.setPlaceholderText("예: 5, 15, 25")
        self.registration_cutoff = self._time_box()
        self.request_cutoff = self._time_box()
        self.result_time = self._time_box()
        self.auto_request = QCheckBox("사용")
        self.auto_lead = QSpinBox()
        self.auto_lead.setRange(0, 24 * 60)
        self.auto_lead.setSingleStep(10)
        self.auto_lead.setSuffix(" 분 전")
        self.auto_lead.setFixedWidth(110)
        self.auto_request.toggled.connect(self._sync_enabled)
        self.approval = QCheckBox("사용")
        self.approval_labels = QLineEdit()
        self.approval_labels.setPlaceholderText("담당,과장,원장")
        self.approval.toggled.connect(self._sync_enabled)
        self.year_end = QCheckBox("12월 31일은 이체하지 않음")
        self.partial_debit = QCheckBox("허용 (잔액이 모자라면 있는 만큼 출금)")
        self.registration_no = QLineEdit()
        self.registration_no.setMaxLength(contracts.REGISTRATION_NO_MAX)
        self.registration_no.setPlaceholderText("예: 제2019-12호 (교육지원청 학원 등록증)")
        self.address = QLineEdit()
        self.address.setMaxLength(contracts.ADDRESS_MAX)
        self.address.setPlaceholderText("학원 등록증의 소재지")
        self.seal_preview = QLabel("등록된 직인 없음")
        self.seal_preview.setObjectName("sealPreview")
        self.seal_preview.setFixedSize(SEAL_BOX + QSize(12, 12))
        self.seal_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.seal_preview.setStyleSheet("background: white; border: 1px solid #c8c8c8; color: #888888;")
        self.seal_button = QPushButton("직인 등록…")
        self.seal_button.clicked.connect(self.choose_seal)
        self.seal_delete_button = QPushButton("직인 삭제")
        self.seal_delete_button.clicked.connect(self.delete_seal)
        self.seal_status = QLabel("")
        self.seal_status.setObjectName("hintText")
        self.seal_status.setWordWrap(True)
        self.partial_debit.setToolTip("이체의뢰 파일의 출금형태를 '0'(부분출금 허용)으로 보냅니다. 끄면 '1'(전액출금):\n"
                                      "잔액이 의뢰금액보다 적으면 한 푼도 출금되지 않습니다.\n"
                                      "출금되지 않은 금액은 미수납으로 남아 재처리·현금수납·다음 달 의뢰에서 받습니다.")

        self.error = QLabel("")
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        self.reload_button = QPushButton("최신 내용 불러오기")
        self.reload_button.setVisible(False)
        self.reload_button.clicked.connect(lambda: self.load(force=True))
        self.new_button = QPushButton("새 계약 추가")
        self.new_button.clicked.connect(self.start_new)
        self.cancel_new_button = QPushButton("추가 취소")
        self.cancel_new_button.setVisible(False)
        self.cancel_new_button.clicked.connect(lambda: self.load(force=True))
        self.save_button = QPushButton("저장")
        self.save_button.setProperty("primary", True)
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)

        for edit in (self.institution_code, self.name, self.business_no, self.representative, self.account_no,
                     self.passbook, self.debit_days, self.approval_labels, self.registration_no, self.address):
            edit.textChanged.connect(self._mark_dirty)
            edit.returnPressed.connect(self.save)
        for spin in (self.fee_debit, self.fee_registration, self.auto_lead):
            spin.valueChanged.connect(self._mark_dirty)
        for time_box in (self.registration_cutoff, self.request_cutoff, self.result_time):
            time_box.timeChanged.connect(self._mark_dirty)
        for check in (self.auto_request, self.approval, self.year_end, self.partial_debit):
            check.toggled.connect(self._mark_dirty)
        self.bank.currentIndexChanged.connect(self._mark_dirty)

    @staticmethod
    def _won_box() -> QSpinBox:
        box = QSpinBox()
        box.setRange(0, 100_000)
        box.setSingleStep(10)
        box.setSuffix(" 원")
        box.setGroupSeparatorShown(True)
        box.setAlignment(Qt.AlignmentFlag.AlignRight)
        box.setFixedWidth(140)
        return box

    @staticmethod
    def _time_box() -> QTimeEdit:
        box = QTimeEdit()
        box.setDisplayFormat("HH:mm")
        box.setFixedWidth(90)
        return box

    @staticmethod
    def _form(box: QGroupBox) -> QFormLayout:
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return form

    def _build_layout(self) -> None:
        self.header = hint_label("")
        self.body.addWidget(self.header)

        basic = QGroupBox("기본 정보")
        form = self._form(basic)
        form.addRow("이용기관코드", self.institution_code)
        form.addRow("계약명(이용기관명)", self.name)
        form.addRow("사업자등록번호", self.business_no)
        form.addRow("대표자명", self.representative)

        settlement = QGroupBox("정산")
        form = self._form(settlement)
        form.addRow("정산은행", self.bank)
        form.addRow("정산계좌번호", self.account_no)
        form.addRow("통장기재내용", self.passbook)
        form.addRow("", self.passbook_counter)
        form.addRow("건당수수료(이체)", self.fee_debit)
        form.addRow("건당수수료(계좌신청)", self.fee_registration)

        schedule = QGroupBox("일정")
        form = self._form(schedule)
        form.addRow("이체가능일", self.debit_days)
        form.addRow("", note("매월 출금할 수 있는 날, 쉼표로 구분 (1~31)"))
        form.addRow("계좌신청 마감시각", self.registration_cutoff)
        form.addRow("이체의뢰 마감시각", self.request_cutoff)
        form.addRow("결과 수신시각", self.result_time)
        auto_row = QHBoxLayout()
        auto_row.addWidget(self.auto_request)
        auto_row.addWidget(self.auto_lead)
        auto_row.addWidget(QLabel("(이체의뢰 마감 기준)"))
        auto_row.addStretch(1)
        form.addRow("자동 이체의뢰", auto_row)
        form.addRow("부분출금", self.partial_debit)

        other = QGroupBox("출력·휴무")
        form = self._form(other)
        form.addRow("결재란", self.approval)
        form.addRow("결재란 칸 이름", self.approval_labels)
        form.addRow("", note("출력물 결재란에 들어갈 칸, 쉼표로 구분 (1~5칸)"))
        form.addRow("연말 휴무(12/31)", self.year_end)

        academy = QGroupBox("학원 정보 (교육비 납입증명서·반환 확인서에 인쇄)")
        academy_row = QHBoxLayout(academy)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.addRow("학원 등록번호", self.registration_no)
        form.addRow("소재지", self.address)
        form.addRow("", note("학원이 아니면 비워 두세요.\n학원명·대표자는 기본 정보의 것을 씁니다."))
        academy_row.addLayout(form, 1)
        seal_label = QLabel("직인")
        academy_row.addWidget(seal_label, 0, Qt.AlignmentFlag.AlignTop)
        academy_row.addWidget(self.seal_preview, 0, Qt.AlignmentFlag.AlignTop)
        seal_buttons = QHBoxLayout()
        seal_buttons.addWidget(self.seal_button)
        seal_buttons.addWidget(self.seal_delete_button)
        seal_buttons.addStretch(1)
        seal_side = QVBoxLayout()
        seal_side.addLayout(seal_buttons)
        seal_side.addWidget(note("버튼을 누르면 바로 저장됩니다.\nPNG·JPEG·BMP·GIF, 2MB 이하.\n"
                                 "흰 바탕은 투명하게 바꾸고\n300×300픽셀 안으로 줄입니다."))
        seal_side.addWidget(self.seal_status)
        seal_side.addStretch(1)
        academy_row.addLayout(seal_side)

        content = QWidget()
        grid = QGridLayout(content)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(basic, 0, 0)
        grid.addWidget(settlement, 1, 0)
        grid.addWidget(schedule, 0, 1)
        grid.addWidget(other, 1, 1)
        grid.addWidget(academy, 2, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(3, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)
        self.body.addWidget(scroll, 1)

        self.body.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reload_button)
        buttons.addStretch(1)
        self.status = QLabel("")
        self.status.setObjectName("hintText")
        buttons.addWidget(self.status)
        for button in (self.new_button, self.cancel_new_button, self.save_button):
            buttons.addWidget(button)
        self.body.addLayout(buttons)
        self.setMinimumSize(760, 520)

    def _set_editable(self, editable: bool) -> None:
        """Others read the contract: line edits stay selectable (read-only), the rest is disabled."""
        if not editable:
            for edit in (self.institution_code, self.name, self.business_no, self.representative,
                         self.account_no, self.passbook, self.debit_days, self.registration_no, self.address):
                read_only(edit, focusable=True)
        for widget in (self.bank, self.fee_debit, self.fee_registration, self.registration_cutoff,
                       self.request_cutoff, self.result_time, self.auto_request, self.auto_lead, self.approval,
                       self.approval_labels, self.year_end, self.partial_debit):
            widget.setEnabled(editable)
        for button in (self.save_button, self.new_button, self.seal_button, self.seal_delete_button):
            button.setVisible(editable)
        if editable:
            self._sync_enabled()

    # --- loading -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload on show or contract change, but never over edits not yet saved to this same contract."""
        self.load(force=False)

    def load(self, *, force: bool) -> None:
        contract_id = self.ctx.contract_id
        same = self.contract is not None and self.contract.id == contract_id
        if not force and self.dirty and (same or self.creating):
            return
        self.creating = False
        self.contract = contracts.get_contract(self.ctx.db, self.ctx.actor, contract_id) if contract_id else None
        self._fill(self.contract)
        if self.contract is None:
            self.header.setText("계약이 없습니다. [새 계약 추가]로 계약정보를 입력하세요."
                                if self.ctx.actor.is_admin else "선택된 계약이 없습니다.")
        else:
            state = "" if self.contract.active else " · 사용하지 않는 계약"
            self.header.setText(f"{self.contract.name} ({self.contract.institution_code}){state}"
                                + ("" if self.ctx.actor.is_admin else " · 관리자만 수정할 수 있습니다."))
        self.save_button.setEnabled(self.contract is not None)
        self.cancel_new_button.setVisible(False)
        self.new_button.setEnabled(True)

    def _fill(self, row: ContractRow | None) -> None:
        self._loading = True
        self.institution_code.setText(row.institution_code if row else "")
        self.name.setText(row.name if row else "")
        self.business_no.setText(business_no_text(row.business_no) if row else "")
        self.representative.setText(row.representative if row else "")
        code = row.settlement_bank_code if row else ""
        if code and self.bank.findData(code) < 0:
            self.bank.addItem(f"{code} (알 수 없는 은행)", code)
        self.bank.setCurrentIndex(self.bank.findData(code) if code else -1)
        self.account_no.setText(row.settlement_account_no if row else "")
        self.passbook.setText(row.passbook_text if row else "")
        self.fee_debit.setValue(row.fee_per_debit if row else 0)
        self.fee_registration.setValue(row.fee_per_registration if row else 0)
        self.debit_days.setText(", ".join(str(d) for d in row.debit_days) if row else "5, 15, 25")
        self.registration_cutoff.setTime(_time(row.registration_cutoff) if row else QTime(14, 0))
        self.request_cutoff.setTime(_time(row.request_cutoff) if row else QTime(14, 0))
        self.result_time.setTime(_time(row.result_time) if row else QTime(11, 0))
        self.auto_request.setChecked(row.auto_request if row else False)
        self.auto_lead.setValue(row.auto_request_lead_minutes if row else 120)
        self.approval.setChecked(row.approval_box_enabled if row else False)
        self.approval_labels.setText(",".join(row.approval_box_labels) if row else "담당,과장,원장")
        self.year_end.setChecked(row.year_end_closing if row else True)
        self.partial_debit.setChecked(row.partial_debit if row else False)
        self.registration_no.setText(row.academy_registration_no if row else "")
        self.address.setText(row.academy_address if row else "")
        self._show_seal(row)
        self.seal_status.clear()
        self._loading = False
        self.dirty = False
        self.error.setVisible(False)
        self.reload_button.setVisible(False)
        self._count_passbook()
        if self.ctx.actor.is_admin:
            self._sync_enabled()

    def _mark_dirty(self, *_args: object) -> None:
        if not self._loading:
            self.dirty = True
            self.status.clear()

    def _sync_enabled(self, *_args: object) -> None:
        self.auto_lead.setEnabled(self.ctx.actor.is_admin and self.auto_request.isChecked())
        self.approval_labels.setEnabled(self.ctx.actor.is_admin and self.approval.isChecked())

    def _count_passbook(self, *_args: object) -> None:
        """'10/16바이트', red when over 16 bytes or when a character is not in EUC-KR."""
        size, outside = passbook_bytes(self.passbook.text())
        text = f"{size}/{PASSBOOK_MAX_BYTES}바이트 (한글 2, 영문·숫자 1)"
        if outside:
            text += f" · EUC-KR에 없는 글자: {''.join(dict.fromkeys(outside))}"
        self.passbook_counter.setText(text)
        self.passbook_counter.setStyleSheet(BAD_STYLE if outside or size > PASSBOOK_MAX_BYTES else OK_STYLE)

    # --- saving --------------------------------------------------------------------------------

    def start_new(self) -> None:
        """An empty form for a second contract; nothing is saved until 저장."""
        self.creating = True
        self._fill(None)
        self.header.setText("새 계약: 계약정보를 입력하고 [저장]을 누르세요.")
        self.save_button.setEnabled(True)
        self.new_button.setEnabled(False)
        self.cancel_new_button.setVisible(True)
        self.institution_code.setFocus(Qt.FocusReason.OtherFocusReason)

    def form(self) -> ContractForm:
        return ContractForm(
            institution_code=self.institution_code.text(),
            name=self.name.text(),
            business_no=self.business_no.text(),
            representative=self.representative.text(),
            settlement_bank_code=str(self.bank.currentData() or ""),
            settlement_account_no=self.account_no.text(),
            passbook_text=self.passbook.text(),
            fee_per_debit=str(self.fee_debit.value()),
            fee_per_registration=str(self.fee_registration.value()),
            debit_days=self.debit_days.text(),
            registration_cutoff=self.registration_cutoff.time().toString("HH:mm"),
            request_cutoff=self.request_cutoff.time().toString("HH:mm"),
            result_time=self.result_time.time().toString("HH:mm"),
            auto_request=self.auto_request.isChecked(),
            auto_request_lead_minutes=str(self.auto_lead.value()),
            approval_box_enabled=self.approval.isChecked(),
            approval_box_labels=self.approval_labels.text(),
            year_end_closing=self.year_end.isChecked(),
            partial_debit=self.partial_debit.isChecked(),
            version_id=None if self.creating or self.contract is None else self.contract.version_id,
            academy_registration_no=self.registration_no.text(),
            academy_address=self.address.text(),
        )

    def save(self) -> None:
        """Create or update; a refusal stays on the form in red, a conflict offers to reload."""
        if not self.ctx.actor.is_admin or (self.contract is None and not self.creating):
            return
        form = self.form()
        try:
            if self.creating:
                new_id = contracts.create_contract(self.ctx.db, self.ctx.actor, form)
            else:
                assert self.contract is not None
                contracts.update_contract(self.ctx.db, self.ctx.actor, self.contract.id, form)
                new_id = self.contract.id
        except ValidationError as error:
            self._fail(f"{error.field}: {error.message}", error.field)
            return
        except ServiceError as error:
            stale = error.message == contracts.STALE_MESSAGE
            self._fail(error.message + (" [최신 내용 불러오기]를 누르면 입력한 내용 대신 저장된 내용이 보입니다."
                                        if stale else ""), "이용기관코드" if "이용기관코드" in error.message else "")
            self.reload_button.setVisible(stale)
            return
        created = self.creating
        self.dirty = False
        self.creating = False
        if created:
            self.ctx.set_contract(new_id)  # show what was just made; the header combo follows
        self.load(force=True)
        message = "새 계약을 추가했습니다." if created else "계약정보를 저장했습니다."
        self.status.setText(message)
        self.ctx.signals.status_message.emit(message)
        self.ctx.signals.data_changed.emit("contract")

    def _fail(self, message: str, field: str) -> None:
        self.error.setText(message)
        self.error.setVisible(True)
        widgets: dict[str, QWidget] = {
            "이용기관코드": self.institution_code, "계약명": self.name, "사업자": self.business_no,
            "대표자": self.representative, "정산은행": self.bank, "은행": self.bank, "계좌": self.account_no,
            "통장기재": self.passbook, "수수료(이체)": self.fee_debit, "수수료(계좌신청)": self.fee_registration,
            "이체가능일": self.debit_days, "자동": self.auto_lead, "결재란": self.approval_labels,
            "학원 등록번호": self.registration_no, "소재지": self.address,
        }
        target = next((w for label, w in widgets.items() if field and label in field), None)
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- 직인 ----------------------------------------------------------------------------------

    def _show_seal(self, row: ContractRow | None) -> None:
        """The stored seal, scaled into the box as it will be stamped (or why there is none)."""
        image = seal.seal_image(self.ctx.db, self.ctx.actor, row.id) if row is not None and row.has_seal else None
        pixmap = QPixmap()
        if image is not None and pixmap.loadFromData(image, "PNG"):
            self.seal_preview.setPixmap(pixmap.scaled(SEAL_BOX, Qt.AspectRatioMode.KeepAspectRatio,
                                                      Qt.TransformationMode.SmoothTransformation))
        else:
            self.seal_preview.setPixmap(QPixmap())
            self.seal_preview.setText("등록된 직인 없음")
        has_contract = row is not None and not self.creating
        self.seal_button.setEnabled(has_contract)
        self.seal_button.setText("직인 바꾸기…" if image is not None else "직인 등록…")
        self.seal_delete_button.setEnabled(has_contract and image is not None)

    def choose_seal(self) -> None:
        """[직인 등록…]: pick an image file; it is checked, normalised and saved at once."""
        if self.contract is None or self.creating:
            return
        chosen, _ = QFileDialog.getOpenFileName(self, "직인 이미지 선택", str(Path.home()), SEAL_FILTER)
        if chosen:
            self.register_seal_file(chosen)

    def register_seal_file(self, path: str | Path) -> bool:
        """Save the seal from `path`; a refused file shows why under the preview and changes nothing."""
        contract = self.contract
        if contract is None:
            return False
        try:
            data = seal.read_file(path)
            seal.set_seal(self.ctx.db, self.ctx.actor, contract.id, data)
        except ServiceError as error:
            text = f"{error.field}: {error.message}" if isinstance(error, ValidationError) else error.message
            self.seal_status.setText(text)
            self.seal_status.setStyleSheet(BAD_STYLE)
            return False
        self._after_seal("직인을 등록했습니다.")
        return True

    def delete_seal(self) -> None:
        """[직인 삭제]: after a question, since the certificates printed later go out without it."""
        contract = self.contract
        if contract is None or not confirm(self, "등록된 직인을 삭제할까요? 이후 출력하는 증명서에는 직인이 찍히지 않습니다."):
            return
        if run_guarded(self, lambda: seal.set_seal(self.ctx.db, self.ctx.actor, contract.id, None)):
            self._after_seal("직인을 삭제했습니다.")

    def _after_seal(self, message: str) -> None:
        """Show the new seal. Saving it moved the contract's version: take the new one, and keep any
        typed, unsaved values on the form (they are saved by [저장] as before)."""
        assert self.contract is not None
        fresh = contracts.get_contract(self.ctx.db, self.ctx.actor, self.contract.id)
        if self.dirty:
            self.contract = fresh
            self._show_seal(fresh)
        else:
            self.load(force=True)
        self.seal_status.setText(message)
        self.seal_status.setStyleSheet(OK_STYLE)
        self.ctx.signals.status_message.emit(message)
        self.ctx.signals.data_changed.emit("contract")
