"""Reading the office's bank statement: the deposits of a transaction history saved from internet banking.

Why it is built this way:

* The clerk picks whatever the bank gave: .xlsx, .xls (an old workbook, or the HTML table several
  banks save under that name) or .csv (cp949/EUC-KR, UTF-8 with or without a BOM, UTF-16). The
  kind is decided from the first bytes, never the name. Workbooks go through the same safety checks
  as the customer import (app/services/customers/imports/reader.py: zip bomb, encrypted workbook,
  .xls extent scan), with the statement's own wording and smaller bounds.
* Banks put the account number, the period and the owner above the header and a 합계 line below.
  The header row is found in the first `HEADER_SEARCH_ROWS` rows by the bank layouts of
  `layouts.py`; lines above it are never kept, and summary or note lines below are skipped.
* A header no layout knows raises `StatementColumnsMissing` with a guess and two sample rows (any
  account-like number masked), so the screen can ask the clerk once; read again with `mapping`.
* All or nothing: a bad cell anywhere refuses the whole file, naming up to `MAX_LISTED_ERRORS` cells
  by row, header and reason, so a statement is never half-applied.
* Only deposits are kept. Account-number columns are never read, and digit runs that look like an
  account, phone or resident number inside a depositor or memo are masked before anything keeps
  them. Texts are cut (depositor 100, memo 200 characters) and the file, its lines and its
  deposits are bounded.
* Each deposit's identity (`model.identity_of`) numbers the deposits alike in day, time, amount,
  depositor and balance in file order, so the same file read twice gives the same identities.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from app.services.collection.statements.layouts import (
    AMOUNT,
    BALANCE,
    DEPOSIT,
    DEPOSITOR,
    FIELDS,
    IGNORE,
    IGNORE_LABEL,
    KIND,
    MEMO,
    MULTI_COLUMN_FIELDS,
    OCCURRED_ON,
    OCCURRED_TIME,
    WITHDRAWAL,
    guess_mapping,
    header_score,
    is_account_header,
    layout_mapping,
    normalize_header,
    recognise,
)
from app.services.collection.statements.model import Deposit, StatementFile, identity_of
from app.services.common.errors import ServiceError
from app.services.common.masking import masked_tail
from app.services.customers.imports import reader as sheets

__all__ = [
    "DIRECT_LAYOUT",
    "FIELDS",
    "IGNORE",
    "StatementColumnsMissing",
    "StatementFileError",
    "read_statement",
]

MAX_FILE_BYTES = 20_000_000
"""Largest statement file. A year of an office account's history is a few hundred KB to a few MB."""

MAX_LINES = 60_000
"""Most transaction lines (deposits and withdrawals) read from one file."""

MAX_DEPOSITS = 20_000
"""Most deposits one file may hold; a longer period is read in parts."""

HEADER_SEARCH_ROWS = 30
"""Banks put up to a dozen title lines (account, period, owner, totals) above the header."""

MAX_COLUMNS = 60
"""Cells beyond this in a row are not read (bank exports have 7 to 14 columns)."""

MAX_DEPOSITOR = 100
MAX_MEMO = 200
MAX_LISTED_ERRORS = 10
MAX_COUNTED_ERRORS = 10_000
MAX_AMOUNT = 99_999_999_999
"""Largest amount read (about 1,000억 원); anything above is a misread cell, not a deposit."""

DIRECT_LAYOUT = "직접 연결"

WORDING = sheets.SheetWording(
    subject="은행 거래내역",
    retry="인터넷뱅킹에서 거래내역을 다시 저장해 선택하세요.",
    no_sheet="거래내역을 담은 시트가 없습니다. 인터넷뱅킹에서 저장한 파일을 그대로 선택하세요.",
    empty_xlsx="인터넷뱅킹에서 조회 기간을 확인하고 거래내역을 다시 저장하세요.",
    empty_xls="인터넷뱅킹에서 조회 기간을 확인하고 거래내역을 다시 저장하세요.",
    too_many_rows=f"한 번에 {MAX_LINES:,}줄까지 읽을 수 있으니 조회 기간을 나누어 저장한 뒤 차례로 선택하세요.",
    max_rows=MAX_LINES + HEADER_SEARCH_ROWS,
    max_cells=(MAX_LINES + HEADER_SEARCH_ROWS) * 40,
)

