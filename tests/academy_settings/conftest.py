"""Fixtures of the 학원 settings tests (issue 18): a data key, recorded message boxes, seal pictures.

The office is tests/conftest.py's (해오름수학학원, items A01 수강료 / A02 교재비 / A03 차량비, debit days
5, 15, 25), on SQLite and PostgreSQL. Seal pictures are drawn here, so every test knows exactly
what went in: a red ring on white paper, as a phone photo or a scan of a 직인 looks.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from app.services.common.crypto import DataKey
from tests.message_boxes import Boxes, boxes  # noqa: F401 - the autouse fixture, shared with the other screen tests

SHOTS = Path("/tmp/work/shots")


@pytest.fixture
def key() -> DataKey:
    return DataKey.generate()


def seal_picture(width: int, height: int, fmt: str, *, ring: tuple[int, int, int] = (200, 20, 20)) -> bytes:
    """A red ring (the seal) on white paper, centred, `fmt` one of PNG, JPEG, BMP, GIF."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    side = min(width, height)
    left, top = (width - side // 2) // 2, (height - side // 2) // 2
    draw.ellipse((left, top, left + side // 2, top + side // 2), outline=ring, width=max(4, side // 40))
    draw.text((left + side // 8, top + side // 5), "SEAL", fill=ring)
    out = io.BytesIO()
    image.save(out, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()


def save_shot(widget, name: str) -> Path:  # type: ignore[no-untyped-def]
    """The widget as the clerk sees it, for a person to look at (/tmp/work/shots/<name>.png)."""
    from PySide6.QtWidgets import QApplication

    for _ in range(3):  # let a layout that just changed settle, as it does before the clerk sees it
        QApplication.processEvents()
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    widget.grab().save(str(path))
    return path


__all__ = ["SHOTS", "Boxes", "save_shot", "seal_picture"]
