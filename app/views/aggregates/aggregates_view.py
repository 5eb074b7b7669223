"""집계 screens: 이체의뢰내역집계 (with the overview charts as a tab), 미납내역집계, 할인내역집계.

Each is an `AggregatePage`: the period (the 1st of this month to today by default), the 집계기준
where the manual has one, a summary whose first column opens the rows behind it, 리스트 to return,
and the print/save buttons. The other three 집계 screens are in `aggregate_status`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QCheckBox, QFileDialog, QPushButton, QTabWidget, QWidget

from app.services.aggregates import discounts as aggregates_discounts
from app.services.aggregates import outstanding as aggregates_outstanding
from app.services.aggregates import overview as aggregates_overview
from app.services.aggregates import requests as aggregates_requests
from app.services.aggregates.common import GroupBy
from app.services.aggregates.reports import build, letters
from app.services.aggregates.reports.layouts import collected_rate
from app.services.aggregates.reports.model import Report
from app.views.aggregates.aggregate_base import (
    ALIGN_CENTER,
    ALIGN_RIGHT,
    AggregatePage,
    Background,
    Column,
    Query,
    count_column,
    won,
    won_column,
)
from app.views.aggregates.charts_view import OverviewWidget
from app.views.common.base import show_error
from app.views.common.save_target import checked_save_path


@dataclass(frozen=True)
class GroupChoice:
    """A clicked group: how the summary was grouped, the key and its label, and its summary line."""

    group_by: GroupBy
    key: str
    label: str
    row: Any


def _label(r: Any) -> str:
    return getattr(r, "label", "")


# --- 이체의뢰내역집계 ---------------------------------------------------------------------------------

REQUEST_DETAIL_COLUMNS = [
    Column("출금일", lambda r: f"{r.debit_date:%Y-%m-%d}", ALIGN_CENTER),
    Column("고객번호", lambda r: r.customer_no),
    Column("고객명", lambda r: r.customer_name),
    Column("등급", lambda r: r.grade),
    Column("집금항목", lambda r: r.item),
    Column("은행", lambda r: r.bank),
    Column("계좌번호", lambda r: r.account, ALIGN_CENTER),
    Column("구분", lambda r: r.kind, ALIGN_CENTER),
    Column("상태", lambda r: r.state, ALIGN_CENTER),
    won_column("의뢰금액", lambda r: r.amount),
    won_column("출금금액", lambda r: r.debited_amount),
    won_column("불능금액", lambda r: r.failed_amount),
    Column("불능사유", lambda r: r.reason),
]


def request_figure_columns(first: str) -> list[Column]:
    return [
        Column(first, _label),
        count_column("의뢰건수", lambda r: r.requested_count),
        won_column("의뢰금액", lambda r: r.requested_amount),
        count_column("출금건수", lambda r: r.debited_count),
        won_column("출금금액", lambda r: r.debited_amount),
        count_column("불능건수", lambda r: r.failed_count),
        won_column("불능금액", lambda r: r.failed_amount),
        count_column("처리중건수", lambda r: r.pending_count),
        won_column("처리중금액", lambda r: r.pending_amount),
        Column("수납률", collected_rate, ALIGN_CENTER),
    ]


class RequestAggregatePage(AggregatePage):
    """이체의뢰내역집계: requests by 집금항목, 고객등급 or 은행, and the overview charts."""

    title = "이체의뢰내역집계"
    key = "aggregates.requests"
    grouping = True

    def summary_panel(self) -> QWidget:
        self.tabs = QTabWidget()
        self.tabs.addTab(self.summary_table, "집계표")
        self.overview = OverviewWidget()
        self.tabs.addTab(self.overview, "차트")
        self.tabs.currentChanged.connect(lambda _i: self._load_overview())
        self._charts = Background(self)
        self._charts.finished.connect(self._overview_ready)
        self._charts.failed.connect(lambda _t, error: show_error(self, error))
        return self.tabs

    def summary_columns(self) -> Sequence[Column]:
        return request_figure_columns("집계기준")

    def detail_columns(self) -> Sequence[Column]:
        return REQUEST_DETAIL_COLUMNS

    def fetch_summary(self, q: Query) -> Any:
        return aggregates_requests.summarise(q.db, q.actor, q.contract_id, q.period, q.group_by)

    def show_summary(self, summary: Any) -> None:
        self.summary_model.set_header(0, summary.group_by.label)
        super().show_summary(summary)
        self._load_overview()

    def _load_overview(self) -> None:
        if self.tabs.currentWidget() is not self.overview or self.ctx.contract_id is None:
            return
        q = self.summary_query or self.query()
        self._charts.start(lambda: aggregates_overview.overview(q.db, q.actor, q.contract_id, q.period))

    def _overview_ready(self, token: int, overview: Any) -> None:
        if self._charts.is_current(token):
            self.overview.show_overview(overview)

    def selection_for(self, row: Any, column: int) -> Any | None:
        if self.summary is None:
            return None
        return GroupChoice(self.summary.group_by, row.key, row.label, row)

    def selection_title(self, selection: GroupChoice) -> str:
        return f"{selection.group_by.label}: {selection.label} — 상세내역 ({selection.row.requested_count:,}건)"

    def detail_loader(self, q: Query, selection: GroupChoice) -> Callable[[int, int], Sequence[Any]]:
        return lambda offset, limit: aggregates_requests.details(q.db, q.actor, q.contract_id, q.period,
                                                                 selection.group_by, selection.key, offset=offset,
                                                                 limit=limit)

    def detail_total_text(self, selection: GroupChoice) -> str:
        r = selection.row
        return (f"의뢰 {r.requested_count:,}건 {won(r.requested_amount)} · 출금 {won(r.debited_amount)} · "
                f"불능 {won(r.failed_amount)} · 처리중 {won(r.pending_amount)}")

    def summary_report(self, q: Query) -> Report:
        return build.requests_summary(q.db, q.actor, q.contract_id, q.period, q.group_by, now=q.now)

    def detail_report(self, q: Query, selection: GroupChoice) -> Report:
        return build.requests_detail(q.db, q.actor, q.contract_id, q.period, selection.group_by, selection.key,
                                     now=q.now)


# --- 미납내역집계 -----------------------------------------------------------------------------------


def late_fee_text(row: Any) -> str:
    """A drill-down row's 연체료: won, or the amount marked 감면 when waived (shown, never owed)."""
    return f"{won(row.late_fee)} (감면)" if row.late_fee_waived else won(row.late_fee)


