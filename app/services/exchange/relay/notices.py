"""The agency notices the built-in simulator publishes, computed from the calendar and the date.

A real agency posts holiday schedules before 설날 and 추석, a monthly tax-invoice notice and
maintenance windows. The simulator posts the same kinds, with dates worked out by the business-day
calendar, so the notice board of a fresh installation shows realistic, current notices and the
holiday ones agree with the cut-offs the application itself computes. Pure functions: the caller
passes "now"; ids are stable (``seollal-2026``, ``tax-invoice-2026-03`` …) so a notice fetched twice
is stored once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from app.services.common.calendar import SEOUL, BusinessCalendar, seoul_datetime
from app.services.common.formats import weekday
from app.services.common.periods import add_months, first_day, month_of

from .base import RelayNotice

NOTICE_WINDOW = timedelta(days=62)
"""How far back a notice is still published: a fresh installation sees about two months of them."""

HOLIDAY_NOTICE_LEAD = timedelta(days=14)
MAINTENANCE_START = time(22, 0)
MAINTENANCE_END = time(6, 0)

TAX_INVOICE_STEPS = (
    "1. www.ksnet.co.kr 접속",
    "2. 고객센타 → 조회서비스 → 전자세금계산서 → NEW전자세금계산서 2006년 1월 이후 [바로가기] 클릭",
    "3. 새로운 페이지로 접속 → 아이디: 사업자번호, 비밀번호: 사업자번호 앞 6자리",
    "4. 매입세금계산서 클릭 → 계산서번호 클릭 → 발행된 세금계산서 확인 → 승인",
)
"""The manual's steps (공지사항 › 세금계산서 관련) for finding and approving the tax invoice."""


def _day(d: date, *, year: bool = False) -> str:
    text = f"{d.month}월 {d.day}일({weekday(d)})"
    return f"{d.year}년 {text}" if year else text


def notices_due(now: datetime, calendar: BusinessCalendar) -> list[RelayNotice]:
    """Every notice whose posting time lies in (now − NOTICE_WINDOW, now], oldest first."""
    now = now.astimezone(SEOUL)
    since = now - NOTICE_WINDOW
    found = [n for n in _candidates(now, calendar) if since < n.posted_at <= now]
    return sorted(found, key=lambda n: (n.posted_at, n.notice_id))


def _candidates(now: datetime, calendar: BusinessCalendar) -> Iterator[RelayNotice]:
    for year in (now.year - 1, now.year, now.year + 1):
        for key, label in (("seollal", "설"), ("chuseok", "추석")):
            notice = _holiday_notice(calendar, year, key, label)
            if notice is not None:
                yield notice
    first = date(now.year, now.month, 1)
    for back in range(3):
        month_start = first_day(add_months(month_of(first), -back))
        yield _tax_invoice_notice(month_start)
        yield _maintenance_notice(month_start)


# ----------------------------------------------------------------------------- 설 / 추석


def holiday_run(calendar: BusinessCalendar, year: int, marker: str) -> tuple[date, date] | None:
    """First and last closed day of the holiday stretch whose names contain ``marker`` (설날, 추석),
    widened over the weekends and substitute days that touch it."""
    days = sorted(d for d, name in calendar.holidays_in(year).items() if marker in name)
    if not days:
        return None
    start, end = days[0], days[-1]
    while not calendar.is_business_day(start - timedelta(days=1)):
        start -= timedelta(days=1)
    while not calendar.is_business_day(end + timedelta(days=1)):
        end += timedelta(days=1)
    return start, end


