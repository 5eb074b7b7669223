"""The 미납내역집계 reports and the 미납 안내문 with 연체료: the column (and 감면) when the contract has a
late-fee policy, read back from the PDF and the .xlsx; without one, the reports they always were.

Figures: tests/unpaid_late_fees/test_outstanding.py (as of 2026-11-30: 연체료 15,660원 of 미납 890,000원).
Each PDF page is also drawn to /tmp/work/shots/unpaid (KSCMS_SHOTS) when pdftoppm is there, to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from openpyxl import load_workbook
from pypdf import PdfReader

from app.services.aggregates.common import GroupBy
from app.services.aggregates.reports import build, letters
from app.services.aggregates.reports.model import Report
from tests.apartment.complex import Complex
from tests.unpaid_late_fees.conftest import AUTUMN, CHOI, LEE, NOW, policy, waive

SHOTS = Path(os.environ.get("KSCMS_SHOTS", "/tmp/work/shots")) / "unpaid"


def _pages(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(str(path)).pages]


def _rows(path: Path) -> list[tuple[object, ...]]:
    book = load_workbook(path, read_only=True)
    rows = [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    return rows


def _header(rows: list[tuple[object, ...]], first: str) -> tuple[object, ...]:
    return next(r for r in rows if r and r[0] == first)


def _row(rows: list[tuple[object, ...]], label: str) -> tuple[object, ...]:
    return next(r for r in reversed(rows) if r and r[0] == label)


def _draw(place: Complex, pdf: Path, name: str) -> None:
    """The pages as PNG to look at (the SQLite run's; both databases print the same)."""
    if place.db.is_sqlite and shutil.which("pdftoppm"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(SHOTS / name)], check=True)


def _save(place: Complex, report: Report, tmp_path: Path, name: str) -> tuple[list[str], list[tuple[object, ...]]]:
    pdf, xlsx = tmp_path / f"{name}.pdf", tmp_path / f"{name}.xlsx"
    build.save(place.db, place.admin, report, pdf, "pdf")
    build.save(place.db, place.admin, report, xlsx, "xlsx")
    _draw(place, pdf, name)
    return _pages(pdf), _rows(xlsx)


def _summary(place: Complex, group_by: GroupBy = GroupBy.ITEM) -> Report:
    return build.outstanding_summary(place.db, place.admin, place.contract_id, AUTUMN, group_by, now=NOW)


def _detail(place: Complex) -> Report:
    return build.outstanding_detail(place.db, place.admin, place.contract_id, AUTUMN, GroupBy.ITEM, None, now=NOW)


def test_without_a_policy_no_late_fee_column(autumn: Complex, tmp_path: Path) -> None:
    pages, rows = _save(autumn, _summary(autumn), tmp_path, "summary_plain")
    assert _header(rows, "집금항목") == ("집금항목", "청구건수", "청구금액(할인 후)", "수납금액", "미납건수", "미납금액")
    assert _row(rows, "합계")[4:] == (5, 890_000)
    assert "연체료" not in "".join(pages)
    pages, rows = _save(autumn, _detail(autumn), tmp_path, "detail_plain")
    assert _header(rows, "고객번호")[-1] == "미납금액" and "연체료" not in "".join(pages)


def test_the_summary_carries_the_late_fees(autumn: Complex, tmp_path: Path) -> None:
    policy(autumn)
    pages, rows = _save(autumn, _summary(autumn), tmp_path, "summary_late_fees")
    assert _header(rows, "집금항목")[5:] == ("미납금액", "연체료")
    assert _row(rows, "관리비")[5:] == (890_000, 15_660)
    assert _row(rows, "합계")[5:] == (890_000, 15_660)
    text = "".join(pages)
    assert len(pages) == 1 and "연체료" in text and "15,660원" in text and "2026-11-30 현재로 계산한" in text


def test_the_detail_carries_each_charges_fee_and_a_waiver_shows_as_such(autumn: Complex, tmp_path: Path) -> None:
    policy(autumn)
    waive(autumn, LEE, "2026-09")
    pages, rows = _save(autumn, _detail(autumn), tmp_path, "detail_late_fees")
    assert _header(rows, "고객번호")[-2:] == ("미납금액", "연체료")
    assert [(r[0], r[4], r[9], r[10]) for r in rows if r and r[0] in (LEE, CHOI)] == [
        (LEE, "2026-09", 180_000, "5,220원 (감면)"), (LEE, "2026-10", 180_000, 2_700),
        (CHOI, "2026-09", 210_000, 6_090), (CHOI, "2026-10", 110_000, 1_650), (CHOI, "2026-11", 210_000, 0),
    ]
    assert _row(rows, "소계")[-2:] == (890_000, 2_700 + 6_090 + 1_650)  # the waived 5,220 is not summed
    assert _row(rows, "합계")[-2:] == (890_000, 10_440)
    text = "".join(pages)
    assert len(pages) == 1 and "5,220원 (감면)" in text and "10,440원" in text
    summary_pages, summary_rows = _save(autumn, _summary(autumn), tmp_path, "summary_waived")
    assert _header(summary_rows, "집금항목")[5:] == ("미납금액", "연체료", "연체료 감면")
    assert _row(summary_rows, "합계")[5:] == (890_000, 10_440, 5_220)
    assert "연체료 감면" in "".join(summary_pages)


def test_the_letters_show_the_late_fee_and_include_it_in_what_is_due(autumn: Complex, tmp_path: Path) -> None:
    policy(autumn)
    waive(autumn, CHOI, "2026-10", "분쟁 조정 중")
    path = tmp_path / "letters.pdf"
    assert letters.write_letters(autumn.db, autumn.admin, autumn.contract_id, AUTUMN, None, None, path, now=NOW) == 2
    _draw(autumn, path, "letters_late_fees")
    lee, choi = _pages(path)
    # 이바다: 360,000 unpaid + 5,220 + 2,700 = 367,920
    assert "이바다" in lee and "연체료" in lee and "5,220원" in lee and "2,700원" in lee
    assert "납부하실 금액: 367,920원 (연체료 7,920원 포함)" in lee
    # 최들녘: 530,000 unpaid + 6,090 (October's 1,650 waived; November's within the grace) = 536,090
    assert "1,650원 감면" in choi and "'감면'으로 표시된 연체료는 면제되어" in choi
    assert "납부하실 금액: 536,090원 (연체료 6,090원 포함)" in choi
    assert "2026년 11월 30일 현재로 계산한" in choi


def test_letters_without_a_policy_are_as_they_were(autumn: Complex, tmp_path: Path) -> None:
    path = tmp_path / "plain.pdf"
    assert letters.write_letters(autumn.db, autumn.admin, autumn.contract_id, AUTUMN, None, None, path, now=NOW) == 2
    lee, choi = _pages(path)
    assert "납부하실 금액: 360,000원" in lee and "납부하실 금액: 530,000원" in choi
    assert "연체료" not in lee + choi
