"""Issue 16: a raw scan of everything a thief could copy finds none of the evidence bytes.

Evidence carrying a distinctive marker (in a JPEG comment, in a PDF's text, inside a DER
signature) is attached; then the raw bytes of the SQLite file, its -wal and a backup made by the
app, or on PostgreSQL a pg_dump, a plain SELECT, and the table's heap and TOAST files and the
current WAL segment on the server's disk, are searched for the marker and for slices of each file
as stored (also hex-encoded, as pg_dump writes bytea). The scanner is shown to work on the archive
export, which holds the evidence in clear on purpose. After destruction, not even the ciphertext is
left in the SQLite file.
"""

from __future__ import annotations

import os
import uuid
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app.database import copies
from app.database.engine import Database
from app.models import ConsentEvidence
from app.services.common.crypto import DataKey
from app.services.customers.evidence import sealed as sealed_evidence
from app.services.customers.evidence import store as evidence
from tests.evidence.helpers import der_bytes, form_page, jpeg_with_comment, pdf_document
from tests.evidence.test_service import end_agreement
from tests.factories import Office
from tests.security.test_bank_files_at_rest import hits, pg_dump, scan_files
from tests.transmissions.helpers import Payer


def secrets_of(marker: bytes, stored: list[bytes]) -> list[bytes]:
    """The marker and three 48-byte slices of each stored file, each also as hex."""
    plain = [marker]
    for data in stored:
        third = len(data) // 3
        plain += [data[at : at + 48] for at in (third, 2 * third, len(data) - 60)]
    return plain + [s.hex().encode() for s in plain]


def attach_marked(office: Office, key: DataKey, payers: list[Payer]) -> tuple[bytes, list[sealed_evidence.EvidenceInfo],
                                                                               list[bytes]]:
    marker = f"KSCMS-EVIDENCE-{uuid.uuid4().hex}".encode()
    files = [
        (jpeg_with_comment(form_page(width=700, height=990, noise=0), marker), "동의서.jpg"),
        (pdf_document([form_page(width=600, height=850, noise=0)], marker=marker.decode()), "동의서.pdf"),
        (der_bytes(marker * 20), "sign.der"),
    ]
    infos = [evidence.attach(office.db, office.admin, key, p.agreement_id, data, name)
             for p, (data, name) in zip(payers, files, strict=True)]
    stored = [data for data, _name in files]
    assert [i.size for i in infos] == [len(d) for d in stored]  # kept as they are: the marker went in whole
    assert all(marker in d for d in stored)
    return marker, infos, stored


def test_the_scanner_finds_the_marker_where_it_is_in_clear(office: Office, key: DataKey, payers: list[Payer],
                                                           tmp_path: Path) -> None:
    marker, infos, stored = attach_marked(office, key, payers)
    archive = evidence.export_archive(office.db, office.admin, key, [i.id for i in infos], tmp_path / "a.zip")
    with zipfile.ZipFile(archive) as z:
        assert z.read(evidence.archive_member(infos[0])) == stored[0]
    assert marker in set(hits(archive.read_bytes(), secrets_of(marker, stored)))


def test_neither_the_database_nor_its_wal_nor_a_backup_nor_a_dump_holds_evidence_in_clear(
        office: Office, key: DataKey, payers: list[Payer], tmp_path: Path) -> None:
    db = office.db
    marker, _infos, stored = attach_marked(office, key, payers)
    secrets = secrets_of(marker, stored)
    if db.engine.dialect.name == "sqlite":
        live = copies.sqlite_path(db.engine)
        copy = copies.backup_sqlite(db.engine, tmp_path / "backups", key=key)
        scanned = [live, Path(f"{live}-wal"), *sorted(copy.parent.iterdir())]
        assert live.stat().st_size + Path(f"{live}-wal").stat().st_size > sum(len(d) for d in stored)
        assert copy.stat().st_size > sum(len(d) for d in stored)  # the evidence is in there, sealed
        assert scan_files(scanned, secrets) == {}
    else:
        dump = pg_dump(db, tmp_path / "dump.sql")
        assert "consent_evidence" in dump.read_text(encoding="utf-8")
        assert dump.stat().st_size > 2 * len(stored[0])  # hex bytea of the sealed files (the JPEG at least)
        assert scan_files([dump], secrets) == {}
        assert scan_files(pg_files_on_disk(db), secrets) == {}
    with db.engine.connect() as conn:  # a plain SELECT, as any database user could run it
        blobs = [bytes(b) for b in conn.execute(text("SELECT content_enc FROM consent_evidence")).scalars()]
    assert len(blobs) == 3 and all(b.startswith(b"KSB\x01") for b in blobs)
    assert all(not hits(b, secrets) for b in blobs)


def pg_files_on_disk(db: Database) -> list[Path]:
    """The table's heap and TOAST files and the current WAL segment, as they lie in the server's data
    directory (after a CHECKPOINT); skipped where this process cannot read that directory."""
    with db.engine.connect() as conn:
        conn.execute(text("CHECKPOINT"))
        folder = Path(conn.execute(text("SHOW data_directory")).scalar_one())
        heap = conn.execute(text("SELECT pg_relation_filepath('consent_evidence')")).scalar_one()
        toast = conn.execute(text(
            "SELECT pg_relation_filepath(reltoastrelid) FROM pg_class WHERE oid = 'consent_evidence'::regclass"
        )).scalar_one()
        wal = conn.execute(text("SELECT pg_walfile_name(pg_current_wal_lsn())")).scalar_one()
    files = [folder / heap, folder / toast, folder / "pg_wal" / wal]
    if not os.access(folder, os.R_OK):
        pytest.skip(f"the server's data directory {folder} is not readable by this user")
    assert (folder / toast).stat().st_size > 0  # the sealed files went to TOAST: real bytes are looked at
    return files


def test_destroyed_evidence_leaves_not_even_its_ciphertext_in_the_sqlite_file(office: Office, key: DataKey,
                                                                              payers: list[Payer]) -> None:
    db = office.db
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps old row versions until VACUUM: the sealed bytes are what remains there")
    _marker, infos, _stored = attach_marked(office, key, payers)
    with db.session() as s:
        sealed = s.scalar(select(ConsentEvidence.content_enc).where(ConsentEvidence.id == infos[0].id))
    assert sealed is not None
    pieces = [sealed[at : at + 48] for at in range(200, len(sealed) - 48, max(1, len(sealed) // 8))]
    live = copies.sqlite_path(db.engine)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    assert scan_files([live], pieces)  # the ciphertext is there before
    end_agreement(office, payers[0].agreement_id, date(2020, 1, 31))
    assert evidence.destroy(db, office.admin, [infos[0].id], now=datetime(2025, 3, 1, tzinfo=UTC)) == 1
    assert scan_files([live, Path(f"{live}-wal")], pieces) == {}
