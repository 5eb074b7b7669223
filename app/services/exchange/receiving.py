"""Fetching result files (EB14, EB22) and applying each one whole, once, or refusing it whole.

A result file is matched to the request file it answers by name (EB14MMDD_YYYY ↔ EB13MMDD_YYYY,
EB22 ↔ EB21), decoded strictly and checked against the stored request bytes (codec
``check_result``: same institution, same date, every sequence number known, echoed fields equal).
Then, in ONE transaction, every row of the request file gets its outcome — registrations 완료 or
미완료 with the reason; requests debited (Payment DEBIT + LedgerEntry DEBIT per charge), failed
(LedgerEntry FAIL) or partly debited (both) — the request's lines are closed, and the result file
is stored (반영완료) next to the request file. Bulk Core statements do the writing, so 100,000
records apply in seconds.

Idempotent: a file whose SHA-256 is already stored is not applied again (only acknowledged again,
in case the first acknowledgement was lost). A file that does not decode or does not match is
refused: kept with its bytes and the reason as a received file in state 오류, nothing else changes,
and it stays on the relay (not acknowledged) for the agency to look at and replace.

Every step needs the data key: the request file is stored sealed and must be opened to check a
result against it, and the result is stored sealed too. Without the key nothing is downloaded or
stored (the pass reports `KEY_MISSING` in Korean); nothing is ever kept in clear.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import (
    AccountRegistration,
    DebitRequest,
    DebitRequestLine,
    Direction,
    FileKind,
    LedgerEntry,
    LedgerKind,
    Payment,
    PaymentMethod,
    RegistrationState,
    RequestState,
    Transmission,
    TransmissionState,
)
from app.models.base import table_of, utcnow
from app.services.collection import month_lock
from app.services.common.crypto import DataKey, DecryptionError
from app.services.common.errors import MonthClosedError
from app.services.common.periods import month_of
from app.services.exchange.cms import (
    CmsError,
    DebitOutcome,
    Eb13File,
    Eb21File,
    debit_outcomes,
    decode_eb13,
    decode_eb14,
    decode_eb21,
    decode_eb22,
    parse_remote_name,
    registration_outcomes,
    remote_name,
)
from app.services.exchange.leases import bulk_insert, bulk_update, serialized
from app.services.exchange.relay.base import RelayError, RelayRejectedError, Transport
from app.services.exchange.sending import give_up
from app.services.exchange.transmissions import (
    AWAITING_STATES,
    KEY_MISSING,
    REQUEST_OF,
    ContractInfo,
    free_name,
    open_content,
    require_key,
    seal_content,
    sha256_hex,
)

log = logging.getLogger(__name__)

SYSTEM_USER = "system"


class ApplyStatus(Enum):
    APPLIED = "APPLIED"  # applied now
    ALREADY = "ALREADY"  # this exact file was applied before
    REFUSED = "REFUSED"  # does not decode or does not answer its request: kept as 오류
    DEFERRED = "DEFERRED"  # its request file is not yet confirmed sent; try again later
    IGNORED = "IGNORED"  # not a result file this program reads


@dataclass(frozen=True)
class ApplyOutcome:
    remote_name: str
    status: ApplyStatus
    message: str
    transmission_id: int | None = None
    records: int = 0  # rows of the request file that got an outcome
    done: int = 0
    failed: int = 0
    debited_amount: int = 0


@dataclass
class FetchReport:
    outcomes: list[ApplyOutcome] = field(default_factory=list)
    error: str | None = None  # the relay could not be reached
    acknowledge_errors: list[str] = field(default_factory=list)

    @property
    def applied(self) -> list[ApplyOutcome]:
        return [o for o in self.outcomes if o.status == ApplyStatus.APPLIED]

    @property
    def refused(self) -> list[ApplyOutcome]:
        return [o for o in self.outcomes if o.status == ApplyStatus.REFUSED]


class _Already(Exception):
    """This very file was applied meanwhile (by another process that got the lock first)."""

    def __init__(self, transmission_id: int) -> None:
        super().__init__(transmission_id)
        self.transmission_id = transmission_id


class _Refuse(Exception):
    def __init__(self, message: str, answers_id: int | None = None, records: int = 0, amount: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.answers_id = answers_id
        self.records = records
        self.amount = amount


# --- fetching -----------------------------------------------------------------------------------


def fetch_results(
    db: Database,
    transport: Transport,
    contract: ContractInfo,
    *,
    key: DataKey | None,
    now: Callable[[], datetime] = utcnow,
    expected: Iterable[str] = (),
) -> FetchReport:
    """Download every result file the relay lists, plus the `expected` result names, and apply each.

    Asking for an expected name directly matters: a relay that refuses a request after taking it
    publishes no result, only an error report, which ``download`` raises as RelayRejectedError; the
    request file is then marked 오류 and its rows go back to the queue (`release_refused`).
    Without the data key nothing is fetched: the report's error says so.
    """
    report = FetchReport()
    if key is None:
        report.error = KEY_MISSING
        return report
    try:
        listed = set(transport.list_results())
    except RelayError as error:
        report.error = f"중계서버에서 결과 파일 목록을 받지 못했습니다: {error.message}"
        return report
    wanted = set(expected)
    for name in sorted(listed | wanted):
        try:
            kind = parse_remote_name(name).kind
        except CmsError:
            continue
        if kind not in REQUEST_OF:
            continue
        try:
            data = transport.download(name)
        except RelayRejectedError as error:
            if name in wanted:
                report.outcomes.append(release_refused(db, contract, name, error.message))
            continue
        except RelayError as error:
            report.error = f"결과 파일 {name}을(를) 받지 못했습니다: {error.message}"
            continue
        if data is None:
            continue
        outcome = apply_result(db, contract, name, data, now=now(), key=key)
        report.outcomes.append(outcome)
        if outcome.status in (ApplyStatus.APPLIED, ApplyStatus.ALREADY):
            try:
                transport.acknowledge(name)
            except RelayError as error:
                # Applied all the same; the next fetch sees the file again, knows it, and retries this.
                report.acknowledge_errors.append(f"{name}: {error.message}")
    return report


def release_refused(db: Database, contract: ContractInfo, result_name: str, reason: str) -> ApplyOutcome:
    """The relay refused our request file after taking it: 오류 with its reason, rows back in the queue."""
    parsed = parse_remote_name(result_name)
    request_name = remote_name(REQUEST_OF[parsed.kind], parsed.day)
    with db.session() as s:
        send_id = s.scalar(
            select(Transmission.id).where(
                Transmission.contract_id == contract.id, Transmission.remote_name == request_name,
                Transmission.direction == Direction.SEND, Transmission.state.in_(AWAITING_STATES),
            )
        )
    if send_id is None:
        return ApplyOutcome(result_name, ApplyStatus.IGNORED, reason)
    message = f"중계서버가 파일을 거부했습니다: {reason}"
    give_up(db, send_id, message)
    return ApplyOutcome(result_name, ApplyStatus.REFUSED, message, send_id)


# --- applying -----------------------------------------------------------------------------------


def apply_result(
    db: Database, contract: ContractInfo, name: str, data: bytes, *, now: datetime, key: DataKey | None
) -> ApplyOutcome:
    """Apply one result file to the contract; see the module docstring for every outcome.

    `key` opens the request file and seals the result for storage; without it KeyMissingError.
    """
    key = require_key(key)
    sha = sha256_hex(data)
    known = _known(db, contract.id, name, sha)
    if known is not None:
        return known
    try:
        parsed = parse_remote_name(name)
    except CmsError as error:
        return ApplyOutcome(name, ApplyStatus.IGNORED, str(error))
    request_kind = REQUEST_OF.get(parsed.kind)
    if request_kind is None:
        return ApplyOutcome(name, ApplyStatus.IGNORED, f"{parsed.kind} 파일은 결과 파일이 아닙니다.")
    request_name = remote_name(request_kind, parsed.day)
    with db.session() as s:
        send = s.scalar(
            select(Transmission).where(
                Transmission.contract_id == contract.id, Transmission.kind == request_kind,
                Transmission.remote_name == request_name, Transmission.direction == Direction.SEND,
            )
        )
        send_id = send.id if send else None
        send_state = send.state if send else None
        stored = (send.content, send.content_sealed) if send else (None, False)
    try:
        try:
            request_bytes = open_content(*stored, key)
        except DecryptionError as error:
            raise _Refuse(f"송신 파일 {request_name}을(를) 열 수 없습니다: {error.message}", send_id) from None
        if send_id is None:
            raise _Refuse(f"이 결과에 해당하는 송신 파일({request_name})이 없습니다.")
        if send_state == TransmissionState.APPLIED:
            raise _Refuse(f"송신 파일 {request_name}의 결과는 이미 다른 결과 파일로 반영했습니다.", send_id)
        if send_state not in AWAITING_STATES:
            return ApplyOutcome(name, ApplyStatus.DEFERRED, f"송신 파일 {request_name}의 송신 확인 전입니다.", send_id)
        if parsed.kind == "EB14":
            return _apply_registrations(db, contract, name, data, sha, send_id, request_bytes, request_name, now, key)
        return _apply_debits(db, contract, name, data, sha, send_id, request_bytes, request_name, now, key)
    except _Already as already:
        return ApplyOutcome(name, ApplyStatus.ALREADY, "이미 반영한 결과 파일입니다.", already.transmission_id)
    except _Refuse as refusal:
        if refusal.answers_id is None:
            refusal.answers_id = send_id  # the request file it claims to answer, for the screen
        return _store_refusal(db, contract, name, parsed.kind, parsed.day, data, refusal, now, key)


def _known(db: Database, contract_id: int, name: str, sha: str) -> ApplyOutcome | None:
    """This exact file (same bytes) was seen before under this name: applied, or refused."""
    with db.session() as s:
        row = s.execute(
            select(Transmission.id, Transmission.state, Transmission.error).where(
                Transmission.contract_id == contract_id,
                Transmission.direction == Direction.RECEIVE,
                Transmission.sha256 == sha,
                or_(Transmission.remote_name == name, Transmission.remote_name.like(f"{name}#%")),
            )
        ).first()
    if row is None:
        return None
    if row.state == TransmissionState.ERROR:
        return ApplyOutcome(name, ApplyStatus.REFUSED, row.error or "", row.id)
    return ApplyOutcome(name, ApplyStatus.ALREADY, "이미 반영한 결과 파일입니다.", row.id)


def _decode_pair(kind: str, name: str, data: bytes, request_name: str, request_bytes: bytes) -> tuple[Any, Any]:
    try:
        request: Eb13File | Eb21File = (decode_eb13 if kind == "EB14" else decode_eb21)(request_bytes, request_name)
    except CmsError as error:  # our own stored file: should never happen, refuse rather than guess
        raise _Refuse(f"송신 파일 {request_name}을(를) 읽을 수 없습니다: {error}") from None
    try:
        result = (decode_eb14 if kind == "EB14" else decode_eb22)(data, name)
    except CmsError as error:
        raise _Refuse(str(error), records=0) from None
    return request, result


def _lock_send(s: Session, send_id: int, sha: str) -> Transmission:
    """The request file, locked; re-checked now that no one else can be applying to it."""
    send = s.scalar(select(Transmission).where(Transmission.id == send_id).with_for_update())
    assert send is not None
    if send.state == TransmissionState.APPLIED:
        same = s.scalar(
            select(Transmission.id).where(
                Transmission.answers_id == send_id, Transmission.sha256 == sha,
                Transmission.state == TransmissionState.APPLIED,
            )
        )
        if same is not None:
            raise _Already(same)
        raise _Refuse(f"송신 파일 {send.remote_name}의 결과는 이미 다른 결과 파일로 반영했습니다.", send_id)
    return send


def _check_rows(found: Iterable[tuple[int, int | None]], sequences: set[int], request_name: str,
                send_id: int) -> dict[int, int]:
    """seq_no → row id for the rows the request file carried; refuse if they are not exactly those."""
    by_seq: dict[int | None, int] = {}
    for row_id, seq in found:
        by_seq[seq] = row_id
    if set(by_seq) != sequences:
        raise _Refuse(
            f"송신 파일 {request_name}의 {len(sequences)}건과 결과를 기다리는 건({len(by_seq)}건)이 맞지 않아 "
            "반영하지 않았습니다. 관리자에게 문의하세요.",
            send_id,
        )
    return {seq: row_id for seq, row_id in by_seq.items() if seq is not None}  # all of them, once they matched


def _receive_row(
    s: Session, contract: ContractInfo, name: str, kind: str, day: date, data: bytes, key: DataKey,
    answers_id: int | None, state: TransmissionState, now: datetime, *, records: int, amount: int,
    error: str | None = None,
) -> Transmission:
    """The received file's row, its bytes sealed (a result echoes every account of its request)."""
    t = Transmission(
        contract_id=contract.id, kind=FileKind(kind), direction=Direction.RECEIVE, state=state,
        file_name=name[:8], remote_name=free_name(s, contract.id, kind, Direction.RECEIVE, name), file_date=day,
        record_count=records, total_amount=amount, answers_id=answers_id, error=error,
        created_at=now, received_at=now, applied_at=now if state == TransmissionState.APPLIED else None,
    )
    seal_content(t, data, key)
    s.add(t)
    s.flush()
    return t


