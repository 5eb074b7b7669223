"""app/services/customers/evidence/store.py on SQLite and PostgreSQL: attach, look, open, replace, keep and destroy,
archive — with edit rights, tenancy and the audit log checked, and the bytes never stored in clear."""

from __future__ import annotations

import csv
import io
import json
import stat
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app.models import (
    AgreementStatus,
    AuditLog,
    ConsentEvidence,
    Contract,
    DebitAgreement,
    EvidenceKind,
    EvidenceState,
)
from app.services.common.crypto import DataKey, is_sealed
from app.services.common.errors import (
    NotFoundError,
    PermissionDeniedError,
    ServiceError,
)
from app.services.common.output_files import OutputRefusedError
from app.services.common.session import Actor
from app.services.customers.evidence import fit
from app.services.customers.evidence import sealed as sealed_evidence
from app.services.customers.evidence import store as evidence
from tests.evidence.conftest import ACCOUNTS
from tests.evidence.helpers import (
    der_bytes,
    encoded,
    form_page,
    jpeg_with_comment,
    pdf_document,
)
from tests.factories import Office
from tests.transmissions.helpers import Payer

MARKER = b"KSCMS-EVIDENCE-MARKER-7f3a9c"
WHEN = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def signed_form(marker: bytes = MARKER) -> bytes:
    """An upright JPEG under the limit (kept byte for byte) whose COM segment carries `marker`."""
    return jpeg_with_comment(form_page(width=700, height=990, noise=0), marker)


def audit_rows(office: Office, action: str) -> list[AuditLog]:
    with office.db.session() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def test_attach_seals_the_bytes_and_records_what_they_are(office: Office, key: DataKey, payers: list[Payer],
                                                          clerk: Actor) -> None:
    data = signed_form()
    info = evidence.attach(office.db, clerk, key, payers[0].agreement_id, data, "C:\\스캔\\홍길동 동의서.jpg", now=WHEN)
    assert (info.customer_no, info.item_name, info.kind, info.extension) == ("C0000001", "수강료",
                                                                             EvidenceKind.WRITTEN, "jpg")
    assert info.original_name == "홍길동 동의서.jpg" and info.original_size == len(data) == info.size
    assert info.sha256 == sealed_evidence.sha256_hex(data) and info.state is EvidenceState.WAITING
    assert info.attached_by == "clerk1" and info.attached_at == WHEN and info.keep_until is None
    assert not info.destroyed and info.reason_text == "" and "원본 JPEG 그대로" in (info.note or "")
    with office.db.session() as s:
        stored = s.scalar(select(ConsentEvidence.content_enc).where(ConsentEvidence.id == info.id))
    assert stored is not None and is_sealed(stored) and MARKER not in stored and data[100:160] not in stored
    assert evidence.open_content(office.db, clerk, key, info.id) == (data, "jpg")
    assert evidence.current(office.db, office.admin, payers[0].agreement_id) == info
    assert evidence.current(office.db, office.admin, payers[1].agreement_id) is None


def test_the_audit_log_says_who_attached_and_opened_what_without_bytes_or_accounts(
        office: Office, key: DataKey, payers: list[Payer], clerk: Actor) -> None:
    info = evidence.attach(office.db, clerk, key, payers[0].agreement_id, signed_form(), "a.jpg")
    evidence.open_content(office.db, clerk, key, info.id)
    attached, = audit_rows(office, "evidence_attached")
    revealed, = audit_rows(office, "personal_data_revealed")
    assert attached.login_id == "clerk1" and attached.target == "C0000001"
    assert json.loads(attached.detail or "{}")["sha256"] == info.sha256
    assert revealed.target == "C0000001" and json.loads(revealed.detail or "{}")["evidence_id"] == info.id
    for row in (attached, revealed):
        text = f"{row.target} {row.detail}"
        assert MARKER.decode() not in text and ACCOUNTS[0] not in text and "a.jpg" not in text


