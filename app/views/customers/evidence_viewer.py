"""동의자료 보기/듣기: one piece of consent evidence shown or played inside the program.

The caller fetches the bytes with `evidence.open_content` (which writes the opening to the audit
log as a reveal of personal data) and hands them here; `show_evidence` does both. The bytes stay in
memory: images are decoded from them, a PDF is read by QtPdf from a `QBuffer`, a recording is played
by QtMultimedia from a `QBuffer` (`QMediaPlayer.setSourceDevice`), so no copy of the evidence is
written to disk. Only where QtPdf is missing (a trimmed Qt build) are PDF pages rendered by
`pdftoppm`, which cannot write to memory: it reads the PDF from its standard input and writes one
page image into a private (0700) folder inside the program's data folder, which is read back and
removed at once.

An electronic-signature record (DER) has nothing to look at: its size, SHA-256 and, when it is a
PKCS#7 structure, the signer certificates' names and validity are shown instead.

The same viewer shows a saved 민원 자료 PDF (`show_pdf_file`): the clerk has just saved that file,
so reading it back discloses nothing new.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt, QUrl
from PySide6.QtGui import (
    QImage,
    QImageReader,
    QKeySequence,
    QPainter,
    QPixmap,
    QResizeEvent,
    QShortcut,
)
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from app import config
from app.services.common.errors import ServiceError
from app.services.common.formats import stamp_text
from app.services.customers.evidence.fit import size_text
from app.views.common.base import hint_label, show_error
from app.views.common.context import AppContext

log = logging.getLogger(__name__)

try:  # QtPdf ships with PySide6's wheels; a trimmed build may lack it
    from PySide6.QtPdf import QPdfDocument

    HAVE_QTPDF = True
except ImportError:  # pragma: no cover - depends on the Qt build
    HAVE_QTPDF = False



def multimedia() -> Any:
    """PySide6.QtMultimedia, imported when a recording is first played (loading its backends takes a
    moment and talks to the sound system, which the rest of the program never needs); None when the
    Qt build lacks it."""
    try:
        from PySide6 import QtMultimedia
    except ImportError:  # pragma: no cover - depends on the Qt build
        return None
    return QtMultimedia

IMAGE_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "tif", "tiff"})
AUDIO_EXTENSIONS = frozenset({"mp3", "wav", "m4a", "wma", "ogg"})
SCREEN_DPI = 96.0  # "100 %" of a PDF page: its printed size on a common screen
ZOOM_STEPS = (0.1, 0.25, 0.33, 0.5, 0.67, 0.75, 0.9, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 6.0)


def content_type(extension: str) -> str:
    """"image", "pdf", "audio", "der" or "other": which pane shows an evidence file."""
    ext = extension.lower().lstrip(".")
    if ext in IMAGE_EXTENSIONS:
        return "image"
    if ext == "pdf":
        return "pdf"
    if ext in AUDIO_EXTENSIONS:
        return "audio"
    if ext == "der":
        return "der"
    return "other"


def open_label(extension: str) -> str:
    """The button's word: a recording is listened to, everything else looked at."""
    return "듣기" if content_type(extension) == "audio" else "보기"


def _in_memory(data: bytes, parent: QWidget) -> QBuffer:
    """A read-only QBuffer over a copy of `data` (Qt owns the copy; nothing touches the disk)."""
    buffer = QBuffer(parent)
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    return buffer


# --- page sources: what the page pane draws -----------------------------------------------------------


class PageSource(ABC):
    """Pages of something to look at, each rendered at the pixel size asked for."""

    @abstractmethod
    def count(self) -> int:
        """How many pages there are."""

    @abstractmethod
    def natural_size(self, page: int) -> QSize:
        """The page's size at 100 %."""

    @abstractmethod
    def render(self, page: int, size: QSize) -> QImage:
        """The page drawn at `size`."""

    @abstractmethod
    def close(self) -> None:
        """Let go of the content."""


