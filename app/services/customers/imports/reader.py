"""Reading the clerk's customer workbook for 일괄등록: refuse what cannot be read safely, stream the rest.

Why it is built this way:

* The file type is decided from its first bytes, not its name: a renamed text file and a
  password-protected workbook (an OLE/CFB container holding an ``EncryptionInfo`` stream, or an
  .xls with a FILEPASS record) each get their own Korean message that says what to do in Excel.
* An old .xls workbook (BIFF, Excel 97–2003) is read too: clerks keep lists exported years ago.
  calamine reads it, but it builds every sheet's whole rectangle when the file is opened, so a
  5 KB .xls with values at A1 and IV65536 would cost a gigabyte. Before calamine sees it, one pass
  over the BIFF records (`scan_xls`) finds each sheet's extent, encryption and error cells.
* A title line or a few blank rows above the header row are normal in a clerk's own list: the
  header is looked for in the first ``HEADER_SEARCH_ROWS`` rows, and a merged title above it is
  allowed (merged cells from the header row down are refused: which row owns the value?).
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

import itertools
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from xml.etree import ElementTree

import python_calamine

from app.services.common.errors import ServiceError

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

MAX_XLS_BYTES = 256_000_000
"""Largest .xls read. The format holds at most 65,536 rows; a full list of them with the template's
columns is about 30 MB, so anything near this size is not a customer list."""

SAVE_AS_XLSX = "엑셀에서 파일을 열고 '다른 이름으로 저장' → 파일 형식 'Excel 통합 문서(*.xlsx)'로 저장한 뒤 그 파일을 선택하세요."
NOT_XLSX = "엑셀 통합 문서(.xlsx) 파일이 아닙니다. " + SAVE_AS_XLSX
XLS_TOO_BIG = "예전 엑셀 형식(.xls) 파일이 지나치게 큽니다({size:,}MB). " + SAVE_AS_XLSX
XLSB = "엑셀 바이너리 통합 문서(.xlsb)는 읽을 수 없습니다. " + SAVE_AS_XLSX
ENCRYPTED = (
    "암호가 걸린 엑셀 파일입니다. 엑셀에서 파일을 열고 '파일 → 정보 → 통합 문서 보호 → 암호 설정'에서 "
    "암호를 지우고 저장한 뒤 다시 선택하세요."
)
DAMAGED = "엑셀 파일을 읽을 수 없습니다. 파일이 손상되었을 수 있습니다. 엑셀에서 열어 다시 저장한 뒤 선택하세요."
TOO_BIG = (
    "엑셀 파일의 압축을 풀면 지나치게 커집니다({part}: 약 {size:,}MB, 압축률 {ratio:,}배). {subject}으로 볼 수 없는 "
    "파일이어서 읽지 않았습니다. {retry}"
)
ROW_TOO_BIG = (
    "엑셀 시트에 한 행이 {limit:,}MB를 넘는 부분이 있어 읽지 않았습니다. {subject}으로 볼 수 없는 파일입니다. {retry}"
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


@dataclass(frozen=True)
class SheetWording:
    """What the refusals call the list, what they ask the clerk to do, and how much one file may hold.

    The same safety checks guard the customer list of 일괄등록 (the default) and the office's bank
    statement of 통장입금대사 (app/services/collection/statements/reader.py passes its own), so a
    clerk reading a bank file is not told to fix a "고객 목록". Every subject ends in a final
    consonant, as the messages attach 으로 to it.
    """

    subject: str = "고객 목록"
    retry: str = "엑셀에서 고객 행만 새 통합 문서에 복사해 저장한 뒤 선택하세요."
    no_sheet: str = "고객 목록을 담은 시트가 없습니다. 양식의 '고객목록' 시트에 입력하세요."
    empty_xlsx: str = "양식의 첫 행(열 이름) 아래에 고객을 한 행에 한 명씩 입력하세요."
    empty_xls: str = "첫 행(열 이름) 아래에 고객을 한 행에 한 명씩 입력하세요."
    too_many_rows: str = "한 번에 {limit:,}행까지 등록할 수 있으니 파일을 {limit:,}행 이하로 나누어 차례로 등록하세요."
    max_rows: int = MAX_ROWS
    max_cells: int = MAX_CELLS


CUSTOMER_LIST = SheetWording()


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


_FREE = 0xFFFFFFFA  # sector numbers at or above this end a chain (free, end of chain, FAT, DIFAT)


class _Compound:
    """Just enough of MS-CFB (the OLE container of .xls and of encrypted .xlsx) to list its streams
    and read one. Every chain is followed with a guard, so a damaged or hostile file ends in
    struct.error or OSError (both read as "damaged"), never in a loop."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        fh.seek(0)
        header = fh.read(512)
        if len(header) < 512:
            raise struct.error("short header")
        self.sector_size = 1 << struct.unpack_from("<H", header, 30)[0]
        if self.sector_size not in (512, 4096):
            raise struct.error("sector size")
        self.mini_sector_size = 1 << struct.unpack_from("<H", header, 32)[0]
        fat_count, first_dir = struct.unpack_from("<II", header, 44)
        self.mini_cutoff = struct.unpack_from("<I", header, 56)[0]
        first_minifat, minifat_count = struct.unpack_from("<II", header, 60)
        first_difat, difat_count = struct.unpack_from("<II", header, 68)
        fat_sectors = [s for s in struct.unpack_from("<109I", header, 76) if s < _FREE]
        next_difat, guard = first_difat, 0
        while next_difat < _FREE and guard < difat_count + 1:
            entries = struct.unpack(f"<{self.sector_size // 4}I", self._sector(next_difat))
            fat_sectors.extend(s for s in entries[:-1] if s < _FREE)
            next_difat, guard = entries[-1], guard + 1
        self.fat: list[int] = []
        for number in fat_sectors[:fat_count]:
            block = self._sector(number)
            self.fat.extend(struct.unpack(f"<{len(block) // 4}I", block))
        self.entries: dict[str, tuple[int, int, int]] = {}  # name → (type, start, size)
        root: tuple[int, int] | None = None
        for sector in self._chain(first_dir):
            block = self._sector(sector)
            for offset in range(0, len(block) - 127, 128):
                size = struct.unpack_from("<H", block, offset + 64)[0]
                if not 2 <= size <= 64:
                    continue
                name = block[offset:offset + size - 2].decode("utf-16-le", "replace")
                kind = block[offset + 66]
                start, length = struct.unpack_from("<II", block, offset + 116)
                self.entries.setdefault(name, (kind, start, length))
                if kind == 5 and root is None:
                    root = (start, length)
        self.root = root
        self.minifat: list[int] = []
        for sector in list(self._chain(first_minifat))[:max(minifat_count, 0)]:
            block = self._sector(sector)
            self.minifat.extend(struct.unpack(f"<{len(block) // 4}I", block))

    def _sector(self, number: int) -> bytes:
        self.fh.seek((number + 1) * self.sector_size)
        return self.fh.read(self.sector_size)

    def _chain(self, start: int, table: list[int] | None = None) -> Iterator[int]:
        links = self.fat if table is None else table
        sector, seen = start, set()
        while sector < _FREE and sector < len(links) and sector not in seen:
            seen.add(sector)
            yield sector
            sector = links[sector]

    @property
    def names(self) -> set[str]:
        return set(self.entries)

    def read(self, name: str, limit: int) -> bytes:
        """The named stream (at most `limit` bytes are ever held: a larger stream raises ValueError)."""
        _kind, start, size = self.entries[name]
        if size > limit:
            raise ValueError(size)
        if size < self.mini_cutoff and self.root is not None:
            container = b"".join(self._sector(s) for s in self._chain(self.root[0]))
            step = self.mini_sector_size
            data = b"".join(container[s * step:(s + 1) * step] for s in self._chain(start, self.minifat))
        else:
            parts: list[bytes] = []
            held = 0
            for sector in self._chain(start):
                parts.append(self._sector(sector))
                held += self.sector_size
                if held >= size:
                    break
            data = b"".join(parts)
        return data[:size]


