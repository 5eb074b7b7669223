"""Service results → `Report`s: 계좌신청현황 and 정산내역현황."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from app.services.aggregates.common import (
    ReportContext,
    sum_figures,
)
from app.services.aggregates.registrations import (
    RegistrationDetailRow,
    RegistrationFigures,
    RegistrationSummary,
)
from app.services.aggregates.reports.model import (
    Cell,
    Column,
    Kind,
    Report,
    ReportTable,
    Section,
)
from app.services.aggregates.settlement import (
    CALL_AGENCY,
    SETTLEMENT_LAG,
    Settlement,
    SettlementFigures,
)
from app.services.common.periods import Period

REGISTRATION_COLUMNS = [
    Column("은행", 26), Column("신청건수", 12, Kind.COUNT), Column("계좌신청대기", 14, Kind.COUNT),
    Column("계좌신청중", 13, Kind.COUNT), Column("계좌신청완료", 14, Kind.COUNT), Column("계좌신청미완료", 15, Kind.COUNT),
    Column("신청취소", 12, Kind.COUNT),
]


def _registration_cells(label: str, f: RegistrationFigures) -> list[Cell]:
    return [label, f.total_count, f.waiting_count, f.sent_count, f.done_count, f.failed_count, f.withdrawn_count]


def registrations_summary(ctx: ReportContext, summary: RegistrationSummary) -> Report:
    table = ReportTable(REGISTRATION_COLUMNS, [Section([_registration_cells(r.bank, r) for r in summary.rows])],
                        total=_registration_cells("합계", summary.total))
    return Report(title="계좌신청현황", context=ctx, period_text=summary.period.text, tables=[table],
                  filters=["은행별", "신청일 기준"], file_stem="계좌신청현황")


REGISTRATION_DETAIL_COLUMNS = [
    Column("신청일", 15, Kind.DATE), Column("고객번호", 14), Column("고객명", 15), Column("집금항목", 15),
    Column("은행", 18), Column("계좌번호", 14, Kind.CENTER), Column("신청구분", 11, Kind.CENTER),
    Column("상태", 16, Kind.CENTER), Column("불능사유", 22),
]


def registrations_detail(ctx: ReportContext, period: Period,
                         groups: Sequence[tuple[str, Sequence[RegistrationDetailRow]]], *,
                         state_filter: str | None = None) -> Report:
    def count_row(label: str, rows: Sequence[RegistrationDetailRow]) -> list[Cell]:
        return [label, f"{len(rows):,}건", *[""] * 7]

    sections = [
        Section([[r.requested_on, r.customer_no, r.customer_name, r.item, r.bank, r.account, r.kind, r.state, r.reason]
                 for r in rows], title=f"은행: {bank}", subtotal=count_row("소계", rows))
        for bank, rows in groups
    ]
    every = [r for _bank, rows in groups for r in rows]
    which = groups[0][0] if len(groups) == 1 else "전체"
    filters = [f"은행: {which}"] + ([f"상태: {state_filter}"] if state_filter else [])
    return Report(title="계좌신청현황 상세내역", context=ctx, period_text=period.text,
                  tables=[ReportTable(REGISTRATION_DETAIL_COLUMNS, sections, total=count_row("합계", every))],
                  filters=filters, landscape=True, personal=True, file_stem=f"계좌신청현황_상세_{which}")


# --- 정산내역현황 ----------------------------------------------------------------------------------

SETTLEMENT_COLUMNS = [
    Column("정산일", 15, Kind.DATE), Column("출금일", 15, Kind.DATE), Column("은행", 22),
    Column("결과건수", 11, Kind.COUNT), Column("출금건수", 11, Kind.COUNT), Column("불능건수", 11, Kind.COUNT),
    Column("출금금액", 21, Kind.WON), Column("건당수수료", 14, Kind.WON), Column("이체수수료", 17, Kind.WON),
    Column("정산금액", 21, Kind.WON),
]


def _settle_cells(first: Cell, second: Cell, bank: str, f: SettlementFigures, fee: Cell) -> list[Cell]:
    return [first, second, bank, f.request_count, f.debited_count, f.failed_count, f.debited_amount, fee,
            f.debit_fee, f.net_amount]


def settlement_report(ctx: ReportContext, result: Settlement) -> Report:
    sections = []
    for day, group in groupby(result.rows, key=lambda r: r.settlement_date):
        rows = list(group)
        subtotal = sum_figures(SettlementFigures, rows)
        sections.append(Section([_settle_cells(r.settlement_date, r.debit_date, r.bank, r, r.fee_per_debit)
                                 for r in rows], subtotal=_settle_cells("소계", day, "", subtotal, "")))
    debits = ReportTable(SETTLEMENT_COLUMNS, sections, total=_settle_cells("합계", "", "", result.total, ""),
                         caption="출금 정산", footnote=(
                             f"정산일 = 출금일 + {SETTLEMENT_LAG}영업일. 이체수수료 = 출금건수(완료·부분출금) × "
                             f"건당수수료 {result.fee_per_debit:,}원. 이체처리미완료 건은 수수료가 없습니다."))
    fee_columns = [Column("은행", 30), Column("계좌신청완료 건수", 18, Kind.COUNT), Column("건당수수료", 18, Kind.WON),
                   Column("계좌신청수수료", 22, Kind.WON)]
    registrations = ReportTable(
        fee_columns,
        [Section([[f.bank, f.done_count, f.fee_per_registration, f.fee] for f in result.registration_fees])],
        total=["합계", sum(f.done_count for f in result.registration_fees), "", result.registration_fee_total],
        caption="계좌신청 수수료", footnote="신청일이 조회기간에 든 계좌신청완료 건에 건당 계좌신청수수료를 적용합니다.",
        page_share=0.6,
    )
    summary_columns = [Column("구분", 30), Column("금액", 24, Kind.WON)]
    summary = ReportTable(summary_columns, [Section([
        ["출금금액 합계", result.total.debited_amount],
        ["이체수수료 합계", result.total.debit_fee],
        ["계좌신청수수료 합계", result.registration_fee_total],
        ["수수료 합계", result.fee_total],
    ])], total=["정산예정액", result.net_total], caption="기간 합계", page_share=0.4)
    tables = [debits, registrations, summary]
    if result.refunds:
        tables.append(ReportTable(
            [Column("지급일", 15, Kind.DATE), Column("고객번호", 14), Column("고객명", 16), Column("지급방법", 12, Kind.CENTER),
             Column("반환금액", 22, Kind.WON)],
            [Section([[r.paid_on, r.customer_no, r.customer_name, r.method, r.amount] for r in result.refunds])],
            total=["반환 후 순수입", "", "", "", result.net_after_refunds], caption="반환 (학원이 직접 지급)",
            footnote=(f"조회기간에 지급한 반환 {len(result.refunds):,}건 {result.refund_total:,}원. 반환은 정산에서 "
                      "차감되지 않고 학원이 직접 지급하므로, 반환 후 순수입 = 정산예정액 − 반환금액입니다.")))
    alerts = [f"{i.debit_date:%Y-%m-%d} {i.bank}: {i.message}" if i.debit_date else i.message for i in result.issues]
    if alerts:
        alerts.append(CALL_AGENCY)
    return Report(
        title="정산내역현황", context=ctx, period_text=result.period.text, tables=tables,
        filters=["출금일 기준", f"건당 이체수수료 {result.fee_per_debit:,}원",
                 f"건당 계좌신청수수료 {result.fee_per_registration:,}원"],
        alerts=alerts, notes=["정산 확인: 이상 없음." if not alerts else CALL_AGENCY], landscape=True,
        file_stem="정산내역현황",
    )
