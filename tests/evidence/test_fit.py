"""Fitting evidence to the agency's limit (app/services/customers/evidence/fit.py): pure, no database.

Each test hands `fit` what a clerk's scanner, phone or recorder makes and checks what would go into
the EI13: one JPEG / PDF / MP3 / DER under the limit, legible, upright, or a refusal that says why
and what to do.
"""

from __future__ import annotations

import io
import shutil
import struct
import zlib

import pytest
from PIL import Image

from app.models import EvidenceKind
from app.services.customers.evidence import fit as evidence_fit
from app.services.customers.evidence.fit import (
    MAX_INPUT_BYTES,
    MIN_PAGE_WIDTH,
    SENT_EXTENSIONS,
    EvidenceTooLarge,
    EvidenceUnsupported,
    fit,
    mp3_duration,
    sniff,
)
from tests.evidence.helpers import (
    der_bytes,
    encoded,
    form_page,
    noise_image,
    pdf_document,
    tiff_pages,
    wav_bytes,
)

LIMIT = 307_200
needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is installed by dev.sh")
needs_pdftoppm = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils is installed by dev.sh")


def grey(image: Image.Image, xy: tuple[int, int]) -> int:
    value = image.convert("L").getpixel(xy)
    assert isinstance(value, int)
    return value


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# --- images -----------------------------------------------------------------------------------


def test_a_colour_png_scan_becomes_one_jpeg_under_the_limit_keeping_its_red_seal() -> None:
    data = encoded(form_page(width=2480, height=3508, noise=30_000), "PNG")  # 300 dpi A4, > 1 MB
    assert len(data) > 3 * LIMIT
    fitted = fit(data, "C001 동의서.png", limit=LIMIT)
    assert fitted.extension == "jpg" and fitted.kind_hint is EvidenceKind.WRITTEN
    assert len(fitted.data) <= LIMIT
    image = opened(fitted.data)
    assert image.format == "JPEG" and image.mode == "RGB"  # the red 도장 and blue ink keep their colour
    assert MIN_PAGE_WIDTH <= image.width <= evidence_fit.START_WIDTH
    assert "PNG → JPEG" in fitted.note and "컬러" in fitted.note and "품질" in fitted.note


def test_a_black_and_white_page_is_stored_grey_and_larger_than_the_minimum() -> None:
    fitted = fit(encoded(form_page(colour=False), "PNG"), "a.png", limit=LIMIT)
    image = opened(fitted.data)
    assert image.mode == "L" and "흑백" in fitted.note
    assert image.width == 1240  # small enough already: no shrinking needed


def test_a_three_page_tiff_becomes_one_tall_jpeg_with_every_page() -> None:
    pages = [form_page(seed=i, colour=i == 2, title=f"동의서 {i + 1}쪽") for i in range(3)]
    fitted = fit(tiff_pages(pages), "scan.tif", limit=LIMIT)
    image = opened(fitted.data)
    assert len(fitted.data) <= LIMIT and fitted.pages == 3
    assert image.height > 2.9 * image.width * 1754 / 1240  # three A4 pages one under another
    assert "TIFF 3쪽" in fitted.note and "이어 붙임" in fitted.note


def test_more_pages_than_allowed_are_refused_rather_than_cut() -> None:
    page = form_page(width=200, height=280, noise=0)
    with pytest.raises(EvidenceTooLarge, match="서명이 있는 쪽만"):
        fit(tiff_pages([page] * (evidence_fit.MAX_PAGES + 1)), "many.tif", limit=LIMIT)


def test_exif_orientation_is_applied() -> None:
    wide = Image.new("RGB", (800, 400), "white")
    wide.paste((0, 0, 0), (0, 0, 100, 400))  # a black bar on the left as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view": how a phone held upright stores a photo
    data = encoded(wide, "JPEG", exif=exif.tobytes(), quality=90)
    fitted = fit(data, "phone.jpg", limit=LIMIT)
    image = opened(fitted.data)
    assert image.size == (400, 800)  # upright
    assert grey(image, (200, 20)) < 60 and grey(image, (200, 780)) > 200  # the bar is now on top
    assert fitted.data != data  # re-encoded, since the receiver may ignore EXIF
    scanned = fit(encoded(wide, "TIFF", tiffinfo={0x0112: 6}), "scan.tif", limit=LIMIT)  # a TIFF's own tag
    assert opened(scanned.data).size == (400, 800) and grey(opened(scanned.data), (200, 20)) < 60


def test_transparency_is_flattened_on_white() -> None:
    image = Image.new("RGBA", (700, 900), (0, 0, 0, 0))
    image.paste((20, 20, 20, 255), (100, 100, 600, 140))
    fitted = fit(encoded(image, "PNG"), "sign.png", limit=LIMIT)
    out = opened(fitted.data)
    assert grey(out, (5, 5)) > 245 and grey(out, (300, 120)) < 60


def test_an_upright_jpeg_under_the_limit_is_kept_byte_for_byte() -> None:
    data = encoded(form_page(width=900, height=1270, noise=0), "JPEG", quality=75)
    fitted = fit(data, "c.jpg", limit=LIMIT)
    assert fitted.data == data and "원본 JPEG 그대로" in fitted.note


