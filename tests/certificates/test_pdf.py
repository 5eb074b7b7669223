"""The certificate PDF (one file for all, or one per student) and the .xlsx list, read back and rendered.

The rendered pages are kept in /tmp/work/shots when that folder exists, to be looked at.
"""

from __future__ import annotations

import shutil
import stat
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.models import AuditLog, Contract
from app.services.aggregates import certificates
from app.services.aggregates.reports import build, certificate_list, certificate_pdf
from app.services.common.calendar import SEOUL
from app.services.common.output_files import OutputRefusedError
from tests.certificates.helpers import debit, pay_cash, student
from tests.certificates.seal import seal_png
from tests.factories import Office

TODAY = date(2027, 1, 6)
NOW = datetime(2027, 1, 6, 10, 30, tzinfo=SEOUL)
SHOTS = Path("/tmp/work/shots")


def text_of(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(str(path)).pages]


def keep_pages(pdf: Path, name: str) -> list[Path]:
    """Render every page at 60 dpi (pdftoppm); copied to /tmp/work/shots when it exists."""
    out = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(out)], check=True)
    pages = sorted(pdf.parent.glob(f"{out.name}-*.png"))
    if SHOTS.is_dir():
        for page in pages:
            shutil.copy(page, SHOTS / f"{name}-{page.stem.rsplit('-', 1)[1]}.png")
    return pages


@pytest.fixture
def two_students(academy_office: Office) -> tuple[Office, list[certificates.IssuedCertificate]]:
    o = academy_office
    with o.db.session() as s:
        contract = s.get(Contract, o.contract_id)
        assert contract is not None
        contract.seal_png = seal_png()
    a = student(o, "S01", "김부모", student_name="김아이", birth=date(2018, 1, 1), resident_no="8001011234567",
                address="서울특별시 강남구 역삼로 45, 101동 1203호")
    b = student(o, "S02", "이부모", student_name="이아이", birth=date(2017, 12, 31), monthly=150_000)
    for month in (1, 2, 3):
        debit(o, a, date(2026, month, 5))
    june = debit(o, b, date(2026, 6, 5), debited=0)
    pay_cash(o, june, 150_000, date(2026, 6, 19))
    issued = certificates.issue_certificates(o.db, o.admin, o.contract_id, 2026, [a.customer_id, b.customer_id],
                                             today=TODAY, now=NOW)
    return o, issued


def test_one_pdf_for_all_prints_a_page_per_student(two_students, tmp_path: Path) -> None:
    o, issued = two_students
    target = certificate_pdf.write_certificates_pdf(o.db, o.admin, issued, tmp_path / "all.pdf")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    first, second = text_of(target)
    for text in ("교육비 납입증명서", "2026-0001", "김부모", "800101-1******", "김아이", "2018-01-01",
                 "해오름수학학원", "124-81-00998", "제2019-0123호", "서울특별시 강남구 테헤란로 123", "김해오",
                 "소득세 연말정산용", "360,000원", "2027년 1월 6일", "만 9세 미만", "역삼로 45"):
        assert text in first, text
    assert "8001011234567" not in first and "1234567" not in first
    assert "2026-0002" in second and "이아이" in second and "150,000원" in second
    assert "만 9세 미만" not in second  # born 2017-12-31: 9 on the year's last day
    assert len(keep_pages(target, "certificate")) == 2
    with o.db.session() as s:
        row = s.scalars(select(AuditLog).where(AuditLog.action == "personal_data_exported")).one()
        assert row.target == "교육비 납입증명서" and "800101" not in (row.detail or "")


def test_one_pdf_per_student_and_a_refused_folder_writes_nothing(two_students, tmp_path: Path) -> None:
    o, issued = two_students
    written = certificate_pdf.write_certificate_files(o.db, o.admin, issued, tmp_path)
    assert [p.name for p in written] == ["교육비납입증명서_2026-0001_김아이.pdf", "교육비납입증명서_2026-0002_이아이.pdf"]
    assert [len(text_of(p)) for p in written] == [1, 1]
    with pytest.raises(OutputRefusedError, match="이미 있습니다"):
        certificate_pdf.write_certificate_files(o.db, o.admin, issued, tmp_path)
    with pytest.raises(OutputRefusedError, match="폴더가 없습니다"):
        certificate_pdf.write_certificate_files(o.db, o.admin, issued, tmp_path / "nowhere")


def test_the_list_as_xlsx_keeps_numbers(two_students, tmp_path: Path) -> None:
    o, _issued = two_students
    report = certificate_list.certificate_list(o.db, o.admin, o.contract_id, 2026, now=NOW)
    build.save(o.db, o.admin, report, tmp_path / "list.xlsx", "xlsx")
    book = load_workbook(tmp_path / "list.xlsx", read_only=True)
    rows = [tuple(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    head = next(r for r in rows if r and r[0] == "고객번호")
    s01 = next(r for r in rows if r and r[0] == "S01")
    s02 = next(r for r in rows if r and r[0] == "S02")
    total = next(r for r in rows if r and r[0] == "합계")
    col = head.index
    assert (s01[col("1월")], s01[col("연간 합계")], s01[col("9세 미만")], s01[col("발급번호")], s01[col("상태")]) == (
        120_000, 360_000, "예", "2026-0001", "최신")
    assert (s02[col("6월")], s02[col("연간 합계")], s02[col("9세 미만")]) == (150_000, 150_000, None)
    assert total[col("연간 합계")] == 510_000