def test_a_new_attachment_replaces_waiting_or_refused_evidence_but_not_what_the_bank_has(
        office: Office, key: DataKey, payers: list[Payer], clerk: Actor) -> None:
    agreement = payers[0].agreement_id
    first = evidence.attach(office.db, clerk, key, agreement, signed_form(b"one"), "1.jpg",
                            now=datetime(2026, 3, 1, tzinfo=UTC))
    second = evidence.attach(office.db, clerk, key, agreement, signed_form(b"two"), "2.jpg",
                             now=datetime(2026, 3, 2, tzinfo=UTC))
    states = {i.id: i.state for i in evidence.for_agreement(office.db, clerk, agreement)}
    assert states == {first.id: EvidenceState.REPLACED, second.id: EvidenceState.WAITING}
    with office.db.session() as s:  # the EI13 pipeline took it: the bank is checking it now
        s.execute(update(ConsentEvidence).where(ConsentEvidence.id == second.id)
                  .values(state=EvidenceState.SENT, version_id=ConsentEvidence.version_id + 1))
    third = evidence.attach(office.db, clerk, key, agreement, der_bytes(b"sig" * 50), "sign.der",
                            now=datetime(2026, 3, 3, tzinfo=UTC))
    listed = evidence.for_agreement(office.db, clerk, agreement)
    assert [i.id for i in listed] == [third.id, second.id, first.id]  # newest first
    assert [i.state for i in listed] == [EvidenceState.WAITING, EvidenceState.SENT, EvidenceState.REPLACED]
    assert evidence.current(office.db, clerk, agreement) == listed[0]
    assert listed[0].kind is EvidenceKind.E_SIGNATURE
    with office.db.session() as s:
        s.execute(update(ConsentEvidence).where(ConsentEvidence.id == third.id)
                  .values(state=EvidenceState.REJECTED, reason_code="0102"))
    refused = evidence.current(office.db, clerk, agreement)
    assert refused is not None and refused.reason_text == "동의자료 파일형식 오류"
    fourth = evidence.attach(office.db, clerk, key, agreement, signed_form(b"four"), "4.jpg")
    assert {i.id: i.state for i in evidence.for_agreement(office.db, clerk, agreement)}[third.id] \
        is EvidenceState.REPLACED
    assert evidence.current(office.db, clerk, agreement) is not None
    assert evidence.current(office.db, clerk, agreement).id == fourth.id  # type: ignore[union-attr]


def test_viewers_see_that_evidence_exists_but_neither_attach_nor_open_it(
        office: Office, key: DataKey, payers: list[Payer], viewer: Actor) -> None:
    info = evidence.attach(office.db, office.admin, key, payers[0].agreement_id, signed_form(), "a.jpg")
    assert [i.id for i in evidence.for_agreement(office.db, viewer, payers[0].agreement_id)] == [info.id]
    with pytest.raises(PermissionDeniedError):
        evidence.attach(office.db, viewer, key, payers[0].agreement_id, signed_form(), "b.jpg")
    with pytest.raises(PermissionDeniedError):
        evidence.open_content(office.db, viewer, key, info.id)
    assert audit_rows(office, "personal_data_revealed") == []


def test_another_institution_finds_nothing(office: Office, key: DataKey, payers: list[Payer],
                                           stranger: Actor) -> None:
    info = evidence.attach(office.db, office.admin, key, payers[0].agreement_id, signed_form(), "a.jpg")
    for call in (lambda: evidence.attach(office.db, stranger, key, payers[0].agreement_id, signed_form(), "x.jpg"),
                 lambda: evidence.for_agreement(office.db, stranger, payers[0].agreement_id),
                 lambda: evidence.open_content(office.db, stranger, key, info.id),
                 lambda: evidence.get(office.db, stranger, info.id),
                 lambda: evidence.due_for_destruction(office.db, stranger, office.contract_id, today=date(2040, 1, 1)),
                 lambda: evidence.destroy(office.db, stranger, [info.id], now=WHEN),
                 lambda: evidence.without_evidence(office.db, stranger, office.contract_id)):
        with pytest.raises(NotFoundError):
            call()
    with pytest.raises(NotFoundError):
        evidence.attach(office.db, office.admin, key, 999_999, signed_form(), "x.jpg")


def test_without_the_data_key_nothing_is_stored_or_opened(office: Office, key: DataKey, payers: list[Payer]) -> None:
    with pytest.raises(ServiceError, match="데이터 암호 키"):
        evidence.attach(office.db, office.admin, None,  # type: ignore[arg-type]
                        payers[0].agreement_id, signed_form(), "a.jpg")
    info = evidence.attach(office.db, office.admin, key, payers[0].agreement_id, signed_form(), "a.jpg")
    with pytest.raises(ServiceError, match="데이터 암호 키"):
        evidence.open_content(office.db, office.admin, None, info.id)  # type: ignore[arg-type]
    with pytest.raises(ServiceError, match="다른 데이터 암호 키"):
        evidence.open_content(office.db, office.admin, DataKey.generate(), info.id)


