"""연체료 청구 on the autumn story, against hand computations written as literals.

Policy 일 0.05 % (500 ppm), 유예 5일 (tests/late_fees/helpers.daily_policy). The due days: September
09-28 (grace to 10-03), October 10-26 (grace to 10-31), November 11-25 (grace to 11-30).

* As of 11-15: 이바다 09월 180,000 × 0.0005 × 43일 = 3,870, 10월 × 15일 = 1,350 → 5,220;
  최들녘 09월 210,000 × 43일 = 4,515, 10월 110,000 × 15일 = 825 → 5,340.
* As of 11-30: 이바다 5,220 + 2,700 = 7,920; 최들녘 6,090 + 1,650 = 7,740 (11월 still in its grace).
* As of 12-10: 이바다 09월 68일 = 6,120, 10월 40일 = 3,600 → 9,720; 최들녘 09월 7,140, 10월 2,200,
  11월 210,000 × 10일 = 1,050 → 10,390.

December's debit day 25 is 성탄절 and 26–27 a weekend: the 연체료 goes out on Monday 2026-12-28 with
the households' 관리비.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.models import (
    AccountRegistration,
    AgreementStatus,
    Charge,
    CollectionItem,
    DebitAgreement,
    DebitRequest,
    LateFeeBill,
    LedgerEntry,
    LedgerKind,
    MonthClose,
)
from app.services.aggregates import outstanding
from app.services.aggregates.common import GroupBy
from app.services.collection import late_fee_billing, late_fee_list, late_fees, ledger
from app.services.collection import requests as debits
from app.services.collection.late_fees import LATE_FEE_ITEM_CODE
from app.services.common.calendar import BusinessCalendar
from app.services.common.contract_calendar import contract_calendar
from app.services.common.errors import MonthClosedError, PermissionDeniedError, ServiceError
from app.services.common.periods import Period
from app.services.common.session import Actor
from tests.apartment.complex import FAILED, FULL, Complex
from tests.collection.helpers import check_invariants, mark_sent
from tests.late_fees.helpers import AS_OF, CHOI, KIM, LEE, NOW, audits, customer, daily_policy, moment, race

DECEMBER_DEBIT = date(2026, 12, 28)


def _bill(place: Complex, nos: list[str], as_of: date = AS_OF, period: str | None = "2026-12",
          now=NOW) -> late_fee_billing.BillingOutcome:  # type: ignore[no-untyped-def]
    return late_fee_billing.bill(place.db, place.clerk, place.contract_id, as_of, period,
                                 [customer(place, no) for no in nos], now)


def _late_agreement(place: Complex, no: str) -> DebitAgreement:
    with place.db.session() as s:
        found = s.scalar(select(DebitAgreement).join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
                         .where(DebitAgreement.customer_id == customer(place, no),
                                CollectionItem.code == LATE_FEE_ITEM_CODE))
        assert found is not None
        s.expunge(found)
        return found


def _late_charges(place: Complex) -> dict[tuple[str, str], int]:
    """(customer no, period) → amount of every 연체료 charge."""
    names = {p.customer_id: no for no, p in place.households.items()}
    with place.db.session() as s:
        rows = s.execute(select(DebitAgreement.customer_id, Charge.period, Charge.amount)
                         .join(DebitAgreement, DebitAgreement.id == Charge.agreement_id)
                         .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
                         .where(CollectionItem.code == LATE_FEE_ITEM_CODE)).all()
    return {(names[c], p): a for c, p, a in rows}


def _charge_entries(place: Complex, charge_id: int) -> list[int]:
    with place.db.session() as s:
        return list(s.scalars(select(LedgerEntry.amount).where(LedgerEntry.charge_id == charge_id,
                                                               LedgerEntry.kind == LedgerKind.CHARGE)
                              .order_by(LedgerEntry.id)))


def _bills(place: Complex) -> list[tuple[str, str, int, date]]:
    """(customer no, late charge's period, amount, as of) of every LateFeeBill."""
    names = {p.customer_id: no for no, p in place.households.items()}
    with place.db.session() as s:
        rows = s.execute(select(LateFeeBill.customer_id, Charge.period, LateFeeBill.amount, LateFeeBill.as_of)
                         .join(Charge, Charge.id == LateFeeBill.charge_id).order_by(LateFeeBill.id)).all()
    return [(names[c], p, a, d) for c, p, a, d in rows]


def _calendar(place: Complex) -> BusinessCalendar:
    with place.db.session() as s:
        return contract_calendar(s, place.contract_id, False)


def test_preview_shows_what_would_be_billed_and_writes_nothing(autumn: Complex) -> None:
    daily_policy(autumn)
    seen = late_fee_billing.preview(autumn.db, autumn.clerk, autumn.contract_id, AS_OF, None, today=NOW.date())
    assert (seen.period, seen.total) == ("2026-12", 15_660)
    assert [(h.customer_name, h.amount, h.debit_on, h.adds_to, h.problem) for h in seen.households] == [
        ("이바다", 7_920, DECEMBER_DEBIT, 0, None), ("최들녘", 7_740, DECEMBER_DEBIT, 0, None)]
    assert [(line.period, line.item_name, line.units_text, line.billable) for line in seen.households[0].lines] == [
        ("2026-09", "관리비", "58일", 5_220), ("2026-10", "관리비", "30일", 2_700)]
    assert _late_charges(autumn) == {} and _bills(autumn) == []


def test_billing_makes_an_item_an_agreement_and_a_charge_per_household(autumn: Complex) -> None:
    daily_policy(autumn)
    done = _bill(autumn, [LEE, CHOI])
    assert done.message == ("2026-11-30까지의 연체료 2세대 15,660원을 2026년 12월 '연체료' 청구로 만들었습니다. "
                            "출금일 2026-12-28의 이체의뢰 목록에 관리비와 함께 나옵니다.")
    assert (done.households, done.amount) == (2, 15_660)
    with autumn.db.session() as s:
        item = s.scalar(select(CollectionItem).where(CollectionItem.code == LATE_FEE_ITEM_CODE))
        assert item is not None
        assert (item.name, item.collection_days, item.from_catalogue, item.active) == ("연체료", "25", False, True)
        mgmt = s.get(DebitAgreement, autumn.households[LEE].agreement_id)
        assert mgmt is not None
        account = (mgmt.bank_code, mgmt.account_no_hash, mgmt.account_last4, mgmt.holder_name, mgmt.holder_id)
    late = _late_agreement(autumn, LEE)
    assert (late.bank_code, late.account_no_hash, late.account_last4, late.holder_name, late.holder_id) == account
    assert (late.debit_day, late.monthly_amount, late.debit_limit, late.first_month, late.last_month, late.status) == (
        25, 7_920, 7_920, "2026-12", "2026-12", AgreementStatus.ACTIVE)
    assert _late_charges(autumn) == {(LEE, "2026-12"): 7_920, (CHOI, "2026-12"): 7_740}
    assert _bills(autumn) == [(LEE, "2026-09", 5_220, AS_OF), (LEE, "2026-10", 2_700, AS_OF),
                              (CHOI, "2026-09", 6_090, AS_OF), (CHOI, "2026-10", 1_650, AS_OF)]
    assert _charge_entries(autumn, done.charge_ids[0]) == [7_920]
    check_invariants(autumn.db)
    # Billed fees are not billable again; the list shows them as 청구됨.
    fees = late_fee_list.household_rows(autumn.db, autumn.clerk, autumn.contract_id, AS_OF)
    assert [(r.customer_name, r.fee, r.billed, r.billable) for r in fees.rows] == [
        ("이바다", 7_920, 7_920, 0), ("최들녘", 7_740, 7_740, 0)]
    assert late_fee_billing.preview(autumn.db, autumn.clerk, autumn.contract_id, AS_OF, None).households == ()
    [(login, detail)] = audits(autumn, "late_fees_billed")
    assert (login, detail["period"], detail["households"], detail["amount"], detail["late_charges"]) == (
        "clerk1", "2026-12", 2, 15_660, 4)
    assert [d["collection_days"] for _l, d in audits(autumn, "item_created")] == ["25"]


def test_a_later_billing_adds_only_the_increase(autumn: Complex) -> None:
    daily_policy(autumn)
    first = _bill(autumn, [LEE, CHOI], as_of=date(2026, 11, 15))
    assert first.amount == 5_220 + 5_340
    assert _late_charges(autumn) == {(LEE, "2026-12"): 5_220, (CHOI, "2026-12"): 5_340}
    seen = late_fee_billing.preview(autumn.db, autumn.clerk, autumn.contract_id, AS_OF, "2026-12")
    assert [(h.customer_name, h.amount, h.adds_to) for h in seen.households] == [
        ("이바다", 2_700, 5_220), ("최들녘", 2_400, 5_340)]
    _bill(autumn, [LEE, CHOI])
    # The December charge is the same one, grown; a CHARGE entry for each part keeps CHARGE = amount.
    assert _late_charges(autumn) == {(LEE, "2026-12"): 7_920, (CHOI, "2026-12"): 7_740}
    assert _charge_entries(autumn, first.charge_ids[0]) == [5_220, 2_700]
    assert _late_agreement(autumn, LEE).monthly_amount == 7_920
    assert [b for b in _bills(autumn) if b[0] == LEE] == [
        (LEE, "2026-09", 3_870, date(2026, 11, 15)), (LEE, "2026-10", 1_350, date(2026, 11, 15)),
        (LEE, "2026-09", 1_350, AS_OF), (LEE, "2026-10", 1_350, AS_OF)]
    check_invariants(autumn.db)


def test_all_or_nothing(autumn: Complex) -> None:
    daily_policy(autumn)
    with pytest.raises(ServiceError) as refused:
        _bill(autumn, [LEE, KIM])
    assert refused.value.message == ("청구할 수 없는 세대가 있어 아무것도 청구하지 않았습니다: 김하늘(1011001): 청구할 "
                                     "연체료가 없습니다 (이미 청구했거나 감면되었거나 연체료가 없습니다)")
    with autumn.db.session() as s:
        agreement = s.get(DebitAgreement, autumn.households[CHOI].agreement_id)
        assert agreement is not None
        agreement.status, agreement.ended_on = AgreementStatus.ENDED, date(2026, 11, 30)
    seen = late_fee_billing.preview(autumn.db, autumn.clerk, autumn.contract_id, AS_OF, None)
    assert [(h.customer_name, h.problem) for h in seen.blocked] == [
        ("최들녘", "연체된 청구의 이체정보(관리비)가 해지되어 연체료를 자동이체로 청구할 수 없습니다")]
    assert seen.total == 7_920
    with pytest.raises(ServiceError, match="최들녘\\(1022002\\): 연체된 청구의 이체정보"):
        _bill(autumn, [LEE, CHOI])
    with autumn.db.session() as s:
        assert s.scalar(select(func.count()).select_from(CollectionItem)
                        .where(CollectionItem.code == LATE_FEE_ITEM_CODE)) == 0
    assert _bills(autumn) == [] and audits(autumn, "late_fees_billed") == []
    check_invariants(autumn.db)


def test_a_fee_under_what_a_bank_debits_is_not_billed(autumn: Complex) -> None:
    daily_policy(autumn, rate_ppm=5)  # 0.0005 %/일: 이바다 52 + 27 = 79원
    seen = late_fee_billing.preview(autumn.db, autumn.clerk, autumn.contract_id, AS_OF, None)
    assert (seen.households[0].customer_name, seen.households[0].amount, seen.households[0].problem) == (
        "이바다", 79, "연체료 79원은 은행이 출금하는 최소 금액(140원)보다 적습니다. 연체료가 더 쌓인 뒤 청구하세요")


def test_dates_and_periods_billing_refuses(autumn: Complex, viewer: Actor) -> None:
    daily_policy(autumn)
    with pytest.raises(PermissionDeniedError):
        late_fee_billing.bill(autumn.db, viewer, autumn.contract_id, AS_OF, None, [customer(autumn, LEE)], NOW)
    with pytest.raises(ServiceError, match="다음 달부터 고를 수 있습니다 \\(기본: 2026-12\\)"):
        _bill(autumn, [LEE], period="2026-11")
    with pytest.raises(ServiceError, match="YYYY-MM"):
        _bill(autumn, [LEE], period="2026-13")
    with pytest.raises(ServiceError, match="오늘\\(2026-12-01\\) 뒤입니다"):
        _bill(autumn, [LEE], as_of=date(2026, 12, 2), period="2027-01")
    with pytest.raises(ServiceError, match=r"지난 달입니다\. 이번 달\(2027-02\) 이후로"):
        _bill(autumn, [LEE], period="2026-12", now=moment(date(2027, 2, 1)))
    with pytest.raises(ServiceError, match="세대를 선택하세요"):
        _bill(autumn, [])


def test_a_closed_month_is_not_billed_into(autumn: Complex) -> None:
    daily_policy(autumn)
    with autumn.db.session() as s:
        s.add(MonthClose(contract_id=autumn.contract_id, period="2026-12", closed_by="admin", figures="{}"))
    with pytest.raises(MonthClosedError, match="2026년 12월은 마감되었습니다"):
        late_fee_billing.preview(autumn.db, autumn.clerk, autumn.contract_id, AS_OF, None)
    with pytest.raises(MonthClosedError, match="2026년 12월은 마감되었습니다"):
        _bill(autumn, [LEE])
    assert _bills(autumn) == []


def test_the_billed_charge_goes_out_with_the_next_request_and_is_unpaid_when_it_fails(autumn: Complex) -> None:
    daily_policy(autumn)
    _bill(autumn, [LEE, CHOI])
    late = _late_agreement(autumn, LEE)
    with autumn.db.session() as s:  # no registration of its own: it stands on the 관리비 agreement's
        assert s.scalar(select(func.count()).select_from(AccountRegistration)
                        .where(AccountRegistration.agreement_id == late.id)) == 0
    listed = debits.list_due(autumn.db, autumn.admin, autumn.contract_id, DECEMBER_DEBIT, now=moment(date(2026, 12, 22)))
    row = next(r for r in listed.rows if r.agreement_id == late.id)
    assert (row.item_name, row.request_amount, row.reason) == ("연체료", 7_920, None)
    # The 관리비 of all four and the two 연체료, in one request of the date.
    lee_late, choi_late = late.id, _late_agreement(autumn, CHOI).id
    mgmt = [p.agreement_id for p in autumn.households.values()]
    out = debits.request(autumn.db, autumn.admin, autumn.contract_id, DECEMBER_DEBIT, [*mgmt, lee_late, choi_late],
                         now=moment(date(2026, 12, 22), 9))
    assert out.count == 6 and out.total_amount == 250_000 + 180_000 + 320_000 + 210_000 + 7_920 + 7_740
    mark_sent(autumn.db, list(out.request_ids))
    with autumn.db.session() as s:
        requests = {r.agreement_id: r for r in s.scalars(select(DebitRequest)
                                                         .where(DebitRequest.id.in_(out.request_ids)))}
        assert (requests[lee_late].amount, requests[lee_late].bank_code) == (7_920, "088")
        for agreement_id, request in requests.items():
            taken = 0 if agreement_id == lee_late else request.amount  # 이바다's 연체료 fails, the rest is debited
            ledger.apply_debit_outcome(s, request.id, taken, None if taken else "0021", moment(date(2026, 12, 29), 11))
    december = autumn.charge(LEE, "2026-12")
    late_charge = next(iter(_late_charge_ids(autumn, LEE)))
    with autumn.db.session() as s:
        states = ledger.charge_states(s, _calendar(autumn), autumn.contract_id, date(2026, 12, 29),
                                      [december, late_charge])
    assert states == {december: (ledger.ChargeState.COLLECTED, 0), late_charge: (ledger.ChargeState.UNPAID, 7_920)}
    summary = outstanding.summarise(autumn.db, autumn.admin, autumn.contract_id,
                                    Period(date(2026, 12, 1), date(2026, 12, 31)), GroupBy.ITEM, today=date(2026, 12, 29))
    by_item = {r.label: (r.unpaid_count, r.unpaid_amount) for r in summary.rows}
    assert by_item["연체료"] == (1, 7_920)
    details = outstanding.details(autumn.db, autumn.admin, autumn.contract_id,
                                  Period(date(2026, 12, 1), date(2026, 12, 31)), None, None, today=date(2026, 12, 29))
    assert [(d.customer_name, d.item, d.unpaid_amount) for d in details] == [("이바다", "연체료", 7_920)]
    # 연체료관리 counts it among the household's 미납, and it owes no late fee of its own.
    fees = late_fee_list.household_rows(autumn.db, autumn.clerk, autumn.contract_id, date(2026, 12, 29))
    lee = next(r for r in fees.rows if r.customer_no == LEE)
    assert (lee.unpaid_count, lee.unpaid_amount) == (3, 180_000 + 180_000 + 7_920)
    assert {line.item_name for line in lee.lines} == {"관리비"}
    check_invariants(autumn.db)
    _ = FAILED, FULL  # the story's outcomes; here applied request by request


def _late_charge_ids(place: Complex, no: str) -> list[int]:
    with place.db.session() as s:
        return list(s.scalars(select(Charge.id).join(DebitAgreement, DebitAgreement.id == Charge.agreement_id)
                              .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
                              .where(DebitAgreement.customer_id == customer(place, no),
                                     CollectionItem.code == LATE_FEE_ITEM_CODE)))


def test_a_requested_or_waiting_late_charge_is_not_changed(autumn: Complex) -> None:
    daily_policy(autumn)
    _bill(autumn, [LEE, CHOI], as_of=date(2026, 11, 15))
    # January's bill while December's 연체료 still waits for its request would leave December uncovered.
    january = late_fee_billing.preview(autumn.db, autumn.clerk, autumn.contract_id, date(2026, 12, 10), "2027-01",
                                       today=date(2026, 12, 11))
    assert [h.problem for h in january.households] == [
        "2026-12 연체료 5,220원이 아직 이체의뢰 전입니다. 그 청구가 이체의뢰된 뒤 청구하거나, 같은 달(2026-12)로 청구해 더하세요",
        "2026-12 연체료 5,340원이 아직 이체의뢰 전입니다. 그 청구가 이체의뢰된 뒤 청구하거나, 같은 달(2026-12)로 청구해 더하세요"]
    out = debits.request(autumn.db, autumn.admin, autumn.contract_id, DECEMBER_DEBIT,
                         [_late_agreement(autumn, LEE).id, _late_agreement(autumn, CHOI).id],
                         now=moment(date(2026, 12, 22), 9))
    assert out.total_amount == 5_220 + 5_340
    # December is requested: nothing more is added to it …
    december = late_fee_billing.preview(autumn.db, autumn.clerk, autumn.contract_id, AS_OF, "2026-12")
    assert {h.problem for h in december.households} == {
        "2026-12 연체료가 이미 이체의뢰되어 더할 수 없습니다. 다음 달 이후로 청구하세요"}
    with pytest.raises(ServiceError, match="이미 이체의뢰되어"):
        _bill(autumn, [LEE], now=moment(date(2026, 12, 22)))
    # … and January bills what grew since 11-15: 이바다 9,720 − 5,220; 최들녘 10,390 − 5,340.
    done = _bill(autumn, [LEE, CHOI], as_of=date(2026, 12, 10), period="2027-01", now=moment(date(2026, 12, 22)))
    assert done.amount == 4_500 + 5_050
    assert "출금일 2027-01-25의 이체의뢰 목록" in done.message
    assert _late_charges(autumn) == {(LEE, "2026-12"): 5_220, (CHOI, "2026-12"): 5_340,
                                     (LEE, "2027-01"): 4_500, (CHOI, "2027-01"): 5_050}
    late = _late_agreement(autumn, LEE)
    assert (late.monthly_amount, late.debit_limit, late.first_month, late.last_month) == (4_500, 5_220, "2027-01",
                                                                                         "2027-01")
    with autumn.db.session() as s:
        fees = late_fees.fees_as_of(s, autumn.contract_id, date(2026, 12, 10),
                                    customer_ids=[customer(autumn, LEE), customer(autumn, CHOI)])
    assert sum(f.billable for f in fees.values()) == 0
    check_invariants(autumn.db)


def test_two_clerks_billing_at_once_bill_once(autumn: Complex) -> None:
    daily_policy(autumn)
    results = race(lambda: _bill(autumn, [LEE, CHOI]),
                    lambda: late_fee_billing.bill(autumn.db, autumn.admin, autumn.contract_id, AS_OF, "2026-12",
                                                  [customer(autumn, CHOI), customer(autumn, LEE)], NOW))
    won = [r for r in results if isinstance(r, late_fee_billing.BillingOutcome)]
    lost = [r for r in results if isinstance(r, ServiceError)]
    assert len(won) == 1 and len(lost) == 1, results
    assert won[0].amount == 15_660
    assert "청구할 연체료가 없습니다" in lost[0].message
    assert _late_charges(autumn) == {(LEE, "2026-12"): 7_920, (CHOI, "2026-12"): 7_740}
    assert len(_bills(autumn)) == 4
    check_invariants(autumn.db)
