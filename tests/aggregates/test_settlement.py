"""정산내역현황: fees as contracted, D+2 settlement dates, and a clear line when something does not add up."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

from sqlalchemy import select, update

from app.models import (
    DebitRequest,
    LedgerEntry,
    LedgerKind,
    RegistrationState,
    RequestState,
)
from app.services.aggregates import settlement
from app.services.common.calendar import BusinessCalendar
from app.services.common.periods import Period
from app.services.exchange.cms.banks import bank_name
from tests.aggregates.conftest import Ledger
from tests.aggregates.seed import NOW, Seeded
from tests.factories import Office

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 27))


def test_october_settles_cleanly_with_the_contracted_fees(seeded: tuple[Office, Seeded], ledger: Ledger) -> None:
    office, _ = seeded
    result = settlement.settle(office.db, office.admin, office.contract_id, OCTOBER, now=NOW)
    assert result.consistent, result.issues
    money = ledger.request_money()
    expected: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in ledger.requests.values():
        if OCTOBER.start <= r.debit_date <= OCTOBER.end and r.state is not RequestState.WITHDRAWN:
            debited = money[r.id][LedgerKind.DEBIT]
            expected[(r.debit_date, bank_name(r.bank_code))][0] += 1 if debited else 0
            expected[(r.debit_date, bank_name(r.bank_code))][1] += debited
    assert {(r.debit_date, r.bank): [r.debited_count, r.debited_amount] for r in result.rows} == dict(expected)
    calendar = BusinessCalendar()
    for row in result.rows:
        assert row.fee_per_debit == 300 and row.debit_fee == row.debited_count * 300
        assert row.net_amount == row.debited_amount - row.debit_fee
        assert row.settlement_date == calendar.add_business_days(row.debit_date, 2)
    assert {r.settlement_date for r in result.rows} >= {date(2026, 10, 8), date(2026, 10, 28)}
    assert result.registration_fees == ()
    assert result.net_total == result.total.debited_amount - result.total.debit_fee
    assert result.total.debited_amount == sum(
        e.amount for e in ledger.entries if e.kind is LedgerKind.DEBIT
        and OCTOBER.start <= ledger.requests[e.debit_request_id].debit_date <= OCTOBER.end)


def test_november_flags_requests_past_their_result_time(seeded: tuple[Office, Seeded], ledger: Ledger) -> None:
    office, _ = seeded
    result = settlement.settle(office.db, office.admin, office.contract_id, NOVEMBER, now=NOW)
    late = [i for i in result.issues if "결과 시각" in i.message]
    assert late and all(i.debit_date == date(2026, 11, 25) for i in late)
    assert "11-26 11:00" in late[0].message and "이체의뢰대기·이체의뢰중" in late[0].message
    pending = sum(1 for r in ledger.requests.values()
                  if r.state in (RequestState.WAITING, RequestState.SENT))
    assert sum(int(re.search(r"([\d,]+)건", i.message).group(1).replace(",", "")) for i in late) == pending  # type: ignore[union-attr]
    done = sum(1 for r in _registrations(office) if r == RegistrationState.DONE)
    assert sum(f.done_count for f in result.registration_fees) == done
    assert result.registration_fee_total == done * 200
    assert result.net_total == result.total.debited_amount - result.total.debit_fee - done * 200
    before_results = settlement.settle(office.db, office.admin, office.contract_id, NOVEMBER,
                                       now=NOW.replace(day=25))
    assert not [i for i in before_results.issues if "결과 시각" in i.message]


def _registrations(office: Office) -> list[RegistrationState]:
    from app.models import AccountRegistration

    with office.db.session() as s:
        return list(s.scalars(select(AccountRegistration.state).where(
            AccountRegistration.requested_on >= NOVEMBER.start, AccountRegistration.requested_on <= NOVEMBER.end)))


def test_a_ledger_that_disagrees_with_the_results_is_named(seeded: tuple[Office, Seeded]) -> None:
    office, _ = seeded
    with office.db.session() as s:
        entry = s.scalars(select(LedgerEntry).join(DebitRequest, DebitRequest.id == LedgerEntry.debit_request_id)
                          .where(LedgerEntry.kind == LedgerKind.DEBIT, DebitRequest.debit_date == date(2026, 10, 6))
                          .order_by(LedgerEntry.id)).first()
        assert entry is not None
        bank = bank_name(s.get(DebitRequest, entry.debit_request_id).bank_code)  # type: ignore[union-attr]
        s.execute(update(LedgerEntry).where(LedgerEntry.id == entry.id).values(amount=entry.amount - 1000))
    result = settlement.settle(office.db, office.admin, office.contract_id, OCTOBER, now=NOW)
    assert not result.consistent
    messages = [(i.debit_date, i.bank, i.message) for i in result.issues]
    assert any(d == date(2026, 10, 6) and b == bank and "원장의 출금액" in m for d, b, m in messages)
    assert any("출금·불능 합계" in m for _, _, m in messages)
    assert "케이에스넷 고객센터로 전화문의" in settlement.CALL_AGENCY


def test_fees_larger_than_the_debit_are_flagged(seeded: tuple[Office, Seeded]) -> None:
    office, _ = seeded
    from app.models import Contract

    with office.db.session() as s:
        s.execute(update(Contract).where(Contract.id == office.contract_id).values(fee_per_debit=400_000))
    result = settlement.settle(office.db, office.admin, office.contract_id, OCTOBER, now=NOW)
    assert any("정산액이 음수" in i.message for i in result.issues)


def test_an_empty_period_settles_nothing(seeded: tuple[Office, Seeded]) -> None:
    office, _ = seeded
    result = settlement.settle(office.db, office.admin, office.contract_id, Period(date(2025, 1, 1),
                                                                                   date(2025, 1, 31)), now=NOW)
    assert result.rows == () and result.issues == () and result.net_total == 0 and result.fee_total == 0
