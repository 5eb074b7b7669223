"""Who runs a command: the command line logs in exactly as the login screen does.

Every command that reads personal data, changes data, sends, receives or exports runs as a user of
the institution, checked by the same service as the login dialog (`auth.login`: 이용기관코드, user ID,
password and birth date together, the same five-try lockout, the same audit rows). A user still on
the initial password is refused until `python -m app password` changed it, as the screen forces.

Credentials come from the environment (for scripts) or a prompt on a terminal; without a terminal
nothing is asked and a missing value is a one-line error naming the variables:

    KSCMS_CONTRACT  이용기관코드 (a command's own --contract wins)
    KSCMS_USER      사용자 ID
    KSCMS_PASSWORD  비밀번호
    KSCMS_BIRTH     생년월일 YYMMDD

The unattended scheduler may run instead under KSCMS_SCHEDULER_TOKEN (with KSCMS_CONTRACT), a
revocable credential an administrator made for that PC (`scheduler_credentials`); only `scheduler`,
`send` and `receive` accept it. Each command that logs in adds a `cli_command` audit row naming the
user, the command, the OS user and the host.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime

from app.cli.common import open_database
from app.cli.errors import CliError
from app.database.engine import Database
from app.models import User
from app.models.base import utcnow
from app.services.common import audit
from app.services.common.errors import AuthError, PermissionDeniedError
from app.services.common.session import Actor
from app.services.exchange.scheduler_credentials import SchedulerPrincipal
from app.services.settings import users as auth

ENV_CONTRACT = "KSCMS_CONTRACT"
ENV_USER = "KSCMS_USER"
ENV_PASSWORD = "KSCMS_PASSWORD"
ENV_BIRTH = "KSCMS_BIRTH"
ENV_TOKEN = "KSCMS_SCHEDULER_TOKEN"
ENV_NEW_PASSWORD = "KSCMS_NEW_PASSWORD"


@dataclass(frozen=True)
class Access:
    """What a command asks of whoever runs it (set on its parser: ``set_defaults(access=...)``)."""

    login: bool = True
    admin: bool = False  # 관리자 only, as the screen that does the same
    token: bool = False  # a scheduler credential may run it instead of a user


OPEN = Access(login=False)
"""--help, version, decode, init and demo-data (the last two on an empty database only)."""
USER = Access()
"""Any user of the institution; the services check the role as they do for the screens."""
ADMIN = Access(admin=True)
"""users, backup, restore, migrate (once there is an institution), scheduler-credential."""
RELAY = Access(admin=True, token=True)
"""send / receive: the administrator's 지금 송신·지금 수신, or the scheduler credential."""
SCHEDULER = Access(token=True)
"""scheduler: any user (the desktop app runs it for whoever logged in), or the scheduler credential."""


@dataclass(frozen=True)
class Credentials:
    """The four answers of the login screen; secrets are kept out of repr (logs, tracebacks)."""

    contract: str
    login_id: str
    password: str = field(repr=False)
    birth: str = field(repr=False)


@dataclass(frozen=True)
class Caller:
    """Who runs this command, on which database: a logged-in user, or a scheduler credential."""

    db: Database
    contract_code: str
    actor: Actor | None = None
    scheduler: SchedulerPrincipal | None = None
    token: str = field(default="", repr=False)

    @property
    def institution_id(self) -> int:
        if self.actor is not None:
            return self.actor.institution_id
        assert self.scheduler is not None
        return self.scheduler.institution_id

    @property
    def user(self) -> Actor:
        """The logged-in user, for commands a scheduler credential cannot run."""
        if self.actor is None:
            raise _error("스케줄러 자격으로는 이 명령을 실행할 수 없습니다",
                         "a scheduler credential runs only scheduler, send and receive")
        return self.actor

    def recheck(self, *, now: datetime | None = None) -> None:
        """Raise CliError when the caller may no longer run: a revoked credential, a user locked or
        stopped since the login. A running scheduler asks before every pass."""
        from app.services.exchange import scheduler_credentials

        if self.scheduler is not None:
            try:
                scheduler_credentials.authenticate(self.db, self.token)
            except AuthError as error:
                raise _error(error.message, "scheduler credential refused") from None
            return
        assert self.actor is not None
        moment = now or utcnow()
        with self.db.session() as s:
            row = s.get(User, self.actor.user_id)
            usable = row is not None and row.active and not (row.locked_until and row.locked_until > moment)
        if not usable:
            raise _error("사용자가 잠기거나 사용 중지되어 더 실행하지 않습니다", "user locked or deactivated")


def _error(korean: str, english: str) -> Exception:
    return CliError(korean, english)


