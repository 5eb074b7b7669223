"""The simulator refuses what the real relay would refuse, and says why in Korean — without a result."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from pathlib import Path

import pytest

from app.services.common.calendar import ManualClock
from app.services.exchange.cms import Ei13Header, Ei13Record, encode_ei13
from app.services.exchange.relay import layout
from app.services.exchange.relay.base import RelayDuplicateError, RelayRejectedError
from app.services.exchange.relay.local import SimulatorTransport
from app.services.exchange.relay.simulator import BankSimulator

from .builders import (
    INSTITUTION,
    OTHER_INSTITUTION,
    debit,
    eb13,
    eb21,
    registration,
    tamper_trailer_count,
)

MONDAY = dt.date(2026, 3, 9)
THURSDAY = dt.date(2026, 3, 12)


def _err_text(inst_dir: Path, name: str) -> str:
    return (inst_dir / "recv" / f"{name}.err").read_text(encoding="utf-8")


def test_bad_totals_are_refused_with_an_error_file_and_no_result(
    transport: SimulatorTransport, inst_dir: Path, clock: ManualClock
) -> None:
    name, data = eb13(MONDAY, [registration(1, "110000001234"), registration(2, "110000005678")])
    bad = tamper_trailer_count(data, 120)

    with pytest.raises(RelayRejectedError) as refused:
        transport.upload(name, bad)

    assert "[형식 오류]" in refused.value.message
    assert "트레일러" in refused.value.message
    assert _err_text(inst_dir, name).startswith("[형식 오류]")
    assert not (inst_dir / "send" / name).exists()
    assert (inst_dir / "send" / "rejected" / name).read_bytes() == bad
    assert not transport.is_uploaded(name)
    clock.advance(timedelta(days=7))
    assert transport.list_results() == []
    with pytest.raises(RelayRejectedError):  # the fetcher learns it from the result it waits for
        transport.download(layout.result_name_for(name) or "")


def test_a_refused_name_can_be_sent_again_once_fixed(transport: SimulatorTransport, inst_dir: Path) -> None:
    name, data = eb13(MONDAY, [registration(1, "110000001234")])
    with pytest.raises(RelayRejectedError):
        transport.upload(name, tamper_trailer_count(data, 120))

    transport.upload(name, data)

    assert transport.is_uploaded(name)
    assert not (inst_dir / "recv" / f"{name}.err").exists()
    assert (inst_dir / "recv" / "done" / f"{name}.err").exists()  # the old refusal is filed away


def test_unknown_bank_codes_are_refused_naming_the_record_but_not_the_account(transport: SimulatorTransport) -> None:
    name, data = eb21(THURSDAY, [debit(1, "110000001234", 50_000), debit(2, "110987654321", 30_000, bank="999")])

    with pytest.raises(RelayRejectedError) as refused:
        transport.upload(name, data)

    message = refused.value.message
    assert "[은행코드 오류]" in message
    assert "3번째 레코드" in message and "'999'" in message
    assert "110987654321" not in message


def test_unknown_collection_bank_in_the_header_is_refused(transport: SimulatorTransport) -> None:
    name, data = eb21(THURSDAY, [debit(1, "110000001234", 50_000)], collection_bank="998")
    with pytest.raises(RelayRejectedError, match="주거래은행"):
        transport.upload(name, data)


def test_a_file_of_another_institution_is_refused(transport: SimulatorTransport) -> None:
    name, data = eb13(MONDAY, [registration(1, "110000001234")], institution=OTHER_INSTITUTION)
    with pytest.raises(RelayRejectedError, match=r"\[기관코드 불일치\].*9987654321.*9912345678"):
        transport.upload(name, data)


def test_the_remote_name_must_carry_the_header_date(transport: SimulatorTransport) -> None:
    _, data = eb13(MONDAY, [registration(1, "110000001234")])
    with pytest.raises(RelayRejectedError, match=r"\[파일 이름 오류\]"):
        transport.upload("EB130309_2025", data)


def test_only_request_kinds_are_taken(transport: SimulatorTransport) -> None:
    _, data = eb13(MONDAY, [registration(1, "110000001234")])
    with pytest.raises(RelayRejectedError, match="EB22 파일은 보낼 수 없습니다"):
        transport.upload("EB220309_2026", data)
    with pytest.raises(RelayRejectedError, match="CMS 파일 이름이 아닙니다"):
        transport.upload("hello.txt", data)


def test_a_second_upload_of_the_same_name_is_a_duplicate(transport: SimulatorTransport, inst_dir: Path) -> None:
    name, data = eb13(MONDAY, [registration(1, "110000001234")])
    transport.upload(name, data)

    with pytest.raises(RelayDuplicateError):
        transport.upload(name, data)
    other_name, other = eb13(MONDAY, [registration(1, "110000005678")])
    assert other_name == name
    with pytest.raises(RelayDuplicateError):
        transport.upload(name, other)
    assert (inst_dir / "send" / name).read_bytes() == data


def test_the_simulator_refuses_other_content_under_an_accepted_name(
    transport: SimulatorTransport, simulator: BankSimulator, inst_dir: Path, clock: ManualClock
) -> None:
    """Something bypassed the transport and overwrote an accepted file: refused, original restored."""
    name, data = eb13(MONDAY, [registration(1, "110000001234")])
    transport.upload(name, data)
    _, impostor = eb13(MONDAY, [registration(1, "110000005678")])
    (inst_dir / "send" / name).write_bytes(impostor)

    report = simulator.process()

    assert [n for n, _ in report.refused] == [f"{INSTITUTION}/{name}"]
    assert _err_text(inst_dir, name).startswith("[중복 파일]")
    assert (inst_dir / "send" / name).read_bytes() == data
    assert (inst_dir / "send" / "rejected" / name).read_bytes() == impostor
    # the accepted original is still answered, and the duplicate's report does not hide it
    assert transport.download("EB140309_2026") is None
    clock.advance(timedelta(days=1, hours=1))
    assert transport.download("EB140309_2026") is not None


def test_an_eb21_after_the_cut_off_is_refused(transport: SimulatorTransport, clock: ManualClock) -> None:
    clock.set(clock.now().replace(day=11, hour=14, minute=0))  # Wednesday 14:00, debit Thursday
    name, data = eb21(THURSDAY, [debit(1, "110000001234", 50_000)])
    with pytest.raises(RelayRejectedError, match=r"\[접수 마감\].*2026-03-11 14:00"):
        transport.upload(name, data)


def test_an_eb21_for_a_closed_day_is_refused(transport: SimulatorTransport) -> None:
    saturday = dt.date(2026, 3, 14)
    name, data = eb21(saturday, [debit(1, "110000001234", 50_000)])
    with pytest.raises(RelayRejectedError, match=r"\[출금일 오류\].*토요일"):
        transport.upload(name, data)


def test_unfinished_uploads_are_ignored(simulator: BankSimulator, inst_dir: Path) -> None:
    name, data = eb13(MONDAY, [registration(1, "110000001234")])
    (inst_dir / "send" / layout.part_name(name)).write_bytes(data[:100])

    report = simulator.process()

    assert not report.accepted and not report.refused
    assert not (inst_dir / "recv" / f"{name}.err").exists()


def test_a_refusal_found_later_surfaces_on_download_and_is_acknowledged(
    transport: SimulatorTransport, simulator: BankSimulator, inst_dir: Path
) -> None:
    """A relay that validates after the upload: the fetcher's download of the result raises."""
    name, data = eb13(MONDAY, [registration(1, "110000001234")])
    (inst_dir / "send" / name).write_bytes(tamper_trailer_count(data, 120))
    simulator.process()
    result = "EB140309_2026"

    with pytest.raises(RelayRejectedError, match="EB130309_2026"):
        transport.download(result)
    transport.acknowledge(result)

    assert transport.download(result) is None
    assert (inst_dir / "recv" / "done" / f"{name}.err").exists()