SAVE_AGAIN = "인터넷뱅킹의 거래내역 조회에서 엑셀(.xlsx, .xls)이나 CSV로 저장한 파일을 선택하세요."
NOT_STATEMENT = "은행 거래내역 파일(.xlsx, .xls, .csv)이 아닙니다. " + SAVE_AGAIN
PDF = "PDF 거래내역은 읽을 수 없습니다. " + SAVE_AGAIN
ENCODING = "CSV 파일의 글자 인코딩을 알 수 없습니다(UTF-8, CP949/EUC-KR만 읽습니다). " + SAVE_AGAIN
DAMAGED = "거래내역 파일을 읽을 수 없습니다. 파일이 손상되었을 수 있습니다. " + SAVE_AGAIN

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ACCOUNT_LIKE = re.compile(r"\d[\d-]{8,}\d")
_SUMMARY_WORDS = ("합계", "소계", "총계", "누계", "건수", "이월", "총입금", "총출금")
_DATE_TEXT = re.compile(
    r"^(\d{4}|\d{2})\s*[.\-/년]\s*(\d{1,2})\s*[.\-/월]\s*(\d{1,2})\s*[.일]?"
    r"(?:\s*T?\s*\[?\s*(\d{1,2}):(\d{2})(?::(\d{2})\d*)?\s*\]?)?$"
)
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\s*(\d{2}):?(\d{2})(?::?(\d{2}))?)?$")
_TIME_TEXT = re.compile(r"^\[?\s*(\d{1,2}):(\d{2})(?::(\d{2})\d*)?\s*\]?$")
_TIME_COMPACT = re.compile(r"^(\d{2})(\d{2})(\d{2})?$")
_EXCEL_EPOCH = datetime(1899, 12, 30)


class StatementFileError(ServiceError):
    """The whole statement file is refused; nothing of it was read."""


class StatementColumnsMissing(StatementFileError):
    """The header is not one of a known bank's: the clerk says what each column is (the mapping dialog).

    `header`: the header row's cells as text; `header_row`: its row number as the clerk sees it;
    `guess`: column position → field key, a first guess from common words; `samples`: the first two
    data rows' cells as text, aligned with `header`, with account-like numbers masked.
    """

    def __init__(self, file_name: str, header: list[str], header_row: int, guess: dict[int, str],
                 samples: list[list[str]]) -> None:
        super().__init__(
            f"'{file_name}'의 열 이름({header_row}행)이 아는 은행의 양식과 달라 어느 열이 입금액·입금자인지 알 수 없습니다. "
            "각 열이 무엇인지 정해 주세요."
        )
        self.file_name = file_name
        self.header = header
        self.header_row = header_row
        self.guess = guess
        self.samples = samples


class _BadCell(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Table:
    """The file's non-empty rows as (row number the clerk sees, cells), and cells holding an error value."""

    rows: list[tuple[int, list[Any]]]
    bad_cells: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, 0-based position) → reason


# --- loading the rows --------------------------------------------------------------------------------


def _too_many_lines() -> StatementFileError:
    return StatementFileError(
        f"거래내역이 {MAX_LINES:,}줄을 넘습니다. 한 번에 {MAX_LINES:,}줄까지 읽을 수 있으니 조회 기간을 나누어 "
        "저장한 뒤 차례로 선택하세요."
    )


def _keep(rows: list[tuple[int, list[Any]]], number: int, cells: list[Any]) -> None:
    if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
        return
    if len(rows) >= MAX_LINES + HEADER_SEARCH_ROWS:
        raise _too_many_lines()
    rows.append((number, list(cells[:MAX_COLUMNS])))


