"""`python -m app import-customers` / `export-customers`: the same report as the screen, honest exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.cli import main
from app.db import Database
from app.services import keys
from app.services.crypto import KeyringCache
from tests.factories import Office
from tests.imports.conftest import table_counts
from tests.imports.workbooks import as_list, row_values, write_rows
from tests.security.cli import login_env, use_login

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "test-passphrase"


@pytest.fixture
def cli_office(office: Office, monkeypatch: pytest.MonkeyPatch) -> Office:
    """The office with a data key in this PC's (test) keyring, as the CLI finds it."""
    with office.db.session() as s:
        key = keys.create_data_key(s, PASSPHRASE)
    KeyringCache(account=key.key_id).save(key)
    use_login(monkeypatch, office.db)
    return office


def test_a_clean_file_is_imported_and_exits_zero(cli_office: Office, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = write_rows(tmp_path / "ok.xlsx", [as_list(row_values(n)) for n in (1, 2)])
    assert main(["import-customers", str(path), "--contract", cli_office.institution_code]) == 0
    out = capsys.readouterr().out
    assert "전체 2행, 정상 2행" in out and "고객 2명 등록" in out
    assert table_counts(cli_office.db) == (2, 2, 2)


def test_errors_are_listed_and_nothing_is_imported(cli_office: Office, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    rows = [as_list(row_values(1)), as_list(row_values(2, account_no=1.2345e11))]
    path = write_rows(tmp_path / "bad.xlsx", rows)
    errors = tmp_path / "errors.xlsx"
    code = main(["import-customers", str(path), "--contract", cli_office.institution_code,
                 "--errors-to", str(errors)])
    captured = capsys.readouterr()
    assert code == 1
    assert "3행 [계좌번호] 엑셀이 숫자로 바꾼 값" in captured.out and "등록하지 않았습니다" in captured.err
    assert table_counts(cli_office.db) == (0, 0, 0)
    assert load_workbook(errors)["고객목록"].cell(1, 29).value == "오류 내용"
    assert main(["import-customers", str(path), "--contract", cli_office.institution_code,
                 "--mode", "valid-only"]) == 0
    assert table_counts(cli_office.db) == (1, 1, 1)
    assert main(["import-customers", str(path), "--contract", cli_office.institution_code,
                 "--mode", "valid-only"]) == 1  # the valid row is now an existing number: skipped, nothing new
    assert main(["import-customers", str(path), "--contract", cli_office.institution_code,
                 "--mode", "valid-only", "--on-existing", "update"]) == 0


def test_an_unreadable_file_exits_two_with_the_reason(cli_office: Office, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "list.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    assert main(["import-customers", str(path), "--contract", cli_office.institution_code]) == 2
    assert "엑셀 통합 문서(.xlsx) 파일이 아닙니다" in capsys.readouterr().err
    assert main(["import-customers", str(tmp_path / "none.xlsx"), "--contract", cli_office.institution_code]) == 2
    assert main(["import-customers", str(path), "--contract", "0000000000"]) == 2  # no such office: no login


def test_export_writes_the_masked_list(cli_office: Office, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_rows(tmp_path / "ok.xlsx", [as_list(row_values(1, account_no="110123456789"))])
    assert main(["import-customers", str(path), "--contract", cli_office.institution_code]) == 0
    out = tmp_path / "out.xlsx"
    assert main(["export-customers", str(out), "--contract", cli_office.institution_code]) == 0
    assert "고객 1명을 저장했습니다" in capsys.readouterr().out
    cells = [str(c) for row in load_workbook(out).active.iter_rows(values_only=True) for c in row if c]
    assert "C0000001" in cells and not any("110123456789" in c for c in cells)


def test_python_dash_m_app_runs_the_import(sqlite_db: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import make_office

    office = make_office(sqlite_db)
    with office.db.session() as s:
        keys.create_data_key(s, PASSPHRASE)
    path = write_rows(tmp_path / "ok.xlsx", [as_list(row_values(1))])
    env = {**os.environ, "PYTHONPATH": str(ROOT), **login_env(sqlite_db, tmp_path / "data"),
           "KSCMS_PASSPHRASE": PASSPHRASE}
    run = subprocess.run([sys.executable, "-m", "app", "import-customers", str(path), "--contract",
                          office.institution_code], capture_output=True, text=True, env=env, cwd=ROOT,
                         stdin=subprocess.DEVNULL, timeout=180)
    assert run.returncode == 0, run.stderr
    assert "고객 1명 등록" in run.stdout
    refused = subprocess.run([sys.executable, "-m", "app", "import-customers", str(path), "--contract",
                              office.institution_code], capture_output=True, text=True, env=env, cwd=ROOT,
                             stdin=subprocess.DEVNULL, timeout=180)
    assert refused.returncode == 1 and "건너뜀 1" in refused.stdout
