"""일괄등록 of an academy: the student columns, and rows above the posted 교습비 refused before anything is written."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import Customer
from app.services.common.crypto import DataKey
from app.services.common.errors import ConflictError, ServiceError
from app.services.customers.imports import flow as imports
from app.services.customers.imports.rows import Status
from app.services.settings import contracts
from app.services.settings.contracts import ItemForm
from tests.factories import Office
from tests.imports.conftest import table_counts
from tests.imports.workbooks import as_list, row_values, write_rows

TODAY = date(2026, 3, 10)
# row_values(n) asks 300,000 + (n mod 10) × 10,000 won a month: rows 1, 2, 3 ask 310,000, 320,000, 330,000.


def post_fee(office: Office, fee: str) -> None:
    row = next(i for i in contracts.list_items(office.db, office.admin, office.contract_id) if i.code == "A01")
    contracts.update_item(office.db, office.admin, row.id, ItemForm(row.name, "5, 25", version_id=row.version_id,
                                                                    posted_fee=fee))


def preview(office: Office, path: Path, **options: object) -> imports.ImportPreview:
    return imports.preview_import(office.db, office.admin, office.contract_id, path,
                                  imports.ImportOptions(**options), today=TODAY)  # type: ignore[arg-type]


def students(office: Office) -> dict[str, tuple[str | None, date | None]]:
    with office.db.session() as s:
        return {no: (name, born) for no, name, born in s.execute(
            select(Customer.customer_no, Customer.student_name, Customer.student_birth_date).order_by(Customer.customer_no))}


def test_the_student_columns_are_imported(office: Office, tmp_path: Path, key: DataKey) -> None:
    rows = [
        as_list(row_values(1, name="김부모", student_name="김하늘", student_birth_date=datetime(2018, 3, 2))),
        as_list(row_values(2, student_birth_date="2017-05-06")),  # the customer is the student
        as_list(row_values(3, name="박하늘", student_name="박하늘")),  # the same name: the student is the payer
    ]
    result = preview(office, write_rows(tmp_path / "students.xlsx", rows))
    assert [r.status for r in result.rows] == [Status.NEW] * 3
    imports.run_import(office.db, office.admin, result, key)
    assert students(office) == {"C0000001": ("김하늘", date(2018, 3, 2)), "C0000002": (None, date(2017, 5, 6)),
                                "C0000003": (None, None)}

    again = [as_list(row_values(1, name="김부모", student_name="김누리", student_birth_date="2019-01-02"))]
    update = preview(office, write_rows(tmp_path / "again.xlsx", again), on_existing=imports.UPDATE)
    imports.run_import(office.db, office.admin, update, key)
    assert students(office)["C0000001"] == ("김누리", date(2019, 1, 2))


def test_a_bad_student_birth_date_names_row_column_and_reason(office: Office, tmp_path: Path) -> None:
    rows = [as_list(row_values(1, student_birth_date="2030-01-01")), as_list(row_values(2, student_birth_date="2018-13-01"))]
    result = preview(office, write_rows(tmp_path / "bad.xlsx", rows))
    assert [str(e) for e in result.errors] == [
        "2행 [학생생년월일] 2030-01-01은(는) 오늘 이후입니다. 생년월일을 확인하세요.",
        "3행 [학생생년월일] 2018-13-01은(는) 없는 날짜입니다.",
    ]


def test_a_row_above_the_posted_fee_is_refused_and_nothing_is_written(office: Office, tmp_path: Path,
                                                                     key: DataKey) -> None:
    post_fee(office, "320,000")
    rows = [as_list(row_values(n)) for n in (1, 2, 3)]
    result = preview(office, write_rows(tmp_path / "fees.xlsx", rows))
    assert [r.status for r in result.rows] == [Status.NEW, Status.NEW, Status.ERROR]
    assert [str(e) for e in result.errors] == [
        "4행 [월이체금액] 게시 교습비(320,000원)를 넘는 월 금액은 받을 수 없습니다 (학원법 제15조). 지금 330,000원입니다."]
    with pytest.raises(ServiceError, match="아무것도 등록하지 않았습니다"):
        imports.run_import(office.db, office.admin, result, key)
    assert table_counts(office.db) == (0, 0, 0)


def test_every_error_of_an_over_fee_row_is_listed(office: Office, tmp_path: Path) -> None:
    post_fee(office, "300000")
    rows = [as_list(row_values(1, bank_code="999"))]  # 310,000원 and an unknown bank
    result = preview(office, write_rows(tmp_path / "two.xlsx", rows))
    assert [e.column for e in result.errors] == ["월이체금액", "이체은행"]


def test_a_posted_fee_lowered_after_the_preview_stops_the_import(office: Office, tmp_path: Path,
                                                                key: DataKey) -> None:
    result = preview(office, write_rows(tmp_path / "ok.xlsx", [as_list(row_values(n)) for n in (1, 2, 3)]))
    assert result.error_count == 0
    post_fee(office, "315000")  # another clerk, between the preview and [일괄등록]; no agreement yet stands in the way
    with pytest.raises(ConflictError) as refused:
        imports.run_import(office.db, office.admin, result, key)
    assert str(refused.value.message) == (
        "미리보기 이후 게시 교습비가 바뀌어 2행(예: 3행)의 월이체금액이 게시 교습비를 넘습니다. 파일을 다시 선택해 "
        "미리보기부터 다시 하세요. 아무것도 저장하지 않았습니다.")
    assert table_counts(office.db) == (0, 0, 0)
