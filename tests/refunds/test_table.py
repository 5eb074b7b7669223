"""The 학원법 table's boundaries, computed by `plan_refund` from real charges (hand computations as literals).

수강료 is taught on days 1–30 of April 2026 (30 days) and paid 100,000원 by the debit of 04-15;
피아노 counts 8 sessions a month and is paid 120,000원.
"""

from __future__ import annotations

from datetime import date

import pytest

from app.models import RefundKind, RefundRule
from app.services.collection import refund_table, refunds
from app.services.common.errors import ServiceError
from tests.refunds.conftest import PIANO, Academy

TODAY = date(2026, 4, 20)


@pytest.mark.parametrize(("day", "elapsed", "rule", "amount", "sentence"), [
    (1, 0, RefundRule.BEFORE_START, 100_000,
     "2026-04 수강료: 납부 100,000원, 교습 30일 중 0일 경과(교습 시작 전) → 전액 = 100,000원"),
    (10, 9, RefundRule.BEFORE_THIRD, 66_666,
     "2026-04 수강료: 납부 100,000원, 교습 30일 중 9일 경과(1/3 미만) → 2/3 = 66,666원 (원 미만 절사)"),
    (11, 10, RefundRule.BEFORE_HALF, 50_000,
     "2026-04 수강료: 납부 100,000원, 교습 30일 중 10일 경과(1/3 이상, 1/2 미만) → 1/2 = 50,000원"),
    (15, 14, RefundRule.BEFORE_HALF, 50_000,
     "2026-04 수강료: 납부 100,000원, 교습 30일 중 14일 경과(1/3 이상, 1/2 미만) → 1/2 = 50,000원"),
    (16, 15, RefundRule.AFTER_HALF, 0,
     "2026-04 수강료: 납부 100,000원, 교습 30일 중 15일 경과(1/2 이상) → 반환 없음 = 0원"),
])
def test_a_thirty_day_month_by_the_table(academy: Academy, day: int, elapsed: int, rule: RefundRule, amount: int,
                                         sentence: str) -> None:
    payer = academy.payer("1", "홍길동")
    charge_id = academy.paid(payer, date(2026, 4, 15))
    plan = refunds.plan_refund(academy.db, academy.clerk, payer.customer_id, RefundKind.WITHDRAWAL,
                               date(2026, 4, day), today=TODAY)
    assert plan.customer_name == "홍길동" and plan.due_on == date(2026, 4, day + 5)
    [line] = plan.lines
    assert (line.charge_id, line.period, line.paid_amount, line.elapsed, line.total, line.unit) == (
        charge_id, "2026-04", 100_000, elapsed, 30, "일")
    assert (line.rule, line.amount, plan.amount) == (rule, amount, amount)
    assert line.explanation == sentence


@pytest.mark.parametrize(("held", "rule", "amount"), [
    (0, RefundRule.BEFORE_START, 120_000),
    (2, RefundRule.BEFORE_THIRD, 80_000),
    (3, RefundRule.BEFORE_HALF, 60_000),
    (4, RefundRule.AFTER_HALF, 0),
])
def test_a_sessions_item_counts_the_sessions_held(academy: Academy, held: int, rule: RefundRule, amount: int) -> None:
    payer = academy.payer("2", "김피아", monthly=120_000, item=PIANO)
    academy.paid(payer, date(2026, 4, 15))
    plan = refunds.plan_refund(academy.db, academy.clerk, payer.customer_id, RefundKind.COURSE_STOP,
                               date(2026, 4, 17), agreement_id=payer.agreement_id,
                               sessions_held={payer.agreement_id: held}, today=TODAY)
    [line] = plan.lines
    assert (line.elapsed, line.total, line.unit, line.rule, line.amount) == (held, 8, "회", rule, amount)
    assert f"교습 8회 중 {held}회 경과" in line.explanation


