"""Fitting consent evidence (출금동의 증빙) to the agency's size limit: bytes in, bytes out, no database.

The agency takes one file per piece of evidence, 300 KB unless the contract says otherwise, in a
few formats (`SENT_EXTENSIONS`). Clerks bring what their scanner, phone or recorder made: a 4 MB
colour TIFF of three pages, a photo taken sideways, a PDF from a copier, a WAV of a phone call.
`fit` turns each into what the EI13 can carry, or refuses it with the reason and what to do.

Rules, and why:

* **The content decides the type, not the name.** A ``.jpg`` that is really a PDF is read as a PDF;
  an executable renamed ``.jpg`` is refused. Office documents (HWP, Word) are refused with "save it
  as PDF", since the agency could not open them.
* **Inputs are bounded before any work**: 50 MB per file, 100 megapixels per image page (Pillow's
  decompression-bomb guard turned into a refusal), 10 pages, and every external tool runs with a
  time limit in a private temporary folder.
* **Images** (JPEG, PNG, TIFF, and PDFs that had to be rendered) become ONE JPEG. A multi-page scan
  keeps *every* page, stacked top to bottom with a thin grey band between pages: the signature is
  usually on the last page, so "the first pages only" could send a consent without its signature.
  EXIF orientation is applied (phone photos), transparency is flattened on white, a page with no
  colour is stored as greyscale (a third of the size) while a red 도장 or blue ink keeps its colour.
  The search is width first, then quality: pages start at 1,700 px wide (about 200 dpi across A4)
  and shrink by 15 % steps while quality 60 does not fit; at the narrowest allowed width (600 px, a
  legible A4 page) the quality is binary-searched down to 40. Below that, text blurs, so the file is
  refused with "스캔 해상도를 200dpi로 낮춰 다시 스캔하세요". A JPEG that is already under the limit and
  upright is kept byte for byte.
* **PDFs** under the limit are kept as they are. A larger one is rendered page by page with
  poppler's ``pdftoppm`` (when the PC has it) and fitted like a scan; without it the clerk is told to
  save it smaller or scan to JPEG.
* **Recordings** become mono MP3 with ``ffmpeg`` when the PC has it, at the highest bitrate of a
  short ladder (32 → 8 kbps) that fits; tags are dropped (they may name people). A recording too long
  for even 8 kbps is refused with its duration and the longest that fits. Without ffmpeg an MP3 under
  the limit is kept; anything else is refused with how to convert it.
* **Electronic signatures** (DER, an ASN.1 structure whose outer length must match the file) are
  kept as they are; they cannot be made smaller.
"""

from __future__ import annotations

import io
import logging
import math
import shutil
import subprocess
import tempfile
import unicodedata
import warnings
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from PIL import Image, ImageChops, ImageOps, UnidentifiedImageError

from app.models.enums import EvidenceKind
from app.services.common.errors import ServiceError

log = logging.getLogger(__name__)

ALLOWED: Final = frozenset({"jpg", "jpeg", "png", "pdf", "tif", "tiff", "mp3", "wav", "m4a", "wma", "ogg", "der"})
"""Extensions a clerk may attach (the file chooser's filter and the bulk attach's first look)."""
SENT_EXTENSIONS: Final = frozenset({"jpg", "pdf", "mp3", "der"})
"""What an EI13 carries after fitting: every image becomes JPEG, every recording MP3."""
KINDS_FOR_EXTENSION: Final[dict[str, frozenset[EvidenceKind]]] = {
    "jpg": frozenset({EvidenceKind.WRITTEN, EvidenceKind.OTHER}),
    "pdf": frozenset({EvidenceKind.WRITTEN, EvidenceKind.CERTIFIED_SIGNATURE, EvidenceKind.E_SIGNATURE,
                      EvidenceKind.OTHER}),
    "mp3": frozenset({EvidenceKind.RECORDING, EvidenceKind.ARS, EvidenceKind.OTHER}),
    "der": frozenset({EvidenceKind.CERTIFIED_SIGNATURE, EvidenceKind.E_SIGNATURE}),
}
"""동의자료구분 that make sense for each sent extension (the simulator answers others with 0101)."""

