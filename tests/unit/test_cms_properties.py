"""Property tests (hypothesis): round trips, record lengths, and single-byte corruption.

Corruption rule, decided on purpose: every FILLER is checked (spaces, or '0000' where the spec
says so), every echoed field is compared with the request, and every count and amount with the
data. A single changed byte in a result file is therefore either refused with CmsFormatError
(CmsMismatchError included) or decodes to exactly the same values — except in the few fields whose
content nothing else can confirm: the 불능코드 of a failed record, KFTC's own trailer figures
(센터검증오류건수, fees) and the MAC. A change there decodes to a different but well-formed value;
the test asserts that then only that one field of that one record changed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.services.exchange.cms import (
    CmsFormatError,
    DebitHeader,
    DebitRecord,
    RegistrationHeader,
    RegistrationRecord,
    decode_eb13,
    decode_eb14,
    decode_eb21,
    decode_eb22,
    encode_eb13,
    encode_eb14,
    encode_eb21,
    encode_eb22,
)
from app.services.exchange.cms.tables import LAYOUTS

PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F))
DIGITS = "0123456789"
CODE_CHARS = DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _ks_x_1001() -> list[str]:
    chars = []
    for lead in range(0xA1, 0xFF):
        for trail in range(0xA1, 0xFF):
            try:
                ch = bytes([lead, trail]).decode("euc_kr")
            except UnicodeDecodeError:
                continue
            if len(ch) == 1 and len(ch.encode("euc_kr")) == 2:
                chars.append(ch)
    return chars


KS_CHARS = _ks_x_1001()
HANGUL = [ch for ch in KS_CHARS if "가" <= ch <= "힣"]
assert len(HANGUL) == 2350  # the KS X 1001 precomposed syllables


def _fit(text: str, size: int = 16) -> str:
    """Trim to ``size`` encoded bytes at a character boundary, without trailing blanks."""
    out, used = [], 0
    for ch in text:
        width = 1 if ch < "\x80" else 2
        if used + width > size:
            break
        out.append(ch)
        used += width
    return "".join(out).rstrip(" \u3000")


def text_of(alphabet: str, max_size: int, min_size: int = 0) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=min_size, max_size=max_size).map(lambda s: s.strip(" ")).filter(
        lambda s: len(s) >= min_size
    )


def digits(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=DIGITS, min_size=min_size, max_size=max_size)


passbooks = st.text(
    alphabet=st.one_of(st.sampled_from(HANGUL), st.sampled_from(PRINTABLE), st.sampled_from(KS_CHARS)),
    min_size=1,
    max_size=16,
).map(_fit).filter(bool)
holder_ids = st.one_of(digits(6, 6), digits(10, 10))
dates = st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31))
codes = st.text(alphabet=CODE_CHARS, min_size=4, max_size=4)
institutions = text_of(PRINTABLE, 10, 1)

debit_headers = st.builds(DebitHeader, institutions, dates, digits(7, 7), digits(1, 16))


@st.composite
def debit_files(draw: st.DrawFn, max_records: int = 6) -> tuple[DebitHeader, list[DebitRecord]]:
    """A header and 1..n EB21 records with distinct 납부자번호 (so a record's echoes identify it)."""
    header = draw(debit_headers)
    customers = draw(st.lists(text_of(PRINTABLE, 20, 1), min_size=0, max_size=max_records, unique=True))
    records = [
        DebitRecord(
            sequence=i,
            bank_branch_code=draw(digits(7, 7)),
            account_no=draw(digits(1, 16)),
            amount=draw(st.integers(140, 10**11)),
            holder_id=draw(holder_ids),
            passbook_text=draw(passbooks),
            customer_no=customer,
            withdrawal_mode=draw(st.sampled_from("0123456")),
            fund_kind=draw(text_of(PRINTABLE, 2)),
            free_area=draw(text_of(PRINTABLE, 5)),
            phone=draw(digits(0, 12)),
        )
        for i, customer in enumerate(customers, start=1)
    ]
    return header, records


@st.composite
def debit_results(draw: st.DrawFn) -> tuple[DebitHeader, list[DebitRecord], list[DebitRecord], dict[str, Any]]:
    """An EB21 and an EB22 answering it: a subset failed (N) or partially debited (P)."""
    header, requests = draw(debit_files())
    results = []
    for rec in requests:
        outcome = draw(st.sampled_from(["ok", "N", "P"]))
        if outcome == "N":
            results.append(dataclasses.replace(rec, result_flag="N", reason_code=draw(codes)))
        elif outcome == "P" and rec.withdrawal_mode != "1":
            not_debited = draw(st.integers(1, rec.amount - 1))
            results.append(dataclasses.replace(rec, amount=not_debited, result_flag="P", reason_code=draw(codes)))
    extras = {
        "center_error_count": draw(st.integers(0, 10**8 - 1)),
        "debit_bank_fee": draw(st.integers(0, 10**11 - 1)),
        "credit_bank_fee": draw(st.integers(0, 10**11 - 1)),
        "mac": draw(text_of(CODE_CHARS, 10)),
    }
    return header, requests, results, extras


@st.composite
def registration_files(draw: st.DrawFn) -> tuple[RegistrationHeader, list[RegistrationRecord]]:
    header = RegistrationHeader(draw(institutions), draw(dates))
    customers = draw(st.lists(text_of(PRINTABLE, 20, 1), min_size=0, max_size=6, unique=True))
    records = [
        RegistrationRecord(
            sequence=i,
            application_date=draw(st.dates(dt.date(2000, 1, 1), header.file_date)),
            request_kind=draw(st.sampled_from("137")),
            customer_no=customer,
            bank_branch_code=draw(digits(7, 7)),
            account_no=draw(digits(1, 16)),
            holder_id=draw(holder_ids),
            handling_branch=draw(text_of(PRINTABLE, 4)),
            fund_kind=draw(text_of(PRINTABLE, 2)),
            phone=draw(digits(0, 12)),
            channel=draw(text_of(PRINTABLE, 1)),
        )
        for i, customer in enumerate(customers, start=1)
    ]
    return header, records


@st.composite
def registration_results(
    draw: st.DrawFn,
) -> tuple[RegistrationHeader, list[RegistrationRecord], list[RegistrationRecord]]:
    header, requests = draw(registration_files())
    results = []
    for rec in requests:
        outcome = draw(st.sampled_from(["absent", "Y", "N"]))
        if outcome == "Y":
            results.append(dataclasses.replace(rec, result_flag="Y"))
        elif outcome == "N":
            results.append(dataclasses.replace(rec, result_flag="N", reason_code=draw(codes)))
    return header, requests, results


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ----------------------------------------------------------------------------- round trips


@SETTINGS
@given(debit_results())
def test_debit_files_round_trip_byte_for_byte(case: Any) -> None:
    header, requests, results, extras = case
    eb21 = encode_eb21(header, requests)
    request = decode_eb21(eb21, "eb21")
    assert request.header == header and list(request.records) == requests
    assert encode_eb21(request.header, request.records) == eb21
    eb22 = encode_eb22(header, results, **extras)
    result = decode_eb22(eb22, "eb22", request)
    assert list(result.records) == results
    t = result.trailer
    assert (t.center_error_count, t.debit_bank_fee, t.credit_bank_fee, t.mac) == tuple(extras.values())
    assert encode_eb22(result.header, result.records, **extras) == eb22


@SETTINGS
@given(registration_results())
def test_registration_files_round_trip_byte_for_byte(case: Any) -> None:
    header, requests, results = case
    eb13 = encode_eb13(header, requests)
    request = decode_eb13(eb13, "eb13")
    assert request.header == header and list(request.records) == requests
    assert encode_eb13(request.header, request.records) == eb13
    eb14 = encode_eb14(header, results)
    result = decode_eb14(eb14, "eb14", request)
    assert list(result.records) == results
    assert encode_eb14(result.header, result.records) == eb14


@SETTINGS
@given(debit_results(), registration_results())
def test_every_record_has_exactly_its_length(debits: Any, registrations: Any) -> None:
    header, requests, results, _ = debits
    reg_header, reg_requests, reg_results = registrations
    files = [
        ("EB21", encode_eb21(header, requests), len(requests)),
        ("EB22", encode_eb22(header, results), len(results)),
        ("EB13", encode_eb13(reg_header, reg_requests), len(reg_requests)),
        ("EB14", encode_eb14(reg_header, reg_results), len(reg_results)),
    ]
    for kind, data, count in files:
        size = LAYOUTS[kind].record_length
        assert len(data) == size * (count + 2)
        kinds = bytes(data[i] for i in range(0, len(data), size))
        assert kinds == b"H" + b"R" * count + b"T"
        assert b"\r" not in data and b"\n" not in data


@SETTINGS
@given(passbooks)
def test_passbook_padding_follows_section_1_4(text: str) -> None:
    header = DebitHeader("I", dt.date(2026, 1, 5), "0040000", "1")
    rec = DebitRecord(1, "0040000", "1", 1000, "900101", text, "C")
    data = encode_eb21(header, [rec])
    field = data[150 + 73 : 150 + 89]
    encoded = text.encode("euc_kr")
    assert field.startswith(encoded)
    pad = field[len(encoded) :]
    if text.isascii():
        assert pad == b" " * len(pad)
    else:
        assert pad == b"\xa1\xa1" * (len(pad) // 2) + b" " * (len(pad) % 2)


# ----------------------------------------------------------------------------- corruption

FREE_FIELDS = {
    "EB22": {("data", "reason_code"), ("trailer", "center_error_count"), ("trailer", "debit_bank_fee"),
             ("trailer", "credit_bank_fee"), ("trailer", "mac")},
    "EB14": {("data", "reason_code"), ("trailer", "mac")},
}
"""Fields no other byte can confirm (see the module docstring)."""


def _where(kind: str, data: bytes, position: int) -> tuple[str, int, str]:
    """(record part, record index, field attr) of a byte position."""
    layouts = LAYOUTS[kind]
    size = layouts.record_length
    index, offset = divmod(position, size)
    last = len(data) // size - 1
    part, layout = ("header", layouts.header) if index == 0 else (
        ("trailer", layouts.trailer) if index == last else ("data", layouts.data)
    )
    field = next(f for f in layout.fields if f.offset <= offset < f.end)
    return part, index, field.attr


def _differences(a: Any, b: Any) -> set[tuple[str, int, str]]:
    diffs: set[tuple[str, int, str]] = set()
    for part, x, y, index in [("header", a.header, b.header, 0), ("trailer", a.trailer, b.trailer, len(a.records) + 1)]:
        diffs |= {(part, index, f.name) for f in dataclasses.fields(x) if getattr(x, f.name) != getattr(y, f.name)}
    assert len(a.records) == len(b.records)
    for i, (x, y) in enumerate(zip(a.records, b.records, strict=False), start=1):
        diffs |= {("data", i, f.name) for f in dataclasses.fields(x) if getattr(x, f.name) != getattr(y, f.name)}
    return diffs


def _assert_refused_or_same(kind: str, data: bytes, position: int, new: int, decode: Any, original: Any) -> None:
    corrupted = data[:position] + bytes([new]) + data[position + 1 :]
    try:
        decoded = decode(corrupted)
    except CmsFormatError as err:
        assert err.record_no is not None and err.field_ko, str(err)  # always says where
        return
    diffs = _differences(original, decoded)
    if not diffs:
        return
    where = _where(kind, data, position)
    assert diffs == {where}, f"byte {position} -> {new:#04x} changed {diffs}"
    assert (where[0], where[2]) in FREE_FIELDS[kind], f"byte {position} silently changed {where}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(debit_results(), st.data())
def test_corrupted_eb22_byte_is_refused_or_harmless(case: Any, data_strategy: st.DataObject) -> None:
    header, requests, results, extras = case
    request = decode_eb21(encode_eb21(header, requests), "eb21")
    eb22 = encode_eb22(header, results, **extras)
    original = decode_eb22(eb22, "eb22", request)
    position = data_strategy.draw(st.integers(0, len(eb22) - 1))
    new = data_strategy.draw(st.integers(0, 255))
    assume(new != eb22[position])
    _assert_refused_or_same("EB22", eb22, position, new, lambda b: decode_eb22(b, "eb22", request), original)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registration_results(), st.data())
def test_corrupted_eb14_byte_is_refused_or_harmless(case: Any, data_strategy: st.DataObject) -> None:
    header, requests, results = case
    request = decode_eb13(encode_eb13(header, requests), "eb13")
    eb14 = encode_eb14(header, results)
    original = decode_eb14(eb14, "eb14", request)
    position = data_strategy.draw(st.integers(0, len(eb14) - 1))
    new = data_strategy.draw(st.integers(0, 255))
    assume(new != eb14[position])
    _assert_refused_or_same("EB14", eb14, position, new, lambda b: decode_eb14(b, "eb14", request), original)


REPLACEMENTS = [0x00, 0x20, 0x30, 0x31, 0x39, 0x41, 0x4E, 0x50, 0x59, 0x7F, 0xA1, 0xB0, 0xFF]


def test_every_byte_of_a_fixed_eb22_is_checked() -> None:
    """Exhaustive over every position of one small file with typical replacement bytes."""
    header = DebitHeader("9912345678", dt.date(2026, 3, 16), "0880000", "1002003004005")
    requests = [
        DebitRecord(1, "0040000", "12345678901234", 50_000, "900101", "케이에스학원", "C0001"),
        DebitRecord(2, "0881234", "110123456789", 12_345, "1234567890", "KSCMS", "C0002", withdrawal_mode="0",
                    free_area="AB12", phone="01098765432"),
        DebitRecord(3, "0200000", "1002003004005", 140, "851231", "학원A", "C0003"),
    ]
    results = [
        dataclasses.replace(requests[0], result_flag="N", reason_code="0021"),
        dataclasses.replace(requests[1], amount=2_345, result_flag="P", reason_code="0021"),
        dataclasses.replace(requests[2], result_flag="N", reason_code="0031"),
    ]
    request = decode_eb21(encode_eb21(header, requests), "eb21")
    eb22 = encode_eb22(header, results, debit_bank_fee=300)
    original = decode_eb22(eb22, "eb22", request)
    for position in range(len(eb22)):
        for new in REPLACEMENTS:
            if new != eb22[position]:
                _assert_refused_or_same(
                    "EB22", eb22, position, new, lambda b: decode_eb22(b, "eb22", request), original
                )


@pytest.mark.parametrize("cut", [1, 149, 150, 151, 299])
def test_truncation_anywhere_is_refused(cut: int) -> None:
    header = DebitHeader("9912345678", dt.date(2026, 3, 16), "0880000", "1002003004005")
    eb21 = encode_eb21(header, [DebitRecord(1, "0040000", "1", 1000, "900101", "가", "C")])
    with pytest.raises(CmsFormatError):
        decode_eb21(eb21[:-cut], "eb21")
