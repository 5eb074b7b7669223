"""What the simulated relay checks when a request file arrives, and when its result will be due.

Kept apart from the simulator's bookkeeping so the refusal rules read as one list:

1. the remote name is a CMS name (``EB210315_2026``) of a kind an institution sends (EB13, EB21,
   EI13);
2. the file decodes with the strict codec (layout, sequences, trailer totals …); the codec's
   message, which masks personal numbers, becomes the reason;
3. the name's date is the header's date;
4. the header's institution code is the folder's;
5. every bank code (and an EB21's collection bank) is a CMS bank;
6. an EB21's debit date is a business day and, on the bank schedule, the file came before the
   request cut-off (14:00 of the business day before).

EI13 consent files are only checked for their 1,024-byte blocks; they get no result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.services.calendar import BusinessCalendar
from app.services.cms import BANK_NAMES, CmsError, Eb13File, Eb21File, decode_eb13, decode_eb21, parse_remote_name

from . import layout
from .layout import ErrorReport

EI13_BLOCK = 1024


@dataclass(frozen=True)
class Accepted:
    """A request the relay takes: its kind, and when (and under which name) its result comes."""

    kind: str
    due_at: datetime | None  # None: no result (EI13)
    result_name: str | None


def check_request(
    code: str,
    name: str,
    data: bytes,
    now: datetime,
    *,
    calendar: BusinessCalendar,
    processing_delay: timedelta | None,
) -> Accepted | ErrorReport:
    """Accept the file or say why not (see the module docstring for the order of the checks)."""

    def refuse(tag: str, reason: str) -> ErrorReport:
        return ErrorReport(name, tag, reason)

    try:
        remote = parse_remote_name(name)
    except CmsError:
        return refuse(layout.TAG_NAME, "CMS 파일 이름이 아닙니다 (예: EB210315_2026)")
    if remote.kind not in layout.REQUEST_KINDS:
        return refuse(layout.TAG_NAME, f"{remote.kind} 파일은 보낼 수 없습니다 (EB13, EB21, EI13만 받습니다)")
    if remote.kind == "EI13":
        if not data or len(data) % EI13_BLOCK:
            return refuse(layout.TAG_FORMAT, f"EI13 파일의 길이가 {EI13_BLOCK}바이트의 배수가 아닙니다")
        return Accepted("EI13", None, None)

    try:
        request: Eb13File | Eb21File = decode_eb13(data, name) if remote.kind == "EB13" else decode_eb21(data, name)
    except CmsError as exc:
        return refuse(layout.TAG_FORMAT, exc.message)
    header_day = request.header.file_date if isinstance(request, Eb13File) else request.header.debit_date
    if header_day != remote.day:
        return refuse(
            layout.TAG_NAME,
            f"파일 이름의 날짜({remote.day:%Y-%m-%d})가 헤더의 날짜({header_day:%Y-%m-%d})와 다릅니다",
        )
    if request.institution_code != code:
        return refuse(
            layout.TAG_INSTITUTION,
            f"파일의 기관코드 '{request.institution_code}'가 이 기관 폴더 '{code}'와 다릅니다",
        )
    unknown = unknown_bank(request)
    if unknown is not None:
        return refuse(layout.TAG_BANK, unknown)

    result_name = layout.result_name_for(name)
    if isinstance(request, Eb13File):
        return Accepted("EB13", registration_due(now, calendar, processing_delay), result_name)
    debit_date = request.header.debit_date
    if not calendar.is_business_day(debit_date):
        return refuse(
            layout.TAG_DATE,
            f"출금일 {debit_date:%Y-%m-%d}은 영업일이 아닙니다 ({calendar.holiday_name(debit_date)})",
        )
    if processing_delay is not None:
        return Accepted("EB21", now + processing_delay, result_name)
    cutoff = calendar.request_cutoff(debit_date)
    if now >= cutoff:
        return refuse(
            layout.TAG_DEADLINE,
            f"출금일 {debit_date:%Y-%m-%d}분 이체의뢰는 {cutoff:%Y-%m-%d %H:%M}까지 받습니다 (도착 {now:%Y-%m-%d %H:%M})",
        )
    return Accepted("EB21", calendar.request_result_at(debit_date), result_name)


def registration_due(now: datetime, calendar: BusinessCalendar, processing_delay: timedelta | None) -> datetime:
    """When an EB13 received at ``now`` is answered: the EB14 of its send day's batch (after the
    14:00 cut-off or on a closed day, the next business day's batch), from 11:00 the day after."""
    if processing_delay is not None:
        return now + processing_delay
    return calendar.registration_result_at(calendar.registration_send_day(now))


def unknown_bank(request: Eb13File | Eb21File) -> str | None:
    """A Korean reason naming the first bank code that takes no part in CMS, if any."""
    if isinstance(request, Eb21File):
        collection_bank = request.header.bank_branch_code[:3]
        if collection_bank not in BANK_NAMES:
            return f"헤더(1번째 레코드)의 주거래은행 코드 '{collection_bank}'는 CMS 참가 은행이 아닙니다"
    for index, rec in enumerate(request.records):
        bank = rec.bank_branch_code[:3]
        if bank not in BANK_NAMES:
            return f"{index + 2}번째 레코드(일련번호 {rec.sequence})의 은행코드 '{bank}'는 CMS 참가 은행이 아닙니다"
    return None
