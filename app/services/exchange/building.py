"""Building request files (EI13, EB13, EB21): the queued rows taken, numbered, encoded and sealed at once.

ONE transaction, serialised per contract, inserts the transmission (생성), takes the queued rows —
`transmission_id` and `seq_no` 1..n in id order set by one conditional UPDATE that skips any row no
longer queued and free, so a row is never in two files — and, while the database does that, reads
the same rows (PostgreSQL: on a second connection, checked id for id against what was taken),
decrypts the accounts, encodes the file with the codec and stores its bytes — sealed with the data
key (AES-GCM over zlib, beside the taking, so it adds little to the build) — and their SHA-256.
Either all of that commits or none of it (a row that changed meanwhile means: roll back, build again).
From then on the file is immutable: it is never rebuilt, only (re)uploaded (`sending`). Rows stay
WAITING; they become SENT only once the relay has the file. A row the file cannot carry (an amount
under 140원, an account that does not decrypt) is left queued and reported, not sent half-right.

An EB13 takes a 신규 only when its agreement's standing evidence was accepted
(`registrations.evidence_ready`); `ignore_evidence` sends one without (tests only: the agency then
refuses it with 0078). An EI13 carries the consent evidence waiting to be sent, capped per file.

Which rows each kind of file carries, and their waiting and sent states (`row_model`, `carried_by`),
are here too: the uploader moves the same rows on.

A crash-test hook (`KSCMS_CRASH_PAUSE=step:marker-file`, steps ``building``, ``built``, ``sending``,
``uploaded``) makes a process stop dead at that step so a test can kill -9 it there; unset, it does
nothing.
"""

from __future__ import annotations

import logging
import os
import time as _time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    CursorResult,
    Select,
    exists,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import (
    AccountRegistration,
    AgreementStatus,
    ConsentEvidence,
    Customer,
    DebitAgreement,
    DebitRequest,
    Direction,
    EvidenceState,
    FileKind,
    RegistrationKind,
    RegistrationState,
    RequestState,
    Transmission,
    TransmissionState,
)
from app.models.base import Key, utcnow
from app.services.collection.registrations import evidence_ready
from app.services.common.calendar import SEOUL
from app.services.common.crypto import DataKey, DecryptionError
from app.services.common.errors import ServiceError
from app.services.exchange.cms import (
    CmsValueError,
    DebitHeader,
    DebitRecord,
    Ei13Header,
    Ei13Record,
    RegistrationHeader,
    RegistrationRecord,
    WithdrawalMode,
    branch_code,
    encode_eb13,
    encode_eb21,
    encode_ei13,
    remote_name,
)
from app.services.exchange.cms import RegistrationKind as CmsRegistrationKind
from app.services.exchange.leases import serialized
from app.services.exchange.transmissions import (
    BANK_FILE_PURPOSE,
    ContractInfo,
    require_key,
    sha256_hex,
)

log = logging.getLogger(__name__)

Encoded = tuple[bytes, int, int]  # file content, record count, total amount
Sealed = tuple[bytes, str, int, int]  # sealed content, SHA-256 of the plaintext, record count, total amount
T = TypeVar("T")
U = TypeVar("U")

CRASH_PAUSE_ENV = "KSCMS_CRASH_PAUSE"
MAX_EXCLUSIONS = 50
MAX_GAP_RETRIES = 3
MAX_FILE_AMOUNT = 10**13 - 1
"""The EB21 trailer's amount field is N 13. `debits` refuses a day over it at request time
(`debits.EB21_CAPACITY`); this is the last guard, for rows queued some other way."""
MAX_EI13_BYTES = 64 * 1024 * 1024
MAX_EI13_RECORDS = 30_000
"""One EI13 carries at most this much evidence: a backlog of 300 KB forms would otherwise make a file
of gigabytes, held in memory three times while it is built (and the ids of a capped file are one IN
list, which SQLite bounds at 32,766). What does not fit waits for the next day's file; evidence a
queued 신규 waits for goes first, so a backlog of old forms never delays a registration."""

_KIND_CODES = {
    RegistrationKind.NEW: CmsRegistrationKind.NEW,
    RegistrationKind.CANCEL: CmsRegistrationKind.CANCEL,
    RegistrationKind.ARBITRARY_CANCEL: CmsRegistrationKind.FORCED_CANCEL,
}


