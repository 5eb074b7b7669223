"""Fixtures of the transmission tests: a data key, the office's contract as the services see it, a fake relay."""

from __future__ import annotations

import pytest

from app.services.common.crypto import DataKey
from app.services.exchange.transmissions import ContractInfo, load_contract
from tests.transmissions.fakes import FakeRelay


@pytest.fixture
def key() -> DataKey:
    return DataKey.generate()


@pytest.fixture
def contract(office) -> ContractInfo:
    return load_contract(office.db, office.contract_id)


@pytest.fixture
def relay() -> FakeRelay:
    return FakeRelay()
