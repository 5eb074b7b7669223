"""일괄 첨부 (app/services/customers/evidence/bulk.py): a folder or a zip named by 고객번호, on both databases.

The report must say for every file what it became or why not, and list the agreements still without
evidence; a zip from anywhere must not be able to exhaust memory or reach outside itself.
"""

from __future__ import annotations

import os
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import CollectionItem, Contract, Customer, DebitAgreement, EvidenceKind
from app.services.common.crypto import DataKey
from app.services.common.errors import PermissionDeniedError, ServiceError
from app.services.common.session import Actor
from app.services.customers.evidence import bulk as evidence_bulk
from app.services.customers.evidence import store as evidence
from tests.evidence.helpers import encoded, form_page, tiff_pages
from tests.factories import Office
from tests.transmissions.helpers import Payer

WHEN = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def small_scan(seed: int = 1) -> bytes:
    return encoded(form_page(width=640, height=900, noise=0, seed=seed), "JPEG", quality=70)


def second_agreement(office: Office, key: DataKey, payer: Payer, item_code: str = "A02") -> int:
    """Give `payer` an agreement for another item (교재비 by default)."""
    with office.db.session() as s:
        item_id = s.scalar(select(CollectionItem.id).where(CollectionItem.contract_id == office.contract_id,
                                                           CollectionItem.code == item_code))
        row = DebitAgreement(customer_id=payer.customer_id, item_id=item_id, debit_limit=100_000,
                             monthly_amount=30_000, first_month="2026-01", debit_day=5, bank_code="088",
                             account_no_enc=key.encrypt(payer.account, "account_no"),
                             account_no_hash=key.blind_index(payer.account, "account_no"),
                             account_last4=payer.account[-4:], holder_name="예금주", holder_id=payer.holder_id)
        s.add(row)
        s.flush()
        return row.id


def reasons(report: evidence_bulk.BulkReport) -> dict[str, str]:
    return {miss.file_name: miss.reason for miss in report.unmatched}


def test_a_folder_named_by_customer_number_is_matched_and_every_other_file_explained(
        office: Office, key: DataKey, payers: list[Payer], clerk: Actor, tmp_path: Path) -> None:
    books = second_agreement(office, key, payers[1])
    folder = tmp_path / "스캔"
    (folder / "scans").mkdir(parents=True)
    (folder / "C0000001.jpg").write_bytes(small_scan(1))
    (folder / "scans" / "C0000001_수강료.jpg").write_bytes(small_scan(2))  # a second file for one agreement
    (folder / "C0000002_교재비.png").write_bytes(encoded(form_page(width=640, height=900, noise=0), "PNG"))
    (folder / "C0000002 동의서.jpg").write_bytes(small_scan(3))  # two agreements, no item named
    (folder / "C0000003-A01.tif").write_bytes(tiff_pages([form_page(width=500, height=700, noise=0, seed=s)
                                                          for s in range(2)]))
    (folder / "C0000003_차량비.jpg").write_bytes(small_scan(4))  # no 차량비 agreement
    (folder / "c0000004.jpg").write_bytes(small_scan(5))  # no such customer
    (folder / "홍길동.jpg").write_bytes(small_scan(6))  # not named by a number
    (folder / "명단.xlsx").write_bytes(b"PK\x03\x04")
    (folder / "notes").write_bytes(b"hello")
    (folder / "Thumbs.db").write_bytes(b"junk")  # Windows litter: not even reported
    (folder / ".DS_Store").write_bytes(b"junk")
    with open(folder / "C0000002_수강료.jpg", "wb") as huge:  # 60 MB, sparse: refused without reading it
        huge.truncate(60 * 1024 * 1024)
    os.symlink(folder / "C0000001.jpg", folder / "C0000003 link.jpg")
    seen: list[tuple[int, int]] = []

    report = evidence.attach_bulk(office.db, clerk, key, folder, now=WHEN, progress=lambda d, t: seen.append((d, t)))

    assert sorted((m.file_name, m.customer_no, m.item_name) for m in report.matched) == [
        ("C0000002_교재비.png", "C0000002", "교재비"), ("C0000003-A01.tif", "C0000003", "수강료")]
    tiff = next(m for m in report.matched if m.file_name.endswith(".tif"))
    assert "TIFF 2쪽" in tiff.note
    why = reasons(report)
    assert set(why) == {"C0000001.jpg", "scans/C0000001_수강료.jpg", "C0000002 동의서.jpg", "C0000003_차량비.jpg",
                        "c0000004.jpg", "홍길동.jpg", "명단.xlsx", "notes", "C0000002_수강료.jpg", "C0000003 link.jpg"}
    assert "파일이 2개" in why["C0000001.jpg"] and "파일이 2개" in why["scans/C0000001_수강료.jpg"]
    assert "이체정보가 여럿" in why["C0000002 동의서.jpg"] and "C0000002_수강료.jpg" in why["C0000002 동의서.jpg"]
    assert "A03" in why["C0000003_차량비.jpg"]
    assert "고객번호 'c0000004'인 고객이 없습니다" in why["c0000004.jpg"]
    assert "고객번호로 시작하지" in why["홍길동.jpg"]
    assert ".xlsx" in why["명단.xlsx"] and "확장자 없음" in why["notes"]
    assert "60.0MB" in why["C0000002_수강료.jpg"] and "링크" in why["C0000003 link.jpg"]
    assert [(w.customer_no, w.item_name, w.status) for w in report.without_evidence] == [
        ("C0000001", "수강료", "증빙 없음"), ("C0000002", "수강료", "증빙 없음")]
    assert seen == [(1, 2), (2, 2)]
    assert evidence.current(office.db, clerk, books) is not None
    assert report.summary == "첨부 2건, 첨부하지 못한 파일 10건, 아직 증빙이 없는 이체정보 2건"


