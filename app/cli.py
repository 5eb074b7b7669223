"""`python -m app <command>`: the same services without a screen, for administrators, scripts and tests.

Every command honours KSCMS_DATABASE_URL and KSCMS_DATA_DIR, exits non-zero with a one-line
Korean-and-English reason on failure, and never asks a question when stdin is not a terminal.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence

from app import __version__
from app.config import ENV_PASSPHRASE, backup_dir, database_url
from app.db import Database
from app.logging_setup import setup_logging
from app.services.errors import ServiceError
from app.services.validation import ValidationError

Handler = Callable[[argparse.Namespace], int]


class CliError(Exception):
    """A failure to report as one line: Korean first, English after."""

    def __init__(self, korean: str, english: str) -> None:
        super().__init__(f"{korean} ({english})")


def open_database(*, migrate: bool = True) -> Database:
    """Open the configured database and bring its schema up to date (backing up a SQLite file first)."""
    from app import migrations
    from app.services.db_setup import make_database

    db = make_database(database_url())  # a PostgreSQL password comes from this PC's keyring
    if migrate:
        try:
            migrations.upgrade(db.engine, backup_to=backup_dir())
        except migrations.SchemaTooNewError as error:
            raise CliError(str(error), "database schema is newer than this program") from None
        except Exception as error:  # noqa: BLE001 - report any connection failure in one line
            raise CliError(
                "데이터베이스에 연결하거나 스키마를 갱신하지 못했습니다", f"database unavailable: {type(error).__name__}: {error}"
            ) from None
    return db


def ask_passphrase(prompt: str, *, confirm: bool = False) -> str:
    """The data-encryption passphrase: KSCMS_PASSPHRASE, else a prompt on a terminal, else an error."""
    value = os.environ.get(ENV_PASSPHRASE)
    if value:
        return value
    if not sys.stdin.isatty():
        raise CliError("데이터 암호 문구가 필요합니다. KSCMS_PASSPHRASE를 설정하세요", "passphrase required (set KSCMS_PASSPHRASE)")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("한 번 더 입력: ") != first:
        raise CliError("암호 문구가 서로 다릅니다", "passphrases differ")
    return first


# --- commands ----------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    from app.services import setup

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
    from app.services import demo_data, setup

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
    print(f"데모 학원을 만들었습니다: 고객 {result.customers}명, 관리자 ID {result.admin_login_id}, 비밀번호 000000, "
          f"생년월일 {result.admin_birth_date}, 데이터 암호 문구 '{passphrase}'.", file=sys.stderr)
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    from app.services import auth, contracts
    from app.services.session import system_actor

    db = open_database()
    institution_id = contracts.institution_id_for_code(db, args.contract)
    actor = system_actor(institution_id)
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


def cmd_migrate(_args: argparse.Namespace) -> int:
    from app import migrations

    db = open_database()
    print(f"스키마 버전 {migrations.current_revision(db.engine)} (schema up to date)")
    return 0


def cmd_version(_args: argparse.Namespace) -> int:
    print(f"KSCMS desk {__version__}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """SQLite: a copy in the backups folder (or --out); PostgreSQL: pg_dump -Fc (app/services/backup.py)."""
    from pathlib import Path

    from app.services import backup, db_setup

    url = database_url()
    source = db_setup.sqlite_file(url)
    if source is None:
        target = backup.backup_postgres(url, Path(args.out) if args.out else backup.default_dump_path(backup_dir()))
    elif not source.exists():
        raise CliError(f"데이터베이스 파일이 없습니다: {source}", "no database file")
    elif args.out:
        target = backup.copy_sqlite(source, Path(args.out))
    else:
        db = db_setup.make_database(url)
        target = backup.backup_sqlite(db.engine, backup_dir(), reason=backup.MANUAL)
        db.dispose()
    print(f"백업했습니다: {target} (backup written)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Replace the SQLite database with a checked backup; the current data is kept as a before-restore copy."""
    from pathlib import Path

    from app.services import backup, db_setup

    target = db_setup.sqlite_file(database_url())
    if target is None:
        raise CliError("공유 데이터베이스(PostgreSQL)는 서버에서 pg_restore로 복원합니다 (docs/shared-database.md)",
                       "restore is for a SQLite database only")
    check = backup.check_backup(Path(args.file))
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError("확인 없이 복원하지 않습니다. --yes를 붙이세요", "refusing to restore without --yes")
        answer = input(f"{check.taken_at:%Y-%m-%d %H:%M}에 만든 백업으로 되돌립니다. 그 뒤에 바뀐 내용은 사라집니다. "
                       "계속할까요? [y/N] ")
        if answer.strip().lower() not in ("y", "yes", "예", "네"):
            print("복원하지 않았습니다. (cancelled)")
            return 1
    safety = backup.restore_sqlite(target, Path(args.file), safety_folder=backup_dir())
    print(f"복원했습니다. 복원 전 데이터: {safety or '없음'} (restored from {Path(args.file).name})")
    return 0


