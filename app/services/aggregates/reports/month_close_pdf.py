"""월마감 보고서 as an A4 PDF: the figures of one close as they were given to the council.

The page carries the office's letterhead (the institution, its code and representative), the 결재란
when the contract prints one, the close (when, by whom, results missing and why), the figures by item
with the 합계, the 연체료 billed, the corrections of earlier closed months recorded in the month, what
each figure means, and the 현재 다시 계산 check. Every number comes from the close's stored JSON
(`CloseReport.figures`), never from the ledger as it is today; only the check reads the month again.

A close that was reopened since prints with a red "재개방으로 대체됨" stamp across every page and,
under the title, when and by whom it was reopened and why: the council keeps the paper, and the
paper must say it no longer stands.

Files go through output_files (a private temporary name, renamed when whole; never over the
database); writing one is audited (report_exported).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.database.engine import Database
from app.services.aggregates.month_close import SUPERSEDED, CloseReport, close_report, month_label
from app.services.aggregates.month_close_report import CloseFigures
from app.services.aggregates.reports.fonts import FontSet, korean_fonts
from app.services.aggregates.reports.pdf import escape_markup as esc
from app.services.common import audit, output_files
from app.services.common.calendar import SEOUL
from app.services.common.formats import stamp_text
from app.services.common.periods import first_day, last_day
from app.services.common.session import Actor

TITLE = "월마감 보고서"
WIDTH = 182 * mm  # A4 less 14 mm margins
GRID = colors.HexColor("#5f6b7a")
HEAD_BG = colors.HexColor("#dfe7f3")
TOTAL_BG = colors.HexColor("#d9e2c8")
LABEL_BG = colors.HexColor("#eef1f5")
INK = colors.HexColor("#1f3b5a")
RED = colors.HexColor("#b3261e")
GREEN = colors.HexColor("#1e7b34")
STAMP_SIZE = 46  # points: the 재개방으로 대체됨 stamp across a superseded close's pages

FIGURE_HEADERS = ("집금항목", "청구건수", "청구금액", "할인", "출금", "현금수납", "수납취소", "반환", "미납건수", "미납")
FIGURE_WIDTHS = (26, 14, 20, 16, 20, 18, 17, 16, 14, 21)  # mm, 182 in all

MEANINGS = (
    "청구금액·할인: 이 달(청구년월)의 청구와 그 할인 — 할인내역집계와 같습니다. 청구금액 − 할인은 미납내역집계의 청구액입니다.",
    "출금: 이 달에 출금된 금액(출금일 기준) — 이체의뢰내역집계·정산내역현황의 출금액과 같습니다.",
    "현금수납·수납취소·반환: 이 달에 받은 현금, 취소한 현금수납, 지급한 반환금(날짜 기준). 마감된 달의 정정도 "
    "기록한 날의 달에 들어갑니다.",
    "미납: 이 달 청구 중 말일 현재 미납인 건과 금액 — 미납내역집계와 같습니다. 청구예정·이체의뢰중인 건은 미납이 아닙니다.",
)


def _styles(fonts: FontSet) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=fonts.regular, fontSize=9, leading=13)
    return {
        "body": body,
        "inst": ParagraphStyle("inst", fontName=fonts.bold, fontSize=15, leading=20, textColor=INK),
        "sub": ParagraphStyle("sub", parent=body, fontSize=8.5, leading=12, textColor=colors.HexColor("#555555")),
        "title": ParagraphStyle("title", fontName=fonts.bold, fontSize=19, leading=25, alignment=1, spaceBefore=4),
        "month": ParagraphStyle("month", fontName=fonts.regular, fontSize=11.5, leading=16, alignment=1,
                                spaceAfter=6),
        "head": ParagraphStyle("head", fontName=fonts.bold, fontSize=10.5, leading=15, spaceBefore=8, spaceAfter=3),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=11.5),
        "label": ParagraphStyle("label", parent=body, fontName=fonts.bold, fontSize=8.5, leading=11.5),
        "note": ParagraphStyle("note", parent=body, fontSize=7.8, leading=11, textColor=colors.HexColor("#555555")),
        "alert": ParagraphStyle("alert", parent=body, fontName=fonts.bold, fontSize=10, leading=14, textColor=RED),
        "alert_body": ParagraphStyle("alertbody", parent=body, textColor=RED),
        "ok": ParagraphStyle("ok", parent=body, fontName=fonts.bold, textColor=GREEN),
        "bad": ParagraphStyle("bad", parent=body, fontName=fonts.bold, textColor=RED),
    }


def _approval(labels: Sequence[str], fonts: FontSet) -> Table:
    """결재란: '결재' down the left, one column per approver with room for a seal."""
    rows = [["결\n재", *labels], ["", *[""] * len(labels)]]
    table = Table(rows, colWidths=[7 * mm] + [17 * mm] * len(labels), rowHeights=[6 * mm, 15 * mm])
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), fonts.regular, 8),
        ("FONT", (0, 0), (0, -1), fonts.bold, 8),
        ("SPAN", (0, 0), (0, 1)),
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return table


def _letterhead(report: CloseReport, fonts: FontSet, st: dict[str, ParagraphStyle]) -> Table:
    ctx = report.context
    contract = f"{ctx.contract_name} · " if ctx.contract_name and ctx.contract_name != ctx.institution else ""
    left = [Paragraph(esc(ctx.institution), st["inst"]),
            Paragraph(esc(f"{contract}이용기관코드 {ctx.institution_code} · 대표 {ctx.representative}"), st["sub"])]
    approval: Flowable | str = _approval(ctx.approval_labels, fonts) if ctx.approval_labels else ""
    right_width = (7 + 17 * len(ctx.approval_labels)) * mm if ctx.approval_labels else 0
    table = Table([[left, approval]], colWidths=[WIDTH - right_width, right_width])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("LINEBELOW", (0, 0), (-1, 0), 1.2, INK),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]))
    return table


def _meta(report: CloseReport, fonts: FontSet, st: dict[str, ParagraphStyle]) -> Table:
    row, figures = report.row, report.figures
    missing = (f"{row.missing_results:,}건 — 결과 없이 마감한 사유: {row.override_reason or ''}" if row.missing_results
               else "없음 (모든 출금일의 은행 결과 반영 후 마감)")
    lines = [
        ("마감일시", f"{stamp_text(row.closed_at)} · {row.closed_by_text}"),
        ("대상 기간", f"{first_day(row.period):%Y-%m-%d} ~ {last_day(row.period):%Y-%m-%d} "
                  f"(미납은 {figures.as_of:%Y-%m-%d} 현재)"),
        ("결과 미수신", missing),
        ("출력", report.context.printed_text),
    ]
    rows = [[Paragraph(esc(k), st["label"]), Paragraph(esc(v), st["cell"])] for k, v in lines]
    table = Table(rows, colWidths=[26 * mm, WIDTH - 26 * mm])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, GRID), ("BACKGROUND", (0, 0), (0, -1), LABEL_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    return table


def _figure_cells(name: str, f: CloseFigures) -> list[str]:
    return [name, f"{f.charge_count:,}", f"{f.charged:,}", f"{f.discount:,}", f"{f.debited:,}", f"{f.cash:,}",
            f"{f.reversed:,}", f"{f.refunded:,}", f"{f.unpaid_count:,}", f"{f.unpaid:,}"]


def _figures(report: CloseReport, fonts: FontSet) -> Table:
    figures = report.figures
    rows = [list(FIGURE_HEADERS)]
    rows += [_figure_cells(i.item, i) for i in figures.items]
    if not figures.items:
        rows.append(["이 달의 청구·수납이 없습니다"] + [""] * (len(FIGURE_HEADERS) - 1))
    rows.append(_figure_cells("합계", figures.total))
    table = Table(rows, colWidths=[w * mm for w in FIGURE_WIDTHS], repeatRows=1)
    style: list[Any] = [
        ("FONT", (0, 0), (-1, -1), fonts.regular, 8.3),
        ("FONT", (0, 0), (-1, 0), fonts.bold, 8.3),
        ("FONT", (0, -1), (-1, -1), fonts.bold, 8.3),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("BACKGROUND", (0, -1), (-1, -1), TOTAL_BG),
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if not figures.items:
        style.append(("SPAN", (0, 1), (-1, 1)))
    table.setStyle(TableStyle(style))
    return table


def _adjustments(report: CloseReport, fonts: FontSet, st: dict[str, ParagraphStyle]) -> Flowable:
    adjustments = report.figures.adjustments
    if not adjustments:
        return Paragraph("이 달에 기록한 마감월 정정: 없음", st["body"])
    rows = [["정정한 달", "건수", "현금수납", "수납취소", "순액"]]
    rows += [[month_label(a.period), f"{a.count:,}", f"{a.cash:,}", f"{a.reversed:,}", f"{a.net:,}"]
             for a in adjustments]
    table = Table(rows, colWidths=[40 * mm, 20 * mm, 30 * mm, 30 * mm, 30 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), fonts.regular, 8.3), ("FONT", (0, 0), (-1, 0), fonts.bold, 8.3),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG), ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"), ("ALIGN", (0, 0), (-1, 0), "CENTER"),
    ]))
    return table


def _recheck(report: CloseReport, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    today = report.context.printed_at.astimezone(SEOUL)
    out: list[Flowable] = [Paragraph(f"현재 다시 계산 ({today:%Y-%m-%d %H:%M} 기준)", st["head"])]
    if not report.changes:
        out.append(Paragraph("일치 — 마감 때 보고한 숫자와 지금 원장에서 다시 계산한 숫자가 같습니다.", st["ok"]))
        return out
    head = ("재개방 뒤 바뀐 내용입니다. 이 보고서의 숫자는 마감 당시의 것입니다." if not report.row.standing
            else "마감된 달인데 숫자가 다릅니다. 관리자에게 알리세요.")
    out.append(Paragraph(esc(f"불일치 {len(report.changes):,}건 — {head}"), st["bad"]))
    for line in report.changes[:20]:
        out.append(Paragraph("• " + esc(line), st["body"]))
    if len(report.changes) > 20:
        out.append(Paragraph(f"… 외 {len(report.changes) - 20:,}건", st["body"]))
    return out


def story(report: CloseReport, fonts: FontSet) -> list[Flowable]:
    """The flowables of the report (one page for a month of a few items)."""
    st = _styles(fonts)
    row, figures = report.row, report.figures
    out: list[Flowable] = [
        _letterhead(report, fonts, st),
        Spacer(1, 5 * mm),
        Paragraph(TITLE, st["title"]),
        Paragraph(esc(f"{month_label(row.period)}분"), st["month"]),
    ]
    if not row.standing and row.reopened_at is not None:
        out.append(KeepTogether([
            Paragraph(SUPERSEDED, st["alert"]),
            Paragraph(esc(f"{stamp_text(row.reopened_at)} {row.reopened_by_text}이(가) 이 달의 마감을 취소(재개방)했습니다. "
                          f"사유: {row.reopen_reason or ''}. 이 보고서는 더 이상 유효하지 않습니다."), st["alert_body"]),
            Spacer(1, 3 * mm),
        ]))
    out += [
        _meta(report, fonts, st),
        Paragraph("집금항목별 숫자 (단위: 원)", st["head"]),
        _figures(report, fonts),
        Spacer(1, 2 * mm),
        Paragraph(esc(f"연체료 청구: {figures.late_fee_charged:,}원 (집금항목 '연체료'의 이 달 청구, 청구금액에 포함)"),
                  st["body"]),
        Paragraph("마감된 달의 정정", st["head"]),
        _adjustments(report, fonts, st),
        Spacer(1, 2 * mm),
        *_recheck(report, st),
        Paragraph("숫자의 뜻", st["head"]),
        *[Paragraph(esc(f"• {text}"), st["note"]) for text in MEANINGS],
    ]
    return out


def _page(report: CloseReport, fonts: FontSet) -> Any:
    """Every page: the footer, and across a superseded close the red stamp."""
    superseded = not report.row.standing

    def draw(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        width, height = A4
        canvas.saveState()
        canvas.setFont(fonts.regular, 7)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawString(14 * mm, 9 * mm, f"{report.context.institution} · {TITLE} {month_label(report.row.period)}분")
        canvas.drawRightString(width - 14 * mm, 9 * mm, f"{doc.page} 쪽 · KSCMS desk")
        if superseded:
            canvas.translate(width / 2, height / 2)
            canvas.rotate(35)
            canvas.setFillColor(RED)
            canvas.setStrokeColor(RED)
            canvas.setFillAlpha(0.16)
            canvas.setStrokeAlpha(0.35)
            canvas.setFont(fonts.bold, STAMP_SIZE)
            canvas.drawCentredString(0, -STAMP_SIZE * 0.35, SUPERSEDED)
            box = stringWidth(SUPERSEDED, fonts.bold, STAMP_SIZE) + 16 * mm
            canvas.setLineWidth(3)
            canvas.roundRect(-box / 2, -STAMP_SIZE * 0.75, box, STAMP_SIZE * 1.5, 4 * mm, stroke=1, fill=0)
        canvas.restoreState()

    return draw


def render_close_pdf(report: CloseReport, target: str | os.PathLike[str], *, force: bool = False,
                     protected: Iterable[Path] | None = None) -> Path:
    """Write the report through output_files; returns the path written."""
    output_files.check_target(target, force=force, protected=protected)
    fonts = korean_fonts()
    flowables = story(report, fonts)
    page = _page(report, fonts)

    def write(temp: Path) -> None:
        SimpleDocTemplate(str(temp), pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=14 * mm,
                          bottomMargin=16 * mm, title=f"{TITLE} {month_label(report.row.period)}분",
                          author=report.context.institution, creator="KSCMS desk").build(
            flowables, onFirstPage=page, onLaterPages=page)

    return output_files.write_output(target, write, force=force, protected=protected)


def record_saved(db: Database, actor: Actor, report: CloseReport, how: str) -> None:
    """Audit a saved (or printed) close report: which close, which month, how."""
    with db.session() as s:
        audit.record(s, "report_exported", actor=actor, target=TITLE,
                     detail={"format": how, "period": report.row.period, "close_id": report.row.id,
                             "superseded": not report.row.standing, "recheck_differences": len(report.changes)})


def write_close_pdf(db: Database, actor: Actor, close_id: int, path: str | os.PathLike[str], *, now: datetime,
                    force: bool = False) -> Path:
    """The report of one close as PDF at `path`, with the check as of `now`; audited once written."""
    protected = output_files.protected_for(db)
    output_files.check_target(path, force=force, protected=protected)
    report = close_report(db, actor, close_id, today=now.astimezone(SEOUL).date(), now=now)
    written = render_close_pdf(report, path, force=force, protected=protected)
    record_saved(db, actor, report, "pdf")
    return written
