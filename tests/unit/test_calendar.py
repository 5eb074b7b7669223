"""The business-day calendar and the CMS cut-offs, checked against real 2025-2027 Korean dates.

Dates below were checked against the 2025-2027 official calendars (월력요항); where a test depends
on a weekday, the weekday is asserted too, so a wrong date in the test fails loudly instead of
testing something else.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.services.common import calendar as calendar_module
from app.services.common.calendar import (
    DEFAULT_CUTOFF,
    SEOUL,
    BusinessCalendar,
    Clock,
    FixedClock,
    ManualClock,
    SystemClock,
    seoul_datetime,
)

CAL = BusinessCalendar()

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0, us: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, us, tzinfo=SEOUL)


# --- which days are closed ------------------------------------------------------------------


@pytest.mark.parametrize("day", [date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18)])
def test_seollal_2026_is_closed(day: date) -> None:
    assert not CAL.is_business_day(day)
    assert "설날" in (CAL.holiday_name(day) or "")


def test_days_around_seollal_2026_are_open() -> None:
    assert date(2026, 2, 13).weekday() == FRI
    assert CAL.is_business_day(date(2026, 2, 13))
    assert CAL.is_business_day(date(2026, 2, 19))
    assert CAL.holiday_name(date(2026, 2, 19)) is None


@pytest.mark.parametrize("day", [date(2026, 9, 24), date(2026, 9, 25), date(2026, 9, 26)])
def test_chuseok_2026_is_closed(day: date) -> None:
    assert not CAL.is_business_day(day)
    assert "추석" in (CAL.holiday_name(day) or "")


def test_chuseok_2026_on_a_saturday_gets_no_substitute() -> None:
    # 추석 다음날 2026-09-26 is a Saturday; substitute days for 추석 come only for a Sunday or an
    # overlap, so Monday the 28th is an ordinary business day.
    assert date(2026, 9, 26).weekday() == SAT
    assert CAL.is_business_day(date(2026, 9, 28))


def test_long_closure_of_october_2025() -> None:
    # 개천절 (Fri 3rd), 추석 5-7 with a substitute on the 8th, 한글날 on the 9th.
    closed = [date(2025, 10, d) for d in range(3, 10)]
    assert all(not CAL.is_business_day(d) for d in closed)
    assert CAL.holiday_name(date(2025, 10, 8)) == "대체공휴일(추석)"
    assert CAL.holiday_name(date(2025, 10, 9)) == "한글날"
    assert CAL.next_business_day(date(2025, 10, 2)) == date(2025, 10, 10)


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 3, 2), "대체공휴일(삼일절)"),
        (date(2026, 5, 25), "대체공휴일(부처님오신날)"),
        (date(2026, 8, 17), "대체공휴일(광복절)"),
        (date(2026, 10, 5), "대체공휴일(개천절)"),
        (date(2027, 2, 9), "대체공휴일(설날)"),
        (date(2027, 12, 27), "대체공휴일(기독탄신일)"),
        (date(2025, 3, 3), "대체공휴일(삼일절)"),
        (date(2025, 5, 6), "대체공휴일(부처님오신날·어린이날)"),
    ],
)
def test_substitute_holidays(day: date, name: str) -> None:
    assert not CAL.is_business_day(day)
    assert CAL.holiday_name(day) == name


def test_holiday_on_a_sunday_keeps_its_own_name() -> None:
    assert date(2026, 3, 1).weekday() == SUN
    assert CAL.holiday_name(date(2026, 3, 1)) == "삼일절"


def test_childrens_day() -> None:
    assert not CAL.is_business_day(date(2026, 5, 5))
    assert CAL.holiday_name(date(2026, 5, 5)) == "어린이날"
    assert CAL.holiday_name(date(2025, 5, 5)) == "부처님오신날, 어린이날"


@pytest.mark.parametrize("day", [date(2024, 5, 1), date(2025, 5, 1), date(2026, 5, 1)])
def test_labour_day_is_a_bank_holiday(day: date) -> None:
    assert day.weekday() < SAT
    assert not CAL.is_business_day(day)


def test_labour_day_names() -> None:
    # Before 2026 it is a bank-only holiday (근로자의 날); from 2026 the public holiday 노동절.
    assert CAL.holiday_name(date(2025, 5, 1)) == "근로자의 날"
    assert CAL.holiday_name(date(2026, 5, 1)) in {"근로자의 날", "노동절"}


def test_labour_day_is_closed_even_without_library_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(calendar_module.holidays, "country_holidays", lambda *a, **k: {})
    calendar = BusinessCalendar()
    assert not calendar.is_business_day(date(2025, 5, 1))
    assert calendar.holiday_name(date(2025, 5, 1)) == "근로자의 날"


def test_election_and_temporary_holidays() -> None:
    assert not CAL.is_business_day(date(2025, 6, 3))  # 대통령 선거일
    assert not CAL.is_business_day(date(2026, 6, 3))  # 지방선거일
    assert CAL.holiday_name(date(2025, 1, 27)) == "임시공휴일"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("삼일절 대체 휴일", "대체공휴일(삼일절)"),
        ("설날 대체 휴일 (추정)", "대체공휴일(설날) (추정)"),
        ("근로자의날", "근로자의 날"),
        ("개천절; 추석", "개천절, 추석"),
    ],
)
def test_library_names_are_shown_as_a_clerk_expects(raw: str, shown: str) -> None:
    assert calendar_module._normalise_name(raw) == shown


def test_new_year_name() -> None:
    assert CAL.holiday_name(date(2026, 1, 1)) == "신정"


def test_year_end_closing_is_on_by_default() -> None:
    assert date(2025, 12, 31).weekday() == WED
    assert not CAL.is_business_day(date(2025, 12, 31))
    assert CAL.holiday_name(date(2025, 12, 31)) == "연말 휴무"
    assert not CAL.is_business_day(date(2026, 12, 31))


def test_year_end_closing_can_be_switched_off() -> None:
    calendar = BusinessCalendar(year_end_closing=False)
    assert calendar.is_business_day(date(2025, 12, 31))
    assert calendar.holiday_name(date(2025, 12, 31)) is None
    assert not calendar.year_end_closing


def test_weekends_are_named() -> None:
    assert CAL.holiday_name(date(2026, 4, 25)) == "토요일"
    assert CAL.holiday_name(date(2026, 4, 26)) == "일요일"
    assert CAL.holiday_name(date(2026, 4, 27)) is None
    assert not CAL.is_business_day(date(2026, 4, 25))


def test_institution_added_days_with_and_without_labels() -> None:
    labelled = BusinessCalendar(extra_days={date(2026, 4, 10): "개원기념일"})
    assert not labelled.is_business_day(date(2026, 4, 10))
    assert labelled.holiday_name(date(2026, 4, 10)) == "개원기념일"
    assert CAL.is_business_day(date(2026, 4, 10))  # other calendars are not affected

    plain = BusinessCalendar(extra_days=[date(2026, 4, 10)])
    assert plain.holiday_name(date(2026, 4, 10)) == "기관 휴무일"


def test_institution_label_does_not_hide_an_official_name() -> None:
    calendar = BusinessCalendar(extra_days={date(2026, 3, 2): "휴무"})
    assert calendar.holiday_name(date(2026, 3, 2)) == "대체공휴일(삼일절)"


def test_removed_days_reopen_holidays_but_not_weekends() -> None:
    calendar = BusinessCalendar(removed_days=[date(2026, 6, 3), date(2026, 6, 6)])
    assert calendar.is_business_day(date(2026, 6, 3))
    assert calendar.holiday_name(date(2026, 6, 3)) is None
    assert date(2026, 6, 6).weekday() == SAT
    assert not calendar.is_business_day(date(2026, 6, 6))
    assert calendar.holiday_name(date(2026, 6, 6)) == "토요일"


def test_a_day_cannot_be_added_and_removed() -> None:
    with pytest.raises(ValueError):
        BusinessCalendar(extra_days=[date(2026, 4, 10)], removed_days=[date(2026, 4, 10)])


def test_datetimes_are_refused_where_a_date_is_meant() -> None:
    with pytest.raises(TypeError):
        CAL.is_business_day(at(2026, 3, 2, 9))


def test_holiday_table_is_built_once_per_year(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = holidays.country_holidays

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(kwargs.get("years"))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(calendar_module.holidays, "country_holidays", counting)
    calendar = BusinessCalendar()
    for day in range(1, 366):
        calendar.is_business_day(date(2026, 1, 1) + timedelta(days=day - 1))
    calendar.is_business_day(date(2027, 1, 4))
    assert calls == [2026, 2027]


def test_holidays_in_lists_the_year() -> None:
    table = CAL.holidays_in(2026)
    assert table[date(2026, 9, 25)] == "추석"
    assert date(2026, 12, 31) in table
    assert list(table) == sorted(table)
    assert date(2026, 4, 25) not in table  # plain weekends are not listed


# --- walking business days ------------------------------------------------------------------


def test_next_and_previous_are_strict() -> None:
    assert CAL.next_business_day(date(2026, 3, 3)) == date(2026, 3, 4)
    assert CAL.previous_business_day(date(2026, 3, 4)) == date(2026, 3, 3)
    assert CAL.next_business_day(date(2026, 2, 27)) == date(2026, 3, 3)  # weekend + 대체공휴일
    assert CAL.previous_business_day(date(2026, 3, 3)) == date(2026, 2, 27)


def test_on_or_after_and_on_or_before() -> None:
    assert CAL.business_day_on_or_after(date(2026, 3, 3)) == date(2026, 3, 3)
    assert CAL.business_day_on_or_after(date(2026, 2, 28)) == date(2026, 3, 3)
    assert CAL.business_day_on_or_before(date(2026, 3, 2)) == date(2026, 2, 27)


def test_add_business_days_over_seollal() -> None:
    assert CAL.add_business_days(date(2026, 2, 13), 1) == date(2026, 2, 19)
    assert CAL.add_business_days(date(2026, 2, 19), -1) == date(2026, 2, 13)
    assert CAL.add_business_days(date(2026, 2, 13), 3) == date(2026, 2, 23)
    assert CAL.add_business_days(date(2026, 2, 17), 0) == date(2026, 2, 17)
    assert CAL.add_business_days(date(2026, 2, 14), 1) == date(2026, 2, 19)  # from a Saturday


def test_business_days_between() -> None:
    assert CAL.business_days_between(date(2026, 2, 13), date(2026, 2, 19)) == 1
    assert CAL.business_days_between(date(2026, 2, 19), date(2026, 2, 13)) == -1
    assert CAL.business_days_between(date(2026, 3, 3), date(2026, 3, 3)) == 0
    # March 2026: 31 days, 9 weekend days, 대체공휴일 on the 2nd → 21 business days.
    assert CAL.business_days_between(date(2026, 2, 28), date(2026, 3, 31)) == 21


# --- debit dates ----------------------------------------------------------------------------


def test_debit_day_on_a_saturday_moves_to_monday() -> None:
    assert date(2026, 4, 25).weekday() == SAT
    assert CAL.debit_date_for(2026, 4, 25) == date(2026, 4, 27)


def test_debit_day_on_a_holiday_moves_past_it() -> None:
    assert CAL.debit_date_for(2026, 2, 16) == date(2026, 2, 19)
    assert CAL.debit_date_for(2026, 9, 25) == date(2026, 9, 28)


def test_debit_day_on_a_business_day_stays() -> None:
    assert CAL.debit_date_for(2026, 3, 5) == date(2026, 3, 5)


def test_day_31_in_a_30_day_month_is_the_last_business_day() -> None:
    assert CAL.debit_date_for(2026, 4, 31) == date(2026, 4, 30)
    assert date(2025, 11, 30).weekday() == SUN
    assert CAL.debit_date_for(2025, 11, 31) == date(2025, 11, 28)


def test_day_30_in_february_is_the_last_business_day_of_february() -> None:
    assert date(2026, 2, 28).weekday() == SAT
    assert CAL.debit_date_for(2026, 2, 30) == date(2026, 2, 27)
    assert CAL.debit_date_for(2026, 2, 29) == date(2026, 2, 27)
    assert CAL.debit_date_for(2028, 2, 30) == date(2028, 2, 29)  # leap year, a Tuesday
    assert CAL.debit_date_for(2028, 2, 29) == date(2028, 2, 29)


def test_existing_day_may_move_into_the_next_month() -> None:
    assert date(2027, 1, 31).weekday() == SUN
    assert CAL.debit_date_for(2027, 1, 31) == date(2027, 2, 1)
    # 31 Dec is closed, 1 Jan is a holiday, then a weekend.
    assert CAL.debit_date_for(2026, 12, 31) == date(2027, 1, 4)
    # The documented quirk: in February 2026 day 28 lands after day 30.
    assert CAL.debit_date_for(2026, 2, 28) == date(2026, 3, 3)


@pytest.mark.parametrize(("month", "day"), [(1, 0), (1, 32), (0, 5), (13, 5)])
def test_debit_date_for_refuses_impossible_input(month: int, day: int) -> None:
    with pytest.raises(ValueError):
        CAL.debit_date_for(2026, month, day)


def test_last_and_first_business_day_of_month() -> None:
    assert CAL.last_business_day_of_month(2026, 2) == date(2026, 2, 27)
    assert CAL.last_business_day_of_month(2026, 12) == date(2026, 12, 30)
    assert CAL.first_business_day_of_month(2026, 3) == date(2026, 3, 3)


# --- debit request cut-off and results ------------------------------------------------------


def test_request_cutoff_for_a_monday_debit_is_friday_14h() -> None:
    assert date(2026, 3, 9).weekday() == MON
    assert CAL.request_cutoff(date(2026, 3, 9)) == at(2026, 3, 6, 14)


def test_request_cutoff_after_a_three_day_holiday_is_before_it() -> None:
    assert CAL.request_cutoff(date(2026, 2, 19)) == at(2026, 2, 13, 14)
    assert CAL.request_cutoff(date(2025, 10, 10)) == at(2025, 10, 2, 14)


def test_request_cutoff_honours_a_contract_time() -> None:
    assert CAL.request_cutoff(date(2026, 3, 10), time(17, 0)) == at(2026, 3, 9, 17)


def test_request_result_is_next_business_day_11h() -> None:
    assert CAL.request_result_at(date(2026, 3, 10)) == at(2026, 3, 11, 11)
    assert CAL.request_result_at(date(2026, 2, 13)) == at(2026, 2, 19, 11)
    assert CAL.request_result_at(date(2026, 3, 6)) == at(2026, 3, 9, 11)


def test_non_business_debit_dates_are_refused() -> None:
    for call in (CAL.request_cutoff, CAL.request_result_at, CAL.registration_deadline):
        with pytest.raises(ValueError):
            call(date(2026, 3, 2))
    with pytest.raises(ValueError):
        CAL.is_request_open(date(2026, 3, 2), at(2026, 2, 1, 9))


def test_is_request_open_flips_exactly_at_14h() -> None:
    debit = date(2026, 3, 10)
    assert CAL.is_request_open(debit, at(2026, 3, 9, 13, 59, 59, 999_999))
    assert not CAL.is_request_open(debit, at(2026, 3, 9, 14, 0, 0))
    assert not CAL.is_request_open(debit, at(2026, 3, 9, 14, 0, 1))
    assert CAL.is_request_open(debit, at(2026, 2, 1, 9))
    assert not CAL.is_request_open(debit, at(2026, 3, 10, 9))


def test_is_request_open_reads_other_zones_as_the_same_instant() -> None:
    debit = date(2026, 3, 10)
    assert CAL.is_request_open(debit, datetime(2026, 3, 9, 4, 59, 59, tzinfo=UTC))
    assert not CAL.is_request_open(debit, datetime(2026, 3, 9, 5, 0, 0, tzinfo=UTC))


def test_naive_moments_are_refused() -> None:
    with pytest.raises(ValueError):
        CAL.is_request_open(date(2026, 3, 10), datetime(2026, 3, 9, 13, 0))
    with pytest.raises(ValueError):
        CAL.registration_send_day(datetime(2026, 3, 9, 13, 0))


# --- account registration ---------------------------------------------------------------------


def test_registration_before_cutoff_is_sent_today() -> None:
    assert CAL.registration_send_day(at(2026, 3, 3, 13, 59, 59)) == date(2026, 3, 3)


def test_registration_at_or_after_cutoff_waits_for_next_business_day() -> None:
    assert CAL.registration_send_day(at(2026, 3, 3, 14, 0)) == date(2026, 3, 4)
    assert CAL.registration_send_day(at(2026, 2, 13, 15, 0)) == date(2026, 2, 19)


def test_registration_on_a_closed_day_goes_with_the_next_business_day() -> None:
    assert CAL.registration_send_day(at(2026, 2, 28, 9)) == date(2026, 3, 3)
    assert CAL.registration_send_day(at(2026, 3, 2, 9)) == date(2026, 3, 3)


def test_registration_cutoff_and_result() -> None:
    assert CAL.registration_cutoff(date(2026, 3, 3)) == at(2026, 3, 3, 14)
    assert CAL.registration_result_at(date(2026, 3, 3)) == at(2026, 3, 4, 11)
    assert CAL.registration_result_at(date(2026, 2, 27)) == at(2026, 3, 3, 11)
    with pytest.raises(ValueError):
        CAL.registration_cutoff(date(2026, 3, 1))


def test_registration_deadline_is_two_business_days_before() -> None:
    assert CAL.registration_deadline(date(2026, 3, 9)) == date(2026, 3, 5)  # Mon → Thu
    assert CAL.registration_deadline(date(2026, 2, 19)) == date(2026, 2, 12)  # across 설날
    assert CAL.registration_deadline(date(2026, 3, 4)) == date(2026, 2, 27)  # across 대체공휴일


# --- next cut-off -------------------------------------------------------------------------------


def test_next_cutoff() -> None:
    assert CAL.next_cutoff(at(2026, 3, 3, 9)) == at(2026, 3, 3, 14)
    assert CAL.next_cutoff(at(2026, 3, 3, 14)) == at(2026, 3, 3, 14)  # at or after
    assert CAL.next_cutoff(at(2026, 3, 3, 14, 0, 1)) == at(2026, 3, 4, 14)
    assert CAL.next_cutoff(at(2026, 2, 13, 15)) == at(2026, 2, 19, 14)
    assert CAL.next_cutoff(at(2026, 2, 28, 9)) == at(2026, 3, 3, 14)
    assert CAL.next_cutoff(at(2026, 3, 3, 9), time(11, 30)) == at(2026, 3, 3, 11, 30)


# --- clocks ---------------------------------------------------------------------------------------


def test_system_clock_is_in_seoul() -> None:
    clock = SystemClock()
    now = clock.now()
    assert now.utcoffset() == timedelta(hours=9)
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)
    assert clock.today() in {now.date(), now.date() + timedelta(days=1)}
    assert isinstance(clock, Clock)
    assert clock().utcoffset() == timedelta(hours=9)


def test_manual_clock() -> None:
    clock = ManualClock.at(2026, 3, 9, 13, 59)
    assert isinstance(clock, Clock)
    assert clock.now() == at(2026, 3, 9, 13, 59)
    assert clock() == clock.now()
    assert clock.advance(timedelta(minutes=1)) == at(2026, 3, 9, 14)
    assert clock.today() == date(2026, 3, 9)
    clock.set(datetime(2026, 3, 9, 15, 30, tzinfo=UTC))  # = 00:30 on the 10th in Seoul
    assert clock.today() == date(2026, 3, 10)
    assert clock.now().utcoffset() == timedelta(hours=9)
    assert FixedClock is ManualClock
    with pytest.raises(ValueError):
        ManualClock(datetime(2026, 3, 9, 9))


def test_a_month_of_cutoffs_with_a_manual_clock() -> None:
    """Walk March 2026 minute by minute-ish: every debit date of a 5/15/25 contract closes once,
    at 14:00 on the business day before, and each business day has exactly one registration cut-off.
    """
    debit_dates = [CAL.debit_date_for(2026, 3, d) for d in (5, 15, 25)]
    assert debit_dates == [date(2026, 3, 5), date(2026, 3, 16), date(2026, 3, 25)]
    clock = ManualClock.at(2026, 3, 1)
    previous_open = {d: CAL.is_request_open(d, clock.now()) for d in debit_dates}
    closed_at: dict[date, datetime] = {}
    send_days: set[date] = set()
    while clock.now() < at(2026, 4, 1):
        now = clock.advance(timedelta(minutes=15))
        for debit in debit_dates:
            is_open = CAL.is_request_open(debit, now)
            assert not (is_open and not previous_open[debit]), "a closed request must not reopen"
            if previous_open[debit] and not is_open:
                closed_at[debit] = now
            previous_open[debit] = is_open
        send_days.add(CAL.registration_send_day(now))
    assert closed_at == {
        date(2026, 3, 5): at(2026, 3, 4, 14),
        date(2026, 3, 16): at(2026, 3, 13, 14),
        date(2026, 3, 25): at(2026, 3, 24, 14),
    }
    expected = {d for d in (date(2026, 3, 1) + timedelta(days=i) for i in range(32)) if CAL.is_business_day(d)}
    expected.add(CAL.next_business_day(date(2026, 3, 31)))  # queued on the 31st after 14:00
    assert send_days == expected


def test_seoul_is_utc_plus_nine() -> None:
    assert seoul_datetime(date(2026, 7, 1), DEFAULT_CUTOFF).utcoffset() == timedelta(hours=9)
    assert seoul_datetime(date(2026, 1, 1), DEFAULT_CUTOFF).utcoffset() == timedelta(hours=9)


# --- properties -----------------------------------------------------------------------------------

days = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))
moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(SEOUL)
)


@settings(max_examples=300, deadline=None)
@given(day=days, n=st.integers(min_value=-60, max_value=60))
def test_add_business_days_round_trips(day: date, n: int) -> None:
    start = CAL.business_day_on_or_after(day)
    moved = CAL.add_business_days(start, n)
    assert CAL.add_business_days(moved, -n) == start
    assert CAL.business_days_between(start, moved) == n
    if n != 0:
        assert CAL.is_business_day(moved)


@settings(max_examples=300, deadline=None)
@given(day=days)
def test_next_and_previous_skip_only_closed_days(day: date) -> None:
    nxt = CAL.next_business_day(day)
    prev = CAL.previous_business_day(day)
    assert prev < day < nxt
    assert CAL.is_business_day(nxt) and CAL.is_business_day(prev)
    for gap in range(1, (nxt - day).days):
        assert not CAL.is_business_day(day + timedelta(days=gap))
    for gap in range(1, (day - prev).days):
        assert not CAL.is_business_day(day - timedelta(days=gap))
    assert CAL.previous_business_day(nxt) == CAL.business_day_on_or_before(day)


@settings(max_examples=300, deadline=None)
@given(year=st.integers(2024, 2028), month=st.integers(1, 12), day=st.integers(1, 31))
def test_debit_date_is_a_business_day_by_the_documented_rule(year: int, month: int, day: int) -> None:
    result = CAL.debit_date_for(year, month, day)
    assert CAL.is_business_day(result)
    try:
        contracted = date(year, month, day)
    except ValueError:
        assert result == CAL.last_business_day_of_month(year, month)
        assert (result.year, result.month) == (year, month)
    else:
        assert result == CAL.business_day_on_or_after(contracted)


@settings(max_examples=300, deadline=None)
@given(day=days, now=moments)
def test_request_window_matches_the_cutoff(day: date, now: datetime) -> None:
    debit = CAL.business_day_on_or_after(day)
    cutoff = CAL.request_cutoff(debit)
    assert cutoff.date() == CAL.previous_business_day(debit)
    assert cutoff.timetz() == time(14, 0, tzinfo=SEOUL)
    assert CAL.is_request_open(debit, now) == (now < cutoff)


@settings(max_examples=300, deadline=None)
@given(now=moments)
def test_registration_catches_the_first_cutoff_after_now(now: datetime) -> None:
    send_day = CAL.registration_send_day(now)
    assert CAL.is_business_day(send_day)
    assert CAL.registration_cutoff(send_day) > now
    assert CAL.next_cutoff(now + timedelta(microseconds=1)) == CAL.registration_cutoff(send_day)
    assert CAL.registration_result_at(send_day) > CAL.registration_cutoff(send_day)
