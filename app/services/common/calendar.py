"""The Korean bank business-day calendar and the CMS cut-off arithmetic built on it.

Every deadline that decides whether money moves — when an account registration (EB13) is sent,
until when a debit request (EB21) is taken, when results (EB14/EB22) can be expected — counts in
*bank business days*, not calendar days. A wrong answer here either sends a file after the agency
has closed (the debit silently does not happen) or shuts the request button while it could still
have been pressed. So this module is deliberately plain Python: no Qt, no database, no hidden
"now". Callers pass the moment (from a `Clock`) and get dates and Seoul-time datetimes back, which
makes a month of cut-offs testable in milliseconds with `ManualClock`.

Which days are closed (see `BusinessCalendar`):
- Saturdays and Sundays;
- South Korea's public holidays from the `holidays` package (lunar 설날/추석, substitute holidays
  대체공휴일, election days and temporary holidays the package knows about), including its
  ``bank`` category, which carries 근로자의 날 (May 1) for the years before it became the public
  holiday 노동절;
- May 1 in every year anyway: banks have been closed on it since 1994 whatever the package says;
- December 31 (연말 휴무): banks close to customers for year-end closing; on by default, switchable
  per contract (`Contract.year_end_closing`);
- the institution's own days (`InstitutionHoliday`), and the days it removes.

Times: Korea has had no daylight saving since 1988, so Asia/Seoul is a fixed UTC+09:00. `SEOUL` is
the IANA zone when the system has one; on a PC without a tz database (Windows without the `tzdata`
package) it falls back to a fixed +09:00 zone, which gives identical results for every date this
application handles instead of failing at import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = [
    "DEFAULT_CUTOFF",
    "DEFAULT_RESULT_TIME",
    "INSTITUTION_HOLIDAY_LABEL",
    "LABOUR_DAY_NAME",
    "REGISTRATION_LEAD_BUSINESS_DAYS",
    "SEOUL",
    "SUBSTITUTE_HOLIDAY_NAME",
    "YEAR_END_CLOSING_NAME",
    "BusinessCalendar",
    "Clock",
    "FixedClock",
    "ManualClock",
    "SystemClock",
    "seoul_datetime",
]


def _seoul_zone() -> tzinfo:
    try:
        return ZoneInfo("Asia/Seoul")
    except ZoneInfoNotFoundError:  # pragma: no cover - depends on the machine's tz database
        return timezone(timedelta(hours=9), "KST")


SEOUL: tzinfo = _seoul_zone()
"""The zone every cut-off is expressed in (the agency and the banks work on Seoul time)."""

DEFAULT_CUTOFF = time(14, 0)
"""The agency's default cut-off for registrations and debit requests (domain.md, timeline)."""

DEFAULT_RESULT_TIME = time(11, 0)
"""From when the agency's results (EB14, EB22) are available on their business day."""

REGISTRATION_LEAD_BUSINESS_DAYS = 2
"""An account registration must be complete this many business days before the first debit (D-2)."""

# Names a clerk reads (status bar, calendar screens).
LABOUR_DAY_NAME = "근로자의 날"
YEAR_END_CLOSING_NAME = "연말 휴무"
SUBSTITUTE_HOLIDAY_NAME = "대체공휴일"
INSTITUTION_HOLIDAY_LABEL = "기관 휴무일"
_WEEKEND_NAMES = {5: "토요일", 6: "일요일"}

# The `holidays` package names a substitute day "<holiday> 대체 휴일"; the official term is
# 대체공휴일, so it is shown as "대체공휴일(<holiday>)".
_SUBSTITUTE_PATTERN = re.compile(r"^(?P<of>.+?)\s*대체\s*휴일(?P<estimated>\s*\(추정\))?$")
_RENAMES = {"근로자의날": LABOUR_DAY_NAME, "신정연휴": "신정"}
_NAME_SEPARATOR = "; "  # how the package joins two holidays that fall on one day

# Loops that look for the next business day stop after this many days: no real calendar has a
# closed stretch this long, so hitting it means the institution's day list is broken.
_MAX_SEARCH_DAYS = 366


