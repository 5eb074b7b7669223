"""Issue 14, done when: a month of an academy on an injected clock, every figure against a hand computation.

December 2026 of 해오름수학학원 (the cast and the calendar: tests/scenarios/december.py) with the real
scheduler over the built-in bank simulator on a ManualClock. The clerk acts only through the services
the screens call. At each step the 미납 figure is read where a clerk reads it — the 미납내역집계, the
home screen, the 미납 안내문 — and checked against domain.md ("What the clerk's words mean"): before
the debit date, and while the requests are at the bank, nothing is 미납; after the results exactly the
failures are, and only they get a letter. A missed cut-off stands on the home screen, in the tray and
in the 미납 service's list until each of its payers gets a remedy, and each remedy does what it says.
Looking at every screen with every date and choice writes nothing (the database fingerprint of
tests/aggregates/test_looking_never_writes.py). At the end every screen, PDF, .xlsx and the command
line show the figures computed by hand here:

    12-07 (the 5th)   C01 150,000 debited, C02 200,000 잔액부족, C03 140,000 − 20,000 = 120,000 debited:
                      requested 3건 470,000 = debited 270,000 + failed 200,000
    12-15 (the 15th)  C04 100,000 requested in time and debited. C05 80,000, C06 90,000 and C07 70,000 not
                      requested by the cut-off (12-14 14:00): missed 3건 240,000. Remedies: C05 moved to
                      the next 수강료 debit date, 12-28 (cut-off 12-24 14:00); C06 pays 90,000 in cash on the
                      15th; C07 is left 미납 (70,000 from the 16th on, the day after the debit date)
    12-28 (the 25th)  C05 80,000 (moved) debited; C08 교재비 50,000 잔액부족
    December          requested 6건 700,000 (수강료 5건 650,000, 교재비 1건 50,000)
                      debited 4건 450,000 (150,000 + 120,000 + 100,000 + 80,000), failed 2건 250,000
                      cash 90,000; billed 860,000 (수강료 7건 810,000, 교재비 1건 50,000)
                      received 540,000 = 450,000 + 90,000; 미납 3건 320,000 (C02 200,000, C07 70,000,
                      C08 50,000) = billed − received; letters to C02, C07 and C08 only
                      home 수납률 540,000 ÷ 860,000 = 62.79…% → 62.8%
                      집계 수납률 (출금 ÷ 결과가 나온 의뢰): 450,000 ÷ 700,000 = 64.285…% → 64.29%;
                      수강료 450,000 ÷ 650,000 = 69.230…% → 69.23%; 교재비 0 ÷ 50,000 = 0.00%
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.models import Charge
from app.services.aggregates import outstanding as aggregates_outstanding
from app.services.aggregates import requests as aggregates_requests
from app.services.aggregates.common import GroupBy
from app.services.aggregates.reports import build
from app.services.collection import cash, ledger, missed
from app.services.collection import requests as debits
from app.services.collection.missed import Remedy
from app.services.exchange.transmissions import load_contract
from app.services.home import notifications
from app.services.home import today as home
from app.views.aggregates.aggregates_view import (
    OutstandingAggregatePage,
    RequestAggregatePage,
)
from app.views.common.context import AppContext
from app.views.shell.home_view import HomePage
from tests.aggregates.test_looking_never_writes import fingerprint
from tests.aggregates.test_reports import xlsx_rows
from tests.home.helpers import at
from tests.scenarios.december import (
    CAST,
    FIFTEENTH,
    FIFTH,
    TWENTY_FIFTH,
    December,
    look_everywhere,
)
from tests.scenarios.screens import (
    browse_every_page,
    home_metrics,
    open_page,
    pdf_has_row,
    pdf_lines,
    run_report,
    shot,
    table_texts,
)

BROWSED_DATES = (FIFTH, FIFTEENTH, TWENTY_FIFTH, date(2026, 11, 25))
"""The dates every date field of every screen is turned to while browsing."""
MISSED_AT = (date(2026, 12, 14), 14, 5)
"""Five minutes after the 15th's cut-off."""


