"""민원 자료: everything the office holds on one payer's debits, as one PDF, for a dispute.

When a payer says "I never agreed" or "you took too much", the office (and the agency, and the
bank) need the whole story in one document: who the payer is and which agreements they have (the
account shown only as ``****1234``), the consent evidence itself (scanned forms embedded as
pictures, PDF evidence rendered page by page, recordings and signatures listed with their SHA-256,
size and length so the file handed over separately can be checked against this page), every
account registration sent to the bank with its result and reason, and every charge, debit request
and payment. Nothing is summarised away: a dispute is about the one row that was wrong.

The PDF holds the evidence in clear (that is its purpose), so it is an administrator's export,
written like every export through output_files (0600, no overwrite unless asked) and audited as a
personal-data export. Building it writes nothing else to the database.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from PIL import Image as PILImage
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from sqlalchemy import select

from app.database.engine import Database
from app.models import (
    AccountRegistration,
    Charge,
    CollectionItem,
    ConsentEvidence,
    Contract,
    DebitAgreement,
    DebitRequest,
    Payment,
)
from app.models.base import utcnow
from app.services.aggregates.reports.fonts import FontSet, korean_fonts
from app.services.aggregates.reports.pdf import escape_markup as esc
from app.services.common import audit, output_files
from app.services.common.access import customer_for
from app.services.common.calendar import SEOUL
from app.services.common.crypto import DataKey
from app.services.common.formats import won as _won
from app.services.common.masking import masked_business_no, masked_last4
from app.services.common.session import Actor
from app.services.customers.evidence.fit import (
    PAGE_GAP,
    EvidenceRefused,
    duration_text,
    mp3_duration,
    render_pdf_pages,
    size_text,
)
from app.services.customers.evidence.sealed import (
    EvidenceInfo,
    info_of,
    opened_content,
    require_key,
)
from app.services.exchange.cms.banks import bank_name
from app.services.exchange.cms.reasons import reason_text

PAGE_W, PAGE_H = A4
MARGIN: Final = 15 * mm
FRAME_W: Final = PAGE_W - 2 * MARGIN
IMAGE_MAX_H: Final = PAGE_H - 2 * MARGIN - 45 * mm  # room for the caption and the footer
HEAD_BG: Final = colors.HexColor("#dfe7f3")
GRID: Final = colors.HexColor("#9aa4b1")
MUTED: Final = colors.HexColor("#555555")


@dataclass(frozen=True)
class _Evidence:
    info: EvidenceInfo
    content: bytes | None  # None once destroyed


def dispute_pdf(db: Database, actor: Actor, key: DataKey, customer_id: int, target: Path, *,
                force: bool = False, now: datetime | None = None) -> Path:
    """Write the payer's 민원 자료 to `target` (administrators); audited as a personal-data export."""
    actor.require_admin()
    key = require_key(key)
    protected = output_files.protected_for(db)
    output_files.check_target(target, force=force, protected=protected)  # refuse before reading anything
    printed_at = (now or utcnow()).astimezone(SEOUL)
    fonts = korean_fonts()
    with db.session() as s:
        customer = customer_for(s, actor, customer_id)
        contract = s.get(Contract, customer.contract_id)
        assert contract is not None
        agreements = list(s.scalars(select(DebitAgreement).where(DebitAgreement.customer_id == customer.id)
                                    .order_by(DebitAgreement.id)))
        items = {i.id: i for i in s.scalars(select(CollectionItem).where(CollectionItem.contract_id == contract.id))}
        by_agreement = {a.id: a for a in agreements}
        ids = list(by_agreement)
        evidence: list[_Evidence] = []
        for row in s.scalars(select(ConsentEvidence).where(ConsentEvidence.agreement_id.in_(ids))
                             .order_by(ConsentEvidence.attached_at, ConsentEvidence.id)):
            agreement = by_agreement[row.agreement_id]
            info = info_of(row, customer, agreement, items[agreement.item_id], contract)
            evidence.append(_Evidence(info, None if info.destroyed else opened_content(s, key, row)))
        # An empty IN (a payer without agreements) is simply false in SQLAlchemy 2: no special case.
        registrations = list(s.scalars(select(AccountRegistration).where(AccountRegistration.agreement_id.in_(ids))
                                       .order_by(AccountRegistration.requested_on, AccountRegistration.id)))
        charges = list(s.scalars(select(Charge).where(Charge.agreement_id.in_(ids)).order_by(Charge.period, Charge.id)))
        requests = list(s.scalars(select(DebitRequest).where(DebitRequest.agreement_id.in_(ids))
                                  .order_by(DebitRequest.debit_date, DebitRequest.id)))
        payments = list(s.scalars(select(Payment).where(Payment.charge_id.in_([c.id for c in charges]))
                                  .order_by(Payment.paid_on, Payment.id)))
        facts = _Facts(
            institution=contract.name, institution_code=contract.institution_code,
            business_no=contract.business_no or "", customer_no=customer.customer_no, customer_name=customer.name,
            customer_type=customer.customer_type.label, printed_at=printed_at, printed_by=actor.name or actor.login_id,
            item_of={a.id: items[a.item_id].name for a in agreements},
            item_of_charge={c.id: items[by_agreement[c.agreement_id].item_id].name for c in charges},
            period_of_charge={c.id: c.period for c in charges},
        )
        story = _story(facts, fonts, agreements, evidence, registrations, charges, requests, payments)
        customer_no = customer.customer_no

    def write(temp: Path) -> None:
        doc = SimpleDocTemplate(str(temp), pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                                bottomMargin=MARGIN + 4 * mm, title=f"민원 자료 {customer_no}",
                                author=facts.institution, subject="출금동의 민원 자료")
        footer = _Footer(facts, fonts)
        doc.build(list(story), onFirstPage=footer, onLaterPages=footer)

    written = output_files.write_output(target, write, force=force, protected=protected)
    with db.session() as s:  # recorded once the file is in place
        audit.record(s, "personal_data_exported", actor=actor, target=customer_no,
                     detail={"document": "민원 자료", "evidence": len(evidence), "agreements": len(agreements)})
    return written