UNPAID_DETAIL_COLUMNS = [
    Column("고객번호", lambda r: r.customer_no),
    Column("고객명", lambda r: r.customer_name),
    Column("등급", lambda r: r.grade),
    Column("집금항목", lambda r: r.item),
    Column("청구월", lambda r: r.period, ALIGN_CENTER),
    Column("은행", lambda r: r.bank),
    Column("계좌번호", lambda r: r.account, ALIGN_CENTER),
    won_column("청구금액", lambda r: r.owed_amount),
    won_column("수납금액", lambda r: r.received_amount),
    won_column("미납금액", lambda r: r.unpaid_amount),
]
DETAIL_LATE_FEE = Column("연체료", late_fee_text, ALIGN_RIGHT)
"""The drill-down's last column where the contract has a late-fee policy (관리사무소)."""

UNPAID_FIGURE_COLUMNS = [
    Column("집계기준", _label),
    count_column("청구건수", lambda r: r.charge_count),
    won_column("청구금액(할인 후)", lambda r: r.owed_amount),
    won_column("수납금액", lambda r: r.received_amount),
    count_column("미납건수", lambda r: r.unpaid_count),
    won_column("미납금액", lambda r: r.unpaid_amount),
]
LATE_FEE_COLUMNS = [
    won_column("연체료", lambda r: r.late_fee_amount),
    won_column("연체료 감면", lambda r: r.waived_late_fee_amount),  # shown only when something was waived
]
REFUNDED = won_column("반환금액", lambda r: r.refunded_amount)  # 학원: shown only when something was refunded

LATE_FEE_COLUMN, WAIVED_COLUMN = len(UNPAID_FIGURE_COLUMNS), len(UNPAID_FIGURE_COLUMNS) + 1
"""Where the summary's 연체료 and 연체료 감면 stand when the contract has a late-fee policy."""


def refunded_column(late_fees: bool) -> int:
    """The summary's 반환금액 column: last, after the 연체료 ones when they are there."""
    return len(UNPAID_FIGURE_COLUMNS) + (len(LATE_FEE_COLUMNS) if late_fees else 0)


