"""Proposals for a statement's deposits: the clerk's stories, on SQLite and PostgreSQL (looking never writes)."""

from __future__ import annotations

from datetime import date

from app.models import StatementLineState
from app.services.collection import retries
from app.services.collection.statements import applying, matching
from app.services.collection.statements.model import Action, Confidence, Decision
from tests.collection.helpers import add_payer, at
from tests.factories import Office
from tests.statements.payers import APRIL, MAY, TODAY, counts, deposit, failed, statement

AFTER = date(2026, 4, 17)


def _propose(office: Office, *deposits, today: date = TODAY):  # type: ignore[no-untyped-def]
    return matching.propose(office.db, office.admin, office.contract_id, statement(*deposits), today=today)


def test_exact_name_and_amount_after_the_failure_is_sure_and_ticked(office: Office) -> None:
    minjun = failed(office, "1", "김민준", monthly=150_000)
    failed(office, "2", "박지호", monthly=150_000)  # another payer owing the same: the name decides
    before = counts(office.db)
    [p] = _propose(office, deposit(1, AFTER, "김민준", 150_000))
    assert p.confidence is Confidence.SURE and p.preselected
    assert [(a.charge_id, a.amount, a.customer_name, a.period, a.item_name) for a in p.allocations] == [
        (minjun.charges[0], 150_000, "김민준", "2026-04", "수강료")]
    assert p.reasons == ("입금자명 김민준 = 고객명", "금액 150,000원 = 2026-04 수강료 미납", "입금일 04-17 ≥ 출금실패일 04-15")
    assert p.excess == 0 and p.known is None
    assert counts(office.db) == before  # looking never writes


def test_a_mothers_habit_is_likely_with_its_reason(office: Office) -> None:
    failed(office, "1", "김민준", monthly=150_000)
    [p] = _propose(office, deposit(1, AFTER, "김민준모", 150_000))
    assert p.confidence is Confidence.LIKELY and not p.preselected
    assert p.reasons[0] == "입금자명 김민준모 = 고객명 김민준 + 모"
    assert p.allocations[0].customer_name == "김민준"


def test_two_months_together_are_one_deposit_for_two_charges(office: Office) -> None:
    seoyeon = failed(office, "1", "이서연", monthly=75_000, dates=(APRIL, MAY))
    [together, oldest] = _propose(office, deposit(1, date(2026, 5, 18), "이서연", 150_000),
                                  deposit(2, date(2026, 5, 19), "이서연", 75_000))
    assert together.confidence is Confidence.SURE
    assert [(a.charge_id, a.amount) for a in together.allocations] == [(seoyeon.charges[0], 75_000),
                                                                       (seoyeon.charges[1], 75_000)]
    assert "금액 150,000원 = 2026-04·05월 미납 합계" in together.reasons
    # The second deposit finds both months proposed already: never more than a charge owes, in total.
    assert oldest.confidence is Confidence.NONE and not oldest.allocations
    assert oldest.reasons == ("입금자명 이서연 = 고객명: 미납은 다른 입금에 먼저 맞췄습니다",)


def test_the_oldest_month_first_when_one_month_is_paid(office: Office) -> None:
    seoyeon = failed(office, "1", "이서연", monthly=75_000, dates=(APRIL, MAY))
    [p] = _propose(office, deposit(1, date(2026, 5, 18), "이서연", 75_000))
    assert p.confidence is Confidence.SURE and [a.charge_id for a in p.allocations] == [seoyeon.charges[0]]


def test_a_same_amount_pair_of_payers_is_doubtful_with_both(office: Office) -> None:
    jiho = failed(office, "1", "박지호", monthly=60_000, item="A03")
    haeun = failed(office, "2", "최하은", monthly=60_000, item="A03")
    [p] = _propose(office, deposit(1, AFTER, "홍길동", 60_000))
    assert p.confidence is Confidence.DOUBTFUL and not p.preselected
    assert "같은 금액의 미납 고객이 2명" in p.reasons
    assert p.reasons[0] == "입금자명 홍길동은(는) 고객·보호자·예금주에 없음"
    proposed = {p.allocations[0].charge_id, *(alt[0].charge_id for alt in p.alternatives)}
    assert proposed == {jiho.charges[0], haeun.charges[0]}


def test_two_payers_of_the_same_name_are_doubtful(office: Office) -> None:
    failed(office, "1", "김민준", monthly=150_000)
    failed(office, "2", "김민준", monthly=150_000)
    [p] = _propose(office, deposit(1, AFTER, "김민준", 150_000))
    assert p.confidence is Confidence.DOUBTFUL and "같은 이름의 미납 고객이 2명" in p.reasons
    assert len(p.alternatives) == 1


def test_an_overpayment_is_flagged_and_only_the_owed_proposed(office: Office) -> None:
    woojin = failed(office, "1", "정우진", monthly=100_000)
    [p] = _propose(office, deposit(1, AFTER, "정우진", 130_000))
    assert p.confidence is Confidence.LIKELY and p.excess == 30_000
    assert [(a.charge_id, a.amount) for a in p.allocations] == [(woojin.charges[0], 100_000)]
    assert "금액 130,000원 > 미납 합계 100,000원: 30,000원 초과 (반영하지 않음)" in p.reasons


def test_a_partial_payment_pays_the_oldest_first(office: Office) -> None:
    woojin = failed(office, "1", "정우진", monthly=100_000, dates=(APRIL, MAY))
    [p] = _propose(office, deposit(1, date(2026, 5, 18), "정우진", 140_000))
    assert p.confidence is Confidence.LIKELY and p.excess == 0
    assert [(a.charge_id, a.amount) for a in p.allocations] == [(woojin.charges[0], 100_000),
                                                                 (woojin.charges[1], 40_000)]
    assert "금액 140,000원 < 미납 합계 200,000원: 일부 입금" in p.reasons


