"""Service results → `Report`s: 이체의뢰내역집계, 이체의뢰현황 and their drill-downs.

Layouts are pure functions of the service rows; `build` fetches the rows. Each summary prints its
groups and the 합계; a drill-down prints each group's rows under the group's name with a 소계, then
the 합계 of all, so the printed subtotals can be checked against the summary line by line.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.services.aggregates.common import (
    GroupBy,
    ReportContext,
    rate_bp,
    rate_text,
)
from app.services.aggregates.reports.model import (
    Cell,
    Column,
    Kind,
    Report,
    ReportTable,
    Section,
)
from app.services.aggregates.requests import (
    BankStatus,
    RequestDetailRow,
    RequestFigures,
    RequestSummary,
)
from app.services.common.periods import Period

PARTIAL_NOTE = "부분출금 건은 출금건수와 불능건수에 모두 셉니다. 수납률 = 출금금액 ÷ 결과가 나온 의뢰금액."


def collected_rate(figures: RequestFigures) -> str:
    """수납률 of the requests with a result; "-" when none has one yet (0.00% would read as nothing collected)."""
    resulted = figures.requested_amount - figures.pending_amount
    return rate_text(rate_bp(figures.debited_amount, resulted)) if resulted > 0 else "-"


def request_columns(first: str) -> list[Column]:
    return [
        Column(first, 26), Column("의뢰건수", 11, Kind.COUNT), Column("의뢰금액", 21, Kind.WON),
        Column("출금건수", 11, Kind.COUNT), Column("출금금액", 21, Kind.WON), Column("불능건수", 11, Kind.COUNT),
        Column("불능금액", 19, Kind.WON), Column("처리중건수", 12, Kind.COUNT), Column("처리중금액", 19, Kind.WON),
        Column("수납률", 11, Kind.CENTER),
    ]


def _figures(label: str, f: RequestFigures) -> list[Cell]:
    return [label, f.requested_count, f.requested_amount, f.debited_count, f.debited_amount, f.failed_count,
            f.failed_amount, f.pending_count, f.pending_amount, collected_rate(f)]


def requests_summary(ctx: ReportContext, summary: RequestSummary) -> Report:
    table = ReportTable(
        columns=request_columns(summary.group_by.label),
        sections=[Section([_figures(r.label, r) for r in summary.rows])],
        total=_figures("합계", summary.total),
        footnote=PARTIAL_NOTE,
    )
    return Report(
        title="이체의뢰내역집계", context=ctx, period_text=summary.period.text, tables=[table],
        filters=[f"{summary.group_by.label}별 집계", "의뢰취소 건 제외"], landscape=True,
        file_stem=f"이체의뢰내역집계_{summary.group_by.label}별",
    )


DETAIL_COLUMNS = [
    Column("출금일", 15, Kind.DATE), Column("고객번호", 13), Column("고객명", 14), Column("등급", 10),
    Column("집금항목", 14), Column("은행", 17), Column("계좌번호", 14, Kind.CENTER), Column("구분", 13, Kind.CENTER),
    Column("상태", 17, Kind.CENTER), Column("의뢰금액", 18, Kind.WON), Column("출금금액", 18, Kind.WON),
    Column("불능금액", 17, Kind.WON), Column("불능사유", 19),
]


def _detail_cells(r: RequestDetailRow) -> list[Cell]:
    return [r.debit_date, r.customer_no, r.customer_name, r.grade, r.item, r.bank, r.account, r.kind, r.state,
            r.amount, r.debited_amount, r.failed_amount, r.reason]


def _detail_sum(label: str, rows: Sequence[RequestDetailRow]) -> list[Cell]:
    return [label, f"{len(rows):,}건", *[""] * 7,
            sum(r.amount for r in rows), sum(r.debited_amount for r in rows), sum(r.failed_amount for r in rows), ""]


def request_detail_table(groups: Sequence[tuple[str, Sequence[RequestDetailRow]]]) -> ReportTable:
    """Each group's requests under its name with a 소계; the 합계 of all below."""
    sections = [Section([_detail_cells(r) for r in rows], title=title, subtotal=_detail_sum("소계", rows))
                for title, rows in groups]
    every = [r for _title, rows in groups for r in rows]
    return ReportTable(DETAIL_COLUMNS, sections, total=_detail_sum("합계", every))


def requests_detail(ctx: ReportContext, period: Period, group_by: GroupBy,
                    groups: Sequence[tuple[str, Sequence[RequestDetailRow]]], *, title: str = "이체의뢰내역집계",
                    extra_filter: str | None = None) -> Report:
    named = [(f"{group_by.label}: {label}", rows) for label, rows in groups]
    filters = [f"{group_by.label}: {groups[0][0]}" if len(groups) == 1 else f"{group_by.label}별 전체"]
    if extra_filter:
        filters.append(extra_filter)
    return Report(
        title=f"{title} 상세내역", context=ctx, period_text=period.text, tables=[request_detail_table(named)],
        filters=filters, landscape=True, personal=True,
        file_stem=f"{title}_상세_{groups[0][0] if len(groups) == 1 else '전체'}",
    )


# --- 이체의뢰현황 ----------------------------------------------------------------------------------

BANK_STATUS_COLUMNS = [
    Column("은행", 24), Column("의뢰건수", 11, Kind.COUNT), Column("의뢰금액", 21, Kind.WON),
    Column("이체의뢰대기", 13, Kind.COUNT), Column("이체의뢰중", 12, Kind.COUNT), Column("이체처리완료", 13, Kind.COUNT),
    Column("부분출금", 11, Kind.COUNT), Column("이체처리미완료", 14, Kind.COUNT), Column("출금금액", 21, Kind.WON),
    Column("불능금액", 19, Kind.WON),
]


def bank_status_summary(ctx: ReportContext, status: BankStatus) -> Report:
    def cells(label: str, f: object) -> list[Cell]:
        names = ("requested_count", "requested_amount", "waiting_count", "sent_count", "done_count", "partial_count",
                 "failed_count", "debited_amount", "failed_amount")
        return [label] + [getattr(f, n) for n in names]

    table = ReportTable(BANK_STATUS_COLUMNS, [Section([cells(r.bank, r) for r in status.rows])],
                        total=cells("합계", status.total))
    return Report(title="이체의뢰현황", context=ctx, period_text=status.period.text, tables=[table],
                  filters=["은행별", "의뢰취소 건 제외"], landscape=True, file_stem="이체의뢰현황")
