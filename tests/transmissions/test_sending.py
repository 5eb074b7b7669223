"""Building request files in one transaction and getting each onto the relay exactly once."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from app.models import (
    AccountRegistration,
    DebitRequest,
    EvidenceState,
    RegistrationState,
    RequestState,
    Transmission,
)
from app.models import TransmissionState as TS
from app.services.common.calendar import SEOUL
from app.services.exchange import building, sending
from app.services.exchange.cms import decode_eb13, decode_eb21
from app.services.exchange.transmissions import load_contract, sha256_hex
from tests.transmissions.helpers import (
    add_payers,
    plain,
    queue_registrations,
    queue_requests,
    stored_bytes,
)

DAY = date(2026, 3, 10)
DEBIT = date(2026, 3, 11)
NOW = datetime(2026, 3, 10, 13, 58, tzinfo=SEOUL)


def _tx(db, tid):
    with db.session() as s:
        return s.get(Transmission, tid)


def test_eb13_built_in_one_transaction_then_sent(office, key, contract, relay) -> None:
    payers = add_payers(office.db, office.contract_id, key, ["11112222333", "44445555666", "77778888999"])
    ids = queue_registrations(office.db, office.contract_id, key, payers, requested_on=DAY,
                              evidence=EvidenceState.ACCEPTED)  # built here directly: no EI13 first
    built = building.build_registration_file(office.db, contract, DAY, key)
    assert isinstance(built, building.BuiltFile) and built.remote_name == "EB130310_2026" and built.record_count == 3
    t = _tx(office.db, built.transmission_id)
    assert t.state == TS.CREATED and t.sha256 == sha256_hex(plain(t, key))
    decoded = decode_eb13(plain(t, key), t.remote_name)
    assert [r.customer_no for r in decoded.records] == [p.customer_no for p in payers]
    assert [r.account_no for r in decoded.records] == [p.account for p in payers]
    with office.db.session() as s:
        rows = s.execute(select(AccountRegistration.id, AccountRegistration.state, AccountRegistration.seq_no,
                                AccountRegistration.transmission_id).order_by(AccountRegistration.id)).all()
    assert [(r.seq_no, r.transmission_id, r.state) for r in rows] == [
        (i + 1, built.transmission_id, RegistrationState.WAITING) for i in range(3)]
    assert building.build_registration_file(office.db, contract, DAY, key) is None  # nothing left queued

    result = sending.upload_transmission(office.db, relay, built.transmission_id, key=key, now=lambda: NOW, delays=())
    assert result.sent and relay.sent["EB130310_2026"] == plain(t, key)
    assert _tx(office.db, built.transmission_id).state == TS.SENT
    with office.db.session() as s:
        assert set(s.scalars(select(AccountRegistration.state).where(AccountRegistration.id.in_(ids)))) == {
            RegistrationState.SENT}


def test_eb21_one_file_per_date_and_late_rows_blocked(office, key, contract, relay) -> None:
    payers = add_payers(office.db, office.contract_id, key, [f"1000200030{i:02d}" for i in range(5)])
    queue_requests(office.db, office.contract_id, payers[:3], DEBIT, amount=[10_000, 20_000, 30_000])
    queue_requests(office.db, office.contract_id, payers[3:], date(2026, 3, 12), amount=40_000)
    built = building.build_request_file(office.db, contract, DEBIT, key)
    assert isinstance(built, building.BuiltFile)
    assert (built.remote_name, built.record_count, built.total_amount) == ("EB210311_2026", 3, 60_000)
    eb21 = decode_eb21(stored_bytes(office.db, built.transmission_id, key), "EB210311_2026")
    assert eb21.header.debit_date == DEBIT and eb21.header.collection_account == "110123456789"
    assert [r.passbook_text for r in eb21.records] == ["해오름학원"] * 3
    assert [r.withdrawal_mode for r in eb21.records] == ["1"] * 3  # 전액출금 unless the contract allows partial
    assert (eb21.trailer.full_count, eb21.trailer.partial_count) == (3, 0)
    with office.db.session() as s:  # the other date's requests were not touched
        assert s.scalars(select(DebitRequest.transmission_id).where(DebitRequest.debit_date == date(2026, 3, 12))).all() == [None, None]
    late = add_payers(office.db, office.contract_id, key, ["999988887777"], prefix="L")
    queue_requests(office.db, office.contract_id, late, DEBIT, period="2026-02")
    blocked = building.build_request_file(office.db, contract, DEBIT, key)
    assert isinstance(blocked, building.BuildBlocked) and blocked.waiting == 1
    with office.db.session() as s:
        assert s.scalar(select(Transmission.id).where(Transmission.id != built.transmission_id)) is None


def test_a_row_the_file_cannot_carry_is_left_queued_with_its_reason(office, key, contract) -> None:
    payers = add_payers(office.db, office.contract_id, key, ["123412341234", "567856785678"])
    good, bad = queue_requests(office.db, office.contract_id, payers, DEBIT, amount=[50_000, 100])  # 100 < 140원
    built = building.build_request_file(office.db, contract, DEBIT, key)
    assert isinstance(built, building.BuiltFile) and built.record_count == 1
    assert [e.row_id for e in built.excluded] == [bad] and "출금의뢰금액" in built.excluded[0].reason
    with office.db.session() as s:
        assert s.get(DebitRequest, bad).transmission_id is None and s.get(DebitRequest, good).seq_no == 1


def test_relay_down_retries_then_error_and_a_later_run_sends_the_same_file(office, key, contract, relay) -> None:
    payers = add_payers(office.db, office.contract_id, key, ["111122223333"])
    queue_requests(office.db, office.contract_id, payers, DEBIT)
    built = building.build_request_file(office.db, contract, DEBIT, key)
    relay.always_down = True
    slept: list[float] = []
    result = sending.upload_transmission(office.db, relay, built.transmission_id, key=key, now=lambda: NOW,
                                         delays=(0.5, 1.0), sleep=slept.append)
    assert result.state == TS.ERROR and slept == [0.5, 1.0] and "3회 시도" in result.message
    t = _tx(office.db, built.transmission_id)
    assert t.state == TS.ERROR and "다시 보냅니다" in t.error
    with office.db.session() as s:  # rows still accounted for: taken by this file, waiting
        row = s.scalar(select(DebitRequest))
        assert (row.transmission_id, row.state) == (built.transmission_id, RequestState.WAITING)
    assert sending.pending_uploads(office.db, office.contract_id) == [(built.transmission_id, "EB21", DEBIT)]
    relay.always_down = False
    again = sending.upload_transmission(office.db, relay, built.transmission_id, key=key, now=lambda: NOW, delays=())
    assert again.sent and relay.uploads == ["EB210311_2026"] and relay.sent["EB210311_2026"] == plain(t, key)
    assert sending.pending_uploads(office.db, office.contract_id) == []


def test_duplicate_refused_by_the_relay_is_our_file_not_a_second_one(office, key, contract, relay) -> None:
    payers = add_payers(office.db, office.contract_id, key, ["111122223333"])
    queue_requests(office.db, office.contract_id, payers, DEBIT)
    built = building.build_request_file(office.db, contract, DEBIT, key)
    content = stored_bytes(office.db, built.transmission_id, key)
    relay.sent["EB210311_2026"] = content  # e.g. uploaded, then the PC died before saving the state

    class Racy(type(relay)):  # is_uploaded says no (a race), the upload is then refused as a duplicate
        def is_uploaded(self, remote_name: str) -> bool:
            return False

    racy = Racy(sent=relay.sent)
    result = sending.upload_transmission(office.db, racy, built.transmission_id, key=key, now=lambda: NOW, delays=())
    assert result.sent and racy.uploads == [] and len(racy.sent) == 1
    with office.db.session() as s:
        assert s.scalar(select(DebitRequest.state)) == RequestState.SENT
        assert len(s.scalars(select(Transmission)).all()) == 1


def test_relay_rejection_is_final_and_releases_the_rows(office, key, contract, relay) -> None:
    payers = add_payers(office.db, office.contract_id, key, ["111122223333"])
    queue_requests(office.db, office.contract_id, payers, DEBIT)
    built = building.build_request_file(office.db, contract, DEBIT, key)
    relay.reject = "기관코드 불일치"
    result = sending.upload_transmission(office.db, relay, built.transmission_id, key=key, now=lambda: NOW, delays=())
    assert result.state == TS.ERROR and "거부" in result.message
    t = _tx(office.db, built.transmission_id)
    assert t.state == TS.ERROR and t.remote_name == "EB210311_2026#2" and plain(t, key)  # kept, name freed
    with office.db.session() as s:
        row = s.scalar(select(DebitRequest))
        assert (row.transmission_id, row.seq_no, row.state) == (None, None, RequestState.WAITING)
    assert sending.pending_uploads(office.db, office.contract_id) == []
    relay.reject = None
    rebuilt = building.build_request_file(office.db, contract, DEBIT, key)  # the name is free again
    assert isinstance(rebuilt, building.BuiltFile) and rebuilt.remote_name == "EB210311_2026"


def test_a_row_changed_while_being_taken_makes_a_clean_rebuild(office, key, contract, monkeypatch) -> None:
    """A row that stops being free between choosing and taking (a clerk's withdrawal on another PC)
    must not leave a gap in the numbering: the transaction is rolled back and the file built again."""
    from sqlalchemy import text

    payers = add_payers(office.db, office.contract_id, key, ["101010101010", "202020202020", "303030303030"])
    ids = queue_requests(office.db, office.contract_id, payers, DEBIT)
    calls: list[int] = []

    def withdraw_row_2_the_first_time(s) -> None:
        calls.append(1)
        if len(calls) == 1:  # the first time, row 2 is withdrawn by "someone else" just before us
            s.connection().execute(text("UPDATE debit_request SET state = 'WITHDRAWN' WHERE id = :i"), {"i": ids[1]})

    if office.db.engine.dialect.name == "sqlite":
        real_take = building._take

        def racing_take(s, model, where, row_ids, tid):
            withdraw_row_2_the_first_time(s)
            return real_take(s, model, where, row_ids, tid)

        monkeypatch.setattr(building, "_take", racing_take)
    else:  # PostgreSQL takes the rows while another connection reads them: the read still sees row 2
        real_numbered = building._take_numbered

        def racing_numbered(s, model, where, tid):
            withdraw_row_2_the_first_time(s)
            return real_numbered(s, model, where, tid)

        monkeypatch.setattr(building, "_take_numbered", racing_numbered)
    built = building.build_request_file(office.db, contract, DEBIT, key)
    assert len(calls) == 2 and isinstance(built, building.BuiltFile) and built.record_count == 3
    eb21 = decode_eb21(stored_bytes(office.db, built.transmission_id, key), "EB210311_2026")
    assert [r.sequence for r in eb21.records] == [1, 2, 3]
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Transmission)) == 1


def test_a_contract_that_allows_partial_debits_asks_for_them(office, key) -> None:
    """계약정보 부분출금 허용: every record goes with 출금형태 '0' and the trailer counts them as 부분출금."""
    from app.models import Contract

    with office.db.session() as s:
        s.get(Contract, office.contract_id).partial_debit = True
    payers = add_payers(office.db, office.contract_id, key, ["100020003001", "100020003002"])
    queue_requests(office.db, office.contract_id, payers, DEBIT, amount=[10_000, 25_000])
    built = building.build_request_file(office.db, load_contract(office.db, office.contract_id), DEBIT, key)
    assert isinstance(built, building.BuiltFile)
    eb21 = decode_eb21(stored_bytes(office.db, built.transmission_id, key), "EB210311_2026")
    assert [r.withdrawal_mode for r in eb21.records] == ["0", "0"]
    assert (eb21.trailer.full_count, eb21.trailer.partial_count, eb21.trailer.partial_amount) == (0, 2, 35_000)


@pytest.mark.pg
def test_a_row_queued_while_the_file_is_taken_is_in_the_file_or_waits_whole(pg_db, key, monkeypatch) -> None:
    """PostgreSQL reads the rows on a second connection while it takes them: a request a clerk queues in
    that moment is either in both (and so in the file) or in neither — never taken but not written."""
    from tests.factories import make_office

    office = make_office(pg_db)
    payers = add_payers(pg_db, office.contract_id, key, ["101010101010", "202020202020", "303030303030"])
    queue_requests(pg_db, office.contract_id, payers, DEBIT)
    late = add_payers(pg_db, office.contract_id, key, ["404040404040"], prefix="L")
    real_numbered, calls = building._take_numbered, []

    def queue_one_more_first(s, model, where, tid):
        calls.append(1)
        if len(calls) == 1:  # another clerk's request commits between the read and the taking
            queue_requests(pg_db, office.contract_id, late, DEBIT)
        return real_numbered(s, model, where, tid)

    monkeypatch.setattr(building, "_take_numbered", queue_one_more_first)
    built = building.build_request_file(pg_db, load_contract(pg_db, office.contract_id), DEBIT, key)
    assert isinstance(built, building.BuiltFile) and built.record_count == 4
    eb21 = decode_eb21(stored_bytes(pg_db, built.transmission_id, key), "EB210311_2026")
    assert [r.sequence for r in eb21.records] == [1, 2, 3, 4]
    with pg_db.session() as s:
        rows = s.execute(select(DebitRequest.seq_no, DebitRequest.transmission_id).order_by(DebitRequest.id)).all()
    assert rows == [(i, built.transmission_id) for i in (1, 2, 3, 4)]
