"""Fixtures of the certificate tests: the office with the 학원 fields of 계약정보 filled in."""

from __future__ import annotations

import pytest

from app.models import Contract
from tests.factories import Office
from tests.message_boxes import boxes  # noqa: F401 - the autouse fixture that records message boxes


@pytest.fixture
def academy_office(office: Office) -> Office:
    """The test office as a 학원: registration number and address set (no seal)."""
    with office.db.session() as s:
        contract = s.get(Contract, office.contract_id)
        assert contract is not None
        contract.academy_registration_no = "제2019-0123호"
        contract.academy_address = "서울특별시 강남구 테헤란로 123, 4층"
    return office