def crash_pause(step: str) -> None:
    """Stop here forever when KSCMS_CRASH_PAUSE names this step (crash tests kill the process)."""
    wanted = os.environ.get(CRASH_PAUSE_ENV)
    if not wanted:
        return
    name, _, marker = wanted.partition(":")
    if name != step:
        return
    if marker:
        Path(marker).write_text(f"{step} {os.getpid()}\n", encoding="utf-8")
    while True:  # pragma: no cover - only ever left by SIGKILL
        _time.sleep(60)


# --- the rows each kind of file carries ----------------------------------------------------------

RowModel = type[AccountRegistration] | type[DebitRequest] | type[ConsentEvidence]
RowState = RegistrationState | RequestState | EvidenceState

_MODELS: dict[FileKind, RowModel] = {FileKind.EB13: AccountRegistration, FileKind.EB21: DebitRequest,
                                     FileKind.EI13: ConsentEvidence}
_WAITING: dict[RowModel, RowState] = {AccountRegistration: RegistrationState.WAITING,
                                      DebitRequest: RequestState.WAITING, ConsentEvidence: EvidenceState.WAITING}
_SENT: dict[RowModel, RowState] = {AccountRegistration: RegistrationState.SENT, DebitRequest: RequestState.SENT,
                                   ConsentEvidence: EvidenceState.SENT}


def row_model(kind: FileKind) -> RowModel:
    """The table of the rows a request file of `kind` carries."""
    return _MODELS[kind]


def waiting_state(kind: FileKind) -> RowState:
    """The state of a row queued for (or carried by, not yet sent in) a file of `kind`."""
    return _WAITING[_MODELS[kind]]


def sent_state(kind: FileKind) -> RowState:
    """The state of a row once the relay holds its file of `kind`."""
    return _SENT[_MODELS[kind]]


def carried_by(kind: FileKind, tid: Key[int], contract_id: Key[int], file_date: Key[date]
               ) -> list[ColumnElement[bool]]:
    """Conditions for the rows a request file of `kind` carries (evidence: by its file alone)."""
    model = row_model(kind)
    if model is AccountRegistration:
        return AccountRegistration.carried_by(tid, contract_id, file_date)
    if model is DebitRequest:
        return DebitRequest.carried_by(tid, contract_id, file_date)
    return [ConsentEvidence.transmission_id == tid]


# --- results of the steps -----------------------------------------------------------------------


@dataclass(frozen=True)
class Excluded:
    """A queued row left out of a file because the file cannot carry it; it stays queued."""

    row_id: int
    reason: str


@dataclass(frozen=True)
class BuiltFile:
    transmission_id: int
    kind: FileKind
    remote_name: str
    file_date: date
    record_count: int
    total_amount: int
    excluded: tuple[Excluded, ...] = ()


@dataclass(frozen=True)
class BuildBlocked:
    """A file of that name exists already, so rows queued since cannot go under that name."""

    kind: FileKind
    remote_name: str
    existing_id: int
    waiting: int


class _NothingQueued(Exception):
    """Raised inside the build transaction to roll back the transmission row when no row was taken."""


class _Gap(Exception):
    """A row changed between numbering and taking (a concurrent edit): roll back and build again."""


class _BadRow(Exception):
    def __init__(self, row_id: int, reason: str) -> None:
        super().__init__(reason)
        self.row_id = row_id
        self.reason = reason


# --- building -----------------------------------------------------------------------------------


