"""A clerk's own list, not the template: title rows, synonyms, bank names, date cells, .xls, column
mapping remembered per contract; and nothing written until the import (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import AppSetting, AuditLog, Customer, DebitAgreement
from app.services.common.crypto import DataKey
from app.services.customers.imports import flow as imports
from app.services.customers.imports.reader import ImportCancelled
from app.services.customers.imports.rows import Source, Status
from tests.factories import Office
from tests.imports.clerk_sheet import DATA_ROWS, HEADER_ROW, ROWS, write_clerk_xlsx
from tests.imports.conftest import table_counts

TODAY = date(2026, 3, 10)
XLS_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "clerk_list.xls"


def xlsx_copy(tmp_path: Path) -> Path:
    return write_clerk_xlsx(tmp_path / "회원명단.xlsx")


def xls_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "회원명단.xls"
    copy.write_bytes(XLS_FIXTURE.read_bytes())
    return copy


BOTH = pytest.mark.parametrize("make", [xlsx_copy, xls_copy], ids=["xlsx", "xls"])


def preview(office: Office, path: Path, **kwargs: object) -> imports.ImportPreview:
    options = imports.ImportOptions(mode=imports.VALID_ONLY)
    return imports.preview_import(office.db, office.admin, office.contract_id, path, options, today=TODAY,
                                  **kwargs)  # type: ignore[arg-type]


def by_number(result: imports.ImportPreview) -> dict[str, object]:
    return {r.customer_no: r for r in result.rows}


def remembered(office: Office) -> dict[str, str] | None:
    with office.db.session() as s:
        row = s.get(AppSetting, imports.mapping_key(office.contract_id))
        return json.loads(row.value) if row is not None else None


@BOTH
def test_the_clerk_s_list_is_read_as_she_wrote_it(office: Office, tmp_path: Path,
                                                  make: Callable[[Path], Path]) -> None:
    result = preview(office, make(tmp_path))
    assert result.total == len([r for r in ROWS if r]) and result.error_count == 1
    assert any(f"열 이름은 {HEADER_ROW}행에서 찾았습니다" in n for n in result.notices)
    plan = result.plan
    assert plan is not None
    read_as = {c.header: (c.key, c.source) for c in plan.columns}
    assert read_as["회원번호"] == ("customer_no", Source.SYNONYM) and read_as["원비"] == ("monthly_amount", Source.SYNONYM)
    assert read_as["생년월일"] == ("holder_id", Source.SYNONYM)  # the only birth date: the account holder's
    assert read_as["출금일"][0] == "debit_day" and read_as["연락처"][0] == "mobile" and read_as["은행"][0] == "bank_code"
    assert read_as["순번"] == (None, Source.NOT_DATA) and read_as["메모사항"] == (None, Source.UNKNOWN)
    assert plan.defaulted == ("debit_limit",)
    rows = by_number(result)
    h1, h2, h3 = rows["H001"], rows["H002"], rows["H003"]
    # bank names and a bare code; a date cell as the birth date; Excel's numbers as their digits
    assert (h1.agreement.bank_code, h1.agreement.holder_id, h1.agreement.account_no) == ("004", "800102",
                                                                                          "12345601234567")
    assert (h2.agreement.bank_code, h2.agreement.account_no, h2.customer.mobile) == ("011", "3021234567891",
                                                                                     "010-9876-5432")
    assert (h2.agreement.debit_day, h2.agreement.debit_limit) == (5, 250000)  # '5일'; the limit is the amount
    assert (h3.agreement.bank_code, h3.agreement.holder_id, h3.agreement.first_month) == ("004", "791130", "2026-04")
    banks = {number: rows[number].agreement.bank_code for number in ("H004", "H005", "H006", "H007", "H008", "H009")}
    assert banks == {"H004": "090", "H005": "003", "H006": "092", "H007": "071", "H008": "045", "H009": "048"}
    assert (h1.customer.representative, h1.customer.grade) == ("김철수", "초3")
    assert result.number_accounts == 1 and any("숫자로 저장되어" in n for n in result.notices)
    # a 6-digit KB number: valid for the file, warned for the bank
    h10 = rows["H010"]
    assert h10.status is Status.NEW and h10.account_warning and result.account_warnings == 1
    assert "KB국민은행 계좌번호는 10·11·12·14자리인데 6자리입니다" in h10.message
    assert not any(rows[n].account_warning for n in rows if n != "H010")
    # a name two banks share: refused, naming the row, the sheet's column and the candidates
    [error] = result.errors
    assert (error.row, error.column) == (DATA_ROWS["H011"], "은행")
    assert "'뱅크'은(는) 여러 은행으로 읽힙니다" in error.message
    assert all(name in error.message for name in ("089 케이뱅크", "090 카카오뱅크", "092 토스뱅크"))
    # 메모사항 is nobody's word: nothing can be imported before the clerk decides
    assert "메모사항" in (result.blocked_reason() or "")
    assert table_counts(office.db) == (0, 0, 0) and remembered(office) is None


@BOTH
def test_a_mapped_column_is_imported_and_remembered_for_next_time(office: Office, tmp_path: Path, key: DataKey,
                                                                 make: Callable[[Path], Path]) -> None:
    path = make(tmp_path)
    mapped = preview(office, path, mapping={"메모사항": "memo"})
    assert mapped.blocked_reason() is None
    assert [c.source for c in mapped.plan.columns if c.header == "메모사항"] == [Source.CHOSEN]
    assert remembered(office) is None  # looking writes nothing
    done = imports.run_import(office.db, office.admin, mapped, key)
    assert (done.imported, done.errors) == (10, 1) and table_counts(office.db) == (10, 10, 10)
    assert remembered(office) == {"메모사항": "memo"}
    with office.db.session() as s:
        memo = s.scalars(select(Customer.memo).where(Customer.customer_no == "H001")).one()
        holder = s.scalars(select(DebitAgreement.holder_id).join(Customer).where(Customer.customer_no == "H001")).one()
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "customers_imported")).one()
    assert (memo, holder) == ("형제 할인 문의", "800102")
    assert '"account_length_warnings": 1' in (audit.detail or "")
    again = preview(office, path)  # next month's list: the choice applies by itself, and says so
    column = next(c for c in again.plan.columns if c.header == "메모사항")
    assert (column.key, column.source) == ("memo", Source.REMEMBERED)
    assert any("지난번에 정한 열 연결을 적용했습니다: 메모사항 → 메모" in n for n in again.notices)
    assert again.count(Status.SKIP) == 10 and again.blocked_reason() is not None  # all already registered


def test_ignoring_a_column_is_remembered_too(office: Office, tmp_path: Path, key: DataKey) -> None:
    path = xlsx_copy(tmp_path)
    imports.run_import(office.db, office.admin, preview(office, path, mapping={"메모사항": "사용 안 함"}), key)
    assert remembered(office) == {"메모사항": ""}
    again = preview(office, path)
    assert any("메모사항 → 사용 안 함" in n for n in again.notices)
    with office.db.session() as s:
        assert s.scalars(select(Customer.memo).where(Customer.customer_no == "H001")).one() is None


def test_a_cancelled_import_remembers_nothing(office: Office, tmp_path: Path, key: DataKey) -> None:
    mapped = preview(office, xlsx_copy(tmp_path), mapping={"메모사항": "memo"})
    with pytest.raises(ImportCancelled):
        imports.run_import(office.db, office.admin, mapped, key, cancelled=lambda: True)
    assert table_counts(office.db) == (0, 0, 0) and remembered(office) is None


def test_a_required_field_the_clerk_connects(office: Office, tmp_path: Path) -> None:
    """예금주 under another name: refused with the columns, then read once the clerk connects it."""
    from openpyxl import load_workbook

    path = xlsx_copy(tmp_path)
    wb = load_workbook(path)
    wb.active.cell(HEADER_ROW, 10).value = "통장주인"
    wb.save(path)
    with pytest.raises(imports.ColumnsMissing) as caught:
        preview(office, path)
    assert "필수 열이 없습니다: 예금주명" in caught.value.message and "통장주인" in caught.value.message
    assert [c.header for c in caught.value.plan.undecided] == ["통장주인", "메모사항"]
    mapped = preview(office, path, mapping={"통장주인": "예금주명", "메모사항": "메모"})  # by the template's words
    assert mapped.blocked_reason() is None and by_number(mapped)["H001"].agreement.holder_name == "김철수"


def test_two_columns_for_one_field_wait_for_the_clerk(office: Office, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = xlsx_copy(tmp_path)
    wb = load_workbook(path)
    wb.active.cell(HEADER_ROW, 15).value = "비고"  # 비고 means 메모 …
    wb.active.cell(HEADER_ROW, 16).value = "특이사항"  # … and so does 특이사항: which one?
    wb.save(path)
    result = preview(office, path)
    sources = {c.header: c.source for c in result.plan.columns}
    assert (sources["비고"], sources["특이사항"]) == (Source.SYNONYM, Source.DUPLICATE)
    assert "특이사항" in (result.blocked_reason() or "")
