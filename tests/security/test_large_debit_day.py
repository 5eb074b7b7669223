"""A debit day over 2^31 won goes out and comes back whole; a day one file cannot carry is refused at request time.

The issue: 20,000 payers asked 2,240,917,000원 on one date, `request` took it, and `send` refused to
build the file after the cut-off because a 32-bit column capped the total at 2,147,483,647원, while
the EB21 trailer holds 13 digits. The office would have missed that debit day.

End to end, on SQLite and PostgreSQL: 20,000 payers × 150,000원 (3,000,000,000원) — their account
registrations sent as an EB13 and accepted, the debits asked through `debits.request`, the EB21 built
and uploaded by the real scheduler to the built-in bank simulator at the cut-off, the simulator's
EB22 fetched and applied. The file, the ledger and the results screen must all say 3,000,000,000원.
Rows are inserted in bulk (tests/transmissions/helpers.py), not through 20,000 service calls.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.database.engine import Database
from app.models import (
    AccountRegistration,
    DebitRequest,
    LedgerKind,
    RegistrationState,
    RequestState,
)
from app.services.collection import automatic, ledger, results
from app.services.collection import requests as debits
from app.services.common.calendar import ManualClock
from app.services.common.errors import ServiceError
from app.services.exchange.cms import decode_eb21, decode_eb22
from app.services.exchange.relay.base import Transport
from app.services.exchange.transmissions import ContractInfo
from tests.factories import Office
from tests.home.helpers import KEY, Relay, at
from tests.transmissions.helpers import add_payers, queue_registrations

PAYERS = 20_000
MONTHLY = 150_000
DAY_TOTAL = PAYERS * MONTHLY  # 3,000,000,000원
FAILING = 100  # accounts ending 0021: the simulator answers 잔액부족 (app/services/exchange/relay/rules.py)
DEBIT_DATE = date(2026, 8, 5)  # Wednesday; requests close Tuesday 4 August at 14:00
QUEUED = at(date(2026, 7, 27), 9)  # Monday: registrations go out at that day's 14:00 cut-off
REQUESTED = at(date(2026, 7, 29), 10)  # registrations accepted on the 28th, two business days ahead


class RecordingTransport:
    """The contract's real transport (the simulator's folder), keeping a copy of every uploaded file."""

    def __init__(self, inner: Transport, uploads: dict[str, bytes]) -> None:
        self._inner = inner
        self._uploads = uploads

    def upload(self, remote_name: str, data: bytes) -> None:
        self._inner.upload(remote_name, data)
        self._uploads[remote_name] = bytes(data)

    def download(self, remote_name: str) -> bytes | None:
        data = self._inner.download(remote_name)
        if data is not None:
            self._uploads[f"downloaded:{remote_name}"] = bytes(data)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _accounts() -> list[str]:
    """Unique 12-digit accounts; the first FAILING end in 0021, none of the others in a simulator rule."""
    out = []
    for i in range(PAYERS):
        ending = "0021" if i < FAILING else f"{5000 + i % 4000:04d}"
        out.append(f"31{i:06d}{ending}")
    return out


def _relay(office: Office, clock: ManualClock, data_dir: Path, uploads: dict[str, bytes]) -> Relay:
    relay = Relay(office.db, office.admin, clock, data_dir)
    factory: Callable[[ContractInfo], Transport] = relay.factory
    relay.scheduler.transport_for = lambda contract: RecordingTransport(factory(contract), uploads)
    return relay


@pytest.mark.slow
def test_a_three_billion_won_day_is_requested_sent_answered_and_applied(office: Office, tmp_path: Path) -> None:
    db, cid = office.db, office.contract_id
    clock = ManualClock(QUEUED)
    uploads: dict[str, bytes] = {}
    relay = _relay(office, clock, tmp_path / "relay", uploads)
    payers = add_payers(db, cid, KEY, _accounts(), monthly=MONTHLY, start=1)
    queue_registrations(db, cid, KEY, payers, requested_on=QUEUED.date(), created_at=QUEUED)

    relay.run_until(REQUESTED)  # EB13 at the 27th's cut-off, EB14 applied on the 28th from 11:00
    with db.session() as s:
        done = s.scalar(select(func.count()).select_from(AccountRegistration)
                        .where(AccountRegistration.state == RegistrationState.DONE))
    assert done == PAYERS, "every registration was accepted by the simulator"

    outcome = debits.request(db, office.admin, cid, DEBIT_DATE, [p.agreement_id for p in payers], now=REQUESTED)
    assert (outcome.count, outcome.total_amount) == (PAYERS, DAY_TOTAL)
    assert "3,000,000,000원" in outcome.message

    relay.run_until(at(date(2026, 8, 6), 12))  # EB21 at the 4th's cut-off; EB22 from 11:00 on the 6th

    sent = uploads["EB210805_2026"]
    request_file = decode_eb21(sent, "EB210805_2026")
    assert len(request_file.records) == PAYERS
    assert request_file.trailer.total_count == PAYERS
    assert request_file.trailer.full_amount + request_file.trailer.partial_amount == DAY_TOTAL
    answer = decode_eb22(uploads["downloaded:EB220805_2026"], "EB220805_2026", request_file)
    assert len(answer.records) == FAILING

    with db.session() as s:
        totals = ledger.contract_totals(s, cid)
        states = dict(s.execute(select(DebitRequest.state, func.count()).group_by(DebitRequest.state)).all())
    assert totals[LedgerKind.REQUEST] == DAY_TOTAL
    assert totals[LedgerKind.DEBIT] == DAY_TOTAL - FAILING * MONTHLY  # 2,985,000,000원, also over 2^31
    assert totals[LedgerKind.FAIL] == FAILING * MONTHLY
    assert {RequestState(k): v for k, v in states.items()} == {RequestState.DONE: PAYERS - FAILING,
                                                               RequestState.FAILED: FAILING}
    for value in totals.values():
        assert type(value) is int

    view = results.list_results(db, office.admin, cid, results.ResultQuery(DEBIT_DATE, DEBIT_DATE),
                                today=date(2026, 8, 6))
    assert (view.count, view.amount, view.debited) == (PAYERS, DAY_TOTAL, DAY_TOTAL - FAILING * MONTHLY)
    assert [(t.state_text, t.count, t.amount, t.debited) for t in view.totals] == [
        ("이체처리완료", PAYERS - FAILING, (PAYERS - FAILING) * MONTHLY, (PAYERS - FAILING) * MONTHLY),
        ("이체처리미완료", FAILING, FAILING * MONTHLY, 0),
    ]


# --- what one file cannot carry is refused when it is asked for ----------------------------------

SMALL_DATE = date(2026, 4, 15)
SMALL_NOW = at(date(2026, 4, 10), 10)


def _small_office(office: Office, *amounts: int) -> list[int]:
    """Payers of the 15th (registered long ago) with these monthly amounts; their agreement ids."""
    from tests.collection.helpers import add_payer

    return [add_payer(office.db, office.contract_id, f"S{i:03d}", monthly=amount, limit=max(amount, 100_000),
                      day=15).agreement_id for i, amount in enumerate(amounts, start=1)]


def _queued(db: Database) -> tuple[int, int]:
    with db.session() as s:
        count, amount = s.execute(select(func.count(), func.coalesce(func.sum(DebitRequest.amount), 0))
                                  .where(DebitRequest.state == RequestState.WAITING)).one()
    return int(count), int(amount)


def test_the_capacity_is_the_eb21_trailers_and_the_codec_agrees() -> None:
    """8 digits of count (99999999 is the trailer's sequence) and 13 of amount; one won more does not encode."""
    from app.services.exchange.cms import (
        CmsValueError,
        DebitHeader,
        DebitRecord,
        WithdrawalMode,
        encode_eb21,
    )

    assert debits.FileCapacity(records=99_999_998, amount=9_999_999_999_999) == debits.EB21_CAPACITY
    header = DebitHeader("9912345678", SMALL_DATE, "0880000", "110123456789")

    def record(seq: int, amount: int) -> DebitRecord:
        return DebitRecord(sequence=seq, bank_branch_code="0880000", account_no=f"1101234567{seq:02d}", amount=amount,
                           holder_id="800101", passbook_text="해오름학원", customer_no=f"C{seq}",
                           withdrawal_mode=WithdrawalMode.FULL)

    full = decode_eb21(encode_eb21(header, [record(1, 5_000_000_000_000), record(2, 4_999_999_999_999)]), "EB210415")
    assert full.trailer.full_amount == debits.EB21_CAPACITY.amount
    with pytest.raises(CmsValueError):
        encode_eb21(header, [record(1, 5_000_000_000_000), record(2, 5_000_000_000_000)])


def test_a_day_over_the_files_amount_is_refused_at_request_time_with_the_reason(
        office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    """Capacity lowered to 300,000원: what is queued plus what is asked must fit, or nothing is queued."""
    monkeypatch.setattr(debits, "EB21_CAPACITY", debits.FileCapacity(records=1_000, amount=300_000))
    first, second, third = _small_office(office, 150_000, 100_000, 60_000)
    debits.request(office.db, office.admin, office.contract_id, SMALL_DATE, [first], now=SMALL_NOW)

    with pytest.raises(debits.FileCapacityError) as refused:
        debits.request(office.db, office.admin, office.contract_id, SMALL_DATE, [second, third], now=SMALL_NOW)

    message = refused.value.message
    assert "출금일 2026-04-15" in message and "아무것도 의뢰하지 않았습니다" in message
    assert "이미 의뢰한 1건 150,000원에 이번 2건 160,000원" in message
    assert "금액 310,000원이 파일 한 개의 한도 300,000원(13자리)" in message
    assert "150,000원까지 더 의뢰할 수 있으니" in message and "다른 출금일로 나누어" in message
    assert "won" in refused.value.english and "2026-04-15" in refused.value.english
    assert isinstance(refused.value, ServiceError)  # the screens and the CLI show it as any refusal
    assert _queued(office.db) == (1, 150_000)  # nothing of the refused request was queued

    done = debits.request(office.db, office.admin, office.contract_id, SMALL_DATE, [second], now=SMALL_NOW)
    assert done.total_amount == 100_000 and _queued(office.db) == (2, 250_000)  # what fits is still taken


def test_a_day_over_the_files_record_count_is_refused_at_request_time(
        office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(debits, "EB21_CAPACITY", debits.FileCapacity(records=2, amount=10**13 - 1))
    ids = _small_office(office, 50_000, 50_000, 50_000)

    with pytest.raises(debits.FileCapacityError, match=r"건수 3건이 파일 한 개의 한도 2건\(8자리\)"):
        debits.request(office.db, office.admin, office.contract_id, SMALL_DATE, ids, now=SMALL_NOW)
    assert _queued(office.db) == (0, 0)

    debits.request(office.db, office.admin, office.contract_id, SMALL_DATE, ids[:2], now=SMALL_NOW)  # exactly full
    with pytest.raises(debits.FileCapacityError, match="이 출금일의 파일은 가득 찼으니 다른 출금일로 나누어 의뢰하세요"):
        debits.request(office.db, office.admin, office.contract_id, SMALL_DATE, ids[2:], now=SMALL_NOW)
    assert _queued(office.db) == (2, 100_000)


def test_the_automatic_request_skips_a_day_the_file_cannot_carry_and_says_why(
        office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.models import Contract

    monkeypatch.setattr(debits, "EB21_CAPACITY", debits.FileCapacity(records=1_000, amount=100_000))
    _small_office(office, 60_000, 60_000)
    with office.db.session() as s:
        contract = s.get(Contract, office.contract_id)
        assert contract is not None
        contract.auto_request = True
        contract.auto_request_lead_minutes = 120

    report = automatic.auto_request_due(office.db, office.contract_id, at(date(2026, 4, 14), 13))

    assert report.outcomes == ()
    assert any("2026-04-15" in line and "120,000원" in line and "다른 출금일로 나누어" in line
               for line in report.skipped), report.skipped
    assert _queued(office.db) == (0, 0)


def test_an_agreement_of_billions_imports_on_both_databases(office: Office, tmp_path: Path) -> None:
    """일괄등록 writes with binary COPY on PostgreSQL, which must send 64-bit values to the BIGINT columns."""
    from app.models import DebitAgreement
    from app.services.common.crypto import DataKey
    from app.services.customers.imports import flow as imports
    from tests.imports.workbooks import as_list, row_values, write_rows

    rows = [as_list(row_values(1, debit_limit=5_000_000_000, monthly_amount=3_000_000_000, discount_rate=0))]
    preview = imports.preview_import(office.db, office.admin, office.contract_id,
                                     write_rows(tmp_path / "big.xlsx", rows), imports.ImportOptions(),
                                     today=date(2026, 3, 10))
    assert preview.valid_count == 1, preview.blocked_reason()
    imports.run_import(office.db, office.admin, preview, DataKey.generate())
    with office.db.session() as s:
        limit, monthly = s.execute(select(DebitAgreement.debit_limit, DebitAgreement.monthly_amount)).one()
    assert (limit, monthly) == (5_000_000_000, 3_000_000_000)