def _stream_names(path: Path) -> set[str]:
    with path.open("rb") as fh:
        return _Compound(fh).names


XLSX = "xlsx"
XLS = "xls"


def check_file_type(path: Path, wording: SheetWording = CUSTOMER_LIST) -> str:
    """XLSX or XLS; anything else is refused with the message a clerk can act on."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except FileNotFoundError:
        raise ImportFileError(f"파일을 찾을 수 없습니다: {path.name}") from None
    except OSError:
        raise ImportFileError(f"파일을 열 수 없습니다: {path.name}. 엑셀에서 열려 있다면 닫고 다시 선택하세요.") from None
    if head.startswith(_OLE_MAGIC):
        try:
            names = {n.lower() for n in _stream_names(path)}
        except (OSError, struct.error):
            names = set()
        if {"encryptioninfo", "encryptedpackage"} & names:
            raise ImportFileError(ENCRYPTED)
        if {"workbook", "book"} & names:
            size = path.stat().st_size
            if size > MAX_XLS_BYTES:
                raise ImportFileError(XLS_TOO_BIG.format(size=size // 1_000_000))
            return XLS
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
    check_archive(path, wording)
    return XLSX


def _is_bulk_part(name: str) -> bool:
    """Parts that may legitimately be large: worksheets and the shared strings."""
    lowered = name.lower()
    return lowered.startswith("xl/worksheets/") or lowered.endswith("sharedstrings.xml")


def check_archive(path: Path, wording: SheetWording = CUSTOMER_LIST) -> None:
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
                                                 ratio=int(ratio), subject=wording.subject, retry=wording.retry))


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


def choose_sheet(path: Path, preferred: str, wording: SheetWording = CUSTOMER_LIST) -> tuple[str, str]:
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
    for name, part, visible in sheets:
        if visible and name != "안내":  # a clerk's own book may call its one sheet 목록
            return name, part
    raise ImportFileError(wording.no_sheet)


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


def _chunks(path: Path, part: str, wording: SheetWording = CUSTOMER_LIST) -> Iterator[bytes]:
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
                        raise ImportFileError(ROW_TOO_BIG.format(limit=MAX_ROW_BYTES // 1_000_000,
                                                                 subject=wording.subject, retry=wording.retry))
                    carry = data
                    continue
                carry = data[cut:]
                yield data[:cut]
            yield carry
    except (zipfile.BadZipFile, zlib.error, KeyError, EOFError):
        raise ImportFileError(DAMAGED) from None


def _rows_with_values(path: Path, part: str, stop_after: int, wording: SheetWording = CUSTOMER_LIST) -> int:
    """Exact count of rows holding a value, one row at a time; stops once past `stop_after`."""
    count = 0
    for data in _chunks(path, part, wording):
        starts = [m.start() for m in _ROW_START.finditer(data)] + [len(data)]
        for begin, end in itertools.pairwise(starts):
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


def scan_sheet(path: Path, part: str, wording: SheetWording = CUSTOMER_LIST) -> SheetScan:
    """Stream the sheet XML in 1 MB pieces, without building a tree or holding the sheet.

    Rows are counted by their elements at C speed; only when that count passes the limit are the
    rows holding values counted exactly (a sheet formatted far below its data is not refused).
    The error and uncalculated-formula cells kept are at most MAX_BAD_CELLS (then it stops).
    """
    scan = SheetScan()
    elements = empty = 0
    tail = b""
    for data in _chunks(path, part, wording):
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
    if scan.value_rows - 1 > wording.max_rows:
        exact = _rows_with_values(path, part, wording.max_rows + 1, wording)
        if exact <= wording.max_rows + 1:
            scan.value_rows = exact
    return scan


# --- old .xls: one pass over the BIFF records before calamine -------------------------------------

_BOF, _EOF, _BOUNDSHEET, _FILEPASS = 0x0809, 0x000A, 0x0085, 0x002F
_VALUE_RECORDS = frozenset({0x0203, 0x0204, 0x00FD, 0x027E, 0x0006, 0x0205, 0x00D6})
"""NUMBER, LABEL, LABELSST, RK, FORMULA, BOOLERR, RSTRING: the records calamine turns into cells
(BLANK/MULBLANK, formatted empty cells, are not: measured, they do not widen its range)."""
_MULRK = 0x00BD


@dataclass
class _XlsExtent:
    first_row: int = 1 << 30
    last_row: int = -1
    first_col: int = 1 << 30
    last_col: int = -1
    rows: set[int] = field(default_factory=set)
    bad_cells: dict[tuple[int, int], str] = field(default_factory=dict)

    def add(self, row: int, first_col: int, last_col: int) -> None:
        self.first_row, self.last_row = min(self.first_row, row), max(self.last_row, row)
        self.first_col, self.last_col = min(self.first_col, first_col), max(self.last_col, last_col)
        self.rows.add(row)

    @property
    def cells(self) -> int:
        if self.last_row < 0:
            return 0
        return (self.last_row - self.first_row + 1) * (self.last_col - self.first_col + 1)


def _sheet_name(body: bytes, biff8: bool) -> str:
    """A BOUNDSHEET record's name (BIFF8: ShortXLUnicodeString; BIFF5: bytes in the ANSI codepage)."""
    count = body[6]
    if biff8:
        wide = body[7] & 1
        raw = body[8:8 + count * (2 if wide else 1)]
        return raw.decode("utf-16-le" if wide else "latin-1", "replace")
    return body[7:7 + count].decode("cp949", "replace")