def _store_refusal(
    db: Database, contract: ContractInfo, name: str, kind: str, day: date, data: bytes, refusal: _Refuse,
    now: datetime, key: DataKey,
) -> ApplyOutcome:
    message = f"결과 파일을 반영하지 않았습니다: {refusal.message}"
    with serialized(db, f"apply:{contract.id}") as s:
        t = _receive_row(s, contract, name, kind, day, data, key, refusal.answers_id, TransmissionState.ERROR, now,
                         records=refusal.records, amount=refusal.amount, error=message)
        tid = t.id
    log.warning("%s refused: %s", name, refusal.message)
    return ApplyOutcome(name, ApplyStatus.REFUSED, message, tid)


def _apply_registrations(
    db: Database, contract: ContractInfo, name: str, data: bytes, sha: str, send_id: int,
    request_bytes: bytes, request_name: str, now: datetime, key: DataKey,
) -> ApplyOutcome:
    request, result = _decode_pair("EB14", name, data, request_name, request_bytes)
    try:
        outcomes = registration_outcomes(request, result, name)
    except CmsError as error:
        raise _Refuse(str(error), send_id, len(result.records)) from None
    rejected = {seq: o.reason_code for seq, o in outcomes.items() if not o.accepted}
    with serialized(db, f"apply:{contract.id}") as s:
        send = _lock_send(s, send_id, sha)
        a = AccountRegistration
        found = s.execute(select(a.id, a.seq_no).where(a.transmission_id == send_id, a.state == RegistrationState.SENT))
        by_seq = _check_rows(found, set(outcomes), request_name, send_id)
        received = _receive_row(s, contract, name, "EB14", result.header.file_date, data, key, send_id,
                                TransmissionState.APPLIED, now, records=len(result.records), amount=0)
        s.execute(
            update(a).where(a.transmission_id == send_id, a.state == RegistrationState.SENT)
            .values(state=RegistrationState.DONE, reason_code=None, result_at=now)
            .execution_options(synchronize_session=False)
        )
        bulk_update(s.connection(), table_of(a), [
            {"id": by_seq[seq], "state": RegistrationState.FAILED.value, "reason_code": code}
            for seq, code in rejected.items()
        ])
        _finish_send(send, now)
        received_id = received.id
    log.info("%s applied: %d accepted, %d rejected", name, len(outcomes) - len(rejected), len(rejected))
    return ApplyOutcome(name, ApplyStatus.APPLIED, "반영했습니다.", received_id, len(outcomes),
                        len(outcomes) - len(rejected), len(rejected))


