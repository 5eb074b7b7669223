"""출금동의 증빙: the payer's consent evidence per debit agreement — attached, kept sealed, destroyed.

Under the KFTC rules an EB13 new registration may go to the bank only after the payer's consent
evidence went out as an EI13 file and was accepted (domain.md "Consent evidence"). This module is
what the 이체정보 dialog, the bulk attach, the retention screen and the EI13 pipeline use:

* **attach** fits the file to the contract's limit (`evidence_fit`: one JPEG, PDF, MP3 or DER),
  seals the fitted bytes with the personal-data key (purpose ``consent_evidence``) and records their
  SHA-256, kind, original name and size, who and when. A signed form shows the payer's full
  account number and signature, so the bytes are never stored, logged or audited in clear: the raw
  database, its backups and a pg_dump hold only ciphertext. An earlier piece of evidence that was
  still waiting (or was refused by the agency) becomes REPLACED; one already in an EI13 (SENT) or
  accepted stays, since it is what the bank has.
* **open_content** is a reveal (audited like 개인정보 보기) and is for users who may edit: a 조회 user
  sees what evidence exists, not the form itself.
* **Retention**: evidence is kept for the contract's years (5) after the agreement ends; then an
  administrator destroys it (content set to NULL, the row stays as the record that it existed), or
  exports it first to an archive (`export_archive`, a zip with a manifest, written like every
  export through output_files).
* Bulk attach (`evidence_bulk`) and the 민원 PDF (`evidence_dispute`) live in their own modules and
  are reached through `attach_bulk` and `dispute_pdf` here.

Every function checks that the agreement belongs to the actor's institution; what is not found and
what belongs to another office look the same.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Final, cast

from sqlalchemy import Select, select, text, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import (
    AgreementStatus,
    CollectionItem,
    ConsentEvidence,
    Contract,
    Customer,
    DebitAgreement,
    EvidenceKind,
    EvidenceState,
)
from app.models.base import utcnow
from app.services.common import audit, output_files
from app.services.common.calendar import SEOUL
from app.services.common.crypto import DataKey, DecryptionError
from app.services.common.errors import NotFoundError, ServiceError
from app.services.common.session import Actor
from app.services.customers.evidence.fit import (
    ALLOWED,
    KINDS_FOR_EXTENSION,
    MAX_INPUT_BYTES,
    SENT_EXTENSIONS,
    EvidenceRefused,
    EvidenceTooLarge,
    EvidenceUnsupported,
    Fitted,
    fit,
    size_text,
)
from app.services.customers.records import contract_for
from app.services.exchange.cms.reasons import reason_text

__all__ = [
    "ALLOWED",
    "EVIDENCE_PURPOSE",
    "KINDS_FOR_EXTENSION",
    "SENT_EXTENSIONS",
    "BulkMatch",
    "BulkMiss",
    "BulkReport",
    "EvidenceInfo",
    "EvidenceRefused",
    "EvidenceTooLarge",
    "EvidenceUnsupported",
    "Fitted",
    "WithoutEvidence",
    "archive_member",
    "attach",
    "attach_bulk",
    "attach_file",
    "check_kind",
    "current",
    "destroy",
    "dispute_pdf",
    "due_for_destruction",
    "export_archive",
    "fit",
    "for_agreement",
    "get",
    "info_of",
    "keep_until",
    "limit_for",
    "open_content",
    "opened_content",
    "read_file",
    "require_key",
    "sha256_hex",
    "store_fitted",
    "without_evidence",
    "without_evidence_in",
]

EVIDENCE_PURPOSE: Final = "consent_evidence"
"""The associated data evidence is sealed under (``DataKey.seal_bytes``): a bank file's ciphertext
pasted into this column does not open, nor the other way round."""
KEY_MISSING: Final = ("데이터 암호 키가 열려 있지 않아 동의자료를 암호화하거나 열 수 없습니다. "
                      "다시 로그인해 데이터 암호 문구를 입력하세요.")
LIVE_STATES: Final = (EvidenceState.WAITING, EvidenceState.SENT, EvidenceState.ACCEPTED, EvidenceState.REJECTED)
"""States of evidence that still stands for its agreement (not replaced, not destroyed)."""
REPLACEABLE_STATES: Final = (EvidenceState.WAITING, EvidenceState.REJECTED)
"""What a newly attached piece of evidence replaces: nothing the agency has or is checking."""
NAME_MAX: Final = 255


@dataclass(frozen=True)
class EvidenceInfo:
    """One piece of evidence as screens and files show it (no bytes: `open_content` gives those)."""

    id: int
    agreement_id: int
    customer_no: str
    customer_name: str
    item_name: str
    kind: EvidenceKind
    extension: str
    original_name: str
    original_size: int
    size: int
    sha256: str
    note: str | None
    attached_by: str
    attached_at: datetime
    state: EvidenceState
    reason_code: str | None
    reason_text: str
    destroyed: bool
    keep_until: date | None  # agreement ended_on + retention years; None while the agreement is active
    contract_id: int = 0
    customer_id: int = 0
    item_code: str = ""
    destroyed_at: datetime | None = None
    destroyed_by: str | None = None
    ended_on: date | None = None  # when the agreement ended (the retention screen's 해지일)


@dataclass(frozen=True)
class BulkMatch:
    """A file of a bulk attach that became evidence of an agreement."""

    file_name: str
    customer_no: str
    customer_name: str
    item_name: str
    evidence_id: int
    size: int
    note: str


@dataclass(frozen=True)
class BulkMiss:
    """A file of a bulk attach that was not attached, and why (in Korean, with what to do)."""

    file_name: str
    reason: str


@dataclass(frozen=True)
class WithoutEvidence:
    """An active agreement with no standing evidence, or only evidence the agency refused."""

    agreement_id: int
    customer_id: int
    customer_no: str
    customer_name: str
    item_name: str
    status: str  # "증빙 없음" or "증빙접수불가 (사유)"


@dataclass(frozen=True)
class BulkReport:
    """What a bulk attach did: attached files, files left out with the reason, and the agreements of
    the contract that still have no evidence after it."""

    contract_id: int
    matched: tuple[BulkMatch, ...]
    unmatched: tuple[BulkMiss, ...]
    without_evidence: tuple[WithoutEvidence, ...]

    @property
    def summary(self) -> str:
        return (f"첨부 {len(self.matched)}건, 첨부하지 못한 파일 {len(self.unmatched)}건, "
                f"아직 증빙이 없는 이체정보 {len(self.without_evidence)}건")


# --- small shared pieces ----------------------------------------------------------------------


def require_key(key: DataKey | None) -> DataKey:
    """The key, or a Korean ServiceError: evidence is never stored or read in clear."""
    if key is None:
        raise ServiceError(KEY_MISSING)
    return key


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def add_years(day: date, years: int) -> date:
    """`day` moved by whole years; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def keep_until(ended_on: date | None, retention_years: int) -> date | None:
    """Until when evidence of an agreement is kept: its end plus the contract's years (None while active)."""
    return None if ended_on is None else add_years(ended_on, retention_years)


