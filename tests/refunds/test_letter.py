"""교습비 반환 확인서: the PDF the parent gets, read back and rendered to a picture to look at."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader
from sqlalchemy import select

from app.models import Contract, Customer, RefundKind, RefundMethod
from app.models.user import AuditLog
from app.services.collection import refund_letter, refunds
from app.services.common import output_files
from app.services.common.errors import ServiceError
from tests.collection.helpers import at
from tests.refunds.conftest import PIANO, Academy

SHOTS = Path(os.environ.get("KSCMS_SHOTS", "/tmp/work/shots"))


def _seal() -> bytes:
    picture = Image.new("RGBA", (120, 120), (255, 255, 255, 0))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((6, 6, 113, 113), outline=(200, 30, 30, 255), width=8)
    draw.rectangle((34, 34, 85, 85), fill=(200, 30, 30, 255))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def _academy_details(academy: Academy) -> None:
    with academy.db.session() as s:
        contract = s.get(Contract, academy.contract_id)
        assert contract is not None
        contract.academy_registration_no = "제2019-서울강남-0123호"
        contract.academy_address = "서울특별시 강남구 테헤란로 123, 4층"
        contract.seal_png = _seal()


def test_the_confirmation_names_the_academy_the_student_and_each_month(academy: Academy, tmp_path: Path) -> None:
    _academy_details(academy)
    tuition = academy.payer("1", "홍길동")
    piano = academy.payer("1", "홍길동", monthly=120_000, item=PIANO)
    with academy.db.session() as s:
        customer = s.get(Customer, tuition.customer_id)
        assert customer is not None
        customer.student_name = "홍하늘"
    academy.paid(tuition, date(2026, 4, 15))
    academy.paid(piano, date(2026, 4, 15))
    refund_id = refunds.record_refund(academy.db, academy.clerk, tuition.customer_id, RefundKind.WITHDRAWAL,
                                      date(2026, 4, 10), sessions_held={piano.agreement_id: 2}, today=date(2026, 4, 13))
    refunds.pay_refund(academy.db, academy.clerk, refund_id, date(2026, 4, 14), RefundMethod.TRANSFER,
                       today=date(2026, 4, 14))
    target = tmp_path / "반환확인서.pdf"
    written = refund_letter.write_refund_letter(academy.db, academy.clerk, refund_id, target,
                                                now=at(date(2026, 4, 14), 15))
    assert written == target.resolve() and output_files.is_private(target)
    reader = PdfReader(str(target))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text().replace("\n", " ")
    for expected in ("교습비 반환 확인서", "해오름수학학원", "제2019-서울강남-0123호", "서울특별시 강남구 테헤란로 123",
                     "김해오", "124-81-00998", "홍길동", "홍하늘", "퇴원", "2026-04-10", "146,666원",
                     "2026년 04월 14일", "계좌이체", "시행령 제18조 [별표 4]"):
        assert expected in text, expected
    assert "66,666원" in text and "80,000원" in text and "(원 미만 절사)" in text
    assert reader.pages[0].images, "the 직인 is stamped"
    with academy.db.session() as s:
        assert s.scalar(select(AuditLog.action).where(AuditLog.target == "교습비 반환 확인서")) == \
            "personal_data_exported"
    if shutil.which("pdftoppm") and academy.db.is_sqlite:
        SHOTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(target), str(SHOTS / "refund_letter")],
                       check=True)


def test_a_due_refund_prints_its_deadline_and_a_cancelled_one_prints_nothing(academy: Academy,
                                                                             tmp_path: Path) -> None:
    payer = academy.payer("1", "홍길동")
    academy.paid(payer, date(2026, 4, 15))
    refund_id = refunds.record_refund(academy.db, academy.clerk, payer.customer_id, RefundKind.WITHDRAWAL,
                                      date(2026, 4, 10), today=date(2026, 4, 13))
    target = tmp_path / "due.pdf"
    refund_letter.write_refund_letter(academy.db, academy.clerk, refund_id, target, now=at(date(2026, 4, 13), 15))
    text = PdfReader(str(target)).pages[0].extract_text()
    assert "지급 예정" in text and "2026년 04월 15일까지" in text and "학원 등록번호" in text
    with pytest.raises(output_files.OutputRefusedError):
        refund_letter.write_refund_letter(academy.db, academy.clerk, refund_id, target, now=at(date(2026, 4, 13), 15))
    refunds.cancel_refund(academy.db, academy.office.admin, refund_id, "잘못 등록")
    with pytest.raises(ServiceError, match="취소된 반환"):
        refund_letter.write_refund_letter(academy.db, academy.clerk, refund_id, tmp_path / "x.pdf",
                                          now=at(date(2026, 4, 13), 15))
    assert not (tmp_path / "x.pdf").exists()
