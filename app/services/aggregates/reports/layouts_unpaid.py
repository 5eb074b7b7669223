"""Service results → `Report`s: 미납내역집계 and 할인내역집계, with their drill-downs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from app.services.aggregates.common import (
    GroupBy,
    ReportContext,
)
from app.services.aggregates.discounts import (
    DiscountDetailRow,
    DiscountFigures,
    DiscountSummary,
)
from app.services.aggregates.outstanding import (
    OutstandingDetailRow,
    OutstandingFigures,
    OutstandingSummary,
    as_of_day,
)
from app.services.aggregates.reports.model import (
    Cell,
    Column,
    Kind,
    Report,
    ReportTable,
    Section,
)
from app.services.common.calendar import SEOUL
from app.services.common.periods import Period

AS_OF_NOTE = ("조회기간에 든 달의 청구분을 조회 종료일(오늘보다 늦으면 오늘) 현재 원장으로 계산합니다. "
              "미납은 출금일이 지났는데 출금되지 않은 청구(출금불능·부분출금, 의뢰하지 않은 채 출금일이 지난 청구)이며, "
              "출금일 전이거나 이체의뢰대기·이체의뢰중인 청구는 미납이 아닙니다. "
              "미납액 = 청구액 - 할인 - 출금 - 현금수납 + 수납취소.")


REFUND_NOTE = ("반환금액은 학원이 퇴원·수강중단으로 돌려준 금액입니다. 반환은 받은 돈을 돌려주고 그만큼 청구를 "
               "면제하므로 미납금액은 바뀌지 않으며, 수납금액은 반환 전 금액입니다.")


LATE_FEE_NOTE = ("연체료는 관리규약(연체료·독촉 규정)에 따라 미납 청구마다 {as_of} 현재로 계산한 금액이며, "
                 "이미 연체료 항목으로 청구한 부분도 들어 있습니다. ")
WAIVED_SUMMARY_NOTE = "감면된 연체료는 연체료에 넣지 않고 연체료 감면에 따로 보입니다."
WAIVED_DETAIL_NOTE = "감면된 연체료는 '(감면)'으로 표시하며 소계·합계에 넣지 않습니다."


def _late_fee_note(as_of: date, waived_note: str) -> str:
    return LATE_FEE_NOTE.format(as_of=f"{as_of:%Y-%m-%d}") + waived_note


def _printed_day(ctx: ReportContext) -> date:
    return ctx.printed_at.astimezone(SEOUL).date()


def _unpaid_cells(label: str, f: OutstandingFigures, refunds: bool = False, late_fees: bool = False,
                  waived: bool = False) -> list[Cell]:
    cells: list[Cell] = [label, f.charge_count, f.owed_amount, f.received_amount, f.unpaid_count, f.unpaid_amount]
    if late_fees:
        cells.append(f.late_fee_amount)
    if waived:
        cells.append(f.waived_late_fee_amount)
    return [*cells, f.refunded_amount] if refunds else cells


def outstanding_summary(ctx: ReportContext, summary: OutstandingSummary) -> Report:
    """The summary; a 연체료 column (관리사무소) when the contract has a late-fee policy, with 연체료 감면
    beside it when something was waived; a 반환금액 column (학원) only when something of the period's
    charges was refunded."""
    refunds = summary.total.refunded_amount > 0
    late_fees = summary.late_fees
    waived = late_fees and summary.total.waived_late_fee_amount > 0
    columns = [Column(summary.group_by.label, 30), Column("청구건수", 12, Kind.COUNT),
               Column("청구금액(할인 후)", 24, Kind.WON), Column("수납금액", 22, Kind.WON),
               Column("미납건수", 12, Kind.COUNT), Column("미납금액", 22, Kind.WON)]
    if late_fees:
        columns.append(Column("연체료", 20, Kind.WON))
    if waived:
        columns.append(Column("연체료 감면", 20, Kind.WON))
    if refunds:
        columns.append(Column("반환금액", 20, Kind.WON))
    notes = [AS_OF_NOTE]
    if late_fees:
        notes.append(_late_fee_note(summary.as_of or as_of_day(summary.period, _printed_day(ctx)),
                                    WAIVED_SUMMARY_NOTE))
    if refunds:
        notes.append(REFUND_NOTE)
    table = ReportTable(columns, [Section([_unpaid_cells(r.label, r, refunds, late_fees, waived)
                                           for r in summary.rows])],
                        total=_unpaid_cells("합계", summary.total, refunds, late_fees, waived),
                        footnote=" ".join(notes))
    return Report(
        title="미납내역집계", context=ctx, period_text=summary.period.text, tables=[table],
        filters=[f"{summary.group_by.label}별 집계", f"청구월: {summary.period.months_text}",
                 f"{summary.period.end:%Y-%m-%d} 현재"],
        file_stem=f"미납내역집계_{summary.group_by.label}별",
    )


UNPAID_DETAIL_COLUMNS = [
    Column("고객번호", 14), Column("고객명", 15), Column("등급", 11), Column("집금항목", 15),
    Column("청구월", 11, Kind.CENTER), Column("은행", 18), Column("계좌번호", 14, Kind.CENTER),
    Column("청구금액", 18, Kind.WON), Column("수납금액", 18, Kind.WON), Column("미납금액", 18, Kind.WON),
]
LATE_FEE_COLUMN = Column("연체료", 20, Kind.WON)
"""연체료 of a drill-down row: won, or "5,220원 (감면)" for a waived fee — a text cell, so a sum in
Excel leaves it out as the 소계 and 합계 do."""


def late_fee_cell(r: OutstandingDetailRow) -> Cell:
    return f"{r.late_fee:,}원 (감면)" if r.late_fee_waived else r.late_fee


def _unpaid_row(r: OutstandingDetailRow, late_fees: bool = False) -> list[Cell]:
    cells: list[Cell] = [r.customer_no, r.customer_name, r.grade, r.item, r.period, r.bank, r.account, r.owed_amount,
                         r.received_amount, r.unpaid_amount]
    return [*cells, late_fee_cell(r)] if late_fees else cells


def _unpaid_sum(label: str, rows: Sequence[OutstandingDetailRow], late_fees: bool = False) -> list[Cell]:
    cells: list[Cell] = [label, f"{len(rows):,}건"] + [""] * 5 + [sum(r.owed_amount for r in rows),
                                                                 sum(r.received_amount for r in rows),
                                                                 sum(r.unpaid_amount for r in rows)]
    return [*cells, sum(r.late_fee_owed for r in rows)] if late_fees else cells


def outstanding_detail(ctx: ReportContext, period: Period, group_by: GroupBy,
                       groups: Sequence[tuple[str, Sequence[OutstandingDetailRow]]]) -> Report:
    """The unpaid charges of each group with a 소계; the 연체료 column when the rows carry late fees
    (the contract has a policy), its 소계 and 합계 leaving the waived fees out, as the summary does."""
    every = [r for _label, rows in groups for r in rows]
    late_fees = any(r.late_fee_policy for r in every)
    sections = [Section([_unpaid_row(r, late_fees) for r in rows], title=f"{group_by.label}: {label}",
                        subtotal=_unpaid_sum("소계", rows, late_fees)) for label, rows in groups]
    columns = [*UNPAID_DETAIL_COLUMNS, LATE_FEE_COLUMN] if late_fees else UNPAID_DETAIL_COLUMNS
    # the drill-down was fetched as of the day it was printed (build passes the same `now`)
    as_of = as_of_day(period, _printed_day(ctx))
    footnote = f"{AS_OF_NOTE} {_late_fee_note(as_of, WAIVED_DETAIL_NOTE)}" if late_fees else AS_OF_NOTE
    table = ReportTable(columns, sections, total=_unpaid_sum("합계", every, late_fees), footnote=footnote)
    which = groups[0][0] if len(groups) == 1 else "전체"
    return Report(
        title="미납내역집계 상세내역", context=ctx, period_text=period.text, tables=[table],
        filters=[f"{group_by.label}: {which}", f"청구월: {period.months_text}", f"{period.end:%Y-%m-%d} 현재"],
        landscape=True, personal=True, file_stem=f"미납내역집계_상세_{which}",
    )


# --- 할인내역집계 ----------------------------------------------------------------------------------


def _discount_cells(label: str, item: str, f: DiscountFigures) -> list[Cell]:
    return [label, item, f.discounted_count, f.charged_amount, f.discount_amount, f.net_amount]


DISCOUNT_COLUMNS = [Column("청구월", 14, Kind.CENTER), Column("집금항목", 20), Column("할인건수", 12, Kind.COUNT),
                    Column("청구금액(할인 전)", 24, Kind.WON), Column("할인금액", 22, Kind.WON),
                    Column("할인후금액", 24, Kind.WON)]


def discounts_summary(ctx: ReportContext, summary: DiscountSummary) -> Report:
    if summary.by_item:
        subtotals = summary.month_subtotals()
        sections = [
            Section([_discount_cells(r.period, r.item, r) for r in summary.rows if r.period == month],
                    title=f"{month}월분", subtotal=_discount_cells("소계", "", subtotals[month]))
            for month in subtotals
        ]
    else:
        sections = [Section([_discount_cells(r.period, "전체", r) for r in summary.rows])]
    table = ReportTable(DISCOUNT_COLUMNS, sections, total=_discount_cells("합계", "", summary.total))
    return Report(
        title="할인내역집계", context=ctx, period_text=summary.period.text, tables=[table],
        filters=[f"청구월: {summary.period.months_text}", "월·집금항목별" if summary.by_item else "월별"],
        file_stem="할인내역집계",
    )


DISCOUNT_DETAIL_COLUMNS = [
    Column("청구월", 12, Kind.CENTER), Column("고객번호", 14), Column("고객명", 15), Column("등급", 11),
    Column("집금항목", 15), Column("은행", 18), Column("계좌번호", 14, Kind.CENTER), Column("할인율", 10, Kind.CENTER),
    Column("청구금액", 18, Kind.WON), Column("할인금액", 17, Kind.WON), Column("할인후금액", 18, Kind.WON),
]


def _discount_sum(label: str, rows: Sequence[DiscountDetailRow]) -> list[Cell]:
    return [label, f"{len(rows):,}건"] + [""] * 6 + [sum(r.charged_amount for r in rows),
                                                     sum(r.discount_amount for r in rows),
                                                     sum(r.net_amount for r in rows)]


def discounts_detail(ctx: ReportContext, period: Period, groups: Sequence[tuple[str, Sequence[DiscountDetailRow]]],
                     ) -> Report:
    sections = [
        Section([[r.period, r.customer_no, r.customer_name, r.grade, r.item, r.bank, r.account, r.rate_text,
                  r.charged_amount, r.discount_amount, r.net_amount] for r in rows], title=title,
                subtotal=_discount_sum("소계", rows))
        for title, rows in groups
    ]
    every = [r for _title, rows in groups for r in rows]
    table = ReportTable(DISCOUNT_DETAIL_COLUMNS, sections, total=_discount_sum("합계", every))
    which = groups[0][0] if len(groups) == 1 else "전체"
    return Report(title="할인내역집계 상세내역", context=ctx, period_text=period.text, tables=[table],
                  filters=[which], landscape=True, personal=True, file_stem=f"할인내역집계_상세_{which}")
