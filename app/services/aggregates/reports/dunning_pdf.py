"""독촉 안내문 (PDF): one A4 page per household, from the letters the dunning service recorded.

The page is the 미납 안내문's (letters.py: the office's name at the top, the title, the date, the
addressee, how to pay, whom to ask, the representative's line) with the 결재란 of the reports
(pdf.py) at the top right when the contract asks for one. Under the stage's wording, one line per
failed debit of the household (stage, debit date, item, months, unpaid, late fee) and the total.
The registered account shows only as ``****1234``. A reprint says 재발행 beside the date and
carries the day of the original issue, so two papers of one letter can be told apart.

The dunning service builds the `LetterPage`s (the wording already filled in) and audits the export;
this module only lays them out, through output_files (private temporary name, renamed when whole).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from app.services.aggregates.common import ReportContext
from app.services.aggregates.reports.fonts import FontSet, korean_fonts
from app.services.aggregates.reports.letters import letter_styles
from app.services.aggregates.reports.pdf import ApprovalBox
from app.services.aggregates.reports.pdf import escape_markup as esc
from app.services.common import output_files

TITLE = "독촉 안내문"
LEFT_MARGIN = RIGHT_MARGIN = 20 * mm
WIDTH = A4[0] - LEFT_MARGIN - RIGHT_MARGIN
ALERT = colors.HexColor("#b3261e")


@dataclass(frozen=True)
class LetterLine:
    """One failed debit on the page."""

    stage: str
    debit_date: date
    item: str
    months: str
    unpaid: int
    late_fee: int
    late_fee_waived: int = 0  # a waived fee, shown with its amount as 감면 and not asked for


@dataclass(frozen=True)
class LetterPage:
    """One household's page."""

    customer_no: str
    customer_name: str
    title: str  # the most advanced stage's name on the page
    wording: str  # the stage's wording, placeholders filled
    lines: tuple[LetterLine, ...]
    account: str  # '국민은행 ****1234' or ''
    issued_on: date
    pay_by: date
    reprinted_on: date | None = None

    @property
    def unpaid(self) -> int:
        return sum(line.unpaid for line in self.lines)

    @property
    def late_fee(self) -> int:
        return sum(line.late_fee for line in self.lines)

    @property
    def total(self) -> int:
        return self.unpaid + self.late_fee


class _Approval(Flowable):
    """The reports' 결재란 as a flowable, so it sits beside the office's name on every letter."""

    def __init__(self, box: ApprovalBox, fonts: FontSet) -> None:
        super().__init__()
        self.box, self.fonts = box, fonts
        self.width, self.height = box.width, box.height

    def wrap(self, _avail_width: float, _avail_height: float) -> tuple[float, float]:
        return self.box.width, self.box.height

    def draw(self) -> None:
        canvas: rl_canvas.Canvas = self.canv
        self.box.draw(canvas, self.box.width, self.box.height, self.fonts)


def _styles(fonts: FontSet) -> dict[str, ParagraphStyle]:
    st = letter_styles(fonts)
    st["cell"] = ParagraphStyle("cell", parent=st["body"], fontSize=9.5, leading=13)
    st["stamp"] = ParagraphStyle("stamp", parent=st["right"], fontName=fonts.bold, textColor=ALERT)
    st["title"] = ParagraphStyle("dunTitle", parent=st["title"], spaceBefore=2, spaceAfter=2)
    st["sub"] = ParagraphStyle("sub", parent=st["body"], alignment=1, textColor=colors.HexColor("#555555"),
                               spaceAfter=6)
    return st


def _head(ctx: ReportContext, fonts: FontSet, st: dict[str, ParagraphStyle]) -> Flowable:
    name = Paragraph(esc(ctx.institution), st["inst"])
    if not ctx.approval_labels:
        return name
    box = ApprovalBox(ctx.approval_labels)
    table = Table([[name, _Approval(box, fonts)]], colWidths=[WIDTH - box.width, box.width])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _day(day: date) -> str:
    """'2026년 11월 8일', as the stages' wording writes {납부기한} (arrears_rules.placeholder_texts)."""
    return f"{day.year}년 {day.month}월 {day.day}일"


def _fee_text(line: LetterLine) -> str:
    """'12,340원', '5,000원 감면', both on two lines, or '-'."""
    parts = [f"{line.late_fee:,}원"] if line.late_fee else []
    if line.late_fee_waived:
        parts.append(f"{line.late_fee_waived:,}원 감면")
    return "\n".join(parts) or "-"


