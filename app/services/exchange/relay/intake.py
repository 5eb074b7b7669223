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

An EI13 (consent evidence) goes through 1–5 as well (read with the EI13 codec, leniently for
동의자료구분 and 확장자, so those are judged per record), then every record's evidence is judged by
``rules.evidence_problem`` (0101/0102/0103/0105). Any refused record refuses the whole file with
the tag ``[동의자료 오류]`` and one line per refused record (``EvidenceRefused``); otherwise the file is
accepted, with every record's evidence, and gets no result file. Either way the verdicts travel with
the outcome (``evidence``) so the simulator can remember them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.services.common.calendar import BusinessCalendar
from app.services.exchange.cms import (
    BANK_NAMES,
    CmsError,
    DebitRecord,
    Eb13File,
    Eb21File,
    RegistrationRecord,
    decode_eb13,
    decode_eb21,
    parse_remote_name,
)
from app.services.exchange.cms.ei13 import decode_ei13
from app.services.exchange.cms.masking import mask_account
from app.services.exchange.cms.reasons import reason_text

from . import layout
from .layout import ErrorReport, RecordRefusal
from .rules import EVIDENCE_MAX_BYTES, evidence_problem

LISTED_REFUSALS = 5
"""How many refused EI13 records the first line of the report names (all are listed below it)."""


@dataclass(frozen=True)
class EvidenceItem:
    """One EI13 record as the relay judged it: whose evidence, what it was (size and SHA-256, never
    the bytes) and the verdict (``reason_code`` None = accepted)."""

    sequence: int
    customer_no: str
    bank_code: str
    account_no: str
    applied_on: date
    kind: str
    extension: str
    size: int
    sha256: str
    reason_code: str | None

    def __repr__(self) -> str:  # never the full account number
        return (
            f"EvidenceItem(sequence={self.sequence}, customer_no={self.customer_no!r}, bank_code={self.bank_code!r}, "
            f"account_no={mask_account(self.account_no)!r}, kind={self.kind!r}, extension={self.extension!r}, "
            f"size={self.size}, reason_code={self.reason_code!r})"
        )


@dataclass(frozen=True)
class Accepted:
    """A request the relay takes: its kind, and when (and under which name) its result comes."""

    kind: str
    due_at: datetime | None  # None: no result (EI13)
    result_name: str | None
    evidence: tuple[EvidenceItem, ...] = ()  # EI13: every record, all accepted


@dataclass(frozen=True)
class EvidenceRefused(ErrorReport):
    """An EI13 refused for its evidence: the error report (``records`` = the refused records) and
    every record's verdict, for the simulator's memory of refused evidence."""

    evidence: tuple[EvidenceItem, ...] = ()


def check_request(
    code: str,
    name: str,
    data: bytes,
    now: datetime,
    *,
    calendar: BusinessCalendar,
    processing_delay: timedelta | None,
    evidence_max_bytes: int = EVIDENCE_MAX_BYTES,
) -> Accepted | ErrorReport:
    """Accept the file or say why not (see the module docstring for the order of the checks).

    ``evidence_max_bytes``: the largest evidence an EI13 record may carry (0103 above it).
    """

    def refuse(tag: str, reason: str) -> ErrorReport:
        return ErrorReport(name, tag, reason)

    try:
        remote = parse_remote_name(name)
    except CmsError:
        return refuse(layout.TAG_NAME, "CMS 파일 이름이 아닙니다 (예: EB210315_2026)")
    if remote.kind not in layout.REQUEST_KINDS:
        return refuse(layout.TAG_NAME, f"{remote.kind} 파일은 보낼 수 없습니다 (EB13, EB21, EI13만 받습니다)")
    if remote.kind == "EI13":
        return check_evidence(code, name, data, remote.day, max_bytes=evidence_max_bytes)

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


def check_evidence(code: str, name: str, data: bytes, day: date, *, max_bytes: int) -> Accepted | ErrorReport:
    """Take an EI13 named for ``day`` or say why not: file checks first, then each record's evidence."""

    def refuse(tag: str, reason: str) -> ErrorReport:
        return ErrorReport(name, tag, reason)

    try:
        file = decode_ei13(data, name, lenient=True)
    except CmsError as exc:
        return refuse(layout.TAG_FORMAT, exc.message)
    if file.header.application_date != day:
        return refuse(
            layout.TAG_NAME,
            f"파일 이름의 날짜({day:%Y-%m-%d})가 헤더의 신청일({file.header.application_date:%Y-%m-%d})과 다릅니다",
        )
    if file.institution_code != code:
        return refuse(
            layout.TAG_INSTITUTION,
            f"파일의 기관코드 '{file.institution_code}'가 이 기관 폴더 '{code}'와 다릅니다",
        )
    for index, rec in enumerate(file.records):
        if rec.bank_code not in BANK_NAMES:
            return refuse(
                layout.TAG_BANK,
                f"{index + 2}번째 레코드(일련번호 {rec.sequence})의 은행코드 '{rec.bank_code}'는 CMS 참가 은행이 아닙니다",
            )
    items: list[EvidenceItem] = []
    refused: list[RecordRefusal] = []
    for rec in file.records:
        problem = evidence_problem(rec.kind, rec.extension, rec.content, max_bytes=max_bytes)
        items.append(
            EvidenceItem(
                rec.sequence, rec.customer_no, rec.bank_code, rec.account_no, rec.application_date, rec.kind,
                rec.extension, len(rec.content), hashlib.sha256(rec.content).hexdigest(),
                None if problem is None else problem.code,
            )
        )
        if problem is not None:
            detail = f"{reason_text(problem.code)} — 납부자번호 {rec.customer_no}: {problem.detail}"
            refused.append(RecordRefusal(rec.sequence, problem.code, detail))
    if not refused:
        return Accepted("EI13", None, None, tuple(items))
    listed = ", ".join(f"일련번호 {r.sequence} {r.code} {reason_text(r.code)}" for r in refused[:LISTED_REFUSALS])
    more = f" 외 {len(refused) - LISTED_REFUSALS}건" if len(refused) > LISTED_REFUSALS else ""
    reason = (
        f"동의자료 {len(file.records)}건 중 {len(refused)}건을 받을 수 없어 파일 전체를 받지 않았습니다: {listed}{more}. "
        "그 증빙을 고치고, 나머지와 함께 다시 보내세요"
    )
    return EvidenceRefused(name, layout.TAG_EVIDENCE, reason, tuple(refused), tuple(items))


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
    records: tuple[RegistrationRecord | DebitRecord, ...] = request.records
    for index, rec in enumerate(records):
        bank = rec.bank_branch_code[:3]
        if bank not in BANK_NAMES:
            return f"{index + 2}번째 레코드(일련번호 {rec.sequence})의 은행코드 '{bank}'는 CMS 참가 은행이 아닙니다"
    return None
