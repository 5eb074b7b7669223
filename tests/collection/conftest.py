"""Fixtures of the collection tests: the office of tests/conftest.py on both databases, a clerk and a viewer."""

from __future__ import annotations

import pytest

from app.models import Role
from app.services.common.session import Actor
from tests.factories import Office, add_user


@pytest.fixture
def clerk(office: Office) -> Actor:
    return add_user(office, "clerk1", Role.CLERK)


@pytest.fixture
def viewer(office: Office) -> Actor:
    return add_user(office, "viewer1", Role.VIEWER, birth="910606")
