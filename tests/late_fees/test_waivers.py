"""연체료 감면 on the autumn story: only a manager waives, with a reason; a waived fee stays visible as
waived and is not billable; revoking keeps the waiver in the history; every step is audited.

Daily policy (일 0.05 %, 유예 5일) as of 2026-11-30: 이바다 09월 5,220 + 10월 2,700 = 7,920;
최들녘 09월 6,090 + 10월 1,650 = 7,740.
"""

from __future__ import annotations

from datetime import date

import pytest

from app.services.collection import late_fee_list, late_fee_waivers, late_fees
from app.services.common.errors import ConflictError, NotFoundError, PermissionDeniedError, ServiceError
from app.services.common.session import Actor
from tests.apartment.complex import Complex
from tests.late_fees.helpers import AS_OF, CHOI, KIM, LEE, NOW, audits, customer, daily_policy


def _household(place: Complex, no: str, as_of: date = AS_OF) -> late_fee_list.HouseholdFees:
    fees = late_fee_list.household_rows(place.db, place.admin, place.contract_id, as_of)
    return next(r for r in fees.rows if r.customer_no == no)


def test_only_a_manager_waives(autumn: Complex, viewer: Actor) -> None:
    daily_policy(autumn)
    for actor in (autumn.clerk, viewer):
        with pytest.raises(PermissionDeniedError, match="관리자만"):
            late_fee_waivers.waive(autumn.db, actor, customer(autumn, LEE), None, "입원 중", NOW)
    assert late_fee_waivers.waivers(autumn.db, autumn.admin, autumn.contract_id) == []
    assert audits(autumn, "late_fee_waived") == []


def test_a_reason_is_required_and_the_charge_must_be_the_households(autumn: Complex) -> None:
    daily_policy(autumn)
    lee = customer(autumn, LEE)
    with pytest.raises(ServiceError, match="감면 사유를 입력하세요"):
        late_fee_waivers.waive(autumn.db, autumn.admin, lee, None, "   ", NOW)
    with pytest.raises(ServiceError, match="500자 이내"):
        late_fee_waivers.waive(autumn.db, autumn.admin, lee, None, "가" * 501, NOW)
    with pytest.raises(NotFoundError, match="이 세대의 청구가 아닙니다"):
        late_fee_waivers.waive(autumn.db, autumn.admin, lee, autumn.charge(CHOI, "2026-09"), "착오", NOW)
    assert late_fee_waivers.waivers(autumn.db, autumn.admin, autumn.contract_id) == []


def test_a_household_waiver_keeps_the_fee_visible_and_unbillable(autumn: Complex) -> None:
    daily_policy(autumn)
    done = late_fee_waivers.waive(autumn.db, autumn.admin, customer(autumn, LEE), None,
                                  "관리규약 제30조: 장기 입원", NOW)
    assert done.message == ("이바다(1011002) 세대 전체 연체료를 감면했습니다. 연체료는 계속 계산되어 '감면'으로 표시되고 "
                            "청구되지 않습니다.")
    row = _household(autumn, LEE)
    assert (row.fee, row.billed, row.waived, row.billable) == (7_920, 0, 7_920, 0)
    assert row.household_waiver == "관리규약 제30조: 장기 입원"
    assert [(line.period, line.fee, line.waived, line.waiver_reason) for line in row.lines] == [
        ("2026-09", 5_220, True, "관리규약 제30조: 장기 입원"), ("2026-10", 2_700, True, "관리규약 제30조: 장기 입원")]
    choi = _household(autumn, CHOI)
    assert (choi.fee, choi.waived, choi.billable) == (7_740, 0, 7_740)
    with pytest.raises(ConflictError, match="이미 연체료 전체가 감면되어"):
        late_fee_waivers.waive(autumn.db, autumn.admin, customer(autumn, LEE), None, "다시", NOW)
    with pytest.raises(ConflictError, match="이미 연체료 전체가 감면되어"):
        late_fee_waivers.waive(autumn.db, autumn.admin, customer(autumn, LEE), autumn.charge(LEE, "2026-09"), "또", NOW)
    [(login, detail)] = audits(autumn, "late_fee_waived")
    assert login == "admin"
    assert {k: detail[k] for k in ("customer_no", "charge_id", "scope", "reason")} == {
        "customer_no": LEE, "charge_id": None, "scope": "세대 전체", "reason": "관리규약 제30조: 장기 입원"}


def test_a_charge_waiver_covers_that_charge_only(autumn: Complex) -> None:
    daily_policy(autumn)
    september = autumn.charge(CHOI, "2026-09")
    late_fee_waivers.waive(autumn.db, autumn.admin, customer(autumn, CHOI), september, "9월 은행 장애 확인", NOW)
    row = _household(autumn, CHOI)
    assert (row.fee, row.waived, row.billable) == (7_740, 6_090, 1_650)
    assert row.household_waiver is None
    with pytest.raises(ConflictError, match="2026-09 관리비 연체료는 이미 감면되어"):
        late_fee_waivers.waive(autumn.db, autumn.admin, customer(autumn, CHOI), september, "중복", NOW)
    [(_login, detail)] = audits(autumn, "late_fee_waived")
    assert (detail["charge_id"], detail["scope"]) == (september, "2026-09 관리비")