def build_registration_file(
    db: Database,
    contract: ContractInfo,
    send_day: date,
    key: DataKey,
    *,
    queued_before: datetime | None = None,
    now: datetime | None = None,
    ignore_evidence: bool = False,
) -> BuiltFile | BuildBlocked | None:
    """EB13 of `send_day` from the contract's queued registrations (created before `queued_before`).

    A 신규 is taken only when its agreement's standing consent evidence was accepted (EI13); the
    others stay queued, held (`registrations.evidence_holds` says why). `ignore_evidence` takes them
    anyway — only for a test proving that the agency then refuses them (0078); no screen offers it.

    None when nothing is queued. BuildBlocked when that day's EB13 exists already (its rows wait for
    the next business day's file).
    """
    criteria: list[ColumnElement[bool]] = [
        AccountRegistration.contract_id == contract.id,
        AccountRegistration.state == RegistrationState.WAITING,
        AccountRegistration.transmission_id.is_(None),
    ]
    if not ignore_evidence:
        criteria.append(evidence_ready())
    if queued_before is not None:
        criteria.append(AccountRegistration.created_at < queued_before)

    rows = (
        select(
            AccountRegistration.id, AccountRegistration.kind, AccountRegistration.bank_code,
            AccountRegistration.account_no_enc, AccountRegistration.holder_id, AccountRegistration.requested_on,
            Customer.customer_no,
        )
        .join(DebitAgreement, DebitAgreement.id == AccountRegistration.agreement_id)
        .join(Customer, Customer.id == DebitAgreement.customer_id)
    )

    def encode(found: Sequence[Any]) -> Encoded:
        built = [
            RegistrationRecord(
                sequence=seq,
                application_date=min(r.requested_on, send_day),
                request_kind=_KIND_CODES[r.kind],
                customer_no=r.customer_no,
                bank_branch_code=_branch(r.id, r.bank_code),
                account_no=_account(key, r.id, r.account_no_enc),
                holder_id=r.holder_id,
            )
            for seq, r in enumerate(found, start=1)
        ]
        content = _encode(lambda: encode_eb13(RegistrationHeader(contract.institution_code, send_day), built), found)
        return content, len(built), 0

    return _build(db, contract, FileKind.EB13, send_day, AccountRegistration, criteria, rows, _sealing(encode, key), now,
                  _rows)


def build_evidence_file(
    db: Database, contract: ContractInfo, send_day: date, key: DataKey, *, now: datetime | None = None
) -> BuiltFile | BuildBlocked | None:
    """EI13 of `send_day`: the contract's consent evidence waiting to be sent (증빙전송대기).

    Every waiting piece of an agreement in use goes, not only those a 신규 waits for: evidence
    attached for a payer registered long ago (a paper form scanned later) or for a registration to
    come is then on record with the agency too. Each record carries the agreement's 납부자번호, bank
    and account (decrypted like an EB13's), the 동의자료구분, the extension and the bytes opened with
    the data key and checked against their SHA-256; a piece that does not open is left waiting and
    reported. At most MAX_EI13_BYTES / MAX_EI13_RECORDS per file, those a 신규 waits for first.

    None when nothing waits. BuildBlocked when that day's EI13 exists already.
    """
    chosen, capped = _evidence_to_send(db, contract.id)
    if not chosen:
        return None
    criteria: list[ColumnElement[bool]] = [
        ConsentEvidence.contract_id == contract.id,
        ConsentEvidence.state == EvidenceState.WAITING,
        ConsentEvidence.transmission_id.is_(None),
        ConsentEvidence.content_enc.is_not(None),
        ConsentEvidence.agreement_id.in_(select(DebitAgreement.id).where(
            DebitAgreement.status == AgreementStatus.ACTIVE).scalar_subquery()),
    ]
    if capped:
        criteria.append(ConsentEvidence.id.in_(chosen))
    rows = (
        select(
            ConsentEvidence.id, ConsentEvidence.kind, ConsentEvidence.extension, ConsentEvidence.content_enc,
            ConsentEvidence.sha256, ConsentEvidence.attached_at, DebitAgreement.bank_code,
            DebitAgreement.account_no_enc, Customer.customer_no,
        )
        .join(DebitAgreement, DebitAgreement.id == ConsentEvidence.agreement_id)
        .join(Customer, Customer.id == DebitAgreement.customer_id)
    )

    def encode(found: Sequence[Any]) -> Encoded:
        built = [
            Ei13Record(
                sequence=seq,
                customer_no=r.customer_no,
                bank_code=r.bank_code,
                account_no=_account(key, r.id, r.account_no_enc),
                application_date=min(r.attached_at.astimezone(SEOUL).date(), send_day),
                kind=r.kind.value,
                extension=r.extension,
                content=_evidence_bytes(key, r.id, r.content_enc, r.sha256),
            )
            for seq, r in enumerate(found, start=1)
        ]
        content = _encode(lambda: encode_ei13(Ei13Header(contract.institution_code, send_day), built), found)
        return content, len(built), 0

    return _build(db, contract, FileKind.EI13, send_day, ConsentEvidence, criteria, rows,
                  _sealing(encode, key, compress=False), now, _rows)


