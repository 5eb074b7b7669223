"""Fonts and the style sheet: Korean glyphs need a Korean font, or every character is a box."""

from __future__ import annotations

import logging

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from app.resources import resource_path

log = logging.getLogger(__name__)

KOREAN_FAMILIES = ("Malgun Gothic", "맑은 고딕", "NanumGothic", "나눔고딕", "Noto Sans CJK KR", "Noto Sans KR",
                   "Apple SD Gothic Neo", "UnDotum")


def korean_family() -> str | None:
    available = set(QFontDatabase.families())
    return next((family for family in KOREAN_FAMILIES if family in available), None)


def apply_theme(app: QApplication) -> None:
    family = korean_family()
    if family:
        font = QFont(family, 10)
        app.setFont(font)
    else:
        log.warning("no Korean font found on this system; install fonts-nanum (Linux) for readable text")
    style = resource_path("style.qss")
    if style.exists():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
