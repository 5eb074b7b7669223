"""The embedded scheduler: sends at each cut-off, fetches and applies results, one sender at a time.

Its testable core is `CollectionScheduler.tick(now)`, which does everything due at `now` and
nothing else; APScheduler (a BackgroundScheduler inside the app, or ``python -m app scheduler`` on
a PC that stays on) only calls `tick` every `interval_seconds` with the real clock. A test drives
the same code through a month of cut-offs on a ManualClock, jumping from one `next_due` to the next.

When things happen, per contract, on its business calendar:

- **Sending.** A request file must be on the relay before the cut-off (the relay takes none after
  it), so the files are built and uploaded in the last `send_lead` minutes before it: from 13:58
  for a 14:00 cut-off. Registrations: first the consent evidence waiting, as that day's EI13 (the
  agency validates it on receipt; one refused for some of its evidence is built again at once
  without those), then everything queued by then whose evidence is accepted — including what the
  EI13 just got accepted — as that day's EB13; a 신규 without accepted evidence stays queued, held
  (`registrations.evidence_holds`). Requests: the EB21 of the debit date whose cut-off this is
  (the next business day). Something queued after the file went waits: a registration for the
  next day's file, a request is reported.
- **Results.** From the result time (11:00 of the next business day) the relay is asked every
  `fetch_every` until the result is there; it is applied at once (`receiving`).
- **Notices.** The agency's notices (공지사항) are asked for with the results, at most every
  `notice_every` per institution, and stored once however often they are listed (`notices`).
- **Catching up.** A pass first re-sends any file a crash or an unreachable relay left unsent. If the
  app was not running at a cut-off nothing is sent late: `missed_cutoffs` tells what missed which
  cut-off and what that means, and the status bar shows it.

One process at a time does all this for a database (`leases.SenderLease`); the others' passes
only report who is sending. `send_now` / `fetch_now` are the administrator's buttons.
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import time as _time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from app.database.engine import Database
from app.models import (
    AccountRegistration,
    AgreementStatus,
    ConsentEvidence,
    DebitAgreement,
    DebitRequest,
    Direction,
    EvidenceState,
    RegistrationState,
    RequestState,
    Transmission,
)
from app.models import TransmissionState as TS
from app.services import notices
from app.services.collection.registrations import (
    EVIDENCE_ON_ITS_WAY,
    evidence_holds,
    evidence_ready,
)
from app.services.common.calendar import SEOUL, seoul_datetime
from app.services.common.crypto import DataKey
from app.services.common.errors import ServiceError
from app.services.common.formats import moment_text
from app.services.common.session import Actor
from app.services.exchange import building, receiving, sending
from app.services.exchange.cms import remote_name
from app.services.exchange.leases import PROCESS_LOCK, SenderLease, busy_message
from app.services.exchange.relay.base import Transport
from app.services.exchange.transmissions import (
    AWAITING_STATES,
    RESULT_OF,
    ContractInfo,
    active_contracts,
    check_contract,
    load_contract,
)

log = logging.getLogger(__name__)

DEFAULT_SEND_LEAD = timedelta(minutes=2)
DEFAULT_FETCH_EVERY = timedelta(minutes=5)
DEFAULT_NOTICE_EVERY = timedelta(hours=1)
DEFAULT_INTERVAL_SECONDS = 30
MIN_INTERVAL_SECONDS = 0.1
MAX_INTERVAL_SECONDS = 3600.0
"""A pass at least every hour, or a 14:00 cut-off could pass unseen; at most ten a second (tests run
fast passes; a zero or negative interval would spin a core and starve the signal handler)."""
RETRY_EVERY = timedelta(minutes=1)
EVIDENCE_ROUNDS = 5
"""EI13 files one pass may build: after a refusal naming some evidence the rest goes again at once,
so the registrations relying on it still make this cut-off (each round drops at least one piece)."""


def check_interval(seconds: float) -> None:
    """Refuse a pass interval outside MIN_INTERVAL_SECONDS … MAX_INTERVAL_SECONDS (NaN and infinity too)."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds) \
            or not MIN_INTERVAL_SECONDS <= seconds <= MAX_INTERVAL_SECONDS:
        raise ServiceError(f"송수신 처리 간격은 {MIN_INTERVAL_SECONDS:g}초부터 {MAX_INTERVAL_SECONDS:g}초까지입니다: "
                           f"{seconds!r}")


