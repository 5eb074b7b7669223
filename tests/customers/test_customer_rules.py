"""Each field rule of a customer and of an agreement: what is accepted, normalised, and refused in Korean."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.models import CustomerType
from app.services.common.validation import ValidationError
from app.services.customers import rules
from tests.customers.conftest import TODAY, agreement, person


def refused(call, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        call(*args, **kwargs)
    assert any("\uac00" <= c <= "\ud7a3" for c in info.value.message), "the clerk reads Korean"
    return info.value


# --- customer number, names -----------------------------------------------------------------


@pytest.mark.parametrize("value", ["A", "2024-00001", "abcDEF123", "1" * 20])
def test_customer_number_accepts_ascii_letters_digits_hyphen_up_to_20(value: str) -> None:
    assert rules.customer_no(f"  {value} ") == value


@pytest.mark.parametrize(("value", "why"), [
    ("", "입력"), ("1" * 21, "20자"), ("홍123", "영문·숫자·하이픈"), ("A_1", "영문·숫자·하이픈"), ("A 1", "영문·숫자·하이픈"),
    ("Ａ1", "영문·숫자·하이픈"),
])
def test_customer_number_refusals_name_the_field(value: str, why: str) -> None:
    error = refused(rules.customer_no, value)
    assert error.field == "고객번호" and why in error.message


def test_customer_name_is_required_and_at_most_50_characters() -> None:
    assert rules.customer_name(" (주)해오름 ") == "(주)해오름"
    assert refused(rules.customer_name, "").field == "고객명"
    assert "50자" in refused(rules.customer_name, "가" * 51).message
    assert "제어 문자" in refused(rules.customer_name, "홍\x00길동").message


def test_holder_name_must_be_plain_euc_kr_within_50_bytes() -> None:
    assert rules.holder_name("홍길동") == "홍길동"
    assert rules.holder_name("가" * 25) == "가" * 25
    error = refused(rules.holder_name, "가" * 26)
    assert error.field == "예금주명" and "50바이트" in error.message
    assert "똠" in refused(rules.holder_name, "김똠").message  # outside KS X 1001


def test_customer_type_reads_labels_codes_and_the_enum() -> None:
    assert rules.customer_type("사업자") is CustomerType.BUSINESS
    assert rules.customer_type("PERSON") is CustomerType.PERSON
    assert rules.customer_type(CustomerType.BUSINESS) is CustomerType.BUSINESS
    assert rules.customer_type("") is CustomerType.PERSON
    assert refused(rules.customer_type, "법인단체").field == "고객구분"


# --- resident number, birth date, business number ----------------------------------------------


def test_full_resident_number_is_kept_only_for_encryption_and_masked() -> None:
    number = rules.resident_no("900101-1234568", today=TODAY)
    assert (number.full, number.birth_date, number.masked, number.warnings) == ("9001011234568", "900101",
                                                                                 "900101-1******", ())
    assert "1234568" not in repr(number)


def test_a_child_born_in_the_2000s_is_accepted() -> None:
    assert rules.resident_no("250101-3234567", today=TODAY).birth_date == "250101"


def test_birth_date_alone_is_the_default_and_stores_no_secret() -> None:
    number = rules.resident_no("900101", today=TODAY)
    assert (number.full, number.masked) == (None, "900101")


def test_resident_number_check_digit_is_only_a_warning() -> None:
    number = rules.resident_no("9001011234567", today=TODAY)
    assert number.full == "9001011234567" and "검증번호" in number.warnings[0]


@pytest.mark.parametrize(("value", "why"), [
    ("900231-1234567", "생년월일"),  # 31 February
    ("991301-1234567", "생년월일"),  # month 13
    ("300101-3234567", "미래"),  # 2030-01-01 is after TODAY
    ("900101-123456", "13자리"),
    ("90010112345678", "13자리"),
    ("9001O1-1234567", "13자리"),
])
def test_resident_number_refusals(value: str, why: str) -> None:
    error = refused(rules.resident_no, value, today=TODAY)
    assert error.field == "주민등록번호" and why in error.message


def test_birth_date_yymmdd() -> None:
    assert rules.birth_date("900101", today=TODAY) == "900101"
    assert rules.birth_date("1990-01-01", today=TODAY) == "900101"
    assert "YYMMDD" in refused(rules.birth_date, "9001", today=TODAY).message
    assert refused(rules.birth_date, "900230", today=TODAY).field == "생년월일"


def test_business_number_check_digit_is_enforced() -> None:
    assert rules.business_no("124-81-00998") == "1248100998"
    error = refused(rules.business_no, "124-81-00997")
    assert error.field == "사업자번호" and "검증번호" in error.message
    assert "10자리" in refused(rules.business_no, "12481009").message


# --- contacts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "stored"), [
    ("01012345678", "010-1234-5678"), ("010 1234 5678", "010-1234-5678"), ("+82 10-1234-5678", "010-1234-5678"),
    ("021234567", "02-123-4567"), ("0311234567", "031-123-4567"), ("15881234", "1588-1234"), ("", None),
])
def test_phones_are_normalised(typed: str, stored: str | None) -> None:
    assert rules.phone(typed, "휴대번호") == stored


def test_a_wrong_phone_names_its_field() -> None:
    assert refused(rules.phone, "1234", "휴대번호").field == "휴대번호"
    assert refused(rules.phone, "010-12ab-5678", "전화번호").field == "전화번호"


def test_email() -> None:
    assert rules.email("Parent@Example.KR") == "Parent@example.kr"
    assert rules.email("") is None
    assert refused(rules.email, "parent@example").field == "이메일"
    assert refused(rules.email, "parent.example.kr").field == "이메일"


def test_postal_code_and_joined_on() -> None:
    assert rules.postal_code("06236") == "06236"
    assert rules.postal_code("135-080") == "135-080"
    assert refused(rules.postal_code, "1234").field == "우편번호"
    assert rules.joined_on("2024.3.2", today=TODAY) == date(2024, 3, 2)
    assert rules.joined_on("20240302", today=TODAY) == date(2024, 3, 2)
    assert rules.joined_on(None) is None
    assert refused(rules.joined_on, "2024-02-30", today=TODAY).field == "최초가입일"


def test_whole_customer_form_person_and_business() -> None:
    values = rules.validate_customer(person(resident_no="900101-1234568", email="a@b.kr"), today=TODAY)
    assert values.resident is not None and values.resident.full == "9001011234568"
    business = rules.validate_customer({"customer_no": "B-1", "name": "(주)해오름", "customer_type": "사업자",
                                        "business_no": "1248100998", "resident_no": "900101-1234568"}, today=TODAY)
    assert business.business_no == "1248100998" and business.resident is None  # a company has no resident number
    assert refused(rules.validate_customer, person(mobile="12"), today=TODAY).field == "휴대번호"


# --- agreement fields -------------------------------------------------------------------------


def test_account_number_six_to_sixteen_digits_without_separators() -> None:
    assert rules.account_no("110-123 456789") == "110123456789"
    assert "6~16자리" in refused(rules.account_no, "12345").message
    assert "6~16자리" in refused(rules.account_no, "1" * 17).message
    assert refused(rules.account_no, 1.2345e11).field == "계좌번호"  # Excel turned it into a number


def test_holder_id_is_a_birth_date_or_business_number_never_a_full_resident_number() -> None:
    assert rules.holder_id("700101", today=TODAY) == "700101"
    assert rules.holder_id("124-81-00998") == "1248100998"
    error = refused(rules.holder_id, "900101-1234568", today=TODAY)
    assert error.field == rules.HOLDER_ID_FIELD and "주민등록번호 전체" in error.message


def test_bank_code_from_code_combo_text_or_name() -> None:
    assert rules.bank_code("004 KB국민은행") == "004"
    assert rules.bank_code("4") == "004"
    assert rules.bank_code("국민은행") == "004"
    assert rules.bank_code("새마을금고") == "045"
    assert refused(rules.bank_code, "999").field == "이체은행"
    assert refused(rules.bank_code, "").field == "이체은행"


def test_monthly_amount_must_not_exceed_the_per_debit_limit() -> None:
    error = refused(rules.validate_agreement, agreement(1, debit_limit="200,000", monthly_amount="300,000"),
                    allowed_days=[5, 25])
    assert error.field == "월이체금액" and "건당출금한도" in error.message
    values = rules.validate_agreement(agreement(1, debit_limit="300000", monthly_amount="300,000원"), allowed_days=[25])
    assert values.monthly_amount == values.debit_limit == 300_000


def test_discount_rate_computes_the_amount_truncated_to_the_won() -> None:
    values = rules.validate_agreement(agreement(1, monthly_amount="123,456", discount_rate="15", discount_amount="1"),
                                      allowed_days=[25])
    assert (values.discount_rate, values.discount_amount) == (15, 18_518)  # 18,518.4 → 18,518
    assert values.net_amount == 123_456 - 18_518
    assert refused(rules.validate_agreement, agreement(1, discount_rate="101"), allowed_days=[25]).field == "할인/면제비율"


def test_a_fixed_discount_amount_without_rate_is_at_most_the_monthly_amount() -> None:
    values = rules.validate_agreement(agreement(1, discount_rate="0", discount_amount="50,000"), allowed_days=[25])
    assert (values.discount_rate, values.discount_amount) == (0, 50_000)
    error = refused(rules.validate_agreement, agreement(1, discount_amount="300,001"), allowed_days=[25])
    assert error.field == "할인/면제금액"


@given(monthly=st.integers(min_value=1, max_value=10_000_000), rate=st.integers(min_value=0, max_value=100))
def test_discount_never_exceeds_the_monthly_amount_and_is_floor(monthly: int, rate: int) -> None:
    amount = rules.discount_amount_for(monthly, rate)
    assert 0 <= amount <= monthly and amount * 100 <= monthly * rate < (amount + 1) * 100


def test_debit_day_must_be_one_of_the_items_days() -> None:
    assert rules.validate_agreement(agreement(1, debit_day="5일"), allowed_days=[5, 25]).debit_day == 5
    error = refused(rules.validate_agreement, agreement(1, debit_day="15"), allowed_days=[5, 25])
    assert error.field == "이체예정일" and "5, 25" in error.message


def test_months_are_normalised_and_ordered() -> None:
    values = rules.validate_agreement(agreement(1, first_month="202612", last_month="2027.6"), allowed_days=[25])
    assert (values.first_month, values.last_month) == ("2026-12", "2027-06")
    error = refused(rules.validate_agreement, agreement(1, first_month="2026-12", last_month="2026-11"), allowed_days=[25])
    assert error.field == "최종이체년월"
    assert refused(rules.validate_agreement, agreement(1, first_month="2026-13"), allowed_days=[25]).field == "최초이체년월"


def test_registration_bank_and_tiny_net_amount_are_warnings() -> None:
    values = rules.validate_agreement(agreement(1, bank_code="045", monthly_amount="1000", discount_amount="900"),
                                      allowed_days=[25])
    assert any("새마을금고" in w and "계좌신청" in w for w in values.warnings)
    assert any("140원" in w for w in values.warnings)


def test_an_item_must_be_chosen() -> None:
    assert refused(rules.validate_agreement, agreement(None), allowed_days=[25]).field == "집금항목명"
