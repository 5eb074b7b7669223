"""동의자료 일괄첨부, 동의자료 보관·파기 and 고객 상세정보's [민원 자료 PDF], on SQLite and PostgreSQL."""

from __future__ import annotations

import zipfile
from pathlib import Path

from openpyxl import load_workbook
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.models import AuditLog, ConsentEvidence, EvidenceState
from app.services.customers.evidence import store as evidence
from app.views.customers.customer_detail import CustomerDetailDialog
from app.views.customers.evidence_bulk_view import EvidenceBulkPage
from app.views.customers.evidence_viewer import EvidenceViewer
from app.views.settings.evidence_retention_view import EvidenceRetentionPage
from app.views.shell.main_window import MainWindow
from tests.collection_views.helpers import Payer
from tests.evidence_views.conftest import (
    Boxes,
    Chooser,
    attach,
    context,
    end_long_ago,
    recording,
    scan_jpeg,
    scan_pdf,
    write,
)
from tests.factories import Office

LEFT = Qt.MouseButton.LeftButton


def shown(qtbot, widget):
    qtbot.addWidget(widget)
    widget.resize(1366, 768)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def scans(folder: Path) -> Path:
    folder.mkdir()
    write(folder, "2024001_수강료.jpg", scan_jpeg(1))   # one of 김민준's two agreements
    write(folder, "2024002 동의서.pdf", scan_pdf(1))    # words that are not an item are ignored
    write(folder, "2024001.jpg", scan_jpeg(2))          # 김민준 has two agreements: which one?
    write(folder, "9999999.jpg", scan_jpeg(3))          # no such 고객번호
    return folder


def test_bulk_attach_from_a_folder_reports_in_three_lists_and_saves_them(
        qtbot, office: Office, payers: list[Payer], chooser: Chooser, tmp_path: Path) -> None:
    page = shown(qtbot, EvidenceBulkPage(context(office)))
    assert not page.run_button.isEnabled()  # nothing chosen yet
    chooser.folder = str(scans(tmp_path / "scans"))
    qtbot.mouseClick(page.folder_button, LEFT)
    assert page.source_label.text().startswith("폴더: ") and page.run_button.isEnabled()
    qtbot.mouseClick(page.run_button, LEFT)
    qtbot.waitUntil(lambda: not page.busy, timeout=60_000)

    matched = {(m.customer_no, m.item_name, m.file_name) for m in page.matched_rows()}
    assert matched == {("2024001", "수강료", "2024001_수강료.jpg"), ("2024002", "수강료", "2024002 동의서.pdf")}
    missed = {m.file_name: m.reason for m in page.missed_rows()}
    assert set(missed) == {"2024001.jpg", "9999999.jpg"}
    assert all(reason for reason in missed.values())
    without = {(w.customer_no, w.item_name) for w in page.without_rows()}
    assert without == {("2024001", "교재비"), ("2024003", "수강료")}
    assert page.matched_caption.text() == "첨부됨 2건" and page.missed_caption.text() == "맞지 않음 2건"
    assert page.without_caption.text() == "아직 동의자료 없는 고객 2명 (이체정보 2건)"
    assert page.matched_model.rowCount() == 2 and page.matched_model.data(page.matched_model.index(0, 0))
    assert "첨부 2건" in page.summary.text()
    assert evidence.current(office.db, office.admin, payers[0].agreement_id) is not None

    chooser.save_path = str(tmp_path / "결과.xlsx")
    qtbot.mouseClick(page.save_button, LEFT)
    qtbot.waitUntil(lambda: "저장했습니다" in page.summary.text(), timeout=10_000)
    cells = [str(c.value) for row in load_workbook(tmp_path / "결과.xlsx").active.iter_rows() for c in row if c.value]
    for expected in ("첨부됨 2건", "맞지 않음 2건", "2024001_수강료.jpg", "9999999.jpg", "박지호"):
        assert any(expected in c for c in cells), expected
    with office.db.session() as s:
        assert s.scalar(select(AuditLog).where(AuditLog.action == "personal_data_exported")) is not None


def test_bulk_attach_from_a_zip_with_a_chosen_kind(qtbot, office: Office, payers: list[Payer],
                                                    chooser: Chooser, tmp_path: Path) -> None:
    archive = tmp_path / "녹취.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("2024003.wav", recording())
    page = shown(qtbot, EvidenceBulkPage(context(office)))
    chooser.open_path = str(archive)
    qtbot.mouseClick(page.zip_button, LEFT)
    assert page.source_label.text().startswith("zip: ")
    page.kind.setCurrentIndex(page.kind.findText("녹취"))
    qtbot.mouseClick(page.run_button, LEFT)
    qtbot.waitUntil(lambda: not page.busy, timeout=60_000)
    assert [m.customer_no for m in page.matched_rows()] == ["2024003"]
    info = evidence.current(office.db, office.admin, payers[2].agreement_id)
    assert info is not None and info.kind.label == "녹취" and info.extension == "mp3"


def test_viewer_role_cannot_start_a_bulk_attach(qtbot, office: Office, payers: list[Payer], viewer) -> None:
    page = shown(qtbot, EvidenceBulkPage(context(office, viewer)))
    assert not page.folder_button.isEnabled() and not page.zip_button.isEnabled()
    assert not page.run_button.isEnabled() and not page.readonly_note.isHidden()
    page.source = Path("/nowhere")
    page.run()
    assert not page.busy


