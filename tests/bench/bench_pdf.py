"""Benchmark of the 집계 PDF: a 10,000-row drill-down report against bare reportlab drawing the same rows.

A plain script, not a test::

    /work/main/.venv/bin/python tests/bench/bench_pdf.py [--rows 10000] [--rounds 5] [--out /tmp/bench_report.pdf]

The report is the real 이체의뢰내역집계 상세내역 layout (A4 landscape, 13 columns, Korean names, one
section per item with its 소계, the 합계, the header on every page, "x / y 쪽") filled with rows
made up here, so the figure is reportlab's and ours, not the database's.

The yardstick (issue 21: within 1.3×) is bare reportlab given the very strings the report prints:
a SimpleDocTemplate whose frame has the report's size, one platypus `Table` per page-sized chunk
with a header row, the same columns, widths, row heights, the same embedded Korean TrueType font
and the same basic style (fonts, header background, grid, alignment per column, padding). What the
yardstick leaves out is what the app adds: the page header with the 결재란, "x / y 쪽", the
styled section/소계/합계 lines, fitting text to its column, formatting the cells.

The style is given as TableStyle commands, the documented way. A second, stricter yardstick gives
the same values as shared CellStyles, as the app does since issue 21, so it prints the app's own
overhead beside the ratio that the goal names.

All are timed interleaved in this one process, fastest of ``--rounds`` (timeit style), so a busy
machine slows them alike; the ratio is the figure to quote, in wall time and in CPU time of this
process (steadier when the two CPUs are shared). All write their file to /tmp; the app goes
through `output_files` as it does for the clerk. The same rows as .xlsx are timed once after.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 1.3


def make_report(rows: int) -> Any:
    from app.services.aggregates.common import GroupBy, ReportContext
    from app.services.aggregates.reports import layouts
    from app.services.aggregates.requests import RequestDetailRow
    from app.services.common.periods import Period

    items = ("수강료", "교재비", "차량비", "특강비")
    states = ("이체처리완료", "이체처리완료", "이체처리완료", "이체처리미완료", "부분출금")
    groups: dict[str, list[RequestDetailRow]] = {item: [] for item in items}
    for n in range(rows):
        item = items[n % len(items)]
        state = states[n % len(states)]
        amount = 100_000 + (n % 50) * 1000
        debited = amount if state == "이체처리완료" else (amount // 2 if state == "부분출금" else 0)
        groups[item].append(RequestDetailRow(
            request_id=n, debit_date=date(2026, 11, 5) + timedelta(days=n % 20), customer_no=f"C{n:07d}",
            customer_name=f"홍길동{n % 1000:03d}", grade=("초등3", "중1", "고2")[n % 3], item=item,
            bank=("KB국민은행", "신한은행", "우리은행", "NH농협은행")[n % 4], account=f"****{n % 10000:04d}",
            kind="이체의뢰", state=state, amount=amount, debited_amount=debited,
            failed_amount=amount - debited if state != "이체처리완료" else 0,
            reason="잔액부족" if state != "이체처리완료" else "",
        ))
    ctx = ReportContext("해오름수학학원", "해오름수학학원", "9912345678", "김해오", ("담당", "과장", "원장"),
                        datetime(2026, 11, 27, 1, 0, tzinfo=UTC), "관리자(admin)", "")
    return layouts.requests_detail(ctx, Period(date(2026, 11, 1), date(2026, 11, 27)), GroupBy.ITEM,
                                   list(groups.items()))


def printed_lines(report: Any) -> list[list[str]]:
    """Every line of the report's table as the strings it prints (section titles, rows, 소계, 합계).

    Made before the clock starts: the yardstick gets its text for free."""
    from app.services.aggregates.reports.model import cell_text

    (table,) = report.tables
    blank = [""] * (len(table.columns) - 1)
    lines: list[list[str]] = []
    for section in table.sections:
        lines.append([section.title or "", *blank])
        lines += [[cell_text(c.kind, v) for c, v in zip(table.columns, row, strict=True)] for row in section.rows]
        if section.subtotal is not None:
            lines.append([cell_text(c.kind, v) for c, v in zip(table.columns, section.subtotal, strict=True)])
    if table.total is not None:
        lines.append([cell_text(c.kind, v) for c, v in zip(table.columns, table.total, strict=True)])
    return lines


def bare_reportlab(report: Any, lines: list[list[str]], out: Path, *, shared_styles: bool = False) -> int:
    """Bare reportlab: the same rows in page-sized platypus Tables, same font, widths and basic style.

    The style is given as TableStyle commands, the documented way. With `shared_styles` the same
    values are given as one CellStyle per column shared by its cells instead (what the app does):
    the stricter yardstick, left with only the drawing itself."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.platypus import PageBreak, SimpleDocTemplate, Table, TableStyle
    from reportlab.platypus.tables import CellStyle

    from app.services.aggregates.reports import pdf
    from app.services.aggregates.reports.fonts import korean_fonts

    fonts = korean_fonts()
    (table,) = report.tables
    width, height = landscape(A4)
    pad = 6  # SimpleDocTemplate's frame padding: the margins are cut by it so the frame inside is the report's
    doc = SimpleDocTemplate(str(out), pagesize=(width, height), leftMargin=pdf.MARGIN - pad,
                            rightMargin=pdf.MARGIN - pad, topMargin=pdf.MARGIN + pdf.HEADER_HEIGHT - pad,
                            bottomMargin=pdf.MARGIN + pdf.FOOTER_HEIGHT - pad)
    frame_width, frame_height = doc.width - 2 * pad, doc.height - 2 * pad
    whole = sum(c.width for c in table.columns)
    widths = [frame_width * c.width / whole for c in table.columns]
    align = {"text": "LEFT", "center": "CENTER", "date": "CENTER", "won": "RIGHT", "count": "RIGHT"}
    aligns = [align[c.kind.value] for c in table.columns]
    lines_and_grid = [("BACKGROUND", (0, 0), (-1, 0), pdf.HEAD_BG), ("GRID", (0, 0), (-1, -1), 0.4, pdf.GRID)]
    if shared_styles:
        def cell_style(font: str, alignment: str) -> Any:
            style = CellStyle(alignment)
            style.fontname, style.fontsize, style.leading = font, pdf.FONT_SIZE, pdf.FONT_SIZE * 1.2
            style.alignment, style.valign = alignment, "MIDDLE"
            style.leftPadding, style.rightPadding, style.topPadding, style.bottomPadding = 3, 3, 0, 1
            return style

        head_styles = [cell_style(fonts.bold, "CENTER")] * len(aligns)
        row_styles = [cell_style(fonts.regular, a) for a in aligns]
        style = TableStyle(lines_and_grid)
    else:
        style = TableStyle([
            ("FONT", (0, 0), (-1, -1), fonts.regular, pdf.FONT_SIZE),
            ("FONT", (0, 0), (-1, 0), fonts.bold, pdf.FONT_SIZE),
            ("ALIGN", (0, 0), (-1, 0), "CENTER"),
            *lines_and_grid,
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            *[("ALIGN", (i, 1), (i, -1), a) for i, a in enumerate(aligns)],
        ])
    header = [c.header for c in table.columns]
    capacity = int((frame_height - pdf.HEAD_ROW_HEIGHT - pdf.SLACK) // pdf.ROW_HEIGHT)
    story: list[Any] = []
    for start in range(0, len(lines), capacity):
        chunk = lines[start:start + capacity]
        heights = [pdf.HEAD_ROW_HEIGHT] + [pdf.ROW_HEIGHT] * len(chunk)
        if shared_styles:
            styles = [list(head_styles)] + [list(row_styles) for _ in chunk]
            story.append(Table([header, *chunk], colWidths=widths, rowHeights=heights, style=style, hAlign="LEFT",
                               cellStyles=styles, normalizedData=1))
        else:
            story.append(Table([header, *chunk], colWidths=widths, rowHeights=heights, style=style, hAlign="LEFT"))
        story.append(PageBreak())
    story.pop()
    doc.build(story)
    return doc.page


def timed(function: Callable[[], int]) -> tuple[float, float, int]:
    """Wall and CPU seconds of one run, and the pages it wrote."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    pages = function()
    return time.perf_counter() - wall, time.process_time() - cpu, pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench_report.pdf"))
    args = parser.parse_args()
    from app.services.aggregates.reports.fonts import korean_fonts
    from app.services.aggregates.reports.pdf import render_pdf
    from app.services.aggregates.reports.xlsx import write_xlsx

    fonts = korean_fonts()
    print(f"font: {fonts.source} ({'embedded subset' if fonts.embedded else 'built-in CID, not embedded'})")
    started = time.perf_counter()
    report = make_report(args.rows)
    lines = printed_lines(report)
    print(f"rows made in {time.perf_counter() - started:.2f} s")
    bare_out = args.out.with_name(args.out.stem + "_bare.pdf")
    cases: dict[str, Callable[[], int]] = {
        "app": lambda: render_pdf(report, args.out, force=True),
        "bare": lambda: bare_reportlab(report, lines, bare_out),
        "shared": lambda: bare_reportlab(report, lines, bare_out, shared_styles=True),
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    pages: dict[str, int] = {}
    for _ in range(args.rounds):
        for name, case in cases.items():
            wall, seconds, pages[name] = timed(case)
            times[name].append(wall)
            cpu[name].append(seconds)
    best = {name: min(t) for name, t in times.items()}
    best_cpu = {name: min(t) for name, t in cpu.items()}
    labels = {"app": f"app PDF, {args.out.stat().st_size / 2**20:.2f} MB",
              "bare": "bare reportlab, TableStyle commands", "shared": "bare reportlab, cell styles shared"}
    print(f"{args.rows:,} rows, fastest of {args.rounds} interleaved rounds (wall s; CPU s):")
    for name, label in labels.items():
        print(f"  {label:<38} {pages[name]} pages  {best[name]:5.2f} s; CPU {best_cpu[name]:5.2f} s  "
              f"(all {', '.join(f'{t:.2f}' for t in times[name])})")
    ratio = best["app"] / best["bare"]
    print(f"ratio app / bare {ratio:.2f}× (CPU {best_cpu['app'] / best_cpu['bare']:.2f}×)  target ≤ {TARGET_RATIO}×: "
          f"{'ok' if ratio <= TARGET_RATIO else 'SLOW'};  app / bare with shared cell styles "
          f"{best['app'] / best['shared']:.2f}× (CPU {best_cpu['app'] / best_cpu['shared']:.2f}×)")
    started = time.perf_counter()
    write_xlsx(report, args.out.with_suffix(".xlsx"), force=True)
    print(f"xlsx {args.rows:,} rows: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
