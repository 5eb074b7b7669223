"""Issue 13, item 6: a restore trusts only a backup its manifest vouches for.

Before: of 30 backups with one flipped byte, 23 restored (7 with silently changed rows), and crafted
backups (amounts ×10, a dropped table, a faked older revision) restored with exit 0. Now every
backup has a manifest signed under the data key; a restore checks the tag, the SHA-256, the revision,
the schema's shape and the row counts, and refuses anything else with the reason, leaving the live
database untouched. An unverified restore is an administrator's explicit, audited choice.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app import config
from app.database import backup, server_settings
from app.database import connection as db_setup
from app.database import copies as backup_copies
from app.database.backup_manifest import manifest_path
from app.database.copies import BackupError
from app.database.engine import Database
from app.models import AuditLog, Contract, Role
from app.services.common.crypto import DataKey, MemoryKeyring
from app.services.common.output_files import OutputRefusedError
from app.services.common.session import Actor
from tests.factories import Office, add_user, make_office
from tests.security.backup_helpers import give_data_key
from tests.security.cli import login_env, run_cli


@pytest.fixture
def live_office(tmp_path: Path):
    """A SQLite office as installed: the app's own engine (WAL), a data key cached in the keyring."""
    db = db_setup.prepare(server_settings.sqlite_url(tmp_path / "live" / "kscms.db"))
    office = make_office(db)
    key = give_data_key(db)
    yield office, key
    db.dispose()


def live_file(office: Office) -> Path:
    return backup_copies.sqlite_path(office.db.engine)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def contract_fee(path: Path) -> int:
    with sqlite3.connect(str(path)) as conn:
        return int(conn.execute("SELECT fee_per_debit FROM contract").fetchone()[0])


def edit_sqlite(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(str(path))
    try:
        for sql in statements:
            conn.execute(sql)
        conn.commit()
        conn.execute("VACUUM")
    finally:
        conn.close()


def recompute_sha(backup_file: Path) -> None:
    """What an attacker without the key can do: make the manifest's hash and size match the edited file."""
    path = manifest_path(backup_file)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["sha256"], data["size"] = digest(backup_file), backup_file.stat().st_size
    path.write_text(json.dumps(data), encoding="utf-8")


def admin_of(office: Office) -> Actor:
    return office.admin


def assert_refused_and_untouched(office: Office, bad: Path, expected: str, *, unverified: bool = False) -> None:
    office.db.dispose()
    live = live_file(office)
    before = digest(live)
    safety = config.backup_dir()
    copies = sorted(safety.glob("*")) if safety.exists() else []
    with pytest.raises(BackupError) as refused:
        backup.restore_database(office.db, bad, safety_folder=safety, unverified=unverified, actor=office.admin)
    assert expected in refused.value.message, refused.value.message
    assert refused.value.english and refused.value.english != refused.value.message
    assert digest(live) == before
    assert (sorted(safety.glob("*")) if safety.exists() else []) == copies  # not even a before-restore copy


# --- the manifest -----------------------------------------------------------------------------------


def test_a_backup_has_a_private_signed_manifest_and_restores_exactly(live_office: tuple[Office, DataKey],
                                                                     tmp_path: Path) -> None:
    office, key = live_office
    made = backup_copies.backup_sqlite(office.db.engine, config.backup_dir())
    manifest = json.loads(manifest_path(made).read_text(encoding="utf-8"))
    assert manifest["sha256"] == digest(made) and manifest["authenticated"] is True
    assert manifest["key_id"] == key.key_id and manifest["kind"] == backup_copies.MANUAL and manifest["mac"]
    assert manifest["schema_revision"] and manifest["app_version"]
    assert manifest["row_counts"]["contract"] == 1 and manifest["row_counts"]["app_user"] == 1
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in (made, manifest_path(made)))

    with office.db.session() as s:
        s.execute(text("UPDATE contract SET name = '오후에바뀐학원'"))
    check = backup.verify_backup(made)
    assert check.verified and check.unverified_reason is None
    safety = backup.restore_database(office.db, made, safety_folder=config.backup_dir())
    with office.db.session() as s:
        assert s.scalar(select(Contract.name)) == "해오름수학학원"
    assert safety is not None and stat.S_IMODE(safety.stat().st_mode) == 0o600
    assert backup.verify_backup(safety).verified  # the before-restore copy is itself a verified backup
    assert stat.S_IMODE(live_file(office).stat().st_mode) == 0o600


