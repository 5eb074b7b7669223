"""Write a `Report` as .xlsx: the same header, columns, subtotals and totals as the PDF.

Amounts stay numbers (formatted ``#,##0"원"``) so the clerk can add them up in Excel; a text cell
a spreadsheet would run as a formula (a name typed as ``=HYPERLINK(…)``) is stored as text with
Excel's quote prefix. Written in openpyxl's write-only mode and renamed into place at the end, so a
failed write never leaves half a file where the clerk expects one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.services.aggregates.reports.model import (
    NO_DATA,
    Cell,
    Kind,
    Report,
    ReportTable,
)
from app.services.common import output_files

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
WON_FORMAT = '#,##0"원"'
COUNT_FORMAT = "#,##0"
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
ALERT = Font(color="B3261E")
HEAD_FILL = PatternFill("solid", fgColor="DFE7F3")
SECTION_FILL = PatternFill("solid", fgColor="F3F5F8")
SUBTOTAL_FILL = PatternFill("solid", fgColor="EEF2E6")
TOTAL_FILL = PatternFill("solid", fgColor="D9E2C8")


def _cell(sheet: Worksheet, kind: Kind, value: Cell, *, font: Font | None = None,
          fill: PatternFill | None = None) -> SheetCell:
    if isinstance(value, int) and not isinstance(value, bool):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = WON_FORMAT if kind is Kind.WON else COUNT_FORMAT
    elif isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]  # openpyxl writes dates; its stubs say datetime
        cell.number_format = "yyyy-mm-dd"
    else:
        text = "" if value is None else str(value)
        cell = WriteOnlyCell(sheet, value=text or None)
        if text.startswith(FORMULA_PREFIXES):
            cell.data_type = "s"
            cell.quotePrefix = True
            cell.alignment = Alignment(horizontal="left")
        elif kind in (Kind.CENTER, Kind.DATE):
            cell.alignment = Alignment(horizontal="center")
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    return cell


def _text(sheet: Worksheet, text: str, font: Font | None = None) -> list[Any]:
    return [_cell(sheet, Kind.TEXT, text, font=font)]


def _table(sheet: Worksheet, table: ReportTable) -> None:
    kinds = [c.kind for c in table.columns]
    if table.caption:
        sheet.append(_text(sheet, table.caption, BOLD))
    sheet.append([_cell(sheet, Kind.CENTER, c.header, font=BOLD, fill=HEAD_FILL) for c in table.columns])
    if table.row_count == 0:
        sheet.append(_text(sheet, NO_DATA))
    for section in table.sections:
        if section.title and section.rows:
            sheet.append(_text(sheet, section.title, BOLD) + [
                _cell(sheet, Kind.TEXT, None, fill=SECTION_FILL) for _ in kinds[1:]])
        for row in section.rows:
            sheet.append([_cell(sheet, k, v) for k, v in zip(kinds, row, strict=True)])
        if section.subtotal is not None and section.rows:
            sheet.append([_cell(sheet, k, v, font=BOLD, fill=SUBTOTAL_FILL)
                          for k, v in zip(kinds, section.subtotal, strict=True)])
    if table.total is not None:
        sheet.append([_cell(sheet, k, v, font=BOLD, fill=TOTAL_FILL) for k, v in zip(kinds, table.total, strict=True)])
    if table.footnote:
        sheet.append(_text(sheet, table.footnote))


def write_xlsx(report: Report, path: str | os.PathLike[str], *, force: bool = False,
               protected: Iterable[Path] | None = None) -> Path:
    """Write the report to `path` through output_files (an existing file only with `force`)."""
    output_files.check_target(path, force=force, protected=protected)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=report.title[:31])
    widest = max(len(t.columns) for t in report.tables)
    for index in range(1, widest + 1):
        widths = [t.columns[index - 1].width for t in report.tables if len(t.columns) >= index]
        sheet.column_dimensions[get_column_letter(index)].width = max(10.0, max(widths) * 0.75)
    ctx = report.context
    sheet.append(_text(sheet, report.title, TITLE))
    sheet.append(_text(sheet, f"기관: {ctx.institution} (이용기관코드 {ctx.institution_code})"))
    sheet.append(_text(sheet, f"조회기간: {report.period_text}"))
    if report.filters:
        sheet.append(_text(sheet, "조건: " + " · ".join(report.filters)))
    sheet.append(_text(sheet, f"출력: {ctx.printed_text}"))
    for alert in report.alerts:
        sheet.append(_text(sheet, alert, ALERT))
    for table in report.tables:
        sheet.append([])
        _table(sheet, table)
    for note in report.notes:
        sheet.append(_text(sheet, note))
    return output_files.write_output(path, lambda temp: book.save(temp), force=force, protected=protected)
