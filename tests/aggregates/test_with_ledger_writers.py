"""The aggregates read what `app.services.collection.ledger` writes: money moved through its own writers
(charge, request with a carried month, partial debit, failure, cash, reversal) adds up the same in
미납내역집계, 이체의뢰내역집계 and 정산내역현황 as in the ledger's own `balances` and `request_money`."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from app.models import (
    Charge,
    CollectionItem,
    Customer,
    DebitAgreement,
    DebitRequest,
    RequestState,
)
from app.services.aggregates import outstanding as aggregates_outstanding
from app.services.aggregates import requests as aggregates_requests
from app.services.aggregates import settlement
from app.services.aggregates.common import GroupBy
from app.services.collection import ledger
from app.services.collection.ledger import LineSpec
from app.services.common.periods import Period
from tests.factories import Office

BY = "tester"
RESULT = datetime(2026, 11, 6, 2, 0, tzinfo=UTC)


def _agreement(office: Office) -> DebitAgreement:
    with office.db.session() as s:
        item = s.scalars(select(CollectionItem).where(CollectionItem.contract_id == office.contract_id)).first()
        assert item is not None
        customer = Customer(contract_id=office.contract_id, customer_no="L001", name="원장검증", grade="중1")
        s.add(customer)
        s.flush()
        agreement = DebitAgreement(customer_id=customer.id, item_id=item.id, debit_limit=1_000_000,
                                   monthly_amount=200_000, discount_rate=10, discount_amount=20_000,
                                   first_month="2026-10", debit_day=5, bank_code="088", account_no_enc=b"x",
                                   account_no_hash="h", account_last4="4321", holder_name="원장", holder_id="700101")
        s.add(agreement)
        s.flush()
        return agreement


def _charge(office: Office, agreement: DebitAgreement, period: str) -> Charge:
    with office.db.session() as s:
        charge = Charge(contract_id=office.contract_id, agreement_id=agreement.id, period=period, amount=200_000,
                        discount=20_000)
        s.add(charge)
        s.flush()
        ledger.post_charges(s, office.contract_id, [(charge.id, 200_000, 20_000)],
                            date(int(period[:4]), int(period[5:]), 1), BY)
        return charge


def _request(office: Office, agreement: DebitAgreement, lines: list[LineSpec], day: date, period: str) -> int:
    with office.db.session() as s:
        request = DebitRequest(contract_id=office.contract_id, agreement_id=agreement.id, debit_date=day,
                               amount=sum(line.amount for line in lines), bank_code=agreement.bank_code,
                               state=RequestState.WAITING)
        s.add(request)
        s.flush()
        ledger.add_lines(s, [(request, lines, period)], day.replace(day=1), BY)
        request.state = RequestState.SENT
        return request.id


def test_aggregates_agree_with_the_ledger_module(office: Office) -> None:
    agreement = _agreement(office)
    october = _charge(office, agreement, "2026-10")
    first = _request(office, agreement, [LineSpec(october.id, "2026-10", 180_000)], date(2026, 10, 6), "2026-10")
    with office.db.session() as s:
        ledger.apply_debit_outcome(s, first, 100_000, "0021", RESULT)  # 부분출금: 80,000 left on October
    november = _charge(office, agreement, "2026-11")
    second = _request(office, agreement, [LineSpec(november.id, "2026-11", 180_000),
                                          LineSpec(october.id, "2026-10", 80_000)], date(2026, 11, 5), "2026-11")
    with office.db.session() as s:
        ledger.apply_debit_outcome(s, second, 80_000, "0021", RESULT)  # pays October (oldest first) only
    with office.db.session() as s:
        charge = s.get(Charge, november.id)
        assert charge is not None
        payment = ledger.post_cash(s, charge, 50_000, date(2026, 11, 10), BY)
    with office.db.session() as s:
        ledger.post_reversal(s, payment, "착오", date(2026, 11, 12), BY)
    with office.db.session() as s:
        ledger.post_cash(s, s.get(Charge, november.id), 30_000, date(2026, 11, 13), BY)  # type: ignore[arg-type]

    period = Period(date(2026, 10, 1), date(2026, 11, 27))
    with office.db.session() as s:
        balances = ledger.balances(s, [october.id, november.id])
        money = ledger.request_money(s, [first, second])
    unpaid = aggregates_outstanding.summarise(office.db, office.admin, office.contract_id, period, GroupBy.GRADE)
    assert unpaid.total.unpaid_amount == sum(b.outstanding for b in balances.values()) == 150_000
    assert unpaid.total.received_amount == sum(b.debited + b.cash_net for b in balances.values())
    rows = aggregates_outstanding.details(office.db, office.admin, office.contract_id, period, GroupBy.GRADE, "중1")
    assert [(r.period, r.unpaid_amount) for r in rows] == [("2026-11", 150_000)]

    requests = aggregates_requests.summarise(office.db, office.admin, office.contract_id, period, GroupBy.BANK)
    assert requests.total.requested_amount == sum(m.requested for m in money.values()) == 440_000
    assert requests.total.debited_amount == sum(m.debited for m in money.values()) == 180_000
    assert requests.total.failed_amount == sum(m.failed for m in money.values()) == 260_000
    assert (requests.total.debited_count, requests.total.failed_count) == (2, 2)

    result = settlement.settle(office.db, office.admin, office.contract_id, period,
                               now=datetime(2026, 11, 27, 1, 0, tzinfo=UTC))
    assert result.consistent, result.issues
    assert result.total.debited_amount == 180_000 and result.total.debit_fee == 2 * 300
