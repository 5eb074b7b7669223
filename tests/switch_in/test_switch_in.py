"""Payer lists from elsewhere, imported on SQLite and PostgreSQL: each profile's export, an unknown one,
what is asked for the whole file or per row, the D-2 marks, the re-registration and the evidence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.models import (
    AccountRegistration,
    AppSetting,
    ConsentEvidence,
    Customer,
    DebitAgreement,
    RegistrationKind,
    RegistrationState,
)
from app.services.common.crypto import DataKey
from app.services.common.errors import ServiceError
from app.services.customers.imports import flow as imports
from app.services.customers.imports.rows import Source, Status
from tests.evidence.helpers import encoded, form_page
from tests.factories import Office
from tests.imports.conftest import table_counts
from tests.imports.workbooks import as_list, row_values, write_rows
from tests.switch_in.exports import (
    ACADEMY_HEADER,
    DONUS_HEADER,
    HYOSUNG_HEADER,
    NOW,
    THEBILL_HEADER,
    TODAY,
    academy_row,
    donus_row,
    hyosung_row,
    nh_account,
    thebill_row,
    write_export,
)

WHOLE_FILE = imports.FileValues(debit_day="25", item="수강료", first_month="2027-01")


def preview(office: Office, path: Path, values: imports.FileValues | None = WHOLE_FILE,
            **kwargs: Any) -> imports.ImportPreview:
    return imports.preview_import(office.db, office.admin, office.contract_id, path, today=TODAY, now=NOW,
                                  file_values=values, **kwargs)


def by_row(result: imports.ImportPreview) -> dict[int, Any]:
    return {r.row: r for r in result.rows}


def agreements_by_number(office: Office) -> dict[str, DebitAgreement]:
    with office.db.session() as s:
        return {no: a for no, a in s.execute(select(Customer.customer_no, DebitAgreement)
                                              .join(DebitAgreement, DebitAgreement.customer_id == Customer.id))}


def waiting_new_registrations(office: Office) -> int:
    with office.db.session() as s:
        return s.scalar(select(func.count()).select_from(AccountRegistration).where(
            AccountRegistration.kind == RegistrationKind.NEW, AccountRegistration.state == RegistrationState.WAITING)) or 0


def test_hyosung_export_asks_for_the_full_numbers_then_imports(office: Office, tmp_path: Path, key: DataKey) -> None:
    path = write_export(tmp_path / "효성_회원.xlsx", HYOSUNG_HEADER, [
        hyosung_row(1), hyosung_row(2), hyosung_row(3, 회원상태="중지"), hyosung_row(4, 결제수단="카드"),
    ])
    first = preview(office, path)
    assert first.profile is not None and first.profile.key == "hyosung"
    assert first.notices[0].startswith("효성 CMS+ 납부자 목록으로 읽었습니다")
    read_as = {c.header: (c.key, c.source) for c in first.plan.columns} if first.plan else {}
    assert read_as["결제정보"] == ("account_no", Source.PROFILE) and read_as["청구시작일"] == (None, Source.PROFILE)
    rows = by_row(first)
    masked = {e.column: e.message for e in rows[2].errors}
    assert "가려진 계좌번호" in masked["결제정보"] and "전체 계좌번호가 필요" in masked["결제정보"]
    assert "파일에 예금주생년월일 열이 없습니다" in masked["예금주생년월일"]
    assert rows[4].status is Status.SKIP and "중지된 회원이라 건너뜁니다" in rows[4].notes[0]
    assert rows[5].status is Status.SKIP and "카드 결제 회원" in rows[5].notes[0]
    assert ("account_no", "결제정보") in first.fill_columns and ("holder_id", "예금주생년월일") in first.fill_columns

    typed = {2: {"account_no": nh_account(1), "holder_id": "800101"}, 3: {"account_no": nh_account(2), "holder_id": "800102"}}
    fixed = preview(office, path, overrides=typed)
    assert (fixed.error_count, fixed.count(Status.NEW), fixed.count(Status.SKIP)) == (0, 2, 2)
    assert any("납부자 2명은 이 기관으로 은행에 출금이체를 다시 신청합니다" in n and "계좌신청(신규) 2건" in n
               for n in fixed.notices)
    result = imports.run_import(office.db, office.admin, fixed, key)
    assert table_counts(office.db) == (2, 2, 2) and waiting_new_registrations(office) == 2
    terms = agreements_by_number(office)["00000001"]
    assert (terms.bank_code, terms.debit_day, terms.first_month, terms.last_month) == ("011", 25, "2027-01", None)
    assert (terms.monthly_amount, terms.holder_name, terms.holder_id) == (151000, "예금주1", "800101")
    assert key.decrypt(terms.account_no_enc, "account_no") == nh_account(1).replace("-", "")
    with office.db.session() as s:
        customer = s.scalars(select(Customer).where(Customer.customer_no == "00000001")).one()
    assert (customer.name, customer.grade, customer.mobile) == ("납부자1", None, "010-3001-4001")
    assert "계좌신청대기에 남습니다" in result.summary() and "동의자료 일괄첨부" in result.summary()


def test_thebill_export_gets_the_whole_file_values_it_lacks(office: Office, tmp_path: Path, key: DataKey) -> None:
    path = write_export(tmp_path / "더빌.xlsx", THEBILL_HEADER, [
        thebill_row(1), thebill_row(2, 회원상태="일시정지"), thebill_row(3, 회원상태="회원등록실패"),
        thebill_row(4, 결제구분="CARD"), thebill_row(5, 약정일="5"),
    ], title="회원 목록 (2026-12-07)")
    asked = preview(office, path, values=None)
    assert asked.profile is not None and asked.profile.key == "thebill"
    reasons = {e.column: e.message for e in by_row(asked)[4].errors}
    assert "파일에 집금항목 열이 없습니다" in reasons["집금항목"] and "최초이체년월" in reasons
    assert reasons["약정일"].startswith("비어 있습니다. 미리보기의 '약정일' 칸에")  # empty, and no whole-file value

    result = preview(office, path)
    rows = by_row(result)
    assert result.error_count == 0 and [r for r, row in rows.items() if row.status is Status.SKIP] == [5, 7]
    assert "일시정지" in rows[5].notes[0] and "카드 결제" in rows[7].notes[0]
    assert any("회원등록(계좌 등록)이 실패했던" in n for n in rows[6].notes)
    assert any("약정일 칸이 빈 행에는 파일 전체 값 25일" in n for n in result.notices)
    imports.run_import(office.db, office.admin, result, key)
    terms = agreements_by_number(office)
    assert sorted(terms) == ["TB0001", "TB0003", "TB0005"]
    assert (terms["TB0001"].debit_day, terms["TB0005"].debit_day) == (25, 5)  # the file's own day is kept
    assert {t.first_month for t in terms.values()} == {"2027-01"}  # 서비스개시월 (2023-05) is the old service's
    assert (terms["TB0001"].bank_code, terms["TB0001"].holder_id) == ("004", "810102")
    with office.db.session() as s:
        joined = s.scalar(select(Customer.joined_on).where(Customer.customer_no == "TB0001"))
    assert str(joined) == "2023-04-20"


def test_donus_export_reads_its_amounts_days_and_dates(office: Office, tmp_path: Path, key: DataKey) -> None:
    path = write_export(tmp_path / "도너스.xlsx", DONUS_HEADER, [
        donus_row(1), donus_row(2, 납입방법="신용카드"), donus_row(3, 납입주기="일시"), donus_row(4, 약정상태="종료"),
        donus_row(5, 예금주생년월일="750211-2******"),
    ])
    result = preview(office, path, values=imports.FileValues(item="수강료", first_month="2027-02"))
    assert result.profile is not None and result.profile.key == "donus"
    assert result.error_count == 0 and result.count(Status.NEW) == 2 and result.count(Status.SKIP) == 3
    assert any("약정코드로 이름이 붙어" in n for n in result.notices)  # how Donus names its evidence files
    imports.run_import(office.db, office.admin, result, key)
    terms = agreements_by_number(office)
    assert (terms["D00001"].monthly_amount, terms["D00001"].debit_day, terms["D00001"].holder_id) == (10000, 25, "750211")
    assert terms["D00005"].holder_id == "750211" and terms["D00005"].bank_code == "020"
    with office.db.session() as s:
        memo = s.scalar(select(Customer.memo).where(Customer.customer_no == "D00001"))
    assert memo == "AG000001"


def test_academy_roster_keeps_the_student_number_and_skips_who_left(office: Office, tmp_path: Path,
                                                                    key: DataKey) -> None:
    path = write_export(tmp_path / "회원명단.xlsx", ACADEMY_HEADER, [
        academy_row(1), academy_row(2, 상태="퇴원"), academy_row(3, 상태="휴원"), academy_row(4, 상태="신입"),
    ])
    result = preview(office, path)
    assert result.profile is not None and result.profile.key == "academy"
    assert [(r.row, r.status) for r in result.rows] == [(2, Status.NEW), (3, Status.SKIP), (4, Status.SKIP),
                                                         (5, Status.NEW)]
    assert "퇴원" in by_row(result)[3].notes[0] and "휴원" in by_row(result)[4].notes[0]
    imports.run_import(office.db, office.admin, result, key)
    with office.db.session() as s:
        student = s.scalars(select(Customer).where(Customer.customer_no == "00101")).one()
    assert (student.name, student.grade, student.memo, student.mobile) == ("원생1", "중2", "중2 수학A 화8 김수학T",
                                                                           "010-9001-3001")
    assert agreements_by_number(office)["00101"].monthly_amount == 280000


def test_an_unknown_column_set_needs_a_mapping_then_imports(office: Office, tmp_path: Path, key: DataKey) -> None:
    header = ["코드", "성함", "은행", "계좌", "계좌주명", "생일", "금액"]
    rows = [[f"K{n:03d}", f"고객{n}", "국민", f"123456-01-{200000 + n:06d}", f"고객{n}", f"79010{n}", 70000]
            for n in (1, 2)]
    path = write_export(tmp_path / "다른곳.xlsx", header, rows)
    with pytest.raises(imports.ColumnsMissing) as missing:
        preview(office, path)
    assert set(missing.value.plan.missing) == {"customer_no", "name", "holder_id"}
    assert {c.header for c in missing.value.plan.undecided} == {"코드", "성함", "생일"}
    mapping = {"코드": "고객번호", "성함": "고객명", "생일": "예금주생년월일/사업자번호"}
    result = preview(office, path, mapping=mapping)
    assert result.profile is None and result.error_count == 0 and result.blocked_reason() is None
    imports.run_import(office.db, office.admin, result, key)
    assert table_counts(office.db) == (2, 2, 2)
    with office.db.session() as s:
        remembered = json.loads(s.get(AppSetting, imports.mapping_key(office.contract_id)).value)
    assert remembered == {"코드": "customer_no", "성함": "name", "생일": "holder_id"}


def test_a_first_debit_before_the_registration_can_complete_is_marked(office: Office, tmp_path: Path) -> None:
    path = write_export(tmp_path / "더빌.xlsx", THEBILL_HEADER, [thebill_row(1, 약정일="5"), thebill_row(2, 약정일="25")])
    result = preview(office, path, values=imports.FileValues(item="수강료", first_month="2026-12"))
    assert list(result.late) == [2]  # 12-05 is a Saturday: debited Monday 12-07, the day the file goes
    mark = result.late[2]
    assert str(mark.first_debit) == "2026-12-07" and mark.suggestion == "2027-01"
    assert "최초이체년월을 2027-01(으)로 하세요" in mark.message() and "마감(D-2)" in mark.message()
    assert any("첫 출금일 전에 계좌신청을 마칠 수 없는 행이 1개" in n for n in result.notices)
    assert any(line.startswith("2행 ⚠ 계좌신청:") for line in imports.report_lines(result))


def test_a_masked_account_in_a_clerks_own_list_names_row_column_and_reason(office: Office, tmp_path: Path) -> None:
    path = write_rows(tmp_path / "명단.xlsx", [as_list(row_values(1)), as_list(row_values(2, account_no="110-***-123456"))])
    result = imports.preview_import(office.db, office.admin, office.contract_id, path, today=TODAY)
    [error] = result.errors
    assert (error.row, error.column) == (3, "계좌번호")
    assert "가려진 계좌번호" in error.message and "전체 계좌번호가 필요합니다" in error.message


def test_stopped_rows_stay_skipped_whatever_is_chosen_for_existing_numbers(office: Office, tmp_path: Path,
                                                                         key: DataKey) -> None:
    path = write_export(tmp_path / "더빌.xlsx", THEBILL_HEADER, [thebill_row(1), thebill_row(2, 회원상태="해지")])
    imports.run_import(office.db, office.admin, preview(office, path), key)
    again = preview(office, path)
    assert [r.status for r in again.rows] == [Status.SKIP, Status.SKIP] and again.status_skipped == 1
    updating = imports.change_options(again, imports.ImportOptions(on_existing=imports.UPDATE))
    assert [r.status for r in updating.rows] == [Status.UPDATE, Status.SKIP]
    assert "해지된 회원" in updating.rows[1].notes[0]


def test_evidence_from_a_folder_is_attached_by_customer_number(office: Office, tmp_path: Path, key: DataKey) -> None:
    folder = tmp_path / "동의서"
    folder.mkdir()
    (folder / "TB0001.jpg").write_bytes(encoded(form_page(width=640, height=900, noise=0), "JPEG", quality=70))
    (folder / "TB9999.jpg").write_bytes(encoded(form_page(width=640, height=900, noise=0, seed=2), "JPEG", quality=70))
    path = write_export(tmp_path / "더빌.xlsx", THEBILL_HEADER, [thebill_row(1), thebill_row(2)])
    values = imports.FileValues(debit_day="25", item="수강료", first_month="2027-01", evidence=str(folder))
    result = preview(office, path, values=values)
    assert any("'동의서'의 동의자료를 파일 이름의 고객번호로" in n for n in result.notices)
    done = imports.run_import(office.db, office.admin, result, key)
    assert done.evidence is not None and done.evidence.report is not None
    report = done.evidence.report
    assert [m.customer_no for m in report.matched] == ["TB0001"]
    assert [m.file_name for m in report.unmatched] == ["TB9999.jpg"]
    assert [w.customer_no for w in report.without_evidence] == ["TB0002"]
    assert "동의자료 첨부 1건" in done.summary()
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(ConsentEvidence)) == 1


def test_a_bad_whole_file_value_is_refused_before_any_row(office: Office, tmp_path: Path) -> None:
    path = write_export(tmp_path / "더빌.xlsx", THEBILL_HEADER, [thebill_row(1)])
    with pytest.raises(ServiceError, match="파일 전체 집금항목 '간식비'은\\(는\\) 이 계약의 집금항목이 아닙니다"):
        preview(office, path, values=imports.FileValues(item="간식비"))
    with pytest.raises(ServiceError, match="파일 전체 이체예정일: 15"):  # 수강료 is debited on the 5th and 25th
        preview(office, path, values=imports.FileValues(debit_day="15", item="수강료"))
    with pytest.raises(ServiceError, match="파일 전체 최초이체년월"):
        preview(office, path, values=imports.FileValues(first_month="내년 1월"))
    with pytest.raises(ServiceError, match=r"동의자료 폴더나 \.zip 파일을 찾을 수 없습니다"):
        preview(office, path, values=imports.FileValues(evidence=str(tmp_path / "없는폴더")))
    with pytest.raises(ServiceError, match="미리보기에서 입력할 수 있는 항목이 아닙니다"):
        preview(office, path, overrides={2: {"customer_no": "X"}})
    assert table_counts(office.db) == (0, 0, 0)


def test_the_clerk_can_read_an_export_as_an_own_list(office: Office, tmp_path: Path) -> None:
    path = write_export(tmp_path / "더빌.xlsx", THEBILL_HEADER, [thebill_row(1)])
    with pytest.raises(imports.ColumnsMissing):  # without the profile, 회원ID and others are nobody's
        preview(office, path, profile=imports.NO_PROFILE)
    named = preview(office, path, profile="thebill")
    assert named.profile is not None and "직접 고른 양식" in named.notices[0]


def test_the_clerks_remembered_choice_wins_over_the_export(office: Office, tmp_path: Path) -> None:
    with office.db.session() as s:
        s.add(AppSetting(key=imports.mapping_key(office.contract_id), value=json.dumps({"회원구분": "memo"}),
                         updated_by="admin"))
    path = write_export(tmp_path / "효성.xlsx", HYOSUNG_HEADER, [hyosung_row(1, 회원구분="정회원")])
    result = preview(office, path, overrides={2: {"account_no": nh_account(1), "holder_id": "800101"}})
    read_as = {c.header: (c.key, c.source) for c in result.plan.columns} if result.plan else {}
    assert read_as["회원구분"] == ("memo", Source.REMEMBERED) and read_as["회원명"] == ("name", Source.PROFILE)
    assert result.error_count == 0 and result.rows[0].customer is not None
    assert result.rows[0].customer.memo == "정회원" and result.rows[0].customer.grade is None


def test_the_error_list_keeps_the_export_as_it_was_and_reads_back_the_same(office: Office, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = write_export(tmp_path / "효성.xlsx", HYOSUNG_HEADER, [hyosung_row(1)])
    result = preview(office, path)
    out = tmp_path / "오류.xlsx"
    assert imports.save_error_report(office.db, office.admin, result, out) == 1
    rows = list(load_workbook(out, read_only=True).active.iter_rows(values_only=True))
    header, first = list(rows[0]), rows[1]
    assert header[:len(HYOSUNG_HEADER)] == HYOSUNG_HEADER and "예금주생년월일" in header and header[-2:] == ["오류 내용", "원래 행"]
    assert first[HYOSUNG_HEADER.index("결제정보")] == "302*****11(농협은행)"  # what the clerk fixes, as exported
    assert first[HYOSUNG_HEADER.index("청구종료일")] == "9999-12-31"
    again = preview(office, out)
    assert again.profile is not None and again.profile.key == "hyosung"
    assert {e.column for e in again.errors} == {"결제정보", "예금주생년월일"}