def scan_xls(path: Path, wording: SheetWording = CUSTOMER_LIST) -> dict[str, SheetScan]:
    """Each worksheet's extent, rows with values and error cells, from the Workbook stream alone.

    Refuses an encrypted .xls (FILEPASS), a damaged container, and a workbook whose sheets would
    make calamine hold more than MAX_CELLS cells (it builds every sheet's rectangle on opening).
    """
    try:
        with path.open("rb") as fh:
            compound = _Compound(fh)
            stream = next((n for n in ("Workbook", "Book", "WORKBOOK", "BOOK") if n in compound.names), None)
            if stream is None:
                raise ImportFileError(DAMAGED)
            data = compound.read(stream, MAX_XLS_BYTES)
    except (OSError, struct.error, KeyError, ValueError):
        raise ImportFileError(DAMAGED) from None
    names: dict[int, tuple[str, bool]] = {}
    extents: dict[int, _XlsExtent] = {}
    current: _XlsExtent | None = None
    biff8 = True
    position, end = 0, len(data)
    while position + 4 <= end:
        kind, size = struct.unpack_from("<HH", data, position)
        body = data[position + 4:position + 4 + size]
        if kind == _BOF and len(body) >= 4:
            substream = struct.unpack_from("<H", body, 2)[0]
            if not extents and current is None and not names:
                biff8 = struct.unpack_from("<H", body, 0)[0] >= 0x0600
            current = extents.setdefault(position, _XlsExtent()) if substream == 0x0010 else None
        elif kind == _EOF:
            current = None
        elif kind == _FILEPASS:
            raise ImportFileError(ENCRYPTED)
        elif kind == _BOUNDSHEET and len(body) >= 8:
            offset, visibility, sheet_type = struct.unpack_from("<IBB", body, 0)
            if sheet_type == 0:
                names[offset] = (_sheet_name(body, biff8), visibility == 0)
        elif current is not None and len(body) >= 4:
            if kind in _VALUE_RECORDS:
                row, col = struct.unpack_from("<HH", body, 0)
                current.add(row, col, col)
                boolerr = kind == 0x0205 and len(body) >= 8 and body[7] == 1  # BOOLERR holding an error
                failed = kind == 0x0006 and len(body) >= 14 and body[6] == 2 and body[12:14] == b"\xff\xff"
                if boolerr or failed:  # calamine hands both over as an empty cell
                    current.bad_cells[(row + 1, col)] = ERROR_VALUE
            elif kind == _MULRK and size >= 6:
                row, first = struct.unpack_from("<HH", body, 0)
                last = struct.unpack_from("<H", body, size - 2)[0]
                current.add(row, first, max(first, last))
        position += 4 + size
    total = sum(e.cells for e in extents.values())
    if total > wording.max_cells:
        widest = max(extents.values(), key=lambda e: e.cells)
        corner = f"{column_letters(widest.last_col)}{widest.last_row + 1}"
        raise ImportFileError(
            f"엑셀 파일에서 값이 든 칸이 {corner}까지(시트 모두 합쳐 약 {total:,}칸) 퍼져 있어 한 번에 읽을 수 없습니다. "
            f"{wording.subject} 밖(오른쪽·아래)의 칸에 든 값을 지우거나 다른 시트를 지우고 저장한 뒤 다시 선택하세요."
        )
    scans: dict[str, SheetScan] = {}
    for offset, extent in extents.items():
        name, _visible = names.get(offset, ("", True))
        scans[name] = SheetScan(value_rows=len(extent.rows), has_values=bool(extent.rows),
                                last_row=extent.last_row + 1, last_column=max(extent.last_col, 0),
                                bad_cells=extent.bad_cells)
    return scans


