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

연체료 (apartment offices, `collection.late_fees`): only when the contract has an enabled late-fee
policy (`late_fees.any_enabled`; one indexed look-up, so an office without one pays nothing more
and sees the figures it always saw). Then each unpaid charge's late fee as of the same day its 미납
is decided (`as_of_day`: the period's last day, or today when earlier) is computed in Python by
`late_fees.fees_as_of` — the SQL above stays as it is:

* a drill-down asks for the fees of the charges of the page it returns;
* a summary lists the period's unpaid charges with their group key (the same balances and 미납
  condition as the summary, one more pass) and asks for their fees, so each group's 연체료 is the
  sum over exactly the charges its 미납건수 counts. A waived fee is summed apart (감면), never into
  연체료; a fee already billed as an item 연체료 still counts here (it is what the charge incurred).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Select, case, select
from sqlalchemy.orm import Session

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
from app.services.collection import late_fees, ledger
from app.services.collection.late_fees import LateFee
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


def as_of_day(period: Period, today: date | None) -> date:
    """The day 미납 (and its 연체료) is decided on: the period's last day, or today when that is earlier
    (a debit date after today has not passed, whatever end date the clerk typed)."""
    return min(period.end, today or datetime.now(SEOUL).date())


def state_params(conn: Connection, contract_id: int, period: Period, today: date | None) -> dict[str, Any]:
    """`params` plus the ledger's as-of values of `as_of_day` (its ``as_of``)."""
    closing = bool(conn.execute(_YEAR_END, {"contract_id": contract_id}).scalar())
    calendar = contract_calendar(conn, contract_id, closing)
    return {**params(contract_id, period), **ledger.as_of_params(calendar, as_of_day(period, today))}


FEE_CHUNK = 5000
"""Charges per `fees_as_of` call: its IN lists stay well under the drivers' bound-parameter limits."""


def late_fees_of(conn: Connection, contract_id: int, as_of: date, charge_ids: Sequence[int]) -> dict[int, LateFee]:
    """charge id → LateFee (as `late_fees.fees_as_of`) for the given charges, on the reading connection."""
    out: dict[int, LateFee] = {}
    with Session(bind=conn) as s:
        for start in range(0, len(charge_ids), FEE_CHUNK):
            out.update(late_fees.fees_as_of(s, contract_id, as_of, charge_ids=charge_ids[start:start + FEE_CHUNK]))
    return out


def late_fees_on(conn: Connection, contract_id: int) -> bool:
    """Whether the contract charges late fees at all (the 연체료 column shows only then)."""
    with Session(bind=conn) as s:
        return late_fees.any_enabled(s, contract_id)


@dataclass(frozen=True)
class OutstandingFigures:
    charge_count: int = 0
    owed_amount: int = 0  # 청구액 (할인 후)
    received_amount: int = 0  # 수납액 (출금 + 현금 − 수납취소)
    unpaid_count: int = 0
    unpaid_amount: int = 0
    refunded_amount: int = 0  # 반환금액 (학원): given back of these charges; not part of 수납금액's meaning
    late_fee_amount: int = 0  # 연체료 (관리사무소): the unpaid charges' late fees as of the as-of day, waived ones left out
    waived_late_fee_amount: int = 0  # 감면된 연체료: computed and shown, never owed


LEDGER_FIGURES = ("charge_count", "owed_amount", "received_amount", "unpaid_count", "unpaid_amount", "refunded_amount")
"""The figures the summary's SQL returns; the late-fee ones are added in Python."""


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
    late_fees: bool = False  # the contract has an enabled late-fee policy: the 연체료 column shows
    as_of: date | None = None  # the day 미납 and 연체료 are decided on (`as_of_day`)


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


@cache
def unpaid_keys_statement(group_by: GroupBy) -> Select:
    """The unpaid charges of the summary with their group key (the late fees are summed per key)."""
    b = balances_statement().subquery("b")
    key = group_key(group_by, DebitAgreement.bank_code).label("key")
    stmt = (select(b.c.charge_id, key).select_from(b)
            .join(DebitAgreement, DebitAgreement.id == b.c.agreement_id)
            .where(_unpaid(b)))
    if group_by is GroupBy.GRADE:
        stmt = stmt.join(Customer, Customer.id == DebitAgreement.customer_id)
    return stmt