def _evidence_to_send(db: Database, contract_id: int) -> tuple[list[int], bool]:
    """Ids of the waiting evidence the next EI13 carries, and whether that is less than all of it: of
    agreements in use, those a queued 신규 waits for first, then by id, within MAX_EI13_BYTES and
    MAX_EI13_RECORDS (at least one)."""
    wanted = exists().where(AccountRegistration.agreement_id == ConsentEvidence.agreement_id,
                            AccountRegistration.kind == RegistrationKind.NEW,
                            AccountRegistration.state == RegistrationState.WAITING,
                            AccountRegistration.transmission_id.is_(None))
    with db.session() as s:
        found = s.execute(
            select(ConsentEvidence.id, ConsentEvidence.size)
            .join(DebitAgreement, DebitAgreement.id == ConsentEvidence.agreement_id)
            .where(ConsentEvidence.contract_id == contract_id, ConsentEvidence.state == EvidenceState.WAITING,
                   ConsentEvidence.transmission_id.is_(None), ConsentEvidence.content_enc.is_not(None),
                   DebitAgreement.status == AgreementStatus.ACTIVE)
            .order_by(wanted.desc(), ConsentEvidence.id)
            .limit(MAX_EI13_RECORDS + 1)
        ).all()
    chosen: list[int] = []
    total = 0
    for evidence_id, size in found[:MAX_EI13_RECORDS]:
        if chosen and total + size > MAX_EI13_BYTES:
            break
        chosen.append(evidence_id)
        total += size
    return chosen, len(chosen) < len(found)


def _evidence_bytes(key: DataKey, row_id: int, sealed: bytes, sha256: str) -> bytes:
    """A piece of evidence as attached (its recorded SHA-256 checked), or _BadRow with the reason."""
    from app.services.customers.evidence.sealed import EVIDENCE_PURPOSE

    try:
        plain = key.open_bytes(sealed, EVIDENCE_PURPOSE)
    except DecryptionError:
        raise _BadRow(row_id, "동의자료를 풀 수 없습니다 (데이터 암호 키가 다르거나 자료가 손상됨)") from None
    if sha256_hex(plain) != sha256:
        raise _BadRow(row_id, "동의자료의 내용이 기록된 SHA-256과 다릅니다 (자료가 손상됨). 이체정보에서 다시 첨부하세요")
    return plain


def build_request_file(
    db: Database, contract: ContractInfo, debit_date: date, key: DataKey, *, now: datetime | None = None
) -> BuiltFile | BuildBlocked | None:
    """EB21 for `debit_date` from the contract's queued requests for that date (one file per date)."""
    criteria: list[ColumnElement[bool]] = [
        DebitRequest.contract_id == contract.id,
        DebitRequest.debit_date == debit_date,
        DebitRequest.state == RequestState.WAITING,
        DebitRequest.transmission_id.is_(None),
    ]

    rows = (
        select(
            DebitRequest.id, DebitRequest.amount, DebitAgreement.bank_code, DebitAgreement.account_no_enc,
            DebitAgreement.holder_id, Customer.customer_no,
        )
        .join(DebitAgreement, DebitAgreement.id == DebitRequest.agreement_id)
        .join(Customer, Customer.id == DebitAgreement.customer_id)
    )

    def encode(found: Sequence[Any]) -> Encoded:
        passbook = contract.passbook_text
        mode = WithdrawalMode.PARTIAL if contract.partial_debit else WithdrawalMode.FULL
        branches = {bank: _branch(rid, bank) for rid, _a, bank, *_rest in found}  # a handful of banks
        accounts = _accounts(key, found, 3)
        built = [
            DebitRecord(
                sequence=seq,
                bank_branch_code=branches[bank],
                account_no=account,
                amount=amount,
                holder_id=holder_id,
                passbook_text=passbook,
                customer_no=customer_no,
                withdrawal_mode=mode,
            )
            for seq, ((_rid, amount, bank, _blob, holder_id, customer_no), account)
            in enumerate(zip(found, accounts, strict=True), start=1)
        ]
        header = DebitHeader(
            contract.institution_code, debit_date, branch_code(contract.settlement_bank_code),
            contract.settlement_account_no,
        )
        content = _encode(lambda: encode_eb21(header, built), found)
        return content, len(built), sum(r.amount for r in built)

    return _build(db, contract, FileKind.EB21, debit_date, DebitRequest, criteria, rows, _sealing(encode, key), now,
                  _driver_rows)


