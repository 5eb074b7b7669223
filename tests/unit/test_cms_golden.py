"""Golden files: the expected bytes are written out by hand, field by field, from the tables of
cms-file-format.md §2–§3 — independently of the codec's own tables — and the codec must write
exactly those bytes and read them back to the same records.
"""

from __future__ import annotations

import datetime as dt

import pytest

from app.services.exchange.cms import (
    DebitHeader,
    DebitOutcome,
    DebitRecord,
    RegistrationHeader,
    RegistrationOutcome,
    RegistrationRecord,
    debit_outcomes,
    decode_eb13,
    decode_eb14,
    decode_eb21,
    decode_eb22,
    decode_file,
    encode_eb13,
    encode_eb14,
    encode_eb21,
    encode_eb22,
    registration_outcomes,
)

SP = b" "
FW = b"\xa1\xa1"  # full-width space, pads Hangul text (§1.4)
INST = b"9912345678"  # 기관코드 AN 10

# EUC-KR bytes written out by hand (KS X 1001 code points)
KS_ACADEMY = b"\xc4\xc9" b"\xc0\xcc" b"\xbf\xa1" b"\xbd\xba" b"\xc7\xd0" b"\xbf\xf8"  # 케이에스학원
KS_HAKWON = b"\xc7\xd0" b"\xbf\xf8"  # 학원


def test_hand_written_hangul_bytes_are_euc_kr() -> None:
    assert "케이에스학원".encode("euc_kr") == KS_ACADEMY
    assert "학원".encode("euc_kr") == KS_HAKWON


def _check_lengths(records: list[bytes], size: int) -> bytes:
    for i, rec in enumerate(records, start=1):
        assert len(rec) == size, f"hand-written record {i} is {len(rec)} bytes"
    return b"".join(records)


# ----------------------------------------------------------------------------- EB13 / EB14

EB13_DATE = dt.date(2026, 3, 15)
EB13_HEADER = RegistrationHeader("9912345678", EB13_DATE)
EB13_RECORDS = [
    RegistrationRecord(1, dt.date(2026, 3, 14), "1", "C0001", "0040000", "12345678901234", "900101",
                       phone="01012345678"),
    RegistrationRecord(2, dt.date(2026, 3, 15), "3", "C0002", "0881234", "110123456789", "1234567890"),
    RegistrationRecord(3, dt.date(2026, 3, 13), "7", "C0003", "0200000", "1002003004005", "851231"),
]

EB13_BYTES = _check_lengths(
    [
        # header: H | 00000000 | 기관코드 | 파일이름 | 신청접수일자 | FILLER 87
        b"H" + b"00000000" + INST + b"EB130315" + b"260315" + SP * 87,
        # data: R | 일련번호 | 기관코드 | 신청일자 | 신청구분 | 납부자번호 20 | 은행점코드 7 | 계좌 16 |
        #       생년월일 16 | 취급점 4 | 자금종류 2 | 처리결과 1 | 불능코드 4 | FILLER 1 | 전화 12 | 채널 1 | FILLER 10
        b"R" + b"00000001" + INST + b"260314" + b"1" + b"C0001" + SP * 15 + b"0040000"
        + b"12345678901234" + SP * 2 + b"900101" + SP * 10 + SP * 4 + SP * 2 + SP + SP * 4 + SP
        + b"01012345678" + SP + SP + SP * 10,
        b"R" + b"00000002" + INST + b"260315" + b"3" + b"C0002" + SP * 15 + b"0881234"
        + b"110123456789" + SP * 4 + b"1234567890" + SP * 6 + SP * 4 + SP * 2 + SP + SP * 4 + SP
        + SP * 12 + SP + SP * 10,
        b"R" + b"00000003" + INST + b"260313" + b"7" + b"C0003" + SP * 15 + b"0200000"
        + b"1002003004005" + SP * 3 + b"851231" + SP * 10 + SP * 4 + SP * 2 + SP + SP * 4 + SP
        + SP * 12 + SP + SP * 10,
        # trailer: T | 99999999 | 기관코드 | 파일이름 | 총 3 | 신규 1 | 변경 0 | 해지 1 | 임의해지 1 | FILLER 43 | MAC 10
        b"T" + b"99999999" + INST + b"EB130315" + b"00000003" + b"00000001" + b"00000000"
        + b"00000001" + b"00000001" + SP * 43 + SP * 10,
    ],
    120,
)

EB14_RECORDS = [
    RegistrationRecord(1, dt.date(2026, 3, 14), "1", "C0001", "0040000", "12345678901234", "900101",
                       phone="01012345678", result_flag="Y"),
    RegistrationRecord(3, dt.date(2026, 3, 13), "7", "C0003", "0200000", "1002003004005", "851231",
                       result_flag="N", reason_code="0017"),
]