@dataclass(frozen=True)
class MissedItem:
    """Rows that missed a cut-off, and what that means for them (Korean `message`)."""

    contract_id: int
    kind: str  # "EB13" (registrations) or "EB21" (requests)
    day: date  # the missed cut-off's day (EB13) or the debit date (EB21)
    cutoff: datetime | None
    count: int
    amount: int
    message: str


@dataclass
class PassReport:
    """What one pass (tick, 지금 송신, 지금 수신) did, in Korean lines for a clerk."""

    at: datetime
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    built: list[building.BuiltFile] = field(default_factory=list)
    uploads: list[sending.UploadResult] = field(default_factory=list)
    outcomes: list[receiving.ApplyOutcome] = field(default_factory=list)
    missed: list[MissedItem] = field(default_factory=list)
    new_notices: int = 0
    skipped: str | None = None

    def summary(self) -> str:
        if self.skipped:
            return self.skipped
        parts = self.lines + self.problems
        return " / ".join(parts) if parts else "처리할 작업이 없었습니다."


@dataclass(frozen=True)
class SchedulerStatus:
    """For the main window's status bar: the next action and the last result."""

    next_action: str
    next_at: datetime | None
    last_result: str
    last_at: datetime | None
    sender: str | None
    is_sender: bool
    missed: tuple[MissedItem, ...]

    def text(self) -> str:
        nxt = f"다음 작업: {moment_text(self.next_at)} {self.next_action}" if self.next_at else self.next_action
        last = f" · 최근: {moment_text(self.last_at)} {self.last_result}" if self.last_at else ""
        warn = f" · 마감 놓침 {len(self.missed)}건" if self.missed else ""
        return nxt + last + warn


# --- queries shared by the planning and reporting ----------------------------------------------


def _queued_requests(db: Database, contract_id: int) -> list[tuple[date, int, int]]:
    """(debit date, count, won) of requests still queued and not in any file."""
    r = DebitRequest
    with db.session() as s:
        rows = s.execute(
            select(r.debit_date, func.count(), func.coalesce(func.sum(r.amount), 0))
            .where(r.contract_id == contract_id, r.state == RequestState.WAITING, r.transmission_id.is_(None))
            .group_by(r.debit_date).order_by(r.debit_date)
        ).all()
    return [(d, int(n), int(a)) for d, n, a in rows]


def _queued_registrations(db: Database, contract_id: int, before: datetime | None = None) -> int:
    """Registrations no file carries that the next cut-off sends without the clerk: 해지, and 신규
    whose evidence is accepted or about to go as that cut-off's EI13. A 신규 held for its evidence
    (none, or refused) is the clerk's work (home screen, 계좌신청), not a missed cut-off."""
    a = AccountRegistration
    stmt = select(func.count()).select_from(a).where(
        a.contract_id == contract_id, a.state == RegistrationState.WAITING, a.transmission_id.is_(None),
        evidence_ready(EVIDENCE_ON_ITS_WAY),
    )
    if before is not None:
        stmt = stmt.where(a.created_at < before)
    with db.session() as s:
        return int(s.scalar(stmt) or 0)


def _waiting_evidence(db: Database, contract_id: int) -> int:
    """Consent evidence of agreements in use that no EI13 carries yet (증빙전송대기)."""
    e = ConsentEvidence
    stmt = (select(func.count()).select_from(e).join(DebitAgreement, DebitAgreement.id == e.agreement_id)
            .where(e.contract_id == contract_id, e.state == EvidenceState.WAITING, e.transmission_id.is_(None),
                   e.content_enc.is_not(None), DebitAgreement.status == AgreementStatus.ACTIVE))
    with db.session() as s:
        return int(s.scalar(stmt) or 0)


