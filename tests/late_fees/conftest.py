"""The late-fee tests stand on the apartment story of tests/apartment/complex.py."""

from tests.apartment.conftest import autumn, complex_  # noqa: F401
from tests.message_boxes import Boxes, boxes  # noqa: F401 - the autouse fixture of the screen tests
