"""`python -m app send | receive | decode | transmissions | scheduler`: the relay work without a screen.

For administrators and for a PC that stays on (``python -m app scheduler`` runs the same scheduler
the desktop program embeds). Building a file needs the personal-data key: this PC's keyring copy,
else KSCMS_PASSPHRASE (or a prompt on a terminal). Exit codes: 0 done, 1 done with problems (the
relay was unreachable, a result was refused — each reported on its own line), 2 refused or a
malformed file.

Who may run them (app/cli/login.py): `send` and `receive` are the administrator's 지금 송신 / 지금
수신, or the unattended PC's scheduler credential (KSCMS_SCHEDULER_TOKEN); `scheduler` runs for any
user (the desktop program runs it for whoever logged in) or under that credential, and checks
before every pass that it still may; `transmissions` lists the files of the user's institution,
and `save` is for administrators, as on the screen; `decode` reads a file the user already holds
and needs no login.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.cli.args import interval_seconds, row_id
from app.cli.common import ask_passphrase
from app.cli.errors import CliError
from app.cli.login import OPEN, RELAY, SCHEDULER, Caller
from app.database.engine import Database
from app.models import Contract, Transmission
from app.services.common import keys
from app.services.common.access import require_institution
from app.services.common.calendar import SEOUL, SystemClock
from app.services.common.crypto import DataKey
from app.services.common.errors import NotFoundError
from app.services.exchange import relay_config
from app.services.exchange import transmissions as tx
from app.services.exchange.cms import CmsError, decode_any, describe
from app.services.exchange.scheduler import CollectionScheduler, PassReport


def register(sub: argparse._SubParsersAction) -> None:
    """Add the relay commands to `python -m app` (called from app.cli.main.extra_commands)."""
    send = sub.add_parser("send", help="송신할 파일을 만들어 중계서버로 보냅니다 (send request files)")
    send.add_argument("--contract", required=True, help="이용기관코드")
    send.add_argument("--now", action="store_true",
                      help="마감을 기다리지 않고 지금 보냅니다: 계좌신청 전부, 오늘 마감인 이체의뢰 (send now)")
    send.set_defaults(handler=cmd_send, access=RELAY)

    receive = sub.add_parser("receive", help="결과 파일을 받아 반영합니다 (fetch and apply results)")
    receive.add_argument("--contract", required=True, help="이용기관코드")
    receive.set_defaults(handler=cmd_receive, access=RELAY)

    decode = sub.add_parser("decode", help="CMS 파일 내용을 (개인번호를 가려서) 보여 줍니다 (decode a bank file)")
    decode.add_argument("file", type=Path)
    decode.set_defaults(handler=cmd_decode, access=OPEN)

    files = sub.add_parser("transmissions", help="송수신 파일 목록, 또는 save ID OUT로 파일 저장 (files sent and received)")
    files.add_argument("--contract", help="이용기관코드 (없으면 KSCMS_CONTRACT; 그 기관의 모든 계약)")
    files.set_defaults(handler=cmd_transmissions)
    actions = files.add_subparsers(dest="files_action", metavar="save")
    save = actions.add_parser("save", help="파일을 바이트 그대로 저장합니다 (감사기록에 남습니다)")
    save.add_argument("id", type=row_id, help="송수신 파일 번호 (목록의 ID)")
    save.add_argument("out", type=Path, help="저장할 파일 또는 폴더")
    save.add_argument("--force", action="store_true", help="같은 이름의 파일이 있으면 덮어씁니다 (overwrite)")
    save.set_defaults(handler=cmd_save)

    sched = sub.add_parser("scheduler", help="송수신 스케줄러를 화면 없이 실행합니다 (headless scheduler)")
    sched.add_argument("--once", action="store_true", help="한 번만 처리하고 끝냅니다 (one pass)")
    sched.add_argument("--interval", type=interval_seconds, default=30.0, help="처리 간격(초, 0.1~3600), 기본 30")
    sched.set_defaults(handler=cmd_scheduler, access=SCHEDULER)


# --- helpers -------------------------------------------------------------------------------------


def _contract(caller: Caller, code: str) -> int:
    """The id of a contract of the caller's institution with this 이용기관코드, or a one-line refusal."""
    with caller.db.session() as s:
        found = s.scalar(select(Contract.id).where(Contract.institution_code == code.strip(),
                                                   Contract.institution_id == caller.institution_id))
    if found is None:
        raise CliError(f"이용기관코드 {code}인 계약이 없습니다", "no contract with that code")
    return int(found)


