"""The command line is no door around the login (issue 13, part 2).

Each test attacks `python -m app` as a script, a 조회 user or a stolen PC would, on SQLite and on
PostgreSQL. Most commands run in-process through `app.cli.main.main` with the environment a script sets
(`use_login`); a few run as real processes without a terminal (`run_cli`), where that is the point.
"""

from __future__ import annotations

import getpass
import io
import socket
import statistics
import sys
import threading
import time
from datetime import date, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from app.cli import main as cli
from app.cli import relay as cli_relay
from app.database.engine import Database
from app.models import (
    AccountRegistration,
    AuditLog,
    Base,
    DataKeyRecord,
    RegistrationState,
    Role,
    SchedulerCredential,
    User,
)
from app.services.common import errors, passwords
from app.services.common.calendar import SEOUL, ManualClock
from app.services.common.crypto import DataKey, KdfParams, wrap_data_key
from app.services.exchange import scheduler_credentials
from app.services.settings import users as auth
from tests.factories import ADMIN_PASSWORD, INSTITUTION_CODE, add_user
from tests.security.cli import login_env, run_cli, use_login
from tests.transmissions.helpers import add_payers, queue_registrations

PASSPHRASE = "cli-login-passphrase"
CODE = INSTITUTION_CODE
VIEWER_PASSWORD, VIEWER_BIRTH = "viewer1234", "910203"

# Every command that reads personal data, changes data, sends, receives or exports.
DATA_COMMANDS: list[list[str]] = [
    ["users", "list", "--contract", CODE],
    ["users", "unlock", "admin", "--contract", CODE],
    ["users", "reset-password", "admin", "--contract", CODE],
    ["backup"],
    ["restore", "nothing.db", "--yes"],
    ["verify-backup", "nothing.db"],
    ["import-customers", "list.xlsx", "--contract", CODE],
    ["export-customers", "out.xlsx", "--contract", CODE],
    ["request", "--contract", CODE, "--date", "2026-03-16"],
    ["results", "--contract", CODE],
    ["cash", "--contract", CODE, "--customer", "1", "--amount", "1000"],
    ["send", "--contract", CODE, "--now"],
    ["receive", "--contract", CODE],
    ["transmissions", "--contract", CODE],
    ["transmissions", "save", "1", "out.bin"],
    ["scheduler", "--once"],
    ["scheduler-credential", "create", "--name", "pc"],
    ["scheduler-credential", "list"],
    ["scheduler-credential", "revoke", "1"],
    ["migrate"],
    ["password"],
]


def row_counts(db: Database) -> dict[str, int]:
    """How many rows every table holds: a refused command must leave every one as it was."""
    with db.session() as s:
        return {t.name: int(s.scalar(select(func.count()).select_from(t)) or 0) for t in Base.metadata.sorted_tables}


def no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


def empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working folder a refused command must leave empty (relative output paths land here)."""
    folder = tmp_path / "cwd"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def no_backups(tmp_path: Path) -> bool:
    return not list((tmp_path / "data" / "backups").glob("*")) if (tmp_path / "data" / "backups").exists() else True


def login_as(monkeypatch: pytest.MonkeyPatch, db: Database, user: str) -> None:
    if user == "viewer":
        use_login(monkeypatch, db, user="viewer", password=VIEWER_PASSWORD, birth=VIEWER_BIRTH)
    else:
        use_login(monkeypatch, db)


@pytest.fixture
def viewer(office):
    return add_user(office, "viewer", Role.VIEWER, password=VIEWER_PASSWORD, birth=VIEWER_BIRTH)


@pytest.fixture
def relay_office(office, monkeypatch: pytest.MonkeyPatch):
    """The office with a data key and two account registrations queued for the 14:00 cut-off of 03-10."""
    key = DataKey.generate()
    wrapped = wrap_data_key(key, PASSPHRASE, params=KdfParams(time_cost=1, memory_cost=1024, parallelism=1))
    with office.db.session() as s:
        s.add(DataKeyRecord(key_id=key.key_id, wrapped=wrapped.to_json()))
    payers = add_payers(office.db, office.contract_id, key, ["123456781111", "123456782222"])
    queue_registrations(office.db, office.contract_id, key, payers, requested_on=date(2026, 3, 10),
                        created_at=datetime(2026, 3, 10, 9, tzinfo=SEOUL))
    monkeypatch.setenv("KSCMS_PASSPHRASE", PASSPHRASE)
    clock = ManualClock.at(2026, 3, 10, 13, 59)  # in the send window of the 14:00 cut-off
    monkeypatch.setattr(cli_relay, "SystemClock", lambda: clock)
    return office


# --- no credentials ------------------------------------------------------------------------------


def test_every_data_command_refuses_without_credentials(office, monkeypatch, capsys, tmp_path: Path) -> None:
    """A script with no login, and no terminal to ask on, gets one line naming the variables and exit 2;
    not one row changes (not even an audit row: the database is not opened)."""
    use_login(monkeypatch, office.db)
    for name in ("KSCMS_CONTRACT", "KSCMS_USER", "KSCMS_PASSWORD", "KSCMS_BIRTH"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("KSCMS_NEW_PASSWORD", "new-pass-2026")
    folder = empty_folder(tmp_path, monkeypatch)
    no_terminal(monkeypatch)
    before = row_counts(office.db)
    for argv in DATA_COMMANDS:
        assert cli.main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and err.startswith("오류: 로그인 정보가 없습니다"), (argv, err)
        assert "KSCMS_USER" in err and "KSCMS_PASSWORD" in err and "KSCMS_BIRTH" in err
    assert row_counts(office.db) == before
    assert not list(folder.iterdir()) and no_backups(tmp_path)  # no output file, no backup


def test_a_real_process_without_a_terminal_refuses_and_a_logged_in_one_runs(office, tmp_path: Path) -> None:
    env = login_env(office.db, tmp_path / "data")
    refused = run_cli("cash", "--contract", CODE, "--customer", "1", "--amount", "1000",
                      env={k: v for k, v in env.items() if k != "KSCMS_PASSWORD"})
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip().count("\n") == 0 and "KSCMS_PASSWORD" in refused.stderr
    done = run_cli("results", "--contract", CODE, env=env)
    assert done.returncode == 0, done.stderr
    assert "합계" in done.stdout


# --- the login screen's rules -----------------------------------------------------------------------


def test_wrong_passwords_count_toward_the_lockout(office, monkeypatch, capsys) -> None:
    use_login(monkeypatch, office.db, password="guess-0000")
    no_terminal(monkeypatch)
    for left in (4, 3, 2, 1):
        assert cli.main(["results", "--contract", CODE]) == 2
        assert f"남은 시도 {left}회" in capsys.readouterr().err
    assert cli.main(["results", "--contract", CODE]) == 2
    assert "10분 동안 잠겼습니다" in capsys.readouterr().err
    use_login(monkeypatch, office.db)  # now the right password: still locked, as on the screen
    assert cli.main(["users", "list", "--contract", CODE]) == 2
    assert "잠겼습니다" in capsys.readouterr().err
    with office.db.session() as s:
        admin = s.scalar(select(User).where(User.login_id == "admin"))
        assert admin is not None and admin.locked_until is not None
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "login_locked")) == 1
        assert not s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "cli_command"))


def test_a_user_on_the_initial_password_must_change_it_first(office, monkeypatch, capsys) -> None:
    auth.create_user(office.db, office.admin, "newclerk", auth.UserForm(name="새 담당", role=Role.CLERK,
                                                                       birth_date="950505"))
    use_login(monkeypatch, office.db, user="newclerk", password="000000", birth="950505")
    no_terminal(monkeypatch)
    assert cli.main(["results", "--contract", CODE]) == 2
    err = capsys.readouterr().err
    assert "초기 비밀번호" in err and "python -m app password" in err
    assert cli.main(["password"]) == 2  # no new password given and no terminal: asked nothing, nothing tried
    assert "KSCMS_NEW_PASSWORD" in capsys.readouterr().err
    monkeypatch.setenv("KSCMS_NEW_PASSWORD", "000000")
    assert cli.main(["password"]) == 2  # the screen's rule: the initial password is never accepted again
    assert "초기 비밀번호는 사용할 수 없습니다" in capsys.readouterr().err
    monkeypatch.setenv("KSCMS_NEW_PASSWORD", "clerk-2026!")
    assert cli.main(["password"]) == 0
    assert "비밀번호를 바꿨습니다" in capsys.readouterr().out
    monkeypatch.setenv("KSCMS_PASSWORD", "clerk-2026!")
    assert cli.main(["results", "--contract", CODE]) == 0


# --- roles as on the screens ------------------------------------------------------------------------


def test_a_viewer_cannot_cash_request_send_save_reset_or_back_up(office, viewer, monkeypatch, capsys,
                                                                 tmp_path: Path) -> None:
    login_as(monkeypatch, office.db, "viewer")
    folder = empty_folder(tmp_path, monkeypatch)
    no_terminal(monkeypatch)
    with office.db.session() as s:
        admin_hash = s.scalar(select(User.password_hash).where(User.login_id == "admin"))
    before = {k: v for k, v in row_counts(office.db).items() if k != "audit_log"}
    refused = [
        (["cash", "--contract", CODE, "--customer", "1", "--amount", "1000"], "조회 권한"),
        (["request", "--contract", CODE, "--date", "2026-03-16"], "조회 권한"),
        (["send", "--contract", CODE, "--now"], "관리자만"),
        (["receive", "--contract", CODE], "관리자만"),
        (["transmissions", "save", "1", "out.bin"], "관리자만"),
        (["users", "reset-password", "admin", "--contract", CODE], "관리자만"),
        (["scheduler-credential", "create", "--name", "pc"], "관리자만"),
        (["backup"], "관리자만"),
        (["migrate"], "관리자만"),
    ]
    for argv, reason in refused:
        assert cli.main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert reason in err and len(err.splitlines()) == 1, (argv, err)
    assert cli.main(["results", "--contract", CODE]) == 0  # reading is what 조회 may do
    after = {k: v for k, v in row_counts(office.db).items() if k != "audit_log"}
    assert after == before
    with office.db.session() as s:
        assert s.scalar(select(User.password_hash).where(User.login_id == "admin")) == admin_hash
    assert not list(folder.iterdir()) and no_backups(tmp_path)


def test_the_audit_row_names_the_user_the_os_user_and_the_host(office, viewer, monkeypatch) -> None:
    login_as(monkeypatch, office.db, "viewer")
    assert cli.main(["results", "--contract", CODE]) == 0
    with office.db.session() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.action.in_(["login", "cli_command"]),
                                                AuditLog.login_id == "viewer").order_by(AuditLog.id)).all()
    assert [r.action for r in rows] == ["login", "cli_command"]
    command = rows[1]
    assert command.target == "results" and command.user_id == viewer.user_id
    assert command.os_user == getpass.getuser() and command.host == socket.gethostname()
    assert command.detail is None  # never the arguments: they can name files of personal data


# --- the scheduler credential -------------------------------------------------------------------------


def _token_env(monkeypatch: pytest.MonkeyPatch, token: str) -> None:
    for name in ("KSCMS_USER", "KSCMS_PASSWORD", "KSCMS_BIRTH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KSCMS_CONTRACT", CODE)
    monkeypatch.setenv("KSCMS_SCHEDULER_TOKEN", token)


def test_a_scheduler_credential_sends_does_nothing_else_and_stops_when_revoked(relay_office, monkeypatch,
                                                                               capsys) -> None:
    db = relay_office.db
    use_login(monkeypatch, db)
    no_terminal(monkeypatch)
    assert cli.main(["scheduler-credential", "create", "--name", "office-pc"]) == 0
    token = capsys.readouterr().out.strip()
    with db.session() as s:
        stored = s.scalar(select(SchedulerCredential))
        assert stored is not None and token.split("-", 2)[2] not in stored.token_hash  # only a hash is kept

    _token_env(monkeypatch, token)
    assert cli.main(["scheduler", "--once"]) == 0
    assert "EB130310_2026 송신완료." in capsys.readouterr().out
    with db.session() as s:
        assert set(s.scalars(select(AccountRegistration.state))) == {RegistrationState.SENT}
        command = s.scalar(select(AuditLog).where(AuditLog.action == "cli_command").order_by(AuditLog.id.desc()))
        assert command is not None and command.login_id == "scheduler:office-pc" and command.target == "scheduler"
    for argv in (["cash", "--contract", CODE, "--customer", "1", "--amount", "1000"],
                 ["users", "list", "--contract", CODE], ["transmissions", "save", "1", "x"],
                 ["scheduler-credential", "list"], ["results", "--contract", CODE]):
        assert cli.main(argv) == 2, argv
        assert "KSCMS_SCHEDULER_TOKEN" in capsys.readouterr().err
    monkeypatch.setenv("KSCMS_SCHEDULER_TOKEN", token[:-2] + "xx")  # a guessed or damaged token
    assert cli.main(["receive", "--contract", CODE]) == 2
    assert "스케줄러 자격이 올바르지 않거나" in capsys.readouterr().err

    use_login(monkeypatch, db)
    assert cli.main(["scheduler-credential", "list"]) == 0
    assert "office-pc\t사용\tadmin" in capsys.readouterr().out
    assert cli.main(["scheduler-credential", "revoke", str(stored.id)]) == 0
    _token_env(monkeypatch, token)
    assert cli.main(["scheduler", "--once"]) == 2
    assert "폐기" in capsys.readouterr().err
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog)
                        .where(AuditLog.action == "scheduler_credential_refused")) == 2


def test_a_running_scheduler_stops_at_the_next_pass_after_revocation(relay_office, monkeypatch, capsys) -> None:
    db = relay_office.db
    credential_id, token = scheduler_credentials.create(db, relay_office.admin, "night-pc")
    _token_env(monkeypatch, token)
    monkeypatch.setenv("KSCMS_DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    monkeypatch.setattr(cli_relay.signal, "signal", lambda *_: None)  # leave pytest's Ctrl+C alone

    def revoke_after_the_first_pass() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with db.session() as s:
                if s.scalar(select(func.count()).select_from(AccountRegistration)
                            .where(AccountRegistration.state == RegistrationState.SENT)):
                    break
            time.sleep(0.1)
        scheduler_credentials.revoke(db, relay_office.admin, credential_id)

    revoker = threading.Thread(target=revoke_after_the_first_pass)
    revoker.start()
    started = time.monotonic()
    code = cli.main(["scheduler", "--interval", "1"])
    revoker.join()
    captured = capsys.readouterr()
    assert "EB130310_2026 송신완료" in captured.out  # it ran while the credential was good
    assert code == 2 and "폐기" in captured.err  # and stopped by itself once it was revoked
    assert time.monotonic() - started < 30


# --- timing and parsing ---------------------------------------------------------------------------------


def test_login_time_does_not_tell_which_ids_exist(office, monkeypatch) -> None:
    """With production argon2 parameters, an unknown ID or institution costs what a known ID does."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher())
    with office.db.session() as s:
        admin = s.scalar(select(User).where(User.login_id == "admin"))
        admin.password_hash = passwords.hash_secret(ADMIN_PASSWORD)
        admin.birth_hash = passwords.hash_secret("800101")
    verified: list[str] = []
    real_verify = passwords.verify_secret
    monkeypatch.setattr(auth, "verify_secret", lambda h, secret: verified.append(h) or real_verify(h, secret))

    def seconds(code: str, login_id: str) -> float:
        started = time.perf_counter()
        with pytest.raises(errors.AuthError):
            auth.login(office.db, code, login_id, "wrong-pass", "800101")
        return time.perf_counter() - started

    seconds(CODE, "nobody")  # the dummy hash is made once per process
    counts = {}
    timings: dict[str, list[float]] = {"known": [], "unknown": [], "no institution": []}
    for _ in range(3):
        for label, code, login_id in (("known", CODE, "admin"), ("unknown", CODE, "nobody"),
                                      ("no institution", "0000000000", "admin")):
            verified.clear()
            timings[label].append(seconds(code, login_id))
            counts[label] = len(verified)
    assert counts == {"known": 2, "unknown": 2, "no institution": 2}
    known = statistics.median(timings["known"])
    for label in ("unknown", "no institution"):
        assert statistics.median(timings[label]) > known / 3, timings  # was 0.7 ms against 332 ms