def test_noise_that_cannot_fit_legibly_is_refused_with_the_rescan_advice() -> None:
    with pytest.raises(EvidenceTooLarge) as refused:
        fit(encoded(noise_image(1600, 2200), "PNG"), "noise.png", limit=50 * 1024)
    assert "200dpi" in refused.value.message and f"폭 {MIN_PAGE_WIDTH}px" in refused.value.message


def test_a_smaller_contract_limit_shrinks_further_but_never_below_600_px() -> None:
    fitted = fit(encoded(form_page(width=2480, height=3508, noise=20_000), "PNG"), "a.png", limit=80 * 1024)
    image = opened(fitted.data)
    assert len(fitted.data) <= 80 * 1024 and image.width >= MIN_PAGE_WIDTH


def test_decompression_bombs_are_refused() -> None:
    just_over = Image.new("1", (11_000, 10_000))  # 110 megapixels: over our bound, under Pillow's error
    with pytest.raises(EvidenceTooLarge, match="메가픽셀"):
        fit(encoded(just_over, "PNG"), "bomb.png", limit=LIMIT)
    far_over = Image.new("1", (16_000, 16_000))  # Pillow itself refuses to open this one
    with pytest.raises(EvidenceTooLarge, match="메가픽셀"):
        fit(encoded(far_over, "PNG"), "bomb2.png", limit=LIMIT)


