"""수납관리 > 통장입금대사: the office's bank statement read, each deposit matched to what is unpaid.

Payers whose debit failed often pay by transfer into the office's account; the clerk used to read the
statement line by line and record each as cash. Here the desk proposes and the clerk confirms:

* **통장 읽기** — [거래내역 파일 선택…] reads a bank's export (.xlsx, .xls, .csv); a header the reader
  cannot place opens the column mapping, then the file is read again. Every deposit is listed with
  what it most likely pays, how sure that is and why (statement_lines.py). Sure ones are ticked; the
  clerk unticks (나중에), changes what one pays ([변경…]) or sets it aside ([수납아님…], with a
  reason), then [선택한 n건 수납반영] applies the ticked ones as 계좌입금 in one transaction and keeps
  the rest as 미처리. A deposit read before (the same file twice, overlapping periods) is shown with
  what became of it and can never be ticked again.
* **미처리 입금** — the deposits kept for later, proposed again against today's unpaid charges, with
  the same table and actions.
* **처리 내역** — what became of the deposits of a period: applied (and to what), set aside, or waiting.

Reading a file and proposing never write (both run off the UI thread); only the apply button does,
after a confirmation naming the counts and the total. Every refusal is a Korean message box and
leaves the database as it was. A 조회 user may read a file and look; the buttons that decide are not
there for them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import config as app_config
from app.database.engine import Database
from app.models.enums import StatementLineState
from app.services.collection.cash import CashRow
from app.services.collection.statements import applying, matching
from app.services.collection.statements.model import ApplyResult, Confidence, Proposal, StatementFile, StoredLine
from app.services.collection.statements.reader import StatementColumnsMissing, read_statement
from app.services.common.errors import ServiceError
from app.services.common.session import Actor
from app.services.settings.demo.statement import SAMPLE_NAME
from app.views.collection.statement_lines import KNOWN, ProposalList
from app.views.collection.statement_mapping_dialog import StatementMappingDialog
from app.views.collection.table_models import (
    ALIGN_CENTER,
    Column,
    TickModel,
    contract_gate,
    fit,
    make_tick_table,
    money_column,
    office_today,
    recent_days_bar,
)
from app.views.common.base import Page, confirm, hint_label, show_error
from app.views.common.column_fit import set_elastic
from app.views.common.context import AppContext
from app.views.common.date_pickers import qdate_to_date
from app.views.common.dialogs import open_dialog
from app.views.common.empty_state import EmptyState
from app.views.common.tables import MUTED
from app.views.common.workers import Background

log = logging.getLogger(__name__)

NO_CONTRACT = "계약정보가 선택되지 않았습니다. 화면 위에서 계약을 고르면 통장 입금을 미납과 맞춰 볼 수 있습니다."
INTRO = ("인터넷뱅킹에서 받은 통장 거래내역 파일을 읽어 입금마다 어느 미납을 낸 것인지 제안합니다. 확실한 입금은 미리 체크되어 "
         "있습니다. 확인하고 [수납반영]을 누르면 체크한 입금만 계좌입금으로 수납하고, 나머지는 미처리로 남겨 나중에 처리합니다.")
FILE_FILTER = "통장 거래내역 (*.xlsx *.xls *.csv);;모든 파일 (*)"
READ_FIRST = "통장 거래내역 파일을 고르면 입금마다 어느 미납을 낸 것인지 제안합니다"
READ_HINT = ("인터넷뱅킹에서 받은 거래내역(.xlsx, .xls, .csv)을 [거래내역 파일 선택…]으로 여세요. 파일을 읽고 제안하는 "
             "동안에는 아무것도 저장하지 않습니다.")
CANNOT_OPEN = "파일을 열 수 없습니다. 엑셀에서 열려 있다면 닫고 다시 선택하세요."
HISTORY_DAYS = 31
"""처리 내역 opens on the last month."""

STATE_COLOUR = {StatementLineState.DISMISSED: MUTED}

HISTORY_COLUMNS = (
    Column("거래일시", lambda r: _stored_when(r), ALIGN_CENTER),
    Column("입금자", lambda r: r.depositor),
    money_column("입금액", lambda r: r.amount),
    Column("상태", lambda r: r.state.label, ALIGN_CENTER, lambda r: STATE_COLOUR.get(r.state)),
    money_column("수납액", lambda r: r.applied, blank_zero=True),
    money_column("남은 금액", lambda r: r.remainder, blank_zero=True),
    Column("수납 내역", lambda r: " / ".join(r.paid)),
    Column("비고", lambda r: r.note),
    Column("처리자", lambda r: r.decided_by, ALIGN_CENTER),
)


def _stored_when(line: StoredLine) -> str:
    time = f" {line.occurred_time[:5]}" if line.occurred_time else ""
    return f"{line.occurred_on:%Y-%m-%d}{time}"


def _read_and_propose(db: Database, actor: Actor, contract_id: int, path: str, mapping: Mapping[str, str] | None,
                      today: date) -> tuple[StatementFile, list[Proposal]]:
    statement = read_statement(path, mapping=mapping)
    return statement, matching.propose(db, actor, contract_id, statement, today=today)


def _counts_text(panel: ProposalList) -> str:
    counts = panel.counts()
    parts = [f"{c.label} {counts[c]:,}" for c in Confidence]
    if counts[KNOWN]:
        parts.append(f"이미 읽은 입금 {counts[KNOWN]:,}")
    return " · ".join(parts)


class StatementPage(Page):
    """통장입금대사: read a statement, confirm what each deposit pays, keep the rest for later."""

    title = "통장입금대사"
    key = "collection.statement"

    loaded = Signal(str)  # "read", "pending" or "history": that list is on screen
    applied = Signal(object)  # the ApplyResult of a [수납반영]

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.active_dialog: QDialog | None = None
        self.statement: StatementFile | None = None
        self.path = ""
        self._statement_contract: int | None = None
        self._busy = False
        self._reading = False
        self._after_apply = ""  # what the last [수납반영] said, shown again once the statement is proposed again
        self._reading_contract: int | None = None  # the contract a read in flight proposes against
        self.gate, content = contract_gate(ctx, self.body, NO_CONTRACT)
        self.content = self.gate.content
        content.addWidget(hint_label(INTRO))
        self.tabs = QTabWidget()
        content.addWidget(self.tabs, 1)
        self.status = hint_label("")
        content.addWidget(self.status)
        self._build_read(ctx)
        self._build_pending(ctx)
        self._build_history(ctx)
        self._read_work, self._pending_work, self._history_work, self._apply_work = (
            Background(self), Background(self), Background(self), Background(self))
        self._read_work.finished.connect(self._read_done)
        self._read_work.failed.connect(self._read_failed)
        self._pending_work.finished.connect(self._pending_done)
        self._history_work.finished.connect(self._history_done)
        for work in (self._pending_work, self._history_work):
            work.failed.connect(lambda token, error, w=work: self._load_failed(w, token, error))
        self._apply_work.finished.connect(self._apply_done)
        self._apply_work.failed.connect(self._apply_failed)
        self._update_buttons()

    # --- layout --------------------------------------------------------------------------------------

    def _build_read(self, ctx: AppContext) -> None:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        self.open_button = QPushButton("거래내역 파일 선택…")
        self.open_button.setProperty("primary", True)
        self.open_button.clicked.connect(self.browse)
        self.file_label = QLabel("")
        self.file_label.setObjectName("hintText")
        bar = QHBoxLayout()
        bar.addWidget(self.open_button)
        bar.addWidget(self.file_label, 1)
        layout.addLayout(bar)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.notices = hint_label("")  # what the reader left out and why (합계 lines …): news, not an error
        self.notices.setVisible(False)
        layout.addWidget(self.notices)
        self.read_list = ProposalList(ctx, self.find_charges, stored=False, parent=tab)
        self.read_list.apply_requested.connect(lambda: self.apply(self.read_list))
        layout.addWidget(self.read_list, 1)
        self.read_list.empty.show_empty(READ_FIRST, READ_HINT)
        self.tabs.addTab(tab, "통장 읽기")

    def _build_pending(self, ctx: AppContext) -> None:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        self.pending_summary = QLabel("")
        self.pending_summary.setWordWrap(True)
        layout.addWidget(self.pending_summary)
        self.pending_list = ProposalList(ctx, self.find_charges, stored=True, parent=tab)
        self.pending_list.apply_requested.connect(lambda: self.apply(self.pending_list))
        layout.addWidget(self.pending_list, 1)
        self.tabs.addTab(tab, "미처리 입금")

    def _build_history(self, ctx: AppContext) -> None:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        bar = recent_days_bar(ctx, "거래일", HISTORY_DAYS)
        self.date_from, self.date_to, self.history_search = bar.date_from, bar.date_to, bar.search
        self.history_search.clicked.connect(self.load_history)
        layout.addLayout(bar.layout)
        self.history_model = TickModel(HISTORY_COLUMNS, key=lambda r: r.line_id, ticks=False, grey=False, parent=self)
        self.history_table = make_tick_table(self.history_model)
        set_elastic(self.history_table, self.history_model.column_of("수납 내역"), self.history_model.column_of("비고"))
        self.history_table.selectionModel().selectionChanged.connect(lambda *_: self._history_moved())
        layout.addWidget(self.history_table, 1)
        self.history_empty = EmptyState(self.history_table, ctx)
        self.history_detail = hint_label("")
        layout.addWidget(self.history_detail)
        self.history_total = QLabel("")
        self.history_total.setWordWrap(True)
        layout.addWidget(self.history_total)
        self.tabs.addTab(tab, "처리 내역")

    # --- loading -------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the stored deposits and the history; a statement read for another contract is dropped."""
        self.gate.show(self.ctx)
        if self.ctx.contract_id != self._statement_contract:
            self._clear_statement()
        if self.ctx.contract_id is None:
            self.pending_list.set_proposals([])
            self.history_model.set_rows([])
            return
        self.load_pending()
        self.load_history()

    def _clear_statement(self) -> None:
        self.statement, self.path, self._statement_contract = None, "", None
        self.read_list.set_proposals([])
        self.read_list.empty.show_empty(READ_FIRST, READ_HINT)
        self.file_label.setText("")
        self.summary.setText("")
        self.notices.setVisible(False)

    def find_charges(self, text: str) -> list[CashRow]:
        """The charges a deposit may pay (the [변경…] dialog's search)."""
        if self.ctx.contract_id is None:
            return []
        return matching.candidates(self.ctx.db, self.ctx.actor, self.ctx.contract_id, text=text)

    def load_pending(self) -> None:
        if self.ctx.contract_id is None:
            return
        db, actor, contract_id, today = self.ctx.db, self.ctx.actor, self.ctx.contract_id, office_today(self.ctx)
        self.pending_summary.setText("미처리 입금을 불러오는 중입니다…")
        self._pending_work.start(lambda: matching.propose_pending(db, actor, contract_id, today=today))

    def load_history(self) -> None:
        if self.ctx.contract_id is None:
            return
        db, actor, contract_id = self.ctx.db, self.ctx.actor, self.ctx.contract_id
        start, end = qdate_to_date(self.date_from), qdate_to_date(self.date_to)
        self._history_work.start(lambda: applying.history(db, actor, contract_id, start, end))

    def _pending_done(self, token: int, proposals: list[Proposal]) -> None:
        if not self._pending_work.is_current(token):
            return
        self.pending_list.set_proposals(proposals)
        if proposals:
            total = sum(p.remainder for p in proposals)
            self.pending_summary.setText(f"미처리 입금 {len(proposals):,}건 · 남은 금액 {total:,}원 · "
                                         f"{_counts_text(self.pending_list)}")
        else:
            self.pending_summary.setText("")
            self.pending_list.empty.show_empty("미처리로 보관 중인 입금이 없습니다",
                                               "통장 읽기에서 수납반영하지 않은 입금은 여기에 남아 나중에 처리합니다.")
        self.tabs.setTabText(1, f"미처리 입금 ({len(proposals):,})" if proposals else "미처리 입금")
        self.loaded.emit("pending")

    def _history_done(self, token: int, rows: list[StoredLine]) -> None:
        if not self._history_work.is_current(token):
            return
        self.history_model.set_rows(rows)
        fit(self.history_table)
        if rows:
            self.history_table.selectRow(0)
            self.history_empty.clear()
            by_state = {s: [r for r in rows if r.state is s] for s in StatementLineState}
            self.history_total.setText(" · ".join(
                [f"입금 {len(rows):,}건 {sum(r.amount for r in rows):,}원",
                 f"수납반영 {len(by_state[StatementLineState.APPLIED]):,}건 {sum(r.applied for r in rows):,}원"]
                + [f"{s.label} {len(by_state[s]):,}건" for s in (StatementLineState.DISMISSED,
                                                                 StatementLineState.PENDING)]))
        else:
            self.history_empty.show_empty("이 기간에 읽은 입금이 없습니다",
                                          "통장 읽기에서 거래내역을 읽으면 입금마다 처리한 내역이 여기에 남습니다.")
            self.history_total.setText("")
        self.loaded.emit("history")

    def _history_moved(self) -> None:
        """The chosen deposit whole: what each part paid, and the note (cells end in "…" when narrow)."""
        chosen = self.history_table.selectionModel().selectedRows()
        line: StoredLine | None = self.history_model.row_at(chosen[0].row()) if chosen else None
        if line is None:
            self.history_detail.setText("")
            return
        parts = [f"{_stored_when(line)} {line.depositor} {line.amount:,}원 · {line.state.label}",
                 *line.paid, line.note, f"파일 {line.source_file}" if line.source_file else ""]
        self.history_detail.setText(" — ".join(p for p in parts if p))

    def _load_failed(self, work: Background, token: int, error: Exception) -> None:
        if not work.is_current(token):
            return
        if not isinstance(error, ServiceError):
            log.error("%s: loading a list failed", self.key, exc_info=error)
        show_error(self, error)

    # --- reading a statement ---------------------------------------------------------------------------

    def ask_open_path(self) -> str:
        """The file dialog (tests replace this method); it opens beside the demo's practice statement
        when there is one (`demo.statement`), else in the downloads folder where banks save theirs."""
        data = app_config.data_dir()
        folder = (str(data) if (data / SAMPLE_NAME).exists()
                  else QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation))
        path, _filter = QFileDialog.getOpenFileName(self, "통장 거래내역 파일 선택", folder or str(Path.home()),
                                                    FILE_FILTER)
        return path

    def browse(self) -> None:
        if self._busy or self._reading or self.ctx.contract_id is None:
            return
        path = self.ask_open_path()
        if path:
            self.read_file(path)

    def read_file(self, path: str, mapping: Mapping[str, str] | None = None) -> None:
        """Read the file and propose in the background; nothing is written."""
        if self._busy or self._reading or self.ctx.contract_id is None:
            return
        db, actor, contract_id, today = self.ctx.db, self.ctx.actor, self.ctx.contract_id, office_today(self.ctx)
        chosen = dict(mapping) if mapping is not None else None
        self.path = path
        self.file_label.setText(Path(path).name)
        self._reading, self._reading_contract = True, contract_id
        self._update_buttons()
        self.status.setText("파일을 읽고 입금마다 미납과 맞춰 보는 중입니다…")
        self._read_work.start(lambda: _read_and_propose(db, actor, contract_id, path, chosen, today))

    def _propose_again(self) -> None:
        """After applying: the same statement proposed again, so what was decided now shows as known."""
        statement, contract_id = self.statement, self.ctx.contract_id
        if statement is None or contract_id is None:
            return
        db, actor, today = self.ctx.db, self.ctx.actor, office_today(self.ctx)
        self._reading, self._reading_contract = True, contract_id
        self._update_buttons()
        self._read_work.start(lambda: (statement, matching.propose(db, actor, contract_id, statement, today=today)))

    def _read_done(self, token: int, result: tuple[StatementFile, list[Proposal]]) -> None:
        if not self._read_work.is_current(token):
            return
        self._reading = False
        if self._reading_contract != self.ctx.contract_id:  # proposed against the contract the clerk left
            self.status.setText("")
            self._update_buttons()
            return
        statement, proposals = result
        self.statement, self._statement_contract = statement, self.ctx.contract_id
        self.read_list.set_proposals(proposals)
        layout = "직접 연결한 열로 읽은 거래내역" if statement.layout == "직접 연결" else f"{statement.layout} 거래내역"
        withdrawals = f" · 출금 {statement.withdrawals:,}건 제외" if statement.withdrawals else ""
        self.summary.setText(f"{layout} · 입금 {len(statement.deposits):,}건 {statement.total:,}원{withdrawals} · "
                             f"{_counts_text(self.read_list)}")
        self.notices.setText("\n".join(statement.notices))
        self.notices.setVisible(bool(statement.notices))
        if not proposals:
            self.read_list.empty.show_empty("이 파일에는 입금이 없습니다",
                                            "출금만 있는 기간이거나 다른 계좌의 거래내역일 수 있습니다.")
        self.status.setText(self._after_apply)
        self._after_apply = ""
        self._update_buttons()
        self.loaded.emit("read")

    def _read_failed(self, token: int, error: Exception) -> None:
        if not self._read_work.is_current(token):
            return
        self._reading = False
        self.status.setText("")
        self._update_buttons()
        if isinstance(error, StatementColumnsMissing):
            self._ask_mapping(error)
            return
        if isinstance(error, OSError):
            show_error(self, ServiceError(CANNOT_OPEN), "통장 읽기")
            return
        if not isinstance(error, ServiceError):
            log.error("%s: reading a statement failed", self.key, exc_info=error)
        show_error(self, error, "통장 읽기")

    def _ask_mapping(self, error: StatementColumnsMissing) -> None:
        """The reader could not place the header: the clerk says which column is what, then it reads again."""
        path = self.path
        dialog = StatementMappingDialog(error.header, error.samples, error.guess, self)
        chosen: dict[str, dict[str, str]] = {}
        dialog.accepted.connect(lambda: chosen.setdefault("mapping", dialog.mapping()))
        open_dialog(self, dialog, accepted=lambda: self.read_file(path, chosen.get("mapping", {})))

    # --- applying ----------------------------------------------------------------------------------------

    def apply(self, panel: ProposalList) -> None:
        """[선택한 n건 수납반영]: after one confirmation, every decision of the list in one transaction."""
        contract_id = self.ctx.contract_id
        if contract_id is None or self._busy or self._reading or not self.ctx.actor.can_edit:
            return
        decisions = panel.decisions()
        if not decisions:
            return
        count, total, dismissed, later = panel.tally()
        text = f"입금 {count:,}건 합계 {total:,}원을 계좌입금으로 수납합니다."
        if dismissed:
            text += f" 수납아님 {dismissed:,}건은 사유와 함께 저장합니다."
        if later:
            text += (f" 나머지 {later:,}건은 수납하지 않고 미처리로 보관하며, [미처리 입금]에서 다시 처리할 수 있습니다."
                     if panel is self.read_list else f" 나머지 {later:,}건은 미처리로 그대로 남습니다.")
        if not confirm(self, text + " 수납반영할까요?", "수납반영"):
            return
        statement = self.statement if panel is self.read_list else None
        db, actor, today = self.ctx.db, self.ctx.actor, office_today(self.ctx)
        self._set_busy(True, "수납반영하는 중입니다…")
        self._apply_work.start(lambda: applying.apply_decisions(db, actor, contract_id, statement, decisions,
                                                                today=today))

    def _apply_done(self, token: int, result: ApplyResult) -> None:
        if not self._apply_work.is_current(token):
            return
        self._set_busy(False)
        message = "\n".join((result.summary(), *result.messages))
        QMessageBox.information(self, "수납반영", message)
        self._after_apply = result.summary()
        self.status.setText(result.summary())
        self.ctx.signals.status_message.emit(result.summary())
        self.ctx.signals.data_changed.emit("collection")
        self._propose_again()
        self.load_pending()
        self.load_history()
        self.applied.emit(result)

    def _apply_failed(self, token: int, error: Exception) -> None:
        if not self._apply_work.is_current(token):
            return
        self._set_busy(False)
        if not isinstance(error, ServiceError):  # a refusal is the clerk's news; anything else is ours
            log.error("%s: applying deposits failed", self.key, exc_info=error)
        show_error(self, error, "수납반영")

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        self.status.setText(text)
        self._update_buttons()

    def _update_buttons(self) -> None:
        idle = not self._busy and not self._reading and self.ctx.contract_id is not None
        self.open_button.setEnabled(idle)
        self.history_search.setEnabled(self.ctx.contract_id is not None)
        for panel in (self.read_list, self.pending_list):
            panel.set_busy(not idle)