def charge_count(a: December) -> int:
    with a.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Charge).where(Charge.contract_id == a.cid)) or 0)


def states(a: December) -> list[str]:
    """Every charge's state today, as the ledger defines it ('미납 200,000'), sorted."""
    with a.db.session() as s:
        found = ledger.charge_states(s, load_contract(a.db, a.cid).calendar, a.cid, a.today())
    return sorted(f"{state.label} {left:,}" for state, left in found.values())


def missed_now(a: December) -> list[tuple[str, list[tuple[str, int]]]]:
    """The missed list: (title, [(customer no, won)]) per item's debit date."""
    return [(m.title, [(r.customer_no, r.amount) for r in m.rows])
            for m in missed.missed_debits(a.db, a.clerk, a.cid, now=a.now())]


def missed_keys(a: December) -> list[str]:
    return [n.key for n in notifications.decide(a.db, a.clerk, a.now()) if n.key.startswith("missed:")]


def shown_month(qtbot: Any, a: December) -> dict[str, str]:
    """The home screen's 이번 달 한눈에 column, as shown now."""
    page = open_page(qtbot, HomePage(AppContext(a.db, a.clerk, a.cid, clock=a.clock)))
    shown = {name: this for name, (this, _last) in home_metrics(page).items()}
    page.close()
    return shown


