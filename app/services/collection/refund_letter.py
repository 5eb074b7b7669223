"""교습비 반환 확인서: the page an academy hands the parent with a refund, from the recorded refund only.

It names the academy as the 학원법 asks (학원명, 등록번호, 소재지, 대표자, with its 직인 when one is on
file), the payer and the student, the reason and its day, each month's computation in the very words
the screen showed (`refund_table.explanation`, rebuilt from the stored line), the total, the payout
(day and method once paid, else the due day) and the legal basis. Nothing is typed in: every figure is
the refund's, so the paper and the ledger agree. Writing it is audited as a personal-data export.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.database.engine import Database
from app.models import Contract, Institution, RefundState
from app.services.aggregates.reports.fonts import FontSet, korean_fonts
from app.services.aggregates.reports.pdf import escape_markup as esc
from app.services.collection import refund_table
from app.services.collection.refunds import RefundDetail, get_refund
from app.services.common import audit, output_files
from app.services.common.access import contract_for
from app.services.common.calendar import SEOUL
from app.services.common.errors import ServiceError
from app.services.common.session import Actor

log = logging.getLogger(__name__)

TITLE = "교습비 반환 확인서"


def _business_no(value: str) -> str:
    digits = "".join(c for c in value if c.isdigit())
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}" if len(digits) == 10 else value


def _seal(png: bytes | None) -> Flowable | None:
    """The 직인 image, or None when there is none or it cannot be read (the page prints "(인)" alone)."""
    if not png:
        return None
    try:
        ImageReader(io.BytesIO(png)).getSize()
    except Exception as error:  # noqa: BLE001 - a damaged image must not stop the confirmation
        log.warning("seal image of the contract could not be read (%s); printing without it", type(error).__name__)
        return None
    return Image(io.BytesIO(png), width=20 * mm, height=20 * mm)


def _styles(fonts: FontSet) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=fonts.regular, fontSize=10.5, leading=16)
    return {
        "inst": ParagraphStyle("inst", fontName=fonts.bold, fontSize=12, leading=16,
                               textColor=colors.HexColor("#34495e")),
        "title": ParagraphStyle("title", fontName=fonts.bold, fontSize=20, leading=28, alignment=1, spaceAfter=8),
        "body": body,
        "cell": ParagraphStyle("cell", parent=body, fontSize=9.5, leading=13),
        "head": ParagraphStyle("head", fontName=fonts.bold, fontSize=11, leading=18, spaceBefore=8, spaceAfter=2),
        "total": ParagraphStyle("total", fontName=fonts.bold, fontSize=13, leading=20, spaceBefore=4),
        "right": ParagraphStyle("right", parent=body, alignment=2),
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=12, textColor=colors.HexColor("#555555")),
    }


def _grid(rows: Sequence[list[Any]], widths: list[float], fonts: FontSet, *, header: bool = False,
          label_column: bool = False, right_from: int | None = None) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style: list[Any] = [
        ("FONT", (0, 0), (-1, -1), fonts.regular, 9.5),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#9aa4b1")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if header:
        style += [("FONT", (0, 0), (-1, 0), fonts.bold, 9.5), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dfe7f3")),
                  ("ALIGN", (0, 0), (-1, 0), "CENTER")]
    if label_column:
        style += [("FONT", (0, 0), (0, -1), fonts.bold, 9.5), ("FONT", (2, 0), (2, -1), fonts.bold, 9.5),
                  ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef1f5")),
                  ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#eef1f5"))]
    if right_from is not None:
        style.append(("ALIGN", (right_from, 1), (-1, -1), "RIGHT"))
    table.setStyle(TableStyle(style))
    return table


def _story(refund: RefundDetail, contract: Contract, institution_name: str, printed_at: datetime,
           fonts: FontSet) -> list[Flowable]:
    st = _styles(fonts)
    p = lambda text: Paragraph(esc(text), st["cell"])  # noqa: E731 - a cell that wraps
    student = refund.student_name or refund.customer_name
    academy = _grid([
        ["학원명", p(institution_name), "학원 등록번호", p(contract.academy_registration_no or "-")],
        ["대표자", p(contract.representative), "사업자등록번호", p(_business_no(contract.business_no))],
        ["소재지", p(contract.academy_address or "-"), "", ""],
    ], [24 * mm, 62 * mm, 28 * mm, 52 * mm], fonts, label_column=True)
    academy.setStyle(TableStyle([("SPAN", (1, 2), (3, 2))]))
    who = _grid([
        ["납부자", p(f"{refund.customer_name} (고객번호 {refund.customer_no})"), "학생", p(student)],
        ["반환 사유", p(f"{refund.kind.label} ({refund.items})"), "사유 발생일", f"{refund.reason_on:%Y-%m-%d}"],
        ["반환 기한", f"{refund.due_on:%Y-%m-%d}", "처리 상태", refund.state.label],
    ], [24 * mm, 62 * mm, 28 * mm, 52 * mm], fonts, label_column=True)
    months: list[list[Any]] = [["청구월", "집금항목", "납부액", "적용 기준", "교습 경과", "반환액"]]
    months += [[line.period, p(line.item_name), f"{line.paid_amount:,}원", p(line.rule.label),
                f"{line.elapsed}{line.unit} / {line.total}{line.unit}", f"{line.amount:,}원"] for line in refund.lines]
    if not refund.lines:
        months.append(["-", p("반환사유가 생긴 달부터 납부한 교습비가 없습니다."), "", "", "", "0원"])
    months.append(["합계", "", f"{sum(ln.paid_amount for ln in refund.lines):,}원", "", "", f"{refund.amount:,}원"])
    table = _grid(months, [18 * mm, 26 * mm, 25 * mm, 52 * mm, 20 * mm, 25 * mm], fonts, header=True, right_from=2)
    totals: list[Any] = [("FONT", (0, -1), (-1, -1), fonts.bold, 9.5),
                         ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#eef2e6")),
                         ("ALIGN", (0, 1), (0, -1), "CENTER"), ("ALIGN", (4, 1), (4, -1), "CENTER")]
    if not refund.lines:
        totals.append(("SPAN", (1, 1), (4, 1)))
    table.setStyle(TableStyle(totals))
    if refund.state is RefundState.PAID and refund.paid_on is not None:
        method = refund.paid_method.label if refund.paid_method else "지급할 금액 없음"
        payout = f"지급일 {refund.paid_on:%Y년 %m월 %d일} · 지급 방법 {method}"
    else:
        payout = f"지급 예정 · 기한 {refund.due_on:%Y년 %m월 %d일}까지"
    issued = printed_at.astimezone(SEOUL)
    signature = Paragraph(f"{esc(institution_name)}  대표 {esc(contract.representative)} (인)", st["right"])
    sign = Table([[signature, _seal(contract.seal_png) or ""]], colWidths=[140 * mm, 26 * mm])
    sign.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (1, 0), (1, 0), "CENTER")]))
    story: list[Flowable] = [
        Paragraph(esc(institution_name), st["inst"]),
        Paragraph(TITLE, st["title"]),
        Paragraph("학원", st["head"]), academy,
        Paragraph("반환 대상", st["head"]), who,
        Paragraph("반환 금액 계산", st["head"]), table,
        Spacer(1, 3 * mm),
    ]
    story += [Paragraph(f"• {esc(line.explanation)}", st["cell"]) for line in refund.lines]
    story += [
        Paragraph(f"반환 합계: {refund.amount:,}원", st["total"]),
        Paragraph(esc(payout), st["body"]),
        Spacer(1, 4 * mm),
        Paragraph(f"위 금액은 「{refund_table.LEGAL_BASIS}」의 교습비등 반환기준에 따라 계산하였으며, "
                  "반환사유가 발생한 날부터 5일 이내에 반환합니다.", st["body"]),
        Paragraph(f"근거: {refund_table.LEGAL_BASIS}", st["small"]),
        Spacer(1, 10 * mm),
        Paragraph(f"{issued:%Y년 %m월 %d일}", st["right"]),
        Spacer(1, 2 * mm),
        sign,
        Spacer(1, 6 * mm),
        Paragraph(f"반환 번호 #{refund.id} · 이 확인서에는 개인정보가 들어 있으니 받는 분 외에는 열람하지 않도록 해 주십시오.",
                  st["small"]),
    ]
    return story


def render_refund_letter(refund: RefundDetail, contract: Contract, institution_name: str, printed_at: datetime,
                         target: str | os.PathLike[str], *, force: bool = False,
                         protected: list[Path] | None = None) -> Path:
    """Write the confirmation of `refund` (one A4 page) through output_files."""
    fonts = korean_fonts()
    story = _story(refund, contract, institution_name, printed_at, fonts)

    def write(temp: Path) -> None:
        SimpleDocTemplate(str(temp), pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                          bottomMargin=16 * mm, title=TITLE, author=institution_name,
                          creator="KSCMS desk").build(story)

    return output_files.write_output(target, write, force=force, protected=protected)


def write_refund_letter(db: Database, actor: Actor, refund_id: int, path: str | os.PathLike[str], *,
                        now: datetime, force: bool = False) -> Path:
    """The confirmation of one refund, saved at `path` and audited. A cancelled refund has none."""
    protected = output_files.protected_for(db)
    output_files.check_target(path, force=force, protected=protected)
    refund = get_refund(db, actor, refund_id)
    if refund.state is RefundState.CANCELLED:
        raise ServiceError("취소된 반환은 확인서를 만들 수 없습니다.")
    with db.session() as s:
        contract = contract_for(s, actor, refund.contract_id)
        institution = s.get(Institution, contract.institution_id)
        name = institution.name if institution else contract.name
        s.expunge(contract)
    written = render_refund_letter(refund, contract, name, now, Path(path), force=force, protected=protected)
    with db.session() as s:
        audit.record(s, "personal_data_exported", actor=actor, target=TITLE,
                     detail={"format": "pdf", "refund_id": refund_id})
    return written