EB14_BYTES = _check_lengths(
    [
        b"H" + b"00000000" + INST + b"EB140315" + b"260315" + SP * 87,
        b"R" + b"00000001" + INST + b"260314" + b"1" + b"C0001" + SP * 15 + b"0040000"
        + b"12345678901234" + SP * 2 + b"900101" + SP * 10 + SP * 4 + SP * 2 + b"Y" + SP * 4 + SP
        + b"01012345678" + SP + SP + SP * 10,
        b"R" + b"00000003" + INST + b"260313" + b"7" + b"C0003" + SP * 15 + b"0200000"
        + b"1002003004005" + SP * 3 + b"851231" + SP * 10 + SP * 4 + SP * 2 + b"N" + b"0017" + SP
        + SP * 12 + SP + SP * 10,
        b"T" + b"99999999" + INST + b"EB140315" + b"00000002" + b"00000001" + b"00000000"
        + b"00000000" + b"00000001" + SP * 43 + SP * 10,
    ],
    120,
)


def test_eb13_golden_encode() -> None:
    assert encode_eb13(EB13_HEADER, EB13_RECORDS) == EB13_BYTES


def test_eb13_golden_decode() -> None:
    f = decode_eb13(EB13_BYTES, "EB130315_2026")
    assert f.header == EB13_HEADER
    assert list(f.records) == EB13_RECORDS
    assert (f.trailer.total_count, f.trailer.new_count, f.trailer.change_count) == (3, 1, 0)
    assert (f.trailer.cancel_count, f.trailer.forced_cancel_count, f.trailer.mac) == (1, 1, "")
    assert f.file_name == "EB130315"
    assert decode_file(EB13_BYTES, "x") == f


def test_eb14_golden_encode_decode_and_outcomes() -> None:
    assert encode_eb14(EB13_HEADER, EB14_RECORDS) == EB14_BYTES
    request = decode_eb13(EB13_BYTES, "EB130315_2026")
    result = decode_eb14(EB14_BYTES, "EB140315_2026", request)
    assert list(result.records) == EB14_RECORDS
    # record 2 is absent from the EB14: accepted once the trailer checks out (§2.5)
    assert registration_outcomes(request, result) == {
        1: RegistrationOutcome(True, None),
        2: RegistrationOutcome(True, None),
        3: RegistrationOutcome(False, "0017"),
    }


# ----------------------------------------------------------------------------- EB21 / EB22

DEBIT_DATE = dt.date(2026, 3, 16)
DEBIT_HEADER = DebitHeader("9912345678", DEBIT_DATE, "0880000", "1002003004005")
EB21_RECORDS = [
    DebitRecord(1, "0040000", "12345678901234", 50_000, "900101", "케이에스학원", "C0001"),
    DebitRecord(2, "0881234", "110123456789", 12_345, "1234567890", "KSCMS", "C0002", withdrawal_mode="0",
                free_area="AB12", phone="01098765432"),
    DebitRecord(3, "0200000", "1002003004005", 140, "851231", "학원A", "C0003", fund_kind="01"),
]

EB21_BYTES = _check_lengths(
    [
        # header: H | 00000000 | 기관코드 | 파일이름 | 출금일자 | 주거래은행점코드 7 | 입금계좌 16 | FILLER 94
        b"H" + b"00000000" + INST + b"EB210316" + b"260316" + b"0880000" + b"1002003004005" + SP * 3 + SP * 94,
        # data: R | 일련번호 | 기관코드 | 출금은행점 7 | 출금계좌 16 | 의뢰금액 13 | 생년월일 13 | 출금여부 1 |
        #       불능코드 4 | 통장기재 16 | 자금종류 2 | 납부자번호 20 | 사용영역 5 | 출금형태 1 | 전화 12 | FILLER 21
        b"R" + b"00000001" + INST + b"0040000" + b"12345678901234" + SP * 2 + b"0000000050000"
        + b"900101" + SP * 7 + SP + SP * 4 + KS_ACADEMY + FW * 2 + SP * 2 + b"C0001" + SP * 15
        + SP * 5 + b"1" + SP * 12 + SP * 21,
        b"R" + b"00000002" + INST + b"0881234" + b"110123456789" + SP * 4 + b"0000000012345"
        + b"1234567890" + SP * 3 + SP + SP * 4 + b"KSCMS" + SP * 11 + SP * 2 + b"C0002" + SP * 15
        + b"AB12" + SP + b"0" + b"01098765432" + SP + SP * 21,
        # 학원A = 5 bytes: 5 full-width spaces (10 bytes) and one 0x20 for the odd byte left (§1.4)
        b"R" + b"00000003" + INST + b"0200000" + b"1002003004005" + SP * 3 + b"0000000000140"
        + b"851231" + SP * 7 + SP + SP * 4 + KS_HAKWON + b"A" + FW * 5 + SP + b"01" + b"C0003" + SP * 15
        + SP * 5 + b"1" + SP * 12 + SP * 21,
        # trailer: T | 99999999 | 기관코드 | 파일이름 | 총 8 | 전액건수 8 | 전액금액 13 | 부분건수 8 | 부분금액 13 |
        #          FILLER 63 | MAC 10
        b"T" + b"99999999" + INST + b"EB210316" + b"00000003" + b"00000002" + b"0000000050140"
        + b"00000001" + b"0000000012345" + SP * 63 + SP * 10,
    ],
    150,
)

