"""월마감 보고서의 숫자: what a month of a contract comes to, by item and in total, in integer won.

The close report (app/services/aggregates/month_close.py) is what the office gives the residents'
council, so every figure is one the 집계 screens already show for that month, defined the way
domain.md "What the clerk's words mean" defines it. For a contract and a month M (its first day F,
its last day L), each figure by 집금항목 (the item of the agreement the charge belongs to) and in total:

* **청구건수 / 청구금액** — the month's charges (charge.period = M): 청구금액 is their CHARGE entries,
  whenever written (a charge's entries are written when it is created); 청구건수 is the 미납내역집계's
  count of them as of L. 청구금액 − 할인 is the 미납내역집계's 청구액 (할인 후) for M.
* **할인** — the DISCOUNT entries of the month's charges: the 할인내역집계 of M.
* **출금** — DEBIT entries dated F … L (a debit is dated its debit date), whatever month the charge
  is of: the 이체의뢰내역집계's 출금금액 and the 정산내역현황's 출금액 for F ~ L.
* **현금수납** — CASH entries dated F … L: the cash received in the month (the 현금수납 list for
  F ~ L), including a late-found receipt of a closed month recorded in M as its correction.
* **수납취소** — REVERSAL entries dated F … L: cash receipts undone in the month.
* **반환** — REFUND entries dated F … L: refunds paid out in the month (the 정산내역현황's 반환금액).
* **미납건수 / 미납** — the 미납내역집계 of M as of L (`outstanding.summary_statement`, the one
  definition of 미납): the month's charges with something left on L that are not queued or in flight
  and whose debit failed or whose debit date had passed. A charge merely 청구예정 or 이체의뢰중 on L
  is never 미납 here.
* **연체료 청구** — 청구금액 of the month's charges of the item 연체료 (code LATE, the item the 연체료
  billing creates); 0 when there is none. It is part of 청구금액, shown apart as well.
* **정정 (adjustments)** — CASH and REVERSAL entries dated F … L that name an earlier closed month
  (`adjusts_period`): count and sums by the month they correct. They are already inside M's 현금수납 /
  수납취소; the closed month's own figures stay as they were reported.

Every number is computed from the ledger on one connection, so a close can compute it inside the
transaction that stores it (`figures_in`). `MonthFigures` travels as JSON in `month_close.figures`:
what the council was given, printed again exactly from there.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Connection, Select, String, and_, bindparam, select

from app.database.engine import Database
from app.models import Charge, CollectionItem, DebitAgreement, LedgerEntry, LedgerKind
from app.services.aggregates import outstanding as aggregates_outstanding
from app.services.aggregates.common import (
    CONTRACT_ID,
    END,
    START,
    GroupBy,
    as_int,
    count,
    item_names,
    reading,
    sum_if,
)
from app.services.collection.late_fees import LATE_FEE_ITEM_CODE
from app.services.common.periods import Period, first_day, last_day
from app.services.common.session import Actor

"""The 집금항목 the 연체료 billing creates (app/services/collection/late_fees.py names it so too)."""

FORMAT = 1
"""The version of the stored JSON; a later change of the figures keeps reading the old ones."""

L = LedgerEntry
A = DebitAgreement
MONTH: BindParameter[str] = bindparam("month", type_=String())
MOVEMENT_KINDS = (LedgerKind.DEBIT, LedgerKind.CASH, LedgerKind.REVERSAL, LedgerKind.REFUND)


@dataclass(frozen=True)
class CloseFigures:
    """The figures of one item (or of all of them), integer won and counts."""

    charge_count: int = 0
    charged: int = 0
    discount: int = 0
    debited: int = 0
    cash: int = 0
    reversed: int = 0
    refunded: int = 0
    unpaid_count: int = 0
    unpaid: int = 0

    @property
    def owed(self) -> int:
        """청구금액 − 할인: the 미납내역집계's 청구액 (할인 후)."""
        return self.charged - self.discount

    @property
    def received(self) -> int:
        """출금 + 현금수납 − 수납취소: what was received in the month."""
        return self.debited + self.cash - self.reversed


NUMBERS = tuple(f.name for f in fields(CloseFigures))

