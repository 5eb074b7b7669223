"""A report as plain data: what the PDF prints and the .xlsx holds, from one source.

A `Report` has a header (the institution, the aggregate's name, the period and filters, who printed
it when, the 결재란 labels) and one or more `ReportTable`s. A table is a list of `Section`s — a
drill-down grouped by item prints each item's rows under its title with a 소계 — and an optional
합계 row. Cells are raw values (int won, int counts, dates, text); the column's `Kind` says how to
write them, so the Excel file keeps real numbers while the PDF prints ``1,234,000원``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from app.services.aggregates.common import ReportContext

NO_DATA = "자료가 없습니다"

Cell = str | int | date | None


class Kind(enum.Enum):
    TEXT = "text"
    CENTER = "center"  # short text shown centred (states, codes)
    WON = "won"  # integer won: 1,234원
    COUNT = "count"  # an integer count: 1,234
    DATE = "date"


@dataclass(frozen=True)
class Column:
    header: str
    width: float  # relative width; the PDF scales the columns to the page
    kind: Kind = Kind.TEXT


@dataclass(frozen=True)
class Section:
    """A run of rows, with a title line above (a group's name) and a 소계 below when given."""

    rows: Sequence[Sequence[Cell]]
    title: str | None = None
    subtotal: Sequence[Cell] | None = None


@dataclass(frozen=True)
class ReportTable:
    columns: Sequence[Column]
    sections: Sequence[Section]
    total: Sequence[Cell] | None = None
    caption: str | None = None
    footnote: str | None = None
    page_share: float = 1.0  # how much of the page width the PDF gives a narrow table (0.5: half)

    @property
    def row_count(self) -> int:
        return sum(len(s.rows) for s in self.sections)


@dataclass(frozen=True)
class Report:
    title: str
    context: ReportContext
    period_text: str
    tables: Sequence[ReportTable]
    filters: Sequence[str] = ()
    alerts: Sequence[str] = ()  # printed in red above the tables: things the clerk must act on
    notes: Sequence[str] = ()
    landscape: bool = False
    file_stem: str = "집계"
    personal: bool = False  # rows name customers: saving or printing it is audited as personal data

    @property
    def row_count(self) -> int:
        return sum(t.row_count for t in self.tables)

    @property
    def is_empty(self) -> bool:
        return self.row_count == 0


def cell_text(kind: Kind, value: Cell) -> str:
    """How a cell prints: amounts with thousands separators and 원, counts with separators."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "예" if value else "아니오"
    if kind is Kind.WON and isinstance(value, int):
        return f"{value:,}원"
    if kind is Kind.COUNT and isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    return str(value)
