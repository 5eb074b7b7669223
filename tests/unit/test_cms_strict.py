"""Strictness: every malformed file or unwritable value is refused, and the error names the file,
the record number (header = 1) and the field (Korean and English name), without personal numbers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from app.services.exchange.cms import (
    CmsFormatError,
    CmsMismatchError,
    CmsValueError,
    DebitHeader,
    DebitRecord,
    RegistrationHeader,
    RegistrationRecord,
    check_result,
    decode_eb13,
    decode_eb14,
    decode_eb21,
    decode_eb22,
    decode_file,
    encode_eb13,
    encode_eb14,
    encode_eb21,
    encode_eb22,
    renumber,
)

DAY = dt.date(2026, 3, 16)
HEADER = DebitHeader("9912345678", DAY, "0880000", "1002003004005")
ACCOUNT = "12345678901234"


def debit(seq: int, **changes: Any) -> DebitRecord:
    rec = DebitRecord(seq, "0040000", f"{ACCOUNT[:-2]}{seq:02d}", 10_000 * seq, "900101", "케이에스학원", f"C{seq:04d}")
    return dataclasses.replace(rec, **changes)


def eb21(n: int = 3) -> bytes:
    return encode_eb21(HEADER, [debit(i) for i in range(1, n + 1)])


def failed(rec: DebitRecord, code: str = "0021") -> DebitRecord:
    return dataclasses.replace(rec, result_flag="N", reason_code=code)


REG_HEADER = RegistrationHeader("9912345678", DAY)


def registration(seq: int, **changes: Any) -> RegistrationRecord:
    rec = RegistrationRecord(seq, DAY, "1", f"C{seq:04d}", "0040000", f"{ACCOUNT[:-2]}{seq:02d}", "900101")
    return dataclasses.replace(rec, **changes)


def patch(data: bytes, record_no: int, pos: int, new: bytes, size: int = 150) -> bytes:
    """Replace bytes of record ``record_no`` (1-based) from 1-based position ``pos``."""
    at = (record_no - 1) * size + pos - 1
    return data[:at] + new + data[at + len(new):]


def raises_at(exc: type[Exception], fn, record_no: int, field_ko: str, field_en: str) -> str:
    with pytest.raises(exc) as info:
        fn()
    err = info.value
    assert err.record_no == record_no, str(err)  # type: ignore[attr-defined]
    assert err.field_ko == field_ko, str(err)  # type: ignore[attr-defined]
    assert err.field_en == field_en, str(err)  # type: ignore[attr-defined]
    message = str(err)
    assert f"{record_no}번째 레코드" in message and f"'{field_ko}'({field_en})" in message
    return message


# ----------------------------------------------------------------------------- length and structure


def test_message_format_names_file_record_and_field() -> None:
    data = patch(eb21(), 4, 43, b"00000000300x0")
    with pytest.raises(CmsFormatError) as info:
        decode_eb21(data, "EB210316")
    assert str(info.value) == (
        "EB21 파일 'EB210316' 4번째 레코드 '출금의뢰금액'(requested amount): "
        "숫자가 아닌 문자가 있습니다 (non-digit in numeric field)"
    )


def test_length_not_a_multiple_of_the_record_is_refused() -> None:
    data = eb21(3)[:-1]  # 749 bytes: the 5th record is cut
    msg = raises_at(CmsFormatError, lambda: decode_eb21(data, "f"), 5, "레코드 길이", "record length")
    assert "749" in msg


def test_truncated_file_missing_whole_records_is_refused() -> None:
    data = eb21(3)[:-150]  # the trailer is gone: the last data record is read as the trailer
    raises_at(CmsFormatError, lambda: decode_eb21(data, "f"), 4, "Record 구분", "record type")
    raises_at(CmsFormatError, lambda: decode_eb21(eb21(3)[:150], "f"), 2, "Record 구분", "record type")
    with pytest.raises(CmsFormatError, match="비어"):
        decode_eb21(b"", "f")


@pytest.mark.parametrize(
    ("record_no", "pos", "new", "field_ko", "field_en"),
    [
        (1, 1, b"R", "Record 구분", "record type"),
        (3, 1, b"X", "Record 구분", "record type"),
        (5, 1, b"R", "Record 구분", "record type"),
        (1, 2, b"00000001", "일련번호", "sequence"),
        (5, 2, b"99999998", "일련번호", "sequence"),
        (3, 2, b"00000003", "일련번호", "sequence"),  # data must run 1..n
        (2, 2, b"0000000A", "일련번호", "sequence"),
        (2, 20, b"004000A", "출금은행점코드", "payer bank+branch"),
        (1, 28, b"261332", "출금일자", "debit date"),
        (1, 100, b"X", "FILLER", "filler"),
        (2, 140, b"X", "FILLER", "filler"),
        (5, 100, b"X", "FILLER", "filler"),
        (2, 117, b"9", "출금형태", "withdrawal mode"),
        (2, 69, b"N", "출금여부", "result flag"),  # a result flag in a request
        (2, 27, b" 2", "출금계좌번호", "payer account"),
        (2, 30, b" ", "출금계좌번호", "payer account"),  # embedded space (0098)
        (2, 92, b"\xb0\xa1", "납부자번호", "payer number"),  # Hangul in an AN field
        (2, 92, b" ", "납부자번호", "payer number"),  # not left-aligned
    ],
)
def test_bad_field_content_is_refused(record_no: int, pos: int, new: bytes, field_ko: str, field_en: str) -> None:
    data = patch(eb21(3), record_no, pos, new)
    raises_at(CmsFormatError, lambda: decode_eb21(data, "f"), record_no, field_ko, field_en)


def test_header_and_trailer_file_names_must_agree() -> None:
    data = patch(eb21(2), 4, 20, b"EB210317")
    msg = raises_at(CmsFormatError, lambda: decode_eb21(data, "f"), 4, "파일이름", "file name")
    assert "EB210317" in msg


def test_file_name_must_match_header_date() -> None:
    data = patch(eb21(2), 1, 28, b"260317")
    raises_at(CmsFormatError, lambda: decode_eb21(data, "f"), 1, "파일이름", "file name")


def test_wrong_kind_is_named() -> None:
    eb13 = encode_eb13(REG_HEADER, [registration(1)])
    msg = raises_at(CmsFormatError, lambda: decode_eb21(eb13, "f"), 1, "파일이름", "file name")
    assert "EB13" in msg
    with pytest.raises(CmsFormatError, match="EB13/EB14/EB21/EB22"):
        decode_file(b"H00000000" + b" " * 141, "f")


def test_institution_code_must_be_the_same_in_every_record() -> None:
    data = patch(eb21(3), 3, 10, b"9912345679")
    raises_at(CmsFormatError, lambda: decode_eb21(data, "f"), 3, "기관코드", "institution code")
    data = patch(eb21(3), 5, 10, b"9912345679")
    raises_at(CmsFormatError, lambda: decode_eb21(data, "f"), 5, "기관코드", "institution code")


@pytest.mark.parametrize(
    ("pos", "new", "field_ko", "field_en"),
    [
        (28, b"00000004", "총 Data Record 수", "data record count"),
        (36, b"00000002", "전액출금 건수", "count, full-only requests"),
        (44, b"0000000060001", "전액출금 금액", "amount, full-only requests"),
        (57, b"00000001", "부분출금 건수", "count, partial-allowed requests"),
        (65, b"0000000000001", "부분출금 금액", "amount, partial-allowed requests"),
    ],
)
def test_wrong_trailer_totals_are_refused(pos: int, new: bytes, field_ko: str, field_en: str) -> None:
    data = patch(eb21(3), 5, pos, new)
    raises_at(CmsFormatError, lambda: decode_eb21(data, "f"), 5, field_ko, field_en)


def test_amount_changed_in_data_breaks_the_trailer() -> None:
    data = patch(eb21(3), 3, 43, b"0000000020001")
    msg = raises_at(CmsFormatError, lambda: decode_eb21(data, "f"), 5, "전액출금 금액", "amount, full-only requests")
    assert "60,000" in msg and "60,001" in msg


def test_eb22_trailer_filler_zeros_and_duplicate_sequences() -> None:
    good = encode_eb22(HEADER, [failed(debit(1)), failed(debit(2))])
    raises_at(CmsFormatError, lambda: decode_eb22(patch(good, 4, 86, b"0001"), "f"), 4, "FILLER", "filler")
    dup = patch(good, 3, 2, b"00000001")
    raises_at(CmsFormatError, lambda: decode_eb22(dup, "f"), 3, "일련번호", "sequence")
    raises_at(CmsValueError, lambda: encode_eb22(HEADER, [failed(debit(1)), failed(debit(1))]), 3, "일련번호",
              "sequence")


def test_eb22_record_rules() -> None:
    no_code = encode_eb22(HEADER, [failed(debit(1))])
    raises_at(CmsFormatError, lambda: decode_eb22(patch(no_code, 2, 70, b"    "), "f"), 2, "불능코드", "reason code")
    raises_at(CmsFormatError, lambda: decode_eb22(patch(no_code, 2, 69, b" "), "f"), 2, "출금여부", "result flag")
    partial_on_full = dataclasses.replace(debit(1), result_flag="P", reason_code="0021")
    raises_at(CmsValueError, lambda: encode_eb22(HEADER, [partial_on_full]), 2, "출금여부", "result flag")


def test_eb13_and_eb14_record_rules() -> None:
    raises_at(CmsValueError, lambda: encode_eb13(REG_HEADER, [registration(1, request_kind="2")]), 2, "신청구분",
              "request kind")
    late = registration(1, application_date=DAY + dt.timedelta(days=1))
    raises_at(CmsValueError, lambda: encode_eb13(REG_HEADER, [late]), 2, "신청일자", "application date")
    raises_at(CmsValueError, lambda: encode_eb13(REG_HEADER, [registration(1, result_flag="Y")]), 2, "처리결과코드",
              "result flag")
    raises_at(CmsValueError, lambda: encode_eb14(REG_HEADER, [registration(1, result_flag="N")]), 2, "불능코드",
              "reason code")
    raises_at(CmsValueError, lambda: encode_eb14(REG_HEADER, [registration(1)]), 2, "처리결과코드", "result flag")
    y_with_code = registration(1, result_flag="Y", reason_code="0014")
    raises_at(CmsValueError, lambda: encode_eb14(REG_HEADER, [y_with_code]), 2, "처리결과코드", "result flag")
    eb13 = encode_eb13(REG_HEADER, [registration(1), registration(2, request_kind="3")])
    raises_at(CmsFormatError, lambda: decode_eb13(patch(eb13, 3, 26, b"2", 120), "f"), 3, "신청구분", "request kind")
    raises_at(CmsFormatError, lambda: decode_eb13(patch(eb13, 4, 44, b"00000001", 120), "f"), 4, "변경등록 건수",
              "count of changes")
    raises_at(CmsFormatError, lambda: decode_eb13(patch(eb13, 4, 52, b"00000000", 120), "f"), 4, "해지등록 건수",
              "count of cancellations")


# ----------------------------------------------------------------------------- values refused by the encoder


def test_hangul_never_split_at_field_end() -> None:
    rec = debit(1, passbook_text="ABCDEFGHIJKLMNO가")  # 15 + 2 = 17 bytes: 가 would straddle byte 16
    msg = raises_at(CmsValueError, lambda: encode_eb21(HEADER, [rec]), 2, "통장기재내용", "passbook text")
    assert "잘리" in msg and "split" in msg


def test_over_long_text_is_refused_with_field_name() -> None:
    rec = debit(1, passbook_text="가나다라마바사아자")  # 9 syllables = 18 bytes > 16
    msg = raises_at(CmsValueError, lambda: encode_eb21(HEADER, [rec]), 2, "통장기재내용", "passbook text")
    assert "18" in msg
    raises_at(CmsValueError, lambda: encode_eb21(HEADER, [debit(1, customer_no="C" * 21)]), 2, "납부자번호",
              "payer number")


def test_eight_syllables_fit_exactly() -> None:
    data = encode_eb21(HEADER, [debit(1, passbook_text="가나다라마바사아")])
    assert decode_eb21(data, "f").records[0].passbook_text == "가나다라마바사아"


@pytest.mark.parametrize("text", ["똠방학원", "햏", "학원\u3164", "학원\x07", "학원😀", "學院\u4e28"])
def test_characters_outside_ks_x_1001_are_refused_before_writing(text: str) -> None:
    # '똠'.encode('euc_kr') is 8 bytes (§1.4 trap): it must be refused, not written as jamo
    raises_at(CmsValueError, lambda: encode_eb21(HEADER, [debit(1, passbook_text=text)]), 2, "통장기재내용",
              "passbook text")


def test_eight_byte_jamo_sequence_is_refused_when_read() -> None:
    ddom = "똠".encode("euc_kr")
    assert len(ddom) == 8
    data = encode_eb21(HEADER, [debit(1, passbook_text="ABCDEFGH")])
    raises_at(CmsFormatError, lambda: decode_eb21(patch(data, 2, 74, ddom), "f"), 2, "통장기재내용", "passbook text")


def test_amount_must_be_int_won() -> None:
    for bad in (10_000.0, "10000", True, None):
        # raises_at calls the lambda at once, so the late-bound `bad` is this round's
        msg = raises_at(CmsValueError, lambda: encode_eb21(HEADER, [debit(1, amount=bad)]), 2, "출금의뢰금액",  # noqa: B023
                        "requested amount")
        assert "int" in msg
    raises_at(CmsValueError, lambda: encode_eb21(HEADER, [debit(1, amount=139)]), 2, "출금의뢰금액",
              "requested amount")
    raises_at(CmsValueError, lambda: encode_eb21(HEADER, [debit(1, amount=10**13)]), 2, "출금의뢰금액",
              "requested amount")
    assert type(decode_eb21(eb21(1), "f").records[0].amount) is int


@pytest.mark.parametrize(
    ("changes", "field_ko", "field_en"),
    [
        ({"customer_no": "고객1"}, "납부자번호", "payer number"),
        ({"account_no": "123-456-789"}, "출금계좌번호", "payer account"),
        ({"account_no": ""}, "출금계좌번호", "payer account"),
        ({"holder_id": "9001011234567"}, "생년월일/사업자번호", "holder ID"),  # a full resident number
        ({"holder_id": "9001"}, "생년월일/사업자번호", "holder ID"),
        ({"bank_branch_code": "004"}, "출금은행점코드", "payer bank+branch"),
        ({"withdrawal_mode": "7"}, "출금형태", "withdrawal mode"),
        ({"customer_no": " C1"}, "납부자번호", "payer number"),
        ({"passbook_text": ""}, "통장기재내용", "passbook text"),
        ({"phone": "010-1234-5678"}, "전화번호", "payer phone"),
        ({"reason_code": "0021"}, "불능코드", "reason code"),
    ],
)
def test_bad_values_are_refused(changes: dict[str, object], field_ko: str, field_en: str) -> None:
    raises_at(CmsValueError, lambda: encode_eb21(HEADER, [debit(1, **changes)]), 2, field_ko, field_en)


def test_request_sequences_must_run_from_one() -> None:
    records = [debit(1), debit(3)]
    raises_at(CmsValueError, lambda: encode_eb21(HEADER, records), 3, "일련번호", "sequence")
    assert [r.sequence for r in renumber(records)] == [1, 2]
    encode_eb21(HEADER, renumber(records))


def test_header_values_are_checked() -> None:
    bad = dataclasses.replace(HEADER, institution_code="기관")
    raises_at(CmsValueError, lambda: encode_eb21(bad, []), 1, "기관코드", "institution code")
    bad = dataclasses.replace(HEADER, debit_date=dt.datetime(2026, 3, 16, 9, 0))
    raises_at(CmsValueError, lambda: encode_eb21(bad, []), 1, "출금일자", "debit date")
    with pytest.raises(CmsValueError):
        encode_eb21(REG_HEADER, [])  # type: ignore[arg-type]
    with pytest.raises(CmsValueError):
        encode_eb21(HEADER, [registration(1)])  # type: ignore[list-item]


def test_messages_never_show_a_full_account_or_holder_id() -> None:
    with pytest.raises(CmsValueError) as info:
        encode_eb21(HEADER, [debit(1, account_no="12345678901234", holder_id="9001011")])
    assert "9001011" not in str(info.value)
    request = decode_eb21(eb21(2), "f")
    other = dataclasses.replace(failed(debit(2)), account_no="99998888777766")
    result = decode_eb22(encode_eb22(HEADER, [other]), "f")
    with pytest.raises(CmsMismatchError) as info2:
        check_result(result, request, "EB220316_2026")
    message = str(info2.value)
    assert "99998888777766" not in message and ACCOUNT[:-2] + "02" not in message
    assert "7766" in message and "'출금계좌번호'(payer account)" in message


# ----------------------------------------------------------------------------- result against request


def test_result_from_another_institution_is_refused() -> None:
    request = decode_eb21(eb21(2), "f")
    other = dataclasses.replace(HEADER, institution_code="9900000001")
    data = encode_eb22(other, [failed(debit(1))])
    raises_at(CmsMismatchError, lambda: decode_eb22(data, "f", request), 1, "기관코드", "institution code")


def test_unknown_sequence_number_is_refused() -> None:
    request = decode_eb21(eb21(2), "f")
    data = encode_eb22(HEADER, [failed(debit(1)), failed(debit(3))])
    msg = raises_at(CmsMismatchError, lambda: decode_eb22(data, "f", request), 3, "일련번호", "sequence")
    assert "3" in msg


def test_result_for_another_day_or_account_is_refused() -> None:
    request = decode_eb21(eb21(2), "f")
    other_day = dataclasses.replace(HEADER, debit_date=DAY + dt.timedelta(days=1))
    raises_at(CmsMismatchError, lambda: decode_eb22(encode_eb22(other_day, []), "f", request), 1, "파일이름",
              "file name")
    next_year = dataclasses.replace(HEADER, debit_date=DAY.replace(year=2027))
    raises_at(CmsMismatchError, lambda: decode_eb22(encode_eb22(next_year, []), "f", request), 1, "출금일자",
              "debit date")
    other_account = dataclasses.replace(HEADER, collection_account="5556667778889")
    raises_at(CmsMismatchError, lambda: decode_eb22(encode_eb22(other_account, []), "f", request), 1,
              "입금계좌번호", "collection account")


@pytest.mark.parametrize(
    ("changes", "field_ko", "field_en"),
    [
        ({"customer_no": "C9999"}, "납부자번호", "payer number"),
        ({"amount": 15_000}, "출금불능금액", "amount not debited"),
        ({"passbook_text": "관리비"}, "통장기재내용", "passbook text"),
        ({"holder_id": "900102"}, "생년월일/사업자번호", "holder ID"),
        ({"bank_branch_code": "0880000"}, "출금은행점코드", "payer bank+branch"),
    ],
)
def test_eb22_echoes_must_match_the_request(changes: dict[str, object], field_ko: str, field_en: str) -> None:
    request = decode_eb21(eb21(2), "f")
    data = encode_eb22(HEADER, [failed(debit(1)), failed(debit(2, **changes))])
    raises_at(CmsMismatchError, lambda: decode_eb22(data, "f", request), 3, field_ko, field_en)


def test_partial_amount_must_be_below_the_request() -> None:
    request = decode_eb21(encode_eb21(HEADER, [debit(1, withdrawal_mode="0")]), "f")
    too_much = dataclasses.replace(debit(1, withdrawal_mode="0"), result_flag="P", reason_code="0021", amount=10_000)
    raises_at(CmsMismatchError, lambda: decode_eb22(encode_eb22(HEADER, [too_much]), "f", request), 2,
              "출금불능금액", "amount not debited")


def test_kinds_must_pair_up() -> None:
    eb13 = decode_eb13(encode_eb13(REG_HEADER, [registration(1)]), "f")
    result = decode_eb22(encode_eb22(HEADER, []), "f")
    raises_at(CmsMismatchError, lambda: check_result(result, eb13), 1, "파일이름", "file name")


def test_eb14_checked_against_eb13() -> None:
    request = decode_eb13(encode_eb13(REG_HEADER, [registration(1), registration(2)]), "f")
    good = encode_eb14(REG_HEADER, [registration(2, result_flag="N", reason_code="0014")])
    decode_eb14(good, "f", request)
    wrong_account = encode_eb14(REG_HEADER, [registration(2, result_flag="Y", account_no="55555")])
    raises_at(CmsMismatchError, lambda: decode_eb14(wrong_account, "f", request), 2, "지정출금계좌번호",
              "account to debit")
    unknown = encode_eb14(REG_HEADER, [registration(7, result_flag="Y")])
    raises_at(CmsMismatchError, lambda: decode_eb14(unknown, "f", request), 2, "일련번호", "sequence")
    other_inst = encode_eb14(dataclasses.replace(REG_HEADER, institution_code="X1"), [])
    raises_at(CmsMismatchError, lambda: decode_eb14(other_inst, "f", request), 1, "기관코드", "institution code")


def test_mismatch_is_a_format_error() -> None:
    assert issubclass(CmsMismatchError, CmsFormatError)
    assert issubclass(CmsFormatError, ValueError)
