"""A living academy to practise on: one contract, three items, a few hundred families, three months of history.

`python -m app demo-data` (and `bash dev.sh run` on a first start) makes 해오름수학학원 the way an
office would have made it: set up, families signed up, accounts registered with the banks, and the
last three months debited, retried, received in cash and summed up, all through the real services,
the embedded scheduler and the built-in bank simulator on an injected clock that stops at the real
"now" (`demo_history`, the families in `demo_cast`). So the simulator knows every registration and
the next practice month works; every list and 집계 has rows; and the home screen has today's work:
a failure to retry or receive in cash, a rejected 계좌신청 to fix, the next cut-off with what is queued.
Beside it, in the data folder, the office's bank statement of the last days (`demo_statement`,
데모_통장거래내역.xlsx) to practise 통장입금대사 on.

All or nothing. The services commit their own transactions, so the history is lived in a scratch
SQLite file and copied into the real database in one transaction (`demo_copy`): a demo that fails or
is killed at any point leaves the database as empty as it was, and ``demo-data --if-empty`` (which
looks for an institution) makes the demo next time. The simulator's memory of the demo institution
(its folder and its rows in the simulator's state file, under the data folder) is cleared before
the build and again after a failure, so a new demo never meets the files of an old one.

Seeded: the same size and the same moment give the same academy. The default 300 families take
about ten seconds; the size is bounded (`MAX_CUSTOMERS`): 5,000 families are a minute or two.
"""

from __future__ import annotations

import logging
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import event, select

from app import config as app_config
from app.database.engine import Database
from app.models import Contract
from app.services.common.calendar import SEOUL
from app.services.common.errors import ServiceError
from app.services.exchange.relay.config import SIMULATOR_FOLDER
from app.services.exchange.relay.simulator import STATE_FILE, BankSimulator
from app.services.settings import setup
from app.services.settings.demo import copy as demo_copy
from app.services.settings.demo import statement as demo_statement
from app.services.settings.demo.history import (
    ADMIN_BIRTH,
    ADMIN_LOGIN,
    CLERK_BIRTH,
    CLERK_LOGIN,
    DEMO_CODE,
    History,
)

log = logging.getLogger(__name__)

DEMO_PASSPHRASE = "demo-passphrase"
MIN_CUSTOMERS = 1
MAX_CUSTOMERS = 5_000
"""A large academy has a few thousand students; 5,000 fills every list, page and bank file a clerk
would practise on. More would only make the history longer to live."""

__all__ = ["ADMIN_BIRTH", "CLERK_BIRTH", "CLERK_LOGIN", "DEMO_CODE", "DEMO_PASSPHRASE", "MAX_CUSTOMERS",
           "MIN_CUSTOMERS", "DemoResult", "check_customers", "create", "existing_code"]


@dataclass(frozen=True)
class DemoResult:
    institution_code: str
    customers: int
    admin_login_id: str
    admin_birth_date: str
    clerk_login_id: str = CLERK_LOGIN
    clerk_birth_date: str = CLERK_BIRTH
    sample_statement: Path | None = None  # the 통장 거래내역 to practise 통장입금대사 on (demo_statement)


def existing_code(db: Database) -> str:
    with db.session() as s:
        return s.scalar(select(Contract.institution_code).order_by(Contract.id).limit(1)) or ""


def check_customers(customers: int) -> None:
    """Refuse a demo size outside MIN_CUSTOMERS … MAX_CUSTOMERS (a negative one made an empty academy)."""
    if isinstance(customers, bool) or not isinstance(customers, int) or not MIN_CUSTOMERS <= customers <= MAX_CUSTOMERS:
        raise ServiceError(f"데모 고객 수는 {MIN_CUSTOMERS}명부터 {MAX_CUSTOMERS:,}명까지입니다: {customers!r}")


def forget_simulated_demo(data_dir: Path) -> None:
    """Clear what the built-in simulator under `data_dir` remembers of the demo institution."""
    simulator = BankSimulator(data_dir / SIMULATOR_FOLDER, lambda: datetime.now(SEOUL), purge_finished=True)
    simulator.forget_institution(DEMO_CODE)


def create(db: Database, *, passphrase: str = DEMO_PASSPHRASE, customers: int = 300, now: datetime | None = None,
           data_dir: Path | None = None) -> DemoResult:
    """Make the demo academy in an empty database, its history ending at `now` (default: the real now).

    `data_dir` is where the built-in simulator keeps its folder (default: this PC's data folder), the
    simulator the program talks to after the demo. Raises ServiceError when the database is not empty.
    """
    check_customers(customers)
    end = (now or datetime.now(SEOUL)).astimezone(SEOUL)
    folder = data_dir or app_config.data_dir()
    if setup.is_initialized(db):
        raise ServiceError(demo_copy.NOT_EMPTY)
    forget_simulated_demo(folder)
    try:
        with tempfile.TemporaryDirectory(prefix="kscms-demo-") as scratch, _simulator_kept_open(folder):
            build = _scratch(Path(scratch))
            try:
                _migrate(build)
                history = History(build, folder, end, customers, passphrase)
                history.live()
                sample = demo_statement.write_sample(build, history.clerk, history.cid, folder, end.date())
                demo_copy.copy_all(build, db, demo_copy.Shift(history.clock.marks, datetime.now(SEOUL)))
            finally:
                build.dispose()
    except BaseException:
        try:
            forget_simulated_demo(folder)
        except Exception:  # the first failure is the one to report
            log.warning("could not clear the simulator's copy of the failed demo", exc_info=True)
        raise
    return DemoResult(DEMO_CODE, customers, ADMIN_LOGIN, ADMIN_BIRTH, sample_statement=sample)


@contextmanager
def _simulator_kept_open(data_dir: Path) -> Iterator[None]:
    """Hold a connection to the simulator's state file while the history is lived.

    The simulator opens the file for each of its steps; when the last connection closes, SQLite folds
    the write-ahead log back into the file and syncs both, three disk syncs per step, a few hundred
    in three months of history. One idle connection held open spares them (it takes no lock)."""
    state = sqlite3.connect(data_dir / SIMULATOR_FOLDER / STATE_FILE)
    try:
        state.execute("SELECT count(*) FROM sqlite_master").fetchall()  # joins the file's shared memory
        yield
    finally:
        state.close()


def _scratch(folder: Path) -> Database:
    """The scratch SQLite file the history is lived in: thrown away after the copy, so it need not
    survive a power cut (no fsync at each of the services' thousand commits)."""
    build = Database.from_url(f"sqlite:///{(folder / 'demo.db').as_posix()}")
    event.listen(build.engine, "connect", lambda dbapi, _record: dbapi.execute("PRAGMA synchronous=OFF"))
    return build


def _migrate(build: Database) -> None:
    from app.database import migrate as migrations

    migrations.upgrade(build.engine)
