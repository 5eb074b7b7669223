"""연체료 청구: late fees become a charge of their own, an item 연체료 of a later month, when the office
chooses to bill them — never silently.

The clerk picks the day the fees are counted to (기준일) and the month they are billed in (청구년월,
by default the month after the 기준일), ticks households, reads `preview` (what each household is
billed, on which debit date it goes to the bank, and why a household cannot be billed) and confirms;
`bill` then writes, for every ticked household or for none (all or nothing):

* the contract's item 연체료 (code LATE, not from the catalogue), made the first time, its collection
  days those of the households' items (a later billing adds a day it lacks);
* the household's agreement of that item (one per customer and item), copying the bank account,
  holder and debit day of the agreement of its latest late charge: the bank registered the pair
  (납부자번호, account) for that agreement, and `charges.registration_states` lends that completed
  registration to this one, so the 연체료 is debited with the household's next request on the
  month's debit date without a second registration (which the bank would refuse). Its months are the
  billed month alone (first = last = 청구년월), so no request ever creates a 연체료 charge by itself;
  its 월이체금액 is the month's 연체료 and its 건당출금한도 at least that;
* the charge of that month (amount = the fees billed, no discount) with its CHARGE ledger entry
  (`ledger.post_charges`), or, when that month's 연체료 charge exists and is not requested yet, the
  amount added to it with a CHARGE entry for the difference (CHARGE entries always sum to the amount);
* one `LateFeeBill` per late charge (its billable part, as of the 기준일), so the next computation
  bills only what grew since.

Refused for a household, with its reason in `preview` and nothing written by `bill`: a customer no
longer in use, the late charge's agreement ended (there is no account to debit), that month's 연체료
already requested (bill it in a later month), an earlier 연체료 charge still waiting for its request
(its agreement would no longer cover that month), nothing billable, a 연체료 under the 140원 a bank
debits. Refused outright: a 기준일 after
today, a 청구년월 not after the 기준일's month, before this month, more than a year ahead, or closed (마감).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import (
    AgreementStatus,
    Charge,
    CollectionItem,
    Contract,
    Customer,
    DebitAgreement,
    DebitRequest,
    DebitRequestLine,
    LateFeeBill,
    RequestState,
)
from app.services.collection import charges, late_fees, ledger, month_lock
from app.services.collection.late_fee_list import ChargeFee, charge_fee, household_label, item_names
from app.services.collection.late_fees import LATE_FEE_ITEM_CODE, LATE_FEE_ITEM_NAME, LateFee
from app.services.common import audit
from app.services.common.access import contract_for
from app.services.common.calendar import SEOUL, BusinessCalendar
from app.services.common.contract_calendar import contract_calendar
from app.services.common.errors import ServiceError
from app.services.common.periods import add_months, month_of, year_month
from app.services.common.session import Actor
from app.services.exchange.leases import lock_key

MONTHS_AHEAD = 12
PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
INACTIVE = "사용중지된 고객입니다"
ENDED = "연체된 청구의 이체정보({item})가 해지되어 연체료를 자동이체로 청구할 수 없습니다"
REQUESTED = "{period} 연체료가 이미 이체의뢰되어 더할 수 없습니다. 다음 달 이후로 청구하세요"
PENDING = ("{period} 연체료 {amount:,}원이 아직 이체의뢰 전입니다. 그 청구가 이체의뢰된 뒤 청구하거나, "
           "같은 달({period})로 청구해 더하세요")
ACCOUNT_BUSY = "지난 연체료의 이체의뢰가 진행 중인데 출금 계좌나 이체일이 바뀌었습니다. 그 결과가 나온 뒤 청구하세요"
NOTHING = "청구할 연체료가 없습니다 (이미 청구했거나 감면되었거나 연체료가 없습니다)"
TOO_SMALL = ("연체료 {amount:,}원은 은행이 출금하는 최소 금액({minimum:,}원)보다 적습니다. 연체료가 더 쌓인 뒤 "
             "청구하세요")


@dataclass(frozen=True)
class BillingHousehold:
    """What one household would be billed, on which debit date, and why not when it cannot be."""

    customer_id: int
    customer_no: str
    customer_name: str
    grade: str
    lines: tuple[ChargeFee, ...]  # the late charges with something billable
    amount: int  # Σ billable: the 연체료 this billing adds
    debit_on: date | None  # the 청구년월's debit date of the household (its late charge's debit day)
    adds_to: int  # the amount of that month's 연체료 charge this adds to (0: a new charge)
    problem: str | None  # why it cannot be billed (Korean), None when it can
    note: str | None = None  # something to know even so (the account registration is not complete)

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def label(self) -> str:
        return household_label(self.customer_no, self.grade)


@dataclass(frozen=True)
class BillingPreview:
    contract_id: int
    as_of: date
    period: str
    households: tuple[BillingHousehold, ...]

    @property
    def ready(self) -> tuple[BillingHousehold, ...]:
        return tuple(h for h in self.households if h.ok)

    @property
    def blocked(self) -> tuple[BillingHousehold, ...]:
        return tuple(h for h in self.households if not h.ok)

    @property
    def total(self) -> int:
        """What `bill` would bill for the households that can be billed."""
        return sum(h.amount for h in self.ready)


@dataclass(frozen=True)
class BillingOutcome:
    period: str
    households: int
    amount: int
    charge_ids: tuple[int, ...]
    message: str


# --- checks -------------------------------------------------------------------------------------------


def default_period(as_of: date) -> str:
    """The month after the 기준일's: fees counted to 30 November are billed in December."""
    return add_months(month_of(as_of), 1)