def _load_workbook(path: Path) -> _Table:
    try:
        _name, scan, sheet = sheets.open_workbook_sheet(path, preferred_sheet="", wording=WORDING)
    except sheets.ImportFileError as error:
        raise StatementFileError(error.message) from None
    start_row, first_column = sheet.start or (0, 0)
    rows: list[tuple[int, list[Any]]] = []
    try:
        for offset, cells in enumerate(sheet.iter_rows()):
            _keep(rows, start_row + offset + 1, cells)
    except StatementFileError:
        raise
    except Exception:  # noqa: BLE001 - calamine's errors for a damaged sheet all mean "cannot read"
        raise StatementFileError(DAMAGED) from None
    bad = {(row, column - first_column): reason for (row, column), reason in scan.bad_cells.items()
           if column >= first_column}
    return _Table(rows, bad)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise StatementFileError(ENCODING) from None
    if b"\x00" in data[:65536]:
        raise StatementFileError(NOT_STATEMENT)
    for encoding in ("utf-8", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise StatementFileError(ENCODING)


def _load_csv(data: bytes) -> _Table:
    text = _decode(data)
    sample = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS + 5])
    delimiter = max((",", "\t", ";"), key=sample.count)
    rows: list[tuple[int, list[Any]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            _keep(rows, reader.line_num, cells)
    except csv.Error:
        raise StatementFileError(DAMAGED) from None
    return _Table(rows)


class _HtmlTable(HTMLParser):
    """The rows of the HTML tables some banks save with an .xls name (td/th text, colspan kept as blanks)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[int, list[Any]]] = []
        self._row: list[Any] | None = None
        self._cell: list[str] | None = None
        self._span = 1
        self._count = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            span = dict(attrs).get("colspan") or "1"
            self._span = min(int(span), MAX_COLUMNS) if span.isdigit() and int(span) > 0 else 1
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._row.extend([""] * (self._span - 1))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._count += 1
            _keep(self.rows, self._count, self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _looks_html(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<") and (b"<table" in data[:1_000_000].lower() or b"<html" in head)


def _load_html(data: bytes) -> _Table:
    declared = re.search(rb"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", data[:4096])
    encodings = ["utf-8", "cp949"]
    if declared:
        name = declared.group(1).decode("ascii").lower()
        encodings.insert(0, "cp949" if name in ("euc-kr", "ks_c_5601-1987", "ksc5601", "x-windows-949") else name)
    text: str | None = None
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except (UnicodeDecodeError, LookupError):
            continue
    if text is None:
        raise StatementFileError(ENCODING)
    parser = _HtmlTable()
    parser.feed(text)
    parser.close()
    if not parser.rows:
        raise StatementFileError(NOT_STATEMENT)
    return _Table(parser.rows)


def _load(path: Path) -> _Table:
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
    except FileNotFoundError:
        raise StatementFileError(f"파일을 찾을 수 없습니다: {path.name}") from None
    except OSError:
        raise StatementFileError(f"파일을 열 수 없습니다: {path.name}. 엑셀에서 열려 있다면 닫고 다시 선택하세요.") from None
    if size == 0:
        raise StatementFileError(f"빈 파일입니다: {path.name}. " + SAVE_AGAIN)
    if size > MAX_FILE_BYTES:
        raise StatementFileError(
            f"거래내역 파일이 너무 큽니다(약 {size / 1_000_000:,.0f}MB). 한 번에 {MAX_FILE_BYTES // 1_000_000}MB까지 "
            "읽을 수 있으니 조회 기간을 나누어 저장한 뒤 차례로 선택하세요."
        )
    if head.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
        return _load_workbook(path)
    if head.startswith(b"%PDF"):
        raise StatementFileError(PDF)
    data = path.read_bytes()
    if _looks_html(data):
        return _load_html(data)
    return _load_csv(data)


# --- values ----------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A cell as the clerk would read it (whole floats without '.0'), whitespace runs made one space."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return " ".join(str(value).split())


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def mask_numbers(text: str) -> str:
    """Runs of ten or more digits and hyphens (accounts, phones, resident numbers) → all but the last four
    starred; a run that reads as a date and time ('20261125143022') is left alone."""
    def hide(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        if len(digits) < 10 or _date_of(match.group(0)) is not None:
            return match.group(0)
        return masked_tail(digits)
    return _ACCOUNT_LIKE.sub(hide, text)


def _amount(value: Any) -> int | None:
    """Won as an int, None when the cell is empty; '1,234,000', '1234000원', '-50,000', 1234000.0."""
    if _is_blank(value):
        return None
    if isinstance(value, (bool, date, time, timedelta)):
        raise _BadCell("금액이 아닙니다")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise _BadCell("원 단위의 정수 금액이 아닙니다")
        number = int(value)
    else:
        cleaned = "".join(str(value).split()).replace(",", "").replace("원", "").replace("₩", "").replace("￦", "")
        cleaned = cleaned.replace("−", "-").replace("–", "-").replace("—", "-")
        if cleaned.startswith("(") and cleaned.endswith(")"):
            cleaned = "-" + cleaned[1:-1]
        if cleaned in ("", "-"):
            return None
        match = re.fullmatch(r"([+-]?)(\d+)(?:\.(\d+))?", cleaned)
        if match is None:
            raise _BadCell("금액이 아닙니다")
        if match.group(3) and int(match.group(3)):
            raise _BadCell("원 단위의 정수 금액이 아닙니다")
        number = int(match.group(2)) * (-1 if match.group(1) == "-" else 1)
    if abs(number) > MAX_AMOUNT:
        raise _BadCell("금액이 지나치게 큽니다")
    return number


def _hms(hour: int, minute: int, second: int) -> str:
    if not (0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 59):
        raise ValueError("time")
    return f"{hour:02d}:{minute:02d}:{second:02d}"


def _checked_day(year: int, month: int, day: int) -> date:
    found = date(year, month, day)
    if not 1990 <= found.year <= 2100:
        raise ValueError("year")
    return found


def _serial(value: float) -> tuple[date, str | None]:
    moment = _EXCEL_EPOCH + timedelta(days=value)
    whole = value.is_integer()
    moment = moment.replace(microsecond=0) if whole else (moment + timedelta(milliseconds=500)).replace(microsecond=0)
    return _checked_day(moment.year, moment.month, moment.day), None if whole else moment.strftime("%H:%M:%S")


def _date_of(value: Any) -> tuple[date, str | None] | None:
    """(day, 'HH:MM:SS' or None) from a date cell, or None when it is not a date at all."""
    try:
        if isinstance(value, datetime):
            return _checked_day(value.year, value.month, value.day), value.strftime("%H:%M:%S")
        if isinstance(value, date):
            return _checked_day(value.year, value.month, value.day), None
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            if not math.isfinite(value):
                return None
            if float(value).is_integer() and 19_900_101 <= value <= 21_001_231:
                value = str(int(value))
            elif 1 <= value < 2_958_466:
                return _serial(float(value))
            else:
                return None
        if not isinstance(value, str):
            return None
        text = " ".join(value.split())
        match = _DATE_TEXT.match(text)
        if match:
            year = int(match.group(1))
            year += 2000 if year < 100 else 0
            day = _checked_day(year, int(match.group(2)), int(match.group(3)))
            if match.group(4) is None:
                return day, None
            return day, _hms(int(match.group(4)), int(match.group(5)), int(match.group(6) or 0))
        match = _DATE_COMPACT.match(text)
        if match:
            day = _checked_day(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            if match.group(4) is None:
                return day, None
            return day, _hms(int(match.group(4)), int(match.group(5)), int(match.group(6) or 0))
    except ValueError:
        return None
    return None


def _time_of(value: Any) -> str | None:
    """'HH:MM:SS' from a time cell, None when empty."""
    if _is_blank(value):
        return None
    try:
        if isinstance(value, datetime):
            return value.strftime("%H:%M:%S")
        if isinstance(value, time):
            return _hms(value.hour, value.minute, value.second)
        if isinstance(value, timedelta):
            seconds = int(value.total_seconds())
            return _hms(seconds // 3600, seconds // 60 % 60, seconds % 60)
        if isinstance(value, float) and 0 <= value < 1:
            seconds = round(value * 86_400)
            return _hms(seconds // 3600, seconds // 60 % 60, seconds % 60)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
            value = f"{int(value):06d}" if 0 <= value < 240_000 else str(value)
        text = "".join(str(value).split())
        match = _TIME_TEXT.match(text)
        if match:
            return _hms(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))
        match = _TIME_COMPACT.match(text)
        if match:
            return _hms(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))
    except ValueError:
        pass
    raise _BadCell("시간이 아닙니다")


def _direction(value: Any) -> str | None:
    """'in', 'out' or None (not said) from an 입출금구분 cell."""
    text = "".join(_text(value).split())
    if not text:
        return None
    if any(word in text for word in ("취소", "출금", "지출", "지급", "인출")) or text in ("출", "-"):
        return "out"
    if any(word in text for word in ("입금", "수입")) or text in ("입", "+"):
        return "in"
    return None


def _topic(text: str) -> str:
    """은 or 는 after `text`, as Korean reads its last sound."""
    last = text[-1:] if text else ""
    if "가" <= last <= "힣":
        return "은" if (ord(last) - 0xAC00) % 28 else "는"
    if last.isdigit():
        return "은" if last in "013678" else "는"
    return "은(는)"


# --- the header ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """How the rows are read: where the header is, which position is which field, and the layout name."""

    index: int  # index into _Table.rows of the header row
    header: list[str]
    fields: dict[int, str]  # position → field key (IGNORE left out)
    layout: str
    depositor_fallback: int | None = None


def _header_texts(cells: Sequence[Any]) -> list[str]:
    return [_text(c) for c in cells]


def _check_fields(fields: dict[int, str], header: list[str]) -> None:
    """The fields a deposit needs, one column each (memo may take several)."""
    chosen: dict[str, list[str]] = {}
    for position, key in fields.items():
        chosen.setdefault(key, []).append(header[position])
    for key, columns in chosen.items():
        if len(columns) > 1 and key not in MULTI_COLUMN_FIELDS:
            shown = ", ".join(f"[{c}]" for c in columns)
            raise StatementFileError(f"'{FIELDS[key]}'에 열이 {len(columns)}개({shown}) 연결되었습니다. 한 열만 고르세요.")
    missing = [FIELDS[k] for k in (OCCURRED_ON, DEPOSITOR) if k not in chosen]
    if DEPOSIT not in chosen and AMOUNT not in chosen:
        missing.append(f"{FIELDS[DEPOSIT]} 또는 {FIELDS[AMOUNT]}")
    if missing:
        raise StatementFileError("다음 항목의 열을 골라야 읽을 수 있습니다: " + ", ".join(missing) + ".")
    if DEPOSIT in chosen and AMOUNT in chosen:
        raise StatementFileError(f"'{FIELDS[DEPOSIT]}'과 '{FIELDS[AMOUNT]}' 중 하나만 고르세요 "
                                 "(입금·출금이 따로 있으면 입금액, 한 열에 함께 있으면 거래금액).")
    if KIND in chosen and AMOUNT not in chosen:
        raise StatementFileError(f"'{FIELDS[KIND]}'은 '{FIELDS[AMOUNT]}'과 함께 고르세요.")


def _plan_from_mapping(table: _Table, given: Mapping[str, str]) -> _Plan:
    mapping = {_text(header): key for header, key in given.items()}  # headers as _header_texts writes them
    for header_text, key in mapping.items():
        if key not in FIELDS and key != IGNORE:
            raise StatementFileError(f"[{header_text}] 열에 고른 항목 '{key}'을 알 수 없습니다.")
        if key != IGNORE and is_account_header(header_text):
            raise StatementFileError(f"[{header_text}] 열은 계좌번호여서 읽지 않습니다. '{IGNORE_LABEL}'으로 두세요.")
    wanted = {h for h, key in mapping.items() if key != IGNORE}
    for index, (_number, cells) in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        header = _header_texts(cells)
        if wanted and wanted <= set(header):
            fields: dict[int, str] = {}
            seen: set[str] = set()
            for position, text in enumerate(header):
                if text in seen:
                    continue
                seen.add(text)
                key = mapping.get(text, IGNORE)
                if key != IGNORE:
                    fields[position] = key
            _check_fields(fields, header)
            return _Plan(index, header, fields, DIRECT_LAYOUT)
    shown = ", ".join(f"[{h}]" for h in sorted(wanted)) or "(없음)"
    raise StatementFileError(f"연결한 열 이름 {shown}이 모두 있는 행을 처음 {HEADER_SEARCH_ROWS}행에서 찾을 수 없습니다. "
                             "파일을 다시 선택해 열을 새로 연결하세요.")


def _plan_from_layouts(table: _Table) -> _Plan | None:
    for index, (_number, cells) in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        header = _header_texts(cells)
        layout = recognise(header)
        if layout is None:
            continue
        fields = layout_mapping(layout, header)
        try:
            _check_fields(fields, header)
        except StatementFileError:
            continue
        fallback = None
        if layout.depositor_fallback:
            fallback = next((p for p, h in enumerate(header) if normalize_header(h) == layout.depositor_fallback), None)
        return _Plan(index, header, fields, layout.name, fallback)
    return None


def _unknown_header(table: _Table, file_name: str) -> StatementColumnsMissing:
    """The likeliest header row of an unknown layout, with a guess and two samples for the clerk."""
    window = table.rows[:HEADER_SEARCH_ROWS]
    scores = [header_score(cells) for _number, cells in window]
    best = max(range(len(window)), key=lambda i: (scores[i], -i), default=None)
    index: int | None = best if best is not None and scores[best] >= 2 else None
    if index is None:
        for i, (_number, cells) in enumerate(window[:-1]):
            texts = [c for c in cells if isinstance(c, str) and c.strip()]
            following = window[i + 1][1]
            if len(texts) >= 3 and len(texts) == sum(1 for c in cells if not _is_blank(c)) and any(
                    _date_of(c) is not None and p < len(cells) and not _is_blank(cells[p])
                    for p, c in enumerate(following)):
                index = i
                break
    if index is None:
        raise StatementFileError(
            f"'{file_name}'의 처음 {HEADER_SEARCH_ROWS}행에서 거래내역의 열 이름(거래일시, 입금액, 입금자 …)을 찾을 수 "
            "없습니다. " + SAVE_AGAIN
        )
    number, cells = table.rows[index]
    header = _header_texts(cells)
    samples = [[mask_numbers(_text(row[p])) if p < len(row) else "" for p in range(len(header))]
               for _n, row in table.rows[index + 1:index + 3]]
    return StatementColumnsMissing(file_name, header, number, guess_mapping(header), samples)


# --- reading -----------------------------------------------------------------------------------------


def _is_summary(cells: Iterable[Any]) -> bool:
    return any(isinstance(c, str) and any(word in "".join(c.split()) for word in _SUMMARY_WORDS) for c in cells)


@dataclass
class _Reading:
    """What reading the data rows gathered; turned into a StatementFile only when nothing was bad."""

    deposits: list[Deposit] = field(default_factory=list)
    withdrawals: int = 0
    summaries: int = 0
    cancelled: list[int] = field(default_factory=list)
    cut: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    repeats: dict[tuple[date, str | None, int, str, int | None], int] = field(default_factory=dict)

    def bad(self, row: int, header: str, value: Any, reason: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            shown = mask_numbers(_text(value))
            shown = shown if len(shown) <= 20 else shown[:20] + "…"
            if shown:
                self.errors.append(f"{row}행 [{header}] '{shown}'{_topic(shown)} {reason}")
            else:
                self.errors.append(f"{row}행 [{header}] {reason}")


def _name(plan: _Plan, position: int | None) -> str:
    return plan.header[position] if position is not None and position < len(plan.header) else ""


def _cell(cells: list[Any], position: int | None) -> Any:
    if position is None or position >= len(cells):
        return None
    return cells[position]


def _read_rows(table: _Table, plan: _Plan, reading: _Reading) -> None:
    by_key: dict[str, list[int]] = {}
    for position, key in sorted(plan.fields.items()):
        by_key.setdefault(key, []).append(position)

    def first(key: str) -> int | None:
        return by_key[key][0] if key in by_key else None

    amount_positions = [p for k in (DEPOSIT, WITHDRAWAL, AMOUNT) for p in by_key.get(k, [])]
    header_names = [normalize_header(h) for h in plan.header]
    errors_by_row: dict[int, list[tuple[int, str]]] = {}
    for (row, position), reason in table.bad_cells.items():
        if position in plan.fields:
            errors_by_row.setdefault(row, []).append((position, reason))
    day_position = first(OCCURRED_ON)
    assert day_position is not None  # _check_fields made sure
    for number, cells in table.rows[plan.index + 1:]:
        if reading.error_count >= MAX_COUNTED_ERRORS:
            break
        if [normalize_header(_text(c)) for c in cells[:len(header_names)]] == header_names:
            continue  # a header repeated on each printed page
        for position, reason in sorted(errors_by_row.get(number, [])):
            reading.bad(number, plan.header[position], "", reason)
        raw_day = _cell(cells, day_position)
        when = _date_of(raw_day)
        amounts_blank = all(_is_blank(_cell(cells, p)) for p in amount_positions)
        if when is None:
            if _is_summary(cells):
                reading.summaries += 1
                continue
            if amounts_blank:
                continue  # a note or a blank separator, not a transaction
            if _is_blank(raw_day):
                reading.bad(number, plan.header[day_position], "", "거래일이 비어 있습니다")
            else:
                reading.bad(number, plan.header[day_position], raw_day, "날짜가 아닙니다")
            continue
        _read_row(number, cells, when, plan, first, reading)


def _read_row(number: int, cells: list[Any], when: tuple[date, str | None], plan: _Plan,
              first: Callable[[str], int | None], reading: _Reading) -> None:
    day, clock = when

    def value_of(key: str, parse: Callable[[Any], Any]) -> Any:
        position = first(key)
        raw = _cell(cells, position)
        try:
            return parse(raw)
        except _BadCell as bad:
            reading.bad(number, _name(plan, position), raw, bad.reason)
            raise

    try:
        if first(OCCURRED_TIME) is not None:
            clock = value_of(OCCURRED_TIME, _time_of) or clock
        balance = value_of(BALANCE, _amount) if first(BALANCE) is not None else None
        if first(DEPOSIT) is not None:
            deposit = value_of(DEPOSIT, _amount) or 0
            withdrawal = (value_of(WITHDRAWAL, _amount) or 0) if first(WITHDRAWAL) is not None else 0
            if deposit > 0 and withdrawal > 0:
                position = first(DEPOSIT)
                reading.bad(number, _name(plan, position), _cell(cells, position), "입금과 출금이 한 줄에 함께 있습니다")
                return
        else:
            amount = value_of(AMOUNT, _amount)
            if amount is None:
                reading.bad(number, _name(plan, first(AMOUNT)), "", "거래금액이 비어 있습니다")
                return
            direction = _direction(_cell(cells, first(KIND))) if first(KIND) is not None else None
            if direction == "in" and amount < 0:
                position = first(AMOUNT)
                reading.bad(number, _name(plan, position), _cell(cells, position), "입금인데 음수입니다")
                return
            deposit = abs(amount) if direction == "in" or (direction is None and amount > 0) else 0
    except _BadCell:
        return
    if deposit <= 0:
        reading.withdrawals += 1
        if deposit < 0:
            reading.cancelled.append(number)
        return
    depositor = mask_numbers(_text(_cell(cells, first(DEPOSITOR))))
    if not depositor and plan.depositor_fallback is not None:
        depositor = mask_numbers(_text(_cell(cells, plan.depositor_fallback)))
    if len(depositor) > MAX_DEPOSITOR:
        depositor = depositor[:MAX_DEPOSITOR].rstrip()
        reading.cut.append(number)
    memo_parts: list[str] = []
    for position in sorted(p for p, k in plan.fields.items() if k == MEMO):
        part = mask_numbers(_text(_cell(cells, position)))
        if part and part not in memo_parts:
            memo_parts.append(part)
    memo = " ".join(memo_parts)[:MAX_MEMO].rstrip()
    if len(reading.deposits) >= MAX_DEPOSITS:
        raise StatementFileError(
            f"입금이 {MAX_DEPOSITS:,}건을 넘습니다. 한 번에 {MAX_DEPOSITS:,}건까지 읽을 수 있으니 조회 기간을 나누어 "
            "저장한 뒤 차례로 선택하세요."
        )
    alike = (day, clock, deposit, "".join(depositor.split()), balance)
    repeat = reading.repeats.get(alike, 0)
    reading.repeats[alike] = repeat + 1
    reading.deposits.append(Deposit(
        row=number, occurred_on=day, occurred_time=clock, amount=deposit, depositor=depositor, memo=memo,
        balance=balance, identity=identity_of(day, clock, deposit, depositor, balance, repeat),
    ))


def _rows_text(rows: list[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:5])
    return shown + (f" 외 {len(rows) - 5}줄" if len(rows) > 5 else "")


def _notices(reading: _Reading) -> tuple[str, ...]:
    notices: list[str] = []
    if not reading.deposits:
        notices.append(f"이 파일에는 입금이 없습니다(출금 {reading.withdrawals:,}건). 조회 기간과 계좌를 확인하세요.")
    if reading.cancelled:
        notices.append(f"입금액이 음수인 줄(입금 취소)이 {len(reading.cancelled)}줄 있습니다({_rows_text(reading.cancelled)}행). "
                       "취소된 입금은 수납하지 마세요.")
    if reading.cut:
        notices.append(f"입금자가 {MAX_DEPOSITOR}자를 넘어 잘린 줄이 있습니다({_rows_text(reading.cut)}행).")
    if reading.summaries:
        notices.append(f"합계·건수 줄 {reading.summaries}줄은 거래가 아니어서 읽지 않았습니다.")
    return tuple(notices)


def read_statement(path: str | Path, *, mapping: Mapping[str, str] | None = None) -> StatementFile:
    """The deposits of a bank statement file; withdrawals only counted.

    Without `mapping` the header must be a known bank's (else StatementColumnsMissing, whose
    header, guess and samples the mapping dialog shows); with `mapping` (file header → field key or
    IGNORE) the file is read as the clerk connected it. Any bad cell refuses the whole file.
    """
    path = Path(path)
    table = _load(path)
    if not table.rows:
        raise StatementFileError(f"'{path.name}'에 거래내역이 없습니다. " + SAVE_AGAIN)
    plan = _plan_from_mapping(table, mapping) if mapping is not None else _plan_from_layouts(table)
    if plan is None:
        raise _unknown_header(table, path.name)
    reading = _Reading()
    _read_rows(table, plan, reading)
    if reading.error_count:
        more = reading.error_count - len(reading.errors)
        raise StatementFileError(
            f"'{path.name}'에 읽을 수 없는 칸이 {reading.error_count:,}곳 있어 아무것도 읽지 않았습니다. "
            "엑셀에서 고치거나 인터넷뱅킹에서 다시 저장한 뒤 선택하세요.\n"
            + "\n".join(reading.errors) + (f"\n… 외 {more:,}곳" if more > 0 else "")
        )
    columns = tuple((text, FIELDS[plan.fields[p]] if p in plan.fields else IGNORE_LABEL)
                    for p, text in enumerate(plan.header) if text)
    return StatementFile(
        file_name=path.name, layout=plan.layout, header_row=table.rows[plan.index][0],
        deposits=tuple(reading.deposits), withdrawals=reading.withdrawals, columns=columns,
        notices=_notices(reading),
    )
