"""The 동의자료 section of the 이체정보 dialog (and its window of its own from 고객 상세정보), driven the
way a clerk drives it, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from sqlalchemy import select

from app.models import AuditLog, EvidenceKind, EvidenceState
from app.services.customers import records as customers
from app.services.customers.evidence import fit as evidence_fit
from app.services.customers.evidence import store as evidence
from app.views.customers.agreement_dialog import AgreementDialog
from app.views.customers.customer_detail import CustomerDetailDialog
from app.views.customers.evidence_panel import EvidenceDialog, EvidencePanel, guess_kind
from app.views.customers.evidence_viewer import EvidenceViewer
from tests.collection_views.helpers import Payer
from tests.evidence.helpers import form_page, noise_image, tiff_pages
from tests.evidence_views.conftest import (
    Chooser,
    attach,
    context,
    recording,
    scan_jpeg,
    write,
)
from tests.factories import Office

LEFT = Qt.MouseButton.LeftButton


def edit_dialog(qtbot, office: Office, payer: Payer, actor=None) -> AgreementDialog:
    ctx = context(office, actor)
    detail = customers.get_customer_detail(office.db, ctx.actor, payer.customer_id)
    row = next(a for a in detail.agreements if a.id == payer.agreement_id)
    dialog = AgreementDialog(ctx, detail, row)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def choose_and_attach(qtbot, panel: EvidencePanel, chooser: Chooser, path: Path,
                      kind: EvidenceKind | None = None) -> None:
    chooser.open_path = str(path)
    qtbot.mouseClick(panel.attach_button, LEFT)
    dialog = panel.kind_dialog
    assert dialog is not None and dialog.isVisible()
    if kind is not None:
        dialog.kind.setCurrentIndex(dialog.kind.findData(kind.value))
    qtbot.mouseClick(dialog.ok_button, LEFT)
    qtbot.waitUntil(lambda: not panel.busy, timeout=30_000)


def test_attach_from_the_agreement_dialog_shows_what_was_kept(qtbot, office: Office, payers: list[Payer],
                                                              chooser: Chooser, tmp_path: Path) -> None:
    dialog = edit_dialog(qtbot, office, payers[0])
    panel = dialog.evidence
    assert not panel.empty.isHidden() and "동의자료가 없습니다" in panel.empty.text()
    assert panel.attach_button.text() == "첨부…" and panel.open_button.isHidden()

    pages = [noise_image(200, 280, seed=1).convert("L").resize((620, 877)), noise_image(200, 280, seed=2)
             .convert("L").resize((620, 877))]
    path = write(tmp_path, "김민준 동의서.tif", tiff_pages(pages))
    choose_and_attach(qtbot, panel, chooser, path)
    assert "*.tif" in chooser.filters[0] and "*.mp3" in chooser.filters[0]
    assert not panel.error.isVisible(), panel.error.text()
    info = evidence.current(office.db, office.admin, payers[0].agreement_id)
    assert info is not None and info.kind is EvidenceKind.WRITTEN and info.extension == "jpg"
    v = panel.values
    assert v["구분"].text() == "1 서면"
    assert v["파일"].text().startswith("김민준 동의서.tif → JPG") and "원본" in v["파일"].text()
    assert v["SHA-256"].text() == info.sha256[:16] + "…" and v["SHA-256"].toolTip() == info.sha256
    assert v["상태"].text().startswith("증빙전송대기")
    assert v["첨부"].text().startswith("admin · 2026-11-20 10:00")
    assert info.note and v["처리"].text() == info.note  # what fitting did
    assert "동의자료를 첨부했습니다" in panel.message.text() and info.note in panel.message.text()
    assert panel.attach_button.text() == "교체…"
    assert not panel.open_button.isHidden() and panel.open_button.text() == "보기"

    # 교체: a recording; the kind is guessed (녹취) and the waiting scan becomes 교체됨
    choose_and_attach(qtbot, panel, chooser, write(tmp_path, "통화녹음.wav", recording()))
    now = evidence.for_agreement(office.db, office.admin, payers[0].agreement_id)
    assert [e.state for e in now] == [EvidenceState.WAITING, EvidenceState.REPLACED]
    assert now[0].kind is EvidenceKind.RECORDING and now[0].extension == "mp3"
    assert panel.open_button.text() == "듣기" and "이전 자료 1건" in panel.values["첨부"].text()


def test_refusals_say_why_and_what_to_do(qtbot, office: Office, payers: list[Payer], chooser: Chooser,
                                         tmp_path: Path) -> None:
    dialog = edit_dialog(qtbot, office, payers[1])
    panel = dialog.evidence
    # a stack of more pages than one piece of evidence may hold: refused, with what to send instead
    page = form_page(width=200, height=280, noise=0)
    many = write(tmp_path, "many.tif", tiff_pages([page] * (evidence_fit.MAX_PAGES + 1)))
    choose_and_attach(qtbot, panel, chooser, many)
    assert panel.error.isVisible() and "서명이 있는 쪽만" in panel.error.text()
    assert evidence.current(office.db, office.admin, payers[1].agreement_id) is None
    # a file of another kind is refused before anything is read
    chooser.open_path = str(write(tmp_path, "memo.docx", b"PK\x03\x04"))
    qtbot.mouseClick(panel.attach_button, LEFT)
    assert "받을 수 없는 형식" in panel.error.text()
    # a file that vanished between choosing and reading
    gone = write(tmp_path, "gone.jpg", scan_jpeg())
    chooser.open_path = str(gone)
    qtbot.mouseClick(panel.attach_button, LEFT)
    gone.unlink()
    assert panel.kind_dialog is not None
    qtbot.mouseClick(panel.kind_dialog.ok_button, LEFT)
    qtbot.waitUntil(lambda: not panel.busy, timeout=10_000)
    assert "파일을 읽을 수 없습니다: gone.jpg" in panel.error.text() and "다시 고르세요" in panel.error.text()


def test_a_file_chosen_while_adding_goes_with_the_new_agreement(qtbot, office: Office, payers: list[Payer],
                                                                chooser: Chooser, tmp_path: Path) -> None:
    ctx = context(office)
    detail = customers.get_customer_detail(office.db, ctx.actor, payers[1].customer_id)
    dialog = AgreementDialog(ctx, detail, None)
    qtbot.addWidget(dialog)
    dialog.show()
    panel = dialog.evidence
    assert "이체정보를 추가할 때 함께 저장합니다" in panel.empty.text()
    choose_and_attach(qtbot, panel, chooser, write(tmp_path, "2024002 동의서.jpg", scan_jpeg(4)))
    assert panel.pending is not None and "저장하면 첨부합니다: 2024002 동의서.jpg" in panel.empty.text()
    dialog.item.setCurrentIndex(dialog.item.findText("교재비"))
    dialog.debit_limit.setText("100,000")
    dialog.monthly_amount.setText("40,000")
    dialog.bank.setCurrentIndex(dialog.bank.findData("004"))
    dialog.account_no.setText("94370200123456")
    dialog.holder_name.setText("이서연 보호자")
    dialog.holder_id.setText("800101")
    dialog.save()
    assert dialog.saved_id is not None, dialog.error.text()
    assert "동의자료를 첨부했습니다" in dialog.done_message
    info = evidence.current(office.db, office.admin, dialog.saved_id)
    assert info is not None and info.original_name == "2024002 동의서.jpg" and info.item_name == "교재비"


def test_viewer_role_sees_the_evidence_but_cannot_attach_or_open_it(qtbot, office: Office, payers: list[Payer],
                                                                    viewer) -> None:
    attach(office, payers[0], scan_jpeg(), "동의서.jpg")
    panel = EvidencePanel(context(office, viewer), payers[0].agreement_id)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.values["파일"].text().startswith("동의서.jpg → JPG")
    assert panel.attach_button.isHidden()
    assert not panel.open_button.isEnabled() and "조회 권한" in panel.open_button.toolTip()
    panel.choose_file()  # nothing happens, not even a file dialog
    assert panel.kind_dialog is None
    panel.open_viewer()
    assert panel.viewer is None
    # 고객 상세정보 offers the 동의자료 window to every role
    window = CustomerDetailDialog(context(office, viewer), payers[0].customer_id)
    qtbot.addWidget(window)
    assert window.evidence_button.isEnabled() and window.dispute_button.isHidden()
    window.show_evidence()
    assert isinstance(window.active_dialog, EvidenceDialog)
    assert window.active_dialog.panel.attach_button.isHidden()
    window.active_dialog.reject()


def test_open_button_opens_the_viewer_and_audits_it(qtbot, office: Office, payers: list[Payer]) -> None:
    info = attach(office, payers[2], scan_jpeg(), "동의서.jpg")
    panel = EvidencePanel(context(office), payers[2].agreement_id)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.mouseClick(panel.open_button, LEFT)
    assert isinstance(panel.viewer, EvidenceViewer) and panel.viewer.pages is not None
    assert panel.viewer.windowTitle() == "동의자료 보기 — 박지호"
    assert panel.viewer.heading.text().startswith("박지호 (2024003) · 수강료 · 서면 · 동의서.jpg → JPG")
    panel.viewer.reject()
    with office.db.session() as s:
        reveals = s.scalars(select(AuditLog).where(AuditLog.action == "personal_data_revealed")).all()
    assert len(reveals) == 1 and str(info.id) in str(reveals[0].detail)


def test_kind_is_guessed_from_the_file_name() -> None:
    assert guess_kind("a.MP3") is EvidenceKind.RECORDING
    assert guess_kind("녹취.m4a") is EvidenceKind.RECORDING
    assert guess_kind("sign.der") is EvidenceKind.E_SIGNATURE
    assert guess_kind("scan.tif") is EvidenceKind.WRITTEN
    assert guess_kind("form.pdf") is EvidenceKind.WRITTEN
