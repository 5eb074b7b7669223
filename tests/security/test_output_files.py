"""Issue 13, item 4: a file the user names never overwrites anything unasked, and never the data.

`export-customers k.db` once turned the live database into a spreadsheet. Every service that writes
a file the clerk named (exports, results, the import error list and template, reports, letters,
backups) now refuses an existing file without force, refuses the live database, its -wal/-shm and
the backups folder even with force, writes 0600 through a temporary name, and audits an export only
once its file is in place.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import tempfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import func, select

from app import config
from app.database.engine import Database
from app.models import AuditLog, Customer
from app.services.aggregates.common import GroupBy
from app.services.aggregates.reports import build, letters
from app.services.collection import results
from app.services.common import output_files
from app.services.common.calendar import SEOUL
from app.services.common.output_files import OutputRefusedError
from app.services.common.periods import Period
from app.services.customers import exports
from app.services.customers.imports import flow as imports
from app.services.customers.imports.template import template_for_contract
from tests.factories import Office, make_office
from tests.imports.workbooks import as_list, row_values, write_rows
from tests.security.cli import login_env, run_cli

TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=SEOUL)
QUARTER = Period(date(2026, 9, 1), TODAY)
PRECIOUS = b"the clerk's own spreadsheet, not to be lost"

Writer = Callable[[Office, Path, bool], object]


def _error_preview(office: Office) -> imports.ImportPreview:
    bad = write_rows(Path(tempfile.mkdtemp(prefix="kscms-input-")) / "bad-input.xlsx", [as_list(row_values(1, email="parent-at-example"))])
    return imports.preview_import(office.db, office.admin, office.contract_id, bad, imports.ImportOptions(),
                                  today=TODAY)


WRITERS: dict[str, Writer] = {
    "export-customers": lambda o, p, f: exports.export_customers(o.db, o.admin, o.contract_id, p, force=f),
    "results-xlsx": lambda o, p, f: results.export_results_xlsx(o.db, o.admin, o.contract_id, p, today=TODAY, force=f),
    "import-template": lambda o, p, f: template_for_contract(o.db, o.admin, o.contract_id, p, force=f),
    "import-errors": lambda o, p, f: imports.save_error_report(o.db, o.admin, _error_preview(o), p, force=f),
    "report-pdf": lambda o, p, f: build.save(o.db, o.admin, build.outstanding_summary(
        o.db, o.admin, o.contract_id, QUARTER, GroupBy.ITEM, now=NOW), p, "pdf", force=f),
    "report-xlsx": lambda o, p, f: build.save(o.db, o.admin, build.outstanding_summary(
        o.db, o.admin, o.contract_id, QUARTER, GroupBy.ITEM, now=NOW), p, "xlsx", force=f),
    "unpaid-letters": lambda o, p, f: letters.write_letters(o.db, o.admin, o.contract_id, QUARTER, None, None, p,
                                                            now=NOW, force=f),
}


def leftovers(folder: Path) -> list[str]:
    """Temporary names output_files writes under; none may survive a write, failed or not."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def exported_rows(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action.in_(("personal_data_exported", "report_exported")))) or 0)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out" / "files"
    folder.mkdir(parents=True)
    return folder


@pytest.mark.parametrize("name", list(WRITERS))
def test_an_existing_file_is_kept_unless_force_and_the_result_is_private(office: Office, out: Path, name: str) -> None:
    target = out / ("target.pdf" if "pdf" in name or "letters" in name else "target.xlsx")
    target.write_bytes(PRECIOUS)

    with pytest.raises(OutputRefusedError) as refused:
        WRITERS[name](office, target, False)
    assert "이미 있습니다" in refused.value.message and "--force" in refused.value.english
    assert target.read_bytes() == PRECIOUS and leftovers(out) == []
    assert exported_rows(office.db) == 0  # nothing left the program, so nothing is recorded

    WRITERS[name](office, target, True)
    assert target.read_bytes() != PRECIOUS and target.stat().st_size > 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert leftovers(out) == []