def _finish_send(send: Transmission, now: datetime) -> None:
    send.state = TransmissionState.APPLIED
    send.received_at = now
    send.applied_at = now
    send.error = None


def _apply_debits(
    db: Database, contract: ContractInfo, name: str, data: bytes, sha: str, send_id: int,
    request_bytes: bytes, request_name: str, now: datetime, key: DataKey,
) -> ApplyOutcome:
    request, result = _decode_pair("EB22", name, data, request_name, request_bytes)
    not_debited = sum(r.amount for r in result.records)
    try:
        outcomes = debit_outcomes(request, result, name)
    except CmsError as error:
        raise _Refuse(str(error), send_id, len(result.records), not_debited) from None
    debit_day = request.header.debit_date
    with db.session() as s:
        closed = month_lock.is_closed(s, contract.id, month_of(debit_day))
    if closed:
        return _closed_month(name, debit_day, send_id)
    try:
        return _apply_debit_rows(db, contract, name, data, sha, send_id, request_name, now, key, result, outcomes,
                                 debit_day, not_debited)
    except MonthClosedError:  # closed while this pass read the file: the database refused it whole
        return _closed_month(name, debit_day, send_id)


def _closed_month(name: str, debit_day: date, send_id: int) -> ApplyOutcome:
    """A result for a debit date of a closed month waits, unapplied, until an administrator reopens it:
    applying it would change the figures reported at the close (db/versions/0014_apartment.py)."""
    log.warning("%s not applied: its debit date %s is in a closed month", name, debit_day)
    return ApplyOutcome(name, ApplyStatus.DEFERRED,
                        f"출금일 {debit_day:%Y-%m-%d}이(가) 마감된 달({debit_day:%Y-%m})이라 반영하지 않았습니다. "
                        "관리자가 집계 > 월마감에서 사유를 적고 마감을 다시 열면 다음 수신 때 반영됩니다.", send_id)


