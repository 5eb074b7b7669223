"""수납관리 > 연체료관리: each household's 미납 and late fees as of a day, waivers, and billing them.

The list (one row per household with a 미납 charge or a late fee, by 동·호/고객번호) is the service's
(`late_fee_list.household_rows`), loaded in the background whenever the 기준일 changes; the selected
household's charges show below it (청구년월, 항목, 납기일, 기준금액, 연체일수, 연체료, 청구됨, 감면 사유).
The rule in force is printed above the list in the 관리규약's words; with no rule switched on, the list
says so and offers 환경설정 > 연체료·독촉 규정.

Who does what (the services check it too): a 관리자 waives and revokes waivers ([감면], [감면 취소],
with a reason); a 담당자 or 관리자 ticks households and bills ([연체료 청구] → the preview → [청구 확정]);
a 조회 user reads and saves the list ([엑셀 저장], audited as a personal-data export).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from app.services.aggregates.reports import build
from app.services.collection import late_fee_list, late_fee_waivers
from app.services.collection.late_fee_list import ChargeFee, HouseholdFees, LateFeeList
from app.services.common.destinations import Destination
from app.services.common.errors import ServiceError
from app.views.collection.late_fee_dialogs import BillingDialog, RevokeDialog, WaiverDialog
from app.views.collection.table_models import (
    ALIGN_CENTER,
    Column,
    TickModel,
    contract_gate,
    date_edit,
    fit,
    make_tick_table,
    money_column,
    office_today,
    search_box,
    sync_all_box,
)
from app.views.common.base import Page, hint_label, show_error
from app.views.common.context import AppContext
from app.views.common.date_pickers import mark_closed_days, qdate_to_date
from app.views.common.dialogs import open_dialog
from app.views.common.empty_state import EmptyState
from app.views.common.save_target import checked_save_path
from app.views.common.tables import ALERT, MUTED, RowsModel, make_table
from app.views.common.workers import Background
from app.views.shell.destinations import page_key

log = logging.getLogger(__name__)

NO_CONTRACT = "계약정보가 선택되지 않았습니다. 화면 위에서 계약을 고르면 세대별 연체료가 나옵니다."
INTRO = ("기준일 현재 미납인 청구의 연체료를 관리규약대로 계산합니다. 세대를 선택하고 [연체료 청구]를 누르면 "
         "청구할 금액을 먼저 보여 주고, 확정하면 다음 달 '연체료' 항목으로 청구되어 관리비와 함께 출금됩니다.")
NOT_BILLABLE = "청구할 연체료가 없습니다"
RULES_BUTTON = "연체료·독촉 규정 열기 ›"


def _waived_colour(row: HouseholdFees) -> Any:
    return MUTED if row.waived and not row.billable else None


HOUSEHOLD_COLUMNS = (
    Column("동·호/고객번호", lambda r: r.label),
    Column("고객명", lambda r: r.customer_name),
    Column("미납 건수", lambda r: f"{r.unpaid_count:,}건" if r.unpaid_count else "", ALIGN_CENTER),
    money_column("미납액", lambda r: r.unpaid_amount, blank_zero=True),
    money_column("연체료", lambda r: r.fee, blank_zero=True),
    money_column("청구됨", lambda r: r.billed, blank_zero=True),
    money_column("감면", lambda r: r.waived, _waived_colour, blank_zero=True),
    money_column("청구 가능", lambda r: r.billable, lambda r: ALERT if r.billable else None, blank_zero=True),
)

CHARGE_COLUMNS = (
    Column("청구년월", lambda r: r.period, ALIGN_CENTER),
    Column("항목", lambda r: r.item_name),
    Column("납기일", lambda r: f"{r.due_on:%Y-%m-%d}", ALIGN_CENTER),
    money_column("기준금액", lambda r: r.base),
    Column("연체일수/개월", lambda r: r.units_text, ALIGN_CENTER),
    money_column("연체료", lambda r: r.fee),
    money_column("청구됨", lambda r: r.billed, blank_zero=True),
    Column("감면 사유", lambda r: r.waiver_reason or "", foreground=lambda r: MUTED if r.waived else None),
)


class LateFeesPage(Page):
    """연체료관리: households' late fees as of a day; waive (관리자), bill (담당자), save the list."""

    title = "연체료관리"
    key = "collection.late_fees"

    loaded = Signal()
    saved = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.active_dialog: QDialog | None = None
        self.fees: LateFeeList | None = None
        self.gate, content = contract_gate(ctx, self.body, NO_CONTRACT)
        self.contract_label, self.no_contract, self.content = self.gate.label, self.gate.message, self.gate.content
        content.addWidget(hint_label(INTRO))

        self.as_of = date_edit(office_today(ctx))
        mark_closed_days(ctx, self.as_of)
        self.search = search_box("동·호/고객번호·고객명", 170)
        self.search_button = QPushButton("조회")
        self.search_button.setProperty("primary", True)
        self.rule = QLabel()
        self.rule.setObjectName("hintText")
        self.rule.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("기준일"))
        bar.addWidget(self.as_of)
        bar.addWidget(self.search)
        bar.addWidget(self.search_button)
        bar.addSpacing(8)
        bar.addWidget(self.rule, 1)
        content.addLayout(bar)

        self.model = TickModel(HOUSEHOLD_COLUMNS, key=lambda r: r.customer_id,
                               why_not=lambda r: None if r.billable else NOT_BILLABLE, ticks=ctx.actor.can_edit,
                               grey=False, parent=self)
        self.table = make_tick_table(self.model)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_moved())
        content.addWidget(self.table, 3)
        self.empty = EmptyState(self.table, ctx)

        self.all_box = QCheckBox("청구 가능 전체 선택")
        self.all_box.toggled.connect(lambda on: self.model.set_all_checked(on))
        self.all_box.setVisible(ctx.actor.can_edit)
        self.model.checked_changed.connect(self._ticks_changed)
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.bill_button = QPushButton("연체료 청구")
        self.bill_button.setProperty("primary", True)
        self.bill_button.setVisible(ctx.actor.can_edit)
        self.xlsx_button = QPushButton("엑셀 저장")
        totals_row = QHBoxLayout()
        totals_row.addWidget(self.all_box)
        totals_row.addSpacing(12)
        totals_row.addWidget(self.totals, 1)
        totals_row.addWidget(self.bill_button)
        totals_row.addWidget(self.xlsx_button)
        content.addLayout(totals_row)

        self.detail_title = QLabel()
        self.detail_title.setObjectName("sectionTitle")
        self.waive_button = QPushButton("감면")
        self.revoke_button = QPushButton("감면 취소")
        for admin_only in (self.waive_button, self.revoke_button):  # the waiver service allows 관리자 only
            admin_only.setVisible(ctx.actor.is_admin)
        head = QHBoxLayout()
        head.addWidget(self.detail_title, 1)
        head.addWidget(self.waive_button)
        head.addWidget(self.revoke_button)
        content.addLayout(head)
        self.lines_model = RowsModel(CHARGE_COLUMNS, self)
        self.lines_table = make_table(self.lines_model, stretch=len(CHARGE_COLUMNS) - 1)  # 감면 사유 may be long
        self.lines_table.setMinimumHeight(120)
        self.lines_table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        content.addWidget(self.lines_table, 2)
        self.status = hint_label("")
        content.addWidget(self.status)

        self.notice = ""  # what the last action said; shown again once the list has reloaded
        self._query = Background(self)
        self._query.finished.connect(self._list_ready)
        self._query.failed.connect(self._query_failed)
        self._saving = Background(self)
        self._saving.finished.connect(self._saved)
        self._saving.failed.connect(self._save_failed)
        self._loading = False
        self._writing = False
        self.as_of.dateChanged.connect(lambda *_: self.refresh())
        self.search_button.clicked.connect(self.refresh)
        self.search.returnPressed.connect(self.refresh)
        self.bill_button.clicked.connect(self.open_billing)
        self.waive_button.clicked.connect(self.open_waiver)
        self.revoke_button.clicked.connect(self.open_revoke)
        self.xlsx_button.clicked.connect(lambda: self.save_list())
        self._selection_moved()

    # --- loading -------------------------------------------------------------------------------------

    @property
    def chosen_day(self) -> date:
        return qdate_to_date(self.as_of)

    def refresh(self) -> None:
        """Reload the households as of the 기준일, in the background."""
        self.gate.show(self.ctx)
        if self.ctx.contract_id is None:
            self.model.set_rows([])
            return
        db, actor, contract_id, as_of = self.ctx.db, self.ctx.actor, self.ctx.contract_id, self.chosen_day
        self._loading = True
        self.search_button.setEnabled(False)
        self.status.setText("조회 중입니다…")
        self._update_buttons()
        self._query.start(lambda: late_fee_list.household_rows(db, actor, contract_id, as_of))

    def _show(self, fees: LateFeeList) -> None:
        keep = self.selected_row()
        self.fees = fees
        self.rule.setText(f"연체료 규정 — {fees.policy_text}")
        text = self.search.text().strip()
        # Without a rule switched on there is no late fee to manage: the empty state says where to set one.
        rows = [r for r in fees.rows if fees.enabled and (not text or text in r.label or text in r.customer_name)]
        self.model.set_rows(rows)
        fit(self.table)
        self._show_empty(fees, bool(text))
        if rows:
            self.table.selectRow(next((i for i, r in enumerate(rows) if keep and r.customer_id == keep.customer_id), 0))
        self._ticks_changed()
        self._selection_moved()

    def _show_empty(self, fees: LateFeeList, filtered: bool) -> None:
        if self.model.rowCount():
            self.empty.clear()
        elif not fees.enabled:
            self.empty.show_empty(late_fee_list.NO_POLICY, late_fee_list.NO_POLICY_HINT,
                                  [(RULES_BUTTON, page_key(Destination.ARREARS_RULES))])
        elif filtered:
            self.empty.show_filtered("검색한 세대의 미납이나 연체료가 없습니다.")
        else:
            self.empty.show_empty(f"{fees.as_of:%Y-%m-%d} 현재 미납인 세대가 없습니다",
                                  "자동이체가 실패했거나 일부만 출금된 청구가 있으면 세대별로 나옵니다.")

    def selected_row(self) -> HouseholdFees | None:
        chosen = self.table.selectionModel().selectedRows()
        return self.model.row_at(chosen[0].row()) if chosen else None

    def selected_line(self) -> ChargeFee | None:
        chosen = self.lines_table.selectionModel().selectedRows()
        return self.lines_model.row_at(chosen[0].row()) if chosen else None

    def _selection_moved(self) -> None:
        row = self.selected_row()
        if row is None:
            self.detail_title.setText("세대를 고르면 청구별 연체료가 나옵니다.")
            self.lines_model.set_rows([])
        else:
            whole = f" · 세대 전체 감면: {row.household_waiver}" if row.household_waiver else ""
            self.detail_title.setText(f"{row.customer_name}({row.label}) 청구별 연체료{whole}")
            self.lines_model.set_rows(list(row.lines))
            fit(self.lines_table)
        self._update_buttons()

    def _ticks_changed(self) -> None:
        sync_all_box(self.all_box, self.model)
        if self.fees is None or not self.fees.enabled:
            self.totals.setText("")
        else:
            rows = self.model.rows()
            text = (f"{len(rows):,}세대 · 연체료 {sum(r.fee for r in rows):,}원 · 청구됨 {sum(r.billed for r in rows):,}원"
                    f" · 감면 {sum(r.waived for r in rows):,}원 · 청구 가능 {sum(r.billable for r in rows):,}원")
            ticked = self.model.checked_rows()
            if ticked:
                text += f" · 선택 {len(ticked):,}세대 {sum(r.billable for r in ticked):,}원"
            self.totals.setText(text)
        self._update_buttons()

    def _update_buttons(self) -> None:
        idle = not self._loading and self.ctx.contract_id is not None
        row = self.selected_row()
        self.bill_button.setEnabled(idle and bool(self.model.checked_rows()))
        self.xlsx_button.setEnabled(idle and not self._writing and bool(self.model.rowCount()))
        self.waive_button.setEnabled(idle and row is not None and row.household_waiver is None and bool(row.lines))
        self.revoke_button.setEnabled(idle and row is not None
                                      and (row.household_waiver is not None or any(x.waived for x in row.lines)))

    # --- actions -------------------------------------------------------------------------------------

    def open_waiver(self) -> None:
        """[감면] (관리자): the selected household, or the charge selected below it."""
        row = self.selected_row()
        if row is None or not self.ctx.actor.is_admin:
            return
        dialog = WaiverDialog(self.ctx, row, self.selected_line(), self)
        open_dialog(self, dialog, accepted=lambda: self._done(dialog.message))

    def open_revoke(self) -> None:
        """[감면 취소] (관리자): one of the household's standing waivers."""
        row = self.selected_row()
        if row is None or not self.ctx.actor.is_admin or self.ctx.contract_id is None:
            return
        standing = late_fee_waivers.waivers(self.ctx.db, self.ctx.actor, self.ctx.contract_id,
                                            customer_id=row.customer_id, include_revoked=False)
        if not standing:
            return
        dialog = RevokeDialog(self.ctx, row, standing, self)
        open_dialog(self, dialog, accepted=lambda: self._done(dialog.message))

    def open_billing(self) -> None:
        """[연체료 청구]: the preview of the ticked households, then [청구 확정] in the dialog."""
        ticked = self.model.checked_rows()
        if not ticked or self.fees is None or not self.ctx.actor.can_edit:
            return
        dialog = BillingDialog(self.ctx, self.fees.as_of, [r.customer_id for r in ticked], self)
        dialog.resize(940, 480)

        def billed() -> None:
            self.model.set_all_checked(False)
            self._done(dialog.message)

        open_dialog(self, dialog, accepted=billed)

    def save_list(self, target: str | None = None) -> None:
        """[엑셀 저장]: the households listed (the search applied) with every charge line, audited as an export."""
        if self.fees is None or self._writing or not self.model.rowCount():
            return
        fees = replace(self.fees, rows=tuple(self.model.rows()))
        if target is None:
            folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
            name = f"연체료현황_{fees.as_of:%Y%m%d}.xlsx"
            target, _ = QFileDialog.getSaveFileName(self, "엑셀 저장", str(Path(folder) / name), "엑셀 파일 (*.xlsx)")
            if not target:
                return
        if checked_save_path(self, self.ctx.db, target, "엑셀 저장") is None:
            return
        db, actor, now, path = self.ctx.db, self.ctx.actor, self.ctx.clock(), target
        self._writing = True
        self.status.setText("목록을 저장하는 중입니다…")
        self._update_buttons()

        def work() -> str:
            report = late_fee_list.list_report(db, actor, fees, now=now)
            return str(build.save(db, actor, report, path, "xlsx", force=True))

        self._saving.start(work)

    # --- answers from the workers --------------------------------------------------------------------

    def _list_ready(self, token: int, fees: LateFeeList) -> None:
        if not self._query.is_current(token):
            return
        self._loading = False
        self.search_button.setEnabled(True)
        self.status.setText(self.notice)
        self._show(fees)
        self.loaded.emit()

    def _query_failed(self, token: int, error: Exception) -> None:
        if not self._query.is_current(token):
            return
        self._loading = False
        self.search_button.setEnabled(True)
        self.status.setText("")
        self._update_buttons()
        self._failed(error)

    def _saved(self, token: int, path: str) -> None:
        if not self._saving.is_current(token):
            return
        self._writing = False
        self._announce(f"목록을 저장했습니다: {path}")
        self._update_buttons()
        self.saved.emit(path)

    def _save_failed(self, token: int, error: Exception) -> None:
        if not self._saving.is_current(token):
            return
        self._writing = False
        self.status.setText(self.notice)
        self._update_buttons()
        self._failed(error)

    def _failed(self, error: Exception) -> None:
        if not isinstance(error, ServiceError):  # a refusal is the clerk's news; anything else is ours
            log.error("%s: background work failed", self.key, exc_info=error)
        show_error(self, error)

    def _announce(self, message: str) -> None:
        self.notice = message
        self.status.setText(message)
        self.ctx.signals.status_message.emit(message)

    def _done(self, message: str) -> None:
        self.notice = message
        self.ctx.signals.status_message.emit(message)
        self.ctx.signals.data_changed.emit("collection")
        self.refresh()