class ImageSource(PageSource):
    """An image file decoded from memory; a multi-page TIFF gives one page per image in it."""

    def __init__(self, data: bytes, extension: str, parent: QWidget) -> None:
        self._buffer = _in_memory(data, parent)
        reader = QImageReader(self._buffer, QByteArray(extension.lower().encode("ascii")))
        reader.setAutoTransform(True)
        self.images: list[QImage] = []
        while True:
            image = reader.read()
            if image.isNull():
                break
            self.images.append(image)
            if not reader.jumpToNextImage():
                break
        self._buffer.close()
        if not self.images:
            raise ServiceError(f"그림 파일을 읽을 수 없습니다 ({reader.errorString()}). "
                               "파일이 손상되었을 수 있습니다. 원본을 다시 스캔해 교체하세요.")

    def count(self) -> int:
        return len(self.images)

    def natural_size(self, page: int) -> QSize:
        return self.images[page].size()

    def render(self, page: int, size: QSize) -> QImage:
        return self.images[page].scaled(size, Qt.AspectRatioMode.IgnoreAspectRatio,
                                        Qt.TransformationMode.SmoothTransformation)

    def close(self) -> None:
        self.images = []


class QtPdfSource(PageSource):
    """A PDF read by QtPdf from a QBuffer; each page rendered at the size shown, so it stays sharp."""

    def __init__(self, data: bytes, parent: QWidget) -> None:
        self._buffer = _in_memory(data, parent)
        self.document = QPdfDocument(parent)
        self.document.load(self._buffer)
        if self.document.status() != QPdfDocument.Status.Ready or self.document.pageCount() < 1:
            raise ServiceError("PDF 파일을 열 수 없습니다. 파일이 손상되었거나 암호가 걸려 있을 수 있습니다. "
                               "원본을 암호 없이 다시 저장해 교체하세요.")

    def count(self) -> int:
        return int(self.document.pageCount())

    def natural_size(self, page: int) -> QSize:
        points = self.document.pagePointSize(page)
        return QSize(round(points.width() * SCREEN_DPI / 72), round(points.height() * SCREEN_DPI / 72))

    def render(self, page: int, size: QSize) -> QImage:
        """The page on white paper: QtPdf leaves what the PDF does not paint transparent."""
        drawn = self.document.render(page, size)
        paper = QImage(drawn.size(), QImage.Format.Format_RGB32)
        paper.fill(Qt.GlobalColor.white)
        painter = QPainter(paper)
        painter.drawImage(0, 0, drawn)
        painter.end()
        return paper

    def close(self) -> None:
        self.document.close()
        self._buffer.close()


class PdftoppmSource(PageSource):
    """A PDF rendered by poppler's pdftoppm, for a Qt without QtPdf.

    pdftoppm reads the PDF from its standard input (the bytes never land in a file), but writes the
    page image to a file; that goes to a private temporary folder in the data folder and is read
    back and deleted straight away. A page is rendered once per resolution and kept in memory.
    """

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._cache: dict[tuple[int, int], QImage] = {}
        info = self._run(["pdfinfo", "-"], None)
        pages = [line.split(":", 1)[1].strip() for line in info.decode("utf-8", "replace").splitlines()
                 if line.startswith("Pages:")]
        sizes = [line.split(":", 1)[1] for line in info.decode("utf-8", "replace").splitlines()
                 if line.startswith("Page size:")]
        if not pages or not pages[0].isdigit() or int(pages[0]) < 1:
            raise ServiceError("PDF 파일을 열 수 없습니다. 파일이 손상되었을 수 있습니다. 원본을 다시 저장해 교체하세요.")
        self._pages = int(pages[0])
        width, height = 595.0, 842.0  # A4 when pdfinfo does not say
        if sizes:
            parts = sizes[0].replace("x", " ").split()
            try:
                width, height = float(parts[0]), float(parts[1])
            except (IndexError, ValueError):
                pass
        self._points = (width, height)

    def _run(self, command: list[str], folder: Path | None) -> bytes:
        if shutil.which(command[0]) is None:
            raise ServiceError("이 PC에서는 PDF를 표시할 수 없습니다 (Qt PDF 모듈과 poppler 도구가 모두 없습니다). "
                               "프로그램을 다시 설치하세요.")
        try:
            done = subprocess.run(command, input=self._data, capture_output=True, timeout=60, check=True,
                                  cwd=folder)
        except (OSError, subprocess.SubprocessError) as error:
            log.warning("pdf rendering failed: %s", type(error).__name__)
            raise ServiceError("PDF 쪽을 그리지 못했습니다. 파일이 손상되었을 수 있습니다.") from None
        return done.stdout

    def count(self) -> int:
        return self._pages

    def natural_size(self, page: int) -> QSize:
        return QSize(round(self._points[0] * SCREEN_DPI / 72), round(self._points[1] * SCREEN_DPI / 72))

    def render(self, page: int, size: QSize) -> QImage:
        dpi = max(24, min(600, round(size.width() * 72 / self._points[0])))
        if (page, dpi) not in self._cache:
            folder = Path(tempfile.mkdtemp(prefix="evidence-", dir=config.data_dir()))  # mkdtemp makes it 0700
            try:
                self._run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page + 1), "-l", str(page + 1),
                           "-singlefile", "-", str(folder / "page")], folder)
                image = QImage()
                image.loadFromData((folder / "page.png").read_bytes(), "PNG")
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            self._cache = {(page, dpi): image}  # one page at a time is enough
        image = self._cache[(page, dpi)]
        return image.scaled(size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)

    def close(self) -> None:
        self._cache = {}
        self._data = b""