def _apply_debit_rows(
    db: Database, contract: ContractInfo, name: str, data: bytes, sha: str, send_id: int, request_name: str,
    now: datetime, key: DataKey, result: Any, outcomes: dict[int, DebitOutcome], debit_day: date, not_debited: int,
) -> ApplyOutcome:
    with serialized(db, f"apply:{contract.id}") as s:
        send = _lock_send(s, send_id, sha)
        r = DebitRequest
        carried = r.carried_by(send_id, send.contract_id, send.file_date)
        found = s.execute(select(r.id, r.seq_no).where(*carried, r.state == RequestState.SENT))
        by_seq = _check_rows(found, set(outcomes), request_name, send_id)
        received = _receive_row(s, contract, name, "EB22", debit_day, data, key, send_id, TransmissionState.APPLIED,
                                now, records=len(result.records), amount=not_debited)
        conn = s.connection()
        # Every request of the file in one pass (one statement on PostgreSQL): updating all rows to
        # DONE and then the failures again would write the failed rows twice.
        bulk_update(conn, table_of(r), [
            {"id": by_seq[seq], "state": _request_state(o).value, "debited_amount": o.debited_amount,
             "reason_code": o.reason_code, "result_at": now}
            for seq, o in outcomes.items()
        ])
        unhappy = [o for o in outcomes.values() if o.failed_amount]
        debited = {by_seq[seq]: o.debited_amount for seq, o in outcomes.items()}
        _post_money(s, contract.id, carried, debited, debit_day, now)
        _finish_send(send, now)
        received_id = received.id
    failed = len(unhappy)
    total_debited = sum(debited.values())
    log.info("%s applied: %d debited in full, %d failed or partial", name, len(outcomes) - failed, failed)
    return ApplyOutcome(name, ApplyStatus.APPLIED, "반영했습니다.", received_id, len(outcomes),
                        len(outcomes) - failed, failed, total_debited)


