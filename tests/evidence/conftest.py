"""Fixtures of the evidence tests: the office's data key, payers with agreements, and a stranger."""

from __future__ import annotations

import pytest

from app.models import Role
from app.services.common.crypto import DataKey
from app.services.common.session import Actor
from tests.factories import Office
from tests.transmissions.helpers import Payer, add_payers

ACCOUNTS = ["11012345678901", "22098765432109", "33055566677788"]


@pytest.fixture
def key() -> DataKey:
    return DataKey.generate()


@pytest.fixture
def payers(office: Office, key: DataKey) -> list[Payer]:
    """Three payers C0000001–C0000003, each with one agreement for 수강료 (item A01)."""
    return add_payers(office.db, office.contract_id, key, ACCOUNTS)


@pytest.fixture
def stranger(office: Office) -> Actor:
    """An administrator of another institution: nothing of this office may be found by them."""
    return Actor(None, office.institution_id + 1000, "other", "다른 기관", Role.ADMIN)
