"""환경설정 > 집금항목관리: what the selected contract collects, and on which days of the month.

The manual: 등록 picks an item from the catalogue KSNET keeps (케이에스넷에서 관리하고 있는 관련
항목을 선택하여 등록) and the 집금주기 is written as the days. Items the catalogue lacks are added as
the institution's own (자체 항목). The days must be among the contract's 이체가능일, so the dialog
lists those next to the field. Only an administrator changes items; everyone else reads.

학원 (issue 18): an item may carry its posted 교습비 (no monthly amount above it is accepted anywhere)
and its teaching time in a month, by days or by sessions, from which a withdrawal's refund is
computed. Both are optional; an office that is not an academy leaves them empty.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.services.common.errors import ServiceError
from app.services.common.validation import ValidationError
from app.services.settings import catalogue, contracts
from app.services.settings.contracts import ContractRow, ItemForm, ItemRow
from app.views.common.base import Page, button_row, hint_label, run_guarded
from app.views.common.context import AppContext
from app.views.common.dialogs import accept_row
from app.views.common.empty_state import EmptyState
from app.views.common.tables import (
    ALIGN_CENTER,
    ALIGN_LEFT,
    ALIGN_RIGHT,
    MUTED,
    Column,
    RowsModel,
    fit_columns,
    make_table,
)
from app.views.settings.user_dialog import note, read_only

CODE_ROLE = Qt.ItemDataRole.UserRole


def days_text(days: list[int]) -> str:
    return ", ".join(str(d) for d in days)


def won_text(value: int | None) -> str:
    return "" if value is None else f"{value:,}원"


def number_text(value: int | None) -> str:
    return "" if value is None else str(value)


ITEM_COLUMNS = (
    Column("코드", lambda r: r.code, ALIGN_CENTER),
    Column("항목명", lambda r: r.name),
    Column("집금일", lambda r: f"매월 {days_text(r.collection_days)}일", ALIGN_CENTER),
    Column("구분", lambda r: "카탈로그" if r.from_catalogue else "자체", ALIGN_CENTER),
    Column("사용 여부", lambda r: "사용" if r.active else "사용 중지", ALIGN_LEFT,
           lambda r: None if r.active else MUTED),
    Column("게시 교습비", lambda r: won_text(r.posted_fee), ALIGN_RIGHT),
    Column("교습 시간", lambda r: r.teaching_text, ALIGN_CENTER),
)


class ItemDialog(QDialog):
    """등록 (`item=None`: from the catalogue or an own item) or 수정 of one collection item."""

    def __init__(
        self,
        ctx: AppContext,
        contract: ContractRow,
        item: ItemRow | None = None,
        registered_codes: frozenset[str] = frozenset(),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.contract = contract
        self.item = item
        self.done_message = ""
        self.setWindowTitle("집금항목 등록" if item is None else "집금항목 수정")
        self.setMinimumWidth(480)  # the height is the form's own: the catalogue list keeps its 180 px

        self.from_catalogue = QRadioButton("케이에스넷 항목에서 선택")
        self.own_item = QRadioButton("자체 항목 (목록에 없는 항목)")
        self.kind = QButtonGroup(self)
        self.kind.addButton(self.from_catalogue)
        self.kind.addButton(self.own_item)
        self.search = QLineEdit()
        self.search.setPlaceholderText("항목명 또는 업종으로 찾기 (예: 수강료, 아파트)")
        self.search.setClearButtonEnabled(True)
        self.catalogue_list = QListWidget()
        self.catalogue_list.setMinimumHeight(180)
        for entry in catalogue.CATALOGUE:
            taken = entry.code in registered_codes
            row = QListWidgetItem(f"{entry.name}  —  {entry.hint}" + ("  (등록됨)" if taken else ""))
            row.setData(CODE_ROLE, entry.code)
            row.setToolTip(f"코드 {entry.code}")
            if taken:
                row.setFlags(row.flags() & ~Qt.ItemFlag.ItemIsEnabled & ~Qt.ItemFlag.ItemIsSelectable)
            self.catalogue_list.addItem(row)
        self.name = QLineEdit(item.name if item else "")
        self.name.setMaxLength(40)
        self.days = QLineEdit(days_text(item.collection_days) if item else "")
        self.days.setPlaceholderText("예: 5, 25")
        self.active = QCheckBox("사용")
        self.active.setChecked(item.active if item else True)
        self.posted_fee = QLineEdit(f"{item.posted_fee:,}" if item and item.posted_fee is not None else "")
        self.posted_fee.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.posted_fee.setPlaceholderText("원 (선택)")
        self.posted_fee.setMaximumWidth(160)
        self.first_day = self._small_edit(item.teaching_first_day if item else None, "1")
        self.last_day = self._small_edit(item.teaching_last_day if item else None, "말일")
        self.sessions = self._small_edit(item.teaching_sessions if item else None, "")
        teaching = QHBoxLayout()
        teaching.addWidget(self.first_day)
        teaching.addWidget(QLabel("일 ~"))
        teaching.addWidget(self.last_day)
        teaching.addWidget(QLabel("일   또는 매월"))
        teaching.addWidget(self.sessions)
        teaching.addWidget(QLabel("회"))
        teaching.addStretch(1)

        allowed = days_text(contract.debit_days)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout = QVBoxLayout(self)
        if item is None:
            layout.addWidget(self.from_catalogue)
            layout.addWidget(self.search)
            layout.addWidget(self.catalogue_list, 1)
            layout.addWidget(self.own_item)
            form.addRow("항목명", self.name)
        else:
            form.addRow("코드", QLabel(item.code))
            form.addRow("항목명", self.name)
            if item.from_catalogue:
                read_only(self.name)
                form.addRow("", note("케이에스넷 항목의 이름은 바꿀 수 없습니다."))
        form.addRow("집금일", self.days)
        form.addRow("", note(f"매월 출금할 날, 쉼표로 구분 (예: 5, 25)\n이 계약의 이체가능일: {allowed}일"))
        form.addRow("게시 교습비", self.posted_fee)
        form.addRow("", note("학원이 게시한 교습비 (학원이 아니면 비워 두세요).\n"
                             "이보다 많은 월이체금액은 받지 않습니다 (학원법 제15조)."))
        form.addRow("교습 시간", teaching)
        form.addRow("", note("퇴원 반환금 계산용: 한 달의 교습 시작일·종료일\n"
                             "(비우면 1일~말일) 또는 월 교습 횟수 중 하나만 입력하세요."))
        form.addRow("", self.active)
        layout.addLayout(form)

        self.error = QLabel("")
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        layout.addWidget(self.error)
        buttons = accept_row("등록" if item is None else "저장", self.save, self.reject)
        self.save_button = buttons.accept
        layout.addWidget(buttons.box)

        self.search.textChanged.connect(self._filter)
        self.kind.buttonToggled.connect(lambda *_: self._kind_changed())
        self.catalogue_list.currentItemChanged.connect(lambda *_: self._catalogue_picked())
        self.from_catalogue.setChecked(True)
        self._kind_changed()
        (self.search if item is None else self.days).setFocus(Qt.FocusReason.OtherFocusReason)

    @staticmethod
    def _small_edit(value: int | None, placeholder: str) -> QLineEdit:
        edit = QLineEdit(number_text(value))
        edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        edit.setPlaceholderText(placeholder)
        edit.setMaxLength(3)
        edit.setFixedWidth(52)
        return edit

    # --- catalogue or own item ----------------------------------------------------------------

    def _filter(self, text: str) -> None:
        """Match the name or the trade hint, so '아파트' finds 관리비 and 주차비."""
        needle = text.strip()
        pickable = []
        for i in range(self.catalogue_list.count()):
            row = self.catalogue_list.item(i)
            row.setHidden(bool(needle) and needle not in row.text())
            if not row.isHidden() and row.flags() & Qt.ItemFlag.ItemIsEnabled:
                pickable.append(row)
        if needle and len(pickable) == 1:  # one match: Enter registers it, no arrow keys needed
            self.catalogue_list.setCurrentItem(pickable[0])

    def _kind_changed(self) -> None:
        picking = self.item is None and self.from_catalogue.isChecked()
        self.search.setEnabled(picking)
        self.catalogue_list.setEnabled(picking)
        if self.item is None:
            if picking:
                read_only(self.name)  # shows the chosen catalogue name
            else:
                self.name.setReadOnly(False)
                self.name.setStyleSheet("")
                self.name.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            self.name.setPlaceholderText("목록에서 고르면 채워집니다." if picking else "예: 방과후수업료")
            if picking:
                self._catalogue_picked()
            else:
                self.name.clear()
                self.name.setFocus(Qt.FocusReason.OtherFocusReason)

    def _catalogue_picked(self) -> None:
        entry = catalogue.by_code(self.catalogue_code() or "")
        if self.from_catalogue.isChecked() and self.item is None:
            self.name.setText(entry.name if entry else "")

    def pick(self, code: str) -> None:
        """Choose a catalogue entry by code (keyboard users type in the search box; tests call this)."""
        self.from_catalogue.setChecked(True)
        for i in range(self.catalogue_list.count()):
            if self.catalogue_list.item(i).data(CODE_ROLE) == code:
                self.catalogue_list.setCurrentRow(i)

    def catalogue_code(self) -> str | None:
        row = self.catalogue_list.currentItem()
        return str(row.data(CODE_ROLE)) if row is not None and not row.isHidden() else None

    # --- saving --------------------------------------------------------------------------------

    def save(self) -> None:
        """Save through the service; a refusal stays in the dialog in red, naming the field."""
        code = None
        if self.item is None and self.from_catalogue.isChecked():
            code = self.catalogue_code()
            if code is None:
                self._fail("집금항목: 목록에서 항목을 고르거나 '자체 항목'을 선택하세요.")
                return
        form = ItemForm(name=self.name.text(), collection_days=self.days.text(), active=self.active.isChecked(),
                        catalogue_code=code, version_id=self.item.version_id if self.item else None,
                        posted_fee=self.posted_fee.text(), teaching_first_day=self.first_day.text(),
                        teaching_last_day=self.last_day.text(), teaching_sessions=self.sessions.text())
        try:
            if self.item is None:
                contracts.create_item(self.ctx.db, self.ctx.actor, self.contract.id, form)
                self.done_message = f"집금항목 '{form.name.strip()}'을(를) 등록했습니다."
            else:
                contracts.update_item(self.ctx.db, self.ctx.actor, self.item.id, form)
                self.done_message = f"집금항목 '{form.name.strip()}'을(를) 저장했습니다."
        except ValidationError as error:
            self._fail(error.lines())
            fields: dict[str, QWidget] = {
                "집금일": self.days, contracts.POSTED_FEE_FIELD: self.posted_fee,
                contracts.FIRST_DAY_FIELD: self.first_day, contracts.LAST_DAY_FIELD: self.last_day,
                contracts.SESSIONS_FIELD: self.sessions,
            }
            fields.get(error.field, self.name).setFocus(Qt.FocusReason.OtherFocusReason)
            return
        except ServiceError as error:
            self._fail(error.message)
            return
        self.accept()

    def _fail(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(True)
        # Make room for the error line instead of squeezing the rows above it.
        if self.isVisible():
            self.resize(self.width(), max(self.height(), self.sizeHint().height()))


class ItemsPage(Page):
    """집금항목관리: the items of the contract chosen at the top of the window."""

    title = "집금항목관리"
    key = "settings.items"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.contract: ContractRow | None = None
        self.active_dialog: ItemDialog | None = None
        self.model = RowsModel(ITEM_COLUMNS, self)
        self.table = make_table(self.model, self.edit_selected)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.add_button = QPushButton("등록")
        self.add_button.setProperty("primary", True)
        self.edit_button = QPushButton("수정")
        self.active_button = QPushButton("사용 중지")
        for button in (self.add_button, self.edit_button, self.active_button):
            button.setVisible(ctx.actor.is_admin)
        self.add_button.clicked.connect(self.add_item)
        self.edit_button.clicked.connect(self.edit_selected)
        self.active_button.clicked.connect(self.toggle_active_selected)

        self.days_label = hint_label("")
        self.body.addWidget(self.days_label)
        buttons = button_row(self.add_button, self.edit_button, self.active_button, stretch_first=False)
        buttons.addStretch(1)
        self.body.addLayout(buttons)
        self.body.addWidget(self.table, 1)
        self.empty = EmptyState(self.table, ctx)
        if not ctx.actor.is_admin:
            self.body.addWidget(hint_label("집금항목은 관리자만 등록·수정할 수 있습니다."))
        self.status = hint_label("")
        self.body.addWidget(self.status)
        self._update_buttons()

    def refresh(self) -> None:
        keep = self.selected_item()
        contract_id = self.ctx.contract_id
        if contract_id is None:
            self.contract = None
            self.model.set_rows([])
            self.days_label.setText("계약을 먼저 선택하세요.")
        else:
            self.contract = contracts.get_contract(self.ctx.db, self.ctx.actor, contract_id)
            self.model.set_rows(contracts.list_items(self.ctx.db, self.ctx.actor, contract_id))
            self.days_label.setText(
                f"{self.contract.name} ({self.contract.institution_code}) · 이체가능일 매월 "
                f"{days_text(self.contract.debit_days)}일. 집금일은 이 가운데서 고릅니다.")
        fit_columns(self.table)
        rows = self.model.rows()
        self._show_empty(bool(rows))
        target = next((i for i, r in enumerate(rows) if keep and r.id == keep.id), 0)
        if rows:
            self.table.selectRow(target)
        self._update_buttons()

    def _show_empty(self, has_rows: bool) -> None:
        """No item yet: what an item is and the button that registers one (administrators)."""
        if has_rows or self.contract is None:
            self.empty.clear()
        elif self.ctx.actor.is_admin:
            self.empty.show_empty("아직 집금항목이 없습니다 — [등록]으로 첫 항목을 만드세요",
                                  "수강료·교재비처럼 매월 받을 항목과 출금할 날(집금일)을 정합니다. 집금항목이 있어야 "
                                  "고객의 이체정보를 넣을 수 있습니다.", [("집금항목 등록", self.add_item)])
        else:
            self.empty.show_empty("아직 집금항목이 없습니다", "관리자가 집금항목을 등록하면 고객의 이체정보를 넣을 수 있습니다.")

    def selected_item(self) -> ItemRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select_code(self, code: str) -> None:
        for i, row in enumerate(self.model.rows()):
            if row.code == code:
                self.table.selectRow(i)

    def _update_buttons(self) -> None:
        row = self.selected_item()
        self.add_button.setEnabled(self.contract is not None)
        self.edit_button.setEnabled(row is not None)
        self.active_button.setEnabled(row is not None)
        self.active_button.setText("사용 재개" if row is not None and not row.active else "사용 중지")

    def add_item(self) -> None:
        if self.contract is not None:
            codes = frozenset(r.code for r in self.model.rows())
            self._open(ItemDialog(self.ctx, self.contract, None, codes, self))

    def edit_selected(self) -> None:
        row = self.selected_item()
        if row is not None and self.contract is not None and self.ctx.actor.is_admin:
            self._open(ItemDialog(self.ctx, self.contract, row, parent=self))

    def toggle_active_selected(self) -> None:
        """사용 중지 keeps the item and its history; it only stops new charges being made for it."""
        row = self.selected_item()
        if row is None:
            return
        form = ItemForm(name=row.name, collection_days=days_text(row.collection_days), active=not row.active,
                        version_id=row.version_id)
        if run_guarded(self, lambda: contracts.update_item(self.ctx.db, self.ctx.actor, row.id, form)):
            self._done(f"집금항목 '{row.name}': {'사용을 재개했습니다' if form.active else '사용을 중지했습니다'}.")

    def _open(self, dialog: ItemDialog) -> None:
        """Window-modal but not blocking, so the page reloads on `accepted`."""
        self.active_dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._done(dialog.done_message))
        dialog.finished.connect(lambda _result: self._forget(dialog))
        dialog.open()

    def _forget(self, dialog: ItemDialog) -> None:
        if self.active_dialog is dialog:
            self.active_dialog = None

    def _done(self, message: str) -> None:
        self.refresh()
        self.status.setText(message)
        self.ctx.signals.status_message.emit(message)
        self.ctx.signals.data_changed.emit("items")
