"""환경설정 › 동의자료 보관·파기 (administrators): consent evidence whose retention term has passed.

Evidence is kept for the contract's years (5 by default, 전자금융거래법 §22) after its agreement
ended; what has passed that term is listed here (`evidence.due_for_destruction`, as of the business
date). The administrator ticks rows and may first save them to an archive file (a zip with a
manifest of SHA-256 and dates, `export_archive`), then destroys them (`destroy_ticked`): the content is
gone for good and only the record that it existed stays. Both are audited by the service.

The menu shows this screen to administrators only (like 감사기록); built for another role it lists
without ticks or buttons, and the services refuse anyway.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QPushButton, QWidget

from app.services.common.errors import ServiceError
from app.services.customers.evidence import sealed
from app.services.customers.evidence import store as evidence
from app.services.customers.evidence.fit import size_text
from app.services.customers.evidence.sealed import EvidenceInfo
from app.views.collection.table_models import (
    TickModel,
    contract_line,
    sync_all_box,
    tick_list,
    update_contract_line,
)
from app.views.common.base import Page, confirm, hint_label, run_guarded, show_error
from app.views.common.context import AppContext
from app.views.common.save_target import checked_save_path
from app.views.common.tables import ALIGN_CENTER, ALIGN_RIGHT, Column, fit_columns
from app.views.common.workers import Background

RULE = ("이체정보가 해지된 뒤 보관기한(계약정보의 보관 연수, 기본 5년)이 지난 동의자료입니다. 파기하면 내용은 되살릴 수 "
        "없고 기록(SHA-256·크기·첨부일시)만 남습니다. 따로 보관해야 하면 먼저 [보관 파일로 내보내기]로 저장하세요.")


def _day(value: Any) -> str:
    return value.isoformat() if value is not None else ""


class EvidenceRetentionPage(Page):
    title = "동의자료 보관·파기"
    key = "settings.evidence_retention"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.admin = ctx.actor.is_admin
        self.exported: set[int] = set()
        self._pending_export: list[int] = []  # ids being written to an archive now
        self.contract = contract_line(ctx)
        self.today_label = hint_label("")
        self.body.addWidget(self.contract)
        self.body.addWidget(hint_label(RULE))
        self.body.addWidget(self.today_label)
        self.model = TickModel((
            Column("고객번호", lambda i: i.customer_no),
            Column("고객명", lambda i: i.customer_name),
            Column("집금항목", lambda i: i.item_name),
            Column("구분", lambda i: i.kind.label, ALIGN_CENTER),
            Column("파일", lambda i: f"{i.original_name} → {i.extension.upper()}"),
            Column("해지일", lambda i: _day(i.ended_on), ALIGN_CENTER),
            Column("보관기한", lambda i: _day(i.keep_until), ALIGN_CENTER),
            Column("크기", lambda i: size_text(i.size), ALIGN_RIGHT),
            Column("상태", lambda i: i.state.label, ALIGN_CENTER),
            Column("내보냄", lambda i: "저장함" if i.id in self.exported else "", ALIGN_CENTER),
        ), key=lambda i: i.id, ticks=self.admin, parent=self)
        self.list = tick_list(self.body, self.model, select_all="전체 선택", editing=self.admin,
                              on_checked=self._update_buttons, on_selection=lambda: None)
        self.table = self.list.table
        self.list.detail.setVisible(False)  # every column is in the row: nothing to add below it
        self.export_button = QPushButton("보관 파일로 내보내기")
        self.destroy_button = QPushButton("파기")
        for button in (self.export_button, self.destroy_button):
            button.setVisible(self.admin)
        self.body.addLayout(self.list.actions(self.export_button, self.destroy_button))
        self.status = hint_label("")
        self.body.addWidget(self.status)
        if not self.admin:
            self.body.addWidget(hint_label("관리자만 동의자료를 내보내거나 파기할 수 있습니다.", warning=True))
        self.export_button.clicked.connect(lambda: self.export_archive())
        self.destroy_button.clicked.connect(self.destroy_ticked)
        self._saving = Background(self)
        self._saving.finished.connect(self._exported)
        self._saving.failed.connect(self._export_failed)
        self._update_buttons()

    # --- listing ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        update_contract_line(self.ctx, self.contract)
        today = self.ctx.clock().date()
        rows: list[EvidenceInfo] = []
        if self.ctx.contract_id is not None:
            try:
                rows = evidence.due_for_destruction(self.ctx.db, self.ctx.actor, self.ctx.contract_id, today=today)
            except ServiceError as error:
                show_error(self, error, self.title)
        self.model.set_rows(rows)
        sync_all_box(self.list.all_box, self.model)
        fit_columns(self.table, maximum=300)
        total = sum(r.size for r in rows)
        self.today_label.setText(f"기준일 {today:%Y-%m-%d} · 보관기한이 지난 동의자료 {len(rows):,}건 ({size_text(total)})"
                                 if rows else f"기준일 {today:%Y-%m-%d} · 보관기한이 지난 동의자료가 없습니다.")
        self._update_buttons()

    def ticked(self) -> list[EvidenceInfo]:
        return self.model.checked_rows()

    def _update_buttons(self) -> None:
        ticked = self.ticked()
        size = sum(i.size for i in ticked)
        self.list.totals.setText(f"선택 {len(ticked):,}건 ({size_text(size)})" if ticked else "")
        for button in (self.export_button, self.destroy_button):
            button.setEnabled(self.admin and bool(ticked) and not self._pending_export)
        sync_all_box(self.list.all_box, self.model)

    # --- exporting -------------------------------------------------------------------------------

    def export_archive(self, path: str | None = None) -> None:
        """보관 파일로 내보내기: the ticked evidence and a manifest in one zip, written in a worker."""
        ticked = self.ticked()
        if not ticked or not self.admin:
            return
        if path is None:
            folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
            name = f"동의자료_보관_{self.ctx.clock():%Y%m%d}.zip"
            path, _ = QFileDialog.getSaveFileName(self, "보관 파일로 내보내기", str(Path(folder) / name), "zip 파일 (*.zip)")
            if not path:
                return
        if checked_save_path(self, self.ctx.db, path, "보관 파일로 내보내기") is None:
            return
        db, actor, key, ids, target = self.ctx.db, self.ctx.actor, self.ctx.data_key, [i.id for i in ticked], Path(path)
        self._pending_export = ids
        self.status.setText(f"{len(ids):,}건을 보관 파일로 저장하는 중입니다…")
        self._update_buttons()
        # the save dialog asked before replacing a file; the database and backups stay refused
        self._saving.start(lambda: evidence.export_archive(db, actor, sealed.require_key(key), ids, target,
                                                           force=True))

    def _exported(self, _token: int, path: Any) -> None:
        ids, self._pending_export = self._pending_export, []
        self.exported.update(ids)
        self.model.refresh_cells()
        fit_columns(self.table, maximum=300)
        self._say(f"보관 파일을 저장했습니다: {path} ({len(ids):,}건). 안전한 곳에 옮겨 두세요.")
        self._update_buttons()

    def _export_failed(self, _token: int, error: Any) -> None:
        self._pending_export = []
        self.status.setText("")
        self._update_buttons()
        show_error(self, error if isinstance(error, ServiceError) else
                   ServiceError(f"보관 파일을 저장하지 못했습니다 ({type(error).__name__})."), "보관 파일로 내보내기")

    # --- destroying ------------------------------------------------------------------------------

    def destroy_ticked(self) -> None:
        """파기: after a confirmation that names the count (and what was not exported)."""
        ticked = self.ticked()
        if not ticked or not self.admin:
            return
        unsaved = [i for i in ticked if i.id not in self.exported]
        text = f"선택한 동의자료 {len(ticked):,}건을 파기합니다. 파기한 내용은 되살릴 수 없습니다."
        if unsaved:
            text += f"\n이 중 {len(unsaved):,}건은 이 화면에서 보관 파일로 내보내지 않았습니다."
        if not confirm(self, text + "\n\n파기할까요?", "동의자료 파기"):
            return
        done: list[int] = []

        def action() -> None:
            done.append(evidence.destroy(self.ctx.db, self.ctx.actor, [i.id for i in ticked], now=self.ctx.clock()))

        if run_guarded(self, action):
            self.refresh()
            self._say(f"동의자료 {done[0]:,}건을 파기했습니다. 기록(SHA-256·크기·첨부일시)은 남아 있습니다.")

    def _say(self, message: str) -> None:
        self.status.setText(message)
        self.ctx.signals.status_message.emit(message)
