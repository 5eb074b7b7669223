"""Issue 6: June 2026 of an academy, and both months to the won, on both databases.

The academy first lives its May (academy_may.py, checked there too); then June: discounts, a new
account, a new payer, 3 June (지방선거일) moving the 5th's cut-off, a Friday debit answered on Monday,
and the 25th asking May's 미수납 first within each payer's 건당출금한도.

At the end the ledger (per charge and in total), the figures of every screen (이체의뢰결과, 현금수납,
재처리의뢰, 계좌신청, 집계, 정산, the home screen) and a hand computation written out below agree to the won,
and every ledger invariant holds. Applying a result file again changes nothing.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.models import (
    Charge,
    DebitRequest,
    DebitRequestLine,
    Direction,
    FileKind,
    LedgerKind,
    RequestState,
    Transmission,
)
from app.services.aggregates import discounts as aggregates_discounts
from app.services.aggregates import outstanding as aggregates_outstanding
from app.services.aggregates import overview as aggregates_overview
from app.services.aggregates import registrations as aggregates_registrations
from app.services.aggregates import requests as aggregates_requests
from app.services.aggregates import settlement
from app.services.aggregates.common import GroupBy
from app.services.collection import cash, discounts, ledger, results, retries
from app.services.collection import requests as debits
from app.services.collection.results import ResultQuery
from app.services.common.periods import Period
from app.services.exchange import receiving
from app.services.exchange.transmissions import load_contract, open_content
from app.services.home import today as home
from tests.collection.academy_may import DONE, FAILED, JUNE, MAY, TWO_MONTHS, walk_may
from tests.collection.academy_months import Academy
from tests.collection.helpers import check_invariants
from tests.home.helpers import KEY


def test_june_and_the_two_months_to_the_won(academy: Academy) -> None:
    a = academy
    walk_may(a)
    db, cid, clerk, admin = a.db, a.cid, a.clerk, a.admin

    # ================================================================================================
    # Mon 1 June, 09:00 — 할인관리: 10% for 김하늘 and 최별 (일괄적용), from the next charge on.
    a.run_until(date(2026, 6, 1), 9)
    ticked = a.agreements_of(["ok", "typo"])
    preview = discounts.preview_discount(db, clerk, cid, ticked, 10)
    assert [(p.customer_no, p.new_amount, p.new_net) for p in preview] == [
        ("C01", 15_000, 135_000), ("C03", 12_000, 108_000)]
    applied = discounts.apply_discount(db, clerk, cid, ticked, 10, now=a.now())
    assert (applied.changed, applied.unchanged) == (2, 0)
    # 정바람 brings a new account; 한솔 joins for June.
    saved = a.change_account("closed", "110000000044")
    assert len(saved.queued) == 2  # 해지 of the old account, 신규 of the new one
    a.sign_up("late")

    # Tue 2 June, 12:00 — the new registrations are in. The bank never knew the closed account, so
    # its 해지 comes back 0017; the new one is what counts.
    a.run_until(date(2026, 6, 2), 12)
    assert [(r.kind_text, r.state_text, r.reason_code) for r in a.registration_rows("closed")] == [
        ("신규", "계좌신청완료", None), ("해지", "계좌신청미완료", "0017"), ("신규", "계좌신청완료", None)]
    assert [r.state_text for r in a.registration_rows("late")] == ["계좌신청완료"]

    # Thu 4 June, 10:00 — the 5th is a Friday; its cut-off is today (3 June was 지방선거일).
    a.run_until(date(2026, 6, 4), 10)
    due = a.due(date(2026, 6, 5))
    assert list(due) == ["C07"] and due["C07"].request_amount == 80_000
    a.request(date(2026, 6, 5), ["fifth"])
    # A Friday debit's result comes on Monday at 11:00.
    a.run_until(date(2026, 6, 8), 10, 59)
    june_5 = ResultQuery(date(2026, 6, 5), date(2026, 6, 5))
    [pending] = results.list_results(db, clerk, cid, june_5, today=a.today()).rows
    assert pending.state_text == "이체의뢰중"
    a.run_until(date(2026, 6, 8), 11, 30)
    [done] = results.list_results(db, clerk, cid, june_5, today=a.today()).rows
    assert (done.state_text, done.debited_amount) == (DONE, 80_000)

    # Wed 24 June, 10:00 — the 25th's list. Without 미수납액 each asks this month's charge (the discount in
    # it); with it, May's outstanding comes first, capped by each payer's 건당출금한도.
    a.run_until(date(2026, 6, 24), 10)
    plain = a.due(date(2026, 6, 25))
    assert {no: (r.monthly_amount, r.discount, r.request_amount) for no, r in plain.items()} == {
        "C01": (150_000, 15_000, 135_000), "C02": (200_000, 0, 200_000), "C03": (120_000, 12_000, 108_000),
        "C04": (130_000, 0, 130_000), "C05": (100_000, 0, 100_000), "C06": (140_000, 20_000, 120_000),
        "C08": (90_000, 0, 90_000),
    }
    due = a.due(date(2026, 6, 25), include_outstanding=True)
    assert {no: (r.earlier_outstanding, r.request_amount, r.left_outstanding) for no, r in due.items()} == {
        "C01": (0, 135_000, 0),
        "C02": (80_000, 280_000, 0),  # 80,000 + 200,000 ≤ 300,000
        "C03": (0, 108_000, 0),
        "C04": (130_000, 200_000, 60_000),  # 130,000 + 130,000 = 260,000 > 200,000: 60,000 of June stays
        "C05": (50_000, 150_000, 0),  # 50,000 + 100,000 ≤ 150,000
        "C06": (0, 120_000, 0),
        "C08": (0, 90_000, 0),
    }
    assert due["C04"].note == "건당출금한도(200,000원)를 넘는 60,000원은 미수납으로 남습니다"
    check = debits.preflight(db, clerk, cid, date(2026, 6, 25), include_outstanding=True, now=a.now())
    assert (check.last_count, check.last_amount, check.this_count, check.this_amount) == (6, 820_000, 7, 1_083_000)
    assert [p.customer_no for p in check.new_payers] == ["C08"]
    assert [p.customer_no for p in check.changed_payers] == ["C04"]  # her new account
    assert not check.dropped_payers and not check.expired_discounts and not check.excluded
    assert {p.customer_no: (p.last_amount, p.this_amount) for p in check.amount_changes} == {
        "C01": (150_000, 135_000), "C02": (200_000, 280_000), "C03": (120_000, 108_000),
        "C04": (130_000, 200_000), "C05": (100_000, 150_000)}
    outcome = a.request(date(2026, 6, 25), ["ok", "poor", "typo", "closed", "half", "disc", "late"],
                        include_outstanding=True)
    # 135,000 + 280,000 + 108,000 + 200,000 + 150,000 + 120,000 + 90,000 = 1,083,000
    assert (outcome.count, outcome.total_amount) == (7, 1_083_000)
    with db.session() as s:  # June's charge came into being with the request; May's 미수납 goes first
        c04_lines = s.execute(select(Charge.period, DebitRequestLine.amount)
                              .join(Charge, Charge.id == DebitRequestLine.charge_id)
                              .join(DebitRequest, DebitRequest.id == DebitRequestLine.request_id)
                              .where(DebitRequest.id.in_(outcome.request_ids),
                                     DebitRequest.agreement_id == due["C04"].agreement_id)
                              .order_by(DebitRequestLine.id)).all()
    assert [(period, amount) for period, amount in c04_lines] == [(MAY, 130_000), (JUNE, 70_000)]

    # Fri 26 June, 12:00 — the last results of the scenario.
    a.run_until(date(2026, 6, 26), 12)

    # ================================================================================================
    # THE HAND COMPUTATION (won)
    #
    # Charges      May: 150,000 + 200,000 + 120,000 + 130,000 + 100,000 + 140,000 + 80,000 = 920,000
    #              June: the same + 90,000 (C08)                                               = 1,010,000
    # Discounts    May: 20,000 (C06); June: 15,000 (C01) + 12,000 (C03) + 20,000 (C06) = 47,000 → 67,000
    # Owed         1,930,000 − 67,000                                                         = 1,863,000
    # Debited      6 May 80,000 (C07)
    #              26 May 150,000 (C01) + 120,000 (C03) + 120,000 (C06) + 50,000 (C05 half)   = 440,000
    #              28 May retry of C02: 0
    #              5 June 80,000 (C07)
    #              25 June 135,000 (C01) + 108,000 (C03) + 200,000 (C04) + 75,000 (C05 half of 150,000)
    #                      + 120,000 (C06) + 90,000 (C08)                                     = 728,000
    #              80,000 + 440,000 + 80,000 + 728,000                                        = 1,328,000
    # Cash         120,000 (C02) + 130,000 (C04, reversed)                                    = 250,000
    # Reversed     130,000
    # Outstanding  1,863,000 − 1,328,000 − 250,000 + 130,000                                  = 415,000
    #              = C02 May 80,000 + C02 June 200,000 (280,000 failed again)
    #              + C04 June 60,000 (over the limit, never asked) + C05 June 75,000 (the unpaid half)
    # Requested    80,000 + 820,000 + 200,000 (retry) + 80,000 + 1,083,000                     = 2,263,000
    # Not debited  26 May 200,000 + 130,000 + 50,000; retry 200,000; 25 June 280,000 + 75,000 = 935,000
    #              (1,328,000 + 935,000 = 2,263,000)
    # Carried      25 June: 80,000 (C02) + 130,000 (C04) + 50,000 (C05)                        = 260,000
    # C05's halves go to the oldest charge first: June's 75,000 pays May's 50,000 rest, then 25,000 of June.
    # ================================================================================================
    # (charged, discount, debited, cash, reversed, outstanding) of every charge:
    expected = {
        ("C01", MAY): (150_000, 0, 150_000, 0, 0, 0),
        ("C01", JUNE): (150_000, 15_000, 135_000, 0, 0, 0),
        ("C02", MAY): (200_000, 0, 0, 120_000, 0, 80_000),
        ("C02", JUNE): (200_000, 0, 0, 0, 0, 200_000),
        ("C03", MAY): (120_000, 0, 120_000, 0, 0, 0),
        ("C03", JUNE): (120_000, 12_000, 108_000, 0, 0, 0),
        ("C04", MAY): (130_000, 0, 130_000, 130_000, 130_000, 0),
        ("C04", JUNE): (130_000, 0, 70_000, 0, 0, 60_000),
        ("C05", MAY): (100_000, 0, 100_000, 0, 0, 0),
        ("C05", JUNE): (100_000, 0, 25_000, 0, 0, 75_000),
        ("C06", MAY): (140_000, 20_000, 120_000, 0, 0, 0),
        ("C06", JUNE): (140_000, 20_000, 120_000, 0, 0, 0),
        ("C07", MAY): (80_000, 0, 80_000, 0, 0, 0),
        ("C07", JUNE): (80_000, 0, 80_000, 0, 0, 0),
        ("C08", JUNE): (90_000, 0, 90_000, 0, 0, 0),
    }
    hand = {"charged": 1_930_000, "discount": 67_000, "debited": 1_328_000, "cash": 250_000, "reversed": 130_000,
            "outstanding": 415_000, "requested": 2_263_000, "failed": 935_000, "carried": 260_000}
    assert sum(v[0] for v in expected.values()) == hand["charged"]
    assert sum(v[1] for v in expected.values()) == hand["discount"]
    assert sum(v[2] for v in expected.values()) == hand["debited"]
    assert sum(v[3] for v in expected.values()) == hand["cash"]
    assert sum(v[4] for v in expected.values()) == hand["reversed"]
    assert sum(v[5] for v in expected.values()) == hand["outstanding"]

    # --- the ledger, per charge and in total ----------------------------------------------------------
    money = a.balances()
    assert {k: (b.charged, b.discount, b.debited, b.cash, b.reversed, b.outstanding)
            for k, b in money.items()} == expected
    with db.session() as s:
        totals = ledger.contract_totals(s, cid)
    assert {k: totals[k] for k in LedgerKind} == {
        LedgerKind.CHARGE: hand["charged"], LedgerKind.DISCOUNT: hand["discount"],
        LedgerKind.REQUEST: hand["requested"], LedgerKind.CARRY: hand["carried"],
        LedgerKind.DEBIT: hand["debited"], LedgerKind.FAIL: hand["failed"], LedgerKind.CASH: hand["cash"],
        LedgerKind.REVERSAL: hand["reversed"], LedgerKind.REFUND: 0,  # no one withdrew in these two months
    }
    # Every rule of the ledger, recomputed from the raw rows: never debited + cash beyond the charge,
    # outstanding ≥ 0, no charge in two open requests, each request = its lines = its entries.
    left = check_invariants(db)
    assert sum(left.values()) == hand["outstanding"] and all(v >= 0 for v in left.values())
    with db.session() as s:
        assert not ledger.open_lines(s, left)  # every request has its result: nothing is in flight

    # --- 이체의뢰결과 (May–June) -----------------------------------------------------------------------
    view = results.list_results(db, clerk, cid, ResultQuery(TWO_MONTHS.start, TWO_MONTHS.end), today=a.today())
    # 완료: 80,000 + 150,000 + 120,000 + 120,000 (May) + 80,000 + 135,000 + 108,000 + 200,000 + 120,000 + 90,000
    #       = 1,203,000 in 10
    # 미완료: 200,000 + 130,000 + 100,000 + 200,000 (retry) + 280,000 + 150,000 = 1,060,000 in 6, of which
    #       50,000 + 75,000 = 125,000 debited
    assert [(t.state_text, t.count, t.amount, t.debited) for t in view.totals] == [
        (DONE, 10, 1_203_000, 1_203_000), (FAILED, 6, 1_060_000, 125_000)]
    assert (view.count, view.amount, view.debited) == (16, hand["requested"], hand["debited"])
    assert sum(r.unpaid_amount for r in view.rows) == hand["failed"]
    assert sorted((r.customer_no, r.debit_date.isoformat(), r.kind.label, r.state_text, r.amount, r.debited_amount)
                  for r in view.rows if r.state_text == FAILED) == [
        ("C02", "2026-05-26", "이체의뢰", FAILED, 200_000, 0),
        ("C02", "2026-05-28", "재처리의뢰", FAILED, 200_000, 0),
        ("C02", "2026-06-25", "이체의뢰", FAILED, 280_000, 0),
        ("C04", "2026-05-26", "이체의뢰", FAILED, 130_000, 0),
        ("C05", "2026-05-26", "이체의뢰", FAILED, 100_000, 50_000),
        ("C05", "2026-06-25", "이체의뢰", FAILED, 150_000, 75_000),
    ]

    # --- 현금수납: what may still be received in cash (charges whose debit failed), and the receipts ------
    assert {k: (r.charge_amount, r.debited, r.cash, r.outstanding) for k, r in a.cash_rows().items()} == {
        ("C02", MAY): (200_000, 0, 120_000, 80_000),
        ("C02", JUNE): (200_000, 0, 0, 200_000),
        ("C05", JUNE): (100_000, 25_000, 0, 75_000),
    }  # C04's June 60,000 was never asked of the bank, so it is not a failed debit: it waits for July
    receipts = cash.list_cash_payments(db, clerk, cid, TWO_MONTHS.start, TWO_MONTHS.end)
    assert [(r.customer_no, r.period, r.amount, r.paid_on, r.reversed, r.reversal_reason) for r in receipts] == [
        ("C02", MAY, 120_000, date(2026, 5, 29), False, ""),
        ("C04", MAY, 130_000, date(2026, 5, 29), True, "고객 미방문, 수납 입력 착오"),
    ]
    assert sum(r.amount for r in receipts if not r.reversed) == hand["cash"] - hand["reversed"]

    # --- 재처리의뢰 (June): both failures can still be retried before the month ends ------------------------
    retry = a.retries()
    assert {k: (r.state, r.retry_amount, r.can_retry) for k, r in retry.items()} == {
        ("C02", "이체의뢰"): (RequestState.FAILED, 280_000, True),
        ("C05", "이체의뢰"): (RequestState.PARTIAL, 75_000, True),
    }
    assert retries.retry_dates(db, clerk, cid, now=a.now()) == [date(2026, 6, 29), date(2026, 6, 30)]

    # --- 계좌신청 ----------------------------------------------------------------------------------------
    assert a.registrations() == [
        ("C01", "신규", "계좌신청완료", None), ("C02", "신규", "계좌신청완료", None),
        ("C03", "신규", "계좌신청미완료", "0012"), ("C03", "신규", "계좌신청완료", None),
        ("C04", "신규", "계좌신청완료", None), ("C04", "신규", "계좌신청완료", None),
        ("C04", "해지", "계좌신청미완료", "0017"),
        ("C05", "신규", "계좌신청완료", None), ("C06", "신규", "계좌신청완료", None),
        ("C07", "신규", "계좌신청완료", None), ("C08", "신규", "계좌신청완료", None),
    ]
    regs = aggregates_registrations.summarise(db, clerk, cid, Period(date(2026, 4, 1), TWO_MONTHS.end)).total
    # 27 Apr: 6 sent, 5 accepted; 28 Apr: C03 again; 1 Jun: C04 해지 + 신규, C08 (C04's January one is outside)
    assert (regs.total_count, regs.done_count, regs.failed_count, regs.waiting_count, regs.sent_count) == (
        10, 8, 2, 0, 0)

    # --- 집계 ----------------------------------------------------------------------------------------------
    requested = aggregates_requests.summarise(db, clerk, cid, TWO_MONTHS, GroupBy.ITEM)
    assert [(r.label, r.requested_count, r.requested_amount, r.debited_count, r.debited_amount, r.failed_count,
             r.failed_amount, r.pending_count) for r in requested.rows] == [
        ("수강료", 16, hand["requested"], 12, hand["debited"], 6, hand["failed"], 0)]
    for month, figures in {
        # May: 80,000 + 820,000 + 200,000 asked; 80,000 + 440,000 debited; 380,000 + 200,000 not
        (date(2026, 5, 1), date(2026, 5, 31)): (8, 1_100_000, 520_000, 4, 580_000),
        # June: 80,000 + 1,083,000 asked; 80,000 + 728,000 debited; 280,000 + 75,000 not
        (date(2026, 6, 1), date(2026, 6, 30)): (8, 1_163_000, 808_000, 2, 355_000),
    }.items():
        t = aggregates_requests.summarise(db, clerk, cid, Period(*month), GroupBy.BANK).total
        assert (t.requested_count, t.requested_amount, t.debited_amount, t.failed_count, t.failed_amount) == figures
    rates = {m.month: (m.requested_amount, m.debited_amount)
             for m in aggregates_overview.overview(db, clerk, cid, TWO_MONTHS).months}
    assert (rates[MAY], rates[JUNE]) == ((1_100_000, 520_000), (1_163_000, 808_000))

    unpaid = aggregates_outstanding.summarise(db, clerk, cid, TWO_MONTHS, GroupBy.GRADE).total
    # 15 charges owing 1,863,000; received 1,328,000 + 120,000 = 1,448,000; 4 still owe 415,000
    assert (unpaid.charge_count, unpaid.owed_amount, unpaid.received_amount, unpaid.unpaid_count,
            unpaid.unpaid_amount) == (15, 1_863_000, 1_448_000, 4, hand["outstanding"])
    # May's charges as of 31 May: owed 900,000; received 520,000 debited + 120,000 cash (+130,000 − 130,000);
    # unpaid 80,000 (C02) + 130,000 (C04) + 50,000 (C05) = 260,000, exactly what June carried.
    may_end = aggregates_outstanding.summarise(db, clerk, cid, Period(date(2026, 5, 1), date(2026, 5, 31)),
                                               GroupBy.ITEM).total
    assert (may_end.charge_count, may_end.owed_amount, may_end.received_amount, may_end.unpaid_count,
            may_end.unpaid_amount) == (7, 900_000, 640_000, 3, hand["carried"])
    details = aggregates_outstanding.details(db, clerk, cid, TWO_MONTHS, None, None)
    assert [(d.customer_no, d.period, d.unpaid_amount) for d in details] == [
        ("C02", MAY, 80_000), ("C02", JUNE, 200_000), ("C04", JUNE, 60_000), ("C05", JUNE, 75_000)]

    given = aggregates_discounts.summarise(db, clerk, cid, TWO_MONTHS)
    assert [(r.period, r.discounted_count, r.charged_amount, r.discount_amount) for r in given.rows] == [
        (MAY, 1, 140_000, 20_000), (JUNE, 3, 410_000, 47_000)]
    assert given.total.discount_amount == hand["discount"]

    # 정산: 12 requests debited something (10 완료 + 2 부분출금) × 300원; 8 registrations accepted × 200원.
    settled = settlement.settle(db, clerk, cid, Period(date(2026, 4, 1), TWO_MONTHS.end), now=a.now())
    assert settled.consistent, settled.issues
    assert (settled.total.debited_amount, settled.total.debited_count, settled.total.debit_fee) == (
        hand["debited"], 12, 3_600)
    assert settled.registration_fee_total == 1_600
    assert settled.net_total == 1_328_000 - 3_600 - 1_600
    assert [(r.debit_date.isoformat(), r.settlement_date.isoformat(), r.debited_amount) for r in settled.rows] == [
        ("2026-05-06", "2026-05-08", 80_000), ("2026-05-26", "2026-05-28", 440_000),
        ("2026-05-28", "2026-06-01", 0), ("2026-06-05", "2026-06-09", 80_000),
        ("2026-06-25", "2026-06-29", 728_000),
    ]

    # --- the home screen: this month and last month -------------------------------------------------------
    summary = home.summary(db, clerk, cid, now=a.now())
    june, may = summary.this_month, summary.last_month
    assert (june.period, june.requested_count, june.requested, june.debited, june.failed, june.cash, june.owed,
            june.outstanding) == (JUNE, 8, 1_163_000, 808_000, 355_000, 0, 963_000, 335_000)
    assert (may.period, may.requested_count, may.requested, may.debited, may.failed, may.cash, may.owed,
            may.outstanding) == (MAY, 8, 1_100_000, 520_000, 580_000, 120_000, 900_000, 80_000)
    assert may.outstanding + june.outstanding == hand["outstanding"]

    # --- a result file applied again changes nothing ---------------------------------------------------------
    contract = load_contract(db, cid)
    with db.session() as s:
        received = s.execute(select(Transmission.remote_name, Transmission.content, Transmission.content_sealed).where(
            Transmission.contract_id == cid, Transmission.direction == Direction.RECEIVE,
            Transmission.kind == FileKind.EB22).order_by(Transmission.id)).all()
    assert [name for name, _c, _sealed in received] == [
        "EB220506_2026", "EB220526_2026", "EB220528_2026", "EB220605_2026", "EB220625_2026"]
    for name, content, sealed in received:  # stored sealed: opened with the data key, as the app does
        again = receiving.apply_result(db, contract, name, open_content(content, sealed, KEY), now=a.now(), key=KEY)
        assert again.status is receiving.ApplyStatus.ALREADY
    a.relay.scheduler.fetch_now(cid, admin, now=a.now())
    assert {k: (b.charged, b.discount, b.debited, b.cash, b.reversed, b.outstanding)
            for k, b in a.balances().items()} == expected
    with db.session() as s:
        assert ledger.contract_totals(s, cid) == totals