def test_sessions_held_are_required_and_bounded(academy: Academy) -> None:
    payer = academy.payer("2", "김피아", monthly=120_000, item=PIANO)
    academy.paid(payer, date(2026, 4, 15))
    for held in (None, {payer.agreement_id: 9}, {payer.agreement_id: -1}):
        with pytest.raises(ServiceError, match="진행한 교습 횟수를 0~8회로 입력하세요"):
            refunds.plan_refund(academy.db, academy.clerk, payer.customer_id, RefundKind.WITHDRAWAL,
                                date(2026, 4, 17), sessions_held=held, today=TODAY)


def test_a_later_month_already_paid_comes_back_whole(academy: Academy) -> None:
    """Withdrawn on 04-28 (27 of 30 days gone: nothing of April), May's fee debited 05-06 comes back whole."""
    payer = academy.payer("3", "이오월", day=5)
    academy.paid(payer, date(2026, 4, 6))  # the 5th is a Sunday
    may = academy.paid(payer, date(2026, 5, 6))  # the 5th is 어린이날
    plan = refunds.plan_refund(academy.db, academy.clerk, payer.customer_id, RefundKind.WITHDRAWAL,
                               date(2026, 4, 28), today=date(2026, 5, 7))
    assert [(ln.period, ln.rule, ln.amount) for ln in plan.lines] == [
        ("2026-04", RefundRule.AFTER_HALF, 0), ("2026-05", RefundRule.LATER_MONTH, 100_000)]
    assert plan.amount == 100_000 and plan.lines[1].charge_id == may
    assert plan.lines[1].explanation == "2026-05 수강료: 납부 100,000원, 반환사유 발생 이후 달 → 전액 = 100,000원"


def test_earlier_months_and_unpaid_charges_give_nothing(academy: Academy) -> None:
    payer = academy.payer("4", "박미납")
    academy.paid(payer, date(2026, 3, 16))  # March: before the reason month, never refunded
    academy.paid(payer, date(2026, 4, 15), debited=0)  # April failed: nothing received
    plan = refunds.plan_refund(academy.db, academy.clerk, payer.customer_id, RefundKind.WITHDRAWAL,
                               date(2026, 4, 17), today=TODAY)
    assert plan.lines == () and plan.amount == 0


def test_the_teaching_days_of_an_item() -> None:
    """No first/last day: the whole month; a last day past the month's end stops at it."""
    assert refund_table.days_elapsed("2026-02", date(2026, 2, 10), None, None) == refund_table.TeachingTime(9, 28, "일")
    assert refund_table.days_elapsed("2026-02", date(2026, 2, 10), 3, 31) == refund_table.TeachingTime(7, 26, "일")
    assert refund_table.days_elapsed("2026-05", date(2026, 5, 2), 4, 25) == refund_table.TeachingTime(0, 22, "일")
    assert refund_table.days_elapsed("2026-05", date(2026, 5, 28), 4, 25) == refund_table.TeachingTime(22, 22, "일")
    assert refund_table.due_on(date(2026, 12, 29)) == date(2027, 1, 3)


def test_looking_never_writes_and_bad_input_is_refused(academy: Academy) -> None:
    payer = academy.payer("1", "홍길동")
    academy.paid(payer, date(2026, 4, 15))
    with pytest.raises(ServiceError, match="오늘\\(2026-04-20\\) 뒤의 날짜"):
        refunds.plan_refund(academy.db, academy.clerk, payer.customer_id, RefundKind.WITHDRAWAL,
                            date(2026, 4, 21), today=TODAY)
    with pytest.raises(ServiceError, match="최초이체년월\\(2026-01\\)보다 이릅니다"):
        refunds.plan_refund(academy.db, academy.clerk, payer.customer_id, RefundKind.WITHDRAWAL,
                            date(2025, 12, 31), today=TODAY)
    with pytest.raises(ServiceError, match="수강중단은 중단하는 집금항목"):
        refunds.plan_refund(academy.db, academy.clerk, payer.customer_id, RefundKind.COURSE_STOP,
                            date(2026, 4, 10), today=TODAY)
    assert refunds.list_refunds(academy.db, academy.clerk, academy.contract_id) == []
