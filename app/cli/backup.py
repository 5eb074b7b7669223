"""`python -m app backup | restore | verify-backup`: backups with manifests, and restores that check them.

* ``backup [--out FILE [--force]]``: SQLite: a copy in the backups folder (or FILE); PostgreSQL:
  pg_dump -Fc. Either way ``FILE.manifest.json`` beside it, signed with the data key (this PC's
  keyring, else KSCMS_PASSPHRASE); without the key the manifest is written unsigned, with a warning.
  ``--out`` never replaces an existing file without ``--force``, and never the live database,
  its -wal/-shm, or anything in the backups folder.
* ``restore FILE [--yes] [--unverified]``: SQLite only. Refused unless the manifest verifies (tag,
  SHA-256, revision, shape, row counts); ``--unverified`` is an administrator's explicit choice for
  a backup without a valid manifest, confirmed by typing a phrase (or ``--yes`` in a script),
  still refused for a file that is not a KSCMS database of a known revision and shape, and audited.
* ``verify-backup FILE``: the same checks without restoring, for a SQLite backup or a pg_dump file.

All three are administrators' commands (cli_login ADMIN).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from app.cli.common import ask_passphrase
from app.cli.errors import CliError
from app.cli.login import ADMIN
from app.config import ENV_PASSPHRASE, backup_dir, database_url
from app.database import copies
from app.database.engine import Database
from app.services.common.crypto import DataKey

UNVERIFIED_PHRASE = "검증 없이 복원"


def _key(db: Database, *, ask: bool) -> DataKey | None:
    """The data key: this PC's keyring, else KSCMS_PASSPHRASE, else (when `ask`) a prompt or an error."""
    from app.services.common import keys

    try:
        key = keys.cached(db)
    except Exception:  # noqa: BLE001 - no key record (not set up) or a broken keyring: go on without one
        return None
    if key is not None:
        return key
    if os.environ.get(ENV_PASSPHRASE) or ask:
        return keys.unlock(db, ask_passphrase("데이터 암호 문구: "), remember=False)
    return None