def test_a_name_that_is_a_customer_number_with_a_hyphen_wins_over_an_item_code(
        office: Office, key: DataKey, payers: list[Payer], tmp_path: Path) -> None:
    with office.db.session() as s:
        first = s.get(Customer, payers[0].customer_id)
        assert first is not None
        first.customer_no = "2025-001"
    (tmp_path / "2025-001.jpg").write_bytes(small_scan())
    report = evidence.attach_bulk(office.db, office.admin, key, tmp_path)
    assert [(m.customer_no, m.item_name) for m in report.matched] == [("2025-001", "수강료")]


def _cp949_member(name: str) -> zipfile.ZipInfo:
    """A member named the way Korean Windows' zip writes it: CP949 bytes, no UTF-8 flag."""

    class Cp949Info(zipfile.ZipInfo):
        def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 (zipfile naming)
            return name.encode("cp949"), self.flag_bits & ~0x800

    return Cp949Info(name, date_time=(2026, 3, 2, 9, 0, 0))


def mark_encrypted(path: Path, name: bytes) -> None:
    """Set the 'encrypted' flag of a member in its local and central headers (zipfile cannot write one)."""
    data = bytearray(path.read_bytes())
    for signature, flag_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        at = data.find(signature)
        while at >= 0:
            if data[at + name_at : at + name_at + len(name)] == name:
                data[at + flag_at] |= 0x1
            at = data.find(signature, at + 1)
    path.write_bytes(bytes(data))


