"""집계 > 교육비 납입증명서 as a clerk uses it: the year's list, issuing with the earlier ones shown, the preview,
the list as .xlsx, who sees which buttons; rendered at 1366×768."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtWidgets import QApplication

from app.services.aggregates import certificates
from app.services.common.calendar import SEOUL
from app.services.common.session import Actor
from app.views.aggregates.certificate_preview import CertificatePreviewDialog
from app.views.aggregates.certificates_view import CertificatesPage, default_year, months_text
from app.views.common.context import AppContext
from app.views.common.theme import apply_theme
from tests.certificates.helpers import KEY, debit, pay_cash, student
from tests.factories import Office
from tests.message_boxes import Boxes

NOW = datetime(2027, 1, 6, 10, 30, tzinfo=SEOUL)
SHOTS = Path("/tmp/work/shots")


@pytest.fixture
def students(academy_office: Office) -> Office:
    o = academy_office
    a = student(o, "S01", "김부모", student_name="김아이", birth=date(2018, 1, 1), resident_no="8001011234567")
    b = student(o, "S02", "이부모", student_name="이아이", birth=date(2017, 12, 31), monthly=150_000)
    c = student(o, "S03", "박부모")
    for month in (1, 2, 3, 5):
        debit(o, a, date(2026, month, 5) if month != 5 else date(2026, 5, 6))
    june = debit(o, b, date(2026, 6, 5), debited=0)
    pay_cash(o, june, 150_000, date(2026, 6, 19))
    debit(o, c, date(2026, 1, 5))
    return o


def open_page(qtbot, office: Office, actor: Actor | None = None, *, data_key=KEY,
              contract: bool = True) -> CertificatesPage:
    ctx = AppContext(office.db, actor or office.admin, office.contract_id if contract else None, data_key=data_key,
                     clock=lambda: NOW)
    page = CertificatesPage(ctx)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    if contract:
        with qtbot.waitSignal(page.loaded, timeout=10000):
            page.show()
    else:
        page.show()
    return page


def shown(page: CertificatesPage) -> dict[str, list[str]]:
    model = page.model
    return {model.data(model.index(r, model.column_of("고객번호"))): [
        model.data(model.index(r, model.column_of(h))) for h in ("학생", "9세 미만", "납입월", "연간 합계", "발급번호", "상태")]
        for r in range(model.rowCount())}


def test_default_year_and_the_months_column() -> None:
    assert [default_year(datetime(2027, m, 1, tzinfo=SEOUL)) for m in (1, 2, 3, 12)] == [2026, 2026, 2027, 2027]
    assert months_text((1, 1, 1, 0, 1, 0, 0, 0, 0, 0, -5, 0)) == "1~3·5·11(반환)월"
    assert months_text((0,) * 12) == ""


def test_without_a_contract_only_a_message_shows(qtbot, office: Office) -> None:
    page = open_page(qtbot, office, contract=False)
    assert page.stack.currentIndex() == 1 and "계약정보를 먼저 선택하세요" in page.no_contract.text()


def test_the_list_issuing_re_issuing_and_the_preview(qtbot, students: Office, boxes: Boxes, tmp_path: Path,
                                                     qapp: QApplication) -> None:
    page = open_page(qtbot, students)
    assert page.year.value() == 2026
    assert shown(page) == {
        "S01": ["김아이", "●", "1~3·5월", "480,000원", "", "미발급"],
        "S02": ["이아이", "", "6월", "150,000원", "", "미발급"],
        "S03": ["박부모", "", "1월", "120,000원", "", "미발급"],
    }
    assert "학생 3명 · 연간 합계 750,000원 · 9세 미만 1명" in page.totals.text()
    assert page.full_resident.isVisibleTo(page) and page.issue_button.isVisibleTo(page)
    page.table.selectRow(0)
    assert page.detail.text() == "김아이(S01) 1월 120,000 · 2월 120,000 · 3월 120,000 · 5월 120,000 · 합계 480,000원"

    page.model.set_checked(0, True)
    page.model.set_checked(1, True)
    with qtbot.waitSignal(page.issued, timeout=20000) as issued:
        page.issue_selected(str(tmp_path / "two.pdf"))
    assert [c.number for c in issued.args[0]] == ["2026-0001", "2026-0002"]
    assert (tmp_path / "two.pdf").is_file()
    assert "2장을 발급했습니다 (2026-0001 ~ 2026-0002)" in page.status.text()
    dialog = page.active_dialog
    assert dialog is not None and dialog.page_count() == 2
    if SHOTS.is_dir() and students.db.is_sqlite:
        dialog.resize(820, 700)
        qtbot.wait(300)
        dialog.grab().save(str(SHOTS / "certificates-preview.png"))
    dialog.reject()
    assert shown(page)["S01"][4:] == ["2026-0001", "최신"]

    # Again for 김아이: the earlier one is named first; "No" issues nothing, "Yes" a new number.
    page.table.selectRow(0)
    boxes.answer = False
    page.issue_selected(str(tmp_path / "again.pdf"))
    assert boxes.asked and "김아이(S01): 이미 발급: 2026-0001 (01-06 관리자, 최신)" in boxes.asked[-1]
    assert not (tmp_path / "again.pdf").exists()
    boxes.answer = True
    with qtbot.waitSignal(page.issued, timeout=20000) as issued:
        page.issue_selected(str(tmp_path / "again.pdf"))
    assert [c.number for c in issued.args[0]] == ["2026-0003"]
    assert isinstance(page.active_dialog, CertificatePreviewDialog)
    page.active_dialog.reject()
    assert certificates.issued_for(students.db, students.admin, students.contract_id,
                                   issued.args[0][0].customer_id, 2026)[0].number == "2026-0001"

    with qtbot.waitSignal(page.saved, timeout=20000):
        page.save_list(str(tmp_path / "list.xlsx"))
    book = load_workbook(tmp_path / "list.xlsx", read_only=True)
    rows = [tuple(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    assert next(r for r in rows if r and r[0] == "S01")[-2:] == ("2026-0003", "최신")

    if SHOTS.is_dir() and students.db.is_sqlite:
        apply_theme(qapp)
        page.search.setText("")
        page.refresh()
        page.table.selectRow(0)
        qtbot.wait(100)
        page.grab().save(str(SHOTS / "certificates.png"))


def test_a_bad_path_is_refused_before_any_number(qtbot, students: Office, boxes: Boxes, tmp_path: Path) -> None:
    page = open_page(qtbot, students)
    page.table.selectRow(0)
    page.issue_selected(str(tmp_path / "no-such-folder" / "x.pdf"))
    assert boxes.take() == [f"저장할 폴더가 없습니다: {tmp_path / 'no-such-folder'}"]
    assert shown(page)["S01"][4:] == ["", "미발급"]


def test_who_sees_what(qtbot, students: Office, clerk: Actor, viewer: Actor) -> None:
    as_clerk = open_page(qtbot, students, clerk)
    assert as_clerk.issue_button.isVisibleTo(as_clerk) and not as_clerk.full_resident.isVisibleTo(as_clerk)
    as_viewer = open_page(qtbot, students, viewer)
    assert not as_viewer.issue_button.isVisibleTo(as_viewer) and not as_viewer.all_box.isVisibleTo(as_viewer)
    assert as_viewer.xlsx_button.isVisibleTo(as_viewer) and len(shown(as_viewer)) == 3
    no_key = open_page(qtbot, students, data_key=None)
    assert not no_key.full_resident.isVisibleTo(no_key)