def clean_name(name: str) -> str:
    """The file's own name (no folders), NFC (a Mac's decomposed Hangul), at most 255 characters."""
    base = unicodedata.normalize("NFC", str(name)).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base[-NAME_MAX:] or "evidence"


def _agreement(s: Session, actor: Actor, agreement_id: int, *, lock: bool = False
               ) -> tuple[DebitAgreement, Customer, Contract]:
    """The agreement with its customer and contract, if it is of the actor's institution."""
    stmt = select(DebitAgreement).where(DebitAgreement.id == agreement_id)
    agreement = s.scalar(stmt.with_for_update() if lock else stmt)
    if agreement is None:
        raise NotFoundError("이체정보를 찾을 수 없습니다. 목록을 새로 고치세요.")
    customer = s.get(Customer, agreement.customer_id)
    if customer is None:
        raise NotFoundError("이체정보를 찾을 수 없습니다. 목록을 새로 고치세요.")
    try:
        contract = contract_for(s, actor, customer.contract_id)
    except NotFoundError:
        raise NotFoundError("이체정보를 찾을 수 없습니다. 목록을 새로 고치세요.") from None
    return agreement, customer, contract


def _info_query() -> Select:  # type: ignore[type-arg,unused-ignore]  # SQLAlchemy 2.0 and 2.1 spell rows differently
    """(evidence, customer, agreement, item, contract) rows; callers add the conditions."""
    return (
        select(ConsentEvidence, Customer, DebitAgreement, CollectionItem, Contract)
        .join(DebitAgreement, DebitAgreement.id == ConsentEvidence.agreement_id)
        .join(Customer, Customer.id == DebitAgreement.customer_id)
        .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
        .join(Contract, Contract.id == ConsentEvidence.contract_id)
    )


