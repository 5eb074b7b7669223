"""The demo academy's 학원 paperwork (issue 18): what a real 학원 would have set and done by now.

The 학원 등록번호, 소재지 and a drawn 직인 on the contract; a posted 교습비 per item (each at or above
every amount the cast pays, so the guard never refuses a demo family); each student's birth date from
the grade (초등1 in 2026 was born in 2019), so the 교육비 납입증명서 marks the under-9s; 현금영수증 issued
for most cash receipts (one family's left for the watch); at the end one student paused next month
and, where this month's fee was already debited early enough for a refund to be owed, one withdrawal
whose refund is due within five days. Everything goes through the real services.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from app.database.engine import Database
from app.models import RefundKind
from app.services.aggregates.reports.fonts import candidates
from app.services.collection import refunds
from app.services.common.errors import ServiceError
from app.services.common.periods import add_months, month_of
from app.services.common.session import Actor
from app.services.customers import pauses

REGISTRATION_NO = "제2019-12호 (서울특별시강남서초교육지원청)"
ADDRESS = "서울특별시 서초구 반포대로 123, 3층 (서초동)"
POSTED_FEES = {"A01": "450000", "A02": "50000", "A03": "60000"}
"""게시 교습비 per item code: 수강료 up to 450,000원, 교재비 50,000원, 차량비 60,000원 (cast.py's highest amounts)."""
RECEIPT_SKIPPED_EVERY = 3
"""Every third family's cash receipt is left without a 현금영수증: the watch has something to show."""
PAUSE_REASON = "가족 해외 체류"
REFUND_NOTE = "이사로 퇴원"
COURSE_STOP_NOTE = "학원 차량 대신 직접 등원"


def birth_date(number: int, grade: str | None, year: int) -> date | None:
    """A student's birth date from the grade in `year` (초등1 → born year−7), the day spread by number."""
    if not grade:
        return None
    school, level = grade[:2], int(grade[2:])
    grade_no = level if school == "초등" else level + 6
    return date(year - 6 - grade_no, number % 12 + 1, number % 28 + 1)


def approval_no(payment_id: int) -> str:
    """A 9-digit 현금영수증 승인번호, distinct per payment."""
    return f"{(173_000_000 + payment_id * 7_919) % 1_000_000_000:09d}"


@cache
def seal_png() -> bytes | None:
    """A red square 직인 reading 해오름 / 수학학원 / 원장인, drawn with the Korean font the PDFs use (None
    when the machine has none: the certificate then prints without a seal rather than with boxes)."""
    font_path = next((regular for regular, _bold, _index in candidates() if _exists(regular)), None)
    if font_path is None:
        return None
    size = 240
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    red = (200, 30, 40, 255)
    draw.rectangle((8, 8, size - 8, size - 8), outline=red, width=12)
    font = ImageFont.truetype(font_path, 56)
    for n, text in enumerate(("해오름", "수학학원", "원장인")):
        width = draw.textlength(text, font=font)
        draw.text(((size - width) / 2, 26 + n * 66), text, font=font, fill=red)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _exists(path: str) -> bool:
    return Path(path).is_file()


def pause_one(db: Database, clerk: Actor, customer_ids: list[int], today: date) -> None:
    """휴원 for next month of the first family that may pause (none yet charged for next month)."""
    nxt = add_months(month_of(today), 1)
    for customer_id in customer_ids:
        try:
            pauses.add_pause(db, clerk, customer_id, None, nxt, nxt, PAUSE_REASON, today=today)
            return
        except ServiceError:
            continue


def withdraw_one(db: Database, clerk: Actor, families: list[tuple[int, list[int]]], today: date) -> None:
    """퇴원 (or, when a request of another item is still with the bank, 수강중단 of the one item) yesterday of
    the first family owed something by the table: left 반환대기, so the five-day deadline shows on home."""
    reason_on = max(today - timedelta(days=1), today.replace(day=1))
    for customer_id, agreement_ids in families:
        for kind, agreement_id in [(RefundKind.WITHDRAWAL, None)] + [(RefundKind.COURSE_STOP, a) for a in agreement_ids]:
            try:
                plan = refunds.plan_refund(db, clerk, customer_id, kind, reason_on, agreement_id=agreement_id,
                                           today=today)
                if plan.amount <= 0:
                    continue
                refunds.record_refund(db, clerk, customer_id, kind, reason_on, agreement_id=agreement_id,
                                      note=REFUND_NOTE if agreement_id is None else COURSE_STOP_NOTE, today=today)
                return
            except ServiceError:
                continue
