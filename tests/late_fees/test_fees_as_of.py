"""연체료 as of a day on the autumn story, against a hand computation written as literals.

Policy: 일 0.05 % (500 ppm), 유예 5일. As of 2026-11-30:
* 이바다 September 180,000 unpaid, due 09-28, grace to 10-03 → 58 days → 180,000 × 0.0005 × 58 = 5,220;
  October 180,000, due 10-26, grace to 10-31 → 30 days → 2,700.
* 최들녘 September 210,000 → 58 days → 6,090; October 110,000 left after 100,000 debited → 30 days → 1,650;
  November 210,000, due 11-25, grace to 11-30 → still within the grace → nothing.
* 박산들's October was paid in cash on 11-03, everyone else was debited → nothing.
"""

from __future__ import annotations

from datetime import date

import pytest

from app.models import LateFeeBasis, LateFeeBill, LateFeePolicy, LateFeeWaiver
from app.services.collection import late_fees
from app.services.collection.late_fees import Rule, fee_for, units_late
from tests.apartment.complex import Complex

AS_OF = date(2026, 11, 30)


def _policy(place: Complex, **terms: object) -> None:
    values = {"enabled": True, "basis": LateFeeBasis.DAY, "rate_ppm": 500, "grace_days": 5, "cap_amount": None,
              "rounding_unit": 1, **terms}
    with place.db.session() as s:
        s.add(LateFeePolicy(contract_id=place.contract_id, item_id=None, **values))


def _fees(place: Complex, as_of: date = AS_OF) -> dict[tuple[str, str], tuple[int, bool]]:
    names = {p.customer_id: no for no, p in place.households.items()}
    with place.db.session() as s:
        fees = late_fees.fees_as_of(s, place.contract_id, as_of)
    return {(names[f.customer_id], f.period): (f.fee, f.waived) for f in fees.values()}


def test_no_policy_no_late_fee(autumn: Complex) -> None:
    assert _fees(autumn) == {}


def test_a_daily_rate_after_the_grace(autumn: Complex) -> None:
    _policy(autumn)
    assert _fees(autumn) == {
        ("1011002", "2026-09"): (5_220, False), ("1011002", "2026-10"): (2_700, False),
        ("1022002", "2026-09"): (6_090, False), ("1022002", "2026-10"): (1_650, False),
    }


def test_within_the_grace_nothing_is_owed(autumn: Complex) -> None:
    _policy(autumn)
    # 10-31 is the last day of the October charges' grace; the September ones are 28 days late.
    assert _fees(autumn, date(2026, 10, 31)) == {("1011002", "2026-09"): (2_520, False),
                                                 ("1022002", "2026-09"): (2_940, False)}


def test_a_cap_then_rounding_down(autumn: Complex) -> None:
    _policy(autumn, cap_amount=6_000, rounding_unit=100)
    assert _fees(autumn) == {
        ("1011002", "2026-09"): (5_200, False), ("1011002", "2026-10"): (2_700, False),
        ("1022002", "2026-09"): (6_000, False), ("1022002", "2026-10"): (1_600, False),
    }


def test_a_monthly_rate_counts_each_month_begun(autumn: Complex) -> None:
    _policy(autumn, basis=LateFeeBasis.MONTH, rate_ppm=20_000, grace_days=0)
    # September, due 09-28: months begun on 09-29, 10-29 and 11-29 → 3 × 2 % of 180,000 = 10,800.
    # October, due 10-26: 10-27 and 11-27 → 2 × 2 % of 180,000 = 7,200; of 110,000 = 4,400.
    # November, due 11-25 with no grace: month 1 began on 11-26 → 2 % of 210,000 = 4,200.
    assert _fees(autumn) == {
        ("1011002", "2026-09"): (10_800, False), ("1011002", "2026-10"): (7_200, False),
        ("1022002", "2026-09"): (12_600, False), ("1022002", "2026-10"): (4_400, False),
        ("1022002", "2026-11"): (4_200, False),
    }


def test_a_waiver_keeps_the_fee_visible_and_billed_fees_are_not_billed_again(autumn: Complex) -> None:
    _policy(autumn)
    household = autumn.households["1011002"]
    september = autumn.charge("1022002", "2026-09")
    with autumn.db.session() as s:
        s.add(LateFeeWaiver(contract_id=autumn.contract_id, customer_id=household.customer_id, charge_id=None,
                            reason="관리규약 제30조: 입원 중", waived_by="admin"))
        s.add(LateFeeBill(contract_id=autumn.contract_id, customer_id=autumn.households["1022002"].customer_id,
                          charge_id=september, billed_charge_id=september, amount=2_000, as_of=date(2026, 11, 1),
                          billed_by="admin"))
    assert _fees(autumn)[("1011002", "2026-09")] == (5_220, True)
    with autumn.db.session() as s:
        fees = late_fees.fees_as_of(s, autumn.contract_id, AS_OF)
    assert fees[september].billable == 6_090 - 2_000
    assert late_fees.by_customer(fees) == {autumn.households["1022002"].customer_id: 4_090 + 1_650,
                                           household.customer_id: 0}


@pytest.mark.parametrize(("as_of", "expected"), [
    (date(2026, 1, 20), 0), (date(2026, 1, 21), 1), (date(2026, 2, 20), 1), (date(2026, 2, 21), 2),
])
def test_months_begun_after_the_grace(as_of: date, expected: int) -> None:
    rule = Rule(LateFeeBasis.MONTH, 20_000, 5, None, 1)
    assert units_late(rule, date(2026, 1, 15), as_of) == expected


def test_a_day_rate_on_a_large_sum_stays_exact() -> None:
    rule = Rule(LateFeeBasis.DAY, 333, 0, None, 10)
    # 9,876,543,210 × 333 × 7 / 10⁶ = 23,022,222.222… → 23,022,222 → 23,022,220 (10원 절사)
    assert fee_for(rule, 9_876_543_210, date(2026, 1, 1), date(2026, 1, 8)) == 23_022_220
