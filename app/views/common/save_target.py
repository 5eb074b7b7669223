"""Checking the file a clerk chose in a save dialog before any work starts.

Qt's save dialog has already asked "replace?" for an existing file, so screens pass force=True to
the services; what stays refused whatever the clerk answered is the live database (and its
-wal/-shm) and the backups folder, shown here as a Korean message box (output_files says why).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

from app.database.engine import Database
from app.services.common import output_files
from app.views.common.base import show_error


def checked_save_path(parent: QWidget | None, db: Database, path: str | Path, title: str) -> Path | None:
    """The absolute path to write, or None after telling the clerk why it cannot be written."""
    try:
        return output_files.check_target(path, force=True, protected=output_files.protected_for(db))
    except output_files.OutputRefusedError as error:
        show_error(parent, error, title)
        return None