def test_revoking_keeps_the_waiver_in_the_history(autumn: Complex) -> None:
    daily_policy(autumn)
    done = late_fee_waivers.waive(autumn.db, autumn.admin, customer(autumn, LEE), None, "입원 중", NOW)
    with pytest.raises(PermissionDeniedError):
        late_fee_waivers.revoke(autumn.db, autumn.clerk, done.waiver_id, "퇴원", NOW)
    with pytest.raises(ServiceError, match="감면 취소 사유를 입력하세요"):
        late_fee_waivers.revoke(autumn.db, autumn.admin, done.waiver_id, "", NOW)
    said = late_fee_waivers.revoke(autumn.db, autumn.admin, done.waiver_id, "퇴원 후 납부 약속", NOW)
    assert said.message.startswith("이바다(1011002) 세대 전체 연체료 감면을 취소했습니다.")
    with pytest.raises(ConflictError, match="이미 취소된 감면입니다"):
        late_fee_waivers.revoke(autumn.db, autumn.admin, done.waiver_id, "또", NOW)
    assert late_fee_waivers.waivers(autumn.db, autumn.admin, autumn.contract_id, include_revoked=False) == []
    [kept] = late_fee_waivers.waivers(autumn.db, autumn.admin, autumn.contract_id)
    assert (kept.reason, kept.standing, kept.revoked_by, kept.revoke_reason, kept.scope_text) == (
        "입원 중", False, "admin", "퇴원 후 납부 약속", "세대 전체")
    assert _household(autumn, LEE).billable == 7_920  # billable again
    [(_login, detail)] = audits(autumn, "late_fee_waiver_revoked")
    assert (detail["customer_no"], detail["waiver_reason"], detail["reason"]) == (LEE, "입원 중", "퇴원 후 납부 약속")
    # A new waiver may follow the revoked one.
    late_fee_waivers.waive(autumn.db, autumn.admin, customer(autumn, LEE), None, "재입원", NOW)
    assert [w.standing for w in late_fee_waivers.waivers(autumn.db, autumn.admin, autumn.contract_id)] == [True, False]


def test_customer_fees_lists_the_households_fees_and_waivers(autumn: Complex) -> None:
    daily_policy(autumn)
    lee = customer(autumn, LEE)
    late_fee_waivers.waive(autumn.db, autumn.admin, lee, autumn.charge(LEE, "2026-10"), "10월 고지서 오기", NOW)
    fees = late_fee_list.customer_fees(autumn.db, autumn.clerk, lee, AS_OF)
    assert (fees.customer_name, fees.enabled, fees.fee, fees.billed, fees.waived, fees.billable) == (
        "이바다", True, 7_920, 0, 2_700, 5_220)
    assert [(line.period, line.item_name, line.due_on, line.base, line.units_text, line.fee, line.waiver_reason,
             line.billable) for line in fees.lines] == [
        ("2026-09", "관리비", date(2026, 9, 28), 180_000, "58일", 5_220, None, 5_220),
        ("2026-10", "관리비", date(2026, 10, 26), 180_000, "30일", 2_700, "10월 고지서 오기", 0)]
    assert [(w.scope_text, w.reason) for w in fees.waivers] == [("2026-10 관리비", "10월 고지서 오기")]
    nothing = late_fee_list.customer_fees(autumn.db, autumn.clerk, customer(autumn, KIM), AS_OF)
    assert (nothing.lines, nothing.fee, nothing.waivers) == ((), 0, ())


def test_the_waiver_is_what_fees_as_of_reads(autumn: Complex) -> None:
    daily_policy(autumn)
    late_fee_waivers.waive(autumn.db, autumn.admin, customer(autumn, CHOI), None, "분쟁 중", NOW)
    with autumn.db.session() as s:
        fees = late_fees.fees_as_of(s, autumn.contract_id, AS_OF, customer_ids=[customer(autumn, CHOI)])
    # November is still within its grace (no fee), but a waived household's 미납 charges all read as waived.
    assert sorted((f.period, f.fee, f.waived, f.waiver_reason, f.billable) for f in fees.values()) == [
        ("2026-09", 6_090, True, "분쟁 중", 0), ("2026-10", 1_650, True, "분쟁 중", 0),
        ("2026-11", 0, True, "분쟁 중", 0)]
    # The screens list the charges that owe a fee.
    row = _household(autumn, CHOI)
    assert [(line.period, line.fee) for line in row.lines] == [("2026-09", 6_090), ("2026-10", 1_650)]
    assert (row.unpaid_count, row.unpaid_amount) == (3, 530_000)
