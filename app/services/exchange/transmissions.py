"""이체송수신현황: the files sent to and received from the relay, as the screen and the CLI show them.

Also the small facts the sending, receiving and scheduling modules share: a contract as they need
it (`ContractInfo`, with its business calendar), which result kind answers which request kind, and
when a result is due. Listing never loads file contents: a 100,000-record file is 15 MB, and the
screen wants counts. Counts and amounts per bank come from the rows linked to the file (the
registrations or requests it carried; for an EI13 the consent evidence, counted accepted or
refused), which is what the manual's screen means by "은행별".

Stored files are sealed with the data key (`seal_content` / `open_content`): an EB13 or EB21 holds
every payer's full account number and birth date, and a copied database, backup or pg_dump must
reveal neither. They are opened only where the bytes are needed — the decoded view, saving a
file, uploading it, checking a result against it — and never without the key: a missing key is
said in Korean (`KEY_MISSING`), nothing falls back to plaintext.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, cast

from sqlalchemy import and_, case, func, or_, select, text, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import (
    AccountRegistration,
    ConsentEvidence,
    Contract,
    DebitAgreement,
    DebitRequest,
    Direction,
    EvidenceState,
    FileKind,
    RegistrationState,
    RequestState,
    Transmission,
    TransmissionState,
)
from app.services.common import audit
from app.services.common.access import (
    CONTRACT_MISSING,
    contract_for,
    require_institution,
)
from app.services.common.calendar import BusinessCalendar
from app.services.common.contract_calendar import contract_calendar
from app.services.common.crypto import DataKey, DecryptionError
from app.services.common.errors import NotFoundError, ServiceError
from app.services.common.output_files import write_output
from app.services.common.session import Actor
from app.services.exchange.cms import (
    CmsError,
    CmsFile,
    bank_name,
    decode_eb13,
    decode_eb14,
    decode_eb21,
    decode_eb22,
    decode_file,
    describe,
    ei13,
)
from app.services.exchange.cms.ei13 import Ei13File, decode_ei13
from app.services.exchange.cms.fields import Value
from app.services.exchange.cms.tables import LAYOUTS

RESULT_OF: dict[str, str] = {"EB13": "EB14", "EB21": "EB22"}
"""The result kind that answers each request kind (EB14 ↔ EB13, EB22 ↔ EB21)."""
REQUEST_OF: dict[str, str] = {v: k for k, v in RESULT_OF.items()}

OPEN_SEND_STATES = (TransmissionState.CREATED, TransmissionState.SENDING, TransmissionState.ERROR)
AWAITING_STATES = (TransmissionState.SENT, TransmissionState.AWAITING)


# --- the contract as sending and receiving need it ---------------------------------------------


@dataclass(frozen=True)
class ContractInfo:
    """A contract's file-relevant facts, read once per pass (no ORM object leaves its session)."""

    id: int
    institution_id: int
    institution_code: str
    name: str
    settlement_bank_code: str
    settlement_account_no: str
    passbook_text: str
    registration_cutoff: time
    request_cutoff: time
    result_time: time
    calendar: BusinessCalendar
    partial_debit: bool = False  # 부분출금 허용: requests go out with 출금형태 '0'

    def result_due(self, kind: str, file_date: date) -> datetime:
        """When the answer to a request file of `kind` dated `file_date` can be fetched.

        EB13: the next business day after sending, at the result time; EB21: the business day after
        the debit date, at the result time (domain.md, timeline defaults).
        """
        if kind == "EB13":
            return self.calendar.registration_result_at(file_date, self.result_time)
        debit_day = self.calendar.business_day_on_or_after(file_date)
        return self.calendar.request_result_at(debit_day, self.result_time)


