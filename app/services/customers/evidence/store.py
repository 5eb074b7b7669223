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
  are reached through `attach_bulk` and `dispute_pdf` here. The sealed row they share with this
  module (EvidenceInfo, store_fitted, opened_content ...) is `sealed`'s, and callers import it there.

Every function checks that the agreement belongs to the actor's institution; what is not found and
what belongs to another office look the same.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Final, cast

from sqlalchemy import text, update
from sqlalchemy.engine import CursorResult

from app.database.engine import Database
from app.models import (
    ConsentEvidence,
    Contract,
    Customer,
    DebitAgreement,
    EvidenceKind,
    EvidenceState,
)
from app.models.base import utcnow
from app.services.common import audit, output_files
from app.services.common.access import contract_for
from app.services.common.calendar import SEOUL
from app.services.common.crypto import DataKey
from app.services.common.errors import NotFoundError, ServiceError
from app.services.common.session import Actor
from app.services.customers.evidence.bulk import BulkReport
from app.services.customers.evidence.fit import (
    MAX_INPUT_BYTES,
    EvidenceTooLarge,
    EvidenceUnsupported,
    fit,
    size_text,
)
from app.services.customers.evidence.sealed import (
    LIVE_STATES,
    EvidenceInfo,
    WithoutEvidence,
    add_years,
    agreement_of,
    check_kind,
    info_query,
    infos_in,
    limit_for,
    opened_content,
    require_key,
    store_fitted,
    without_evidence_in,
)

# --- attaching --------------------------------------------------------------------------------


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


# --- looking ----------------------------------------------------------------------------------


def for_agreement(db: Database, actor: Actor, agreement_id: int) -> list[EvidenceInfo]:
    """Every piece of evidence of the agreement, newest first (read-only)."""
    with db.session() as s:
        agreement_of(s, actor, agreement_id)
        stmt = (info_query().where(ConsentEvidence.agreement_id == agreement_id)
                .order_by(ConsentEvidence.attached_at.desc(), ConsentEvidence.id.desc()))
        return infos_in(s, actor, stmt)


def current(db: Database, actor: Actor, agreement_id: int) -> EvidenceInfo | None:
    """The evidence that stands for the agreement now (newest not replaced nor destroyed), or None."""
    for info in for_agreement(db, actor, agreement_id):
        if info.state in LIVE_STATES:
            return info
    return None


def get(db: Database, actor: Actor, evidence_id: int) -> EvidenceInfo:
    """One piece of evidence by id (NotFoundError when missing or of another institution)."""
    with db.session() as s:
        found = infos_in(s, actor, info_query().where(ConsentEvidence.id == evidence_id))
    if not found:
        raise NotFoundError("동의자료를 찾을 수 없습니다. 목록을 새로 고치세요.")
    return found[0]


def open_content(db: Database, actor: Actor, key: DataKey | None, evidence_id: int) -> tuple[bytes, str]:
    """(bytes, extension) of a piece of evidence for the viewer; audited as a reveal of personal data.

    Only users who may edit: the form shows the full account number and the payer's signature.
    """
    actor.require_edit()
    key = require_key(key)
    with db.session() as s:
        found = s.execute(info_query().where(ConsentEvidence.id == evidence_id,
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
        stmt = (info_query()
                .where(ConsentEvidence.contract_id == contract_id,
                       ConsentEvidence.state != EvidenceState.DESTROYED,
                       DebitAgreement.ended_on.is_not(None), DebitAgreement.ended_on <= latest_end)
                .order_by(DebitAgreement.ended_on, Customer.customer_no, ConsentEvidence.id))
        return [i for i in infos_in(s, actor, stmt) if _due(i, today)]


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
            found = {info.id: info for info in infos_in(s, actor, info_query().where(ConsentEvidence.id.in_(ids)))}
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
        found = {i.id: i for i in infos_in(s, actor, info_query().where(ConsentEvidence.id.in_(ids)))}
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
