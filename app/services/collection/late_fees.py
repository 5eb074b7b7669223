"""연체료: what each 미납 charge owes in late fees as of a day, by the complex's 관리규약.

The rule, in the clerk's words (domain.md "Apartment offices"), for one charge:

* **납기일 (due day)** is the charge's debit date: its agreement's debit day in the charge's month,
  moved by the business-day calendar as the bank moves it.
* **유예 (grace)**: nothing is owed while the day is on or before 납기일 + 유예일수. Counting starts
  after the grace, not from the due day: a resident who pays within the grace owes nothing, and one
  who pays a day after it owes one day.
* **기준금액 (base)** is what is still unpaid of the charge on that day (the 미납 of 미납내역집계);
  a part paid in cash lowers the base from the day it is recorded.
* **요율 (rate)**: per day (`DAY`: base × rate × days late) or per month (`MONTH`: base × rate ×
  months begun after the grace: the first day late starts month 1, the same day a month later month 2).
  Rates are parts per million (0.05 % = 500), so the computation is integer throughout.
* **한도 (cap)**: at most this many won per charge; then **절사**: rounded down to the policy's unit
  (1, 10, 100 or 1,000 won).
* **감면 (waiver)**: a manager's waiver of the household or of the charge; the fee is still computed
  and shown, marked waived, and is never billed.
* **청구됨 (billed)**: what earlier billings already turned into an item 연체료; only the rest is billable.

Only charges that are 미납 on the day count (`ledger.charge_states`): one still with the bank, one
before its debit date, or a paid one owes no late fee. Charges of the 연체료 item itself never do
(no late fee on a late fee). The item's policy applies where the item has its own; else the
contract's default; a disabled policy means no late fee.
"""

from __future__ import annotations

import calendar as month_calendar
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    Charge,
    CollectionItem,
    Contract,
    DebitAgreement,
    LateFeeBasis,
    LateFeeBill,
    LateFeePolicy,
    LateFeeWaiver,
)
from app.services.collection import ledger
from app.services.collection.ledger import ChargeState
from app.services.common.calendar import BusinessCalendar
from app.services.common.contract_calendar import contract_calendar

LATE_FEE_ITEM_CODE = "LATE"  # the 집금항목 연체료 that billing creates (late_fee_billing.py)
LATE_FEE_ITEM_NAME = "연체료"
PPM = 1_000_000


@dataclass(frozen=True)
class Rule:
    """One policy's terms, detached from its row."""

    basis: LateFeeBasis
    rate_ppm: int
    grace_days: int
    cap_amount: int | None
    rounding_unit: int

    @classmethod
    def of(cls, policy: LateFeePolicy) -> Rule:
        return cls(policy.basis, policy.rate_ppm, policy.grace_days, policy.cap_amount, policy.rounding_unit)


def _months_later(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, month_calendar.monthrange(year, month + 1)[1]))


def units_late(rule: Rule, due_on: date, as_of: date) -> int:
    """Days (DAY) or months begun (MONTH) after 납기일 + grace, as of `as_of`; 0 within the grace."""
    grace_end = date.fromordinal(due_on.toordinal() + rule.grace_days)
    if as_of <= grace_end:
        return 0
    if rule.basis is LateFeeBasis.DAY:
        return (as_of - grace_end).days
    months = 1
    while _months_later(grace_end, months) < as_of:
        months += 1
    return months


def fee_for(rule: Rule, base: int, due_on: date, as_of: date) -> int:
    """The late fee of `base` won unpaid since `due_on`, as of `as_of`: capped, then rounded down."""
    if base <= 0 or rule.rate_ppm <= 0:
        return 0
    raw = base * rule.rate_ppm * units_late(rule, due_on, as_of) // PPM
    if rule.cap_amount is not None:
        raw = min(raw, rule.cap_amount)
    return raw - raw % rule.rounding_unit


@dataclass(frozen=True)
class LateFee:
    """One 미납 charge's late fee as of a day."""

    charge_id: int
    customer_id: int
    item_id: int
    period: str
    due_on: date
    base: int
    units_late: int
    basis: LateFeeBasis
    fee: int
    billed: int
    waived: bool
    waiver_reason: str | None

    @property
    def billable(self) -> int:
        """What billing may still turn into an item 연체료: nothing when waived."""
        return 0 if self.waived else max(0, self.fee - self.billed)


def policies(s: Session, contract_id: int) -> tuple[Rule | None, dict[int, Rule | None]]:
    """The contract's default rule and each item's own (None: disabled). Items absent follow the default."""
    default: Rule | None = None
    by_item: dict[int, Rule | None] = {}
    for policy in s.scalars(select(LateFeePolicy).where(LateFeePolicy.contract_id == contract_id)):
        rule = Rule.of(policy) if policy.enabled else None
        if policy.item_id is None:
            default = rule
        else:
            by_item[policy.item_id] = rule
    return default, by_item


