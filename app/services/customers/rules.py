"""Field rules of a customer (고객) and of a debit agreement (이체정보), shared by screen and Excel import.

Pure on purpose: text (or the values a spreadsheet cell holds) in, normalised values out, a
`ValidationError(field, message)` raised for the first refused field, carrying every refused field
of the form in its `problems` (so a dialog lists them all at once). No database, no key, no Qt,
so the 신규등록 dialog and the 일괄등록 import (a colleague's `imports.py`) refuse exactly the same
inputs with exactly the same Korean words, and both can be tested in microseconds.

What needs the database (a customer number already taken, an item of another contract, one
agreement per customer and item) is checked by `customers.py` / `agreements.py`, which call these
functions first.

Choices worth knowing, each from the bank file spec (cms-file-format.md) or the law:

* 고객번호 travels in every bank file as 납부자번호, AN 20: 1–20 ASCII letters, digits, hyphen.
* A full 주민등록번호 is accepted only where the clerk typed one; six digits are taken as a birth
  date and nothing more is stored ("store birth date only" is the default). The check digit is
  only a warning: numbers issued since October 2020 no longer carry a valid one.
* 예금주명 does not travel in EB13/EB21, but it is checked by the bank against the account and
  printed on consent forms, so it must be plain KS X 1001 (EUC-KR) text; at most 50 bytes (the
  column; 25 Hangul syllables).
* 생년월일/사업자번호 of the holder is what the bank files carry: YYMMDD or 10 digits. A full
  resident number typed there is refused (KFTC rejects it, 0091, and it need not be collected).
* The generic checks (dates, numbers, phones, EUC-KR) are `app.services.common.validation`'s, so a
  phone number is written the same way on every screen.
* Money is integer won; a discount rate of 0–100 % gives the amount truncated to the won.
* 학원: a monthly amount above the item's posted 교습비 is refused (학원법 제15조: no fee above the
  one posted), here, so the agreement window and the import refuse it in the same words; the
  student's name and birth date are optional (the 교육비 납입증명서 prints them, the 2026 rule for
  children under 9 needs the birth date), and a student name equal to the payer's is not kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any, TypeVar, cast

from app.models.enums import CustomerType
from app.services.common import validation
from app.services.common.validation import ValidationError
from app.services.exchange.cms.banks import BANK_NAMES, requires_registration

__all__ = [
    "MAX_AMOUNT",
    "MIN_DEBIT_AMOUNT",
    "AgreementForm",
    "AgreementValues",
    "CustomerForm",
    "CustomerValues",
    "Remembered",
    "ResidentNumber",
    "ValidationError",
    "account_no",
    "amount",
    "bank_code",
    "birth_date",
    "business_no",
    "customer_name",
    "customer_no",
    "customer_type",
    "debit_day",
    "discount",
    "discount_amount_for",
    "email",
    "holder_id",
    "holder_name",
    "joined_on",
    "month",
    "over_posted_fee",
    "phone",
    "postal_code",
    "resident_no",
    "student_birth_date",
    "student_name",
    "text",
    "validate_agreement",
    "validate_customer",
]

_T = TypeVar("_T")

MAX_AMOUNT = 9_999_999_999
"""Largest amount a screen takes (the EB21 amount field is N 13; ten billion won is already absurd)."""

POSTED_FEE_FIELD = "월이체금액"
"""The field a posted-fee refusal names: the monthly amount is what exceeds it."""

MIN_DEBIT_AMOUNT = 140
"""Banks refuse a debit below 140 won (불능코드 0075); a smaller net amount is worth a warning."""

CUSTOMER_NO_MAX = 20
CUSTOMER_NAME_MAX = 50
STUDENT_NAME_MAX = 50
STUDENT_NAME_FIELD = "학생 이름"
STUDENT_BIRTH_FIELD = "학생 생년월일"
HOLDER_NAME_MAX_BYTES = 50
HOLDER_ID_FIELD = "생년월일/사업자번호"

_CUSTOMER_NO = re.compile(r"[A-Za-z0-9-]{1,20}")
_SEPARATORS = re.compile(r"[\s\-.]")
# '국민은행' and 'KB국민은행' both name 004: clerks and spreadsheets drop the brand prefix.
_BANK_BY_NAME = {alias: code for code, name in BANK_NAMES.items()
                 for alias in (name, name.removeprefix("KB"), name.removeprefix("NH").removeprefix("IBK"))}
_TYPE_WORDS = {
    "개인": CustomerType.PERSON, "person": CustomerType.PERSON, "p": CustomerType.PERSON, "1": CustomerType.PERSON,
    "사업자": CustomerType.BUSINESS, "business": CustomerType.BUSINESS, "b": CustomerType.BUSINESS,
    "2": CustomerType.BUSINESS, "법인": CustomerType.BUSINESS,
}


# --- small helpers ------------------------------------------------------------------------------


def _str(value: Any) -> str:
    """A spreadsheet cell or a line edit, as trimmed text (a float 1234.0 from Excel becomes '1234')."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _valid_date(year: int, month_: int, day: int) -> date | None:
    try:
        return date(year, month_, day)
    except ValueError:
        return None


