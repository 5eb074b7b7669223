"""The columns of the 일괄등록 sheet and the check of one row, before anything is written.

The rules of each field are `customer_rules`' (the same as the 신규등록 window); this module adds
what only a spreadsheet brings: which column is which, and what a cell's *type* means.

Which column is which: the template's own headers, then the words a clerk's own list uses for the
same thing (SYNONYMS: 회원번호 → 고객번호, 원비 → 월이체금액, 출금일 → 이체예정일 …), then the clerk's
own choice for a column nobody knows (`plan_columns`; see imports for how it is remembered).

What a cell's type means: a value is read back only where the result is certain. A date cell in a
birth-date column is that date (YYMMDD). A phone number stored as a number lost the leading 0 every
Korean number has, so it is put back. An account number stored as a number is its digits while
Excel kept all of them (15 digits at most, and not a '1.2345E+11' display turned back into a number,
whose last digits are zeros); a leading zero it may have lost is left to the per-bank length
warning. Anything uncertain (a 16-digit number, a small number that is a birth date with its zeros
lost *or* a date that lost its format) is refused with the reason. A bank is read by its code or
by the name people use ('국민', 'NH농협은행'), never guessed between two banks.

Every error of a row is listed (not only the first), each with the Excel row number, the column
header the clerk sees and a Korean reason, so the clerk fixes the file in one go.

학원 (issue 18): two optional columns at the right carry the student's name (when not the payer) and
birth date, and a monthly amount above the item's posted 교습비 is refused like any other bad cell
(the rule is customer_rules'; the item's fee travels in `ItemChoice`, read once per file).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from app.models.enums import CustomerType
from app.services.common.validation import ValidationError
from app.services.customers import rules
from app.services.exchange.cms.account_numbers import numbering_warning
from app.services.exchange.cms.banks import BANK_NAMES, find_bank


class Kind(enum.Enum):
    """How a cell's type is read (see `coerce`)."""

    TEXT = "text"          # any value as text
    CODE = "code"          # an identifier: a whole number is taken as its digits
    PHONE = "phone"        # a number cell lost the leading 0 every Korean number has: it is put back
    ACCOUNT = "account"    # a number cell is its digits when Excel kept them all (see coerce)
    IDNUM = "idnum"        # resident/business/birth numbers: a date cell is a birth date
    POSTAL = "postal"      # 5 digits; a number of 4 digits lost its zero, which is put back
    AMOUNT = "amount"
    PERCENT = "percent"
    DATE = "date"
    MONTH = "month"
    DAY = "day"
    BANK = "bank"
    ITEM = "item"


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    kind: Kind
    required: bool = False
    width: int = 12
    note: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("고객번호", "customer_no", Kind.CODE, True, 14, "영문·숫자·하이픈 20자 이내, 중복 불가"),
    Column("고객명", "name", Kind.TEXT, True, 12, "회사는 회사명"),
    Column("고객구분", "customer_type", Kind.TEXT, False, 10, "개인 또는 사업자 (빈 칸은 개인)"),
    Column("고객등급", "grade", Kind.TEXT, False, 10, "기관이 정하는 구분 (예: 초등1)"),
    Column("주민/사업자번호", "id_no", Kind.IDNUM, False, 16, "개인: 주민번호 또는 생년월일 6자리, 사업자: 사업자번호"),
    Column("대표자명", "representative", Kind.TEXT, False, 10),
    Column("전화번호", "phone", Kind.PHONE, False, 14, "예: 02-123-4567"),
    Column("휴대번호", "mobile", Kind.PHONE, False, 14, "예: 010-1234-5678"),
    Column("이메일", "email", Kind.TEXT, False, 22),
    Column("업종", "industry", Kind.TEXT, False, 10),
    Column("최초가입일", "joined_on", Kind.DATE, False, 12, "예: 2026-03-02"),
    Column("지역구분", "region", Kind.TEXT, False, 12),
    Column("우편번호", "postal_code", Kind.POSTAL, False, 9, "5자리"),
    Column("주소", "address", Kind.TEXT, False, 28),
    Column("상세주소", "address_detail", Kind.TEXT, False, 18),
    Column("메모", "memo", Kind.TEXT, False, 18),
    Column("집금항목", "item", Kind.ITEM, True, 12, "목록에서 선택"),
    Column("건당출금한도", "debit_limit", Kind.AMOUNT, True, 12, "원, 월이체금액 이상"),
    Column("월이체금액", "monthly_amount", Kind.AMOUNT, True, 12, "원"),
    Column("할인율", "discount_rate", Kind.PERCENT, False, 8, "0~100 (%)"),
    Column("최초이체년월", "first_month", Kind.MONTH, True, 12, "예: 2026-03"),
    Column("최종이체년월", "last_month", Kind.MONTH, False, 12, "빈 칸은 계속"),
    Column("이체예정일", "debit_day", Kind.DAY, True, 10, "집금항목의 이체일 중 하나"),
    Column("이체은행", "bank_code", Kind.BANK, True, 16, "목록에서 선택 (예: 004 KB국민은행)"),
    Column("계좌번호", "account_no", Kind.ACCOUNT, True, 18, "텍스트로 입력 (앞자리 0 유지)"),
    Column("예금주명", "holder_name", Kind.TEXT, True, 12),
    Column("예금주생년월일/사업자번호", "holder_id", Kind.IDNUM, True, 16, "생년월일 6자리 또는 사업자번호 10자리"),
    Column("관리자명", "manager_name", Kind.TEXT, False, 10),
    Column("학생이름(납부자와 다를 때)", "student_name", Kind.TEXT, False, 16,
           "학원: 수강생이 납부자(고객)와 다를 때만 (교육비 납입증명서에 인쇄)"),
    Column("학생생년월일", "student_birth_date", Kind.DATE, False, 12, "학원: 예 2018-03-02 (만 9세 미만 여부)"),
)
BY_KEY: Mapping[str, Column] = {c.key: c for c in COLUMNS}
REQUIRED_MARK = "*"
EXAMPLE_PREFIX = "예시"
"""A row whose 고객번호 starts with this is the template's example and is never imported."""

