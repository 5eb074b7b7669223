"""The columns of the 일괄등록 sheet and the check of one row, before anything is written.

The rules of each field are `customer_rules`' (the same as the 신규등록 window); this module adds
what only a spreadsheet brings: which column is which, and what a cell's *type* means. Excel turns
a typed account number into a number (1.2345E+11, or 0123… without its leading zero); such a value
is refused with its row and column, never guessed back. A date may arrive as a date or as an Excel
serial number; both are accepted.

Every error of a row is listed (not only the first), each with the Excel row number, the column
header the clerk sees and a Korean reason, so the clerk fixes the file in one go.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from app.models.enums import CustomerType
from app.services import customer_rules as rules
from app.services.cms.banks import BANK_NAMES
from app.services.validation import ValidationError


class Kind(enum.Enum):
    """How a cell's type is read (see `coerce`)."""

    TEXT = "text"          # any value as text
    CODE = "code"          # an identifier: a whole number is taken as its digits
    DIGITS = "digits"      # phone, account: a number cell already lost digits → refused
    IDNUM = "idnum"        # resident/business/birth numbers: a number only when its length is unambiguous
    POSTAL = "postal"      # 5 digits; a number of 4 digits lost its zero → refused
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
    Column("전화번호", "phone", Kind.DIGITS, False, 14, "예: 02-123-4567"),
    Column("휴대번호", "mobile", Kind.DIGITS, False, 14, "예: 010-1234-5678"),
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
    Column("계좌번호", "account_no", Kind.DIGITS, True, 18, "텍스트로 입력 (앞자리 0 유지)"),
    Column("예금주명", "holder_name", Kind.TEXT, True, 12),
    Column("예금주생년월일/사업자번호", "holder_id", Kind.IDNUM, True, 16, "생년월일 6자리 또는 사업자번호 10자리"),
    Column("관리자명", "manager_name", Kind.TEXT, False, 10),
)
BY_KEY: Mapping[str, Column] = {c.key: c for c in COLUMNS}
REQUIRED_MARK = "*"
EXAMPLE_PREFIX = "예시"
"""A row whose 고객번호 starts with this is the template's example and is never imported."""

_ALIASES = {
    "주민번호": "id_no", "주민등록번호": "id_no", "사업자번호": "id_no", "주민(사업자)번호": "id_no",
    "사업자(주민)번호": "id_no", "휴대폰": "mobile", "휴대전화": "mobile", "핸드폰": "mobile",
    "집금항목명": "item", "할인/면제비율": "discount_rate", "은행": "bank_code", "은행코드": "bank_code",
    "예금주생년월일": "holder_id", "예금주주민번호": "holder_id", "생년월일/사업자번호": "holder_id",
    "예금주생년월일/사업자번호": "holder_id", "가입일": "joined_on", "납부자번호": "customer_no",
}