@dataclass(frozen=True)
class _Facts:
    institution: str
    institution_code: str
    business_no: str
    customer_no: str
    customer_name: str
    customer_type: str
    printed_at: datetime
    printed_by: str
    item_of: dict[int, str]
    item_of_charge: dict[int, str]
    period_of_charge: dict[int, str]


class _Footer:
    """Each page's foot: whose file it is, when it was made, and the page number."""

    def __init__(self, facts: _Facts, fonts: FontSet) -> None:
        self.facts, self.fonts = facts, fonts

    def __call__(self, canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(self.fonts.regular, 7.5)
        canvas.setFillColor(MUTED)
        text = (f"{self.facts.institution} · 민원 자료 · 고객번호 {self.facts.customer_no} · "
                f"{self.facts.printed_at:%Y-%m-%d %H:%M} 작성 · 개인정보가 들어 있습니다: 민원 처리 외에 쓰지 마십시오")
        canvas.drawString(MARGIN, MARGIN - 2 * mm, text)
        canvas.drawRightString(PAGE_W - MARGIN, MARGIN - 2 * mm, f"{doc.page}쪽")
        canvas.restoreState()


def _styles(fonts: FontSet) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=fonts.regular, fontSize=9.5, leading=14)
    return {
        "title": ParagraphStyle("title", fontName=fonts.bold, fontSize=18, leading=24, spaceAfter=4),
        "sub": ParagraphStyle("sub", parent=body, textColor=MUTED),
        "h": ParagraphStyle("h", fontName=fonts.bold, fontSize=12, leading=18, spaceBefore=10, spaceAfter=4,
                            keepWithNext=1),
        "h2": ParagraphStyle("h2", fontName=fonts.bold, fontSize=10, leading=15, spaceBefore=6, spaceAfter=2),
        "body": body,
        "cell": ParagraphStyle("cell", fontName=fonts.regular, fontSize=7.8, leading=10),
        "mono": ParagraphStyle("mono", fontName="Courier", fontSize=7.2, leading=9),
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=11, textColor=MUTED),
    }


