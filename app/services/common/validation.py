"""Field validators: each returns the normalised value or raises ``ValidationError``.

Every refusal names the field by its Korean screen label and says in Korean what to fix, because
the clerk sees it as it is (``{field}: {message}``). The rules follow what bank files accept
(``cms-file-format.md`` §1.3–1.4): a value refused here would otherwise come back days later as a
bank's reason code. Messages never repeat a resident or account number: they are personal data and
messages end up in logs.

Digits are checked as ASCII ``0-9`` only (``str.isdigit`` also accepts full-width and other
scripts' digits, which no bank file can carry).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.kr import brn

from app.services.common.errors import ServiceError

_DIGITS = re.compile(r"[0-9]+")
_T = TypeVar("_T")


class ValidationError(ServiceError):
    """A refused field value. ``field`` is the Korean label, ``message`` the Korean reason.

    A subclass of ServiceError so that code catching only ServiceError still shows a message rather
    than crashing; handlers that know the field show ``f"{field}: {message}"``. ``warnings`` holds
    non-fatal notes found before the refusal.
    """

    def __init__(self, field: str, message: str, warnings: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.field = field
        self.warnings: list[str] = list(warnings)
        self.args = (field, message)
        self.problems: tuple[ValidationError, ...] = (self,)
        """Every refusal of the form this one came from, this one first (see `FieldChecks`)."""

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"

    def lines(self) -> str:
        """Every problem of the form, one ``{field}: {message}`` per line, as a dialog lists them."""
        return "\n".join(f"{p.field}: {p.message}" for p in self.problems)


class FieldChecks:
    """Checks a form's fields one after another, keeping every refusal instead of stopping at the
    first, so a screen can list all of a form's problems at once rather than one per press of 저장.

    `run` returns the rule's value, or None when the rule refused; `raise_first` then raises the
    first refusal (what a caller reading only one, like an import's row, has always seen) carrying
    the others in ``problems``.
    """

    def __init__(self) -> None:
        self.errors: list[ValidationError] = []

    def run(self, rule: Callable[..., _T], *args: Any, **kwargs: Any) -> _T | None:
        try:
            return rule(*args, **kwargs)
        except ValidationError as error:
            self.errors.append(error)
            return None

    def raise_first(self) -> None:
        if self.errors:
            first = self.errors[0]
            first.problems = tuple(self.errors)
            raise first


def _text(value: object) -> str:
    """Screens give str; Excel readers may give int. None is treated as empty."""
    if value is None:
        return ""
    return str(value).strip()


def _is_digits(text: str) -> bool:
    return bool(_DIGITS.fullmatch(text))


def _strip_separators(text: str, separators: str = "- ") -> str:
    return "".join(c for c in text if c not in separators)


# --- dates and identity numbers ---------------------------------------------------------------


def _real_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _resident_century(gender_digit: int) -> int:
    """1,2,5,6 → 1900s; 3,4,7,8 → 2000s; 9,0 → 1800s (5–8 are for foreign residents)."""
    if gender_digit in (1, 2, 5, 6):
        return 1900
    if gender_digit in (3, 4, 7, 8):
        return 2000
    return 1800


def resident_check_digit(first12: str) -> int:
    """The classic check digit (weights 2..9,2..5, mod 11). Numbers issued since October 2020 do not
    follow it any more, which is why a mismatch is only a warning."""
    weights = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
    total = sum(int(d) * w for d, w in zip(first12, weights, strict=True))
    return (11 - total % 11) % 10


@dataclass(frozen=True)
class ResidentNoResult:
    """A checked resident number. ``normalised`` is excluded from repr: it must not reach a log."""

    normalised: str = dataclass_field(repr=False)
    birth_date: date
    warning: str | None = None

    @property
    def birth_yymmdd(self) -> str:
        """The part a bank file carries as 생년월일."""
        return self.normalised[:6]


def resident_no(value: str, field: str = "주민등록번호", *, today: date | None = None) -> ResidentNoResult:
    """13 digits with or without the hyphen; a real, not future, birth date; check digit → warning."""
    text = _text(value).replace(" ", "")
    if not text:
        raise ValidationError(field, "입력하세요.")
    if not re.fullmatch(r"[0-9]{6}-?[0-9]{7}", text):
        raise ValidationError(field, "숫자 13자리로 입력하세요 (예: 900101-1234567).")
    digits = text.replace("-", "")
    century = _resident_century(int(digits[6]))
    born = _real_date(century + int(digits[:2]), int(digits[2:4]), int(digits[4:6]))
    if born is None:
        raise ValidationError(field, "앞 6자리가 올바른 생년월일이 아닙니다.")
    if born > (today or date.today()):
        raise ValidationError(field, "생년월일이 미래 날짜입니다. 뒷자리 첫 숫자(성별)를 확인하세요.")
    warning = None
    if resident_check_digit(digits[:12]) != int(digits[12]):
        warning = "주민등록번호 검증번호가 맞지 않습니다. 2020년 10월 이후 발급된 번호가 아니라면 다시 확인하세요."
    return ResidentNoResult(normalised=digits, birth_date=born, warning=warning)


def business_check_digit(first9: str) -> int:
    """The National Tax Service check digit of a 사업자등록번호."""
    weights = (1, 3, 7, 1, 3, 7, 1, 3, 5)
    digits = [int(d) for d in first9]
    total = sum(d * w for d, w in zip(digits, weights, strict=True)) + digits[8] * 5 // 10
    return (10 - total % 10) % 10


def business_no(value: str, field: str = "사업자번호") -> str:
    """'123-45-67890' or '1234567890' → '1234567890': 10 digits, valid parts, valid check digit.

    python-stdnum checks the parts (tax office ≥ 101, kind ≠ 00, serial ≠ 0000) but not the check
    digit, so that is computed here.
    """
    text = _strip_separators(_text(value))
    if not text:
        raise ValidationError(field, "입력하세요.")
    if not (_is_digits(text) and len(text) == 10):
        raise ValidationError(field, "숫자 10자리로 입력하세요 (예: 123-45-67890).")
    try:
        number = brn.validate(text)
    except StdnumValidationError:
        raise ValidationError(field, "올바른 사업자번호가 아닙니다. 번호를 다시 확인하세요.") from None
    if business_check_digit(number[:9]) != int(number[9]):
        raise ValidationError(field, "사업자번호의 검증번호(마지막 자리)가 맞지 않습니다. 번호를 다시 확인하세요.")
    return number


def format_business_no(value: str) -> str:
    """'1234567890' → '123-45-67890' for display (input must already be 10 digits)."""
    digits = _strip_separators(_text(value))
    if not (_is_digits(digits) and len(digits) == 10):
        raise ValueError("a business number has 10 digits")
    return brn.format(digits)


def birth_date_yymmdd(value: str, field: str = "생년월일", *, today: date | None = None) -> str:
    """'YYMMDD' of a real date not in the future.

    The century is not in six digits, so the value is valid when 19YY or 20YY gives a real date
    that is not in the future ('000229' is 2000-02-29; '230229' is no date at all). Eight digits
    ('19900101', '1990-01-01', '1990.01.01') are accepted and shortened.
    """
    text = _strip_separators(_text(value), "-. /")
    if not text:
        raise ValidationError(field, "입력하세요.")
    if not _is_digits(text) or len(text) not in (6, 8):
        raise ValidationError(field, "생년월일 6자리(YYMMDD, 예: 900101)로 입력하세요.")
    now = today or date.today()
    if len(text) == 8:
        born = _real_date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        if born is None or born > now or born.year < 1800:
            raise ValidationError(field, "올바른 날짜가 아닙니다 (YYMMDD, 예: 900101).")
        return text[2:]
    yy, month, day = int(text[:2]), int(text[2:4]), int(text[4:6])
    candidates = [_real_date(century + yy, month, day) for century in (1900, 2000)]
    if not any(d is not None and d <= now for d in candidates):
        raise ValidationError(field, "올바른 날짜가 아닙니다 (YYMMDD, 예: 900101).")
    return text


def holder_id(value: str, field: str = "생년월일/사업자번호", *, today: date | None = None) -> str:
    """The account holder as bank files carry it: birth date YYMMDD (6) or business number (10).

    A full resident number is refused: the bank rejects it (reason 0091), and we must not collect
    more personal data than the file needs.
    """
    text = _strip_separators(_text(value))
    if not text:
        raise ValidationError(field, "입력하세요.")
    if _is_digits(text) and len(text) == 13:
        raise ValidationError(
            field,
            "주민등록번호 전체는 입력할 수 없습니다. 은행 파일에는 생년월일 6자리(개인) 또는 사업자번호 10자리만 보냅니다.",
        )
    if _is_digits(text) and len(text) == 6:
        return birth_date_yymmdd(text, field, today=today)
    if _is_digits(text) and len(text) == 10:
        return business_no(text, field)
    raise ValidationError(field, "개인은 생년월일 6자리(YYMMDD), 사업자는 사업자번호 10자리를 입력하세요.")


# --- bank fields ------------------------------------------------------------------------------

_EXCEL_SCIENTIFIC = re.compile(r"[0-9](\.[0-9]+)?[eE][+-]?[0-9]+")
_EXCEL_DECIMAL = re.compile(r"[0-9]+\.0+")
_EXCEL_MESSAGE = "엑셀이 숫자로 바꾼 값입니다 (예: 1.2345E+11). 엑셀에서 셀 서식을 텍스트로 바꾸고 다시 입력하세요."


def account_no(value: str | float, field: str = "계좌번호") -> str:
    """Digits only, 6–16 of them (the file field is 16 wide and refuses embedded spaces).

    Hyphens and spaces are removed. Values that Excel turned into numbers ('1.2345E+11',
    '123456789012.0', or a float) get their own message: the digits are already lost and must be
    typed again with the cell formatted as text.
    """
    if isinstance(value, float):
        raise ValidationError(field, _EXCEL_MESSAGE)
    text = _text(value)
    if not text:
        raise ValidationError(field, "입력하세요.")
    if _EXCEL_SCIENTIFIC.fullmatch(text) or _EXCEL_DECIMAL.fullmatch(text):
        raise ValidationError(field, _EXCEL_MESSAGE)
    digits = _strip_separators(text)
    if not _is_digits(digits):
        raise ValidationError(field, "숫자와 '-'만 입력하세요.")
    if not 6 <= len(digits) <= 16:
        raise ValidationError(field, f"숫자 6~16자리여야 하는데 {len(digits)}자리입니다.")
    return digits


def bank_code(value: str | int, known: Mapping[str, str], field: str = "은행", *, pad: bool = False) -> str:
    """A 3-digit bank code ('004') that is in ``known`` (code → name).

    Strict by default: '4' is refused, because a code that lost its zeros may as well be a typo.
    ``pad=True`` (for an Excel column read as numbers) zero-pads 1–2 digits.
    """
    text = _text(value)
    if not text:
        raise ValidationError(field, "은행코드를 입력하세요.")
    if pad and _is_digits(text) and len(text) < 3:
        text = text.zfill(3)
    if not (_is_digits(text) and len(text) == 3):
        raise ValidationError(field, f"은행코드는 숫자 3자리입니다 (예: 004). '{text}'은(는) 올바르지 않습니다.")
    if text not in known:
        raise ValidationError(field, f"'{text}'은(는) 등록된 은행코드가 아닙니다.")
    return text


def institution_code(value: str, field: str = "이용기관코드") -> str:
    """Exactly 10 ASCII letters or digits, as the bank files' 기관코드 field carries it."""
    text = _text(value)
    if not text:
        raise ValidationError(field, "입력하세요.")
    if not (len(text) == 10 and text.isascii() and text.isalnum()):
        raise ValidationError(field, f"영문자·숫자 10자리로 입력하세요 (지금 {len(text)}자).")
    return text


# --- EUC-KR text ------------------------------------------------------------------------------


def euc_kr_bytes(value: str) -> int:
    """Bytes the text takes in a bank file: 1 per ASCII character, 2 per any other.

    Characters outside KS X 1001 also count 2 (what they would take if allowed); ``euc_kr_text``
    refuses them. A live counter on a screen can therefore call this on any text.
    """
    return sum(1 if ord(c) < 0x80 else 2 for c in value)


def _refused_char(char: str) -> str | None:
    """Why a character cannot go into an EUC-KR field, or None when it can."""
    code = ord(char)
    if code < 0x20 or code == 0x7F or unicodedata.category(char) in ("Cc", "Cf"):
        return "제어 문자(줄바꿈, 탭 등)는 쓸 수 없습니다."
    if code < 0x80:
        return None
    try:
        encoded = char.encode("euc_kr")
    except UnicodeEncodeError:
        encoded = b""
    # Python's codec writes KS X 1001-less syllables (똠, 햏 …) as 8-byte jamo sequences that banks
    # read as four jamo; only a genuine 2-byte code is accepted.
    if len(encoded) != 2:
        return f"'{char}'은(는) 은행 파일(EUC-KR, KS X 1001)에 쓸 수 없는 글자입니다. 다른 글자로 바꾸세요."
    return None


def euc_kr_text(value: str, field: str, max_bytes: int, *, required: bool = True) -> str:
    """Trimmed, NFC-normalised text that fits ``max_bytes`` in strict EUC-KR (KS X 1001).

    NFC because text pasted from some systems arrives with decomposed Hangul, which has no EUC-KR
    form. Lengths are counted in encoded bytes (Hangul = 2), as the bank files count them.
    """
    text = unicodedata.normalize("NFC", _text(value))
    if not text:
        if required:
            raise ValidationError(field, "입력하세요.")
        return ""
    for char in text:
        reason = _refused_char(char)
        if reason:
            raise ValidationError(field, reason)
    size = euc_kr_bytes(text)
    if size > max_bytes:
        raise ValidationError(field, f"최대 {max_bytes}바이트(한글 {max_bytes // 2}자)인데 {size}바이트입니다.")
    return text


PASSBOOK_MAX_BYTES = 16
PASSBOOK_MIXED_WARNING = (
    "한글과 영문·숫자·공백을 섞어 썼습니다. 일부 은행은 한영 혼용을 받지 않으니 한글만 또는 영문만 쓰는 것이 안전합니다."
)


def passbook_text(value: str, field: str = "통장기재내용", *, warnings: list[str] | None = None) -> str:
    """The text payers see in their passbook: 16 bytes (8 Hangul or 16 ASCII), strict EUC-KR.

    Mixing Hangul with ASCII is not refused (the sources disagree), but a note is appended to
    ``warnings`` when a list is given: one bank's spec says "한영 혼용 불가".
    """
    text = euc_kr_text(value, field, PASSBOOK_MAX_BYTES)
    has_ascii = any(ord(c) < 0x80 for c in text)
    has_wide = any(ord(c) >= 0x80 for c in text)
    if has_ascii and has_wide and warnings is not None:
        warnings.append(PASSBOOK_MIXED_WARNING)
    return text


def passbook_text_warnings(value: str) -> list[str]:
    """Non-fatal notes on a passbook text that ``passbook_text`` accepts."""
    found: list[str] = []
    passbook_text(value, warnings=found)
    return found


# --- contact details --------------------------------------------------------------------------

_AREA_CODES = frozenset({"031", "032", "033", "041", "042", "043", "044", "051", "052", "053", "054", "055",
                         "061", "062", "063", "064"})
_MOBILE_PREFIXES = frozenset({"010", "011", "016", "017", "018", "019"})
_PHONE_HELP = "휴대전화(010-1234-5678), 지역번호(02-123-4567) 또는 대표번호(1588-1234) 형식으로 입력하세요."


def _split_phone(digits: str, head: int) -> str:
    """head-middle-last4, the way Korean numbers are written."""
    return f"{digits[:head]}-{digits[head:-4]}-{digits[-4:]}"


def phone(value: str, field: str = "전화번호", *, required: bool = True) -> str:
    """A Korean phone number, hyphenated: '01012345678' → '010-1234-5678'.

    Accepted: mobile 010/011/016–019 (10–11 digits), Seoul 02 (9–10), area codes 031–064
    (10–11), 070 (11), 050x (11–12), and 8-digit 15xx/16xx/18xx numbers. '+82 10 …' is read as
    '010 …'. Empty is allowed (returns '') when not required.
    """
    text = _text(value)
    if not text:
        if required:
            raise ValidationError(field, "입력하세요.")
        return ""
    if text.startswith("+82"):
        text = "0" + text[3:].lstrip(" -").removeprefix("0")
    digits = _strip_separators(text, "- .()")
    if not _is_digits(digits):
        raise ValidationError(field, "숫자와 '-'만 입력하세요. " + _PHONE_HELP)
    n = len(digits)
    if digits[:3] in _MOBILE_PREFIXES and n in (10, 11):
        return _split_phone(digits, 3)
    if digits.startswith("02") and n in (9, 10):
        return _split_phone(digits, 2)
    if digits[:3] in _AREA_CODES and n in (10, 11):
        return _split_phone(digits, 3)
    if digits.startswith("070") and n == 11:
        return _split_phone(digits, 3)
    if re.fullmatch(r"050[2-8]", digits[:4]) and n in (11, 12):
        return _split_phone(digits, 4)
    if digits[:2] in ("15", "16", "18") and n == 8:
        return f"{digits[:4]}-{digits[4:]}"
    raise ValidationError(field, "올바른 전화번호가 아닙니다. " + _PHONE_HELP)


_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+")
_DOMAIN_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")


def email(value: str, field: str = "이메일", *, required: bool = True) -> str:
    """A practical check, not RFC 5322: one '@', no spaces, a domain with a dot; domain lower-cased.

    The point is catching typos (a missing '@', 'naver,com'), not accepting every legal address.
    """
    text = _text(value)
    if not text:
        if required:
            raise ValidationError(field, "입력하세요.")
        return ""
    help_text = "이메일 주소 형식(예: name@example.com)으로 입력하세요."
    if text.count("@") != 1 or any(c.isspace() for c in text) or len(text) > 254:
        raise ValidationError(field, help_text)
    local, domain = text.split("@")
    domain = domain.lower()
    if (
        not local
        or len(local) > 64
        or not _EMAIL_LOCAL.fullmatch(local)
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
    ):
        raise ValidationError(field, help_text)
    labels = domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels):
        raise ValidationError(field, help_text)
    if not re.fullmatch(r"[a-z]{2,63}", labels[-1]):
        raise ValidationError(field, help_text)
    return f"{local}@{domain}"


