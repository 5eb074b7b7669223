"""Field validators: accepted and refused examples for every rule, refusals naming their field.

Valid numbers are computed here (check digits by the published algorithms) rather than copied
from somewhere, and cross-checked with python-stdnum where it has a check.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.kr import brn

from app.services.common import validation as v
from app.services.common.errors import ServiceError
from app.services.common.validation import ValidationError

TODAY = date(2026, 3, 15)
BANKS = {"004": "KB국민은행", "011": "NH농협은행", "020": "우리은행", "088": "신한은행"}


def refused(call, field: str) -> ValidationError:
    """Run ``call``, expect a ValidationError for ``field`` with a Korean message."""
    with pytest.raises(ValidationError) as info:
        call()
    error = info.value
    assert error.field == field
    assert error.message
    assert any("가" <= c <= "힣" for c in error.message), error.message
    assert str(error) == f"{field}: {error.message}"
    return error


# --- helpers computed independently -----------------------------------------------------------


def make_brn(first9: str) -> str:
    weights = [1, 3, 7, 1, 3, 7, 1, 3, 5]
    digits = [int(c) for c in first9]
    total = sum(d * w for d, w in zip(digits, weights, strict=False)) + (digits[8] * 5) // 10
    number = first9 + str((10 - total % 10) % 10)
    assert brn.is_valid(number)  # parts are valid per stdnum
    return number


def make_rrn(first12: str, *, valid: bool = True) -> str:
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    check = (11 - sum(int(d) * w for d, w in zip(first12, weights, strict=False)) % 11) % 10
    return first12 + str(check if valid else (check + 1) % 10)


# --- ValidationError --------------------------------------------------------------------------


def test_validation_error_shape() -> None:
    error = ValidationError("계좌번호", "입력하세요.", ["참고"])
    assert error.field == "계좌번호" and error.message == "입력하세요."
    assert error.warnings == ["참고"]
    assert str(error) == "계좌번호: 입력하세요."
    assert isinstance(error, ServiceError)
    assert ValidationError("a", "b").warnings == []


# --- resident number --------------------------------------------------------------------------


def test_resident_no_with_and_without_hyphen() -> None:
    number = make_rrn("900101123456")
    for text in (number, f"{number[:6]}-{number[6:]}", f" {number[:6]} - {number[6:]} "):
        result = v.resident_no(text, today=TODAY)
        assert result.normalised == number
        assert result.birth_date == date(1990, 1, 1)
        assert result.warning is None
        assert result.birth_yymmdd == "900101"


@pytest.mark.parametrize(
    ("first12", "born"),
    [
        ("900101123456", date(1990, 1, 1)),
        ("900101223456", date(1990, 1, 1)),
        ("900101523456", date(1990, 1, 1)),
        ("900101623456", date(1990, 1, 1)),
        ("050315323456", date(2005, 3, 15)),
        ("050315423456", date(2005, 3, 15)),
        ("050315723456", date(2005, 3, 15)),
        ("050315823456", date(2005, 3, 15)),
        ("991231923456", date(1899, 12, 31)),
        ("991231023456", date(1899, 12, 31)),
        ("000229323456", date(2000, 2, 29)),
    ],
)
def test_resident_no_century_from_gender_digit(first12: str, born: date) -> None:
    assert v.resident_no(make_rrn(first12), today=TODAY).birth_date == born


def test_resident_no_bad_check_digit_is_only_a_warning() -> None:
    number = make_rrn("900101123456", valid=False)
    result = v.resident_no(number, today=TODAY)
    assert result.normalised == number
    assert result.warning and "검증번호" in result.warning and "2020" in result.warning


def test_resident_no_repr_hides_the_number() -> None:
    number = make_rrn("900101123456")
    assert number not in repr(v.resident_no(number, today=TODAY))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "900101123456",  # 12 digits
        "90010112345678",  # 14
        "900101_1234567",
        "9001O11234567",
        "９００１０１１２３４５６７",  # full-width digits
    ],
)
def test_resident_no_format_refused(text: str) -> None:
    refused(lambda: v.resident_no(text, today=TODAY), "주민등록번호")


@pytest.mark.parametrize(
    "first12",
    [
        "901301123456",  # month 13
        "900132123456",  # day 32
        "230229423456",  # 2023-02-29: not a leap year
        "000229123456",  # 1900-02-29: 1900 was not a leap year
        "300101323456",  # 2030: in the future
    ],
)
def test_resident_no_impossible_birth_date_refused(first12: str) -> None:
    error = refused(lambda: v.resident_no(make_rrn(first12), today=TODAY), "주민등록번호")
    assert make_rrn(first12) not in error.message


# --- business number --------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["1248100998", "2208162517", "1168200276"])
def test_real_business_numbers(number: str) -> None:
    assert v.business_no(number) == number
    assert v.business_no(v.format_business_no(number)) == number


def test_generated_business_number() -> None:
    number = make_brn("123456789")
    assert v.business_no(number) == number
    assert v.business_no(f" {number[:3]}-{number[3:5]}-{number[5:]} ") == number


def test_format_business_no() -> None:
    assert v.format_business_no("1234567890") == "123-45-67890"
    with pytest.raises(ValueError):
        v.format_business_no("12345")


def test_business_no_wrong_check_digit_refused() -> None:
    number = make_brn("124810099")
    wrong = number[:9] + str((int(number[9]) + 1) % 10)
    error = refused(lambda: v.business_no(wrong), "사업자번호")
    assert "검증번호" in error.message


@pytest.mark.parametrize("text", ["", "123456789", "12345678901", "12a4567890", "１２４８１００９９８"])
def test_business_no_format_refused(text: str) -> None:
    refused(lambda: v.business_no(text), "사업자번호")


@pytest.mark.parametrize("first9", ["100810099", "124000099", "124810000"])
def test_business_no_invalid_parts_refused(first9: str) -> None:
    # tax office below 101, kind 00, serial 0000: stdnum's component checks
    weights = [1, 3, 7, 1, 3, 7, 1, 3, 5]
    digits = [int(c) for c in first9]
    total = sum(d * w for d, w in zip(digits, weights, strict=False)) + (digits[8] * 5) // 10
    refused(lambda: v.business_no(first9 + str((10 - total % 10) % 10)), "사업자번호")


def test_business_no_custom_field_label() -> None:
    refused(lambda: v.business_no("1", "예금주 사업자번호"), "예금주 사업자번호")


# --- birth date -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("900101", "900101"),
        ("000229", "000229"),  # 2000-02-29
        ("240229", "240229"),  # 1924 and 2024 both leap
        ("300101", "300101"),  # 2030 is future, 1930 is fine
        ("260315", "260315"),  # today (2026) is fine
        ("19900101", "900101"),
        ("1990-01-01", "900101"),
        ("1990.01.01", "900101"),
    ],
)
def test_birth_date_accepted(text: str, expected: str) -> None:
    assert v.birth_date_yymmdd(text, today=TODAY) == expected


@pytest.mark.parametrize(
    "text",
    ["", "90011", "9001011", "901301", "900132", "230229", "250229", "ab0101", "20300101", "19000229"],
)
def test_birth_date_refused(text: str) -> None:
    refused(lambda: v.birth_date_yymmdd(text, today=TODAY), "생년월일")


def test_birth_date_feb29_non_leap_refused() -> None:
    error = refused(lambda: v.birth_date_yymmdd("230229", today=TODAY), "생년월일")
    assert "날짜" in error.message


# --- holder id --------------------------------------------------------------------------------


def test_holder_id_birth_date_or_business_number() -> None:
    assert v.holder_id("900101", today=TODAY) == "900101"
    assert v.holder_id("124-81-00998") == "1248100998"


def test_holder_id_refuses_full_resident_number() -> None:
    for text in (make_rrn("900101123456"), "900101-1234567"):
        error = refused(lambda t=text: v.holder_id(t), "생년월일/사업자번호")
        assert "생년월일 6자리" in error.message
        assert "1234567" not in error.message


@pytest.mark.parametrize("text", ["", "9001", "9001011", "12345678", "230229", "1248100999"])
def test_holder_id_refused(text: str) -> None:
    refused(lambda: v.holder_id(text, today=TODAY), "생년월일/사업자번호")


# --- account number ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("110123456789", "110123456789"),
        ("110-123-456789", "110123456789"),
        (" 110 123 456789 ", "110123456789"),
        ("123456", "123456"),
        ("1234567890123456", "1234567890123456"),
        ("012-34-56789", "0123456789"),  # leading zero kept
    ],
)
def test_account_no_accepted(text: str, expected: str) -> None:
    assert v.account_no(text) == expected


@pytest.mark.parametrize("text", ["", "12345", "12345678901234567", "110-12a-456789", "110/123/456789", "１２３４５６７"])
def test_account_no_refused(text: str) -> None:
    error = refused(lambda: v.account_no(text), "계좌번호")
    assert "엑셀" not in error.message


@pytest.mark.parametrize("text", ["1.2345E+11", "1.23457e+11", "1E+11", "123456789012.0", "110123456789.00"])
def test_account_no_excel_mangled(text: str) -> None:
    error = refused(lambda: v.account_no(text), "계좌번호")
    assert "엑셀이 숫자로 바꾼 값" in error.message and "텍스트" in error.message


def test_account_no_float_from_excel() -> None:
    error = refused(lambda: v.account_no(110123456789.0), "계좌번호")  # type: ignore[arg-type]
    assert "엑셀" in error.message


def test_account_no_message_does_not_echo_the_number() -> None:
    error = refused(lambda: v.account_no("12345678901234567"), "계좌번호")
    assert "12345678901234567" not in error.message


# --- bank code --------------------------------------------------------------------------------


def test_bank_code_accepted() -> None:
    assert v.bank_code("004", BANKS) == "004"
    assert v.bank_code(" 088 ", BANKS) == "088"


@pytest.mark.parametrize("text", ["4", "04", "0004", "4a", "", "A04"])
def test_bank_code_strict_by_default(text: str) -> None:
    refused(lambda: v.bank_code(text, BANKS), "은행")


def test_bank_code_unknown_refused() -> None:
    error = refused(lambda: v.bank_code("999", BANKS), "은행")
    assert "999" in error.message


def test_bank_code_padding_only_when_asked() -> None:
    assert v.bank_code("4", BANKS, pad=True) == "004"
    assert v.bank_code(20, BANKS, pad=True) == "020"
    assert v.bank_code("88", BANKS, pad=True) == "088"
    refused(lambda: v.bank_code(20, BANKS), "은행")
    refused(lambda: v.bank_code("5", BANKS, pad=True), "은행")  # '005' is not known
    refused(lambda: v.bank_code("4", BANKS, "이체은행"), "이체은행")


# --- EUC-KR text ------------------------------------------------------------------------------


def test_euc_kr_bytes() -> None:
    assert v.euc_kr_bytes("") == 0
    assert v.euc_kr_bytes("ABC") == 3
    assert v.euc_kr_bytes("가나다") == 6
    assert v.euc_kr_bytes("가A") == 3
    assert v.euc_kr_bytes("똠") == 2  # counted as it would be; refused by euc_kr_text


def test_euc_kr_text_accepts_and_trims() -> None:
    assert v.euc_kr_text("  홍길동  ", "예금주명", 20) == "홍길동"
    assert v.euc_kr_text("ABC 학원", "이름", 8) == "ABC 학원"
    assert v.euc_kr_text("①漢™", "이름", 6) == "①漢™"  # KS X 1001 symbols and Hanja are 2 bytes


def test_euc_kr_text_normalises_decomposed_hangul() -> None:
    import unicodedata

    assert v.euc_kr_text(unicodedata.normalize("NFD", "한글"), "이름", 4) == "한글"


def test_euc_kr_text_counts_bytes_and_says_how_many() -> None:
    assert v.euc_kr_text("가" * 8, "통장기재내용", 16) == "가" * 8
    error = refused(lambda: v.euc_kr_text("가" * 9, "통장기재내용", 16), "통장기재내용")
    assert error.message == "최대 16바이트(한글 8자)인데 18바이트입니다."


@pytest.mark.parametrize("char", ["똠", "햏", "힣", "😀", "é"])
def test_euc_kr_text_refuses_characters_outside_ks_x_1001(char: str) -> None:
    error = refused(lambda: v.euc_kr_text(f"김{char}", "예금주명", 20), "예금주명")
    assert char in error.message


@pytest.mark.parametrize("text", ["가\n나", "가\t나", "A\x00B", "A\x7fB", "가\u200b나"])
def test_euc_kr_text_refuses_control_characters(text: str) -> None:
    error = refused(lambda: v.euc_kr_text(text, "이름", 20), "이름")
    assert "제어 문자" in error.message


def test_euc_kr_text_required() -> None:
    refused(lambda: v.euc_kr_text("   ", "이름", 20), "이름")
    assert v.euc_kr_text("   ", "비고", 20, required=False) == ""


# --- passbook text ----------------------------------------------------------------------------


def test_passbook_text() -> None:
    assert v.passbook_text("한국학원수강료") == "한국학원수강료"
    assert v.passbook_text("가나다라마바사아") == "가나다라마바사아"
    assert v.passbook_text("KOREA ACADEMY 01") == "KOREA ACADEMY 01"
    refused(lambda: v.passbook_text("가나다라마바사아자"), "통장기재내용")
    refused(lambda: v.passbook_text("똠학원"), "통장기재내용")
    refused(lambda: v.passbook_text(""), "통장기재내용")


def test_passbook_text_mixed_is_a_warning_not_an_error() -> None:
    warnings: list[str] = []
    assert v.passbook_text("ABC학원", warnings=warnings) == "ABC학원"
    assert len(warnings) == 1 and "한영 혼용" in warnings[0]
    assert v.passbook_text_warnings("ABC학원") == warnings
    assert v.passbook_text_warnings("한국학원") == []
    assert v.passbook_text_warnings("KOREA") == []


# --- phone and email --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01012345678", "010-1234-5678"),
        ("010-1234-5678", "010-1234-5678"),
        ("010 1234 5678", "010-1234-5678"),
        ("0111234567", "011-123-4567"),
        ("016-123-4567", "016-123-4567"),
        ("01912345678", "019-1234-5678"),
        ("+82 10-1234-5678", "010-1234-5678"),
        ("021234567", "02-123-4567"),
        ("0212345678", "02-1234-5678"),
        ("(02) 1234-5678", "02-1234-5678"),
        ("0311234567", "031-123-4567"),
        ("03112345678", "031-1234-5678"),
        ("064-123-4567", "064-123-4567"),
        ("07012345678", "070-1234-5678"),
        ("050512345678", "0505-1234-5678"),
        ("05051234567", "0505-123-4567"),
        ("15881234", "1588-1234"),
        ("1644-1234", "1644-1234"),
        ("1800-1234", "1800-1234"),
    ],
)
def test_phone_accepted(text: str, expected: str) -> None:
    assert v.phone(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "0101234567890",  # too long
        "010123456",  # too short
        "0121234567",  # 012 is not a mobile prefix
        "0351234567",  # 035 is not an area code
        "02123456",  # Seoul, 8 digits
        "15881234567",
        "17001234",  # 17xx is not a representative number range
        "010-1234-567a",
        "12345678",
    ],
)
def test_phone_refused(text: str) -> None:
    error = refused(lambda: v.phone(text), "전화번호")
    assert "010-1234-5678" in error.message


def test_phone_empty() -> None:
    refused(lambda: v.phone(""), "전화번호")
    assert v.phone("  ", required=False) == ""
    refused(lambda: v.phone("1", "휴대전화"), "휴대전화")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hong@example.com", "hong@example.com"),
        (" Hong.Gil+cms@Example.CO.KR ", "Hong.Gil+cms@example.co.kr"),
        ("a_b-c@mail-server.naver.com", "a_b-c@mail-server.naver.com"),
    ],
)
def test_email_accepted(text: str, expected: str) -> None:
    assert v.email(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "hong",
        "hong@",
        "@example.com",
        "hong@@example.com",
        "ho@ng@example.com",
        "hong@example",
        "hong@example.",
        "hong @example.com",
        "hong@exa mple.com",
        "hong@naver,com",
        "hong@.example.com",
        "hong@-example.com",
        ".hong@example.com",
        "ho..ng@example.com",
        "hong@example.c0m",
        "홍@example.com",
    ],
)
def test_email_refused(text: str) -> None:
    refused(lambda: v.email(text), "이메일")


def test_email_empty() -> None:
    refused(lambda: v.email(""), "이메일")
    assert v.email("", required=False) == ""


# --- month, day, amounts ----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2026-03", "202603", "2026.03", "2026/03", "2026-3", "2026년 3월", " 2026.3 "])
def test_month_accepted(text: str) -> None:
    assert v.month_yyyymm(text) == "2026-03"


@pytest.mark.parametrize("text", ["", "2026-13", "2026-00", "202613", "26-03", "2026", "20263", "1999-12", "2026-03-01", "abcd-ef"])
def test_month_refused(text: str) -> None:
    refused(lambda: v.month_yyyymm(text, "최초이체년월"), "최초이체년월")


def test_debit_day() -> None:
    assert v.debit_day(5, [5, 15, 25]) == 5
    assert v.debit_day("15", {5, 15, 25}) == 15
    assert v.debit_day("25일", (5, 15, 25)) == 25
    error = refused(lambda: v.debit_day(10, [5, 15, 25]), "이체예정일")
    assert "5, 15, 25" in error.message
    refused(lambda: v.debit_day(0, range(1, 32)), "이체예정일")
    refused(lambda: v.debit_day(32, range(1, 40)), "이체예정일")
    refused(lambda: v.debit_day("", [5]), "이체예정일")
    refused(lambda: v.debit_day("five", [5]), "이체예정일")
    refused(lambda: v.debit_day(True, [1]), "이체예정일")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12000, 12000),
        ("12000", 12000),
        ("12,000", 12000),
        ("1,234,567", 1234567),
        (" 12,000원 ", 12000),
        (0, 0),
        (12000.0, 12000),
        ("12000.0", 12000),
        (Decimal("12000"), 12000),
    ],
)
def test_amount_accepted(value, expected: int) -> None:
    result = v.amount_won(value, "월이체금액")
    assert result == expected and type(result) is int


@pytest.mark.parametrize(
    "value",
    ["", "abc", "-100", -1, "12,00", "1,2345", "12 000", 12000.5, "12000.5", Decimal("0.1"), "1e3", True, float("nan"), float("inf")],
)
def test_amount_refused(value) -> None:
    refused(lambda: v.amount_won(value, "월이체금액"), "월이체금액")


def test_amount_fraction_message() -> None:
    error = refused(lambda: v.amount_won(12000.5, "월이체금액"), "월이체금액")
    assert "정수" in error.message


def test_amount_limits() -> None:
    assert v.amount_won("140", "출금의뢰금액", minimum=140) == 140
    error = refused(lambda: v.amount_won("139", "출금의뢰금액", minimum=140), "출금의뢰금액")
    assert "140" in error.message
    assert v.amount_won("100,000", "건당수수료", maximum=100_000) == 100_000
    error = refused(lambda: v.amount_won("100,001", "건당수수료", maximum=100_000), "건당수수료")
    assert "100,000" in error.message


@given(st.integers(min_value=0, max_value=10**13))
def test_amount_formatted_round_trip(n: int) -> None:
    assert v.amount_won(f"{n:,}", "금액") == n
    assert v.amount_won(str(n), "금액") == n


# --- discount ---------------------------------------------------------------------------------


def test_discount_rate_computes_truncated_amount() -> None:
    assert v.discount(30000, 10, None) == (10, 3000)
    assert v.discount(33333, 15, None) == (15, 4999)  # 4999.95 truncated
    assert v.discount(30000, 0, None) == (0, 0)
    assert v.discount(30000, 100, None) == (100, 30000)
    assert v.discount(30000, "10", None) == (10, 3000)
    assert v.discount(30000, 10, 999) == (10, 3000)  # the rate wins over a stale amount


def test_discount_amount_alone() -> None:
    assert v.discount(30000, None, 5000) == (None, 5000)
    assert v.discount(30000, None, "30,000") == (None, 30000)
    assert v.discount(30000, None, None) == (None, 0)
    assert v.discount(30000, "", "") == (None, 0)


def test_discount_refused() -> None:
    refused(lambda: v.discount(30000, 101, None), "할인/면제비율")
    refused(lambda: v.discount(30000, -1, None), "할인/면제비율")
    refused(lambda: v.discount(30000, "10.5", None), "할인/면제비율")
    error = refused(lambda: v.discount(30000, None, 30001), "할인/면제금액")
    assert "30,000" in error.message
    refused(lambda: v.discount(30000, None, -5), "할인/면제금액")


@given(st.integers(0, 10_000_000), st.integers(0, 100))
def test_discount_never_exceeds_monthly(monthly: int, rate: int) -> None:
    _, amount = v.discount(monthly, rate, None)
    assert 0 <= amount <= monthly and type(amount) is int


# --- institution code, password ---------------------------------------------------------------


@pytest.mark.parametrize("text", ["9912345678", "KSNET00001", "abcDEF1234", " 9912345678 "])
def test_institution_code_accepted(text: str) -> None:
    assert v.institution_code(text) == text.strip()


@pytest.mark.parametrize("text", ["", "991234567", "99123456789", "99123-4567", "99 1234567", "한국12345678", "９９１２３４５６７８"])
def test_institution_code_refused(text: str) -> None:
    refused(lambda: v.institution_code(text), "이용기관코드")


@pytest.mark.parametrize("text", ["abcd1234", "A1" * 32, "비밀번호는abc1", " pass word 1 "])
def test_password_accepted(text: str) -> None:
    assert v.password(text) == text


@pytest.mark.parametrize("text", ["", "abc1234", "A1" * 32 + "x", "abcdefgh", "12345678", "000000", "abcd123\n"])
def test_password_refused(text: str) -> None:
    refused(lambda: v.password(text), "비밀번호")