def _normalise_name(raw: str) -> str:
    """Turn the package's Korean name(s) for a day into the name the clerk sees."""
    plain: list[str] = []
    substituted: list[str] = []
    estimated = False
    for part in (p.strip() for p in raw.split(_NAME_SEPARATOR)):
        if not part:
            continue
        match = _SUBSTITUTE_PATTERN.match(part)
        if match:
            substituted.append(_RENAMES.get(match["of"], match["of"]))
            # "(추정)": the package's lunar data does not reach that year and it computed the day.
            estimated = estimated or bool(match["estimated"])
        else:
            plain.append(_RENAMES.get(part, part))
    if substituted:
        plain.append(f"{SUBSTITUTE_HOLIDAY_NAME}({'·'.join(substituted)})" + (" (추정)" if estimated else ""))
    return ", ".join(plain)


def _days_in_month(year: int, month: int) -> int:
    first_of_next = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (first_of_next - timedelta(days=1)).day


def _as_date(value: date) -> date:
    """Refuse datetimes where a date is meant.

    `datetime` is a subclass of `date` but never equals one, so a datetime would silently miss
    every holiday; and its calendar date depends on its zone. Callers convert explicitly with
    ``moment.astimezone(SEOUL).date()``.
    """
    if isinstance(value, datetime):
        raise TypeError("pass a date, not a datetime; use moment.astimezone(SEOUL).date()")
    if not isinstance(value, date):
        raise TypeError(f"expected a date, got {type(value).__name__}")
    return value