MAX_INPUT_BYTES: Final = 50 * 1024 * 1024
MAX_PAGE_PIXELS: Final = 100_000_000
MAX_TOTAL_PIXELS: Final = 300_000_000
MAX_PAGES: Final = 10
START_WIDTH: Final = 1_700  # ≈ 200 dpi across an A4 page
MIN_PAGE_WIDTH: Final = 600  # ≈ 72 dpi across A4: the smallest at which a form's print stays legible
WIDTH_STEP: Final = 0.85
GOOD_QUALITY: Final = 60
MAX_QUALITY: Final = 85
MIN_QUALITY: Final = 40
PAGE_GAP: Final = 8  # px of light grey between stacked pages
PDF_RENDER_LONG_SIDE: Final = 2_339  # an A4 page at 200 dpi
TOOL_TIMEOUT_S: Final = 180
#: (kbps, sample rate): mono MP3 steps from comfortable speech down to the least that is understood.
AUDIO_LADDER: Final = ((32, 22_050), (24, 16_000), (16, 16_000), (8, 8_000))
_GREY_TOLERANCE: Final = 40  # channel difference below which a pixel counts as grey (scanner noise)
_COLOUR_SHARE: Final = 0.0005  # pages with fewer coloured pixels than this share are stored grey

RESCAN_FIX: Final = "스캔 해상도를 200dpi로 낮춰(흑백이면 더 작아집니다) 다시 스캔하세요."


class EvidenceRefused(ServiceError):
    """Evidence that cannot be attached; the message says why and what to do, in Korean."""


class EvidenceTooLarge(EvidenceRefused):
    """What cannot be made to fit the agency's limit (or is above the input bounds)."""


class EvidenceUnsupported(EvidenceRefused):
    """Content that is not a kind of evidence the agency takes, or that is damaged."""


@dataclass(frozen=True)
class Fitted:
    """The bytes to store and send, their extension (one of SENT_EXTENSIONS), the 동의자료구분 the
    content suggests, and a note for the clerk saying what was done."""

    data: bytes
    extension: str
    kind_hint: EvidenceKind
    note: str
    pages: int = 1
    duration_seconds: float | None = None


def size_text(size: int) -> str:
    """'300KB', '1.4MB': sizes as the clerk reads them (KB = 1,024 bytes, as the agencies count)."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}MB"
    return f"{math.ceil(size / 1024)}KB" if size % 1024 else f"{size // 1024}KB"


def duration_text(seconds: float) -> str:
    total = round(seconds)
    minutes, secs = divmod(total, 60)
    return f"{minutes}분 {secs}초" if minutes else f"{secs}초"


# --- what the bytes are -----------------------------------------------------------------------

_ASF_GUID: Final = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")
_OLE_MAGIC: Final = bytes.fromhex("d0cf11e0a1b11ae1")
_IMAGE_FORMATS: Final = frozenset({"jpeg", "png", "tiff"})
_AUDIO_FORMATS: Final = frozenset({"mp3", "wav", "ogg", "m4a", "wma"})
_FORMAT_LABEL: Final = {"jpeg": "JPEG", "png": "PNG", "tiff": "TIFF", "pdf": "PDF", "mp3": "MP3", "wav": "WAV",
                        "ogg": "OGG", "m4a": "M4A", "wma": "WMA", "der": "전자서명(DER)"}


def sniff(data: bytes) -> str:
    """The format the content is ("jpeg", "png", "tiff", "pdf", "mp3", "wav", "ogg", "m4a", "wma",
    "der"), or EvidenceUnsupported naming what it looks like and what to do instead."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"OggS"):
        return "ogg"
    if head[4:8] == b"ftyp":
        return "m4a"
    if head.startswith(_ASF_GUID):
        return "wma"
    if head.startswith(b"ID3") or _mp3_frame(head):
        return "mp3"
    if _is_der(data):
        return "der"
    if head.startswith((b"MZ", b"\x7fELF")):
        raise EvidenceUnsupported("실행 파일입니다. 증빙 자료가 아니므로 받을 수 없습니다 (확장자만 바뀐 파일인지 확인하세요).")
    if head.startswith((_OLE_MAGIC, b"PK\x03\x04", b"HWP Document")):
        raise EvidenceUnsupported("문서 파일(한글·워드·엑셀 등)은 보낼 수 없습니다. PDF로 저장하거나 JPEG로 스캔해 첨부하세요.")
    if head.startswith((b"GIF87a", b"GIF89a", b"BM")):
        raise EvidenceUnsupported("GIF·BMP 그림은 받지 않습니다. JPEG·PNG·TIFF로 저장하거나 다시 스캔해 첨부하세요.")
    raise EvidenceUnsupported(
        "증빙으로 받을 수 있는 형식이 아니거나 손상된 파일입니다. "
        "스캔한 동의서(JPEG·PNG·TIFF·PDF), 녹취(MP3·WAV·M4A·WMA·OGG), 전자서명(DER)만 첨부할 수 있습니다."
    )