@pytest.mark.parametrize("name", list(WRITERS))
def test_the_live_database_and_the_backups_are_refused_even_with_force(office: Office, out: Path, name: str) -> None:
    targets = [config.backup_dir() / "kscms-20260101-090000-manual.db", config.backup_dir() / "list.xlsx"]
    live = office.db.engine.url.database
    if office.db.is_sqlite:
        assert live
        targets += [Path(live), Path(f"{live}-wal"), Path(f"{live}-shm")]
        before = hashlib.sha256(Path(live).read_bytes()).hexdigest()
    for target in targets:
        with pytest.raises(OutputRefusedError) as refused:
            WRITERS[name](office, target, True)
        assert "데이터베이스나 백업" in refused.value.message
    if office.db.is_sqlite:
        assert hashlib.sha256(Path(live).read_bytes()).hexdigest() == before  # type: ignore[arg-type]
        with sqlite3.connect(str(live)) as conn:  # still the office's database, not a spreadsheet
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not [p for p in config.backup_dir().iterdir() if p.suffix in (".xlsx", ".pdf", ".part")]
    assert exported_rows(office.db) == 0


def test_a_cancelled_or_failed_export_leaves_no_file_and_no_exported_row(office: Office, out: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    target = out / "list.xlsx"
    with pytest.raises(exports.ExportCancelled):
        exports.export_customers(office.db, office.admin, office.contract_id, target, cancelled=lambda: True)

    def disk_full(self: object, filename: object) -> None:
        Path(str(filename)).write_bytes(b"half a workbook")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("openpyxl.Workbook.save", disk_full)
    with pytest.raises(OutputRefusedError, match="저장하지 못했습니다"):
        results.export_results_xlsx(office.db, office.admin, office.contract_id, out / "results.xlsx", today=TODAY)
    with pytest.raises(OutputRefusedError):
        exports.export_customers(office.db, office.admin, office.contract_id, target)
    assert list(out.iterdir()) == []  # neither the file nor a temporary one
    assert exported_rows(office.db) == 0


def test_a_hard_link_or_symlink_to_the_database_is_refused(sqlite_db: Database, tmp_path: Path) -> None:
    """Another name for the live file (a hard link, a symbolic link) is still the live file."""
    live = Path(sqlite_db.engine.url.database or "")
    linked, symlinked = tmp_path / "innocent.xlsx", tmp_path / "also-innocent.xlsx"
    os.link(live, linked)
    symlinked.symlink_to(live)
    protected = output_files.protected_for(sqlite_db)
    for alias in (linked, symlinked):
        with pytest.raises(OutputRefusedError, match="데이터베이스나 백업"):
            output_files.write_output(alias, b"spreadsheet", force=True, protected=protected)
    assert live.read_bytes()[:16] == b"SQLite format 3\x00"


def test_a_writer_that_dies_half_way_leaves_nothing(tmp_path: Path) -> None:
    def half(path: Path) -> None:
        path.write_bytes(b"half")
        raise RuntimeError("power cut")

    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(RuntimeError):
        output_files.write_output(folder / "x.xlsx", half)
    assert list(folder.iterdir()) == []


# --- command line -----------------------------------------------------------------------------------


@pytest.fixture
def cli_office(sqlite_db: Database, tmp_path: Path) -> tuple[Office, dict[str, str], Path]:
    office = make_office(sqlite_db)
    data_dir = tmp_path / "data"
    return office, login_env(sqlite_db, data_dir), Path(sqlite_db.engine.url.database or "")


def test_cli_exports_refuse_existing_files_and_the_database(cli_office: tuple[Office, dict[str, str], Path],
                                                            tmp_path: Path) -> None:
    office, env, live = cli_office
    existing = tmp_path / "customers.xlsx"
    existing.write_bytes(PRECIOUS)

    done = run_cli("export-customers", str(existing), "--contract", office.institution_code, env=env)
    assert done.returncode == 2 and "--force" in done.stderr and done.stderr.startswith("오류:")
    assert existing.read_bytes() == PRECIOUS

    for attack in (live, Path(f"{live}-wal"), Path(env["KSCMS_DATA_DIR"]) / "backups" / "k.xlsx"):
        done = run_cli("export-customers", str(attack), "--contract", office.institution_code, "--force", env=env)
        assert done.returncode == 2 and "데이터베이스나 백업" in done.stderr, done.stderr
    with sqlite3.connect(str(live)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 0  # the tables are all still there
    assert exported_rows(office.db) == 0

    done = run_cli("export-customers", str(existing), "--contract", office.institution_code, "--force", env=env)
    assert done.returncode == 0, done.stderr
    assert existing.read_bytes()[:2] == b"PK" and stat.S_IMODE(existing.stat().st_mode) == 0o600
    assert exported_rows(office.db) == 1

    results_file = tmp_path / "results.xlsx"
    results_file.write_bytes(PRECIOUS)
    done = run_cli("results", "--contract", office.institution_code, "--xlsx", str(results_file), env=env)
    assert done.returncode == 2 and "--force" in done.stderr and results_file.read_bytes() == PRECIOUS
    done = run_cli("results", "--contract", office.institution_code, "--xlsx", str(results_file), "--force", env=env)
    assert done.returncode == 0 and results_file.read_bytes()[:2] == b"PK"


def test_cli_import_errors_and_backup_out_refuse_existing_files(cli_office: tuple[Office, dict[str, str], Path],
                                                                tmp_path: Path) -> None:
    office, env, live = cli_office
    source = write_rows(tmp_path / "input.xlsx", [as_list(row_values(1, email="parent-at-example"))])
    errors = tmp_path / "errors.xlsx"
    errors.write_bytes(PRECIOUS)
    done = run_cli("import-customers", str(source), "--contract", office.institution_code, "--errors-to", str(errors),
                   env=env)
    assert done.returncode == 2 and "--force" in done.stderr and errors.read_bytes() == PRECIOUS
    assert exported_rows(office.db) == 0
    done = run_cli("import-customers", str(source), "--contract", office.institution_code, "--errors-to", str(errors),
                   "--force", env=env)
    assert done.returncode == 1 and errors.read_bytes()[:2] == b"PK"  # saved; nothing imported (errors)

    copy = tmp_path / "usb" / "copy.db"
    copy.parent.mkdir()
    copy.write_bytes(PRECIOUS)
    done = run_cli("backup", "--out", str(copy), env=env)
    assert done.returncode == 2 and "--force" in done.stderr and copy.read_bytes() == PRECIOUS
    backups = Path(env["KSCMS_DATA_DIR"]) / "backups"
    for attack in (live, Path(f"{live}-shm"), backups / "kscms-20260101-090000-manual.db"):
        done = run_cli("backup", "--out", str(attack), "--force", env=env)
        assert done.returncode == 2 and "데이터베이스나 백업" in done.stderr, done.stderr
    done = run_cli("backup", "--out", str(copy), "--force", env=env)
    assert done.returncode == 0, done.stderr
    manifest = copy.with_name("copy.db.manifest.json")
    assert copy.read_bytes()[:16] == b"SQLite format 3\x00" and manifest.exists()
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in (copy, manifest))
    assert leftovers(copy.parent) == []


# --- screens ---------------------------------------------------------------------------------------


def test_the_customer_screen_refuses_the_live_database_with_a_korean_box(qtbot, sqlite_db: Database,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from app.views.common.context import AppContext
    from app.views.customers.customers_view import CustomersPage

    office = make_office(sqlite_db)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: shown.append(text))
    page = CustomersPage(AppContext(office.db, office.admin, office.contract_id, None, clock=lambda: NOW))
    qtbot.addWidget(page)
    live = Path(sqlite_db.engine.url.database or "")
    before = hashlib.sha256(live.read_bytes()).hexdigest()
    for target in (live, Path(f"{live}-wal"), config.backup_dir() / "list.xlsx"):
        page.ask_export_path = lambda t=target: str(t)  # type: ignore[method-assign]  # the clerk said "replace"
        page.export()
        assert page.export_job is None  # nothing started
    assert len(shown) == 3 and all("데이터베이스나 백업 파일에는 저장할 수 없습니다" in text for text in shown)
    assert hashlib.sha256(live.read_bytes()).hexdigest() == before
    assert exported_rows(office.db) == 0
