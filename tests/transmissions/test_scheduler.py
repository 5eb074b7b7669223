"""The embedded scheduler against the built-in bank simulator, on a ManualClock: a month in seconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models import (
    AccountRegistration,
    DebitRequest,
    RegistrationState,
    RequestState,
    Transmission,
)
from app.models import TransmissionState as TS
from app.services.common.calendar import SEOUL, ManualClock
from app.services.common.errors import ServiceError
from app.services.exchange import relay_config
from app.services.exchange.relay.config import RelayConfig
from app.services.exchange.scheduler import CollectionScheduler
from tests.transmissions.helpers import add_payers, queue_registrations, queue_requests


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SEOUL)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock.at(2026, 3, 9, 9, 0)


@pytest.fixture
def sched(office, key, clock, tmp_path: Path) -> CollectionScheduler:
    relay_config.save(office.db, office.admin, RelayConfig())  # the built-in simulator
    factory = relay_config.transport_factory(office.db, clock=clock, data_dir=tmp_path / "data")
    return CollectionScheduler(office.db, clock=clock, transport_for=factory, data_key=key, upload_delays=())


def run_until(sched: CollectionScheduler, clock: ManualClock, end: datetime,
              events: list[tuple[datetime, Callable[[], None]]] = ()) -> list:  # type: ignore[assignment]
    """Tick at every moment something is due (and at each event), as the background job would."""
    pending = sorted(events, key=lambda e: e[0])
    reports = []
    now = clock.now()
    while now < end:
        while pending and pending[0][0] <= now:
            pending.pop(0)[1]()
        clock.set(now)
        reports.append(sched.tick(now))
        nxt = sched.next_due(now)
        if pending and pending[0][0] < nxt:
            nxt = pending[0][0]
        now = nxt
    clock.set(end)
    return reports


def _states(db, model):
    with db.session() as s:
        return dict(s.execute(select(model.state, func.count()).group_by(model.state)).all())


def test_register_then_debit_end_to_end(office, key, sched, clock) -> None:
    db = office.db
    payers = add_payers(db, office.contract_id, key, ["110000000001", "110000000002", "110000000021",
                                                      "110000000012"])
    queue_registrations(db, office.contract_id, key, payers, requested_on=date(2026, 3, 9), created_at=at(9, 10))
    run_until(sched, clock, at(10, 12))  # EB13 at Mon 13:58, EB14 Tue 11:00
    with db.session() as s:
        regs = dict(s.execute(select(AccountRegistration.seq_no, AccountRegistration.reason_code)).all())
    assert _states(db, AccountRegistration) == {RegistrationState.DONE: 3, RegistrationState.FAILED: 1}
    assert regs[4] == "0012"
    queue_requests(db, office.contract_id, payers, date(2026, 3, 12), amount=[30_000, 40_000, 50_000, 60_000])
    reports = run_until(sched, clock, at(13, 12))  # EB21 Wed 13:58, EB22 Fri 11:00
    assert _states(db, DebitRequest) == {RequestState.DONE: 2, RequestState.FAILED: 2}
    with db.session() as s:
        files = s.execute(select(Transmission.remote_name, Transmission.direction, Transmission.state)
                          .order_by(Transmission.id)).all()
        sent = s.execute(select(Transmission.sent_at).where(Transmission.remote_name == "EB210312_2026")).scalar()
    assert [tuple(f) for f in files] == [
        ("EI130309_2026", "SEND", TS.APPLIED),  # the consent evidence, taken whole at upload (issue 16)
        ("EB130309_2026", "SEND", TS.APPLIED), ("EB140309_2026", "RECEIVE", TS.APPLIED),
        ("EB210312_2026", "SEND", TS.APPLIED), ("EB220312_2026", "RECEIVE", TS.APPLIED)]
    assert sent.astimezone(SEOUL) == at(11, 13, 58)  # in the last minutes before Wednesday's 14:00 cut-off
    assert any("EB220312_2026 반영완료" in line for r in reports for line in r.lines)


def test_a_month_of_cutoffs_in_seconds(office, key, sched, clock) -> None:
    db = office.db
    clock.set(at(1, 0))
    first = add_payers(db, office.contract_id, key, [f"22{i:06d}5678" for i in range(1, 31)] + ["220000000021"])
    second = add_payers(db, office.contract_id, key, [f"3300{i:08d}" for i in range(1, 11)], prefix="S")
    weekend = add_payers(db, office.contract_id, key, ["440000000001"], prefix="W")
    events = [
        (at(3, 10), lambda: queue_registrations(db, office.contract_id, key, first, requested_on=date(2026, 3, 3),
                                                created_at=at(3, 10))),
        (at(10, 9), lambda: queue_requests(db, office.contract_id, first, date(2026, 3, 16), amount=100_000)),
        (at(17, 10), lambda: queue_registrations(db, office.contract_id, key, second, requested_on=date(2026, 3, 17),
                                                 created_at=at(17, 10))),
        (at(21, 10), lambda: queue_registrations(db, office.contract_id, key, weekend, requested_on=date(2026, 3, 21),
                                                 created_at=at(21, 10))),
        (at(20, 9), lambda: queue_requests(db, office.contract_id, second, date(2026, 3, 25), amount=70_000)),
    ]
    started = time.perf_counter()
    reports = run_until(sched, clock, at(1, 0, month=4), events)
    elapsed = time.perf_counter() - started
    assert elapsed < 30, f"a month took {elapsed:.1f} s"
    with db.session() as s:
        files = s.execute(select(Transmission.remote_name, Transmission.state).order_by(Transmission.id)).all()
    assert [tuple(f) for f in files] == [
        ("EI130303_2026", TS.APPLIED), ("EB130303_2026", TS.APPLIED), ("EB140303_2026", TS.APPLIED),
        ("EB210316_2026", TS.APPLIED), ("EB220316_2026", TS.APPLIED),
        ("EI130317_2026", TS.APPLIED), ("EB130317_2026", TS.APPLIED), ("EB140317_2026", TS.APPLIED),
        ("EI130323_2026", TS.APPLIED), ("EB130323_2026", TS.APPLIED),  # queued on Saturday, sent Monday
        ("EB140323_2026", TS.APPLIED),
        ("EB210325_2026", TS.APPLIED), ("EB220325_2026", TS.APPLIED),
    ]
    assert _states(db, AccountRegistration) == {RegistrationState.DONE: 42}
    assert _states(db, DebitRequest) == {RequestState.DONE: 40, RequestState.FAILED: 1}
    assert not any(r.problems for r in reports), [p for r in reports for p in r.problems]
    assert len(reports) < 400


def test_missed_cutoff_is_reported_not_sent_late(office, key, sched, clock) -> None:
    db = office.db
    payers = add_payers(db, office.contract_id, key, ["550000000001", "550000000002"])
    queue_registrations(db, office.contract_id, key, payers[:1], requested_on=date(2026, 3, 9), created_at=at(9, 10))
    queue_requests(db, office.contract_id, payers[:1], date(2026, 3, 10), amount=10_000)  # cut-off Mon 14:00
    queue_requests(db, office.contract_id, payers[1:], date(2026, 3, 12), amount=20_000)  # cut-off Wed 14:00
    clock.set(at(9, 16))  # the app was off at Monday's cut-off
    report = sched.tick()
    assert report.uploads == [] and report.built == []
    missed = {m.kind: m for m in report.missed}
    assert missed["EB13"].count == 1 and "다음 마감(03-10(화) 14:00)에 자동으로 송신" in missed["EB13"].message
    assert missed["EB21"].day == date(2026, 3, 10) and "마감(03-09(월) 14:00)이 지나 보낼 수 없습니다" in missed["EB21"].message
    status = sched.status()
    assert len(status.missed) == 2 and "마감 놓침 2건" in status.text()
    assert status.next_at == at(10, 13, 58) and "계좌신청 송신" in status.next_action
    run_until(sched, clock, at(12, 15))
    with db.session() as s:
        late = s.scalar(select(DebitRequest).where(DebitRequest.debit_date == date(2026, 3, 10)))
        valid = s.scalar(select(DebitRequest).where(DebitRequest.debit_date == date(2026, 3, 12)))
        names = set(s.scalars(select(Transmission.remote_name)))
    assert (late.state, late.transmission_id) == (RequestState.WAITING, None)  # for the clerk to withdraw or move
    assert valid.state == RequestState.SENT and names >= {"EB130310_2026", "EB210312_2026"}
    assert "EB210310_2026" not in names


def test_send_now_and_fetch_now_for_administrators(office, key, sched, clock) -> None:
    db = office.db
    payers = add_payers(db, office.contract_id, key, ["660000000001"])
    queue_registrations(db, office.contract_id, key, payers, requested_on=date(2026, 3, 9), created_at=at(9, 8))
    clock.set(at(9, 9, 30))
    from app.models import Role
    from tests.factories import add_user

    clerk = add_user(office, "clerk1", Role.CLERK)
    with pytest.raises(ServiceError):
        sched.send_now(office.contract_id, clerk)
    report = sched.send_now(office.contract_id, office.admin)
    assert [u.remote_name for u in report.uploads] == ["EI130309_2026", "EB130309_2026"]
    assert all(u.sent for u in report.uploads)
    assert "아직 도착한 결과 파일이 없습니다." in sched.fetch_now(office.contract_id, office.admin).lines
    clock.set(at(10, 11, 1))
    fetched = sched.fetch_now(office.contract_id, office.admin)
    assert any("EB140309_2026 반영완료" in line for line in fetched.lines)
    queue_requests(db, office.contract_id, payers, date(2026, 3, 11), amount=10_000)
    clock.set(at(10, 14, 30))  # after Tuesday's cut-off: 지금 송신 must not send it late
    late = sched.send_now(office.contract_id, office.admin)
    assert late.uploads == [] and any("마감" in m.message for m in late.missed)


def test_another_process_holding_the_lease_is_reported(office, key, sched, clock) -> None:
    from app.services.exchange.leases import SenderLease

    other = SenderLease(office.db, owner="clerk@OTHER-PC#4242", ttl=timedelta(minutes=5))
    assert other.acquire()
    report = sched.tick(at(9, 13, 59))
    assert report.skipped and "OTHER-PC" in report.skipped and report.uploads == []
    with pytest.raises(ServiceError, match="OTHER-PC"):
        sched.send_now(office.contract_id, office.admin)
    other.release()
    assert sched.tick(at(9, 13, 59)).skipped is None


def test_apscheduler_runs_tick_in_the_background(office, key, tmp_path) -> None:
    ticks: list[datetime] = []
    sched = CollectionScheduler(office.db, clock=lambda: datetime.now(UTC), transport_for=lambda c: None,  # type: ignore[arg-type, return-value]
                                data_key=key, interval_seconds=0.2)
    sched.tick = lambda now=None: ticks.append(datetime.now(UTC))  # type: ignore[method-assign, assignment, return-value]
    sched.start()
    try:
        deadline = time.monotonic() + 5
        while len(ticks) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        sched.shutdown()
    assert len(ticks) >= 2


def test_relay_down_at_the_cutoff_then_back_sends_the_same_file(office, key, clock) -> None:
    from tests.transmissions.fakes import FakeRelay

    relay = FakeRelay(always_down=True)
    sched = CollectionScheduler(office.db, clock=clock, transport_for=lambda c: relay, data_key=key,
                                upload_delays=(0, 0), sleep=lambda _s: None)
    payers = add_payers(office.db, office.contract_id, key, ["880000000001", "880000000002"])
    queue_requests(office.db, office.contract_id, payers, date(2026, 3, 10), amount=25_000)
    down = sched.tick(at(9, 13, 58))
    assert down.uploads[0].state == TS.ERROR and any("3회 시도" in p for p in down.problems)
    with office.db.session() as s:
        assert {(r.state, r.transmission_id is not None) for r in s.scalars(select(DebitRequest))} == {
            (RequestState.WAITING, True)}  # taken by the built file, waiting for it to go
    assert "미송신 파일 재송신" in sched.status(at(9, 13, 58, )).next_action
    relay.always_down = False
    back = sched.tick(at(9, 13, 59))
    assert [u.state for u in back.uploads] == [TS.SENT] and relay.uploads == ["EB210310_2026"]
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Transmission)) == 1
        assert set(s.scalars(select(DebitRequest.state))) == {RequestState.SENT}