def any_enabled(s: Session, contract_id: int) -> bool:
    """Whether the contract has a late fee at all (screens hide the column when not)."""
    return s.scalar(select(LateFeePolicy.id).where(LateFeePolicy.contract_id == contract_id,
                                                   LateFeePolicy.enabled.is_(True)).limit(1)) is not None


def _calendar(s: Session, contract_id: int) -> BusinessCalendar:
    year_end_closing = s.scalar(select(Contract.year_end_closing).where(Contract.id == contract_id))
    return contract_calendar(s, contract_id, bool(year_end_closing))


def fees_as_of(s: Session, contract_id: int, as_of: date, *, charge_ids: Collection[int] | None = None,
               customer_ids: Collection[int] | None = None) -> dict[int, LateFee]:
    """charge id → LateFee for the contract's 미납 charges as of `as_of` that owe one (or owed one
    that is waived); restricted to the given charges or customers when asked."""
    default, by_item = policies(s, contract_id)
    if default is None and not any(by_item.values()):
        return {}
    stmt = (select(Charge.id, Charge.period, DebitAgreement.customer_id, DebitAgreement.item_id,
                   DebitAgreement.debit_day)
            .join(DebitAgreement, DebitAgreement.id == Charge.agreement_id)
            .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
            .where(Charge.contract_id == contract_id, Charge.period <= f"{as_of:%Y-%m}",
                   CollectionItem.code != LATE_FEE_ITEM_CODE))
    if charge_ids is not None:
        stmt = stmt.where(Charge.id.in_(sorted(set(charge_ids))))
    if customer_ids is not None:
        stmt = stmt.where(DebitAgreement.customer_id.in_(sorted(set(customer_ids))))
    rows = s.execute(stmt).all()
    if not rows:
        return {}
    cal = _calendar(s, contract_id)
    ids = [r.id for r in rows]
    states = ledger.charge_states(s, cal, contract_id, as_of, ids)
    billed = _billed(s, ids)
    waivers = _waivers(s, contract_id, {r.customer_id for r in rows})
    out: dict[int, LateFee] = {}
    for r in rows:
        rule = by_item.get(r.item_id, default)  # an item's own None (disabled) wins over the default
        state, left = states.get(r.id, (None, 0))
        if rule is None or state is not ChargeState.UNPAID or left <= 0:
            continue
        year, month = (int(x) for x in r.period.split("-"))
        due_on = cal.debit_date_for(year, month, r.debit_day)
        fee = fee_for(rule, left, due_on, as_of)
        reason = waivers.get((r.customer_id, r.id)) or waivers.get((r.customer_id, None))
        if fee <= 0 and reason is None:
            continue
        out[r.id] = LateFee(r.id, r.customer_id, r.item_id, r.period, due_on, left, units_late(rule, due_on, as_of),
                            rule.basis, fee, billed.get(r.id, 0), reason is not None, reason)
    return out


def _billed(s: Session, charge_ids: list[int]) -> dict[int, int]:
    out: dict[int, int] = defaultdict(int)
    for start in range(0, len(charge_ids), 5000):
        chunk = charge_ids[start:start + 5000]
        for charge_id, total in s.execute(select(LateFeeBill.charge_id, func.sum(LateFeeBill.amount))
                                          .where(LateFeeBill.charge_id.in_(chunk)).group_by(LateFeeBill.charge_id)):
            out[charge_id] = int(total)
    return out


def _waivers(s: Session, contract_id: int, customer_ids: set[int]) -> dict[tuple[int, int | None], str]:
    """(customer id, charge id or None for the whole household) → the standing waiver's reason."""
    out: dict[tuple[int, int | None], str] = {}
    ids = sorted(customer_ids)
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        for w in s.scalars(select(LateFeeWaiver).where(LateFeeWaiver.contract_id == contract_id,
                                                       LateFeeWaiver.customer_id.in_(chunk),
                                                       LateFeeWaiver.revoked_at.is_(None))
                           .order_by(LateFeeWaiver.id)):
            out[(w.customer_id, w.charge_id)] = w.reason
    return out


def by_customer(fees: dict[int, LateFee]) -> dict[int, int]:
    """customer id → the late fees their charges still owe unbilled (waived ones owe nothing)."""
    out: dict[int, int] = defaultdict(int)
    for fee in fees.values():
        out[fee.customer_id] += fee.billable
    return dict(out)