def contract_info(s: Session, contract_id: int) -> ContractInfo:
    contract = s.get(Contract, contract_id)
    if contract is None:
        raise NotFoundError(CONTRACT_MISSING)
    return ContractInfo(
        id=contract.id,
        institution_id=contract.institution_id,
        institution_code=contract.institution_code,
        name=contract.name,
        settlement_bank_code=contract.settlement_bank_code,
        settlement_account_no=contract.settlement_account_no,
        passbook_text=contract.passbook_text,
        registration_cutoff=contract.registration_cutoff,
        request_cutoff=contract.request_cutoff,
        result_time=contract.result_time,
        calendar=contract_calendar(s, contract_id, contract.year_end_closing),
        partial_debit=contract.partial_debit,
    )


def load_contract(db: Database, contract_id: int) -> ContractInfo:
    with db.session() as s:
        return contract_info(s, contract_id)


def active_contracts(db: Database) -> list[ContractInfo]:
    with db.session() as s:
        ids = s.scalars(select(Contract.id).where(Contract.active.is_(True)).order_by(Contract.id)).all()
        return [contract_info(s, i) for i in ids]


def check_contract(db: Database, actor: Actor, contract_id: int) -> ContractInfo:
    """The contract, if it belongs to the actor's institution (NotFoundError otherwise)."""
    info = load_contract(db, contract_id)
    require_institution(actor, info.institution_id, CONTRACT_MISSING)
    return info


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- sealed contents --------------------------------------------------------------------------

BANK_FILE_PURPOSE = "bank_file"
"""The associated data every stored bank file is sealed under (see ``DataKey.seal_bytes``)."""

KEY_MISSING = ("데이터 암호 키가 없어 은행 파일을 암호화하거나 열 수 없습니다. "
               "로그인해 데이터 암호 문구를 입력하거나 KSCMS_PASSPHRASE를 설정하세요.")
"""Said wherever a stored file would have to be written or read without the key."""


class KeyMissingError(ServiceError):
    """No data key: a bank file can be neither stored (never in clear) nor read."""

    def __init__(self) -> None:
        super().__init__(KEY_MISSING)


def require_key(key: DataKey | None) -> DataKey:
    """The key, or KeyMissingError (Korean) — the one check before any bank file is sealed or opened."""
    if key is None:
        raise KeyMissingError()
    return key


def seal_content(t: Transmission, data: bytes, key: DataKey | None) -> None:
    """Store a file's bytes on its row: sealed, flagged sealed, with the plaintext's SHA-256."""
    t.content = require_key(key).seal_bytes(data, BANK_FILE_PURPOSE)
    t.content_sealed = True
    t.sha256 = sha256_hex(data)


def open_content(content: bytes | None, sealed: bool, key: DataKey | None, *, sha256: str | None = None) -> bytes:
    """The plaintext of a stored file (b"" when it has none). DecryptionError (Korean) when it does
    not open with this key, or when `sha256` is given and the bytes are not the ones recorded (a
    file swapped between rows must not go to the bank). A row written before migration 0009 (not
    yet sealed) is returned as it is, but only to a holder of the key, whose unlock seals it
    (`seal_legacy_contents`)."""
    key = require_key(key)
    if content is None:
        return b""
    plain = key.open_bytes(content, BANK_FILE_PURPOSE) if sealed else bytes(content)
    if sha256 is not None and sha256_hex(plain) != sha256:
        raise DecryptionError("저장된 파일의 내용이 기록된 SHA-256과 다릅니다. 파일이 바뀌었거나 손상되었습니다. "
                              "관리자에게 문의하세요.")
    return plain


