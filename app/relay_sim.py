"""The built-in bank simulator as a real SFTP server on this PC, to practise with or to test against.

    python -m app.relay_sim --data-dir DIR [--port 2222] [--host 127.0.0.1]
                            [--user kscms] [--password PW | --authorized-key FILE]
                            [--institution CODE ...] [--processing-delay-seconds N]
                            [--failure-rate F] [--seed N] [--poll-seconds S]

DIR keeps the server's host key (made on first start, then reused), the simulator's state file and
``DIR/relay``, the folder clients see (``<institution code>/send|recv|notice``). The server listens
on 127.0.0.1 only unless ``--host`` says otherwise, and prints its address and host key
fingerprint at start; its last start-up line is machine-readable::

    READY host=127.0.0.1 port=2222 fingerprint=SHA256:...

Point the application's SFTP settings at it (host 127.0.0.1, the port, the user, remote folder
``.``), pin the printed fingerprint, store the password, and the whole cycle runs over SFTP.
Without ``--processing-delay-seconds`` results follow the bank schedule (next business day 11:00);
with it they come that many seconds after receipt. The password may also come from the
environment variable ``KSCMS_RELAY_SIM_PASSWORD``; with neither a password nor a key, one is made
up and printed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import signal
import sys
from datetime import timedelta
from pathlib import Path

ENV_PASSWORD = "KSCMS_RELAY_SIM_PASSWORD"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m app.relay_sim",
        description="KSCMS 내장 은행 시뮬레이터를 SFTP 서버로 실행합니다 (연습·테스트용).",
    )
    p.add_argument("--data-dir", required=True, type=Path, help="서버 키, 상태 파일, 중계 폴더(relay/)를 둘 폴더")
    p.add_argument("--port", type=int, default=2222, help="포트 (0이면 빈 포트를 골라 출력합니다; 기본 2222)")
    p.add_argument("--host", default="127.0.0.1", help="들을 주소 (기본 127.0.0.1: 이 PC에서만 접속)")
    p.add_argument("--user", default="kscms", help="SFTP 사용자 ID (기본 kscms)")
    p.add_argument("--password", default=None, help=f"SFTP 비밀번호 (또는 환경변수 {ENV_PASSWORD})")
    p.add_argument("--authorized-key", type=Path, action="append", default=[], help="허용할 공개 키 파일 (여러 번 가능)")
    p.add_argument("--institution", action="append", default=[], help="미리 만들 기관 폴더의 이용기관코드 (여러 번 가능)")
    p.add_argument("--processing-delay-seconds", type=float, default=None, help="결과를 접수 N초 후에 냅니다 (기본: 영업일 일정)")
    p.add_argument("--failure-rate", type=float, default=0.0, help="정상 계좌의 출금도 0021로 실패시킬 비율 (0~1)")
    p.add_argument("--seed", type=int, default=0, help="실패율의 난수 시드")
    p.add_argument("--poll-seconds", type=float, default=1.0, help="결과·공지를 확인하는 간격 (초)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    try:
        return asyncio.run(_serve(args))
    except KeyboardInterrupt:
        return 0
    except ValueError as exc:
        print(f"오류: {exc}", file=sys.stderr)
        return 2


async def _serve(args: argparse.Namespace) -> int:
    import asyncssh

    from app.services.common.calendar import SystemClock
    from app.services.exchange.relay.server import (
        RELAY_FOLDER,
        STATE_FILE,
        Login,
        RelaySimServer,
        load_or_create_host_key,
    )
    from app.services.exchange.relay.simulator import BankSimulator

    data_dir: Path = args.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    password = args.password or os.environ.get(ENV_PASSWORD)
    keys = [key for path in args.authorized_key for key in asyncssh.read_public_key_list(path)]
    generated = False
    if password is None and not keys:
        password = secrets.token_urlsafe(12)
        generated = True

    delay = None if args.processing_delay_seconds is None else timedelta(seconds=args.processing_delay_seconds)
    simulator = BankSimulator(
        data_dir / RELAY_FOLDER,
        SystemClock(),
        processing_delay=delay,
        failure_rate=args.failure_rate,
        seed=args.seed,
        state_path=data_dir / STATE_FILE,
    )
    for code in args.institution:
        simulator.ensure_institution(code)
    host_key = load_or_create_host_key(data_dir)
    server = RelaySimServer(
        simulator, login=Login(args.user, password, keys), host_key=host_key, poll_seconds=args.poll_seconds
    )
    port = await server.start(args.host, args.port)

    auth = []
    if password is not None:
        auth.append(f"비밀번호 {password}" if generated else "비밀번호")
    if keys:
        auth.append(f"공개 키 {len(keys)}개")
    lines = [
        "KSCMS 은행 시뮬레이터 SFTP 서버가 시작되었습니다.",
        f"  주소: {args.host}:{port}",
        f"  사용자: {args.user} ({', '.join(auth)})",
        f"  서버 키: {host_key.get_algorithm()} {server.fingerprint}",
        f"  중계 폴더: {simulator.root}",
        "  기관 폴더: " + (", ".join(simulator.institutions()) or "없음 (--institution 이용기관코드로 만드세요)"),
        f"  {simulator.schedule_description()}",
    ]
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        lines.append("  주의: 이 PC 밖에서도 접속할 수 있는 주소입니다.")
    lines.append(f"READY host={args.host} port={port} fingerprint={server.fingerprint}")
    print("\n".join(lines), flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - Windows: Ctrl+C raises instead
            pass
    try:
        await stop.wait()
    finally:
        await server.stop()
    print("KSCMS 은행 시뮬레이터 SFTP 서버를 멈췄습니다.", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
