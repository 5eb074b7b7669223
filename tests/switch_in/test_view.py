"""일괄등록 on screen with another service's export: the profile and its mapping shown before writing,
the whole-file values, the per-row fill checked again, the D-2 mark, and the evidence report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.services.common.crypto import DataKey
from app.services.customers.imports.rows import Status
from app.views.common.context import AppContext
from app.views.customers.import_view import ImportPage, PreviewModel
from tests.evidence.helpers import encoded, form_page
from tests.factories import Office
from tests.imports.conftest import table_counts
from tests.switch_in.exports import HYOSUNG_HEADER, NOW, hyosung_row, nh_account, write_export

SHOTS = Path("/tmp/work/shots/h1")


@pytest.fixture(autouse=True)
def no_boxes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: shown.append(text))
    yield
    assert not shown, shown


def open_page(qtbot, office: Office) -> ImportPage:
    page = ImportPage(AppContext(office.db, office.admin, office.contract_id, data_key=DataKey.generate(),
                                 clock=lambda: NOW))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    return page


def shot(page: ImportPage, request, name: str) -> None:
    """The page at 1366×768 as a PNG (SQLite run only: one picture each)."""
    if request.node.callspec.params.get("db") != "sqlite":
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.resize(1366, 768)
    page.grab()
    page.repaint()
    assert page.grab().save(str(SHOTS / name))


def idle(qtbot, page: ImportPage) -> None:
    qtbot.waitUntil(lambda: page.task is None, timeout=20000)


def column(model: PreviewModel, title: str) -> int:
    return model.headers.index(title)


def row_of(model: PreviewModel, excel_row: int) -> int:
    return next(r for r in range(model.rowCount()) if model.row_at(r).row == excel_row)


def test_the_export_is_named_filled_per_row_checked_again_and_imported_with_evidence(
        qtbot, office: Office, tmp_path: Path, request) -> None:
    rows = [hyosung_row(1), hyosung_row(2, 약정일="05"), hyosung_row(3, 회원상태="탈퇴"), hyosung_row(4)]
    path = write_export(tmp_path / "효성_계약정보.xlsx", HYOSUNG_HEADER, rows)
    page = open_page(qtbot, office)
    shot(page, request, "import_empty.png")
    bar = page.file_bar
    bar.item.setCurrentIndex(bar.item.findData("수강료"))
    bar.first_month.setText("2026-12")
    page.ask_open_path = lambda: str(path)  # type: ignore[method-assign]
    page.browse_button.click()
    idle(qtbot, page)

    assert page.mapping_box.isVisible() and page.mapping_box.title() == "열 연결 — 효성 CMS+ 납부자 목록"
    assert "효성 CMS+ 납부자 목록으로 읽었습니다" in page.mapping_hint.text()
    table = page.mapping_table
    mapped = {table.item(r, 0).text(): (table.cellWidget(r, 1).currentText(), table.item(r, 2).text())
              for r in range(table.rowCount())}
    assert mapped["결제정보"] == ("계좌번호 *", "효성 CMS+") and mapped["청구시작일"][0] == "사용 안 함"
    notes = [page.notes.item(i).text() for i in range(page.notes.count())]
    assert page.notes.isVisible() and notes[0].startswith("효성 CMS+ 납부자 목록으로 읽었습니다")
    assert any("다시 신청합니다" in n for n in notes) and any("동의자료는 나중에 첨부합니다" in n for n in notes)
    assert not page.guide.isVisible() and not page.import_button.isEnabled()
    model = page.model
    assert model.headers[5:] == ("계좌신청", "결제정보", "예금주생년월일")
    first = row_of(model, 2)
    assert model.flags(model.index(first, column(model, "결제정보"))) & Qt.ItemFlag.ItemIsEditable
    assert not model.flags(model.index(first, 4)) & Qt.ItemFlag.ItemIsEditable
    assert model.index(row_of(model, 4), 1).data() == "건너뜀" and "탈퇴" in model.index(row_of(model, 4), 4).data()
    shot(page, request, "import_hyosung_preview.png")

    for excel_row, number in ((2, 1), (3, 2), (5, 4)):
        at = row_of(model, excel_row)
        assert model.setData(model.index(at, column(model, "결제정보")), nh_account(number))
        assert model.setData(model.index(at, column(model, "예금주생년월일")), f"80010{number}")
    assert model.index(row_of(model, 2), column(model, "결제정보")).data() == "****0111"  # typed, shown masked
    assert "다시 검사'를 누르면" in page.status.text()
    qtbot.mouseClick(page.recheck_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)
    assert page.preview is not None and page.preview.error_count == 0
    assert [model.row_at(r).status for r in range(model.rowCount())] == [Status.NEW, Status.NEW, Status.SKIP, Status.NEW]
    late_row = row_of(model, 3)  # 약정일 05: 12-05 is a Saturday, debited 12-07, the day the file goes
    late = model.index(late_row, column(model, "계좌신청"))
    assert late.data() == "⚠ 첫 출금 전 불가" and "최초이체년월을 2027-01(으)로 하세요" in late.data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(row_of(model, 2), column(model, "계좌신청")).data() == "신규 신청"
    assert "⚠" in page.status.text() and page.import_button.isEnabled()
    shot(page, request, "import_hyosung_rechecked.png")

    folder = tmp_path / "동의서"
    folder.mkdir()
    (folder / "00000001.jpg").write_bytes(encoded(form_page(width=640, height=900, noise=0), "JPEG", quality=70))
    (folder / "00000009.jpg").write_bytes(encoded(form_page(width=640, height=900, noise=0, seed=3), "JPEG", quality=70))
    bar.ask_folder = lambda: str(folder)  # type: ignore[method-assign]
    bar.choose_evidence("folder")
    idle(qtbot, page)  # a whole-file value changed: the file is checked again with it
    assert bar.source_label.text() == "동의서" and page.preview is not None and page.preview.error_count == 0
    asked: list[str] = []
    page.confirm_import = lambda text: asked.append(text) or True  # type: ignore[method-assign]
    page.import_button.click()
    qtbot.waitUntil(lambda: page.last_result is not None, timeout=30000)
    assert "효성 CMS+의 납부자 3명을 이 기관으로 은행에 다시 신청합니다" in asked[0]
    assert "고른 동의자료를 고객번호로 첨부합니다" in asked[0]
    assert table_counts(office.db) == (3, 3, 3)
    box = page.evidence_box
    assert box.isVisible() and "동의자료 첨부 1건" in box.summary.text()
    assert box.table.rowCount() == 1 and box.table.item(0, 0).text() == "00000009.jpg"
    assert "동의자료 첨부 1건" in page.status.text()
    shot(page, request, "import_hyosung_evidence.png")
