"""One piece of consent evidence kept sealed: what screens see of it, sealing fitted bytes into its row,
opening them again, and which agreements still have none.

The pieces ``store`` (attach, look, keep and destroy, archive), ``bulk`` (attach a folder) and
``dispute`` (the 민원 PDF) all use. Apart from ``store`` so that ``bulk`` and ``dispute`` need not
import ``store``, which reaches them (``store.attach_bulk``, ``store.dispute_pdf``); ``store`` keeps
these names for its callers.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, cast

from sqlalchemy import Select, select, update
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
from app.services.common import audit
from app.services.common.access import contract_for
from app.services.common.crypto import DataKey, DecryptionError
from app.services.common.errors import NotFoundError, ServiceError
from app.services.common.session import Actor
from app.services.customers.evidence.fit import (
    KINDS_FOR_EXTENSION,
    SENT_EXTENSIONS,
    EvidenceTooLarge,
    EvidenceUnsupported,
    Fitted,
    size_text,
)
from app.services.exchange.cms.reasons import reason_text

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
class WithoutEvidence:
    """An active agreement with no standing evidence, or only evidence the agency refused."""

    agreement_id: int
    customer_id: int
    customer_no: str
    customer_name: str
    item_name: str
    status: str  # "증빙 없음" or "증빙접수불가 (사유)"


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


def agreement_of(s: Session, actor: Actor, agreement_id: int, *, lock: bool = False
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


def info_query() -> Select:  # a bare Select: SQLAlchemy 2.0 and 2.1 spell rows differently
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


def infos_in(s: Session, actor: Actor, stmt: Select) -> list[EvidenceInfo]:
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


def limit_for(db: Database, actor: Actor, agreement_id: int) -> int:
    """The contract's size limit per file for this agreement's evidence (bytes)."""
    with db.session() as s:
        _agreement_row, _customer, contract = agreement_of(s, actor, agreement_id)
        return int(contract.evidence_max_bytes)


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
        agreement, customer, contract = agreement_of(s, actor, agreement_id, lock=True)
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


def opened_content(s: Session, key: DataKey, row: ConsentEvidence) -> bytes:
    """The plaintext of a stored piece of evidence, checked against its recorded SHA-256."""
    if row.content_enc is None:
        raise ServiceError("파기된 동의자료여서 내용을 볼 수 없습니다. 기록(SHA-256, 크기, 첨부일시)만 남아 있습니다.")
    plain = key.open_bytes(row.content_enc, EVIDENCE_PURPOSE)
    if sha256_hex(plain) != row.sha256:
        raise DecryptionError("저장된 동의자료의 내용이 기록된 SHA-256과 다릅니다. 자료가 바뀌었거나 손상되었습니다. "
                              "관리자에게 문의하세요.")
    return plain


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