def info_of(row: ConsentEvidence, customer: Customer, agreement: DebitAgreement, item: CollectionItem,
          contract: Contract) -> EvidenceInfo:
    return EvidenceInfo(
        id=row.id,
        agreement_id=row.agreement_id,
        customer_no=customer.customer_no,
        customer_name=customer.name,
        item_name=item.name,
        kind=row.kind,
        extension=row.extension,
        original_name=row.original_name,
        original_size=row.original_size,
        size=row.size,
        sha256=row.sha256,
        note=row.note,
        attached_by=row.attached_by,
        attached_at=row.attached_at,
        state=row.state,
        reason_code=row.reason_code,
        reason_text=reason_text(row.reason_code),
        destroyed=row.state is EvidenceState.DESTROYED or row.content_enc is None,
        keep_until=keep_until(agreement.ended_on, contract.evidence_retention_years),
        contract_id=row.contract_id,
        customer_id=customer.id,
        item_code=item.code,
        destroyed_at=row.destroyed_at,
        destroyed_by=row.destroyed_by,
        ended_on=agreement.ended_on,
    )


def _infos(s: Session, actor: Actor, stmt: Select) -> list[EvidenceInfo]:  # type: ignore[type-arg,unused-ignore]
    mine = stmt.where(Contract.institution_id == actor.institution_id)
    return [info_of(*row) for row in s.execute(mine)]


def check_kind(kind: EvidenceKind | None, fitted: Fitted) -> EvidenceKind:
    """The 동의자료구분 to send: the clerk's choice when it fits the content, else the content's."""
    if kind is None:
        return fitted.kind_hint
    allowed = KINDS_FOR_EXTENSION[fitted.extension]
    if kind not in allowed:
        labels = ", ".join(k.label for k in sorted(allowed, key=lambda k: k.value))
        raise EvidenceUnsupported(
            f"{kind.label} 증빙으로 {fitted.extension.upper()} 파일을 보낼 수 없습니다 "
            f"(이 파일에 맞는 구분: {labels}). 동의자료 구분을 바꾸거나 맞는 파일을 고르세요.")
    return kind


# --- attaching --------------------------------------------------------------------------------


def limit_for(db: Database, actor: Actor, agreement_id: int) -> int:
    """The contract's size limit per file for this agreement's evidence (bytes)."""
    with db.session() as s:
        _agreement_row, _customer, contract = _agreement(s, actor, agreement_id)
        return int(contract.evidence_max_bytes)


def attach(db: Database, actor: Actor, key: DataKey, agreement_id: int, data: bytes, name: str, *,
           kind: EvidenceKind | None = None, now: datetime | None = None) -> EvidenceInfo:
    """Fit `data` (a file called `name`) to the contract's limit and keep it, sealed, for the agreement.

    Refusals (EvidenceRefused, NotFoundError, PermissionDeniedError) change nothing. The fitting
    runs before the unit of work, so a slow PDF or recording holds no lock.
    """
    actor.require_edit()
    key = require_key(key)
    fitted = fit(bytes(data), name, limit=limit_for(db, actor, agreement_id))
    return store_fitted(db, actor, key, agreement_id, fitted, name=name, original_size=len(data),
                        kind=check_kind(kind, fitted), now=now)


