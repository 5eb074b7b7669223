"""환경설정 > 연체료·독촉 규정: the 관리규약's late fee and the 독촉 stages of the chosen contract.

Two boxes, each saved by its own [저장]:

* **연체료** — the contract's default policy typed in place (off, "사용 안 함", until the office
  switches it on), and the items: each follows the default or has its own policy, set in a dialog
  (`LateFeePolicyDialog`) that saves at once.
* **독촉 단계** — the stages in order: 순서, 이름, 일수 (after a failed debit), 문구 요약, and how many
  letters were issued for each. Adding, editing (a dialog with the placeholders and a preview),
  removing and moving change the list on screen; the list is checked as it changes (names, days
  growing) and saved whole by [저장], or put back by [되돌리기]. A stage with letters issued is
  not deleted when removed: saving keeps it switched off, which the screen says before saving.

The rules are the manager's: 담당자 and 조회 see everything read-only, with a note saying so; the
services refuse their saves anyway. The page loads in the background; a change not yet saved is
kept when the page is shown again, and dropped only when another contract is chosen.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtWidgets import QDialog, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.services.common.errors import ServiceError
from app.services.common.validation import ValidationError
from app.services.settings import arrears_rules as rules
from app.services.settings.arrears_rules import ArrearsRules, ItemPolicy, StageRule
from app.views.collection.table_models import contract_gate, office_today
from app.views.common.base import Page, hint_label, show_error
from app.views.common.context import AppContext
from app.views.common.dialogs import open_dialog
from app.views.common.tables import ALIGN_CENTER, MUTED, Column, RowsModel, fit_columns, make_table
from app.views.common.workers import Background
from app.views.settings.dunning_stage_dialog import DunningStageDialog
from app.views.settings.late_fee_policy_dialog import LateFeePolicyDialog, PolicyForm

NO_CONTRACT = "계약정보가 선택되지 않았습니다. 화면 위에서 계약을 고르면 그 계약의 연체료·독촉 규정이 나옵니다."
INTRO = ("관리규약에 정한 연체료와 독촉 단계입니다. 연체료관리·독촉관리 화면과 안내문, 미납내역집계가 이 규정을 따릅니다.")
READ_ONLY = "연체료·독촉 규정은 관리규약에 따른 것이라 관리자만 바꿀 수 있습니다. 이 화면은 보기만 할 수 있습니다."
SUMMARY_CHARS = 60


def wording_summary(wording: str) -> str:
    """The wording on one line, shortened: what a row of the stage list shows of it."""
    line = " ".join(part.strip() for part in wording.splitlines() if part.strip())
    return line if len(line) <= SUMMARY_CHARS else line[:SUMMARY_CHARS - 1] + "…"


class ArrearsRulesPage(Page):
    """연체료·독촉 규정 of the contract chosen at the top of the window."""

    title = "연체료·독촉 규정"
    key = "settings.arrears_rules"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.admin = ctx.actor.is_admin
        self.rules: ArrearsRules | None = None
        self.pending: list[StageRule] = []
        self.stages_dirty = False
        self.policy_dirty = False
        self.active_dialog: QDialog | None = None
        self.gate, content = contract_gate(ctx, self.body, NO_CONTRACT)
        content.addWidget(hint_label(INTRO))
        if not self.admin:
            content.addWidget(hint_label(READ_ONLY, warning=True))
        content.addWidget(self._late_fee_box(), 1)
        content.addWidget(self._stages_box())
        self.status = hint_label("")
        content.addWidget(self.status)
        self._load = Background(self)
        self._load.finished.connect(self._loaded)
        self._load.failed.connect(self._load_failed)
        self._update_buttons()

    # --- building --------------------------------------------------------------------------------------

    def _late_fee_box(self) -> QGroupBox:
        box = QGroupBox("연체료 — 기본 규정 (모든 항목)")
        layout = QVBoxLayout(box)
        self.policy = PolicyForm(self)
        self.policy.set_editable(self.admin)
        self.policy.changed.connect(self._policy_edited)
        self.save_policy_button = QPushButton("저장")
        self.save_policy_button.setProperty("primary", True)
        self.save_policy_button.setVisible(self.admin)
        self.save_policy_button.clicked.connect(self.save_policy)
        self.policy.first_row.addWidget(self.save_policy_button)
        layout.addWidget(self.policy)
        self.item_model = RowsModel((
            Column("코드", lambda r: r.code, ALIGN_CENTER),
            Column("집금항목", lambda r: r.name if r.active else f"{r.name} (사용 중지)",
                   foreground=lambda r: None if r.active else MUTED),
            Column("적용", lambda r: "항목 규정" if r.own is not None else "기본 규정 따름", ALIGN_CENTER),
            Column("연체료 규정", lambda r: self._item_text(r)),
        ), self)
        self.item_table = make_table(self.item_model, self.edit_item, stretch=3)
        self.item_table.setMinimumHeight(100)
        self.item_table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.edit_item_button = QPushButton("항목 규정 정하기" if self.admin else "항목 규정 보기")
        self.edit_item_button.clicked.connect(self.edit_item)
        items_head = QHBoxLayout()
        items_head.addWidget(QLabel("항목별 규정 (관리규약이 항목마다 다를 때)"))
        items_head.addStretch(1)
        items_head.addWidget(self.edit_item_button)
        layout.addLayout(items_head)
        layout.addWidget(self.item_table, 1)
        return box

    def _stages_box(self) -> QGroupBox:
        box = QGroupBox("독촉 단계")
        layout = QVBoxLayout(box)
        self.stages_note = hint_label("")
        layout.addWidget(self.stages_note)
        self.stage_model = RowsModel((
            Column("순서", lambda r: f"{r.seq}", ALIGN_CENTER),
            Column("이름", lambda r: r.name),
            Column("일수", lambda r: f"출금 실패 {r.days_after}일 후", ALIGN_CENTER),
            Column("발행", lambda r: self._letters_text(r), ALIGN_CENTER),
            Column("문구 요약", lambda r: wording_summary(r.wording)),
        ), self)
        self.stage_table = make_table(self.stage_model, self.edit_stage, stretch=4)
        self.stage_table.setMinimumHeight(110)
        # At most five stages: the table never needs more height than that, the items may use the rest.
        self.stage_table.ensurePolished()
        self.stage_table.setMaximumHeight(self.stage_table.verticalHeader().defaultSectionSize() * rules.MAX_STAGES
                                          + self.stage_table.horizontalHeader().sizeHint().height()
                                          + 2 * self.stage_table.frameWidth() + 4)
        self.stage_table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        layout.addWidget(self.stage_table, 1)
        self.add_button = QPushButton("추가")
        self.edit_button = QPushButton("수정" if self.admin else "문구 보기")
        self.remove_button = QPushButton("삭제")
        self.up_button = QPushButton("위로")
        self.down_button = QPushButton("아래로")
        self.revert_button = QPushButton("되돌리기")
        self.save_stages_button = QPushButton("저장")
        self.save_stages_button.setProperty("primary", True)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_stages_button)
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button, self.revert_button,
                       self.save_stages_button):
            button.setVisible(self.admin)
        layout.addLayout(buttons)
        self.stage_problems = hint_label("", warning=True)
        self.stage_problems.setVisible(False)
        layout.addWidget(self.stage_problems)
        self.add_button.clicked.connect(self.add_stage)
        self.edit_button.clicked.connect(self.edit_stage)
        self.remove_button.clicked.connect(self.remove_stage)
        self.up_button.clicked.connect(lambda: self.move_stage(-1))
        self.down_button.clicked.connect(lambda: self.move_stage(1))
        self.revert_button.clicked.connect(self.revert_stages)
        self.save_stages_button.clicked.connect(self.save_stages)
        return box

    def _item_text(self, row: ItemPolicy) -> str:
        return row.effective_text(self.rules.default) if self.rules is not None else ""

    def _letters_text(self, row: StageRule) -> str:
        count = self.rules.letters_by_stage.get(row.id, 0) if self.rules is not None and row.id is not None else 0
        return f"{count:,}건" if count else ""

    # --- loading ---------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Load the contract's rules off the UI thread; what the clerk has not saved stays as typed."""
        self.gate.show(self.ctx)
        contract_id = self.ctx.contract_id
        if contract_id is None:
            self._forget()
            return
        if self.rules is not None and self.rules.contract_id != contract_id:
            self._forget()
        db, actor = self.ctx.db, self.ctx.actor
        self._load.start(lambda: rules.load_rules(db, actor, contract_id))

    def _forget(self) -> None:
        """Another contract (or none): nothing of the previous one's rules or unsaved edits may stay."""
        self.rules, self.pending, self.stages_dirty, self.policy_dirty = None, [], False, False
        self.item_model.set_rows([])
        self.stage_model.set_rows([])
        self._update_buttons()

    def _loaded(self, token: int, loaded: Any) -> None:
        if not self._load.is_current(token) or loaded.contract_id != self.ctx.contract_id:
            return
        previous = self.rules
        if previous is not None and previous.contract_id != loaded.contract_id:
            self.stages_dirty = self.policy_dirty = False
        keep_policy = keep_stages = False
        self.rules = loaded
        if previous is not None:
            keep_policy, keep_stages = self.policy_dirty, self.stages_dirty
            # Unsaved edits keep the versions they were made on, so a save still notices someone else's.
            self.rules = _merged(loaded, previous, keep_policy, keep_stages)
        if not keep_policy:
            self.policy.set_policy(loaded.default)
        keep_item = self._selected_item()
        self.item_model.set_rows(list(loaded.items))
        fit_columns(self.item_table)
        rows = self.item_model.rows()
        target = next((i for i, r in enumerate(rows) if keep_item and r.item_id == keep_item.item_id), 0)
        if rows:
            self.item_table.selectRow(target)
        if not keep_stages:
            self.pending = list(loaded.stages)
        self._show_stages()
        self._update_buttons()

    def _load_failed(self, token: int, error: Any) -> None:
        if self._load.is_current(token):
            show_error(self, error, self.title)

    # --- 연체료 -----------------------------------------------------------------------------------------

    def _policy_edited(self) -> None:
        self.policy_dirty = True
        self._update_buttons()

    def save_policy(self) -> None:
        """[저장] of the 연체료 box: the contract's default policy."""
        if self.rules is None or not self.admin:
            return
        try:
            saved = rules.save_late_fee_policy(self.ctx.db, self.ctx.actor, self.rules.contract_id, None,
                                               self.policy.form(self.rules.default.version))
        except ValidationError as error:
            show_error(self, ServiceError(error.lines()), "연체료 규정 저장")
            self.policy.field_widget(error.field).setFocus()
            return
        except ServiceError as error:
            show_error(self, error, "연체료 규정 저장")
            return
        self.policy_dirty = False
        self._done(f"연체료 기본 규정을 저장했습니다: {saved.text}")

    def _selected_item(self) -> ItemPolicy | None:
        chosen = self.item_table.selectionModel().selectedRows()
        return self.item_model.row_at(chosen[0].row()) if chosen else None

    def edit_item(self) -> None:
        """[항목 규정 정하기]: the selected item follows the default or gets its own policy (saved by the dialog)."""
        item = self._selected_item()
        if item is None or self.rules is None:
            return
        dialog = LateFeePolicyDialog(self.ctx, self.rules.contract_id, item, self.rules.default, self)

        def accepted() -> None:
            self._done(dialog.message)

        open_dialog(self, dialog, accepted=accepted)

    # --- 독촉 단계 ---------------------------------------------------------------------------------------

    def _show_stages(self, select: int | None = None) -> None:
        keep = self.stage_table.selectionModel().selectedRows()
        row = select if select is not None else (keep[0].row() if keep else 0)
        self.pending = [StageRule(s.id, i, s.name, s.days_after, s.wording, True)
                        for i, s in enumerate(self.pending, start=1)]
        self.stage_model.set_rows(self.pending)
        fit_columns(self.stage_table)
        if self.pending:
            self.stage_table.selectRow(min(max(row, 0), len(self.pending) - 1))
        notes: list[str] = []
        if self.rules is not None and self.rules.stages_are_default and not self.stages_dirty:
            notes.append("아직 이 계약의 단계를 정하지 않아 기본 단계를 씁니다."
                         + (" 고쳐서 [저장]하면 이 계약의 단계가 됩니다." if self.admin else ""))
        if self.rules is not None and self.rules.retired_stages:
            notes.append(f"발행된 안내문 때문에 남겨 둔 사용 중지 단계 {self.rules.retired_stages}개가 있습니다 "
                         "(목록에는 나오지 않습니다).")
        if self.stages_dirty:
            notes.append("저장하지 않은 변경이 있습니다. [저장]을 눌러야 독촉관리에 반영됩니다.")
        self.stages_note.setText(" ".join(notes) or "출금에 실패한 가구에 단계마다 정한 날에 안내문을 보냅니다.")
        self._check_stages()

    def _check_stages(self) -> None:
        """The list as it stands, checked as the save will check it: problems shown under it, in red."""
        problems = ""
        if self.stages_dirty:
            try:
                rules.validate_stages(self.pending)
            except ValidationError as error:
                problems = error.lines()
        self.stage_problems.setText(problems)
        self.stage_problems.setVisible(bool(problems))

    def _stage_changed(self, select: int) -> None:
        self.stages_dirty = True
        self._show_stages(select)
        self._update_buttons()

    def _selected_stage_index(self) -> int | None:
        chosen = self.stage_table.selectionModel().selectedRows()
        return chosen[0].row() if chosen else None

    def _stage_dialog(self, index: int | None) -> DunningStageDialog:
        stage = self.pending[index] if index is not None else None
        others = [s.name for i, s in enumerate(self.pending) if i != index]
        last = self.pending[-1].days_after if self.pending else 0
        return DunningStageDialog(stage, seq=(index + 1) if index is not None else len(self.pending) + 1,
                                  suggested_days=min(last + 15 if last else 3, rules.MAX_STAGE_DAYS), others=others,
                                  institution=self.rules.contract_name if self.rules else "",
                                  today=office_today(self.ctx), editable=self.admin, parent=self)

    def add_stage(self) -> None:
        if self.rules is None or not self.admin or len(self.pending) >= rules.MAX_STAGES:
            return
        dialog = self._stage_dialog(None)

        def accepted() -> None:
            if dialog.result_stage is not None:
                self.pending.append(dialog.result_stage)
                self._stage_changed(len(self.pending) - 1)

        open_dialog(self, dialog, accepted=accepted)

    def edit_stage(self) -> None:
        """[수정] (관리자) or [문구 보기]: the stage's dialog; an edit changes the list on screen until [저장]."""
        index = self._selected_stage_index()
        if index is None or self.rules is None:
            return
        dialog = self._stage_dialog(index)

        def accepted() -> None:
            if dialog.result_stage is not None and self.admin:
                self.pending[index] = dialog.result_stage
                self._stage_changed(index)

        open_dialog(self, dialog, accepted=accepted)

    def remove_stage(self) -> None:
        index = self._selected_stage_index()
        if index is None or not self.admin:
            return
        stage = self.pending.pop(index)
        self._stage_changed(min(index, len(self.pending) - 1))
        letters = self.rules.letters_by_stage.get(stage.id, 0) if self.rules and stage.id is not None else 0
        self.status.setText(f"'{stage.name}'을(를) 목록에서 뺐습니다. 발행된 안내문 {letters:,}건이 있어 저장하면 지우지 않고 "
                            "사용 중지로 남깁니다." if letters else
                            f"'{stage.name}'을(를) 목록에서 뺐습니다. [저장]하면 삭제됩니다.")

    def move_stage(self, step: int) -> None:
        index = self._selected_stage_index()
        if index is None or not self.admin or not 0 <= index + step < len(self.pending):
            return
        self.pending[index], self.pending[index + step] = self.pending[index + step], self.pending[index]
        self._stage_changed(index + step)

    def revert_stages(self) -> None:
        """[되돌리기]: the list as last saved."""
        if self.rules is None:
            return
        self.stages_dirty = False
        self.pending = list(self.rules.stages)
        self._show_stages()
        self._update_buttons()
        self.refresh()

    def save_stages(self) -> None:
        """[저장] of the 독촉 단계 box: the whole list, in one unit."""
        if self.rules is None or not self.admin:
            return
        try:
            saved = rules.save_stages(self.ctx.db, self.ctx.actor, self.rules.contract_id, self.pending,
                                      version=self.rules.stages_version)
        except ServiceError as error:
            text = error.lines() if isinstance(error, ValidationError) else error.message
            show_error(self, ServiceError(text), "독촉 단계 저장")
            return
        self.stages_dirty = False
        self._done(f"독촉 단계 {len(saved)}개를 저장했습니다: "
                   + ", ".join(f"{s.name}({s.days_after}일)" for s in saved))

    # --- common ----------------------------------------------------------------------------------------

    def _update_buttons(self) -> None:
        loaded = self.rules is not None
        index = self._selected_stage_index()
        self.save_policy_button.setEnabled(loaded and self.policy_dirty)
        self.edit_item_button.setEnabled(loaded and self._selected_item() is not None)
        self.add_button.setEnabled(loaded and len(self.pending) < rules.MAX_STAGES)
        self.add_button.setToolTip("" if len(self.pending) < rules.MAX_STAGES else
                                   f"독촉 단계는 {rules.MAX_STAGES}개까지 둘 수 있습니다.")
        self.edit_button.setEnabled(loaded and index is not None)
        self.remove_button.setEnabled(loaded and index is not None and len(self.pending) > rules.MIN_STAGES)
        self.up_button.setEnabled(loaded and index is not None and index > 0)
        self.down_button.setEnabled(loaded and index is not None and index < len(self.pending) - 1)
        self.revert_button.setEnabled(loaded and self.stages_dirty)
        self.save_stages_button.setEnabled(loaded and self.stages_dirty)

    def _done(self, message: str) -> None:
        self.status.setText(message)
        self.ctx.signals.status_message.emit(message)
        self.ctx.signals.data_changed.emit("settings")
        self.refresh()


def _merged(loaded: ArrearsRules, previous: ArrearsRules, keep_policy: bool, keep_stages: bool) -> ArrearsRules:
    """A fresh load, except the parts the clerk is still editing, which keep what they were loaded with."""
    merged = loaded
    if keep_policy:
        merged = replace(merged, default=previous.default)
    if keep_stages:
        merged = replace(merged, stages=previous.stages, stages_are_default=previous.stages_are_default,
                         stages_version=previous.stages_version)
    return merged
