"""Reading the clerk's customer workbook for 일괄등록: refuse what cannot be read safely, stream the rest.

Why it is built this way:

* The file type is decided from its first bytes, not its name: a renamed text file, an old .xls
  and a password-protected workbook (an OLE/CFB container holding an ``EncryptionInfo`` stream)
  each get their own Korean message that says what to do in Excel.
* Before any part is decompressed, the zip directory is checked: a part that would unpack to more
  than ``MAX_PART_BYTES``, or that is big and compressed more than ``MAX_RATIO`` times, is a zip
  bomb (2 MB that unpack to 1 GB) and is refused at once. Python's zipfile never returns more
  than the directory declares, so a directory that lies ends in a CRC error, not in memory.
* Before calamine loads the sheet (it holds the whole range in memory), one streaming pass over
  the sheet's XML counts the rows that hold values, and finds merged cells and formulas without a
  cached value. A sheet over ``MAX_ROWS`` is refused there, with memory bounded by the chunk size
  plus one row (a "row" over ``MAX_ROW_BYTES`` is refused), so a 1,000,000-row file cannot exhaust
  a desk PC. The same pass finds how far the cells holding values reach: calamine allocates every
  cell of that rectangle, so two values at A1 and ZZ100000 would cost 2 GB; over ``MAX_CELLS``
  the sheet is refused.
* Cells are read with python-calamine (seven times faster than openpyxl read-only). It returns a
  formula's cached value, numbers as float and dates as ``date``/``datetime``; what those mean
  for each column is decided in ``import_rows``.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import python_calamine

from app.services.errors import ServiceError

MAX_ROWS = 200_000
"""Largest number of customer rows one import takes; larger lists are split into several files."""

HEADER_SEARCH_ROWS = 20
"""A title line or two above the header row is common in hand-made lists; look this far for it."""

MAX_PART_BYTES = 600_000_000
"""Largest uncompressed sheet or shared-strings part. Measured: the 200,000-row × 28-column template
as the import accepts it (tests/bench/bench_import.py's file) has a 291 MB sheet (inline strings,
no shared-strings part); twice that leaves room for long memos and addresses and Excel's styles."""

MAX_OTHER_PART_BYTES = 32_000_000
"""Any other part (workbook, styles, relationships, theme) is read whole; in that file all are
under 11 KB, and a heavily formatted Excel workbook has styles of a few MB."""

MAX_RATIO = 100
"""Largest compression ratio of a big part. Measured: 11.4 for that sheet; XML of real cells does not
compress past a few dozen times, while a bomb of repeated cells or blanks reaches 500-1000."""

RATIO_FROM_BYTES = 10_000_000
"""The ratio is judged only for parts unpacking to more than this: a small part harms no one."""

MAX_ROW_BYTES = 16_000_000
"""Largest single row element (or trailer after the last row) the scan holds at once. A customer row
is a few KB; even 28 full cells of 32,767 characters stay under 6 MB."""

MAX_CELLS = (MAX_ROWS + HEADER_SEARCH_ROWS) * 50
"""Largest rectangle of cells (A1 to the farthest value) calamine is asked to load: MAX_ROWS rows of
50 columns (the template has 28). calamine keeps every cell of it, about 30 bytes each even when
empty, so this bounds its memory near 300 MB."""

MAX_BAD_CELLS = 10_000
"""More cells than this with an error value or an uncalculated formula: the workbook needs Excel's
recalculation first; listing each of them would only fill the preview (and memory)."""

SAVE_AS_XLSX = "엑셀에서 파일을 열고 '다른 이름으로 저장' → 파일 형식 'Excel 통합 문서(*.xlsx)'로 저장한 뒤 그 파일을 선택하세요."
NOT_XLSX = "엑셀 통합 문서(.xlsx) 파일이 아닙니다. " + SAVE_AS_XLSX
OLD_XLS = "예전 엑셀 형식(.xls) 파일은 읽을 수 없습니다. " + SAVE_AS_XLSX
XLSB = "엑셀 바이너리 통합 문서(.xlsb)는 읽을 수 없습니다. " + SAVE_AS_XLSX
ENCRYPTED = (
    "암호가 걸린 엑셀 파일입니다. 엑셀에서 파일을 열고 '파일 → 정보 → 통합 문서 보호 → 암호 설정'에서 "
    "암호를 지우고 저장한 뒤 다시 선택하세요."
)
DAMAGED = "엑셀 파일을 읽을 수 없습니다. 파일이 손상되었을 수 있습니다. 엑셀에서 열어 다시 저장한 뒤 선택하세요."
TOO_BIG = (
    "엑셀 파일의 압축을 풀면 지나치게 커집니다({part}: 약 {size:,}MB, 압축률 {ratio:,}배). 고객 목록으로 볼 수 없는 "
    "파일이어서 읽지 않았습니다. 엑셀에서 고객 행만 새 통합 문서에 복사해 저장한 뒤 선택하세요."
)
ROW_TOO_BIG = (
    "엑셀 시트에 한 행이 {limit:,}MB를 넘는 부분이 있어 읽지 않았습니다. 고객 목록으로 볼 수 없는 파일입니다. "
    "엑셀에서 고객 행만 새 통합 문서에 복사해 저장한 뒤 선택하세요."
)

