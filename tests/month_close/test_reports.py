"""The close report as PDF and .xlsx: printed from the stored figures of that close, with the letterhead,
the 결재란 when the contract has one, a superseded close stamped as such, and the 현재 다시 계산 check.

The PDF pages are rendered to PNG (/tmp/work/shots/close, KSCMS_SHOTS to change it) to be looked at."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.models import AuditLog, Contract, Role
from app.services.aggregates import month_close
from app.services.aggregates.reports import month_close_pdf, month_close_xlsx
from app.services.collection import cash
from app.services.common.errors import NotFoundError
from app.services.common.session import Actor
from tests.apartment.complex import Complex, at
from tests.month_close.helpers import NOW, close_autumn

SHOTS = Path(os.environ.get("KSCMS_SHOTS", "/tmp/work/shots")) / "close"


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def _flat(path: Path) -> str:
    return "".join(_text(path).split())


def _png(pdf: Path, name: str, place: Complex) -> None:
    """The pages as PNG to look at (SQLite run only; pdftoppm where installed)."""
    if not place.db.is_sqlite or shutil.which("pdftoppm") is None:
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(SHOTS / name)], check=True)


def test_the_pdf_prints_the_stored_figures_with_the_letterhead_and_approval_box(autumn: Complex,
                                                                                tmp_path: Path) -> None:
    with autumn.db.session() as s:
        contract = s.get(Contract, autumn.contract_id)
        assert contract is not None
        contract.approval_box_enabled, contract.approval_box_labels = True, "담당,관리소장,회장"
    ids = close_autumn(autumn)
    target = tmp_path / "9월.pdf"
    written = month_close_pdf.write_close_pdf(autumn.db, autumn.clerk, ids["2026-09"], target, now=NOW)
    assert written == target and len(PdfReader(str(target)).pages) == 1
    flat = _flat(target)
    for expected in ("해오름수학학원", "푸른숲아파트관리사무소·이용기관코드9912345678", "월마감보고서", "2026년9월분",
                     "결재", "담당", "관리소장", "회장",
                     "2026-11-0510:00·관리자(admin)", "960,000", "570,000", "390,000", "연체료청구:0원",
                     "이달에기록한마감월정정:없음", "현재다시계산", "일치"):
        assert expected in flat, expected
    assert "재개방으로대체됨" not in flat
    _png(target, "report_september", autumn)
    with autumn.db.session() as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "report_exported")).all()
    assert [a.target for a in audit] == ["월마감 보고서"]


def test_a_reopened_close_prints_superseded_and_the_new_close_its_adjustments(autumn: Complex,
                                                                               tmp_path: Path) -> None:
    ids = close_autumn(autumn)
    later = at(date(2026, 11, 6), 14)
    month_close.reopen(autumn.db, autumn.admin, autumn.contract_id, "2026-10", "10월 현금수납 누락분 반영", later)
    cash.receive_cash(autumn.db, autumn.clerk, autumn.charge("1011002", "2026-10"), 180_000, date(2026, 10, 29),
                      today=date(2026, 11, 6))
    old = tmp_path / "10월_대체.pdf"
    month_close_pdf.write_close_pdf(autumn.db, autumn.clerk, ids["2026-10"], old, now=later)
    flat = _flat(old)
    for expected in ("재개방으로대체됨", "2026-11-0614:00관리자(admin)이(가)이달의마감을취소(재개방)했습니다",
                     "사유:10월현금수납누락분반영", "350,000", "610,000", "불일치3건", "관리비현금수납:보고0원→현재180,000원",
                     "관리비미납:보고610,000원→현재430,000원"):
        assert expected in flat, expected
    _png(old, "report_october_superseded", autumn)
    # a September receipt found late, recorded in November naming September, shows in November's report
    cash.receive_cash(autumn.db, autumn.clerk, autumn.charge("1022002", "2026-09"), 210_000, date(2026, 9, 30),
                      today=date(2026, 11, 20))
    november = month_close.close(autumn.db, autumn.admin, autumn.contract_id, "2026-11", today=date(2026, 12, 2),
                                 now=at(date(2026, 12, 2), 9))
    new = tmp_path / "11월.pdf"
    month_close_pdf.write_close_pdf(autumn.db, autumn.clerk, november.close_id, new, now=at(date(2026, 12, 2), 9))
    flat = _flat(new)
    assert "2026년9월" in flat and "210,000" in flat and "일치" in flat
    _png(new, "report_november", autumn)


def test_the_xlsx_holds_the_same_numbers_as_numbers(autumn: Complex, tmp_path: Path) -> None:
    ids = close_autumn(autumn)
    month_close.reopen(autumn.db, autumn.admin, autumn.contract_id, "2026-09", "확인용 재개방", NOW)
    target = tmp_path / "9월.xlsx"
    month_close_xlsx.write_close_xlsx(autumn.db, autumn.clerk, ids["2026-09"], target, now=NOW)
    book = load_workbook(target, read_only=True)
    rows = [tuple(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    assert rows[0][0] == "월마감 보고서"
    assert ("관리비", 4, 960_000, 0, 570_000, 0, 0, 0, 2, 390_000) in [r[:10] for r in rows]
    assert ("합계", 4, 960_000, 0, 570_000, 0, 0, 0, 2, 390_000) in [r[:10] for r in rows]
    texts = [str(r[0]) for r in rows if r and r[0]]
    assert any(t.startswith("재개방으로 대체됨: 2026-11-05 10:00 관리자(admin) 재개방, 사유: 확인용 재개방") for t in texts)
    assert "현재 다시 계산: 일치 (마감 때 보고한 숫자와 지금 다시 계산한 숫자가 같습니다)" in texts


def test_a_report_of_another_institution_is_not_found(autumn: Complex, tmp_path: Path) -> None:
    ids = close_autumn(autumn, "2026-09")
    stranger = Actor(None, autumn.clerk.institution_id + 1, "other", "다른 기관", Role.ADMIN)
    for write in (month_close_pdf.write_close_pdf, month_close_xlsx.write_close_xlsx):
        with pytest.raises(NotFoundError) as refused:
            write(autumn.db, stranger, ids["2026-09"], tmp_path / "x.pdf", now=NOW)
        assert refused.value.message == "마감 기록을 찾을 수 없습니다. 목록을 다시 조회하세요."
    assert not (tmp_path / "x.pdf").exists()
