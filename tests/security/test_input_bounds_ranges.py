"""Values out of any sane range, at the services (so the screens refuse them too) and at the command line.

The attacks: `cash --date 9999-12-31` and `1900-01-01` recorded payments in the wrong year's totals;
`request --date 9999-12-31` printed a traceback (the calendar overflowed); `scheduler --interval -5`
spun a core and ignored SIGTERM. Each is refused with a Korean reason and nothing is written.
"""

from __future__ import annotations

import math
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
from app.models import Charge, DataKeyRecord, Payment
from app.services.collection import cash, ledger
from app.services.collection import requests as debits
from app.services.common.calendar import SEOUL, SystemClock
from app.services.common.crypto import DataKey, KdfParams, wrap_data_key
from app.services.common.errors import ServiceError
from app.services.exchange import relay_config
from app.services.exchange.scheduler import CollectionScheduler
from tests.collection.helpers import add_payer, mark_sent
from tests.factories import Office, make_office
from tests.security.cli import ROOT, login_env, run_cli

PASSPHRASE = "test-passphrase"


def _today() -> date:
    return datetime.now(SEOUL).date()


def _failed_charge(office: Office) -> tuple[int, str]:
    """A charge of next month whose debit failed: what 현금수납 takes. Returns (charge id, period)."""
    today = _today()
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    options = debits.debit_dates(office.db, office.admin, office.contract_id, year, month)
    option = next(o for o in options if 15 in o.days)
    period = option.periods[0]
    add_payer(office.db, office.contract_id, "1", name="김현금", monthly=30_000, day=15, first=period)
    now = datetime.now(SEOUL)
    due = debits.list_due(office.db, office.admin, office.contract_id, option.debit_date, now=now)
    debits.request(office.db, office.admin, office.contract_id, option.debit_date,
                   [r.agreement_id for r in due.requestable], now=now)
    [request_id] = mark_sent(office.db)
    with office.db.session() as s:
        ledger.apply_debit_outcome(s, request_id, 0, "0012", now)
    [row] = cash.list_cash_candidates(office.db, office.admin, office.contract_id)
    return row.charge_id, row.period


def _payments(office: Office) -> int:
    with office.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Payment)) or 0)


@pytest.mark.parametrize("day", [date(9999, 12, 31), date(1900, 1, 1)])
def test_cash_on_an_absurd_day_is_refused_and_nothing_is_recorded(office: Office, day: date) -> None:
    charge_id, period = _failed_charge(office)
    with pytest.raises(ServiceError, match="수납일") as refused:
        cash.receive_cash(office.db, office.admin, charge_id, 10_000, day)
    assert ("오늘" in refused.value.message) if day > _today() else (period in refused.value.message)
    assert _payments(office) == 0
    assert cash.receive_cash(office.db, office.admin, charge_id, 10_000, _today()).outstanding_after == 20_000


def test_cash_dated_tomorrow_or_before_the_month_before_the_period_is_refused(office: Office) -> None:
    charge_id, period = _failed_charge(office)
    today = _today()
    with pytest.raises(ServiceError, match="뒤의 날짜"):
        cash.receive_cash(office.db, office.admin, charge_id, 10_000, today + timedelta(days=1))
    earliest = cash.earliest_receipt_day(period)
    with pytest.raises(ServiceError, match="너무 이릅니다"):
        cash.receive_cash(office.db, office.admin, charge_id, 10_000, earliest - timedelta(days=1))
    assert _payments(office) == 0
    # a clock of the office (the screens pass theirs) decides what "today" is
    assert cash.receive_cash(office.db, office.admin, charge_id, 1_000, earliest, today=earliest).amount == 1_000


@pytest.mark.parametrize("day", [date(9999, 12, 31), date(1, 1, 1), date(9999, 12, 25)])
def test_a_debit_date_out_of_the_window_is_refused_in_korean_and_makes_no_charge(office: Office, day: date) -> None:
    add_payer(office.db, office.contract_id, "1", day=25)
    now = datetime.now(SEOUL)
    with pytest.raises(ServiceError, match="고를 수 있는 범위"):
        debits.list_due(office.db, office.admin, office.contract_id, day, now=now)
    with pytest.raises(ServiceError, match="고를 수 있는 범위"):
        debits.request(office.db, office.admin, office.contract_id, day, [1], now=now)
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Charge)) == 0


