"""A real sending process for the crash and two-PC tests: ``python -m tests.transmissions.sender_child``.

It runs the production scheduler code (`send_now` or repeated `tick`s) against a database and the
built-in simulator folder, at a fixed business-clock moment. KSCMS_CRASH_PAUSE makes it stop at a
sending step; ``--pause-mid-upload MARKER`` makes the upload write half the file on the relay and
stop there. The parent kills it with SIGKILL and starts it again. Prints one JSON line at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import datetime
from pathlib import Path

from app.database.engine import Database
from app.services.common import keys
from app.services.common.calendar import ManualClock
from app.services.exchange import relay_config
from app.services.exchange.leases import SenderLease
from app.services.exchange.relay import layout
from app.services.exchange.scheduler import CollectionScheduler
from app.services.settings.contracts import contract_id_for_code


class HalfUpload:
    """Wraps a transport: the upload leaves half the bytes in the relay's temporary file, then stops."""

    def __init__(self, inner, marker: Path) -> None:
        self.inner = inner
        self.marker = marker

    def upload(self, remote_name: str, data: bytes) -> None:
        part = self.inner.base / layout.SEND / layout.part_name(remote_name)
        part.write_bytes(data[: len(data) // 2])
        self.marker.write_text("mid-upload\n", encoding="utf-8")
        while True:
            time.sleep(60)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--code", required=True)
    parser.add_argument("--now", required=True)
    parser.add_argument("--passphrase", required=True)
    parser.add_argument("--mode", choices=["send-now", "ticks"], default="send-now")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--start-file")
    parser.add_argument("--pause-mid-upload")
    args = parser.parse_args()

    db = Database.from_url(args.url)
    key = keys.unlock(db, args.passphrase, remember=False)
    clock = ManualClock(datetime.fromisoformat(args.now))
    factory = relay_config.transport_factory(db, clock=clock, data_dir=Path(args.data_dir))
    if args.pause_mid_upload:
        marker = Path(args.pause_mid_upload)
        transport_for = lambda c: HalfUpload(factory(c), marker)  # noqa: E731
    else:
        transport_for = factory
    # KSCMS_TEST_OWN_LEASE: a lease of its own, so two processes both believe they are the sender.
    lease = SenderLease(db, name=f"test-{os.getpid()}") if os.environ.get("KSCMS_TEST_OWN_LEASE") else None
    sched = CollectionScheduler(db, clock=clock, transport_for=transport_for, data_key=key, upload_delays=(),
                                lease=lease)
    contract_id = contract_id_for_code(db, args.code)
    if args.start_file:
        while not Path(args.start_file).exists():
            time.sleep(0.01)
    done: dict[str, list[str]] = {"uploaded": [], "skipped": [], "problems": []}
    if args.mode == "send-now":
        report = sched.send_now(contract_id)
        done["uploaded"] = [u.remote_name for u in report.uploads if u.sent]
        done["problems"] = report.problems
    else:
        end = time.monotonic() + args.seconds
        while time.monotonic() < end:
            report = sched.tick()
            done["uploaded"] += [u.remote_name for u in report.uploads if u.sent]
            done["problems"] += report.problems
            if report.skipped:
                done["skipped"].append(report.skipped)
            time.sleep(0.05)
    print(json.dumps(done, ensure_ascii=False))
    db.dispose()


if __name__ == "__main__":
    main()
