"""One helper to find the files that ship beside the code (resources/, db/), from source or a bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def project_root() -> Path:
    """The folder holding resources/ and db/: the checkout, or PyInstaller's unpacked bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle)
    return Path(__file__).resolve().parent.parent


def resource_path(*parts: str) -> Path:
    return project_root().joinpath("resources", *parts)


def migrations_dir() -> Path:
    return project_root() / "db"