def _xls_sheet(workbook: Any, preferred: str, wording: SheetWording = CUSTOMER_LIST) -> str:
    """The sheet named `preferred`, else the first visible worksheet that is not 안내/목록."""
    sheets = [m for m in workbook.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
    for meta in sheets:
        if meta.name == preferred:
            return str(meta.name)
    visible = [m for m in sheets if m.visible == python_calamine.SheetVisibleEnum.Visible]
    for meta in visible:
        if meta.name not in ("안내", "목록"):
            return str(meta.name)
    if visible:  # a clerk's own book may call its one sheet 목록
        return str(visible[0].name)
    raise ImportFileError(wording.no_sheet)


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


def _merge_rows(ref: str) -> tuple[int, int]:
    """'L2:L3' → (2, 3); 'B5' → (5, 5)."""
    numbers = [int(re.sub(r"[A-Z]", "", part)) for part in ref.split(":")]
    return numbers[0], numbers[-1]


def _refuse_merges(name: str, merged: list[str], header_row: int) -> None:
    """Merged cells from the header row down are refused; a merged title above the header is not."""
    inside = [ref for ref in merged if _merge_rows(ref)[1] >= header_row]
    if inside:
        shown = ", ".join(inside[:5]) + (" 등" if len(inside) > 5 else "")
        raise ImportFileError(
            f"'{name}' 시트에 병합된 셀이 {len(inside)}곳 있습니다 ({shown}). 병합을 해제하고 "
            "각 행의 칸마다 값을 채운 뒤 다시 선택하세요."
        )


def _open_xlsx(path: Path, preferred_sheet: str, wording: SheetWording) -> tuple[str, SheetScan, Any]:
    name, part = choose_sheet(path, preferred_sheet, wording)
    scan = scan_sheet(path, part, wording)
    if len(scan.bad_cells) > MAX_BAD_CELLS:
        raise ImportFileError(
            f"'{name}' 시트에 오류 값이거나 저장된 값이 없는 수식 칸이 {MAX_BAD_CELLS:,}곳을 넘습니다. 엑셀에서 열어 "
            "다시 계산·저장하거나 수식을 값으로 바꾼 뒤 선택하세요."
        )
    if scan.value_rows - 1 > wording.max_rows:
        raise ImportFileError(
            f"'{name}' 시트에 자료가 약 {scan.value_rows - 1:,}행 있습니다. "
            + wording.too_many_rows.format(limit=wording.max_rows)
        )
    if not scan.has_values:
        raise ImportFileError(f"'{name}' 시트가 비어 있습니다. {wording.empty_xlsx}")
    cells = scan.last_row * (scan.last_column + 1)
    if cells > wording.max_cells:
        corner = f"{column_letters(scan.last_column)}{scan.last_row}"
        raise ImportFileError(
            f"'{name}' 시트에서 값이 든 칸이 A1부터 {corner}까지(약 {cells:,}칸) 퍼져 있어 한 번에 읽을 수 없습니다. "
            f"{wording.subject} 밖(오른쪽·아래)의 칸에 든 값을 지우고 저장한 뒤 다시 선택하세요."
        )
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        return name, scan, workbook.get_sheet_by_name(name)
    except python_calamine.PasswordError:
        raise ImportFileError(ENCRYPTED) from None
    except Exception:  # noqa: BLE001 - calamine's zip/xml errors all mean "cannot read"
        raise ImportFileError(DAMAGED) from None


def _open_xls(path: Path, preferred_sheet: str, wording: SheetWording) -> tuple[str, SheetScan, Any]:
    scans = scan_xls(path, wording)
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        raise ImportFileError(ENCRYPTED) from None
    except Exception:  # noqa: BLE001 - calamine's BIFF errors all mean "cannot read"
        raise ImportFileError(DAMAGED) from None
    name = _xls_sheet(workbook, preferred_sheet, wording)
    try:
        sheet = workbook.get_sheet_by_name(name)
    except Exception:  # noqa: BLE001 - calamine's errors for a damaged sheet all mean "cannot read"
        raise ImportFileError(DAMAGED) from None
    scan = scans.get(name) or SheetScan(value_rows=sheet.height, has_values=sheet.height > 0)
    scan.merged = [f"{column_letters(c0)}{r0 + 1}:{column_letters(c1)}{r1 + 1}"
                   for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
    if not scan.has_values:
        raise ImportFileError(f"'{name}' 시트가 비어 있습니다. {wording.empty_xls}")
    return name, scan, sheet


def open_workbook_sheet(path: Path, *, preferred_sheet: str,
                        wording: SheetWording = CUSTOMER_LIST) -> tuple[str, SheetScan, Any]:
    """Check the file (.xlsx or .xls), pick the sheet and refuse what cannot be read safely.

    Returns the sheet's name, what the scan found, and the calamine sheet (`iter_rows()`, `start`).
    """
    kind = check_file_type(path, wording)
    if kind == XLS:
        return _open_xls(path, preferred_sheet, wording)
    return _open_xlsx(path, preferred_sheet, wording)


def open_sheet(path: Path, *, preferred_sheet: str, header_test: Callable[[list[Any]], bool]) -> SheetRows:
    """Check the file (.xlsx or .xls), pick the sheet, refuse what cannot be imported, find the header row.

    `header_test` tells whether a row is the header (the caller knows the column names); it is
    asked for each of the first HEADER_SEARCH_ROWS rows, so a title and blank rows may come first.
    """
    name, scan, sheet = open_workbook_sheet(path, preferred_sheet=preferred_sheet)
    start_row, first_column = sheet.start or (0, 0)
    rows = sheet.iter_rows()
    header: list[str] | None = None
    header_row = 0
    for offset, cells in enumerate(rows):
        if start_row + offset >= HEADER_SEARCH_ROWS:
            break
        if header_test(cells):
            header = ["" if c is None else str(c).strip() for c in cells]
            header_row = start_row + offset + 1
            break
    if header is None:
        raise ImportFileError(
            f"'{name}' 시트의 처음 {HEADER_SEARCH_ROWS}행에서 열 이름(고객번호, 고객명, 계좌번호 …)을 찾을 수 없습니다. "
            "열 이름이 한 행에 모여 있는지 확인하거나 '양식 다운로드'로 받은 양식에 옮겨 입력하세요."
        )
    _refuse_merges(name, scan.merged, header_row)

    def data() -> Iterator[tuple[int, list[Any]]]:
        for offset, cells in enumerate(rows, start=header_row - start_row):
            if not _is_empty(cells):
                yield start_row + offset + 1, cells

    remaining = max(scan.value_rows - (header_row - start_row), 0)
    return SheetRows(name, header_row, header, first_column, remaining, scan, data())
