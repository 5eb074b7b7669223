"""월마감 보고서 as .xlsx: the same stored figures as the PDF, for the office to keep working with.

The close becomes a `Report` (reports/model.py) and is written by the same openpyxl writer as every
집계, so amounts stay numbers (``#,##0"원"``) and the sheet has the header every export has. Its
tables: the close itself (마감일시, 마감자, 결과 미수신), the figures by item with the 합계, and the
corrections of earlier closed months recorded in the month. A superseded close says so in red at
the top (재개방으로 대체됨, when, by whom, why); the 현재 다시 계산 check and the meaning of each figure
close the sheet.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from app.database.engine import Database
from app.services.aggregates.month_close import SUPERSEDED, CloseReport, close_report, month_label
from app.services.aggregates.month_close_report import CloseFigures
from app.services.aggregates.reports.model import Cell, Column, Kind, Report, ReportTable, Section
from app.services.aggregates.reports.month_close_pdf import MEANINGS, TITLE, record_saved
from app.services.aggregates.reports.xlsx import write_xlsx
from app.services.common import output_files
from app.services.common.calendar import SEOUL
from app.services.common.formats import stamp_text
from app.services.common.periods import first_day, last_day
from app.services.common.session import Actor

FIGURE_COLUMNS = [
    Column("집금항목", 16), Column("청구건수", 10, Kind.COUNT), Column("청구금액", 16, Kind.WON),
    Column("할인", 14, Kind.WON), Column("출금", 16, Kind.WON), Column("현금수납", 16, Kind.WON),
    Column("수납취소", 14, Kind.WON), Column("반환", 14, Kind.WON), Column("미납건수", 10, Kind.COUNT),
    Column("미납", 16, Kind.WON),
]
ADJUSTMENT_COLUMNS = [
    Column("정정한 달", 16), Column("건수", 10, Kind.COUNT), Column("현금수납", 16, Kind.WON),
    Column("수납취소", 14, Kind.WON), Column("순액", 16, Kind.WON),
]
CLOSE_COLUMNS = [Column("항목", 16), Column("내용", 60)]


def _cells(name: str, f: CloseFigures) -> list[Cell]:
    return [name, f.charge_count, f.charged, f.discount, f.debited, f.cash, f.reversed, f.refunded, f.unpaid_count,
            f.unpaid]


def workbook_report(report: CloseReport) -> Report:
    """The close as a `Report` of three tables (its stored figures only)."""
    row, figures = report.row, report.figures
    missing = (f"{row.missing_results:,}건 — 사유: {row.override_reason or ''}" if row.missing_results else "없음")
    close_rows: list[list[Cell]] = [
        ["마감일시", stamp_text(row.closed_at)], ["마감자", row.closed_by_text],
        ["미납 기준일", f"{figures.as_of:%Y-%m-%d}"], ["결과 미수신", missing],
        ["연체료 청구", f"{figures.late_fee_charged:,}원 (집금항목 '연체료', 청구금액에 포함)"],
        ["상태", "마감" if row.standing else SUPERSEDED],
    ]
    alerts: list[str] = []
    if not row.standing and row.reopened_at is not None:
        alerts.append(f"{SUPERSEDED}: {stamp_text(row.reopened_at)} {row.reopened_by_text} 재개방, "
                      f"사유: {row.reopen_reason or ''}. 이 보고서는 더 이상 유효하지 않습니다.")
    tables = [
        ReportTable(CLOSE_COLUMNS, [Section(close_rows)], caption="마감"),
        ReportTable(FIGURE_COLUMNS, [Section([_cells(i.item, i) for i in figures.items])],
                    total=_cells("합계", figures.total), caption="집금항목별 숫자"),
        ReportTable(ADJUSTMENT_COLUMNS, [Section([[month_label(a.period), a.count, a.cash, a.reversed, a.net]
                                                  for a in figures.adjustments])],
                    caption="이 달에 기록한 마감월 정정"),
    ]
    check = [report.recheck_text, *[f"• {line}" for line in report.changes]]
    return Report(title=TITLE, context=report.context,
                  period_text=f"{month_label(row.period)}분 ({first_day(row.period):%Y-%m-%d} ~ "
                              f"{last_day(row.period):%Y-%m-%d})",
                  tables=tables, alerts=alerts, notes=[*check, *MEANINGS],
                  file_stem=f"월마감_{row.period}")


def write_close_xlsx(db: Database, actor: Actor, close_id: int, path: str | os.PathLike[str], *, now: datetime,
                     force: bool = False) -> Path:
    """The report of one close as .xlsx at `path`, with the check as of `now`; audited once written."""
    protected = output_files.protected_for(db)
    output_files.check_target(path, force=force, protected=protected)
    report = close_report(db, actor, close_id, today=now.astimezone(SEOUL).date(), now=now)
    written = write_xlsx(workbook_report(report), path, force=force, protected=protected)
    record_saved(db, actor, report, "xlsx")
    return written