def test_thirty_backups_with_one_flipped_byte_are_all_refused(live_office: tuple[Office, DataKey],
                                                              tmp_path: Path) -> None:
    office, _ = live_office
    original = backup_copies.backup_sqlite(office.db.engine, tmp_path / "made")
    data = original.read_bytes()
    rng = random.Random(20261204)
    folder = tmp_path / "flipped"
    folder.mkdir()
    office.db.dispose()
    live = live_file(office)
    before = digest(live)
    for n in range(30):
        offset = rng.randrange(len(data))
        spoiled = bytearray(data)
        spoiled[offset] ^= 1 << rng.randrange(8)
        bad = folder / f"kscms-flip-{n}.db"
        bad.write_bytes(bytes(spoiled))
        shutil.copyfile(manifest_path(original), manifest_path(bad))
        with pytest.raises(BackupError):
            backup.restore_sqlite(live, bad, safety_folder=tmp_path / "safety")
    assert digest(live) == before
    assert not (tmp_path / "safety").exists()


def test_amounts_times_ten_with_a_recomputed_hash_fail_the_signature(live_office: tuple[Office, DataKey],
                                                                     tmp_path: Path) -> None:
    office, _ = live_office
    made = backup_copies.backup_sqlite(office.db.engine, tmp_path / "made")
    edit_sqlite(made, "UPDATE contract SET fee_per_debit = fee_per_debit * 10")
    recompute_sha(made)
    assert contract_fee(made) == 3000
    assert_refused_and_untouched(office, made, "서명 불일치")


def test_a_manifest_signed_under_another_key_or_stripped_of_its_signature_is_refused(
        live_office: tuple[Office, DataKey], tmp_path: Path) -> None:
    office, key = live_office
    made = backup_copies.backup_sqlite(office.db.engine, tmp_path / "made")
    edit_sqlite(made, "UPDATE contract SET fee_per_debit = fee_per_debit * 10")
    path = manifest_path(made)
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(sha256=digest(made), size=made.stat().st_size, authenticated=False, mac=None, key_id=None)
    path.write_text(json.dumps(data), encoding="utf-8")
    assert_refused_and_untouched(office, made, "서명이 없습니다")

    from app.database.backup_manifest import Manifest

    forged = Manifest(**{**data, "authenticated": True, "key_id": key.key_id})
    attacker = DataKey.generate()
    data.update(authenticated=True, key_id=key.key_id, mac=attacker.manifest_tag(forged.signed_bytes()))
    path.write_text(json.dumps(data), encoding="utf-8")
    assert_refused_and_untouched(office, made, "서명 불일치")


def test_row_counts_that_differ_from_the_manifest_are_refused(live_office: tuple[Office, DataKey],
                                                              tmp_path: Path) -> None:
    """A manifest edited to match a backup with a deleted user fails its tag; its counts are in the tag."""
    office, _ = live_office
    add_user(office, "clerk1", Role.CLERK)
    made = backup_copies.backup_sqlite(office.db.engine, tmp_path / "made")
    data = json.loads(manifest_path(made).read_text(encoding="utf-8"))
    data["row_counts"]["app_user"] = 1
    manifest_path(made).write_text(json.dumps(data), encoding="utf-8")
    assert_refused_and_untouched(office, made, "서명 불일치")


def test_a_dropped_table_is_refused_even_unverified(live_office: tuple[Office, DataKey], tmp_path: Path) -> None:
    office, _ = live_office
    made = backup_copies.backup_sqlite(office.db.engine, tmp_path / "made")
    edit_sqlite(made, "DROP TABLE notice")
    recompute_sha(made)
    assert_refused_and_untouched(office, made, "서명 불일치")
    assert_refused_and_untouched(office, made, "없는 표 notice", unverified=True)


def test_a_faked_older_revision_is_refused_even_unverified(live_office: tuple[Office, DataKey],
                                                           tmp_path: Path) -> None:
    office, _ = live_office
    made = backup_copies.backup_sqlite(office.db.engine, tmp_path / "made")
    edit_sqlite(made, "UPDATE alembic_version SET version_num = '0005_debit_request_take'")
    recompute_sha(made)
    assert backup.check_backup(made).upgrade_needed  # the old structural check believed it
    assert_refused_and_untouched(office, made, "서명 불일치")
    assert_refused_and_untouched(office, made, "0005_debit_request_take의 구조와 다릅니다", unverified=True)


def test_a_backup_without_a_manifest_is_refused(live_office: tuple[Office, DataKey], tmp_path: Path) -> None:
    office, _ = live_office
    made = backup_copies.backup_sqlite(office.db.engine, tmp_path / "made")
    manifest_path(made).unlink()
    assert_refused_and_untouched(office, made, "확인 정보 파일")


