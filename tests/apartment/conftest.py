"""Fixtures of the apartment tests: the complex of tests/apartment/complex.py, bare or with its three months."""

from __future__ import annotations

import pytest

from app.services.common.session import Actor
from tests.apartment.complex import Complex, make_complex, three_months
from tests.factories import Office


@pytest.fixture
def complex_(office: Office, clerk: Actor) -> Complex:
    return make_complex(office, clerk)


@pytest.fixture
def autumn(complex_: Complex) -> Complex:
    """The complex after September, October and November 2026."""
    return three_months(complex_)


from tests.message_boxes import Boxes, boxes  # noqa: E402, F401 - the autouse fixture of the screen tests
