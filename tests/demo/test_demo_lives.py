"""The demo academy lives: made through the real services and the simulator, it works the month after.

Issue 15: the demo's registrations were written straight into the database, so the built-in
simulator did not know them and the first practice month failed every demo debit with 0017; no
집계 had data and the home screen had nothing to show. Here `demo-data` runs on an injected clock,
then a practice month follows on the same clock with the scheduler and the simulator it left behind.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.database.engine import Database
from app.models import (
    AccountRegistration,
    AppSetting,
    AuditLog,
    Contract,
    Customer,
    DebitAgreement,
    DebitRequest,
    Institution,
    Pause,
    Payment,
    Refund,
    RefundState,
    RegistrationKind,
    RegistrationState,
    RequestKind,
    RequestState,
)
from app.models.base import Base, UtcDateTime
from app.services.collection import missed
from app.services.common.calendar import SEOUL, seoul_datetime
from app.services.common.errors import ServiceError
from app.services.common.periods import Period, default_period
from app.services.exchange.relay.config import SIMULATOR_FOLDER
from app.services.exchange.relay.rules import REASON_INSUFFICIENT
from app.services.exchange.relay.state import SimulatorState
from app.services.exchange.scheduler import missed_cutoffs
from app.services.exchange.transmissions import load_contract
from app.services.home import today as home
from app.services.settings import setup
from app.services.settings.demo import copy as demo_copy
from app.services.settings.demo import data as demo_data
from app.services.settings.demo.history import History
from tests.demo.practice import demo_office, empty_aggregates, practice_month

NOW = seoul_datetime(date(2026, 12, 4), time(10, 30))
"""Friday 4 December 2026, 10:30: the results of 1 December are in, the 7th's cut-off is at 14:00 today."""

FAILING_ENDINGS = {"0021", "9021"}
"""The only accounts a registered payer's debit fails on in the simulator (잔액부족, 부분출금)."""


def _counts(db: Database) -> dict[str, int]:
    with db.session() as s:
        models = (Institution, Customer, DebitAgreement, AccountRegistration, DebitRequest, Payment, AppSetting)
        return {m.__tablename__: int(s.scalar(select(func.count()).select_from(m)) or 0) for m in models}


def _latest_stamp(db: Database) -> datetime:
    """The latest timestamp of any row (created_at, updated_at, the audit log's, a file's …)."""
    latest = datetime.min.replace(tzinfo=SEOUL)
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, UtcDateTime):
                    value = conn.execute(select(func.max(column))).scalar()
                    latest = max(latest, value) if value is not None else latest
    return latest


def _requests_between(db: Database, first: date, last: date) -> list[tuple[DebitRequest, str]]:
    with db.session() as s:
        return [(r, last4) for r, last4 in s.execute(
            select(DebitRequest, DebitAgreement.account_last4).join(DebitAgreement,
                                                                     DebitAgreement.id == DebitRequest.agreement_id)
            .where(DebitRequest.debit_date >= first, DebitRequest.debit_date <= last))]


