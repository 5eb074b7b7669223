"""Months and date ranges: the "YYYY-MM" month a charge belongs to, and the 조회기간 a screen asks for.

Two ideas that were both called "period":

* a **month** is text, "2026-11", exactly as `Charge.period` and the agreements' first/last month are
  stored; text of that form sorts in time order, so comparisons work on it directly. Read its parts
  with `year_month`/`month_number` rather than by slicing the string;
* a **range** (`Period`, the manual's 조회기간) is two dates, both included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.services.common.errors import ServiceError

# --- months ("YYYY-MM") ---------------------------------------------------------------------------


def month_text(year: int, month: int) -> str:
    """(2026, 3) → '2026-03'."""
    return f"{year:04d}-{month:02d}"


def month_of(day: date) -> str:
    """The month `day` lies in: 2026-03-13 → '2026-03'."""
    return month_text(day.year, day.month)


def year_month(month: str) -> tuple[int, int]:
    """'2026-03' → (2026, 3)."""
    return int(month[:4]), int(month[5:7])


def month_number(month: str) -> int:
    """'2026-03' → 3."""
    return year_month(month)[1]


def add_months(month: str, months: int) -> str:
    """The month `months` after (before, when negative) `month`: ('2026-11', 2) → '2027-01'."""
    year, number = year_month(month)
    index = year * 12 + (number - 1) + months
    return month_text(index // 12, index % 12 + 1)


def first_day(month: str) -> date:
    """'2026-11' → 2026-11-01."""
    year, number = year_month(month)
    return date(year, number, 1)


def last_day(month: str) -> date:
    """'2026-02' → 2026-02-28."""
    return first_day(add_months(month, 1)) - timedelta(days=1)


# --- ranges ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """조회기간, both days included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ServiceError("조회기간의 시작일이 종료일보다 늦습니다. 기간을 다시 입력하세요.")

    @property
    def first_month(self) -> str:
        return month_of(self.start)

    @property
    def last_month(self) -> str:
        return month_of(self.end)

    @property
    def text(self) -> str:
        return f"{self.start:%Y-%m-%d} ~ {self.end:%Y-%m-%d}"

    @property
    def months_text(self) -> str:
        if self.first_month == self.last_month:
            return f"{self.first_month}월분"
        return f"{self.first_month} ~ {self.last_month}월분"


def default_period(today: date) -> Period:
    """The manual's default: from the 1st of this month to today."""
    return Period(today.replace(day=1), today)