def _held_for_evidence(db: Database, contract_id: int) -> int:
    """신규 held because their evidence is missing or was refused (the clerk must attach it)."""
    with db.session() as s:
        return sum(1 for hold in evidence_holds(s, contract_id).values() if hold.needs_action)


def _records(db: Database, tid: int) -> int:
    with db.session() as s:
        return int(s.scalar(select(Transmission.record_count).where(Transmission.id == tid)) or 0)


def _send_file(db: Database, contract_id: int, name: str, *, given_up: bool = False) -> int | None:
    """Id of the request file of that name (`given_up`: of a refused copy moved aside as name#n)."""
    t = Transmission
    cond = t.remote_name.like(f"{name}#%") if given_up else t.remote_name == name
    with db.session() as s:
        return s.scalar(
            select(t.id).where(t.contract_id == contract_id, t.direction == Direction.SEND, cond).limit(1)
        )


def _awaiting(db: Database, contract_id: int) -> list[tuple[int, str, date, str]]:
    t = Transmission
    with db.session() as s:
        rows = s.execute(
            select(t.id, t.kind, t.file_date, t.remote_name).where(
                t.contract_id == contract_id, t.direction == Direction.SEND, t.state.in_(AWAITING_STATES)
            ).order_by(t.id)
        ).all()
    return [(i, str(k), d, n) for i, k, d, n in rows]


def _last_cutoff(c: ContractInfo, now: datetime, at: Any) -> datetime:
    """The most recent cut-off moment (time `at` on a business day) at or before `now`."""
    today = now.astimezone(SEOUL).date()
    if c.calendar.is_business_day(today) and seoul_datetime(today, at) <= now:
        return seoul_datetime(today, at)
    return seoul_datetime(c.calendar.previous_business_day(today), at)


def missed_cutoffs(db: Database, c: ContractInfo, now: datetime) -> list[MissedItem]:
    """What missed a cut-off and stays queued, with what it means for the clerk."""
    items: list[MissedItem] = []
    last = _last_cutoff(c, now, c.registration_cutoff)
    late = _queued_registrations(db, c.id, before=last)
    if late:
        nxt = c.calendar.next_cutoff(now, c.registration_cutoff)
        items.append(MissedItem(c.id, "EB13", last.date(), last, late, 0,
                                f"계좌신청 {late}건이 {moment_text(last)} 마감 파일로 송신되지 않았습니다. "
                                f"다음 마감({moment_text(nxt)})에 자동으로 송신됩니다."))
    for debit_date, count, amount in _queued_requests(db, c.id):
        what = f"출금일 {debit_date:%Y-%m-%d} 이체의뢰 {count}건({amount:,}원)"
        if not c.calendar.is_business_day(debit_date):
            items.append(MissedItem(c.id, "EB21", debit_date, None, count, amount,
                                    f"{what}은 출금일이 영업일이 아니어서 보낼 수 없습니다. 출금일을 옮기세요."))
            continue
        cutoff = c.calendar.request_cutoff(debit_date, c.request_cutoff)
        if now >= cutoff:
            items.append(MissedItem(c.id, "EB21", debit_date, cutoff, count, amount,
                                    f"{what}은 마감({moment_text(cutoff)})이 지나 보낼 수 없습니다. 홈 화면의 마감 놓침 "
                                    "목록에서 다음 출금일로 옮기거나 현금수납·미납으로 처리하세요."))
        elif _send_file(db, c.id, remote_name("EB21", debit_date)) is not None:
            items.append(MissedItem(c.id, "EB21", debit_date, cutoff, count, amount,
                                    f"{what}은 이 출금일의 의뢰 파일에 들어가지 못해(파일을 만든 뒤 의뢰했거나 "
                                    "파일에 쓸 수 없는 값) 보낼 수 없습니다. 의뢰를 취소하거나 출금일을 옮기세요."))
    return items


