"""Fixtures of the 월마감 tests: the apartment complex of tests/apartment (bare, or after its three months)
and the clock of the close, 2026-11-05 10:00 in Seoul."""

from __future__ import annotations

from tests.apartment.conftest import autumn, complex_  # noqa: F401 - the shared apartment story
from tests.message_boxes import Boxes, boxes  # noqa: F401 - the autouse fixture of the screen tests
