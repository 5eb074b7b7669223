"""Every aggregate prints: Korean headings and the totals in the PDF text, the same totals in the .xlsx."""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select, update

from app.models import AuditLog, Contract, RequestState
from app.services.aggregates import outstanding as aggregates_outstanding
from app.services.aggregates import requests as aggregates_requests
from app.services.aggregates import settlement
from app.services.aggregates.common import GroupBy
from app.services.aggregates.reports import build, fonts, letters
from app.services.aggregates.reports.model import NO_DATA, Report
from app.services.common.periods import Period
from tests.aggregates.seed import NOW, Seeded
from tests.factories import Office

QUARTER = Period(date(2026, 9, 1), date(2026, 11, 27))
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 27))
EMPTY = Period(date(2025, 1, 1), date(2025, 1, 31))


def pdf_pages(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(str(path)).pages]


def xlsx_rows(path: Path) -> list[tuple[object, ...]]:
    book = load_workbook(path, read_only=True)
    rows = [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    return rows


def total_row(rows: list[tuple[object, ...]], label: str = "합계") -> tuple[object, ...]:
    return next(r for r in reversed(rows) if r and r[0] == label)


def save_both(office: Office, report: Report, tmp_path: Path, name: str) -> tuple[list[str], list[tuple[object, ...]]]:
    pdf, xlsx = tmp_path / f"{name}.pdf", tmp_path / f"{name}.xlsx"
    # a loop saves each case under the same name: replacing its own earlier file is asked for
    build.save(office.db, office.admin, report, pdf, "pdf", force=True)
    build.save(office.db, office.admin, report, xlsx, "xlsx", force=True)
    return pdf_pages(pdf), xlsx_rows(xlsx)


def assert_every_page_has_its_header(pages: list[str], title: str, column: str) -> None:
    for number, text in enumerate(pages, start=1):
        assert title in text and "해오름수학학원" in text and "출력: 2026-11-27 10:00" in text
        assert column in text, f"page {number} lacks the table header"
        assert f"{number} / {len(pages)} 쪽" in text


@pytest.mark.parametrize("group_by", list(GroupBy))
def test_requests_summary_prints_its_totals(seeded: tuple[Office, Seeded], tmp_path: Path, group_by: GroupBy) -> None:
    office, _ = seeded
    report = build.requests_summary(office.db, office.admin, office.contract_id, QUARTER, group_by, now=NOW)
    summary = aggregates_requests.summarise(office.db, office.admin, office.contract_id, QUARTER, group_by)
    pages, rows = save_both(office, report, tmp_path, "requests")
    text = "\n".join(pages)
    assert "이체의뢰내역집계" in text and f"{group_by.label}별 집계" in text and "조회기간: 2026-09-01 ~ 2026-11-27" in text
    for heading in ("의뢰건수", "의뢰금액", "출금금액", "불능금액", "수납률"):
        assert heading in text
    assert f"{summary.total.requested_amount:,}원" in pages[-1] and f"{summary.total.debited_amount:,}원" in pages[-1]
    for row in summary.rows:
        assert row.label in text
    total = total_row(rows)
    assert total[1:9] == (summary.total.requested_count, summary.total.requested_amount, summary.total.debited_count,
                          summary.total.debited_amount, summary.total.failed_count, summary.total.failed_amount,
                          summary.total.pending_count, summary.total.pending_amount)
    header = next(r for r in rows if r and r[0] == group_by.label)
    assert header[1:4] == ("의뢰건수", "의뢰금액", "출금건수")


def test_a_drill_down_over_many_pages_repeats_its_header_and_ends_with_the_total(
        seeded: tuple[Office, Seeded], tmp_path: Path) -> None:
    office, _ = seeded
    report = build.requests_detail(office.db, office.admin, office.contract_id, QUARTER, GroupBy.ITEM, None, now=NOW)
    summary = aggregates_requests.summarise(office.db, office.admin, office.contract_id, QUARTER, GroupBy.ITEM)
    pages, rows = save_both(office, report, tmp_path, "detail")
    assert len(pages) >= 3
    assert_every_page_has_its_header(pages, "이체의뢰내역집계 상세내역", "불능사유")
    text = "\n".join(pages)
    for row in summary.rows:
        assert f"집금항목: {row.label}" in text
        assert f"{row.requested_amount:,}원" in text  # each group's 소계 equals its summary line
    assert "합계" in pages[-1] and f"{summary.total.requested_amount:,}원" in pages[-1]
    subtotals = [r for r in rows if r and r[0] == "소계"]
    assert sorted(r[9] for r in subtotals) == sorted(r.requested_amount for r in summary.rows)
    assert total_row(rows)[9:12] == (summary.total.requested_amount, summary.total.debited_amount,
                                     summary.total.failed_amount)
    assert "****" in text and not any(len(token) > 8 and token.isdigit() for token in text.split())


def test_one_group_with_a_state_filter(seeded: tuple[Office, Seeded], tmp_path: Path) -> None:
    office, _ = seeded
    report = build.bank_status_detail(office.db, office.admin, office.contract_id, NOVEMBER, "004", now=NOW,
                                      state=RequestState.SENT)
    pages, rows = save_both(office, report, tmp_path, "sent")
    assert "이체의뢰현황 상세내역" in pages[0] and "은행: KB국민은행" in pages[0] and "상태: 이체의뢰중" in pages[0]
    sent = aggregates_requests.details(office.db, office.admin, office.contract_id, NOVEMBER, GroupBy.BANK, "004",
                                       state=RequestState.SENT)
    assert total_row(rows)[9] == sum(r.amount for r in sent) and total_row(rows)[1] == f"{len(sent)}건"


@pytest.mark.parametrize("group_by", list(GroupBy))
def test_outstanding_prints_as_of_the_period_end(seeded: tuple[Office, Seeded], tmp_path: Path,
                                                 group_by: GroupBy) -> None:
    office, _ = seeded
    summary = aggregates_outstanding.summarise(office.db, office.admin, office.contract_id, QUARTER, group_by)
    pages, rows = save_both(office, build.outstanding_summary(office.db, office.admin, office.contract_id, QUARTER,
                                                              group_by, now=NOW), tmp_path, "unpaid")
    assert "미납내역집계" in pages[0] and "2026-11-27 현재" in pages[0] and "미납금액" in pages[0]
    assert f"{summary.total.unpaid_amount:,}원" in pages[-1]
    assert total_row(rows)[1:] == (summary.total.charge_count, summary.total.owed_amount,
                                   summary.total.received_amount, summary.total.unpaid_count,
                                   summary.total.unpaid_amount)
    detail_pages, detail_rows = save_both(office, build.outstanding_detail(
        office.db, office.admin, office.contract_id, QUARTER, group_by, None, now=NOW), tmp_path, "unpaid_detail")
    assert "미납내역집계 상세내역" in detail_pages[0]
    assert total_row(detail_rows)[9] == summary.total.unpaid_amount


def test_discounts_registrations_and_bank_status_print(seeded: tuple[Office, Seeded], tmp_path: Path) -> None:
    office, _ = seeded
    db, actor, cid = office.db, office.admin, office.contract_id
    cases: list[tuple[Callable[[], Report], str, str]] = [
        (lambda: build.discounts_summary(db, actor, cid, QUARTER, by_item=True, now=NOW), "할인내역집계", "할인금액"),
        (lambda: build.discounts_detail(db, actor, cid, QUARTER, "2026-10", None, now=NOW), "할인내역집계 상세내역",
         "할인율"),
        (lambda: build.registrations_summary(db, actor, cid, NOVEMBER, now=NOW), "계좌신청현황", "계좌신청미완료"),
        (lambda: build.registrations_detail(db, actor, cid, NOVEMBER, None, now=NOW), "계좌신청현황 상세내역",
         "신청구분"),
        (lambda: build.bank_status_summary(db, actor, cid, QUARTER, now=NOW), "이체의뢰현황", "이체처리미완료"),
    ]
    for make, title, heading in cases:
        report = make()
        pages, rows = save_both(office, report, tmp_path, "case")
        assert title in pages[0] and heading in pages[0]
        total = total_row(rows)
        printed = [v for v in total[1:] if isinstance(v, int)]
        assert all(f"{v:,}" in pages[-1] for v in printed), title
        assert printed or f"{report.row_count}건" in pages[-1], title
    discount = build.discounts_summary(db, actor, cid, QUARTER, by_item=True, now=NOW)
    _, rows = save_both(office, discount, tmp_path, "discount")
    assert len([r for r in rows if r and r[0] == "소계"]) == 3


def test_settlement_prints_its_checks_and_the_agency_line(seeded: tuple[Office, Seeded], tmp_path: Path) -> None:
    office, _ = seeded
    result = settlement.settle(office.db, office.admin, office.contract_id, NOVEMBER, now=NOW)
    pages, rows = save_both(office, build.settlement_report(office.db, office.admin, office.contract_id, NOVEMBER,
                                                            now=NOW), tmp_path, "settle")
    text = "\n".join(pages)
    assert "정산내역현황" in text and "확인이 필요합니다" in text and "케이에스넷 고객센터로 전화문의" in text
    assert "정산일 = 출금일 + 2영업일" in text and "건당 이체수수료 300원" in text
    assert f"{result.net_total:,}원" in pages[-1]
    assert total_row(rows, "정산예정액")[1] == result.net_total
    assert any(r and r[0] and "결과 시각" in str(r[0]) for r in rows)


def test_empty_periods_still_print(seeded: tuple[Office, Seeded], tmp_path: Path) -> None:
    office, _ = seeded
    db, actor, cid = office.db, office.admin, office.contract_id
    for report in (
        build.requests_summary(db, actor, cid, EMPTY, GroupBy.GRADE, now=NOW),
        build.requests_detail(db, actor, cid, EMPTY, GroupBy.BANK, "088", now=NOW),
        build.outstanding_summary(db, actor, cid, EMPTY, GroupBy.ITEM, now=NOW),
        build.discounts_detail(db, actor, cid, EMPTY, None, None, now=NOW),
        build.registrations_summary(db, actor, cid, EMPTY, now=NOW),
        build.settlement_report(db, actor, cid, EMPTY, now=NOW),
    ):
        pages, rows = save_both(office, report, tmp_path, "empty")
        assert len(pages) == 1 and NO_DATA in pages[0] and "합계" in pages[0], report.title
        assert any(r and r[0] == NO_DATA for r in rows)
        assert all(v in (0, "", None) or not isinstance(v, int) for v in total_row(rows)[1:])


def test_approval_box_follows_the_contract(seeded: tuple[Office, Seeded], tmp_path: Path) -> None:
    office, _ = seeded
    make = lambda: build.registrations_summary(office.db, office.admin, office.contract_id, NOVEMBER, now=NOW)  # noqa: E731
    pages, _ = save_both(office, make(), tmp_path, "plain")
    assert "원장" not in pages[0]
    with office.db.session() as s:
        s.execute(update(Contract).where(Contract.id == office.contract_id)
                  .values(approval_box_enabled=True, approval_box_labels="담당,실장,원장"))
    pages, _ = save_both(office, make(), tmp_path, "approval")
    assert all(label in pages[0] for label in ("결", "재", "담당", "실장", "원장"))


def test_saving_is_audited_without_the_rows(seeded: tuple[Office, Seeded], tmp_path: Path) -> None:
    office, _ = seeded
    save_both(office, build.outstanding_detail(office.db, office.admin, office.contract_id, QUARTER, GroupBy.ITEM,
                                               None, now=NOW), tmp_path, "audited")
    with office.db.session() as s:
        logs = list(s.scalars(select(AuditLog).where(AuditLog.action == "personal_data_exported")))
    assert [log.target for log in logs] == ["미납내역집계 상세내역"] * 2
    assert '"format": "pdf"' in (logs[0].detail or "") and "학생" not in (logs[0].detail or "")


def test_a_saved_summary_reads_as_such_in_the_audit_log(seeded: tuple[Office, Seeded], tmp_path: Path) -> None:
    """감사기록 names the action in Korean, for a summary (no personal data) as for the rest."""
    from app.services.common import audit

    office, _ = seeded
    build.save(office.db, office.admin, build.outstanding_summary(office.db, office.admin, office.contract_id, QUARTER,
                                                                  GroupBy.ITEM, now=NOW), tmp_path / "s.pdf", "pdf")
    rows = audit.search(office.db, office.admin, action="report_exported")
    assert [(r.action_label, r.target) for r in rows] == [("집계 출력·저장", "미납내역집계")]


def test_unpaid_notice_letters_one_page_per_customer(seeded: tuple[Office, Seeded], tmp_path: Path) -> None:
    office, _ = seeded
    rows = aggregates_outstanding.details(office.db, office.admin, office.contract_id, QUARTER, None, None)
    customers = {r.customer_no: r.customer_name for r in rows}
    path = tmp_path / "letters.pdf"
    count = letters.write_letters(office.db, office.admin, office.contract_id, QUARTER, None, None, path, now=NOW)
    pages = pdf_pages(path)
    assert count == len(customers) == len(pages) and count > 3
    for page, letter in zip(pages, letters.letters_for(rows), strict=True):
        assert "미납 안내문" in page and "해오름수학학원" in page and letter.customer_name in page
        assert f"납부하실 금액: {letter.amount_due:,}원" in page
        assert "납부 방법" in page and "문의" in page and "****" in page
        for r in letter.rows:
            assert r.item in page and r.period in page
    empty = tmp_path / "none.pdf"
    assert letters.write_letters(office.db, office.admin, office.contract_id, EMPTY, None, None, empty, now=NOW) == 0
    assert "미납 자료가 없습니다" in pdf_pages(empty)[0]


def test_the_korean_font_is_embedded_or_the_fallback_is_logged(monkeypatch: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    found = fonts.korean_fonts()
    assert found.embedded and Path(found.source).name in ("NanumGothic.ttf", "malgun.ttf", "NanumBarunGothic.ttf")
    fonts.korean_fonts.cache_clear()
    monkeypatch.setattr(fonts, "candidates", lambda: (("/nonexistent/malgun.ttf", "/nonexistent/malgunbd.ttf", 0),))
    try:
        with caplog.at_level(logging.WARNING, logger="app.services.aggregates.reports.fonts"):
            fallback = fonts.korean_fonts()
        assert (fallback.regular, fallback.embedded) == ("HYGothic-Medium", False)
        assert "HYGothic-Medium" in caplog.text and "not embedded" in caplog.text
    finally:
        fonts.korean_fonts.cache_clear()
        monkeypatch.undo()
        fonts.korean_fonts()


def test_every_report_as_png_pages(seeded: tuple[Office, Seeded], tmp_path: Path) -> None:
    """First and last page of every report (and the letters) as PNG in shots/, to be looked at."""
    office, _ = seeded
    if not office.db.is_sqlite:
        pytest.skip("the pages are the same on both databases; the SQLite run draws them")
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    with office.db.session() as s:
        s.execute(update(Contract).where(Contract.id == office.contract_id).values(approval_box_enabled=True))
    db, actor, cid = office.db, office.admin, office.contract_id
    reports = {
        "requests": build.requests_summary(db, actor, cid, QUARTER, GroupBy.ITEM, now=NOW),
        "requests_detail": build.requests_detail(db, actor, cid, QUARTER, GroupBy.ITEM, None, now=NOW),
        "outstanding": build.outstanding_summary(db, actor, cid, QUARTER, GroupBy.GRADE, now=NOW),
        "outstanding_detail": build.outstanding_detail(db, actor, cid, QUARTER, GroupBy.GRADE, None, now=NOW),
        "discounts": build.discounts_summary(db, actor, cid, QUARTER, by_item=True, now=NOW),
        "discounts_detail": build.discounts_detail(db, actor, cid, QUARTER, None, None, now=NOW),
        "registrations": build.registrations_summary(db, actor, cid, NOVEMBER, now=NOW),
        "registrations_detail": build.registrations_detail(db, actor, cid, NOVEMBER, None, now=NOW),
        "requests_by_bank": build.bank_status_summary(db, actor, cid, QUARTER, now=NOW),
        "requests_by_bank_detail": build.bank_status_detail(db, actor, cid, NOVEMBER, None, now=NOW),
        "settlement": build.settlement_report(db, actor, cid, NOVEMBER, now=NOW),
        "empty": build.requests_summary(db, actor, cid, EMPTY, GroupBy.ITEM, now=NOW),
    }
    pdfs = {name: tmp_path / f"{name}.pdf" for name in reports}
    for name, report in reports.items():
        build.save(db, actor, report, pdfs[name], "pdf")
    pdfs["letters"] = tmp_path / "letters.pdf"
    letters.write_letters(db, actor, cid, QUARTER, None, None, pdfs["letters"], now=NOW)
    shots = Path(__file__).resolve().parents[2] / "shots"
    shots.mkdir(exist_ok=True)
    for name, pdf in pdfs.items():
        last = len(PdfReader(str(pdf)).pages)
        for label, page in (("first", 1), ("last", last)):
            stem = shots / f"report_{name}_{label}"
            subprocess.run([pdftoppm, "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                            str(stem)], check=True)
            assert stem.with_suffix(".png").stat().st_size > 1000
