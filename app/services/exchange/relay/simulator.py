"""The built-in bank simulator: the relay, KFTC and the banks in one folder, the embedded default.

A fresh installation works end to end with it — no contract, no network. It answers the way the
real side does, so the rest of the application cannot tell the difference except by speed:

- **Validation on receipt.** Each request in ``<code>/send/`` is read with the bank-file codec
  (the strict decoder: layout, sequences, totals) and checked further: the remote name
  (``EB210315_2026``) must be an EB13/EB21/EI13 name whose date matches the header; the header's
  institution code must be the folder's; every bank code must be a CMS bank (``cms.BANK_NAMES``);
  an EB21's debit date must be a business day and, on the bank schedule, the file must arrive
  before the request cut-off (14:00 of the business day before); a name already accepted cannot
  be taken again with other content. A refused request produces no result: it is moved to
  ``send/rejected/`` and ``recv/<name>.err`` (UTF-8, ``[tag] reason`` in Korean) is written. How a
  transport surfaces that: see ``layout``.
- **Consent evidence (EI13).** Read with the EI13 codec and checked like the others (name date =
  신청일, institution, CMS banks), then record by record (``rules.evidence_problem``): 동의자료구분
  not 1–6 or not fitting the file → 0101, extension outside ``EVIDENCE_EXTENSIONS`` → 0102, larger
  than ``evidence_max_bytes`` (default 300 KB) → 0103, empty or not a file of its type → 0105. One
  refused record refuses the file (``[동의자료 오류]``, one report line per refused record, which
  RelayRejectedError carries as ``record_codes``); otherwise the file is accepted — that is the
  whole answer, an EI13 gets no result file. Each verdict is remembered per (납부자번호, bank code,
  account number) with the file's arrival time, accepted or with its code; ``evidence_verdict``
  (from ``state``) tells an EB13 new registration whether accepted evidence is on record.
- **Timing.** On the bank schedule (``processing_delay=None``, the default) an EB14 is published
  from 11:00 of the business day after the registration's send day (a file received after the
  14:00 cut-off, or on a closed day, is sent with the next business day's batch), and an EB22 from
  11:00 of the business day after the debit date, all on ``BusinessCalendar``. With a
  ``processing_delay`` every result comes that long after receipt (demo and practice).
- **Outcomes.** Deterministic, by the last four digits of the account number, so a demo or a
  test picks the outcome by picking the account (constants ``OUTCOME_RULES`` and
  ``GENERAL_RULES``, re-exported here from ``rules``):

  ========  =============================  ==========================================================
  ending    registration (EB14)            debit (EB22)
  ========  =============================  ==========================================================
  0012      N 0012 계좌번호 오류            N 0012
  0014      N 0014 예금주 불일치            N 0014
  0031      N 0031 계좌해지                 N 0031
  0021      Y                              N 0021 잔액부족
  9021      Y                              P 0021, half debited (rounded down to the 출금형태 unit:
                                           0 → 1원, 2–6 → 1,000–5,000원) when 출금형태 allows partial
                                           and the half is ≥ 140원; else N 0021
  other     Y                              debited in full (absent from EB22)
  ========  =============================  ==========================================================

  A 신규 whose (납부자번호, bank, account) had no accepted consent evidence when the EB13 arrived
  (the latest EI13 record for it received by then) is refused N 0078, or with the code its
  evidence was refused with (0101–0105); that comes before the account rules.
  Registration is kept per (납부자번호, bank code, account number) and counts from its EB14's
  time. A debit needs one in force when the debit day starts (with a processing delay: when the
  EB22 is made), else N 0017 — the account rules 0012/0014/0031 are checked before that, the
  0021/9021 rules after. 해지 (3) / 임의해지 (7) of a registered pair: Y, the registration ends;
  of an unregistered pair: N 0017. 신규 of a pair already registered: N A016. ``failure_rate``
  makes that share of otherwise good debits N 0021, drawn from ``seed`` and the record's identity.
- **Result files.** EB14 returns every record with 'Y' or 'N' (one reading of §2.5); EB22 only the
  failed and partial records (§3.5), header and trailer alone when nothing failed. Results keep the
  request's 일련번호 and echo every field, so ``cms.check_result`` passes against the request.
- **Notices.** Agency notices (설/추석 schedules, tax invoice, maintenance; see ``notices``) are
  posted into ``<code>/notice/`` as their posting time comes.

``process()`` does all of that for every institution folder; the transports call it on each
operation, the SFTP simulator periodically and after each upload. The simulator remembers what it
took in a SQLite state file (``state``) beside the folders.

**Arrival time.** A request counts as received when it was uploaded, not when a pass first sees
it: the uploader notes the arrival (``note_arrival``) before the rename that publishes the file, so
a process killed between that rename and the next pass does not have its EB21 refused as late.

**On this PC.** The built-in simulator's folder sits in the user's data folder, and bank files
carry full account numbers: every folder is 0700, every file 0600 (the state file too), and with
``purge_finished`` (the built-in default, see ``config.make_transport``) what is no longer needed
is deleted — a request once its result is out (or at once when it gets none, or is refused), its
copy in the state file blanked, and a result once the application acknowledged it. The SFTP
simulator keeps them, as a relay does (its clients look for ``send/<name>``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import shutil
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path

from app.services.common.calendar import SEOUL, BusinessCalendar, seoul_datetime
from app.services.exchange.cms import (
    RegistrationKind,
    decode_eb13,
    decode_eb21,
    encode_eb14,
    encode_eb22,
)
from app.services.exchange.cms.records import (
    DEBIT_FAILED,
    DEBIT_PARTIAL,
    REGISTRATION_ACCEPTED,
    REGISTRATION_REJECTED,
)

from . import layout
from .base import RelayNotice
from .intake import EvidenceItem, EvidenceRefused, check_request
from .layout import ErrorReport
from .notices import notices_due
from .rules import (
    EVIDENCE_MAX_BYTES,
    EVIDENCE_RULES,
    GENERAL_RULES,
    OUTCOME_RULES,
    debit_verdict,
    registration_verdict,
    seeded_failure,
)
from .state import Intake, SimulatorState, evidence_verdict

__all__ = [
    "EVIDENCE_RULES",
    "GENERAL_RULES",
    "OUTCOME_RULES",
    "BankSimulator",
    "PendingResult",
    "ProcessReport",
    "evidence_verdict",
]

log = logging.getLogger(__name__)

STATE_FILE = ".simulator-state.sqlite3"
"""Default name of the state file, in the simulator's root (hidden: it is not an institution folder)."""


