"""수납관리 > 재처리의뢰: debit again, later this month, what failed this month.

The manual allows a retry only for requests of the current month (a failure of the 25th goes into
next month's request instead), and, like 이체의뢰, not after the cut-off: the button is then not
shown. The list holds every failed request of this month with the bank's reason and whether a
retry can succeed; a row that can no longer be retried this month says 다음 달로 이월, so the clerk
knows the amount is not lost but will be asked next month (or paid in cash).

The dates offered are the business days left this month whose cut-off is still ahead
(`retries.retry_dates`); what each row asks, and whether it may, is the debit service's verdict.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from app.services.collection import requests as debits
from app.services.collection import retries
from app.services.collection.charges import RetryRow
from app.services.common.formats import date_text
from app.views.collection.table_models import (
    ALIGN_CENTER,
    DONE_COLOUR,
    WAITING_COLOUR,
    Column,
    TickModel,
    contract_line,
    debit_date_text,
    fill_items,
    fit,
    item_combo,
    money_column,
    search_box,
    set_tone,
    sync_all_box,
    tick_list,
    update_contract_line,
)
from app.views.common.base import Page, hint_label, run_guarded
from app.views.common.column_fit import set_elastic
from app.views.common.context import AppContext
from app.views.common.tables import ALERT

CARRIED = "다음 달로 이월"
NOTES = (
    "※ 단, 당월에 이체의뢰 한 것만 재처리의뢰가 가능합니다. (25일 이체처리미완료는 다음달에 다시 이체의뢰를 하셔야 합니다.)",
    "※ 재처리의뢰 역시 이체의뢰와 마찬가지로 마감 시각(출금일 전 영업일 오후 2시) 이후에는 작업할 수 없으므로 "
    "재처리의뢰 버튼이 보이지 않습니다.",
)
NO_DATES = ("이번 달에 재처리의뢰할 수 있는 날이 남지 않았습니다. 이체처리미완료 건의 미수납액은 다음 달 이체의뢰에 "
            "포함하거나 현금수납하세요.")


def retry_state(row: RetryRow) -> str:
    return CARRIED if row.carried else row.status_text


def _state_colour(row: RetryRow) -> QColor | None:
    if row.carried:
        return ALERT
    if row.can_retry:
        return DONE_COLOUR
    return WAITING_COLOUR if "재처리의뢰함" in row.status_text else None


COLUMNS = (
    Column("출금일", debit_date_text, ALIGN_CENTER),  # a retry that failed again says so
    Column("고객번호", lambda r: r.customer_no),
    Column("고객명", lambda r: r.customer_name),
    Column("집금항목", lambda r: r.item_name),
    money_column("의뢰금액", lambda r: r.amount),
    money_column("출금액", lambda r: r.debited_amount, blank_zero=True),
    money_column("재처리금액", lambda r: r.retry_amount if r.can_retry else None),
    Column("미처리 사유", lambda r: f"{r.reason_code} {r.reason_text}".strip(), foreground=lambda _r: ALERT),
    Column("재처리", lambda r: "가능" if r.can_retry else "불가", ALIGN_CENTER,
           lambda r: DONE_COLOUR if r.can_retry else ALERT),
    Column("상태", retry_state, ALIGN_CENTER, _state_colour),
    Column("안내", lambda r: r.why_not or ""),
)


class RetriesPage(Page):
    """재처리의뢰: this month's failures, a retry date within the month, tick and request."""

    title = "재처리의뢰"
    key = "collection.retries"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        editing = ctx.actor.can_edit
        self.rows: list[RetryRow] = []
        self.contract_label = contract_line(ctx)
        self.body.addWidget(self.contract_label)

        self.item_filter = item_combo()
        self.customer = search_box()
        self.customer.returnPressed.connect(self.search)
        self.search_button = QPushButton("검색")
        self.search_button.setProperty("primary", True)
        self.search_button.clicked.connect(self.search)
        filters = QHBoxLayout()
        for caption, widget in (("집금항목", self.item_filter), ("고객", self.customer)):
            filters.addWidget(QLabel(caption))
            filters.addWidget(widget)
        filters.addWidget(self.search_button)
        filters.addStretch(1)
        self.body.addLayout(filters)
        self.body.addWidget(hint_label("\n".join(NOTES), warning=True))

        self.date_combo = QComboBox()
        self.date_combo.setMinimumWidth(150)
        self.date_combo.currentIndexChanged.connect(lambda _i: self._show_cutoff())
        self.cutoff_label = hint_label("")
        dates = QHBoxLayout()
        dates.addWidget(QLabel("재처리 출금일"))
        dates.addWidget(self.date_combo)
        dates.addSpacing(12)
        dates.addWidget(self.cutoff_label, 1)
        self.date_row = QWidget()
        self.date_row.setLayout(dates)
        dates.setContentsMargins(0, 0, 0, 0)
        self.body.addWidget(self.date_row)

        self.model = TickModel(COLUMNS, key=lambda r: r.request_id, why_not=lambda r: r.why_not, ticks=editing,
                               parent=self)
        ticks = tick_list(self.body, self.model, select_all="재처리 가능 전체 선택", editing=editing,
                          on_checked=self._update_totals, on_selection=self._selection_moved)
        self.table, self.detail, self.all_box, self.totals = ticks.table, ticks.detail, ticks.all_box, ticks.totals
        set_elastic(self.table, self.model.column_of("미처리 사유"), self.model.column_of("안내"))  # long texts narrow first
        self.retry_button = QPushButton("재처리의뢰")
        self.retry_button.setProperty("primary", True)
        self.retry_button.clicked.connect(self.retry_ticked)
        self.retry_button.setVisible(False)
        self.body.addLayout(ticks.actions(self.retry_button))
        self.status = hint_label("")
        self.body.addWidget(self.status)

    # --- loading -------------------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.ctx.contract_id is None:
            return
        update_contract_line(self.ctx, self.contract_label)
        fill_items(self.ctx, self.item_filter)
        self._fill_dates()
        self.search()

    def _fill_dates(self) -> None:
        keep = self.retry_date()
        found = retries.retry_dates(self.ctx.db, self.ctx.actor, self.ctx.contract_id or 0, now=self.ctx.clock())
        self.date_combo.blockSignals(True)
        self.date_combo.clear()
        for day in found:
            self.date_combo.addItem(date_text(day), day.isoformat())
        kept = self.date_combo.findData(keep.isoformat()) if keep else -1
        self.date_combo.setCurrentIndex(max(kept, 0) if found else -1)
        self.date_combo.blockSignals(False)

    def retry_date(self) -> date | None:
        value = self.date_combo.currentData()
        return date.fromisoformat(value) if value else None

    def select_date(self, day: date) -> None:
        """Choose the retry date (the clerk's pick in the combo)."""
        index = self.date_combo.findData(day.isoformat())
        if index < 0:
            raise ValueError(f"{day} is not offered")
        self.date_combo.setCurrentIndex(index)

    def search(self) -> None:
        if self.ctx.contract_id is None:
            return
        self.rows = retries.list_retry(self.ctx.db, self.ctx.actor, self.ctx.contract_id, now=self.ctx.clock(),
                                      item_id=self.item_filter.currentData(),
                                      customer=self.customer.text().strip() or None)
        self.model.set_rows(self.rows)
        fit(self.table)
        self._show_cutoff()
        self._update_totals()
        self._selection_moved()

    def _show_cutoff(self) -> None:
        """No button after the cut-off (or with no date left); the sentence beside the date says why."""
        day = self.retry_date()
        if day is None:
            is_open, message = False, NO_DATES
        else:
            state = debits.cutoff_state_for(self.ctx.db, self.ctx.actor, self.ctx.contract_id or 0, day,
                                            self.ctx.clock())
            is_open, message = state.open, state.message
        self.date_combo.setEnabled(day is not None)
        self.retry_button.setVisible(self.ctx.actor.can_edit and is_open)
        self.cutoff_label.setText(message)
        set_tone(self.cutoff_label, warning=not is_open)

    def selected_row(self) -> RetryRow | None:
        chosen = self.table.selectionModel().selectedRows()
        return self.model.row_at(chosen[0].row()) if chosen else None

    def _selection_moved(self) -> None:
        """The selected failure in full: bank, reason, what to do next."""
        row = self.selected_row()
        if row is None:
            self.detail.setText("")
            return
        parts = [f"{row.customer_name}({row.customer_no}) {row.item_name} · {row.bank_name} · "
                 f"출금일 {row.debit_date:%Y-%m-%d}: {row.reason_code} {row.reason_text}".rstrip()]
        parts.append(row.why_not or row.hint)
        self.detail.setText(" · ".join(p for p in parts if p))

    def _update_totals(self) -> None:
        ticked = self.model.checked_rows()
        able = [r for r in self.rows if r.can_retry]
        carried = [r for r in self.rows if r.carried]
        text = (f"이체처리미완료 {len(self.rows)}건 · 재처리 가능 {len(able)}건 · {CARRIED} {len(carried)}건")
        if self.model.has_ticks:
            text = (f"선택 {len(ticked)}건 · 재처리금액 합계 {sum(r.retry_amount for r in ticked):,}원  |  " + text)
        self.totals.setText(text)
        self.retry_button.setEnabled(bool(ticked))
        sync_all_box(self.all_box, self.model)

    # --- action --------------------------------------------------------------------------------------

    def retry_ticked(self) -> None:
        """재처리의뢰: the ticked failures on the chosen date become 이체의뢰대기 (all or none)."""
        day = self.retry_date()
        ticked = [r.request_id for r in self.model.checked_rows()]
        if day is None or not ticked:
            return
        outcome: list[debits.RequestOutcome] = []
        if run_guarded(self, lambda: outcome.append(retries.retry(
                self.ctx.db, self.ctx.actor, self.ctx.contract_id or 0, ticked, day, now=self.ctx.clock()))):
            self.search()
            self.status.setText(outcome[0].message)
            self.ctx.signals.status_message.emit(outcome[0].message)
            self.ctx.signals.data_changed.emit("collection")
        else:
            self.search()
