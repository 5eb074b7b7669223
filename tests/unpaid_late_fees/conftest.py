"""The 미납내역집계 late-fee tests stand on the apartment story of tests/apartment/complex.py.

`policy` and `waive` write the 관리규약's rows the way tests/late_fees does (the settings screen is
another helper's); `AS_OF` is the day the story's hand computation is written for.
"""

from __future__ import annotations

from datetime import date, datetime

from app.models import LateFeeBasis, LateFeePolicy, LateFeeWaiver
from app.services.common.calendar import SEOUL
from app.services.common.periods import Period
from tests.apartment.complex import Complex
from tests.apartment.conftest import autumn, complex_  # noqa: F401
from tests.message_boxes import Boxes, boxes  # noqa: F401 - the autouse fixture of the screen tests

AS_OF = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=SEOUL)
AUTUMN = Period(date(2026, 9, 1), AS_OF)  # the three months of the story, as of the 30th

# customer no → name, for reading the rows
LEE, CHOI = "1011002", "1022002"


def policy(place: Complex, **terms: object) -> None:
    """The contract's default policy: 일 0.05 %, 유예 5일, no cap, to the won (tests/late_fees' daily rule)."""
    values = {"enabled": True, "basis": LateFeeBasis.DAY, "rate_ppm": 500, "grace_days": 5, "cap_amount": None,
              "rounding_unit": 1, **terms}
    with place.db.session() as s:
        s.add(LateFeePolicy(contract_id=place.contract_id, item_id=None, **values))


def waive(place: Complex, no: str, period: str | None = None, reason: str = "관리규약 제30조: 입원 중") -> None:
    """A manager's waiver of the household (or of one month's charge)."""
    charge_id = place.charge(no, period) if period else None
    with place.db.session() as s:
        s.add(LateFeeWaiver(contract_id=place.contract_id, customer_id=place.households[no].customer_id,
                            charge_id=charge_id, reason=reason, waived_by="admin"))
