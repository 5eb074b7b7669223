"""Fixtures of the 현금영수증 tests: cash payments of an academy, received at the desk in December 2026.

Each payer's 25 November debit fails (잔액부족) through the real request and ledger services, then the
payer pays cash on a chosen day (`cash_payment`), as the 현금수납관리 screen records it. Screens open
at 1366×768 on a clock the test sets; message boxes are recorded instead of shown.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from app.models import Charge, Customer
from app.services.collection import cash, ledger
from app.services.collection import requests as debits
from app.services.common.session import Actor
from app.views.common.base import Page
from app.views.common.context import AppContext
from app.views.common.theme import apply_theme
from tests.collection.helpers import KEY, add_payer, at, mark_sent
from tests.factories import Office
from tests.message_boxes import Boxes, boxes  # noqa: F401 - the autouse fixture that records message boxes

__all__ = ["Boxes"]

DEBIT_DAY = date(2026, 11, 25)  # a Wednesday: the payers' failed debit
PAID_ON = date(2026, 12, 1)  # day 0 of the examples: cash received on Tuesday 1 December
SHOTS = Path("/tmp/work/shots")


class Clock:
    """The screen's clock; a test moves it from day to day."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


CashPayment = Callable[..., int]


@pytest.fixture
def cash_payment(office: Office, clerk: Actor) -> CashPayment:
    """`cash_payment(customer_no, name, amount, paid_on=PAID_ON, mobile=None, student=None) -> payment id`:
    a payer whose 25 November debit of `amount` failed, then paid in cash at the desk on `paid_on`."""

    def make(customer_no: str, name: str, amount: int, paid_on: date = PAID_ON, *, mobile: str | None = None,
             student: str | None = None) -> int:
        db, cid = office.db, office.contract_id
        payer = add_payer(db, cid, customer_no, name, monthly=amount, day=25)
        with db.session() as s:
            customer = s.get(Customer, payer.customer_id)
            assert customer is not None
            customer.mobile, customer.student_name = mobile, student
        out = debits.request(db, clerk, cid, DEBIT_DAY, [payer.agreement_id], now=at(date(2026, 11, 20)))
        mark_sent(db, list(out.request_ids))
        with db.session() as s:
            ledger.apply_debit_outcome(s, out.request_ids[0], 0, "0021", at(DEBIT_DAY, 20))
            charge_id = s.scalar(select(Charge.id).where(Charge.agreement_id == payer.agreement_id))
        assert charge_id is not None
        return cash.receive_cash(db, clerk, charge_id, amount, paid_on, today=paid_on).payment_id

    return make


@pytest.fixture
def open_page(qtbot, qapp, office: Office) -> Callable[..., Any]:
    """`open_page(PageClass, actor, clock, contract_id=office's)`: the page shown (and so loaded) at 1366×768."""
    apply_theme(qapp)

    def opener(page_class: type[Page], actor: Actor, clock: Clock, contract_id: int | None = -1) -> Any:
        chosen = office.contract_id if contract_id == -1 else contract_id
        page = page_class(AppContext(office.db, actor, chosen, KEY, clock=clock))
        qtbot.addWidget(page)
        page.resize(1366, 768)
        page.show()
        qtbot.waitExposed(page)
        return page

    return opener


def shot(widget: Any, name: str, request: pytest.FixtureRequest) -> None:
    """Save what the clerk sees to /tmp/work/shots (once, on the SQLite run) for a person to look at."""
    if request.node.callspec.params.get("db") != "sqlite":
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    assert widget.grab().save(str(SHOTS / name))
