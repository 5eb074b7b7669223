"""What the 월마감 tests share: the day of the close, and closing September and October as an administrator."""

from __future__ import annotations

from datetime import date

from app.services.aggregates import month_close
from tests.apartment.complex import Complex, at

TODAY = date(2026, 11, 5)
NOW = at(TODAY, 10)


def close_autumn(place: Complex, *months: str) -> dict[str, int]:
    """Close the months (September and October unless told) on 2026-11-05; the close id of each."""
    return {m: month_close.close(place.db, place.admin, place.contract_id, m, today=TODAY, now=NOW).close_id
            for m in (months or ("2026-09", "2026-10"))}
