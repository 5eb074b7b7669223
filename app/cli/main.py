"""`python -m app <command>`: the same services without a screen, for administrators, scripts and tests.

Every command honours KSCMS_DATABASE_URL and KSCMS_DATA_DIR, exits non-zero with a one-line
Korean-and-English reason on failure, and never asks a question when stdin is not a terminal.
Every command but --help, version, decode, and init/demo-data on an empty database logs in as a
user of the institution first (app/cli/login.py: KSCMS_CONTRACT, KSCMS_USER, KSCMS_PASSWORD,
KSCMS_BIRTH or a prompt), with the roles of the screens; a parser that says nothing requires a login.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence

from app import __version__
from app.cli.args import demo_customers
from app.cli.common import ask_passphrase, open_database
from app.cli.errors import CliError, OneLineArgumentParser
from app.cli.login import ADMIN, OPEN, USER, Access, Caller
from app.config import ENV_PASSPHRASE
from app.database import schema
from app.logging_setup import setup_logging

Handler = Callable[[argparse.Namespace], int]


# --- commands ----------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    from app.services.settings import setup

    db = open_database()
    if setup.is_initialized(db):
        raise CliError("이미 초기화된 데이터베이스입니다", "database already initialised")
    passphrase = ask_passphrase("데이터 암호 문구(8자 이상): ", confirm=True)
    form = setup.SetupForm(
        institution_name=args.institution_name,
        institution_code=args.institution_code,
        business_no=args.business_no,
        representative=args.representative,
        settlement_bank_code=args.bank,
        settlement_account_no=args.account,
        passbook_text=args.passbook_text,
        admin_login_id=args.admin_id,
        admin_name=args.admin_name,
        admin_birth_date=args.admin_birth,
        passphrase=passphrase,
    )
    setup.initialize(db, form)
    print(f"초기화했습니다. 관리자 {args.admin_id}의 비밀번호는 000000이며 첫 로그인 때 바꿔야 합니다. "
          f"(initialised; institution code {form.institution_code})")
    return 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    from app.services.settings import setup
    from app.services.settings.demo import data as demo_data

    db = open_database()
    if setup.is_initialized(db):
        if args.if_empty:
            print(f"데이터가 이미 있어 데모 데이터를 만들지 않았습니다. (database not empty; "
                  f"institution code {demo_data.existing_code(db)})")
            return 0
        raise CliError("데이터베이스가 비어 있지 않습니다. 빈 데이터베이스에서만 데모 데이터를 만듭니다",
                       "database not empty")
    passphrase = os.environ.get(ENV_PASSPHRASE) or demo_data.DEMO_PASSPHRASE
    result = demo_data.create(db, passphrase=passphrase, customers=args.customers)
    print(result.institution_code)
    print(f"데모 학원을 만들었습니다: 고객 {result.customers}명과 지난 3개월의 이체 기록. 관리자 ID {result.admin_login_id} "
          f"(생년월일 {result.admin_birth_date}), 담당자 ID {result.clerk_login_id} (생년월일 {result.clerk_birth_date}), "
          f"비밀번호 모두 000000, 데이터 암호 문구 '{passphrase}'.", file=sys.stderr)
    if result.sample_statement is not None:
        print(f"통장입금대사 연습용 통장 거래내역: {result.sample_statement}", file=sys.stderr)
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    """사용자관리 for an administrator: the login (cli_login.ADMIN) is the administrator who acts."""
    from app.services.settings import users as auth

    caller: Caller = args.caller
    db, actor = caller.db, caller.user
    users = auth.list_users(db, actor)
    if args.users_action == "list":
        for u in users:
            state = "사용중지" if not u.active else "잠김" if u.locked else "사용"
            print(f"{u.login_id}\t{u.name}\t{u.role.label}\t{state}")
        return 0
    if not args.login_id:
        raise CliError("사용자 ID를 입력하세요", "login_id is required")
    user = next((u for u in users if u.login_id == args.login_id), None)
    if user is None:
        raise CliError(f"사용자 {args.login_id}를 찾을 수 없습니다", "no such user")
    if args.users_action == "unlock":
        auth.set_locked(db, actor, user.id, False)
        print(f"{args.login_id}: 잠금을 해제했습니다. (unlocked)")
    else:
        auth.reset_password(db, actor, user.id)
        print(f"{args.login_id}: 비밀번호를 000000으로 초기화했습니다. 다음 로그인 때 바꿔야 합니다. (password reset)")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Upgrade the schema: open before the first institution exists, an administrator's command after."""
    from app.cli import login as cli_login
    from app.services.settings import setup

    db = open_database()
    if setup.is_initialized(db):
        args.caller = cli_login.login(args, ADMIN, "migrate", db=db)
    print(f"스키마 버전 {schema.current_revision(db.engine)} (schema up to date)")
    return 0


def cmd_version(_args: argparse.Namespace) -> int:
    print(f"KSCMS desk {__version__}")
    return 0


