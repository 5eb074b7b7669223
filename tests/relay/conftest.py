"""Fixtures of the relay tests: a simulator on a manual clock and its folder transport."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.services.common.calendar import ManualClock
from app.services.exchange.relay.local import SimulatorTransport
from app.services.exchange.relay.simulator import BankSimulator

from .builders import INSTITUTION


@pytest.fixture
def clock() -> ManualClock:
    """Monday 9 March 2026, 10:00 Seoul: an ordinary business morning before the 14:00 cut-off."""
    return ManualClock.at(2026, 3, 9, 10, 0)


@pytest.fixture
def simulator(tmp_path: Path, clock: ManualClock) -> BankSimulator:
    return BankSimulator(tmp_path / "relay", clock)


@pytest.fixture
def transport(simulator: BankSimulator) -> SimulatorTransport:
    return SimulatorTransport(simulator, INSTITUTION)


@pytest.fixture
def inst_dir(transport: SimulatorTransport) -> Path:
    return transport.base