REFUNDED_COLUMN = refunded_column(False)
"""미납내역집계's 반환금액 column without late fees: hidden unless the period's charges had a refund (학원 반환)."""


class OutstandingAggregatePage(AggregatePage):
    """미납내역집계: unpaid amounts by 집금항목, 고객등급 or 은행, and the 미납 안내문 letters.

    The 연체료 columns are there only when the contract has a late-fee policy (an apartment office):
    an academy sees the table it always saw."""

    title = "미납내역집계"
    key = "aggregates.outstanding"
    grouping = True
    late_fee_columns = False  # whether the tables have the 연체료 columns now (the last summary's contract)

    def extra_buttons(self) -> Sequence[QWidget]:
        self.letters_button = QPushButton("미납 안내문")
        self.letters_button.setToolTip("미납 고객마다 한 장씩 안내문을 PDF로 만듭니다 (상세내역에서는 그 집계 대상만).")
        self.letters_button.clicked.connect(lambda: self.write_letters())
        return (self.letters_button,)

    def summary_columns(self) -> Sequence[Column]:
        return self.columns_for(late_fees=False)

    @staticmethod
    def columns_for(*, late_fees: bool) -> list[Column]:
        return [*UNPAID_FIGURE_COLUMNS, *(LATE_FEE_COLUMNS if late_fees else ()), REFUNDED]

    def detail_columns(self) -> Sequence[Column]:
        return UNPAID_DETAIL_COLUMNS

    def fetch_summary(self, q: Query) -> Any:
        return aggregates_outstanding.summarise(q.db, q.actor, q.contract_id, q.period, q.group_by,
                                                today=q.now.date())

    def show_summary(self, summary: Any) -> None:
        late_fees = bool(summary.late_fees)
        if late_fees != self.late_fee_columns:
            self.late_fee_columns = late_fees
            self.summary_model.set_columns(self.columns_for(late_fees=late_fees))
            self.detail_model.set_columns([*UNPAID_DETAIL_COLUMNS, DETAIL_LATE_FEE] if late_fees
                                          else UNPAID_DETAIL_COLUMNS)
        self.summary_model.set_header(0, summary.group_by.label)
        super().show_summary(summary)
        if late_fees:
            self.summary_table.setColumnHidden(LATE_FEE_COLUMN, False)
            self.summary_table.setColumnHidden(WAIVED_COLUMN, summary.total.waived_late_fee_amount == 0)
        self.summary_table.setColumnHidden(refunded_column(late_fees), summary.total.refunded_amount == 0)

    def summary_status(self, summary: Any) -> str:
        text = (f"청구월 {summary.period.months_text}, {summary.period.end:%Y-%m-%d} 현재 원장 기준 · "
                f"미납 {summary.total.unpaid_count:,}건 {won(summary.total.unpaid_amount)}")
        if summary.late_fees and summary.as_of is not None:
            text += f" · 연체료 {won(summary.total.late_fee_amount)} ({summary.as_of:%Y-%m-%d} 현재)"
        return text

    def selection_for(self, row: Any, column: int) -> Any | None:
        if self.summary is None:
            return None
        return GroupChoice(self.summary.group_by, row.key, row.label, row)

    def selection_title(self, selection: GroupChoice) -> str:
        return f"{selection.group_by.label}: {selection.label} — 미납 상세내역 ({selection.row.unpaid_count:,}건)"

    def detail_loader(self, q: Query, selection: GroupChoice) -> Callable[[int, int], Sequence[Any]]:
        return lambda offset, limit: aggregates_outstanding.details(
            q.db, q.actor, q.contract_id, q.period, selection.group_by, selection.key, offset=offset, limit=limit,
            today=q.now.date())

    def detail_total_text(self, selection: GroupChoice) -> str:
        r = selection.row
        text = f"미납 {r.unpaid_count:,}건 · 미납금액 합계 {won(r.unpaid_amount)}"
        if self.summary is not None and self.summary.late_fees:
            text += f" · 연체료 합계 {won(r.late_fee_amount)}"
            if r.waived_late_fee_amount:
                text += f" (감면 {won(r.waived_late_fee_amount)} 제외)"
        return text

    def summary_report(self, q: Query) -> Report:
        return build.outstanding_summary(q.db, q.actor, q.contract_id, q.period, q.group_by, now=q.now)

    def detail_report(self, q: Query, selection: GroupChoice) -> Report:
        return build.outstanding_detail(q.db, q.actor, q.contract_id, q.period, selection.group_by, selection.key,
                                        now=q.now)

    def write_letters(self, path: str | None = None) -> None:
        """미납 안내문 of the open group (every unpaid customer from the summary), in the background."""
        choice = self.selection if self.in_detail() else None
        q = self.summary_query or self.query()
        if path is None:
            folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
            name = f"미납안내문_{q.period.end:%Y%m%d}.pdf"
            path, _ = QFileDialog.getSaveFileName(self, "미납 안내문 저장", str(Path(folder) / name), "PDF 파일 (*.pdf)")
            if not path:
                return
        if checked_save_path(self, q.db, path, "미납 안내문 저장") is None:
            return
        group_by = choice.group_by if choice else None
        key = choice.key if choice else None
        target = path
        self._report_purpose = ("letters", target)
        self.status.setText("안내문을 만드는 중입니다…")

        def work() -> tuple[int, str]:
            # the save dialog asked before replacing a file; the database and backups stay refused
            count = letters.write_letters(q.db, q.actor, q.contract_id, q.period, group_by, key, target, now=q.now,
                                          force=True)
            return count, target

        self._reports.start(work)


