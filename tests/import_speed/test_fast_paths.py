"""The speed work of issue 21 on 일괄등록 changes no result: each fast path against the slower way it replaced.

The sheet scan's counts and extents against the formulas it used before, the batch encryption
against one value at a time, the remembered readings of repeated cells against reading every cell,
and Python's collector settings put back after an import, also after a failure.
"""

from __future__ import annotations

import gc
import re
from datetime import date

import pytest

from app.services.common.crypto import DataKey, DecryptionError
from app.services.customers import rules
from app.services.customers.imports import flow, reader
from app.services.customers.imports.flow import FastRules
from app.services.customers.imports.rows import ItemChoice, RowChecker, Status, map_headers
from tests.imports.workbooks import HEADER, as_list, row_values

TODAY = date(2026, 3, 10)
ITEMS = [ItemChoice(1, "A01", "수강료", (5, 25))]

# --- the sheet scan: the formulas it used before, kept here as the reference ------------------------

_OLD_WIDE_VALUE_CELL = re.compile(rb'r="([A-Z]{2,3})[0-9]+"[^>]*?(?<!/)>')
_OLD_MARKERS = (b"<v>", b"<is>", b":v>", b":is>")


def old_row_elements(data: bytes) -> int:
    return data.count(b"<row ") + data.count(b"<row>") + data.count(b":row ") + data.count(b":row>")


def old_last_column(data: bytes) -> int:
    wide = set(_OLD_WIDE_VALUE_CELL.findall(data))
    return max((reader.column_index(letters.decode()) for letters in wide), default=25)


def old_last_content(data: bytes) -> int:
    return max(data.rfind(marker) for marker in _OLD_MARKERS)


def cell(ref: str, body: str = "<v>1</v>", prefix: str = "") -> str:
    return f'<{prefix}c r="{ref}">{body.replace("<v>", f"<{prefix}v>").replace("</v>", f"</{prefix}v>")}</{prefix}c>'


PIECES = [
    b"",
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="2"/>',
    ('<row r="2">' + cell("A2") + cell("AB2") + "</row>" + '<row r="3"><c r="AZ3" s="1"/></row>').encode(),
    ('<row r="4">' + cell("ZZ4") + cell("AAA4", "<v></v>") + '</row><row>' + cell("BC5") + "</row>").encode(),
    ('<x:row r="6">' + cell("A6", prefix="x:") + cell("AC6", prefix="x:") + "</x:row><x:row r=\"7\"/>").encode(),
    b'<row r="8"><c r="B8" t="inlineStr"><is><t>memo:row &amp; :v> text</t></is></c></row>',
    ('<row r="9"><c r="AD9"/>' + cell("AE9", "<f>A1</f>") + "</row>").encode(),
    b'<rowBreaks count="1"><brk id="3"/></rowBreaks><row r="10"><c r="AA10" t="e"><v>#N/A</v></c></row>',
]


@pytest.mark.parametrize("piece", PIECES)
def test_scan_formulas_give_what_the_old_ones_gave(piece: bytes) -> None:
    assert len(reader._PLAIN_ROW.findall(piece)) + len(reader._PREFIXED_ROW_END.findall(piece)) == \
        old_row_elements(piece)
    assert reader._last_content(piece) == old_last_content(piece)
    for known in (0, 25, 27, 40, 800):
        assert reader._last_column(piece, known) == max(known, old_last_column(piece))