def text(value: Any, field_name: str, max_chars: int, *, required: bool = False) -> str | None:
    """Free text: trimmed, no control characters, at most `max_chars`; empty → None (or refused)."""
    result = _str(value)
    if not result:
        if required:
            raise ValidationError(field_name, "필수 항목입니다. 입력하세요.")
        return None
    if any(not ch.isprintable() for ch in result if ch not in "\r\n\t"):
        raise ValidationError(field_name, "쓸 수 없는 제어 문자가 들어 있습니다.")
    if len(result) > max_chars:
        raise ValidationError(field_name, f"{max_chars}자 이내로 입력하세요 (지금 {len(result)}자).")
    return result


# --- customer fields ----------------------------------------------------------------------------


def customer_no(value: Any) -> str:
    """고객번호 = 납부자번호 (AN 20 in every bank file): 1–20 ASCII letters, digits or hyphens."""
    result = _str(value)
    if not result:
        raise ValidationError("고객번호", "고객번호를 입력하세요.")
    if len(result) > CUSTOMER_NO_MAX:
        raise ValidationError("고객번호", f"{CUSTOMER_NO_MAX}자 이내로 입력하세요 (은행 파일의 납부자번호가 20자리입니다).")
    if not _CUSTOMER_NO.fullmatch(result):
        raise ValidationError("고객번호", "영문·숫자·하이픈(-)만 쓸 수 있습니다 (은행 파일의 납부자번호로 그대로 보냅니다).")
    return result


def customer_name(value: Any) -> str:
    name = text(value, "고객명", CUSTOMER_NAME_MAX, required=True)
    assert name is not None
    return name


def customer_type(value: Any) -> CustomerType:
    """'개인'/'사업자', the enum, or its code; the Excel sheet may use any of them."""
    if isinstance(value, CustomerType):
        return value
    word = _str(value)
    if not word:
        return CustomerType.PERSON
    try:
        return CustomerType(word.upper())
    except ValueError:
        pass
    found = _TYPE_WORDS.get(word.casefold())
    if found is None:
        raise ValidationError("고객구분", "'개인' 또는 '사업자'로 입력하세요.")
    return found


@dataclass(frozen=True)
class ResidentNumber:
    """A resident number or birth date as entered: only `full` is secret (encrypt it, never log it)."""

    birth_date: str  # YYMMDD, always
    full: str | None = field(default=None, repr=False)  # 13 digits when a whole number was entered
    warnings: tuple[str, ...] = ()

    @property
    def masked(self) -> str:
        """What screens and the `resident_no_masked` column show: '900101-1******' or '900101'."""
        return f"{self.full[:6]}-{self.full[6]}******" if self.full else self.birth_date


def birth_date(value: Any, field_name: str = "생년월일", *, today: date | None = None) -> str:
    """YYMMDD of a real date that is not in the future (eight digits are shortened)."""
    return validation.birth_date_yymmdd(_str(value), field_name, today=today)