def period_text(period: str) -> str:
    year, month = year_month(period)
    return f"{year}년 {month}월"


def _check(s: Session, contract_id: int, as_of: date, period: str, today: date | None) -> None:
    """Refuse a 기준일 or 청구년월 billing may not use (see the module docstring), in the clerk's words."""
    if isinstance(as_of, datetime) or not isinstance(as_of, date):
        raise ServiceError("기준일은 날짜(YYYY-MM-DD)로 입력하세요.")
    if not isinstance(period, str) or not PERIOD.fullmatch(period):
        raise ServiceError("청구년월은 YYYY-MM 형식으로 입력하세요 (예: 2026-12).")
    if period <= month_of(as_of):
        raise ServiceError(f"청구년월은 기준일({as_of:%Y-%m-%d})이 속한 달의 다음 달부터 고를 수 있습니다 "
                           f"(기본: {default_period(as_of)}).")
    if today is not None:
        if as_of > today:
            raise ServiceError(f"기준일 {as_of:%Y-%m-%d}은(는) 오늘({today:%Y-%m-%d}) 뒤입니다. 오늘까지의 날짜로 "
                               "연체료를 계산해 청구하세요.")
        if period < month_of(today):
            raise ServiceError(f"청구년월 {period}은(는) 지난 달입니다. 이번 달({month_of(today)}) 이후로 고르세요.")
        if period > add_months(month_of(today), MONTHS_AHEAD):
            raise ServiceError(f"청구년월은 {MONTHS_AHEAD}개월 안({add_months(month_of(today), MONTHS_AHEAD)}까지)"
                               "에서 고르세요.")
    month_lock.ensure_open(s, contract_id, period, f"{period_text(period)}의 청구")


# --- the plan -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Planned:
    """A household's plan with what writing it needs."""

    view: BillingHousehold
    fees: tuple[LateFee, ...]
    source_id: int | None  # the agreement of its latest late charge
    late_agreement_id: int | None  # its existing 연체료 agreement
    late_charge_id: int | None  # that month's existing 연체료 charge


def _late_item(s: Session, contract_id: int) -> CollectionItem | None:
    return s.scalar(select(CollectionItem).where(CollectionItem.contract_id == contract_id,
                                                 CollectionItem.code == LATE_FEE_ITEM_CODE))


def _requested(s: Session, charge_ids: Collection[int]) -> set[int]:
    """The charges a request (not withdrawn) ever carried."""
    if not charge_ids:
        return set()
    return set(s.scalars(select(DebitRequestLine.charge_id).join(DebitRequest, DebitRequest.id == DebitRequestLine.request_id)
                         .where(DebitRequestLine.charge_id.in_(sorted(charge_ids)),
                                DebitRequest.state != RequestState.WITHDRAWN)))


def _open_requests(s: Session, agreement_ids: Collection[int]) -> set[int]:
    """The agreements with a request still waiting or at the bank."""
    if not agreement_ids:
        return set()
    return set(s.scalars(select(DebitRequest.agreement_id).where(
        DebitRequest.agreement_id.in_(sorted(agreement_ids)),
        DebitRequest.state.in_([RequestState.WAITING, RequestState.SENT]))))