UNCACHED_FORMULA = "수식에 저장된 값이 없습니다. 엑셀에서 열어 다시 계산·저장하거나 수식을 값으로 바꾸세요."
ERROR_VALUE = "엑셀 오류 값(#N/A, #VALUE! 등)입니다. 수식을 고치거나 값을 직접 입력하세요."

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CHUNK = 1 << 20

_ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_HAS_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:v|t)(?:\s[^>]*)?>[^<]")
_UNCACHED_FORMULA = re.compile(
    rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]{1,3})([0-9]+)"[^>]*>\s*'
    rb"<(?:\w+:)?f\b[^>]*?(?:/>|>[^<]*</(?:\w+:)?f>)\s*"
    rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\s(?=[^>]*\bt="e")[^>]*?\br="([A-Z]{1,3})([0-9]+)"')
_EMPTY_ROW = re.compile(rb"row\s[^>]*/>")
_PREFIXED_ROW = re.compile(rb"<([A-Za-z_][\w.-]*):row[\s>]")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]{1,3}[0-9]+(?::[A-Z]{1,3}[0-9]+)?)"')
_CONTENT_MARKERS = (b"<v>", b"<is>", b":v>", b":is>")
_ROW_NUMBER = re.compile(rb'\sr="([0-9]+)"')
_WIDE_VALUE_CELL = re.compile(rb'r="([A-Z]{2,3})[0-9]+"[^>]*?(?<!/)>')  # a literal start: fast; ref=/sqref= never match


class ImportFileError(ServiceError):
    """The file as a whole cannot be imported; nothing was read into the database."""


class ImportCancelled(ServiceError):
    def __init__(self) -> None:
        super().__init__("일괄등록을 취소했습니다. 아무것도 저장하지 않았습니다.")


Progress = Callable[[str, int, int], None]
"""progress(phase in Korean, done, total)."""


def column_index(letters: str) -> int:
    """'A' → 0, 'AB' → 27."""
    number = 0
    for ch in letters:
        number = number * 26 + (ord(ch) - 64)
    return number - 1


def column_letters(index: int) -> str:
    """0 → 'A', 27 → 'AB'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- what kind of file is it ---------------------------------------------------------------------


def _ole_stream_names(path: Path) -> set[str]:
    """Names in a compound file's directory (enough of MS-CFB to tell .xls from an encrypted .xlsx)."""
    with path.open("rb") as fh:
        header = fh.read(512)
        if len(header) < 512:
            return set()
        sector_size = 1 << struct.unpack_from("<H", header, 30)[0]
        if sector_size not in (512, 4096):
            return set()
        fat_count, first_dir = struct.unpack_from("<II", header, 44)
        first_difat, difat_count = struct.unpack_from("<II", header, 68)
        fat_sectors = [s for s in struct.unpack_from("<109I", header, 76) if s < 0xFFFFFFFA]

        def read_sector(number: int) -> bytes:
            fh.seek((number + 1) * sector_size)
            return fh.read(sector_size)

        next_difat, guard = first_difat, 0
        while next_difat < 0xFFFFFFFA and guard < difat_count + 1:
            block = read_sector(next_difat)
            entries = struct.unpack(f"<{sector_size // 4}I", block)
            fat_sectors.extend(s for s in entries[:-1] if s < 0xFFFFFFFA)
            next_difat, guard = entries[-1], guard + 1
        fat: list[int] = []
        for number in fat_sectors[:fat_count]:
            block = read_sector(number)
            fat.extend(struct.unpack(f"<{len(block) // 4}I", block))
        names: set[str] = set()
        sector, seen = first_dir, set()
        while sector < 0xFFFFFFFA and sector < len(fat) and sector not in seen:
            seen.add(sector)
            block = read_sector(sector)
            for offset in range(0, len(block) - 127, 128):
                size = struct.unpack_from("<H", block, offset + 64)[0]
                if 2 <= size <= 64:
                    names.add(block[offset:offset + size - 2].decode("utf-16-le", "replace"))
            sector = fat[sector]
        return names


