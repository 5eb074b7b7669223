"""해오름수학학원 in December 2026: eight payers, three debit days, the built-in bank simulator.

The cast (bank 088; the simulator decides each outcome by the account's last four digits, see
app/services/exchange/relay/rules.py: 0021 fails 잔액부족, anything else is debited in full):

======  ====  ======  ============  ========  ==========  ===  ==================================================
key     no    name    account       item      monthly     day  what happens
======  ====  ======  ============  ========  ==========  ===  ==================================================
ok      C01   김하늘  …0001         수강료    150,000      5   requested for 12-07, debited
poor    C02   이바다  …0021         수강료    200,000      5   requested for 12-07, 잔액부족: 미납
disc    C03   최별    …0006         수강료    140,000      5   a 20,000 discount: 120,000 requested, debited
mid     C04   정바람  …0007         수강료    100,000     15   requested for 12-15 in time, debited
move    C05   한별    …0008         수강료     80,000     15   missed the 12-14 cut-off; moved to 12-28, debited
cash    C06   강들    …0009         수강료     90,000     15   missed the 12-14 cut-off; pays in cash on 12-15
left    C07   윤산    …0010         수강료     70,000     15   missed the 12-14 cut-off; left 미납
book    C08   한솔    …0021         교재비     50,000     25   requested for 12-28, 잔액부족: 미납
======  ====  ======  ============  ========  ==========  ===  ==================================================

Every payer starts in December (최초이체년월 2026-12) and signs up on Monday 23 November, so the
registrations go out that day at 13:58 and come back on the 24th.

The calendar of December 2026 (수강료 is collected on the 5th, 15th and 25th, 교재비 on the 5th and 25th):
the 5th is a Saturday, so it is debited on Monday 12-07 with the cut-off on Friday 12-04 14:00; the
15th is a Tuesday (cut-off Monday 12-14 14:00); the 25th is 성탄절, a Friday, so it is debited on
Monday 12-28 with the cut-off on Thursday 12-24 14:00. Each result comes at 11:00 the next business day.

`December` is the office, the clock and the relay (tests/collection/academy_months.py's `Academy`)
with this cast, plus a few short-hands for what a clerk reads on the screens.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select, update

from app.models import CollectionItem, Customer
from app.services.aggregates import discounts as aggregates_discounts
from app.services.aggregates import outstanding as aggregates_outstanding
from app.services.aggregates import overview as aggregates_overview
from app.services.aggregates import registrations as aggregates_registrations
from app.services.aggregates import requests as aggregates_requests
from app.services.aggregates import settlement
from app.services.aggregates.common import GroupBy
from app.services.aggregates.reports import build, letters
from app.services.collection import cash, missed, registrations, results, retries
from app.services.collection import requests as debits
from app.services.common.calendar import ManualClock
from app.services.common.periods import Period
from app.services.common.session import Actor
from app.services.customers import records as customers
from app.services.home import today as home
from tests.collection.academy_months import Academy
from tests.factories import Office
from tests.home.helpers import Relay, add_payer, at


@dataclass(frozen=True)
class Cast:
    key: str
    customer_no: str
    name: str
    account: str
    item: str  # item code: A01 수강료, A02 교재비
    monthly: int
    day: int
    discount: int = 0


CAST: tuple[Cast, ...] = (
    Cast("ok", "C01", "김하늘", "110000000001", "A01", 150_000, 5),
    Cast("poor", "C02", "이바다", "110000000021", "A01", 200_000, 5),
    Cast("disc", "C03", "최별", "110000000006", "A01", 140_000, 5, discount=20_000),
    Cast("mid", "C04", "정바람", "110000000007", "A01", 100_000, 15),
    Cast("move", "C05", "한별", "110000000008", "A01", 80_000, 15),
    Cast("cash", "C06", "강들", "110000000009", "A01", 90_000, 15),
    Cast("left", "C07", "윤산", "110000000010", "A01", 70_000, 15),
    Cast("book", "C08", "한솔", "220000000021", "A02", 50_000, 25),
)

FIFTH, FIFTEENTH, TWENTY_FIFTH = date(2026, 12, 7), date(2026, 12, 15), date(2026, 12, 28)
"""The debit dates of the 5th (a Saturday), the 15th and the 25th (성탄절)."""


def december_period(today: date) -> Period:
    """The screens' default 조회기간 in December: the 1st to today."""
    return Period(date(2026, 12, 1), today)