# --- parser ------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m app",
        description="KSCMS desk 명령줄 (command line). KSCMS_DATABASE_URL, KSCMS_DATA_DIR를 따릅니다.",
    )
    parser.add_argument("--verbose", action="store_true", help="자세한 기록 (debug log)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

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
    init.set_defaults(handler=cmd_init)

    demo = sub.add_parser("demo-data", help="빈 데이터베이스에 데모 학원을 만듭니다; 이용기관코드를 출력 (demo data)")
    demo.add_argument("--if-empty", action="store_true", help="데이터가 있으면 아무것도 하지 않음")
    demo.add_argument("--customers", type=int, default=300)
    demo.set_defaults(handler=cmd_demo_data)

    users = sub.add_parser("users", help="사용자 목록·잠금 해제·비밀번호 초기화 (users)")
    users.add_argument("users_action", choices=["list", "unlock", "reset-password"])
    users.add_argument("--contract", required=True, help="이용기관코드")
    users.add_argument("login_id", nargs="?")
    users.set_defaults(handler=cmd_users)

    migrate = sub.add_parser("migrate", help="스키마를 최신으로 갱신 (upgrade the schema)")
    migrate.set_defaults(handler=cmd_migrate)

    version = sub.add_parser("version", help="버전 (version)")
    version.set_defaults(handler=cmd_version)

    backup = sub.add_parser("backup", help="데이터베이스 백업: SQLite는 backups 폴더에, PostgreSQL은 pg_dump (backup)")
    backup.add_argument("--out", help="백업 파일 경로 (기본: 데이터 폴더의 backups)")
    backup.set_defaults(handler=cmd_backup)

    restore = sub.add_parser("restore", help="SQLite 데이터베이스를 백업으로 되돌림; 프로그램을 모두 닫고 실행 (restore)")
    restore.add_argument("file", help="백업 파일 (.db)")
    restore.add_argument("--yes", action="store_true", help="묻지 않고 복원 (대화형이 아닐 때 필수)")
    restore.set_defaults(handler=cmd_restore)

    for register in extra_commands():
        register(sub)
    return parser


def extra_commands() -> list[Callable[[argparse._SubParsersAction], None]]:  # type: ignore[type-arg]
    """Commands added by later areas register themselves here."""
    from app.cli_collection import register as register_collection
    from app.cli_customers import register as register_customers
    from app.cli_relay import register as register_relay

    return [register_customers, register_relay, register_collection]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    setup_logging(verbose=args.verbose)
    try:
        return int(args.handler(args))
    except CliError as error:
        print(f"오류: {error}", file=sys.stderr)
        return 2
    except ValidationError as error:
        print(f"오류: {error.field}: {error.message} (invalid input)", file=sys.stderr)
        return 2
    except ServiceError as error:
        print(f"오류: {error.message} (refused)", file=sys.stderr)
        return 2
