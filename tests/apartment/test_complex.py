"""The shared story itself: what the three months leave unpaid (every apartment test stands on it)."""

from __future__ import annotations

from datetime import date

from app.services.collection import ledger
from tests.apartment.complex import Complex
from tests.collection.helpers import check_invariants


def test_the_three_months_leave_what_the_story_says(autumn: Complex) -> None:
    with autumn.db.session() as s:
        left = {(no, period): ledger.outstanding(s, autumn.charge(no, period))
                for no in autumn.households for period in ("2026-09", "2026-10", "2026-11")}
    assert {k: v for k, v in left.items() if v} == {
        ("1011002", "2026-09"): 180_000, ("1011002", "2026-10"): 180_000,
        ("1022002", "2026-09"): 210_000, ("1022002", "2026-10"): 110_000, ("1022002", "2026-11"): 210_000,
    }
    check_invariants(autumn.db)
    assert date(2026, 10, 26).weekday() == 0