def pdf_source(data: bytes, parent: QWidget) -> PageSource:
    return QtPdfSource(data, parent) if HAVE_QTPDF else PdftoppmSource(data)


# --- panes -------------------------------------------------------------------------------------------


class PagePane(QWidget):
    """Pages with zoom (화면에 맞춤 / 폭에 맞춤 / 축소 / 확대 / 원래 크기) and, for several pages, 이전 / 다음.

    A fitted view (`fit` "page": the whole page; "width": the page's width, scrolled down — a form
    of several pages stacked into one picture reads best so) follows the window's size; a chosen
    zoom stays as it is."""

    def __init__(self, source: PageSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.page = 0
        self.fit: str | None = "page"
        self.zoom = 1.0
        self.image_label = QLabel()
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.page_area = QScrollArea()
        self.page_area.setWidget(self.image_label)
        self.page_area.setWidgetResizable(True)
        self.page_area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.page_area.setStyleSheet("QScrollArea { background: #5a5f66; } QLabel { background: #5a5f66; }")
        self.fit_button = QPushButton("화면에 맞춤")
        self.width_button = QPushButton("폭에 맞춤")
        for button in (self.fit_button, self.width_button):
            button.setCheckable(True)
        self.out_button = QPushButton("축소 −")
        self.in_button = QPushButton("확대 +")
        self.actual_button = QPushButton("원래 크기")
        self.zoom_label = QLabel("")
        self.zoom_label.setMinimumWidth(56)
        self.prev_button = QPushButton("◀ 이전 쪽")
        self.next_button = QPushButton("다음 쪽 ▶")
        self.page_label = QLabel("")
        for button in (self.fit_button, self.width_button, self.out_button, self.in_button, self.actual_button,
                       self.prev_button, self.next_button):
            button.setAutoDefault(False)
        bar = QHBoxLayout()
        for widget in (self.prev_button, self.page_label, self.next_button):
            bar.addWidget(widget)
            widget.setVisible(source.count() > 1)
        bar.addStretch(1)
        for widget in (self.fit_button, self.width_button, self.out_button, self.zoom_label, self.in_button,
                       self.actual_button):
            bar.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.page_area, 1)
        self.fit_button.clicked.connect(lambda: self.fit_to("page"))
        self.width_button.clicked.connect(lambda: self.fit_to("width"))
        self.out_button.clicked.connect(lambda: self.step_zoom(-1))
        self.in_button.clicked.connect(lambda: self.step_zoom(1))
        self.actual_button.clicked.connect(lambda: self.set_zoom(1.0))
        self.prev_button.clicked.connect(lambda: self.go_to(self.page - 1))
        self.next_button.clicked.connect(lambda: self.go_to(self.page + 1))
        for keys, action in ((QKeySequence.StandardKey.ZoomIn, lambda: self.step_zoom(1)),
                             (QKeySequence.StandardKey.ZoomOut, lambda: self.step_zoom(-1)),
                             (QKeySequence(Qt.Key.Key_PageDown), lambda: self.go_to(self.page + 1)),
                             (QKeySequence(Qt.Key.Key_PageUp), lambda: self.go_to(self.page - 1))):
            QShortcut(keys, self).activated.connect(action)
        self._show()

    def pages(self) -> int:
        return self.source.count()

    def go_to(self, page: int) -> None:
        if 0 <= page < self.pages() and page != self.page:
            self.page = page
            self._show()
            self.page_area.verticalScrollBar().setValue(0)  # a new page starts at its top

    def fit_to(self, mode: str) -> None:
        """"page": the whole page in the window; "width": the page as wide as the window."""
        self.fit = mode
        self._show()

    def set_zoom(self, zoom: float) -> None:
        self.fit = None
        self.zoom = max(ZOOM_STEPS[0], min(ZOOM_STEPS[-1], zoom))
        self._show()

    def step_zoom(self, direction: int) -> None:
        current = self.current_zoom()
        if direction > 0:
            wanted = next((z for z in ZOOM_STEPS if z > current + 0.001), ZOOM_STEPS[-1])
        else:
            wanted = next((z for z in reversed(ZOOM_STEPS) if z < current - 0.001), ZOOM_STEPS[0])
        self.set_zoom(wanted)

    def current_zoom(self) -> float:
        """The scale shown now; fitted, whatever makes the page (or its width) fit the window."""
        if self.fit is None:
            return self.zoom
        natural = self.source.natural_size(self.page)
        room = self.page_area.size() - QSize(2 * self.page_area.frameWidth(), 2 * self.page_area.frameWidth())
        if natural.isEmpty() or room.width() < 40 or room.height() < 40:
            return 1.0
        across = (room.width() - 8) / natural.width()
        if self.fit == "width":  # the page runs down: leave room for the scroll bar it brings
            return (room.width() - 8 - self.page_area.verticalScrollBar().sizeHint().width()) / natural.width()
        return min(across, (room.height() - 8) / natural.height())

    def shown_size(self) -> QSize:
        natural = self.source.natural_size(self.page)
        zoom = self.current_zoom()
        return QSize(max(1, round(natural.width() * zoom)), max(1, round(natural.height() * zoom)))

    def _show(self) -> None:
        size = self.shown_size()
        ratio = self.devicePixelRatioF()
        image = self.source.render(self.page, QSize(round(size.width() * ratio), round(size.height() * ratio)))
        image.setDevicePixelRatio(ratio)
        self.image_label.setPixmap(QPixmap.fromImage(image))
        self.fit_button.setChecked(self.fit == "page")
        self.width_button.setChecked(self.fit == "width")
        self.zoom_label.setText(f"{self.current_zoom() * 100:.0f}%")
        self.page_label.setText(f"{self.page + 1} / {self.pages()}쪽")
        self.prev_button.setEnabled(self.page > 0)
        self.next_button.setEnabled(self.page < self.pages() - 1)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        if self.fit is not None:
            self._show()


