"""연체료관리 and the customer detail read here: each household's 미납, its late fees as of a day, what
was billed, what was waived, and what may still be billed; the list as an .xlsx.

Every figure comes from `late_fees.fees_as_of` (the 관리규약 rule) and `ledger.charge_states` (the
one definition of 미납), so the screen, the customer detail and the file agree with billing to the won.
Looking never writes.

Per household, for the charges that owe a late fee (or owed one that is waived):

* 연체료 = the fee as of the day; 청구됨 = what billings already turned into an item 연체료;
* 감면 = the part not yet billed that a standing waiver keeps from billing;
* 청구 가능 = what billing would bill now (`LateFee.billable`).

미납 건수/미납액 count every charge of the household that is 미납 on the day, a 연체료 charge included
(it is a charge like any other once billed; it only owes no late fee of its own).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import Charge, CollectionItem, Contract, Customer, DebitAgreement, LateFeeBasis, LateFeeWaiver
from app.services.aggregates.reports.build import context
from app.services.aggregates.reports.model import Cell, Column, Kind, Report, ReportTable, Section
from app.services.collection import late_fee_waivers, late_fees, ledger
from app.services.collection.late_fee_waivers import WaiverRow
from app.services.collection.late_fees import LATE_FEE_ITEM_CODE, LateFee
from app.services.collection.ledger import ChargeState
from app.services.common.access import contract_for, customer_for
from app.services.common.contract_calendar import contract_calendar
from app.services.common.session import Actor
from app.services.settings.arrears_rules import policy_text

NO_POLICY = "연체료 규정이 없습니다"
NO_POLICY_HINT = "환경설정 > 연체료·독촉 규정에서 관리규약의 연체료(요율, 유예일수, 한도, 절사)를 정하고 '사용'으로 저장하세요."


@dataclass(frozen=True)
class ChargeFee(LateFee):
    """One 미납 charge's late fee as of a day (`late_fees.LateFee`), with its item's name for the screens."""

    item_name: str = ""

    @property
    def units_text(self) -> str:
        """'58일' or '3개월' (months begun after the grace)."""
        return f"{self.units_late}일" if self.basis is LateFeeBasis.DAY else f"{self.units_late}개월"

    @property
    def waived_amount(self) -> int:
        """What a standing waiver keeps from billing: the part not billed before it."""
        return max(0, self.fee - self.billed) if self.waived else 0


def charge_fee(fee: LateFee, item_name: str) -> ChargeFee:
    return ChargeFee(**{f.name: getattr(fee, f.name) for f in fields(fee)}, item_name=item_name)


def household_label(customer_no: str, grade: str | None) -> str:
    """동·호/고객번호: '101동 1011001' when the office groups by 동 (고객등급), else the number alone."""
    return f"{grade} {customer_no}" if grade else customer_no


class FeeTotals:
    """The sums a household's charge lines add up to (the list row and the customer detail alike)."""

    lines: tuple[ChargeFee, ...]

    @property
    def fee(self) -> int:
        return sum(line.fee for line in self.lines)

    @property
    def billed(self) -> int:
        return sum(line.billed for line in self.lines)

    @property
    def waived(self) -> int:
        return sum(line.waived_amount for line in self.lines)

    @property
    def billable(self) -> int:
        return sum(line.billable for line in self.lines)


@dataclass(frozen=True)
class HouseholdFees(FeeTotals):
    """One household's row of 연체료관리, with its charges for the detail below the list."""

    customer_id: int
    customer_no: str
    customer_name: str
    grade: str
    unpaid_count: int
    unpaid_amount: int
    lines: tuple[ChargeFee, ...]
    household_waiver: str | None  # the reason of a standing waiver of the whole household

    @property
    def label(self) -> str:
        return household_label(self.customer_no, self.grade)


@dataclass(frozen=True)
class LateFeeList:
    """연체료관리 as of a day: whether a rule is on, the rule in words, and the households."""

    contract_id: int
    as_of: date
    enabled: bool
    policy_text: str
    rows: tuple[HouseholdFees, ...]

    @property
    def fee(self) -> int:
        return sum(r.fee for r in self.rows)

    @property
    def billed(self) -> int:
        return sum(r.billed for r in self.rows)

    @property
    def waived(self) -> int:
        return sum(r.waived for r in self.rows)

    @property
    def billable(self) -> int:
        return sum(r.billable for r in self.rows)

    @property
    def unpaid_amount(self) -> int:
        return sum(r.unpaid_amount for r in self.rows)