# backup, restore and verify-backup: app/cli/backup.py


def cmd_password(args: argparse.Namespace) -> int:
    """사용자정보수정's password change for a script: the way out of the initial password at the command line.

    The current password is the login's (KSCMS_PASSWORD or a prompt); the new one comes from
    KSCMS_NEW_PASSWORD or a prompt asked twice, and is checked by the same rules as the screen.
    """
    from app.cli import login as cli_login
    from app.services.settings import users as auth

    new = os.environ.get(cli_login.ENV_NEW_PASSWORD, "")
    if not new and not sys.stdin.isatty():  # refused before any login is tried (and counted)
        raise CliError(f"새 비밀번호가 없습니다. {cli_login.ENV_NEW_PASSWORD}를 설정하거나 터미널에서 실행하세요",
                       f"new password required: set {cli_login.ENV_NEW_PASSWORD} or run on a terminal")
    creds = cli_login.ask_credentials(args)
    if not new:
        new = getpass.getpass("새 비밀번호: ")
        if getpass.getpass("새 비밀번호 확인: ") != new:
            raise CliError("새 비밀번호가 서로 다릅니다", "new passwords differ")
    db = open_database()
    try:
        actor = cli_login.log_in(db, creds, allow_initial=True)
        cli_login.record_command(Caller(db, creds.contract, actor=actor), "password")
        auth.change_own_password(db, actor, creds.password, new)
    finally:
        db.dispose()
    print(f"{actor.login_id}: 비밀번호를 바꿨습니다. 이제 새 비밀번호로 명령을 실행하세요. (password changed)")
    return 0


def cmd_scheduler_credential(args: argparse.Namespace) -> int:
    """Make, list and revoke the credentials unattended schedulers run under (administrators only)."""
    from app.services.common.calendar import SEOUL
    from app.services.exchange import scheduler_credentials as creds

    caller: Caller = args.caller
    db, actor = caller.db, caller.user
    if args.credential_action == "create":
        credential_id, token = creds.create(db, actor, args.name)
        print(f"스케줄러 자격 {credential_id}번({args.name.strip()})을 만들었습니다. 아래 토큰은 다시 보여 주지 않습니다. "
              "그 PC의 KSCMS_SCHEDULER_TOKEN에 넣으세요. (token shown once)", file=sys.stderr)
        print(token)
    elif args.credential_action == "list":
        print("ID\t이름\t상태\t만든 사용자\t만든 때\t마지막 사용")
        for row in creds.list_credentials(db, actor):
            stamp = [f"{t.astimezone(SEOUL):%Y-%m-%d %H:%M}" if t else "-" for t in (row.created_at, row.last_used_at)]
            print(f"{row.id}\t{row.name}\t{row.state}\t{row.created_by}\t{stamp[0]}\t{stamp[1]}")
    else:
        name = creds.revoke(db, actor, args.id)
        print(f"스케줄러 자격 {args.id}번({name})을 폐기했습니다. 실행 중인 스케줄러도 다음 처리 때 멈춥니다. (revoked)")
    return 0