def resident_no(value: Any, field_name: str = "주민등록번호", *, today: date | None = None) -> ResidentNumber:
    """A full resident number (13 digits) or only a birth date (6 or 8 digits).

    Refused: a wrong length, an impossible birth date, a birth in the future, a 7th digit that
    gives no century. A wrong check digit is a warning only (random serials since 2020-10).
    """
    digits = _SEPARATORS.sub("", _str(value))
    if len(digits) in (6, 8) and digits.isascii() and digits.isdigit():
        return ResidentNumber(birth_date(digits, field_name, today=today), None)
    if not digits:
        raise ValidationError(field_name, "입력하세요.")
    if not (digits.isascii() and digits.isdigit()) or len(digits) != 13:
        raise ValidationError(field_name, "주민등록번호 13자리(예: 900101-1234567) 또는 생년월일 6자리로 입력하세요.")
    checked = validation.resident_no(digits, field_name, today=today)
    warnings = (f"{checked.warning}",) if checked.warning else ()
    return ResidentNumber(checked.birth_yymmdd, checked.normalised, warnings)


def business_no(value: Any, field_name: str = "사업자번호") -> str:
    """사업자등록번호: 10 digits whose last is the check digit (국세청 rule)."""
    return validation.business_no(_str(value), field_name)


def phone(value: Any, field_name: str = "전화번호") -> str | None:
    """A Korean phone number with hyphens in their usual places (010-1234-5678, 02-123-4567)."""
    return validation.phone(_str(value), field_name, required=False) or None


def email(value: Any) -> str | None:
    return validation.email(_str(value), "이메일", required=False) or None


def postal_code(value: Any) -> str | None:
    """우편번호: 5 digits (국가기초구역번호); the old 6-digit form is kept as 123-456."""
    if not _str(value):
        return None
    digits = _SEPARATORS.sub("", _str(value))
    if not (digits.isascii() and digits.isdigit()):
        raise ValidationError("우편번호", "숫자로 입력하세요 (예: 06236).")
    if len(digits) == 5:
        return digits
    if len(digits) == 6:
        return f"{digits[:3]}-{digits[3:]}"
    raise ValidationError("우편번호", "우편번호 5자리로 입력하세요 (예: 06236).")


def _date_of(value: Any, field_name: str) -> date | None:
    """A date from a date edit, an Excel cell (date/datetime) or text: 2024-03-02, 2024.3.2, 20240302."""
    if value is None or value == "" or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        result: date | None = value.date()
    elif isinstance(value, date):
        result = value
    else:
        raw = _str(value)
        parts = [p for p in re.split(r"[-./\s]", raw) if p]
        if len(parts) == 1 and len(parts[0]) == 8 and parts[0].isdigit():
            parts = [parts[0][:4], parts[0][4:6], parts[0][6:]]
        if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts) or len(parts[0]) != 4:
            raise ValidationError(field_name, "날짜 형식이 아닙니다 (예: 2024-03-02).")
        result = _valid_date(int(parts[0]), int(parts[1]), int(parts[2]))
        if result is None:
            raise ValidationError(field_name, f"{raw}은(는) 없는 날짜입니다.")
    return result


def joined_on(value: Any, field_name: str = "최초가입일", *, today: date | None = None) -> date | None:
    """A date from a date edit, an Excel cell (date/datetime) or text: 2024-03-02, 2024.3.2, 20240302."""
    result = _date_of(value, field_name)
    if result is None:
        return None
    if result.year < 1900 or result > date((today or date.today()).year + 1, 12, 31):
        raise ValidationError(field_name, "날짜를 확인하세요 (1900년 이후, 내년 이전).")
    return result


def student_name(value: Any, payer_name: Any = "") -> str | None:
    """학생 이름, only when the student is not the payer: the payer's own name (or none) keeps nothing."""
    name = text(value, STUDENT_NAME_FIELD, STUDENT_NAME_MAX)
    if name is None or name == _str(payer_name):
        return None
    return name


