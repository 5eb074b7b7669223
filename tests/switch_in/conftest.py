"""Fixtures of the switch-in tests: the office's data key (the office itself comes from tests/conftest.py)."""

from __future__ import annotations

import pytest

from app.services.common.crypto import DataKey


@pytest.fixture
def key() -> DataKey:
    return DataKey.generate()
