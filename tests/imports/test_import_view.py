"""일괄등록 on screen: 안내, preview with errors in a worker, counts, error list, import, cancel; and its picture."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.services.common.crypto import DataKey
from app.services.customers.imports import flow as imports
from app.views.common.context import AppContext
from app.views.customers import import_view
from app.views.customers.import_view import ImportPage
from tests.factories import Office
from tests.imports.conftest import table_counts
from tests.imports.workbooks import as_list, row_values, write_rows

SHOTS = Path(__file__).resolve().parents[2] / "shots"


@pytest.fixture(autouse=True)
def no_boxes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: shown.append(text))
    yield
    assert not shown, shown


def open_page(qtbot, office: Office) -> ImportPage:
    page = ImportPage(AppContext(office.db, office.admin, office.contract_id, data_key=DataKey.generate()))
    qtbot.addWidget(page)
    page.resize(1200, 760)
    page.show()
    qtbot.waitExposed(page)
    return page


def bad_file(tmp_path: Path) -> Path:
    rows = [as_list(row_values(n)) for n in range(1, 9)]
    rows[1] = as_list(row_values(2, account_no=1.2345e11))
    rows[3] = as_list(row_values(4, name="가" * 60, bank_code="999"))
    rows[5] = as_list(row_values(5))
    rows[6] = as_list(row_values(7, item="간식비", mobile="010-12"))
    return write_rows(tmp_path / "고객리스트.xlsx", rows)


def load(qtbot, page: ImportPage, path: Path) -> None:
    page.ask_open_path = lambda: str(path)  # type: ignore[method-assign]
    page.browse_button.click()
    qtbot.waitUntil(lambda: page.task is None and (page.preview is not None or "파일" in page.status.text()),
                    timeout=20000)


def test_the_preview_lists_every_row_with_its_errors(qtbot, office: Office, tmp_path: Path, request) -> None:
    page = open_page(qtbot, office)
    assert "안내" in [w.title() for w in page.findChildren(import_view.QGroupBox)]
    assert "해오름수학학원" in page.contract_label.text()
    load(qtbot, page, bad_file(tmp_path))
    model = page.model
    assert model.rowCount() == 8
    statuses = [model.index(r, 1).data() for r in range(8)]
    assert statuses == ["정상", "오류", "정상", "오류", "오류", "오류", "오류", "정상"]
    assert model.index(1, 0).data() == 3 and "[계좌번호]" in model.index(1, 4).data()
    assert "[고객명]" in model.index(3, 4).data() and "[이체은행]" in model.index(3, 4).data()
    assert "전체 8행" in page.counts.text() and "정상 3행" in page.counts.text() and "오류 5행" in page.counts.text()
    assert not page.import_button.isEnabled() and page.save_errors_button.isEnabled()
    assert table_counts(office.db) == (0, 0, 0)
    if request.node.callspec.params.get("db") == "sqlite":
        SHOTS.mkdir(exist_ok=True)
        qtbot.wait(50)  # let the wrapped status text take its height before the picture
        assert page.grab().save(str(SHOTS / "import_preview_errors.png"))
    page.errors_only.setChecked(True)
    assert model.rowCount() == 5
    saved = tmp_path / "오류목록.xlsx"
    page.ask_save_path = lambda title, suggested: str(saved)  # type: ignore[method-assign]
    page.save_errors_button.click()
    assert saved.exists() and "5행" in page.status.text()


def test_valid_only_then_import(qtbot, office: Office, tmp_path: Path) -> None:
    page = open_page(qtbot, office)
    load(qtbot, page, bad_file(tmp_path))
    page.valid_only.setChecked(True)
    assert page.import_button.isEnabled()
    asked: list[str] = []
    page.confirm_import = lambda text: asked.append(text) or True  # type: ignore[method-assign]
    page.import_button.click()
    qtbot.waitUntil(lambda: page.last_result is not None, timeout=20000)
    assert "신규 고객 3명" in asked[0] and "5행은 등록하지 않습니다" in asked[0]
    assert "고객 3명 등록" in page.status.text()
    assert table_counts(office.db) == (3, 3, 3)
    assert page.preview is None and page.model.rowCount() == 0


def test_a_bad_file_shows_why(qtbot, office: Office, tmp_path: Path) -> None:
    page = open_page(qtbot, office)
    path = tmp_path / "list.xlsx"
    path.write_text("이름,계좌\n", encoding="utf-8")
    load(qtbot, page, path)
    assert "엑셀 통합 문서(.xlsx) 파일이 아닙니다" in page.status.text()
    assert page.preview is None and not page.import_button.isEnabled()


def test_cancel_writes_nothing(qtbot, office: Office, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = open_page(qtbot, office)
    load(qtbot, page, write_rows(tmp_path / "ok.xlsx", [as_list(row_values(n)) for n in range(1, 5)]))
    real = imports.run_import

    def slow(db, actor, preview, key, *, progress, cancelled):
        deadline = time.monotonic() + 10
        while not cancelled() and time.monotonic() < deadline:
            time.sleep(0.01)
        return real(db, actor, preview, key, progress=progress, cancelled=cancelled)

    monkeypatch.setattr(import_view.imports, "run_import", slow)
    page.confirm_import = lambda text: True  # type: ignore[method-assign]
    page.import_button.click()
    assert page.cancel_button.isVisible() and page.progress.isVisible()
    page.cancel_button.click()
    qtbot.waitUntil(lambda: page.task is None, timeout=20000)
    assert "취소했습니다" in page.status.text()
    assert table_counts(office.db) == (0, 0, 0)
    assert page.preview is not None and page.import_button.isEnabled()


WORK_SHOTS = Path("/tmp/work/shots")


def shot(page: ImportPage, request, name: str) -> None:
    """The page at 1366×768 as a PNG under /tmp/work/shots (SQLite run only: one picture each)."""
    if request.node.callspec.params.get("db") != "sqlite":
        return
    WORK_SHOTS.mkdir(parents=True, exist_ok=True)
    page.resize(1366, 768)
    page.grab()  # lay out once at the new size, then let wrapped labels take their height
    page.repaint()
    assert page.grab().save(str(WORK_SHOTS / name))


def test_a_clerk_s_list_gets_the_mapping_step_and_it_is_remembered(qtbot, office: Office, tmp_path: Path,
                                                                 request) -> None:
    from tests.imports.clerk_sheet import write_clerk_xlsx

    page = open_page(qtbot, office)
    page.valid_only.setChecked(True)
    path = write_clerk_xlsx(tmp_path / "회원명단.xlsx")
    load(qtbot, page, path)
    assert page.mapping_box.isVisible() and page.model.rowCount() == 11
    table = page.mapping_table
    headers = [table.item(r, 0).text() for r in range(table.rowCount())]
    memo = headers.index("메모사항")
    assert table.item(memo, 2).text() == "알 수 없는 열" and table.cellWidget(memo, 1).currentText() == "— 고르세요 —"
    assert table.item(headers.index("원비"), 2).text() == "같은 뜻의 열 이름"
    assert table.cellWidget(headers.index("원비"), 1).currentText() == "월이체금액 *"
    assert table.cellWidget(headers.index("순번"), 1).currentText() == "사용 안 함"
    assert "메모사항" in page.mapping_hint.text() and "메모사항" in page.status.text()
    assert not page.import_button.isEnabled()  # nothing is written before the columns are decided
    shot(page, request, "import_mapping_step.png")
    combo = table.cellWidget(memo, 1)
    combo.setCurrentIndex(combo.findData("memo"))
    assert page.chosen_mapping() == {"메모사항": "memo"}
    qtbot.mouseClick(page.remap_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.task is None and page.preview is not None, timeout=20000)
    assert page.import_button.isEnabled() and table.item(memo, 2).text() == "직접 연결"
    assert "계좌번호가 그 은행의 계좌번호 체계(자릿수, 농협 구분)와 맞지 않는 행이 1개" in page.status.text()
    warned = next(r for r in range(page.model.rowCount()) if page.model.index(r, 2).data() == "H010")
    assert "KB국민은행 계좌번호는 10·11·12·14자리인데 6자리입니다" in page.model.index(warned, 4).data()
    shot(page, request, "import_mapping_decided.png")
    asked: list[str] = []
    page.confirm_import = lambda text: asked.append(text) or True  # type: ignore[method-assign]
    page.import_button.click()
    qtbot.waitUntil(lambda: page.last_result is not None, timeout=20000)
    assert "고른 열 연결은 이 계약에 기억해" in asked[0] and "계좌번호가 은행의 체계와 맞지 않는 1행" in asked[0]
    assert table_counts(office.db) == (10, 10, 10) and not page.mapping_box.isVisible()
    assert imports.remembered_mapping(office.db, office.contract_id) == {"메모사항": "memo"}
    load(qtbot, page, path)  # next time: applied by itself, and shown
    headers = [table.item(r, 0).text() for r in range(table.rowCount())]
    assert table.item(headers.index("메모사항"), 2).text() == "지난번 연결"
    assert table.cellWidget(headers.index("메모사항"), 1).currentText() == "메모"


def test_a_missing_required_column_opens_the_mapping_step(qtbot, office: Office, tmp_path: Path,
                                                         request) -> None:
    from openpyxl import load_workbook

    from tests.imports.clerk_sheet import HEADER_ROW, write_clerk_xlsx

    path = write_clerk_xlsx(tmp_path / "회원명단.xlsx")
    wb = load_workbook(path)
    wb.active.cell(HEADER_ROW, 9).value = "통장"
    wb.save(path)
    page = open_page(qtbot, office)
    load(qtbot, page, path)
    assert page.preview is None and "필수 열이 없습니다: 계좌번호" in page.status.text()
    assert page.mapping_box.isVisible() and "필수 항목의 열이 없습니다: 계좌번호" in page.mapping_hint.text()
    shot(page, request, "import_mapping_missing.png")
    table = page.mapping_table
    headers = [table.item(r, 0).text() for r in range(table.rowCount())]
    for header, field in (("통장", "account_no"), ("메모사항", "")):
        combo = table.cellWidget(headers.index(header), 1)
        combo.setCurrentIndex(combo.findData(field))
    qtbot.mouseClick(page.remap_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.task is None and page.preview is not None, timeout=20000)
    assert page.preview.total == 11 and page.preview.plan.undecided == ()
    assert table_counts(office.db) == (0, 0, 0)


def test_an_old_xls_is_read_on_screen(qtbot, office: Office) -> None:
    page = open_page(qtbot, office)
    load(qtbot, page, Path(__file__).resolve().parent / "fixtures" / "clerk_list.xls")
    assert page.preview is not None and page.preview.total == 11 and page.preview.file_name == "clerk_list.xls"
