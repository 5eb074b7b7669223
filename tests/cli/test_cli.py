"""`python -m app` as an administrator or a script runs it: honest exit codes, one-line reasons, and a
login before anything but the empty-database commands (app/cli/login.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.database.engine import Database
from app.services.settings import users as auth

ROOT = Path(__file__).resolve().parents[2]


LOGIN_VARS = ("KSCMS_CONTRACT", "KSCMS_USER", "KSCMS_PASSWORD", "KSCMS_BIRTH", "KSCMS_NEW_PASSWORD",
              "KSCMS_SCHEDULER_TOKEN")
DEMO_NEW_PASSWORD = "demo-admin-2026"


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full_env = {**{k: v for k, v in os.environ.items() if k not in LOGIN_VARS}, **env, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True, env=full_env,
                          cwd=ROOT, stdin=subprocess.DEVNULL, timeout=180)


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    return {"KSCMS_DATA_DIR": str(tmp_path / "cli-data"), "KSCMS_PASSPHRASE": "test-passphrase",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def test_help_lists_the_commands(cli_env: dict[str, str]) -> None:
    result = run_cli("--help", env=cli_env)
    assert result.returncode == 0
    for command in ("init", "demo-data", "users", "migrate"):
        assert command in result.stdout


def _demo_on(url: str | None, cli_env: dict[str, str]) -> tuple[dict[str, str], subprocess.CompletedProcess[str]]:
    env = dict(cli_env)
    if url:
        env["KSCMS_DATABASE_URL"] = url
    return env, run_cli("demo-data", "--customers", "40", env=env)


def demo_login(code: str, password: str = "000000") -> dict[str, str]:
    """The demo's known administrator (README: 관리자 admin, 생년월일 800101)."""
    return {"KSCMS_CONTRACT": code, "KSCMS_USER": "admin", "KSCMS_PASSWORD": password, "KSCMS_BIRTH": "800101"}


def change_demo_password(env: dict[str, str], code: str) -> dict[str, str]:
    """`python -m app password`: the demo administrator leaves the initial password, as a script does."""
    changed = run_cli("password", env={**env, **demo_login(code), "KSCMS_NEW_PASSWORD": DEMO_NEW_PASSWORD})
    assert changed.returncode == 0, changed.stderr
    return {**env, **demo_login(code, DEMO_NEW_PASSWORD)}


def _check_demo(env: dict[str, str], result: subprocess.CompletedProcess[str], url: str) -> None:
    assert result.returncode == 0, result.stderr
    code = result.stdout.strip().splitlines()[-1]
    assert len(code) == 10
    again = run_cli("demo-data", env=env)
    assert again.returncode == 2 and "비어 있지 않습니다" in again.stderr and len(again.stderr.strip().splitlines()) == 1
    assert run_cli("demo-data", "--if-empty", env=env).returncode == 0  # `bash dev.sh run` needs no login
    initial = run_cli("users", "list", "--contract", code, env={**env, **demo_login(code)})
    assert initial.returncode == 2 and "python -m app password" in initial.stderr  # change the initial one first
    users = run_cli("users", "list", "--contract", code, env=change_demo_password(env, code))
    assert users.returncode == 0 and users.stdout.startswith("admin")
    db = Database.from_url(url)
    assert not auth.login(db, code, "admin", DEMO_NEW_PASSWORD, "800101").must_change_password
    db.dispose()


def test_demo_data_on_sqlite_prints_the_institution_code(cli_env: dict[str, str], tmp_path: Path) -> None:
    env, result = _demo_on(None, cli_env)
    _check_demo(env, result, f"sqlite:///{(tmp_path / 'cli-data' / 'kscms.db').as_posix()}")


@pytest.mark.pg
def test_demo_data_on_postgresql(cli_env: dict[str, str], pg_url: str) -> None:
    env, result = _demo_on(pg_url, cli_env)
    _check_demo(env, result, pg_url)


def test_failures_are_one_line_in_korean_and_english(cli_env: dict[str, str]) -> None:
    result = run_cli("users", "unlock", "nobody", "--contract", "0000000000", env=cli_env)
    assert result.returncode == 2
    line = result.stderr.strip()
    assert "\n" not in line and "KSCMS_USER" in line and "로그인" in line and "(" in line
    assert not (Path(cli_env["KSCMS_DATA_DIR"]) / "kscms.db").exists()  # refused before the database was opened


def test_unreachable_database_is_reported_not_hung(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "KSCMS_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    result = run_cli("migrate", env=env)
    assert result.returncode == 2
    assert "database unavailable" in result.stderr


def test_init_without_a_passphrase_on_a_pipe_refuses_instead_of_asking(cli_env: dict[str, str]) -> None:
    env = {k: v for k, v in cli_env.items() if k != "KSCMS_PASSPHRASE"}
    result = run_cli("init", "--institution-name", "테스트", "--institution-code", "1234567890",
                     "--business-no", "1248100998", "--representative", "홍길동", "--bank", "088",
                     "--account", "110123456789", "--passbook-text", "테스트", "--admin-birth", "800101", env=env)
    assert result.returncode == 2
    assert "KSCMS_PASSPHRASE" in result.stderr


def test_unlock_and_reset_password_from_the_command_line(cli_env: dict[str, str]) -> None:
    env, result = _demo_on(None, cli_env)
    code = result.stdout.strip().splitlines()[-1]
    env = change_demo_password(env, code)
    assert run_cli("users", "unlock", "--contract", code, "admin", env=env).returncode == 0  # options first parses too
    reset = run_cli("users", "reset-password", "admin", "--contract", code, env=env)
    assert reset.returncode == 0 and "000000" in reset.stdout
    after = run_cli("users", "list", "--contract", code, env=env)
    assert after.returncode == 2 and "비밀번호" in after.stderr  # the old password is gone