# --- periods, days, amounts -------------------------------------------------------------------


def month_yyyymm(value: str, field: str = "년월") -> str:
    """'2026-03', '202603', '2026.03', '2026/3' → '2026-03' (years 2000–2099)."""
    text = _text(value)
    if not text:
        raise ValidationError(field, "입력하세요.")
    match = re.fullmatch(r"([0-9]{4})([0-9]{2})", text) or re.fullmatch(r"([0-9]{4})\s*[-./년]\s*([0-9]{1,2})\s*월?", text)
    if not match:
        raise ValidationError(field, "년월을 YYYY-MM 형식으로 입력하세요 (예: 2026-03).")
    year, month = int(match.group(1)), int(match.group(2))
    if not 2000 <= year <= 2099 or not 1 <= month <= 12:
        raise ValidationError(field, "올바른 년월이 아닙니다 (예: 2026-03).")
    return f"{year:04d}-{month:02d}"


def debit_day(value: str | int, allowed: Iterable[int], field: str = "이체예정일") -> int:
    """A day of the month (1–31) that the contract allows for debits."""
    if isinstance(value, bool):
        raise ValidationError(field, "날짜(일)를 숫자로 입력하세요.")
    text = _text(value).removesuffix("일").strip()
    if not _is_digits(text):
        raise ValidationError(field, "날짜(일)를 숫자로 입력하세요 (예: 5).")
    day = int(text)
    if not 1 <= day <= 31:
        raise ValidationError(field, f"{day}은(는) 1~31 사이의 날짜가 아닙니다.")
    days = sorted(set(allowed))
    if day not in days:
        listed = ", ".join(str(d) for d in days) or "없음"
        raise ValidationError(field, f"{day}일은 이체할 수 있는 날이 아닙니다 (가능한 날: {listed}).")
    return day


