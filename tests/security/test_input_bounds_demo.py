"""All-or-nothing demo data, literal name searches, and a sender-lock message that names the right PC.

The attacks and slips: `demo-data --customers -5` succeeded with no customers; a demo killed half-way
left half an academy that `--if-empty` then refused to replace; a search for "_" or "%" in
이체의뢰결과, 현금수납, 재처리의뢰 (charges), 할인관리 and 계좌신청 listed every payer; the scheduler
said "다른 PC" when the lock holder was another program on this very PC.
"""

from __future__ import annotations

import os
import select as select_module
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.database.engine import Database
from app.models import Customer, Institution
from app.services.collection import cash, discounts, ledger, registrations, results, retries
from app.services.collection import requests as debits
from app.services.common.calendar import SEOUL
from app.services.common.errors import ServiceError
from app.services.exchange.leases import SenderLease, busy_message
from app.services.settings import setup
from app.services.settings.demo import data as demo_data
from app.services.settings.demo.history import History
from tests.collection.helpers import add_payer, mark_sent
from tests.factories import Office
from tests.security.cli import ROOT, db_url, login_env, run_cli


def _institutions(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Institution)) or 0)


# --- demo data ---------------------------------------------------------------------------------------


def test_a_demo_that_fails_half_way_leaves_the_database_empty(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    real = History._sign_up
    signed: list[str] = []

    def failing(self, family, first_month=None):
        if len(signed) == 15:
            raise RuntimeError("disk full")
        real(self, family, first_month)
        signed.append(family.customer_no)

    monkeypatch.setattr(History, "_sign_up", failing)
    with pytest.raises(RuntimeError):
        demo_data.create(db, customers=30)
    assert not setup.is_initialized(db) and _institutions(db) == 0
    monkeypatch.setattr(History, "_sign_up", real)
    made = demo_data.create(db, customers=30)
    with db.session() as s:
        assert made.customers == 30 and s.scalar(select(func.count()).select_from(Customer)) == 30


@pytest.mark.parametrize("count", [-5, 0, 5_001, 100_000_000])
def test_a_demo_size_out_of_range_is_refused_before_anything_is_written(db: Database, count: int) -> None:
    with pytest.raises(ServiceError, match="데모 고객 수"):
        demo_data.create(db, customers=count)
    assert _institutions(db) == 0


_KILLABLE = """
import sys
from app.database.engine import Database
from app.services.settings.demo import copy as demo_copy, data as demo_data

db = Database.from_url(sys.argv[1])
real = demo_copy._copy_table

def announce(source, target, table, shift, *, keep_ids):
    real(source, target, table, shift, keep_ids=keep_ids)
    if table.name == "customer":
        print("MIDWAY", flush=True)
        import time
        time.sleep(600)

demo_copy._copy_table = announce
demo_data.create(db, customers=40)
"""


def test_a_demo_killed_half_way_leaves_nothing_and_if_empty_then_makes_it(db: Database, tmp_path: Path) -> None:
    """SIGKILL while the academy is being copied in (customers written, not committed): nothing stays."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    child = subprocess.Popen([sys.executable, "-c", _KILLABLE, db_url(db)], cwd=ROOT, env=env, text=True,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        ready, _w, _x = select_module.select([child.stdout], [], [], 120)
        assert ready and child.stdout and child.stdout.readline().strip() == "MIDWAY", child.stderr
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    time.sleep(0.5)  # PostgreSQL ends the dead client's transaction when it sees the socket close
    assert not setup.is_initialized(db) and _institutions(db) == 0
    done = run_cli("demo-data", "--if-empty", "--customers", "5", env=login_env(db, tmp_path / "data"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[0] == demo_data.DEMO_CODE
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 5


@pytest.mark.parametrize("count", ["-5", "100000000", "lots"])
def test_the_command_line_refuses_a_demo_size_in_one_line(sqlite_db: Database, tmp_path: Path, count: str) -> None:
    started = time.monotonic()
    done = run_cli("demo-data", "--customers", count, env=login_env(sqlite_db, tmp_path / "data"))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("오류: ") and "--customers" in lines[0]
    assert time.monotonic() - started < 30 and _institutions(sqlite_db) == 0


# --- literal searches ----------------------------------------------------------------------------------

NAMES = {"1": "백퍼센트%반", "2": "김_수", "3": "김민수", "4": "이영희"}


def _failed_payers(office: Office) -> tuple[date, datetime]:
    """The four payers, requested for the 15th of next month and all failed; returns (debit date, a
    moment in that month after the results)."""
    today = datetime.now(SEOUL).date()
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    option = next(o for o in debits.debit_dates(office.db, office.admin, office.contract_id, year, month)
                  if 15 in o.days)
    for number, name in NAMES.items():
        add_payer(office.db, office.contract_id, number, name=name, monthly=30_000, day=15, first=option.periods[0])
    now = datetime.now(SEOUL)
    due = debits.list_due(office.db, office.admin, office.contract_id, option.debit_date, now=now)
    debits.request(office.db, office.admin, office.contract_id, option.debit_date,
                   [r.agreement_id for r in due.requestable], now=now)
    with office.db.session() as s:
        for request_id in mark_sent(office.db):
            ledger.apply_debit_outcome(s, request_id, 0, "0012", now)
    after = datetime.combine(option.debit_date + timedelta(days=1), datetime.min.time(), SEOUL).replace(hour=12)
    return option.debit_date, after


def test_percent_and_underscore_match_only_themselves_in_every_collection_list(office: Office) -> None:
    debit_date, after = _failed_payers(office)
    db, admin, cid = office.db, office.admin, office.contract_id

    def found(search: str) -> dict[str, set[str]]:
        query = results.ResultQuery(date_from=debit_date, date_to=debit_date, customer=search)
        return {
            "results": {r.customer_name for r in results.list_results(db, admin, cid, query, today=debit_date).rows},
            "cash": {r.customer_name for r in cash.list_cash_candidates(db, admin, cid, name=search)},
            "retry": {r.customer_name for r in retries.list_retry(db, admin, cid, now=after, customer=search)},
            "discounts": {r.customer_name for r in discounts.list_agreements(db, admin, cid,
                                                                   discounts.DiscountQuery(text=search))},
            "registrations": {r.customer_name for r in registrations.list_registrations(
                db, admin, cid, registrations.RegistrationQuery(customer=search), now=after)},
        }

    everyone = set(NAMES.values())
    assert found("") == {k: everyone for k in found("")} and len(found("")) == 5
    assert found("%") == {k: {"백퍼센트%반"} for k in found("%")}
    assert found("_") == {k: {"김_수"} for k in found("_")}
    assert found("김_") == {k: {"김_수"} for k in found("김_")}  # not 김민수
    assert found("김") == {k: {"김_수", "김민수"} for k in found("김")}  # plain text still finds parts


# --- the sender-lock message ------------------------------------------------------------------------


def test_the_lock_message_names_this_pc_or_the_other_pc() -> None:
    here = busy_message("clerk@desk-1#4242", host="desk-1")
    assert here.startswith("이 PC의 다른 프로그램") and "4242" in here and "다른 PC" not in here
    there = busy_message("clerk@desk-2#4242", host="desk-1")
    assert there.startswith("다른 PC(desk-2)")
    assert busy_message(None).startswith("다른 PC(알 수 없음)")


def test_the_scheduler_says_this_pc_when_another_process_here_holds_the_lock(db: Database) -> None:
    """A live process on this host (our parent: alive, and not us) holds the lease."""
    import socket

    from app.services.common.calendar import SystemClock
    from app.services.exchange import relay_config
    from app.services.exchange.scheduler import CollectionScheduler
    from tests.factories import make_office

    make_office(db)
    holder = SenderLease(db, owner=f"clerk@{socket.gethostname()}#{os.getppid()}")
    assert holder.acquire()
    clock = SystemClock()
    sched = CollectionScheduler(db, clock=clock, transport_for=relay_config.transport_factory(db, clock=clock),
                                data_key=None)
    report = sched.tick()
    assert report.skipped and report.skipped.startswith("이 PC의 다른 프로그램") and str(os.getppid()) in report.skipped
    other = SenderLease(db, owner="clerk@another-desk#1")
    holder.release()
    assert other.acquire()
    assert sched.tick().skipped == "다른 PC(another-desk)가 송수신을 맡고 있습니다."