def test_the_contract_sets_the_limit_and_a_refusal_changes_nothing(office: Office, key: DataKey,
                                                                   payers: list[Payer]) -> None:
    with office.db.session() as s:
        s.execute(update(Contract).where(Contract.id == office.contract_id).values(evidence_max_bytes=100 * 1024))
    info = evidence.attach(office.db, office.admin, key, payers[0].agreement_id,
                           encoded(form_page(width=2480, height=3508, noise=0), "PNG"), "big.png")
    assert info.size <= 100 * 1024 and "PNG → JPEG" in (info.note or "")
    with pytest.raises(fit.EvidenceTooLarge):
        evidence.attach(office.db, office.admin, key, payers[1].agreement_id, der_bytes(b"x" * 110_000), "s.der")
    with pytest.raises(fit.EvidenceUnsupported, match="녹취 증빙으로 JPG"):
        evidence.attach(office.db, office.admin, key, payers[1].agreement_id, signed_form(), "a.jpg",
                        kind=EvidenceKind.RECORDING)
    assert evidence.for_agreement(office.db, office.admin, payers[1].agreement_id) == []
    chosen = evidence.attach(office.db, office.admin, key, payers[1].agreement_id, signed_form(), "a.pdf.jpg",
                             kind=EvidenceKind.OTHER)
    assert chosen.kind is EvidenceKind.OTHER


def end_agreement(office: Office, agreement_id: int, on: date) -> None:
    with office.db.session() as s:
        s.execute(update(DebitAgreement).where(DebitAgreement.id == agreement_id)
                  .values(status=AgreementStatus.ENDED, ended_on=on, version_id=DebitAgreement.version_id + 1))


def test_evidence_is_kept_five_years_after_the_agreement_ends_then_destroyed_by_an_administrator(
        office: Office, key: DataKey, payers: list[Payer], clerk: Actor) -> None:
    old = evidence.attach(office.db, clerk, key, payers[0].agreement_id, signed_form(), "old.jpg")
    leap = evidence.attach(office.db, clerk, key, payers[1].agreement_id, signed_form(b"leap"), "leap.jpg")
    live = evidence.attach(office.db, clerk, key, payers[2].agreement_id, signed_form(b"live"), "live.jpg")
    end_agreement(office, payers[0].agreement_id, date(2020, 3, 1))
    end_agreement(office, payers[1].agreement_id, date(2020, 2, 29))
    assert evidence.get(office.db, clerk, old.id).keep_until == date(2025, 3, 1)
    assert evidence.get(office.db, clerk, leap.id).keep_until == date(2025, 2, 28)
    assert evidence.due_for_destruction(office.db, clerk, office.contract_id, today=date(2025, 2, 28)) == []
    due = evidence.due_for_destruction(office.db, clerk, office.contract_id, today=date(2025, 3, 2))
    assert [i.id for i in due] == [leap.id, old.id]  # oldest end first

    moment = datetime(2025, 3, 2, 1, 0, tzinfo=UTC)
    with pytest.raises(PermissionDeniedError):
        evidence.destroy(office.db, clerk, [old.id], now=moment)
    with pytest.raises(ServiceError, match="보관 기간이 끝나지 않은") as early:
        evidence.destroy(office.db, office.admin, [old.id, live.id], now=moment)
    assert "C0000003(이체정보 사용 중)" in early.value.message
    assert not evidence.get(office.db, clerk, old.id).destroyed  # all or nothing

    assert evidence.destroy(office.db, office.admin, [old.id, leap.id], now=moment) == 2
    gone = evidence.get(office.db, clerk, old.id)
    assert gone.destroyed and gone.state is EvidenceState.DESTROYED and gone.destroyed_by == "admin"
    assert gone.sha256 == old.sha256  # the record that it existed stays
    with office.db.session() as s:
        assert s.scalar(select(ConsentEvidence.content_enc).where(ConsentEvidence.id == old.id)) is None
    with pytest.raises(ServiceError, match="파기된"):
        evidence.open_content(office.db, office.admin, key, old.id)
    assert evidence.destroy(office.db, office.admin, [old.id], now=moment) == 0  # already done
    assert evidence.due_for_destruction(office.db, clerk, office.contract_id, today=date(2025, 3, 2)) == []
    destroyed = audit_rows(office, "evidence_destroyed")
    assert [r.target for r in destroyed] == ["C0000001", "C0000002"]
    assert json.loads(destroyed[0].detail or "{}")["sha256"] == old.sha256


def test_retention_follows_the_contract(office: Office, key: DataKey, payers: list[Payer]) -> None:
    info = evidence.attach(office.db, office.admin, key, payers[0].agreement_id, signed_form(), "a.jpg")
    end_agreement(office, payers[0].agreement_id, date(2020, 3, 1))
    with office.db.session() as s:
        s.execute(update(Contract).where(Contract.id == office.contract_id).values(evidence_retention_years=10))
    assert evidence.get(office.db, office.admin, info.id).keep_until == date(2030, 3, 1)
    assert evidence.due_for_destruction(office.db, office.admin, office.contract_id, today=date(2026, 1, 1)) == []