def _plan(s: Session, contract_id: int, as_of: date, period: str, today: date | None,
          customer_ids: Collection[int] | None) -> list[_Planned]:
    fees = late_fees.fees_as_of(s, contract_id, as_of, customer_ids=customer_ids)
    billable: dict[int, list[LateFee]] = defaultdict(list)
    for fee in fees.values():
        if fee.billable > 0:
            billable[fee.customer_id].append(fee)
    wanted = sorted(set(customer_ids) if customer_ids is not None else set(billable))
    if not wanted:
        return []
    names = item_names(s, contract_id)
    customers = {c.id: c for c in s.scalars(select(Customer).where(Customer.id.in_(wanted),
                                                                   Customer.contract_id == contract_id))}
    charge_agreement = dict(s.execute(select(Charge.id, Charge.agreement_id).where(
        Charge.id.in_([f.charge_id for lst in billable.values() for f in lst]))).all()) if billable else {}
    sources = {a.id: a for a in s.scalars(select(DebitAgreement).where(
        DebitAgreement.id.in_(sorted(set(charge_agreement.values())))))} if charge_agreement else {}
    item = _late_item(s, contract_id)
    late_agreements: dict[int, DebitAgreement] = {}
    month_charges: dict[int, Charge] = {}
    others: dict[int, list[Charge]] = defaultdict(list)
    if item is not None:
        late_agreements = {a.customer_id: a for a in s.scalars(select(DebitAgreement).where(
            DebitAgreement.item_id == item.id, DebitAgreement.customer_id.in_(wanted)))}
        for c in s.scalars(select(Charge).where(Charge.agreement_id.in_([a.id for a in late_agreements.values()]))):
            if c.period == period:
                month_charges[c.agreement_id] = c
            else:
                others[c.agreement_id].append(c)
    requested = _requested(s, [c.id for c in month_charges.values()] + [c.id for lst in others.values() for c in lst])
    busy = _open_requests(s, [a.id for a in late_agreements.values()])
    regs = charges.registration_states(s, sorted(sources))
    cal = _calendar(s, contract_id)
    year, month = year_month(period)
    out: list[_Planned] = []
    for customer_id in wanted:
        customer = customers.get(customer_id)
        if customer is None:
            raise ServiceError("이 계약의 세대가 아닌 고객이 있습니다. 목록을 다시 조회하세요.")
        mine = sorted(billable.get(customer_id, []), key=lambda f: (f.period, names.get(f.item_id, ""), f.charge_id))
        latest = max(mine, key=lambda f: (f.period, f.charge_id)) if mine else None
        source = sources.get(charge_agreement[latest.charge_id]) if latest is not None else None
        late = late_agreements.get(customer_id)
        month_charge = month_charges.get(late.id) if late is not None else None
        problem = _problem(customer, mine, source, late, month_charge, others.get(late.id, []) if late else [],
                           requested, busy, names, period, cal, today)
        debit_on = cal.debit_date_for(year, month, source.debit_day) if source is not None else None
        note = None
        if source is not None and problem is None:
            missing = charges.registration_problem(regs.get(source.id))
            if missing:
                note = f"{missing} — 출금일 전에 계좌신청이 완료되어야 연체료도 출금됩니다"
        view = BillingHousehold(customer.id, customer.customer_no, customer.name, customer.grade or "",
                                tuple(charge_fee(f, names.get(f.item_id, "")) for f in mine),
                                sum(f.billable for f in mine), debit_on,
                                month_charge.amount if month_charge is not None else 0, problem, note)
        out.append(_Planned(view, tuple(mine), source.id if source is not None else None,
                            late.id if late is not None else None,
                            month_charge.id if month_charge is not None else None))
    return out


def _problem(customer: Customer, mine: list[LateFee], source: DebitAgreement | None, late: DebitAgreement | None,
             month_charge: Charge | None, others: list[Charge], requested: set[int], busy: set[int],
             names: dict[int, str], period: str, cal: BusinessCalendar, today: date | None) -> str | None:
    if not mine or source is None:
        return NOTHING
    if not customer.active:
        return INACTIVE
    if source.status is not AgreementStatus.ACTIVE:
        return ENDED.format(item=names.get(source.item_id, ""))
    if month_charge is not None and month_charge.id in requested:
        return REQUESTED.format(period=period)
    for other in sorted(others, key=lambda c: c.period):
        if other.id in requested:
            continue
        due = cal.debit_date_for(*year_month(other.period), late.debit_day if late is not None else source.debit_day)
        if today is None or due >= today:
            return PENDING.format(period=other.period, amount=other.amount)
    if late is not None and late.id in busy and (late.bank_code, late.account_no_hash, late.debit_day) != (
            source.bank_code, source.account_no_hash, source.debit_day):
        return ACCOUNT_BUSY
    total = sum(f.billable for f in mine) + (month_charge.amount if month_charge is not None else 0)
    if total < charges.MIN_DEBIT_AMOUNT:
        return TOO_SMALL.format(amount=total, minimum=charges.MIN_DEBIT_AMOUNT)
    return None