def test_ei13_is_taken_without_a_result(transport: SimulatorTransport, clock: ManualClock) -> None:
    name = "EI130309_2026"
    evidence = Ei13Record(1, "C001234", "088", "110000001234", MONDAY, "1", "jpg", b"\xff\xd8\xff\xe0scan")
    transport.upload(name, encode_ei13(Ei13Header(INSTITUTION, MONDAY), [evidence]))  # more: test_ei13_simulator
    assert transport.is_uploaded(name)
    clock.advance(timedelta(days=3))
    assert transport.list_results() == []
    with pytest.raises(RelayRejectedError, match="1024"):
        transport.upload("EI130310_2026", b"x" * 100)


def test_names_that_are_not_plain_file_names_are_refused_before_anything_is_written(
    transport: SimulatorTransport,
) -> None:
    for bad in ("../EB130309_2026", ".EB130309_2026", "a/b", ""):
        with pytest.raises(ValueError):
            transport.upload(bad, b"x")


def test_a_format_error_names_the_field_but_never_the_account(transport: SimulatorTransport, inst_dir: Path) -> None:
    name, data = eb13(MONDAY, [registration(1, "110000001234")])
    broken = bytearray(data)
    broken[120 + 53 + 4] = ord(" ")  # a space inside 지정출금계좌번호 (pos 54)

    with pytest.raises(RelayRejectedError) as refused:
        transport.upload(name, bytes(broken))

    text = _err_text(inst_dir, name)
    assert "지정출금계좌번호" in refused.value.message and "2번째 레코드" in text
    for shown in (refused.value.message, text):
        assert "1100" not in shown and "00001234" not in shown