@dataclass
class ProcessReport:
    """What one ``process()`` pass did (names are ``<code>/<file>``), for logs and tests."""

    accepted: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    produced: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.accepted or self.refused or self.produced or self.notices)


@dataclass(frozen=True)
class PendingResult:
    """An accepted request whose result is not out yet."""

    institution_code: str
    request_name: str
    result_name: str
    due_at: datetime


class BankSimulator:
    """A folder-based relay that plays the agency and the banks; see the module docstring.

    Args:
        root: the relay folder, holding one ``<institution code>/`` folder per institution.
        clock: "now" (timezone-aware); a ``ManualClock`` in tests, ``SystemClock`` in the app.
        processing_delay: None for the real bank schedule; a timedelta to publish every result
            that long after receipt instead (no cut-off check then).
        failure_rate: share (0–1) of otherwise good debits that fail with 0021, drawn from ``seed``.
        seed: makes the random failures repeatable.
        calendar: the business-day calendar (default: Korean bank holidays).
        state_path: where the state file lives; default ``root/.simulator-state.sqlite3``. The SFTP
            simulator keeps it outside the folder it serves.
        purge_finished: delete requests whose result is out, refused requests and acknowledged
            results instead of keeping them (see "On this PC" above).
        evidence_max_bytes: the largest consent evidence an EI13 record may carry (0103 above it);
            300 KB unless set otherwise.
    """

    def __init__(
        self,
        root: Path,
        clock: Callable[[], datetime],
        *,
        processing_delay: timedelta | None = None,
        failure_rate: float = 0.0,
        seed: int = 0,
        calendar: BusinessCalendar | None = None,
        state_path: Path | None = None,
        purge_finished: bool = False,
        evidence_max_bytes: int = EVIDENCE_MAX_BYTES,
    ) -> None:
        if evidence_max_bytes <= 0:
            raise ValueError(f"evidence_max_bytes must be positive, got {evidence_max_bytes}")
        if not 0.0 <= failure_rate <= 1.0:
            raise ValueError(f"failure_rate must be between 0 and 1, got {failure_rate}")
        if processing_delay is not None and processing_delay < timedelta(0):
            raise ValueError("processing_delay must not be negative")
        self.root = layout.private_dir(Path(root))
        self.purge_finished = purge_finished
        self.clock = clock
        self.processing_delay = processing_delay
        self.failure_rate = failure_rate
        self.seed = seed
        self.evidence_max_bytes = evidence_max_bytes
        self.calendar = calendar or BusinessCalendar()
        self.state = SimulatorState(state_path or self.root / STATE_FILE)
        self._lock = threading.Lock()
        self._verified: dict[tuple[str, str], tuple[int, int]] = {}

    def __repr__(self) -> str:
        return f"BankSimulator(root={str(self.root)!r}, {self.schedule_description()})"

    # --- folders ----------------------------------------------------------------------------

    def institution_dir(self, institution_code: str) -> Path:
        return self.root / layout.check_institution_code(institution_code)

    def ensure_institution(self, institution_code: str) -> Path:
        """Create the institution's folders (send, recv, recv/done, notice); returns its folder."""
        base = layout.private_dir(self.institution_dir(institution_code))
        for sub in (
            Path(layout.SEND),
            Path(layout.SEND) / layout.REJECTED,
            Path(layout.RECV),
            Path(layout.RECV) / layout.DONE,
            Path(layout.NOTICE),
        ):
            layout.private_dir(base / sub)
        return base

    def forget_institution(self, institution_code: str) -> None:
        """Forget one institution entirely: its folder and its rows in the state file (the demo's reset)."""
        code = layout.check_institution_code(institution_code)
        with self._lock:
            self.state.forget_institution(code)
            shutil.rmtree(self.institution_dir(code), ignore_errors=True)
            self._verified = {k: v for k, v in self._verified.items() if k[0] != code}

    def institutions(self) -> list[str]:
        """Codes of the institution folders under the root (folders holding ``send/``)."""
        found = []
        for entry in sorted(self.root.iterdir()):
            if entry.is_dir() and not entry.name.startswith(".") and (entry / layout.SEND).is_dir():
                try:
                    found.append(layout.check_institution_code(entry.name))
                except ValueError:
                    log.warning("relay simulator: ignoring folder %s (not an institution code)", entry.name)
        return found

    def schedule_description(self) -> str:
        """How results are timed, in Korean, for the connection test and the demo."""
        if self.processing_delay is None:
            return "결과: 영업일 기준 (계좌신청·출금 다음 영업일 11:00)"
        seconds = int(self.processing_delay.total_seconds())
        return f"결과: 접수 {seconds}초 후"

    # --- questions --------------------------------------------------------------------------

    def is_taken(self, institution_code: str, name: str) -> bool:
        """Whether a request of that name was accepted (the name can never be uploaded again)."""
        with self.state.transaction() as db:
            return self.state.find_intake(db, institution_code, name) is not None

    def pending_results(self, institution_code: str | None = None) -> list[PendingResult]:
        """Accepted requests still waiting for their result, earliest first."""
        return [
            PendingResult(i.institution, i.name, i.result_name or "", i.due_at or i.received_at)
            for i in self.state.pending_intakes(institution_code)
        ]

    # --- the work ---------------------------------------------------------------------------

    def now(self) -> datetime:
        moment = self.clock()
        if moment.tzinfo is None:
            raise ValueError("the simulator's clock must return timezone-aware datetimes")
        return moment.astimezone(SEOUL)

    def process(self) -> ProcessReport:
        """Take new requests, publish due results and notices, for every institution folder."""
        report = ProcessReport()
        with self._lock:
            now = self.now()
            notices = notices_due(now, self.calendar)
            for code in self.institutions():
                self._publish_notices(code, notices, report)
                self._take_new_requests(code, now, report)
            self._publish_due_results(now, report)
        if report:
            log.info(
                "relay simulator: %d accepted, %d refused, %d results, %d notices",
                len(report.accepted),
                len(report.refused),
                len(report.produced),
                len(report.notices),
            )
        return report

    # --- notices

    def _publish_notices(self, code: str, notices: list[RelayNotice], report: ProcessReport) -> None:
        folder = self.institution_dir(code) / layout.NOTICE
        with self.state.transaction() as db:
            posted = self.state.posted_notices(db, code)
        for notice in notices:
            if notice.notice_id in posted:
                continue
            with self.state.transaction() as db:
                if self.state.notice_posted(db, code, notice.notice_id):
                    continue  # another process posted it meanwhile
                layout.private_dir(folder)
                target = folder / f"{notice.notice_id}{layout.NOTICE_SUFFIX}"
                layout.write_atomic(target, layout.notice_to_json(notice).encode("utf-8"))
                self.state.mark_notice_posted(db, code, notice.notice_id)
            report.notices.append(f"{code}/{notice.notice_id}")

    # --- intake

    def _take_new_requests(self, code: str, now: datetime, report: ProcessReport) -> None:
        send = self.institution_dir(code) / layout.SEND
        for entry in sorted(send.iterdir()):
            name = entry.name
            if name.startswith(".") or not entry.is_file():
                continue  # uploads in progress (.part) and the rejected/ folder
            try:
                st = entry.stat()
            except FileNotFoundError:
                continue
            signature = (st.st_size, st.st_mtime_ns)
            if self._verified.get((code, name)) == signature:
                continue
            self._take(code, entry, now, report)
            try:
                st = entry.stat()
                self._verified[(code, name)] = (st.st_size, st.st_mtime_ns)
            except FileNotFoundError:
                self._verified.pop((code, name), None)

    def _take(self, code: str, path: Path, now: datetime, report: ProcessReport) -> None:
        name = path.name
        with self.state.transaction() as db:
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                return  # another process took it first
            sha = hashlib.sha256(data).hexdigest()
            existing = self.state.find_intake(db, code, name)
            if existing is not None:
                if existing.sha256 == sha:
                    return  # the accepted file itself
                self._refuse_duplicate(db, code, path, existing, now, sha, report)
                return
            now = self._arrival(db, code, name, sha, now)
            outcome = check_request(
                code, name, data, now, calendar=self.calendar, processing_delay=self.processing_delay,
                evidence_max_bytes=self.evidence_max_bytes,
            )
            if isinstance(outcome, ErrorReport):
                if isinstance(outcome, EvidenceRefused):
                    self._remember_evidence(db, code, name, now, [i for i in outcome.evidence if i.reason_code])
                self._refuse(code, path, outcome, now)
                self.state.add_refusal(
                    db, institution=code, name=name, received_at=now, sha256=sha, tag=outcome.tag, reason=outcome.reason
                )
                report.refused.append((f"{code}/{name}", outcome.reason))
                log.info("relay simulator: refused %s/%s [%s]", code, name, outcome.tag)
                return
            self.state.add_intake(
                db,
                institution=code,
                name=name,
                kind=outcome.kind,
                received_at=now,
                sha256=sha,
                due_at=outcome.due_at,
                result_name=outcome.result_name,
                content=data,
            )
            self._remember_evidence(db, code, name, now, outcome.evidence)
            if self.purge_finished and outcome.result_name is None:  # EI13: taken, nothing more to do
                self.state.forget_content(db, code, name)
                path.unlink(missing_ok=True)
            report.accepted.append(f"{code}/{name}")
            log.info("relay simulator: accepted %s/%s, result due %s", code, name, outcome.due_at)

    def _remember_evidence(
        self, db: sqlite3.Connection, code: str, name: str, received_at: datetime, items: Sequence[EvidenceItem]
    ) -> None:
        """Note each EI13 record's verdict for its (납부자번호, bank, account), as of the file's arrival."""
        for item in items:
            self.state.remember_evidence(
                db,
                institution=code,
                customer_no=item.customer_no,
                bank_code=item.bank_code,
                account_no=item.account_no,
                applied_on=item.applied_on,
                received_at=received_at,
                reason_code=item.reason_code,
                kind=item.kind,
                extension=item.extension,
                size=item.size,
                sha256=item.sha256,
                source=f"{name}#{item.sequence}",
            )

    def note_arrival(self, institution_code: str, name: str, data: bytes) -> None:
        """Record that ``name`` with these bytes arrives now; the uploader calls it just before the
        rename that publishes the file, so the pass that takes it uses this time, however late."""
        sha = hashlib.sha256(data).hexdigest()
        with self.state.transaction() as db:
            self.state.note_arrival(db, layout.check_institution_code(institution_code),
                                    layout.check_file_name(name), sha, self.now())

    def _arrival(self, db: sqlite3.Connection, code: str, name: str, sha: str, now: datetime) -> datetime:
        """When the file was uploaded: the noted arrival of exactly these bytes, else this pass's time.

        A noted time later than ``now`` (a clock set back) is not trusted: the pass's time is used.
        """
        noted = self.state.pop_arrival(db, code, name, sha)
        if noted is None or noted > now:
            return now
        if noted < now:
            log.info("relay simulator: %s/%s arrived at %s, taken at %s", code, name, noted, now)
        return noted

    def _purge_request(self, code: str, name: str) -> None:
        """The request's result is out: the simulated bank needs its copy no more (the state keeps
        the name, so it stays taken)."""
        path = self.institution_dir(code) / layout.SEND / name
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        self._verified.pop((code, name), None)

    def _refuse(self, code: str, path: Path, report: ErrorReport, now: datetime) -> None:
        """Write the error report, then move the request out of send/ so its name is free again."""
        base = self.institution_dir(code)
        recv = base / layout.RECV
        layout.private_dir(recv)
        layout.write_atomic(recv / layout.error_name(report.request_name), report.render(now).encode("utf-8"))
        if self.purge_finished:  # the sender keeps its own (sealed) copy; nobody needs this one
            path.unlink(missing_ok=True)
            return
        rejected = layout.private_dir(base / layout.SEND / layout.REJECTED)
        try:
            os.replace(path, rejected / path.name)
        except FileNotFoundError:
            pass

    def _refuse_duplicate(
        self,
        db: sqlite3.Connection,
        code: str,
        path: Path,
        original: Intake,
        now: datetime,
        sha: str,
        report: ProcessReport,
    ) -> None:
        """Other content arrived under an accepted name: refuse it and put the accepted file back."""
        reason = (
            f"같은 이름의 파일이 {original.received_at:%Y-%m-%d %H:%M}에 이미 접수되었습니다. "
            "파일 이름(EBxxMMDD_YYYY)은 한 번만 접수합니다"
        )
        error = ErrorReport(path.name, layout.TAG_DUPLICATE, reason)
        self._refuse(code, path, error, now)
        if original.content:  # purged once finished: then the name stays taken in the state alone
            layout.write_atomic(path, original.content)
        self.state.add_refusal(
            db,
            institution=code,
            name=path.name,
            received_at=now,
            sha256=sha,
            tag=error.tag,
            reason=reason,
        )
        report.refused.append((f"{code}/{path.name}", reason))
        log.warning("relay simulator: refused a second file named %s/%s", code, path.name)

    # --- results

    def _publish_due_results(self, now: datetime, report: ProcessReport) -> None:
        with self.state.transaction() as db:
            due = self.state.due_intakes(db, now)
        for intake in due:
            with self.state.transaction() as db:
                current = self.state.find_intake(db, intake.institution, intake.name)
                if current is None or current.status != "pending" or current.result_name is None:
                    continue  # published meanwhile by another process
                data = self._answer(db, current)
                recv = layout.private_dir(self.institution_dir(current.institution) / layout.RECV)
                layout.write_atomic(recv / current.result_name, data)
                self.state.mark_done(db, current.id, forget_content=self.purge_finished)
                if self.purge_finished:
                    self._purge_request(current.institution, current.name)
            report.produced.append(f"{current.institution}/{current.result_name}")
            log.info("relay simulator: published %s/%s", current.institution, current.result_name)

    def _answer(self, db: sqlite3.Connection, intake: Intake) -> bytes:
        assert intake.due_at is not None
        if intake.kind == "EB13":
            return self._answer_registrations(db, intake, intake.due_at)
        return self._answer_debits(db, intake, intake.due_at)

    def _answer_registrations(self, db: sqlite3.Connection, intake: Intake, at: datetime) -> bytes:
        request = decode_eb13(intake.content, intake.name)
        state, code = self.state, intake.institution
        answered = []
        for rec in request.records:
            bank = rec.bank_branch_code[:3]
            pair = (code, rec.customer_no, bank, rec.account_no)
            registered = state.registered(db, *pair, at)
            reason = registration_verdict(rec.request_kind, rec.account_no, registered)
            if rec.request_kind == RegistrationKind.NEW:
                reason = evidence_verdict(state, *pair, db=db, as_of=intake.received_at) or reason
            if reason is None:
                if rec.request_kind == RegistrationKind.NEW:
                    state.register(db, *pair, at, f"{intake.name}#{rec.sequence}")
                else:
                    state.cancel(db, *pair, at)
                answered.append(dataclasses.replace(rec, result_flag=REGISTRATION_ACCEPTED, reason_code=None))
            else:
                answered.append(dataclasses.replace(rec, result_flag=REGISTRATION_REJECTED, reason_code=reason))
        return encode_eb14(request.header, answered)

    def _answer_debits(self, db: sqlite3.Connection, intake: Intake, at: datetime) -> bytes:
        request = decode_eb21(intake.content, intake.name)
        if self.processing_delay is None:
            # The bank debits at the start of the debit day: a registration must be in force by then.
            as_of = min(seoul_datetime(request.header.debit_date, time(0, 0)), at)
        else:
            as_of = at
        failed = []
        for rec in request.records:
            registered = self.state.registered(
                db,
                intake.institution,
                rec.customer_no,
                rec.bank_branch_code[:3],
                rec.account_no,
                as_of,
            )
            verdict = debit_verdict(
                account_no=rec.account_no,
                amount=rec.amount,
                withdrawal_mode=rec.withdrawal_mode,
                registered=registered,
                random_failure=seeded_failure(
                    self.seed, self.failure_rate, intake.institution, intake.name, rec.sequence
                ),
            )
            if verdict.failed_amount:
                failed.append(
                    dataclasses.replace(
                        rec,
                        amount=verdict.failed_amount,
                        result_flag=DEBIT_PARTIAL if verdict.partial else DEBIT_FAILED,
                        reason_code=verdict.reason_code,
                    )
                )
        return encode_eb22(request.header, failed)