def cmd_backup(args: argparse.Namespace) -> int:
    from app.database import backup
    from app.database.server_settings import sqlite_file

    url = database_url()
    source = sqlite_file(url)
    key = _key(args.caller.db, ask=False)
    if source is None:
        out = Path(args.out) if args.out else backup.default_dump_path(backup_dir())
        protected: list[Path] | None = None if args.out else []
        target = backup.backup_postgres(url, out, key=key, force=args.force, protected=protected)
    elif not source.exists():
        raise CliError(f"데이터베이스 파일이 없습니다: {source}", "no database file")
    elif args.out:
        target = copies.copy_sqlite(source, Path(args.out), key=key, force=args.force)
    else:
        target = copies.backup_sqlite(args.caller.db.engine, backup_dir(), reason=copies.MANUAL, key=key)
    if key is None:
        print("경고: 데이터 암호 키가 없어 확인 정보에 서명하지 못했습니다. 이 백업은 '검증 없이 복원'으로만 복원됩니다. "
              "(warning: manifest unsigned, data key not available)", file=sys.stderr)
    print(f"백업했습니다: {target} (backup written, manifest {target.name}.manifest.json)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Replace the SQLite database with a verified backup; the current data is kept as a before-restore copy."""
    from app.database import backup
    from app.database.server_settings import sqlite_file

    target = sqlite_file(database_url())
    if target is None:
        raise CliError("공유 데이터베이스(PostgreSQL)는 서버에서 pg_restore로 복원합니다 (docs/shared-database.md)",
                       "restore is for a SQLite database only")
    caller = args.caller
    key = _key(caller.db, ask=not args.unverified)
    caller.db.dispose()  # the administrator's login must not keep the file being replaced open
    file = Path(args.file)
    check = backup.verify_backup(file, key=key, unverified=args.unverified)
    if not check.verified and not _confirm_unverified(args, check):
        print("복원하지 않았습니다. (cancelled)")
        return 1
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError("확인 없이 복원하지 않습니다. --yes를 붙이세요", "refusing to restore without --yes")
        answer = input(f"{check.taken_at:%Y-%m-%d %H:%M}에 만든 백업으로 되돌립니다. 그 뒤에 바뀐 내용은 사라집니다. "
                       "계속할까요? [y/N] ")
        if answer.strip().lower() not in ("y", "yes", "예", "네"):
            print("복원하지 않았습니다. (cancelled)")
            return 1
    safety = backup.restore_sqlite(target, file, safety_folder=backup_dir(), key=key, unverified=args.unverified,
                                   actor=caller.user)
    state = "검증함" if check.verified else "검증 없이"
    print(f"복원했습니다({state}). 복원 전 데이터: {safety or '없음'} "
          f"(restored from {file.name}, {'verified' if check.verified else 'UNVERIFIED'})")
    return 0


def _confirm_unverified(args: argparse.Namespace, check: object) -> bool:
    """The stern question before an unverified restore: a typed phrase on a terminal, --yes in a script."""
    reason = getattr(check, "unverified_reason", "") or ""
    print(f"경고: 이 백업은 검증되지 않았습니다. {reason}\n"
          "누군가 고친 파일일 수 있습니다(금액, 계좌, 사용자). 출처를 확실히 아는 백업일 때만 복원하세요. "
          "이 복원은 감사 기록에 남습니다. (WARNING: unverified backup; the restore is audited)", file=sys.stderr)
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise CliError("확인 없이 복원하지 않습니다. --yes를 붙이세요", "refusing to restore without --yes")
    return input(f"계속하려면 '{UNVERIFIED_PHRASE}'를 그대로 입력하세요: ").strip() == UNVERIFIED_PHRASE


def cmd_verify_backup(args: argparse.Namespace) -> int:
    from app.database import backup

    key = _key(args.caller.db, ask=True)
    check = backup.verify_any(Path(args.file), key=key)
    if isinstance(check, backup.DumpCheck):
        listed = "목차 확인함" if check.listed else "pg_restore가 없어 목차는 확인하지 못함"
        print(f"확인했습니다: PostgreSQL 백업, 스키마 {check.revision}, {check.taken_at:%Y-%m-%d %H:%M}, 표 {check.tables}개, "
              f"행 {check.rows:,}개, {listed}. (backup verified)")
    else:
        print(f"확인했습니다: SQLite 백업, 스키마 {check.revision}, {check.taken_at:%Y-%m-%d %H:%M}, "
              "서명·SHA-256·구조·행 수 모두 맞습니다. (backup verified)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add backup, restore and verify-backup to `python -m app` (called from app.cli.main.extra_commands)."""
    make = sub.add_parser("backup", help="데이터베이스 백업: SQLite는 backups 폴더에, PostgreSQL은 pg_dump; 확인 정보 파일을 "
                                         "옆에 씀 (backup)")
    make.add_argument("--out", help="백업 파일 경로 (기본: 데이터 폴더의 backups)")
    make.add_argument("--force", action="store_true", help="--out 파일이 이미 있으면 덮어씀 (overwrite)")
    make.set_defaults(handler=cmd_backup, access=ADMIN)

    restore = sub.add_parser("restore", help="SQLite 데이터베이스를 검증한 백업으로 되돌림; 프로그램을 모두 닫고 실행 (restore)")
    restore.add_argument("file", help="백업 파일 (.db, 옆에 .db.manifest.json)")
    restore.add_argument("--yes", action="store_true", help="묻지 않고 복원 (대화형이 아닐 때 필수)")
    restore.add_argument("--unverified", action="store_true",
                         help="확인 정보가 없거나 맞지 않는 백업을 관리자 책임으로 복원 (감사 기록에 남음)")
    restore.set_defaults(handler=cmd_restore, access=ADMIN)

    verify = sub.add_parser("verify-backup", help="백업 파일과 확인 정보를 검사 (SQLite 또는 PostgreSQL) (verify a backup)")
    verify.add_argument("file", help="백업 파일 (.db 또는 .dump)")
    verify.set_defaults(handler=cmd_verify_backup, access=ADMIN)
