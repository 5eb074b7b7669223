"""Debit dates as the clerk thinks them: contracted days of the month, moved onto business days.

A clerk says "the 5th" and means the contracted debit day 5, even when the 5th is a Saturday and
the money actually leaves on Monday the 7th. Every place that takes a date from the clerk (the
command line's ``request --date``, the 이체의뢰 screen's date choice) and every place that says
which debit comes next (the home screen's 다음 이체의뢰 마감) goes through this module, so they all
move a date the same way and say so in the same words.

The moving rule itself is `BusinessCalendar.debit_date_for` (closed day → next business day; a day
the month does not have, 29–31 → the month's last business day); the calendar is the contract's,
with the institution's own closed days (`transmissions.contract_info`). Which days are contracted:
the active items' collection days, plus the debit days of active agreements (a payer's day the
item does not list is still debited), falling back to the contract's days when there are none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import (
    AgreementStatus,
    CollectionItem,
    Contract,
    Customer,
    DebitAgreement,
)
from app.services.collection import charges
from app.services.common.access import contract_for
from app.services.common.calendar import SEOUL, BusinessCalendar
from app.services.common.formats import day_text
from app.services.common.periods import last_day, month_text, year_month
from app.services.common.session import Actor
from app.services.exchange.transmissions import ContractInfo, contract_info

LOOK_AHEAD_MONTHS = 3
"""How many months after the current one are searched for the next debit date (a debit day a month
is the rule, so one would do; three cover a contract whose only items start later)."""


@dataclass(frozen=True)
class MovedDate:
    """A date the clerk gave and the debit date it means."""

    asked: date
    debit_date: date

    @property
    def moved(self) -> bool:
        return self.asked != self.debit_date

    @property
    def note(self) -> str:
        """'12-05은 휴일이라 출금일은 12-07(월)입니다' when moved, else ''."""
        if not self.moved:
            return ""
        return f"{self.asked:%m-%d}은 휴일이라 출금일은 {day_text(self.debit_date)}입니다"


def _last_day(year: int, month: int) -> int:
    return last_day(month_text(year, month)).day


def move_to_debit_date(calendar: BusinessCalendar, days: Iterable[int], asked: date) -> MovedDate | None:
    """The debit date meant by `asked` when it is a contracted day of its month, else None.

    A contracted day on a business day is its own debit date (``moved`` is False). The last day of
    a month also stands for the contracted days the month does not have (the 30th for day 31):
    those are debited on the month's last business day. A date that is no contracted day — for
    instance the moved date itself, 12-07 — gives None and is taken as it is by the caller.
    """
    wanted = set(days)
    if asked.day in wanted:
        return MovedDate(asked, calendar.debit_date_for(asked.year, asked.month, asked.day))
    last = _last_day(asked.year, asked.month)
    beyond = [d for d in wanted if d > last]
    if asked.day == last and beyond:
        return MovedDate(asked, calendar.debit_date_for(asked.year, asked.month, max(beyond)))
    return None


# --- which days are contracted -------------------------------------------------------------------


def item_days(s: Session, contract_id: int, *, with_payers: bool = False) -> dict[int, tuple[str, tuple[int, ...]]]:
    """item id → (name, its debit days): the item's collection days and its active agreements' days.

    `with_payers` keeps only the items someone pays for (the home card lists no item that has
    nothing to debit), unless no item has a payer yet: then all of them, so the card still knows
    the contract's days.
    """
    items = {i.id: (i.name, set(i.day_list)) for i in s.scalars(
        select(CollectionItem).where(CollectionItem.contract_id == contract_id, CollectionItem.active.is_(True))
        .order_by(CollectionItem.code))}
    paid: set[int] = set()
    for item_id, day in s.execute(
        select(DebitAgreement.item_id, DebitAgreement.debit_day).distinct()
        .join(Customer, Customer.id == DebitAgreement.customer_id)
        .where(Customer.contract_id == contract_id, Customer.active.is_(True),
               DebitAgreement.status == AgreementStatus.ACTIVE)):
        if item_id in items:
            items[item_id][1].add(int(day))
            paid.add(item_id)
    if with_payers and paid:
        items = {i: v for i, v in items.items() if i in paid}
    return {i: (name, tuple(sorted(days))) for i, (name, days) in items.items() if days}


def contracted_days(s: Session, contract_id: int) -> tuple[int, ...]:
    """Every debit day of the contract: its own days and its items' (see `item_days`)."""
    contract = s.get(Contract, contract_id)
    found = set(contract.debit_day_list) if contract is not None else set()
    for _name, days in item_days(s, contract_id).values():
        found.update(days)
    return tuple(sorted(found))


def resolve(db: Database, actor: Actor, contract_id: int, asked: date) -> MovedDate:
    """The debit date the clerk means by `asked` (itself when it is no contracted day)."""
    with db.session() as s:
        contract_for(s, actor, contract_id)
        info = contract_info(s, contract_id)
        moved = move_to_debit_date(info.calendar, contracted_days(s, contract_id), asked)
    return moved or MovedDate(asked, asked)


