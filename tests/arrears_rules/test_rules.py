"""연체료·독촉 규정 saved and read back on both databases: defaults, validation, letters, permissions, audit."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from app.models import AuditLog, CollectionItem, DebitRequest, DunningLetter, DunningStage, LateFeeBasis, LateFeePolicy
from app.services.collection import late_fees
from app.services.common.errors import ConflictError, NotFoundError, PermissionDeniedError
from app.services.common.session import Actor
from app.services.common.validation import ValidationError
from app.services.settings import arrears_rules as rules
from app.services.settings.arrears_rules import DEFAULT_STAGES, LateFeeForm, LetterValues, StageRule
from tests.apartment.complex import SEPTEMBER, Complex

DAILY = LateFeeForm(enabled=True, basis="DAY", rate="0.05", grace_days="5", cap="10,000", rounding_unit="10")


def _item_id(place: Complex, code: str) -> int:
    with place.db.session() as s:
        found = s.scalar(select(CollectionItem.id).where(CollectionItem.contract_id == place.contract_id,
                                                         CollectionItem.code == code))
        assert found is not None
        return found


def _audits(place: Complex, action: str) -> list[dict]:  # type: ignore[type-arg]
    with place.db.session() as s:
        return [json.loads(a.detail or "{}") | {"_target": a.target, "_login": a.login_id}
                for a in s.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id))]


def test_a_new_contract_has_no_late_fee_and_the_default_stages(complex_: Complex) -> None:
    loaded = rules.load_rules(complex_.db, complex_.clerk, complex_.contract_id)
    assert loaded.default.text == "사용 안 함" and not loaded.default.saved and loaded.default.rate_text == ""
    assert [(i.code, i.name, i.own) for i in loaded.items] == [
        ("A01", "수강료", None), ("A02", "교재비", None), ("A03", "차량비", None), ("M01", "관리비", None)]
    assert loaded.items[3].effective_text(loaded.default) == "사용 안 함"
    assert loaded.stages == DEFAULT_STAGES and loaded.stages_are_default
    with complex_.db.session() as s:
        assert rules.stages(s, complex_.contract_id) == list(DEFAULT_STAGES)


def test_policy_round_trip_default_and_item(complex_: Complex) -> None:
    db, admin, contract = complex_.db, complex_.admin, complex_.contract_id
    saved = rules.save_late_fee_policy(db, admin, contract, None, DAILY)
    assert saved.text == "일 0.05% · 유예 5일 · 한도 10,000원 · 10원 미만 절사"
    m01 = _item_id(complex_, "M01")
    rules.save_late_fee_policy(db, admin, contract, m01, LateFeeForm(enabled=True, basis=LateFeeBasis.MONTH,
                                                                    rate="2", grace_days="0", cap=""))
    loaded = rules.load_rules(db, complex_.clerk, contract)
    assert (loaded.default.rate_ppm, loaded.default.grace_days, loaded.default.cap_amount,
            loaded.default.rounding_unit, loaded.default.rate_text) == (500, 5, 10_000, 10, "0.05")
    own = {i.code: i.own for i in loaded.items}
    assert own["M01"] is not None and own["M01"].text == "월 2% · 유예 없음 · 한도 없음 · 원 미만 절사"
    assert own["M01"].rate_ppm == 20_000 and own["A01"] is None
    assert loaded.items[0].effective_text(loaded.default) == "일 0.05% · 유예 5일 · 한도 10,000원 · 10원 미만 절사"
    # What the late-fee computation reads is exactly what was saved.
    with db.session() as s:
        default, by_item = late_fees.policies(s, contract)
    assert default == late_fees.Rule(LateFeeBasis.DAY, 500, 5, 10_000, 10)
    assert by_item == {m01: late_fees.Rule(LateFeeBasis.MONTH, 20_000, 0, None, 1)}
    # 기본 규정 따름: the item's own row goes, the default applies again.
    rules.use_default(db, admin, contract, m01)
    assert {i.code: i.own for i in rules.load_rules(db, admin, contract).items}["M01"] is None
    with db.session() as s:
        assert s.scalars(select(LateFeePolicy.item_id).where(LateFeePolicy.contract_id == contract)).all() == [None]


def test_switching_off_keeps_the_figures_for_later(complex_: Complex) -> None:
    db, admin, contract = complex_.db, complex_.admin, complex_.contract_id
    first = rules.save_late_fee_policy(db, admin, contract, None, DAILY)
    off = rules.save_late_fee_policy(db, admin, contract, None, replace(DAILY, enabled=False, version=first.version))
    assert off.text == "사용 안 함" and off.rate_ppm == 500 and off.rate_text == "0.05"
    with db.session() as s:
        assert late_fees.policies(s, contract) == (None, {})


def test_an_item_of_its_own_may_have_no_late_fee(complex_: Complex) -> None:
    db, admin, contract = complex_.db, complex_.admin, complex_.contract_id
    rules.save_late_fee_policy(db, admin, contract, None, DAILY)
    m01 = _item_id(complex_, "M01")
    rules.save_late_fee_policy(db, admin, contract, m01, LateFeeForm(enabled=False))
    loaded = rules.load_rules(db, admin, contract)
    assert {i.code: i.effective_text(loaded.default) for i in loaded.items}["M01"] == "사용 안 함"
    with db.session() as s:
        assert late_fees.policies(s, contract)[1] == {m01: None}


def test_bad_policies_write_nothing(complex_: Complex) -> None:
    db, admin, contract = complex_.db, complex_.admin, complex_.contract_id
    with pytest.raises(ValidationError) as refused:
        rules.save_late_fee_policy(db, admin, contract, None, replace(DAILY, rate="0.00005"))
    assert str(refused.value) == "연체요율: 소수점 아래 4자리까지 입력할 수 있습니다 (예: 0.0274)."
    with pytest.raises(ValidationError) as refused:
        rules.save_late_fee_policy(db, admin, contract, None, replace(DAILY, grace_days="일주일"))
    assert str(refused.value) == "유예일수: '일주일'은(는) 숫자가 아닙니다. 0 이상의 정수로 입력하세요."
    with pytest.raises(ValidationError) as refused:
        rules.save_late_fee_policy(db, admin, contract, None, replace(DAILY, cap="-5"))
    assert str(refused.value) == "한도: '-5'은(는) 숫자가 아닙니다. 0 이상의 정수로 입력하세요."
    with pytest.raises(NotFoundError):
        rules.save_late_fee_policy(db, admin, contract, 999_999, DAILY)
    with complex_.db.session() as s:
        s.add(CollectionItem(contract_id=contract, code=late_fees.LATE_FEE_ITEM_CODE, name="연체료",
                             collection_days="25"))
    with pytest.raises(ValidationError) as refused:
        rules.save_late_fee_policy(db, admin, contract, _item_id(complex_, late_fees.LATE_FEE_ITEM_CODE), DAILY)
    assert str(refused.value) == "집금항목: 연체료 항목에는 연체료를 매기지 않습니다 (연체료에 대한 연체료는 없습니다)."
    assert "LATE" not in [i.code for i in rules.load_rules(db, admin, contract).items]
    with db.session() as s:
        assert s.scalars(select(LateFeePolicy)).all() == []
    assert _audits(complex_, "late_fee_policy_saved") == []


def test_only_an_administrator_saves_but_everyone_reads(complex_: Complex, viewer: Actor) -> None:
    db, contract = complex_.db, complex_.contract_id
    for actor in (complex_.clerk, viewer):
        with pytest.raises(PermissionDeniedError) as refused:
            rules.save_late_fee_policy(db, actor, contract, None, DAILY)
        assert refused.value.message == "관리자만 할 수 있는 작업입니다."
        with pytest.raises(PermissionDeniedError):
            rules.save_stages(db, actor, contract, list(DEFAULT_STAGES))
        with pytest.raises(PermissionDeniedError):
            rules.use_default(db, actor, contract, _item_id(complex_, "M01"))
        assert rules.load_rules(db, actor, contract).default.text == "사용 안 함"
    with db.session() as s:
        assert s.scalars(select(DunningStage)).all() == [] and s.scalars(select(LateFeePolicy)).all() == []


def test_every_policy_save_is_audited_with_before_and_after(complex_: Complex) -> None:
    db, admin, contract = complex_.db, complex_.admin, complex_.contract_id
    first = rules.save_late_fee_policy(db, admin, contract, None, DAILY)
    rules.save_late_fee_policy(db, admin, contract, None, replace(DAILY, rate="0.1", version=first.version))
    m01 = _item_id(complex_, "M01")
    rules.save_late_fee_policy(db, admin, contract, m01, LateFeeForm(enabled=False))
    rules.use_default(db, admin, contract, m01)
    rules.use_default(db, admin, contract, m01)  # already following the default: nothing happens, nothing audited
    saved = _audits(complex_, "late_fee_policy_saved")
    assert [(a["_target"], a["_login"]) for a in saved] == [
        (f"{complex_.office.institution_code} 연체료 기본 규정", "admin"),
        (f"{complex_.office.institution_code} 연체료 기본 규정", "admin"),
        (f"{complex_.office.institution_code} 연체료 M01 관리비", "admin")]
    assert saved[0]["before"] is None
    assert saved[0]["after"]["text"] == "일 0.05% · 유예 5일 · 한도 10,000원 · 10원 미만 절사"
    assert saved[1]["before"]["rate_ppm"] == 500 and saved[1]["after"]["rate_ppm"] == 1000
    assert saved[1]["after"]["text"] == "일 0.1% · 유예 5일 · 한도 10,000원 · 10원 미만 절사"
    assert saved[2]["after"]["text"] == "사용 안 함"
    removed = _audits(complex_, "late_fee_policy_removed")
    assert len(removed) == 1 and removed[0]["after"] == "기본 규정 따름" and removed[0]["before"]["enabled"] is False


def test_a_policy_changed_meanwhile_is_not_overwritten(complex_: Complex) -> None:
    db, admin, contract = complex_.db, complex_.admin, complex_.contract_id
    loaded = rules.load_rules(db, admin, contract).default
    rules.save_late_fee_policy(db, admin, contract, None, replace(DAILY, version=loaded.version))
    with pytest.raises(ConflictError) as refused:  # a second administrator's screen still shows "사용 안 함"
        rules.save_late_fee_policy(db, admin, contract, None, replace(DAILY, rate="3", version=loaded.version))
    assert refused.value.message == rules.POLICY_STALE
    assert rules.load_rules(db, admin, contract).default.rate_ppm == 500


# --- 독촉 단계 -----------------------------------------------------------------------------------------------


def _stage(name: str, days: int, wording: str = "{고객명} 님, 미납액 {미납액}을 납부해 주세요.",
           stage_id: int | None = None) -> StageRule:
    return StageRule(stage_id, 0, name, days, wording, True)


def test_stages_round_trip_and_replace_the_defaults(complex_: Complex) -> None:
    db, admin, contract = complex_.db, complex_.admin, complex_.contract_id
    saved = rules.save_stages(db, admin, contract, [_stage(" 안내 ", 5), _stage("독촉", 20), _stage("최고장", 40)])
    assert [(s.seq, s.name, s.days_after) for s in saved] == [(1, "안내", 5), (2, "독촉", 20), (3, "최고장", 40)]
    loaded = rules.load_rules(db, complex_.clerk, contract)
    assert not loaded.stages_are_default and loaded.stages == tuple(saved)
    with db.session() as s:
        assert rules.stages(s, contract) == saved
    # Renaming and re-timing a stage edits it in place: its id (and the letters issued for it) stays.
    edited = [replace(saved[0], days_after=3, name="1차 안내"), saved[1], replace(saved[2], days_after=30)]
    again = rules.save_stages(db, admin, contract, edited, version=loaded.stages_version)
    assert [(s.id, s.seq, s.name, s.days_after) for s in again] == [
        (saved[0].id, 1, "1차 안내", 3), (saved[1].id, 2, "독촉", 20), (saved[2].id, 3, "최고장", 30)]


@pytest.mark.parametrize(("stages", "says"), [
    ([], "독촉 단계: 독촉 단계는 1~5개까지 둘 수 있습니다 (지금 0개)."),
    ([_stage(f"{n}차", n) for n in range(1, 7)], "독촉 단계: 독촉 단계는 1~5개까지 둘 수 있습니다 (지금 6개)."),
    ([_stage("안내", 3), _stage("안내", 10)],
     "2단계 이름: '안내'은(는) 1단계와 이름이 같습니다. 단계마다 다른 이름을 쓰세요."),
    ([_stage("안내", 15), _stage("독촉", 15)],
     "2단계 일수: 앞 단계(1단계 15일)보다 늦어야 합니다. 단계는 일수가 늘어나는 순서로 두세요."),
    ([_stage("안내", 15), _stage("독촉", 3)],
     "2단계 일수: 앞 단계(1단계 15일)보다 늦어야 합니다. 단계는 일수가 늘어나는 순서로 두세요."),
    ([_stage("안내", 0)], "1단계 일수: 출금 실패 후 1~365일 사이로 입력하세요."),
    ([_stage("안내", 366)], "1단계 일수: 출금 실패 후 1~365일 사이로 입력하세요."),
    ([_stage("   ", 3)], "1단계 이름: 단계 이름을 입력하세요 (예: 1차 안내)."),
    ([_stage("가" * 21, 3)], "1단계 이름: 20자 이내로 입력하세요 (지금 21자)."),
    ([_stage("안내", 3, " \n ")], "1단계 문구: 안내문 문구를 입력하세요."),
    ([_stage("안내", 3, "가" * 2001)], "1단계 문구: 2,000자 이내로 줄이세요 (지금 2,001자)."),
    ([_stage("안내", 3, "{고객명} 님 {주소}로 {금액}을 {주소}")],
     "1단계 문구: 알 수 없는 자리표시 {주소}, {금액}: 쓸 수 있는 것은 {고객명} {미납액} {연체료} {납부기한} {기관명}입니다."),
])
def test_stage_lists_refused_say_which_stage_and_field(complex_: Complex, stages: list[StageRule], says: str) -> None:
    with pytest.raises(ValidationError) as refused:
        rules.save_stages(complex_.db, complex_.admin, complex_.contract_id, stages)
    assert str(refused.value) == says
    with complex_.db.session() as s:
        assert s.scalars(select(DunningStage)).all() == []


def test_every_problem_of_the_list_is_listed(complex_: Complex) -> None:
    with pytest.raises(ValidationError) as refused:
        rules.save_stages(complex_.db, complex_.admin, complex_.contract_id,
                          [_stage("안내", 10, "{이름}"), _stage("", 5)])
    assert refused.value.lines() == (
        "1단계 문구: 알 수 없는 자리표시 {이름}: 쓸 수 있는 것은 {고객명} {미납액} {연체료} {납부기한} {기관명}입니다.\n"
        "2단계 이름: 단계 이름을 입력하세요 (예: 1차 안내).\n"
        "2단계 일수: 앞 단계(1단계 10일)보다 늦어야 합니다. 단계는 일수가 늘어나는 순서로 두세요.")


def test_a_stage_with_letters_is_switched_off_never_deleted(autumn: Complex) -> None:
    db, admin, contract = autumn.db, autumn.admin, autumn.contract_id
    first = rules.save_stages(db, admin, contract, list(DEFAULT_STAGES))
    with db.session() as s:  # 이바다's failed September debit got the 1차 안내
        request = s.scalar(select(DebitRequest).where(DebitRequest.debit_date == SEPTEMBER,
                                                      DebitRequest.agreement_id == autumn.households["1011002"].agreement_id))
        assert request is not None
        s.add(DunningLetter(contract_id=contract, customer_id=autumn.households["1011002"].customer_id,
                            stage_id=first[0].id, request_id=request.id, due_on=date(2026, 10, 11), unpaid=180_000,
                            issued_by="clerk1"))
    loaded = rules.load_rules(db, admin, contract)
    assert loaded.letters_by_stage == {first[0].id: 1}
    # The office drops 1차 안내 (letters issued: kept, switched off) and 2차 독촉 (none: deleted), adds 내용증명.
    saved = rules.save_stages(db, admin, contract, [replace(first[2], days_after=20), _stage("내용증명", 45)],
                              version=loaded.stages_version)
    assert [(s.seq, s.name, s.days_after) for s in saved] == [(1, "최고", 20), (2, "내용증명", 45)]
    assert saved[0].id == first[2].id
    with db.session() as s:
        rows = {r.id: (r.name, r.active, r.seq) for r in s.scalars(select(DunningStage))}
        assert rows[first[0].id] == ("1차 안내", False, 1000 + first[0].id)
        assert first[1].id not in rows
        letter = s.scalar(select(DunningLetter))
        assert letter is not None and letter.stage_id == first[0].id
        assert [r.name for r in rules.stages(s, contract)] == ["최고", "내용증명"]
    after = rules.load_rules(db, admin, contract)
    assert after.retired_stages == 1 and after.letters_by_stage == {}
    # A new "1차 안내" may be added again: the switched-off one no longer takes its name or number.
    third = rules.save_stages(db, admin, contract, [_stage("1차 안내", 3), *after.stages],
                              version=after.stages_version)
    assert [(s.seq, s.name) for s in third] == [(1, "1차 안내"), (2, "최고"), (3, "내용증명")]
    audit = _audits(autumn, "dunning_stages_saved")[1]
    assert audit["before"] == ["1. 1차 안내 (3일)", "2. 2차 독촉 (15일)", "3. 최고 (30일)"]
    assert audit["after"] == ["1. 최고 (20일)", "2. 내용증명 (45일)"]
    assert audit["kept_switched_off"] == ["1차 안내"]


def test_stage_saves_are_audited_and_guarded_against_a_stale_screen(complex_: Complex) -> None:
    db, admin, contract = complex_.db, complex_.admin, complex_.contract_id
    loaded = rules.load_rules(db, admin, contract)
    wording = "{고객명} 님, {기관명}입니다. 미납액 {미납액}을 {납부기한}까지 납부해 주세요."
    saved = rules.save_stages(db, admin, contract, [replace(DEFAULT_STAGES[0], wording=wording), *DEFAULT_STAGES[1:]],
                              version=loaded.stages_version)
    with pytest.raises(ConflictError) as refused:  # the first screen still holds the defaults
        rules.save_stages(db, admin, contract, list(DEFAULT_STAGES), version=loaded.stages_version)
    assert refused.value.message == rules.STAGES_STALE
    with pytest.raises(ConflictError):  # an id that is not one of this contract's live stages
        rules.save_stages(db, admin, contract, [replace(saved[0], id=saved[0].id + 100)])
    (audit,) = _audits(complex_, "dunning_stages_saved")
    assert audit["_target"] == f"{complex_.office.institution_code} 독촉 단계"
    assert audit["before"] == audit["after"] == ["1. 1차 안내 (3일)", "2. 2차 독촉 (15일)", "3. 최고 (30일)"]
    assert audit["wording"] == {"1차 안내": {"before": DEFAULT_STAGES[0].wording, "after": wording}}


def test_the_wording_filled_as_the_letter_prints_it() -> None:
    values = LetterValues("이바다", 180_000, 1_800, False, date(2026, 10, 11), "푸른숲아파트 관리사무소")
    text = "{고객명} 님, {기관명}입니다. 미납액 {미납액}, 연체료 {연체료}, 납부기한 {납부기한}. {그외}"
    assert rules.fill_wording(text, values) == ("이바다 님, 푸른숲아파트 관리사무소입니다. 미납액 180,000원, 연체료 1,800원, "
                                                "납부기한 2026년 10월 11일. {그외}")
    assert rules.fill_wording("연체료 {연체료}", replace(values, late_fee=0)) == "연체료 없음"
    assert rules.fill_wording("연체료 {연체료}", replace(values, late_fee_waived=True)) == "연체료 감면"
