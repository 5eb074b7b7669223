"""Looking never writes: no list, date choice, aggregate, preview or screen changes a row.

The fingerprint of the database — every table's row count and the sum of each of its integer
columns — is taken before and after calling every read service a screen calls, and before and after
opening every page of the main window and turning each of its date and choice controls. The audit
log is left out: a reveal or an export is audited by design (none is made here).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QDate, QThreadPool
from PySide6.QtWidgets import QComboBox, QDateEdit, QFileDialog, QMessageBox
from sqlalchemy import BigInteger, Integer, cast, func, select

from app.database.engine import Database
from app.models import Customer
from app.models.base import Base
from app.services.aggregates import discounts as aggregates_discounts
from app.services.aggregates import outstanding as aggregates_outstanding
from app.services.aggregates import overview as aggregates_overview
from app.services.aggregates import registrations as aggregates_registrations
from app.services.aggregates import requests as aggregates_requests
from app.services.aggregates import settlement
from app.services.aggregates.common import GroupBy
from app.services.aggregates.reports import build, letters
from app.services.collection import cash, registrations, results, retries
from app.services.collection import requests as debits
from app.services.common.calendar import SEOUL, seoul_datetime
from app.services.common.periods import Period
from app.services.customers import records as customers
from app.services.home import today as home
from app.views.common.context import AppContext
from app.views.shell.main_window import MainWindow
from tests.aggregates.seed import NOW, TODAY, Seeded
from tests.factories import Office

SKIPPED = frozenset({"audit_log"})  # reveals and exports are audited on purpose
PERIODS = (Period(date(2026, 9, 1), date(2026, 11, 27)), Period(date(2026, 10, 1), date(2026, 10, 21)),
           Period(date(2026, 11, 1), date(2026, 11, 30)), Period(date(2025, 1, 1), date(2025, 1, 31)))
SEOUL_NOW = NOW.astimezone(SEOUL)


def fingerprint(db: Database) -> dict[str, tuple[int, ...]]:
    """table → (row count, Σ of each integer column): equal before and after means nothing was written."""
    out: dict[str, tuple[int, ...]] = {}
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in SKIPPED:
                continue
            numbers = [c for c in table.columns if isinstance(c.type, (Integer, BigInteger))]
            sums = [cast(func.coalesce(func.sum(c), 0), BigInteger) for c in numbers]
            row = conn.execute(select(func.count(), *sums).select_from(table)).one()
            out[table.name] = tuple(int(v) for v in row)
    return out


def _debit_dates(office: Office) -> list[date]:
    """Every debit date of October to December: closed ones (past cut-off) and open ones."""
    found = []
    for year, month in ((2026, 10), (2026, 11), (2026, 12)):
        found += [o.debit_date for o in debits.debit_dates(office.db, office.admin, office.contract_id, year, month)]
    return found


def test_every_read_service_leaves_the_database_as_it_was(seeded: tuple[Office, Seeded], tmp_path: Any) -> None:
    office, _ = seeded
    db, actor, cid = office.db, office.admin, office.contract_id
    before = fingerprint(db)
    dates = _debit_dates(office)
    assert len(dates) >= 6
    listed = 0
    for debit_date in dates:  # 이체의뢰 of closed dates (10-06, 11-05, 11-25) and open ones (12-…)
        for outstanding in (False, True):
            due = debits.list_due(db, actor, cid, debit_date, include_outstanding=outstanding, now=SEOUL_NOW)
            listed += len(due.rows)
        debits.preflight(db, actor, cid, debit_date, now=SEOUL_NOW)
        debits.cutoff_state_for(db, actor, cid, debit_date, SEOUL_NOW)
    assert listed > 100  # 72 agreements, 5th and 25th, three months
    retries.list_retry(db, actor, cid, now=SEOUL_NOW)
    for period in PERIODS:
        for group_by in GroupBy:
            aggregates_requests.summarise(db, actor, cid, period, group_by)
            summary = aggregates_outstanding.summarise(db, actor, cid, period, group_by, today=TODAY)
            for row in summary.rows:
                aggregates_outstanding.details(db, actor, cid, period, group_by, row.key, today=TODAY)
            build.outstanding_summary(db, actor, cid, period, group_by, now=SEOUL_NOW)
            build.outstanding_detail(db, actor, cid, period, group_by, None, now=SEOUL_NOW)
        aggregates_requests.bank_status(db, actor, cid, period)
        for by_item in (False, True):
            aggregates_discounts.summarise(db, actor, cid, period, by_item=by_item)
        aggregates_registrations.summarise(db, actor, cid, period)
        aggregates_overview.overview(db, actor, cid, period)
        settlement.settle(db, actor, cid, period, now=SEOUL_NOW)
        letters.letters_for(aggregates_outstanding.details(db, actor, cid, period, None, None, today=TODAY))
    for day in (TODAY, date(2026, 11, 25), date(2026, 12, 4)):
        home.summary(db, actor, cid, now=seoul_datetime(day, time(10)))
    cash.list_cash_candidates(db, actor, cid)
    results.list_results(db, actor, cid, today=TODAY)
    registrations.list_registrations(db, actor, cid, now=SEOUL_NOW)
    with db.session() as s:
        ids = list(s.scalars(select(Customer.id).where(Customer.contract_id == cid)))
    for customer_id in ids:
        customers.get_customer_detail(db, actor, customer_id)
    assert fingerprint(db) == before


@pytest.fixture
def quiet_boxes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Message boxes and file dialogs would block: answer them No / cancel, and record what they said."""
    said: list[str] = []

    def box(_parent: Any, _title: str, text: str, *_a: Any, **_k: Any) -> QMessageBox.StandardButton:
        said.append(text)
        return QMessageBox.StandardButton.No

    for name in ("warning", "information", "question", "critical"):
        monkeypatch.setattr(QMessageBox, name, box)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: ("", ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: ("", ""))
    yield said