def test_the_demo_then_a_practice_month(db: Database, tmp_path: Path) -> None:
    size = 60 if db.is_sqlite else 30  # the PostgreSQL run is kept small
    data_dir = tmp_path / "data"
    made = demo_data.create(db, customers=size, now=NOW, data_dir=data_dir)
    assert made.institution_code == demo_data.DEMO_CODE and _counts(db)["customer"] == size
    office = demo_office(db)
    cid = office.contract_id

    # Today's home screen has real work, and no alarm of a missed cut-off.
    summary = home.summary(db, office.admin, cid, now=NOW)
    assert summary.missed == () and missed_cutoffs(db, load_contract(db, cid), NOW) == []
    assert summary.item("registrations") is not None, summary.work  # a rejected 계좌신청 to fix
    assert summary.item("retries") or summary.item("cash"), summary.work  # a failure to retry or receive
    assert summary.cutoff.debit_date == date(2026, 12, 7) and summary.cutoff.queued_requests > 0
    assert summary.last_month.debited > 0 and summary.this_month.requested > 0
    # The academy's paperwork (issue 18): the refund owed within five days stands on the home screen, a
    # student pauses next month, most cash receipts have their 현금영수증, students have birth dates.
    assert summary.item("refunds") is not None, summary.work
    with db.session() as s:
        contract = s.get(Contract, cid)
        assert contract is not None and contract.academy_registration_no and contract.seal_png
        assert {(p.first_month, p.last_month) for p in s.scalars(select(Pause))} == {("2027-01", "2027-01")}
        refund = s.scalars(select(Refund)).one()
        assert refund.state is RefundState.DUE and refund.amount > 0 and refund.due_on == date(2026, 12, 8)
        with_receipt = s.scalar(select(func.count()).select_from(Payment).where(Payment.cash_receipt_no.is_not(None)))
        born = s.scalar(select(func.count()).select_from(Customer).where(Customer.student_birth_date.is_not(None)))
    assert with_receipt and born == size

    # Every 집계 and 이체의뢰결과 has rows: as they open (1st of the month to today) and over the months shown.
    assert empty_aggregates(office, default_period(NOW.date()), NOW) == []
    assert empty_aggregates(office, Period(date(2026, 9, 1), NOW.date()), NOW) == []

    # The history is dated when it happened, not when it was built; the setup checklist is done.
    with db.session() as s:
        first_audit = s.scalar(select(func.min(AuditLog.at)))
        settings = {row.key: row.value for row in s.scalars(select(AppSetting))}
        kinds = {(r.kind, r.state) for r in s.scalars(select(AccountRegistration))}
        retries = s.scalar(select(func.count()).select_from(DebitRequest).where(DebitRequest.kind == RequestKind.RETRY))
        reversed_ = s.scalar(select(func.count()).select_from(Payment).where(Payment.reversed_by_id.is_not(None)))
    assert first_audit is not None and first_audit < NOW - timedelta(days=90)
    assert _latest_stamp(db) <= NOW  # no row is dated by the seconds it took to build
    assert settings["setup.passphrase_confirmed"].endswith(" admin")
    assert settings["setup.relay_tested"].endswith(" admin")
    assert (RegistrationKind.CANCEL, RegistrationState.DONE) in kinds and retries and reversed_ == 1

    # What the demo debited failed only by the simulator's documented rules, at a believable rate.
    history = _requests_between(db, date(2026, 8, 1), NOW.date())
    failed = [(r, last4) for r, last4 in history if r.state in (RequestState.FAILED, RequestState.PARTIAL)]
    assert all(r.reason_code == REASON_INSUFFICIENT for r, _l in failed)
    assert any(r.state is RequestState.PARTIAL for r, _l in failed)
    answered = [r for r, _l in history if r.state in (RequestState.DONE, RequestState.FAILED, RequestState.PARTIAL)]
    # About 5–8 % at the default size (300); a small academy has its 잔액부족 and 부분출금 families all the same.
    assert 0.03 <= len(failed) / len(answered) <= (0.12 if size >= 60 else 0.2)

    # One more month on the same clock: every debit the simulator answers; none fails for lack of registration.
    end, dates, new_agreement = practice_month(office, data_dir, NOW)
    asked = _requests_between(db, NOW.date(), end.date())
    assert len(dates) >= 4 and asked
    states = {r.state for r, _l in asked}
    assert states <= {RequestState.DONE, RequestState.FAILED, RequestState.PARTIAL}, states
    bad = [(r.debit_date, r.reason_code, last4) for r, last4 in asked if r.state is not RequestState.DONE
           and (r.reason_code != REASON_INSUFFICIENT or last4 not in FAILING_ENDINGS)]
    assert bad == []
    assert sum(1 for r, _l in asked if r.state is RequestState.DONE) > 0.85 * len(asked)
    with db.session() as s:
        joined = s.scalar(select(AccountRegistration.state).where(AccountRegistration.agreement_id == new_agreement))
    assert joined is RegistrationState.DONE
    assert empty_aggregates(office, default_period(end.date()), end) == []
    after = home.summary(db, office.admin, cid, now=end)
    assert after.missed == ()


# The demo works whatever today is: a weekend, a holiday run, a month's first and last days, a cut-off's last minute.
AWKWARD = [
    datetime(2026, 12, 5, 0, 0, tzinfo=SEOUL),  # Saturday midnight
    datetime(2026, 9, 25, 10, 0, tzinfo=SEOUL),  # 추석, in the middle of the holiday run
    datetime(2027, 1, 1, 9, 0, tzinfo=SEOUL),  # 신정, the day after 연말 휴무
    datetime(2026, 3, 1, 12, 0, tzinfo=SEOUL),  # Sunday 삼일절, a substitute holiday follows
    datetime(2026, 2, 27, 13, 59, tzinfo=SEOUL),  # the last minute before a cut-off, files already sent
    datetime(2026, 6, 1, 8, 0, tzinfo=SEOUL),  # a month's first morning
    datetime(2026, 4, 30, 23, 30, tzinfo=SEOUL),  # a month's last night, 노동절 next
]