def _holiday_notice(calendar: BusinessCalendar, year: int, key: str, label: str) -> RelayNotice | None:
    run = holiday_run(calendar, year, "설날" if key == "seollal" else "추석")
    if run is None:
        return None
    start, end = run
    before = calendar.previous_business_day(start)
    after = calendar.next_business_day(end)
    cutoff = calendar.request_cutoff(after)
    result_at = calendar.request_result_at(after)
    registration_result = calendar.registration_result_at(after)
    title = f"{year}년 {label} 연휴 이체 일정 안내" if key == "seollal" else f"{year}년 {label} 연휴 처리 일정 안내"
    body = "\n".join(
        (
            f"{year}년 {label} 연휴 기간의 자동이체 처리 일정을 안내드립니다.",
            "",
            f"■ 휴무 기간: {_day(start, year=True)} ~ {_day(end)}. 이 기간에는 출금과 계좌신청을 처리하지 않습니다.",
            f"■ 휴무 기간에 든 출금일은 연휴 뒤 첫 영업일인 {_day(after)}에 출금됩니다.",
            f"■ {_day(after)} 출금분 이체의뢰 마감: {_day(cutoff.date())} {cutoff:%H:%M}",
            f"■ {_day(after)} 출금분 결과 확인: {_day(result_at.date())} {result_at:%H:%M}부터",
            f"■ {_day(before)} {cutoff:%H:%M} 이후 보낸 계좌신청은 {_day(after)}에 처리되며, "
            f"결과는 {_day(registration_result.date())} {registration_result:%H:%M}부터 확인할 수 있습니다.",
            "",
            "연휴 전에는 마감이 앞당겨지므로 이체의뢰를 미리 해 두시기 바랍니다.",
        )
    )
    posted_at = seoul_datetime(start - HOLIDAY_NOTICE_LEAD, time(10, 0))
    return RelayNotice(f"{key}-{year}", title, body, posted_at)


# ----------------------------------------------------------------------------- monthly


def _tax_invoice_notice(month_start: date) -> RelayNotice:
    fee_month = first_day(add_months(month_of(month_start), -1))
    body = "\n".join(
        (
            f"{fee_month.year}년 {fee_month.month}월분 CMS 이용 수수료의 전자세금계산서를 발행하였습니다.",
            "아래 순서로 확인하신 뒤 승인해 주십시오.",
            "",
            *TAX_INVOICE_STEPS,
            "",
            "수수료 금액은 [집계 › 정산내역현황]에서 확인할 수 있습니다. "
            "내용이 다르면 케이에스넷 고객센터로 문의하세요.",
        )
    )
    return RelayNotice(
        f"tax-invoice-{month_start:%Y-%m}",
        f"{month_start.year}년 {month_start.month}월 전자세금계산서 발행 안내",
        body,
        seoul_datetime(month_start.replace(day=10), time(9, 0)),
    )


def maintenance_day(month_start: date) -> date:
    """The month's regular maintenance night starts on its third Saturday."""
    first_saturday = month_start + timedelta(days=(5 - month_start.weekday()) % 7)
    return first_saturday + timedelta(days=14)


def _maintenance_notice(month_start: date) -> RelayNotice:
    start = maintenance_day(month_start)
    end = start + timedelta(days=1)
    body = "\n".join(
        (
            "더 안정적인 서비스를 위해 정기 시스템 점검을 합니다.",
            "",
            f"■ 점검 시간: {_day(start, year=True)} {MAINTENANCE_START:%H:%M} ~ {_day(end)} {MAINTENANCE_END:%H:%M}",
            "■ 점검 중에는 파일 송수신(이체의뢰·계좌신청 전송, 결과 수신)과 공지사항 조회가 되지 않습니다.",
            "■ 영업일이 아닌 밤에 점검하므로 출금과 결과 일정에는 영향이 없습니다.",
            "",
            "점검이 끝나면 프로그램이 자동으로 다시 연결합니다. 이용에 참고하시기 바랍니다.",
        )
    )
    return RelayNotice(
        f"maintenance-{month_start:%Y-%m}",
        f"{start.month}월 정기 시스템 점검 안내 ({start.month}/{start.day} {MAINTENANCE_START:%H:%M}~"
        f"{end.month}/{end.day} {MAINTENANCE_END:%H:%M})",
        body,
        seoul_datetime(start - timedelta(days=5), time(9, 0)),
    )