def seal_legacy_contents(db: Database, key: DataKey) -> int:
    """Seal every file stored in clear before migration 0009, all in ONE transaction; how many.

    Called at each unlock of the key (it costs one EXISTS query when there is nothing left).
    A failure rolls everything back, so the database is all plaintext-and-flagged or all sealed,
    never half. Each UPDATE is conditional on the row still being unsealed, so two PCs unlocking at
    once cannot seal a row twice. Rows are read one at a time: a file may be 15 MB.
    """
    pending = select(Transmission.id).where(Transmission.content_sealed.is_(False),
                                             Transmission.content.is_not(None))
    with db.session() as s:
        if s.scalar(pending.limit(1)) is None:
            return 0
    done = 0
    sqlite = db.engine.dialect.name == "sqlite"
    with db.session() as s:
        if sqlite:  # the freed plaintext pages are overwritten with zeros, not left readable in the file
            s.execute(text("PRAGMA secure_delete = ON"))
        for tid in s.scalars(pending.order_by(Transmission.id)).all():
            content = s.scalar(select(Transmission.content).where(Transmission.id == tid,
                                                                   Transmission.content_sealed.is_(False)))
            if content is None:
                continue
            plain = bytes(content)
            result = cast("CursorResult[Any]", s.execute(
                update(Transmission)
                .where(Transmission.id == tid, Transmission.content_sealed.is_(False))
                .values(content=key.seal_bytes(plain, BANK_FILE_PURPOSE), content_sealed=True,
                        sha256=func.coalesce(Transmission.sha256, sha256_hex(plain)),
                        version_id=Transmission.version_id + 1)
                .execution_options(synchronize_session=False)
            ))  # an UPDATE answers with a CursorResult, which counts the rows
            done += int(result.rowcount or 0)
        if sqlite:
            s.execute(text("PRAGMA secure_delete = OFF"))
    if sqlite:  # and the -wal that still holds them is emptied (best effort: a reader may hold it)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return done


def free_name(s: Session, contract_id: int, kind: str, direction: Direction, name: str) -> str:
    """`name` itself if no file of the contract has it yet, else ``name#2``, ``#3``…

    A remote name is unique per contract, kind and direction (one live file per name), but a file
    that was refused is kept beside the corrected one: refused request files move aside to a
    ``#n`` name (freeing the name), refused results are stored under one.
    """
    base = display_name(name)
    taken = set(
        s.scalars(
            select(Transmission.remote_name).where(
                Transmission.contract_id == contract_id, Transmission.kind == kind,
                Transmission.direction == direction,
                or_(Transmission.remote_name == base, Transmission.remote_name.like(f"{base}#%")),
            )
        )
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}#{n}" in taken:
        n += 1
    return f"{base}#{n}"


def display_name(remote_name: str) -> str:
    """A stored name without the ``#n`` a second refused copy of the same file gets (see receiving)."""
    return remote_name.split("#", 1)[0]


# --- listing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """Counts and won of the rows a file carried, overall or for one bank."""

    count: int = 0
    amount: int = 0
    done_count: int = 0
    done_amount: int = 0  # debited (EB21); 0 for registrations
    failed_count: int = 0  # failed or partially debited
    failed_amount: int = 0  # requested but not debited

    def __add__(self, other: Tally) -> Tally:
        return Tally(*(a + b for a, b in zip(dataclasses.astuple(self), dataclasses.astuple(other), strict=True)))


@dataclass(frozen=True)
class TransmissionRow:
    id: int
    direction: Direction
    kind: str
    kind_label: str
    file_name: str
    remote_name: str
    file_date: date
    state: TransmissionState
    state_label: str
    file_records: int  # data records in the file itself
    file_amount: int  # its amount total (EB21: requested; EB22: not debited)
    tally: Tally  # from the rows linked to the (request) file, for the chosen bank or all
    created_at: datetime
    sent_at: datetime | None
    received_at: datetime | None
    applied_at: datetime | None
    error: str | None
    answers_id: int | None
    sha256: str | None


@dataclass(frozen=True)
class BankTally:
    bank_code: str
    bank_name: str
    tally: Tally