def _as_seoul(moment: datetime) -> datetime:
    """A timezone-aware moment seen in Seoul; naive datetimes are refused.

    A naive datetime would be read in the PC's own zone, which need not be Seoul (and on a test
    runner usually is UTC), shifting every cut-off by hours.
    """
    if not isinstance(moment, datetime):
        raise TypeError(f"expected a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("moment must be timezone-aware (e.g. datetime.now(SEOUL))")
    return moment.astimezone(SEOUL)


def _wall_time(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("cut-off and result times are Seoul wall-clock times; pass a naive time")
    return value


def seoul_datetime(day: date, at: time) -> datetime:
    """The moment `at` (Seoul wall-clock time) on `day`, timezone-aware."""
    return datetime.combine(_as_date(day), _wall_time(at), tzinfo=SEOUL)


class BusinessCalendar:
    """Which days Korean banks (and so the CMS agency) process, and deadlines counted in them.

    Built once per contract and reused: the holiday table of each year is computed on first use
    and cached, so the many look-ups a request screen does stay cheap. Instances are immutable
    after construction; when the institution edits its days, build a new calendar.

    The cut-off methods take the moment as an argument rather than reading the clock, so the same
    code serves the live screen (`SystemClock`) and tests (`ManualClock`).

    Args:
        extra_days: days the institution does not process, either a mapping day → label (shown as
            the day's name, as `InstitutionHoliday.label` holds it) or plain dates (labelled
            ``기관 휴무일``). Also the way to add a temporary public holiday (임시공휴일) announced
            after the installed `holidays` package was released.
        removed_days: holidays to treat as business days after all (e.g. a holiday the package
            lists wrongly). Removing only takes away holidays: a Saturday or Sunday stays closed,
            because the banks do not process weekends whatever the institution decides.
        year_end_closing: whether December 31 is closed (연말 휴무). Banks close to customers for
            year-end closing, so the default is on.

    Raises:
        ValueError: a day is both added and removed.
    """

    def __init__(
        self,
        *,
        extra_days: Mapping[date, str] | Iterable[date] = (),
        removed_days: Iterable[date] = (),
        year_end_closing: bool = True,
    ) -> None:
        if isinstance(extra_days, Mapping):
            extra = {_as_date(d): (str(label).strip() or INSTITUTION_HOLIDAY_LABEL) for d, label in extra_days.items()}
        else:
            extra = {_as_date(d): INSTITUTION_HOLIDAY_LABEL for d in extra_days}
        removed = frozenset(_as_date(d) for d in removed_days)
        both = sorted(removed & extra.keys())
        if both:
            raise ValueError(f"days both added and removed: {', '.join(d.isoformat() for d in both)}")
        self._extra: dict[date, str] = extra
        self._removed: frozenset[date] = removed
        self._year_end_closing = year_end_closing
        self._years: dict[int, dict[date, str]] = {}

    def __repr__(self) -> str:
        return (
            f"BusinessCalendar(extra_days={len(self._extra)}, removed_days={len(self._removed)}, "
            f"year_end_closing={self._year_end_closing})"
        )

    @property
    def year_end_closing(self) -> bool:
        return self._year_end_closing

    # --- the holiday table ------------------------------------------------------------------

    def _holidays_of(self, year: int) -> dict[date, str]:
        """Closed weekdays *and* weekend holidays of `year`, day → clerk-facing name (cached)."""
        table = self._years.get(year)
        if table is None:
            table = self._build_year(year)
            # A plain dict store is atomic under the GIL; two threads racing here at worst build
            # the same table twice.
            self._years[year] = table
        return table

    def _build_year(self, year: int) -> dict[date, str]:
        table: dict[date, str] = {}
        # language="ko" explicitly: left to itself the package may answer in English depending on
        # the environment, and its Korean names are the untranslated source strings, so they
        # survive even a bundle that lost the package's translation files.
        official = holidays.country_holidays("KR", years=year, categories=("public", "bank"), language="ko")
        for day, name in official.items():
            table[day] = _normalise_name(name)
        # Banks are closed on May 1 (근로자의날 제정에 관한 법률, 1994; 노동절 from 2026). The package
        # carries it in its `bank` category or, from 2026, as a public holiday; this makes sure of
        # it for years the package's data may not cover.
        table.setdefault(date(year, 5, 1), LABOUR_DAY_NAME)
        if self._year_end_closing:
            table.setdefault(date(year, 12, 31), YEAR_END_CLOSING_NAME)
        for day, label in self._extra.items():
            if day.year == year:
                # An official name says more than the institution's label; keep it when both exist.
                table.setdefault(day, label)
        for day in self._removed:
            if day.year == year:
                table.pop(day, None)
        return table

    def holidays_in(self, year: int) -> dict[date, str]:
        """The year's closed days other than plain weekends, day → name (a copy, sorted by day).

        For calendar screens; weekend days appear only when they are holidays too.
        """
        return dict(sorted(self._holidays_of(year).items()))

    # --- single days --------------------------------------------------------------------------

    def is_business_day(self, d: date) -> bool:
        """True when banks process on `d`: a weekday that is no holiday of any kind."""
        d = _as_date(d)
        return d.weekday() < 5 and d not in self._holidays_of(d.year)

    def holiday_name(self, d: date) -> str | None:
        """Why `d` is closed, in Korean, or None on a business day.

        A holiday's own name wins over the weekday (삼일절 on a Sunday reads "삼일절", not
        "일요일"); a plain weekend reads "토요일"/"일요일". Substitute holidays read
        "대체공휴일(삼일절)"; two holidays on one day are joined with ", ".
        """
        d = _as_date(d)
        name = self._holidays_of(d.year).get(d)
        if name is not None:
            return name
        return _WEEKEND_NAMES.get(d.weekday())

    # --- walking business days --------------------------------------------------------------

    def _step(self, d: date, direction: int) -> date:
        day = d
        for _ in range(_MAX_SEARCH_DAYS):
            day += timedelta(days=direction)
            if self.is_business_day(day):
                return day
        raise ValueError(f"no business day within {_MAX_SEARCH_DAYS} days of {d.isoformat()}")

    def next_business_day(self, d: date) -> date:
        """The first business day strictly after `d`."""
        return self._step(_as_date(d), +1)

    def previous_business_day(self, d: date) -> date:
        """The last business day strictly before `d`."""
        return self._step(_as_date(d), -1)

    def business_day_on_or_after(self, d: date) -> date:
        """`d` itself when it is a business day, else the next one (the banks' 익영업일 rule)."""
        d = _as_date(d)
        return d if self.is_business_day(d) else self.next_business_day(d)

    def business_day_on_or_before(self, d: date) -> date:
        """`d` itself when it is a business day, else the previous one."""
        d = _as_date(d)
        return d if self.is_business_day(d) else self.previous_business_day(d)

    def add_business_days(self, d: date, n: int) -> date:
        """The `n`-th business day after `d` (before it when `n` is negative).

        `d` itself need not be a business day: ``add_business_days(saturday, 1)`` is the Monday
        (if open). ``n == 0`` returns `d` unchanged, even on a holiday — use
        `business_day_on_or_after` to move onto a business day. For a business day `d`,
        ``add_business_days(add_business_days(d, n), -n) == d``.
        """
        d = _as_date(d)
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError("n must be an int")
        direction = 1 if n > 0 else -1
        for _ in range(abs(n)):
            d = self._step(d, direction)
        return d

    def business_days_between(self, a: date, b: date) -> int:
        """How many business days lie in the half-open span (a, b]; negative when b < a.

        Counting "after a, up to and including b" is what a lead time means ("the result comes
        one business day after sending"), and it makes this the inverse of `add_business_days`:
        ``business_days_between(d, add_business_days(d, n)) == n`` for a business day `d`.
        """
        a, b = _as_date(a), _as_date(b)
        if b < a:
            return -self.business_days_between(b, a)
        count = 0
        day = a
        while day < b:
            day += timedelta(days=1)
            if self.is_business_day(day):
                count += 1
        return count

    def last_business_day_of_month(self, year: int, month: int) -> date:
        """The month's last business day (its last calendar day, moved back over closed days)."""
        last = _days_in_month(year, month)
        return self.business_day_on_or_before(date(year, month, last))

    def first_business_day_of_month(self, year: int, month: int) -> date:
        return self.business_day_on_or_after(date(year, month, 1))

    # --- debit dates ------------------------------------------------------------------------

    def debit_date_for(self, year: int, month: int, day: int) -> date:
        """The actual debit date of the contracted debit day `day` in `year`-`month`.

        Two rules, decided as follows:

        - The day exists in the month but is closed → the **next** business day, even when that
          lies in the next month (the 31st on a Saturday is debited on Monday the 2nd). This is
          what KFTC CMS and the banks do (휴일이면 익영업일 출금), so payers expect it and a date
          that moved backwards would take money earlier than the payer agreed to.
        - The day does not exist in the month (29-31 in February, 31 in a 30-day month) → the
          month's **last business day**, so the month still gets its debit and it is not pushed
          into the next month next to that month's own debit.

        A consequence worth knowing: in February 2026 (28th a Saturday, 3 March a holiday), day
        28 is debited on 3 March while day 30 is debited on 27 February.

        Raises:
            ValueError: `day` is not 1-31, or `month` is not 1-12.
        """
        if not 1 <= month <= 12:
            raise ValueError(f"month must be 1-12, got {month}")
        if not 1 <= day <= 31:
            raise ValueError(f"debit day must be 1-31, got {day}")
        last = _days_in_month(year, month)
        if day > last:
            return self.last_business_day_of_month(year, month)
        return self.business_day_on_or_after(date(year, month, day))

    def _require_debit_date(self, debit_date: date) -> date:
        debit_date = _as_date(debit_date)
        if not self.is_business_day(debit_date):
            raise ValueError(
                f"debit date {debit_date.isoformat()} is not a business day "
                f"({self.holiday_name(debit_date)}); move it with debit_date_for/business_day_on_or_after"
            )
        return debit_date

    # --- account registration (EB13 → EB14) ------------------------------------------------

    def registration_cutoff(self, day: date, cutoff_time: time = DEFAULT_CUTOFF) -> datetime:
        """The moment registrations stop being sent with business day `day`'s file.

        Raises:
            ValueError: `day` is not a business day (nothing is sent on it).
        """
        day = _as_date(day)
        if not self.is_business_day(day):
            raise ValueError(f"{day.isoformat()} is not a business day; no registration is sent on it")
        return seoul_datetime(day, cutoff_time)

    def registration_send_day(self, now: datetime, cutoff_time: time = DEFAULT_CUTOFF) -> date:
        """The business day whose file carries a registration queued at `now`.

        Today when today is a business day and `now` is strictly before the cut-off; otherwise the
        next business day. At exactly the cut-off (14:00:00) the day's file is closed.
        """
        local = _as_seoul(now)
        today = local.date()
        if self.is_business_day(today) and local.time() < _wall_time(cutoff_time):
            return today
        return self.next_business_day(today)

    def registration_result_at(self, send_day: date, result_time: time = DEFAULT_RESULT_TIME) -> datetime:
        """When the result (EB14) of registrations sent on `send_day` is available: D+1 at 11:00."""
        return seoul_datetime(self.next_business_day(_as_date(send_day)), result_time)

    def registration_deadline(self, first_debit_date: date) -> date:
        """The business day by which the account registration must be complete (D-2).

        Complete means the EB14 result is in. The banks reject a debit for an account whose
        registration finished later, so a first debit on Monday needs the registration done by the
        previous Thursday (holidays skipped).

        Raises:
            ValueError: `first_debit_date` is not a business day.
        """
        first_debit_date = self._require_debit_date(first_debit_date)
        return self.add_business_days(first_debit_date, -REGISTRATION_LEAD_BUSINESS_DAYS)

    # --- debit requests (EB21 → EB22) --------------------------------------------------------

    def request_cutoff(self, debit_date: date, cutoff_time: time = DEFAULT_CUTOFF) -> datetime:
        """The last moment a debit for `debit_date` can be requested: 14:00 on the business day before.

        For a Monday debit that is Friday 14:00; for a debit right after a holiday run it falls
        before the run.

        Raises:
            ValueError: `debit_date` is not a business day. A debit date is always a business day
                (see `debit_date_for`); refusing the others keeps a request from being built for
                a day the banks will not debit on.
        """
        debit_date = self._require_debit_date(debit_date)
        return seoul_datetime(self.previous_business_day(debit_date), cutoff_time)

    def request_result_at(self, debit_date: date, result_time: time = DEFAULT_RESULT_TIME) -> datetime:
        """When the results (EB22) of the debits on `debit_date` are available: D+1 at 11:00.

        Raises:
            ValueError: `debit_date` is not a business day.
        """
        debit_date = self._require_debit_date(debit_date)
        return seoul_datetime(self.next_business_day(debit_date), result_time)

    def is_request_open(self, debit_date: date, now: datetime, cutoff_time: time = DEFAULT_CUTOFF) -> bool:
        """Whether a debit for `debit_date` can still be requested at `now`.

        Open strictly before the cut-off: at 13:59:59.999999 yes, at 14:00:00 no. The request
        button, the automatic request and the file builder must all ask this, so they agree.

        Raises:
            ValueError: `debit_date` is not a business day, or `now` is naive.
        """
        return _as_seoul(now) < self.request_cutoff(debit_date, cutoff_time)

    def next_cutoff(self, now: datetime, cutoff_time: time = DEFAULT_CUTOFF) -> datetime:
        """The next cut-off at or after `now`, on a business day.

        For the scheduler and the "next cut-off" display. At exactly a cut-off this returns `now`
        itself (the cut-off is happening); what is queued at that moment already misses it — use
        `registration_send_day`/`is_request_open` to decide what a moment catches.
        """
        local = _as_seoul(now)
        today = local.date()
        if self.is_business_day(today):
            candidate = seoul_datetime(today, cutoff_time)
            if candidate >= local:
                return candidate
        return seoul_datetime(self.next_business_day(today), cutoff_time)


# --- clocks -----------------------------------------------------------------------------------


@runtime_checkable
class Clock(Protocol):
    """Where "now" comes from. Services take a Clock so tests can set the time.

    Implementations are also callable (``clock()`` is ``clock.now()``), so they fit where a plain
    ``Callable[[], datetime]`` returning Seoul time is expected (e.g. the views' context clock).
    """

    def now(self) -> datetime:
        """The current moment, timezone-aware, in Seoul."""
        ...

    def today(self) -> date:
        """Today's date in Seoul (not the PC's own zone)."""
        ...


class SystemClock:
    """The real time, seen in Seoul whatever zone the PC is set to."""

    def now(self) -> datetime:
        return datetime.now(SEOUL)

    def today(self) -> date:
        return self.now().date()

    def __call__(self) -> datetime:
        return self.now()

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that only moves when told to, for tests and demonstrations.

    Lets a test walk a month of cut-offs in milliseconds: ``clock.advance(timedelta(hours=1))``.
    The time is kept in Seoul; an aware datetime in any zone is accepted and converted.
    """

    def __init__(self, start: datetime) -> None:
        self._now = _as_seoul(start)

    @classmethod
    def at(cls, year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> ManualClock:
        """A clock set to the given Seoul wall-clock time."""
        return cls(seoul_datetime(date(year, month, day), time(hour, minute, second)))

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return self._now.date()

    def __call__(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        """Jump to `moment` (any aware datetime); going backwards is allowed, as tests need it."""
        self._now = _as_seoul(moment)

    def advance(self, delta: timedelta) -> datetime:
        """Move forward (or back, for a negative delta) by `delta`; returns the new now."""
        self._now = (self._now + delta).astimezone(SEOUL)
        return self._now

    def __repr__(self) -> str:
        return f"ManualClock({self._now.isoformat()})"


FixedClock = ManualClock
"""Alias: a ManualClock that nobody advances is a fixed clock."""