def due(office: Office, payers: list[Payer]) -> list[int]:
    """Evidence of 김민준 and 이서연, whose agreements ended in January 2021; 박지호's is still in use."""
    ids = [attach(office, payers[0], scan_jpeg(1), "a.jpg").id, attach(office, payers[1], scan_jpeg(2), "b.jpg").id]
    attach(office, payers[2], scan_jpeg(3), "c.jpg")
    end_long_ago(office, payers[0])
    end_long_ago(office, payers[1])
    return ids


def test_retention_lists_exports_and_destroys(qtbot, office: Office, payers: list[Payer], chooser: Chooser,
                                              boxes: Boxes, tmp_path: Path) -> None:
    ids = due(office, payers)
    page = shown(qtbot, EvidenceRetentionPage(context(office)))
    rows = page.model.rows()
    assert [r.id for r in rows] == ids
    assert page.model.data(page.model.index(0, page.model.column_of("해지일"))) == "2021-01-31"
    assert page.model.data(page.model.index(0, page.model.column_of("보관기한"))) == "2026-01-31"
    assert "보관기한이 지난 동의자료 2건" in page.today_label.text()
    assert not page.export_button.isEnabled() and not page.destroy_button.isEnabled()
    page.list.all_box.setChecked(True)
    assert page.list.totals.text().startswith("선택 2건")

    chooser.save_path = str(tmp_path / "보관.zip")
    qtbot.mouseClick(page.export_button, LEFT)
    qtbot.waitUntil(lambda: "보관 파일을 저장했습니다" in page.status.text(), timeout=10_000)
    with zipfile.ZipFile(tmp_path / "보관.zip") as z:
        names = set(z.namelist())
    assert {"manifest.csv", "manifest.json"} <= names and len(names) == 4
    assert page.model.data(page.model.index(0, page.model.column_of("내보냄"))) == "저장함"

    boxes.answer = False  # 아니오: nothing destroyed
    qtbot.mouseClick(page.destroy_button, LEFT)
    assert "2건을 파기합니다" in boxes.asked[-1] and "내보내지 않았습니다" not in boxes.asked[-1]
    assert len(page.model.rows()) == 2
    boxes.answer = True
    qtbot.mouseClick(page.destroy_button, LEFT)
    assert "2건을 파기했습니다" in page.status.text()
    assert page.model.rows() == [] and "없습니다" in page.today_label.text()
    with office.db.session() as s:
        gone = s.scalars(select(ConsentEvidence).where(ConsentEvidence.id.in_(ids))).all()
        assert all(e.content_enc is None and e.state is EvidenceState.DESTROYED for e in gone)
        assert len(s.scalars(select(AuditLog).where(AuditLog.action == "evidence_destroyed")).all()) == 2


def test_destroy_confirmation_names_what_was_not_exported(qtbot, office: Office, payers: list[Payer],
                                                          boxes: Boxes) -> None:
    due(office, payers)
    page = shown(qtbot, EvidenceRetentionPage(context(office)))
    page.model.toggle(0)
    boxes.answer = False
    page.destroy_ticked()
    assert "1건을 파기합니다" in boxes.asked[-1] and "1건은 이 화면에서 보관 파일로 내보내지 않았습니다" in boxes.asked[-1]


def test_retention_is_for_administrators(qtbot, office: Office, payers: list[Payer], clerk, viewer) -> None:
    due(office, payers)
    for actor in (clerk, viewer):
        window = MainWindow(context(office, actor))
        qtbot.addWidget(window)
        assert window.open_page("settings.evidence_retention") is False
        assert window.open_page("customers.evidence_bulk") is True
        page = shown(qtbot, EvidenceRetentionPage(context(office, actor)))  # built anyway: no ticks, no buttons
        assert not page.model.has_ticks and page.export_button.isHidden() and page.destroy_button.isHidden()
        page.destroy_ticked()
    with office.db.session() as s:
        assert s.scalars(select(ConsentEvidence).where(ConsentEvidence.content_enc.is_(None))).all() == []


def test_dispute_pdf_is_saved_from_the_customer_window_and_can_be_opened(
        qtbot, office: Office, payers: list[Payer], chooser: Chooser, boxes: Boxes, tmp_path: Path) -> None:
    attach(office, payers[0], scan_jpeg(), "동의서.jpg")
    window = shown(qtbot, CustomerDetailDialog(context(office), payers[0].customer_id))
    assert not window.dispute_button.isHidden()
    chooser.save_path = str(tmp_path / "민원.pdf")
    boxes.answer = True
    qtbot.mouseClick(window.dispute_button, LEFT)
    qtbot.waitUntil(lambda: window.dispute.viewer is not None, timeout=60_000)
    assert (tmp_path / "민원.pdf").read_bytes().startswith(b"%PDF")
    assert "민원 자료를 저장했습니다" in boxes.asked[-1]
    viewer = window.dispute.viewer
    assert isinstance(viewer, EvidenceViewer) and viewer.pages is not None and viewer.pages.pages() >= 1
    viewer.reject()
    with office.db.session() as s:
        assert s.scalar(select(AuditLog).where(AuditLog.action == "personal_data_exported")) is not None


def test_dispute_pdf_is_an_administrators_button(qtbot, office: Office, payers: list[Payer], clerk) -> None:
    window = shown(qtbot, CustomerDetailDialog(context(office, clerk), payers[0].customer_id))
    assert window.dispute_button.isHidden()
    window.dispute_pdf()
    assert window.dispute.viewer is None
