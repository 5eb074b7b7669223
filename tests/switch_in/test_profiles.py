"""Import profiles on their own: which export a header is, how its columns read, and its value habits."""

from __future__ import annotations

from app.services.customers.imports import profiles
from app.services.customers.imports.rows import IGNORE, plan_columns
from tests.imports.workbooks import HEADER
from tests.switch_in.exports import ACADEMY_HEADER, DONUS_HEADER, HYOSUNG_HEADER, THEBILL_HEADER


def test_each_export_is_recognised_by_its_own_header() -> None:
    for header, key in ((HYOSUNG_HEADER, "hyosung"), (THEBILL_HEADER, "thebill"), (DONUS_HEADER, "donus"),
                        (ACADEMY_HEADER, "academy")):
        found = profiles.recognise(header)
        assert found is not None and found.profile.key == key, header
        assert found.score >= found.profile.min_score


def test_the_template_and_a_clerk_list_are_no_export() -> None:
    assert profiles.recognise(HEADER) is None
    assert profiles.recognise(["회원번호", "이름", "원비", "출금일", "은행", "계좌번호", "예금주", "생년월일"]) is None


def test_a_header_two_exports_claim_equally_chooses_none() -> None:
    header = ["회원ID", "회원상태", "결제구분", "약정금액", "구성원번호", "약정코드", "납입방법"]
    assert profiles.THEBILL.score(header) == profiles.DONUS.score(header) == 4
    assert profiles.recognise(header) is None


def test_the_student_is_the_payer_unless_the_export_names_a_parent() -> None:
    alone = profiles.ACADEMY.mapping_for(ACADEMY_HEADER)
    assert alone["학생명"] == "name" and alone["학교"] == IGNORE
    with_parent = profiles.ACADEMY.mapping_for([*ACADEMY_HEADER, "학부모명"])
    assert with_parent["학생명"] == "student_name" and with_parent["학부모명"] == "name"


def test_a_profile_column_loses_to_the_clerks_remembered_choice() -> None:
    plan = plan_columns(HYOSUNG_HEADER, remembered={"회원구분": "memo"},
                        profile=profiles.HYOSUNG.mapping_for(HYOSUNG_HEADER), defaults={"debit_limit", "item"})
    by_header = {c.header: c for c in plan.columns}
    assert by_header["회원구분"].key == "memo" and by_header["회원구분"].source.name == "REMEMBERED"
    assert by_header["결제정보"].key == "account_no" and by_header["결제정보"].source.name == "PROFILE"


def _habits(profile: profiles.Profile | None, positions: dict[str, int], header: list[str]) -> profiles.RowHabits:
    return profiles.RowHabits(profile, positions, {k: header[p] for k, p in positions.items() if p < len(header)}, header)


def test_masked_numbers_the_bank_in_brackets_and_the_endless_end_date() -> None:
    header = ["회원번호", "결제정보", "청구종료일", "회원구분", "이체은행", "예금주생년월일"]
    habits = _habits(profiles.HYOSUNG, {"customer_no": 0, "account_no": 1, "last_month": 2, "grade": 3, "bank_code": 4,
                                        "holder_id": 5}, header)
    row = habits.prepare(["00000007", "451*****720(농협은행)", "9999-12-31", "미지정", "", "800102-1******"])
    assert row.cells[1:6] == ["", "", "", "농협은행", "800102"]
    assert "가려진 계좌번호" in row.problems[1] and "'결제정보' 칸" in row.problems[1]
    assert any("생년월일" in n for n in row.notes)
    ended = habits.prepare(["00000008", "302-1234-5678-91", "2027-02-28", "정회원", "", "800102"])
    assert ended.cells[1:4] == ["302-1234-5678-91", "2027-02", "정회원"] and not ended.problems


def test_typed_numbers_keep_the_bank_the_masked_cell_named() -> None:
    header = ["결제정보", "이체은행"]
    habits = _habits(profiles.HYOSUNG, {"account_no": 0, "bank_code": 1}, header)
    row = habits.prepare(["302-1234-5678-91", ""], original=["302*****891(농협은행)"])
    assert row.cells == ["302-1234-5678-91", "농협은행"] and not row.problems


def test_status_rows_are_skipped_with_the_reason() -> None:
    habits = _habits(profiles.HYOSUNG, {"customer_no": 1}, HYOSUNG_HEADER)
    stopped = habits.prepare(["1", "00000001", "", "", "중지"] + [""] * 17)
    assert stopped.skip is not None and "중지된 회원" in stopped.skip
    card = habits.prepare(["1", "00000001", "", "", "사용", "사용", "25", "자동결제", "카드"] + [""] * 13)
    assert card.skip is not None and "카드 결제" in card.skip


def test_the_academy_number_keeps_its_five_digits() -> None:
    habits = _habits(profiles.ACADEMY, {"customer_no": 0}, ACADEMY_HEADER)
    assert habits.prepare([101.0]).cells[0] == "00101"  # the number cell Excel made of 00101
    assert habits.prepare(["7"]).cells[0] == "00007" and habits.prepare(["123456"]).cells[0] == "123456"


def test_a_masked_account_is_refused_for_every_list_not_only_an_export() -> None:
    habits = _habits(None, {"account_no": 0}, ["계좌번호"])
    assert "가려진 계좌번호" in habits.prepare(["110-***-123456"]).problems[0]
    assert not habits.prepare(["110-123-456789"]).problems