def plan(db: Database, c: ContractInfo, now: datetime, lead: timedelta) -> list[tuple[datetime, str]]:
    """The contract's coming actions (moment, Korean text), for the status bar."""
    out: list[tuple[datetime, str]] = []
    prefix = f"[{c.name}] " if c.name else ""
    for _tid, _kind, _day in sending.pending_uploads(db, c.id):
        out.append((now, f"{prefix}미송신 파일 재송신"))
    evidence, registrations = _waiting_evidence(db, c.id), _queued_registrations(db, c.id)
    if evidence or registrations:  # one action: the EI13, then the EB13, at the same cut-off
        kind = "EB13" if registrations else "EI13"
        what = {(True, True): "동의자료·계좌신청 송신", (False, True): "계좌신청 송신",
                (True, False): "동의자료 송신"}[(bool(evidence), bool(registrations))]
        cutoff = c.calendar.next_cutoff(now, c.registration_cutoff)
        if cutoff.date() == now.date() and _send_file(db, c.id, remote_name(kind, cutoff.date())):
            cutoff = seoul_datetime(c.calendar.next_business_day(cutoff.date()), c.registration_cutoff)
        out.append((max(cutoff - lead, now), f"{prefix}{what}"))
    for debit_date, count, amount in _queued_requests(db, c.id):
        try:
            cutoff = c.calendar.request_cutoff(debit_date, c.request_cutoff)
        except ValueError:
            continue
        if now < cutoff:
            out.append((max(cutoff - lead, now),
                         f"{prefix}이체의뢰 송신 ({debit_date:%m-%d} 출금 {count}건 {amount:,}원)"))
    for _tid, kind, day, name in _awaiting(db, c.id):
        out.append((max(c.result_due(kind, day), now), f"{prefix}{RESULT_OF[kind]} 결과 수신 ({name})"))
    return sorted(out, key=lambda item: item[0])


# --- the scheduler --------------------------------------------------------------------------------


