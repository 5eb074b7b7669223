"""Write tests/imports/fixtures/clerk_list.xls: the clerk's list of clerk_sheet.py as an old .xls.

Run once by hand; the .xls is committed, so the tests need no .xls writer. No package of this
project writes .xls (openpyxl and calamine only read it), so this uses xlwt (PyPI, 1.3.0), installed
outside the project's virtualenv:

    python -m pip install --target /tmp/xlwt xlwt==1.3.0
    PYTHONPATH=/tmp/xlwt:. .venv/bin/python tests/imports/make_xls_fixture.py

xlwt writes BIFF8 (Excel 97–2003) as Excel does: dates as numbers with a date format, strings in
the shared string table, the title as a merged range.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.imports.clerk_sheet import HEADER, HEADER_ROW, ROWS, SHEET, TITLE, WRITTEN

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "clerk_list.xls"


def main() -> None:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(SHEET)
    dated = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    ws.write_merge(0, 0, 0, len(HEADER) - 1, TITLE)
    ws.write(1, 0, WRITTEN)
    for column, name in enumerate(HEADER):
        ws.write(HEADER_ROW - 1, column, name)
    for offset, row in enumerate(ROWS):
        for column, value in enumerate(row or []):
            if value in ("", None):
                continue
            if isinstance(value, date):
                ws.write(HEADER_ROW + offset, column, value, dated)
            else:
                ws.write(HEADER_ROW + offset, column, value)
    FIXTURE.parent.mkdir(exist_ok=True)
    wb.save(str(FIXTURE))
    print(f"wrote {FIXTURE} ({FIXTURE.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