def _fees_by_key(conn: Connection, contract_id: int, group_by: GroupBy, values: dict[str, Any],
                 ) -> dict[str, tuple[int, int]]:
    """group key → (연체료 not waived, 연체료 waived) over the summary's unpaid charges."""
    keys = {row.charge_id: key_text(row.key) for row in conn.execute(unpaid_keys_statement(group_by), values)}
    fees = late_fees_of(conn, contract_id, values["as_of"], sorted(keys))
    out: dict[str, tuple[int, int]] = {}
    for fee in fees.values():
        owed, waived = out.get(keys[fee.charge_id], (0, 0))
        out[keys[fee.charge_id]] = (owed, waived + fee.fee) if fee.waived else (owed + fee.fee, waived)
    return out


def summarise(db: Database, actor: Actor, contract_id: int, period: Period, group_by: GroupBy, *,
              today: date | None = None) -> OutstandingSummary:
    """미납내역집계: one row per item, grade or bank with charges, received and unpaid (미납) amounts,
    and the late fees of the unpaid charges where the contract has a late-fee policy.

    `today` (default: the Seoul date now) caps the as-of day of the 미납 state."""
    with reading(db, actor, contract_id) as conn:
        items = item_names(conn, contract_id) if group_by is GroupBy.ITEM else {}
        values = state_params(conn, contract_id, period, today)
        result = conn.execute(summary_statement(group_by), values).all()
        with_fees = late_fees_on(conn, contract_id)
        fees = _fees_by_key(conn, contract_id, group_by, values) if with_fees else {}
    rows = []
    for row in result:
        key = key_text(row.key)
        owed_fee, waived_fee = fees.get(key, (0, 0))
        rows.append(OutstandingGroupRow(key=key, label=group_label(group_by, key, items),
                                        late_fee_amount=owed_fee, waived_late_fee_amount=waived_fee,
                                        **{name: as_int(getattr(row, name)) for name in LEDGER_FIGURES}))
    rows.sort(key=lambda r: r.label)
    grand = sum_figures(OutstandingFigures, rows)
    return OutstandingSummary(group_by, period, tuple(rows), grand, late_fees=with_fees, as_of=values["as_of"])


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
    late_fee: int = 0  # 연체료 of the charge as of the 미납 as-of day (LateFee.fee); 0 without one
    late_fee_waived: bool = False  # 감면: the fee is shown, never owed
    late_fee_billed: int = 0  # the part already billed as an item 연체료 (owed through that charge)
    late_fee_policy: bool = False  # the contract has an enabled late-fee policy: the 연체료 column shows

    @property
    def late_fee_due(self) -> int:
        """What of the late fee is still to be asked for: nothing when waived, less what was billed."""
        return 0 if self.late_fee_waived else max(0, self.late_fee - self.late_fee_billed)

    @property
    def late_fee_owed(self) -> int:
        """The late fee as it counts in 연체료 totals: the fee, unless waived."""
        return 0 if self.late_fee_waived else self.late_fee


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
    """The 미납 charges behind one group (all groups when `group_by` is None), by customer, each with
    its late fee when the contract has a late-fee policy."""
    with reading(db, actor, contract_id) as conn:
        items = item_names(conn, contract_id)
        stmt = paged(_detail_statement(group_by, key), offset, limit)
        values = state_params(conn, contract_id, period, today)
        result = conn.execute(stmt, values).all()
        with_fees = late_fees_on(conn, contract_id)
        fees = late_fees_of(conn, contract_id, values["as_of"], [r.charge_id for r in result]) if with_fees else {}
    rows = [
        OutstandingDetailRow(
            charge_id=row.charge_id, customer_id=row.customer_id, customer_no=row.customer_no,
            customer_name=row.name, grade=row.grade or "", item=items.get(row.item_id, ""), period=row.period,
            bank=bank_name(row.bank_code), account=masked_last4(row.account_last4),
            owed_amount=as_int(row.owed), received_amount=as_int(row.received),
            unpaid_amount=as_int(row.owed) - as_int(row.received), late_fee_policy=with_fees,
        )
        for row in result
    ]
    if not fees:
        return rows
    return [replace(r, late_fee=fee.fee, late_fee_waived=fee.waived, late_fee_billed=fee.billed)
            if (fee := fees.get(r.charge_id)) is not None else r for r in rows]