def test_export_archive_writes_the_files_and_a_manifest_privately(office: Office, key: DataKey,
                                                                  payers: list[Payer], clerk: Actor,
                                                                  tmp_path: Path) -> None:
    jpeg = signed_form()
    pdf = pdf_document([form_page(width=600, height=850, noise=0)])
    a = evidence.attach(office.db, clerk, key, payers[0].agreement_id, jpeg, "=HYPERLINK(1)+2.jpg")
    b = evidence.attach(office.db, clerk, key, payers[1].agreement_id, pdf, "동의서.pdf")
    end_agreement(office, payers[1].agreement_id, date(2019, 1, 10))
    target = tmp_path / "보관.zip"
    with pytest.raises(PermissionDeniedError):
        evidence.export_archive(office.db, clerk, key, [a.id, b.id], target)
    written = evidence.export_archive(office.db, office.admin, key, [a.id, b.id], target)
    assert written == target.resolve() and stat.S_IMODE(target.stat().st_mode) == 0o600
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        assert sorted(names) == sorted([f"C0000001_A01_{a.id}.jpg", f"C0000002_A01_{b.id}.pdf", "manifest.csv",
                                        "manifest.json"])
        assert archive.read(f"C0000001_A01_{a.id}.jpg") == jpeg and archive.read(f"C0000002_A01_{b.id}.pdf") == pdf
        manifest = json.loads(archive.read("manifest.json"))["evidence"]
        table = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    assert [m["SHA-256"] for m in manifest] == [a.sha256, b.sha256]
    assert manifest[1]["보관기한"] == "2024-01-10" and manifest[1]["고객번호"] == "C0000002"
    assert table[0]["원본파일명"].startswith("'=")  # no formula when the manifest opens in Excel
    with pytest.raises(OutputRefusedError, match="이미 있습니다"):
        evidence.export_archive(office.db, office.admin, key, [a.id], target)
    evidence.export_archive(office.db, office.admin, key, [a.id], target, force=True)
    with zipfile.ZipFile(target) as archive:
        assert len(archive.namelist()) == 3
    exports = audit_rows(office, "personal_data_exported")
    assert [json.loads(r.detail or "{}")["files"] for r in exports] == [2, 1]
    with pytest.raises(NotFoundError):
        evidence.export_archive(office.db, office.admin, key, [a.id, 999_999], tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()


def test_export_refuses_the_database_file(office: Office, key: DataKey, payers: list[Payer]) -> None:
    info = evidence.attach(office.db, office.admin, key, payers[0].agreement_id, signed_form(), "a.jpg")
    if office.db.is_sqlite:
        with pytest.raises(OutputRefusedError):
            evidence.export_archive(office.db, office.admin, key, [info.id], Path(str(office.db.engine.url.database)),
                                    force=True)


def test_evidence_changed_in_the_database_does_not_open(office: Office, key: DataKey, payers: list[Payer]) -> None:
    a = evidence.attach(office.db, office.admin, key, payers[0].agreement_id, signed_form(b"a"), "a.jpg")
    b = evidence.attach(office.db, office.admin, key, payers[1].agreement_id, signed_form(b"b"), "b.jpg")
    with office.db.session() as s:  # one row's sealed bytes copied onto the other: the SHA-256 says so
        sealed = s.scalar(select(ConsentEvidence.content_enc).where(ConsentEvidence.id == b.id))
        s.execute(update(ConsentEvidence).where(ConsentEvidence.id == a.id).values(content_enc=sealed))
    with pytest.raises(ServiceError, match="SHA-256"):
        evidence.open_content(office.db, office.admin, key, a.id)


def test_a_file_on_disk_is_read_only_when_within_bounds(office: Office, key: DataKey, payers: list[Payer],
                                                        tmp_path: Path) -> None:
    scan = tmp_path / "동의서.jpg"
    scan.write_bytes(signed_form())
    info = evidence.attach_file(office.db, office.admin, key, payers[0].agreement_id, scan)
    assert info.original_name == "동의서.jpg" and info.size == scan.stat().st_size
    huge = tmp_path / "huge.tif"
    with open(huge, "wb") as handle:  # sparse: refused by its size, never read
        handle.truncate(51 * 1024 * 1024)
    with pytest.raises(fit.EvidenceTooLarge, match=r"51.0MB"):
        evidence.attach_file(office.db, office.admin, key, payers[1].agreement_id, huge)
    with pytest.raises(fit.EvidenceUnsupported, match="읽을 수 없습니다"):
        evidence.attach_file(office.db, office.admin, key, payers[1].agreement_id, tmp_path / "missing.jpg")