def student_birth_date(value: Any, *, today: date | None = None) -> date | None:
    """학생 생년월일 (optional): a real date, not before 1900 and not after today."""
    result = _date_of(value, STUDENT_BIRTH_FIELD)
    if result is None:
        return None
    if result.year < 1900:
        raise ValidationError(STUDENT_BIRTH_FIELD, f"{result:%Y-%m-%d}: 1900년 이후의 날짜를 입력하세요.")
    if result > (today or date.today()):
        raise ValidationError(STUDENT_BIRTH_FIELD, f"{result:%Y-%m-%d}은(는) 오늘 이후입니다. 생년월일을 확인하세요.")
    return result


# --- agreement fields ---------------------------------------------------------------------------


def amount(value: Any, field_name: str, *, minimum: int = 0, maximum: int = MAX_AMOUNT) -> int:
    """Whole won from '300,000', '300000원' or an Excel number; a fraction of a won is refused."""
    if isinstance(value, str):
        value = value.replace(" ", "")
    return validation.amount_won(value if value is not None else "", field_name, minimum=minimum, maximum=maximum)


def over_posted_fee(monthly_amount: int, posted_fee: int | None) -> str | None:
    """Why a monthly amount may not be charged for an item with this posted 교습비, or None when it may.

    The law speaks of the fee charged, and the agreement's monthly amount is that fee (a discount
    lowers what is debited, not the price), so the monthly amount is what is compared."""
    if posted_fee is None or monthly_amount <= posted_fee:
        return None
    return f"게시 교습비({posted_fee:,}원)를 넘는 월 금액은 받을 수 없습니다 (학원법 제15조). 지금 {monthly_amount:,}원입니다."


def discount_amount_for(monthly_amount: int, rate: int) -> int:
    """할인/면제금액 from a rate: truncated to the won, so the payer is never charged a fraction more."""
    return monthly_amount * rate // 100


def discount(rate: Any, amount_: Any, monthly_amount: int) -> tuple[int, int]:
    """(rate, amount). A rate above 0 decides the amount (the manual: 비율을 설정하면 자동으로 금액이
    입력됩니다); with no rate or rate 0 a typed amount stands on its own, at most the monthly amount."""
    rate_text = _str(rate).removesuffix("%").strip()
    percent, won = validation.discount(
        monthly_amount, None if rate_text in ("", "0") else rate_text, _str(amount_) or None
    )
    return percent or 0, won


def month(value: Any, field_name: str) -> str:
    """YYYY-MM from '2026-03', '202603', '2026.3', '2026/03' or an Excel date."""
    if isinstance(value, (date, datetime)):
        return f"{value.year:04d}-{value.month:02d}"
    return validation.month_yyyymm(_str(value), field_name)


def debit_day(value: Any, allowed: Sequence[int] | None = None) -> int:
    """이체예정일: a day of the month, one of the item's (contract's) days when those are given."""
    return validation.debit_day(_str(value), allowed or range(1, 32), "이체예정일")


def bank_code(value: Any) -> str:
    """'004', '4' (Excel dropped the zeros), '004 KB국민은행' (the combo's text) or a bank's name."""
    raw = _str(value)
    head = raw.split(" ", 1)[0]
    if raw and not head.isdigit():
        head = _BANK_BY_NAME.get(raw.replace(" ", ""), raw)
    return validation.bank_code(head, BANK_NAMES, "이체은행", pad=True)


def account_no(value: Any) -> str:
    """계좌번호: 6–16 digits once hyphens and spaces are removed (the files carry digits, AN 16)."""
    return validation.account_no(value if isinstance(value, float) else _str(value), "계좌번호")


def holder_name(value: Any) -> str:
    """예금주명: plain KS X 1001 text the bank can compare with its own records."""
    return validation.euc_kr_text(_str(value), "예금주명", HOLDER_NAME_MAX_BYTES)