def read_file(path: Path) -> bytes:
    """A file the clerk chose, read whole only when it is at most 50 MB (checked before reading)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise EvidenceUnsupported(f"파일이 아닙니다: {path.name}")
        if size > MAX_INPUT_BYTES:
            raise EvidenceTooLarge(f"파일이 {size_text(size)}로 너무 큽니다 (최대 {size_text(MAX_INPUT_BYTES)}). "
                                   "해상도를 낮춰 다시 스캔하세요.")
        with open(path, "rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as error:
        raise EvidenceUnsupported(f"파일을 읽을 수 없습니다 ({error.strerror or error}): {path.name}") from None
    if len(data) > MAX_INPUT_BYTES:  # it grew after the check
        raise EvidenceTooLarge(f"파일이 {size_text(MAX_INPUT_BYTES)}를 넘습니다. 해상도를 낮춰 다시 스캔하세요.")
    return data


def attach_file(db: Database, actor: Actor, key: DataKey, agreement_id: int, path: Path, *,
                kind: EvidenceKind | None = None, now: datetime | None = None) -> EvidenceInfo:
    """`attach` for a file on disk (the 이체정보 dialog's file chooser): bounded read, then attach."""
    actor.require_edit()
    require_key(key)
    return attach(db, actor, key, agreement_id, read_file(Path(path)), Path(path).name, kind=kind, now=now)


def store_fitted(db: Database, actor: Actor, key: DataKey, agreement_id: int, fitted: Fitted, *, name: str,
                 original_size: int, kind: EvidenceKind, now: datetime | None = None,
                 source: str | None = None) -> EvidenceInfo:
    """Seal and record already fitted evidence (attach and the bulk attach end here); audited."""
    actor.require_edit()
    key = require_key(key)
    when = now or utcnow()
    if fitted.extension not in SENT_EXTENSIONS:
        raise ValueError(f"fitted evidence must be one of {sorted(SENT_EXTENSIONS)}")
    digest = sha256_hex(fitted.data)
    sealed = key.seal_bytes(fitted.data, EVIDENCE_PURPOSE, compress=fitted.extension in ("pdf", "der"))
    with db.session() as s:
        agreement, customer, contract = _agreement(s, actor, agreement_id, lock=True)
        if len(fitted.data) > contract.evidence_max_bytes:  # the limit changed while it was being fitted
            raise EvidenceTooLarge(
                f"계약정보의 증빙 한도({size_text(contract.evidence_max_bytes)})가 바뀌었습니다. 다시 첨부하세요.")
        # The first write of the unit: on SQLite it takes the write lock, so two clerks attaching to
        # the same agreement at once end with one WAITING piece, not two (PostgreSQL: the row lock above).
        replaced = cast("CursorResult[Any]", s.execute(
            update(ConsentEvidence)
            .where(ConsentEvidence.agreement_id == agreement.id, ConsentEvidence.state.in_(REPLACEABLE_STATES))
            .values(state=EvidenceState.REPLACED, version_id=ConsentEvidence.version_id + 1, updated_at=when)
            .execution_options(synchronize_session=False)
        )).rowcount
        row = ConsentEvidence(
            contract_id=contract.id,
            agreement_id=agreement.id,
            kind=kind,
            extension=fitted.extension,
            original_name=clean_name(name),
            original_size=int(original_size),
            size=len(fitted.data),
            sha256=digest,
            content_enc=sealed,
            note=fitted.note,
            attached_by=actor.login_id,
            attached_at=when,
            state=EvidenceState.WAITING,
        )
        s.add(row)
        s.flush()
        detail: dict[str, Any] = {"evidence_id": row.id, "agreement_id": agreement.id, "kind": kind.value,
                                  "extension": fitted.extension, "size": row.size, "sha256": digest,
                                  "replaced": int(replaced or 0)}
        if source:
            detail["source"] = source
        audit.record(s, "evidence_attached", actor=actor, target=customer.customer_no, detail=detail, at=when)
        item = s.get(CollectionItem, agreement.item_id)
        assert item is not None
        return info_of(row, customer, agreement, item, contract)


# --- looking ----------------------------------------------------------------------------------


def for_agreement(db: Database, actor: Actor, agreement_id: int) -> list[EvidenceInfo]:
    """Every piece of evidence of the agreement, newest first (read-only)."""
    with db.session() as s:
        _agreement(s, actor, agreement_id)
        stmt = (_info_query().where(ConsentEvidence.agreement_id == agreement_id)
                .order_by(ConsentEvidence.attached_at.desc(), ConsentEvidence.id.desc()))
        return _infos(s, actor, stmt)


def current(db: Database, actor: Actor, agreement_id: int) -> EvidenceInfo | None:
    """The evidence that stands for the agreement now (newest not replaced nor destroyed), or None."""
    for info in for_agreement(db, actor, agreement_id):
        if info.state in LIVE_STATES:
            return info
    return None


def get(db: Database, actor: Actor, evidence_id: int) -> EvidenceInfo:
    """One piece of evidence by id (NotFoundError when missing or of another institution)."""
    with db.session() as s:
        found = _infos(s, actor, _info_query().where(ConsentEvidence.id == evidence_id))
    if not found:
        raise NotFoundError("동의자료를 찾을 수 없습니다. 목록을 새로 고치세요.")
    return found[0]


def opened_content(s: Session, key: DataKey, row: ConsentEvidence) -> bytes:
    """The plaintext of a stored piece of evidence, checked against its recorded SHA-256."""
    if row.content_enc is None:
        raise ServiceError("파기된 동의자료여서 내용을 볼 수 없습니다. 기록(SHA-256, 크기, 첨부일시)만 남아 있습니다.")
    plain = key.open_bytes(row.content_enc, EVIDENCE_PURPOSE)
    if sha256_hex(plain) != row.sha256:
        raise DecryptionError("저장된 동의자료의 내용이 기록된 SHA-256과 다릅니다. 자료가 바뀌었거나 손상되었습니다. "
                              "관리자에게 문의하세요.")
    return plain


def open_content(db: Database, actor: Actor, key: DataKey, evidence_id: int) -> tuple[bytes, str]:
    """(bytes, extension) of a piece of evidence for the viewer; audited as a reveal of personal data.

    Only users who may edit: the form shows the full account number and the payer's signature.
    """
    actor.require_edit()
    key = require_key(key)
    with db.session() as s:
        found = s.execute(_info_query().where(ConsentEvidence.id == evidence_id,
                                              Contract.institution_id == actor.institution_id)).first()
        if found is None:
            raise NotFoundError("동의자료를 찾을 수 없습니다. 목록을 새로 고치세요.")
        row, customer, *_rest = found
        plain = opened_content(s, key, row)
        audit.record(s, "personal_data_revealed", actor=actor, target=customer.customer_no,
                     detail={"evidence_id": row.id, "extension": row.extension, "sha256": row.sha256})
        return plain, row.extension


def without_evidence(db: Database, actor: Actor, contract_id: int) -> list[WithoutEvidence]:
    """Active agreements of the contract with no standing evidence, or only refused evidence."""
    with db.session() as s:
        return without_evidence_in(s, actor, contract_id)


def without_evidence_in(s: Session, actor: Actor, contract_id: int) -> list[WithoutEvidence]:
    contract_for(s, actor, contract_id)
    newest: dict[int, tuple[EvidenceState, str | None]] = {}
    for agreement_id, state, code in s.execute(
        select(ConsentEvidence.agreement_id, ConsentEvidence.state, ConsentEvidence.reason_code)
        .where(ConsentEvidence.contract_id == contract_id, ConsentEvidence.state.in_(LIVE_STATES))
        .order_by(ConsentEvidence.attached_at, ConsentEvidence.id)
    ):
        newest[agreement_id] = (state, code)
    rows = s.execute(
        select(DebitAgreement.id, Customer.id, Customer.customer_no, Customer.name, CollectionItem.name)
        .join(Customer, Customer.id == DebitAgreement.customer_id)
        .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
        .where(Customer.contract_id == contract_id, DebitAgreement.status == AgreementStatus.ACTIVE,
               Customer.active.is_(True))
        .order_by(Customer.customer_no, CollectionItem.code)
    ).all()
    out = []
    for agreement_id, customer_id, customer_no, name, item_name in rows:
        standing = newest.get(agreement_id)
        if standing is None:
            out.append(WithoutEvidence(agreement_id, customer_id, customer_no, name, item_name, "증빙 없음"))
        elif standing[0] is EvidenceState.REJECTED:
            why = reason_text(standing[1]) or "사유 없음"
            out.append(WithoutEvidence(agreement_id, customer_id, customer_no, name, item_name,
                                       f"{EvidenceState.REJECTED.label} ({why})"))
    return out


# --- bulk and dispute (their own modules) -----------------------------------------------------


def attach_bulk(db: Database, actor: Actor, key: DataKey, source: Path, *, kind: EvidenceKind | None = None,
                now: datetime | None = None, contract_id: int | None = None,
                progress: Callable[[int, int], None] | None = None) -> BulkReport:
    """Attach every file of a folder or a .zip named by 고객번호; see `evidence_bulk`.

    `contract_id` may be left out when the institution has one active contract.
    """
    from app.services.customers.evidence.bulk import attach_bulk as run

    return run(db, actor, key, Path(source), kind=kind, now=now, contract_id=contract_id, progress=progress)


def dispute_pdf(db: Database, actor: Actor, key: DataKey, customer_id: int, target: Path, *,
                force: bool = False, now: datetime | None = None) -> Path:
    """민원 자료: one PDF for a payer; see `evidence_dispute`."""
    from app.services.customers.evidence.dispute import dispute_pdf as run

    return run(db, actor, key, customer_id, Path(target), force=force, now=now)


# --- keeping and destroying -------------------------------------------------------------------


def due_for_destruction(db: Database, actor: Actor, contract_id: int, *, today: date) -> list[EvidenceInfo]:
    """Evidence of the contract whose term has passed (keep_until < today), not yet destroyed."""
    with db.session() as s:
        contract = contract_for(s, actor, contract_id)
        # Prefilter in SQL by the end date (one day of slack for 29 February), exact test below.
        latest_end = add_years(today, -contract.evidence_retention_years) + timedelta(days=1)
        stmt = (_info_query()
                .where(ConsentEvidence.contract_id == contract_id,
                       ConsentEvidence.state != EvidenceState.DESTROYED,
                       DebitAgreement.ended_on.is_not(None), DebitAgreement.ended_on <= latest_end)
                .order_by(DebitAgreement.ended_on, Customer.customer_no, ConsentEvidence.id))
        return [i for i in _infos(s, actor, stmt) if _due(i, today)]


def destroy(db: Database, actor: Actor, evidence_ids: Iterable[int], *, now: datetime) -> int:
    """Destroy evidence whose term has passed (administrators): content NULL, state DESTROYED, audited.

    All or nothing: one id not found, or not yet due, refuses the whole call. Evidence already
    destroyed is left as it is (not counted). On SQLite the freed pages are overwritten with zeros
    and the -wal emptied, so the ciphertext is not left readable in the file either.
    """
    actor.require_admin()
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    ids = sorted({int(i) for i in evidence_ids})
    if not ids:
        return 0
    today = now.astimezone(SEOUL).date()
    sqlite = db.engine.dialect.name == "sqlite"
    done = 0
    with db.session() as s:
        if sqlite:
            s.execute(text("PRAGMA secure_delete = ON"))
        try:
            found = {info.id: info for info in _infos(s, actor, _info_query().where(ConsentEvidence.id.in_(ids)))}
            missing = [i for i in ids if i not in found]
            if missing:
                raise NotFoundError("동의자료를 찾을 수 없습니다. 목록을 새로 고치세요.")
            early = [found[i] for i in ids if not found[i].destroyed and not _due(found[i], today)]
            if early:
                shown = ", ".join(f"{e.customer_no}({e.keep_until:%Y-%m-%d}까지)" if e.keep_until
                                  else f"{e.customer_no}(이체정보 사용 중)" for e in early[:5])
                more = f" 외 {len(early) - 5}건" if len(early) > 5 else ""
                raise ServiceError(f"보관 기간이 끝나지 않은 동의자료는 파기할 수 없습니다: {shown}{more}.")
            for evidence_id in ids:
                info = found[evidence_id]
                if info.destroyed:
                    continue
                result = cast("CursorResult[Any]", s.execute(
                    update(ConsentEvidence)
                    .where(ConsentEvidence.id == evidence_id, ConsentEvidence.state != EvidenceState.DESTROYED)
                    .values(content_enc=None, state=EvidenceState.DESTROYED, destroyed_at=now,
                            destroyed_by=actor.login_id, version_id=ConsentEvidence.version_id + 1, updated_at=now)
                    .execution_options(synchronize_session=False)
                ))
                if result.rowcount:
                    done += 1
                    audit.record(s, "evidence_destroyed", actor=actor, target=info.customer_no, at=now,
                                 detail={"evidence_id": evidence_id, "sha256": info.sha256, "size": info.size,
                                         "keep_until": info.keep_until.isoformat() if info.keep_until else None})
        finally:
            if sqlite:
                s.execute(text("PRAGMA secure_delete = OFF"))
    if sqlite and done:
        with db.engine.connect() as conn:  # best effort: a reader may still hold the -wal
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return done


def _due(info: EvidenceInfo, today: date) -> bool:
    return info.keep_until is not None and info.keep_until < today


MANIFEST_COLUMNS: Final = ("파일", "증빙번호", "고객번호", "고객명", "집금항목", "동의자료구분", "확장자", "원본파일명",
                           "원본크기", "크기", "SHA-256", "첨부자", "첨부일시", "상태", "보관기한", "처리내용")


def archive_member(info: EvidenceInfo) -> str:
    """The name of a piece of evidence inside an archive: ASCII only (고객번호, item code, id)."""
    return f"{info.customer_no}_{info.item_code}_{info.id}.{info.extension}"


def export_archive(db: Database, actor: Actor, key: DataKey, evidence_ids: Iterable[int], target: Path, *,
                   force: bool = False) -> Path:
    """A zip of the evidence files with a manifest (manifest.csv for Excel, manifest.json for programs)
    naming each file's SHA-256, customer, item, kind, original name and dates (administrators).

    Written through output_files (0600, never over an existing file unless `force`, never over the
    database or the backups). Destroyed evidence appears in the manifest without a file. Each file
    is checked against its recorded SHA-256 before it goes in. Audited as a personal-data export.
    """
    actor.require_admin()
    key = require_key(key)
    ids = sorted({int(i) for i in evidence_ids})
    if not ids:
        raise ServiceError("내보낼 동의자료를 고르세요.")
    protected = output_files.protected_for(db)
    output_files.check_target(target, force=force, protected=protected)  # refuse before opening anything
    with db.session() as s:
        found = {i.id: i for i in _infos(s, actor, _info_query().where(ConsentEvidence.id.in_(ids)))}
        if len(found) != len(ids):
            raise NotFoundError("동의자료를 찾을 수 없습니다. 목록을 새로 고치세요.")
        infos = [found[i] for i in ids]
        contents: dict[int, bytes] = {}
        for info in infos:
            if not info.destroyed:
                row = s.get(ConsentEvidence, info.id)
                assert row is not None
                contents[info.id] = opened_content(s, key, row)

    def write(temp: Path) -> None:
        records = [_manifest_record(info, archive_member(info) if info.id in contents else "") for info in infos]
        with zipfile.ZipFile(temp, "w") as archive:
            for info in infos:
                if info.id in contents:
                    member = zipfile.ZipInfo(archive_member(info), _zip_time(info.attached_at))
                    member.compress_type = zipfile.ZIP_STORED  # JPEG, PDF and MP3 are compressed already
                    member.external_attr = 0o600 << 16
                    archive.writestr(member, contents[info.id])
            archive.writestr(_private_member("manifest.csv"), _manifest_csv(records), zipfile.ZIP_DEFLATED)
            archive.writestr(_private_member("manifest.json"),
                             json.dumps({"evidence": records}, ensure_ascii=False, indent=1), zipfile.ZIP_DEFLATED)

    written = output_files.write_output(target, write, force=force, protected=protected)
    with db.session() as s:  # recorded once the file is in place
        audit.record(s, "personal_data_exported", actor=actor, target="동의자료 보관파일",
                     detail={"evidence": len(infos), "files": len(contents)})
    return written


def _zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    local = moment.astimezone(SEOUL)
    if local.year < 1980:
        return (1980, 1, 1, 0, 0, 0)
    return (local.year, local.month, local.day, local.hour, local.minute, local.second)


def _private_member(name: str) -> zipfile.ZipInfo:
    member = zipfile.ZipInfo(name, _zip_time(utcnow()))
    member.external_attr = 0o600 << 16
    return member


def _manifest_record(info: EvidenceInfo, member: str) -> dict[str, Any]:
    return {
        "파일": member,
        "증빙번호": info.id,
        "고객번호": info.customer_no,
        "고객명": info.customer_name,
        "집금항목": info.item_name,
        "동의자료구분": f"{info.kind.value} {info.kind.label}",
        "확장자": info.extension,
        "원본파일명": info.original_name,
        "원본크기": info.original_size,
        "크기": info.size,
        "SHA-256": info.sha256,
        "첨부자": info.attached_by,
        "첨부일시": info.attached_at.astimezone(SEOUL).isoformat(timespec="seconds"),
        "상태": info.state.label,
        "보관기한": info.keep_until.isoformat() if info.keep_until else "",
        "처리내용": info.note or "",
    }


def _manifest_csv(records: Sequence[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(MANIFEST_COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    for record in records:
        # A cell starting with = + - @ would be a formula in Excel: quote it as text.
        writer.writerow({k: (f"'{v}" if isinstance(v, str) and v[:1] in "=+-@" else v) for k, v in record.items()})
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8 Korean
