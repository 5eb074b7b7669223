"""Writing an import: the modes, existing numbers, encryption, registrations, and nothing half-written."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.models import (
    AccountRegistration,
    AgreementStatus,
    AuditLog,
    Customer,
    CustomerType,
    DebitAgreement,
    RegistrationKind,
    RegistrationState,
)
from app.services.common.crypto import DataKey
from app.services.common.errors import ServiceError
from app.services.customers.imports import flow as imports
from app.services.customers.imports.reader import ImportCancelled
from app.services.customers.imports.rows import Status
from app.services.customers.imports.writer import Writer
from tests.factories import Office
from tests.imports.conftest import table_counts
from tests.imports.workbooks import HEADER, as_list, row_values, write_rows

TODAY = date(2026, 3, 10)
RESIDENT = "9001011234568"  # check digit right; birth 1990-01-01


def preview(office: Office, path: Path, **options: object) -> imports.ImportPreview:
    return imports.preview_import(office.db, office.admin, office.contract_id, path,
                                  imports.ImportOptions(**options), today=TODAY)  # type: ignore[arg-type]


def mixed_file(tmp_path: Path) -> Path:
    """Rows 2–4 valid, row 5 an account Excel mangled."""
    rows = [as_list(row_values(n)) for n in (1, 2, 3)] + [as_list(row_values(4, account_no=1.2345e11))]
    return write_rows(tmp_path / "mixed.xlsx", rows)


def test_all_or_nothing_writes_nothing_while_a_row_has_an_error(office: Office, tmp_path: Path, key: DataKey) -> None:
    result = preview(office, mixed_file(tmp_path))
    assert (result.total, result.valid_count, result.error_count) == (4, 3, 1)
    assert "오류가 있는 행이 1개" in (result.blocked_reason() or "")
    with pytest.raises(ServiceError, match="아무것도 등록하지 않았습니다"):
        imports.run_import(office.db, office.admin, result, key)
    assert table_counts(office.db) == (0, 0, 0)


def test_valid_only_imports_the_valid_rows(office: Office, tmp_path: Path, key: DataKey) -> None:
    result = preview(office, mixed_file(tmp_path), mode=imports.VALID_ONLY)
    done = imports.run_import(office.db, office.admin, result, key)
    assert (done.imported, done.errors, done.counts.registrations_queued) == (3, 1, 3)
    assert table_counts(office.db) == (3, 3, 3)
    with office.db.session() as s:
        numbers = sorted(s.scalars(select(Customer.customer_no)))
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "customers_imported")).one()
    assert numbers == ["C0000001", "C0000002", "C0000003"]
    assert '"new": 3' in (audit.detail or "") and "1.2345" not in (audit.detail or "")


def test_each_row_becomes_customer_agreement_and_waiting_registration(office: Office, tmp_path: Path,
                                                                      key: DataKey) -> None:
    values = row_values(1, account_no="012-3456-7890-12", id_no=RESIDENT, discount_rate=10,
                        monthly_amount=300000, joined_on="2026-03-02", last_month="2027-02")
    imports.run_import(office.db, office.admin, preview(office, write_rows(tmp_path / "one.xlsx", [as_list(values)])), key)
    with office.db.session() as s:
        customer = s.scalars(select(Customer)).one()
        agreement = s.scalars(select(DebitAgreement)).one()
        registration = s.scalars(select(AccountRegistration)).one()
    assert (customer.name, customer.customer_type, customer.joined_on) == ("학생1", CustomerType.PERSON, date(2026, 3, 2))
    assert customer.resident_no_enc is None and customer.resident_no_masked == "900101"  # birth date only (default)
    assert key.decrypt(agreement.account_no_enc, "account_no") == "01234567890" + "12"
    assert agreement.account_no_hash == key.blind_index("0123456789012", "account_no")
    assert (agreement.account_last4, agreement.discount_rate, agreement.discount_amount) == ("9012", 10, 30000)
    assert (agreement.first_month, agreement.last_month, agreement.debit_day) == ("2026-04", "2027-02", 25)
    assert (agreement.status, agreement.registrant) == (AgreementStatus.ACTIVE, office.admin.login_id)
    assert (registration.kind, registration.state, registration.agreement_id) == (
        RegistrationKind.NEW, RegistrationState.WAITING, agreement.id)
    assert key.decrypt(registration.account_no_enc, "account_no") == "0123456789012"
    assert registration.holder_id == agreement.holder_id and registration.created_at.tzinfo is not None


def test_store_full_resident_number_when_ticked(office: Office, tmp_path: Path, key: DataKey) -> None:
    path = write_rows(tmp_path / "r.xlsx", [as_list(row_values(1, id_no="900101-1234568"))])
    imports.run_import(office.db, office.admin, preview(office, path, store_full_resident=True), key)
    with office.db.session() as s:
        customer = s.scalars(select(Customer)).one()
    assert customer.resident_no_masked == "900101-1******"
    assert key.decrypt(customer.resident_no_enc, "resident_no") == RESIDENT


def test_a_full_resident_number_of_the_holder_is_cut_to_the_birth_date(office: Office, tmp_path: Path,
                                                                         key: DataKey) -> None:
    path = write_rows(tmp_path / "h.xlsx", [as_list(row_values(1, holder_id="900101-1234568"))])
    result = preview(office, path)
    assert result.rows[0].status is Status.NEW and result.rows[0].agreement.holder_id == "900101"
    assert any("생년월일 6자리만" in n for n in result.rows[0].notes)


def test_existing_numbers_are_skipped(office: Office, tmp_path: Path, key: DataKey) -> None:
    imports.run_import(office.db, office.admin, preview(office, write_rows(tmp_path / "a.xlsx", [as_list(row_values(1))])), key)
    rows = [as_list(row_values(1, name="바뀐이름")), as_list(row_values(2))]
    result = preview(office, write_rows(tmp_path / "b.xlsx", rows))
    assert [r.status for r in result.rows] == [Status.SKIP, Status.NEW]
    done = imports.run_import(office.db, office.admin, result, key)
    assert (done.counts.customers_added, done.skipped) == (1, 1)
    with office.db.session() as s:
        assert s.scalar(select(Customer.name).where(Customer.customer_no == "C0000001")) == "학생1"
    assert table_counts(office.db) == (2, 2, 2)


def test_existing_numbers_are_updated_and_a_changed_account_is_registered_again(office: Office, tmp_path: Path,
                                                                                 key: DataKey) -> None:
    first = [as_list(row_values(1)), as_list(row_values(2)), as_list(row_values(3))]
    imports.run_import(office.db, office.admin, preview(office, write_rows(tmp_path / "a.xlsx", first)), key)
    with office.db.session() as s:  # the bank accepted customer 2's account; customer 1's is still queued
        reg = s.scalars(select(AccountRegistration).join(DebitAgreement).join(Customer)
                        .where(Customer.customer_no == "C0000002")).one()
        reg.state = RegistrationState.DONE
    second = [as_list(row_values(1, name="새이름", account_no="99988877766")),
              as_list(row_values(2, account_no="55544433322", monthly_amount=350000)),
              as_list(row_values(3, item="교재비", debit_day=5)),
              as_list(row_values(4))]
    result = preview(office, write_rows(tmp_path / "b.xlsx", second), on_existing=imports.UPDATE)
    assert [r.status for r in result.rows] == [Status.UPDATE, Status.UPDATE, Status.UPDATE, Status.NEW]
    done = imports.run_import(office.db, office.admin, result, key)
    assert (done.counts.customers_added, done.counts.customers_updated) == (1, 3)
    with office.db.session() as s:
        def registrations(number: str) -> list[tuple[RegistrationKind, RegistrationState, str]]:
            stmt = (select(AccountRegistration).join(DebitAgreement).join(Customer)
                    .where(Customer.customer_no == number).order_by(AccountRegistration.id))
            return [(r.kind, r.state, key.decrypt(r.account_no_enc, "account_no")) for r in s.scalars(stmt)]

        one = s.scalars(select(Customer).where(Customer.customer_no == "C0000001")).one()
        assert (one.name, one.version_id) == ("새이름", 2)
        old1 = row_values(1)["account_no"]
        assert registrations("C0000001") == [(RegistrationKind.NEW, RegistrationState.WITHDRAWN, old1),
                                              (RegistrationKind.NEW, RegistrationState.WAITING, "99988877766")]
        old2 = row_values(2)["account_no"]
        assert registrations("C0000002") == [(RegistrationKind.NEW, RegistrationState.DONE, old2),
                                              (RegistrationKind.CANCEL, RegistrationState.WAITING, old2),
                                              (RegistrationKind.NEW, RegistrationState.WAITING, "55544433322")]
        two = s.scalars(select(DebitAgreement).join(Customer).where(Customer.customer_no == "C0000002")).one()
        assert (two.monthly_amount, two.version_id, two.account_last4) == (350000, 2, "3322")
        three = s.scalars(select(DebitAgreement).join(Customer).where(Customer.customer_no == "C0000003")).all()
        assert len(three) == 2  # a second item: a new agreement beside the first
    assert table_counts(office.db) == (4, 5, 8)


def test_changing_the_existing_choice_needs_no_new_read(office: Office, tmp_path: Path, key: DataKey) -> None:
    imports.run_import(office.db, office.admin, preview(office, write_rows(tmp_path / "a.xlsx", [as_list(row_values(1))])), key)
    result = preview(office, write_rows(tmp_path / "b.xlsx", [as_list(row_values(1))]))
    assert result.rows[0].status is Status.SKIP and result.blocked_reason()
    changed = imports.change_options(result, imports.ImportOptions(on_existing=imports.UPDATE))
    assert changed.rows[0].status is Status.UPDATE and changed.blocked_reason() is None


def test_a_cancel_writes_nothing(office: Office, tmp_path: Path, key: DataKey) -> None:
    result = preview(office, write_rows(tmp_path / "c.xlsx", [as_list(row_values(n)) for n in range(1, 8)]))
    calls: list[str] = []

    def cancelled() -> bool:
        return len(calls) > 0

    with pytest.raises(ImportCancelled):
        imports.run_import(office.db, office.admin, result, key, cancelled=cancelled,
                           progress=lambda phase, done, total: calls.append(phase))
    assert table_counts(office.db) == (0, 0, 0)


def test_a_cancel_while_reading(office: Office, tmp_path: Path) -> None:
    path = write_rows(tmp_path / "c.xlsx", [as_list(row_values(n)) for n in range(1, 4100)])
    with pytest.raises(ImportCancelled):
        imports.preview_import(office.db, office.admin, office.contract_id, path, cancelled=lambda: True)


def test_a_failure_half_way_writes_nothing(office: Office, tmp_path: Path, key: DataKey,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    result = preview(office, write_rows(tmp_path / "f.xlsx", [as_list(row_values(n)) for n in range(1, 6)]))

    def broken(self, pairs):
        raise OSError("disk full")

    monkeypatch.setattr(Writer, "_insert_agreements", broken)
    with pytest.raises(OSError):
        imports.run_import(office.db, office.admin, result, key)
    assert table_counts(office.db) == (0, 0, 0)


def test_a_number_registered_by_someone_else_since_the_preview(office: Office, tmp_path: Path, key: DataKey) -> None:
    result = preview(office, write_rows(tmp_path / "r.xlsx", [as_list(row_values(1)), as_list(row_values(2))]))
    imports.run_import(office.db, office.admin, preview(office, write_rows(tmp_path / "o.xlsx", [as_list(row_values(2))])), key)
    with pytest.raises(ServiceError, match="미리보기부터 다시"):
        imports.run_import(office.db, office.admin, result, key)
    assert table_counts(office.db) == (1, 1, 1)


def test_errors_name_row_column_and_reason(office: Office, tmp_path: Path) -> None:
    rows = [as_list(row_values(1, monthly_amount=600000, debit_day=15, item="간식비", email="parent-at-example"))]
    result = preview(office, write_rows(tmp_path / "e.xlsx", rows))
    found = {(e.row, e.column): e.message for e in result.errors}
    assert set(found) == {(2, "이메일"), (2, "집금항목")}
    assert "간식비" in found[(2, "집금항목")] and "수강료" in found[(2, "집금항목")]
    fixed = preview(office, write_rows(tmp_path / "e2.xlsx", [as_list(row_values(1, monthly_amount=600000))]))
    assert [(e.row, e.column) for e in fixed.errors] == [(2, "월이체금액")]
    assert "건당출금한도" in fixed.errors[0].message
    day = preview(office, write_rows(tmp_path / "e3.xlsx", [as_list(row_values(1, debit_day=15))]))
    assert [(e.row, e.column) for e in day.errors] == [(2, "이체예정일")]
    lines = imports.report_lines(result)
    assert any(line.startswith("2행 [집금항목]") for line in lines)


def test_the_error_workbook_keeps_the_data_and_adds_the_reason(office: Office, tmp_path: Path, key: DataKey) -> None:
    result = preview(office, mixed_file(tmp_path), mode=imports.VALID_ONLY)
    out = tmp_path / "오류.xlsx"
    assert imports.save_error_report(office.db, office.admin, result, out) == 1
    ws = load_workbook(out, read_only=True)["고객목록"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == [*HEADER, "오류 내용", "원래 행"]
    assert rows[1][0] == "C0000004" and rows[1][HEADER.index("계좌번호")] == 1.2345e11
    assert "[계좌번호]" in rows[1][len(HEADER)] and rows[1][len(HEADER) + 1] == 5
    again = preview(office, out)  # the clerk fixes this file and imports it again: the extra columns are ignored
    assert again.total == 1 and any("오류 내용" in n for n in again.notices)