def holder_id(value: Any, *, today: date | None = None) -> str:
    """예금주 생년월일(YYMMDD) or 사업자번호(10), exactly as EB13/EB21 carry it; a full resident
    number is refused (the bank rejects it, 0091, and it need not be collected)."""
    return validation.holder_id(_str(value), HOLDER_ID_FIELD, today=today)


# --- whole forms --------------------------------------------------------------------------------


_FIELD_NAMES: dict[type, frozenset[str]] = {}


def _field_names(form: type) -> frozenset[str]:
    """A form's field names, looked up once (an import builds a form per row)."""
    names = _FIELD_NAMES.get(form)
    if names is None:
        names = _FIELD_NAMES[form] = frozenset(f.name for f in fields(form))
    return names


class Remembered:
    """Results of the field rules above remembered by value, for checking many forms in a row.

    Why: a list of 100,000 payers (일괄등록) repeats the same item, month, day, bank, grade and address
    in row after row, and most of the checking time goes on those (an exception per '개인', a regex
    per month). Every rule here depends on nothing but its arguments, so a result once given is the
    result; only accepted values are kept (a refusal is checked again, so its message is always the
    rule's own), and the fields unique to a row (numbers, names, accounts, resident numbers) are never
    kept. Hand one to `validate_customer` / `validate_agreement` for a whole file; they check exactly
    as without it.
    """

    LIMIT = 1_000_000  # values in all: a file of all-different addresses does not grow it without bound

    def __init__(self) -> None:
        self.values: dict[tuple[object, ...], object] = {}


class _Checks(validation.FieldChecks):
    """`FieldChecks`, with `kept` remembering a field's accepted values when `remembered` is given."""

    def __init__(self, remembered: Remembered | None) -> None:
        super().__init__()
        self.remembered = remembered

    def kept(self, name: str, rule: Callable[..., _T], value: Any, *args: Any, **kwargs: Any) -> _T | None:
        if self.remembered is None:
            return self.run(rule, value, *args, **kwargs)
        cache = self.remembered.values
        # The class too: 1, 1.0 and True are equal keys. `name` stands for one call site, so the
        # keyword values alone tell its calls apart.
        key = (name, value.__class__, value, args, *kwargs.values())
        try:
            return cast(_T, cache[key])  # what `rule` returned for this key when it was remembered
        except KeyError:
            pass
        except TypeError:  # an unhashable value: just check it
            return self.run(rule, value, *args, **kwargs)
        try:
            result = rule(value, *args, **kwargs)
        except ValidationError as error:
            self.errors.append(error)  # as `run` keeps it; a refusal is not remembered
            return None
        if len(cache) < Remembered.LIMIT:
            cache[key] = result
        return result


@dataclass
class CustomerForm:
    """The 고객추가 window's fields ①–⑨ and memo, as typed (or as read from one Excel row)."""

    customer_no: str = ""
    name: str = ""
    customer_type: Any = CustomerType.PERSON
    grade: str = ""
    resident_no: str = ""  # 개인: 13 digits or a 6-digit birth date
    business_no: str = ""  # 사업자
    representative: str = ""
    phone: str = ""
    mobile: str = ""
    email: str = ""
    industry: str = ""
    joined_on: Any = None  # date, datetime or text
    region: str = ""
    postal_code: str = ""
    address: str = ""
    address_detail: str = ""
    memo: str = ""
    student_name: str = ""  # 학원: the student, when not the payer
    student_birth_date: Any = None  # date, datetime or text

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> CustomerForm:
        """From a dict keyed by the field names above (unknown keys are ignored)."""
        names = _field_names(cls)
        dated = ("joined_on", "student_birth_date")
        return cls(**{k: ("" if v is None and k not in dated else v) for k, v in data.items() if k in names})