def _table(rows: list[list[Any]], widths: Sequence[float], fonts: FontSet, *, right: Sequence[int] = ()) -> Table:
    table = Table(rows, colWidths=list(widths), repeatRows=1)
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), fonts.regular, 7.8),
        ("FONT", (0, 0), (-1, 0), fonts.bold, 7.8),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    style += [("ALIGN", (c, 1), (c, -1), "RIGHT") for c in right]
    table.setStyle(TableStyle(style))
    return table


def _when(moment: datetime | None) -> str:
    return f"{moment.astimezone(SEOUL):%Y-%m-%d %H:%M}" if moment else ""


def _masked_holder(holder_id: str) -> str:
    """Birth date YYMMDD → 'YY****'; a business number → '123-45-*****'."""
    digits = "".join(c for c in holder_id if c.isdigit())
    if len(digits) == 10:
        return masked_business_no(digits)
    return (digits[:2] + "*" * (len(digits) - 2)) if len(digits) > 2 else "*" * len(digits)


def _story(facts: _Facts, fonts: FontSet, agreements: Sequence[DebitAgreement], evidence: Sequence[_Evidence],
           registrations: Sequence[AccountRegistration], charges: Sequence[Charge], requests: Sequence[DebitRequest],
           payments: Sequence[Payment]) -> list[Flowable]:
    st = _styles(fonts)
    cell = st["cell"]
    out: list[Flowable] = [
        Paragraph("출금동의 민원 자료", st["title"]),
        Paragraph(f"{esc(facts.institution)} (기관코드 {esc(facts.institution_code)}"
                  + (f", 사업자등록번호 {esc(facts.business_no)}" if facts.business_no else "") + ")", st["sub"]),
        Paragraph(f"작성 {facts.printed_at:%Y년 %m월 %d일 %H:%M} · 작성자 {esc(facts.printed_by)}", st["sub"]),
        Spacer(1, 3 * mm),
        _table([["고객번호", "고객명", "구분", "이체정보", "동의자료", "계좌신청", "이체의뢰", "수납"],
                [facts.customer_no, Paragraph(esc(facts.customer_name), cell), facts.customer_type,
                 f"{len(agreements)}건", f"{len(evidence)}건", f"{len(registrations)}건", f"{len(requests)}건",
                 f"{len(payments)}건"]],
               [24 * mm, 34 * mm, 16 * mm, 18 * mm, 18 * mm, 18 * mm, 18 * mm, 18 * mm], fonts),
    ]

    out.append(Paragraph("1. 이체정보 (출금 동의 내용)", st["h"]))
    rows: list[list[Any]] = [["집금항목", "은행", "계좌", "예금주", "생년월일 등", "월 금액", "출금한도", "출금일",
                              "기간", "상태"]]
    for a in agreements:
        period = f"{a.first_month} ~ {a.last_month or ''}"
        status = a.status.label + (f" ({a.ended_on:%Y-%m-%d})" if a.ended_on else "")
        rows.append([Paragraph(esc(facts.item_of[a.id]), cell), Paragraph(esc(bank_name(a.bank_code)), cell),
                     masked_last4(a.account_last4), Paragraph(esc(a.holder_name), cell), _masked_holder(a.holder_id),
                     _won(a.monthly_amount), _won(a.debit_limit), f"{a.debit_day}일", period, status])
    if len(rows) == 1:
        rows.append(["이체정보 없음"] + [""] * 9)
    out.append(_table(rows, [20 * mm, 20 * mm, 18 * mm, 17 * mm, 18 * mm, 17 * mm, 17 * mm, 10 * mm, 23 * mm,
                             20 * mm], fonts, right=(5, 6)))

    out.append(Paragraph("2. 출금동의 증빙", st["h"]))
    if not evidence:
        out.append(Paragraph("첨부된 동의자료가 없습니다.", st["body"]))
    rows = [["번호", "집금항목", "구분", "형식", "크기", "첨부", "상태", "SHA-256"]]
    for e in evidence:
        i = e.info
        state = i.state.label + (f" ({i.reason_code} {i.reason_text})" if i.reason_code else "")
        rows.append([str(i.id), Paragraph(esc(i.item_name), cell), i.kind.label, i.extension.upper(), size_text(i.size),
                     Paragraph(f"{_when(i.attached_at)}<br/>{esc(i.attached_by)}", cell), Paragraph(esc(state), cell),
                     Paragraph(i.sha256[:32] + "<br/>" + i.sha256[32:], st["mono"])])
    if evidence:
        out.append(_table(rows, [11 * mm, 20 * mm, 15 * mm, 11 * mm, 13 * mm, 27 * mm, 27 * mm, 56 * mm], fonts,
                          right=(0, 4)))
    for e in evidence:
        out.extend(_evidence_block(e, facts, st))

    out.append(Paragraph("3. 계좌신청 이력 (EB13 → EB14)", st["h"]))
    rows = [["신청일", "집금항목", "구분", "은행", "계좌", "상태", "결과 일시", "사유", "신청자"]]
    for r in registrations:
        why = f"{r.reason_code} {reason_text(r.reason_code)}" if r.reason_code else ""
        rows.append([f"{r.requested_on:%Y-%m-%d}", Paragraph(esc(facts.item_of[r.agreement_id]), cell), r.kind.label,
                     Paragraph(esc(bank_name(r.bank_code)), cell), masked_last4(r.account_last4), r.state.label,
                     _when(r.result_at), Paragraph(esc(why), cell), r.created_by or ""])
    if len(rows) == 1:
        rows.append(["계좌신청 없음"] + [""] * 8)
    out.append(_table(rows, [18 * mm, 18 * mm, 11 * mm, 19 * mm, 17 * mm, 21 * mm, 26 * mm, 32 * mm, 18 * mm], fonts))

    out.append(Paragraph("4. 청구", st["h"]))
    rows = [["청구월", "집금항목", "청구금액", "할인", "청구액(할인 후)"]]
    for c in charges:
        rows.append([c.period, Paragraph(esc(facts.item_of_charge[c.id]), cell), _won(c.amount), _won(c.discount),
                     _won(c.amount - c.discount)])
    if len(rows) == 1:
        rows.append(["청구 없음", "", "", "", ""])
    else:
        rows.append(["합계", "", _won(sum(c.amount for c in charges)), _won(sum(c.discount for c in charges)),
                     _won(sum(c.amount - c.discount for c in charges))])
    out.append(_table(rows, [24 * mm, 40 * mm, 36 * mm, 30 * mm, 36 * mm], fonts, right=(2, 3, 4)))

    out.append(Paragraph("5. 이체의뢰와 결과 (EB21 → EB22)", st["h"]))
    rows = [["출금일", "집금항목", "구분", "의뢰금액", "출금액", "상태", "결과 일시", "사유"]]
    for q in requests:
        why = f"{q.reason_code} {reason_text(q.reason_code)}" if q.reason_code else ""
        rows.append([f"{q.debit_date:%Y-%m-%d}", Paragraph(esc(facts.item_of[q.agreement_id]), cell), q.kind.label,
                     _won(q.amount), _won(q.debited_amount), q.state.label, _when(q.result_at),
                     Paragraph(esc(why), cell)])
    if len(rows) == 1:
        rows.append(["이체의뢰 없음"] + [""] * 7)
    out.append(_table(rows, [18 * mm, 20 * mm, 16 * mm, 21 * mm, 21 * mm, 22 * mm, 26 * mm, 36 * mm], fonts,
                      right=(3, 4)))

    out.append(Paragraph("6. 수납 (자동이체 출금과 현금수납)", st["h"]))
    rows = [["수납일", "청구월", "집금항목", "방법", "금액", "기록", "취소"]]
    cancelled = {p.reversed_by_id for p in payments if p.reversed_by_id is not None}
    for p in payments:
        note = ""
        if p.reversed_by_id is not None:
            note = f"취소 기록 (사유: {p.reversal_reason or '없음'})"
        elif p.id in cancelled:
            note = "취소됨"
        rows.append([f"{p.paid_on:%Y-%m-%d}", facts.period_of_charge[p.charge_id],
                     Paragraph(esc(facts.item_of_charge[p.charge_id]), cell), p.method.label, _won(p.amount),
                     Paragraph(f"{_when(p.created_at)} {esc(p.created_by or '')}", cell), Paragraph(esc(note), cell)])
    if len(rows) == 1:
        rows.append(["수납 없음"] + [""] * 6)
    else:
        received = sum(p.amount for p in payments if p.reversed_by_id is None and p.id not in cancelled)
        rows.append(["합계 (취소 제외)", "", "", "", _won(received), "", ""])
    out.append(_table(rows, [24 * mm, 16 * mm, 24 * mm, 18 * mm, 24 * mm, 38 * mm, 36 * mm], fonts, right=(4,)))
    out.append(Spacer(1, 4 * mm))
    out.append(Paragraph("계좌번호는 끝 네 자리만, 생년월일은 앞 두 자리만 표시했습니다. 동의자료 원본 파일의 SHA-256이 위 값과 "
                         "같으면 이 문서의 자료와 같은 파일입니다.", st["small"]))
    return out


