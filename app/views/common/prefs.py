"""Per-PC view preferences (window size, open screen, last login IDs) in an INI file in the data folder."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from app.config import data_dir


def view_settings() -> QSettings:
    return QSettings(str(data_dir() / "window.ini"), QSettings.Format.IniFormat)
