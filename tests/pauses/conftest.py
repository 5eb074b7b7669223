"""Fixtures of the 휴원 tests: the 휴원관리 page opened on the office of tests/conftest.py, no blocking boxes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from app.services.common.session import Actor
from app.views.common.base import Page
from app.views.common.context import AppContext
from tests.factories import Office
from tests.message_boxes import Boxes, boxes  # noqa: F401 - the autouse fixture, shared with the screen folders
from tests.pauses.helpers import KEY, NOW

PageOpener = Callable[..., Any]


@pytest.fixture
def open_page(qtbot, office: Office) -> PageOpener:
    """`open_page(PageClass, actor=None, now=NOW, contract=True)`: the page shown (and so loaded) at 1280×760."""

    def opener(page_class: type[Page], actor: Actor | None = None, now: datetime = NOW, contract: bool = True) -> Any:
        ctx = AppContext(office.db, actor or office.admin, office.contract_id if contract else None, KEY,
                         clock=lambda: now)
        page = page_class(ctx)
        qtbot.addWidget(page)
        page.resize(1280, 760)
        page.show()
        qtbot.waitExposed(page)
        return page

    return opener


__all__ = ["Boxes", "PageOpener", "open_page"]
