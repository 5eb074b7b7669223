"""미납내역집계: what is still owed, by item, grade or bank, from the ledger the way `ledger` defines it.

    outstanding(charge) = CHARGE − DISCOUNT − DEBIT − CASH + REVERSAL

What "over a period" means here (the manual gives only the dates):

* the charges are those **billed for the months of the period** (charge.period from the start's month
  to the end's month: 2026-11-01 ~ 2026-11-27 means the 2026-11 charges);
* their balance is taken **as of the period's last day**: only ledger entries dated on or before it
  count. With the default period (to today) that is the balance now; a past period prints the same
  figures whenever it is printed again, which is what a clerk filing a monthly report needs.

A refund (반환, 학원) gives back money received and releases the payer from the same part of the
charge, so it leaves the 미납 amount alone: a refunded charge is never unpaid because of its refund.
What was refunded shows beside 수납금액 as 반환금액 (REFUND entries on or before the period's end), and
수납금액 keeps its meaning (출금 + 현금 − 수납취소, before refunds).

A charge counts once in 청구건수 whatever it owes; 미납건수/미납금액 are the charges that are **미납**
as the ledger defines it (`ledger.is_unpaid`), as of the period's last day or today, whichever is
earlier: something left, not queued or in flight, and a debit of it failed or its debit date has
passed. A charge merely scheduled (청구예정) or asked for (이체의뢰대기/중) is never 미납 here, in the
drill-down, the PDF/Excel or the 미납 안내문 built from it. The bank is the agreement's (where the next
request will go), the grade the customer's.

Two GROUP BYs in one statement: ledger rows → one balance per charge (through the charge's index,
so a month of a million-row ledger reads only that month's entries), then charges → groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Select, case, select

from app.database.engine import Database
from app.models import (
    Charge,
    Contract,
    Customer,
    DebitAgreement,
    LedgerEntry,
    LedgerKind,
)
from app.services.aggregates.common import (
    CONTRACT_ID,
    END,
    FIRST_MONTH,
    LAST_MONTH,
    GroupBy,
    as_int,
    count,
    figures_of,
    group_key,
    group_label,
    item_names,
    key_filter,
    key_text,
    paged,
    params,
    reading,
    sum_figures,
    sum_if,
    total,
)
from app.services.collection import ledger
from app.services.common.calendar import SEOUL
from app.services.common.contract_calendar import contract_calendar
from app.services.common.masking import masked_last4
from app.services.common.periods import Period
from app.services.common.session import Actor
from app.services.exchange.cms.banks import bank_name

L = LedgerEntry
BALANCE_KINDS = (LedgerKind.CHARGE, LedgerKind.DISCOUNT, LedgerKind.DEBIT, LedgerKind.CASH, LedgerKind.REVERSAL,
                 LedgerKind.REFUND)


def _owed() -> Any:
    """CHARGE − DISCOUNT of an entry: what the charge asks of the payer."""
    return case((L.kind == LedgerKind.CHARGE, L.amount), (L.kind == LedgerKind.DISCOUNT, -L.amount), else_=0)


def _received() -> Any:
    """DEBIT + CASH − REVERSAL of an entry: what the payer has paid against it."""
    return case((L.kind.in_((LedgerKind.DEBIT, LedgerKind.CASH)), L.amount),
                (L.kind == LedgerKind.REVERSAL, -L.amount), else_=0)


def _refunded() -> Any:
    """REFUND of an entry: what was given back of the charge (it moves neither owed nor received here)."""
    return case((L.kind == LedgerKind.REFUND, L.amount), else_=0)


def balances_statement() -> Select:
    """One row per charge of the period's months: its owed and received sums as of the period's end,
    and the agreement's debit day its state needs (bound: contract_id, first_month, last_month, end)."""
    return (
        select(Charge.id.label("charge_id"), Charge.agreement_id.label("agreement_id"),
               Charge.period.label("period"), DebitAgreement.debit_day.label("debit_day"),
               total(_owed()).label("owed"), total(_received()).label("received"),
               total(_refunded()).label("refunded"))
        .select_from(Charge)
        .join(L, L.charge_id == Charge.id)
        .join(DebitAgreement, DebitAgreement.id == Charge.agreement_id)
        .where(Charge.contract_id == CONTRACT_ID, Charge.period >= FIRST_MONTH, Charge.period <= LAST_MONTH,
               L.entry_on <= END, L.kind.in_(BALANCE_KINDS))
        .group_by(Charge.id, Charge.agreement_id, Charge.period, DebitAgreement.debit_day)
    )


def _unpaid(b: Any) -> Any:
    """미납 (ledger.is_unpaid) of a row of `balances_statement`."""
    return ledger.is_unpaid(b.c.charge_id, b.c.period, b.c.debit_day, b.c.owed - b.c.received)


_YEAR_END = select(Contract.year_end_closing).where(Contract.id == CONTRACT_ID)


def state_params(conn: Connection, contract_id: int, period: Period, today: date | None) -> dict[str, Any]:
    """`params` plus the ledger's as-of values: the period's last day, or today when that is earlier
    (a debit date after today has not passed, whatever end date the clerk typed)."""
    today = today or datetime.now(SEOUL).date()
    closing = bool(conn.execute(_YEAR_END, {"contract_id": contract_id}).scalar())
    calendar = contract_calendar(conn, contract_id, closing)
    return {**params(contract_id, period), **ledger.as_of_params(calendar, min(period.end, today))}