# customer_rules names fields as its windows do; the clerk needs the sheet's column header.
_FIELD_HEADERS = {
    "주민등록번호": "주민/사업자번호", "사업자번호": "주민/사업자번호", "생년월일": "주민/사업자번호",
    "집금항목명": "집금항목", "할인/면제비율": "할인율", "할인/면제금액": "할인율",
    "예금주 생년월일/사업자번호": "예금주생년월일/사업자번호", "생년월일/사업자번호": "예금주생년월일/사업자번호",
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


def header_key(text: Any) -> str | None:
    name = normalise_header(text)
    for column in COLUMNS:
        if normalise_header(column.header) == name:
            return column.key
    return _ALIASES.get(name)


def looks_like_header(cells: Sequence[Any]) -> bool:
    return sum(1 for c in cells if header_key(c)) >= 3


@dataclass(frozen=True)
class HeaderMap:
    """Column position of each known key, the headers the file uses, and columns it does not know."""

    positions: Mapping[str, int]
    headers: Mapping[str, str]
    unknown: tuple[str, ...]


def map_headers(header: Sequence[str]) -> tuple[HeaderMap, list[str]]:
    """Positions of the columns; (map, missing required headers). A repeated column is an error."""
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    unknown: list[str] = []
    repeated: list[str] = []
    for index, text in enumerate(header):
        if not str(text).strip():
            continue
        key = header_key(text)
        if key is None:
            unknown.append(str(text).strip())
        elif key in positions:
            repeated.append(str(text).strip())
        else:
            positions[key] = index
            headers[key] = str(text).strip()
    missing = [c.header for c in COLUMNS if c.required and c.key not in positions]
    missing += [f"{name}(중복된 열)" for name in repeated]
    return HeaderMap(positions, headers, tuple(unknown)), missing


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


def coerce(kind: Kind, value: Any) -> Any:
    """A calamine cell value as the form value `customer_rules` expects for a column of this kind."""
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
        return text
    if isinstance(value, (date, datetime)):
        if kind in (Kind.DATE, Kind.MONTH):
            return value
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
    if kind is Kind.IDNUM:
        if whole is not None and (100000 <= whole <= 999999 or 10**9 <= whole < 10**10 or 10**12 <= whole < 10**13):
            return str(whole)
        raise CellError(EXCEL_NUMBER)
    if kind is Kind.POSTAL:
        if whole is not None and 10000 <= whole <= 99999:
            return str(whole)
        raise CellError(EXCEL_NUMBER)
    raise CellError(EXCEL_NUMBER)  # Kind.DIGITS


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
        self.today = today
        self._cells = [(c, header_map.positions[c.key]) for c in COLUMNS if c.key in header_map.positions]

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
        width = len(cells)
        for column, position in self._cells:
            value = cells[position] if position < width else ""
            if value.__class__ is str and value and value[0] != "#":  # most cells: plain text
                form[column.key] = value.strip()
                continue
            problem = bad_cell(position) if value == "" else None
            if problem:
                errors.append(RowError(row, self.map.headers[column.key], problem))
                form[column.key] = None
                continue
            try:
                form[column.key] = coerce(column.kind, value)
            except CellError as refused:
                errors.append(RowError(row, self.map.headers[column.key], refused.message))
                form[column.key] = None
        customer_no = str(form.get("customer_no") or "")
        name = str(form.get("name") or "")
        item = self._item(row, form, errors)
        reduced = self._reduce_holder(row, form, errors)
        if not errors:
            try:
                customer, agreement = self._validate(form, item)
                notes = reduced + tuple(customer.warnings) + tuple(agreement.warnings)
                return RowResult(row, customer.customer_no, customer.name, Status.NEW, [], notes, customer, agreement)
            except ValidationError:
                pass
        errors.extend(self._each_field(row, form, item, errors))
        if not errors:  # only a rule across fields failed: ask the whole-form check for its reason
            try:
                customer_form, agreement_form = self._forms(form, item)
                rules.validate_customer(customer_form, today=self.today)
                rules.validate_agreement(agreement_form, allowed_days=item.days if item else None, today=self.today)
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
            errors.append(RowError(row, self.map.headers["item"], "집금항목을 입력하세요."))
            return None
        item = self.items.get(normalise_header(value).casefold())
        if item is None:
            errors.append(RowError(row, self.map.headers["item"],
                                   f"'{value}'은(는) 이 계약의 집금항목이 아닙니다 (등록된 항목: {self.item_names})."))
        return item

    def _forms(self, form: Mapping[str, Any], item: ItemChoice | None) -> tuple[dict[str, Any], dict[str, Any]]:
        customer = {k: form.get(k, "") for k in (
            "customer_no", "name", "customer_type", "grade", "representative", "phone", "mobile", "email",
            "industry", "joined_on", "region", "postal_code", "address", "address_detail", "memo")}
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
        terms = rules.validate_agreement(agreement, allowed_days=item.days if item else None, today=self.today)
        return values, terms

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
            ("monthly_amount", lambda: rules.amount(form["monthly_amount"], "월이체금액", minimum=1)),
            ("first_month", lambda: rules.month(form["first_month"], "최초이체년월")),
            ("last_month", lambda: rules.month(form["last_month"], "최종이체년월") if form["last_month"] else None),
            ("debit_day", lambda: rules.debit_day(form["debit_day"], item.days if item else None)),
            ("bank_code", lambda: rules.bank_code(form["bank_code"])),
            ("account_no", lambda: rules.account_no(form["account_no"])),
            ("holder_name", lambda: rules.holder_name(form["holder_name"])),
            ("holder_id", lambda: rules.holder_id(form["holder_id"], today=self.today)),
            ("manager_name", lambda: rules.text(form["manager_name"], "관리자명", 50)),
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


def bank_choice(code: str) -> str:
    """'004' → '004 KB국민은행', the form the template's drop-down offers."""
    return f"{code} {BANK_NAMES[code]}"
