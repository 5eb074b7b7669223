"""휴원 등록 and 휴원 종료 as the service decides them: every refusal writes nothing; the list's states."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.models import AgreementStatus, AuditLog, DebitAgreement
from app.models.academy import Pause
from app.services.collection import requests as debits
from app.services.common.errors import ConflictError, NotFoundError, PermissionDeniedError, ServiceError
from app.services.common.session import Actor
from app.services.common.validation import ValidationError
from app.services.customers import pauses
from app.services.customers.pauses import PauseState
from tests.factories import Office
from tests.pauses.helpers import FEB5, FEB_NOW, JAN5, JAN_NOW, TODAY, add_payer


def _pause_count(office: Office) -> int:
    with office.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Pause)) or 0)


def _audits(office: Office, action: str) -> int:
    with office.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == action)) or 0)


def _add(office: Office, customer_id: int, first: str = "2027-01", last: str = "2027-02", reason: str = "가족 여행",
         agreements: list[int] | None = None, today: date = TODAY, actor: Actor | None = None) -> pauses.AddedPause:
    return pauses.add_pause(office.db, actor or office.admin, customer_id, agreements, first, last, reason, today=today)


@pytest.mark.parametrize(("first", "last", "reason", "error", "message"), [
    ("2027-01", "2027-02", "   ", ServiceError, "휴원 사유를 입력하세요 (예: 가족 여행, 건강 문제)."),
    ("2027-01", "2027-02", "가" * 201, ServiceError, "휴원 사유는 200자까지 입력할 수 있습니다 (지금 201자)."),
    ("2027-13", "2027-02", "가족 여행", ValidationError, "올바른 년월이 아닙니다 (예: 2026-03)."),
    ("2027-01", "내년", "가족 여행", ValidationError, "년월을 YYYY-MM 형식으로 입력하세요 (예: 2026-03)."),
    ("2027-03", "2027-02", "가족 여행", ServiceError, "휴원 종료월(2027-02)이 시작월(2027-03)보다 빠릅니다. 기간을 다시 고르세요."),
    ("2027-01", "2028-01", "가족 여행", ServiceError,
     "휴원은 한 번에 12개월까지 등록할 수 있습니다 (2027-01~2028-01: 13개월). 더 길게 쉬면 이체정보를 해지하세요."),
    ("2026-11", "2027-01", "가족 여행", ServiceError,
     "휴원 시작월(2026-11)이 이번 달(2026-12)보다 앞섭니다. 지난 달은 휴원으로 등록할 수 없습니다. 이번 달이나 그 뒤의 달부터 "
     "고르세요."),
])
def test_bad_input_is_refused_in_korean_and_writes_nothing(office: Office, first: str, last: str, reason: str,
                                                           error: type[Exception], message: str) -> None:
    p = add_payer(office.db, office.contract_id, "2024001", "김민준", monthly=300_000)
    with pytest.raises(error) as refused:
        _add(office, p.customer_id, first, last, reason)
    assert refused.value.message == message  # type: ignore[attr-defined]
    assert _pause_count(office) == 0 and _audits(office, "pause_added") == 0


def test_twelve_months_starting_this_month_is_the_longest_pause(office: Office) -> None:
    p = add_payer(office.db, office.contract_id, "2024001", "김민준", monthly=300_000)
    added = _add(office, p.customer_id, "2026-12", "2027-11", " 장기   요양 ")
    assert (added.first_month, added.last_month) == ("2026-12", "2027-11")
    rows = pauses.list_pauses(office.db, office.admin, office.contract_id, today=TODAY)
    assert [(r.period_text, r.months, r.reason, r.state) for r in rows] == [
        ("2026-12~2027-11", 12, "장기 요양", PauseState.ACTIVE)]
    assert _audits(office, "pause_added") == 1


def test_pauses_of_one_item_never_overlap_but_may_follow_each_other(office: Office) -> None:
    p = add_payer(office.db, office.contract_id, "2024001", "김민준", monthly=300_000)
    _add(office, p.customer_id, "2027-01", "2027-02")
    with pytest.raises(ConflictError) as refused:
        _add(office, p.customer_id, "2027-02", "2027-03", "건강 문제")
    assert refused.value.message == ("수강료은(는) 이미 2027-01~2027-02 휴원이 등록되어 있습니다 (가족 여행). 기간이 겹치지 "
                                     "않게 고르거나 그 휴원을 먼저 종료하세요.")
    _add(office, p.customer_id, "2027-03", "2027-04", "건강 문제")
    assert _pause_count(office) == 2


def test_a_month_already_charged_cannot_be_paused_even_after_its_request_is_withdrawn(office: Office) -> None:
    db, cid = office.db, office.contract_id
    p = add_payer(db, cid, "2024001", "김민준", monthly=300_000)
    outcome = debits.request(db, office.admin, cid, JAN5, [p.agreement_id], now=JAN_NOW)
    on_the_4th = JAN_NOW.date()
    expected = ("2027-01 청구가 이미 만들어졌습니다 (수강료: 이체의뢰할 때 만들어지며 의뢰를 취소해도 남습니다). 청구가 만들어진 "
                "달은 휴원할 수 없으니 2027-02부터 휴원을 등록하세요.")
    with pytest.raises(ConflictError) as refused:
        _add(office, p.customer_id, "2027-01", "2027-02", today=on_the_4th)
    assert refused.value.message == expected
    debits.withdraw(db, office.admin, outcome.request_ids[0], now=JAN_NOW)
    with pytest.raises(ConflictError) as again:
        _add(office, p.customer_id, "2027-01", "2027-02", today=on_the_4th)
    assert again.value.message == expected
    with pytest.raises(ConflictError, match=r"2027-01 청구가 이미 만들어졌습니다 .* 청구가 없는 달을 고르세요\."):
        _add(office, p.customer_id, "2027-01", "2027-01", today=on_the_4th)
    assert _pause_count(office) == 0
    _add(office, p.customer_id, "2027-02", "2027-02", today=on_the_4th)
    assert _pause_count(office) == 1


def test_all_or_nothing_one_charged_item_stops_the_whole_pause(office: Office) -> None:
    db, cid = office.db, office.contract_id
    tuition = add_payer(db, cid, "2024001", "김민준", monthly=300_000)
    books = add_payer(db, cid, "2024001", "김민준", monthly=40_000, item="A02")
    debits.request(db, office.admin, cid, JAN5, [books.agreement_id], now=JAN_NOW)
    with pytest.raises(ConflictError, match=r"^2027-01 청구가 이미 만들어졌습니다 \(교재비: "):
        _add(office, tuition.customer_id, today=JAN_NOW.date())  # None: every item of the student
    assert _pause_count(office) == 0
    _add(office, tuition.customer_id, agreements=[tuition.agreement_id], today=JAN_NOW.date())
    with office.db.session() as s:
        assert [p.agreement_id for p in s.scalars(select(Pause))] == [tuition.agreement_id]


def test_only_the_customers_own_running_agreements_can_pause(office: Office) -> None:
    db, cid = office.db, office.contract_id
    minjun = add_payer(db, cid, "2024001", "김민준", monthly=300_000)
    seoyeon = add_payer(db, cid, "2024002", "이서연", monthly=200_000)
    with pytest.raises(NotFoundError, match=r"김민준\(2024001\) 고객의 이체정보가 아닌 항목이 있습니다"):
        _add(office, minjun.customer_id, agreements=[minjun.agreement_id, seoyeon.agreement_id])
    with pytest.raises(ServiceError, match="휴원할 집금항목을 하나 이상 고르세요"):
        _add(office, minjun.customer_id, agreements=[])
    with db.session() as s:
        agreement = s.get(DebitAgreement, seoyeon.agreement_id)
        assert agreement is not None
        agreement.status = AgreementStatus.ENDED
    with pytest.raises(ServiceError) as ended:
        _add(office, seoyeon.customer_id, agreements=[seoyeon.agreement_id])
    assert ended.value.message == "수강료 이체정보는 해지되어 휴원을 등록할 수 없습니다."
    with pytest.raises(ServiceError) as none_left:
        _add(office, seoyeon.customer_id)
    assert none_left.value.message == "이서연(2024002) 고객은 사용 중인 이체정보가 없어 휴원을 등록할 수 없습니다."
    stranger = Actor(None, office.institution_id + 99, "x", "x", office.admin.role)
    with pytest.raises(NotFoundError):
        _add(office, minjun.customer_id, actor=stranger)
    assert _pause_count(office) == 0


def test_a_viewer_lists_pauses_but_cannot_add_or_end_one(office: Office, viewer: Actor) -> None:
    p = add_payer(office.db, office.contract_id, "2024001", "김민준", monthly=300_000)
    with pytest.raises(PermissionDeniedError):
        _add(office, p.customer_id, actor=viewer)
    added = _add(office, p.customer_id)
    assert [r.customer_no for r in pauses.list_pauses(office.db, viewer, office.contract_id, today=TODAY)] == ["2024001"]
    with pytest.raises(PermissionDeniedError):
        pauses.end_pause(office.db, viewer, added.pause_ids[0], today=TODAY)


def test_ending_a_pause_not_started_cancels_it(office: Office, clerk: Actor) -> None:
    p = add_payer(office.db, office.contract_id, "2024001", "김민준", monthly=300_000)
    added = _add(office, p.customer_id, actor=clerk)
    ended = pauses.end_pause(office.db, clerk, added.pause_ids[0], today=TODAY)
    assert ended.cancelled and ended.message == ("김민준(2024001) 수강료 2027-01~2027-02 휴원을 취소했습니다. 2027-01부터 "
                                                 "예정대로 청구합니다.")
    [row] = pauses.list_pauses(office.db, clerk, office.contract_id, today=TODAY)
    assert (row.state, row.cancelled_by, row.can_end, row.end_block) == (PauseState.CANCELLED, "clerk1", False,
                                                                         "취소된 휴원입니다.")
    with pytest.raises(ConflictError, match="취소된 휴원입니다"):
        pauses.end_pause(office.db, clerk, added.pause_ids[0], today=TODAY)
    _add(office, p.customer_id, "2027-01", "2027-01", "다시 휴원", actor=clerk)  # a cancelled pause no longer overlaps
    assert _audits(office, "pause_ended") == 1 and _audits(office, "pause_added") == 2


def test_ending_a_pause_under_way_keeps_this_month_and_charges_the_next(office: Office) -> None:
    db, cid = office.db, office.contract_id
    p = add_payer(db, cid, "2024001", "김민준", monthly=300_000)
    added = _add(office, p.customer_id, "2026-12", "2027-03", today=date(2026, 12, 1))
    in_january = date(2027, 1, 10)
    ended = pauses.end_pause(db, office.admin, added.pause_ids[0], today=in_january)
    assert not ended.cancelled and (ended.first_month, ended.last_month) == ("2026-12", "2027-01")
    assert ended.message == ("김민준(2024001) 수강료 휴원(2026-12~2027-03)을 이번 달(2027-01)까지로 줄였습니다. "
                             "2027-02부터 다시 청구합니다.")
    [row] = pauses.list_pauses(db, office.admin, cid, today=in_january)
    assert (row.state, row.period_text) == (PauseState.ACTIVE, "2026-12~2027-01")
    assert row.end_block == "이번 달(2027-01)까지인 휴원이라 2027-02부터 자동으로 다시 청구합니다. 따로 종료하지 않아도 됩니다."
    with pytest.raises(ConflictError, match=r"이번 달\(2027-01\)까지인 휴원이라"):
        pauses.end_pause(db, office.admin, added.pause_ids[0], today=in_january)
    january = {r.customer_no: r for r in debits.list_due(db, office.admin, cid, JAN5, now=JAN_NOW).rows}
    assert january["2024001"].reason == "휴원 중입니다 (2026-12~2027-01: 가족 여행)"
    february = {r.customer_no: r for r in debits.list_due(db, office.admin, cid, FEB5, now=FEB_NOW).rows}
    assert february["2024001"].requestable and february["2024001"].request_amount == 300_000
    [finished] = pauses.list_pauses(db, office.admin, cid, today=date(2027, 2, 1))
    assert (finished.state, finished.end_block) == (PauseState.FINISHED, "이미 끝난 휴원입니다.")
    with pytest.raises(ConflictError, match="이미 끝난 휴원입니다"):
        pauses.end_pause(db, office.admin, added.pause_ids[0], today=date(2027, 2, 1))


def test_an_unknown_pause_is_not_found(office: Office) -> None:
    with pytest.raises(NotFoundError, match="휴원 내역을 찾을 수 없습니다"):
        pauses.end_pause(office.db, office.admin, 999, today=TODAY)


def test_the_list_gives_each_pause_its_state_and_filters_by_month_and_customer(office: Office) -> None:
    db, cid = office.db, office.contract_id
    one = add_payer(db, cid, "2024001", "김민준", monthly=300_000)
    two = add_payer(db, cid, "2024002", "이서연", monthly=200_000)
    three = add_payer(db, cid, "2024003", "박지호", monthly=250_000)
    _add(office, one.customer_id, "2026-12", "2026-12", "감기")
    _add(office, two.customer_id, "2027-01", "2027-02", "가족 여행")
    cancelled = _add(office, three.customer_id, "2027-01", "2027-01", "잘못 입력")
    pauses.end_pause(db, office.admin, cancelled.pause_ids[0], today=TODAY)
    _add(office, three.customer_id, "2027-03", "2027-03", "이사")
    in_january = date(2027, 1, 15)
    rows = pauses.list_pauses(db, office.admin, cid, today=in_january)
    assert [(r.state.label, r.customer_no, r.period_text, r.monthly_amount) for r in rows] == [
        ("휴원중", "2024002", "2027-01~2027-02", 200_000),
        ("예정", "2024003", "2027-03", 250_000),
        ("종료", "2024001", "2026-12", 300_000),
        ("취소", "2024003", "2027-01", 250_000),
    ]
    assert [r.customer_no for r in pauses.list_pauses(db, office.admin, cid, month="2027-01", today=in_january)] == [
        "2024002"]  # the cancelled January pause pauses nothing
    assert [r.period_text for r in pauses.list_pauses(db, office.admin, cid, search="박지", today=in_january)] == [
        "2027-03", "2027-01"]
    assert [r.period_text for r in pauses.list_pauses(db, office.admin, cid, search="2024001", today=in_january)] == [
        "2026-12"]
    with pytest.raises(ValidationError):
        pauses.list_pauses(db, office.admin, cid, month="1월", today=in_january)


def test_the_dialog_offers_the_running_items_with_their_pauses(office: Office) -> None:
    db, cid = office.db, office.contract_id
    tuition = add_payer(db, cid, "2024001", "김민준", monthly=300_000)
    add_payer(db, cid, "2024001", "김민준", monthly=40_000, item="A02")
    ended = add_payer(db, cid, "2024001", "김민준", monthly=30_000, item="A03")
    with db.session() as s:
        agreement = s.get(DebitAgreement, ended.agreement_id)
        assert agreement is not None
        agreement.status = AgreementStatus.ENDED
    _add(office, tuition.customer_id, agreements=[tuition.agreement_id])
    items = pauses.pausable_items(db, office.admin, tuition.customer_id, today=TODAY)
    assert [(i.item_name, i.monthly_amount, i.pauses) for i in items] == [
        ("수강료", 300_000, "2027-01~2027-02 (가족 여행)"), ("교재비", 40_000, "")]
