"""Message boxes recorded instead of shown, for every screen test folder that opens dialogs.

A box would block an offscreen test; each test that expects one takes it, any other fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox


@dataclass
class Boxes:
    """What message boxes would have said; `question` answers Yes unless `answer` is set to False."""

    shown: list[str] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    answer: bool = True

    def take(self) -> list[str]:
        taken, self.shown = self.shown, []
        return taken


@pytest.fixture(autouse=True)
def boxes(monkeypatch: pytest.MonkeyPatch) -> Iterator[Boxes]:
    """A box would block the test: record it instead. A test that expects one takes it; any other fails."""
    record = Boxes()

    def shown(_parent: Any, _title: str, text: str, *_a: Any, **_k: Any) -> QMessageBox.StandardButton:
        record.shown.append(text)
        return QMessageBox.StandardButton.Ok

    def asked(_parent: Any, _title: str, text: str, *_a: Any, **_k: Any) -> QMessageBox.StandardButton:
        record.asked.append(text)
        return QMessageBox.StandardButton.Yes if record.answer else QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "warning", shown)
    monkeypatch.setattr(QMessageBox, "information", shown)
    monkeypatch.setattr(QMessageBox, "question", asked)
    yield record
    assert not record.shown, f"unexpected message boxes: {record.shown}"
