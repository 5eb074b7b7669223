"""Input too big for a desk PC: .xlsx zip bombs, calamine's dense range, the row scan's memory.

The attacks: a 3 MB workbook whose sheet unpacks to 1 GB (the import froze at 1.4 GB and four
minutes), a "row" of blanks that never ends (the scan's carry buffer grew with it), and two value
cells at A1 and ZZ100000 (calamine allocates every cell between: 2 GB from 3 KB). Each must be
refused in Korean, quickly, with memory bounded; the largest legitimate template (200,000 rows ×
28 columns) must still pass the same checks.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from app.services.customers.imports import flow as imports
from app.services.customers.imports import reader as import_reader
from app.services.customers.imports import rows
from app.services.customers.imports.reader import ImportFileError, column_letters
from tests.factories import Office
from tests.imports.conftest import table_counts
from tests.imports.workbooks import as_list, row_values, write_customers, write_rows
from tests.security.cli import ROOT, login_env, run_cli

SHEET = "xl/worksheets/sheet1.xml"
HANGUL = range(0xAC00, 0xD7A4)


def _workbook(path: Path, body: Iterable[bytes], *, level: int = 9) -> Path:
    """A real template workbook whose sheet data is replaced by `body`, streamed into the zip."""
    seed = write_rows(path.with_suffix(".seed.xlsx"), [])
    with zipfile.ZipFile(seed) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as out:
        for name in src.namelist():
            data = src.read(name)
            if name != SHEET:
                out.writestr(name, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with out.open(name, "w", force_zip64=True) as stream:
                stream.write(head)
                for piece in body:
                    stream.write(piece)
                stream.write(b"</sheetData>" + tail)
    seed.unlink()
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 1 GB of repeated one-cell rows, compressed to about 3 MB."""
    cell = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    block = cell * ((1 << 20) // len(cell))
    return _workbook(tmp_path_factory.mktemp("bomb") / "bomb.xlsx", (block for _ in range(1000)))


def _korean(text: str) -> bool:
    return any(ord(ch) in HANGUL for ch in text)


_PROBE = """
import json, resource, sys, time
from pathlib import Path
from app.services.customers.imports import flow as imports, reader as import_reader
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    import_reader.open_sheet(Path(sys.argv[1]), preferred_sheet=imports.TEMPLATE_SHEET,
                             header_test=imports.looks_like_header)
    message = None
except import_reader.ImportFileError as error:
    message = error.message
seconds = time.perf_counter() - started
extra_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps({"seconds": seconds, "extra_mb": extra_mb, "message": message}))
"""


def _probe(path: Path) -> dict[str, object]:
    """Open `path` as the import does, in a fresh process: seconds, extra peak memory (MB), message."""
    done = subprocess.run([sys.executable, "-c", _PROBE, str(path)], capture_output=True, text=True, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_zip_bomb_is_refused_at_once_without_unpacking(bomb: Path) -> None:
    assert bomb.stat().st_size < 4_000_000
    with zipfile.ZipFile(bomb) as zf:
        assert zf.getinfo(SHEET).file_size > 1_000_000_000
    found = _probe(bomb)
    assert found["message"] and "압축을 풀면 지나치게 커집니다" in str(found["message"])
    assert float(found["seconds"]) < 5  # type: ignore[arg-type]
    assert float(found["extra_mb"]) < 100  # type: ignore[arg-type]


def test_the_command_line_refuses_the_bomb_in_one_korean_line(office: Office, bomb: Path, tmp_path: Path) -> None:
    started = time.monotonic()
    done = run_cli("import-customers", str(bomb), "--contract", office.institution_code,
                   env=login_env(office.db, tmp_path / "data"), timeout=60)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("오류: ") and "압축을 풀면 지나치게 커집니다" in lines[0]
    assert time.monotonic() - started < 30  # the whole process, login included: nothing was unpacked
    assert table_counts(office.db) == (0, 0, 0)


def test_the_row_scan_holds_one_row_at_most_even_past_the_directory_check(tmp_path: Path) -> None:
    """A directory that passed (or lied) still cannot make the scan's buffer grow: 100 MB of blanks
    with no row in them is refused once the carried "row" passes MAX_ROW_BYTES."""
    blanks = _workbook(tmp_path / "blanks.xlsx", (b" " * (1 << 20) for _ in range(100)))
    with pytest.raises(ImportFileError, match="한 행이"):
        import_reader.scan_sheet(blanks, SHEET)


def test_two_far_apart_values_are_refused_before_calamine_allocates_the_range(tmp_path: Path) -> None:
    """A1 and ZZ100000: 3 KB on disk, 70 million cells (2 GB) in calamine; refused, naming the corner."""
    far = _workbook(tmp_path / "far.xlsx", [
        b'<row r="2"><c r="A2" t="inlineStr"><is><t>C1</t></is></c></row>',
        b'<row r="100000"><c r="ZZ100000" t="inlineStr"><is><t></t></is></c></row>',
    ])
    found = _probe(far)
    assert found["message"] and "ZZ100000" in str(found["message"]) and _korean(str(found["message"]))
    assert float(found["extra_mb"]) < 100  # type: ignore[arg-type]


def test_too_many_error_cells_are_refused_instead_of_listed(tmp_path: Path) -> None:
    cells = b"".join(b'<row r="%d"><c r="A%d" t="e"><v>#N/A</v></c></row>' % (n, n)
                     for n in range(2, import_reader.MAX_BAD_CELLS + 10))
    errors = _workbook(tmp_path / "errors.xlsx", [cells])
    with pytest.raises(ImportFileError, match="오류 값이거나"):
        import_reader.open_sheet(errors, preferred_sheet=imports.TEMPLATE_SHEET, header_test=rows.looks_like_header)


def _template_rows(count: int) -> Iterable[bytes]:
    """The XML openpyxl writes for the template's rows (inline strings), 5,000 rows at a time."""
    def row(n: int) -> str:
        cells = []
        for i, value in enumerate(as_list(row_values(n))):
            ref = f"{column_letters(i)}{n + 1}"
            if isinstance(value, int):
                cells.append(f'<c r="{ref}" t="n"><v>{value}</v></c>')
            elif value == "":
                cells.append(f'<c r="{ref}" t="inlineStr" />')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
        return f'<row r="{n + 1}">' + "".join(cells) + "</row>"

    for start in range(1, count + 1, 5000):
        yield "".join(row(n) for n in range(start, min(start + 5000, count + 1))).encode()


def test_the_largest_legitimate_template_passes_the_limits_with_margin(tmp_path: Path) -> None:
    """200,000 rows × 30 columns (학생이름 and 학생생년월일 included), byte for byte what openpyxl writes: about
    300 MB at ratio 11 (the limits' measurement). It passes the directory check and the scan, and sits well under every limit."""
    big = _workbook(tmp_path / "big.xlsx", _template_rows(import_reader.MAX_ROWS), level=6)
    with zipfile.ZipFile(big) as zf:
        info = zf.getinfo(SHEET)
    assert info.file_size * 2 <= import_reader.MAX_PART_BYTES * 1.05
    assert info.file_size / info.compress_size * 5 < import_reader.MAX_RATIO
    import_reader.check_file_type(big)
    scan = import_reader.scan_sheet(big, SHEET)
    assert scan.value_rows - 1 == import_reader.MAX_ROWS and scan.last_column == 29
    assert scan.last_row * (scan.last_column + 1) < import_reader.MAX_CELLS


def test_an_ordinary_file_still_imports(office: Office, tmp_path: Path) -> None:
    path = write_customers(tmp_path / "ok.xlsx", 30)
    preview = imports.preview_import(office.db, office.admin, office.contract_id, path)
    assert preview.error_count == 0 and preview.total == 30
