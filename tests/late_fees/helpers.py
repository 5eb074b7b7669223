"""Shared pieces of the late-fee tests: the daily policy of test_fees_as_of.py and lookups on the story."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from app.models import AuditLog, LateFeeBasis, LateFeePolicy
from tests.apartment.complex import Complex, at

AS_OF = date(2026, 11, 30)
NOW = at(date(2026, 12, 1), 10)  # the office bills on 1 December
LEE, CHOI, KIM, PARK = "1011002", "1022002", "1011001", "1022001"  # 이바다, 최들녘, 김하늘, 박산들


def daily_policy(place: Complex, **terms: object) -> None:
    """일 0.05 % (500 ppm), 유예 5일, no cap, to the won: the policy of test_fees_as_of.py."""
    values = {"enabled": True, "basis": LateFeeBasis.DAY, "rate_ppm": 500, "grace_days": 5, "cap_amount": None,
              "rounding_unit": 1, **terms}
    with place.db.session() as s:
        s.add(LateFeePolicy(contract_id=place.contract_id, item_id=None, **values))


def customer(place: Complex, no: str) -> int:
    return place.households[no].customer_id


def audits(place: Complex, action: str) -> list[tuple[str, dict[str, Any]]]:
    """(login, detail) of each audit row of `action`, oldest first."""
    with place.db.session() as s:
        rows = s.execute(select(AuditLog.login_id, AuditLog.detail).where(AuditLog.action == action)
                         .order_by(AuditLog.id)).all()
    return [(login or "", json.loads(detail or "{}")) for login, detail in rows]


def moment(day: date, hour: int = 10) -> datetime:
    return at(day, hour)


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls at the same moment (two clerks); each result is its return value or its exception."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as error:  # noqa: BLE001 - the test inspects it
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results