def test_a_month_of_an_academy(qtbot: Any, academy: December, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch, quiet_boxes: list[str]) -> None:
    a = academy

    # ================================================================================================
    # Mon 23 November, 09:00 — eight payers sign up for December; their registrations go out at 13:58
    # and come back on Tuesday at 11:00.
    a.sign_up_everyone()
    a.at(date(2026, 11, 24), 12)
    assert {state for _no, _kind, state, _reason in a.registrations()} == {"계좌신청완료"}
    options = debits.debit_dates(a.db, a.clerk, a.cid, 2026, 12)
    assert [(o.debit_date, o.days, o.cutoff) for o in options] == [
        (FIFTH, (5,), at(date(2026, 12, 4), 14)), (FIFTEENTH, (15,), at(date(2026, 12, 14), 14)),
        (TWENTY_FIFTH, (25,), at(date(2026, 12, 24), 14))]

    # ================================================================================================
    # Step 1. Fri 4 December, 10:00 — four hours before the 5th's cut-off. Nothing has been asked yet:
    # calling every read service with every date and choice makes no charge and changes no figure.
    a.at(date(2026, 12, 4), 10)
    before = fingerprint(a.db)
    assert len(list(look_everywhere(a, a.clerk))) > 15
    assert fingerprint(a.db) == before and charge_count(a) == 0
    assert a.nothing_unpaid() and missed_now(a) == []

    due = a.due(FIFTH)
    assert {no: (r.request_amount, r.charge_id, r.reason) for no, r in due.items()} == {
        "C01": (150_000, None, None), "C02": (200_000, None, None), "C03": (120_000, None, None)}
    cutoff = home.summary(a.db, a.clerk, a.cid, now=a.now()).cutoff
    assert (cutoff.at, cutoff.debit_dates, cutoff.queued_requests, cutoff.unrequested_count,
            cutoff.unrequested_amount) == (at(date(2026, 12, 4), 14), (FIFTH,), 0, 3, 470_000)

    outcome = a.request(FIFTH, ["ok", "poor", "disc"])
    assert (outcome.count, outcome.total_amount) == (3, 470_000)
    # Asked for, not yet due: 이체의뢰대기, not 미납. No letter is written.
    total = aggregates_outstanding.summarise(a.db, a.clerk, a.cid, a.period(), GroupBy.ITEM, today=a.today()).total
    assert (total.charge_count, total.owed_amount, total.received_amount, total.unpaid_count,
            total.unpaid_amount) == (3, 470_000, 0, 0, 0)
    assert states(a) == ["이체의뢰대기 120,000", "이체의뢰대기 150,000", "이체의뢰대기 200,000"]
    assert a.nothing_unpaid() and a.write_letters(tmp_path / "letters_12-04.pdf") == 0
    assert shown_month(qtbot, a) == {
        "이체의뢰": "3건 · 470,000원", "출금": "0원", "출금불능": "0원", "현금수납": "0원", "미납": "0원", "수납률": "-"}
    cutoff = home.summary(a.db, a.clerk, a.cid, now=a.now()).cutoff
    assert (cutoff.queued_requests, cutoff.queued_amount, cutoff.unrequested_count) == (3, 470_000, 0)
    assert a.due(FIFTH)["C02"].requested_amount == 200_000  # the list shows what was asked

    # 14:00 — the file left at 13:58 (이체의뢰중). Mon 7 December, 15:00 — the debit date itself, no result.
    a.at(date(2026, 12, 4), 14)
    assert states(a) == ["이체의뢰중 120,000", "이체의뢰중 150,000", "이체의뢰중 200,000"]
    assert missed_now(a) == []  # everything due on the 7th went with the file
    a.at(FIFTH, 15)
    assert a.nothing_unpaid()
    assert states(a) == ["이체의뢰중 120,000", "이체의뢰중 150,000", "이체의뢰중 200,000"]

    # ================================================================================================
    # Step 2. Tue 8 December, 12:00 — the result came at 11:00: 이바다(C02) 잔액부족. She alone is 미납,
    # 200,000원, and the 미납 안내문 goes to her alone.
    a.at(date(2026, 12, 8), 12)
    assert states(a) == ["미납 200,000", "수납 0", "수납 0"]
    assert a.unpaid() == (1, 200_000) and a.home_unpaid() == 200_000
    assert a.letter_names() == ["C02 이바다 200,000"]
    # 수납률 (home): collected 270,000 of 470,000 billed = 57.44…% → 57.4%
    assert shown_month(qtbot, a) == {"이체의뢰": "3건 · 470,000원", "출금": "270,000원", "출금불능": "200,000원",
                                     "현금수납": "0원", "미납": "200,000원", "수납률": "57.4%"}
    letters_pdf = tmp_path / "letters_12-08.pdf"
    assert a.write_letters(letters_pdf) == 1
    words = " ".join(pdf_lines(letters_pdf))
    assert "수신: 이바다 님 (고객번호 C02)" in words and "납부하실 금액: 200,000원" in words
    assert not [c.name for c in CAST if c.customer_no != "C02" and c.name in words]
    [result] = [r for r in home.summary(a.db, a.clerk, a.cid, now=a.now()).results if r.kind == "EB22"]
    assert (result.arrived, result.done, result.failed, result.debited) == (True, 2, 1, 270_000)
    assert {k: r.outstanding for k, r in a.cash_rows().items()} == {("C02", "2026-12"): 200_000}

    # ================================================================================================
    # Mon 14 December, 10:00 — the 15th's list: four payers; the clerk requests only 정바람(C04).
    a.at(date(2026, 12, 14), 10)
    due = a.due(FIFTEENTH)
    assert {no: (r.request_amount, r.requestable) for no, r in due.items()} == {
        "C04": (100_000, True), "C05": (80_000, True), "C06": (90_000, True), "C07": (70_000, True)}
    outcome = a.request(FIFTEENTH, ["mid"])
    assert (outcome.count, outcome.total_amount) == (1, 100_000)
    cutoff = home.summary(a.db, a.clerk, a.cid, now=a.now()).cutoff
    assert (cutoff.at, cutoff.debit_dates, cutoff.queued_requests, cutoff.queued_amount, cutoff.unrequested_count,
            cutoff.unrequested_amount) == (at(date(2026, 12, 14), 14), (FIFTEENTH,), 1, 100_000, 3, 240_000)

    # 13:30 — half an hour before the cut-off the tray reminds: 3건 240,000원 not requested.
    a.at(date(2026, 12, 14), 13, 30)
    [reminder] = [n for n in notifications.decide(a.db, a.clerk, a.now()) if n.key.startswith("cutoff:")]
    assert reminder.key == f"cutoff:{a.cid}:2026-12-15" and "3건(240,000원)" in reminder.message
    assert missed_keys(a) == []

    # ================================================================================================
    # Step 5. 14:05 — the cut-off passed with 한별(C05), 강들(C06) and 윤산(C07) not requested. The alarm:
    # the missed list, the home screen in red, a tray notification. No charge was made for them, so
    # nothing counts them as 미납 yet, and looking at them (or at every screen) writes nothing.
    a.at(*MISSED_AT)
    assert missed_now(a) == [("12-15(화) 출금 · 수강료", [("C05", 80_000), ("C06", 90_000), ("C07", 70_000)])]
    [m] = missed.missed_debits(a.db, a.clerk, a.cid, now=a.now())
    assert (m.count, m.amount, m.unrequested_count, m.queued_count) == (3, 240_000, 3, 0)
    assert (m.cutoff, m.move_to, m.move_cutoff) == (
        at(date(2026, 12, 14), 14), TWENTY_FIFTH, at(date(2026, 12, 24), 14))
    assert m.message == ("이체의뢰 마감 12-14(월) 14:00이 지났습니다. 의뢰하지 않은 3건 240,000원은 은행에 보내지 않아 "
                         "출금되지 않습니다.")
    assert [m.remedy_text(r) for r in Remedy] == ["12-28(월) 출금으로 옮기기", "현금수납으로 받기", "미납으로 두기"]
    assert [x.title for x in home.summary(a.db, a.clerk, a.cid, now=a.now()).missed] == ["12-15(화) 출금 · 수강료"]
    assert missed_keys(a) == [f"missed:{a.cid}:2026-12-15:{m.item_id}"]
    [alarm] = [n for n in notifications.decide(a.db, a.clerk, a.now()) if n.key.startswith("missed:")]
    assert alarm.warning and "3건 240,000원" in alarm.message and "12-15(화) 출금 · 수강료" in alarm.message
    page = open_page(qtbot, HomePage(AppContext(a.db, a.clerk, a.cid, clock=a.clock)))
    assert page.missed_card.isVisibleTo(page)
    assert page.missed_title.text() == "이체의뢰 마감을 놓쳤습니다 — 출금되지 않는 3건 · 240,000원"
    shot(page, "scenario_home_missed_12-14.png", a)
    page.close()
    assert a.unpaid() == (1, 200_000) and charge_count(a) == 4

    # Step 3. Browsing every screen with every date and choice, a cut-off missed: the fingerprint holds.
    before = fingerprint(a.db)
    list(look_everywhere(a, a.clerk))
    opened = browse_every_page(qtbot, a, BROWSED_DATES)
    assert {"home", "collection.requests", "aggregates.outstanding", "collection.cash", "customers.list",
            "collection.results"} <= set(opened)
    assert fingerprint(a.db) == before and missed_now(a) != []

    # MOVE 한별(C05): queued on the item's next debit date, 12-28, as 이미 의뢰 with her 80,000원.
    a.at(date(2026, 12, 14), 14, 10)
    moved = missed.apply_remedy(a.db, a.clerk, a.cid, FIFTEENTH, m.item_id, Remedy.MOVE, now=a.now(),
                                agreement_ids=a.agreements_of(["move"]))
    assert (moved.count, moved.amount, moved.moved_to) == (1, 80_000, TWENTY_FIFTH)
    assert moved.message == ("12-15(화) 출금 · 수강료 1건 80,000원을 12-28(월) 출금으로 옮겨 이체의뢰대기로 넣었습니다. "
                             "12-24(목) 14:00 마감에 은행으로 보냅니다.")
    listed = debits.list_due(a.db, a.clerk, a.cid, TWENTY_FIFTH, now=a.now())
    rows = {r.customer_no: r for r in listed.rows}
    assert debits.row_part(rows["C05"]) == "이미 의뢰"
    assert (rows["C05"].requested_amount, rows["C05"].status_text, rows["C05"].note) == (
        80_000, "이체의뢰대기", "12-15 출금분을 옮겨 의뢰")
    assert listed.totals.text == "전체 2건 130,000원 = 이미 의뢰 1건 80,000원 + 의뢰 가능 1건 50,000원 + 의뢰 불가 0건 0원"
    cutoff = home.summary(a.db, a.clerk, a.cid, now=a.now()).cutoff
    assert (cutoff.at, cutoff.debit_dates, cutoff.queued_requests, cutoff.queued_amount, cutoff.unrequested_count,
            cutoff.unrequested_amount) == (at(date(2026, 12, 24), 14), (TWENTY_FIFTH,), 1, 80_000, 1, 50_000)
    assert missed_now(a) == [("12-15(화) 출금 · 수강료", [("C06", 90_000), ("C07", 70_000)])]

    # CASH 강들(C06): a 현금수납 candidate, not asked of the bank.
    taken = missed.apply_remedy(a.db, a.clerk, a.cid, FIFTEENTH, m.item_id, Remedy.CASH, now=a.now(),
                                agreement_ids=a.agreements_of(["cash"]))
    assert (taken.count, taken.amount, taken.moved_to) == (1, 90_000, None)
    candidate = a.cash_rows()[("C06", "2026-12")]
    assert (candidate.outstanding, candidate.blocked, candidate.reason_text, candidate.last_debit_date) == (
        90_000, None, "이체의뢰 마감 놓침", FIFTEENTH)

    # UNPAID 윤산(C07): her charge exists now; 청구예정 until the 15th has passed, then 미납.
    left = missed.apply_remedy(a.db, a.clerk, a.cid, FIFTEENTH, m.item_id, Remedy.UNPAID, now=a.now(),
                               agreement_ids=a.agreements_of(["left"]))
    assert (left.count, left.amount, left.moved_to) == (1, 70_000, None)
    assert left.message == ("12-15(화) 출금 · 수강료 1건 70,000원을 미납으로 두었습니다. 출금일 12-15(화)이 지나면 "
                            "미납내역집계와 미납 안내문에 나옵니다.")
    assert "청구예정 70,000" in states(a) and a.unpaid() == (1, 200_000)

    # Every payer has a remedy: the alarm is gone everywhere.
    assert missed_now(a) == [] and missed_keys(a) == []
    assert home.summary(a.db, a.clerk, a.cid, now=a.now()).missed == ()

    # Tue 15 December, 10:00 — 강들 pays her 90,000원 at the desk: 수납.
    a.at(FIFTEENTH, 10)
    receipt = cash.receive_cash(a.db, a.clerk, candidate.charge_id, 90_000, a.today(), today=a.today())
    assert (receipt.amount, receipt.outstanding_after) == (90_000, 0)
    assert ("C06", "2026-12") not in a.cash_rows()

    # Wed 16 December, 12:00 — 정바람 was debited. The 15th has passed: 윤산's 70,000원 is 미납 now, so
    # 미납 grew from 1건 200,000원 by exactly her 70,000원, and she gets a letter too.
    a.at(date(2026, 12, 16), 12)
    assert a.unpaid() == (2, 270_000) and a.home_unpaid() == 270_000
    assert a.letter_names() == ["C02 이바다 200,000", "C07 윤산 70,000"]

    # ================================================================================================
    # Thu 24 December, 10:00 — the 25th is 성탄절 (a Friday): its debit is on Monday the 28th. 한별's
    # moved 80,000원 is already on the list; the clerk requests 한솔(C08).
    a.at(date(2026, 12, 24), 10)
    due = a.due(TWENTY_FIFTH)
    assert {no: (r.request_amount, r.requested_amount, r.brought) for no, r in due.items()} == {
        "C05": (0, 80_000, True), "C08": (50_000, 0, False)}
    outcome = a.request(TWENTY_FIFTH, ["book"])
    assert (outcome.count, outcome.total_amount) == (1, 50_000)
    listed = debits.list_due(a.db, a.clerk, a.cid, TWENTY_FIFTH, now=a.now())
    assert listed.totals.text == "전체 2건 130,000원 = 이미 의뢰 2건 130,000원 + 의뢰 가능 0건 0원 + 의뢰 불가 0건 0원"
    a.at(TWENTY_FIFTH, 15)
    assert a.unpaid() == (2, 270_000) and missed_now(a) == []

    # ================================================================================================
    # Tue 29 December, 12:00 — 한별 debited, 한솔(C08) 잔액부족. The month is done.
    a.at(date(2026, 12, 29), 12)
    assert a.unpaid() == (3, 320_000)
    assert a.letter_names() == ["C02 이바다 200,000", "C07 윤산 70,000", "C08 한솔 50,000"]
    before = fingerprint(a.db)
    list(look_everywhere(a, a.clerk))
    assert fingerprint(a.db) == before

    # Step 4. Every screen, file and the command line against the hand computation.
    check_the_month(qtbot, a, tmp_path, capsys, monkeypatch)
    assert quiet_boxes == []  # no screen warned or asked anything while it was browsed