def notes_on(calendar: BusinessCalendar, days: Iterable[int], debit_date: date) -> tuple[str, ...]:
    """What the clerk is told about `debit_date`: each contracted day moved onto it, as `MovedDate.note`."""
    wanted = set(days)
    notes: list[str] = []
    for period, on in charges.days_on(calendar, debit_date).items():
        year, month = year_month(period)
        for day in on:
            if day not in wanted:
                continue
            moved = MovedDate(date(year, month, min(day, _last_day(year, month))), debit_date)
            if moved.moved and moved.note not in notes:
                notes.append(moved.note)
    return tuple(notes)


def moved_notes(db: Database, actor: Actor, contract_id: int, debit_date: date) -> tuple[str, ...]:
    """`notes_on` for the contract's calendar and days (the 이체의뢰 screen's line under the date)."""
    with db.session() as s:
        contract_for(s, actor, contract_id)
        info = contract_info(s, contract_id)
        return notes_on(info.calendar, contracted_days(s, contract_id), debit_date)


# --- the next debit dates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DebitSlot:
    """One item's debit on one date, and the request cut-off that closes it."""

    item_id: int
    item_name: str
    debit_date: date
    days: tuple[int, ...]  # the item's contracted days that fall on `debit_date`
    cutoff: datetime


def _months_from(today: date) -> list[tuple[int, int]]:
    start = today.year * 12 + today.month - 2  # last month too: its late days may move into this one
    return [divmod(m, 12) for m in range(start, start + LOOK_AHEAD_MONTHS + 2)]


def _slots(info: ContractInfo, items: dict[int, tuple[str, tuple[int, ...]]], today: date) -> list[DebitSlot]:
    cal = info.calendar
    by_key: dict[tuple[int, date], list[int]] = {}
    for year, month0 in _months_from(today):
        for item_id, (_name, days) in items.items():
            for day in days:
                by_key.setdefault((item_id, cal.debit_date_for(year, month0 + 1, day)), []).append(day)
    return [DebitSlot(item_id, items[item_id][0], debit_date, tuple(sorted(set(days))),
                      cal.request_cutoff(debit_date, info.request_cutoff))
            for (item_id, debit_date), days in by_key.items()]


def next_slots(s: Session, info: ContractInfo, now: datetime) -> list[DebitSlot]:
    """The items' debits closed by the next request cut-off still ahead of `now` (all of them when
    several items or dates share it), by date and item; empty when the contract has no debit day."""
    items = item_days(s, info.id, with_payers=True)
    if not items:
        contract = s.get(Contract, info.id)
        days = tuple(contract.debit_day_list) if contract is not None else ()
        items = {0: ("전체", days)} if days else {}
    slots = [slot for slot in _slots(info, items, now.astimezone(SEOUL).date()) if slot.cutoff > now]
    if not slots:
        return []
    first = min(slot.cutoff for slot in slots)
    order = {item_id: n for n, item_id in enumerate(items)}  # items come in code order
    return sorted((slot for slot in slots if slot.cutoff == first), key=lambda sl: (sl.debit_date, order[sl.item_id]))


# --- the closed days of a month (the date pickers' red days) ------------------------------------------


def month_closed_days(calendar: BusinessCalendar, year: int, month: int) -> dict[date, str]:
    """Every day of the month the banks or the office do not work, day → why, in date order.

    The reason is `BusinessCalendar.holiday_name`: the holiday's own name (기독탄신일, 대체공휴일(…)), the
    institution's label for its own days, or 토요일/일요일 for a plain weekend.
    """
    closed: dict[date, str] = {}
    for n in range(1, 32):
        try:
            day = date(year, month, n)
        except ValueError:  # past the month's end (counted this way so December 9999, a picker's last page, works)
            break
        if not calendar.is_business_day(day):
            name = calendar.holiday_name(day)
            closed[day] = name if name is not None else "휴무"
    return closed


def closed_days(db: Database, actor: Actor, contract_id: int | None, year: int, month: int) -> dict[date, str]:
    """The closed days of one month as the contract's calendar knows them, for a date picker's page.

    Weekends, Korean public holidays and the institution's own closed days, with the same calendar
    the cut-offs use (`contract_info`), so a red day in a picker is a day no debit happens. Before
    any contract is chosen (`contract_id` None) the bank calendar alone answers. A month at a time,
    so browsing a picker to any year costs one small read per page; it never writes.

    Raises:
        NotFoundError: the contract is gone or belongs to another institution.
    """
    if contract_id is None:
        return month_closed_days(BusinessCalendar(), year, month)
    with db.session() as s:
        contract_for(s, actor, contract_id)
        calendar = contract_info(s, contract_id).calendar
    return month_closed_days(calendar, year, month)