def _sealing(encode: Callable[[Sequence[Any]], Encoded], key: DataKey | None, *,
             compress: bool = True) -> Callable[[Sequence[Any]], Sealed]:
    """`encode`, then seal the bytes for storage: the file is never held in the database in clear.

    Done where the encoding is done, so it too runs beside the taking of the rows. Refused before
    any work when there is no key (KeyMissingError, Korean). `compress` False for an EI13: JPEG,
    PDF and MP3 do not shrink, and zlib over megabytes of them would only cost time.
    """
    key = require_key(key)

    def sealed(found: Sequence[Any]) -> Sealed:
        content, count, amount = encode(found)
        return key.seal_bytes(content, BANK_FILE_PURPOSE, compress=compress), sha256_hex(content), count, amount

    return sealed


def _rows(conn: Connection, stmt: Select[*tuple[Any, ...]]) -> Sequence[Any]:
    """The rows, typed by SQLAlchemy (dates and the like converted)."""
    return conn.execute(stmt).all()


def _driver_rows(conn: Connection, stmt: Select[*tuple[Any, ...]]) -> Sequence[Any]:
    """The rows as plain driver tuples, for columns needing no conversion (numbers, text, bytes).

    An EB21 reads 100,000 of them: through the ORM session that took 0.6 s on PostgreSQL, through
    SQLAlchemy's Row objects 0.25 s, straight from the cursor 0.15 s (tests/bench/bench_sending.py).
    """
    result = conn.execute(stmt)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def _branch(row_id: int, bank: str) -> str:
    try:
        return branch_code(bank)
    except ValueError:
        raise _BadRow(row_id, f"은행코드가 올바르지 않습니다 ({bank})") from None


def _account(key: DataKey, row_id: int, blob: bytes) -> str:
    try:
        return key.decrypt(blob, "account_no")
    except DecryptionError:
        raise _BadRow(row_id, "계좌번호를 풀 수 없습니다 (데이터 암호 키가 다르거나 값이 손상됨)") from None


def _accounts(key: DataKey, found: Sequence[Any], column: int) -> list[str]:
    """Every row's account number, decrypted in one tight loop; the row that fails is named."""
    decrypt = key.decrypt
    try:
        return [decrypt(row[column], "account_no") for row in found]
    except DecryptionError:
        for row in found:
            _account(key, row[0], row[column])
        raise


def _encode(encode: Callable[[], bytes], rows: Sequence[Any]) -> bytes:
    """Encode, turning the codec's "record N is wrong" into "this row is wrong"."""
    try:
        return encode()
    except CmsValueError as error:
        index = (error.record_no or 0) - 2
        if 0 <= index < len(rows):
            raise _BadRow(rows[index][0], str(error)) from None
        raise


def _build(
    db: Database,
    contract: ContractInfo,
    kind: FileKind,
    file_date: date,
    model: RowModel,
    criteria: list[ColumnElement[bool]],
    rows: Select[*tuple[Any, ...]],
    encode: Callable[[Sequence[Any]], Sealed],
    now: datetime | None,
    fetch: Callable[[Connection, Select[*tuple[Any, ...]]], Sequence[Any]],
) -> BuiltFile | BuildBlocked | None:
    name = remote_name(kind, file_date)
    excluded: dict[int, str] = {}  # rows the file cannot carry, and why
    gaps = 0
    while True:
        try:
            return _build_once(db, contract, kind, file_date, name, model, criteria, rows, encode, excluded, now,
                               fetch)
        except _NothingQueued:
            return None
        except _Gap:
            gaps += 1
            if gaps > MAX_GAP_RETRIES:
                raise RuntimeError(f"{name}: rows kept changing while the file was built") from None
        except _BadRow as bad:
            if len(excluded) >= MAX_EXCLUSIONS:
                raise
            log.warning("%s %s: row %s left out: %s", kind, name, bad.row_id, bad.reason)
            excluded[bad.row_id] = bad.reason