@pytest.mark.parametrize("now", AWKWARD, ids=lambda d: f"{d:%Y-%m-%d_%H%M}")
def test_the_demo_fits_any_day(sqlite_db: Database, tmp_path: Path, now: datetime) -> None:
    demo_data.create(sqlite_db, customers=25, now=now, data_dir=tmp_path / "data")
    office = demo_office(sqlite_db)
    summary = home.summary(sqlite_db, office.admin, office.contract_id, now=now)
    assert summary.missed == ()
    assert missed.missed_debits(sqlite_db, office.admin, office.contract_id, now=now) == []
    assert summary.item("registrations") is not None
    assert summary.item("retries") or summary.item("cash"), summary.work
    assert summary.cutoff.at > now
    assert empty_aggregates(office, Period(now.date() - timedelta(days=92), now.date()), now) == []


# --- all or nothing --------------------------------------------------------------------------------


def _simulator_knows_demo(data_dir: Path) -> bool:
    state = SimulatorState(data_dir / SIMULATOR_FOLDER / ".simulator-state.sqlite3")
    return state.registration_count(demo_data.DEMO_CODE) > 0


def test_a_failure_late_in_the_history_leaves_the_database_empty(db: Database, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = tmp_path / "data"
    before = _counts(db)

    def broken(_self: History) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(History, "_office_notice", broken)  # one of the last things the history does
    with pytest.raises(RuntimeError, match="disk full"):
        demo_data.create(db, customers=12, now=NOW, data_dir=data_dir)
    assert _counts(db) == before and not setup.is_initialized(db)
    assert not _simulator_knows_demo(data_dir)
    monkeypatch.undo()
    demo_data.create(db, customers=12, now=NOW, data_dir=data_dir)  # and the next try makes it
    assert _counts(db)["customer"] == 12 and _simulator_knows_demo(data_dir)


def test_a_failure_while_copying_leaves_the_database_empty(db: Database, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The copy into the real database is one transaction: the tables written before the failure go too."""
    before = _counts(db)
    real = demo_copy._copy_table
    copied: list[str] = []

    def failing(source, target, table, shift, *, keep_ids):
        if table.name == "ledger_entry":
            raise RuntimeError("connection lost")
        real(source, target, table, shift, keep_ids=keep_ids)
        copied.append(table.name)

    monkeypatch.setattr(demo_copy, "_copy_table", failing)
    with pytest.raises(RuntimeError, match="connection lost"):
        demo_data.create(db, customers=12, now=NOW, data_dir=tmp_path / "data")
    assert {"institution", "customer", "debit_request"} <= set(copied)
    assert _counts(db) == before


def test_the_demo_refuses_a_database_that_is_not_empty(db: Database, tmp_path: Path) -> None:
    demo_data.create(db, customers=3, now=NOW, data_dir=tmp_path / "data")
    with pytest.raises(ServiceError, match="비어 있지 않습니다"):
        demo_data.create(db, customers=3, now=NOW, data_dir=tmp_path / "data")
    assert _counts(db)["customer"] == 3


def test_a_new_demo_forgets_what_the_simulator_kept_of_an_old_one(tmp_path: Path) -> None:
    """A data folder reused with a fresh database (the old file deleted): the demo starts the simulator afresh."""
    from app.database import migrate as migrations

    data_dir = tmp_path / "data"
    for name in ("first", "second"):
        db = Database.from_url(f"sqlite:///{(tmp_path / f'{name}.db').as_posix()}")
        migrations.upgrade(db.engine)
        try:
            demo_data.create(db, customers=12, now=NOW, data_dir=data_dir)
            office = demo_office(db)
            rejected = home.summary(db, office.admin, office.contract_id, now=NOW).item("registrations")
            assert rejected is not None and rejected.count == 1  # the one to fix today, no A016 duplicates
        finally:
            db.dispose()


def test_forgetting_an_institution_leaves_the_others_in_the_simulator(tmp_path: Path) -> None:
    """The demo's reset touches only the demo institution's folder and rows."""
    from app.services.exchange.relay.simulator import BankSimulator

    simulator = BankSimulator(tmp_path / "relay", lambda: NOW)
    at = NOW - timedelta(days=1)
    for code in (demo_data.DEMO_CODE, "1234567890"):
        simulator.ensure_institution(code)
        with simulator.state.transaction() as conn:
            simulator.state.register(conn, code, "C1", "088", "110000000001", at, "test")
    simulator.forget_institution(demo_data.DEMO_CODE)
    assert simulator.state.registration_count(demo_data.DEMO_CODE) == 0
    assert simulator.state.registration_count("1234567890") == 1
    assert simulator.institutions() == ["1234567890"]
