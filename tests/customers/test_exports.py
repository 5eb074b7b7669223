"""고객 목록 엑셀 다운로드: masked by default, unmasked only for an administrator, audited, formula-safe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.models import AuditLog, Role
from app.services.common.crypto import DataKey
from app.services.common.errors import PermissionDeniedError
from app.services.customers import agreements, exports
from app.services.customers import records as customers
from app.services.customers.records import CustomerQuery
from tests.customers.conftest import (
    RESIDENT,
    TODAY,
    agreement,
    bulk_customers,
    item_ids,
    person,
)
from tests.factories import Office, add_user


@pytest.fixture
def filled(office: Office, key: DataKey) -> Office:
    customer_id = customers.create_customer(office.db, office.admin, office.contract_id,
                                            person(resident_no=RESIDENT, name="=HYPERLINK(\"http://x\",\"클릭\")",
                                                   grade="@SUM(A1)", address="-2+3 해킹로"), key).id
    agreements.create_agreement(office.db, office.admin, customer_id, agreement(item_ids(office.db, office)["수강료"]),
                                data_key=key, today=TODAY)
    customers.create_customer(office.db, office.admin, office.contract_id,
                              person(customer_no="C-002", name="+김철수", resident_no="850505"), key)
    return office


def sheet_rows(path: Path) -> list[list[object]]:
    book = load_workbook(path)
    return [[c.value for c in row] for row in book.active.iter_rows()]


def audits(office: Office) -> list[dict[str, object]]:
    with office.db.session() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.action == "personal_data_exported").order_by(AuditLog.id))
        return [json.loads(r.detail or "{}") | {"login": r.login_id} for r in rows]


def test_masked_export_for_everyone_and_audited_with_the_count(filled: Office, key: DataKey, tmp_path: Path) -> None:
    clerk = add_user(filled, "clerk1", Role.CLERK)
    result = exports.export_customers(filled.db, clerk, filled.contract_id, tmp_path / "list.xlsx", data_key=key)
    assert (result.rows, result.unmasked) == (2, False)
    rows = sheet_rows(result.path)
    assert rows[0][:5] == ["고객번호", "고객명", "고객구분", "고객등급", "주민(사업자)번호"]
    by_no = {r[0]: r for r in rows[1:]}
    assert by_no["C-001"][4] == "900101-1******" and by_no["C-001"][10] == "****4321"
    assert by_no["C-001"][11] == 300_000 and by_no["C-001"][12] == "계좌신청대기"
    text = json.dumps(rows, ensure_ascii=False, default=str)
    assert "1234568" not in text and "3560987654321" not in text
    assert audits(filled) == [{"rows": 2, "unmasked": False, "login": "clerk1"}]


def test_only_an_administrator_gets_full_numbers(filled: Office, key: DataKey, tmp_path: Path) -> None:
    viewer = add_user(filled, "viewer1", Role.VIEWER, birth="910101")
    with pytest.raises(PermissionDeniedError):
        exports.export_customers(filled.db, viewer, filled.contract_id, tmp_path / "x.xlsx", unmasked=True, data_key=key)
    assert not (tmp_path / "x.xlsx").exists()
    result = exports.export_customers(filled.db, filled.admin, filled.contract_id, tmp_path / "full.xlsx",
                                      unmasked=True, data_key=key)
    by_no = {r[0]: r for r in sheet_rows(result.path)[1:]}
    assert by_no["C-001"][4] == "900101-1234568" and by_no["C-001"][10] == "3560987654321"
    assert by_no["C-002"][4] == "850505"  # only a birth date was ever stored
    entry = audits(filled)[-1]
    assert entry == {"rows": 2, "unmasked": True, "login": "admin"}


def test_text_that_a_spreadsheet_would_run_is_written_as_text(filled: Office, key: DataKey, tmp_path: Path) -> None:
    path = exports.export_customers(filled.db, filled.admin, filled.contract_id, tmp_path / "f.xlsx", data_key=key).path
    book = load_workbook(path)
    cells = {c.value: c for row in book.active.iter_rows(min_row=2) for c in row if isinstance(c.value, str)}
    for text in ('=HYPERLINK("http://x","클릭")', "@SUM(A1)", "-2+3 해킹로", "+김철수"):
        assert cells[text].data_type == "s", text
        assert cells[text].quotePrefix, text
    assert cells["C-001"].quotePrefix is False


def test_the_filtered_list_is_what_is_written_in_its_order(office: Office, key: DataKey, tmp_path: Path) -> None:
    bulk_customers(office.db, office, key, 30)
    query = CustomerQuery(grade="등급2", sort="customer_no", descending=True)
    result = exports.export_customers(office.db, office.admin, office.contract_id, tmp_path / "g.xlsx", query=query)
    numbers = [r[0] for r in sheet_rows(result.path)[1:]]
    assert numbers == [f"B{n:06d}" for n in range(30, 0, -1) if n % 5 == 2]


def test_progress_is_reported_and_cancel_leaves_no_file(office: Office, key: DataKey, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    bulk_customers(office.db, office, key, 25)
    monkeypatch.setattr(exports, "EXPORT_PAGE", 10)
    seen: list[tuple[int, int]] = []
    exports.export_customers(office.db, office.admin, office.contract_id, tmp_path / "p.xlsx",
                             progress=lambda done, total: seen.append((done, total)))
    assert seen == [(10, 25), (20, 25), (25, 25)]
    target = tmp_path / "c.xlsx"
    pages: list[int] = []
    with pytest.raises(exports.ExportCancelled, match="취소"):
        exports.export_customers(office.db, office.admin, office.contract_id, target,
                                 progress=lambda done, _total: pages.append(done), cancelled=lambda: bool(pages))
    assert pages == [10]  # stopped before the second page
    assert not target.exists() and list(tmp_path.glob("*.xlsx")) == [tmp_path / "p.xlsx"]
