"""미납내역집계 with 연체료: each unpaid charge's late fee as of the day its 미납 is decided, and the
groups' 연체료, against the hand computation of tests/late_fees/test_fees_as_of.py.

Policy 일 0.05 % (500 ppm), 유예 5일, as of 2026-11-30 (the period 09-01 ~ 11-30, today the 30th):

| household | month | 미납 | due | late | 연체료 |
|---|---|---|---|---|---|
| 이바다 | 2026-09 | 180,000 | 09-28, grace to 10-03 | 58 days | 180,000 × 0.0005 × 58 = 5,220 |
| 이바다 | 2026-10 | 180,000 | 10-26, grace to 10-31 | 30 days | 2,700 |
| 최들녘 | 2026-09 | 210,000 | 09-28 | 58 days | 6,090 |
| 최들녘 | 2026-10 | 110,000 (100,000 debited) | 10-26 | 30 days | 1,650 |
| 최들녘 | 2026-11 | 210,000 | 11-25, grace to 11-30 | within the grace | 0 |

미납 890,000원 in 5 charges; 연체료 5,220 + 2,700 + 6,090 + 1,650 = 15,660원.
"""

from __future__ import annotations

from datetime import date

import pytest

from app.models import LateFeeBill
from app.services.aggregates import outstanding
from app.services.aggregates.common import GroupBy
from app.services.aggregates.outstanding import OutstandingDetailRow
from app.services.common.periods import Period
from tests.apartment.complex import Complex
from tests.unpaid_late_fees.conftest import AS_OF, AUTUMN, CHOI, LEE, policy, waive

UNPAID = {(LEE, "2026-09"): 180_000, (LEE, "2026-10"): 180_000, (CHOI, "2026-09"): 210_000,
          (CHOI, "2026-10"): 110_000, (CHOI, "2026-11"): 210_000}


def _details(place: Complex, period: Period = AUTUMN, **kwargs: object) -> list[OutstandingDetailRow]:
    return outstanding.details(place.db, place.clerk, place.contract_id, period, None, None, today=AS_OF,
                               **kwargs)  # type: ignore[arg-type]


def _fees(rows: list[OutstandingDetailRow]) -> dict[tuple[str, str], tuple[int, int, bool]]:
    return {(r.customer_no, r.period): (r.unpaid_amount, r.late_fee, r.late_fee_waived) for r in rows}


def test_without_a_policy_nothing_changes(autumn: Complex) -> None:
    rows = _details(autumn)
    assert {k: v[0] for k, v in _fees(rows).items()} == UNPAID
    assert {(r.late_fee, r.late_fee_waived, r.late_fee_policy) for r in rows} == {(0, False, False)}
    summary = outstanding.summarise(autumn.db, autumn.clerk, autumn.contract_id, AUTUMN, GroupBy.ITEM, today=AS_OF)
    assert not summary.late_fees and summary.as_of == AS_OF
    assert (summary.total.unpaid_count, summary.total.unpaid_amount) == (5, 890_000)
    assert (summary.total.late_fee_amount, summary.total.waived_late_fee_amount) == (0, 0)


def test_each_unpaid_charge_carries_its_late_fee(autumn: Complex) -> None:
    before = _details(autumn)
    policy(autumn)
    rows = _details(autumn)
    assert _fees(rows) == {
        (LEE, "2026-09"): (180_000, 5_220, False), (LEE, "2026-10"): (180_000, 2_700, False),
        (CHOI, "2026-09"): (210_000, 6_090, False), (CHOI, "2026-10"): (110_000, 1_650, False),
        (CHOI, "2026-11"): (210_000, 0, False),  # due 11-25: the 30th is the grace's last day
    }
    assert all(r.late_fee_policy for r in rows)
    # the 미납 figures themselves are the ones without a policy
    assert [(r.charge_id, r.unpaid_amount) for r in rows] == [(r.charge_id, r.unpaid_amount) for r in before]


def test_a_page_carries_the_fees_of_its_own_rows(autumn: Complex) -> None:
    policy(autumn)
    page = _details(autumn, offset=1, limit=2)
    assert _fees(page) == {(LEE, "2026-10"): (180_000, 2_700, False), (CHOI, "2026-09"): (210_000, 6_090, False)}


