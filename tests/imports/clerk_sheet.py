"""A clerk's own member list, as an academy keeps it: not the template.

A title line (merged across), a date line and a blank row above the header; its own column names
(회원번호, 이름, 보호자, 연락처, 생년월일, 은행, 원비, 출금일, 시작월 …); banks by name or by a bare
code; birth dates typed into date cells; phone and account numbers some of which Excel stored as
numbers; a row count (순번) and a column nobody knows (메모사항); a blank row between members.

The same content is written as .xlsx here (openpyxl) and as .xls by `make_xls_fixture.py` (xlwt,
run once; the .xls is committed as tests/imports/fixtures/clerk_list.xls).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook

SHEET = "3월 회원명단"
TITLE = "해오름수학학원 2026년 3월 회원 명단"
WRITTEN = "작성: 2026-03-05 원무실"
HEADER = ["순번", "회원번호", "이름", "학년", "보호자", "연락처", "생년월일", "은행", "계좌번호", "예금주", "원비", "출금일",
          "항목", "시작월", "메모사항"]
HEADER_ROW = 4
"""The Excel row of the header (title, date line, blank row above it)."""

ROWS: list[list[Any]] = [
    # 순번, 회원번호, 이름, 학년, 보호자, 연락처, 생년월일, 은행, 계좌번호, 예금주, 원비, 출금일, 항목, 시작월, 메모사항
    [1, "H001", "김민준", "초3", "김철수", "010-1234-5678", date(1980, 1, 2), "국민", "123456-01-234567", "김철수",
     300000, 25, "수강료", "2026-04", "형제 할인 문의"],
    [2, "H002", "이서연", "중1", "이영희", 1098765432.0, date(1982, 5, 17), "NH농협은행", 3021234567891.0, "이영희",
     250000, "5일", "수강료", "2026-04", ""],
    [3, "H003", "박지호", "초5", "박민수", "010-2222-3333", "1979.11.30", 4, "110-12-3456-78-9", "박민수",
     280000, 25, "수강료", "2026.4", ""],
    [4, "H004", "최유나", "초2", "최지은", "010-3333-4444", date(1985, 7, 7), "카카오뱅크", "3333-01-1234567", "최지은",
     300000, 25, "수강료", "2026-04", "차량 이용"],
    [5, "H005", "정하늘", "초4", "정우성", "010-4444-5555", date(1978, 12, 31), "IBK기업은행", "123-456789-01-011",
     "정우성", 300000, 5, "수강료", "2026-04", ""],
    [6, "H006", "강도윤", "중2", "강동원", "010-5555-6666", date(1981, 3, 15), "토스뱅크", "1000-1234-5678", "강동원",
     320000, 25, "수강료", "2026-04", ""],
    None,  # a blank row between members
    [7, "H007", "윤서아", "초6", "윤아름", "010-6666-7777", date(1983, 8, 20), "우체국", "123456-02-123456", "윤아름",
     300000, 25, "수강료", "2026-04", ""],
    [8, "H008", "임도현", "초1", "임꺽정", "010-7777-8888", date(1984, 4, 4), "새마을금고", "9002-12-3456789", "임꺽정",
     300000, 25, "수강료", "2026-04", ""],
    [9, "H009", "한지민", "중3", "한석규", "010-8888-9999", date(1979, 9, 9), "신협", "131-012-345678", "한석규",
     300000, 25, "수강료", "2026-04", ""],
    [10, "H010", "오세훈", "초3", "오정민", "010-1111-2222", date(1986, 6, 6), "국민은행", "123456", "오정민",
     300000, 25, "수강료", "2026-04", "계좌번호 확인 필요"],
    [11, "H011", "서지우", "초4", "서태웅", "010-1212-3434", date(1987, 2, 2), "뱅크", "3333-02-7654321", "서태웅",
     300000, 25, "수강료", "2026-04", ""],
]
"""Members 1–10 are valid (10 has a 6-digit KB account: warned); 11 names no one bank ('뱅크')."""

DATA_ROWS = {number: HEADER_ROW + offset + 1 for offset, row in enumerate(ROWS) if row for number in [row[1]]}
"""회원번호 → its Excel row."""


def write_clerk_xlsx(path: Path) -> Path:
    """The list as a .xlsx the way Excel keeps it: numbers as numbers, dates as date cells."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws.append([WRITTEN])
    ws.append([])
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row or [])
    for cells in ws.iter_rows(min_row=HEADER_ROW + 1, min_col=7, max_col=7):
        for cell in cells:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    wb.save(path)
    return path
