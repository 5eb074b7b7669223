"""Write a `Report` as an A4 PDF with reportlab.

Why the layout is done by hand rather than with one big `Table`:

* reportlab lays out one `Table` of 10,000 rows several times over (6–8 s, see baselines.md); one
  table per page-sized chunk takes a third of that. So rows have a fixed height, the space left on
  the page is tracked here, and each page gets exactly one table that fills it — with its own copy
  of the header row, which is how the header repeats on every page.
* "x / y 쪽" needs the page count before the first page is finished: `_NumberedCanvas` keeps each
  page's drawing and writes the numbers when the document is saved (the canvasmaker recipe).

The header of every page names the institution, the aggregate, the period and filters, and who
printed it when; the first page carries the 결재란 when the contract asks for one.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO, Literal

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tables import CellStyle

from app.services.aggregates.reports.fonts import FontSet, korean_fonts
from app.services.aggregates.reports.model import (
    NO_DATA,
    Cell,
    Column,
    Kind,
    Report,
    ReportTable,
    cell_text,
)
from app.services.common import output_files

# Compressed page streams stay binary instead of being ASCII85-encoded: 18 % smaller files and 8 %
# faster on a 400-page report; every PDF reader (QtPdf, Acrobat, the printers' drivers) reads them.
rl_config.useA85 = 0

MARGIN = 12 * mm
HEADER_HEIGHT = 30 * mm
FOOTER_HEIGHT = 8 * mm
ROW_HEIGHT = 5.6 * mm
HEAD_ROW_HEIGHT = 6.4 * mm
FONT_SIZE = 8.2
SLACK = 0.5  # points: keeps rounding from pushing a full page's table onto the next one

HEAD_BG = colors.HexColor("#dfe7f3")
SECTION_BG = colors.HexColor("#f3f5f8")
SUBTOTAL_BG = colors.HexColor("#eef2e6")
TOTAL_BG = colors.HexColor("#d9e2c8")
GRID = colors.HexColor("#9aa4b1")
ALERT = colors.HexColor("#b3261e")

ROW, SECTION, SUBTOTAL, TOTAL, EMPTY = "row", "section", "subtotal", "total", "empty"


class _NumberedCanvas(rl_canvas.Canvas):
    """Holds every page until the end, then writes "x / y 쪽" on each."""

    font_name = "Helvetica"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab naming)
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # Canvas internals the stubs leave out

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            width, _height = self._pagesize  # type: ignore[attr-defined]  # as above
            self.setFont(self.font_name, 8)
            self.setFillColor(colors.black)
            self.drawCentredString(width / 2, MARGIN - 2 * mm, f"{self._pageNumber} / {total} 쪽")  # type: ignore[attr-defined]  # as above
            super().showPage()
        super().save()


class _Layout:
    """Builds the story while tracking the height left on the current page."""

    def __init__(self, frame_width: float, frame_height: float, fonts: FontSet) -> None:
        self.width = frame_width
        self.height = frame_height
        self.left = frame_height
        self.fonts = fonts
        self.story: list[Flowable] = []

    def add(self, flowable: Flowable) -> None:
        _w, h = flowable.wrap(self.width, self.height)
        h += flowable.getSpaceBefore() + flowable.getSpaceAfter()
        if h > self.left and self.left < self.height:
            self.new_page()
        self.story.append(flowable)
        self.left -= h

    def new_page(self) -> None:
        self.story.append(PageBreak())
        self.left = self.height

    def add_table(self, table: ReportTable) -> None:
        widths = _scaled_widths(table.columns, self.width * table.page_share)
        lines = list(_lines(table))
        header = [c.header for c in table.columns]
        cell_styles = _CellStyles(table.columns, self.fonts)
        while lines:
            capacity = int((self.left - HEAD_ROW_HEIGHT - SLACK) // ROW_HEIGHT)
            if capacity < min(3, len(lines) or 1):
                self.new_page()
                continue
            chunk, lines = lines[:capacity], lines[capacity:]
            self.story.append(_chunk_table(header, chunk, table.columns, widths, self.fonts, cell_styles))
            self.left -= HEAD_ROW_HEIGHT + ROW_HEIGHT * len(chunk)
            if lines:
                self.new_page()


def _scaled_widths(columns: Sequence[Column], width: float) -> list[float]:
    whole = sum(c.width for c in columns)
    return [width * c.width / whole for c in columns]


def _lines(table: ReportTable) -> Any:
    """(style, cells) for every line of the table: section titles, rows, 소계, 합계."""
    if table.row_count == 0:
        yield EMPTY, [NO_DATA] + [""] * (len(table.columns) - 1)
    for section in table.sections:
        if section.title and table.row_count:
            yield SECTION, [section.title] + [""] * (len(table.columns) - 1)
        for row in section.rows:
            yield ROW, list(row)
        if section.subtotal is not None and section.rows:
            yield SUBTOTAL, list(section.subtotal)
    if table.total is not None:
        yield TOTAL, list(table.total)


@lru_cache(maxsize=65536)
def _width(text: str, font: str) -> float:
    """Measured once per distinct text: names, banks, states and amounts repeat down a long report."""
    return stringWidth(text, font, FONT_SIZE)


# Characters some Korean fonts lack (NanumGothic has no U+2212 minus sign: it prints as a gap).
_SUBSTITUTES = str.maketrans({"\u2212": "-", "\u00a0": " "})


def _fit(text: str, font: str, width: float) -> str:
    """Text cut with '…' to fit its column (a name longer than the column never spills over)."""
    text = text.translate(_SUBSTITUTES)
    if len(text) * FONT_SIZE <= width or _width(text, font) <= width:  # no glyph is wider than 1 em
        return text
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if _width(text[:mid] + "…", font) <= width:
            low = mid
        else:
            high = mid - 1
    return text[:low] + "…"


_Align = Literal["LEFT", "CENTER", "RIGHT"]
_ALIGN: dict[Kind, _Align] = {
    Kind.TEXT: "LEFT", Kind.CENTER: "CENTER", Kind.DATE: "CENTER", Kind.WON: "RIGHT", Kind.COUNT: "RIGHT",
}


class _CellStyles:
    """The few cell styles a report table has, made once and shared by all its cells.

    Why not a TableStyle of FONT/ALIGN/VALIGN/PADDING commands: reportlab applies those cell by
    cell to a fresh CellStyle per cell, some 2,400 attribute writes per page of 13 columns — a fifth
    of a 400-page report's time. Every cell of a line kind and column has the same values anyway,
    so the cells share one CellStyle per (font, alignment); reportlab draws from the very same
    values and writes the same PDF. Nothing writes to these objects afterwards: each table's own
    commands are only the grid, backgrounds and spans, which reportlab keeps apart from cell styles.
    """

    def __init__(self, columns: Sequence[Column], fonts: FontSet) -> None:
        self._made: dict[tuple[str, _Align], CellStyle] = {}
        n = len(columns)
        self.header = [self._style(fonts.bold, "CENTER")] * n
        self.row = [self._style(fonts.regular, _ALIGN[c.kind]) for c in columns]
        self.sum = [self._style(fonts.bold, _ALIGN[c.kind]) for c in columns]  # 소계, 합계
        self.section = [self._style(fonts.bold, "LEFT")] * n
        self.empty = [self._style(fonts.regular, "CENTER")] * n

    def _style(self, font: str, align: _Align) -> CellStyle:
        if (font, align) not in self._made:
            style = CellStyle(f"{font} {align}")
            style.fontname = font
            style.fontsize = FONT_SIZE
            style.leading = FONT_SIZE * 1.2  # what a ("FONT", ..., font, size) command sets
            style.alignment = align
            style.valign = "MIDDLE"
            style.leftPadding = style.rightPadding = 3
            style.topPadding = 0
            style.bottomPadding = 1
            self._made[font, align] = style
        return self._made[font, align]


def _chunk_table(header: list[str], chunk: list[tuple[str, list[Cell]]], columns: Sequence[Column],
                 widths: list[float], fonts: FontSet, cell_styles: _CellStyles) -> Table:
    room = [w - 6 for w in widths]  # less the cell padding
    data = [[_fit(h, fonts.bold, r) for h, r in zip(header, room, strict=True)]]
    styles = [list(cell_styles.header)]
    # Only lines, backgrounds and spans here: a FONT/ALIGN/PADDING command would rewrite the shared
    # CellStyles of every page; a line that looks different gets its own CellStyle in _CellStyles.
    commands: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
    ]
    for n, (kind, cells) in enumerate(chunk, start=1):
        font = fonts.bold if kind in (SUBTOTAL, TOTAL, SECTION) else fonts.regular
        if kind in (SECTION, EMPTY):
            data.append([_fit(str(cells[0]), font, sum(room))] + [""] * (len(columns) - 1))
            commands.append(("SPAN", (0, n), (-1, n)))
            if kind == SECTION:
                commands.append(("BACKGROUND", (0, n), (-1, n), SECTION_BG))
            styles.append(list(cell_styles.section if kind == SECTION else cell_styles.empty))
            continue
        data.append([_fit(cell_text(c.kind, v), font, r) for c, v, r in zip(columns, cells, room, strict=True)])
        if kind in (SUBTOTAL, TOTAL):
            commands.append(("BACKGROUND", (0, n), (-1, n), SUBTOTAL_BG if kind == SUBTOTAL else TOTAL_BG))
            styles.append(list(cell_styles.sum))
        else:
            styles.append(list(cell_styles.row))
    # normalizedData: every cell is already a str (from _fit), so reportlab's pass turning None into ''
    # would only copy the lists — a third of the time spent here.
    return Table(data, colWidths=widths, rowHeights=[HEAD_ROW_HEIGHT] + [ROW_HEIGHT] * len(chunk), hAlign="LEFT",
                 cellStyles=styles, style=TableStyle(commands), normalizedData=1)


class ApprovalBox:
    """결재란: a narrow '결재' cell, then one column per approver with room for a seal."""

    def __init__(self, labels: Sequence[str]) -> None:
        self.labels = list(labels)
        self.cell = 17 * mm
        self.side = 6 * mm
        self.head = 5 * mm
        self.height = 20 * mm

    @property
    def width(self) -> float:
        return self.side + self.cell * len(self.labels)

    def draw(self, c: rl_canvas.Canvas, right: float, top: float, fonts: FontSet) -> None:
        x0, y0 = right - self.width, top - self.height
        c.setLineWidth(0.6)
        c.setStrokeColor(colors.black)
        c.rect(x0, y0, self.width, self.height)
        c.line(x0 + self.side, y0, x0 + self.side, top)
        c.line(x0 + self.side, top - self.head, right, top - self.head)
        c.setFont(fonts.bold, 8)
        c.drawCentredString(x0 + self.side / 2, y0 + self.height / 2 + 2, "결")
        c.drawCentredString(x0 + self.side / 2, y0 + self.height / 2 - 8, "재")
        c.setFont(fonts.regular, 8)
        for i, label in enumerate(self.labels):
            left = x0 + self.side + i * self.cell
            if i:
                c.line(left, y0, left, top)
            c.drawCentredString(left + self.cell / 2, top - self.head + 1.6 * mm, label)


def _header(report: Report, fonts: FontSet, size: tuple[float, float]) -> Any:
    width, height = size
    approval = ApprovalBox(report.context.approval_labels) if report.context.approval_labels else None

    def draw(c: rl_canvas.Canvas, doc: BaseDocTemplate) -> None:
        c.saveState()
        top = height - MARGIN
        right = width - MARGIN
        c.setFont(fonts.bold, 15)
        c.drawString(MARGIN, top - 6 * mm, report.title)
        c.setFont(fonts.regular, 8.5)
        ctx = report.context
        lines = [f"기관: {ctx.institution}  (이용기관코드 {ctx.institution_code})", f"조회기간: {report.period_text}"]
        if report.filters:
            lines.append("조건: " + " · ".join(report.filters))
        for i, text in enumerate(lines):
            c.drawString(MARGIN, top - 12 * mm - i * 4.2 * mm, text)
        if approval is not None and doc.page == 1:
            approval.draw(c, right, top, fonts)
        c.drawRightString(right, top - HEADER_HEIGHT + 3 * mm, f"출력: {ctx.printed_text}")
        c.setStrokeColor(colors.HexColor("#4a5a70"))
        c.setLineWidth(0.8)
        c.line(MARGIN, top - HEADER_HEIGHT + 1.5 * mm, right, top - HEADER_HEIGHT + 1.5 * mm)
        c.setFont(fonts.regular, 7)
        c.setFillColor(colors.HexColor("#666666"))
        c.drawString(MARGIN, MARGIN - 2 * mm, f"{ctx.institution} · {report.title}")
        c.drawRightString(right, MARGIN - 2 * mm, "KSCMS desk")
        c.restoreState()

    return draw


def render_pdf(report: Report, target: str | os.PathLike[str] | BinaryIO, *, force: bool = False,
               protected: Iterable[Path] | None = None) -> int:
    """Write the report; returns the number of pages. A path goes through output_files (checked
    before the layout work, replaced only with `force`)."""
    if isinstance(target, (str, os.PathLike)):
        output_files.check_target(target, force=force, protected=protected)
    fonts = korean_fonts()
    size = landscape(A4) if report.landscape else A4
    width, height = size
    frame_height = height - 2 * MARGIN - HEADER_HEIGHT - FOOTER_HEIGHT
    frame = Frame(MARGIN, MARGIN + FOOTER_HEIGHT, width - 2 * MARGIN, frame_height, leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0, id="body")
    buffer = io.BytesIO()
    doc = BaseDocTemplate(buffer, pagesize=size, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                          bottomMargin=MARGIN, title=f"{report.title} ({report.period_text})",
                          author=report.context.institution, creator="KSCMS desk")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=_header(report, fonts, size))])
    layout = _Layout(frame.width, frame_height, fonts)
    _story(report, layout, fonts)

    class Numbered(_NumberedCanvas):
        font_name = fonts.regular

    doc.build(layout.story, canvasmaker=Numbered)
    data = buffer.getvalue()
    if isinstance(target, (str, os.PathLike)):
        output_files.write_output(target, data, force=force, protected=protected)
    else:
        target.write(data)
    return doc.page


def _story(report: Report, layout: _Layout, fonts: FontSet) -> None:
    caption = ParagraphStyle("caption", fontName=fonts.bold, fontSize=9.5, leading=13, spaceBefore=2, spaceAfter=3)
    alert = ParagraphStyle("alert", fontName=fonts.regular, fontSize=8.5, leading=12, textColor=ALERT,
                           spaceAfter=1)
    alert_head = ParagraphStyle("alerthead", parent=alert, fontName=fonts.bold, fontSize=9.5, leading=13)
    note = ParagraphStyle("note", fontName=fonts.regular, fontSize=7.5, leading=10,
                          textColor=colors.HexColor("#555555"))
    if report.alerts:
        layout.add(Paragraph("확인이 필요합니다", alert_head))
        for text in report.alerts:
            layout.add(Paragraph("• " + escape_markup(text), alert))
        layout.add(Spacer(1, 2 * mm))
    for i, table in enumerate(report.tables):
        if table.caption:
            layout.add(Paragraph(escape_markup(table.caption), caption))
        layout.add_table(table)
        if table.footnote:
            layout.add(Paragraph(escape_markup(table.footnote), note))
        if i < len(report.tables) - 1:
            layout.add(Spacer(1, 4 * mm))
    if report.notes:
        layout.add(Spacer(1, 2 * mm))
        for text in report.notes:
            layout.add(Paragraph(escape_markup(text), note))


def escape_markup(text: str) -> str:
    """Paragraph markup escaped, and glyphs the font may lack substituted."""
    return text.translate(_SUBSTITUTES).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def pdf_bytes(report: Report) -> bytes:
    buffer = io.BytesIO()
    render_pdf(report, buffer)
    return buffer.getvalue()