def _table(page: LetterPage, fonts: FontSet, st: dict[str, ParagraphStyle]) -> Table:
    cell = lambda text: Paragraph(esc(text), st["cell"])  # noqa: E731 - a cell that wraps
    rows: list[list[Any]] = [["단계", "출금일", "집금항목", "청구월", "미납액", "연체료"]]
    rows += [[cell(line.stage), f"{line.debit_date:%Y-%m-%d}", cell(line.item), cell(line.months),
              f"{line.unpaid:,}원", _fee_text(line)] for line in page.lines]
    rows.append(["합계", "", "", "", f"{page.unpaid:,}원", f"{page.late_fee:,}원"])
    table = Table(rows, colWidths=[24 * mm, 24 * mm, 30 * mm, 30 * mm, 31 * mm, 31 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), fonts.regular, 10),
        ("FONT", (0, 0), (-1, 0), fonts.bold, 10),
        ("FONT", (0, -1), (-1, -1), fonts.bold, 10),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dfe7f3")),
        ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#eef2e6")),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#9aa4b1")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("ALIGN", (1, 1), (1, -1), "CENTER"),
        ("ALIGN", (4, 1), (-1, -1), "RIGHT"),
        ("SPAN", (0, -1), (3, -1)),
        ("ALIGN", (0, -1), (3, -1), "CENTER"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]))
    return table


def _fee_notes(page: LetterPage, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    notes: list[str] = []
    if page.late_fee or any(line.late_fee_waived for line in page.lines):
        notes.append(f"연체료는 관리규약에 따라 {_day(page.issued_on)} 현재로 계산한 금액입니다.")
    if any(line.late_fee_waived for line in page.lines):
        notes.append("'감면'으로 표시된 연체료는 면제되어 납부하지 않으셔도 됩니다.")
    return [Paragraph(" ".join(notes), st["small"])] if notes else []


def _page(page: LetterPage, ctx: ReportContext, fonts: FontSet, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    contact = f" ({ctx.contact})" if ctx.contact else ""
    dated: list[Flowable] = [Paragraph(_day(page.issued_on), st["right"])]
    if page.reprinted_on is not None:
        dated.append(Paragraph(f"재발행 {page.reprinted_on:%Y-%m-%d} (최초 발행 {page.issued_on:%Y-%m-%d})",
                               st["stamp"]))
    wording = [Paragraph(esc(part) or "&nbsp;", st["body"]) for part in page.wording.splitlines()]
    account = (f"1. 등록하신 자동이체 계좌({esc(page.account)})의 잔액을 확인해 주십시오. 다음 자동이체일에 미납액이 "
               "함께 출금될 수 있습니다." if page.account else
               "1. 자동이체 계좌의 잔액을 확인해 주십시오. 다음 자동이체일에 미납액이 함께 출금될 수 있습니다.")
    return [
        _head(ctx, fonts, st),
        Paragraph(esc(page.title), st["title"]),
        Paragraph(TITLE + (" (재발행)" if page.reprinted_on is not None else ""), st["sub"]),
        *dated,
        Spacer(1, 3 * mm),
        Paragraph(f"수신: <b>{esc(page.customer_name)}</b> 님 (고객번호 {esc(page.customer_no)})", st["body"]),
        Spacer(1, 4 * mm),
        *wording,
        Spacer(1, 5 * mm),
        _table(page, fonts, st),
        Paragraph(f"납부하실 금액: {page.total:,}원 · 납부기한 {_day(page.pay_by)}", st["due"]),
        *_fee_notes(page, st),
        KeepTogether([
            Paragraph("납부 방법", st["head"]),
            Paragraph(account, st["body"]),
            Paragraph("2. 관리사무소에 방문하시어 현금으로 납부하실 수 있습니다. 현금으로 납부하시면 자동이체로 다시 "
                      "출금되지 않습니다.", st["body"]),
            Paragraph("3. 납부가 어려우시면 관리사무소로 연락 주십시오. 분납 등 사정을 상의드립니다.", st["body"]),
            Paragraph("문의", st["head"]),
            Paragraph(f"{esc(ctx.institution)} 담당 {esc(ctx.printed_by)}{esc(contact)}", st["body"]),
        ]),
        Spacer(1, 10 * mm),
        Paragraph(f"{esc(ctx.institution)}  대표 {esc(ctx.representative)} (인)", st["right"]),
        Spacer(1, 6 * mm),
        Paragraph("이 안내문은 개인정보가 들어 있으니 받는 분 외에는 열람하지 않도록 해 주십시오.", st["small"]),
    ]


def render_letters(pages: Sequence[LetterPage], ctx: ReportContext, target: str | os.PathLike[str], *,
                   force: bool = False, protected: Iterable[Path] | None = None) -> Path:
    """Write one page per `LetterPage` (there is at least one: the service refuses an empty issue)."""
    fonts = korean_fonts()
    st = _styles(fonts)
    story: list[Flowable] = []
    for i, page in enumerate(pages):
        if i:
            story.append(PageBreak())
        story += _page(page, ctx, fonts, st)

    def write(temp: Path) -> None:
        SimpleDocTemplate(str(temp), pagesize=A4, leftMargin=LEFT_MARGIN, rightMargin=RIGHT_MARGIN,
                          topMargin=16 * mm, bottomMargin=16 * mm, title=TITLE, author=ctx.institution,
                          creator="KSCMS desk").build(story)

    return output_files.write_output(target, write, force=force, protected=protected)
