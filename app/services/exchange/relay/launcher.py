"""Start ``python -m app.relay_sim`` as a child process and wait until it listens (tests, demo).

    with start_relay_sim(tmp_path / "sim", password="pw", institutions=["9912345678"],
                         processing_delay_seconds=0) as sim:
        sim.port, sim.host_key    # HostKeyInfo to pin
        sim.relay_root            # the folder the SFTP clients see

The child listens on 127.0.0.1 and a free port chosen by the OS (no race for a port number); the
port comes from its ``READY`` line. ``stop()`` (or leaving the ``with``) terminates exactly that
child. Its log goes to ``<data_dir>/relay-sim.log``.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .config import HostKeyInfo
from .server import HOST_KEY_FILE, RELAY_FOLDER

_READY = re.compile(r"^READY host=(?P<host>\S+) port=(?P<port>\d+) fingerprint=(?P<fp>\S+)$")
_PROJECT_ROOT = Path(__file__).resolve().parents[3]


@dataclass
class RelaySimProcess:
    """A running SFTP simulator child process."""

    process: subprocess.Popen[str]
    data_dir: Path
    host: str
    port: int
    fingerprint: str
    output: list[str] = field(default_factory=list)

    @property
    def relay_root(self) -> Path:
        return self.data_dir / RELAY_FOLDER

    @property
    def host_key(self) -> HostKeyInfo:
        """The server's key as ``fetch_host_key`` would report it, read from its public key file."""
        parts = (self.data_dir / f"{HOST_KEY_FILE}.pub").read_text(encoding="ascii").split()
        return HostKeyInfo(parts[0], self.fingerprint, f"{parts[0]} {parts[1]}")

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)


@contextmanager
def start_relay_sim(
    data_dir: Path,
    *,
    user: str = "kscms",
    password: str | None = "kscms-practice",
    institutions: Sequence[str] = (),
    processing_delay_seconds: float | None = 0.0,
    poll_seconds: float = 0.2,
    extra_args: Sequence[str] = (),
    timeout: float = 30.0,
) -> Iterator[RelaySimProcess]:
    """Run the SFTP simulator for the duration of the ``with`` block."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    args = [
        sys.executable,
        "-m",
        "app.relay_sim",
        "--data-dir",
        str(data_dir),
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--user",
        user,
        "--poll-seconds",
        str(poll_seconds),
    ]
    env = dict(os.environ)
    if password is not None:
        env["KSCMS_RELAY_SIM_PASSWORD"] = password  # not on the command line, where ps shows it
    for code in institutions:
        args += ["--institution", code]
    if processing_delay_seconds is not None:
        args += ["--processing-delay-seconds", str(processing_delay_seconds)]
    args += list(extra_args)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PROJECT_ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    log_file = open(data_dir / "relay-sim.log", "ab")  # noqa: SIM115 - closed in finally below
    proc = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=log_file,
        stdin=subprocess.DEVNULL,
        text=True,
        encoding="utf-8",
        cwd=_PROJECT_ROOT,
        env=env,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    output: list[str] = []

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line.rstrip("\n"))
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, name="relay-sim-stdout", daemon=True).start()
    handle: RelaySimProcess | None = None
    try:
        deadline = time.monotonic() + timeout
        while handle is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RuntimeError(f"relay_sim did not start within {timeout} s; see {data_dir / 'relay-sim.log'}")
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError(
                    f"relay_sim exited with {proc.wait()} before listening; see {data_dir / 'relay-sim.log'}"
                )
            match = _READY.match(line)
            if match:
                handle = RelaySimProcess(proc, data_dir, match["host"], int(match["port"]), match["fp"], output)
        yield handle
    finally:
        if handle is not None:
            handle.stop()
        elif proc.poll() is None:
            proc.kill()
            proc.wait(10)
        log_file.close()