def amount_won(
    value: str | int | float | Decimal,
    field: str,
    *,
    minimum: int = 0,
    maximum: int | None = None,
) -> int:
    """Whole won as int: 12000, '12000', '12,000', '12,000원'; an integral float from Excel (12000.0).

    Refused: fractions, negatives, anything not a number. Money never becomes a float past this
    point. The limits are said without a unit because some callers validate minutes or counts.
    """
    if isinstance(value, bool):
        raise ValidationError(field, "금액을 숫자로 입력하세요.")
    if isinstance(value, int):
        number = value
    elif isinstance(value, (float, Decimal)):
        number = _integral(Decimal(str(value)) if isinstance(value, float) else value, field)
    else:
        text = _text(value).removesuffix("원").strip()
        if not text:
            raise ValidationError(field, "입력하세요.")
        if text.startswith("-"):
            raise ValidationError(field, "음수는 입력할 수 없습니다.")
        if re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+", text):
            text = text.replace(",", "")
        if _is_digits(text):
            number = int(text)
        elif re.fullmatch(r"[0-9]+\.[0-9]+", text):
            number = _integral(Decimal(text), field)
        else:
            raise ValidationError(field, "숫자만 입력하세요 (예: 12,000).")
    if number < 0:
        raise ValidationError(field, "음수는 입력할 수 없습니다.")
    if number < minimum:
        raise ValidationError(field, f"{minimum:,} 이상이어야 합니다.")
    if maximum is not None and number > maximum:
        raise ValidationError(field, f"{maximum:,} 이하여야 합니다.")
    return number