def test_a_zip_from_korean_windows_is_read_and_its_dangers_refused(
        office: Office, key: DataKey, payers: list[Payer], clerk: Actor, tmp_path: Path) -> None:
    source = tmp_path / "동의서.zip"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_cp949_member("C0000001_수강료.jpg"), small_scan(1))
        archive.writestr("../C0000002.jpg", small_scan(2))
        archive.writestr("C0000003.jpg", small_scan(3))  # marked encrypted below: never read
        archive.writestr("bomb/C0000002.jpg", b"\xff\xd8\xff" + bytes(60 * 1024 * 1024))  # 60 MB of zeros, ~60 KB
        archive.writestr("inner.zip", b"PK\x05\x06" + bytes(18))
        archive.writestr("__MACOSX/._C0000001_수강료.jpg", b"\x00\x05\x16\x07")
    mark_encrypted(source, b"C0000003.jpg")
    assert source.stat().st_size < 1024 * 1024

    report = evidence.attach_bulk(office.db, clerk, key, source, kind=EvidenceKind.WRITTEN)

    assert [(m.file_name, m.customer_no) for m in report.matched] == [("C0000001_수강료.jpg", "C0000001")]
    why = reasons(report)
    assert set(why) == {"../C0000002.jpg", "C0000003.jpg", "bomb/C0000002.jpg", "inner.zip"}
    assert "'..'" in why["../C0000002.jpg"] and "암호" in why["C0000003.jpg"]
    assert "압축 폭탄" in why["bomb/C0000002.jpg"] and ".zip" in why["inner.zip"]
    info = evidence.current(office.db, clerk, payers[0].agreement_id)
    assert info is not None and info.original_name == "C0000001_수강료.jpg"


def test_a_zip_too_big_or_too_crowded_is_refused_whole(office: Office, key: DataKey, payers: list[Payer],
                                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "many.zip"
    with zipfile.ZipFile(source, "w") as archive:
        for n in range(5):
            archive.writestr(f"C000000{n}.jpg", small_scan(n))
    monkeypatch.setattr(evidence_bulk, "MAX_ZIP_ENTRIES", 4)
    with pytest.raises(ServiceError, match="항목이 너무 많습니다"):
        evidence.attach_bulk(office.db, office.admin, key, source)
    monkeypatch.setattr(evidence_bulk, "MAX_ZIP_ENTRIES", 100)
    monkeypatch.setattr(evidence_bulk, "MAX_TOTAL_BYTES", 50_000)
    with pytest.raises(ServiceError, match="압축을 풀면"):
        evidence.attach_bulk(office.db, office.admin, key, source)
    assert all(evidence.current(office.db, office.admin, p.agreement_id) is None for p in payers)


def test_a_folder_with_too_many_files_is_refused_whole(office: Office, key: DataKey, payers: list[Payer],
                                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(4):
        (tmp_path / f"C000000{n}.jpg").write_bytes(b"x")
    monkeypatch.setattr(evidence_bulk, "MAX_FILES", 3)
    with pytest.raises(ServiceError, match="파일이 너무 많습니다"):
        evidence.attach_bulk(office.db, office.admin, key, tmp_path)


def test_what_bulk_attach_refuses_to_start(office: Office, key: DataKey, payers: list[Payer], viewer: Actor,
                                           tmp_path: Path) -> None:
    (tmp_path / "C0000001.jpg").write_bytes(small_scan())
    with pytest.raises(PermissionDeniedError):
        evidence.attach_bulk(office.db, viewer, key, tmp_path)
    with pytest.raises(ServiceError, match=r"폴더나 .zip"):
        evidence.attach_bulk(office.db, office.admin, key, tmp_path / "C0000001.jpg")
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ServiceError, match="손상"):
        evidence.attach_bulk(office.db, office.admin, key, tmp_path / "broken.zip")
    with pytest.raises(ServiceError, match="찾을 수 없습니다"):
        evidence.attach_bulk(office.db, office.admin, key, tmp_path / "missing")
    with office.db.session() as s:  # a second contract: the clerk must say which
        contract = s.get(Contract, office.contract_id)
        assert contract is not None
        s.add(Contract(institution_id=office.institution_id, institution_code="9912345679", name="둘째 계약",
                       business_no=contract.business_no, representative="김해오", settlement_bank_code="088",
                       settlement_account_no="110123456780", passbook_text="해오름", fee_per_debit=300,
                       fee_per_registration=200, debit_days="5"))
    with pytest.raises(ServiceError, match="계약정보가 여럿"):
        evidence.attach_bulk(office.db, office.admin, key, tmp_path)
    report = evidence.attach_bulk(office.db, office.admin, key, tmp_path, contract_id=office.contract_id)
    assert [m.customer_no for m in report.matched] == ["C0000001"]
