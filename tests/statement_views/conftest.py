"""Fixtures of the 통장입금대사 screen tests: the 수납관리 screens' page opener and recorded message boxes."""

from __future__ import annotations

from tests.collection_views.conftest import Clock, open_page  # noqa: F401 - fixtures shared with the 수납관리 screens
from tests.message_boxes import Boxes, boxes  # noqa: F401 - the autouse fixture: no box may block a test