def _build_once(
    db: Database,
    contract: ContractInfo,
    kind: FileKind,
    file_date: date,
    name: str,
    model: RowModel,
    criteria: list[ColumnElement[bool]],
    rows: Select[*tuple[Any, ...]],
    encode: Callable[[Sequence[Any]], Sealed],
    excluded: dict[int, str],
    now: datetime | None,
    fetch: Callable[[Connection, Select[*tuple[Any, ...]]], Sequence[Any]],
) -> BuiltFile | BuildBlocked:
    where = list(criteria)
    if excluded:
        where.append(model.id.not_in(list(excluded)))
    with serialized(db, f"build:{contract.id}") as s:
        existing = s.scalar(
            select(Transmission.id).where(
                Transmission.contract_id == contract.id, Transmission.kind == kind,
                Transmission.remote_name == name, Transmission.direction == Direction.SEND,
            )
        )
        if existing is not None:
            waiting = s.scalar(select(exists().where(*where)))
            if not waiting:
                raise _NothingQueued
            count = s.scalar(select(func.count()).select_from(model).where(*where)) or 0
            return BuildBlocked(kind, name, existing, int(count))
        t = Transmission(
            contract_id=contract.id, kind=kind, direction=Direction.SEND, state=TransmissionState.CREATED,
            file_name=name[:8], remote_name=name, file_date=file_date, created_at=now or utcnow(),
        )
        s.add(t)
        s.flush()
        chosen = rows.where(*where).order_by(model.id)
        if s.get_bind().dialect.name == "postgresql":
            _found, (sealed, sha, count, amount) = _take_and_encode_pg(db, s, model, where, t.id, chosen, fetch,
                                                                       encode)
        else:
            _found, (sealed, sha, count, amount) = _take_and_encode_sqlite(s, model, where, t.id, chosen, fetch,
                                                                           encode)
        crash_pause("building")  # rows taken, nothing committed yet
        if amount > MAX_FILE_AMOUNT:  # the trailer's 13-digit amount field
            raise ServiceError(f"{name} 파일의 합계 {amount:,}원이 한 파일에 기록할 수 있는 한도"
                               f"({MAX_FILE_AMOUNT:,}원)를 넘어 만들지 않았습니다. 관리자에게 문의하세요.")
        t.content, t.content_sealed, t.sha256 = sealed, True, sha
        t.record_count = count
        t.total_amount = amount
        log.info("built %s: %d records, %d won, sha256 %s", name, count, amount, t.sha256[:12])
        return BuiltFile(t.id, kind, name, file_date, count, amount,
                         tuple(Excluded(i, r) for i, r in excluded.items()))


def _take_and_encode_sqlite(
    s: Session, model: RowModel, where: list[ColumnElement[bool]], tid: int, chosen: Select[*tuple[Any, ...]],
    fetch: Callable[[Connection, Select[*tuple[Any, ...]]], Sequence[Any]], encode: Callable[[Sequence[Any]], Sealed],
) -> tuple[Sequence[Any], Sealed]:
    """Read the queued rows, then take them (numbered 1..n in id order, as `encode` numbers them)
    while this thread decrypts and encodes: SQLite works with the GIL released, so the two overlap.
    The session is not touched here until the taking is done."""
    found = fetch(s.connection(), chosen)
    if not found:
        raise _NothingQueued
    taken, encoded = _beside(lambda: _take(s, model, where, found, tid), lambda: encode(found))
    if taken != len(found):
        raise _Gap
    return found, encoded