def check_file_type(path: Path) -> None:
    """Refuse anything that is not a readable .xlsx, with the message a clerk can act on."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except FileNotFoundError:
        raise ImportFileError(f"파일을 찾을 수 없습니다: {path.name}") from None
    except OSError:
        raise ImportFileError(f"파일을 열 수 없습니다: {path.name}. 엑셀에서 열려 있다면 닫고 다시 선택하세요.") from None
    if head.startswith(_OLE_MAGIC):
        try:
            names = {n.lower() for n in _ole_stream_names(path)}
        except (OSError, struct.error):
            names = set()
        if {"encryptioninfo", "encryptedpackage"} & names:
            raise ImportFileError(ENCRYPTED)
        if {"workbook", "book"} & names:
            raise ImportFileError(OLD_XLS)
        raise ImportFileError(NOT_XLSX)
    if not head.startswith(_ZIP_MAGIC):
        raise ImportFileError(NOT_XLSX)
    try:
        with zipfile.ZipFile(path) as zf:
            members = set(zf.namelist())
    except zipfile.BadZipFile:
        raise ImportFileError(DAMAGED) from None
    if "xl/workbook.bin" in members:
        raise ImportFileError(XLSB)
    if "xl/workbook.xml" not in members:
        raise ImportFileError(NOT_XLSX)
    check_archive(path)


def _is_bulk_part(name: str) -> bool:
    """Parts that may legitimately be large: worksheets and the shared strings."""
    lowered = name.lower()
    return lowered.startswith("xl/worksheets/") or lowered.endswith("sharedstrings.xml")


def check_archive(path: Path) -> None:
    """Refuse a zip bomb from the zip directory alone, before one byte is decompressed."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile:
        raise ImportFileError(DAMAGED) from None
    for info in infos:
        limit = MAX_PART_BYTES if _is_bulk_part(info.filename) else MAX_OTHER_PART_BYTES
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limit or (info.file_size > RATIO_FROM_BYTES and ratio > MAX_RATIO):
            raise ImportFileError(TOO_BIG.format(part=info.filename, size=max(info.file_size // 1_000_000, 1),
                                                 ratio=int(ratio)))


# --- which sheet, and a cheap pass over its XML --------------------------------------------------


def _sheet_parts(zf: zipfile.ZipFile) -> list[tuple[str, str, bool]]:
    """(name, part path, visible) of each worksheet, in workbook order."""
    workbook = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL_NS}Relationship")}
    sheets = []
    for sheet in workbook.iter(f"{_MAIN_NS}sheet"):
        target = targets.get(sheet.get(f"{_REL_NS}id"), "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        visible = sheet.get("state", "visible") == "visible"
        sheets.append((sheet.get("name", ""), part, visible))
    return sheets


def choose_sheet(path: Path, preferred: str) -> tuple[str, str]:
    """The sheet named `preferred` (the template's), else the first visible sheet that is not 안내."""
    try:
        with zipfile.ZipFile(path) as zf:
            sheets = [s for s in _sheet_parts(zf) if s[1] in zf.namelist()]
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile):
        raise ImportFileError(DAMAGED) from None
    for name, part, _visible in sheets:
        if name == preferred:
            return name, part
    for name, part, visible in sheets:
        if visible and name not in ("안내", "목록"):
            return name, part
    raise ImportFileError("고객 목록을 담은 시트가 없습니다. 양식의 '고객목록' 시트에 입력하세요.")


@dataclass
class SheetScan:
    """What a pass over the sheet XML found: rows (elements, less self-closing empty ones), whether any
    cell holds a value, merged ranges, and the cells that calamine would hand over as empty although
    they are not (keyed by Excel row, 0-based column)."""

    value_rows: int = 0
    has_values: bool = False
    last_row: int = 0  # the Excel row number of the last row holding a value (0: none)
    last_column: int = 0  # 0-based index of the rightmost column holding a value
    merged: list[str] = field(default_factory=list)
    bad_cells: dict[tuple[int, int], str] = field(default_factory=dict)