LABELS: dict[str, str] = {
    "charge_count": "청구건수", "charged": "청구금액", "discount": "할인", "debited": "출금", "cash": "현금수납",
    "reversed": "수납취소", "refunded": "반환", "unpaid_count": "미납건수", "unpaid": "미납",
}
"""The clerk's name of each figure (screens, PDF, Excel, the recheck's lines)."""


@dataclass(frozen=True)
class ItemFigures(CloseFigures):
    item_id: int = 0
    item: str = ""


@dataclass(frozen=True)
class Adjustment:
    """Corrections recorded in this month that name an earlier closed month."""

    period: str  # the month corrected
    count: int
    cash: int  # 현금수납 recorded late for it
    reversed: int  # 수납취소 of its cash

    @property
    def net(self) -> int:
        return self.cash - self.reversed


@dataclass(frozen=True)
class MonthFigures:
    period: str  # YYYY-MM
    as_of: date  # the day 미납 is taken on (the month's last day once the month is over)
    items: tuple[ItemFigures, ...]
    total: CloseFigures
    late_fee_charged: int
    adjustments: tuple[Adjustment, ...]

    def to_json(self) -> str:
        data = {"format": FORMAT, "period": self.period, "as_of": self.as_of.isoformat(),
                "items": [asdict(i) for i in self.items], "total": asdict(self.total),
                "late_fee_charged": self.late_fee_charged, "adjustments": [asdict(a) for a in self.adjustments]}
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> MonthFigures:
        data = json.loads(text)
        return cls(
            period=str(data["period"]), as_of=date.fromisoformat(data["as_of"]),
            items=tuple(ItemFigures(**_numbers(i), item_id=int(i["item_id"]), item=str(i["item"]))
                        for i in data["items"]),
            total=CloseFigures(**_numbers(data["total"])),
            late_fee_charged=int(data["late_fee_charged"]),
            adjustments=tuple(Adjustment(str(a["period"]), int(a["count"]), int(a["cash"]), int(a["reversed"]))
                              for a in data["adjustments"]),
        )

    def item(self, item_id: int) -> ItemFigures | None:
        return next((i for i in self.items if i.item_id == item_id), None)


def _numbers(data: dict[str, Any]) -> dict[str, int]:
    return {name: int(data.get(name, 0)) for name in NUMBERS}


# --- computing -------------------------------------------------------------------------------------


@cache
def _charges_statement() -> Select:
    """CHARGE and DISCOUNT entries of the month's charges, by item (bound: contract_id, month)."""
    return (
        select(A.item_id, sum_if(L.kind == LedgerKind.CHARGE, L.amount).label("charged"),
               sum_if(L.kind == LedgerKind.DISCOUNT, L.amount).label("discount"))
        .select_from(Charge)
        .join(L, L.charge_id == Charge.id)
        .join(A, A.id == Charge.agreement_id)
        .where(Charge.contract_id == CONTRACT_ID, Charge.period == MONTH,
               L.kind.in_((LedgerKind.CHARGE, LedgerKind.DISCOUNT)))
        .group_by(A.item_id)
    )


@cache
def _movements_statement() -> Select:
    """DEBIT, CASH, REVERSAL and REFUND entries dated in the month, by item (bound: contract_id, start, end)."""
    return (
        select(A.item_id, *[sum_if(L.kind == kind, L.amount).label(kind.value.lower()) for kind in MOVEMENT_KINDS])
        .select_from(L)
        .join(Charge, Charge.id == L.charge_id)
        .join(A, A.id == Charge.agreement_id)
        .where(L.contract_id == CONTRACT_ID, L.kind.in_(MOVEMENT_KINDS), L.entry_on >= START, L.entry_on <= END)
        .group_by(A.item_id)
    )


@cache
def _adjustments_statement() -> Select:
    """Corrections of closed months recorded in this month, by the month they name."""
    corrects = and_(L.kind.in_((LedgerKind.CASH, LedgerKind.REVERSAL)), L.adjusts_period.is_not(None))
    return (
        select(L.adjusts_period, count().label("count"), sum_if(L.kind == LedgerKind.CASH, L.amount).label("cash"),
               sum_if(L.kind == LedgerKind.REVERSAL, L.amount).label("reversed"))
        .where(L.contract_id == CONTRACT_ID, corrects, L.entry_on >= START, L.entry_on <= END)
        .group_by(L.adjusts_period)
    )


