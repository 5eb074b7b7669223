"""Fixtures of the 연체료·독촉 규정 tests: the apartment complex of tests/apartment (bare, or after its autumn)."""

from __future__ import annotations

from tests.apartment.conftest import autumn, complex_  # noqa: F401 - the fixtures these tests use
from tests.message_boxes import Boxes, boxes  # noqa: F401 - the autouse fixture of the screen tests
