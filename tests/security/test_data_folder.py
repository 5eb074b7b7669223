"""The folders that hold the database, its logs and its backups are the PC user's alone."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from app import config


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions; Windows keeps the profile folder private")
def test_data_log_and_backup_folders_are_created_owner_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(tmp_path / "fresh" / "KSCMS desk"))
    old_umask = os.umask(0o022)  # a typical desktop umask: group and others may read new folders
    try:
        folders = [config.data_dir(), config.log_dir(), config.backup_dir()]
    finally:
        os.umask(old_umask)
    for folder in folders:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
