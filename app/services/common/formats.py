"""How dates, moments and money read in Korean texts: '12-07(월)', '03-13(금) 14:00', '300,000원'.

Home, the status bar, the scheduler, the request screens and notices all write a day with its
weekday; one module keeps them writing it the same way.
"""

from __future__ import annotations

from datetime import date, datetime

from app.services.common.calendar import SEOUL

WEEKDAYS = "월화수목금토일"
"""Monday … Sunday, indexed by `date.weekday()`."""


def weekday(day: date) -> str:
    """'월' … '일'."""
    return WEEKDAYS[day.weekday()]


def day_text(day: date) -> str:
    """'12-07(월)'."""
    return f"{day:%m-%d}({weekday(day)})"


def date_text(day: date) -> str:
    """'2026-12-07(월)'."""
    return f"{day:%Y-%m-%d}({weekday(day)})"


def moment_text(moment: datetime) -> str:
    """'03-13(금) 14:00' in Seoul time."""
    local = moment.astimezone(SEOUL)
    return f"{day_text(local.date())} {local:%H:%M}"


def stamp_text(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """'2026-03-13 14:00' in Seoul time, blank for no moment: the stamp of lists and records.

    Stored times are UTC; the clerk reads office time. `fmt` shortens it ('%m-%d %H:%M') or adds the
    seconds an audit trail needs; `moment_text` is the weekday form that sentences use.
    """
    return moment.astimezone(SEOUL).strftime(fmt) if moment else ""


def won(amount: int) -> str:
    """'300,000원'."""
    return f"{amount:,}원"


def parse_won(text: str) -> int | None:
    """'300,000원' or '300000' → 300000; anything else → None."""
    digits = text.replace(",", "").replace("원", "").strip()
    return int(digits) if digits.isascii() and digits.isdigit() else None