def test_a_png_claiming_huge_dimensions_is_refused_without_decoding() -> None:
    """A hand-made header (1,000,000 × 1,000,000) with almost no data: refused by its size alone."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1_000_000, 1_000_000, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b""))
    with pytest.raises(EvidenceTooLarge):
        fit(png, "header.png", limit=LIMIT)


def test_files_over_50_mb_are_refused_before_anything_else() -> None:
    with pytest.raises(EvidenceTooLarge, match=r"50.0MB"):
        fit(b"\xff\xd8\xff" + bytes(MAX_INPUT_BYTES), "huge.jpg", limit=LIMIT)


def test_a_damaged_image_is_refused_as_such() -> None:
    data = encoded(form_page(width=600, height=800, noise=0), "PNG")
    with pytest.raises(EvidenceUnsupported, match="손상"):
        fit(data[: len(data) // 2], "cut.png", limit=LIMIT)


# --- the content decides ----------------------------------------------------------------------


def test_the_content_decides_the_type_not_the_extension() -> None:
    pdf = pdf_document([form_page(width=600, height=850, noise=0)])
    fitted = fit(pdf, "C001.jpg", limit=LIMIT)
    assert fitted.extension == "pdf" and fitted.data == pdf
    assert "이름은 .jpg이지만 내용은 PDF" in fitted.note


@pytest.mark.parametrize(("data", "words"), [
    (b"MZ\x90\x00" + bytes(500), "실행 파일"),
    (b"\x7fELF" + bytes(500), "실행 파일"),
    (b"PK\x03\x04" + bytes(500), "PDF로 저장"),
    (bytes.fromhex("d0cf11e0a1b11ae1") + bytes(500), "PDF로 저장"),
    (b"GIF89a" + bytes(500), "JPEG·PNG·TIFF"),
    (b"just some text, not evidence", "형식이 아니"),
    (b"", "빈 파일"),
])
def test_what_is_not_evidence_is_refused_with_what_to_do(data: bytes, words: str) -> None:
    with pytest.raises(EvidenceUnsupported, match=words):
        fit(data, "C001.jpg", limit=LIMIT)


def test_sniffing_knows_each_accepted_format() -> None:
    assert sniff(encoded(Image.new("RGB", (4, 4)), "JPEG")) == "jpeg"
    assert sniff(encoded(Image.new("RGB", (4, 4)), "PNG")) == "png"
    assert sniff(encoded(Image.new("RGB", (4, 4)), "TIFF")) == "tiff"
    assert sniff(b"%PDF-1.4\n") == "pdf"
    assert sniff(wav_bytes(0.1)) == "wav"
    assert sniff(b"OggS\x00\x02" + bytes(40)) == "ogg"
    assert sniff(b"\x00\x00\x00\x20ftypM4A " + bytes(40)) == "m4a"
    assert sniff(bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c") + bytes(40)) == "wma"
    assert sniff(b"ID3\x04\x00" + bytes(40)) == "mp3"
    assert sniff(b"\xff\xfb\x90\x64" + bytes(40)) == "mp3"
    assert sniff(der_bytes(b"signature")) == "der"
    with pytest.raises(EvidenceUnsupported):
        sniff(b"\x30\x05abc")  # a DER length that does not match the file


# --- PDF --------------------------------------------------------------------------------------


def test_a_pdf_under_the_limit_is_kept() -> None:
    pdf = pdf_document([form_page(width=600, height=850, noise=0)])
    fitted = fit(pdf, "동의서.pdf", limit=LIMIT)
    assert fitted.data == pdf and fitted.extension == "pdf" and "원본 PDF 그대로" in fitted.note


@needs_pdftoppm
def test_a_large_pdf_is_rendered_to_one_jpeg_of_all_its_pages() -> None:
    pdf = pdf_document([form_page(seed=i, noise=40_000) for i in range(2)], quality=95)
    assert len(pdf) > LIMIT
    fitted = fit(pdf, "copier.pdf", limit=LIMIT)
    image = opened(fitted.data)
    assert fitted.extension == "jpg" and len(fitted.data) <= LIMIT and fitted.pages == 2
    assert image.height > 2 * image.width and "PDF 2쪽" in fitted.note


def test_a_large_pdf_without_pdftoppm_is_refused_with_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    pdf = pdf_document([form_page(seed=i, noise=40_000) for i in range(2)], quality=95)
    monkeypatch.setattr(evidence_fit.shutil, "which", lambda _name: None)
    with pytest.raises(EvidenceTooLarge, match="pdftoppm") as refused:
        fit(pdf, "copier.pdf", limit=LIMIT)
    assert "JPEG로 다시 스캔" in refused.value.message


@needs_pdftoppm
def test_an_encrypted_pdf_over_the_limit_is_refused_with_the_reason() -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf_document([form_page(noise=40_000)], quality=95))).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    assert len(out.getvalue()) > LIMIT
    with pytest.raises(EvidenceUnsupported, match="암호"):
        fit(out.getvalue(), "locked.pdf", limit=LIMIT)


# --- recordings -------------------------------------------------------------------------------


@needs_ffmpeg
def test_a_wav_recording_becomes_a_mono_mp3_under_the_limit() -> None:
    data = wav_bytes(60)  # one minute, 16 kHz 16-bit: 1.9 MB
    fitted = fit(data, "통화녹음.wav", limit=LIMIT)
    assert fitted.extension == "mp3" and fitted.kind_hint is EvidenceKind.RECORDING
    assert len(fitted.data) <= LIMIT and sniff(fitted.data) == "mp3"
    assert fitted.duration_seconds == pytest.approx(60, abs=0.5)
    assert "MP3 모노 32kbps" in fitted.note and "1분 0초" in fitted.note
    assert mp3_duration(fitted.data) == pytest.approx(60, abs=1.5)


@needs_ffmpeg
def test_a_longer_recording_takes_a_lower_bitrate() -> None:
    fitted = fit(wav_bytes(200, rate=8000, width=1), "long.wav", limit=LIMIT)
    assert len(fitted.data) <= LIMIT and ("8kbps" in fitted.note or "16kbps" in fitted.note)


@needs_ffmpeg
def test_a_recording_too_long_even_at_the_lowest_bitrate_is_refused_with_its_duration() -> None:
    with pytest.raises(EvidenceTooLarge) as refused:
        fit(wav_bytes(600, rate=8000, width=1), "ten-minutes.wav", limit=LIMIT)
    assert "10분 0초" in refused.value.message and "최대 약 5분" in refused.value.message
    assert "잘라" in refused.value.message


def test_without_ffmpeg_a_wav_is_refused_with_how_to_convert(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evidence_fit.shutil, "which", lambda _name: None)
    with pytest.raises(EvidenceTooLarge) as refused:
        fit(wav_bytes(30), "call.wav", limit=LIMIT)
    assert "ffmpeg" in refused.value.message and "MP3(모노, 16kbps)" in refused.value.message
    assert "30초" in refused.value.message  # the WAV header tells its length without any tool


@needs_ffmpeg
def test_without_ffmpeg_an_mp3_under_the_limit_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    mp3 = fit(wav_bytes(20), "call.wav", limit=LIMIT).data
    monkeypatch.setattr(evidence_fit.shutil, "which", lambda _name: None)
    fitted = fit(mp3, "call.mp3", limit=LIMIT)
    assert fitted.data == mp3 and "원본 MP3 그대로" in fitted.note


def test_a_damaged_recording_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is installed by dev.sh")
    with pytest.raises(EvidenceUnsupported, match="손상"):
        fit(b"RIFF\x00\x00\x00\x00WAVE" + bytes(400_000), "broken.wav", limit=LIMIT)


# --- electronic signatures --------------------------------------------------------------------


def test_a_der_signature_is_kept_and_an_oversized_one_refused() -> None:
    der = der_bytes(b"\x01" * 2000)
    fitted = fit(der, "sign.der", limit=LIMIT)
    assert fitted.data == der and fitted.extension == "der" and fitted.kind_hint is EvidenceKind.E_SIGNATURE
    with pytest.raises(EvidenceTooLarge, match="줄일 수 없"):
        fit(der_bytes(b"\x01" * (LIMIT + 10)), "sign.der", limit=LIMIT)


def test_every_fitted_extension_is_one_the_ei13_carries() -> None:
    outputs = {fit(encoded(form_page(width=600, height=800, noise=0), "PNG"), "a.png", limit=LIMIT).extension,
               fit(pdf_document([form_page(width=600, height=800, noise=0)]), "a.pdf", limit=LIMIT).extension,
               fit(der_bytes(b"x" * 10), "a.der", limit=LIMIT).extension}
    assert outputs <= SENT_EXTENSIONS
