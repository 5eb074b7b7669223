"""Fixtures of the scenario tests: the December academy on both databases, quiet message boxes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app.services.common.session import Actor
from tests.factories import Office
from tests.scenarios.december import December, december_academy


@pytest.fixture
def academy(office: Office, clerk: Actor, tmp_path: Path) -> December:
    return december_academy(office, clerk, tmp_path)


@pytest.fixture
def quiet_boxes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Message boxes and file dialogs would block a browse: answer No / cancel, and record what they said."""
    said: list[str] = []

    def box(_parent: Any, _title: str, text: str, *_a: Any, **_k: Any) -> QMessageBox.StandardButton:
        said.append(text)
        return QMessageBox.StandardButton.No

    for name in ("warning", "information", "question", "critical"):
        monkeypatch.setattr(QMessageBox, name, box)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: ("", ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: ("", ""))
    yield said
