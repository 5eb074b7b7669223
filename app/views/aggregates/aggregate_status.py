"""집계 screens by bank: 계좌신청현황, 이체의뢰현황, and 정산내역현황 with its checks.

계좌신청현황 and 이체의뢰현황 list each bank's rows by state; a click on the bank (상호) lists all
of that bank's registrations or requests, a click on one state's count only those, and 리스트
returns, as the manual describes. 정산내역현황 shows what the agency should settle and, in red above
it, whatever does not add up, with the manual's advice to call 케이에스넷 고객센터.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.models import RegistrationState, RequestState
from app.services.aggregates import registrations as aggregates_registrations
from app.services.aggregates import requests as aggregates_requests
from app.services.aggregates import settlement
from app.services.aggregates.common import GroupBy
from app.services.aggregates.reports import build
from app.services.aggregates.reports.model import Report
from app.services.common.periods import Period
from app.views.aggregates.aggregate_base import (
    ALIGN_CENTER,
    AggregatePage,
    Column,
    Query,
    count_column,
    won,
    won_column,
)
from app.views.aggregates.aggregates_view import REQUEST_DETAIL_COLUMNS
from app.views.common.tables import RowsModel, fit_columns, make_table


@dataclass(frozen=True)
class BankChoice:
    """A clicked bank, optionally one state of it; `count` is its figure in the summary."""

    bank_code: str
    bank: str
    state: Any | None
    count: int


def _bank(r: Any) -> str:
    return getattr(r, "bank", "")


# --- 계좌신청현황 -----------------------------------------------------------------------------------

REGISTRATION_STATES: dict[int, str] = {2: "waiting_count", 3: "sent_count", 4: "done_count", 5: "failed_count",
                                       6: "withdrawn_count"}


class RegistrationStatusPage(AggregatePage):
    """계좌신청현황: registrations of the period by bank and state."""

    title = "계좌신청현황"
    key = "aggregates.registrations"
    summary_links = tuple(REGISTRATION_STATES)

    def summary_columns(self) -> Sequence[Column]:
        return [
            Column("은행", _bank),
            count_column("신청건수", lambda r: r.total_count),
            count_column("계좌신청대기", lambda r: r.waiting_count, link=True),
            count_column("계좌신청중", lambda r: r.sent_count, link=True),
            count_column("계좌신청완료", lambda r: r.done_count, link=True),
            count_column("계좌신청미완료", lambda r: r.failed_count, link=True),
            count_column("신청취소", lambda r: r.withdrawn_count, link=True),
        ]

    def detail_columns(self) -> Sequence[Column]:
        return [
            Column("신청일", lambda r: f"{r.requested_on:%Y-%m-%d}", ALIGN_CENTER),
            Column("고객번호", lambda r: r.customer_no),
            Column("고객명", lambda r: r.customer_name),
            Column("집금항목", lambda r: r.item),
            Column("은행", lambda r: r.bank),
            Column("계좌번호", lambda r: r.account, ALIGN_CENTER),
            Column("신청구분", lambda r: r.kind, ALIGN_CENTER),
            Column("상태", lambda r: r.state, ALIGN_CENTER),
            Column("불능사유", lambda r: r.reason),
        ]

    def fetch_summary(self, q: Query) -> Any:
        return aggregates_registrations.summarise(q.db, q.actor, q.contract_id, q.period)

    def selection_for(self, row: Any, column: int) -> Any | None:
        if column in REGISTRATION_STATES:
            name = REGISTRATION_STATES[column]
            count = getattr(row, name)
            return BankChoice(row.bank_code, row.bank, aggregates_registrations.STATE_COLUMNS[name], count) \
                if count else None
        return BankChoice(row.bank_code, row.bank, None, row.total_count)

    def selection_title(self, selection: BankChoice) -> str:
        state = f" · {selection.state.label}" if selection.state else ""
        return f"{selection.bank}{state} — 계좌신청 상세내역 ({selection.count:,}건)"

    def detail_loader(self, q: Query, selection: BankChoice) -> Callable[[int, int], Sequence[Any]]:
        return lambda offset, limit: aggregates_registrations.details(
            q.db, q.actor, q.contract_id, q.period, selection.bank_code, state=selection.state, offset=offset,
            limit=limit)

    def detail_total_text(self, selection: BankChoice) -> str:
        return f"{selection.count:,}건"

    def summary_report(self, q: Query) -> Report:
        return build.registrations_summary(q.db, q.actor, q.contract_id, q.period, now=q.now)

    def detail_report(self, q: Query, selection: BankChoice) -> Report:
        state: RegistrationState | None = selection.state
        return build.registrations_detail(q.db, q.actor, q.contract_id, q.period, selection.bank_code, now=q.now,
                                          state=state)


# --- 이체의뢰현황 -----------------------------------------------------------------------------------

REQUEST_STATES: dict[int, str] = {3: "waiting_count", 4: "sent_count", 5: "done_count", 6: "partial_count",
                                  7: "failed_count"}


class RequestStatusPage(AggregatePage):
    """이체의뢰현황: requests of the period by bank and state."""

    title = "이체의뢰현황"
    key = "aggregates.requests_by_bank"
    summary_links = tuple(REQUEST_STATES)

    def summary_columns(self) -> Sequence[Column]:
        return [
            Column("은행", _bank),
            count_column("의뢰건수", lambda r: r.requested_count),
            won_column("의뢰금액", lambda r: r.requested_amount),
            count_column("이체의뢰대기", lambda r: r.waiting_count, link=True),
            count_column("이체의뢰중", lambda r: r.sent_count, link=True),
            count_column("이체처리완료", lambda r: r.done_count, link=True),
            count_column("부분출금", lambda r: r.partial_count, link=True),
            count_column("이체처리미완료", lambda r: r.failed_count, link=True),
            won_column("출금금액", lambda r: r.debited_amount),
            won_column("불능금액", lambda r: r.failed_amount),
        ]

    def detail_columns(self) -> Sequence[Column]:
        return REQUEST_DETAIL_COLUMNS

    def fetch_summary(self, q: Query) -> Any:
        return aggregates_requests.bank_status(q.db, q.actor, q.contract_id, q.period)

    def selection_for(self, row: Any, column: int) -> Any | None:
        if column in REQUEST_STATES:
            name = REQUEST_STATES[column]
            count = getattr(row, name)
            state = aggregates_requests.STATE_COLUMNS[name]
            return BankChoice(row.bank_code, row.bank, state, count) if count else None
        return BankChoice(row.bank_code, row.bank, None, row.requested_count)

    def selection_title(self, selection: BankChoice) -> str:
        state = f" · {selection.state.label}" if selection.state else ""
        return f"{selection.bank}{state} — 이체의뢰 상세내역 ({selection.count:,}건)"

    def detail_loader(self, q: Query, selection: BankChoice) -> Callable[[int, int], Sequence[Any]]:
        return lambda offset, limit: aggregates_requests.details(
            q.db, q.actor, q.contract_id, q.period, GroupBy.BANK, selection.bank_code, state=selection.state,
            offset=offset, limit=limit)

    def detail_total_text(self, selection: BankChoice) -> str:
        return f"{selection.count:,}건"

    def summary_report(self, q: Query) -> Report:
        return build.bank_status_summary(q.db, q.actor, q.contract_id, q.period, now=q.now)

    def detail_report(self, q: Query, selection: BankChoice) -> Report:
        state: RequestState | None = selection.state
        return build.bank_status_detail(q.db, q.actor, q.contract_id, q.period, selection.bank_code, now=q.now,
                                        state=state)


# --- 정산내역현황 -----------------------------------------------------------------------------------


class SettlementPage(AggregatePage):
    """정산내역현황: settlement per debit date and bank, the fees, and the checks."""

    title = "정산내역현황"
    key = "aggregates.settlement"
    summary_links = (2,)

    def summary_panel(self) -> QWidget:
        panel = QWidget()
        column = QVBoxLayout(panel)
        column.setContentsMargins(0, 0, 0, 0)
        self.issues_label = QLabel()
        self.issues_label.setWordWrap(True)
        self.issues_label.setObjectName("warningText")
        self.issues_label.setStyleSheet("color: #b3261e;")
        column.addWidget(self.issues_label)
        column.addWidget(self.summary_table, 3)
        column.addWidget(QLabel("계좌신청 수수료"))
        self.fee_model = RowsModel([
            Column("은행", lambda f: f.bank),
            count_column("계좌신청완료 건수", lambda f: f.done_count),
            won_column("건당수수료", lambda f: f.fee_per_registration),
            won_column("계좌신청수수료", lambda f: f.fee),
        ], panel)
        self.fee_table = make_table(self.fee_model)
        self.fee_table.horizontalHeader().setStretchLastSection(False)
        self.fee_table.setMinimumHeight(90)
        column.addWidget(self.fee_table, 1)
        self.totals_label = QLabel()
        self.totals_label.setObjectName("sectionTitle")
        column.addWidget(self.totals_label)
        return panel

    def summary_columns(self) -> Sequence[Column]:
        return [
            Column("정산일", lambda r: f"{r.settlement_date:%Y-%m-%d}" if hasattr(r, "settlement_date") else "",
                   ALIGN_CENTER),
            Column("출금일", lambda r: f"{r.debit_date:%Y-%m-%d}" if hasattr(r, "debit_date") else "", ALIGN_CENTER),
            Column("은행", _bank),
            count_column("결과건수", lambda r: r.request_count),
            count_column("출금건수", lambda r: r.debited_count),
            count_column("불능건수", lambda r: r.failed_count),
            won_column("출금금액", lambda r: r.debited_amount),
            Column("건당수수료", lambda r: won(r.fee_per_debit) if hasattr(r, "fee_per_debit") else "",
                   ALIGN_CENTER),
            won_column("이체수수료", lambda r: r.debit_fee),
            won_column("정산금액", lambda r: r.net_amount),
        ]

    def detail_columns(self) -> Sequence[Column]:
        return REQUEST_DETAIL_COLUMNS

    def fetch_summary(self, q: Query) -> Any:
        return settlement.settle(q.db, q.actor, q.contract_id, q.period, now=q.now)

    def show_summary(self, result: Any) -> None:
        super().show_summary(result)
        self.fee_model.set_rows(list(result.registration_fees))
        fit_columns(self.fee_table)
        if result.issues:
            lines = [f"• {i.debit_date:%Y-%m-%d} {i.bank}: {i.message}" if i.debit_date else f"• {i.message}"
                     for i in result.issues]
            self.issues_label.setText("확인이 필요합니다\n" + "\n".join(lines) + "\n" + settlement.CALL_AGENCY)
        else:
            self.issues_label.setText("")
        self.issues_label.setVisible(bool(result.issues))
        refunds = (f"\n반환 {len(result.refunds):,}건 {won(result.refund_total)} (학원이 직접 지급, 정산에서 차감되지 않음) → "
                   f"반환 후 순수입 {won(result.net_after_refunds)}") if result.refunds else ""
        self.totals_label.setText(
            f"출금금액 {won(result.total.debited_amount)} − 이체수수료 {won(result.total.debit_fee)} − "
            f"계좌신청수수료 {won(result.registration_fee_total)} = 정산예정액 {won(result.net_total)}{refunds}")

    def summary_status(self, result: Any) -> str:
        check = "정산 확인: 이상 없음" if result.consistent else f"확인이 필요한 항목 {len(result.issues)}건"
        return f"{result.period.text} · 정산일 = 출금일 + {settlement.SETTLEMENT_LAG}영업일 · {check}"

    def selection_for(self, row: Any, column: int) -> Any | None:
        return row

    def selection_title(self, row: Any) -> str:
        return (f"{row.debit_date:%Y-%m-%d} 출금 · {row.bank} (정산일 {row.settlement_date:%Y-%m-%d}) — "
                f"이체의뢰 상세내역")

    def detail_loader(self, q: Query, row: Any) -> Callable[[int, int], Sequence[Any]]:
        day = Period(row.debit_date, row.debit_date)
        return lambda offset, limit: aggregates_requests.details(
            q.db, q.actor, q.contract_id, day, GroupBy.BANK, row.bank_code, offset=offset, limit=limit)

    def detail_total_text(self, row: Any) -> str:
        return (f"출금 {row.debited_count:,}건 {won(row.debited_amount)} − 이체수수료 {won(row.debit_fee)} = "
                f"정산금액 {won(row.net_amount)}")

    def summary_report(self, q: Query) -> Report:
        return build.settlement_report(q.db, q.actor, q.contract_id, q.period, now=q.now)

    def detail_report(self, q: Query, row: Any) -> Report:
        return build.settlement_detail(q.db, q.actor, q.contract_id, row.debit_date, row.bank_code, now=q.now)