class December(Academy):
    """The office of the walk on its ManualClock, with the relay ticking the real scheduler."""

    def sign_up_everyone(self) -> None:
        """Each payer's customer and agreement, its NEW registration queued now."""
        for c in CAST:
            self.payers[c.key] = add_payer(
                self.db, self.cid, c.customer_no, account=c.account, name=c.name, day=c.day, monthly=c.monthly,
                discount=c.discount, first="2026-12", item=c.item, limit=200_000, queued_at=self.now(),
            )

    def at(self, day: date, hour: int, minute: int = 0) -> None:
        """Let the scheduler do everything due up to that moment."""
        self.run_until(day, hour, minute)

    def period(self) -> Period:
        return december_period(self.today())

    # --- what the screens show ---------------------------------------------------------------------

    def unpaid(self) -> tuple[int, int]:
        """(미납건수, 미납금액) of December as the 미납내역집계 screen shows it now."""
        total = aggregates_outstanding.summarise(self.db, self.clerk, self.cid, self.period(), GroupBy.ITEM,
                                                 today=self.today()).total
        return total.unpaid_count, total.unpaid_amount

    def letter_names(self) -> list[str]:
        """Whom the 미납 안내문 would be written to now: '고객번호 고객명 납부하실 금액'."""
        rows = aggregates_outstanding.details(self.db, self.clerk, self.cid, self.period(), None, None,
                                              today=self.today())
        return [f"{x.customer_no} {x.customer_name} {x.amount_due:,}" for x in letters.letters_for(rows)]

    def write_letters(self, path: Path) -> int:
        return letters.write_letters(self.db, self.clerk, self.cid, self.period(), None, None, path, now=self.now())

    def home_unpaid(self) -> int:
        return home.summary(self.db, self.clerk, self.cid, now=self.now()).this_month.unpaid

    def nothing_unpaid(self) -> bool:
        """미납 is 0 on the 미납내역집계, the home screen and the letters."""
        return self.unpaid() == (0, 0) and self.home_unpaid() == 0 and self.letter_names() == []


def december_academy(office: Office, clerk: Actor, tmp_path: Path) -> December:
    """The office on Monday 23 November 2026, 09:00, 수강료 collected on the 5th, 15th and 25th."""
    with office.db.session() as s:
        s.execute(update(CollectionItem).where(CollectionItem.contract_id == office.contract_id,
                                               CollectionItem.code == "A01").values(collection_days="5,15,25"))
    clock = ManualClock.at(2026, 11, 23, 9, 0)
    return December(office, clerk, clock, Relay(office.db, office.admin, clock, tmp_path / "relay"))


# --- looking, everywhere ----------------------------------------------------------------------------

LOOKED_PERIODS = (Period(date(2026, 11, 1), date(2026, 11, 30)), Period(date(2026, 12, 1), date(2026, 12, 31)),
                  Period(date(2026, 11, 23), date(2027, 1, 31)), Period(date(2026, 12, 7), date(2026, 12, 7)))
LOOKED_MOMENTS = ((date(2026, 12, 4), 10), (date(2026, 12, 4), 15), (date(2026, 12, 8), 12),
                  (date(2026, 12, 14), 13), (date(2026, 12, 16), 12), (date(2026, 12, 29), 12))


def debit_dates_around(a: December) -> list[date]:
    """Every debit date a clerk may open from November to January: closed ones and open ones."""
    found: list[date] = []
    for year, month in ((2026, 11), (2026, 12), (2027, 1)):
        found += [o.debit_date for o in debits.debit_dates(a.db, a.clerk, a.cid, year, month)]
    return found


def look_everywhere(a: December, actor: Actor) -> Iterator[str]:
    """Call every read service a screen calls, with every date and choice; yields what it looked at."""
    db, cid, now = a.db, a.cid, a.now()
    for debit_date in debit_dates_around(a):
        for outstanding in (False, True):
            debits.list_due(db, actor, cid, debit_date, include_outstanding=outstanding, now=now)
            debits.preflight(db, actor, cid, debit_date, include_outstanding=outstanding, now=now)
        debits.cutoff_state_for(db, actor, cid, debit_date, now)
        yield f"이체의뢰 {debit_date}"
    retries.list_retry(db, actor, cid, now=now)
    retries.retry_dates(db, actor, cid, now=now)
    for period in LOOKED_PERIODS:
        for group_by in GroupBy:
            aggregates_requests.summarise(db, actor, cid, period, group_by)
            summary = aggregates_outstanding.summarise(db, actor, cid, period, group_by, today=a.today())
            for row in summary.rows:
                aggregates_outstanding.details(db, actor, cid, period, group_by, row.key, today=a.today())
            build.outstanding_summary(db, actor, cid, period, group_by, now=now)
            build.outstanding_detail(db, actor, cid, period, group_by, None, now=now)
            build.requests_summary(db, actor, cid, period, group_by, now=now)
        aggregates_requests.bank_status(db, actor, cid, period)
        for by_item in (False, True):
            aggregates_discounts.summarise(db, actor, cid, period, by_item=by_item)
        aggregates_registrations.summarise(db, actor, cid, period)
        aggregates_overview.overview(db, actor, cid, period)
        settlement.settle(db, actor, cid, period, now=now)
        letters.letters_for(aggregates_outstanding.details(db, actor, cid, period, None, None, today=a.today()))
        yield f"집계 {period.text}"
    for day, hour in LOOKED_MOMENTS:
        home.summary(db, actor, cid, now=at(day, hour))
        missed.missed_debits(db, actor, cid, now=at(day, hour))
        yield f"홈 {day} {hour}시"
    cash.list_cash_candidates(db, actor, cid)
    results.list_results(db, actor, cid, today=a.today())
    registrations.list_registrations(db, actor, cid, now=now)
    with db.session() as s:
        ids = list(s.scalars(select(Customer.id).where(Customer.contract_id == cid)))
    for customer_id in ids:
        customers.get_customer_detail(db, actor, customer_id)
    yield "현금수납·결과·계좌신청·고객"