def _evidence_block(e: _Evidence, facts: _Facts, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    """One piece of evidence: a caption, then its pages as pictures, or what it is when it is no picture."""
    i = e.info
    caption: list[Flowable] = [Paragraph(f"증빙 {i.id} · {esc(i.item_name)} · {i.kind.label} · {i.extension.upper()} "
                         f"{size_text(i.size)} · {i.state.label}", st["h2"]),
               Paragraph(f"원본 파일 {esc(i.original_name)} ({size_text(i.original_size)}) · 첨부 {_when(i.attached_at)} "
                         f"{esc(i.attached_by)}" + (f" · {esc(i.note)}" if i.note else ""), st["small"]),
               Paragraph(f"SHA-256 {i.sha256}", st["mono"])]
    if e.content is None:
        when = _when(i.destroyed_at)
        return [KeepTogether([*caption, Paragraph(f"보관 기간이 끝나 {when} {esc(i.destroyed_by or '')}이(가) 파기했습니다. "
                                                  "기록만 남아 있습니다.", st["body"])])]
    if i.extension == "jpg":
        return _with_pictures(caption, _jpeg_flowables(e.content))
    if i.extension == "pdf":
        try:
            pages = render_pdf_pages(e.content, long_side=1600, what="PDF 동의자료를 문서에 넣으려면 그림으로 바꿔야 하는데")
        except EvidenceRefused as refused:
            return [KeepTogether([*caption, Paragraph(f"PDF 동의자료의 쪽을 그림으로 넣지 못했습니다: {esc(refused.message)} "
                                                      "원본 파일을 함께 전달하고 SHA-256으로 확인하세요.", st["body"])])]
        flowables: list[Flowable] = []
        for number, page in enumerate(pages, start=1):
            buffer = io.BytesIO()
            page.convert("RGB").save(buffer, "JPEG", quality=80)
            flowables += _jpeg_flowables(buffer.getvalue(), label=f"PDF {number}/{len(pages)}쪽", st=st)
        return _with_pictures(caption, flowables)
    if i.extension == "mp3":
        seconds = mp3_duration(e.content)
        length = f"길이 {duration_text(seconds)}" if seconds else "길이 알 수 없음"
        return [KeepTogether([*caption, Paragraph(
            f"녹취 파일 (MP3, {size_text(i.size)}, {length}). 소리는 문서에 넣을 수 없으니 원본 파일을 함께 전달하고 "
            "위 SHA-256으로 같은 파일인지 확인하세요.", st["body"])])]
    return [KeepTogether([*caption, Paragraph(
        f"전자서명 파일 ({i.extension.upper()}, {size_text(i.size)}). 원본 파일을 함께 전달하고 위 SHA-256으로 같은 "
        "파일인지 확인하세요.", st["body"])])]


def _with_pictures(caption: list[Flowable], pictures: list[Flowable]) -> list[Flowable]:
    if not pictures:
        return caption
    return [KeepTogether(caption + pictures[:1]), *pictures[1:]]


def _jpeg_flowables(data: bytes, *, label: str | None = None,
                    st: dict[str, ParagraphStyle] | None = None) -> list[Flowable]:
    """A JPEG as page-sized pictures. A single page that fits is embedded byte for byte; a scan of
    several pages stacked into one tall JPEG (`evidence_fit`) is cut at the grey bands between its
    pages, each page scaled to fit; a tall picture without bands is cut into page-high slices."""
    out: list[Flowable] = []
    with PILImage.open(io.BytesIO(data)) as im:
        im.load()
        width, height = im.size
        segments = _page_segments(im) if height > width * 1.6 else [(0, height)]
        if len(segments) == 1:
            scale = min(FRAME_W / width, IMAGE_MAX_H / height, 1.6)
            if width * scale >= 0.4 * FRAME_W:
                out.append(_bordered(Image(io.BytesIO(data), width=width * scale, height=height * scale)))
                return _labelled(out, label, st)
        for top, bottom in segments:
            page = im.crop((0, top, width, bottom))
            scale = min(FRAME_W / width, IMAGE_MAX_H / page.height, 1.6)
            if width * scale >= 0.4 * FRAME_W:
                out.append(_picture(page, scale))
                continue
            scale = min(FRAME_W / width, 1.6)
            step = int(IMAGE_MAX_H / scale)
            for cut in range(0, page.height, step):
                out.append(_picture(page.crop((0, cut, width, min(page.height, cut + step))), scale))
    return _labelled(out, label, st)


def _labelled(pictures: list[Flowable], label: str | None, st: dict[str, ParagraphStyle] | None) -> list[Flowable]:
    """A label ("PDF 1/2쪽") kept on the page of the picture it names."""
    if not label or st is None or not pictures:
        return pictures
    return [KeepTogether([Paragraph(esc(label), st["small"]), pictures[0]]), *pictures[1:]]


def _picture(part: PILImage.Image, scale: float) -> Flowable:
    buffer = io.BytesIO()
    part.save(buffer, "JPEG", quality=85)
    return _bordered(Image(io.BytesIO(buffer.getvalue()), width=part.width * scale, height=part.height * scale))


def _page_segments(im: PILImage.Image) -> list[tuple[int, int]]:
    """(top, bottom) rows of the pages of a stacked scan: the separators are runs of rows that are
    all the band's grey (PAGE_GAP rows of 200, give or take what JPEG did to them)."""
    grey = im.convert("L")
    width, height = grey.size
    pixels = grey.tobytes()
    band_rows = []
    for row in range(height):
        line = pixels[row * width : (row + 1) * width]
        band_rows.append(min(line) >= 180 and max(line) <= 220)
    segments: list[tuple[int, int]] = []
    top, row = 0, 0
    while row < height:
        if band_rows[row]:
            run = row
            while run < height and band_rows[run]:
                run += 1
            if run - row >= PAGE_GAP - 3 and row - top > 50:
                segments.append((top, row))
                top = run
            row = run
        else:
            row += 1
    if height - top > 50 or not segments:
        segments.append((top, height))
    return segments


def _bordered(picture: Image) -> Flowable:
    table = Table([[picture]], colWidths=[picture.drawWidth + 2])
    table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.5, GRID), ("LEFTPADDING", (0, 0), (-1, -1), 1),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 1), ("TOPPADDING", (0, 0), (-1, -1), 1),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    return table