# --- the administrator's explicit unverified restore ------------------------------------------------


def test_unverified_restore_is_refused_for_a_clerk_and_audited_for_an_administrator(
        live_office: tuple[Office, DataKey], tmp_path: Path) -> None:
    office, _ = live_office
    clerk = add_user(office, "clerk1", Role.CLERK)
    made = backup_copies.backup_sqlite(office.db.engine, tmp_path / "made")
    manifest_path(made).unlink()  # e.g. a copy someone brought on a USB stick without its manifest
    with office.db.session() as s:
        s.execute(text("UPDATE contract SET name = '바뀐학원'"))
    office.db.dispose()
    live = live_file(office)
    before = digest(live)

    for actor in (clerk, None):
        with pytest.raises(BackupError, match="관리자만"):
            backup.restore_database(office.db, made, safety_folder=config.backup_dir(), unverified=True, actor=actor)
    assert digest(live) == before

    backup.restore_database(office.db, made, safety_folder=config.backup_dir(), unverified=True, actor=office.admin)
    with office.db.session() as s:
        assert s.scalar(select(Contract.name)) == "해오름수학학원"
        [row] = s.scalars(select(AuditLog).where(AuditLog.action == "backup_restored_unverified")).all()
    assert row.login_id == "admin" and row.institution_id == office.institution_id and row.target == made.name
    assert "확인 정보 파일" in (row.detail or "")


def test_the_daily_backup_without_the_key_is_marked_unsigned_and_restores_only_unverified(
        live_office: tuple[Office, DataKey], tmp_path: Path) -> None:
    """Decision: before login on a PC whose keyring lacks the key, the manifest is written unsigned."""
    import keyring

    office, _ = live_office
    keyring.set_keyring(MemoryKeyring())  # this PC never unlocked the key
    made = backup_copies.daily_backup(office.db.engine, config.backup_dir())
    assert made is not None
    manifest = json.loads(manifest_path(made).read_text(encoding="utf-8"))
    assert manifest["authenticated"] is False and manifest["mac"] is None and manifest["sha256"] == digest(made)
    assert [b.manifest_label for b in backup_copies.list_backups(config.backup_dir())] == ["서명 없음"]
    with pytest.raises(BackupError, match="서명이 없습니다"):
        backup.verify_backup(made)
    check = backup.verify_backup(made, unverified=True)
    assert not check.verified and "서명이 없습니다" in (check.unverified_reason or "")


# --- command line -----------------------------------------------------------------------------------


def test_cli_restore_refuses_a_forged_backup_and_an_unverified_one_needs_the_administrator(
        live_office: tuple[Office, DataKey], tmp_path: Path) -> None:
    office, _ = live_office
    add_user(office, "clerk1", Role.CLERK)
    env = login_env(office.db, Path(config.data_dir()))
    made = backup_copies.backup_sqlite(office.db.engine, tmp_path / "made")
    assert run_cli("verify-backup", str(made), env=env).returncode == 0

    edit_sqlite(made, "UPDATE contract SET fee_per_debit = fee_per_debit * 10")
    recompute_sha(made)
    office.db.dispose()
    live = live_file(office)
    before = contract_fee(live)
    done = run_cli("verify-backup", str(made), env=env)
    assert done.returncode == 2 and "서명 불일치" in done.stderr and "authentication failed" in done.stderr
    done = run_cli("restore", str(made), "--yes", env=env)
    assert done.returncode == 2 and "서명 불일치" in done.stderr, done.stderr
    assert contract_fee(live) == before

    clean = backup_copies.backup_sqlite(office.db.engine, tmp_path / "clean")
    manifest_path(clean).unlink()
    office.db.dispose()
    clerk_env = login_env(office.db, Path(config.data_dir()), user="clerk1", password="clerk1234", birth="900505")
    done = run_cli("restore", str(clean), "--yes", "--unverified", env=clerk_env)
    assert done.returncode == 2 and "관리자" in done.stderr
    done = run_cli("restore", str(clean), "--unverified", env=env)
    assert done.returncode == 2 and "--yes" in done.stderr  # a script must say yes explicitly
    done = run_cli("restore", str(clean), "--yes", "--unverified", env=env)
    assert done.returncode == 0, done.stderr
    assert "검증되지 않았습니다" in done.stderr and "UNVERIFIED" in done.stdout
    with office.db.session() as s:
        assert s.scalar(select(AuditLog.login_id).where(AuditLog.action == "backup_restored_unverified")) == "admin"


# --- PostgreSQL ---------------------------------------------------------------------------------------


