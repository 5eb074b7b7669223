"""The home screen knows the contract's debit days; dates are said as the clerk thinks them.

December 2026: the 5th is a Saturday (debited Monday the 7th, cut-off Friday the 4th 14:00), the
15th a Tuesday (cut-off Monday the 14th), the 25th 성탄절 on a Friday (debited Monday the 28th,
cut-off Thursday the 24th). Payers are inserted with the models and requested through the
collection services; the cards, the command line and the 이체의뢰 screen are read as a clerk would.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from sqlalchemy import select, update

from app.cli import main as cli
from app.models import (
    CollectionItem,
    DebitRequest,
    InstitutionHoliday,
    RegistrationState,
)
from app.services.aggregates.reports.layouts import collected_rate
from app.services.aggregates.requests import RequestFigures
from app.services.collection import requests as debits
from app.services.common import debit_days
from app.services.common.calendar import BusinessCalendar, ManualClock
from app.services.home import today as home
from app.services.home.today import CutoffLine
from app.views.common.context import AppContext
from app.views.common.theme import apply_theme
from app.views.shell.home_view import HomePage
from tests.factories import Office
from tests.home.helpers import KEY, add_payer, at
from tests.security.cli import use_login

SHOTS = Path("/tmp/shots14")
DONE = RegistrationState.DONE
SATURDAY = ManualClock.at(2026, 12, 5, 10, 0)


def _days(office: Office, code: str, days: str) -> None:
    with office.db.session() as s:
        s.execute(update(CollectionItem).where(CollectionItem.contract_id == office.contract_id,
                                               CollectionItem.code == code).values(collection_days=days))


def _closed(office: Office, day: date, label: str) -> None:
    with office.db.session() as s:
        s.add(InstitutionHoliday(contract_id=office.contract_id, day=day, label=label))


def _december(office: Office) -> dict[str, int]:
    """수강료 on 5, 15, 25 and 교재비 on the 15th: two payers of each on the 15th, one more on the 5th."""
    db, cid = office.db, office.contract_id
    _days(office, "A01", "5,15,25")
    _days(office, "A02", "15")
    made = {
        "kim": add_payer(db, cid, "C001", account="110000000001", name="김하늘", day=15, monthly=100_000, first="2026-12",
                         registration=DONE),
        "lee": add_payer(db, cid, "C002", account="110000000002", name="이바다", day=15, monthly=120_000, first="2026-12",
                         registration=DONE),
        "park": add_payer(db, cid, "C003", account="110000000003", name="박구름", day=15, monthly=30_000, first="2026-12",
                          item="A02", registration=DONE),
        "choi": add_payer(db, cid, "C004", account="110000000004", name="최별", day=15, monthly=20_000, first="2026-12",
                          item="A02", registration=DONE),
        "yoon": add_payer(db, cid, "C005", account="110000000005", name="윤산", day=5, monthly=80_000, first="2026-12",
                          registration=DONE),
    }
    return {k: p.agreement_id for k, p in made.items()}


def _shot(widget, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    QApplication.processEvents()
    assert widget.grab().save(str(SHOTS / name))


def _home(qtbot, office: Office, clock: ManualClock) -> HomePage:
    page = HomePage(AppContext(office.db, office.admin, office.contract_id, KEY, clock=clock))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    return page


# --- the home card ---------------------------------------------------------------------------------


def test_on_saturday_the_5th_the_card_shows_the_15th_with_each_item(qtbot, qapp, office: Office, request) -> None:
    apply_theme(qapp)
    ids = _december(office)
    debits.request(office.db, office.admin, office.contract_id, date(2026, 12, 15), [ids["kim"], ids["park"]],
                   now=SATURDAY.now())
    s = home.summary(office.db, office.admin, office.contract_id, now=SATURDAY.now())
    # Not 12-08 (the business day after Monday's cut-off): the contract debits on the 5th, 15th, 25th.
    assert s.cutoff.at == at(date(2026, 12, 14), 14) and s.cutoff.debit_date == date(2026, 12, 15)
    assert s.cutoff.lines == (
        CutoffLine("수강료", date(2026, 12, 15), (15,), 1, 100_000, 1, 120_000),
        CutoffLine("교재비", date(2026, 12, 15), (15,), 1, 30_000, 1, 20_000),
    )
    assert (s.cutoff.queued_requests, s.cutoff.queued_amount) == (2, 130_000)
    assert (s.cutoff.unrequested_count, s.cutoff.unrequested_amount) == (2, 140_000)

    page = _home(qtbot, office, SATURDAY)
    assert page.cutoff_label.text() == "12-14(월) 14:00 마감 · 출금일 12-15(화)"
    assert page.countdown_label.text() == "9일 4시간 남음"
    lines = page.queued_label.text().splitlines()
    assert "수강료 · 12-15(화) — 의뢰 대기 1건 · 100,000원 / 미의뢰 1건 · 120,000원" in lines
    assert "교재비 · 12-15(화) — 의뢰 대기 1건 · 30,000원 / 미의뢰 1건 · 20,000원" in lines
    assert page.unrequested_label.text() == "아직 의뢰하지 않은 청구 2건 · 140,000원"
    assert page.metric_text("수납률") == "-"  # requested, no result yet: nothing to rate, not 0.0%
    if request.node.callspec.params.get("db") == "sqlite":
        _shot(page, "home_quiet_saturday.png")

    # Monday the 14th, the cut-off day: 40 minutes left, in red.
    cutoff_day = ManualClock.at(2026, 12, 14, 13, 20)
    page = _home(qtbot, office, cutoff_day)
    assert page.countdown_label.text() == "40분 남음" and page.countdown_label.objectName() == "bigAlert"
    if request.node.callspec.params.get("db") == "sqlite":
        _shot(page, "home_cutoff_day.png")


def test_an_institution_closed_day_moves_the_debit_date(office: Office) -> None:
    _december(office)
    _closed(office, date(2026, 12, 15), "개원기념일")
    s = home.summary(office.db, office.admin, office.contract_id, now=SATURDAY.now())
    # The 15th is closed for the academy: debited Wednesday the 16th; the cut-off stays Monday 14:00.
    assert s.cutoff.debit_date == date(2026, 12, 16) and s.cutoff.at == at(date(2026, 12, 14), 14)
    assert [(x.item_name, x.debit_date, x.days, x.unrequested_count) for x in s.cutoff.lines] == [
        ("수강료", date(2026, 12, 16), (15,), 2), ("교재비", date(2026, 12, 16), (15,), 2)]
    from app.views.shell.home_view import cutoff_lines

    assert cutoff_lines(s.cutoff)[0].startswith("수강료 · 12-16(수) 15일분 — ")


def test_days_29_to_31_go_to_the_months_last_business_day(office: Office) -> None:
    db, cid = office.db, office.contract_id
    _days(office, "A01", "31")
    add_payer(db, cid, "C001", account="110000000001", name="김하늘", day=31, first="2027-01", registration=DONE)
    # February 2027 has no 31st and its 28th is a Sunday: debited Friday 02-26, cut-off Thursday 02-25.
    s = home.summary(db, office.admin, cid, now=at(date(2027, 2, 3), 9))
    assert s.cutoff.debit_date == date(2027, 2, 26) and s.cutoff.at == at(date(2027, 2, 25), 14)
    assert [(x.item_name, x.unrequested_count, x.unrequested_amount) for x in s.cutoff.lines] == [("수강료", 1, 100_000)]
    # The clerk saying "the 28th" (the month's last day) for day 31 is told the same.
    moved = debit_days.move_to_debit_date(BusinessCalendar(), [31], date(2027, 2, 28))
    assert moved is not None and moved.note == "02-28은 휴일이라 출금일은 02-26(금)입니다"


def test_the_moving_rule_says_what_it_did() -> None:
    cal = BusinessCalendar()
    days = [5, 15, 25]
    assert debit_days.move_to_debit_date(cal, days, date(2026, 12, 5)).note == "12-05은 휴일이라 출금일은 12-07(월)입니다"  # type: ignore[union-attr]
    assert debit_days.move_to_debit_date(cal, days, date(2026, 12, 25)).note == "12-25은 휴일이라 출금일은 12-28(월)입니다"  # type: ignore[union-attr]
    same = debit_days.move_to_debit_date(cal, days, date(2026, 12, 15))
    assert same is not None and not same.moved and same.note == ""
    assert debit_days.move_to_debit_date(cal, days, date(2026, 12, 7)) is None  # not a contracted day: as given
    assert debit_days.notes_on(cal, days, date(2026, 12, 28)) == ("12-25은 휴일이라 출금일은 12-28(월)입니다",)


# --- the command line and the 이체의뢰 screen ------------------------------------------------------------


def test_request_on_a_closed_contracted_day_moves_and_says_so(office: Office, monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import collection as cli_collection

    ids = _december(office)
    use_login(monkeypatch, office.db)
    monkeypatch.setattr(cli_collection, "_now", lambda: at(date(2026, 12, 3), 10))  # Thursday, before both cut-offs
    code = office.institution_code
    assert cli.main(["request", "--contract", code, "--date", "2026-12-05"]) == 0
    out = capsys.readouterr().out
    assert "12-05은 휴일이라 출금일은 12-07(월)입니다" in out
    assert "이체의뢰 1건(80,000원)" in out
    add_payer(office.db, office.contract_id, "C006", account="110000000006", name="강들", day=25, monthly=70_000,
              first="2026-12", registration=DONE)
    assert cli.main(["request", "--contract", code, "--date", "2026-12-25"]) == 0
    out = capsys.readouterr().out
    assert "12-25은 휴일이라 출금일은 12-28(월)입니다" in out
    with office.db.session() as s:
        dates = dict(s.execute(select(DebitRequest.agreement_id, DebitRequest.debit_date)).all())
    assert dates[ids["yoon"]] == date(2026, 12, 7) and date(2026, 12, 28) in dates.values()


def test_the_requests_screen_takes_the_contracted_day(qtbot, qapp, office: Office) -> None:
    from app.views.collection.requests_view import RequestsPage

    apply_theme(qapp)
    _december(office)
    page = RequestsPage(AppContext(office.db, office.admin, office.contract_id, KEY,
                                   clock=ManualClock.at(2026, 12, 3, 10)))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    page.select_date(date(2026, 12, 5))
    assert page.debit_date() == date(2026, 12, 7)
    assert page.moved_label.isVisible() and page.moved_label.text() == "12-05은 휴일이라 출금일은 12-07(월)입니다"
    assert [r.customer_no for r in page.model.rows()] == ["C005"]
    _shot(page, "requests_moved_date.png")
    page.select_date(date(2026, 12, 15))
    assert page.debit_date() == date(2026, 12, 15) and page.moved_label.isHidden()


# --- the status bar, 수납률 and the chart axis ----------------------------------------------------------


def test_the_status_bar_shows_the_institutions_closed_day(qtbot, qapp, office: Office, request) -> None:
    from app.views.shell.main_window import MainWindow

    apply_theme(qapp)
    _closed(office, date(2026, 12, 4), "개원기념일")  # a Friday the banks work
    window = MainWindow(AppContext(office.db, office.admin, office.contract_id, KEY,
                                   clock=ManualClock.at(2026, 12, 4, 9)))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    assert window.date_label.text() == "2026-12-04 (금) · 휴일: 개원기념일"
    if request.node.callspec.params.get("db") == "sqlite":
        _shot(window, "status_bar_closed_day.png")


def test_a_rate_with_nothing_to_rate_is_a_dash() -> None:
    assert collected_rate(RequestFigures(requested_count=3, requested_amount=90_000, pending_count=3,
                                         pending_amount=90_000)) == "-"
    assert collected_rate(RequestFigures()) == "-"
    assert collected_rate(RequestFigures(requested_count=2, requested_amount=100_000, debited_count=1,
                                         debited_amount=50_000)) == "50.00%"


def test_the_amount_axis_has_whole_number_ticks(qtbot, qapp) -> None:
    from PySide6.QtCharts import QValueAxis

    from app.services.aggregates.overview import ItemAmount, Overview
    from app.services.common.periods import Period
    from app.views.aggregates.charts_view import OverviewWidget, whole_ticks

    assert whole_ticks(2) == (2, 1) and whole_ticks(7) == (8, 2) and whole_ticks(1291) == (1500, 500)
    widget = OverviewWidget()
    qtbot.addWidget(widget)
    period = Period(date(2026, 12, 1), date(2026, 12, 31))
    widget.show_overview(Overview(period, (), (ItemAmount("수강료", 20_000, 10_000),), ()))
    [axis] = [a for a in widget.item_chart.axes() if isinstance(a, QValueAxis)]
    assert axis.labelFormat() == "%d" and axis.tickType() == QValueAxis.TickType.TicksDynamic
    assert axis.tickInterval() == 1 and (axis.min(), axis.max()) == (0, 2)  # 0, 1, 2 만원 — not 2, 1, 1, 0
