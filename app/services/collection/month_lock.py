"""Which months of a contract are closed (마감), asked before writing so the clerk reads why not.

The database refuses a change to a closed month whatever asks for it (the triggers of migration
0014); these checks come first so a screen can say, in the clerk's words, which month is closed and
what to do instead: record the correction in the open month as an adjustment that names the closed
one (`adjustment_day`), or have an administrator reopen the month.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import MonthClose
from app.services.common.errors import MonthClosedError
from app.services.common.periods import month_of


def closed_periods(s: Session, contract_id: int) -> set[str]:
    """The contract's months under a standing close."""
    return set(s.scalars(select(MonthClose.period).where(MonthClose.contract_id == contract_id,
                                                         MonthClose.reopened_at.is_(None))))


def is_closed(s: Session, contract_id: int, period: str) -> bool:
    return s.scalar(select(MonthClose.id).where(MonthClose.contract_id == contract_id, MonthClose.period == period,
                                                MonthClose.reopened_at.is_(None))) is not None


def closed_message(period: str, what: str) -> str:
    year, month = period.split("-")
    return (f"{year}년 {int(month)}월은 마감되었습니다. {what}은(는) 바꿀 수 없습니다. "
            "열린 달에 정정으로 기록하거나, 관리자가 사유를 적고 마감을 다시 여십시오.")


def ensure_open(s: Session, contract_id: int, when: date | str, what: str) -> None:
    """Refuse (MonthClosedError) when `when` (a day or a YYYY-MM) falls in a closed month of the contract."""
    period = when if isinstance(when, str) else month_of(when)
    if is_closed(s, contract_id, period):
        raise MonthClosedError(closed_message(period, what))


def adjustment_day(s: Session, contract_id: int, wanted: date, today: date) -> tuple[date, str | None]:
    """The day to record a money row on, and the closed month it corrects (None when `wanted` is open).

    A row that belongs to a closed month (cash received in October, found in November) is recorded on
    `today`, in the open month, naming October; the closed month's figures stay as reported."""
    period = month_of(wanted)
    if not is_closed(s, contract_id, period):
        return wanted, None
    ensure_open(s, contract_id, today, "오늘 날짜의 정정 기록")
    return today, period
