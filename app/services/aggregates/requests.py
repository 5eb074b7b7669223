"""이체의뢰내역집계 and 이체의뢰현황: debit requests of a period, summed by item, grade or bank.

A request counts on its debit date. Withdrawn requests (의뢰취소) are left out: they were never asked
of the bank and their REQUEST entries are gone from the ledger, so leaving them in would make the
screen disagree with the ledger.

Amounts split without a remainder: 의뢰금액 = 출금금액 + 불능금액 + 처리중금액, where 불능금액 is the
undebited part of 이체처리미완료 and 부분출금 requests (the ledger's FAIL entries) and 처리중 is what is
still 이체의뢰대기 or 이체의뢰중. A 부분출금 request counts once among 출금건수 and once among
불능건수, because it is both; the report says so under the table.

The figures come from the request rows (one indexed scan, no join to the ledger); the ledger
invariants (request.amount = Σ REQUEST, debited_amount = Σ DEBIT, Σ DEBIT + Σ FAIL = amount) make
them equal to the ledger's sums, which the tests check and 정산내역현황 re-checks on every query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy import Row, Select, select

from app.database.engine import Database
from app.models import Customer, DebitAgreement, DebitRequest, RequestState
from app.services.aggregates.common import (
    CONTRACT_ID,
    END,
    START,
    GroupBy,
    count,
    figures_of,
    group_key,
    group_label,
    item_names,
    key_filter,
    key_text,
    needs_customer,
    paged,
    params,
    reading,
    sum_figures,
    sum_if,
    total,
)
from app.services.common.masking import masked_last4
from app.services.common.periods import Period
from app.services.common.session import Actor
from app.services.exchange.cms.banks import bank_name
from app.services.exchange.cms.reasons import reason_text

R = DebitRequest
COUNTED = R.state != RequestState.WITHDRAWN
RESULT_FAILED = (RequestState.FAILED, RequestState.PARTIAL)
IN_PROGRESS = (RequestState.WAITING, RequestState.SENT)


@dataclass(frozen=True)
class RequestFigures:
    """Counts and won of one group (or of all of them)."""

    requested_count: int = 0
    requested_amount: int = 0
    debited_count: int = 0
    debited_amount: int = 0
    failed_count: int = 0
    failed_amount: int = 0
    pending_count: int = 0
    pending_amount: int = 0


@dataclass(frozen=True)
class RequestGroupRow(RequestFigures):
    key: str = ""
    label: str = ""


@dataclass(frozen=True)
class RequestSummary:
    group_by: GroupBy
    period: Period
    rows: tuple[RequestGroupRow, ...]
    total: RequestFigures


def _figure_columns() -> list:
    failed = R.state.in_(RESULT_FAILED)
    return [
        count().label("requested_count"),
        total(R.amount).label("requested_amount"),
        sum_if(R.debited_amount > 0).label("debited_count"),
        total(R.debited_amount).label("debited_amount"),
        sum_if(failed).label("failed_count"),
        sum_if(failed, R.amount - R.debited_amount).label("failed_amount"),
        sum_if(R.state.in_(IN_PROGRESS)).label("pending_count"),
        sum_if(R.state.in_(IN_PROGRESS), R.amount).label("pending_amount"),
    ]


def _joined(stmt: Select, group_by: GroupBy) -> Select:
    if group_by is not GroupBy.BANK:
        stmt = stmt.join(DebitAgreement, DebitAgreement.id == R.agreement_id)
    if needs_customer(group_by):
        stmt = stmt.join(Customer, Customer.id == DebitAgreement.customer_id)
    return stmt


def _in_period(stmt: Select) -> Select:
    """The period's requests of the contract (bound: contract_id, start, end)."""
    return stmt.where(R.contract_id == CONTRACT_ID, R.debit_date >= START, R.debit_date <= END, COUNTED)


@cache
def summary_statement(group_by: GroupBy) -> Select:
    """The one GROUP BY behind the screen, built once (bound: contract_id, start, end)."""
    key = group_key(group_by, R.bank_code).label("key")
    stmt = _joined(select(key, *_figure_columns()).select_from(R), group_by)
    # No ORDER BY: it can lead the planner to walk the groups' index and look up every request one by
    # one (seconds on a million rows); the few groups are sorted by their Korean label in Python.
    return _in_period(stmt).group_by(key)


def summarise(db: Database, actor: Actor, contract_id: int, period: Period, group_by: GroupBy) -> RequestSummary:
    """이체의뢰내역집계: one row per item, grade or bank, and the total."""
    with reading(db, actor, contract_id) as conn:
        items = item_names(conn, contract_id) if group_by is GroupBy.ITEM else {}
        result = conn.execute(summary_statement(group_by), params(contract_id, period)).all()
    rows = []
    for row in result:
        key = key_text(row.key)
        label = group_label(group_by, key, items)
        rows.append(RequestGroupRow(key=key, label=label, **figures_of(RequestFigures, row)))
    rows.sort(key=lambda r: (r.label == "", r.label))
    grand = sum_figures(RequestFigures, rows)
    return RequestSummary(group_by, period, tuple(rows), grand)


