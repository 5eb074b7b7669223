"""할인내역집계: the discounts given, by billing month (and, when asked, by item within the month).

A discount is the DISCOUNT ledger entry written with its charge (할인관리 changes apply from the next
charge on, so a month's discounts are those of that month's charges). The months are those of the
period, as in 미납내역집계. 청구금액 is the charge before the discount, 할인후금액 what was asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select, select

from app.database.engine import Database
from app.models import Charge, Customer, DebitAgreement, LedgerEntry, LedgerKind
from app.services.aggregates.common import (
    CONTRACT_ID,
    FIRST_MONTH,
    LAST_MONTH,
    as_int,
    count,
    item_names,
    paged,
    params,
    reading,
    sum_figures,
    total,
)
from app.services.common.masking import masked_last4
from app.services.common.periods import Period
from app.services.common.session import Actor
from app.services.exchange.cms.banks import bank_name

L = LedgerEntry


@dataclass(frozen=True)
class DiscountFigures:
    discounted_count: int = 0
    charged_amount: int = 0
    discount_amount: int = 0

    @property
    def net_amount(self) -> int:
        return self.charged_amount - self.discount_amount


@dataclass(frozen=True)
class DiscountGroupRow(DiscountFigures):
    period: str = ""  # YYYY-MM
    item_id: int | None = None  # None when the month is not split by item
    item: str = ""

    @property
    def label(self) -> str:
        return f"{self.period} {self.item}".strip()


@dataclass(frozen=True)
class DiscountSummary:
    period: Period
    by_item: bool
    rows: tuple[DiscountGroupRow, ...]
    total: DiscountFigures

    def month_subtotals(self) -> dict[str, DiscountFigures]:
        """Each month's sum over its item rows (the report's 소계)."""
        out: dict[str, DiscountFigures] = {}
        for row in self.rows:
            figures = DiscountFigures(row.discounted_count, row.charged_amount, row.discount_amount)
            out[row.period] = sum_figures(DiscountFigures, [out.get(row.period, DiscountFigures()), figures])
        return out


def _base() -> Select:
    """DISCOUNT entries of the charges of the period's months (bound: contract_id, first/last_month)."""
    return (
        select()
        .select_from(L)
        .join(Charge, Charge.id == L.charge_id)
        .where(L.contract_id == CONTRACT_ID, L.kind == LedgerKind.DISCOUNT, Charge.contract_id == CONTRACT_ID,
               Charge.period >= FIRST_MONTH, Charge.period <= LAST_MONTH)
    )


@cache
def summary_statement(by_item: bool) -> Select:
    keys = [Charge.period] + ([DebitAgreement.item_id] if by_item else [])
    stmt = _base().add_columns(
        *keys, count().label("discounted_count"), total(Charge.amount).label("charged_amount"),
        total(L.amount).label("discount_amount"),
    )
    if by_item:
        stmt = stmt.join(DebitAgreement, DebitAgreement.id == Charge.agreement_id)
    return stmt.group_by(*keys)


def summarise(db: Database, actor: Actor, contract_id: int, period: Period, *,
              by_item: bool = False) -> DiscountSummary:
    """할인내역집계: one row per month (or month and item)."""
    with reading(db, actor, contract_id) as conn:
        items = item_names(conn, contract_id) if by_item else {}
        result = conn.execute(summary_statement(by_item), params(contract_id, period)).all()
    rows = tuple(sorted((
        DiscountGroupRow(
            period=row.period,
            item_id=row.item_id if by_item else None,
            item=items.get(row.item_id, "") if by_item else "",
            discounted_count=as_int(row.discounted_count),
            charged_amount=as_int(row.charged_amount),
            discount_amount=as_int(row.discount_amount),
        )
        for row in result
    ), key=lambda r: (r.period, r.item)))
    grand = sum_figures(DiscountFigures, rows)
    return DiscountSummary(period, by_item, rows, grand)


@dataclass(frozen=True)
class DiscountDetailRow:
    charge_id: int
    period: str
    customer_no: str
    customer_name: str
    grade: str
    item: str
    bank: str
    account: str
    charged_amount: int
    discount_amount: int

    @property
    def net_amount(self) -> int:
        return self.charged_amount - self.discount_amount

    @property
    def rate_text(self) -> str:
        """할인율 of the charge, as the clerk set it (a whole per cent unless an amount was typed)."""
        if not self.charged_amount:
            return ""
        tenths = self.discount_amount * 1000 // self.charged_amount
        return f"{tenths // 10}%" if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10}%"


def details(
    db: Database, actor: Actor, contract_id: int, period: Period, month: str | None = None,
    item_id: int | None = None, *, offset: int = 0, limit: int | None = None,
) -> list[DiscountDetailRow]:
    """The discounted charges of one month (and item), or of the whole period when `month` is None."""
    stmt = (
        _base()
        .add_columns(Charge.id, Charge.period, Charge.amount, L.amount.label("discount"), Customer.customer_no,
                     Customer.name, Customer.grade, DebitAgreement.item_id, DebitAgreement.bank_code,
                     DebitAgreement.account_last4)
        .join(DebitAgreement, DebitAgreement.id == Charge.agreement_id)
        .join(Customer, Customer.id == DebitAgreement.customer_id)
    )
    if month is not None:
        stmt = stmt.where(Charge.period == month)
    if item_id is not None:
        stmt = stmt.where(DebitAgreement.item_id == item_id)
    stmt = stmt.order_by(Charge.period, Customer.customer_no, DebitAgreement.item_id, L.id)
    with reading(db, actor, contract_id) as conn:
        items = item_names(conn, contract_id)
        result = conn.execute(paged(stmt, offset, limit), params(contract_id, period)).all()
    return [
        DiscountDetailRow(
            charge_id=row.id, period=row.period, customer_no=row.customer_no, customer_name=row.name,
            grade=row.grade or "", item=items.get(row.item_id, ""), bank=bank_name(row.bank_code),
            account=masked_last4(row.account_last4), charged_amount=row.amount, discount_amount=row.discount,
        )
        for row in result
    ]