def _mp3_frame(head: bytes) -> bool:
    """An MPEG audio frame header: 11 sync bits, a real version and layer, a usable bitrate and rate."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 0x3, (head[1] >> 1) & 0x3
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 0x3
    return version != 1 and layer != 0 and bitrate not in (0, 15) and rate != 3


def _is_der(data: bytes) -> bool:
    """A DER SEQUENCE whose declared length is exactly the rest of the file (random bytes never are)."""
    if len(data) < 2 or data[0] != 0x30:
        return False
    first = data[1]
    if first < 0x80:
        return 2 + first == len(data) and first > 0
    count = first & 0x7F
    if not 1 <= count <= 4 or len(data) < 2 + count:
        return False
    length = int.from_bytes(data[2 : 2 + count], "big")
    return 2 + count + length == len(data)


def extension_of(name: str) -> str:
    """The lower-case extension of a file name, without the dot ('' when there is none)."""
    suffix = Path(unicodedata.normalize("NFC", name)).suffix
    return suffix[1:].lower() if suffix else ""


# --- the entry point --------------------------------------------------------------------------


def fit(data: bytes, name: str, *, limit: int) -> Fitted:
    """What of `data` (a file called `name`) the EI13 can carry within `limit` bytes, or a refusal.

    Pure apart from running pdftoppm/ffmpeg in a private temporary folder: nothing is logged but
    sizes and formats (never the bytes, never the name, which often carries a person's name).
    """
    if limit < 10 * 1024:
        raise ValueError("an evidence limit below 10 KB cannot hold a legible page")
    if len(data) > MAX_INPUT_BYTES:
        raise EvidenceTooLarge(f"파일이 {size_text(len(data))}로 너무 큽니다 (최대 {size_text(MAX_INPUT_BYTES)}). {RESCAN_FIX}")
    if not data:
        raise EvidenceUnsupported("빈 파일입니다. 스캔하거나 녹음한 파일을 다시 골라 주세요.")
    fmt = sniff(data)
    claimed = extension_of(name)
    mismatch = ""
    if claimed and _canonical(claimed) != fmt:
        mismatch = f"이름은 .{claimed}이지만 내용은 {_FORMAT_LABEL[fmt]}입니다. "
    if fmt in _IMAGE_FORMATS:
        fitted = _fit_image(data, fmt, limit)
    elif fmt == "pdf":
        fitted = _fit_pdf(data, limit)
    elif fmt in _AUDIO_FORMATS:
        fitted = _fit_audio(data, fmt, limit)
    else:
        fitted = _fit_der(data, limit)
    log.info("evidence fitted: %s %d bytes -> %s %d bytes (limit %d)", fmt, len(data), fitted.extension,
             len(fitted.data), limit)
    if mismatch:
        return Fitted(fitted.data, fitted.extension, fitted.kind_hint, mismatch + fitted.note, fitted.pages,
                      fitted.duration_seconds)
    return fitted


def _canonical(extension: str) -> str:
    return {"jpg": "jpeg", "jpe": "jpeg", "tif": "tiff"}.get(extension, extension)


# --- images -----------------------------------------------------------------------------------


def _fit_image(data: bytes, fmt: str, limit: int) -> Fitted:
    kept = _jpeg_as_is(data, fmt, limit)
    if kept is not None:
        return kept
    pages = _image_pages(data)
    what = f"{_FORMAT_LABEL[fmt]} {len(pages)}쪽" if len(pages) > 1 else _FORMAT_LABEL[fmt]
    return _fit_pages(pages, limit, what)


def _jpeg_as_is(data: bytes, fmt: str, limit: int) -> Fitted | None:
    """An upright RGB/grey JPEG already under the limit is sent exactly as the scanner made it."""
    if fmt != "jpeg" or len(data) > limit:
        return None
    try:
        with _guarded_open(data) as im:
            orientation = im.getexif().get(0x0112, 1)
            if im.format != "JPEG" or im.mode not in ("L", "RGB") or orientation not in (0, 1):
                return None
            _check_pixels(im.width, im.height)
            im.load()  # a truncated file fails here and goes the normal way (refused as damaged)
    except EvidenceRefused:
        raise
    except Exception:  # noqa: BLE001 - a damaged JPEG is decoded (and refused) by the normal path
        return None
    return Fitted(data, "jpg", EvidenceKind.WRITTEN, f"원본 JPEG 그대로 ({size_text(len(data))})")


class _guarded_open:  # noqa: N801 - used like the Image.open it wraps: `with _guarded_open(data) as im`
    """Image.open with the decompression-bomb guard as a refusal and the file closed afterwards."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._image: Image.Image | None = None

    def __enter__(self) -> Image.Image:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # checked by _check_pixels
            try:
                self._image = Image.open(io.BytesIO(self._data))
            except Image.DecompressionBombError:
                raise EvidenceTooLarge(f"그림이 너무 큽니다 ({MAX_PAGE_PIXELS // 1_000_000}메가픽셀 초과). {RESCAN_FIX}") from None
            except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
                raise EvidenceUnsupported("그림 파일이 손상되어 열 수 없습니다. 다시 스캔하거나 저장해 첨부하세요.") from None
        return self._image

    def __exit__(self, *exc: object) -> None:
        if self._image is not None:
            self._image.close()


def _check_pixels(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise EvidenceUnsupported("그림의 크기가 0입니다. 다시 스캔하세요.")
    if width * height > MAX_PAGE_PIXELS:
        raise EvidenceTooLarge(
            f"그림이 너무 큽니다 ({width}×{height}, {width * height / 1_000_000:.0f}메가픽셀; "
            f"최대 {MAX_PAGE_PIXELS // 1_000_000}메가픽셀). {RESCAN_FIX}")


def _image_pages(data: bytes) -> list[Image.Image]:
    """Every page of an image file, upright, flattened, in L or RGB, at most START_WIDTH wide."""
    pages: list[Image.Image] = []
    total = 0
    with _guarded_open(data) as im:
        # Only TIFF pages are pages: a phone's MPO carries a preview, a PNG may be animated.
        count = int(getattr(im, "n_frames", 1) or 1) if im.format == "TIFF" else 1
        if count > MAX_PAGES:
            raise EvidenceTooLarge(
                f"스캔 파일이 {count}쪽입니다 (최대 {MAX_PAGES}쪽). 동의 내용과 서명이 있는 쪽만 남겨 다시 스캔하세요.")
        for index in range(count):
            try:
                im.seek(index)
                _check_pixels(im.width, im.height)
                total += im.width * im.height
                if total > MAX_TOTAL_PIXELS:
                    raise EvidenceTooLarge(f"스캔 파일의 쪽들이 모두 합쳐 너무 큽니다. {RESCAN_FIX}")
                if im.format == "JPEG":
                    im.draft(None, (START_WIDTH, START_WIDTH))  # decode at 1/2, 1/4 … when that is still wide enough
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                    im.load()
                    page = ImageOps.exif_transpose(im)  # a copy, upright (TIFF: this page's own tag)
            except EvidenceRefused:
                raise
            except Image.DecompressionBombError:
                raise EvidenceTooLarge(f"그림이 너무 큽니다. {RESCAN_FIX}") from None
            except (OSError, ValueError, SyntaxError, EOFError):
                raise EvidenceUnsupported(
                    f"그림 파일의 {index + 1}쪽이 손상되어 열 수 없습니다. 다시 스캔하거나 저장해 첨부하세요.") from None
            pages.append(_shrunk(_flattened(page), START_WIDTH))
    return pages


def _flattened(page: Image.Image) -> Image.Image:
    """L or RGB: transparency on white, 16-bit grey scaled to 8 bits, CMYK and others to RGB; an RGB
    page without colour becomes L."""
    if page.mode == "1":
        return page.convert("L")
    if page.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        page = page.convert("I")
        high = page.getextrema()[1]
        scale = 255 / 65535 if isinstance(high, int) and high > 255 else 1.0
        return page.point(lambda v: v * scale).convert("L")
    if page.mode == "F":
        return page.convert("L")
    has_alpha = page.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in page.info
    if has_alpha:
        rgba = page.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        page = white
    elif page.mode == "P" or (page.mode != "L" and page.mode != "RGB"):
        page = page.convert("RGB")
    if page.mode == "RGB" and not _has_colour(page):
        return page.convert("L")
    return page


def _has_colour(page: Image.Image) -> bool:
    """Whether enough pixels are clearly coloured (a red 도장, blue ink) to keep the page in colour."""
    probe = page.copy()
    probe.thumbnail((400, 400))
    r, g, b = probe.split()
    spread = ImageChops.lighter(ImageChops.lighter(ImageChops.difference(r, g), ImageChops.difference(g, b)),
                                ImageChops.difference(r, b))
    histogram = spread.histogram()
    coloured = sum(histogram[_GREY_TOLERANCE:])
    return coloured > _COLOUR_SHARE * probe.width * probe.height


def _shrunk(page: Image.Image, width: int) -> Image.Image:
    if page.width <= width:
        return page
    height = max(1, round(page.height * width / page.width))
    return page.resize((width, height), Image.Resampling.LANCZOS)


def _stack(pages: Sequence[Image.Image], width: int) -> Image.Image:
    """The pages one under another at `width` (narrower pages centred on white), grey bands between."""
    scaled = [_shrunk(p, width) for p in pages]
    if len(scaled) == 1:
        return scaled[0]
    mode = "RGB" if any(p.mode == "RGB" for p in scaled) else "L"
    full = max(p.width for p in scaled)
    height = sum(p.height for p in scaled) + PAGE_GAP * (len(scaled) - 1)
    sheet = Image.new(mode, (full, height), "white")
    top = 0
    for index, page in enumerate(scaled):
        if index:
            sheet.paste(Image.new(mode, (full, PAGE_GAP), (200, 200, 200) if mode == "RGB" else 200), (0, top))
            top += PAGE_GAP
        sheet.paste(page.convert(mode), ((full - page.width) // 2, top))
        top += page.height
    return sheet


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True, subsampling=2)
    return out.getvalue()


def _best_quality(image: Image.Image, low: int, high: int, limit: int) -> tuple[int, bytes] | None:
    """The highest quality in [low, high] whose JPEG fits `limit` (binary search), or None."""
    best: tuple[int, bytes] | None = None
    while low <= high:
        middle = (low + high) // 2
        data = _jpeg(image, middle)
        if len(data) <= limit:
            best, low = (middle, data), middle + 1
        else:
            high = middle - 1
    return best


def _widths(natural: int) -> list[int]:
    top = min(natural, START_WIDTH)
    floor = min(MIN_PAGE_WIDTH, top)
    out: list[int] = []
    width = top
    while width > floor:
        out.append(width)
        width = int(width * WIDTH_STEP)
    if out and out[-1] < floor * 1.05:  # 603 px then 600 px: one step, not two
        out.pop()
    out.append(floor)
    return out


def _fit_pages(pages: Sequence[Image.Image], limit: int, what: str) -> Fitted:
    """One JPEG of all `pages` under `limit`: widest width at quality ≥ 60, else quality down to 40."""
    widths = _widths(max(p.width for p in pages))
    for width in widths:
        sheet = _stack(pages, width)
        if len(_jpeg(sheet, GOOD_QUALITY)) <= limit:
            found = _best_quality(sheet, GOOD_QUALITY, MAX_QUALITY, limit)
            assert found is not None
            return _image_fitted(found, sheet, pages, what, limit)
    sheet = _stack(pages, widths[-1])
    found = _best_quality(sheet, MIN_QUALITY, GOOD_QUALITY - 1, limit)
    if found is not None:
        return _image_fitted(found, sheet, pages, what, limit)
    smallest = len(_jpeg(sheet, MIN_QUALITY))
    extra = " 동의 내용과 서명이 있는 쪽만 남기고" if len(pages) > 1 else ""
    raise EvidenceTooLarge(
        f"{what} 파일을 {size_text(limit)} 이하로 줄이면 글자를 읽을 수 없습니다 "
        f"(폭 {widths[-1]}px, 품질 {MIN_QUALITY}에서도 {size_text(smallest)}).{extra} {RESCAN_FIX}")


def _image_fitted(found: tuple[int, bytes], sheet: Image.Image, pages: Sequence[Image.Image], what: str,
                  limit: int) -> Fitted:
    quality, data = found
    colour = "컬러" if sheet.mode == "RGB" else "흑백"
    layout = "JPEG 1장(쪽을 위아래로 이어 붙임)" if len(pages) > 1 else "JPEG"
    note = f"{what} → {layout}, 폭 {sheet.width}px, {colour}, 품질 {quality}, {size_text(len(data))}"
    return Fitted(data, "jpg", EvidenceKind.WRITTEN, note, pages=len(pages))


# --- PDF --------------------------------------------------------------------------------------


def _fit_pdf(data: bytes, limit: int) -> Fitted:
    if len(data) <= limit:
        return Fitted(data, "pdf", EvidenceKind.WRITTEN, f"원본 PDF 그대로 ({size_text(len(data))})")
    pages = render_pdf_pages(data, long_side=PDF_RENDER_LONG_SIDE, what=f"PDF가 {size_text(len(data))}로 "
                             f"{size_text(limit)}를 넘어 그림으로 바꿔야 하는데")
    return _fit_pages([_shrunk(_flattened(p), START_WIDTH) for p in pages], limit, f"PDF {len(pages)}쪽")


def render_pdf_pages(data: bytes, *, long_side: int, what: str = "PDF를 그림으로 바꿔야 하는데",
                     max_pages: int = MAX_PAGES) -> list[Image.Image]:
    """Every page of a PDF as an image (pdftoppm, at most `long_side` px), or EvidenceRefused.

    Also used by the 민원 PDF to embed PDF evidence. More than `max_pages` pages is refused: dropping
    pages could drop the signature. Pages come out as raw PPM (poppler's PNG writer takes seconds
    a page on a noisy scan).
    """
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise EvidenceTooLarge(
            f"{what}, 이 PC에는 PDF를 그림으로 바꾸는 도구(pdftoppm)가 없습니다. "
            f"PDF를 더 작게 저장하거나(200dpi, 흑백) JPEG로 다시 스캔해 첨부하세요.")
    with tempfile.TemporaryDirectory(prefix="kscms-evidence-") as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(data)
        try:
            done = subprocess.run(
                [exe, "-scale-to", str(long_side), "-l", str(max_pages + 1), str(source),
                 str(Path(folder) / "page")],
                capture_output=True, timeout=TOOL_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise EvidenceUnsupported("PDF를 그림으로 바꾸는 데 너무 오래 걸립니다. JPEG로 다시 스캔해 첨부하세요.") from None
        rendered = sorted(Path(folder).glob("page-*.ppm"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        if done.returncode != 0 or not rendered:
            message = done.stderr.decode("utf-8", "replace").lower()
            if "password" in message or "encrypt" in message:
                raise EvidenceUnsupported("암호가 걸린 PDF입니다. 암호를 풀어 다시 저장하거나 JPEG로 스캔해 첨부하세요.")
            raise EvidenceUnsupported("PDF가 손상되어 열 수 없습니다. 다시 저장하거나 JPEG로 스캔해 첨부하세요.")
        if len(rendered) > max_pages:
            raise EvidenceTooLarge(
                f"PDF가 {max_pages}쪽을 넘습니다. 동의 내용과 서명이 있는 쪽만 남겨 다시 저장하세요.")
        pages = []
        for path in rendered:
            with Image.open(path) as im:
                _check_pixels(im.width, im.height)
                im.load()
                pages.append(im.copy())
        return pages


# --- recordings -------------------------------------------------------------------------------


def _fit_audio(data: bytes, fmt: str, limit: int) -> Fitted:
    label = _FORMAT_LABEL[fmt]
    ffmpeg = shutil.which("ffmpeg")
    with tempfile.TemporaryDirectory(prefix="kscms-evidence-") as folder:
        source = Path(folder) / f"in.{fmt}"
        source.write_bytes(data)
        duration = audio_duration(source, fmt)
        if fmt == "mp3" and len(data) <= limit:
            return Fitted(data, "mp3", EvidenceKind.RECORDING, _audio_note(f"원본 MP3 그대로 ({size_text(len(data))})",
                                                                           duration), duration_seconds=duration)
        if ffmpeg is None:
            why = (f"녹취가 {size_text(len(data))}로 {size_text(limit)}를 넘는데" if len(data) > limit
                   else f"{label} 녹취는 MP3로 바꿔 보내야 하는데")
            raise EvidenceTooLarge(
                f"{why}, 이 PC에는 녹음 파일을 변환하는 프로그램(ffmpeg)이 없습니다. "
                f"녹음 파일을 MP3(모노, 16kbps)로 변환해 {size_text(limit)} 이하로 만든 뒤 다시 첨부하세요."
                + (f" (녹취 길이 {duration_text(duration)})" if duration else ""))
        lowest_kbps = AUDIO_LADDER[-1][0]
        longest = limit * 8 / (lowest_kbps * 1000)
        if duration is not None and duration > longest:
            raise _too_long(duration, longest, limit)
        for kbps, rate in AUDIO_LADDER:
            if duration is not None and duration * kbps * 1000 / 8 > limit * 0.98 and kbps != lowest_kbps:
                continue
            out = Path(folder) / f"out-{kbps}.mp3"
            _ffmpeg(ffmpeg, source, out, kbps, rate)
            encoded = out.read_bytes()
            if len(encoded) <= limit:
                seconds = duration if duration is not None else len(encoded) * 8 / (kbps * 1000)
                note = f"{label} {size_text(len(data))} → MP3 모노 {kbps}kbps, {size_text(len(encoded))}"
                return Fitted(encoded, "mp3", EvidenceKind.RECORDING, _audio_note(note, seconds),
                              duration_seconds=seconds)
        seconds = duration if duration is not None else len(encoded) * 8 / (lowest_kbps * 1000)
        raise _too_long(seconds, longest, limit)


def _too_long(duration: float, longest: float, limit: int) -> EvidenceTooLarge:
    return EvidenceTooLarge(
        f"녹취 길이 {duration_text(duration)}는 가장 낮은 음질(모노 {AUDIO_LADDER[-1][0]}kbps)로도 "
        f"{size_text(limit)}에 담기지 않습니다 (최대 약 {duration_text(longest)}). "
        f"동의를 확인하는 부분만 잘라 다시 첨부하세요.")


def _audio_note(text: str, duration: float | None) -> str:
    return f"{text}, 길이 {duration_text(duration)}" if duration else text


def _ffmpeg(exe: str, source: Path, out: Path, kbps: int, rate: int) -> None:
    command = [exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(source), "-vn", "-sn", "-dn",
               "-map_metadata", "-1", "-ac", "1", "-ar", str(rate), "-c:a", "libmp3lame", "-b:a", f"{kbps}k",
               "-f", "mp3", str(out)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=TOOL_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise EvidenceUnsupported("녹음 파일을 변환하는 데 너무 오래 걸립니다. 동의 부분만 잘라 다시 첨부하세요.") from None
    if done.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
        raise EvidenceUnsupported("녹음 파일이 손상되었거나 소리가 없어 변환할 수 없습니다. 녹음 파일을 다시 받아 첨부하세요.")


def audio_duration(path: Path, fmt: str) -> float | None:
    """Seconds of a recording: WAV from its header, anything else by ffprobe when the PC has it."""
    if fmt == "wav":
        try:
            with wave.open(str(path), "rb") as w:
                rate = w.getframerate()
                return w.getnframes() / rate if rate else None
        except (wave.Error, EOFError, OSError):
            pass  # WAV with an extension chunk Python cannot read (e.g. WAVE_FORMAT_EXTENSIBLE float): ask ffprobe
    probe = shutil.which("ffprobe")
    if probe is None:
        return None
    try:
        done = subprocess.run([probe, "-v", "error", "-show_entries", "format=duration", "-of",
                               "default=noprint_wrappers=1:nokey=1", str(path)],
                              capture_output=True, timeout=60, check=False)
    except subprocess.TimeoutExpired:
        return None
    try:
        seconds = float(done.stdout.decode("ascii", "replace").strip())
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds > 0 else None


# --- electronic signatures --------------------------------------------------------------------


def _fit_der(data: bytes, limit: int) -> Fitted:
    if len(data) > limit:
        raise EvidenceTooLarge(
            f"전자서명 파일이 {size_text(len(data))}로 {size_text(limit)}를 넘습니다. 전자서명 파일은 줄일 수 없으니 "
            f"전자서명 업체에서 받은 원본(der)이 맞는지 확인하세요.")
    return Fitted(data, "der", EvidenceKind.E_SIGNATURE, f"전자서명 원본 그대로 ({size_text(len(data))})")


# --- facts about stored evidence --------------------------------------------------------------

_MP3_RATES: Final = {3: (44_100, 48_000, 32_000), 2: (22_050, 24_000, 16_000), 0: (11_025, 12_000, 8_000)}
_MP3_KBPS: Final = {  # (MPEG-1?, bitrate index) → kbps, layer III
    True: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    False: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}


def mp3_duration(data: bytes) -> float | None:
    """Seconds of an MP3 without any tool: from the frame count of its Xing/Info header (what LAME,
    and so `fit`, writes), else from the first frame's bitrate (constant bitrate); None when it
    cannot tell (not layer III, or a variable bitrate without a frame count)."""
    start = 0
    if data.startswith(b"ID3") and len(data) >= 10:
        size = data[6] << 21 | data[7] << 14 | data[8] << 7 | data[9]
        start = 10 + size
    head = data[start : start + 4]
    if not _mp3_frame(head) or (head[1] >> 1) & 0x3 != 1:  # layer III only
        return None
    version = (head[1] >> 3) & 0x3  # 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
    rate = _MP3_RATES[version][(head[2] >> 2) & 0x3]
    window = data[start : start + 64]
    for tag in (b"Xing", b"Info"):
        at = window.find(tag)
        if at >= 0 and len(window) >= at + 12:
            flags = int.from_bytes(window[at + 4 : at + 8], "big")
            if flags & 0x1:
                frames = int.from_bytes(window[at + 8 : at + 12], "big")
                return frames * (1152 if version == 3 else 576) / rate
            return None
    kbps = _MP3_KBPS[version == 3][head[2] >> 4]
    return (len(data) - start) * 8 / (kbps * 1000) if kbps else None