def _tallies(s: Session, send_ids: Sequence[int], bank_code: str | None) -> dict[int, dict[str, Tally]]:
    """Per request file id, per bank code: the tally of its rows."""
    if not send_ids:
        return {}
    out: dict[int, dict[str, Tally]] = {}
    finished = (RequestState.FAILED, RequestState.PARTIAL)
    r = DebitRequest
    stmt = (
        select(
            Transmission.id,
            r.bank_code,
            func.count(),
            func.coalesce(func.sum(r.amount), 0),
            func.sum(case((r.state == RequestState.DONE, 1), else_=0)),
            func.coalesce(func.sum(r.debited_amount), 0),
            func.sum(case((r.state.in_(finished), 1), else_=0)),
            func.coalesce(func.sum(case((r.state.in_(finished), r.amount - r.debited_amount), else_=0)), 0),
        )
        .select_from(Transmission)
        .join(r, and_(*r.carried_by(Transmission.id, Transmission.contract_id, Transmission.file_date)))
        .where(Transmission.id.in_(send_ids))
        .group_by(Transmission.id, r.bank_code)
    )
    if bank_code:
        stmt = stmt.where(r.bank_code == bank_code)
    for tid, bank, *numbers in s.execute(stmt):
        out.setdefault(tid, {})[bank] = Tally(*(int(n or 0) for n in numbers))
    a = AccountRegistration
    stmt = (
        select(
            a.transmission_id,
            a.bank_code,
            func.count(),
            func.sum(case((a.state == RegistrationState.DONE, 1), else_=0)),
            func.sum(case((a.state == RegistrationState.FAILED, 1), else_=0)),
        )
        .where(a.transmission_id.in_(send_ids))
        .group_by(a.transmission_id, a.bank_code)
    )
    if bank_code:
        stmt = stmt.where(a.bank_code == bank_code)
    for tid, bank, count, done, failed in s.execute(stmt):
        out.setdefault(tid, {})[bank] = Tally(int(count), 0, int(done or 0), 0, int(failed or 0), 0)
    e = ConsentEvidence
    stmt = (
        select(
            e.transmission_id,
            DebitAgreement.bank_code,
            func.count(),
            func.sum(case((e.state == EvidenceState.ACCEPTED, 1), else_=0)),
            func.sum(case((e.state == EvidenceState.REJECTED, 1), else_=0)),
        )
        .join(DebitAgreement, DebitAgreement.id == e.agreement_id)
        .where(e.transmission_id.in_(send_ids))
        .group_by(e.transmission_id, DebitAgreement.bank_code)
    )
    if bank_code:
        stmt = stmt.where(DebitAgreement.bank_code == bank_code)
    for tid, bank, count, done, failed in s.execute(stmt):
        out.setdefault(tid, {})[bank] = Tally(int(count), 0, int(done or 0), 0, int(failed or 0), 0)
    return out


_LIST_COLUMNS = (
    Transmission.id, Transmission.direction, Transmission.kind, Transmission.file_name, Transmission.remote_name,
    Transmission.file_date, Transmission.state, Transmission.record_count, Transmission.total_amount,
    Transmission.created_at, Transmission.sent_at, Transmission.received_at, Transmission.applied_at,
    Transmission.error, Transmission.answers_id, Transmission.sha256,
)  # everything but the content


def list_transmissions(
    db: Database,
    actor: Actor,
    contract_id: int,
    *,
    first: date | None = None,
    last: date | None = None,
    bank_code: str | None = None,
) -> list[TransmissionRow]:
    """Files of a contract whose date (debit date, or send date for EB13/EB14) lies in [first, last].

    With `bank_code`, a file appears only if it carried rows of that bank, and its tally is that
    bank's; refused result files (오류) always appear, since they cannot be attributed to a bank.
    Newest first.
    """
    check_contract(db, actor, contract_id)
    stmt = select(*_LIST_COLUMNS).where(Transmission.contract_id == contract_id)
    if first:
        stmt = stmt.where(Transmission.file_date >= first)
    if last:
        stmt = stmt.where(Transmission.file_date <= last)
    stmt = stmt.order_by(Transmission.file_date.desc(), Transmission.id.desc())
    with db.session() as s:
        found = s.execute(stmt).all()
        send_ids = {row.answers_id if row.direction == Direction.RECEIVE else row.id for row in found}
        tallies = _tallies(s, [i for i in send_ids if i is not None], bank_code)
    rows: list[TransmissionRow] = []
    for t in found:
        send_id = t.answers_id if t.direction == Direction.RECEIVE else t.id
        by_bank = tallies.get(send_id, {}) if send_id is not None else {}
        refused = t.direction == Direction.RECEIVE and t.state == TransmissionState.ERROR
        if bank_code and not by_bank and not refused:
            continue
        tally = sum(by_bank.values(), Tally())
        rows.append(
            TransmissionRow(
                id=t.id, direction=t.direction, kind=str(t.kind), kind_label=FileKind(t.kind).label,
                file_name=t.file_name, remote_name=t.remote_name, file_date=t.file_date, state=t.state,
                state_label=t.state.label, file_records=t.record_count, file_amount=t.total_amount,
                tally=tally if not refused else Tally(), created_at=t.created_at, sent_at=t.sent_at,
                received_at=t.received_at, applied_at=t.applied_at, error=t.error, answers_id=t.answers_id,
                sha256=t.sha256,
            )
        )
    return rows


