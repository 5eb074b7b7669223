"""Fixtures of the 수납관리 screen tests: pages opened on the office of tests/conftest.py, no blocking boxes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from app.services.common.session import Actor
from app.views.common.base import Page
from app.views.common.context import AppContext
from tests.collection_views.helpers import KEY, NOW
from tests.factories import Office


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


class Clock:
    """The screen's clock; tests move it to cross a cut-off."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


PageOpener = Callable[..., Any]


@pytest.fixture
def open_page(qtbot, office: Office) -> PageOpener:
    """`open_page(PageClass, actor=None, now=NOW)`: the page shown (and so loaded) at 1280×760."""

    def opener(page_class: type[Page], actor: Actor | None = None, now: datetime | Clock = NOW) -> Any:
        clock = now if isinstance(now, Clock) else Clock(now)
        page = page_class(AppContext(office.db, actor or office.admin, office.contract_id, KEY, clock=clock))
        qtbot.addWidget(page)
        page.resize(1280, 760)
        page.show()
        qtbot.waitExposed(page)
        return page

    return opener
