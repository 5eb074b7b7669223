"""Fixtures of the collection tests: the academy of May and June 2026 (academy_months.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.models import Contract
from app.services.common.calendar import ManualClock
from app.services.common.session import Actor
from tests.collection.academy_months import Academy
from tests.factories import Office
from tests.home.helpers import Relay


@pytest.fixture
def academy(office: Office, clerk: Actor, tmp_path: Path) -> Academy:
    """Monday 27 April 2026, 09:00 Seoul; the academy allows partial debits."""
    with office.db.session() as s:  # what the administrator ticks in 계약정보 (tests/views/test_settings_contract.py)
        contract = s.get(Contract, office.contract_id)
        assert contract is not None and not contract.partial_debit
        contract.partial_debit = True
    clock = ManualClock.at(2026, 4, 27, 9, 0)  # Monday 27 April 2026, 09:00 Seoul
    return Academy(office, clerk, clock, Relay(office.db, office.admin, clock, tmp_path / "relay"))