def check_the_month(qtbot: Any, a: December, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Tue 29 December, 12:00: home, 미납내역집계, 이체의뢰내역집계, their PDF/xlsx and `report`, as computed by hand."""
    # --- the home screen: the service and the widgets ---------------------------------------------
    s = home.summary(a.db, a.clerk, a.cid, now=a.now())
    m = s.this_month
    assert (m.period, m.requested_count, m.requested, m.debited, m.failed, m.cash, m.owed, m.outstanding, m.unpaid) == (
        "2026-12", 6, 700_000, 450_000, 250_000, 90_000, 860_000, 320_000, 320_000)
    assert s.missed == ()
    page = open_page(qtbot, HomePage(AppContext(a.db, a.clerk, a.cid, clock=a.clock)))
    assert home_metrics(page) == {
        "이체의뢰": ("6건 · 700,000원", "0건 · 0원"), "출금": ("450,000원", "0원"), "출금불능": ("250,000원", "0원"),
        "현금수납": ("90,000원", "0원"), "미납": ("320,000원", "0원"), "수납률": ("62.8%", "-")}
    assert not page.missed_card.isVisibleTo(page)
    shot(page, "scenario_home_12-29.png", a)

    # --- 미납내역집계: the screen's table, its status line, its PDF and its .xlsx -----------------------
    # The last column, 반환금액, holds 0원 and stays hidden: no one withdrew (학원 반환, issue 18).
    unpaid_rows = [("교재비", "1", "50,000원", "0원", "1", "50,000원", "0원"),
                   ("수강료", "7", "810,000원", "540,000원", "2", "270,000원", "0원"),
                   ("합계", "8", "860,000원", "540,000원", "3", "320,000원", "0원")]
    outstanding = open_page(qtbot, OutstandingAggregatePage(AppContext(a.db, a.clerk, a.cid, clock=a.clock)))
    assert (outstanding.period.start, outstanding.period.end) == (date(2026, 12, 1), date(2026, 12, 29))
    assert table_texts(outstanding.summary_model) == unpaid_rows
    assert outstanding.summary_table.isColumnHidden(len(unpaid_rows[0]) - 1)
    assert outstanding.status.text() == "청구월 2026-12월분, 2026-12-29 현재 원장 기준 · 미납 3건 320,000원"
    shot(outstanding, "scenario_outstanding_12-29.png", a)
    report = build.outstanding_summary(a.db, a.clerk, a.cid, a.period(), GroupBy.ITEM, now=a.now())
    build.save(a.db, a.clerk, report, tmp_path / "outstanding.pdf", "pdf")
    build.save(a.db, a.clerk, report, tmp_path / "outstanding.xlsx", "xlsx")
    assert [pdf_has_row(tmp_path / "outstanding.pdf", row[:-1]) for row in unpaid_rows] == [True] * 3  # no 반환금액
    rows = xlsx_rows(tmp_path / "outstanding.xlsx")
    assert [r for r in rows if r and r[0] in ("교재비", "수강료", "합계")] == [
        ("교재비", 1, 50_000, 0, 1, 50_000), ("수강료", 7, 810_000, 540_000, 2, 270_000),
        ("합계", 8, 860_000, 540_000, 3, 320_000)]
    details = aggregates_outstanding.details(a.db, a.clerk, a.cid, a.period(), None, None, today=a.today())
    assert [(r.customer_no, r.item, r.owed_amount, r.received_amount, r.unpaid_amount) for r in details] == [
        ("C02", "수강료", 200_000, 0, 200_000), ("C07", "수강료", 70_000, 0, 70_000),
        ("C08", "교재비", 50_000, 0, 50_000)]

    # --- 이체의뢰내역집계: the screen's table, the service, its PDF ---------------------------------------
    requests = open_page(qtbot, RequestAggregatePage(AppContext(a.db, a.clerk, a.cid, clock=a.clock)))
    request_rows = [("교재비", "1", "50,000원", "0", "0원", "1", "50,000원", "0", "0원", "0.00%"),
                    ("수강료", "5", "650,000원", "4", "450,000원", "1", "200,000원", "0", "0원", "69.23%"),
                    ("합계", "6", "700,000원", "4", "450,000원", "2", "250,000원", "0", "0원", "64.29%")]
    assert table_texts(requests.summary_model) == request_rows
    total = aggregates_requests.summarise(a.db, a.clerk, a.cid, a.period(), GroupBy.ITEM).total
    assert (total.requested_count, total.requested_amount, total.debited_count, total.debited_amount,
            total.failed_count, total.failed_amount, total.pending_count, total.pending_amount) == (
        6, 700_000, 4, 450_000, 2, 250_000, 0, 0)
    report = build.requests_summary(a.db, a.clerk, a.cid, a.period(), GroupBy.ITEM, now=a.now())
    build.save(a.db, a.clerk, report, tmp_path / "requests.pdf", "pdf")
    assert [pdf_has_row(tmp_path / "requests.pdf", row) for row in request_rows] == [True] * 3

    # --- the command line: `python -m app report …`, its stdout 합계 and its files -----------------------
    out = run_report(capsys, monkeypatch, a, "outstanding", tmp_path / "cli_outstanding.pdf")
    assert out[:2] == ["미납내역집계\t2026-12-01 ~ 2026-12-29\t집금항목별 집계 · 청구월: 2026-12월분 · 2026-12-29 현재",
                       "합계\t청구건수 8\t청구금액(할인 후) 860,000원\t수납금액 540,000원\t미납건수 3\t미납금액 320,000원"]
    assert pdf_has_row(tmp_path / "cli_outstanding.pdf", unpaid_rows[-1][:-1])
    out = run_report(capsys, monkeypatch, a, "requests", tmp_path / "cli_requests.pdf")
    assert pdf_has_row(tmp_path / "cli_requests.pdf", request_rows[-1])
    assert out[1] == ("합계\t의뢰건수 6\t의뢰금액 700,000원\t출금건수 4\t출금금액 450,000원\t불능건수 2\t"
                      "불능금액 250,000원\t처리중건수 0\t처리중금액 0원\t수납률 64.29%")
    out = run_report(capsys, monkeypatch, a, "letters", tmp_path / "cli_letters.pdf")
    assert out[1] == "합계\t안내문 3장\t미납건수 3\t미납금액 320,000원"
    letters_text = pdf_lines(tmp_path / "cli_letters.pdf")
    assert [line for line in letters_text if line.startswith("수신:")] == [
        "수신: 이바다 님 (고객번호 C02)", "수신: 윤산 님 (고객번호 C07)", "수신: 한솔 님 (고객번호 C08)"]
    assert [line for line in letters_text if line.startswith("납부하실 금액")] == [
        "납부하실 금액: 200,000원", "납부하실 금액: 70,000원", "납부하실 금액: 50,000원"]
