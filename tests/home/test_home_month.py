"""오늘 할 일 through March 2026 on a ManualClock: each item appears when it should and goes when done.

The real scheduler sends and fetches through the built-in bank simulator; requests and retries go
through the collection services; the home summary is asked at each step of the month.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.models import DebitRequest, RequestState
from app.services import notices
from app.services.collection import requests as debits
from app.services.collection import retries
from app.services.common.calendar import ManualClock
from app.services.common.destinations import Destination
from app.services.common.session import Actor
from app.services.exchange.transmissions import load_contract
from app.services.home import today as home
from app.services.home.today import HomeSummary
from app.views.shell.home_view import countdown_text
from tests.factories import Office
from tests.home.helpers import (
    Payer,
    Relay,
    add_payer,
    at,
    queue_registration,
    receive_cash,
)


def _summary(office: Office, actor: Actor, clock: ManualClock) -> HomeSummary:
    return home.summary(office.db, actor, office.contract_id, now=clock.now())


def _keys(s: HomeSummary) -> set[str]:
    return {w.key for w in s.work}


def _march_payers(office: Office) -> dict[str, Payer]:
    queued = at(date(2026, 3, 9), 9, 0)
    db, cid = office.db, office.contract_id
    return {
        "ok": add_payer(db, cid, "C001", account="110000000001", name="김하늘", queued_at=queued),
        "poor": add_payer(db, cid, "C002", account="110000000021", name="이바다", queued_at=queued),
        "wrong": add_payer(db, cid, "C003", account="110000000012", name="박구름", queued_at=queued),
        "discount": add_payer(db, cid, "C005", account="110000000005", name="최별", discount=10_000, last="2026-03",
                              queued_at=queued),
    }


def test_a_month_of_the_home_screen(office: Office, clerk: Actor, relay: Relay, clock: ManualClock) -> None:
    db, cid = office.db, office.contract_id
    payers = _march_payers(office)

    # Mon 9 March 10:00 — four registrations queued for today's 14:00 file; one discount ends this month.
    clock.set(at(date(2026, 3, 9), 10))
    s = _summary(office, clerk, clock)
    assert s.day.is_business_day and s.day.text == "2026-03-09 (월) · 영업일"
    # The next debit is the contract's 25th (items debit on the 5th and 25th), not tomorrow.
    assert s.cutoff.at == at(date(2026, 3, 24), 14) and s.cutoff.debit_date == date(2026, 3, 25)
    assert countdown_text(s.cutoff.remaining(clock.now())) == "15일 4시간 남음"
    assert s.cutoff.registration_at == at(date(2026, 3, 9), 14)
    assert s.cutoff.queued_registrations == 4
    assert _keys(s) == {"discounts"}
    assert s.item("discounts").count == 1 and "최별(C005)" in s.item("discounts").examples[0]  # type: ignore[union-attr]

    # The agency's notices come with the results; unread ones are work until read.
    transport = relay.factory(load_contract(db, cid))
    fetched = notices.fetch_from_relay(db, transport, office.institution_id)
    assert notices.fetch_from_relay(db, transport, office.institution_id) == 0
    assert _summary(office, clerk, clock).item("notices").count == fetched  # type: ignore[union-attr]
    notices.mark_all_read(db, clerk, now=clock.now())
    assert "notices" not in _keys(_summary(office, clerk, clock))

    clock.set(at(date(2026, 3, 9), 13, 30))
    assert countdown_text(_summary(office, clerk, clock).cutoff.registration_at - clock.now()) == "30분 남음"

    # Tue 10 March 10:00 — the file went at 13:58; its result is due at 11:00.
    relay.run_until(at(date(2026, 3, 10), 10))
    s = _summary(office, clerk, clock)
    assert s.cutoff.queued_registrations == 0 and s.cutoff.debit_date == date(2026, 3, 25)
    [result] = s.results
    assert (result.kind, result.arrived, result.records) == ("EB14", False, 4)

    # 12:00 — the result is in: three registered, 박구름's account number is wrong.
    relay.run_until(at(date(2026, 3, 10), 12))
    s = _summary(office, clerk, clock)
    [result] = s.results
    assert (result.arrived, result.done, result.failed) == (True, 3, 1)
    rejected = s.item("registrations")
    assert rejected is not None and rejected.count == 1 and rejected.destination is Destination.REGISTRATIONS
    assert "박구름(C003)" in rejected.examples[0] and "계좌번호" in rejected.examples[0]

    # The clerk corrects the account and requeues: the item goes, the registration waits for 14:00.
    queue_registration(db, cid, payers["wrong"], "110000000003", at_=clock.now())
    s = _summary(office, clerk, clock)
    assert "registrations" not in _keys(s) and s.cutoff.queued_registrations == 1

    # Thu 12 March 15:00 — a new payer whose first debit is Monday the 16th: too late for D-2.
    relay.run_until(at(date(2026, 3, 12), 15))
    late = add_payer(db, cid, "C004", account="110000000004", name="정바람", day=15, queued_at=clock.now())
    s = _summary(office, clerk, clock)
    risky = s.item("at_risk")
    assert risky is not None and risky.count == 1 and risky.destination is Destination.CUSTOMERS
    assert "정바람(C004)" in risky.examples[0] and "03-16(월)" in risky.examples[0]
    assert "03-12(목)" in risky.examples[0]  # the D-2 deadline
    # Fri 13 March 14:01 — the 16th's cut-off passed; the next debit (15 April) is safe.
    relay.run_until(at(date(2026, 3, 13), 14, 1))
    assert "at_risk" not in _keys(_summary(office, clerk, clock))
    assert late.customer_no == "C004"

    # Tue 24 March 10:00 — the 25th's cut-off today; four payers due and not requested.
    relay.run_until(at(date(2026, 3, 24), 10))
    s = _summary(office, clerk, clock)
    assert s.cutoff.at == at(date(2026, 3, 24), 14) and s.cutoff.debit_date == date(2026, 3, 25)
    assert (s.cutoff.unrequested_count, s.cutoff.unrequested_amount) == (4, 390_000)
    assert (s.cutoff.queued_requests, s.cutoff.queued_amount) == (0, 0)
    due = [p.agreement_id for p in payers.values()]
    debits.request(db, clerk, cid, date(2026, 3, 25), due, now=clock.now())
    s = _summary(office, clerk, clock)
    assert (s.cutoff.queued_requests, s.cutoff.queued_amount) == (4, 390_000)
    assert (s.cutoff.unrequested_count, s.cutoff.unrequested_amount) == (0, 0)

    # Thu 26 March 12:00 — results: 이바다 failed (잔액부족); a retry is possible this month.
    relay.run_until(at(date(2026, 3, 26), 12))
    s = _summary(office, clerk, clock)
    [result] = s.results
    assert (result.kind, result.arrived, result.done, result.failed, result.debited) == ("EB22", True, 3, 1, 290_000)
    retry = s.item("retries")
    assert retry is not None and (retry.count, retry.amount) == (1, 100_000) and "이바다(C002)" in retry.examples[0]
    assert "cash" not in _keys(s)
    month = s.this_month
    assert (month.requested_count, month.requested, month.debited, month.failed) == (4, 390_000, 290_000, 100_000)
    assert (month.owed, month.outstanding) == (390_000, 100_000)
    assert month.rate is not None and round(month.rate * 100, 1) == 74.4
    assert s.last_month.requested == 0 and s.last_month.rate is None

    # The clerk retries on Friday the 27th: the item goes while the retry is in the bank's hands.
    with db.session() as session:
        failed_id = session.scalar(select(DebitRequest.id).where(DebitRequest.state == RequestState.FAILED))
    retries.retry(db, clerk, cid, [failed_id], date(2026, 3, 27), now=clock.now())
    assert not {"retries", "cash"} & _keys(_summary(office, clerk, clock))

    # Mon 30 March 12:00 — the retry failed too; the 31st can still be tried until 14:00.
    relay.run_until(at(date(2026, 3, 30), 12))
    assert _summary(office, clerk, clock).item("retries") is not None
    # 15:00 — no retry day left this month: receive it in cash before April's request.
    relay.run_until(at(date(2026, 3, 30), 15))
    s = _summary(office, clerk, clock)
    cash = s.item("cash")
    assert "retries" not in _keys(s) and cash is not None and (cash.count, cash.amount) == (1, 100_000)
    assert cash.destination is Destination.CASH and "04-24(금) 14:00" in cash.detail
    receive_cash(db, cid, payers["poor"].agreement_id, "2026-03", date(2026, 3, 31))
    s = _summary(office, clerk, clock)
    assert "cash" not in _keys(s)
    assert (s.this_month.cash, s.this_month.outstanding, s.this_month.rate) == (100_000, 0, 1.0)

    # Wed 1 April — a new month: March is last month, the discount that ended is no longer listed.
    relay.run_until(at(date(2026, 4, 1), 10))
    s = _summary(office, clerk, clock)
    assert s.this_month.period == "2026-04" and s.this_month.requested == 0
    march = s.last_month
    assert (march.period, march.requested_count, march.requested, march.debited, march.failed, march.cash) == (
        "2026-03", 5, 490_000, 290_000, 200_000, 100_000)
    assert "discounts" not in _keys(s)


def test_a_holiday_and_a_quiet_day(office: Office, clock: ManualClock) -> None:
    clock.set(at(date(2026, 3, 1), 9))  # 삼일절, a Sunday; Monday is its substitute holiday
    s = home.summary(office.db, office.admin, office.contract_id, now=clock.now())
    assert not s.day.is_business_day and s.day.holiday_name == "삼일절"
    assert s.day.next_business_day == date(2026, 3, 3)
    # The 5th (Thu) is the next debit day; its cut-off is the 4th, the substitute holiday on the 2nd skipped.
    assert s.cutoff.at == at(date(2026, 3, 4), 14) and s.cutoff.debit_date == date(2026, 3, 5)
    assert countdown_text(s.cutoff.remaining(clock.now())) == "3일 5시간 남음"
    assert s.work == () and s.results == ()
    assert s.this_month.rate is None


def test_countdown_text() -> None:
    from datetime import timedelta

    assert countdown_text(timedelta(seconds=61)) == "2분 남음"  # rounded up: still open
    assert countdown_text(timedelta(hours=2, minutes=15)) == "2시간 15분 남음"
    assert countdown_text(timedelta(hours=1)) == "1시간 남음"
    assert countdown_text(timedelta(days=1)) == "1일 남음"
    assert countdown_text(timedelta(0)) == "마감"


def test_a_contract_of_another_institution_is_not_shown(office: Office, clock: ManualClock) -> None:
    import pytest

    from app.services.common.errors import NotFoundError
    from tests.factories import make_office

    other = make_office(office.db, institution_code="9900000001")
    with pytest.raises(NotFoundError):
        home.summary(office.db, office.admin, other.contract_id, now=clock.now())
