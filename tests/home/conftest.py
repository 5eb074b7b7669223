"""Fixtures of the home-screen tests: a clock in March 2026, the relay over the simulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.services.common.calendar import ManualClock
from tests.factories import Office
from tests.home.helpers import Relay


@pytest.fixture
def clock() -> ManualClock:
    """Monday 9 March 2026, 09:00 Seoul: a business morning, first week after 삼일절."""
    return ManualClock.at(2026, 3, 9, 9, 0)


@pytest.fixture
def relay(office: Office, clock: ManualClock, tmp_path: Path) -> Relay:
    return Relay(office.db, office.admin, clock, tmp_path / "data")