def _take_and_encode_pg(
    db: Database, s: Session, model: RowModel, where: list[ColumnElement[bool]], tid: int, chosen: Select[*tuple[Any, ...]],
    fetch: Callable[[Connection, Select[*tuple[Any, ...]]], Sequence[Any]], encode: Callable[[Sequence[Any]], Sealed],
) -> tuple[Sequence[Any], Sealed]:
    """Take the queued rows in this transaction while a second connection reads them for encoding.

    The taking numbers the rows itself (by id), so it needs nothing from the read and both start at
    once: the 100,000-row UPDATE (its FK check alone is 0.25 s) runs beside the read, decryption and
    encoding instead of after the read (tests/bench/bench_sending.py). The read sees what was
    committed when it began, the UPDATE what was committed when it began; the file is kept only if
    the ids the UPDATE took, in order, are exactly the ids read. A row queued or withdrawn in
    between makes them differ: the transaction rolls back and the file is built again.
    """
    def read_and_encode() -> tuple[Sequence[Any], Sealed]:
        with db.engine.connect() as aside:  # rolled back on leaving: it only reads
            aside.execute(text("SET LOCAL work_mem = '64MB'"))  # the id sort of 100,000 wide rows, in memory
            rows = fetch(aside, chosen)
        return rows, (encode(rows) if rows else (b"", "", 0, 0))

    taken, (found, encoded) = _beside(lambda: _take_numbered(s, model, where, tid), read_and_encode)
    if taken != [row[0] for row in found]:
        raise _Gap
    if not found:
        raise _NothingQueued
    return found, encoded


def _beside(take: Callable[[], T], work: Callable[[], U]) -> tuple[T, U]:
    """Run `take` (the database's UPDATE, which releases the GIL) on a worker thread while this thread
    does `work`; if `work` fails, the taking is waited for before the failure goes on, so the session
    is never left mid-statement for the rollback."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="take-rows") as pool:
        taking = pool.submit(take)
        try:
            done = work()
        except BaseException:
            wait([taking])
            raise
        return taking.result(), done


def _taken_values(model: RowModel) -> dict[str, object]:
    """What else taking sets: evidence in an EI13 is 증빙전송중 at once (the clerk sees it is on its
    way); registrations and requests stay WAITING until the relay has their file."""
    return {"state": EvidenceState.SENT} if model is ConsentEvidence else {}


def _take_numbered(s: Session, model: RowModel, where: list[ColumnElement[bool]], tid: int) -> list[int]:
    """PostgreSQL: mark the queued rows as carried by file `tid`, numbered 1..n by id; the ids taken, in order.

    A row no longer queued and free when the UPDATE reaches it (a clerk withdrew it at that moment)
    is skipped, so the ids fall short of the read and the caller builds again. No index holds the
    columns set here, so these are HOT updates (migration 0005); `version_id` is bumped, so a
    clerk's stale edit of a taken row fails.
    """
    waiting = _WAITING[model]
    numbered = (select(model.id.label("rid"), func.row_number().over(order_by=model.id).label("seq"))
                .where(*where).cte("numbered").prefix_with("MATERIALIZED"))
    values: dict[str, object] = {"transmission_id": tid, "seq_no": numbered.c.seq, **_taken_values(model)}
    version = getattr(model, "version_id", None)
    if version is not None:
        values["version_id"] = version + 1
    taken = (update(model).where(model.id == numbered.c.rid, model.state == waiting, model.transmission_id.is_(None))
             .values(**values).returning(model.id).cte("taken"))
    ids = s.execute(select(func.array_agg(aggregate_order_by(taken.c.id, taken.c.id)))).scalar()
    return list(ids or [])


def _take(s: Session, model: RowModel, where: list[ColumnElement[bool]], found: Sequence[Any], tid: int) -> int:
    """SQLite: mark the rows `found` (queued, in id order) as carried by file `tid`, numbered 1..n; how many.

    The transaction holds the database's write lock, so the rows cannot change under us and one
    UPDATE numbers them with a window function. It bumps `version_id`, so a clerk's stale edit of a
    taken row fails.
    """
    ranked = (select(model.id.label("rid"), func.row_number().over(order_by=model.id).label("rn"))
              .where(*where).subquery())
    values: dict[str, object] = {"transmission_id": tid, "seq_no": ranked.c.rn, **_taken_values(model)}
    version = getattr(model, "version_id", None)
    if version is not None:
        values["version_id"] = version + 1
    result = s.execute(update(model).where(model.id == ranked.c.rid).values(**values)
                       .execution_options(synchronize_session=False))
    return int(cast("CursorResult[Any]", result).rowcount or 0)