@dataclass(frozen=True)
class CustomerValues:
    """Normalised customer values. `resident` holds the plain number: encrypt it, never log it."""

    customer_no: str
    name: str
    customer_type: CustomerType
    grade: str | None
    resident: ResidentNumber | None
    business_no: str | None
    representative: str | None
    phone: str | None
    mobile: str | None
    email: str | None
    industry: str | None
    joined_on: date | None
    region: str | None
    postal_code: str | None
    address: str | None
    address_detail: str | None
    memo: str | None
    student_name: str | None = None
    student_birth_date: date | None = None
    warnings: tuple[str, ...] = ()


def validate_customer(form: CustomerForm | Mapping[str, Any], *, today: date | None = None,
                      remembered: Remembered | None = None) -> CustomerValues:
    """Every field of a customer, in the order of the window; the first refusal is raised, carrying
    every other refusal of the form in ``problems`` (the dialog lists them all at once).

    A 개인 gives a resident number or a birth date (optional); a 사업자 gives a business number
    (optional too: the manual lists it, the bank files need only the holder's id on the agreement).
    `remembered`: see `Remembered` (the same values, faster over many forms).
    """
    f = form if isinstance(form, CustomerForm) else CustomerForm.from_mapping(form)
    c = _Checks(remembered)
    number = c.run(customer_no, f.customer_no)
    name = c.run(customer_name, f.name)
    kind = c.kept("type", customer_type, f.customer_type)
    resident: ResidentNumber | None = None
    business: str | None = None
    if kind is CustomerType.PERSON and _str(f.resident_no):
        resident = c.run(resident_no, f.resident_no, today=today)
    if kind is CustomerType.BUSINESS and _str(f.business_no):
        business = c.kept("business", business_no, f.business_no)
    grade = c.kept("grade", text, f.grade, "고객등급", 30)
    representative = c.kept("representative", text, f.representative, "대표자명", 50)
    phone_no = c.kept("phone", phone, f.phone, "전화번호")
    mobile = c.run(phone, f.mobile, "휴대번호")
    email_address = c.run(email, f.email)
    industry = c.kept("industry", text, f.industry, "업종", 50)
    joined = c.kept("joined", joined_on, f.joined_on, today=today)
    region = c.kept("region", text, f.region, "지역구분", 30)
    postal = c.kept("postal", postal_code, f.postal_code)
    address = c.kept("address", text, f.address, "주소", 200)
    address_detail = c.run(text, f.address_detail, "상세주소", 200)
    memo = c.kept("memo", text, f.memo, "메모", 2000)
    student = c.run(student_name, f.student_name, f.name)
    student_birth = c.kept("student_birth", student_birth_date, f.student_birth_date, today=today)
    c.raise_first()
    assert number is not None and name is not None and kind is not None
    return CustomerValues(
        customer_no=number,
        name=name,
        customer_type=kind,
        grade=grade,
        resident=resident,
        business_no=business,
        representative=representative,
        phone=phone_no,
        mobile=mobile,
        email=email_address,
        industry=industry,
        joined_on=joined,
        region=region,
        postal_code=postal,
        address=address,
        address_detail=address_detail,
        memo=memo,
        student_name=student,
        student_birth_date=student_birth,
        warnings=resident.warnings if resident else (),
    )


@dataclass
class AgreementForm:
    """The 이체정보 window's fields ①–⑨, as typed (or as read from one Excel row)."""

    item_id: int | None = None
    debit_limit: Any = ""
    monthly_amount: Any = ""
    discount_rate: Any = ""
    discount_amount: Any = ""
    first_month: Any = ""
    last_month: Any = ""
    debit_day: Any = ""
    bank_code: Any = ""
    account_no: Any = ""
    holder_name: str = ""
    holder_id: Any = ""
    manager_name: str = ""
    registrant: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> AgreementForm:
        names = _field_names(cls)
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class AgreementValues:
    """Normalised agreement values. `account_no` is plain digits: encrypt it, never log it."""

    item_id: int
    debit_limit: int
    monthly_amount: int
    discount_rate: int
    discount_amount: int
    first_month: str
    last_month: str | None
    debit_day: int
    bank_code: str
    account_no: str
    holder_name: str
    holder_id: str
    manager_name: str | None
    registrant: str | None
    warnings: tuple[str, ...] = field(default=())

    @property
    def net_amount(self) -> int:
        """What one debit asks for before any outstanding amount: monthly less discount."""
        return self.monthly_amount - self.discount_amount

    @property
    def account_last4(self) -> str:
        return self.account_no[-4:]