# --- 이체의뢰현황: per bank, per state -------------------------------------------------------------


@dataclass(frozen=True)
class BankStatusFigures:
    requested_count: int = 0
    requested_amount: int = 0
    waiting_count: int = 0
    sent_count: int = 0
    done_count: int = 0
    partial_count: int = 0
    failed_count: int = 0
    debited_amount: int = 0
    failed_amount: int = 0


@dataclass(frozen=True)
class BankStatusRow(BankStatusFigures):
    bank_code: str = ""
    bank: str = ""


@dataclass(frozen=True)
class BankStatus:
    period: Period
    rows: tuple[BankStatusRow, ...]
    total: BankStatusFigures


STATE_COLUMNS: dict[str, RequestState] = {
    "waiting_count": RequestState.WAITING,
    "sent_count": RequestState.SENT,
    "done_count": RequestState.DONE,
    "partial_count": RequestState.PARTIAL,
    "failed_count": RequestState.FAILED,
}
"""Which state each count column of 이체의뢰현황 counts (a click on it lists those requests)."""


@cache
def bank_status_statement() -> Select:
    columns = [count().label("requested_count"), total(R.amount).label("requested_amount")]
    columns += [sum_if(R.state == state).label(name) for name, state in STATE_COLUMNS.items()]
    columns += [
        total(R.debited_amount).label("debited_amount"),
        sum_if(R.state.in_(RESULT_FAILED), R.amount - R.debited_amount).label("failed_amount"),
    ]
    stmt = select(R.bank_code, *columns)
    return _in_period(stmt).group_by(R.bank_code)


def bank_status(db: Database, actor: Actor, contract_id: int, period: Period) -> BankStatus:
    """이체의뢰현황: each bank's requests of the period by state."""
    with reading(db, actor, contract_id) as conn:
        result = conn.execute(bank_status_statement(), params(contract_id, period)).all()
    rows = sorted((
        BankStatusRow(bank_code=row.bank_code, bank=bank_name(row.bank_code),
                      **figures_of(BankStatusFigures, row))
        for row in result
    ), key=lambda r: r.bank_code)
    grand = sum_figures(BankStatusFigures, rows)
    return BankStatus(period, tuple(rows), grand)


# --- drill-down ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestDetailRow:
    request_id: int
    debit_date: date
    customer_no: str
    customer_name: str
    grade: str
    item: str
    bank: str
    account: str  # ****1234
    kind: str
    state: str
    amount: int
    debited_amount: int
    failed_amount: int
    reason: str


def _detail_statement(group_by: GroupBy, key: str, state: RequestState | None) -> Select:
    stmt: Select = (
        select(R.id, R.debit_date, R.kind, R.state, R.amount, R.debited_amount, R.bank_code, R.reason_code,
               Customer.customer_no, Customer.name, Customer.grade, DebitAgreement.item_id,
               DebitAgreement.account_last4)
        .select_from(R)
        .join(DebitAgreement, DebitAgreement.id == R.agreement_id)
        .join(Customer, Customer.id == DebitAgreement.customer_id)
    )
    stmt = _in_period(stmt).where(key_filter(group_by, key, R.bank_code))
    if state is not None:
        stmt = stmt.where(R.state == state)
    return stmt.order_by(R.debit_date, Customer.customer_no, R.id)


def details(
    db: Database, actor: Actor, contract_id: int, period: Period, group_by: GroupBy, key: str, *,
    state: RequestState | None = None, offset: int = 0, limit: int | None = None,
) -> list[RequestDetailRow]:
    """The requests behind one group (optionally one state), by debit date and customer number."""
    with reading(db, actor, contract_id) as conn:
        items = item_names(conn, contract_id)
        stmt = paged(_detail_statement(group_by, key, state), offset, limit)
        result = conn.execute(stmt, params(contract_id, period)).all()
    return [_detail_row(row, items) for row in result]


def _detail_row(row: Row, items: dict[int, str]) -> RequestDetailRow:
    state = RequestState(row.state)
    failed = row.amount - row.debited_amount if state in RESULT_FAILED else 0
    return RequestDetailRow(
        request_id=row.id,
        debit_date=row.debit_date,
        customer_no=row.customer_no,
        customer_name=row.name,
        grade=row.grade or "",
        item=items.get(row.item_id, ""),
        bank=bank_name(row.bank_code),
        account=masked_last4(row.account_last4),
        kind=row.kind.label,
        state=state.label,
        amount=row.amount,
        debited_amount=row.debited_amount,
        failed_amount=failed,
        reason=reason_text(row.reason_code) if row.reason_code else "",
    )

