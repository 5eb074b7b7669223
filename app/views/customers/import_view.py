"""고객관리 > 일괄등록: the clerk's Excel list, checked row by row on screen before anything is saved.

The manual's order: 안내 first (일괄작업 전에 미리 안내페이지 내용을 숙지), ① 업체계약정보, ② 찾아보기
(the file is read and every row checked at once, in a worker thread, with progress and 취소),
③ 일괄등록 with a confirmation, ④ check the result in 고객관리. Reading and writing run off the UI
thread (`workers.Job`); a cancel or a failure writes nothing (the service uses one transaction).

A clerk's own list (not the template) gets the 열 연결 step beside the rows: each sheet column, the
field it is read as and why (the template's name, a synonym, last time's choice). A column nobody
knows, or a required field no column gives, must be decided there (a field or 사용 안 함) and the
file checked again before ③ is possible; the choices are remembered for the contract by the import.

A payer list exported by another CMS service (효성 CMS+, NICE 더빌, 도너스, an academy program) is
read as that export: the 열 연결 box names it and shows its mapping before anything is written (any
column can still be changed). What the export lacks is asked once for the whole file (the 파일에 없는
값 bar: 이체예정일, 집금항목, 최초이체년월, 동의자료 폴더·zip or 나중에) or typed per row in the preview's
own columns for the rows that need it, and checked again; the 계좌신청 column marks every new payer
whose first debit comes before the registration can complete (D-2), with what to do. After the import
the evidence report shows which consent files were attached and which were not, and why.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.common.errors import ServiceError
from app.services.common.masking import masked_last4
from app.services.customers.imports import flow as imports
from app.services.customers.imports import reader
from app.services.customers.imports.profiles import Profile
from app.services.customers.imports.reader import ImportCancelled
from app.services.customers.imports.rows import (
    COLUMNS,
    IGNORE,
    ColumnPlan,
    RowResult,
    Source,
    Status,
)
from app.services.customers.imports.template import template_for_contract
from app.services.settings import contracts
from app.views.common.base import Page, confirm, hint_label, show_error
from app.views.common.context import AppContext
from app.views.common.save_target import checked_save_path
from app.views.common.workers import Job
from app.views.customers.import_switch import EvidenceReportBox, FileValuesBar

AnyIndex = QModelIndex | QPersistentModelIndex
ERROR_COLOUR = QColor("#C00000")
MUTED = QColor("#7F7F7F")
OK_COLOUR = QColor("#1F6F3F")
LATE_COLOUR = QColor("#B45F06")
DECIDE_BACKGROUND = QColor("#FCE4D6")
CHOOSE = "— 고르세요 —"

GUIDANCE = (
    "일괄작업 전에 꼭 읽어 주세요.\n"
    "• '양식 다운로드'로 받은 엑셀 양식에 입력하세요. 첫 행의 열 이름은 바꾸지 않습니다 (* 표시는 필수).\n"
    "• 계좌번호·생년월일·전화번호는 텍스트로 입력해야 앞자리 0이 지켜집니다. 숫자로 저장된 값은 자릿수가 모두 남아 있을 때만 "
    "읽고, 1.2345E+11처럼 바뀐 값은 오류로 알려 드립니다.\n"
    "• 찾아보기로 파일을 고르면 모든 행을 검사해 정상/오류를 보여 줍니다. 이때는 아무것도 저장하지 않습니다.\n"
    "• 기관에서 쓰던 명단(.xlsx·.xls)도 됩니다: 제목 행, 회원번호·원비·출금일 같은 열 이름, 은행 이름(국민, 농협 …)을 "
    "읽고, 모르는 열은 '열 연결'에서 정합니다.\n"
    "• 다른 CMS 서비스(효성 CMS+, NICE 더빌, 도너스, 학원관리 프로그램)에서 내려받은 명단은 그 양식으로 알아봅니다. 명단에 "
    "없는 값(이체예정일·집금항목·최초이체년월·동의자료)은 '파일에 없는 값'에서 한 번에 정하거나 미리보기에서 행마다 입력합니다.\n"
    "• 주민등록번호는 기본적으로 생년월일만 저장합니다. 자료 행의 병합된 셀과 암호가 걸린 파일은 쓸 수 없습니다.\n"
    f"• 한 번에 {reader.MAX_ROWS:,}행까지. 취소하거나 중간에 문제가 생기면 아무것도 저장되지 않습니다. "
    "자세한 안내는 양식의 '안내' 시트에 있습니다."
)


class PreviewModel(QAbstractTableModel):
    """행, 상태, 고객번호, 고객명, 오류 내용 of every previewed row (or only the rows with errors); then
    계좌신청 (what is asked of the bank, ⚠ when the first debit comes before D-2) and the columns the
    clerk may type a row's own value into (`typed`, checked again on '입력한 값으로 다시 검사')."""

    HEADERS = ("행", "상태", "고객번호", "고객명", "오류 내용")
    REGISTRATION = 5
    LATE_TEXT = "⚠ 첫 출금 전 불가"
    typed_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._all: list[RowResult] = []
        self._rows: list[RowResult] = []
        self._errors_only = False
        self.preview: imports.ImportPreview | None = None
        self.fill: tuple[tuple[str, str], ...] = ()
        self.typed: dict[int, dict[str, str]] = {}
        """The clerk's per-row values (Excel row → field → text), sent with the next check."""

    def set_preview(self, preview: imports.ImportPreview | None) -> None:
        self.beginResetModel()
        self.preview = preview
        self.fill = preview.fill_columns if preview else ()
        self.typed = {row: dict(values) for row, values in preview.overrides.items()} if preview else {}
        self._all = preview.rows if preview else []
        self._rows = [r for r in self._all if r.status is Status.ERROR] if self._errors_only else self._all
        self.endResetModel()

    def set_rows(self, rows: list[RowResult]) -> None:
        self.beginResetModel()
        self._all = rows
        self._rows = [r for r in rows if r.status is Status.ERROR] if self._errors_only else rows
        self.endResetModel()

    def set_errors_only(self, errors_only: bool) -> None:
        self._errors_only = errors_only
        self.set_rows(self._all)

    def row_at(self, row: int) -> RowResult:
        return self._rows[row]

    @property
    def headers(self) -> tuple[str, ...]:
        return (*self.HEADERS, "계좌신청", *(header for _key, header in self.fill))

    def fill_key(self, column: int) -> str | None:
        at = column - self.REGISTRATION - 1
        return self.fill[at][0] if 0 <= at < len(self.fill) else None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802 (Qt naming)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802 (Qt naming)
        return 0 if parent.isValid() else len(self.headers)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and self.fill_key(index.column()) is not None:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def _registration(self, row: RowResult) -> str:
        late = self.preview.late.get(row.row) if self.preview else None
        if late is not None:
            return self.LATE_TEXT
        return "신규 신청" if row.status is Status.NEW else ""

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        key = self.fill_key(column)
        if key is not None:
            return self._fill_data(row, key, self.fill[column - self.REGISTRATION - 1][1], role)
        if column == self.REGISTRATION:
            return self._registration_data(row, role)
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.row, row.status.value, row.customer_no, row.name, row.message)[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == 4 and row.message:
            return row.message.replace(" / ", "\n")
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.status is Status.ERROR and column in (1, 4):
                return ERROR_COLOUR
            if row.status is Status.SKIP:
                return MUTED
            if column == 1:
                return OK_COLOUR
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 1):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def _registration_data(self, row: RowResult, role: int) -> Any:
        late = self.preview.late.get(row.row) if self.preview else None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._registration(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            if late is not None:
                return late.message()
            return "이 납부자의 계좌를 은행에 새로 신청합니다 (계좌신청 신규)." if row.status is Status.NEW else None
        if role == Qt.ItemDataRole.ForegroundRole and late is not None:
            return LATE_COLOUR
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def _fill_data(self, row: RowResult, key: str, header: str, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if self.preview is None:
                return ""
            typed = self.typed.get(row.row, {}).get(key)
            if typed is not None:  # typed but not yet checked: shown as typed (an account masked)
                return masked_account_text(typed) if key == "account_no" else typed
            return imports.fill_value(self.preview, row, key)
        if role == Qt.ItemDataRole.EditRole:
            return self.typed.get(row.row, {}).get(key, "")
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"두 번 눌러 이 행의 {header} 값을 입력하세요. '입력한 값으로 다시 검사'를 누르면 반영됩니다."
        if role == Qt.ItemDataRole.BackgroundRole and any(e.column == header for e in row.errors):
            return DECIDE_BACKGROUND
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        key = self.fill_key(index.column()) if index.isValid() else None
        if key is None or role != Qt.ItemDataRole.EditRole:
            return False
        row = self._rows[index.row()].row
        text = "" if value is None else str(value).strip()[:64]
        values = self.typed.setdefault(row, {})
        if text:
            values[key] = text
        else:
            values.pop(key, None)
            if not values:
                self.typed.pop(row, None)
        self.dataChanged.emit(index, index)
        self.typed_changed.emit()
        return True

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 (Qt naming)
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal \
                and self.fill_key(section) is not None:
            return "이 열은 행마다 입력할 수 있습니다 (두 번 눌러 입력)."
        return None


def masked_account_text(text: str) -> str:
    """A typed account number as every screen shows one: ****1234."""
    return masked_last4("".join(c for c in text if c.isascii() and c.isdigit())[-4:])


class ImportPage(Page):
    title = "일괄등록"
    key = "customers.import"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.preview: imports.ImportPreview | None = None
        self.task: Job | None = None
        self.last_result: imports.ImportResult | None = None

        self.guide = QGroupBox("안내")
        guide_layout = QVBoxLayout(self.guide)
        guide_layout.addWidget(hint_label(GUIDANCE))
        self.body.addWidget(self.guide)

        grid = QGridLayout()
        self.contract_label = QLabel("")
        self.path_edit = QLineEdit()
        self.path_edit.setReadOnly(True)
        self.path_edit.setPlaceholderText("일괄등록할 엑셀 고객리스트(.xlsx)를 선택하세요")
        self.browse_button = QPushButton("찾아보기")
        self.template_button = QPushButton("양식 다운로드")
        grid.addWidget(QLabel("① 업체계약정보"), 0, 0)
        grid.addWidget(self.contract_label, 0, 1, 1, 3)
        grid.addWidget(QLabel("② 고객리스트 파일"), 1, 0)
        grid.addWidget(self.path_edit, 1, 1)
        grid.addWidget(self.browse_button, 1, 2)
        grid.addWidget(self.template_button, 1, 3)
        self.guide_button = QPushButton("안내 숨기기")
        self.guide_button.setCheckable(True)
        self.guide_button.setChecked(True)
        self.guide_button.setToolTip("위의 안내를 접거나 다시 펼칩니다 (파일을 고르면 접어서 미리보기를 넓게 보여 줍니다).")
        grid.addWidget(self.guide_button, 1, 4)
        grid.setColumnStretch(1, 1)
        self.body.addLayout(grid)

        self.all_or_nothing = QRadioButton("모두 정상일 때만 등록")
        self.valid_only = QRadioButton("정상인 행만 등록 (오류 행은 건너뜀)")
        self.all_or_nothing.setChecked(True)
        self.skip_existing = QRadioButton("이미 있는 고객번호는 건너뛰기")
        self.update_existing = QRadioButton("이미 있는 고객번호는 수정")
        self.skip_existing.setChecked(True)
        self._groups = (QButtonGroup(self), QButtonGroup(self))
        for button in (self.all_or_nothing, self.valid_only):
            self._groups[0].addButton(button)
        for button in (self.skip_existing, self.update_existing):
            self._groups[1].addButton(button)
        self.store_full = QCheckBox("주민등록번호 전체 저장 (암호화; 기본은 생년월일만)")
        # Two rows (rows with errors; customer numbers already there), so the choices fit 1024 wide.
        options = QGridLayout()
        options.setHorizontalSpacing(18)
        options.setVerticalSpacing(2)
        for row, widgets in enumerate(((self.all_or_nothing, self.valid_only),
                                       (self.skip_existing, self.update_existing, self.store_full))):
            for column, widget in enumerate(widgets):
                options.addWidget(widget, row, column)
        options.setColumnStretch(3, 1)
        self.body.addLayout(options)
        self.file_bar = FileValuesBar()
        self.body.addWidget(self.file_bar)

        counts_row = QHBoxLayout()
        self.counts = QLabel("파일을 선택하면 모든 행을 검사해 여기에 보여 줍니다.")
        self.counts.setObjectName("countsText")
        self.errors_only = QCheckBox("오류만 보기")
        self.recheck_button = QPushButton("입력한 값으로 다시 검사")
        self.recheck_button.setToolTip("파일에 없는 값과 행마다 입력한 값을 넣어 파일을 다시 검사합니다 (저장하지 않음).")
        counts_row.addWidget(self.counts, 1)
        counts_row.addWidget(self.recheck_button)
        counts_row.addWidget(self.errors_only)
        self.body.addLayout(counts_row)
        self.notes = QListWidget()
        self.notes.setWordWrap(True)
        self.notes.setObjectName("importNotes")
        self.notes.setMaximumHeight(118)
        self.notes.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.notes.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.notes.setVisible(False)
        self.body.addWidget(self.notes)

        self.mapping_box = QGroupBox("열 연결")
        mapping_layout = QVBoxLayout(self.mapping_box)
        self.mapping_hint = hint_label("")
        self.mapping_table = QTableWidget(0, 3)
        self.mapping_table.setHorizontalHeaderLabels(("엑셀 열", "읽을 항목", "근거"))
        self.mapping_table.verticalHeader().setVisible(False)
        self.mapping_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.mapping_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        mapping_header = self.mapping_table.horizontalHeader()
        mapping_header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        mapping_header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        mapping_header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.mapping_table.setColumnWidth(1, 190)
        self.mapping_table.verticalHeader().setDefaultSectionSize(28)
        self.remap_button = QPushButton("이 연결로 다시 검사")
        mapping_layout.addWidget(self.mapping_hint)
        mapping_layout.addWidget(self.mapping_table, 1)
        mapping_layout.addWidget(self.remap_button, 0, Qt.AlignmentFlag.AlignRight)
        self.mapping_box.setMinimumWidth(420)
        self.mapping_box.setMaximumWidth(520)
        self.mapping_box.setVisible(False)
        self.mapping: dict[str, str] = {}
        """The clerk's choices for the file on screen (header → field key, IGNORE for 사용 안 함)."""
        self.plan: ColumnPlan | None = None
        self._plan_contract: int | None = None  # the contract the 열 연결 on screen was read for
        self._combos: list[tuple[str, QComboBox, str | None, bool]] = []

        self.model = PreviewModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column, width in enumerate((56, 84, 110, 100)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.evidence_box = EvidenceReportBox()
        self.evidence_box.setMinimumWidth(420)
        self.evidence_box.setMaximumWidth(560)
        middle = QHBoxLayout()
        middle.addWidget(self.mapping_box)
        middle.addWidget(self.evidence_box)
        middle.addWidget(self.table, 1)
        self.body.addLayout(middle, 1)

        self.status = hint_label("")
        self.body.addWidget(self.status)
        bottom = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("취소")
        self.cancel_button.setVisible(False)
        self.save_errors_button = QPushButton("오류 목록 저장")
        self.import_button = QPushButton("③ 일괄등록")
        self.import_button.setObjectName("primaryButton")
        bottom.addWidget(self.progress, 1)
        bottom.addWidget(self.cancel_button)
        bottom.addStretch(0)
        bottom.addWidget(self.save_errors_button)
        bottom.addWidget(self.import_button)
        self.body.addLayout(bottom)

        self.browse_button.clicked.connect(self.browse)
        self.template_button.clicked.connect(self.download_template)
        self.import_button.clicked.connect(self.start_import)
        self.cancel_button.clicked.connect(self.cancel)
        self.remap_button.clicked.connect(self.check_again)
        self.recheck_button.clicked.connect(self.check_again)
        self.guide_button.toggled.connect(self._show_guide)
        self.file_bar.changed.connect(self._file_values_changed)
        self.model.typed_changed.connect(self._typed_changed)
        self.save_errors_button.clicked.connect(self.save_errors)
        self.errors_only.toggled.connect(self.model.set_errors_only)
        for button in (self.all_or_nothing, self.valid_only, self.skip_existing, self.update_existing):
            button.toggled.connect(self._options_changed)
        self.store_full.toggled.connect(self._options_changed)
        self._update_buttons()

    # --- state -------------------------------------------------------------------------------

    def options(self) -> imports.ImportOptions:
        return imports.ImportOptions(
            mode=imports.VALID_ONLY if self.valid_only.isChecked() else imports.ALL_OR_NOTHING,
            on_existing=imports.UPDATE if self.update_existing.isChecked() else imports.SKIP,
            store_full_resident=self.store_full.isChecked(),
        )

    def refresh(self) -> None:
        if self.ctx.contract_id is None:
            self.contract_label.setText("계약을 선택하세요.")
            return
        try:
            contract = contracts.get_contract(self.ctx.db, self.ctx.actor, self.ctx.contract_id)
        except ServiceError as error:
            self.contract_label.setText(error.message)
            return
        self.contract_label.setText(f"{contract.name} (이용기관코드 {contract.institution_code})")
        items = contracts.list_items(self.ctx.db, self.ctx.actor, self.ctx.contract_id, active_only=True)
        self.file_bar.set_choices([i.name for i in items], [d for i in items for d in i.collection_days])
        shown = self.preview.contract_id if self.preview is not None else self._plan_contract
        if shown is not None and shown != self.ctx.contract_id:  # another contract remembers other columns
            self._set_preview(None)
            self._show_plan(None)
            self.mapping, self._plan_contract = {}, None
            self.file_bar.clear()
            self.status.setText("계약이 바뀌어 검사 결과를 지웠습니다. 파일을 다시 선택하세요.")

    def _busy(self) -> bool:
        return self.task is not None

    def _update_buttons(self) -> None:
        busy = self._busy()
        can_edit = self.ctx.actor.can_edit
        self.browse_button.setEnabled(not busy and can_edit)
        self.template_button.setEnabled(not busy)
        self.import_button.setEnabled(not busy and can_edit and self.preview is not None
                                      and self.preview.blocked_reason() is None)
        self.remap_button.setEnabled(not busy and can_edit and bool(self.path_edit.text()))
        self.recheck_button.setEnabled(not busy and can_edit and bool(self.path_edit.text()))
        self.file_bar.setEnabled(not busy and can_edit)
        self.save_errors_button.setEnabled(not busy and self.preview is not None and self.preview.error_count > 0)
        for widget in (self.all_or_nothing, self.valid_only, self.skip_existing, self.update_existing, self.store_full):
            widget.setEnabled(not busy)
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)

    def _set_preview(self, preview: imports.ImportPreview | None) -> None:
        self.preview = preview
        self.model.set_preview(preview)
        self._size_columns()
        if preview is None:
            self.counts.setText("파일을 선택하면 모든 행을 검사해 여기에 보여 줍니다.")
        else:
            self.counts.setText(
                f"전체 {preview.total:,}행   정상 {preview.valid_count:,}행   오류 {preview.error_count:,}행"
                f"   (신규 {preview.count(Status.NEW):,} · 수정 {preview.count(Status.UPDATE):,} · "
                f"건너뜀 {preview.count(Status.SKIP):,})"
            )
        self._update_buttons()

    def _options_changed(self) -> None:
        if self.preview is None:
            return
        self._set_preview(imports.change_options(self.preview, self.options()))
        reason = self.preview.blocked_reason() if self.preview else None
        self.status.setText(reason or "")

    # --- the clerk's choices (dialogs; tests replace these methods) ---------------------------

    def ask_open_path(self) -> str:
        path, _filter = QFileDialog.getOpenFileName(self, "엑셀 고객리스트 선택", str(Path.home()),
                                                    "Excel 파일 (*.xlsx *.xls);;모든 파일 (*)")
        return path

    def ask_save_path(self, title: str, suggested: str) -> str:
        path, _filter = QFileDialog.getSaveFileName(self, title, str(Path.home() / suggested),
                                                    "Excel 통합 문서 (*.xlsx)")
        if path and not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        return path

    def confirm_import(self, text: str) -> bool:
        return confirm(self, text, "일괄등록")

    # --- actions -----------------------------------------------------------------------------

    def browse(self) -> None:
        if self._busy() or self.ctx.contract_id is None:
            return
        path = self.ask_open_path()
        if path:
            self.mapping = {}
            self.model.typed = {}
            self.load(path)

    def load(self, path: str) -> None:
        """Read and check the file in the background (with the clerk's column choices for it)."""
        typed = {row: dict(values) for row, values in self.model.typed.items()}
        self.path_edit.setText(path)
        self._set_preview(None)
        self.model.typed = typed
        self.evidence_box.show_outcome(None)
        db, actor, contract_id, options = self.ctx.db, self.ctx.actor, self.ctx.contract_id, self.options()
        assert contract_id is not None
        now = self.ctx.clock()
        mapping = dict(self.mapping)
        values = self.file_bar.values()
        self._plan_contract = contract_id
        self.status.setText("파일을 읽고 모든 행을 검사하는 중입니다…")
        self._start(lambda progress, cancelled: imports.preview_import(
            db, actor, contract_id, path, options, today=now.date(), progress=progress, cancelled=cancelled,
            mapping=mapping, file_values=values, overrides=typed, now=now), self._previewed)

    def check_again(self) -> None:
        """Read the file again with the columns as chosen in 열 연결, the file-wide values and the
        values typed per row (nothing is saved)."""
        if self._busy() or not self.path_edit.text():
            return
        if self.plan is not None:
            self.mapping = self.chosen_mapping()
        self.load(self.path_edit.text())

    def _file_values_changed(self) -> None:
        """A file-wide value changed: the file on screen is checked again with it."""
        if self.path_edit.text() and not self._busy():
            self.check_again()

    def _typed_changed(self) -> None:
        self.status.setText("입력한 값은 '입력한 값으로 다시 검사'를 누르면 검사해 반영합니다. 아직 저장하지 않았습니다.")
        self.import_button.setEnabled(False)

    def _show_guide(self, shown: bool) -> None:
        self.guide.setVisible(shown)
        self.guide_button.setText("안내 숨기기" if shown else "안내 보기")

    def _size_columns(self) -> None:
        """The per-row columns as wide as their titles (at least a month or a bank's width)."""
        header = self.table.horizontalHeader()
        metrics = header.fontMetrics()
        for column in range(PreviewModel.REGISTRATION, self.model.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            sample = PreviewModel.LATE_TEXT if column == PreviewModel.REGISTRATION else title
            self.table.setColumnWidth(column, max(104, metrics.horizontalAdvance(title) + 34,
                                                  self.table.fontMetrics().horizontalAdvance(sample) + 24))

    # --- 열 연결 ------------------------------------------------------------------------------

    def _show_plan(self, plan: ColumnPlan | None, profile: Profile | None = None) -> None:
        """The mapping step: shown for a clerk's own list and for another service's export (named in
        the title), hidden for the template as it is."""
        self.plan = plan
        self._combos = []
        self.mapping_table.setRowCount(0)
        self.mapping_box.setTitle(f"열 연결 — {profile.name}" if profile else "열 연결")
        if plan is None or plan.is_template:
            self.mapping_box.setVisible(False)
            return
        missing = {k for k in plan.missing}
        self.mapping_table.setRowCount(len(plan.columns))
        for row, column in enumerate(plan.columns):
            name = QTableWidgetItem(column.header)
            name.setToolTip(column.header)
            reason = QTableWidgetItem(profile.short if profile and column.source is Source.PROFILE
                                      else column.source.value)
            reason.setToolTip(f"{profile.name}의 열 이름" if profile and column.source is Source.PROFILE
                              else column.source.value)
            combo = QComboBox()
            if not column.decided:
                combo.addItem(CHOOSE, None)
            combo.addItem("사용 안 함", IGNORE)
            for field in COLUMNS:
                combo.addItem(field.header + (" *" if field.required else ""), field.key)
            combo.setCurrentIndex(max(0, combo.findData(column.key if column.key else
                                                         (IGNORE if column.decided else None))))
            if not column.decided:
                combo.setCurrentIndex(0)
                for item in (name, reason):
                    item.setBackground(DECIDE_BACKGROUND)
            self.mapping_table.setItem(row, 0, name)
            self.mapping_table.setCellWidget(row, 1, combo)
            self.mapping_table.setItem(row, 2, reason)
            kept = column.source in (Source.REMEMBERED, Source.CHOSEN) or not column.decided
            self._combos.append((column.header, combo, column.key, kept))
        lines = []
        if profile is not None:
            lines.append(f"{profile.name}으로 읽었습니다: {profile.service}의 열 이름대로 연결했습니다. 등록하기 전에 "
                         "확인하고, 다르게 읽을 열은 '읽을 항목'에서 바꾸세요.")
        if missing:
            names = ", ".join(f.header for f in COLUMNS if f.key in missing)
            lines.append(f"필수 항목의 열이 없습니다: {names}. 이 파일의 어느 열인지 '읽을 항목'에서 고르세요.")
        if plan.undecided:
            lines.append(f"어떤 항목인지 정할 열: {', '.join(c.header for c in plan.undecided)} (주황색). 읽을 항목이나 "
                         "'사용 안 함'을 고르세요.")
        lines.append("고른 뒤 '이 연결로 다시 검사'를 누르세요. 정한 연결은 등록할 때 이 계약에 기억해 다음 파일에도 씁니다.")
        self.mapping_hint.setObjectName("warningText" if plan.needs_decision else "hintText")
        self.mapping_hint.style().unpolish(self.mapping_hint)
        self.mapping_hint.style().polish(self.mapping_hint)
        self.mapping_hint.setText("\n".join(lines))
        self.mapping_box.setVisible(True)
        first = next((row for row, c in enumerate(plan.columns) if not c.decided), None)
        target = self.mapping_table.item(first, 0) if first is not None else None
        if target is not None:  # the column to decide is in view, not below the fold
            self.mapping_table.scrollToItem(target, QAbstractItemView.ScrollHint.PositionAtCenter)

    def chosen_mapping(self) -> dict[str, str]:
        """The choices to send: columns whose field the clerk changed, left undecided before, or
        chose earlier (a column read by its own name and left alone needs no choice)."""
        chosen: dict[str, str] = {}
        for header, combo, planned, kept in self._combos:
            value = combo.currentData()
            if value is None:
                continue  # still — 고르세요 —
            if kept or value != (planned or IGNORE):
                chosen[header] = value
        return chosen

    def _previewed(self, preview: imports.ImportPreview) -> None:
        self._set_preview(preview)
        self._show_plan(preview.plan, preview.profile)
        self.guide_button.setChecked(False)  # the rows need the room; the button brings the guide back
        # A list from elsewhere comes with many notes (what it lacks, skipped rows, re-registration,
        # evidence): one a line in their own list; a clerk's own list keeps its few in the status line.
        listed = preview.profile is not None or preview.file_values.given or bool(preview.overrides)
        self.notes.clear()
        self.notes.addItems(preview.notices if listed else [])
        self.notes.setVisible(listed and bool(preview.notices))
        notes = "" if listed else " ".join(preview.notices)
        if preview.fill_columns and preview.error_count:
            notes = (f"{notes} 주황색 칸은 행마다 입력할 수 있습니다: 오른쪽 "
                     f"{', '.join(h for _k, h in preview.fill_columns)} 칸을 두 번 눌러 값을 넣고 '입력한 값으로 다시 검사'를 "
                     "누르세요.").strip()
        if preview.late and listed:
            notes = (f"{notes} 첫 출금일 전에 계좌신청을 마칠 수 없는 행 {len(preview.late):,}개는 '계좌신청' 칸에 ⚠로 "
                     "표시했습니다 (칸에 마우스를 올리면 할 일).").strip()
        if preview.plan is not None and preview.plan.undecided:
            self.status.setText(f"{preview.blocked_reason()} {notes}".strip())
        elif preview.error_count:
            text = (f"오류가 있는 행이 {preview.error_count:,}개 있습니다. '오류 내용'을 보고 엑셀에서 고치거나 "
                    "'오류 목록 저장'으로 받아 고친 뒤 다시 선택하세요.")
            if preview.options.mode == imports.ALL_OR_NOTHING and preview.valid_count:
                text += f" '정상인 행만 등록'을 고르면 정상인 {preview.valid_count:,}행만 등록할 수 있습니다."
            self.status.setText(f"{text} {notes}".strip())
        elif preview.blocked_reason():
            self.status.setText(f"{preview.blocked_reason()} {notes}".strip())
        else:
            self.status.setText(f"모든 행이 정상입니다. '③ 일괄등록'을 누르면 등록합니다. {notes}".strip())

    def start_import(self) -> None:
        preview = self.preview
        if preview is None or self._busy():
            return
        reason = preview.blocked_reason()
        if reason:
            self.status.setText(reason)
            return
        if self.ctx.data_key is None:
            self.status.setText("데이터 암호 키가 열려 있지 않아 계좌번호를 암호화할 수 없습니다. 다시 로그인해 암호 문구를 입력하세요.")
            return
        new, update = preview.count(Status.NEW), preview.count(Status.UPDATE)
        text = f"신규 고객 {new:,}명을 등록"
        text += f"하고 {update:,}명을 수정합니다." if update else "합니다."
        if preview.error_count:
            text += f" 오류가 있는 {preview.error_count:,}행은 등록하지 않습니다."
        if preview.account_warnings:
            text += (f" 계좌번호가 은행의 체계와 맞지 않는 {preview.account_warnings:,}행도 등록되니, 계좌신청을 보내기 전에 "
                     "확인하세요.")
        if preview.plan is not None and any(c.source is Source.CHOSEN for c in preview.plan.columns):
            text += " 고른 열 연결은 이 계약에 기억해 다음에도 씁니다."
        if preview.profile is not None and new:
            text += (f" {preview.profile.service}의 납부자 {new:,}명을 이 기관으로 은행에 다시 신청합니다 "
                     f"(계좌신청 신규 {new:,}건).")
        if preview.late:
            text += f" 첫 출금일 전에 계좌신청을 마칠 수 없는 {len(preview.late):,}행(⚠)도 그대로 등록됩니다."
        if preview.file_values.evidence:
            text += " 등록한 뒤 고른 동의자료를 고객번호로 첨부합니다."
        elif preview.profile is not None or preview.file_values.given:
            text += " 동의자료는 나중에 첨부합니다 (그때까지 계좌신청은 대기)."
        if not self.confirm_import(text + " 계속할까요?"):
            return
        db, actor, key = self.ctx.db, self.ctx.actor, self.ctx.data_key
        self.status.setText("등록하는 중입니다… 취소하면 아무것도 저장하지 않습니다.")
        self._start(lambda progress, cancelled: imports.run_import(
            db, actor, preview, key, progress=progress, cancelled=cancelled), self._imported)

    def _imported(self, result: imports.ImportResult) -> None:
        self.last_result = result
        self._set_preview(None)
        self._show_plan(None)
        self.mapping = {}
        self.path_edit.clear()
        self.file_bar.clear()
        self.notes.clear()
        self.notes.setVisible(False)
        self.evidence_box.show_outcome(result.evidence)
        message = result.summary() + " 고객관리에서 등록 내용을 확인하세요."
        self.status.setText(message)
        self.ctx.signals.data_changed.emit("customers")
        self.ctx.signals.status_message.emit(message)

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.status.setText("취소하는 중입니다…")

    def save_errors(self) -> None:
        preview = self.preview
        if preview is None or not preview.error_count:
            return
        path = self.ask_save_path("오류 목록 저장", f"일괄등록_오류_{date.today():%Y%m%d}.xlsx")
        if not path or checked_save_path(self, self.ctx.db, path, "오류 목록 저장") is None:
            return
        try:  # the save dialog asked before replacing a file; the database and backups stay refused
            saved = imports.save_error_report(self.ctx.db, self.ctx.actor, preview, path, force=True)
        except OSError:
            self.status.setText("파일을 저장할 수 없습니다. 같은 파일이 엑셀에서 열려 있다면 닫고 다시 하세요.")
            return
        except ServiceError as error:
            show_error(self, error, "오류 목록 저장")
            return
        self.status.setText(f"오류 목록 {saved:,}행을 저장했습니다: {path}")

    def download_template(self) -> None:
        if self.ctx.contract_id is None:
            return
        path = self.ask_save_path("양식 다운로드", "일괄등록_양식.xlsx")
        if not path or checked_save_path(self, self.ctx.db, path, "양식 다운로드") is None:
            return
        try:
            template_for_contract(self.ctx.db, self.ctx.actor, self.ctx.contract_id, path, force=True)
        except OSError:
            self.status.setText("양식을 저장할 수 없습니다. 같은 파일이 엑셀에서 열려 있다면 닫고 다시 하세요.")
            return
        except ServiceError as error:
            show_error(self, error)
            return
        self.status.setText(f"양식을 저장했습니다: {path}. 엑셀에서 '안내' 시트부터 읽어 주세요.")

    # --- the worker --------------------------------------------------------------------------

    def _start(self, work: Callable[..., Any], done: Callable[[Any], None]) -> None:
        task = Job.reporting(work)
        task.on_progress(self._progress)
        task.signals.finished.connect(lambda result: self._finish(done, result))
        task.signals.failed.connect(self._failed)
        self.task = task
        self.progress.setRange(0, 0)
        self._update_buttons()
        task.start()

    def _progress(self, phase: str, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(min(done, max(1, total)))
        self.progress.setFormat(f"{phase} %v / %m")

    def _finish(self, done: Callable[[Any], None], result: Any) -> None:
        self.task = None
        done(result)
        self._update_buttons()

    def _failed(self, error: BaseException) -> None:
        self.task = None
        self._update_buttons()
        if isinstance(error, imports.ColumnsMissing):  # the clerk can connect the columns right here
            self._show_plan(error.plan)
        elif not isinstance(error, ImportCancelled):
            self._show_plan(None)
        if isinstance(error, ServiceError):
            self.status.setText(error.message)
        elif isinstance(error, OSError):
            self.status.setText("파일을 열 수 없습니다. 엑셀에서 열려 있다면 닫고 다시 선택하세요.")
        else:
            self.status.setText(f"처리 중 오류가 발생했습니다 ({type(error).__name__}). 아무것도 저장하지 않았습니다.")