class CheckedScheduler(CollectionScheduler):
    """The scheduler of a command line: before every pass it asks `check` whether it still may run.

    `check` returns None to go on, or the Korean reason to stop (a revoked credential, a user
    locked since). A refused pass does nothing and reports the reason; the command then ends.
    """

    def __init__(self, *args: Any, check: Callable[[], str | None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._check = check

    def tick(self, now: datetime | None = None) -> PassReport:
        refused = self._check()
        if refused is not None:
            report = PassReport(now or self.clock())
            report.skipped = refused
            return report
        return super().tick(now)


def _data_key(db: Database) -> DataKey:
    key = keys.cached(db)
    if key is not None:
        return key
    return keys.unlock(db, ask_passphrase("데이터 암호 문구: "))


def _scheduler(db: Database, *, key: DataKey | None, interval: float = 30.0,
               check: Callable[[], str | None] = lambda: None) -> CheckedScheduler:
    clock = SystemClock()
    return CheckedScheduler(db, clock=clock, transport_for=relay_config.transport_factory(db, clock=clock),
                            data_key=key, interval_seconds=interval, check=check)


def _print_report(report: PassReport) -> int:
    for line in report.lines:
        print(line)
    for problem in report.problems:
        print(f"문제: {problem}", file=sys.stderr)
    for item in report.missed:
        print(f"마감 놓침: {item.message}")
    return 1 if report.problems else 0


# --- commands ------------------------------------------------------------------------------------


def cmd_send(args: argparse.Namespace) -> int:
    caller: Caller = args.caller
    db = caller.db
    contract_id = _contract(caller, args.contract)
    sched = _scheduler(db, key=_data_key(db))
    report = sched.send_now(contract_id, caller.actor) if args.now else sched.send_due(contract_id)
    if not report.lines and not report.problems:
        print("지금 보낼 파일이 없습니다. 파일은 마감 직전에 보냅니다 (--now: 지금 보내기).")
    return _print_report(report)


def cmd_receive(args: argparse.Namespace) -> int:
    caller: Caller = args.caller
    db = caller.db
    contract_id = _contract(caller, args.contract)
    return _print_report(_scheduler(db, key=_data_key(db)).fetch_now(contract_id, caller.actor))


def cmd_decode(args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CliError(f"파일을 읽을 수 없습니다: {path}", f"cannot read {path}: {error.strerror}") from None
    try:
        decoded = decode_any(data, path.name)
    except CmsError as error:
        print(f"오류: {path.name}({len(data):,}바이트) {' '.join(str(error).splitlines())}", file=sys.stderr)
        return 2
    print(f"{path.name}: {decoded.kind} {decoded.file_name}, 데이터 {len(decoded.records):,}건, {len(data):,}바이트")
    for index, row in enumerate(describe(decoded), start=1):
        fields = " | ".join(f"{k}={v}" for k, v in row.items() if v.strip())
        print(f"{index:>6} {fields}")
    return 0


def cmd_transmissions(args: argparse.Namespace) -> int:
    caller: Caller = args.caller
    db, actor = caller.db, caller.user
    query = select(Contract.id, Contract.institution_id, Contract.institution_code, Contract.name).where(
        Contract.institution_id == actor.institution_id)  # the logged-in user's institution only
    if args.contract:
        query = query.where(Contract.institution_code == args.contract.strip())
    with db.session() as s:
        contracts = s.execute(query.order_by(Contract.id)).all()
    if args.contract and not contracts:
        raise CliError(f"이용기관코드 {args.contract}인 계약이 없습니다", "no contract with that code")
    header = "ID\t구분\t파일\t파일이름\t일자\t상태\t건수\t금액\t완료\t미완료\t송신/수신\t오류"
    for contract_id, _institution_id, code, name in contracts:
        rows = tx.list_transmissions(db, actor, contract_id)
        print(f"[{code}] {name}: {len(rows)}개 파일")
        if rows:
            print(header)
        for r in rows:
            moment = r.sent_at if r.direction == "SEND" else r.received_at
            shown = moment.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M") if moment else "-"
            print("\t".join([
                str(r.id), r.direction.label, f"{r.kind} {r.kind_label}", tx.display_name(r.remote_name),
                r.file_date.isoformat(), r.state_label, f"{r.tally.count or r.file_records:,}",
                f"{r.tally.amount or r.file_amount:,}", f"{r.tally.done_count:,}", f"{r.tally.failed_count:,}", shown,
                (r.error or "").replace("\n", " "),
            ]))
    return 0


def cmd_save(args: argparse.Namespace) -> int:
    caller: Caller = args.caller
    db, actor = caller.db, caller.user
    actor.require_admin()  # as on the screen: a request file holds full account numbers
    with db.session() as s:
        t = s.get(Transmission, args.id)
        contract = s.get(Contract, t.contract_id) if t else None
    try:
        require_institution(actor, contract.institution_id if contract is not None else None)
    except NotFoundError:
        raise CliError(f"송수신 파일 {args.id}번이 없습니다", "no such transmission") from None
    target = tx.save_file(db, actor, args.id, args.out, _data_key(db), force=args.force)
    print(f"{target} ({target.stat().st_size:,}바이트) 저장했습니다. 감사기록에 남았습니다. (saved, audited)")
    return 0


def cmd_scheduler(args: argparse.Namespace) -> int:
    caller: Caller = args.caller
    db = caller.db
    stop = threading.Event()
    refused: list[CliError] = []

    def still_allowed() -> str | None:
        """Before each pass: a revoked credential (or a user locked since) stops the scheduler."""
        try:
            caller.recheck()
        except CliError as error:
            refused.append(error)
            stop.set()
            return str(error)
        return None

    sched = _scheduler(db, key=_data_key(db), interval=args.interval, check=still_allowed)
    if args.once:
        report = sched.tick()
        if refused:
            raise refused[0]
        return _print_report(report)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    seen: set[str] = set()

    def show(report: PassReport) -> None:
        stamp = f"[{report.at.astimezone(SEOUL):%m-%d %H:%M}]"
        if report.lines or report.problems:
            print(f"{stamp} {report.summary()}", flush=True)
        for item in report.missed:  # once each: the next passes report the same rows again
            if item.message not in seen:
                seen.add(item.message)
                print(f"{stamp} 마감 놓침: {item.message}", flush=True)

    sched.add_listener(show)
    sched.start()
    print(f"송수신 스케줄러를 시작했습니다 ({args.interval:g}초 간격, Ctrl+C로 끝냄). {sched.status().text()}", flush=True)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        sched.shutdown()
    if refused:
        raise refused[0]
    print("송수신 스케줄러를 끝냈습니다.", flush=True)
    return 0
