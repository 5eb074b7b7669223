"""The contract's business calendar: the bank calendar plus the institution's own closed days.

`calendar.BusinessCalendar` is plain Python and never reads the database; this is the one place that
reads a contract's `InstitutionHoliday` rows and builds the calendar every deadline of that contract
counts in (registrations, requests, results, settlement dates), so a screen, the scheduler and the
aggregates can never disagree about which days are closed.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from sqlalchemy import BindParameter, Connection, bindparam, select
from sqlalchemy.orm import Session

from app.models import InstitutionHoliday
from app.services.common.calendar import BusinessCalendar

_CONTRACT_ID: BindParameter[int] = bindparam("contract_id")
_DAYS = select(InstitutionHoliday.day, InstitutionHoliday.label).where(InstitutionHoliday.contract_id == _CONTRACT_ID)


def institution_days(conn: Connection | Session, contract_id: int) -> tuple[tuple[date, str], ...]:
    """The contract's own closed days as (day, label), sorted by day."""
    return tuple(sorted((day, label) for day, label in conn.execute(_DAYS, {"contract_id": contract_id})))


def contract_calendar(conn: Connection | Session, contract_id: int, year_end_closing: bool) -> BusinessCalendar:
    """The calendar of one contract (`year_end_closing` is its `Contract.year_end_closing`)."""
    return _calendar(institution_days(conn, contract_id), year_end_closing)


@lru_cache(maxsize=16)
def _calendar(days: tuple[tuple[date, str], ...], year_end_closing: bool) -> BusinessCalendar:
    """Calendars are immutable and cache their holiday tables; reuse one while the days are the same."""
    return BusinessCalendar(extra_days=dict(days), year_end_closing=year_end_closing)