# --- 할인내역집계 -----------------------------------------------------------------------------------

DISCOUNT_DETAIL_COLUMNS = [
    Column("청구월", lambda r: r.period, ALIGN_CENTER),
    Column("고객번호", lambda r: r.customer_no),
    Column("고객명", lambda r: r.customer_name),
    Column("등급", lambda r: r.grade),
    Column("집금항목", lambda r: r.item),
    Column("할인율", lambda r: r.rate_text, ALIGN_CENTER),
    won_column("청구금액", lambda r: r.charged_amount),
    won_column("할인금액", lambda r: r.discount_amount),
    won_column("할인후금액", lambda r: r.net_amount),
]


class DiscountAggregatePage(AggregatePage):
    """할인내역집계: discounts by month (and by item when asked)."""

    title = "할인내역집계"
    key = "aggregates.discounts"

    def extra_controls(self) -> Sequence[QWidget]:
        self.by_item = QCheckBox("집금항목별로 나누기")
        self.by_item.toggled.connect(lambda _on: self.search())
        return (self.by_item,)

    def summary_columns(self) -> Sequence[Column]:
        return [
            Column("청구월", lambda r: getattr(r, "period", ""), ALIGN_CENTER),
            Column("집금항목", lambda r: getattr(r, "item", "") or ("전체" if hasattr(r, "period") else "")),
            count_column("할인건수", lambda r: r.discounted_count),
            won_column("청구금액(할인 전)", lambda r: r.charged_amount),
            won_column("할인금액", lambda r: r.discount_amount),
            won_column("할인후금액", lambda r: r.net_amount),
        ]

    def detail_columns(self) -> Sequence[Column]:
        return DISCOUNT_DETAIL_COLUMNS

    def options(self) -> dict[str, Any]:
        return {"by_item": self.by_item.isChecked()}

    def fetch_summary(self, q: Query) -> Any:
        return aggregates_discounts.summarise(q.db, q.actor, q.contract_id, q.period, by_item=q.options["by_item"])

    def selection_title(self, selection: Any) -> str:
        item = f" {selection.item}" if selection.item else ""
        return f"{selection.period}월분{item} — 할인 상세내역 ({selection.discounted_count:,}건)"

    def detail_loader(self, q: Query, selection: Any) -> Callable[[int, int], Sequence[Any]]:
        return lambda offset, limit: aggregates_discounts.details(
            q.db, q.actor, q.contract_id, q.period, selection.period, selection.item_id, offset=offset, limit=limit)

    def detail_total_text(self, selection: Any) -> str:
        return (f"할인 {selection.discounted_count:,}건 · 청구금액 {won(selection.charged_amount)} · "
                f"할인금액 {won(selection.discount_amount)}")

    def summary_report(self, q: Query) -> Report:
        return build.discounts_summary(q.db, q.actor, q.contract_id, q.period, by_item=q.options["by_item"], now=q.now)

    def detail_report(self, q: Query, selection: Any) -> Report:
        return build.discounts_detail(q.db, q.actor, q.contract_id, q.period, selection.period, selection.item_id,
                                      now=q.now)