def _calendar(s: Session, contract_id: int) -> BusinessCalendar:
    year_end_closing = s.scalar(select(Contract.year_end_closing).where(Contract.id == contract_id))
    return contract_calendar(s, contract_id, bool(year_end_closing))


def preview(db: Database, actor: Actor, contract_id: int, as_of: date, period: str | None = None, *,
            customer_ids: Collection[int] | None = None, today: date | None = None) -> BillingPreview:
    """What billing would do (nothing is written): every household with a billable fee, or those given.

    `period` None: the month after the 기준일's. `today` (the screen's) also refuses a 기준일 after it
    and a 청구년월 before its month, as `bill` does."""
    period = period or default_period(as_of)
    with db.session() as s:
        contract_for(s, actor, contract_id)
        _check(s, contract_id, as_of, period, today)
        planned = _plan(s, contract_id, as_of, period, today, customer_ids)
    return BillingPreview(contract_id, as_of, period, tuple(p.view for p in planned))


# --- writing ------------------------------------------------------------------------------------------


def _ensure_item(s: Session, actor: Actor, contract_id: int, days: set[int]) -> CollectionItem:
    """The contract's item 연체료, made on first billing; its collection days widened to `days`."""
    item = _late_item(s, contract_id)
    text = ",".join(str(d) for d in sorted(days))
    if item is None:
        item = CollectionItem(contract_id=contract_id, code=LATE_FEE_ITEM_CODE, name=LATE_FEE_ITEM_NAME,
                              collection_days=text, from_catalogue=False, active=True)
        s.add(item)
        s.flush()
        audit.record(s, "item_created", actor=actor, target=f"{LATE_FEE_ITEM_NAME} ({LATE_FEE_ITEM_CODE})",
                     detail={"item_id": item.id, "collection_days": text, "by": "연체료 청구"})
        return item
    wider = set(item.day_list) | days
    if wider != set(item.day_list):
        before = item.collection_days
        item.collection_days = ",".join(str(d) for d in sorted(wider))
        s.flush()
        audit.record(s, "item_updated", actor=actor, target=f"{LATE_FEE_ITEM_NAME} ({LATE_FEE_ITEM_CODE})",
                     detail={"item_id": item.id, "collection_days": [before, item.collection_days],
                             "by": "연체료 청구"})
    return item


def _ensure_agreement(s: Session, source: DebitAgreement, item: CollectionItem, late_id: int | None, period: str,
                      amount: int) -> DebitAgreement:
    """The household's 연체료 agreement on the late charge's account, covering `period` alone, for `amount`."""
    account = {"bank_code": source.bank_code, "account_no_enc": source.account_no_enc,
               "account_no_hash": source.account_no_hash, "account_last4": source.account_last4,
               "holder_name": source.holder_name, "holder_id": source.holder_id, "debit_day": source.debit_day}
    if late_id is None:
        made = DebitAgreement(customer_id=source.customer_id, item_id=item.id, debit_limit=amount,
                              monthly_amount=amount, discount_rate=0, discount_amount=0, first_month=period,
                              last_month=period, status=AgreementStatus.ACTIVE, **account)
        s.add(made)
        s.flush()
        return made
    agreement = s.get(DebitAgreement, late_id)
    assert agreement is not None  # read in this transaction
    for name, value in account.items():
        setattr(agreement, name, value)
    agreement.debit_limit = max(agreement.debit_limit, amount)
    agreement.monthly_amount, agreement.discount_rate, agreement.discount_amount = amount, 0, 0
    agreement.first_month = agreement.last_month = period
    agreement.status, agreement.ended_on = AgreementStatus.ACTIVE, None
    s.flush()
    return agreement


