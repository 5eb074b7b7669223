"""양식 다운로드: the template opens, has its 안내, drop-downs, text formats, and imports cleanly once filled."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from app.services.customers.imports import flow as imports
from app.services.customers.imports.rows import COLUMNS
from app.services.customers.imports.template import template_for_contract
from tests.factories import Office


def test_the_template_has_headers_guide_validations_and_text_columns(office: Office, tmp_path: Path) -> None:
    path = template_for_contract(office.db, office.admin, office.contract_id, tmp_path / "양식.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["안내", "고객목록", "목록"] and wb["목록"].sheet_state == "hidden"
    assert wb.active.title == "안내" and "일괄등록 안내" in wb["안내"]["A1"].value
    ws = wb["고객목록"]
    header = [c.value for c in ws[1]]
    assert len(header) == 30  # the last two are the optional student columns of 학원 (issue 18)
    assert header[28:] == ["학생이름(납부자와 다를 때)", "학생생년월일"]
    assert header[0] == "고객번호*" and header[24] == "계좌번호*" and header[2] == "고객구분"
    assert [h.rstrip("*") for h in header] == [c.header for c in COLUMNS]
    assert ws["A2"].value.startswith("예시")
    for letter in ("A", "E", "G", "H", "M", "U", "Y", "AA"):  # identifiers, phones, months, account, holder id
        assert ws.column_dimensions[letter].number_format == "@", letter
        assert ws[f"{letter}2"].number_format == "@" and isinstance(ws[f"{letter}2"].value, str)
    lists = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    assert set(lists) >= {"C2", "Q2", "R2", "S2", "T2", "W2", "X2"}
    assert lists["C2"].type == "list" and lists["X2"].type == "list" and lists["T2"].type == "whole"
    banks = [c.value for c in wb["목록"]["D"][1:] if c.value]
    assert "004 KB국민은행" in banks and "088 신한은행" in banks
    items = [c.value for c in wb["목록"]["B"][1:] if c.value]
    assert items == ["수강료", "교재비", "차량비"]
    assert [c.value for c in wb["목록"]["C"][1:] if c.value] == ["5", "25"]


def test_a_filled_template_imports(office: Office, tmp_path: Path) -> None:
    path = template_for_contract(office.db, office.admin, office.contract_id, tmp_path / "양식.xlsx")
    wb = load_workbook(path)
    ws = wb["고객목록"]
    example = [c.value for c in ws[2]]
    ws.append(["C100", *example[1:]])
    wb.save(path)
    result = imports.preview_import(office.db, office.admin, office.contract_id, path, today=date(2026, 3, 10))
    assert [(r.customer_no, r.status.value) for r in result.rows] == [("C100", "정상")]
    assert result.rows[0].agreement.bank_code == "004" and result.rows[0].agreement.account_no == "12345601234567"
