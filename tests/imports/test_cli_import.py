"""`python -m app import-customers` / `export-customers`: the same report as the screen, honest exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.cli.main import main
from app.database.engine import Database
from app.services.common import keys
from app.services.common.crypto import KeyringCache
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
    assert load_workbook(errors)["고객목록"].cell(1, 31).value == "오류 내용"
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


def test_python_dash_m_app_runs_the_import(sqlite_db: Database, tmp_path: Path) -> None:
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


def test_a_clerk_s_own_list_needs_its_unknown_column_mapped_then_remembers_it(
        cli_office: Office, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.imports.clerk_sheet import write_clerk_xlsx

    path = write_clerk_xlsx(tmp_path / "회원명단.xlsx")
    code = cli_office.institution_code
    assert main(["import-customers", str(path), "--contract", code, "--mode", "valid-only"]) == 1
    captured = capsys.readouterr()
    assert "회원번호 → 고객번호 (같은 뜻의 열 이름)" in captured.out and "메모사항 → ? (알 수 없는 열)" in captured.out
    assert "메모사항" in captured.err and "--map" in captured.err
    assert table_counts(cli_office.db) == (0, 0, 0)
    assert main(["import-customers", str(path), "--contract", code, "--mode", "valid-only",
                 "--map", "메모사항=메모", "--dry-run"]) == 0
    assert "검사만 했습니다" in capsys.readouterr().out and table_counts(cli_office.db) == (0, 0, 0)
    assert main(["import-customers", str(path), "--contract", code, "--mode", "valid-only",
                 "--map", "메모사항=메모"]) == 0
    out = capsys.readouterr().out
    assert "고객 10명 등록" in out and "KB국민은행 계좌번호는 10·11·12·14자리인데 6자리입니다" in out
    assert "[은행] '뱅크'은(는) 여러 은행으로 읽힙니다" in out
    assert table_counts(cli_office.db) == (10, 10, 10)
    # next time the remembered choice applies without --map (and says so); all are registered now
    assert main(["import-customers", str(path), "--contract", code, "--mode", "valid-only", "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert "메모사항 → 메모 (지난번 연결)" in out and "지난번에 정한 열 연결을 적용했습니다" in out


def test_a_bad_map_and_a_missing_required_column_exit_two(cli_office: Office, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import load_workbook

    from tests.imports.clerk_sheet import HEADER_ROW, write_clerk_xlsx

    path = write_clerk_xlsx(tmp_path / "회원명단.xlsx")
    code = cli_office.institution_code
    assert main(["import-customers", str(path), "--contract", code, "--map", "메모사항=아무거나"]) == 2
    assert "--map \"메모사항=아무거나\"을(를) 알 수 없습니다" in capsys.readouterr().err
    wb = load_workbook(path)
    wb.active.cell(HEADER_ROW, 9).value = "통장"  # 계좌번호 under a word nobody uses for it
    wb.save(path)
    assert main(["import-customers", str(path), "--contract", code]) == 2
    captured = capsys.readouterr()
    assert "필수 열이 없습니다: 계좌번호" in captured.err and "통장 → ? (알 수 없는 열)" in captured.out
    assert main(["import-customers", str(path), "--contract", code, "--mode", "valid-only", "--dry-run",
                 "--map", "통장=계좌번호", "--map", "메모사항=사용안함"]) == 0
    assert table_counts(cli_office.db) == (0, 0, 0)
