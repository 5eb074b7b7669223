"""Backups and restore: the data comes back exactly, bad files are refused before anything is touched,
daily copies rotate at 14, and the command line does the same without a screen."""

from __future__ import annotations

import hashlib
import io
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from app import config
from app.cli import main as cli
from app.database import backup, copies, server_settings
from app.database import connection as db_setup
from app.database.copies import BackupError
from app.database.engine import Database
from app.models import Contract, Role
from tests.factories import add_user, make_office
from tests.security.backup_helpers import fake_pg_snapshot, give_data_key
from tests.security.cli import use_login


@pytest.fixture
def file_db(tmp_path: Path):
    """A migrated SQLite file with an office in it (the app's own engine: WAL, foreign keys)."""
    db = db_setup.prepare(server_settings.sqlite_url(tmp_path / "live" / "kscms.db"))
    office = make_office(db)
    add_user(office, "clerk1", Role.CLERK)
    give_data_key(db)  # as setup does: backups are then signed, and verified on restore
    yield db
    db.dispose()


def snapshot(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, in rowid order, read straight from the file."""
    conn = sqlite3.connect(str(path))
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def live_path(db: Database) -> Path:
    return copies.sqlite_path(db.engine)


def test_restore_brings_back_exactly_what_was_backed_up(file_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    copy = copies.backup_sqlite(file_db.engine, folder, reason=copies.MANUAL)
    file_db.dispose()
    before = snapshot(live_path(file_db))
    assert before["app_user"] and before["contract"]

    with file_db.session() as s:  # a day's work after the backup
        s.execute(update(Contract).values(name="바뀐학원", passbook_text="바뀐내용"))
    office_again = make_office(file_db, institution_code="9911111111")
    add_user(office_again, "clerk2", Role.VIEWER)
    file_db.dispose()
    changed = snapshot(live_path(file_db))
    assert changed != before

    safety = backup.restore_database(file_db, copy, safety_folder=folder)

    assert snapshot(live_path(file_db)) == before
    assert safety is not None and safety.name.endswith("-before-restore.db")
    assert snapshot(safety) == changed  # the day's work is not lost, only set aside
    with file_db.session() as s:  # the program's own engine reads the restored data
        assert {c.name for c in s.query(Contract)} == {"해오름수학학원"}


def _not_sqlite(path: Path) -> None:
    path.write_text("이것은 데이터베이스가 아닙니다", encoding="utf-8")


def _corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page * 2, min(len(data), page * 6)):
        data[offset] = 0xA5
    path.write_bytes(bytes(data))


def _foreign(path: Path) -> None:
    path.unlink()
    conn = sqlite3.connect(str(path))
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.commit()
    conn.close()


def _newer(path: Path) -> None:
    conn = sqlite3.connect(str(path))
    conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    ("spoil", "expected"),
    [(_not_sqlite, "SQLite 데이터베이스"), (_corrupt, "손상"), (_foreign, "스키마 버전"), (_newer, "더 새로운 버전")],
    ids=["not-sqlite", "corrupt", "not-kscms", "newer-schema"],
)
def test_a_bad_backup_is_refused_before_anything_is_touched(file_db: Database, tmp_path: Path, spoil, expected: str) -> None:
    folder = tmp_path / "backups"
    bad = copies.backup_sqlite(file_db.engine, tmp_path / "elsewhere")
    spoil(bad)
    file_db.dispose()
    live = live_path(file_db)
    before, files_before = digest(live), sorted(folder.glob("*")) if folder.exists() else []

    with pytest.raises(BackupError) as refused:
        backup.restore_database(file_db, bad, safety_folder=folder)

    assert expected in refused.value.message
    assert digest(live) == before
    assert (sorted(folder.glob("*")) if folder.exists() else []) == files_before  # not even a safety copy


def test_restoring_the_live_file_onto_itself_is_refused(file_db: Database, tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="사용 중인 데이터베이스 파일"):
        backup.restore_sqlite(live_path(file_db), live_path(file_db), safety_folder=tmp_path / "b")


def test_an_older_schema_backup_is_accepted_and_flagged_for_upgrade(file_db: Database, tmp_path: Path) -> None:
    copy = copies.backup_sqlite(file_db.engine, tmp_path / "b")
    conn = sqlite3.connect(str(copy))
    conn.execute("UPDATE alembic_version SET version_num = '0001_baseline'")
    conn.commit()
    conn.close()
    check = backup.check_backup(copy)
    assert check.revision == "0001_baseline" and check.upgrade_needed


def test_daily_backup_once_a_day_keeping_the_last_14_and_every_other_kind(file_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    manual = copies.backup_sqlite(file_db.engine, folder, reason=copies.MANUAL, now=datetime(2026, 1, 1, 9))
    upgrade = copies.backup_sqlite(file_db.engine, folder, reason="before-upgrade-0002_cus", now=datetime(2026, 1, 1, 9))
    start = datetime(2026, 1, 2, 8, 30)
    for day in range(20):
        now = start + timedelta(days=day)
        assert copies.daily_backup(file_db.engine, folder, now=now) is not None
        assert copies.daily_backup(file_db.engine, folder, now=now + timedelta(hours=3)) is None  # once a day

    kept = copies.list_backups(folder)
    daily = [b for b in kept if b.kind == copies.DAILY]
    assert len(daily) == copies.KEEP_DAILY == 14
    assert daily[0].taken_at.date() == (start + timedelta(days=19)).date()
    assert daily[-1].taken_at.date() == (start + timedelta(days=6)).date()
    assert manual.exists() and upgrade.exists()
    assert {b.kind_label for b in kept} == {"매일 자동", "수동", "업데이트 전"}
    assert not list(folder.glob("*.part"))


def test_a_copy_is_a_standalone_file(file_db: Database, tmp_path: Path) -> None:
    copy = copies.backup_sqlite(file_db.engine, tmp_path / "b")
    assert copy.read_bytes()[18:20] == b"\x01\x01"  # rollback journal: no -wal needed beside it
    assert backup.check_backup(copy).revision


def test_startup_takes_the_daily_backup_once(qtbot) -> None:
    from app.services.settings.demo import data as demo_data
    from app.views.shell.startup import Startup

    db = db_setup.prepare(config.default_sqlite_url())
    demo_data.create(db, passphrase="demo-passphrase", customers=2)
    db.dispose()
    Startup().open_database().dispose()
    Startup().open_database().dispose()
    daily = [b for b in copies.list_backups(config.backup_dir()) if b.kind == copies.DAILY]
    assert len(daily) == 1


# --- command line ---------------------------------------------------------------------------


def test_cli_backup_and_restore(file_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    live = live_path(file_db)
    use_login(monkeypatch, file_db)  # backup and restore are the administrator's
    monkeypatch.setenv("KSCMS_DATABASE_URL", server_settings.sqlite_url(live))
    file_db.dispose()
    assert cli.main(["backup"]) == 0
    made = copies.list_backups(config.backup_dir())
    assert len(made) == 1 and made[0].kind == copies.MANUAL
    before = snapshot(made[0].path)  # the data as it was, the administrator's login (audit rows) included
    out_file = tmp_path / "usb" / "copy.db"
    assert cli.main(["backup", "--out", str(out_file)]) == 0
    assert snapshot(out_file) == snapshot(live)

    with file_db.session() as s:
        s.execute(update(Contract).values(name="바뀐학원"))
    file_db.dispose()
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # not a terminal
    assert cli.main(["restore", str(made[0].path)]) == 2
    assert "--yes" in capsys.readouterr().err
    assert snapshot(live) != before

    assert cli.main(["restore", str(made[0].path), "--yes"]) == 0
    assert snapshot(live) == before
    assert "복원했습니다" in capsys.readouterr().out


def test_cli_restore_refuses_a_bad_file(file_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    use_login(monkeypatch, file_db)
    monkeypatch.setenv("KSCMS_DATABASE_URL", server_settings.sqlite_url(live_path(file_db)))
    bad = tmp_path / "bad.db"
    _not_sqlite(bad)
    assert cli.main(["restore", str(bad), "--yes"]) == 2
    assert "백업(SQLite 데이터베이스)이 아닙니다" in capsys.readouterr().err


# --- PostgreSQL -----------------------------------------------------------------------------


@pytest.mark.pg
def test_postgres_backup_with_pg_dump(pg_db: Database, pg_url: str, tmp_path: Path) -> None:
    make_office(pg_db)
    out = backup.backup_postgres(pg_url, tmp_path / "office.dump")
    assert out.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    listing = subprocess.run(["pg_restore", "--list", str(out)], capture_output=True, text=True, check=True).stdout
    assert "TABLE DATA" in listing and " contract " in listing
    assert not list(tmp_path.glob("*.part"))


def test_postgres_backup_without_pg_dump_says_where_to_look(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(backup, "find_pg_dump", lambda: None)
    with pytest.raises(BackupError) as refused:
        backup.backup_postgres("postgresql://kscms@192.0.2.10/kscms", tmp_path / "x.dump")
    assert "pg_dump" in refused.value.message and "docs/shared-database.md" in refused.value.message


def test_postgres_backup_passes_the_password_by_environment_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: dict[str, object] = {}

    def fake_run(args, **kwargs):
        seen["args"], seen["env"] = args, kwargs["env"]
        Path(next(a for a in args if a.startswith("--file=")).removeprefix("--file=")).write_bytes(b"PGDMP")
        return subprocess.CompletedProcess(args, 0, "", "")

    server = server_settings.ServerSettings("192.0.2.10", 5432, "kscms", "kscms")
    server_settings.save_password(server, "s3cret-pw")
    monkeypatch.setattr(backup, "pg_snapshot", fake_pg_snapshot)  # no server here: the manifest's counts are faked
    backup.backup_postgres(server.url(), tmp_path / "x.dump", pg_dump=Path("pg_dump"), run=fake_run)
    assert seen["env"]["PGPASSWORD"] == "s3cret-pw"  # type: ignore[index]
    assert not any("s3cret-pw" in str(a) for a in seen["args"])


def test_postgres_database_is_not_restored_by_the_program(tmp_path: Path) -> None:
    db = Database.from_url("postgresql://kscms@192.0.2.10/kscms")
    with pytest.raises(BackupError, match="pg_restore"):
        backup.restore_database(db, tmp_path / "x.db", safety_folder=tmp_path)


def test_a_copied_live_file_with_its_wal_is_read_whole_and_left_alone(file_db: Database, tmp_path: Path) -> None:
    live = live_path(file_db)
    wal = live.with_name(live.name + "-wal")
    assert wal.exists() and wal.stat().st_size  # the app's engine is in WAL mode: recent commits are in -wal
    copied = tmp_path / "copied" / "kscms.db"
    copied.parent.mkdir()
    copied.write_bytes(live.read_bytes())
    copied.with_name("kscms.db-wal").write_bytes(wal.read_bytes())
    before = sorted(p.name for p in copied.parent.iterdir())

    assert backup.check_backup(copied).revision  # alembic_version lives in the -wal part
    assert sorted(p.name for p in copied.parent.iterdir()) == before
