"""Fixtures of the EI13-before-EB13 tests: a Monday in March 2026, the scheduler over the built-in simulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.services.common.calendar import ManualClock
from tests.factories import Office
from tests.home.helpers import Relay


@pytest.fixture
def clock() -> ManualClock:
    """Monday 9 March 2026, 09:00 Seoul: a business morning; the registration cut-off is 14:00."""
    return ManualClock.at(2026, 3, 9, 9, 0)


@pytest.fixture
def relay(office: Office, clock: ManualClock, tmp_path: Path) -> Relay:
    return Relay(office.db, office.admin, clock, tmp_path / "data")
