"""A Korean font for the PDFs: a TrueType font found on the PC, embedded as a subset.

Without a Korean font every Hangul glyph prints as a box. The PC's own font is preferred because
reportlab embeds only the glyphs used (subset), so the file opens the same everywhere. When none is
found, reportlab's built-in CID fonts (HYGothic-Medium / HYSMyeongJo-Medium) still print Korean,
but they are *not* embedded: the viewer must supply a matching Korean font, which Windows and most
viewers do, some printers do not. That is why the fallback is logged as a warning.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

log = logging.getLogger(__name__)

REGULAR = "KR"
BOLD = "KR-Bold"

# (regular, bold, subfont index for .ttc collections); the first whose regular file exists wins.
_LINUX = (
    ("/usr/share/fonts/truetype/nanum/NanumGothic.ttf", "/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf", 0),
    ("/usr/share/fonts/truetype/nanum/NanumBarunGothic.ttf",
     "/usr/share/fonts/truetype/nanum/NanumBarunGothicBold.ttf", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
     1),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc", 1),
)
_MAC = (
    ("/Library/Fonts/NanumGothic.ttf", "/Library/Fonts/NanumGothicBold.ttf", 0),
    ("/System/Library/Fonts/Supplemental/AppleGothic.ttf", "/System/Library/Fonts/Supplemental/AppleGothic.ttf", 0),
)


def _windows_candidates() -> tuple[tuple[str, str, int], ...]:
    fonts = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
    local = Path(os.environ.get("LOCALAPPDATA", "")) / "Microsoft" / "Windows" / "Fonts"
    out = []
    for folder in (fonts, local):
        out.append((str(folder / "malgun.ttf"), str(folder / "malgunbd.ttf"), 0))
        out.append((str(folder / "NanumGothic.ttf"), str(folder / "NanumGothicBold.ttf"), 0))
    return tuple(out)


def candidates() -> tuple[tuple[str, str, int], ...]:
    if sys.platform.startswith("win"):
        return _windows_candidates()
    if sys.platform == "darwin":
        return _MAC + _LINUX
    return _LINUX


@dataclass(frozen=True)
class FontSet:
    regular: str
    bold: str
    embedded: bool
    source: str  # the file, or the CID font's name


@lru_cache(maxsize=1)
def korean_fonts() -> FontSet:
    """Register the Korean font once per process and say which it is."""
    for regular, bold, index in candidates():
        if not Path(regular).is_file():
            continue
        try:
            pdfmetrics.registerFont(TTFont(REGULAR, regular, subfontIndex=index))
            bold_path = bold if Path(bold).is_file() else regular
            pdfmetrics.registerFont(TTFont(BOLD, bold_path, subfontIndex=index))
        except Exception as error:  # noqa: BLE001 - a broken font file: try the next one
            log.warning("Korean font %s could not be loaded (%s); trying the next", regular, error)
            continue
        return FontSet(REGULAR, BOLD, True, regular)
    log.warning(
        "No Korean TrueType font found (맑은 고딕, NanumGothic, Noto CJK); PDFs use the built-in CID font "
        "HYGothic-Medium, which is not embedded: viewers without a Korean font may show boxes"
    )
    pdfmetrics.registerFont(UnicodeCIDFont("HYGothic-Medium"))
    pdfmetrics.registerFont(UnicodeCIDFont("HYSMyeongJo-Medium"))
    return FontSet("HYGothic-Medium", "HYGothic-Medium", False, "HYGothic-Medium")
