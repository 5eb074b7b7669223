"""Refunds in 정산내역현황 and 미납내역집계 (hand computations as literals).

April 2026: 홍길동 paid 100,000원 (04-15), 박부분 60,000원 of 100,000원 (a partial debit, 40,000원 left).
Both withdraw on 04-10 (9 of 30 days: 2/3): 66,666원 and 40,000원 back, paid 04-17 by transfer.
The agency settles 2 debits × 300원 = 600원 of fees; the refunds are the academy's own payout.
"""

from __future__ import annotations

from datetime import date

from app.models import RefundKind, RefundMethod
from app.services.aggregates import outstanding, settlement
from app.services.aggregates.common import GroupBy
from app.services.aggregates.reports import build
from app.services.collection import refunds
from app.services.common.periods import Period
from tests.collection.helpers import at
from tests.refunds.conftest import Academy

APRIL = Period(date(2026, 4, 1), date(2026, 4, 30))
MAY_FIRST = at(date(2026, 5, 1), 10)


def _april(academy: Academy) -> list[int]:
    hong = academy.payer("1", "홍길동")
    part = academy.payer("2", "박부분")
    academy.paid(hong, date(2026, 4, 15))
    academy.paid(part, date(2026, 4, 15), debited=60_000)
    return [refunds.record_refund(academy.db, academy.clerk, p.customer_id, RefundKind.WITHDRAWAL, date(2026, 4, 10),
                                  today=date(2026, 4, 16)) for p in (hong, part)]


def test_settlement_lists_the_refunds_paid_and_nets_them(academy: Academy) -> None:
    ids = _april(academy)
    before = settlement.settle(academy.db, academy.clerk, academy.contract_id, APRIL, now=MAY_FIRST)
    assert before.refunds == () and before.net_after_refunds == before.net_total == 160_000 - 600
    for refund_id in ids:
        refunds.pay_refund(academy.db, academy.clerk, refund_id, date(2026, 4, 17), RefundMethod.TRANSFER,
                           today=date(2026, 4, 17))
    after = settlement.settle(academy.db, academy.clerk, academy.contract_id, APRIL, now=MAY_FIRST)
    assert [(r.paid_on, r.customer_name, r.amount, r.method) for r in after.refunds] == [
        (date(2026, 4, 17), "홍길동", 66_666, "계좌이체"), (date(2026, 4, 17), "박부분", 40_000, "계좌이체")]
    assert (after.total.debited_amount, after.net_total) == (160_000, 159_400)  # the agency's figure is unchanged
    assert (after.refund_total, after.net_after_refunds) == (106_666, 52_734)
    report = build.settlement_report(academy.db, academy.clerk, academy.contract_id, APRIL, now=MAY_FIRST)
    refund_table = report.tables[-1]
    assert refund_table.caption == "반환 (학원이 직접 지급)" and refund_table.total == ["반환 후 순수입", "", "", "",
                                                                                       52_734]
    may = settlement.settle(academy.db, academy.clerk, academy.contract_id,
                            Period(date(2026, 5, 1), date(2026, 5, 31)), now=MAY_FIRST)
    assert may.refunds == ()


def test_outstanding_keeps_its_unpaid_figure_and_shows_what_was_refunded(academy: Academy) -> None:
    ids = _april(academy)
    before = outstanding.summarise(academy.db, academy.clerk, academy.contract_id, APRIL, GroupBy.ITEM,
                                   today=date(2026, 4, 30))
    assert (before.total.received_amount, before.total.unpaid_count, before.total.unpaid_amount,
            before.total.refunded_amount) == (160_000, 1, 40_000, 0)
    plain = build.outstanding_summary(academy.db, academy.clerk, academy.contract_id, APRIL, GroupBy.ITEM,
                                      now=MAY_FIRST)
    assert "반환금액" not in [c.header for c in plain.tables[0].columns]
    for refund_id in ids:
        refunds.pay_refund(academy.db, academy.clerk, refund_id, date(2026, 4, 17), RefundMethod.CASH,
                           today=date(2026, 4, 17))
    after = outstanding.summarise(academy.db, academy.clerk, academy.contract_id, APRIL, GroupBy.ITEM,
                                  today=date(2026, 4, 30))
    assert (after.total.charge_count, after.total.owed_amount, after.total.received_amount) == (2, 200_000, 160_000)
    assert (after.total.unpaid_count, after.total.unpaid_amount, after.total.refunded_amount) == (1, 40_000, 106_666)
    [detail] = outstanding.details(academy.db, academy.clerk, academy.contract_id, APRIL, None, None,
                                   today=date(2026, 4, 30))
    assert (detail.customer_name, detail.unpaid_amount) == ("박부분", 40_000)
    report = build.outstanding_summary(academy.db, academy.clerk, academy.contract_id, APRIL, GroupBy.ITEM,
                                       now=MAY_FIRST)
    table = report.tables[0]
    assert [c.header for c in table.columns][-1] == "반환금액" and table.total is not None
    assert table.total[-1] == 106_666
    # As of a day before the payout, nothing was refunded yet.
    early = outstanding.summarise(academy.db, academy.clerk, academy.contract_id,
                                  Period(date(2026, 4, 1), date(2026, 4, 16)), GroupBy.ITEM, today=date(2026, 4, 30))
    assert early.total.refunded_amount == 0


def test_the_aggregate_screens_show_the_refunds(qtbot, academy: Academy) -> None:  # type: ignore[no-untyped-def]
    """정산내역현황's totals line nets the refunds; 미납내역집계 shows its 반환금액 column only when there is one."""
    import os
    from pathlib import Path

    from PySide6.QtCore import Qt

    from app.views.aggregates.aggregate_status import SettlementPage
    from app.views.aggregates.aggregates_view import REFUNDED_COLUMN, OutstandingAggregatePage
    from app.views.common.context import AppContext

    shots = Path(os.environ.get("KSCMS_SHOTS", "/tmp/work/shots"))
    for refund_id in _april(academy):
        refunds.pay_refund(academy.db, academy.clerk, refund_id, date(2026, 4, 17), RefundMethod.TRANSFER,
                           today=date(2026, 4, 17))
    ctx = AppContext(academy.db, academy.clerk, academy.contract_id, clock=lambda: at(date(2026, 4, 30), 10))
    settle_page, unpaid_page = SettlementPage(ctx), OutstandingAggregatePage(ctx)
    for page in (settle_page, unpaid_page):
        qtbot.addWidget(page)
        page.resize(1366, 768)
        with qtbot.waitSignal(page.loaded, timeout=20000):
            page.show()
    assert settle_page.totals_label.text().endswith(
        "정산예정액 159,400원\n반환 2건 106,666원 (학원이 직접 지급, 정산에서 차감되지 않음) → 반환 후 순수입 52,734원")
    assert not unpaid_page.summary_table.isColumnHidden(REFUNDED_COLUMN)
    model = unpaid_page.summary_table.model()
    assert model.headerData(REFUNDED_COLUMN, Qt.Orientation.Horizontal) == "반환금액"
    if academy.db.is_sqlite:
        shots.mkdir(parents=True, exist_ok=True)
        settle_page.grab().save(str(shots / "refund_settlement.png"))
        unpaid_page.grab().save(str(shots / "refund_outstanding.png"))
