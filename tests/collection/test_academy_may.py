"""Issue 6: May 2026 of an academy, end to end, on both databases (the steps: academy_may.py).

The embedded scheduler sends every file two minutes before its cut-off and fetches every result from
11:00 of the next business day, through the built-in bank simulator, on a ManualClock; the clerk and
the administrator act only through the services their screens call (the cast: academy_months.py).

The academy allows partial debits (계약정보 → 부분출금 허용), so its request files carry 출금형태 '0'
and the simulator's 9021 account is debited in part instead of failing whole; the other accounts
answer the same either way.
"""

from __future__ import annotations

from tests.collection.academy_may import walk_may
from tests.collection.academy_months import Academy


def test_may_of_an_academy(academy: Academy) -> None:
    walk_may(academy)
