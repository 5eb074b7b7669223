"""The close report's figures: hand-computed from tests/apartment/complex.py's table, and equal, to the won,
to what every 집계 screen shows for the same month (미납내역집계, 할인내역집계, 이체의뢰내역집계,
정산내역현황, the 현금수납 list).

The story, by month (the 관리비 of the four households: 250,000 + 180,000 + 320,000 + 210,000 = 960,000):

| month | 청구 | 출금 | 현금 | 미납 on the last day |
|---|---|---|---|---|
| 2026-09 | 960,000 | 250,000 + 320,000 = 570,000 | 0 | 180,000 + 210,000 = 390,000 (2건) |
| 2026-10 | 960,000 | 250,000 + 100,000 = 350,000 | 0 | 180,000 + 320,000 + 110,000 = 610,000 (3건) |
| 2026-11 | 960,000 | 250,000 + 180,000 + 320,000 = 750,000 | 320,000 (박산들's October, 11-03) | 210,000 (1건) |
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.models import CollectionItem, DebitAgreement
from app.services.aggregates import discounts, month_close, outstanding, requests, settlement
from app.services.aggregates.common import GroupBy
from app.services.aggregates.month_close_report import CloseFigures, MonthFigures, month_figures
from app.services.collection import cash, charges
from app.services.common.periods import Period, first_day, last_day
from tests.apartment.complex import Complex, at
from tests.collection.helpers import add_payer
from tests.month_close.helpers import NOW, TODAY, close_autumn

DECEMBER = date(2026, 12, 5)

HAND = {
    "2026-09": CloseFigures(charge_count=4, charged=960_000, debited=570_000, unpaid_count=2, unpaid=390_000),
    "2026-10": CloseFigures(charge_count=4, charged=960_000, debited=350_000, unpaid_count=3, unpaid=610_000),
    "2026-11": CloseFigures(charge_count=4, charged=960_000, debited=750_000, cash=320_000, unpaid_count=1,
                            unpaid=210_000),
}


@pytest.mark.parametrize("month", ["2026-09", "2026-10", "2026-11"])
def test_each_month_comes_to_the_hand_computed_figures(autumn: Complex, month: str) -> None:
    figures = month_figures(autumn.db, autumn.clerk, autumn.contract_id, month, today=DECEMBER)
    assert figures.total == HAND[month]
    assert [(i.item, i.charged, i.unpaid) for i in figures.items] == [
        ("관리비", HAND[month].charged, HAND[month].unpaid)]
    assert figures.as_of == last_day(month) and figures.late_fee_charged == 0 and figures.adjustments == ()


def _assert_equal_to_the_aggregates(place: Complex, figures: MonthFigures, month: str, today: date) -> None:
    db, actor, cid = place.db, place.clerk, place.contract_id
    period = Period(first_day(month), last_day(month))
    unpaid = outstanding.summarise(db, actor, cid, period, GroupBy.ITEM, today=today)
    given = discounts.summarise(db, actor, cid, period, by_item=True)
    asked = requests.summarise(db, actor, cid, period, GroupBy.ITEM)
    settled = settlement.settle(db, actor, cid, period, now=at(today, 10))
    received = cash.list_cash_payments(db, actor, cid, period.start, period.end, today=today)
    total = figures.total
    assert total.owed == unpaid.total.owed_amount
    assert (total.charge_count, total.unpaid_count, total.unpaid) == (
        unpaid.total.charge_count, unpaid.total.unpaid_count, unpaid.total.unpaid_amount)
    assert total.discount == given.total.discount_amount
    assert total.debited == asked.total.debited_amount == settled.total.debited_amount
    assert total.refunded == settled.refund_total
    assert total.cash == sum(r.amount for r in received)
    for row in unpaid.rows:  # and item by item
        item = figures.item(int(row.key))
        assert item is not None and item.item == row.label
        assert (item.owed, item.charge_count, item.unpaid_count, item.unpaid) == (
            row.owed_amount, row.charge_count, row.unpaid_count, row.unpaid_amount)
    for row in asked.rows:
        item = figures.item(int(row.key))
        assert item is not None and item.debited == row.debited_amount
    for d in given.rows:
        item = figures.item(d.item_id or 0)
        assert item is not None and item.discount == d.discount_amount


@pytest.mark.parametrize("month", ["2026-09", "2026-10", "2026-11"])
def test_the_report_equals_every_aggregate_of_the_month(autumn: Complex, month: str) -> None:
    figures = month_figures(autumn.db, autumn.clerk, autumn.contract_id, month, today=DECEMBER)
    _assert_equal_to_the_aggregates(autumn, figures, month, DECEMBER)


def test_the_stored_figures_of_september_and_october_equal_the_aggregates(autumn: Complex) -> None:
    ids = close_autumn(autumn)
    for month, close_id in ids.items():
        report = month_close.close_report(autumn.db, autumn.clerk, close_id, today=TODAY, now=NOW)
        assert report.figures.total == HAND[month] and report.changes == ()
        assert "일치" in report.recheck_text
        _assert_equal_to_the_aggregates(autumn, report.figures, month, TODAY)


def test_discounts_late_fees_and_adjustments_have_their_own_figures(autumn: Complex) -> None:
    """A discounted household, an item 연체료 billed in November, and a September receipt found late."""
    db, cid = autumn.db, autumn.contract_id
    close_autumn(autumn)
    with db.session() as s:
        s.add(CollectionItem(contract_id=cid, code="LATE", name="연체료", collection_days="25"))
    late = add_payer(db, cid, "1011002", "이바다", monthly=3_600, item="LATE", day=25, first="2026-11")
    extra = add_payer(db, cid, "1033001", "정여울", monthly=200_000, item="M01", day=25, first="2026-11",
                      discount=20_000)
    with db.session() as s:
        agreements = list(s.scalars(select(DebitAgreement).where(
            DebitAgreement.id.in_([late.agreement_id, extra.agreement_id]))))
        charges.ensure_charges(s, cid, "2026-11", agreements, date(2026, 11, 10), "admin")
    # 이바다's September 관리비, paid at the office on 10-30 and found on 11-05: October is closed, so it is
    # recorded on 11-05 naming October (the month of the day received).
    receipt = cash.receive_cash(db, autumn.admin, autumn.charge("1011002", "2026-09"), 180_000, date(2026, 10, 30),
                                today=TODAY)
    assert "2026-10은(는) 마감된 달이라 오늘(2026-11-05) 날짜의 정정으로 기록했습니다" in receipt.message
    figures = month_figures(db, autumn.clerk, cid, "2026-11", today=DECEMBER)
    assert figures.late_fee_charged == 3_600
    assert [(i.item, i.charge_count, i.charged, i.discount, i.cash) for i in figures.items] == [
        ("관리비", 5, 1_160_000, 20_000, 500_000), ("연체료", 1, 3_600, 0, 0)]
    assert figures.total.charged == 1_163_600 and figures.total.cash == 500_000
    assert [(a.period, a.count, a.cash, a.reversed, a.net) for a in figures.adjustments] == [
        ("2026-10", 1, 180_000, 0, 180_000)]
    _assert_equal_to_the_aggregates(autumn, figures, "2026-11", DECEMBER)
    # the closed months did not move
    for month in ("2026-09", "2026-10"):
        assert month_figures(db, autumn.clerk, cid, month, today=DECEMBER).total == HAND[month]


def test_the_figures_travel_as_json_unchanged(autumn: Complex) -> None:
    figures = month_figures(autumn.db, autumn.clerk, autumn.contract_id, "2026-11", today=DECEMBER)
    assert MonthFigures.from_json(figures.to_json()) == figures