SYNONYMS: Mapping[str, tuple[str, ...]] = {
    "customer_no": ("회원번호", "납부자번호", "학생번호", "원생번호", "학번", "고객코드", "회원코드", "관리번호",
                    "고객ID", "회원ID", "납부자ID"),
    "name": ("이름", "성명", "회원명", "학생명", "원생명", "고객이름", "회원이름", "학생이름", "원생이름", "납부자명",
             "납부자", "상호", "상호명", "업체명", "회사명"),
    "customer_type": ("고객유형", "개인/사업자", "개인사업자구분", "회원구분"),
    "grade": ("등급", "회원등급", "학년", "반", "학년반", "클래스", "과정", "분류", "고객분류"),
    "id_no": ("주민번호", "주민등록번호", "사업자번호", "사업자등록번호", "주민(사업자)번호", "사업자(주민)번호",
              "주민/사업자등록번호"),
    "representative": ("대표자", "대표", "보호자", "보호자명", "보호자성명", "학부모", "학부모명", "부모", "부모님"),
    "phone": ("전화", "집전화", "자택전화", "유선전화", "일반전화", "전화번호(자택)"),
    "mobile": ("휴대폰", "휴대폰번호", "휴대전화", "휴대전화번호", "핸드폰", "핸드폰번호", "HP", "H.P", "모바일",
               "보호자연락처", "학부모연락처", "보호자휴대폰", "학부모휴대폰"),
    "email": ("메일", "전자우편", "E-MAIL", "EMAIL", "이메일주소", "메일주소"),
    "industry": ("업태", "업종명"),
    "joined_on": ("가입일", "가입일자", "등록일", "등록일자", "입회일", "입학일", "입원일", "계약일", "시작일"),
    "region": ("지역", "지역명"),
    "postal_code": ("우편", "우편번호(5자리)", "우편번호5자리"),
    "address": ("기본주소", "주소1", "도로명주소", "집주소", "자택주소"),
    "address_detail": ("주소2", "나머지주소", "상세"),
    "memo": ("비고", "참고", "특이사항", "기타"),
    "item": ("집금항목명", "항목", "항목명", "수납항목", "청구항목", "납부항목"),
    "debit_limit": ("출금한도", "이체한도", "한도", "한도금액", "출금한도액", "건당한도"),
    "monthly_amount": ("금액", "회비", "월회비", "수강료", "원비", "교육비", "월납입액", "월납입금", "납입금액", "납부금액",
                       "월납부액", "이체금액", "출금금액", "청구금액", "월금액", "월이체액"),
    "discount_rate": ("할인/면제비율", "할인비율", "할인", "할인(%)", "감면율", "할인율(%)"),
    "first_month": ("이체시작월", "이체시작년월", "출금시작월", "출금시작년월", "시작월", "시작년월", "최초출금월",
                    "최초출금년월", "첫이체월", "최초이체월"),
    "last_month": ("이체종료월", "이체종료년월", "출금종료월", "출금종료년월", "종료월", "종료년월", "최종출금월",
                   "최종출금년월", "최종이체월"),
    "debit_day": ("출금일", "이체일", "출금예정일", "납부일", "결제일", "출금일자", "이체일자", "약정일"),
    "bank_code": ("은행", "은행명", "은행코드", "출금은행", "거래은행", "금융기관", "금융기관명", "은행(코드)"),
    "account_no": ("계좌", "출금계좌", "출금계좌번호", "이체계좌", "이체계좌번호", "통장번호", "납부계좌", "계좌번호(-포함)"),
    "holder_name": ("예금주", "예금주성명", "예금주이름", "계좌주", "계좌주명", "예금주명(실명)"),
    "holder_id": ("예금주생년월일", "예금주주민번호", "생년월일/사업자번호", "예금주생년월일(사업자번호)",
                  "생년월일(사업자번호)", "예금주확인번호", "예금주식별번호", "예금주생년월일/사업자등록번호"),
    "manager_name": ("관리자", "담당자", "담당자명", "담당", "담당교사", "담임", "담당강사"),
}
"""The words a clerk's own list uses for each column of the template (its own header is the first).

Checked by tests: no word names two fields. Words that could mean either of two fields are in
SHARED_WORDS instead."""

SHARED_WORDS: Mapping[str, tuple[str, ...]] = {
    "생년월일": ("holder_id", "id_no"),
    "주민번호앞자리": ("holder_id", "id_no"),
    "생년월일6자리": ("holder_id", "id_no"),
    "연락처": ("mobile", "phone"),
    "전화번호2": ("phone", "mobile"),
    "연락처2": ("phone", "mobile"),
}
"""Words whose field depends on the rest of the sheet, in order of preference: a lone 생년월일 is
the account holder's (the bank file needs it; the customer's is optional), but when the sheet also
has 예금주생년월일 it is the customer's own; a lone 연락처 is the mobile number."""