@pytest.mark.parametrize("argv", [["users", "unlock", "--contract", "1234567890", "kim01"],
                                  ["users", "unlock", "kim01", "--contract", "1234567890"]])
def test_users_unlock_parses_with_the_option_before_or_after_the_id(argv: list[str]) -> None:
    args = cli.build_parser().parse_args(argv)
    assert (args.users_action, args.login_id, args.contract) == ("unlock", "kim01", "1234567890")


def test_init_demo_and_migrate_need_no_login_only_on_an_empty_database(db, monkeypatch, capsys) -> None:
    monkeypatch.setenv("KSCMS_DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    for name in ("KSCMS_CONTRACT", "KSCMS_USER", "KSCMS_PASSWORD", "KSCMS_BIRTH", "KSCMS_SCHEDULER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    no_terminal(monkeypatch)
    assert cli.main(["migrate"]) == 0  # no institution yet: nobody to log in as
    assert cli.main(["demo-data", "--customers", "2"]) == 0
    assert cli.main(["demo-data", "--if-empty"]) == 0  # `bash dev.sh run` on the second start
    capsys.readouterr()
    assert cli.main(["migrate"]) == 2
    assert "KSCMS_USER" in capsys.readouterr().err
    assert cli.main(["demo-data"]) == 2
    assert "비어 있지 않습니다" in capsys.readouterr().err


def _leaves(parser, prefix: str = ""):
    """(command name, its parser) for every runnable command, sub-commands included."""
    import argparse

    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield prefix.strip(), parser
        return
    if parser._defaults.get("handler"):  # `transmissions` runs by itself and has `save` under it
        yield prefix.strip(), parser
    for name, child in subs[0].choices.items():
        yield from _leaves(child, f"{prefix} {name}")


def test_only_the_declared_commands_run_without_a_login() -> None:
    """A command added later without saying otherwise requires a login (cli.run_command's default)."""
    from app.cli.login import OPEN, USER

    leaves = dict(_leaves(cli.build_parser()))
    open_ones = {name for name, p in leaves.items() if p._defaults.get("access", USER) == OPEN}
    # password logs in itself (the initial password is allowed there); migrate does once there is an institution
    assert open_ones == {"init", "demo-data", "migrate", "version", "password", "decode"}
    assert len(leaves) > len(open_ones) + 15
