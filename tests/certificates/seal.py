"""A 직인 image for the tests: a red square seal with the academy's name, drawn with Pillow."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw


def seal_png(size: int = 240) -> bytes:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    red = (200, 30, 30, 230)
    draw.rectangle((8, 8, size - 8, size - 8), outline=red, width=14)
    draw.rectangle((40, 40, size - 40, size - 40), outline=red, width=6)
    draw.line((40, size // 2, size - 40, size // 2), fill=red, width=6)
    draw.line((size // 2, 40, size // 2, size - 40), fill=red, width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