def rule_text(s: Session, contract_id: int) -> str:
    """The contract's rule in one line: '일 0.05% · 유예 5일 · …', items with their own rule after it."""
    default, by_item = late_fees.policies(s, contract_id)
    parts = [f"기본: {policy_text(default)}"]
    if by_item:
        names = dict(s.execute(select(CollectionItem.id, CollectionItem.name).where(
            CollectionItem.id.in_(list(by_item)), CollectionItem.code != LATE_FEE_ITEM_CODE)).all())
        parts += [f"{names[item_id]}: {policy_text(rule)}" for item_id, rule in by_item.items() if item_id in names]
    return " / ".join(parts)


def item_names(s: Session, contract_id: int) -> dict[int, str]:
    return dict(s.execute(select(CollectionItem.id, CollectionItem.name)
                          .where(CollectionItem.contract_id == contract_id)).all())


def _unpaid(s: Session, contract_id: int, as_of: date, customer_ids: Sequence[int] | None = None
            ) -> dict[int, tuple[int, int]]:
    """customer id → (미납 건수, 미납액) as of `as_of`, every item counted."""
    stmt = (select(Charge.id, DebitAgreement.customer_id).join(DebitAgreement, DebitAgreement.id == Charge.agreement_id)
            .where(Charge.contract_id == contract_id, Charge.period <= f"{as_of:%Y-%m}"))
    if customer_ids is not None:
        stmt = stmt.where(DebitAgreement.customer_id.in_(list(customer_ids)))
    owner = dict(s.execute(stmt).all())
    if not owner:
        return {}
    year_end_closing = bool(s.scalar(select(Contract.year_end_closing).where(Contract.id == contract_id)))
    states = ledger.charge_states(s, contract_calendar(s, contract_id, year_end_closing), contract_id, as_of,
                                  list(owner) if customer_ids is not None else None)
    out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for charge_id, (state, left) in states.items():
        if state is ChargeState.UNPAID and charge_id in owner:
            out[owner[charge_id]][0] += 1
            out[owner[charge_id]][1] += left
    return {customer_id: (count, amount) for customer_id, (count, amount) in out.items()}


def _household_waivers(s: Session, contract_id: int) -> dict[int, str]:
    """customer id → the reason of its standing waiver of the whole household."""
    rows = s.execute(select(LateFeeWaiver.customer_id, LateFeeWaiver.reason).where(
        LateFeeWaiver.contract_id == contract_id, LateFeeWaiver.charge_id.is_(None),
        LateFeeWaiver.revoked_at.is_(None)).order_by(LateFeeWaiver.id)).all()
    return {customer_id: reason for customer_id, reason in rows}


def _owing(fees: Iterable[LateFee], names: dict[int, str]) -> list[LateFee]:
    """The fees worth a line, in period and item order: a waived household's charge still within its
    grace reads as waived with no fee, and says nothing a clerk needs."""
    return sorted((f for f in fees if f.fee > 0), key=lambda f: (f.period, names.get(f.item_id, ""), f.charge_id))


def household_rows(db: Database, actor: Actor, contract_id: int, as_of: date) -> LateFeeList:
    """연체료관리: every household with a 미납 charge or a late fee as of `as_of`, by customer number."""
    with db.session() as s:
        contract_for(s, actor, contract_id)
        enabled = late_fees.any_enabled(s, contract_id)
        text = rule_text(s, contract_id)
        fees = late_fees.fees_as_of(s, contract_id, as_of)
        unpaid = _unpaid(s, contract_id, as_of)
        names = item_names(s, contract_id)
        whole = _household_waivers(s, contract_id)
        lines: dict[int, list[ChargeFee]] = defaultdict(list)
        for fee in _owing(fees.values(), names):
            lines[fee.customer_id].append(charge_fee(fee, names.get(fee.item_id, "")))
        ids = sorted(set(unpaid) | set(lines))
        customers = {c.id: c for c in s.scalars(select(Customer).where(Customer.id.in_(ids)))} if ids else {}
    rows = [HouseholdFees(c.id, c.customer_no, c.name, c.grade or "", *unpaid.get(c.id, (0, 0)),
                          tuple(lines.get(c.id, ())), whole.get(c.id))
            for c in sorted(customers.values(), key=lambda c: c.customer_no)]
    return LateFeeList(contract_id, as_of, enabled, text, tuple(rows))