@dataclass(frozen=True)
class OutstandingFigures:
    charge_count: int = 0
    owed_amount: int = 0  # 청구액 (할인 후)
    received_amount: int = 0  # 수납액 (출금 + 현금 − 수납취소)
    unpaid_count: int = 0
    unpaid_amount: int = 0
    refunded_amount: int = 0  # 반환금액 (학원): given back of these charges; not part of 수납금액's meaning


@dataclass(frozen=True)
class OutstandingGroupRow(OutstandingFigures):
    key: str = ""
    label: str = ""


@dataclass(frozen=True)
class OutstandingSummary:
    group_by: GroupBy
    period: Period
    rows: tuple[OutstandingGroupRow, ...]
    total: OutstandingFigures


@cache
def summary_statement(group_by: GroupBy) -> Select:
    """Balances per charge, then summed per group: one statement, built once."""
    b = balances_statement().subquery("b")
    left = b.c.owed - b.c.received
    unpaid = _unpaid(b)
    key = group_key(group_by, DebitAgreement.bank_code).label("key")
    stmt = (
        select(key, count().label("charge_count"), total(b.c.owed).label("owed_amount"),
               total(b.c.received).label("received_amount"), sum_if(unpaid).label("unpaid_count"),
               sum_if(unpaid, left).label("unpaid_amount"), total(b.c.refunded).label("refunded_amount"))
        .select_from(b)
        .join(DebitAgreement, DebitAgreement.id == b.c.agreement_id)
    )
    if group_by is GroupBy.GRADE:
        stmt = stmt.join(Customer, Customer.id == DebitAgreement.customer_id)
    return stmt.group_by(key)  # sorted by label in Python (see aggregates_requests)


def summarise(db: Database, actor: Actor, contract_id: int, period: Period, group_by: GroupBy, *,
              today: date | None = None) -> OutstandingSummary:
    """미납내역집계: one row per item, grade or bank with charges, received and unpaid (미납) amounts.

    `today` (default: the Seoul date now) caps the as-of day of the 미납 state."""
    with reading(db, actor, contract_id) as conn:
        items = item_names(conn, contract_id) if group_by is GroupBy.ITEM else {}
        result = conn.execute(summary_statement(group_by), state_params(conn, contract_id, period, today)).all()
    rows = []
    for row in result:
        key = key_text(row.key)
        rows.append(OutstandingGroupRow(key=key, label=group_label(group_by, key, items),
                                        **figures_of(OutstandingFigures, row)))
    rows.sort(key=lambda r: r.label)
    grand = sum_figures(OutstandingFigures, rows)
    return OutstandingSummary(group_by, period, tuple(rows), grand)


# --- drill-down: the unpaid charges ----------------------------------------------------------------


@dataclass(frozen=True)
class OutstandingDetailRow:
    charge_id: int
    customer_id: int
    customer_no: str
    customer_name: str
    grade: str
    item: str
    period: str
    bank: str
    account: str  # ****1234
    owed_amount: int
    received_amount: int
    unpaid_amount: int


def _detail_statement(group_by: GroupBy | None, key: str | None) -> Select:
    b = balances_statement().subquery("b")
    stmt = (
        select(b.c.charge_id, b.c.period, b.c.owed, b.c.received, Customer.id.label("customer_id"),
               Customer.customer_no, Customer.name, Customer.grade, DebitAgreement.item_id, DebitAgreement.bank_code,
               DebitAgreement.account_last4)
        .select_from(b)
        .join(DebitAgreement, DebitAgreement.id == b.c.agreement_id)
        .join(Customer, Customer.id == DebitAgreement.customer_id)
        .where(_unpaid(b))
    )
    if group_by is not None and key is not None:
        stmt = stmt.where(key_filter(group_by, key, DebitAgreement.bank_code))
    return stmt.order_by(Customer.customer_no, DebitAgreement.item_id, b.c.period, b.c.charge_id)


def details(
    db: Database, actor: Actor, contract_id: int, period: Period, group_by: GroupBy | None, key: str | None, *,
    offset: int = 0, limit: int | None = None, today: date | None = None,
) -> list[OutstandingDetailRow]:
    """The 미납 charges behind one group (all groups when `group_by` is None), by customer."""
    with reading(db, actor, contract_id) as conn:
        items = item_names(conn, contract_id)
        stmt = paged(_detail_statement(group_by, key), offset, limit)
        result = conn.execute(stmt, state_params(conn, contract_id, period, today)).all()
    return [
        OutstandingDetailRow(
            charge_id=row.charge_id, customer_id=row.customer_id, customer_no=row.customer_no,
            customer_name=row.name, grade=row.grade or "", item=items.get(row.item_id, ""), period=row.period,
            bank=bank_name(row.bank_code), account=masked_last4(row.account_last4),
            owed_amount=as_int(row.owed), received_amount=as_int(row.received),
            unpaid_amount=as_int(row.owed) - as_int(row.received),
        )
        for row in result
    ]