def _request_state(outcome: DebitOutcome) -> RequestState:
    if not outcome.failed_amount:
        return RequestState.DONE
    return RequestState.PARTIAL if outcome.debited_amount else RequestState.FAILED


def _post_money(
    s: Session, contract_id: int, carried: list[ColumnElement[bool]], debited: dict[int, int], debit_day: date,
    now: datetime,
) -> None:
    """Payments and ledger rows for what each request debited and failed, charge by charge.

    A request may pay several charges (this month's and an older outstanding one); a partial debit
    pays its lines in order (oldest line first) and the rest of each line is a FAIL entry.
    """
    lines = s.execute(
        select(DebitRequestLine.id, DebitRequestLine.request_id, DebitRequestLine.charge_id, DebitRequestLine.amount)
        .join(DebitRequest, DebitRequest.id == DebitRequestLine.request_id)
        .where(*carried)
        .order_by(DebitRequestLine.request_id, DebitRequestLine.id)
    ).all()
    left = dict(debited)
    payments: list[dict[str, Any]] = []
    fails: list[dict[str, Any]] = []
    for _line_id, request_id, charge_id, amount in lines:
        paid = min(amount, left.get(request_id, 0))
        left[request_id] = left.get(request_id, 0) - paid
        if paid:
            payments.append({"contract_id": contract_id, "charge_id": charge_id, "method": PaymentMethod.DEBIT.value,
                             "amount": paid, "paid_on": debit_day, "debit_request_id": request_id,
                             "created_at": now, "created_by": SYSTEM_USER})
        if amount - paid:
            fails.append({"contract_id": contract_id, "charge_id": charge_id, "kind": LedgerKind.FAIL.value,
                          "amount": amount - paid, "entry_on": debit_day, "debit_request_id": request_id,
                          "payment_id": None, "note": None, "created_at": now, "created_by": SYSTEM_USER})
    conn = s.connection()
    made = bulk_insert(conn, table_of(Payment), payments, returning=("id", "debit_request_id", "charge_id"))
    payment_of = {(request_id, charge_id): pid for pid, request_id, charge_id in made}  # one line per (request, charge)
    ledger = [{"contract_id": contract_id, "charge_id": p["charge_id"], "kind": LedgerKind.DEBIT.value,
               "amount": p["amount"], "entry_on": debit_day, "debit_request_id": p["debit_request_id"],
               "payment_id": payment_of[(p["debit_request_id"], p["charge_id"])], "note": None, "created_at": now,
               "created_by": SYSTEM_USER} for p in payments]
    bulk_insert(conn, table_of(LedgerEntry), ledger + fails)
    conn.execute(
        update(table_of(DebitRequestLine))
        .where(table_of(DebitRequestLine).c.request_id.in_(
            select(DebitRequest.id).where(*carried).scalar_subquery()
        ))
        .values(is_open=False)
    )
