"""Fixtures of the 수납관리 screen tests: pages opened on the office of tests/conftest.py, no blocking boxes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from app.services.common.session import Actor
from app.views.common.base import Page
from app.views.common.context import AppContext
from tests.collection_views.helpers import KEY, NOW
from tests.factories import Office
from tests.message_boxes import Boxes, boxes  # noqa: F401 - the autouse fixture, shared with evidence_views


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
