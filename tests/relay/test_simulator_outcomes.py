"""The documented outcome rules, on files built by the codec and results read back by the codec."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from pathlib import Path

import pytest

from app.services.common.calendar import ManualClock
from app.services.exchange.cms import (
    DebitOutcome,
    DebitRecord,
    RegistrationOutcome,
    check_result,
    debit_outcomes,
    decode_eb13,
    decode_eb14,
    decode_eb21,
    decode_eb22,
    registration_outcomes,
)
from app.services.exchange.relay.local import SimulatorTransport
from app.services.exchange.relay.rules import (
    GENERAL_RULES,
    OUTCOME_RULES,
    partial_debit,
    rule_for_account,
)
from app.services.exchange.relay.simulator import BankSimulator

from .builders import INSTITUTION, debit, eb13, eb21, registration, send_eb13

MONDAY = dt.date(2026, 3, 9)
THURSDAY = dt.date(2026, 3, 12)

NORMAL = "110000001234"
SHORT = "110000000021"  # 잔액부족
HALF = "110000009021"  # partial
CLOSED = "110000000031"
WRONG = "110000000012"
HOLDER = "110000000014"


def _register(transport: SimulatorTransport, clock: ManualClock, accounts: list[str]) -> dict[int, RegistrationOutcome]:
    """Send an EB13 on Monday 10:00 and read its EB14 on Tuesday 11:00."""
    name, data = send_eb13(transport, MONDAY, [registration(i, acc) for i, acc in enumerate(accounts, start=1)])
    clock.set(clock.now().replace(day=10, hour=11, minute=0))
    result = transport.download("EB140309_2026")
    assert result is not None
    request = decode_eb13(data, name)
    return registration_outcomes(request, decode_eb14(result, "EB140309_2026", request))


def _debit(transport: SimulatorTransport, clock: ManualClock, records: list[DebitRecord]) -> tuple[bytes, bytes]:
    """Send an EB21 for Thursday on Tuesday 12:00 and fetch its EB22 on Friday 11:00."""
    clock.set(clock.now().replace(day=10, hour=12, minute=0))
    name, data = eb21(THURSDAY, records)
    transport.upload(name, data)
    clock.set(clock.now().replace(day=13, hour=11, minute=0))
    result = transport.download("EB220312_2026")
    assert result is not None
    return data, result


def test_registration_rules(transport: SimulatorTransport, clock: ManualClock) -> None:
    outcomes = _register(transport, clock, [NORMAL, WRONG, HOLDER, CLOSED, SHORT, HALF])

    assert outcomes == {
        1: RegistrationOutcome(True, None),
        2: RegistrationOutcome(False, "0012"),
        3: RegistrationOutcome(False, "0014"),
        4: RegistrationOutcome(False, "0031"),
        5: RegistrationOutcome(True, None),
        6: RegistrationOutcome(True, None),
    }


def test_eb14_returns_every_record_with_y_or_n(transport: SimulatorTransport, clock: ManualClock) -> None:
    _register(transport, clock, [NORMAL, CLOSED])
    eb14 = decode_eb14(transport.download("EB140309_2026") or b"", "EB140309_2026")
    assert [(r.sequence, r.result_flag, r.reason_code) for r in eb14.records] == [(1, "Y", None), (2, "N", "0031")]
    assert eb14.trailer.total_count == 2


def test_debit_rules(transport: SimulatorTransport, clock: ManualClock) -> None:
    _register(transport, clock, [NORMAL, SHORT, HALF, CLOSED])
    records = [
        debit(1, NORMAL, 50_000),
        debit(2, SHORT, 50_000),
        debit(3, HALF, 50_000, mode="0"),  # partial allowed: half
        debit(4, HALF, 15_500, mode="2", customer_no="C009021"),  # 1,000원 units: 7,000 debited
        debit(5, HALF, 50_000, mode="1", customer_no="C009021"),  # full only: fails
        debit(6, HALF, 200, mode="0", customer_no="C009021"),  # half is under 140원: fails
        debit(7, "110000004444", 30_000),  # never registered
        debit(8, CLOSED, 30_000),  # account rule first
    ]
    request_bytes, result_bytes = _debit(transport, clock, records)
    request = decode_eb21(request_bytes, "EB210312_2026")
    result = decode_eb22(result_bytes, "EB220312_2026", request)

    assert debit_outcomes(request, result) == {
        1: DebitOutcome(50_000, 0, None),
        2: DebitOutcome(0, 50_000, "0021"),
        3: DebitOutcome(25_000, 25_000, "0021"),
        4: DebitOutcome(7_000, 8_500, "0021"),
        5: DebitOutcome(0, 50_000, "0021"),
        6: DebitOutcome(0, 200, "0021"),
        7: DebitOutcome(0, 30_000, "0017"),
        8: DebitOutcome(0, 30_000, "0031"),
    }
    assert [r.result_flag for r in result.records] == ["N", "P", "P", "N", "N", "N", "N"]
    assert 1 not in {r.sequence for r in result.records}  # success is absent from EB22 (§3.5)
    assert result.trailer.total_count == 7


def test_no_failures_gives_header_and_trailer_only(transport: SimulatorTransport, clock: ManualClock) -> None:
    _register(transport, clock, [NORMAL])
    request_bytes, result_bytes = _debit(transport, clock, [debit(1, NORMAL, 50_000)])
    assert len(result_bytes) == 2 * 150
    result = decode_eb22(result_bytes, "EB220312_2026")
    check_result(result, decode_eb21(request_bytes, "EB210312_2026"))
    assert result.records == ()


def test_registration_is_per_payer_number_bank_and_account(transport: SimulatorTransport, clock: ManualClock) -> None:
    _register(transport, clock, [NORMAL])
    records = [
        debit(1, NORMAL, 10_000, customer_no="C-OTHER"),  # same account, other payer
        debit(2, NORMAL, 10_000, bank="004"),  # same payer and number, other bank
    ]
    request_bytes, result_bytes = _debit(transport, clock, records)
    outcomes = debit_outcomes(decode_eb21(request_bytes, "r"), decode_eb22(result_bytes, "x"))
    assert {seq: o.reason_code for seq, o in outcomes.items()} == {1: "0017", 2: "0017"}


def test_cancellations_and_account_changes(transport: SimulatorTransport, clock: ManualClock) -> None:
    _register(transport, clock, [NORMAL, "110000002222"])
    # Tuesday 10:00: cancel one, change the other to a new account (해지 + 신규, same payer number),
    # cancel a pair never registered, and register NORMAL again while it still is.
    clock.set(clock.now().replace(day=10, hour=10, minute=0))
    tuesday = dt.date(2026, 3, 10)
    records = [
        registration(1, NORMAL, kind="3"),
        registration(2, "110000002222", kind="3"),
        registration(3, "110000003333", kind="1", customer_no="C002222"),
        registration(4, "110000007777", kind="7"),
        registration(5, "110000003333", kind="1", customer_no="C002222"),
    ]
    name, data = send_eb13(transport, tuesday, records)
    clock.set(clock.now().replace(day=11, hour=11, minute=0))
    request = decode_eb13(data, name)
    outcomes = registration_outcomes(request, decode_eb14(transport.download("EB140310_2026") or b"", "x"))

    assert outcomes == {
        1: RegistrationOutcome(True, None),
        2: RegistrationOutcome(True, None),
        3: RegistrationOutcome(True, None),
        4: RegistrationOutcome(False, "0017"),
        5: RegistrationOutcome(False, "A016"),
    }
    # debit Friday (requested Wednesday 12:00): the cancelled account fails 0017, the new one is debited
    clock.set(clock.now().replace(hour=12))
    friday = dt.date(2026, 3, 13)
    name, data = eb21(friday, [debit(1, NORMAL, 10_000), debit(2, "110000003333", 10_000, customer_no="C002222")])
    transport.upload(name, data)
    clock.set(dt.datetime(2026, 3, 16, 11, 0, tzinfo=clock.now().tzinfo))
    result = decode_eb22(transport.download("EB220313_2026") or b"", "x")
    outcomes2 = debit_outcomes(decode_eb21(data, name), result)
    assert outcomes2[1].reason_code == "0017"
    assert outcomes2[2].fully_debited


def test_a_registration_must_be_in_force_before_the_debit_day(
    transport: SimulatorTransport, clock: ManualClock
) -> None:
    """EB13 Monday (result Tuesday 11:00) and a debit on Tuesday itself: too late, 0017."""
    name, data = eb13(MONDAY, [registration(1, NORMAL)])
    transport.upload(name, data)
    tuesday = dt.date(2026, 3, 10)
    debit_name, debit_data = eb21(tuesday, [debit(1, NORMAL, 10_000)])
    transport.upload(debit_name, debit_data)
    clock.set(clock.now().replace(day=11, hour=11))
    result = decode_eb22(transport.download("EB220310_2026") or b"", "x")
    assert [(r.sequence, r.reason_code) for r in result.records] == [(1, "0017")]


@pytest.mark.parametrize("rate, expected_failures", [(0.0, 0), (1.0, 20)])
def test_failure_rate_extremes(tmp_path: Path, clock: ManualClock, rate: float, expected_failures: int) -> None:
    transport = SimulatorTransport(BankSimulator(tmp_path / "r", clock, failure_rate=rate), INSTITUTION)
    accounts = [f"1100000{n:05d}" for n in range(100, 120)]
    _register(transport, clock, accounts)
    _, result = _debit(transport, clock, [debit(i, acc, 10_000) for i, acc in enumerate(accounts, start=1)])
    records = decode_eb22(result, "x").records
    assert len(records) == expected_failures
    assert all(r.reason_code == "0021" for r in records)


def _run_with_seed(tmp_path: Path, seed: int) -> bytes:
    clock = ManualClock.at(2026, 3, 9, 10)
    simulator = BankSimulator(tmp_path / f"s{seed}", clock, failure_rate=0.5, seed=seed)
    transport = SimulatorTransport(simulator, INSTITUTION)
    accounts = [f"1100000{n:05d}" for n in range(100, 140)]
    _register(transport, clock, accounts)
    return _debit(transport, clock, [debit(i, acc, 10_000) for i, acc in enumerate(accounts, start=1)])[1]


def test_seeded_failures_repeat(tmp_path: Path) -> None:
    first = _run_with_seed(tmp_path / "a", 7)
    again = _run_with_seed(tmp_path / "b", 7)
    assert first == again
    failed = len(decode_eb22(first, "x").records)
    assert 5 <= failed <= 35  # about half of 40


def test_the_rules_constant_documents_every_rule() -> None:
    assert [r.suffix for r in OUTCOME_RULES] == ["0012", "0014", "0031", "0021", "9021"]
    assert rule_for_account("123450021") is OUTCOME_RULES[3]
    assert rule_for_account(NORMAL) is None
    assert len(GENERAL_RULES) == 4
    assert partial_debit(50_000, "0") == 25_000
    assert partial_debit(15_500, "6") == 5_000
    assert partial_debit(15_500, "1") == 0
    from app.services.exchange.relay import simulator

    doc = simulator.__doc__ or ""
    assert "0021" in doc and "9021" in doc and "0017" in doc and "OUTCOME_RULES" in doc


def test_results_answer_their_requests(
    simulator: BankSimulator, transport: SimulatorTransport, clock: ManualClock
) -> None:
    """check_result passes for every result the simulator writes: sequences and echoed fields kept."""
    name, data = eb13(MONDAY, [registration(i, acc) for i, acc in enumerate([NORMAL, CLOSED, SHORT], start=1)])
    transport.upload(name, data)
    clock.advance(timedelta(days=1, hours=1))
    check_result(decode_eb14(transport.download("EB140309_2026") or b"", "x"), decode_eb13(data, name))
    assert simulator.pending_results() == []
