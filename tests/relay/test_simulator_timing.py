"""Results appear only when the bank schedule says so, counted in business days."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from pathlib import Path

from app.services.common.calendar import SEOUL, ManualClock
from app.services.exchange.relay.local import SimulatorTransport
from app.services.exchange.relay.simulator import BankSimulator

from .builders import INSTITUTION, debit, eb13, eb21, registration, send_eb13


def _at(y: int, m: int, d: int, hh: int, mm: int = 0, ss: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=SEOUL)


def test_eb14_from_11_00_of_the_next_business_day(transport: SimulatorTransport, clock: ManualClock) -> None:
    name, data = eb13(dt.date(2026, 3, 9), [registration(1, "110000001234")])
    transport.upload(name, data)

    clock.set(_at(2026, 3, 10, 10, 59, 59))
    assert transport.list_results() == []
    assert transport.download("EB140309_2026") is None
    clock.set(_at(2026, 3, 10, 11, 0))
    assert transport.list_results() == ["EB140309_2026"]


def test_eb13_after_the_cut_off_goes_with_the_next_days_batch(
    transport: SimulatorTransport, clock: ManualClock
) -> None:
    clock.set(_at(2026, 3, 9, 14, 0))
    name, data = eb13(dt.date(2026, 3, 9), [registration(1, "110000001234")])
    transport.upload(name, data)

    clock.set(_at(2026, 3, 10, 23, 0))
    assert transport.list_results() == []
    clock.set(_at(2026, 3, 11, 11, 0))
    assert transport.list_results() == ["EB140309_2026"]


def test_a_friday_debit_is_answered_on_monday(transport: SimulatorTransport, clock: ManualClock) -> None:
    clock.set(_at(2026, 3, 12, 10))  # Thursday, before the cut-off for Friday
    name, data = eb21(dt.date(2026, 3, 13), [debit(1, "110000000021", 10_000)])
    transport.upload(name, data)

    for moment in (_at(2026, 3, 13, 23), _at(2026, 3, 14, 12), _at(2026, 3, 15, 12), _at(2026, 3, 16, 10, 59)):
        clock.set(moment)
        assert transport.list_results() == [], moment
    clock.set(_at(2026, 3, 16, 11))
    assert transport.list_results() == ["EB220313_2026"]


def test_the_seollal_gap(transport: SimulatorTransport, clock: ManualClock) -> None:
    """설 2026: closed 14–18 February. A debit on Friday the 13th is answered Thursday the 19th;
    a registration sent after the cut-off on the 13th is sent on the 19th and answered on the 20th."""
    clock.set(_at(2026, 2, 12, 9))
    debit_name, debit_data = eb21(dt.date(2026, 2, 13), [debit(1, "110000000021", 10_000)])
    transport.upload(debit_name, debit_data)
    clock.set(_at(2026, 2, 13, 15))
    reg_name, reg_data = eb13(dt.date(2026, 2, 13), [registration(1, "110000001234")])
    transport.upload(reg_name, reg_data)

    clock.set(_at(2026, 2, 18, 23, 59))
    assert transport.list_results() == []
    clock.set(_at(2026, 2, 19, 11))
    assert transport.list_results() == ["EB220213_2026"]
    clock.set(_at(2026, 2, 20, 10, 59))
    assert transport.list_results() == ["EB220213_2026"]
    clock.set(_at(2026, 2, 20, 11))
    assert transport.list_results() == ["EB140213_2026", "EB220213_2026"]


def test_pending_results_say_when(simulator: BankSimulator, transport: SimulatorTransport) -> None:
    name, data = eb13(dt.date(2026, 3, 9), [registration(1, "110000001234")])
    transport.upload(name, data)
    [pending] = simulator.pending_results(INSTITUTION)
    assert (pending.request_name, pending.result_name, pending.due_at) == (name, "EB140309_2026", _at(2026, 3, 10, 11))


def test_a_processing_delay_compresses_time(tmp_path: Path, clock: ManualClock) -> None:
    sim = BankSimulator(tmp_path / "fast", clock, processing_delay=timedelta(seconds=30))
    transport = SimulatorTransport(sim, INSTITUTION)
    name, data = eb13(dt.date(2026, 3, 9), [registration(1, "110000001234")])
    transport.upload(name, data)
    debit_name, debit_data = eb21(dt.date(2026, 3, 20), [debit(1, "110000001234", 10_000)])
    transport.upload(debit_name, debit_data)

    clock.advance(timedelta(seconds=29))
    assert transport.list_results() == []
    clock.advance(timedelta(seconds=1))
    assert transport.list_results() == ["EB140309_2026", "EB220320_2026"]
    assert "30초" in transport.test_connection()


def test_results_are_published_in_due_order_whenever_process_runs(
    transport: SimulatorTransport, clock: ManualClock
) -> None:
    """Even when nobody looks for a week, the EB14 is made before the EB22 that depends on it."""
    send_eb13(transport, dt.date(2026, 3, 9), [registration(1, "110000001234")])
    clock.set(_at(2026, 3, 10, 10))  # registration not yet answered when the debit is sent
    debit_name, debit_data = eb21(dt.date(2026, 3, 12), [debit(1, "110000001234", 10_000)])
    transport.upload(debit_name, debit_data)

    clock.set(_at(2026, 3, 20, 9))
    report = transport.simulator.process()
    assert report.produced == [f"{INSTITUTION}/EB140309_2026", f"{INSTITUTION}/EB220312_2026"]
    assert transport.list_results() == ["EB140309_2026", "EB220312_2026"]
    from app.services.exchange.cms import decode_eb22

    assert decode_eb22(transport.download("EB220312_2026") or b"", "x").records == ()