def test_a_deposit_before_the_failure_is_less_sure_and_says_so(office: Office) -> None:
    failed(office, "1", "김민준", monthly=150_000)
    [p] = _propose(office, deposit(1, date(2026, 4, 14), "김민준", 150_000))
    assert p.confidence is Confidence.LIKELY and not p.preselected
    assert "입금일 04-14 < 출금실패일 04-15 (실패 전 입금)" in p.reasons


def test_the_guardian_and_the_student_name_a_payer(office: Office) -> None:
    failed(office, "1", "이수진", monthly=200_000, student="박하늘", guardian="이수진")
    [guardian, student] = _propose(office, deposit(1, AFTER, "이수진", 200_000),
                                   deposit(2, date(2026, 4, 18), "하늘엄마", 200_000))
    assert guardian.confidence is Confidence.SURE and guardian.reasons[0] == "입금자명 이수진 = 고객명"
    assert student.confidence is Confidence.NONE  # the month is proposed once only
    [again] = _propose(office, deposit(2, date(2026, 4, 18), "하늘엄마", 200_000))
    assert again.confidence is Confidence.LIKELY and again.reasons[0] == "입금자명 하늘엄마 = 학생 박하늘의 이름 + 엄마"


def test_a_charge_held_by_a_request_is_not_proposed_and_the_reason_says_why(office: Office) -> None:
    failed(office, "1", "김민준", monthly=150_000)
    outcome = retries.list_retry(office.db, office.admin, office.contract_id, now=at(date(2026, 4, 16), 12))
    retries.retry(office.db, office.admin, office.contract_id, [outcome[0].request_id], date(2026, 4, 20),
                  now=at(date(2026, 4, 16), 12))
    [p] = _propose(office, deposit(1, AFTER, "김민준", 150_000))
    assert p.confidence is Confidence.NONE and not p.allocations
    assert p.reasons == ("김민준 2026-04 수강료: 이체의뢰대기 상태라 제외",)
    assert matching.candidates(office.db, office.admin, office.contract_id, text="김민준")[0].blocked


def test_nothing_found_says_why(office: Office) -> None:
    add_payer(office.db, office.contract_id, "7", "윤태윤")  # pays by debit, owes nothing
    failed(office, "1", "김민준", monthly=150_000)
    paid, stranger, future = _propose(office, deposit(1, AFTER, "윤태윤", 50_000), deposit(2, AFTER, "홍길동", 33_000),
                                      deposit(3, date(2026, 5, 21), "김민준", 150_000))
    assert (paid.confidence, paid.reasons) == (Confidence.NONE, ("입금자명 윤태윤 = 고객명, 수납할 미납 청구 없음",))
    assert stranger.reasons == ("입금자명·금액과 맞는 미납 청구가 없습니다",)
    assert future.confidence is Confidence.NONE and future.reasons[0].endswith("오늘(2026-05-20) 뒤입니다")


def test_a_deposit_read_before_is_known_and_not_proposed_again(office: Office) -> None:
    failed(office, "1", "김민준", monthly=150_000)
    sure, stranger = deposit(1, AFTER, "김민준", 150_000), deposit(2, AFTER, "홍길동", 33_000)
    first = _propose(office, sure, stranger)
    applying.apply_decisions(office.db, office.admin, office.contract_id, statement(sure, stranger),
                             [Decision(sure.identity, Action.APPLY, ((first[0].allocations[0].charge_id, 150_000),))],
                             today=TODAY)
    # The next month's download overlaps: the two shared deposits are known, the new one is proposed.
    later = deposit(3, date(2026, 5, 18), "홍길동", 10_000)
    again = _propose(office, sure, stranger, later)
    assert [(p.known, p.preselected, p.allocations) for p in again[:2]] == [
        (StatementLineState.APPLIED, False, ()), (StatementLineState.PENDING, False, ())]
    assert again[0].reasons == ("이미 읽은 입금: 수납반영됨",)
    assert again[1].reasons == ("이미 읽은 입금: 미처리 목록에 있음 (남은 33,000원)",)
    assert again[0].known_line_id is not None and again[2].known is None


def test_the_clerks_change_searches_by_number_and_name(office: Office) -> None:
    minjun = failed(office, "1001", "김민준", monthly=150_000, guardian="이수진")
    failed(office, "1002", "박지호", monthly=60_000, item="A03")
    cid = office.contract_id
    assert len(matching.candidates(office.db, office.admin, cid)) == 2
    for text in ("1001", "김민준", "김민준모", "수진", "이수진"):
        rows = matching.candidates(office.db, office.admin, cid, text=text)
        assert [r.charge_id for r in rows] == [minjun.charges[0]], text
    assert matching.candidates(office.db, office.admin, cid, text="없는사람") == []


def test_a_payers_own_deposit_is_never_beaten_by_a_strangers_earlier_one(office: Office) -> None:
    jiho = failed(office, "1", "박지호", monthly=60_000, item="A03")
    stranger, own = _propose(office, deposit(1, date(2026, 4, 16), "홍길동", 60_000),
                             deposit(2, date(2026, 4, 20), "박지호", 60_000))
    assert own.confidence is Confidence.SURE and own.allocations[0].charge_id == jiho.charges[0]
    assert (stranger.confidence, stranger.reasons) == (Confidence.NONE, ("금액 60,000원의 미납은 다른 입금에 먼저 맞췄습니다",))
