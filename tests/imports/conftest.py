"""Shared pieces of the 일괄등록 tests: a data key, row counts, and a patcher for hand-made sheet XML."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.database.engine import Database
from app.models import AccountRegistration, Customer, DebitAgreement
from app.services.common.crypto import DataKey


@pytest.fixture
def key() -> DataKey:
    return DataKey.generate()


def table_counts(db: Database) -> tuple[int, int, int]:
    """(customers, agreements, registrations): what an import writes."""
    with db.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in  # type: ignore[return-value]
                     (Customer, DebitAgreement, AccountRegistration))


def patch_cell(path: Path, ref: str, cell_xml: str) -> Path:
    """Replace one cell of the first sheet by raw XML (a formula with or without its cached value, an error)."""
    member = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as src:
        parts = {name: src.read(name) for name in src.namelist()}
    xml = parts[member].decode()
    xml, found = re.subn(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', cell_xml, xml, count=1)
    assert found == 1, f"cell {ref} not in the sheet"
    parts[member] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return path