EB22_RECORDS = [
    DebitRecord(1, "0040000", "12345678901234", 50_000, "900101", "케이에스학원", "C0001",
                result_flag="N", reason_code="0021"),
    DebitRecord(2, "0881234", "110123456789", 2_345, "1234567890", "KSCMS", "C0002", withdrawal_mode="0",
                free_area="AB12", phone="01098765432", result_flag="P", reason_code="0021"),
]

EB22_BYTES = _check_lengths(
    [
        b"H" + b"00000000" + INST + b"EB220316" + b"260316" + b"0880000" + b"1002003004005" + SP * 3 + SP * 94,
        b"R" + b"00000001" + INST + b"0040000" + b"12345678901234" + SP * 2 + b"0000000050000"
        + b"900101" + SP * 7 + b"N" + b"0021" + KS_ACADEMY + FW * 2 + SP * 2 + b"C0001" + SP * 15
        + SP * 5 + b"1" + SP * 12 + SP * 21,
        b"R" + b"00000002" + INST + b"0881234" + b"110123456789" + SP * 4 + b"0000000002345"
        + b"1234567890" + SP * 3 + b"P" + b"0021" + b"KSCMS" + SP * 11 + SP * 2 + b"C0002" + SP * 15
        + b"AB12" + SP + b"0" + b"01098765432" + SP + SP * 21,
        # trailer: ... | 총 8 | 전액불능건수 8 | 전액불능금액 13 | 부분불능건수 8 | 부분불능금액 13 |
        #          센터검증오류 8 | FILLER 4 '0000' | 출금은행 수수료 11 | 입금은행 수수료 11 | FILLER 29 | MAC 10
        b"T" + b"99999999" + INST + b"EB220316" + b"00000002" + b"00000001" + b"0000000050000"
        + b"00000001" + b"0000000002345" + b"00000000" + b"0000" + b"00000000300" + b"00000000000"
        + SP * 29 + SP * 10,
    ],
    150,
)


def test_eb21_golden_encode() -> None:
    assert encode_eb21(DEBIT_HEADER, EB21_RECORDS) == EB21_BYTES


def test_eb21_golden_decode() -> None:
    f = decode_eb21(EB21_BYTES, "EB210316_2026")
    assert f.header == DEBIT_HEADER
    assert list(f.records) == EB21_RECORDS
    t = f.trailer
    assert (t.total_count, t.full_count, t.full_amount, t.partial_count, t.partial_amount) == (3, 2, 50_140, 1, 12_345)
    assert all(type(r.amount) is int for r in f.records)


def test_eb22_golden_encode() -> None:
    assert encode_eb22(DEBIT_HEADER, EB22_RECORDS, debit_bank_fee=300) == EB22_BYTES


def test_eb22_golden_decode_and_outcomes() -> None:
    request = decode_eb21(EB21_BYTES, "EB210316_2026")
    result = decode_eb22(EB22_BYTES, "EB220316_2026", request)
    assert list(result.records) == EB22_RECORDS
    assert result.trailer.debit_bank_fee == 300
    assert debit_outcomes(request, result) == {
        1: DebitOutcome(0, 50_000, "0021"),  # N: nothing debited
        2: DebitOutcome(10_000, 2_345, "0021"),  # P: amount field = part NOT debited
        3: DebitOutcome(140, 0, None),  # absent: debited in full (§3.5)
    }
    assert debit_outcomes(request, result)[2].partial


def test_eb22_header_and_trailer_only_means_no_failures() -> None:
    empty = (
        b"H" + b"00000000" + INST + b"EB220316" + b"260316" + b"0880000" + b"1002003004005" + SP * 97
        + b"T" + b"99999999" + INST + b"EB220316" + b"0" * 8 * 2 + b"0" * 13 + b"0" * 8 + b"0" * 13
        + b"0" * 8 + b"0000" + b"0" * 22 + SP * 39
    )
    assert len(empty) == 300
    assert encode_eb22(DEBIT_HEADER, []) == empty
    request = decode_eb21(EB21_BYTES, "EB210316_2026")
    result = decode_eb22(empty, "EB220316_2026", request)
    assert result.records == ()
    assert {s: o.fully_debited for s, o in debit_outcomes(request, result).items()} == {1: True, 2: True, 3: True}


@pytest.mark.parametrize(
    ("data", "kind"), [(EB13_BYTES, "EB13"), (EB14_BYTES, "EB14"), (EB21_BYTES, "EB21"), (EB22_BYTES, "EB22")]
)
def test_no_separators_and_size_is_records_times_length(data: bytes, kind: str) -> None:
    assert b"\r" not in data and b"\n" not in data
    assert decode_file(data, "x").kind == kind
