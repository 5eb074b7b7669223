"""The 교육비 납입증명서 list as a `Report`: the screen's rows as an .xlsx.

Built from `certificates.certificate_rows`, so the file holds exactly the figures on screen; a `Report`
so that it is written by the same .xlsx writer as every 집계 (numbers stay numbers in Excel)
and saved through `build.save`, which audits it as a personal-data export (it names students).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from app.database.engine import Database
from app.services.aggregates.certificates import CertificateRow, certificate_rows
from app.services.aggregates.reports.build import context
from app.services.aggregates.reports.model import Cell, Column, Kind, Report, ReportTable, Section
from app.services.common.session import Actor

TITLE = "교육비 납입증명서 목록"
COLUMNS: list[Column] = [
    Column("고객번호", 12), Column("납부자", 12), Column("학생", 12), Column("생년월일", 14, Kind.DATE),
    Column("9세 미만", 10, Kind.CENTER),
    *[Column(f"{m}월", 14, Kind.WON) for m in range(1, 13)],
    Column("연간 합계", 16, Kind.WON), Column("발급번호", 14, Kind.CENTER), Column("상태", 10, Kind.CENTER),
]


def _cells(row: CertificateRow) -> list[Cell]:
    return [row.customer_no, row.payer, row.student, row.birth_date, "예" if row.under_nine else "",
            *row.months, row.total, row.latest_number, row.state_text]


def list_report(db: Database, actor: Actor, contract_id: int, year: int, rows: Sequence[CertificateRow], *,
                now: datetime, search: str | None = None) -> Report:
    """The rows (as `certificate_rows` returned them) with a 합계 line of the months and the year."""
    totals: list[Cell] = ["합계", f"{len(rows):,}명", "", None, f"{sum(r.under_nine for r in rows):,}명",
                          *[sum(r.months[m] for r in rows) for m in range(12)], sum(r.total for r in rows), "", ""]
    table = ReportTable(COLUMNS, [Section([_cells(r) for r in rows])], total=totals)
    filters = [f"검색: {search.strip()}"] if search and search.strip() else []
    return Report(title=TITLE, context=context(db, actor, contract_id, now), period_text=f"{year}년 1월 ~ 12월",
                  tables=[table], filters=filters, landscape=True, file_stem=f"교육비납입증명서_목록_{year}",
                  personal=True,
                  notes=["납부금액 = 자동이체 출금액 + 현금수납액 − 수납취소액(취소한 현금의 수납월) − 반환금액(반환한 달).",
                         "9세 미만: 해당 연도 말 현재 만 9세 미만(예체능 학원비 공제 확인용)."])


def certificate_list(db: Database, actor: Actor, contract_id: int, year: int, *, now: datetime,
                     search: str | None = None) -> Report:
    """The list of `year` as the screen shows it for `search`."""
    rows = certificate_rows(db, actor, contract_id, year, search=search)
    return list_report(db, actor, contract_id, year, rows, now=now, search=search)