def _refusal(blocked: Sequence[BillingHousehold]) -> str:
    listed = "; ".join(f"{h.customer_name}({h.customer_no}): {h.problem}" for h in blocked[:5])
    more = f" 외 {len(blocked) - 5}세대" if len(blocked) > 5 else ""
    return f"청구할 수 없는 세대가 있어 아무것도 청구하지 않았습니다: {listed}{more}"


def bill(db: Database, actor: Actor, contract_id: int, as_of: date, period: str | None, customer_ids: Sequence[int],
         now: datetime) -> BillingOutcome:
    """연체료 청구 for the ticked households, all or nothing (see the module docstring)."""
    actor.require_edit()
    wanted = sorted(set(customer_ids))
    if not wanted:
        raise ServiceError("연체료를 청구할 세대를 선택하세요.")
    period = period or default_period(as_of)
    today = now.astimezone(SEOUL).date()
    with ledger.money_session(db, contract_id) as s:
        if not db.is_sqlite:  # one billing of a contract at a time (SQLite's BEGIN IMMEDIATE already is)
            s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(f"late-fee-bill:{contract_id}")})
        contract = contract_for(s, actor, contract_id)
        _check(s, contract_id, as_of, period, today)
        month_lock.ensure_open(s, contract_id, today, "오늘 날짜의 청구 기록")
        # Lock the late charges and that month's 연체료 charges, then compute again: of two clerks
        # billing the same households at once, the second sees the first's bills and adds only the rest.
        first = late_fees.fees_as_of(s, contract_id, as_of, customer_ids=wanted)
        item = _late_item(s, contract_id)
        month_ids = list(s.scalars(select(Charge.id).join(DebitAgreement, DebitAgreement.id == Charge.agreement_id)
                                   .where(DebitAgreement.item_id == item.id, DebitAgreement.customer_id.in_(wanted),
                                          Charge.period == period))) if item is not None else []
        ledger.lock_charges(s, [*first, *month_ids])
        planned = _plan(s, contract_id, as_of, period, today, wanted)
        blocked = [p.view for p in planned if not p.view.ok]
        if blocked:
            raise ServiceError(_refusal(blocked))
        sources = {a.id: a for a in s.scalars(select(DebitAgreement).where(
            DebitAgreement.id.in_([p.source_id for p in planned if p.source_id is not None])))}
        days = set()
        for a in sources.values():
            own = s.get(CollectionItem, a.item_id)
            days |= set(own.day_list if own is not None else ()) | {a.debit_day}
        item = _ensure_item(s, actor, contract_id, days)
        made: list[int] = []
        for p in planned:
            assert p.source_id is not None  # a household without one has a problem (NOTHING)
            existing = s.get(Charge, p.late_charge_id) if p.late_charge_id is not None else None
            total = (existing.amount if existing is not None else 0) + p.view.amount
            agreement = _ensure_agreement(s, sources[p.source_id], item, p.late_agreement_id, period, total)
            if existing is None:
                existing = Charge(contract_id=contract_id, agreement_id=agreement.id, period=period,
                                  amount=p.view.amount, discount=0)
                s.add(existing)
            else:
                existing.amount = total
            s.flush()
            ledger.post_charges(s, contract_id, [(existing.id, p.view.amount, 0)], today, actor.login_id)
            s.add_all(LateFeeBill(contract_id=contract_id, customer_id=p.view.customer_id, charge_id=f.charge_id,
                                  billed_charge_id=existing.id, amount=f.billable, as_of=as_of,
                                  billed_by=actor.login_id, billed_at=now) for f in p.fees)
            made.append(existing.id)
        s.flush()
        amount = sum(p.view.amount for p in planned)
        audit.record(s, "late_fees_billed", actor=actor, target=f"{contract.institution_code} 연체료 {period}",
                     detail={"as_of": as_of.isoformat(), "period": period, "households": len(planned),
                             "amount": amount, "customer_ids": wanted, "charge_ids": made,
                             "late_charges": sum(len(p.fees) for p in planned)})
        dates = sorted({p.view.debit_on for p in planned if p.view.debit_on is not None})
    when = ", ".join(f"{d:%Y-%m-%d}" for d in dates)
    return BillingOutcome(period, len(planned), amount, tuple(made),
                          f"{as_of:%Y-%m-%d}까지의 연체료 {len(planned):,}세대 {amount:,}원을 {period_text(period)} "
                          f"'{LATE_FEE_ITEM_NAME}' 청구로 만들었습니다. 출금일 {when}의 이체의뢰 목록에 관리비와 함께 "
                          "나옵니다.")
