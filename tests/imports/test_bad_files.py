"""Every kind of bad workbook gives a clear Korean error and writes nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

import tracemalloc
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from app.services.customers.imports import flow as imports
from app.services.customers.imports.reader import MAX_ROWS, ImportFileError
from app.services.customers.imports.rows import Status
from tests.factories import Office
from tests.imports.conftest import patch_cell, table_counts
from tests.imports.workbooks import (
    HEADER,
    as_list,
    biff_sheet,
    compound_file,
    huge_sheet,
    row_values,
    write_customers,
    write_rows,
)

TODAY = date(2026, 3, 10)


def refused(office: Office, path: Path) -> str:
    with pytest.raises(ImportFileError) as caught:
        imports.preview_import(office.db, office.admin, office.contract_id, path, today=TODAY)
    assert table_counts(office.db) == (0, 0, 0)
    return caught.value.message


def preview(office: Office, path: Path, **options: object) -> imports.ImportPreview:
    return imports.preview_import(office.db, office.admin, office.contract_id, path,
                                  imports.ImportOptions(**options), today=TODAY)  # type: ignore[arg-type]


def only_error(result: imports.ImportPreview) -> tuple[int, str, str]:
    errors = result.errors
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0].row, errors[0].column, errors[0].message


def test_a_renamed_text_file(office: Office, tmp_path: Path) -> None:
    path = tmp_path / "고객.xlsx"
    path.write_text("고객번호,고객명\nC1,홍길동\n", encoding="utf-8")
    message = refused(office, path)
    assert "엑셀 통합 문서(.xlsx) 파일이 아닙니다" in message and "Excel 통합 문서(*.xlsx)" in message


def test_a_damaged_old_xls_says_it_cannot_be_read(office: Office, tmp_path: Path) -> None:
    """A real .xls is read (tests/imports/test_clerk_sheets.py); a Workbook stream of garbage is not."""
    message = refused(office, compound_file(tmp_path / "고객.xls", ["Workbook"]))
    assert "엑셀 파일을 읽을 수 없습니다" in message and "다시 저장한 뒤" in message


def test_an_xls_spread_far_is_refused_before_calamine_builds_its_rectangle(office: Office, tmp_path: Path) -> None:
    """A1 and IV65536 in a 6 KB .xls would cost calamine a gigabyte (measured); the BIFF scan refuses it."""
    from app.services.customers.imports import reader as import_reader

    path = compound_file(tmp_path / "far.xls", ["Workbook"], [biff_sheet([(0, 0), (1, 0), (65535, 255)])])
    message = refused(office, path)
    assert "IV65536" in message and "16,777,216칸" in message
    near = compound_file(tmp_path / "near.xls", ["Workbook"], [biff_sheet([(0, 0), (3, 5)])])
    scan = import_reader.scan_xls(near)["고객목록"]
    assert (scan.value_rows, scan.last_row, scan.last_column) == (2, 4, 5)


def test_an_encrypted_xls(office: Office, tmp_path: Path) -> None:
    path = compound_file(tmp_path / "암호.xls", ["Workbook"], [biff_sheet([(0, 0)], encrypted=True)])
    assert "암호가 걸린 엑셀 파일" in refused(office, path)


def test_a_password_protected_workbook(office: Office, tmp_path: Path) -> None:
    message = refused(office, compound_file(tmp_path / "암호.xlsx", ["EncryptionInfo", "EncryptedPackage"]))
    assert "암호가 걸린 엑셀 파일" in message and "암호를 지우고" in message


def test_a_missing_required_column_is_named(office: Office, tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "계좌번호"]
    rows = [as_list(row_values(1), header)]
    message = refused(office, write_rows(tmp_path / "a.xlsx", rows, header=header))
    assert "필수 열이 없습니다: 계좌번호" in message


def test_a_renamed_required_column_is_named(office: Office, tmp_path: Path) -> None:
    header = ["통장 주인" if h == "예금주명" else h for h in HEADER]
    message = refused(office, write_rows(tmp_path / "a.xlsx", [as_list(row_values(1))], header=header))
    assert "필수 열이 없습니다: 예금주명" in message and "통장 주인" in message and "--map" in message


def test_a_synonym_of_a_required_column_is_read(office: Office, tmp_path: Path) -> None:
    header = ["예금주 이름" if h == "예금주명" else h for h in HEADER]
    result = preview(office, write_rows(tmp_path / "a.xlsx", [as_list(row_values(1))], header=header))
    assert result.error_count == 0 and result.blocked_reason() is None


def test_an_empty_sheet(office: Office, tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    wb = Workbook()
    wb.active.title = "고객목록"
    wb.save(path)
    assert "비어 있습니다" in refused(office, path)


def test_a_header_without_rows(office: Office, tmp_path: Path) -> None:
    assert "고객 자료가 없습니다" in refused(office, write_rows(tmp_path / "h.xlsx", []))


def test_merged_cells_are_refused_with_their_place(office: Office, tmp_path: Path) -> None:
    path = tmp_path / "merged.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "고객목록"
    ws.append(HEADER)
    ws.append(as_list(row_values(1)))
    ws.append(as_list(row_values(2)))
    ws.merge_cells("L2:L3")
    wb.save(path)
    message = refused(office, path)
    assert "병합된 셀이 1곳" in message and "L2:L3" in message


def test_a_million_rows_is_refused_in_bounded_memory(office: Office, tmp_path: Path) -> None:
    path = huge_sheet(tmp_path / "million.xlsx", 1_000_000)
    tracemalloc.start()
    try:
        message = refused(office, path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert f"{MAX_ROWS:,}행까지" in message and "1,000,000행" in message
    assert peak < 64 * 1024 * 1024


def test_account_numbers_excel_turned_into_numbers(office: Office, tmp_path: Path) -> None:
    rows = [as_list(row_values(1, account_no=123450000000.0)),    # typed as 1.2345E+11: digits are gone
            as_list(row_values(2, account_no=12345678901)),       # a number cell that kept every digit
            as_list(row_values(3, account_no="1.2345E+11")),      # pasted as text of the display
            as_list(row_values(4)),
            as_list(row_values(5, account_no=1234567890123456.0))]  # 16 digits: Excel kept only 15
    result = preview(office, write_rows(tmp_path / "n.xlsx", rows))
    assert [(e.row, e.column) for e in result.errors] == [(2, "계좌번호"), (4, "계좌번호"), (6, "계좌번호")]
    assert all("엑셀이 숫자로 바꾼 값" in e.message for e in result.errors)
    assert "15자리가 넘는 숫자" in result.errors[2].message and "'텍스트'" in result.errors[2].message
    assert [r.status for r in result.rows] == [Status.ERROR, Status.NEW, Status.ERROR, Status.NEW, Status.ERROR]
    assert result.rows[1].agreement.account_no == "12345678901"  # read as its digits
    assert result.number_accounts == 1 and any("숫자로 저장되어" in n and "0이 빠졌을 수" in n for n in result.notices)


def test_phone_and_birth_dates_that_lost_their_zero(office: Office, tmp_path: Path) -> None:
    """Every Korean phone number starts with 0, so a number cell's lost zero is certain; a five-digit
    birth date is 0YMMDD unless it could also be an Excel date, then it is explained, not guessed."""
    rows = [as_list(row_values(1, mobile=1012345678)), as_list(row_values(2, holder_id=50101)),
            as_list(row_values(3, holder_id=900101)),  # six digits: nothing was lost
            as_list(row_values(4, holder_id=10315))]   # 010315 or 1928-03-28: both are birth dates
    result = preview(office, write_rows(tmp_path / "z.xlsx", rows))
    assert result.rows[0].customer.mobile == "010-1234-5678"
    assert result.rows[1].agreement.holder_id == "050101" and "앞자리 0이 빠진 생년월일" in result.rows[1].message
    assert result.rows[2].status is Status.NEW and result.rows[2].agreement.holder_id == "900101"
    row, column, message = only_error(result)
    assert (row, column) == (5, "예금주생년월일/사업자번호")
    assert "010315" in message and "1928-03-28" in message and "'텍스트'" in message


def test_dates_as_excel_serial_numbers_are_converted(office: Office, tmp_path: Path, key) -> None:
    rows = [as_list(row_values(1, joined_on=46082, first_month=46113.0, last_month=date(2026, 12, 1))),
            as_list(row_values(2, joined_on=date(2025, 1, 31), first_month=202605))]
    result = preview(office, write_rows(tmp_path / "d.xlsx", rows))
    assert result.error_count == 0, [str(e) for e in result.errors]
    first, second = result.rows
    assert first.customer.joined_on == date(2026, 3, 1)
    assert (first.agreement.first_month, first.agreement.last_month) == ("2026-04", "2026-12")
    assert (second.customer.joined_on, second.agreement.first_month) == (date(2025, 1, 31), "2026-05")
    imports.run_import(office.db, office.admin, result, key)
    assert table_counts(office.db) == (2, 2, 2)


def test_duplicate_numbers_inside_the_file(office: Office, tmp_path: Path) -> None:
    rows = [as_list(row_values(n)) for n in (1, 2, 3)] + [as_list(row_values(1, name="다른학생"))]
    result = preview(office, write_rows(tmp_path / "dup.xlsx", rows))
    errors = {(e.row, e.column): e.message for e in result.errors}
    assert set(errors) == {(2, "고객번호"), (5, "고객번호")}
    assert "다른 행(5행)" in errors[(2, "고객번호")] and "다른 행(2행)" in errors[(5, "고객번호")]


def test_over_long_names_and_unknown_banks(office: Office, tmp_path: Path) -> None:
    rows = [as_list(row_values(1, name="가" * 51)), as_list(row_values(2, bank_code="999")),
            as_list(row_values(3, bank_code="없는은행", holder_name="홍" * 30))]
    result = preview(office, write_rows(tmp_path / "x.xlsx", rows))
    found = [(e.row, e.column) for e in result.errors]
    assert found == [(2, "고객명"), (3, "이체은행"), (4, "이체은행"), (4, "예금주명")]
    assert "50자 이내" in result.errors[0].message
    assert "999" in result.errors[1].message


def test_a_formula_gives_its_cached_value(office: Office, tmp_path: Path) -> None:
    path = write_rows(tmp_path / "f.xlsx", [as_list(row_values(1)), as_list(row_values(2))])
    patch_cell(path, "B2", '<c r="B2" t="str"><f>"학생"&amp;"1"</f><v>수식학생</v></c>')
    patch_cell(path, "B3", '<c r="B3"><f>A3&amp;"x"</f><v /></c>')
    result = preview(office, path)
    assert result.rows[0].status is Status.NEW and result.rows[0].name == "수식학생"
    row, column, message = only_error(result)
    assert (row, column) == (3, "고객명") and "수식에 저장된 값이 없습니다" in message


def test_an_excel_error_value_is_refused(office: Office, tmp_path: Path) -> None:
    path = write_rows(tmp_path / "e.xlsx", [as_list(row_values(1))])
    patch_cell(path, "S2", '<c r="S2" t="e"><f>1/0</f><v>#DIV/0!</v></c>')
    row, column, message = only_error(preview(office, path))
    assert (row, column) == (2, "월이체금액") and "엑셀 오류 값" in message


def test_trailing_empty_rows_are_ignored(office: Office, tmp_path: Path) -> None:
    rows = [as_list(row_values(1)), as_list(row_values(2))] + [[""] * len(HEADER), [None] * 5, ["  "]] * 3
    path = write_rows(tmp_path / "t.xlsx", rows)
    result = preview(office, path)
    assert result.total == 2 and result.error_count == 0


def test_the_template_example_row_is_never_imported(office: Office, tmp_path: Path) -> None:
    rows = [as_list(row_values(0, customer_no="예시-0001")), as_list(row_values(1))]
    result = preview(office, write_rows(tmp_path / "ex.xlsx", rows))
    assert [r.customer_no for r in result.rows] == ["C0000001"]


def test_unknown_columns_wait_for_the_clerk_s_decision(office: Office, tmp_path: Path) -> None:
    """비고 means 메모, which the sheet already has: the clerk says which to read before any import."""
    header = [*HEADER, "비고", "순번"]
    rows = [[*as_list(row_values(1)), "아무 메모", 1]]
    path = write_rows(tmp_path / "u.xlsx", rows, header=header)
    result = preview(office, path)
    assert result.error_count == 0 and "비고" in (result.blocked_reason() or "")
    assert "순번" not in (result.blocked_reason() or "")  # a row count is never data
    decided = imports.preview_import(office.db, office.admin, office.contract_id, path, today=TODAY,
                                     mapping={"비고": ""})
    assert decided.blocked_reason() is None and any("읽지 않는 열: 비고, 순번" in n for n in decided.notices)


def test_a_title_line_above_the_header_is_allowed(office: Office, tmp_path: Path) -> None:
    path = tmp_path / "title.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "고객목록"
    ws.append(["2026년 3월 신규 원생 명단"])
    ws.append([])
    ws.append(HEADER)
    ws.append(as_list(row_values(1, account_no=1234.0)))
    wb.save(path)
    row, column, _message = only_error(preview(office, path))
    assert (row, column) == (4, "계좌번호")


def test_a_smaller_file_under_the_limit_is_written_whole(office: Office, tmp_path: Path, key) -> None:
    result = preview(office, write_customers(tmp_path / "ok.xlsx", 30, write_only=True))
    assert result.total == 30 and result.error_count == 0
    imports.run_import(office.db, office.admin, result, key)
    assert table_counts(office.db) == (30, 30, 30)
