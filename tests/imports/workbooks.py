"""Builders of the workbooks the 일괄등록 tests and the benchmark read: valid rows, and every bad kind.

Deterministic, no randomness; account numbers and birth dates are made up but pass the rules.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from app.services.customers.imports.rows import COLUMNS

HEADER = [c.header for c in COLUMNS]
BANKS = ("004", "088", "020", "081", "011", "003", "090")


def row_values(number: int, *, item: str = "수강료", day: int = 25, **changes: Any) -> dict[str, Any]:
    """One valid row as {header: value}; `changes` override by header-less key (see COLUMNS keys)."""
    values = {
        "customer_no": f"C{number:07d}",
        "name": f"학생{number}",
        "customer_type": "개인",
        "grade": ("초등1", "초등2", "중등1")[number % 3],
        "id_no": "",
        "representative": f"보호자{number}",
        "phone": "",
        "mobile": f"010-{2000 + number % 8000:04d}-{number % 10000:04d}",
        "email": f"parent{number}@example.kr",
        "industry": "",
        "joined_on": "2026-03-02",
        "region": "서울 강남구",
        "postal_code": "06236",
        "address": "서울 강남구 테헤란로 1",
        "address_detail": f"{100 + number % 20}동 {number % 900 + 100}호",
        "memo": "",
        "item": item,
        "debit_limit": 500000,
        "monthly_amount": 300000 + (number % 10) * 10000,
        "discount_rate": 10 if number % 7 == 0 else 0,
        "first_month": "2026-04",
        "last_month": "",
        "debit_day": day,
        "bank_code": BANKS[number % len(BANKS)],
        "account_no": f"0{number:011d}"[-12:].rjust(12, "0"),
        "holder_name": f"보호자{number}",
        "holder_id": f"{70 + number % 25:02d}{1 + number % 12:02d}{1 + number % 28:02d}",
        "manager_name": "김원장",
        "student_name": "",
        "student_birth_date": "",
    }
    values.update(changes)
    return values


def as_list(values: dict[str, Any], header: Sequence[str] = HEADER) -> list[Any]:
    by_header = {c.header: values[c.key] for c in COLUMNS}
    return [by_header.get(h, "") for h in header]


def write_rows(path: Path, rows: Iterable[Sequence[Any]], *, header: Sequence[str] = HEADER,
               sheet: str = "고객목록", write_only: bool = False) -> Path:
    """Rows under a header, strings kept as strings (openpyxl writes them as text cells)."""
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet(sheet) if write_only else wb.active
    if not write_only:
        ws.title = sheet
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def write_customers(path: Path, count: int, *, start: int = 1, write_only: bool = False, **changes: Any) -> Path:
    return write_rows(path, (as_list(row_values(n, **changes)) for n in range(start, start + count)),
                      write_only=write_only)


def huge_sheet(path: Path, rows: int) -> Path:
    """A sheet of `rows` one-cell rows under a real header, streamed into the zip (no openpyxl: fast)."""
    small = path.with_suffix(".seed.xlsx")
    write_rows(small, [])
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name in src.namelist():
            data = src.read(name)
            if name != "xl/worksheets/sheet1.xml":
                out.writestr(name, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with out.open(name, "w") as stream:
                stream.write(head.replace(b'<dimension ref="A1:AB1"', b'<dimension ref="A1:A1"'))
                batch = []
                for n in range(2, rows + 2):
                    batch.append(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>C{n}</t></is></c></row>')
                    if len(batch) == 10_000:
                        stream.write("".join(batch).encode())
                        batch = []
                stream.write("".join(batch).encode())
                stream.write(b"</sheetData>" + tail)
    small.unlink()
    return path


def compound_file(path: Path, stream_names: Sequence[str], contents: Sequence[bytes] = ()) -> Path:
    """A minimal but well-formed OLE/CFB container (MS-CFB v3) holding the named 4 KB streams.

    An Excel workbook with a password is such a container with EncryptionInfo and
    EncryptedPackage streams; an old .xls holds a Workbook stream. `contents` gives the first
    streams' bytes (at most 4 KB each, padded); the others are filled with a letter.
    """
    sector = 512
    stream_sectors = 8  # 4096 bytes each: at the mini-stream cutoff, so they live in regular sectors
    count = len(stream_names)
    fat = [0xFFFFFFFD, 0xFFFFFFFE]  # sector 0: the FAT itself; sector 1: the directory
    starts = []
    for _ in stream_names:
        first = len(fat)
        starts.append(first)
        fat += [first + i + 1 for i in range(stream_sectors - 1)] + [0xFFFFFFFE]
    fat += [0xFFFFFFFF] * (sector // 4 - len(fat))
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIII", header, 40, 0, 1, 1, 0)  # dir sectors (0 for v3), FAT sectors, first dir, txn
    struct.pack_into("<IIIII", header, 56, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    struct.pack_into("<109I", header, 76, 0, *([0xFFFFFFFF] * 108))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = bytearray(128)
        encoded = (name + "\0").encode("utf-16-le")
        raw[0:len(encoded)] = encoded
        struct.pack_into("<HBB", raw, 64, len(encoded), kind, 1)
        struct.pack_into("<III", raw, 68, 0xFFFFFFFF, right, child)
        struct.pack_into("<II", raw, 116, start, size)
        return bytes(raw)

    directory = entry("Root Entry", 5, 1, 0xFFFFFFFF, 0xFFFFFFFE, 0)
    for index, name in enumerate(stream_names):
        right = index + 2 if index + 1 < count else 0xFFFFFFFF
        directory += entry(name, 2, 0xFFFFFFFF, right, starts[index], 4096)
    directory += b"\0" * (sector * ((len(directory) + sector - 1) // sector) - len(directory))
    body = struct.pack(f"<{sector // 4}I", *fat) + directory[:sector]
    for index in range(count):
        data = contents[index] if index < len(contents) else bytes([65 + index]) * 4096
        assert len(data) <= 4096
        body += data + b"\0" * (4096 - len(data))
    path.write_bytes(bytes(header) + body)
    return path


def biff_records(*records: tuple[int, bytes]) -> bytes:
    """BIFF8 records (type, body) as the Workbook stream of an .xls holds them."""
    return b"".join(struct.pack("<HH", kind, len(body)) + body for kind, body in records)


def biff_sheet(cells: Sequence[tuple[int, int]], *, encrypted: bool = False) -> bytes:
    """A Workbook stream: globals naming one sheet '고객목록', then that sheet with a NUMBER per cell."""
    name = "고객목록"

    def globals_part(offset: int) -> bytes:
        records = [(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0, 0, 0, 0))]
        records += [(0x002F, b"")] if encrypted else []
        records.append((0x0085, struct.pack("<IBBBB", offset, 0, 0, len(name), 1) + name.encode("utf-16-le")))
        return biff_records(*records, (0x000A, b""))

    head = globals_part(len(globals_part(0)))
    sheet = [(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0, 0, 0, 0))]
    sheet += [(0x0203, struct.pack("<HHHd", row, col, 15, 1.0)) for row, col in cells]
    return head + biff_records(*sheet, (0x000A, b""))