def _chunks(path: Path, part: str) -> Iterator[bytes]:
    """The sheet XML in pieces that each end just before a row starts, so no row is ever split.

    Writers that use a namespace prefix (<x:row>) are found from the first piece; rfind stops at the
    last row, so cutting costs little. What is carried over is one row at most, and a "row" (or
    blank run) over MAX_ROW_BYTES is refused, so memory stays within a chunk plus that.
    """
    carry = b""
    marker = b"<row"
    try:
        with zipfile.ZipFile(path) as zf, zf.open(part) as stream:
            first = True
            while chunk := stream.read(_CHUNK):
                data = carry + chunk
                if first:
                    prefixed = _PREFIXED_ROW.search(data)
                    marker = b"<" + prefixed.group(1) + b":row" if prefixed and marker not in data else marker
                    first = False
                cut = data.rfind(marker)
                if cut <= 0:
                    if len(data) > MAX_ROW_BYTES:
                        raise ImportFileError(ROW_TOO_BIG.format(limit=MAX_ROW_BYTES // 1_000_000))
                    carry = data
                    continue
                carry = data[cut:]
                yield data[:cut]
            yield carry
    except (zipfile.BadZipFile, zlib.error, KeyError, EOFError):
        raise ImportFileError(DAMAGED) from None


def _rows_with_values(path: Path, part: str, stop_after: int) -> int:
    """Exact count of rows holding a value, one row at a time; stops once past `stop_after`."""
    count = 0
    for data in _chunks(path, part):
        starts = [m.start() for m in _ROW_START.finditer(data)] + [len(data)]
        for begin, end in zip(starts, starts[1:], strict=False):
            if _HAS_VALUE.search(data, begin, end):
                count += 1
                if count > stop_after:
                    return count
    return count


def _last_value_row(data: bytes, rows_before: int) -> int:
    """The row number of the last row in `data` with a value cell (<v> or an inline string), or 0.

    Read from that row's r attribute; a writer that omits it numbers rows by position, and the
    count of row elements up to the end of `data` is then a safe upper bound.
    """
    found = max(data.rfind(marker) for marker in _CONTENT_MARKERS)
    if found < 0:
        return 0
    start = max(data.rfind(b"<row", 0, found), data.rfind(b":row", 0, found))
    end = data.find(b">", start)
    number = _ROW_NUMBER.search(data, start, end) if start >= 0 and end > 0 else None
    return int(number.group(1)) if number else rows_before


def _last_column(data: bytes) -> int:
    """0-based index of the rightmost value cell in `data` (cells A..Z count as Z: cheap and safe)."""
    wide = set(_WIDE_VALUE_CELL.findall(data))
    return max((column_index(letters.decode()) for letters in wide), default=25)


def scan_sheet(path: Path, part: str) -> SheetScan:
    """Stream the sheet XML in 1 MB pieces, without building a tree or holding the sheet.

    Rows are counted by their elements at C speed; only when that count passes the limit are the
    rows holding values counted exactly (a sheet formatted far below its data is not refused).
    The error and uncalculated-formula cells kept are at most MAX_BAD_CELLS (then it stops).
    """
    scan = SheetScan()
    elements = empty = 0
    tail = b""
    for data in _chunks(path, part):
        elements += data.count(b"<row ") + data.count(b"<row>") + data.count(b":row ") + data.count(b":row>")
        empty += len(_EMPTY_ROW.findall(data))
        if not scan.has_values and _HAS_VALUE.search(data):
            scan.has_values = True
        if any(marker in data for marker in _CONTENT_MARKERS):  # calamine keeps even an empty inline string
            scan.last_row = max(scan.last_row, _last_value_row(data, elements))
            scan.last_column = max(scan.last_column, _last_column(data))
        if b"<f" in data or b":f" in data:
            for letters, row in _UNCACHED_FORMULA.findall(data):
                scan.bad_cells[(int(row), column_index(letters.decode()))] = UNCACHED_FORMULA
        if b't="e"' in data:
            for letters, row in _ERROR_CELL.findall(data):
                scan.bad_cells[(int(row), column_index(letters.decode()))] = ERROR_VALUE
        if len(scan.bad_cells) > MAX_BAD_CELLS:
            break
        tail = data
    scan.merged = [m.decode() for m in _MERGE.findall(tail)]
    scan.value_rows = elements - empty
    if scan.value_rows - 1 > MAX_ROWS:
        exact = _rows_with_values(path, part, MAX_ROWS + 1)
        if exact <= MAX_ROWS + 1:
            scan.value_rows = exact
    return scan


# --- rows -------------------------------------------------------------------------------------


@dataclass
class SheetRows:
    """An open sheet: header cells, where it sits, and an iterator of (Excel row, cells) data rows."""

    sheet_name: str
    header_row: int
    header: list[str]
    first_column: int
    data_rows: int
    scan: SheetScan
    rows: Iterator[tuple[int, list[Any]]]


def _is_empty(cells: list[Any]) -> bool:
    return all(c is None or c == "" or (isinstance(c, str) and not c.strip()) for c in cells)


def open_sheet(path: Path, *, preferred_sheet: str, header_test: Callable[[list[Any]], bool]) -> SheetRows:
    """Check the file, pick the sheet, refuse what cannot be imported, and find the header row.

    `header_test` tells whether a row is the header (the caller knows the column names).
    """
    check_file_type(path)
    name, part = choose_sheet(path, preferred_sheet)
    scan = scan_sheet(path, part)
    if len(scan.bad_cells) > MAX_BAD_CELLS:
        raise ImportFileError(
            f"'{name}' 시트에 오류 값이거나 저장된 값이 없는 수식 칸이 {MAX_BAD_CELLS:,}곳을 넘습니다. 엑셀에서 열어 "
            "다시 계산·저장하거나 수식을 값으로 바꾼 뒤 선택하세요."
        )
    if scan.value_rows - 1 > MAX_ROWS:
        raise ImportFileError(
            f"'{name}' 시트에 자료가 약 {scan.value_rows - 1:,}행 있습니다. 한 번에 {MAX_ROWS:,}행까지 등록할 수 있으니 "
            f"파일을 {MAX_ROWS:,}행 이하로 나누어 차례로 등록하세요."
        )
    if scan.merged:
        shown = ", ".join(scan.merged[:5]) + (" 등" if len(scan.merged) > 5 else "")
        raise ImportFileError(
            f"'{name}' 시트에 병합된 셀이 {len(scan.merged)}곳 있습니다 ({shown}). 병합을 해제하고 "
            "각 행의 칸마다 값을 채운 뒤 다시 선택하세요."
        )
    if not scan.has_values:
        raise ImportFileError(f"'{name}' 시트가 비어 있습니다. 양식의 첫 행(열 이름) 아래에 고객을 한 행에 한 명씩 입력하세요.")
    cells = scan.last_row * (scan.last_column + 1)
    if cells > MAX_CELLS:
        corner = f"{column_letters(scan.last_column)}{scan.last_row}"
        raise ImportFileError(
            f"'{name}' 시트에서 값이 든 칸이 A1부터 {corner}까지(약 {cells:,}칸) 퍼져 있어 한 번에 읽을 수 없습니다. "
            "고객 목록 밖(오른쪽·아래)의 칸에 든 값을 지우고 저장한 뒤 다시 선택하세요."
        )
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_name(name)
    except python_calamine.PasswordError:
        raise ImportFileError(ENCRYPTED) from None
    except Exception:  # noqa: BLE001 - calamine's zip/xml errors all mean "cannot read"
        raise ImportFileError(DAMAGED) from None
    start_row, first_column = sheet.start or (0, 0)
    rows = sheet.iter_rows()
    header: list[str] | None = None
    header_row = 0
    for offset, cells in enumerate(rows):
        if offset >= HEADER_SEARCH_ROWS:
            break
        if header_test(cells):
            header = ["" if c is None else str(c).strip() for c in cells]
            header_row = start_row + offset + 1
            break
    if header is None:
        raise ImportFileError(
            f"'{name}' 시트의 첫 행에서 열 이름(고객번호, 고객명, 계좌번호 …)을 찾을 수 없습니다. "
            "'양식 다운로드'로 받은 양식의 첫 행을 그대로 두고 그 아래에 입력하세요."
        )

    def data() -> Iterator[tuple[int, list[Any]]]:
        for offset, cells in enumerate(rows, start=header_row - start_row):
            if not _is_empty(cells):
                yield start_row + offset + 1, cells

    remaining = max(scan.value_rows - 1, 0)
    return SheetRows(name, header_row, header, first_column, remaining, scan, data())
