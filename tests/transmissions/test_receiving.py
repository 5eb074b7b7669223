"""Applying result files whole and once, and refusing, whole, those that do not answer their request."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from app.models import (
    AccountRegistration,
    DebitRequest,
    DebitRequestLine,
    EvidenceState,
    LedgerEntry,
    LedgerKind,
    Payment,
    PaymentMethod,
    RegistrationState,
    RequestState,
    Transmission,
)
from app.models import TransmissionState as TS
from app.services.common.calendar import SEOUL
from app.services.exchange import building, receiving, sending
from app.services.exchange.cms import (
    decode_eb13,
    decode_eb21,
    encode_eb14,
    encode_eb21,
    encode_eb22,
)
from app.services.exchange.cms.records import DebitHeader
from app.services.exchange.transmissions import seal_content
from tests.transmissions.helpers import (
    add_payers,
    ledger_sum,
    plain,
    queue_registrations,
    queue_requests,
    snapshot,
)

DAY = date(2026, 3, 10)
DEBIT = date(2026, 3, 11)
SENT_AT = datetime(2026, 3, 10, 13, 58, tzinfo=SEOUL)
RESULT_AT = datetime(2026, 3, 12, 11, 5, tzinfo=SEOUL)


def _send(office, key, contract, relay, kind):
    build = building.build_registration_file if kind == "EB13" else building.build_request_file
    built = build(office.db, contract, DAY if kind == "EB13" else DEBIT, key)
    assert sending.upload_transmission(office.db, relay, built.transmission_id, key=key, now=lambda: SENT_AT, delays=()).sent
    with office.db.session() as s:
        return plain(s.get(Transmission, built.transmission_id), key)


@pytest.fixture
def debits(office, key, contract, relay):
    """Four requests sent in EB210311_2026: amounts 10,000 / 20,000 / 30,000 / 40,000 (2 charges)."""
    payers = add_payers(office.db, office.contract_id, key, ["100010001000", "200020002000", "300030003000"])
    queue_requests(office.db, office.contract_id, payers, DEBIT, amount=[10_000, 20_000, 30_000])
    more = add_payers(office.db, office.contract_id, key, ["400040004000"], prefix="M")
    queue_requests(office.db, office.contract_id, more, DEBIT, amount=40_000, lines=2)
    return decode_eb21(_send(office, key, contract, relay, "EB21"), "EB210311_2026")


def _eb22(request, failures, **header_changes):
    header = dataclasses.replace(request.header, **header_changes)
    records = [dataclasses.replace(request.records[seq - 1], amount=amt, result_flag=flag, reason_code=code)
               for seq, flag, amt, code in failures]
    return encode_eb22(header, records)


def _allow_partial(office, key, debits, seq):
    """Our files ask for full debits only (출금형태 1); to exercise a 'P' answer, store the request as if
    record `seq` had allowed a partial debit (출금형태 0) — the bytes a partial-allowing builder would send."""
    records = [dataclasses.replace(r, withdrawal_mode="0") if r.sequence == seq else r for r in debits.records]
    content = encode_eb21(debits.header, records)
    with office.db.session() as s:
        t = s.scalar(select(Transmission).where(Transmission.remote_name == "EB210311_2026"))
        seal_content(t, content, key)
    return decode_eb21(content, "EB210311_2026")


def test_eb22_applied_in_one_go_with_payments_and_ledger(office, key, contract, relay, debits) -> None:
    # seq 2 failed (0021), seq 4 partly: 15,000 of 40,000 not debited → 25,000 debited over its 2 charges
    debits = _allow_partial(office, key, debits, 4)
    relay.results["EB220311_2026"] = _eb22(debits, [(2, "N", 20_000, "0021"), (4, "P", 15_000, "0021")])
    report = receiving.fetch_results(office.db, relay, contract, key=key, now=lambda: RESULT_AT)
    [outcome] = report.outcomes
    assert outcome.status == receiving.ApplyStatus.APPLIED and (outcome.done, outcome.failed) == (2, 2)
    assert outcome.debited_amount == 10_000 + 30_000 + 25_000
    assert relay.done.keys() == {"EB220311_2026"} and not relay.results  # acknowledged
    with office.db.session() as s:
        rows = {r.seq_no: r for r in s.scalars(select(DebitRequest))}
        assert {rows[i].result_at for i in (1, 2, 3, 4)} == {RESULT_AT}
        assert [(rows[i].state, rows[i].debited_amount, rows[i].reason_code) for i in (1, 2, 3, 4)] == [
            (RequestState.DONE, 10_000, None), (RequestState.FAILED, 0, "0021"),
            (RequestState.DONE, 30_000, None), (RequestState.PARTIAL, 25_000, "0021")]
        assert s.scalar(select(func.count()).where(DebitRequestLine.is_open.is_(True))) == 0
        payments = s.execute(select(Payment.debit_request_id, Payment.amount, Payment.method, Payment.paid_on)
                             .order_by(Payment.id)).all()
        assert [p.amount for p in payments] == [10_000, 30_000, 20_000, 5_000]  # partial pays the older charge first
        assert {p.method for p in payments} == {PaymentMethod.DEBIT} and {p.paid_on for p in payments} == {DEBIT}
        assert {e.created_at for e in s.scalars(select(LedgerEntry))} == {RESULT_AT}
        debit_entries = s.execute(select(LedgerEntry.payment_id).where(LedgerEntry.kind == LedgerKind.DEBIT)).all()
        assert len(debit_entries) == 4 and all(e.payment_id for e in debit_entries)
        sent, received = s.scalars(select(Transmission).order_by(Transmission.id)).all()
        assert (sent.state, received.state, received.answers_id) == (TS.APPLIED, TS.APPLIED, sent.id)
        assert (received.record_count, received.total_amount) == (2, 35_000)
    assert ledger_sum(office.db, LedgerKind.DEBIT) == 65_000 and ledger_sum(office.db, LedgerKind.FAIL) == 35_000

    before = snapshot(office.db)  # the same file again (e.g. the acknowledgement was lost)
    relay.results["EB220311_2026"] = relay.done.pop("EB220311_2026")
    again = receiving.fetch_results(office.db, relay, contract, key=key, now=lambda: RESULT_AT)
    assert [o.status for o in again.outcomes] == [receiving.ApplyStatus.ALREADY]
    assert snapshot(office.db) == before and "EB220311_2026" in relay.done


def test_eb22_without_failures_means_all_debited(office, key, contract, relay, debits) -> None:
    relay.results["EB220311_2026"] = _eb22(debits, [])
    receiving.fetch_results(office.db, relay, contract, key=key, now=lambda: RESULT_AT)
    with office.db.session() as s:
        assert set(s.scalars(select(DebitRequest.state))) == {RequestState.DONE}
    assert ledger_sum(office.db, LedgerKind.DEBIT) == 100_000


def test_eb14_applied_accepted_and_rejected(office, key, contract, relay) -> None:
    payers = add_payers(office.db, office.contract_id, key, ["111100001111", "222200002222", "333300003333"])
    queue_registrations(office.db, office.contract_id, key, payers, requested_on=DAY,
                        evidence=EvidenceState.ACCEPTED)  # built here directly: no EI13 first
    request = decode_eb13(_send(office, key, contract, relay, "EB13"), "EB130310_2026")
    answered = [dataclasses.replace(r, result_flag="Y" if r.sequence != 2 else "N",
                                    reason_code=None if r.sequence != 2 else "0014") for r in request.records]
    relay.results["EB140310_2026"] = encode_eb14(request.header, answered)
    [outcome] = receiving.fetch_results(office.db, relay, contract, key=key, now=lambda: RESULT_AT).outcomes
    assert outcome.status == receiving.ApplyStatus.APPLIED and (outcome.done, outcome.failed) == (2, 1)
    with office.db.session() as s:
        states = s.execute(select(AccountRegistration.seq_no, AccountRegistration.state,
                                  AccountRegistration.reason_code).order_by(AccountRegistration.seq_no)).all()
    assert [tuple(r) for r in states] == [(1, RegistrationState.DONE, None), (2, RegistrationState.FAILED, "0014"),
                                          (3, RegistrationState.DONE, None)]


def _refused(office, key, contract, relay, data, reason_part):
    before = snapshot(office.db)
    relay.results["EB220311_2026"] = data
    [outcome] = receiving.fetch_results(office.db, relay, contract, key=key, now=lambda: RESULT_AT).outcomes
    assert outcome.status == receiving.ApplyStatus.REFUSED and reason_part in outcome.message
    assert snapshot(office.db) == before  # nothing else changed
    with office.db.session() as s:
        kept = s.get(Transmission, outcome.transmission_id)
        assert (kept.state, kept.direction, plain(kept, key)) == (TS.ERROR, "RECEIVE", data)
        assert reason_part in kept.error
    assert "EB220311_2026" in relay.results  # left on the relay for the agency to see
    again = receiving.fetch_results(office.db, relay, contract, key=key, now=lambda: RESULT_AT)  # known: no second row
    assert [o.status for o in again.outcomes] == [receiving.ApplyStatus.REFUSED]
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Transmission)) == 2


def test_truncated_result_refused_whole(office, key, contract, relay, debits) -> None:
    data = _eb22(debits, [(2, "N", 20_000, "0021")])
    _refused(office, key, contract, relay, data[:-75], "길이")


def test_wrong_totals_refused_whole(office, key, contract, relay, debits) -> None:
    data = bytearray(_eb22(debits, [(2, "N", 20_000, "0021")]))
    trailer = len(data) - 150
    data[trailer + 35: trailer + 43] = b"00000002"  # 불능건수 2 for one record
    _refused(office, key, contract, relay, bytes(data), "트레일러 값 2")


def test_unknown_sequence_refused_whole(office, key, contract, relay, debits) -> None:
    extra = dataclasses.replace(debits.records[0], sequence=77, result_flag="N", reason_code="0021")
    data = encode_eb22(debits.header, [extra])
    _refused(office, key, contract, relay, data, "일련번호 77")


def test_result_of_another_institution_refused_whole(office, key, contract, relay, debits) -> None:
    data = _eb22(debits, [], institution_code="9900000001")
    _refused(office, key, contract, relay, data, "다른 기관")


def test_result_without_a_sent_request_is_refused(office, key, contract, relay) -> None:
    header = DebitHeader("9912345678", date(2026, 3, 20), "0880000", "110123456789")
    relay.results["EB220320_2026"] = encode_eb22(header, [])
    [outcome] = receiving.fetch_results(office.db, relay, contract, key=key, now=lambda: RESULT_AT).outcomes
    assert outcome.status == receiving.ApplyStatus.REFUSED and "송신 파일(EB210320_2026)이 없습니다" in outcome.message


def test_corrected_result_after_a_refused_one_is_applied(office, key, contract, relay, debits) -> None:
    relay.results["EB220311_2026"] = _eb22(debits, [])[:-10]
    receiving.fetch_results(office.db, relay, contract, key=key, now=lambda: RESULT_AT)
    relay.results["EB220311_2026"] = _eb22(debits, [(1, "N", 10_000, "0031")])
    [outcome] = receiving.fetch_results(office.db, relay, contract, key=key, now=lambda: RESULT_AT).outcomes
    assert outcome.status == receiving.ApplyStatus.APPLIED
    with office.db.session() as s:
        names = s.execute(select(Transmission.remote_name, Transmission.state).where(Transmission.direction == "RECEIVE")
                          .order_by(Transmission.id)).all()
    assert [tuple(n) for n in names] == [("EB220311_2026", TS.ERROR), ("EB220311_2026#2", TS.APPLIED)]


def test_request_refused_by_the_relay_after_taking_it(office, key, contract, relay, debits) -> None:
    relay.refused_later["EB220311_2026"] = "[접수 마감] 늦게 도착"
    report = receiving.fetch_results(office.db, relay, contract, key=key, now=lambda: RESULT_AT, expected=["EB220311_2026"])
    assert [o.status for o in report.outcomes] == [receiving.ApplyStatus.REFUSED]
    with office.db.session() as s:
        assert set(s.scalars(select(DebitRequest.state))) == {RequestState.WAITING}
        assert set(s.scalars(select(DebitRequest.transmission_id))) == {None}
        sent = s.scalar(select(Transmission))
        assert sent.state == TS.ERROR and "접수 마감" in sent.error
