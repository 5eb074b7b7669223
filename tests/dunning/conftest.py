"""Fixtures of the 독촉 tests: the apartment complex of tests/apartment (four households, three months)."""

from __future__ import annotations

from tests.apartment.conftest import autumn, complex_  # noqa: F401 - the story the dunning tests stand on
from tests.message_boxes import Boxes, boxes  # noqa: F401 - the autouse fixture of the screen tests