class CollectionScheduler:
    """Sends, fetches and applies for every active contract of a database; see the module docstring.

    Args:
        clock: "now" (Seoul, aware); ManualClock in tests, SystemClock in the app.
        transport_for: the Transport of a contract (``relay_config.transport_factory``).
        data_key: the personal-data key (or a function returning it, None while locked); building a
            file decrypts the account numbers.
    """

    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], datetime],
        transport_for: Callable[[ContractInfo], Transport],
        data_key: DataKey | Callable[[], DataKey | None] | None,
        lease: SenderLease | None = None,
        send_lead: timedelta = DEFAULT_SEND_LEAD,
        fetch_every: timedelta = DEFAULT_FETCH_EVERY,
        notice_every: timedelta = DEFAULT_NOTICE_EVERY,
        interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
        upload_delays: Sequence[float] = sending.UPLOAD_DELAYS,
        sleep: Callable[[float], None] = _time.sleep,
    ) -> None:
        if send_lead <= timedelta(0):
            raise ValueError("send_lead must be positive: files must reach the relay before the cut-off")
        check_interval(interval_seconds)
        self.db = db
        self.clock = clock
        self.transport_for = transport_for
        self._data_key = data_key
        self.lease = lease or SenderLease(db)
        self.send_lead = send_lead
        self.fetch_every = fetch_every
        self.notice_every = notice_every
        self.interval_seconds = interval_seconds
        self.upload_delays = tuple(upload_delays)
        self.sleep = sleep
        self._last_poll: dict[int, datetime] = {}
        self._last_notice_poll: dict[int, datetime] = {}  # by institution: its contracts share the notices
        self._last: PassReport | None = None
        self._listeners: list[Callable[[PassReport], None]] = []
        self._aps: Any = None
        self._guard = threading.Lock()
        self._missed_seen: set[str] = set()

    # --- public API ---------------------------------------------------------------------------

    def tick(self, now: datetime | None = None) -> PassReport:
        """Do everything due at `now` for every active contract (the APScheduler job calls this)."""
        now = now or self.clock()
        report = PassReport(now)
        with PROCESS_LOCK:
            if not self._lease(report):
                return self._finish(report)
            for c in active_contracts(self.db):
                self._guarded(c, report, functools.partial(self._tick_contract, c, now, report))
        return self._finish(report)

    def send_due(self, contract_id: int, now: datetime | None = None) -> PassReport:
        """What a pass sends for one contract at `now` (unsent files, a cut-off's files): the CLI's ``send``."""
        return self._one(contract_id, None, now, lambda c, at, r: self._send_contract(c, at, r, manual=False))

    def send_now(self, contract_id: int, actor: Actor | None = None, now: datetime | None = None) -> PassReport:
        """관리자 '지금 송신': re-send what is unsent, then send the queued registrations (today's file)
        and the requests whose cut-off is today and still ahead. Nothing whose cut-off passed goes."""
        return self._one(contract_id, actor, now, lambda c, at, r: self._send_contract(c, at, r, manual=True))

    def fetch_now(self, contract_id: int, actor: Actor | None = None, now: datetime | None = None) -> PassReport:
        """관리자 '지금 수신': ask the relay for every awaited result and the notices now; apply what is there."""
        def fetch(c: ContractInfo, at: datetime, r: PassReport) -> None:
            self._fetch(c, at, r, force=True)
            self._notices(c, at, r, force=True)

        return self._one(contract_id, actor, now, fetch, missed=False)

    def missed_cutoffs(self, contract_id: int | None = None, now: datetime | None = None) -> list[MissedItem]:
        now = now or self.clock()
        contracts = [load_contract(self.db, contract_id)] if contract_id else active_contracts(self.db)
        return [item for c in contracts for item in missed_cutoffs(self.db, c, now)]

    def status(self, now: datetime | None = None) -> SchedulerStatus:
        now = now or self.clock()
        actions: list[tuple[datetime, str]] = []
        missed: list[MissedItem] = []
        for c in active_contracts(self.db):
            actions.extend(plan(self.db, c, now, self.send_lead))
            missed.extend(missed_cutoffs(self.db, c, now))
        holder = self.lease.holder()
        nxt = min(actions, key=lambda a: a[0]) if actions else None
        last = self._last
        return SchedulerStatus(
            next_action=nxt[1] if nxt else "예정된 송수신 작업이 없습니다.",
            next_at=nxt[0] if nxt else None,
            last_result=last.summary() if last else "",
            last_at=last.at if last else None,
            sender=holder.owner if holder else None,
            is_sender=holder is not None and holder.owner == self.lease.owner,
            missed=tuple(missed),
        )

    def next_due(self, now: datetime) -> datetime:
        """The next moment after `now` at which `tick` has something to do (for tests and sleeping)."""
        candidates: list[datetime] = []
        for c in active_contracts(self.db):
            for at in {c.registration_cutoff, c.request_cutoff}:
                day = now.astimezone(SEOUL).date()
                if not c.calendar.is_business_day(day) or seoul_datetime(day, at) - self.send_lead <= now:
                    day = c.calendar.next_business_day(day)
                candidates.append(seoul_datetime(day, at) - self.send_lead)
            awaiting = _awaiting(self.db, c.id)
            dues = [c.result_due(kind, day) for _i, kind, day, _n in awaiting]
            candidates.extend(d for d in dues if d > now)
            if any(d <= now for d in dues):
                last = self._last_poll.get(c.id)
                candidates.append(last + self.fetch_every if last and last + self.fetch_every > now
                                  else now + self.fetch_every)
            if sending.pending_uploads(self.db, c.id):
                candidates.append(now + RETRY_EVERY)
        later = [c for c in candidates if c > now]
        return min(later) if later else now + timedelta(days=1)

    def add_listener(self, listener: Callable[[PassReport], None]) -> None:
        """Called (on the scheduler's thread) after every pass; the GUI bridges it to a Qt signal."""
        self._listeners.append(listener)

    def start(self) -> None:
        """Run `tick` every `interval_seconds` on a background thread (APScheduler)."""
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        if self._aps is not None:
            return
        aps = BackgroundScheduler(timezone=SEOUL)
        aps.add_job(self._safe_tick, IntervalTrigger(seconds=self.interval_seconds, timezone=SEOUL),
                    id="kscms-transmissions", coalesce=True, max_instances=1,
                    misfire_grace_time=max(1, int(self.interval_seconds)), next_run_time=datetime.now(SEOUL))
        aps.start()
        self._aps = aps
        log.info("scheduler started (every %ss, owner %s)", self.interval_seconds, self.lease.owner)

    def shutdown(self) -> None:
        """Stop the background job, wait for a pass in progress, and hand the lease back."""
        if self._aps is not None:
            self._aps.shutdown(wait=True)
            self._aps = None
        if self.lease.held:
            try:
                self.lease.release()
            except Exception:  # the database may be gone at exit; the lease just expires
                log.warning("could not release the sender lease at shutdown", exc_info=True)

    # --- the work ---------------------------------------------------------------------------

    def _one(
        self, contract_id: int, actor: Actor | None, now: datetime | None,
        work: Callable[[ContractInfo, datetime, PassReport], None], *, missed: bool = True,
    ) -> PassReport:
        """An on-demand pass for one contract: administrators only, and only with the lease."""
        if actor is not None:
            actor.require_admin()
        now = now or self.clock()
        report = PassReport(now)
        with PROCESS_LOCK:
            if not self._lease(report):
                raise ServiceError(report.skipped or "")
            c = check_contract(self.db, actor, contract_id) if actor else load_contract(self.db, contract_id)
            self._guarded(c, report, lambda: work(c, now, report))
            if missed:
                report.missed.extend(missed_cutoffs(self.db, c, now))
        return self._finish(report)

    def _safe_tick(self) -> None:
        try:
            self.tick()
        except Exception:  # a background job must survive a bad pass and log it
            log.exception("scheduler pass failed")

    def _lease(self, report: PassReport) -> bool:
        if self.lease.acquire():
            return True
        holder = self.lease.holder()
        report.skipped = busy_message(holder.owner if holder else None)
        return False

    def _finish(self, report: PassReport) -> PassReport:
        with self._guard:
            self._last = report
        for line in report.lines:
            log.info("%s", line)
        for problem in report.problems:
            log.warning("%s", problem)
        for item in report.missed:  # said once, not at every pass
            if item.message not in self._missed_seen:
                self._missed_seen.add(item.message)
                log.warning("missed cut-off: %s", item.message)
        for listener in list(self._listeners):
            try:
                listener(report)
            except Exception:  # a listener must not break the scheduler
                log.exception("scheduler listener failed")
        return report

    def _guarded(self, c: ContractInfo, report: PassReport, work: Callable[[], None]) -> None:
        try:
            work()
        except ServiceError as error:
            report.problems.append(f"[{c.name}] {error.message}")
        except Exception as error:  # one contract's failure must not stop the others
            log.exception("contract %s: pass failed", c.institution_code)
            report.problems.append(f"[{c.name}] 처리 중 오류가 발생했습니다 ({type(error).__name__}). 기록을 확인하세요.")

    def _key_or_none(self) -> DataKey | None:
        """The key for opening and sealing stored bank files; None makes those steps refuse in Korean."""
        return self._data_key() if callable(self._data_key) else self._data_key

    def _key(self) -> DataKey:
        key = self._key_or_none()
        if key is None:
            raise ServiceError("데이터 암호 키가 잠겨 있어 파일을 만들 수 없습니다. 관리자가 데이터 암호 문구를 입력하세요.")
        return key

    def _tick_contract(self, c: ContractInfo, now: datetime, report: PassReport) -> None:
        self._send_contract(c, now, report, manual=False)
        self._fetch(c, now, report, force=False)
        report.missed.extend(missed_cutoffs(self.db, c, now))
        self._notices(c, now, report, force=False)

    def _send_contract(self, c: ContractInfo, now: datetime, report: PassReport, *, manual: bool) -> None:
        transport = self.transport_for(c)
        for tid, kind, day in sending.pending_uploads(self.db, c.id):
            expired = kind == "EB21" and now.astimezone(SEOUL).date() >= day
            self._upload(transport, tid, now, report, expired=expired)
        today = now.astimezone(SEOUL).date()
        if not c.calendar.is_business_day(today):
            if manual:
                report.lines.append("오늘은 영업일이 아니어서 새로 보낼 파일이 없습니다.")
            return
        cutoff = seoul_datetime(today, c.registration_cutoff)
        if manual or cutoff - self.send_lead <= now < cutoff:
            self._send_registrations(c, today, transport, now, report, manual=manual)
        cutoff = seoul_datetime(today, c.request_cutoff)
        if (manual and now < cutoff) or cutoff - self.send_lead <= now < cutoff:
            debit_date = c.calendar.next_business_day(today)
            name = remote_name("EB21", debit_date)
            if (manual or not _send_file(self.db, c.id, name, given_up=True)) and any(
                    d == debit_date for d, _n, _a in _queued_requests(self.db, c.id)):
                built = building.build_request_file(self.db, c, debit_date, self._key(), now=now)
                self._built(built, transport, now, report, manual=manual)
        if manual and now >= cutoff:
            report.lines.append(f"이체의뢰 마감({moment_text(cutoff)})이 지나 오늘 보낼 이체의뢰는 없습니다.")
        elif manual and not report.built and not report.uploads and not report.problems:
            report.lines.append("지금 보낼 계좌신청이나 오늘 마감인 이체의뢰가 없습니다.")

    def _send_registrations(self, c: ContractInfo, today: date, transport: Transport, now: datetime,
                            report: PassReport, *, manual: bool) -> None:
        """The registration cut-off: the day's EI13 first, then the EB13 with what is accepted by then."""
        if manual or not _send_file(self.db, c.id, remote_name("EI13", today), given_up=True):
            for _round in range(EVIDENCE_ROUNDS):
                if not _waiting_evidence(self.db, c.id):
                    break
                built = building.build_evidence_file(self.db, c, today, self._key(), now=now)
                result = self._built(built, transport, now, report, manual=manual)
                if result is None or not result.refused_records:
                    break  # accepted, blocked, or refused as a whole (left for the clerk, not retried now)
        built_eb13 = False
        if ((manual or not _send_file(self.db, c.id, remote_name("EB13", today), given_up=True))
                and _queued_registrations(self.db, c.id)):
            built = building.build_registration_file(self.db, c, today, self._key(), now=now)
            built_eb13 = isinstance(built, building.BuiltFile)
            self._built(built, transport, now, report, manual=manual)
        if manual or built_eb13:
            held = _held_for_evidence(self.db, c.id)
            if held:
                report.lines.append(f"동의자료가 없거나 접수되지 않아 보류한 계좌신청 {held}건은 보내지 않았습니다 "
                                    "(계좌신청 화면에서 사유 확인, 이체정보에서 증빙 첨부).")

    def _built(self, built: Any, transport: Transport, now: datetime, report: PassReport, *,
               manual: bool) -> sending.UploadResult | None:
        if built is None:
            return None
        if isinstance(built, building.BuildBlocked):
            if not manual:  # a scheduled pass leaves this to missed_cutoffs, once, not at every tick
                return None
            report.problems.append(f"{built.remote_name} 파일을 이미 만들어, 그 뒤 대기 중인 {built.waiting}건은 "
                                   "이 파일로 보낼 수 없습니다.")
            return None
        report.built.append(built)
        amount = f", {built.total_amount:,}원" if built.kind == "EB21" else ""
        report.lines.append(f"{built.remote_name} 파일을 만들었습니다 ({built.record_count}건{amount}).")
        for left in built.excluded:
            report.problems.append(f"{built.remote_name}에 넣지 못한 건(번호 {left.row_id}): {left.reason}")
        return self._upload(transport, built.transmission_id, now, report)

    def _upload(self, transport: Transport, tid: int, now: datetime, report: PassReport, *,
                expired: bool = False) -> sending.UploadResult:
        result = sending.upload_transmission(self.db, transport, tid, key=self._key_or_none(), now=lambda: now,
                                             delays=self.upload_delays, sleep=self.sleep, expired=expired)
        report.uploads.append(result)
        if result.sent:
            report.lines.append(f"{result.remote_name} 송신완료." if result.state is TS.SENT
                                else f"{result.remote_name} 송신완료, 동의자료 {_records(self.db, tid)}건 접수.")
        elif result.refused_records:
            report.problems.append(f"{result.remote_name}: 동의자료 {result.refused_records}건이 접수되지 않았습니다 "
                                   f"(계좌신청 화면에 사유와 고칠 방법). {result.message}")
        else:
            report.problems.append(f"{result.remote_name}: {result.message}")
        return result

    def _fetch(self, c: ContractInfo, now: datetime, report: PassReport, *, force: bool) -> None:
        awaiting = _awaiting(self.db, c.id)
        due = [a for a in awaiting if force or c.result_due(a[1], a[2]) <= now]
        if not due:
            if force:
                report.lines.append("결과를 기다리는 파일이 없습니다.")
            return
        last = self._last_poll.get(c.id)
        if not force and last is not None and last <= now < last + self.fetch_every:
            return
        self._last_poll[c.id] = now
        self._mark_awaiting([a[0] for a in due])
        expected = [RESULT_OF[kind] + name[4:] for _i, kind, _d, name in due]
        fetched = receiving.fetch_results(self.db, self.transport_for(c), c, key=self._key_or_none(), now=lambda: now,
                                          expected=expected)
        if fetched.error:
            report.problems.append(fetched.error)
        report.problems.extend(f"확인 응답 실패 {e}" for e in fetched.acknowledge_errors)
        for outcome in fetched.outcomes:
            report.outcomes.append(outcome)
            if outcome.status == receiving.ApplyStatus.APPLIED:
                money = f", 출금 {outcome.debited_amount:,}원" if outcome.remote_name.startswith("EB22") else ""
                report.lines.append(f"{outcome.remote_name} 반영완료 (완료 {outcome.done}건, 미완료 {outcome.failed}건{money}).")
            elif outcome.status == receiving.ApplyStatus.REFUSED:
                report.problems.append(f"{outcome.remote_name}: {outcome.message}")
        if force and not fetched.outcomes and not fetched.error:
            report.lines.append("아직 도착한 결과 파일이 없습니다.")

    def _notices(self, c: ContractInfo, now: datetime, report: PassReport, *, force: bool) -> None:
        """The agency's new notices, stored once; a relay that cannot list them is reported, not fatal."""
        last = self._last_notice_poll.get(c.institution_id)
        if not force and last is not None and last <= now < last + self.notice_every:
            return
        self._last_notice_poll[c.institution_id] = now
        try:
            new = notices.fetch_from_relay(self.db, self.transport_for(c), c.institution_id)
        except ServiceError as error:
            report.problems.append(f"[{c.name}] {error.message}")
            return
        if new:
            report.new_notices += new
            report.lines.append(f"새 공지사항 {new}건을 받았습니다.")

    def _mark_awaiting(self, ids: list[int]) -> None:
        """송신완료 → 결과대기 once the result is due: the screen then shows we are waiting for it."""
        with self.db.session() as s:
            for t in s.scalars(select(Transmission).where(Transmission.id.in_(ids), Transmission.state == TS.SENT)):
                t.state = TS.AWAITING