IGNORE = ""
"""A column the clerk chose not to read (사용 안 함)."""

NOT_DATA_WORDS = frozenset({"순번", "번호", "연번", "일련번호", "NO", "NO.", "오류내용", "원래행"})
"""Columns that are never a customer's data: a row count, and the two columns the error list adds
(so a fixed error list imports again as it is)."""

IGNORE_WORDS = frozenset({"", "-", "사용안함", "무시", "안함", "없음", "IGNORE", "NONE", "SKIP"})


# customer_rules names fields as its windows do; the clerk needs the sheet's column header.
_FIELD_HEADERS = {
    "주민등록번호": "주민/사업자번호", "사업자번호": "주민/사업자번호", "생년월일": "주민/사업자번호",
    "집금항목명": "집금항목", "할인/면제비율": "할인율", "할인/면제금액": "할인율",
    "예금주 생년월일/사업자번호": "예금주생년월일/사업자번호", "생년월일/사업자번호": "예금주생년월일/사업자번호",
    rules.STUDENT_NAME_FIELD: "학생이름(납부자와 다를 때)", rules.STUDENT_BIRTH_FIELD: "학생생년월일",
}

EXCEL_NUMBER = (
    "엑셀이 숫자로 바꾼 값입니다 (1.2345E+11처럼 바뀌거나 앞자리 0이 사라짐). 값을 추측하지 않으니, 이 열의 "
    "셀 서식을 '텍스트'로 바꾸고 다시 입력하세요."
)


def normalise_header(text: Any) -> str:
    """'계좌번호 *', ' 계좌 번호(필수)' → '계좌번호'."""
    value = "" if text is None else str(text)
    for mark in ("(필수)", REQUIRED_MARK, "\n", " ", "\u3000"):
        value = value.replace(mark, "")
    return value.strip()


_BRACKETED = re.compile(r"\([^)]*\)|\[[^]]*\]")


def _word_key(text: str) -> str:
    return normalise_header(text).upper()


def _build_words() -> tuple[dict[str, str], dict[str, str]]:
    template = {_word_key(c.header): c.key for c in COLUMNS}
    words: dict[str, str] = {}
    for key, spellings in SYNONYMS.items():
        for spelling in spellings:
            words.setdefault(_word_key(spelling), key)
    return template, words


_TEMPLATE_WORDS, _SYNONYM_WORDS = _build_words()
_SHARED = {_word_key(word): keys for word, keys in SHARED_WORDS.items()}


def _lookup(text: Any) -> tuple[str, tuple[str, ...]]:
    """(how, keys) of a header cell: how is 'template', 'synonym', 'shared' or '' (not known).

    '월이체금액 *', '계좌 번호(필수)', '금액(원)': the required mark, spaces and a bracketed note
    are not part of the name (a name that is itself bracketed, 주민(사업자)번호, is tried first).
    """
    for name in dict.fromkeys((_word_key(text), _word_key(_BRACKETED.sub("", str(text or ""))))):
        if not name:
            continue
        if name in _TEMPLATE_WORDS:
            return "template", (_TEMPLATE_WORDS[name],)
        if name in _SYNONYM_WORDS:
            return "synonym", (_SYNONYM_WORDS[name],)
        if name in _SHARED:
            return "shared", _SHARED[name]
    return "", ()


def header_key(text: Any) -> str | None:
    """The field a header names on its own (a shared word gives its first field)."""
    _how, keys = _lookup(text)
    return keys[0] if keys else None


def field_for(text: str) -> str | None:
    """What the clerk wrote after '=' in --map, or chose: a field key, a template header, a
    synonym, or a word for 사용 안 함 (IGNORE); None when it names no field."""
    raw = str(text).strip()
    if raw in BY_KEY:
        return raw
    if _word_key(raw) in IGNORE_WORDS:
        return IGNORE
    return header_key(raw)


def looks_like_header(cells: Sequence[Any], known: Iterable[str] = ()) -> bool:
    """At least three cells name a field (by the template's words, a synonym, or a mapping of the
    clerk's, `known`): a title line or a data row does not."""
    extra = {normalise_header(k) for k in known}
    return sum(1 for c in cells if c is not None and (header_key(c) or normalise_header(c) in extra)) >= 3


class Source(enum.Enum):
    """Why a sheet column is read as a field (or not), in the words the mapping step shows."""

    TEMPLATE = "양식의 열 이름"
    SYNONYM = "같은 뜻의 열 이름"
    REMEMBERED = "지난번 연결"
    CHOSEN = "직접 연결"
    PROFILE = "가져온 서비스의 열"  # a column a recognised import profile names (imports.profiles)
    NOT_DATA = "순번·오류 내용 열"
    DUPLICATE = "같은 항목의 열이 이미 있음"
    UNKNOWN = "알 수 없는 열"


@dataclass(frozen=True)
class ColumnChoice:
    """One column of the sheet: where it is, its header, the field it is read as (None: not read)."""

    position: int
    header: str
    key: str | None
    source: Source

    @property
    def decided(self) -> bool:
        return self.source not in (Source.UNKNOWN, Source.DUPLICATE)