# --- parser ------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineArgumentParser(
        prog="python -m app",
        description="KSCMS desk 명령줄 (command line). KSCMS_DATABASE_URL, KSCMS_DATA_DIR를 따릅니다.",
        epilog="로그인 (login): --help, version, decode, 빈 데이터베이스의 init·demo-data 말고는 모든 명령이 "
               "기관의 사용자로 로그인합니다. 환경변수 KSCMS_CONTRACT(이용기관코드; --contract가 우선), KSCMS_USER, "
               "KSCMS_PASSWORD, KSCMS_BIRTH(생년월일 YYMMDD), 없으면 터미널에서 묻습니다. 무인 스케줄러: "
               "KSCMS_SCHEDULER_TOKEN (scheduler-credential create). 초기 비밀번호는 먼저 'password'로 바꾸세요.",
    )
    parser.add_argument("--verbose", action="store_true", help="자세한 기록 (debug log)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineArgumentParser)

    init = sub.add_parser("init", help="빈 데이터베이스에 기관·계약·첫 관리자를 만듭니다 (initialise)")
    init.add_argument("--institution-name", required=True)
    init.add_argument("--institution-code", required=True, help="이용기관코드 10자리")
    init.add_argument("--business-no", required=True)
    init.add_argument("--representative", required=True)
    init.add_argument("--bank", required=True, help="정산은행 코드 (예: 088)")
    init.add_argument("--account", required=True, help="정산계좌번호")
    init.add_argument("--passbook-text", required=True, help="통장기재내용 (16바이트 이내)")
    init.add_argument("--admin-id", default="admin")
    init.add_argument("--admin-name", default="관리자")
    init.add_argument("--admin-birth", required=True, help="관리자 생년월일 YYMMDD")
    init.set_defaults(handler=cmd_init, access=OPEN)

    demo = sub.add_parser("demo-data", help="빈 데이터베이스에 데모 학원을 만듭니다; 이용기관코드를 출력 (demo data)")
    demo.add_argument("--if-empty", action="store_true", help="데이터가 있으면 아무것도 하지 않음")
    demo.add_argument("--customers", type=demo_customers, default=300, help="고객 수 (1~5,000), 기본 300")
    demo.set_defaults(handler=cmd_demo_data, access=OPEN)

    users = sub.add_parser("users", help="사용자 목록·잠금 해제·비밀번호 초기화; 관리자 (users)")
    users_actions = users.add_subparsers(dest="users_action", metavar="list | unlock ID | reset-password ID",
                                         required=True)
    for action, text in (("list", "사용자 목록"), ("unlock", "잠금 해제"), ("reset-password", "비밀번호를 000000으로 초기화")):
        one = users_actions.add_parser(action, help=text)
        one.add_argument("--contract", required=True, help="이용기관코드")
        if action != "list":  # a required positional: `unlock --contract X ID` and `unlock ID --contract X` both parse
            one.add_argument("login_id", help="사용자 ID")
        one.set_defaults(handler=cmd_users, access=ADMIN)

    migrate = sub.add_parser("migrate", help="스키마를 최신으로 갱신; 기관이 있으면 관리자 (upgrade the schema)")
    migrate.set_defaults(handler=cmd_migrate, access=OPEN)

    version = sub.add_parser("version", help="버전 (version)")
    version.set_defaults(handler=cmd_version, access=OPEN)

    password = sub.add_parser("password", help="내 비밀번호 변경: KSCMS_PASSWORD(현재)와 KSCMS_NEW_PASSWORD(새) (change password)")
    password.add_argument("--contract", help="이용기관코드 (없으면 KSCMS_CONTRACT)")
    password.set_defaults(handler=cmd_password, access=OPEN)  # logs in itself: the initial password is allowed here

    cred = sub.add_parser("scheduler-credential",
                          help="무인 스케줄러용 자격 만들기·목록·폐기; 관리자 (scheduler credentials)")
    cred_actions = cred.add_subparsers(dest="credential_action", metavar="create | list | revoke", required=True)
    create = cred_actions.add_parser("create", help="자격을 만들고 토큰을 한 번만 출력합니다")
    create.add_argument("--name", required=True, help="자격 이름 (예: 그 PC의 이름)")
    listing = cred_actions.add_parser("list", help="자격 목록")
    revoke = cred_actions.add_parser("revoke", help="자격을 폐기합니다")
    revoke.add_argument("id", type=int, help="자격 번호 (목록의 ID)")
    for one in (create, listing, revoke):
        one.add_argument("--contract", help="이용기관코드 (없으면 KSCMS_CONTRACT)")
        one.set_defaults(handler=cmd_scheduler_credential, access=ADMIN)


    for register in extra_commands():
        register(sub)
    return parser


def extra_commands() -> list[Callable[[argparse._SubParsersAction], None]]:
    """Commands added by later areas register themselves here."""
    from app.cli.backup import register as register_backup
    from app.cli.certificates import register as register_certificates
    from app.cli.collection import register as register_collection
    from app.cli.customers import register as register_customers
    from app.cli.missed import register as register_missed
    from app.cli.month_close import register as register_month_close
    from app.cli.relay import register as register_relay
    from app.cli.reports import register as register_reports

    return [register_customers, register_relay, register_collection, register_missed, register_backup,
            register_reports, register_certificates, register_month_close]


def command_name(args: argparse.Namespace) -> str:
    """'users reset-password', 'transmissions save': what the audit row names (never the arguments)."""
    parts = [args.command] + [getattr(args, a, None) for a in ("users_action", "files_action", "credential_action")]
    return " ".join(p for p in parts if p)


def run_command(args: argparse.Namespace) -> int:
    """Log in as the command's parser asks (a login unless it says OPEN), run it, close the database."""
    access: Access = getattr(args, "access", USER)
    if access.login:
        from app.cli import login as cli_login

        args.caller = cli_login.login(args, access, command_name(args))
    try:
        return int(args.handler(args))
    finally:
        caller: Caller | None = getattr(args, "caller", None)
        if caller is not None:
            caller.db.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Every failure ends as one line on stderr and exit 2 (app/cli/errors.py), never
    a traceback: a script checks the code, a clerk reads the line, the log holds the details."""
    from app.cli.errors import exit_code, report_failure

    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as done:  # --help, or a usage error the parser already printed as one line
            return exit_code(done)
        if not getattr(args, "handler", None):
            parser.print_help()
            return 0
        setup_logging(verbose=args.verbose)
        code = run_command(args)
        sys.stdout.flush()  # a reader that went away shows here, inside the handling, not at exit
        return code
    except (Exception, KeyboardInterrupt) as error:  # noqa: BLE001 - the one place every failure is reported
        return report_failure(error)