def validate_agreement(
    form: AgreementForm | Mapping[str, Any],
    *,
    allowed_days: Sequence[int] | None = None,
    today: date | None = None,
    remembered: Remembered | None = None,
    posted_fee: int | None = None,
) -> AgreementValues:
    """Every field of an agreement; `allowed_days` are the item's (contract's) debit days and
    `posted_fee` its posted 교습비 (None: none posted). The first refusal is raised, carrying every
    other refusal of the form in ``problems``.

    Warnings (not refusals): a bank that always needs 계좌신청, a net amount below what banks debit.
    `remembered`: see `Remembered` (the same values, faster over many forms).
    """
    f = form if isinstance(form, AgreementForm) else AgreementForm.from_mapping(form)
    c = _Checks(remembered)
    item = c.run(_item_id, f.item_id)
    limit = c.kept("limit", amount, f.debit_limit, "건당출금한도", minimum=1)
    monthly = c.kept("monthly", amount, f.monthly_amount, "월이체금액", minimum=1)
    if limit is not None and monthly is not None and monthly > limit:
        c.errors.append(ValidationError("월이체금액", f"건당출금한도({limit:,}원)보다 같거나 작아야 합니다."))
    over = over_posted_fee(monthly, posted_fee) if monthly is not None else None
    if over:
        c.errors.append(ValidationError(POSTED_FEE_FIELD, over))
    checked = (c.kept("discount", discount, f.discount_rate, f.discount_amount, monthly) if monthly is not None
               else None)
    rate, discount_won = checked or (0, 0)
    first = c.kept("first", month, f.first_month, "최초이체년월")
    last = (c.kept("last", month, f.last_month, "최종이체년월") if _str(f.last_month) or isinstance(f.last_month, date)
            else None)
    if last is not None and first is not None and last < first:
        c.errors.append(ValidationError("최종이체년월", f"최초이체년월({first})보다 앞설 수 없습니다."))
    day = c.kept("day", debit_day, f.debit_day, allowed_days)
    bank = c.kept("bank", bank_code, f.bank_code)
    account = c.run(account_no, f.account_no)
    holder = c.kept("holder_name", holder_name, f.holder_name)
    holder_identity = c.kept("holder_id", holder_id, f.holder_id, today=today)
    manager = c.kept("manager", text, f.manager_name, "관리자명", 50)
    registrant = c.run(text, f.registrant, "등록자", 50)
    c.raise_first()
    assert item is not None and limit is not None and monthly is not None and first is not None and day is not None
    assert bank is not None and account is not None and holder is not None and holder_identity is not None
    warnings: list[str] = []
    if requires_registration(bank):
        warnings.append(f"{BANK_NAMES[bank]} 계좌는 반드시 계좌신청이 완료되어야 출금할 수 있습니다.")
    net = monthly - discount_won
    if 0 < net < MIN_DEBIT_AMOUNT:
        warnings.append(f"할인 후 금액 {net:,}원은 은행이 출금하지 않습니다 ({MIN_DEBIT_AMOUNT}원 미만).")
    return AgreementValues(
        item_id=item,
        debit_limit=limit,
        monthly_amount=monthly,
        discount_rate=rate,
        discount_amount=discount_won,
        first_month=first,
        last_month=last,
        debit_day=day,
        bank_code=bank,
        account_no=account,
        holder_name=holder,
        holder_id=holder_identity,
        manager_name=manager,
        registrant=registrant,
        warnings=tuple(warnings),
    )


def _item_id(value: Any) -> int:
    """① 집금항목: the chosen item's id."""
    if value is None or _str(value) == "":
        raise ValidationError("집금항목명", "집금항목을 선택하세요.")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError("집금항목명", "집금항목을 선택하세요.") from None