@dataclass(frozen=True)
class ColumnPlan:
    """How every column of the sheet is read, and what is still to decide before rows are checked."""

    columns: tuple[ColumnChoice, ...]
    missing: tuple[str, ...]  # keys of required fields no column gives (and no default covers)
    defaulted: tuple[str, ...] = ()  # keys of required fields filled without a column

    @property
    def undecided(self) -> tuple[ColumnChoice, ...]:
        return tuple(c for c in self.columns if not c.decided)

    @property
    def needs_decision(self) -> bool:
        return bool(self.undecided or self.missing)

    @property
    def is_template(self) -> bool:
        """Every column named as the template names it: there is nothing to show or decide."""
        return all(c.source is Source.TEMPLATE for c in self.columns) and not self.missing

    def mapping(self) -> dict[str, str]:
        """The clerk's decisions to remember (header → key, IGNORE for 사용 안 함)."""
        return {normalise_header(c.header): c.key or IGNORE for c in self.columns
                if c.source in (Source.REMEMBERED, Source.CHOSEN)}

    def header_map(self) -> HeaderMap:
        positions = {c.key: c.position for c in self.columns if c.key}
        headers = {c.key: c.header for c in self.columns if c.key}
        unknown = tuple(c.header for c in self.columns if c.key is None and c.source is Source.UNKNOWN)
        return HeaderMap(positions, headers, unknown, frozenset(self.defaulted))


@dataclass(frozen=True)
class HeaderMap:
    """Column position of each known key, the headers the file uses, and columns it does not know."""

    positions: Mapping[str, int]
    headers: Mapping[str, str]
    unknown: tuple[str, ...]
    defaulted: frozenset[str] = frozenset()

    def header(self, key: str) -> str:
        """The file's header of a field, or the template's when no column gives it (a default)."""
        return self.headers.get(key) or BY_KEY[key].header


def plan_columns(header: Sequence[Any], *, chosen: Mapping[str, str] | None = None,
                 remembered: Mapping[str, str] | None = None,
                 defaults: Iterable[str] = (), profile: Mapping[str, str] | None = None) -> ColumnPlan:
    """Which field each column is read as. The clerk's choice for this file wins, then the choice
    remembered for the contract, then the recognised export's own column (`profile`, see
    imports.profiles), then the template's own header, then a synonym, then a shared word (its first
    field still free). A second column for a field already taken is left to decide, as is a column
    nobody knows. Keys of `chosen`/`remembered`/`profile` are headers (normalised); values are field
    keys or IGNORE. Required fields in `defaults` may have no column (the checker fills them)."""
    chosen_by = {normalise_header(k): v for k, v in (chosen or {}).items()}
    remembered_by = {normalise_header(k): v for k, v in (remembered or {}).items()}
    profile_by = {normalise_header(k): v for k, v in (profile or {}).items()}
    cells = [(i, str(h).strip()) for i, h in enumerate(header) if h is not None and str(h).strip()]
    decided: dict[int, ColumnChoice] = {}
    taken: set[str] = set()

    def claim(position: int, text: str, key: str | None, source: Source) -> None:
        if key and key in taken:
            decided[position] = ColumnChoice(position, text, None, Source.DUPLICATE)
            return
        if key:
            taken.add(key)
        decided[position] = ColumnChoice(position, text, key or None, source)

    for table, source in ((chosen_by, Source.CHOSEN), (remembered_by, Source.REMEMBERED), (profile_by, Source.PROFILE)):
        for position, text in cells:
            name = normalise_header(text)
            if position not in decided and name in table and (table[name] in BY_KEY or table[name] == IGNORE):
                claim(position, text, table[name], source)
    looked = {position: _lookup(text) for position, text in cells if position not in decided}
    for wanted in ("template", "synonym"):
        for position, text in cells:
            how, keys = looked.get(position, ("", ()))
            if position not in decided and how == wanted:
                claim(position, text, keys[0], Source.TEMPLATE if how == "template" else Source.SYNONYM)
    for position, text in cells:
        how, keys = looked.get(position, ("", ()))
        if position not in decided and how == "shared":
            free = next((k for k in keys if k not in taken), keys[0])
            claim(position, text, free, Source.SYNONYM)
    for position, text in cells:
        if position not in decided:
            source = Source.NOT_DATA if _word_key(text) in NOT_DATA_WORDS else Source.UNKNOWN
            decided[position] = ColumnChoice(position, text, None, source)
    allowed = set(defaults)
    missing = tuple(c.key for c in COLUMNS if c.required and c.key not in taken and c.key not in allowed)
    defaulted = tuple(c.key for c in COLUMNS if c.required and c.key not in taken and c.key in allowed)
    return ColumnPlan(tuple(decided[p] for p, _t in cells), missing, defaulted)


def map_headers(header: Sequence[str]) -> tuple[HeaderMap, list[str]]:
    """Positions of the columns by their own names; (map, missing required headers)."""
    plan = plan_columns(header)
    missing = [BY_KEY[k].header for k in plan.missing]
    missing += [f"{c.header}(중복된 열)" for c in plan.columns if c.source is Source.DUPLICATE]
    return plan.header_map(), missing


# --- one cell ---------------------------------------------------------------------------------

EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_ERRORS = frozenset({"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                          "#GETTING_DATA"})
_MAX_SERIAL = 2_958_465  # 9999-12-31


def excel_serial_date(number: float) -> date:
    return EXCEL_EPOCH + timedelta(days=int(number))


def _whole(number: float | int) -> int | None:
    if isinstance(number, bool):
        return None
    if isinstance(number, int):
        return number
    return int(number) if number.is_integer() else None


class CellError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


EXCEL_ROUNDED = (
    "엑셀이 숫자로 바꾼 값입니다: 15자리가 넘는 숫자는 엑셀이 끝자리를 0으로 바꿉니다. 이 열은 셀 서식이 '텍스트'여야 "
    "하니, 서식을 바꾸고 다시 입력하세요."
)
EXCEL_DISPLAYED = (
    "엑셀이 숫자로 바꾼 값입니다: 화면에 1.2345E+11처럼 보이던 값이 숫자가 되며 뒷자리가 0으로 바뀌었습니다. 값을 "
    "추측하지 않으니, 이 열의 셀 서식을 '텍스트'로 바꾸고 통장의 계좌번호를 다시 입력하세요."
)
_DATE_TEXT = re.compile(r"((?:19|20)?[0-9]{2})\s*[-./년]\s*([0-9]{1,2})\s*[-./월]\s*([0-9]{1,2})\s*일?\.?")
_SEPARATED_DIGITS = re.compile(r"[0-9]+(?:[-./ ][0-9]+)+")
_DAY_TEXT = re.compile(r"(?:매월|매달)?\s*([0-9]{1,2})\s*일?")


def _yymmdd(day: date) -> str:
    return f"{day.year % 100:02d}{day.month:02d}{day.day:02d}"


def _real(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _birth_candidates(number: int, today: date) -> list[tuple[str, str]]:
    """(YYMMDD, how it was read) of a small number in a birth-date column: a six-digit date that
    lost its leading zeros (050101 → 50101), or an Excel date whose cell lost its date format."""
    found: list[tuple[str, str]] = []
    padded = f"{number:06d}"
    yy, mm, dd = int(padded[:2]), int(padded[2:4]), int(padded[4:])
    if any(d is not None and d <= today for d in (_real(c + yy, mm, dd) for c in (1900, 2000))):
        found.append((padded, "앞자리 0이 빠진 생년월일"))
    serial = excel_serial_date(number)
    if date(1900, 1, 1) <= serial <= today:
        found.append((_yymmdd(serial), f"서식이 빠진 엑셀 날짜({serial:%Y-%m-%d})"))
    return found


def _idnum_text(text: str) -> str:
    """'1980-01-02', '1980.1.2', '1980년 1월 2일', '80.01.02' → the digits a birth date rule takes;
    anything else (a resident or business number with hyphens) is left for customer_rules."""
    if len(text) in (6, 10) and text.isdigit():  # the usual: already what the rules take
        return text
    dated = _DATE_TEXT.fullmatch(text)
    if dated:
        year, month, day = (int(g) for g in dated.groups())
        if len(dated.group(1)) == 4 and _real(year, month, day):
            return f"{year % 100:02d}{month:02d}{day:02d}"
        if len(dated.group(1)) == 2 and _real(2000 + year, month, day):
            return f"{year:02d}{month:02d}{day:02d}"
    if _SEPARATED_DIGITS.fullmatch(text):
        digits = re.sub(r"[-./ ]", "", text)
        if len(digits) == 8 and _real(int(digits[:4]), int(digits[4:6]), int(digits[6:])):
            return digits[2:]
    if len(text) == 8 and text.isascii() and text.isdigit() and text[:2] in ("19", "20") \
            and _real(int(text[:4]), int(text[4:6]), int(text[6:])):
        return text[2:]
    return text


def coerce(kind: Kind, value: Any, notes: list[str] | None = None, *, today: date | None = None) -> Any:
    """A calamine cell value as the form value `customer_rules` expects for a column of this kind.

    What Excel did to a value is undone only where the result is certain: a date cell in a birth
    date column is that date; a phone number cell gets back the leading 0 every Korean number has;
    an account number cell is its digits while Excel kept all of them (15 digits at most, and not a
    1.2345E+11 display turned back into a number). Anything uncertain is refused with the reason.
    What was read is said in `notes` when it is not obvious.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        raise CellError("참/거짓(TRUE/FALSE) 값은 쓸 수 없습니다. 알맞은 값을 입력하세요.")
    if isinstance(value, (timedelta, time)):
        raise CellError("시간 값은 쓸 수 없습니다. 셀 서식을 확인하세요.")
    if isinstance(value, str):
        text = value.strip()
        if text in EXCEL_ERRORS:
            raise CellError(f"엑셀 오류 값({text})입니다. 수식을 고치거나 값을 직접 입력하세요.")
        if kind is Kind.IDNUM:
            return _idnum_text(text)
        if kind is Kind.DAY:
            day = _DAY_TEXT.fullmatch(text)
            return day.group(1) if day else text
        return text
    if isinstance(value, (date, datetime)):
        if kind in (Kind.DATE, Kind.MONTH):
            return value
        if kind is Kind.IDNUM:  # a birth date typed into a date-formatted cell
            return _yymmdd(value)
        if kind is Kind.DAY:
            return value.day
        raise CellError("날짜로 저장된 셀입니다. 셀 서식을 '텍스트'로 바꾸고 다시 입력하세요.")
    number = value  # float or int
    whole = _whole(number)
    if kind in (Kind.AMOUNT, Kind.DAY):
        return number
    if kind is Kind.PERCENT:
        if 0 < number < 1:  # a cell formatted as % holds 0.1 for 10 %
            scaled = round(number * 100, 6)
            return str(int(scaled)) if scaled.is_integer() else str(scaled)
        return str(whole) if whole is not None else str(number)
    if kind is Kind.DATE:
        if 1 <= number <= _MAX_SERIAL:
            return excel_serial_date(number)
        raise CellError("날짜가 아닙니다 (예: 2026-03-02).")
    if kind is Kind.MONTH:
        if whole is not None and 190001 <= whole <= 209912:
            return str(whole)
        if 1 <= number <= _MAX_SERIAL:
            return excel_serial_date(number)
        raise CellError("년월이 아닙니다 (예: 2026-03).")
    if kind in (Kind.CODE, Kind.BANK, Kind.ITEM, Kind.TEXT):
        return str(whole) if whole is not None else str(number)
    if whole is None or whole < 0:
        raise CellError(EXCEL_NUMBER)
    if whole >= 10**15:
        raise CellError(EXCEL_ROUNDED)
    digits = str(whole)
    if kind is Kind.IDNUM:
        if len(digits) in (6, 10, 13):
            return digits
        if len(digits) == 8 and digits[:2] in ("19", "20") and _real(int(digits[:4]), int(digits[4:6]), int(digits[6:])):
            return digits[2:]
        if whole <= 99999:
            found = _birth_candidates(whole, today or date.today())
            if len(found) == 1:
                if notes is not None:
                    notes.append(f"숫자 {whole}을(를) {found[0][1]}로 보고 {found[0][0]}(으)로 읽었습니다.")
                return found[0][0]
            if found:
                readings = ", ".join(f"{label}로 보면 {reading}" for reading, label in found)
                raise CellError(f"숫자 {whole}이(가) 무엇인지 알 수 없습니다 ({readings}). 셀 서식을 '텍스트'로 바꾸고 "
                                "생년월일 6자리(예: 800102)로 다시 입력하세요.")
        raise CellError(EXCEL_NUMBER)
    if kind is Kind.POSTAL:
        if len(digits) in (4, 5):
            return digits.zfill(5)
        raise CellError(EXCEL_NUMBER)
    if kind is Kind.PHONE:
        if len(digits) == 8 and digits[:2] in ("15", "16", "18"):  # 1588-1234: no area code
            return digits
        return "0" + digits
    if len(digits) >= 12 and len(digits.rstrip("0")) <= 6:  # Kind.ACCOUNT
        raise CellError(EXCEL_DISPLAYED)
    return digits


# --- one row ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.row}행 [{self.column}] {self.message}" if self.column else f"{self.row}행 {self.message}"


class Status(enum.Enum):
    NEW = "정상"
    UPDATE = "정상(수정)"
    SKIP = "건너뜀"
    ERROR = "오류"


@dataclass(slots=True)
class RowResult:
    """One data row after the check. `raw` is kept only for rows with errors (for the error file)."""

    row: int
    customer_no: str
    name: str
    status: Status
    errors: list[RowError]
    notes: tuple[str, ...] = ()
    customer: rules.CustomerValues | None = None
    agreement: rules.AgreementValues | None = None
    raw: list[Any] | None = None
    account_warning: str = ""  # why the account's digit count is not one its bank uses (a warning, not an error)

    @property
    def message(self) -> str:
        parts = [f"[{e.column}] {e.message}" if e.column else e.message for e in self.errors]
        return " / ".join(parts + [f"참고: {n}" for n in self.notes])


@dataclass(frozen=True)
class ItemChoice:
    id: int
    code: str
    name: str
    days: tuple[int, ...]
    posted_fee: int | None = None  # 학원: the posted 교습비 no monthly amount may exceed


def item_lookup(items: Sequence[ItemChoice]) -> dict[str, ItemChoice]:
    """'수강료', 'A01', 'A01 수강료' → the item (what the template's drop-down writes, or by hand)."""
    found: dict[str, ItemChoice] = {}
    for item in items:
        for key in (item.name, item.code, f"{item.code} {item.name}"):
            found[normalise_header(key).casefold()] = item
    return found


class RowChecker:
    """Checks rows against the contract's items; `today` decides future birth dates."""

    def __init__(self, header_map: HeaderMap, items: Sequence[ItemChoice], today: date,
                 fast: Callable[[dict[str, Any], dict[str, Any], ItemChoice | None],
                                tuple[rules.CustomerValues, rules.AgreementValues]] | None = None) -> None:
        """`fast` may replace the whole-form check of valid rows (see imports.FastRules); a row it
        refuses is checked again by customer_rules itself, so messages are always customer_rules'."""
        self.fast = fast
        self.map = header_map
        self.items = item_lookup(items)
        self.item_names = ", ".join(i.name for i in items) or "없음"
        self.only_item = items[0].name if len(items) == 1 else None
        self.today = today
        self._cells = [(c, header_map.positions[c.key]) for c in COLUMNS if c.key in header_map.positions]
        self._plain = {c.key for c in COLUMNS if c.kind not in (Kind.BANK, Kind.IDNUM, Kind.DAY)}
        self._banks: dict[str, tuple[str, str | None] | CellError] = {}
        self.number_accounts = 0
        """Rows whose account number was a number cell (read as its digits): the preview says so."""

    def _bank(self, text: str) -> tuple[str, str | None]:
        """(what customer_rules.bank_code gets, a note when the name was read by a guess) for a
        bank cell; a name that fits no bank or several is refused with the candidates."""
        known = self._banks.get(text)
        if known is None:
            found = find_bank(text)
            if found.code:
                note = f"'{text}'을(를) {bank_choice(found.code)}(으)로 읽었습니다." if found.guessed else None
                known = (found.code, note)
            elif found.candidates:
                listed = ", ".join(bank_choice(c) for c in found.candidates[:6])
                more = f" 등 {len(found.candidates)}곳" if len(found.candidates) > 6 else ""
                known = CellError(f"'{text}'은(는) 여러 은행으로 읽힙니다: {listed}{more}. 은행 이름을 정확히 쓰거나 "
                                  "은행코드 3자리(예: 004)로 입력하세요.")
            elif text[:1].isdigit():
                known = (text, None)  # a code: customer_rules says what is wrong with it
            else:
                known = CellError(f"'{text}'은(는) 알 수 없는 은행입니다. 은행 이름(예: 국민은행, 농협, 카카오뱅크) 또는 "
                                  "은행코드 3자리(예: 004)로 입력하세요.")
            if len(self._banks) < 10_000:
                self._banks[text] = known
        if isinstance(known, CellError):
            raise known
        return known

    def header_of(self, field_name: str) -> str:
        """The file's own header for a field label of customer_rules (its words are the windows')."""
        name = _FIELD_HEADERS.get(field_name, field_name)
        key = header_key(name) or header_key(name.replace(" ", ""))
        if key is None and ("예금주" in name or name == rules.HOLDER_ID_FIELD):
            key = "holder_id"
        return self.map.headers.get(key, name) if key else name

    def check(self, row: int, cells: Sequence[Any], bad_cell: Callable[[int], str | None]) -> RowResult:
        """All errors of one row; values normalised by customer_rules when there are none."""
        errors: list[RowError] = []
        form: dict[str, Any] = {}
        notes: list[str] = []
        said: list[str] = []
        width = len(cells)
        account_number = False
        plain = self._plain
        for column, position in self._cells:
            value = cells[position] if position < width else ""
            key = column.key
            if value.__class__ is str:
                if value and value[0] != "#" and key in plain:  # most cells: plain text
                    form[key] = value.strip()
                    continue
                if not value:
                    problem = bad_cell(position)
                    if problem:
                        errors.append(RowError(row, self.map.headers[key], problem))
                    form[key] = None if problem else ""
                    continue
            elif value is None:
                form[key] = ""
                continue
            before = len(said)
            try:
                form[key] = coerce(column.kind, value, said, today=self.today)
                if column.kind is Kind.BANK and form[key]:
                    form[key], guessed = self._bank(str(form[key]))
                    if guessed:
                        said.append(guessed)
            except CellError as refused:
                errors.append(RowError(row, self.map.headers[key], refused.message))
                form[key] = None
            if len(said) > before:
                notes += [f"[{self.map.headers[key]}] {n}" for n in said[before:]]
            if key == "account_no" and value.__class__ is not str and form[key]:
                account_number = True
        if "item" in self.map.defaulted and self.only_item:
            form["item"] = self.only_item
        if "debit_limit" in self.map.defaulted:
            form["debit_limit"] = form.get("monthly_amount", "")
        customer_no = str(form.get("customer_no") or "")
        name = str(form.get("name") or "")
        item = self._item(row, form, errors)
        reduced = self._reduce_holder(row, form, errors)
        if not errors:
            try:
                customer, agreement = self._validate(form, item)
            except ValidationError:
                pass
            else:
                if account_number:
                    self.number_accounts += 1
                found = (*reduced, *customer.warnings, *agreement.warnings, *notes)
                warning = numbering_warning(agreement.bank_code, agreement.account_no)
                if warning and account_number:
                    warning += " 엑셀이 숫자로 저장하면서 계좌번호 앞자리 0을 지웠을 수도 있습니다."
                if warning:
                    warning = f"[{self.map.header('account_no')}] {warning}"
                    found += (warning,)
                return RowResult(row, customer.customer_no, customer.name, Status.NEW, [], found, customer, agreement,
                                 account_warning=warning or "")
        errors.extend(self._each_field(row, form, item, errors))
        if not errors:  # only a rule across fields failed: ask the whole-form check for its reason
            try:
                customer_form, agreement_form = self._forms(form, item)
                rules.validate_customer(customer_form, today=self.today)
                rules.validate_agreement(agreement_form, allowed_days=item.days if item else None, today=self.today,
                                         posted_fee=item.posted_fee if item else None)
            except ValidationError as problem:
                errors.append(RowError(row, self.header_of(problem.field), problem.message))
        errors.sort(key=lambda e: self._order(e.column))
        return RowResult(row, customer_no, name, Status.ERROR, errors, raw=list(cells))

    def _reduce_holder(self, row: int, form: dict[str, Any], errors: list[RowError]) -> tuple[str, ...]:
        """A full resident number in the holder column is checked, then cut to the birth date the
        bank files carry: that is all the import keeps of the holder."""
        value = form.get("holder_id")
        if not isinstance(value, str):
            return ()
        digits = value.replace("-", "").replace(" ", "")
        if len(digits) != 13 or not digits.isdigit():
            return ()
        try:
            resident = rules.resident_no(digits, self.map.headers["holder_id"], today=self.today)
        except ValidationError as problem:
            errors.append(RowError(row, self.map.headers["holder_id"], problem.message))
            form["holder_id"] = None
            return ()
        form["holder_id"] = resident.birth_date
        return ("예금주 주민등록번호는 생년월일 6자리만 저장합니다.", *resident.warnings)

    def _order(self, header: str) -> int:
        key = header_key(header)
        return self.map.positions.get(key, 999) if key else 999

    def _item(self, row: int, form: dict[str, Any], errors: list[RowError]) -> ItemChoice | None:
        value = form.get("item")
        if value is None:
            return None
        if value == "":
            errors.append(RowError(row, self.map.header("item"), "집금항목을 입력하세요."))
            return None
        item = self.items.get(normalise_header(value).casefold())
        if item is None:
            errors.append(RowError(row, self.map.header("item"),
                                   f"'{value}'은(는) 이 계약의 집금항목이 아닙니다 (등록된 항목: {self.item_names})."))
        return item

    def _forms(self, form: Mapping[str, Any], item: ItemChoice | None) -> tuple[dict[str, Any], dict[str, Any]]:
        customer = {k: form.get(k, "") for k in (
            "customer_no", "name", "customer_type", "grade", "representative", "phone", "mobile", "email",
            "industry", "joined_on", "region", "postal_code", "address", "address_detail", "memo",
            "student_name", "student_birth_date")}
        customer["resident_no"] = customer["business_no"] = form.get("id_no", "")
        agreement = {k: form.get(k, "") for k in (
            "debit_limit", "monthly_amount", "discount_rate", "first_month", "last_month", "debit_day",
            "bank_code", "account_no", "holder_name", "holder_id", "manager_name")}
        agreement["item_id"] = item.id if item else None
        return customer, agreement

    def _validate(self, form: Mapping[str, Any], item: ItemChoice | None
                  ) -> tuple[rules.CustomerValues, rules.AgreementValues]:
        customer, agreement = self._forms(form, item)
        if self.fast is not None:
            return self.fast(customer, agreement, item)
        values = rules.validate_customer(customer, today=self.today)
        terms = rules.validate_agreement(agreement, allowed_days=item.days if item else None, today=self.today,
                                         posted_fee=item.posted_fee if item else None)
        return values, terms

    @staticmethod
    def _monthly(value: Any, item: ItemChoice | None) -> int:
        """월이체금액 on its own: a whole won amount, not above the item's posted 교습비."""
        monthly = rules.amount(value, "월이체금액", minimum=1)
        _over_fee(monthly, item)
        return monthly

    def _each_field(self, row: int, form: Mapping[str, Any], item: ItemChoice | None,
                    known: list[RowError]) -> list[RowError]:
        """Run each field's rule on its own, so a row lists every refused cell, not only the first."""
        seen = {e.column for e in known}
        kind = CustomerType.PERSON
        try:
            kind = rules.customer_type(form.get("customer_type", ""))
        except ValidationError:
            pass
        checks: list[tuple[str, Callable[[], object]]] = [
            ("customer_no", lambda: rules.customer_no(form["customer_no"])),
            ("name", lambda: rules.customer_name(form["name"])),
            ("customer_type", lambda: rules.customer_type(form["customer_type"])),
            ("grade", lambda: rules.text(form["grade"], "고객등급", 30)),
            ("id_no", lambda: (rules.resident_no(form["id_no"], today=self.today) if kind is CustomerType.PERSON
                               else rules.business_no(form["id_no"])) if form["id_no"] else None),
            ("representative", lambda: rules.text(form["representative"], "대표자명", 50)),
            ("phone", lambda: rules.phone(form["phone"], "전화번호")),
            ("mobile", lambda: rules.phone(form["mobile"], "휴대번호")),
            ("email", lambda: rules.email(form["email"])),
            ("industry", lambda: rules.text(form["industry"], "업종", 50)),
            ("joined_on", lambda: rules.joined_on(form["joined_on"], today=self.today)),
            ("region", lambda: rules.text(form["region"], "지역구분", 30)),
            ("postal_code", lambda: rules.postal_code(form["postal_code"])),
            ("address", lambda: rules.text(form["address"], "주소", 200)),
            ("address_detail", lambda: rules.text(form["address_detail"], "상세주소", 200)),
            ("memo", lambda: rules.text(form["memo"], "메모", 2000)),
            ("debit_limit", lambda: rules.amount(form["debit_limit"], "건당출금한도", minimum=1)),
            ("monthly_amount", lambda: self._monthly(form["monthly_amount"], item)),
            ("first_month", lambda: rules.month(form["first_month"], "최초이체년월")),
            ("last_month", lambda: rules.month(form["last_month"], "최종이체년월") if form["last_month"] else None),
            ("debit_day", lambda: rules.debit_day(form["debit_day"], item.days if item else None)),
            ("bank_code", lambda: rules.bank_code(form["bank_code"])),
            ("account_no", lambda: rules.account_no(form["account_no"])),
            ("holder_name", lambda: rules.holder_name(form["holder_name"])),
            ("holder_id", lambda: rules.holder_id(form["holder_id"], today=self.today)),
            ("manager_name", lambda: rules.text(form["manager_name"], "관리자명", 50)),
            ("student_name", lambda: rules.student_name(form["student_name"], form.get("name", ""))),
            ("student_birth_date", lambda: rules.student_birth_date(form["student_birth_date"], today=self.today)),
        ]
        found: list[RowError] = []
        for key, check in checks:
            header = self.map.headers.get(key)
            if header is None or header in seen or form.get(key) is None:
                continue
            try:
                check()
            except ValidationError as problem:
                found.append(RowError(row, header, problem.message))
        return found


def _over_fee(monthly: int, item: ItemChoice | None) -> None:
    reason = rules.over_posted_fee(monthly, item.posted_fee if item else None)
    if reason:
        raise ValidationError(rules.POSTED_FEE_FIELD, reason)


def bank_choice(code: str) -> str:
    """'004' → '004 KB국민은행', the form the template's drop-down offers."""
    return f"{code} {BANK_NAMES[code]}"