def bank_breakdown(db: Database, actor: Actor, transmission_id: int) -> list[BankTally]:
    """Per bank, the rows the file carried (for a result file: the rows of the file it answers)."""
    with db.session() as s:
        t = _get(s, actor, transmission_id)
        send_id = t.answers_id if t.direction == Direction.RECEIVE else t.id
        if send_id is None or (t.direction == Direction.RECEIVE and t.state == TransmissionState.ERROR):
            return []  # a refused result answered nothing
        by_bank = _tallies(s, [send_id], None).get(send_id, {})
    return [BankTally(code, bank_name(code), tally) for code, tally in sorted(by_bank.items())]


def _get(s: Session, actor: Actor, transmission_id: int) -> Transmission:
    t = s.get(Transmission, transmission_id)
    if t is None:
        raise NotFoundError("송수신 파일을 찾을 수 없습니다.")
    contract_for(s, actor, t.contract_id, "송수신 파일을 찾을 수 없습니다.")
    return t


def find_by_name(db: Database, actor: Actor, contract_id: int, remote_name: str) -> list[int]:
    """Ids of the files of a contract with this remote name (a refused copy counts too)."""
    check_contract(db, actor, contract_id)
    with db.session() as s:
        return list(
            s.scalars(
                select(Transmission.id).where(
                    Transmission.contract_id == contract_id,
                    or_(Transmission.remote_name == remote_name, Transmission.remote_name.like(f"{remote_name}#%")),
                )
            )
        )


# --- one file, decoded ------------------------------------------------------------------------


@dataclass(frozen=True)
class DecodedFile:
    """A stored file read back for display: masked rows (codec ``describe``) and what is wrong with it.

    Data rows are described page by page (`rows`), so a 100,000-record file opens at once.
    """

    row: TransmissionRow
    size: int
    columns: tuple[str, ...]  # data-record columns, '레코드' first
    header: dict[str, str]
    trailer: dict[str, str]
    record_count: int
    problems: tuple[str, ...]  # decode error, refusal reason, transmission error
    _file: CmsFile | Ei13File | None = None

    def rows(self, start: int, count: int) -> list[dict[str, str]]:
        if self._file is None:
            return []
        chunk = self._file.records[start : start + count]
        described = describe(dataclasses.replace(self._file, records=chunk))  # type: ignore[arg-type]  # mypy cannot replace() across a union of file types
        return described[1:-1]


def data_columns(kind: str) -> tuple[str, ...]:
    """Columns of the data records, without what every record repeats (record type, institution code,
    file name): the header line shows those once. An EI13 shows its evidence as length and SHA-256."""
    if kind == "EI13":
        return ei13.DATA_COLUMNS
    fields = LAYOUTS[kind].data.fields
    return tuple(f.name_ko for f in fields if not (f.is_filler or f.context or f.value is Value.FIXED))


_DECODERS: dict[str, Callable[[bytes, str], CmsFile | Ei13File]] = {
    "EB13": decode_eb13, "EB14": decode_eb14, "EB21": decode_eb21, "EB22": decode_eb22, "EI13": decode_ei13,
}