@pytest.mark.pg
def test_a_postgres_dump_gets_the_same_signed_manifest(pg_db: Database, pg_url: str, tmp_path: Path) -> None:
    office = make_office(pg_db)
    add_user(office, "clerk1", Role.CLERK)
    give_data_key(pg_db)
    dump = backup.backup_postgres(pg_url, tmp_path / "office.dump")
    manifest = json.loads(manifest_path(dump).read_text(encoding="utf-8"))
    assert manifest["database"] == "postgresql" and manifest["authenticated"] is True
    assert manifest["sha256"] == digest(dump) and manifest["row_counts"]["app_user"] == 2
    assert manifest["schema_revision"] and manifest["row_counts"]["contract"] == 1
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in (dump, manifest_path(dump)))

    check = backup.verify_dump(dump)
    assert check.listed and check.revision == manifest["schema_revision"] and check.rows == sum(
        manifest["row_counts"].values())
    listing = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True, check=True).stdout
    assert "TABLE DATA" in listing
    env = login_env(pg_db, tmp_path / "data")
    done = run_cli("verify-backup", str(dump), env=env)
    assert done.returncode == 0 and "PostgreSQL 백업" in done.stdout, done.stderr
    done = run_cli("backup", env=env)  # the command line's dump into the backups folder, manifest beside it
    assert done.returncode == 0, done.stderr
    [made] = (tmp_path / "data" / "backups").glob("kscms-*-manual.dump")
    assert backup.verify_dump(made).revision == manifest["schema_revision"]

    spoiled = bytearray(dump.read_bytes())
    spoiled[len(spoiled) // 2] ^= 0x40
    dump.write_bytes(bytes(spoiled))
    with pytest.raises(BackupError, match="SHA-256"):
        backup.verify_dump(dump)
    data = json.loads(manifest_path(dump).read_text(encoding="utf-8"))
    data["sha256"], data["row_counts"]["app_user"] = digest(dump), 1
    manifest_path(dump).write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(BackupError, match="서명 불일치"):
        backup.verify_dump(dump)
    with pytest.raises(OutputRefusedError, match="이미 있습니다"):
        backup.backup_postgres(pg_url, dump)  # an existing backup is never replaced unasked


# --- the screen ---------------------------------------------------------------------------------------


def test_the_restore_dialog_offers_the_unverified_choice_to_an_administrator_only(
        qtbot, live_office: tuple[Office, DataKey], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from app.views.shell.backup_dialogs import RestoreDialog

    office, key = live_office
    clerk = add_user(office, "clerk1", Role.CLERK)
    made = backup_copies.backup_sqlite(office.db.engine, config.backup_dir())
    manifest_path(made).unlink()
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text: shown.append(text))

    as_clerk = RestoreDialog(office.db, actor=clerk, data_key=key)
    qtbot.addWidget(as_clerk)
    assert as_clerk.table.item(0, 3).text() == "확인 정보 없음"
    assert not as_clerk.restore_from(made, confirm=False, unverified=True)
    assert "확인 정보 파일" in shown[-1]

    as_admin = RestoreDialog(office.db, actor=office.admin, data_key=key)
    qtbot.addWidget(as_admin)
    asked: list[str] = []
    as_admin.ask_unverified = lambda reason: asked.append(reason) or False  # type: ignore[method-assign]
    assert not as_admin.restore_from(made) and "확인 정보 파일" in asked[0]  # the administrator said no
    assert as_admin.restore_from(made, confirm=False, unverified=True)
    with office.db.session() as s:
        assert s.scalar(select(AuditLog.login_id).where(AuditLog.action == "backup_restored_unverified")) == "admin"


def test_a_damaged_live_database_is_set_aside_raw_and_the_backup_restored(live_office: tuple[Office, DataKey],
                                                                           tmp_path: Path) -> None:
    """The usual reason to restore: the live file is broken. Its bytes are kept (0600), the backup goes in."""
    office, _ = live_office
    made = backup_copies.backup_sqlite(office.db.engine, config.backup_dir())
    office.db.dispose()
    live = live_file(office)
    for companion in (Path(f"{live}-wal"), Path(f"{live}-shm")):
        companion.unlink(missing_ok=True)
    damaged = b"SQLite format 3\x00" + b"\xa5" * 8192
    live.write_bytes(damaged)
    safety = backup.restore_sqlite(live, made, safety_folder=config.backup_dir())
    assert safety is not None and safety.read_bytes() == damaged and stat.S_IMODE(safety.stat().st_mode) == 0o600
    assert contract_fee(live) == 300