@pytest.mark.parametrize("group_by", list(GroupBy))
def test_the_summary_sums_the_late_fees_of_its_unpaid_charges(autumn: Complex, group_by: GroupBy) -> None:
    policy(autumn)
    summary = outstanding.summarise(autumn.db, autumn.clerk, autumn.contract_id, AUTUMN, group_by, today=AS_OF)
    assert summary.late_fees and summary.as_of == AS_OF
    assert (summary.total.unpaid_count, summary.total.unpaid_amount) == (5, 890_000)
    assert (summary.total.late_fee_amount, summary.total.waived_late_fee_amount) == (15_660, 0)
    if group_by is GroupBy.ITEM:
        assert [(r.label, r.late_fee_amount) for r in summary.rows] == [("관리비", 15_660)]


def test_the_as_of_day_is_the_one_of_the_unpaid_state(autumn: Complex) -> None:
    """Typed to 12-31 on 11-30, the 미납 and its late fee are as of today; a past period as of its end."""
    policy(autumn)
    later = outstanding.summarise(autumn.db, autumn.clerk, autumn.contract_id, Period(date(2026, 9, 1),
                                  date(2026, 12, 31)), GroupBy.ITEM, today=AS_OF)
    assert (later.as_of, later.total.late_fee_amount) == (AS_OF, 15_660)
    # as of 10-31: only September is late (28 days) — 180,000 × 0.0005 × 28 = 2,520 and 210,000 → 2,940
    october = outstanding.summarise(autumn.db, autumn.clerk, autumn.contract_id, Period(date(2026, 9, 1),
                                    date(2026, 10, 31)), GroupBy.ITEM, today=AS_OF)
    assert (october.as_of, october.total.late_fee_amount) == (date(2026, 10, 31), 2_520 + 2_940)


def test_a_waiver_shows_as_waived_and_is_not_in_the_total(autumn: Complex) -> None:
    policy(autumn)
    waive(autumn, LEE)  # the whole household
    waive(autumn, CHOI, "2026-10", "분쟁 조정 중")  # one charge
    rows = _details(autumn)
    assert _fees(rows) == {
        (LEE, "2026-09"): (180_000, 5_220, True), (LEE, "2026-10"): (180_000, 2_700, True),
        (CHOI, "2026-09"): (210_000, 6_090, False), (CHOI, "2026-10"): (110_000, 1_650, True),
        (CHOI, "2026-11"): (210_000, 0, False),
    }
    assert [r.late_fee_due for r in rows] == [0, 0, 6_090, 0, 0]
    for group_by in GroupBy:
        total = outstanding.summarise(autumn.db, autumn.clerk, autumn.contract_id, AUTUMN, group_by,
                                      today=AS_OF).total
        assert (total.late_fee_amount, total.waived_late_fee_amount) == (6_090, 5_220 + 2_700 + 1_650)


def test_a_billed_part_counts_in_the_fee_and_not_in_what_is_still_due(autumn: Complex) -> None:
    policy(autumn)
    september = autumn.charge(CHOI, "2026-09")
    with autumn.db.session() as s:
        s.add(LateFeeBill(contract_id=autumn.contract_id, customer_id=autumn.households[CHOI].customer_id,
                          charge_id=september, billed_charge_id=september, amount=2_000, as_of=date(2026, 11, 1),
                          billed_by="admin"))
    row = next(r for r in _details(autumn) if r.charge_id == september)
    assert (row.late_fee, row.late_fee_billed, row.late_fee_due, row.late_fee_owed) == (6_090, 2_000, 4_090, 6_090)
    total = outstanding.summarise(autumn.db, autumn.clerk, autumn.contract_id, AUTUMN, GroupBy.ITEM,
                                  today=AS_OF).total
    assert total.late_fee_amount == 15_660


def test_a_disabled_policy_is_no_policy(autumn: Complex) -> None:
    policy(autumn, enabled=False)
    summary = outstanding.summarise(autumn.db, autumn.clerk, autumn.contract_id, AUTUMN, GroupBy.BANK, today=AS_OF)
    assert not summary.late_fees and summary.total.late_fee_amount == 0
    assert not any(r.late_fee_policy for r in _details(autumn))