def _clock(milliseconds: int) -> str:
    seconds = max(0, milliseconds) // 1000
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


class AudioPane(QWidget):
    """A recording played from memory: 재생/일시정지, a position slider and the time played / length."""

    def __init__(self, data: bytes, extension: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buffer = _in_memory(data, self)
        self.player: Any = None
        self.audio: Any = None
        self.play_button = QPushButton("▶ 재생")
        self.play_button.setProperty("primary", True)
        self.play_button.setAutoDefault(False)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.time_label = QLabel("00:00 / 00:00")
        self.error = hint_label("", warning=True)
        self.error.setVisible(False)
        row = QHBoxLayout()
        row.addWidget(self.play_button)
        row.addWidget(self.slider, 1)
        row.addWidget(self.time_label)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        icon = QLabel("녹취 파일")
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        icon.setStyleSheet("font-size: 18px; color: #1f3b5b;")
        layout.addWidget(icon)
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addStretch(1)
        qt = multimedia()
        if qt is None:  # pragma: no cover - depends on the Qt build
            self._fail("이 PC에서는 녹취를 재생할 수 없습니다 (Qt 멀티미디어 모듈이 없습니다). 프로그램을 다시 설치하세요.")
            return
        self.playing_state = qt.QMediaPlayer.PlaybackState.PlayingState
        self.player = qt.QMediaPlayer(self)
        self.audio = qt.QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        # the URL only names the format for the decoder; the bytes come from the buffer
        self.player.setSourceDevice(self.buffer, QUrl(f"evidence.{extension.lower()}"))
        self.player.durationChanged.connect(self._duration)
        self.player.positionChanged.connect(self._position)
        self.player.playbackStateChanged.connect(self._state)
        self.player.errorOccurred.connect(lambda _e, text: self._fail(
            f"녹취를 재생할 수 없습니다 ({text or '알 수 없는 형식'}). 소리 장치가 연결되어 있는지 확인하세요. "
            "파일이 손상되었다면 원본 녹취로 교체하세요."))
        self.play_button.clicked.connect(self.toggle)
        self.slider.sliderMoved.connect(self.player.setPosition)

    def toggle(self) -> None:
        if self.player is None:
            return
        if self.player.playbackState() == self.playing_state:
            self.player.pause()
        else:
            self.player.play()

    def _duration(self, duration: int) -> None:
        self.slider.setRange(0, max(0, duration))
        self._position(self.player.position())

    def _position(self, position: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.setValue(position)
        self.time_label.setText(f"{_clock(position)} / {_clock(self.player.duration())}")

    def _state(self, state: Any) -> None:
        playing = state == self.playing_state
        self.play_button.setText("❚❚ 일시정지" if playing else "▶ 재생")

    def _fail(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(True)

    def release(self) -> None:
        """Stop and let go of the recording (the window is closing)."""
        if self.player is not None:
            self.player.stop()
            self.player.setSource(QUrl())
        self.buffer.close()
        self.buffer.setData(QByteArray())


def signature_summary(data: bytes) -> list[tuple[str, str]]:
    """What can be said of a DER signature record without showing bytes: size, digest, signers."""
    rows = [("크기", f"{len(data):,} bytes"), ("SHA-256", hashlib.sha256(data).hexdigest())]
    try:
        from cryptography.hazmat.primitives.serialization import pkcs7

        certificates = pkcs7.load_der_pkcs7_certificates(data)
    except Exception:  # noqa: BLE001 - not a PKCS#7 structure: the size and digest are all there is
        certificates = []
    if not certificates:
        rows.append(("형식", "DER 전자서명 기록 (인증서를 읽을 수 없는 형식)"))
    for number, certificate in enumerate(certificates, 1):
        rows.append((f"서명 인증서 {number}", certificate.subject.rfc4514_string()))
        rows.append(("  발급자", certificate.issuer.rfc4514_string()))
        valid = f"{certificate.not_valid_before_utc:%Y-%m-%d} ~ {certificate.not_valid_after_utc:%Y-%m-%d}"
        rows.append(("  유효기간", valid))
    return rows


class SummaryPane(QWidget):
    """Facts about a file that has nothing to look at (a DER record, an unknown format)."""

    def __init__(self, rows: list[tuple[str, str]], note: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for caption, value in rows:
            line = QHBoxLayout()
            left = QLabel(caption)
            left.setObjectName("hintText")
            left.setMinimumWidth(110)
            right = QLabel(value)
            right.setWordWrap(True)
            right.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            line.addWidget(left)
            line.addWidget(right, 1)
            layout.addLayout(line)
        layout.addWidget(hint_label(note))
        layout.addStretch(1)
        self.rows = rows


# --- the dialog --------------------------------------------------------------------------------------


class EvidenceViewer(QDialog):
    """The viewer: a title line about the evidence, the pane for its type, and 닫기."""

    def __init__(self, content: bytes, extension: str, *, title: str, facts: str = "",
                 audited: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(980, 720)
        self.kind = content_type(extension)
        self.pages: PagePane | None = None
        self.audio: AudioPane | None = None
        self.summary: SummaryPane | None = None
        self.source: PageSource | None = None
        layout = QVBoxLayout(self)
        self.heading = QLabel(facts or title)
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-weight: bold; color: #1f3b5b;")
        layout.addWidget(self.heading)
        self.error = hint_label("", warning=True)
        self.error.setVisible(False)
        body: QWidget | None = None
        try:
            if self.kind == "image":
                self.source = ImageSource(content, extension, self)
            elif self.kind == "pdf":
                self.source = pdf_source(content, self)
            if self.source is not None:
                body = self.pages = PagePane(self.source, self)
            elif self.kind == "audio":
                body = self.audio = AudioPane(content, extension, self)
            elif self.kind == "der":
                body = self.summary = SummaryPane(signature_summary(content),
                                                  "전자서명 기록은 화면에 그릴 내용이 없어 크기와 지문(SHA-256)으로 확인합니다.", self)
            else:
                body = self.summary = SummaryPane(
                    [("크기", f"{len(content):,} bytes"), ("SHA-256", hashlib.sha256(content).hexdigest())],
                    f"'{extension}' 형식은 이 프로그램에서 표시할 수 없습니다.", self)
        except ServiceError as error:
            self.error.setText(error.message)
            self.error.setVisible(True)
        if body is not None:
            layout.addWidget(body, 1)
        else:
            layout.addStretch(1)
        layout.addWidget(self.error)
        footer = QHBoxLayout()
        note = ("열어 본 일은 감사기록에 남았습니다. 내용은 화면에만 표시하며 파일로 저장하지 않습니다."
                if audited else "저장한 파일을 표시하고 있습니다.")
        footer.addWidget(hint_label(note), 1)
        self.close_button = QPushButton("닫기")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        footer.addWidget(self.close_button)
        layout.addLayout(footer)

    def done(self, result: int) -> None:  # lets go of the content with the window
        if self.audio is not None:
            self.audio.release()
        if self.source is not None:
            self.source.close()
        super().done(result)


def evidence_facts(info: Any) -> str:
    """The viewer's title line from an `EvidenceInfo`."""
    return (f"{info.customer_name} ({info.customer_no}) · {info.item_name} · {info.kind.label} · "
            f"{info.original_name} → {info.extension.upper()} {size_text(info.size)} · "
            f"첨부 {info.attached_by} {stamp_text(info.attached_at)}")


def show_evidence(ctx: AppContext, parent: QWidget, info: Any,
                  opened: Callable[[EvidenceViewer], None] | None = None) -> EvidenceViewer | None:
    """Open one evidence (audited by the service as a reveal) in a viewer; None after an error box."""
    from app.services.customers.evidence import store as evidence

    try:
        content, extension = evidence.open_content(ctx.db, ctx.actor, ctx.data_key, info.id)
    except ServiceError as error:
        show_error(parent, error, "동의자료 보기")
        return None
    viewer = EvidenceViewer(content, extension, title=f"동의자료 {open_label(extension)} — {info.customer_name}",
                            facts=evidence_facts(info), parent=parent)
    del content
    viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if opened is not None:
        opened(viewer)
    viewer.open()
    return viewer


def show_pdf_file(parent: QWidget, path: Path, title: str) -> EvidenceViewer | None:
    """A PDF the clerk has just saved (민원 자료), in the same page viewer."""
    try:
        data = path.read_bytes()
    except OSError as error:
        show_error(parent, ServiceError(f"저장한 파일을 열 수 없습니다: {path} ({error.strerror or error})"), title)
        return None
    viewer = EvidenceViewer(data, "pdf", title=title, facts=f"{title} · {path}", audited=False, parent=parent)
    viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    viewer.open()
    return viewer