def decode_stored(db: Database, actor: Actor, transmission_id: int, key: DataKey | None) -> DecodedFile:
    """Decode a stored file for the 파일 보기 dialog and the CLI. Never raises for a bad file:
    a file that does not decode is shown with its error (that is why it was kept). Without the key,
    or with one that does not open it, the file is shown with that as its problem and no records."""
    with db.session() as s:
        t = _get(s, actor, transmission_id)
        stored, sealed = t.content, t.content_sealed
        contract_id = t.contract_id
    row = _single_row(db, actor, contract_id, transmission_id)
    problems: list[str] = []
    if row.error:
        problems.append(row.error)
    file: CmsFile | Ei13File | None = None
    content = b""
    try:
        content = open_content(stored, sealed, key)
    except (KeyMissingError, DecryptionError) as error:
        problems.append(error.message)
        stored = None
    try:
        if stored is not None:
            decoder = _DECODERS.get(row.kind)
            label = display_name(row.remote_name)
            file = decoder(content, label) if decoder else decode_file(content, label)
    except CmsError as error:
        if not any(str(error) in p for p in problems):
            problems.append(str(error))
    kind = file.kind if file is not None else (row.kind if row.kind in LAYOUTS or row.kind == "EI13" else "EB21")
    header: dict[str, str] = {}
    trailer: dict[str, str] = {}
    if file is not None:
        described = describe(dataclasses.replace(file, records=()))  # type: ignore[arg-type]  # as in FileView.rows
        header, trailer = described[0], described[-1]
        if isinstance(file, Ei13File):  # its header counts the records, which were left out just above
            header["총 동의자료 수"] = f"{len(file.records):,}"
    return DecodedFile(
        row=row, size=len(content), columns=data_columns(kind), header=header, trailer=trailer,
        record_count=len(file.records) if file is not None else 0, problems=tuple(problems), _file=file,
    )


def _single_row(db: Database, actor: Actor, contract_id: int, transmission_id: int) -> TransmissionRow:
    with db.session() as s:
        first = s.scalar(select(Transmission.file_date).where(Transmission.id == transmission_id))
    found = [r for r in list_transmissions(db, actor, contract_id, first=first, last=first) if r.id == transmission_id]
    return found[0]


def file_bytes(db: Database, actor: Actor, transmission_id: int, key: DataKey | None) -> tuple[str, bytes]:
    """(remote name, exact bytes) of a stored file, opened with the key, without auditing (the caller audits)."""
    with db.session() as s:
        t = _get(s, actor, transmission_id)
        if t.content is None:
            raise NotFoundError("이 파일은 아직 내용이 없습니다.")
        return display_name(t.remote_name), open_content(t.content, t.content_sealed, key)


def save_file(db: Database, actor: Actor, transmission_id: int, target: Path | str, key: DataKey | None, *,
              force: bool = False) -> Path:
    """Write a file's exact bytes (the clerk's fallback: upload it by hand on the agency's web page).

    Request files hold full account numbers, so saving one is a personal-data export: administrators
    only, opened with the data key, written by `output_files.write_output` (0600, atomic, never over
    an existing file without `force`, never over the database or a backup), and audited in the same
    unit of work as the read. Nothing is written when the file does not open.
    """
    actor.require_admin()
    target = Path(target)
    if target.is_dir():
        with db.session() as s:
            target = target / display_name(_get(s, actor, transmission_id).remote_name)
    with db.session() as s:
        t = _get(s, actor, transmission_id)
        if t.content is None:
            raise NotFoundError("이 파일은 아직 내용이 없습니다.")
        data = open_content(t.content, t.content_sealed, key, sha256=t.sha256)
        target = write_output(target, data, force=force)
        audit.record(
            s,
            "personal_data_exported",
            actor=actor,
            target=display_name(t.remote_name),
            detail={"file": display_name(t.remote_name), "bytes": len(data), "records": t.record_count,
                    "sha256": t.sha256 or sha256_hex(data), "saved_as": target.name},
        )
    return target
