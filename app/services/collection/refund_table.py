"""The 학원법 refund table (학원의 설립·운영 및 과외교습에 관한 법률 시행령 §18 [별표 4]) as pure arithmetic.

No database here: `refunds.py` reads the charges and the items, this module says what each month owes
back and writes the sentence the clerk reads on screen and the parent reads on the confirmation, so
the two can never disagree (the confirmation rebuilds the sentence from the stored line with the same
function).

For the month in course (the month the reason arose in), with *total* teaching time and *elapsed* the
part of it before the reason day:

=============================  ==============  ======================================
elapsed                        rule            refund
=============================  ==============  ======================================
0 (teaching not started)       BEFORE_START    everything paid
3 × elapsed < total            BEFORE_THIRD    2/3 of what was paid
2 × elapsed < total            BEFORE_HALF     1/2 of what was paid
otherwise                      AFTER_HALF      nothing
=============================  ==============  ======================================

Later months already paid are returned whole (LATER_MONTH). Amounts are integer won, floored
(paid × num // den): the law speaks of fractions of the fee, the 원 below is dropped in the payer's
disfavour by at most 0.67원, which is how academies compute it by hand.

Teaching time is counted in days of the month (the item's first to last teaching day; unit "일"), or
in sessions when the item counts sessions (`CollectionItem.teaching_sessions`; unit "회", elapsed =
the sessions already held, which the clerk enters).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.models import RefundRule
from app.services.common.periods import first_day, last_day

DAYS = "일"
SESSIONS = "회"
DUE_DAYS = 5
"""The refund is due within 5 days of the reason arising (시행령 §18③)."""
LEGAL_BASIS = "학원의 설립·운영 및 과외교습에 관한 법률 시행령 제18조 [별표 4]"

FRACTION: dict[RefundRule, tuple[int, int]] = {
    RefundRule.BEFORE_START: (1, 1),
    RefundRule.BEFORE_THIRD: (2, 3),
    RefundRule.BEFORE_HALF: (1, 2),
    RefundRule.AFTER_HALF: (0, 1),
    RefundRule.LATER_MONTH: (1, 1),
}

_WHEN: dict[RefundRule, str] = {
    RefundRule.BEFORE_START: "교습 시작 전",
    RefundRule.BEFORE_THIRD: "1/3 미만",
    RefundRule.BEFORE_HALF: "1/3 이상, 1/2 미만",
    RefundRule.AFTER_HALF: "1/2 이상",
}
_SHARE: dict[RefundRule, str] = {
    RefundRule.BEFORE_START: "전액",
    RefundRule.BEFORE_THIRD: "2/3",
    RefundRule.BEFORE_HALF: "1/2",
    RefundRule.AFTER_HALF: "반환 없음",
    RefundRule.LATER_MONTH: "전액",
}


def due_on(reason_on: date) -> date:
    """The last day the refund may be paid: the reason day + 5 calendar days."""
    return reason_on + timedelta(days=DUE_DAYS)


@dataclass(frozen=True)
class TeachingTime:
    """A month's teaching time for one item, and how much of it had passed on the reason day."""

    elapsed: int
    total: int
    unit: str


def teaching_days(period: str, first: int | None, last: int | None) -> tuple[date, date]:
    """The month's first and last teaching day: the item's days (None = the month's own), within the month.

    A first day beyond the month's end (a first day of 30 in February) is taken as the last day, so a
    badly set item never makes an empty month.
    """
    month_end = last_day(period)
    end = min(month_end, month_end.replace(day=min(last, month_end.day)) if last else month_end)
    start = first_day(period).replace(day=min(first or 1, end.day))
    return start, end


def days_elapsed(period: str, reason_on: date, first: int | None, last: int | None) -> TeachingTime:
    """Teaching days of `period` before `reason_on` (0 … total), of the period's teaching days."""
    start, end = teaching_days(period, first, last)
    total = (end - start).days + 1
    return TeachingTime(max(0, min(total, (reason_on - start).days)), total, DAYS)


def rule_for(elapsed: int, total: int) -> RefundRule:
    """The table's line for the month in course."""
    if elapsed <= 0:
        return RefundRule.BEFORE_START
    if 3 * elapsed < total:
        return RefundRule.BEFORE_THIRD
    if 2 * elapsed < total:
        return RefundRule.BEFORE_HALF
    return RefundRule.AFTER_HALF


def refund_amount(paid: int, rule: RefundRule) -> int:
    """What `rule` returns of `paid` won, floored to the won (integers only)."""
    num, den = FRACTION[rule]
    return paid * num // den


def explanation(period: str, item_name: str, paid: int, rule: RefundRule, elapsed: int, total: int, unit: str,
                amount: int) -> str:
    """The computation as one Korean line, e.g. '2027-03 수강료: 납부 150,000원, 교습 30일 중 9일 경과(1/3 미만)
    → 2/3 = 100,000원 (원 미만 절사)'."""
    head = f"{period} {item_name}: 납부 {paid:,}원"
    if rule is RefundRule.LATER_MONTH:
        return f"{head}, 반환사유 발생 이후 달 → 전액 = {amount:,}원"
    tail = ""
    num, den = FRACTION[rule]
    if den > 1 and num and (paid * num) % den:
        tail = " (원 미만 절사)"
    return (f"{head}, 교습 {total}{unit} 중 {elapsed}{unit} 경과({_WHEN[rule]}) → {_SHARE[rule]} = "
            f"{amount:,}원{tail}")
