"""The evidence viewer: images with zoom, PDF pages with navigation, recordings played from memory,
signatures summarised; nothing of the evidence is written to disk."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, Qt

from app.views.customers import evidence_viewer
from app.views.customers.evidence_viewer import (
    EvidenceViewer,
    PdftoppmSource,
    content_type,
    open_label,
)
from tests.evidence_views.conftest import recording, scan_jpeg, scan_pdf, signature

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def nothing_on_disk(tmp_path: Path) -> Iterator[None]:
    """The viewer leaves no file behind (the data folder, KSCMS_DATA_DIR, is under tmp_path); only the
    pdftoppm fallback writes a page image there for a moment, in a folder it removes."""
    before = sorted(p for p in tmp_path.rglob("*") if not p.is_dir())
    yield
    assert sorted(p for p in tmp_path.rglob("*") if not p.is_dir()) == before
    assert not list(tmp_path.rglob("evidence-*"))


def open_viewer(qtbot, data: bytes, extension: str) -> EvidenceViewer:
    viewer = EvidenceViewer(data, extension, title="동의자료 보기 — 김민준", facts="김민준 (2024001) · 수강료 · 서면")
    qtbot.addWidget(viewer)
    viewer.resize(1000, 740)
    viewer.show()
    qtbot.waitExposed(viewer)
    return viewer


def test_an_image_is_fitted_to_the_window_and_zooms(qtbot) -> None:
    viewer = open_viewer(qtbot, scan_jpeg(), "jpg")
    pane = viewer.pages
    assert pane is not None and viewer.kind == "image" and not viewer.error.isVisible()
    assert pane.fit == "page" and pane.fit_button.isChecked()
    room = pane.page_area.viewport().size()
    shown = pane.image_label.pixmap().deviceIndependentSize()
    assert shown.height() <= room.height() and shown.width() <= room.width()  # whole page visible
    assert pane.prev_button.isHidden() and pane.next_button.isHidden()  # one page: no page buttons
    fitted = pane.current_zoom()
    qtbot.mouseClick(pane.in_button, LEFT)
    assert pane.fit is None and pane.current_zoom() > fitted
    assert pane.image_label.pixmap().deviceIndependentSize().width() > shown.width()
    qtbot.mouseClick(pane.actual_button, LEFT)
    assert pane.zoom_label.text() == "100%"
    assert pane.image_label.pixmap().deviceIndependentSize().width() == 620  # the scan's own width
    qtbot.mouseClick(pane.out_button, LEFT)
    assert pane.zoom_label.text() == "90%"
    qtbot.mouseClick(pane.width_button, LEFT)  # as wide as the window, scrolled down
    assert pane.fit == "width" and pane.width_button.isChecked() and not pane.fit_button.isChecked()
    assert pane.image_label.pixmap().deviceIndependentSize().width() > shown.width()
    assert pane.image_label.pixmap().deviceIndependentSize().width() <= room.width()
    qtbot.mouseClick(pane.fit_button, LEFT)
    assert pane.fit == "page" and pane.image_label.pixmap().deviceIndependentSize() == shown


def test_pdf_pages_render_and_page_through(qtbot) -> None:
    viewer = open_viewer(qtbot, scan_pdf(3), "pdf")
    pane = viewer.pages
    assert pane is not None and viewer.kind == "pdf" and pane.pages() == 3
    assert pane.page_label.text() == "1 / 3쪽" and not pane.prev_button.isEnabled()
    first = pane.image_label.pixmap().toImage()
    qtbot.mouseClick(pane.next_button, LEFT)
    assert pane.page_label.text() == "2 / 3쪽" and pane.prev_button.isEnabled()
    assert pane.image_label.pixmap().toImage() != first  # another page drawn
    qtbot.mouseClick(pane.next_button, LEFT)
    assert pane.page_label.text() == "3 / 3쪽" and not pane.next_button.isEnabled()
    pane.set_zoom(2.0)  # re-rendered at the size shown, not a blown-up bitmap
    assert pane.image_label.pixmap().deviceIndependentSize().width() == pytest.approx(595 * 96 / 72 * 2, abs=2)


def test_pdf_without_qtpdf_is_rendered_by_pdftoppm(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evidence_viewer, "HAVE_QTPDF", False)
    viewer = open_viewer(qtbot, scan_pdf(2), "pdf")
    assert isinstance(viewer.source, PdftoppmSource) and viewer.pages is not None
    assert viewer.pages.pages() == 2 and not viewer.pages.image_label.pixmap().isNull()
    qtbot.mouseClick(viewer.pages.next_button, LEFT)
    assert viewer.pages.page_label.text() == "2 / 2쪽"


def test_a_recording_plays_from_memory(qtbot) -> None:
    data = recording()
    viewer = open_viewer(qtbot, data, "wav")
    audio = viewer.audio
    assert audio is not None and viewer.kind == "audio" and audio.player is not None
    device = audio.player.sourceDevice()
    assert isinstance(device, QBuffer) and bytes(device.data()) == data  # the bytes, not a file
    assert audio.player.source().toString() == "evidence.wav"  # names the format only
    assert audio.play_button.text() == "▶ 재생" and audio.slider is not None
    assert re.fullmatch(r"\d\d:\d\d / \d\d:\d\d", audio.time_label.text())
    audio.toggle()
    viewer.reject()  # stops the player and lets go of the bytes
    assert audio.buffer.data().size() == 0


def test_a_signature_is_summarised(qtbot) -> None:
    data = signature()
    viewer = open_viewer(qtbot, data, "der")
    assert viewer.summary is not None
    rows = dict(viewer.summary.rows)
    assert rows["크기"] == f"{len(data):,} bytes"
    assert rows["SHA-256"] == hashlib.sha256(data).hexdigest()


def test_damaged_content_is_said_not_crashed(qtbot) -> None:
    viewer = open_viewer(qtbot, b"%PDF-1.4 broken", "pdf")
    assert viewer.pages is None and "PDF 파일을 열 수 없습니다" in viewer.error.text()
    viewer = open_viewer(qtbot, b"\xff\xd8\xff broken", "jpg")
    assert viewer.pages is None and "그림 파일을 읽을 수 없습니다" in viewer.error.text()


def test_labels_by_type() -> None:
    assert [content_type(e) for e in ("JPG", "tiff", "pdf", "mp3", "der", "xyz")] == \
        ["image", "image", "pdf", "audio", "der", "other"]
    assert open_label("mp3") == "듣기" and open_label("jpg") == "보기"