# --- one household (the customer detail) --------------------------------------------------------------


@dataclass(frozen=True)
class CustomerLateFees(FeeTotals):
    """One household's late fees as of a day, per charge, with its waivers (standing and revoked)."""

    customer_id: int
    customer_no: str
    customer_name: str
    as_of: date
    enabled: bool
    lines: tuple[ChargeFee, ...]
    waivers: tuple[WaiverRow, ...]


def customer_fees(db: Database, actor: Actor, customer_id: int, as_of: date) -> CustomerLateFees:
    """The household's late fees as of `as_of` (fee, billed, waived with its reason, billable) and its waivers."""
    with db.session() as s:
        customer = customer_for(s, actor, customer_id)
        contract_id = customer.contract_id
        enabled = late_fees.any_enabled(s, contract_id)
        fees = late_fees.fees_as_of(s, contract_id, as_of, customer_ids=[customer_id])
        names = item_names(s, contract_id)
        lines = tuple(charge_fee(f, names.get(f.item_id, "")) for f in _owing(fees.values(), names))
        head = (customer.customer_no, customer.name)
    waived = late_fee_waivers.waivers(db, actor, contract_id, customer_id=customer_id)
    return CustomerLateFees(customer_id, head[0], head[1], as_of, enabled, lines, tuple(waived))


# --- the list as .xlsx --------------------------------------------------------------------------------


TITLE = "연체료 현황"
HOUSEHOLD_COLUMNS: list[Column] = [
    Column("동·호/고객번호", 16), Column("고객명", 12), Column("미납 건수", 9, Kind.COUNT), Column("미납액", 14, Kind.WON),
    Column("연체료", 12, Kind.WON), Column("청구됨", 12, Kind.WON), Column("감면", 12, Kind.WON),
    Column("청구 가능", 12, Kind.WON), Column("세대 감면 사유", 24),
]
CHARGE_COLUMNS: list[Column] = [
    Column("동·호/고객번호", 16), Column("고객명", 12), Column("청구년월", 10, Kind.CENTER), Column("항목", 10),
    Column("납기일", 12, Kind.DATE), Column("기준금액", 14, Kind.WON), Column("연체", 9, Kind.CENTER),
    Column("연체료", 12, Kind.WON), Column("청구됨", 12, Kind.WON), Column("청구 가능", 12, Kind.WON),
    Column("감면 사유", 24),
]


def _household_cells(r: HouseholdFees) -> list[Cell]:
    return [r.label, r.customer_name, r.unpaid_count, r.unpaid_amount, r.fee, r.billed, r.waived, r.billable,
            r.household_waiver or ""]


def _charge_cells(r: HouseholdFees, line: ChargeFee) -> list[Cell]:
    return [r.label, r.customer_name, line.period, line.item_name, line.due_on, line.base, line.units_text, line.fee,
            line.billed, line.billable, line.waiver_reason or ""]


def list_report(db: Database, actor: Actor, fees: LateFeeList, *, now: datetime) -> Report:
    """The list as the screen shows it (`household_rows`), then every charge line; audited as personal data."""
    rows = fees.rows
    total: list[Cell] = ["합계", f"{len(rows):,}세대", sum(r.unpaid_count for r in rows), fees.unpaid_amount, fees.fee,
                         fees.billed, fees.waived, fees.billable, ""]
    households = ReportTable(HOUSEHOLD_COLUMNS, [Section([_household_cells(r) for r in rows])], total=total,
                             caption="세대별")
    charge_rows = [_charge_cells(r, line) for r in rows for line in r.lines]
    charges = ReportTable(CHARGE_COLUMNS, [Section(charge_rows)], caption="청구별 연체료")
    return Report(title=TITLE, context=context(db, actor, fees.contract_id, now),
                  period_text=f"기준일 {fees.as_of:%Y-%m-%d}", tables=[households, charges],
                  filters=[f"연체료 규정: {fees.policy_text}"], landscape=True,
                  file_stem=f"연체료현황_{fees.as_of:%Y%m%d}", personal=True,
                  notes=["연체료 = 기준일 현재 미납액 × 요율 × 연체일수(또는 유예 후 시작된 개월 수), 한도 적용 후 절사.",
                         "청구됨: 이미 '연체료' 항목으로 청구한 금액. 감면: 감면으로 청구하지 않는 금액. "
                         "청구 가능 = 연체료 − 청구됨 (감면된 청구는 0)."])
