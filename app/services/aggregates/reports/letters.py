"""미납 안내문: one letter per customer with something unpaid, mail-merged from the 미납내역집계.

Each letter names the institution, the customer, every unpaid charge (item, month, amount), the
amount due, how to pay and whom to ask. It shows the registered account only as ``****1234`` so
the payer recognises it. Writing the letters is audited as a personal-data export.

Where the contract has a late-fee policy (관리사무소), each charge's 연체료 as of the same day as its
미납 stands beside the unpaid amount (a waived one as "감면", still with its amount), and the amount
due includes the late fees still to be asked for — not waived, and not already billed as an item
연체료 (that part is a charge of its own, so it is in the 미납금액 of its month when unpaid); the
letter says "연체료 포함". Without a policy the letter is the one it always was.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
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

from app.database.engine import Database
from app.services.aggregates import outstanding as aggregates_outstanding
from app.services.aggregates.common import (
    GroupBy,
    ReportContext,
)
from app.services.aggregates.outstanding import OutstandingDetailRow
from app.services.aggregates.reports.build import context
from app.services.aggregates.reports.fonts import FontSet, korean_fonts
from app.services.aggregates.reports.pdf import escape_markup as esc
from app.services.common import audit, output_files
from app.services.common.calendar import SEOUL
from app.services.common.periods import Period
from app.services.common.session import Actor


@dataclass(frozen=True)
class Letter:
    customer_no: str
    customer_name: str
    rows: tuple[OutstandingDetailRow, ...]

    @property
    def unpaid_amount(self) -> int:
        return sum(r.unpaid_amount for r in self.rows)

    @property
    def late_fees(self) -> bool:
        """The contract charges late fees: the letter shows the 연체료 column."""
        return any(r.late_fee_policy for r in self.rows)

    @property
    def late_fee_due(self) -> int:
        """The late fees still to be asked for (not waived, not already billed)."""
        return sum(r.late_fee_due for r in self.rows)

    @property
    def amount_due(self) -> int:
        """납부하실 금액: what is unpaid, and the late fees still to be asked for."""
        return self.unpaid_amount + self.late_fee_due


def letters_for(rows: Sequence[OutstandingDetailRow]) -> list[Letter]:
    """Unpaid rows (ordered by customer number, as `details` returns them) → one letter per customer."""
    out: list[Letter] = []
    current: list[OutstandingDetailRow] = []
    for row in rows:
        if current and current[-1].customer_id != row.customer_id:
            out.append(Letter(current[0].customer_no, current[0].customer_name, tuple(current)))
            current = []
        current.append(row)
    if current:
        out.append(Letter(current[0].customer_no, current[0].customer_name, tuple(current)))
    return out


def letter_styles(fonts: FontSet) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=fonts.regular, fontSize=10.5, leading=17)
    return {
        "inst": ParagraphStyle("inst", fontName=fonts.bold, fontSize=12, leading=16,
                               textColor=colors.HexColor("#34495e")),
        "title": ParagraphStyle("title", fontName=fonts.bold, fontSize=22, leading=30, alignment=1, spaceBefore=6,
                                spaceAfter=10),
        "right": ParagraphStyle("right", parent=body, alignment=2),
        "body": body,
        "due": ParagraphStyle("due", fontName=fonts.bold, fontSize=14, leading=22, spaceBefore=6, spaceAfter=6),
        "head": ParagraphStyle("head", fontName=fonts.bold, fontSize=11, leading=18, spaceBefore=8),
        "small": ParagraphStyle("small", parent=body, fontSize=9, leading=14, textColor=colors.HexColor("#555555")),
    }


def late_fee_text(row: OutstandingDetailRow) -> str:
    """A charge's 연체료 as a letter prints it: the part still to be asked for; a waived fee keeps its
    amount, marked 감면."""
    if row.late_fee_waived:
        return f"{row.late_fee:,}원 감면"
    return f"{row.late_fee_due:,}원"


def _table(letter: Letter, fonts: FontSet) -> Table:
    fees = letter.late_fees
    head = ["집금항목", "청구월", "청구금액", "납부금액", "미납금액"] + (["연체료"] if fees else [])
    rows: list[list[str]] = [head]
    for r in letter.rows:
        cells = [r.item, r.period, f"{r.owed_amount:,}원", f"{r.received_amount:,}원", f"{r.unpaid_amount:,}원"]
        rows.append(cells + ([late_fee_text(r)] if fees else []))
    total = ["합계", "", f"{sum(r.owed_amount for r in letter.rows):,}원",
             f"{sum(r.received_amount for r in letter.rows):,}원", f"{letter.unpaid_amount:,}원"]
    rows.append(total + ([f"{letter.late_fee_due:,}원"] if fees else []))
    widths = [34, 20, 28, 28, 28, 28] if fees else [38, 22, 35, 35, 36]
    table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), fonts.regular, 10),
        ("FONT", (0, 0), (-1, 0), fonts.bold, 10),
        ("FONT", (0, -1), (-1, -1), fonts.bold, 10),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dfe7f3")),
        ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#eef2e6")),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#9aa4b1")),
        ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("ALIGN", (1, 1), (1, -1), "CENTER"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]))
    return table


def _due_lines(letter: Letter, as_of: date, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    """납부하실 금액, and with late fees how they were counted."""
    if not letter.late_fees:
        return [Paragraph(f"납부하실 금액: {letter.amount_due:,}원", st["due"])]
    lines: list[Flowable] = [Paragraph(f"납부하실 금액: {letter.amount_due:,}원 (연체료 {letter.late_fee_due:,}원 포함)",
                                       st["due"])]
    notes = [f"연체료는 관리규약에 따라 {as_of:%Y년 %m월 %d일} 현재로 계산한 금액입니다."]
    if any(r.late_fee_waived for r in letter.rows):
        notes.append("'감면'으로 표시된 연체료는 면제되어 납부하지 않으셔도 됩니다.")
    if any(r.late_fee_billed and not r.late_fee_waived for r in letter.rows):
        notes.append("이미 관리비와 함께 청구된 연체료는 그 청구월의 미납금액에 들어 있어 연체료 칸에서 뺐습니다.")
    lines.append(Paragraph(" ".join(notes), st["small"]))
    return lines


def _letter(letter: Letter, ctx: ReportContext, period: Period, as_of: date, fonts: FontSet,
            st: dict[str, ParagraphStyle]) -> list[Flowable]:
    today = ctx.printed_at.astimezone(SEOUL)
    first = letter.rows[0]
    table = _table(letter, fonts)
    contact = f" ({ctx.contact})" if ctx.contact else ""
    return [
        Paragraph(ctx.institution, st["inst"]),
        Paragraph("미납 안내문", st["title"]),
        Paragraph(f"{today:%Y년 %m월 %d일}", st["right"]),
        Spacer(1, 4 * mm),
        Paragraph(f"수신: <b>{esc(letter.customer_name)}</b> 님 (고객번호 {esc(letter.customer_no)})", st["body"]),
        Spacer(1, 4 * mm),
        Paragraph(
            f"안녕하십니까. {esc(ctx.institution)}입니다. 늘 저희 기관을 이용해 주셔서 감사합니다. "
            f"{period.end:%Y년 %m월 %d일} 현재 아래 금액이 자동이체로 출금되지 않아 미납 상태입니다. "
            + ("관리규약에 따른 연체료도 함께 안내해 드립니다. " if letter.late_fees else "")
            + "확인하신 뒤 납부해 주시기 바랍니다. 이미 납부하셨다면 이 안내는 넘겨 주십시오.", st["body"]),
        Spacer(1, 5 * mm),
        table,
        *_due_lines(letter, as_of, st),
        KeepTogether([
            Paragraph("납부 방법", st["head"]),
            Paragraph(f"1. 다음 자동이체일에 미납액이 함께 출금될 수 있도록 등록하신 계좌 "
                      f"({esc(first.bank)} {first.account})의 잔액을 확인해 주십시오.", st["body"]),
            Paragraph("2. 기관에 방문하시어 현금으로 납부하실 수 있습니다. 현금으로 납부하시면 자동이체로 "
                      "다시 출금되지 않습니다.", st["body"]),
            Paragraph("3. 계좌가 바뀌었거나 해지된 경우 기관에 알려 주시면 자동이체 계좌를 다시 신청해 드립니다.",
                      st["body"]),
            Paragraph("문의", st["head"]),
            Paragraph(f"{esc(ctx.institution)} 담당 {esc(ctx.printed_by)}{esc(contact)}", st["body"]),
        ]),
        Spacer(1, 12 * mm),
        Paragraph(f"{esc(ctx.institution)}  대표 {esc(ctx.representative)} (인)", st["right"]),
        Spacer(1, 6 * mm),
        Paragraph("이 안내문은 개인정보가 들어 있으니 받는 분 외에는 열람하지 않도록 해 주십시오.", st["small"]),
    ]


def render_letters(letters: Sequence[Letter], ctx: ReportContext, period: Period,
                   target: str | os.PathLike[str], *, force: bool = False,
                   protected: Iterable[Path] | None = None, as_of: date | None = None) -> int:
    """Write one page per letter; returns the number of letters. No letters: one page saying so.

    `as_of` is the day 미납 and 연체료 were decided on (default: the period's last day).
    The PDF goes through output_files: built under a private temporary name, renamed when whole.
    """
    as_of = as_of or period.end
    fonts = korean_fonts()
    st = letter_styles(fonts)
    story: list[Flowable] = []
    for i, letter in enumerate(letters):
        if i:
            story.append(PageBreak())
        story += _letter(letter, ctx, period, as_of, fonts, st)
    if not letters:
        story = [Paragraph(ctx.institution, st["inst"]), Paragraph("미납 안내문", st["title"]),
                 Paragraph(f"{period.text}: 미납 자료가 없습니다.", st["body"])]

    def write(temp: Path) -> None:
        SimpleDocTemplate(str(temp), pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=20 * mm,
                          bottomMargin=18 * mm, title="미납 안내문", author=ctx.institution,
                          creator="KSCMS desk").build(story)

    output_files.write_output(target, write, force=force, protected=protected)
    return len(letters)


def write_letters(db: Database, actor: Actor, contract_id: int, period: Period, group_by: GroupBy | None,
                  key: str | None, path: str | os.PathLike[str], *, now: datetime, force: bool = False) -> int:
    """The letters of one 미납 group (every customer when `group_by` is None), audited once written."""
    protected = output_files.protected_for(db)
    output_files.check_target(path, force=force, protected=protected)
    today = now.astimezone(SEOUL).date()
    rows = aggregates_outstanding.details(db, actor, contract_id, period, group_by, key, today=today)
    letters = letters_for(rows)
    count = render_letters(letters, context(db, actor, contract_id, now), period, Path(path),
                           force=force, protected=protected, as_of=aggregates_outstanding.as_of_day(period, today))
    with db.session() as s:
        audit.record(s, "personal_data_exported", actor=actor, target="미납 안내문",
                     detail={"format": "pdf", "period": period.text, "letters": count})
    return count