def _settle(qtbot: Any) -> None:
    """Let the page's background loads finish and their results land."""
    for _ in range(3):
        QThreadPool.globalInstance().waitForDone(5000)
        qtbot.wait(30)


def _turn_controls(qtbot: Any, page: Any, dates: list[date]) -> int:
    """Every choice of every combo box, and a few dates in every date field; returns how many were turned."""
    turned = 0
    for combo in page.findChildren(QComboBox):
        if not combo.isEnabled() or not combo.isVisibleTo(page):
            continue
        for index in range(min(combo.count(), 12)):
            combo.setCurrentIndex(index)
            turned += 1
            _settle(qtbot)
    for edit in page.findChildren(QDateEdit):
        if not edit.isEnabled() or not edit.isVisibleTo(page):
            continue
        original = edit.date()
        for day in dates:
            edit.setDate(QDate(day.year, day.month, day.day))
            turned += 1
            _settle(qtbot)
        edit.setDate(original)
        _settle(qtbot)
    return turned


def _page_keys() -> list[str]:
    from app.views.shell.pages import page_factories

    return list(page_factories())


def test_opening_every_page_and_turning_its_controls_writes_nothing(
        qtbot, seeded: tuple[Office, Seeded], quiet_boxes: list[str]) -> None:
    office, _ = seeded
    before = fingerprint(office.db)
    ctx = AppContext(office.db, office.admin, clock=lambda: SEOUL_NOW)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    dates = [date(2026, 10, 6), date(2026, 11, 25), date(2026, 12, 7), TODAY - timedelta(days=60)]
    opened, turned = [], 0
    for key in _page_keys():
        if not window.open_page(key):
            continue
        opened.append(key)
        _settle(qtbot)
        turned += _turn_controls(qtbot, window.pages[key], dates)
    assert {"home", "collection.requests", "aggregates.outstanding", "collection.cash", "customers.list",
            "collection.results"} <= set(opened)
    assert turned > 20
    assert fingerprint(office.db) == before




def test_the_request_list_of_a_closed_date_creates_no_charge(seeded: tuple[Office, Seeded]) -> None:
    """The bug of issue 14: opening a closed date (11-25, its requests at the bank) made charges."""
    office, _ = seeded
    before = fingerprint(office.db)
    due = debits.list_due(office.db, office.admin, office.contract_id, date(2026, 12, 7),
                          now=datetime(2026, 12, 7, 9, tzinfo=SEOUL))
    assert not due.cutoff.open and due.rows and all(r.charge_id is None for r in due.rows)
    assert fingerprint(office.db) == before