def _missing(names: list[str]) -> Exception:
    listed = ", ".join(names)
    return _error(f"로그인 정보가 없습니다. 환경변수 {listed}를 설정하거나 터미널에서 실행하세요",
                  f"login required: set {listed} or run on a terminal")


def _ask(env: str, prompt: str, *, secret: bool) -> str | None:
    value = os.environ.get(env, "").strip() if not secret else os.environ.get(env, "")
    if value:
        return value
    if not sys.stdin.isatty():
        return None
    return (getpass.getpass(prompt) if secret else input(prompt)).strip() or None


def contract_code(args: argparse.Namespace | None) -> str | None:
    """The command's --contract, else KSCMS_CONTRACT, else a prompt on a terminal."""
    given = getattr(args, "contract", None) if args is not None else None
    if given and str(given).strip():
        return str(given).strip()
    return _ask(ENV_CONTRACT, "이용기관코드: ", secret=False)


def ask_credentials(args: argparse.Namespace | None) -> Credentials:
    """The four login answers from the environment or a terminal; never asks without a terminal."""
    values = {
        ENV_CONTRACT: contract_code(args),
        ENV_USER: _ask(ENV_USER, "사용자 ID: ", secret=False),
        ENV_PASSWORD: _ask(ENV_PASSWORD, "비밀번호: ", secret=True),
        ENV_BIRTH: _ask(ENV_BIRTH, "생년월일(YYMMDD): ", secret=True),
    }
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise _missing(missing)
    return Credentials(values[ENV_CONTRACT] or "", values[ENV_USER] or "", values[ENV_PASSWORD] or "",
                       values[ENV_BIRTH] or "")


def log_in(db: Database, creds: Credentials, *, allow_initial: bool = False) -> Actor:
    """`auth.login`, the login dialog's own check; the initial password is refused unless changing it."""
    try:
        result = auth.login(db, creds.contract, creds.login_id, creds.password, creds.birth)
    except AuthError as error:
        raise _error(error.message, "login refused") from None
    if result.must_change_password and not allow_initial:
        raise _error("초기 비밀번호를 쓰고 있습니다. 먼저 'python -m app password'로 비밀번호를 바꾸세요 "
                     "(KSCMS_NEW_PASSWORD에 새 비밀번호)",
                     "the initial password must be changed first: run `python -m app password`")
    return result.actor


def record_command(caller: Caller, command: str) -> None:
    """The `cli_command` audit row: the user (or credential), the command, and (by audit.record)
    the OS user and the host. No arguments are kept: they may hold file names of personal data."""
    with caller.db.session() as s:
        if caller.actor is not None:
            audit.record(s, "cli_command", actor=caller.actor, target=command[:100])
        else:
            assert caller.scheduler is not None
            audit.record(s, "cli_command", institution_id=caller.scheduler.institution_id,
                         login_id=caller.scheduler.audit_name, target=command[:100],
                         detail={"credential": caller.scheduler.credential_id})


def _token_caller(db: Database, args: argparse.Namespace, token: str) -> Caller:
    from app.services.exchange import scheduler_credentials
    from app.services.settings import contracts

    code = contract_code(args)
    if not code:
        raise _missing([ENV_CONTRACT])
    try:
        principal = scheduler_credentials.authenticate(db, token)
    except AuthError as error:
        raise _error(error.message, "scheduler credential refused") from None
    try:
        institution_id = contracts.institution_id_for_code(db, code)
    except Exception:  # noqa: BLE001 - an unknown code answers like a wrong one: no contract of this credential
        institution_id = None
    if institution_id != principal.institution_id:
        raise _error(f"이 스케줄러 자격의 기관에 이용기관코드 {code}인 계약이 없습니다",
                     "no contract with that code for this credential")
    return Caller(db, code, scheduler=principal, token=token)


def login(args: argparse.Namespace, access: Access, command: str, *, db: Database | None = None) -> Caller:
    """Log in for `command` as `access` requires, audit it, and return who runs it.

    The answers are gathered before the database is opened, so a script without them is refused
    in one line without touching anything.
    """
    token = os.environ.get(ENV_TOKEN, "").strip()
    if token and not access.token:
        raise _error(f"{ENV_TOKEN}(스케줄러 자격)로는 이 명령을 실행할 수 없습니다. 사용자로 로그인하세요",
                     "a scheduler credential runs only scheduler, send and receive")
    creds = None if token else ask_credentials(args)
    db = db or open_database()
    if creds is None:
        caller = _token_caller(db, args, token)
    else:
        caller = Caller(db, creds.contract, actor=log_in(db, creds))
    record_command(caller, command)
    if access.admin and caller.actor is not None and not caller.actor.is_admin:
        raise PermissionDeniedError("관리자만 할 수 있는 작업입니다.")
    return caller