def figures_in(conn: Connection, contract_id: int, month: str, today: date) -> MonthFigures:
    """The month's figures read on `conn` (the caller has checked the contract is the actor's).

    미납 is taken as of the month's last day, or `today` when that is earlier (a running month)."""
    period = Period(first_day(month), last_day(month))
    bound = {"contract_id": contract_id, "month": month, "start": period.start, "end": period.end}
    names = item_names(conn, contract_id)
    rows: dict[int, dict[str, int]] = {}

    def row(item_id: int) -> dict[str, int]:
        return rows.setdefault(int(item_id), dict.fromkeys(NUMBERS, 0))

    for r in conn.execute(_charges_statement(), bound):
        row(r.item_id).update(charged=as_int(r.charged), discount=as_int(r.discount))
    for r in conn.execute(_movements_statement(), bound):
        row(r.item_id).update(debited=as_int(r.debit), cash=as_int(r.cash), reversed=as_int(r.reversal),
                              refunded=as_int(r.refund))
    state = aggregates_outstanding.state_params(conn, contract_id, period, today)
    for r in conn.execute(aggregates_outstanding.summary_statement(GroupBy.ITEM), state):
        row(int(r.key)).update(charge_count=as_int(r.charge_count), unpaid_count=as_int(r.unpaid_count),
                               unpaid=as_int(r.unpaid_amount))
    late_item = conn.execute(select(CollectionItem.id).where(CollectionItem.contract_id == contract_id,
                                                             CollectionItem.code == LATE_FEE_ITEM_CODE)).scalar()
    items = tuple(sorted((ItemFigures(**values, item_id=item_id, item=names.get(item_id, f"항목 {item_id}"))
                          for item_id, values in rows.items()), key=lambda i: (i.item_id == late_item, i.item)))
    grand = CloseFigures(**{name: sum(getattr(i, name) for i in items) for name in NUMBERS})
    late = sum(i.charged for i in items if i.item_id == late_item)
    adjustments = tuple(sorted((Adjustment(str(r.adjusts_period), as_int(r.count), as_int(r.cash),
                                           as_int(r.reversed))
                                for r in conn.execute(_adjustments_statement(), bound)), key=lambda a: a.period))
    return MonthFigures(month, min(period.end, today), items, grand, late, adjustments)


def month_figures(db: Database, actor: Actor, contract_id: int, month: str, *, today: date) -> MonthFigures:
    """The figures of `month` as they stand now (read-only; any role of the institution)."""
    with reading(db, actor, contract_id) as conn:
        return figures_in(conn, contract_id, month, today)


# --- comparing a stored report with the month now --------------------------------------------------


def differences(stored: MonthFigures, now: MonthFigures) -> list[str]:
    """What moved since the report was made, one Korean line per figure ("관리비 현금수납: 보고 0원 → 현재
    180,000원"); empty when the month recomputes to the same, as a closed month must."""
    out: list[str] = []
    ids = [i.item_id for i in stored.items] + [i.item_id for i in now.items if stored.item(i.item_id) is None]
    for item_id in ids:
        before, after = stored.item(item_id), now.item(item_id)
        either = before or after
        name = either.item if either is not None else f"항목 {item_id}"
        for field_name in NUMBERS:
            old = getattr(before, field_name) if before is not None else 0
            new = getattr(after, field_name) if after is not None else 0
            if old != new:
                out.append(f"{name} {LABELS[field_name]}: 보고 {_text(field_name, old)} → 현재 {_text(field_name, new)}")
    if stored.late_fee_charged != now.late_fee_charged:
        out.append(f"연체료 청구: 보고 {stored.late_fee_charged:,}원 → 현재 {now.late_fee_charged:,}원")
    old_adj = {a.period: a for a in stored.adjustments}
    new_adj = {a.period: a for a in now.adjustments}
    for period in sorted(set(old_adj) | set(new_adj)):
        a, b = old_adj.get(period), new_adj.get(period)
        if a != b:
            out.append(f"{period} 정정: 보고 {_adjustment_text(a)} → 현재 {_adjustment_text(b)}")
    return out


def _text(field_name: str, value: int) -> str:
    return f"{value:,}건" if field_name.endswith("_count") else f"{value:,}원"


def _adjustment_text(adjustment: Adjustment | None) -> str:
    if adjustment is None:
        return "없음"
    return f"{adjustment.count:,}건 {adjustment.net:,}원"