def test_scan_of_a_whole_sheet_is_the_old_scan(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.imports.workbooks import write_customers

    path = write_customers(tmp_path / "list.xlsx", 300)
    _name, part = reader.choose_sheet(path, "고객목록")
    scan = reader.scan_sheet(path, part)
    whole = b"".join(reader._chunks(path, part))
    assert scan.value_rows == old_row_elements(whole) - len(reader._EMPTY_ROW.findall(whole)) == 301
    assert scan.last_column == old_last_column(whole) == 29  # AD: the 30 columns of the template
    assert scan.last_row == 301 and scan.has_values and not scan.bad_cells


# --- batch encryption -----------------------------------------------------------------------------


def test_batch_encryption_is_the_single_one() -> None:
    key = DataKey.generate()
    accounts = ["110-123-456789", "0012345678901", "123 456 789", "1234567890123456"]
    sealed = key.encrypt_many(accounts, "account_no")
    assert [key.decrypt(blob, "account_no") for blob in sealed] == accounts
    assert [len(blob) for blob in sealed] == [len(key.encrypt(a, "account_no")) for a in accounts]
    assert len({blob[1:13] for blob in sealed}) == len(accounts)  # a fresh nonce each
    with pytest.raises(DecryptionError):
        key.decrypt(sealed[0], "resident_no")  # the purpose is bound in, as for one value
    assert key.blind_indexes(accounts, "account_no") == [key.blind_index(a, "account_no") for a in accounts]
    assert key.blind_indexes(["홍길동 "], "holder_name") == [key.blind_index("홍길동", "holder_name")]
    assert key.encrypt_many([], "account_no") == [] and key.blind_indexes([], "account_no") == []


def test_batch_encryption_refuses_what_the_single_one_refuses() -> None:
    key = DataKey.generate()
    with pytest.raises(ValueError):
        key.blind_indexes(["12a"], "account_no")
    with pytest.raises(ValueError):
        key.encrypt_many(["1"], "Account")
    with pytest.raises(TypeError):
        key.encrypt_many([123], "account_no")  # type: ignore[list-item]


# --- the row check ----------------------------------------------------------------------------------


def checkers() -> tuple[RowChecker, RowChecker]:
    header_map, missing = map_headers(HEADER)
    assert not missing
    return RowChecker(header_map, ITEMS, TODAY, FastRules(TODAY)), RowChecker(header_map, ITEMS, TODAY)


def test_a_repeated_cell_says_its_note_on_every_row() -> None:
    fast, _exact = checkers()
    first = fast.check(2, as_list(row_values(1, holder_id=50101.0, bank_code="국민은행 강남지점")), None)
    second = fast.check(3, as_list(row_values(2, holder_id=50101.0, bank_code="국민은행 강남지점")), None)
    assert first.status is second.status is Status.NEW
    for checked in (first, second):
        assert any("050101" in note for note in checked.notes)
        assert any("강남지점" in note and "004" in note for note in checked.notes)


def test_repeated_and_refused_cells_read_as_without_memory() -> None:
    fast, exact = checkers()
    rows = [as_list(row_values(n, monthly_amount=300000.0 + (n % 3) * 1000, debit_day=float(5 + 20 * (n % 2)),
                               bank_code=("004", "국민은행 강남지점", "없는은행", "88")[n % 4], joined_on=date(2025, 1, 1 + n % 3),
                               discount_rate=0.1 if n % 5 == 0 else 0))
            for n in range(1, 60)]
    for number, cells in enumerate(rows * 2, start=2):
        a, b = fast.check(number, cells, None), exact.check(number, cells, lambda _p: None)
        assert (a.status, a.customer, a.agreement, a.notes, a.errors) == (
            b.status, b.customer, b.agreement, b.notes, b.errors), number


def test_a_field_past_its_limit_is_checked_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules.Remembered, "PER_FIELD", 5)
    fast, exact = checkers()
    for number in range(1, 40):
        cells = as_list(row_values(number, grade=f"반{number % 9}", holder_name=f"예금주{number % 11}"))
        a, b = fast.check(number + 1, cells, None), exact.check(number + 1, cells, lambda _p: None)
        assert (a.status, a.customer, a.agreement, a.notes) == (b.status, b.customer, b.agreement, b.notes)
    remembered = fast.fast.remembered  # type: ignore[union-attr]
    assert max(remembered.per_field.values()) == 5
    assert sum(1 for k in remembered.values if k[0] == "grade") == 5


# --- the collector ------------------------------------------------------------------------------------


def test_the_collector_settings_come_back_also_after_a_failure() -> None:
    before = gc.get_threshold()
    with flow._collect_less():
        assert gc.get_threshold()[0] >= 20_000
        with flow._collect_less():
            pass
        assert gc.get_threshold()[0] >= 20_000  # the outer import still runs
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), flow._collect_less():
        raise RuntimeError("a failed import")
    assert gc.get_threshold() == before
