"""Evidence the tests make themselves: scanned forms, multi-page TIFFs, PDFs, recordings and DER
signatures, deterministic (seeded), small enough to keep the suite quick."""

from __future__ import annotations

import io
import math
import random
import struct
import wave
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/nanum/NanumGothic.ttf"
BOLD = "/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf"


def form_page(*, width: int = 1240, height: int = 1754, seed: int = 1, colour: bool = True, noise: int = 6000,
              title: str = "CMS 출금이체 동의서") -> Image.Image:
    """A signed consent form as a scanner sees it (150 dpi A4 by default): print, scanner specks, and
    with `colour` a red 도장 and a blue signature."""
    rnd = random.Random(seed)
    page = Image.new("RGB", (width, height), (250, 250, 247))
    draw = ImageDraw.Draw(page)
    body = ImageFont.truetype(FONT, max(10, width // 55))
    head = ImageFont.truetype(BOLD, max(14, width // 28))
    draw.text((width * 0.22, height * 0.05), title, font=head, fill=(0, 0, 0))
    y = height * 0.13
    for line in range(34):
        draw.text((width * 0.08, y), f"{line + 1}. 납부자는 아래 계좌에서 매월 수강료를 자동이체로 납부하는 데 동의합니다. "
                                     f"{rnd.randint(0, 99999):05d}", font=body, fill=(25, 25, 25))
        y += height * 0.021
    if colour:
        draw.ellipse((width * 0.70, height * 0.86, width * 0.80, height * 0.93), outline=(205, 25, 25),
                     width=max(2, width // 160))
        draw.line((width * 0.38, height * 0.91, width * 0.60, height * 0.885), fill=(25, 45, 185),
                  width=max(2, width // 300))
    pixels = page.load()
    assert pixels is not None
    for _ in range(noise):
        x, yy = rnd.randrange(width), rnd.randrange(height)
        grey = rnd.randrange(170, 250)
        pixels[x, yy] = (grey, grey, grey)
    return page


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def tiff_pages(pages: Sequence[Image.Image]) -> bytes:
    out = io.BytesIO()
    pages[0].save(out, "TIFF", save_all=True, append_images=list(pages[1:]), compression="tiff_lzw")
    return out.getvalue()


def noise_image(width: int, height: int, seed: int = 7) -> Image.Image:
    """Pure noise: JPEG cannot compress it, so it never fits at a legible size."""
    rnd = random.Random(seed)
    return Image.frombytes("RGB", (width, height), rnd.randbytes(width * height * 3))


def jpeg_with_comment(image: Image.Image, comment: bytes, quality: int = 70) -> bytes:
    """A JPEG whose COM segment carries `comment` in clear (a marker a raw scan can look for)."""
    data = encoded(image, "JPEG", quality=quality)
    segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    return data[:2] + segment + data[2:]


def pdf_document(pages: Sequence[Image.Image], *, marker: str | None = None, quality: int = 92) -> bytes:
    """A PDF with each image as a full A4 page (what a copier's scan-to-PDF makes); `marker` also as text."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=0)
    for page in pages:
        pdf.drawImage(ImageReader(io.BytesIO(encoded(page, "JPEG", quality=quality))), 0, 0, *A4)
        if marker:
            pdf.setFont("Courier", 9)
            pdf.drawString(20, 20, marker)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def wav_bytes(seconds: float, *, rate: int = 16_000, width: int = 2, seed: int = 3) -> bytes:
    """A mono recording: a voice-like warble with some hiss."""
    rnd = random.Random(seed)
    second = bytearray()  # one second, repeated: quick to make, still sound to an encoder
    peak = 2 ** (8 * width - 1) - 1
    for n in range(rate):
        t = n / rate
        value = 0.4 * math.sin(2 * math.pi * (220 + 60 * math.sin(2 * math.pi * 3 * t)) * t) + 0.05 * rnd.uniform(-1, 1)
        sample = int(value * peak)
        second += (sample + 128).to_bytes(1, "little") if width == 1 else sample.to_bytes(width, "little", signed=True)
    whole = int(seconds)
    frames = bytes(second) * whole + bytes(second[: int((seconds - whole) * rate) * width])
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()


def der_bytes(payload: bytes) -> bytes:
    """An ASN.1 SEQUENCE holding one OCTET STRING: the shape of a DER signature file."""
    inner = b"\x04" + _der_length(len(payload)) + payload
    return b"\x30" + _der_length(len(inner)) + inner


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body
