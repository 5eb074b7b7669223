"""Each aggregate's figures against the ledger summed in Python, drill-downs against their group, empty periods."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest

from app.models import LedgerKind, RegistrationState, RequestState
from app.services.aggregates import discounts as aggregates_discounts
from app.services.aggregates import outstanding as aggregates_outstanding
from app.services.aggregates import overview as aggregates_overview
from app.services.aggregates import registrations as aggregates_registrations
from app.services.aggregates import requests as aggregates_requests
from app.services.aggregates.common import GroupBy, rate_text
from app.services.common.calendar import BusinessCalendar
from app.services.common.errors import NotFoundError, ServiceError
from app.services.common.periods import Period, default_period
from app.services.common.session import Actor
from app.services.exchange.cms.banks import bank_name
from tests.aggregates.conftest import Ledger
from tests.aggregates.seed import TODAY, Seeded
from tests.factories import Office

QUARTER = Period(date(2026, 9, 1), date(2026, 11, 27))
EMPTY = Period(date(2025, 1, 1), date(2025, 1, 31))


def _key(ledger: Ledger, group_by: GroupBy, request_or_agreement_id: int, *, bank: str) -> str:
    if group_by is GroupBy.ITEM:
        return ledger.item_of_agreement(request_or_agreement_id)
    if group_by is GroupBy.GRADE:
        return ledger.grade_of_agreement(request_or_agreement_id) or "(등급 없음)"
    return bank_name(bank)


def test_default_period_is_the_first_of_the_month_to_today() -> None:
    assert default_period(TODAY) == Period(date(2026, 11, 1), date(2026, 11, 27))
    with pytest.raises(ServiceError, match="시작일이 종료일보다 늦습니다"):
        Period(date(2026, 11, 2), date(2026, 11, 1))


@pytest.mark.parametrize("group_by", list(GroupBy))
def test_requests_agree_with_the_ledger(seeded: tuple[Office, Seeded], ledger: Ledger, group_by: GroupBy) -> None:
    office, data = seeded
    summary = aggregates_requests.summarise(office.db, office.admin, office.contract_id, QUARTER, group_by)
    money = ledger.request_money()
    expected: dict[str, list[int]] = defaultdict(lambda: [0] * 8)
    for request in ledger.requests.values():
        if request.state is RequestState.WITHDRAWN:
            assert not money.get(request.id), "a withdrawn request keeps no REQUEST entries"
            continue
        e = expected[_key(ledger, group_by, request.agreement_id, bank=request.bank_code)]
        m = money[request.id]
        e[0] += 1
        e[1] += m[LedgerKind.REQUEST]
        e[2] += 1 if m[LedgerKind.DEBIT] else 0
        e[3] += m[LedgerKind.DEBIT]
        e[4] += 1 if m[LedgerKind.FAIL] else 0
        e[5] += m[LedgerKind.FAIL]
        pending = request.state in (RequestState.WAITING, RequestState.SENT)
        e[6] += 1 if pending else 0
        e[7] += m[LedgerKind.REQUEST] if pending else 0
    got = {r.label: [r.requested_count, r.requested_amount, r.debited_count, r.debited_amount, r.failed_count,
                     r.failed_amount, r.pending_count, r.pending_amount] for r in summary.rows}
    assert got == dict(expected)
    assert summary.total.requested_count == len(data.requests)
    assert summary.total.requested_amount == (
        summary.total.debited_amount + summary.total.failed_amount + summary.total.pending_amount)
    assert summary.total.requested_amount == sum(m[LedgerKind.REQUEST] for m in money.values())


@pytest.mark.parametrize("group_by", list(GroupBy))
def test_request_drill_down_sums_to_its_group(seeded: tuple[Office, Seeded], group_by: GroupBy) -> None:
    office, _ = seeded
    summary = aggregates_requests.summarise(office.db, office.admin, office.contract_id, QUARTER, group_by)
    assert len(summary.rows) >= 3
    for group in summary.rows:
        rows = aggregates_requests.details(office.db, office.admin, office.contract_id, QUARTER, group_by, group.key)
        assert len(rows) == group.requested_count
        assert sum(r.amount for r in rows) == group.requested_amount
        assert sum(r.debited_amount for r in rows) == group.debited_amount
        assert sum(r.failed_amount for r in rows) == group.failed_amount
        assert all(r.account.startswith("****") and len(r.account) == 8 for r in rows)
    first = summary.rows[0]
    paged = aggregates_requests.details(office.db, office.admin, office.contract_id, QUARTER, group_by, first.key,
                                        offset=2, limit=3)
    whole = aggregates_requests.details(office.db, office.admin, office.contract_id, QUARTER, group_by, first.key)
    assert paged == whole[2:5]


def test_failed_requests_carry_their_reason(seeded: tuple[Office, Seeded]) -> None:
    office, _ = seeded
    rows = [r for g in aggregates_requests.summarise(office.db, office.admin, office.contract_id, QUARTER,
                                                     GroupBy.BANK).rows
            for r in aggregates_requests.details(office.db, office.admin, office.contract_id, QUARTER, GroupBy.BANK,
                                                 g.key)]
    failed = [r for r in rows if r.state in ("이체처리미완료", "부분출금")]
    assert failed and all(r.reason in ("잔액부족", "계좌해지", "예금주 불일치") for r in failed)


@pytest.mark.parametrize("group_by", list(GroupBy))
@pytest.mark.parametrize("period", [QUARTER, Period(date(2026, 10, 1), date(2026, 10, 21))])
def test_outstanding_agrees_with_the_ledger(seeded: tuple[Office, Seeded], ledger: Ledger, group_by: GroupBy,
                                            period: Period) -> None:
    """미납 is what is left of a charge whose debit failed or whose debit date passed, never one still
    queued or in flight (10-21: the 차량비 of the 26th is asked, not unpaid; 11-27: the 25th's requests
    sent and awaiting their result are not unpaid, the ones never sent are)."""
    office, _ = seeded
    summary = aggregates_outstanding.summarise(office.db, office.admin, office.contract_id, period, group_by,
                                               today=TODAY)
    expected: dict[str, list[int]] = defaultdict(lambda: [0] * 5)
    calendar = BusinessCalendar()
    for charge_id, (owed, received) in ledger.outstanding(period.start, period.end).items():
        charge = ledger.charges[charge_id]
        agreement = ledger.agreements[charge.agreement_id]
        e = expected[_key(ledger, group_by, agreement.id, bank=agreement.bank_code)]
        unpaid = ledger.unpaid(charge_id, owed - received, period.end, calendar)
        e[0] += 1
        e[1] += owed
        e[2] += received
        e[3] += 1 if unpaid else 0
        e[4] += owed - received if unpaid else 0
    got = {r.label: [r.charge_count, r.owed_amount, r.received_amount, r.unpaid_count, r.unpaid_amount]
           for r in summary.rows}
    assert got == dict(expected)
    assert summary.total.unpaid_amount > 0
    for group in summary.rows:
        rows = aggregates_outstanding.details(office.db, office.admin, office.contract_id, period, group_by, group.key,
                                              today=TODAY)
        assert len(rows) == group.unpaid_count
        assert sum(r.unpaid_amount for r in rows) == group.unpaid_amount
        assert all(r.unpaid_amount == r.owed_amount - r.received_amount > 0 for r in rows)


def test_outstanding_is_as_of_the_period_end(seeded: tuple[Office, Seeded]) -> None:
    """The October cash received on 10-20 and reversed on 10-22: unpaid again after the reversal."""
    office, _ = seeded
    before = aggregates_outstanding.summarise(office.db, office.admin, office.contract_id,
                                              Period(date(2026, 10, 1), date(2026, 10, 21)), GroupBy.ITEM)
    after = aggregates_outstanding.summarise(office.db, office.admin, office.contract_id,
                                             Period(date(2026, 10, 1), date(2026, 10, 31)), GroupBy.ITEM)
    assert after.total.owed_amount == before.total.owed_amount
    assert after.total.received_amount < before.total.received_amount
    assert after.total.unpaid_amount > before.total.unpaid_amount


def test_discounts_by_month_and_item_agree_with_the_ledger(seeded: tuple[Office, Seeded], ledger: Ledger) -> None:
    office, _ = seeded
    expected: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for e in ledger.entries:
        if e.kind is LedgerKind.DISCOUNT:
            charge = ledger.charges[e.charge_id]
            row = expected[(charge.period, ledger.item_of_agreement(charge.agreement_id))]
            row[0] += 1
            row[1] += charge.amount
            row[2] += e.amount
    by_item = aggregates_discounts.summarise(office.db, office.admin, office.contract_id, QUARTER, by_item=True)
    assert {(r.period, r.item): [r.discounted_count, r.charged_amount, r.discount_amount] for r in by_item.rows} == \
        dict(expected)
    by_month = aggregates_discounts.summarise(office.db, office.admin, office.contract_id, QUARTER)
    assert [r.period for r in by_month.rows] == ["2026-09", "2026-10", "2026-11"]
    assert by_month.total == by_item.total
    assert by_month.total.discount_amount == sum(e.amount for e in ledger.entries if e.kind is LedgerKind.DISCOUNT)
    for row in by_month.rows:
        rows = aggregates_discounts.details(office.db, office.admin, office.contract_id, QUARTER, row.period)
        assert len(rows) == row.discounted_count
        assert sum(r.discount_amount for r in rows) == row.discount_amount
        assert {r.rate_text for r in rows} == {"10%", "5%"}
    october = by_month.rows[1]
    assert by_item.month_subtotals()["2026-10"] == aggregates_discounts.DiscountFigures(
        october.discounted_count, october.charged_amount, october.discount_amount)


def test_registrations_by_bank_and_state(seeded: tuple[Office, Seeded]) -> None:
    office, data = seeded
    november = Period(date(2026, 11, 1), date(2026, 11, 27))
    summary = aggregates_registrations.summarise(office.db, office.admin, office.contract_id, november)
    assert summary.total.total_count == sum(
        getattr(summary.total, name) for name in aggregates_registrations.STATE_COLUMNS)
    assert summary.total.total_count > 5
    for row in summary.rows:
        rows = aggregates_registrations.details(office.db, office.admin, office.contract_id, november, row.bank_code)
        assert len(rows) == row.total_count and {r.bank for r in rows} == {row.bank}
        failed = aggregates_registrations.details(office.db, office.admin, office.contract_id, november, row.bank_code,
                                                  state=RegistrationState.FAILED)
        assert len(failed) == row.failed_count
        assert all(r.reason == "계좌번호 오류" for r in failed)
    august = aggregates_registrations.summarise(office.db, office.admin, office.contract_id,
                                                Period(date(2026, 8, 1), date(2026, 8, 31)))
    assert august.total.done_count == august.total.total_count == data.agreements


def test_requests_by_bank_and_state(seeded: tuple[Office, Seeded]) -> None:
    office, _ = seeded
    status = aggregates_requests.bank_status(office.db, office.admin, office.contract_id, QUARTER)
    by_group = aggregates_requests.summarise(office.db, office.admin, office.contract_id, QUARTER, GroupBy.BANK)
    assert {r.bank for r in status.rows} == {r.label for r in by_group.rows}
    assert status.total.requested_amount == by_group.total.requested_amount
    assert status.total.debited_amount == by_group.total.debited_amount
    for row in status.rows:
        assert row.requested_count == sum(getattr(row, n) for n in aggregates_requests.STATE_COLUMNS)
        sent = aggregates_requests.details(office.db, office.admin, office.contract_id, QUARTER, GroupBy.BANK,
                                           row.bank_code, state=RequestState.SENT)
        assert len(sent) == row.sent_count


def test_empty_period_has_no_rows_and_zero_totals(seeded: tuple[Office, Seeded]) -> None:
    office, _ = seeded
    db, actor, cid = office.db, office.admin, office.contract_id
    for group_by in GroupBy:
        summary = aggregates_requests.summarise(db, actor, cid, EMPTY, group_by)
        assert summary.rows == () and summary.total == aggregates_requests.RequestFigures()
        outstanding = aggregates_outstanding.summarise(db, actor, cid, EMPTY, group_by)
        assert outstanding.rows == () and outstanding.total.unpaid_amount == 0
    assert aggregates_discounts.summarise(db, actor, cid, EMPTY).rows == ()
    assert aggregates_registrations.summarise(db, actor, cid, EMPTY).total.total_count == 0
    assert aggregates_requests.bank_status(db, actor, cid, EMPTY).rows == ()
    assert aggregates_requests.details(db, actor, cid, EMPTY, GroupBy.BANK, "088") == []


def test_overview_rates_items_and_reasons(seeded: tuple[Office, Seeded], ledger: Ledger) -> None:
    office, _ = seeded
    view = aggregates_overview.overview(office.db, office.admin, office.contract_id, QUARTER)
    assert [m.month for m in view.months][-3:] == ["2026-09", "2026-10", "2026-11"]
    assert len(view.months) == 12 and view.months[0].month == "2025-12"
    money = ledger.request_money()
    october = [r for r in ledger.requests.values() if r.debit_date.month == 10
               and r.state in (RequestState.DONE, RequestState.PARTIAL, RequestState.FAILED)]
    expected = sum(money[r.id][LedgerKind.DEBIT] for r in october)
    assert view.months[-2].debited_amount == expected
    assert view.months[-2].requested_amount == sum(money[r.id][LedgerKind.REQUEST] for r in october)
    assert 0 < view.months[-2].rate_bp < 10000 and rate_text(9753) == "97.53%"
    assert {i.item for i in view.items} == {"수강료", "교재비", "차량비"}
    assert {r.reason for r in view.reasons} <= {"잔액부족", "계좌해지", "예금주 불일치"}
    assert sum(r.count for r in view.reasons) == sum(
        1 for r in ledger.requests.values() if r.state in (RequestState.FAILED, RequestState.PARTIAL))


def test_another_institutions_contract_is_refused(seeded: tuple[Office, Seeded]) -> None:
    office, _ = seeded
    stranger = Actor(None, office.institution_id + 99, "x", "x", office.admin.role)
    with pytest.raises(NotFoundError):
        aggregates_requests.summarise(office.db, stranger, office.contract_id, QUARTER, GroupBy.ITEM)