def test_the_debit_date_window_runs_from_last_january_to_a_year_ahead() -> None:
    assert debits.debit_date_window(date(2026, 12, 5)) == (date(2025, 1, 1), date(2027, 12, 5))
    assert debits.debit_date_window(date(2028, 2, 29)) == (date(2027, 1, 1), date(2029, 2, 28))


@pytest.mark.parametrize("interval", [-5, 0, 1e308, math.inf, math.nan, 3601])
def test_the_scheduler_refuses_an_interval_out_of_range(office: Office, interval: float) -> None:
    clock = SystemClock()
    with pytest.raises(ServiceError, match="처리 간격"):
        CollectionScheduler(office.db, clock=clock, data_key=None, interval_seconds=interval,
                            transport_for=relay_config.transport_factory(office.db, clock=clock))


# --- the command line ------------------------------------------------------------------------------


def _one_line_refusal(done: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("오류: ") and "Traceback" not in done.stderr, done.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("args", [
    ["cash", "--customer", "1", "--amount", "1000", "--date", "9999-12-31"],
    ["cash", "--customer", "1", "--amount", "1000", "--date", "1900-01-01"],
    ["request", "--date", "9999-12-31"],
    ["request", "--date", "0001-01-01"],
    ["scheduler", "--interval", "-5"],
    ["scheduler", "--interval", "1e308"],
])
def test_the_command_line_refuses_absurd_values_in_one_line(sqlite_db: Database, tmp_path: Path,
                                                            args: list[str]) -> None:
    office = make_office(sqlite_db)
    contract = [] if args[0] == "scheduler" else ["--contract", office.institution_code]
    _one_line_refusal(run_cli(*args, *contract, env=login_env(office.db, tmp_path / "data")))
    assert _payments(office) == 0


def test_a_request_date_within_the_syntax_but_beyond_a_year_is_refused_by_the_service(office: Office,
                                                                                       tmp_path: Path) -> None:
    add_payer(office.db, office.contract_id, "1", day=5)
    far = f"{_today().year + 3}-01-05"
    line = _one_line_refusal(run_cli("request", "--contract", office.institution_code, "--date", far,
                                     env=login_env(office.db, tmp_path / "data")), "고를 수 있는 범위")
    assert far in line
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Charge)) == 0


def _with_data_key(office: Office) -> None:
    key = DataKey.generate()
    wrapped = wrap_data_key(key, PASSPHRASE, params=KdfParams(time_cost=1, memory_cost=1024, parallelism=1))
    with office.db.session() as s:
        s.add(DataKeyRecord(key_id=key.key_id, wrapped=wrapped.to_json()))


def _read_line(stream, deadline: float) -> str:
    """One line of a child's output, or '' when none came before `deadline`."""
    while time.monotonic() < deadline:
        ready, _w, _x = select_module.select([stream], [], [], 0.2)
        if ready:
            return stream.readline()
    return ""


def test_the_scheduler_ends_within_seconds_of_sigterm_at_any_interval(office: Office, tmp_path: Path) -> None:
    _with_data_key(office)
    env = {**os.environ, **login_env(office.db, tmp_path / "data"), "PYTHONPATH": str(ROOT)}
    env.pop("KSCMS_SCHEDULER_TOKEN", None)
    child = subprocess.Popen([sys.executable, "-m", "app", "scheduler", "--interval", "3600"], cwd=ROOT, env=env,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        started = ""
        deadline = time.monotonic() + 60
        while "시작했습니다" not in started:
            started = _read_line(child.stdout, deadline)
            assert started or child.poll() is None, child.stderr.read() if child.stderr else ""
            assert time.monotonic() < deadline, "the scheduler did not start"
        time.sleep(0.5)  # the first pass runs at once; SIGTERM may land in it
        sent = time.monotonic()
        child.send_signal(signal.SIGTERM)
        code = child.wait(timeout=10)
        assert time.monotonic() - sent < 5
        assert code == 0 and "끝냈습니다" in (child.stdout.read() if child.stdout else "")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