def _integral(number: Decimal, field: str) -> int:
    try:
        if not number.is_finite() or number != number.to_integral_value():
            raise ValidationError(field, "원 단위 정수로 입력하세요 (소수점 이하는 쓸 수 없습니다).")
    except InvalidOperation:
        raise ValidationError(field, "숫자만 입력하세요 (예: 12,000).") from None
    if number < 0:
        raise ValidationError(field, "음수는 입력할 수 없습니다.")
    return int(number)


def discount(
    monthly_amount: int,
    rate: int | str | None,
    amount: int | str | None,
    *,
    rate_field: str = "할인/면제비율",
    amount_field: str = "할인/면제금액",
) -> tuple[int | None, int]:
    """(rate, amount) of a discount on the monthly amount.

    With a rate (0–100 %) the amount is computed, truncated to the won
    (``monthly_amount * rate // 100``) and any amount given is ignored: the rate is what the
    clerk sets (할인관리) and the amount must follow a changed monthly amount. Without a rate the
    amount stands alone and must be 0..monthly_amount. Neither → (None, 0).
    """
    if monthly_amount < 0:
        raise ValueError("monthly_amount must not be negative")
    if rate is not None and _text(rate) != "":
        percent = amount_won(str(rate).strip().removesuffix("%"), rate_field, maximum=100)
        return percent, monthly_amount * percent // 100
    if amount is not None and _text(amount) != "":
        won = amount_won(amount, amount_field)
        if won > monthly_amount:
            raise ValidationError(amount_field, f"월이체금액({monthly_amount:,}원)보다 클 수 없습니다.")
        return None, won
    return None, 0


# --- passwords --------------------------------------------------------------------------------

PASSWORD_MIN = 8
PASSWORD_MAX = 64


def password(value: str, field: str = "비밀번호") -> str:
    """8–64 characters with at least one letter and one digit; returned unchanged (never trimmed:
    a space the user typed is part of the password)."""
    rule = f"비밀번호는 {PASSWORD_MIN}~{PASSWORD_MAX}자이며 영문자와 숫자를 하나 이상 포함해야 합니다."
    if not isinstance(value, str) or not PASSWORD_MIN <= len(value) <= PASSWORD_MAX:
        raise ValidationError(field, rule)
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in value):
        raise ValidationError(field, "제어 문자는 비밀번호에 쓸 수 없습니다.")
    if not any(c.isascii() and c.isalpha() for c in value) or not any(c.isascii() and c.isdigit() for c in value):
        raise ValidationError(field, rule)
    return value
