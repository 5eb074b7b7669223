"""Reading and living the demo academy after `demo-data`: the office's actors, every 집계, a practice month.

The practice month is what a new user does after the demo: the clock moves on from the demo's "now",
the clerk asks for every debit date before its cut-off, a new family signs up, and the embedded
scheduler sends the files and applies the results of the built-in simulator — the simulator the
demo left behind in the data folder, with the relay setting the demo stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from app.database.engine import Database
from app.models import Contract, EvidenceKind, Role, User
from app.services.aggregates import discounts as aggregates_discounts
from app.services.aggregates import outstanding as aggregates_outstanding
from app.services.aggregates import overview as aggregates_overview
from app.services.aggregates import registrations as aggregates_registrations
from app.services.aggregates import requests as aggregates_requests
from app.services.aggregates import settlement
from app.services.aggregates.common import GroupBy
from app.services.collection import requests as debits
from app.services.collection import results
from app.services.common import keys, periods
from app.services.common.calendar import SEOUL, ManualClock, seoul_datetime
from app.services.common.crypto import DataKey
from app.services.common.periods import Period
from app.services.common.session import Actor
from app.services.customers import agreements
from app.services.customers import records as customers
from app.services.customers.evidence import store as evidence
from app.services.customers.rules import AgreementForm, CustomerForm
from app.services.exchange import relay_config
from app.services.exchange.scheduler import CollectionScheduler
from app.services.exchange.transmissions import load_contract
from app.services.settings import contracts
from app.services.settings.demo.data import DEMO_PASSPHRASE
from app.services.settings.demo.history import Driver, consent_form


@dataclass(frozen=True)
class DemoOffice:
    db: Database
    contract_id: int
    admin: Actor
    clerk: Actor


def demo_office(db: Database) -> DemoOffice:
    with db.session() as s:
        cid = s.scalar(select(Contract.id))
        assert cid is not None
        found = {}
        for login in ("admin", "clerk"):
            user = s.scalar(select(User).where(User.login_id == login))
            assert user is not None
            found[login] = Actor(user.id, user.institution_id, user.login_id, user.name, user.role)
    assert found["admin"].role is Role.ADMIN and found["clerk"].role is Role.CLERK
    return DemoOffice(db, cid, found["admin"], found["clerk"])


def empty_aggregates(office: DemoOffice, period: Period, now: datetime) -> list[str]:
    """The names of the 집계 (and 이체의뢰결과) that have no row over `period`."""
    db, actor, cid = office.db, office.admin, office.contract_id
    today = now.astimezone(SEOUL).date()
    counts = {
        "이체의뢰내역집계(항목)": len(aggregates_requests.summarise(db, actor, cid, period, GroupBy.ITEM).rows),
        "이체의뢰내역집계(등급)": len(aggregates_requests.summarise(db, actor, cid, period, GroupBy.GRADE).rows),
        "이체의뢰내역집계(은행)": len(aggregates_requests.summarise(db, actor, cid, period, GroupBy.BANK).rows),
        "이체의뢰현황": len(aggregates_requests.bank_status(db, actor, cid, period).rows),
        "미납내역집계": len(aggregates_outstanding.summarise(db, actor, cid, period, GroupBy.ITEM, today=today).rows),
        "할인내역집계": len(aggregates_discounts.summarise(db, actor, cid, period).rows),
        "계좌신청현황": len(aggregates_registrations.summarise(db, actor, cid, period).rows),
        "정산내역현황": len(settlement.settle(db, actor, cid, period, now=now).rows),
        "집계 개요(불능사유)": len(aggregates_overview.overview(db, actor, cid, period).reasons),
        "이체의뢰결과": len(results.list_results(db, actor, cid, results.ResultQuery(period.start, period.end),
                                                today=today).rows),
    }
    return [name for name, n in counts.items() if not n]


def sign_up(office: DemoOffice, clock: ManualClock, data_key: DataKey, number: str) -> int:
    """A new family during the practice month (신규등록, 이체정보 추가, 출금동의서 첨부), first month as early
    as D-2 allows."""
    db, clerk, cid = office.db, office.clerk, office.contract_id
    saved = customers.create_customer(db, clerk, cid, CustomerForm(
        customer_no=number, name="신입생", grade="초등3", representative="신학부모", mobile="010-5555-0101"), data_key)
    info = load_contract(db, cid)
    period = periods.add_months(periods.month_of(clock.today()), 1)
    while not agreements.registration_outlook(info.calendar, clock.now(), period, 15).in_time:
        period = periods.add_months(period, 1)
    tuition = next(i.id for i in contracts.list_items(db, office.admin, cid) if i.code == "A01")
    made = agreements.create_agreement(db, clerk, saved.id, AgreementForm(
        item_id=tuition, debit_limit=500_000, monthly_amount=300_000, first_month=period, debit_day=15,
        bank_code="088", account_no="110987654320", holder_name="신학부모", holder_id="850505"),
        data_key=data_key, today=clock.today())
    evidence.attach(db, clerk, data_key, made.id, consent_form(), "출금이체동의서.jpg", kind=EvidenceKind.WRITTEN,
                    now=clock.now())  # the signed form goes as the cut-off's EI13, before the EB13
    return made.id


def practice_month(office: DemoOffice, data_dir: Path, start: datetime, *, days: int = 35,
                   passphrase: str = DEMO_PASSPHRASE) -> tuple[datetime, list[date], int]:
    """Live `days` after the demo: every debit date whose cut-off falls in them is asked for; a family joins.

    Returns (the end, the debit dates asked for, the new family's agreement id)."""
    db, clerk, cid = office.db, office.clerk, office.contract_id
    key = keys.unlock(db, passphrase, remember=False)
    clock = ManualClock(start)
    scheduler = CollectionScheduler(db, clock=clock, data_key=key, upload_delays=(), sleep=lambda _s: None,
                                    transport_for=relay_config.transport_factory(db, clock=clock, data_dir=data_dir))
    info = load_contract(db, cid)
    driver = Driver(db, info, clock, scheduler)
    end = start + timedelta(days=days)
    options = []
    for back in range(0, 3):
        first = (start.replace(day=1) + timedelta(days=32 * back)).replace(day=1)
        options += debits.debit_dates(db, clerk, cid, first.year, first.month)
    due = sorted({o.debit_date: o.cutoff for o in options if start < o.cutoff <= end}.items(), key=lambda x: x[1])
    # The family joins in the month's last days, so the month the practice ends in has a 계좌신청 too.
    joins = seoul_datetime(info.calendar.business_day_on_or_before(end.date() - timedelta(days=3)), time(10, 0))
    events: list[tuple[datetime, date | None]] = [(cutoff - timedelta(hours=4), d) for d, cutoff in due]
    events.append((joins, None))
    new_agreement = 0
    for at, debit_date in sorted(events, key=lambda e: e[0]):
        driver.advance(max(at, clock.now()))
        if debit_date is None:
            new_agreement = sign_up(office, clock, key, "P0000001")
            continue
        listed = debits.list_due(db, clerk, cid, debit_date, now=clock.now())
        ids = [r.agreement_id for r in listed.requestable]
        if ids:
            debits.request(db, clerk, cid, debit_date, ids, now=clock.now())
    results_in = [info.result_due("EB21", d) for d, _c in due]
    sent_on = info.calendar.registration_send_day(joins)
    results_in.append(info.calendar.registration_result_at(sent_on, info.result_time))
    finish = max([end, *(r + timedelta(hours=1) for r in results_in)])
    driver.advance(finish)
    return finish, [d for d, _c in due], new_agreement
