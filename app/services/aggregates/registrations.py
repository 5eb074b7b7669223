"""계좌신청현황: the account registrations (EB13) asked for in a period, by bank and by state.

A registration counts on the day it was requested (신청일). The columns are the manual's states
(계좌신청대기 → 계좌신청중 → 계좌신청완료 / 계좌신청미완료, and 신청취소); a click on a bank lists its
registrations, a click on one state's count only those.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy import Select, select

from app.database.engine import Database
from app.models import AccountRegistration, Customer, DebitAgreement, RegistrationState
from app.services.aggregates.common import (
    CONTRACT_ID,
    END,
    START,
    count,
    figures_of,
    item_names,
    paged,
    params,
    reading,
    sum_figures,
    sum_if,
)
from app.services.collection.registrations import EvidenceHold, evidence_holds
from app.services.common.masking import masked_last4
from app.services.common.periods import Period
from app.services.common.session import Actor
from app.services.exchange.cms.banks import bank_name
from app.services.exchange.cms.reasons import reason_text

A = AccountRegistration

STATE_COLUMNS: dict[str, RegistrationState] = {
    "waiting_count": RegistrationState.WAITING,
    "sent_count": RegistrationState.SENT,
    "done_count": RegistrationState.DONE,
    "failed_count": RegistrationState.FAILED,
    "withdrawn_count": RegistrationState.WITHDRAWN,
}


@dataclass(frozen=True)
class RegistrationFigures:
    total_count: int = 0
    waiting_count: int = 0
    sent_count: int = 0
    done_count: int = 0
    failed_count: int = 0
    withdrawn_count: int = 0


@dataclass(frozen=True)
class RegistrationBankRow(RegistrationFigures):
    bank_code: str = ""
    bank: str = ""


@dataclass(frozen=True)
class RegistrationSummary:
    period: Period
    rows: tuple[RegistrationBankRow, ...]
    total: RegistrationFigures


@cache
def summary_statement() -> Select:
    columns = [count().label("total_count")]
    columns += [sum_if(A.state == state).label(name) for name, state in STATE_COLUMNS.items()]
    return (
        select(A.bank_code, *columns)
        .where(A.contract_id == CONTRACT_ID, A.requested_on >= START, A.requested_on <= END)
        .group_by(A.bank_code)
    )


def summarise(db: Database, actor: Actor, contract_id: int, period: Period) -> RegistrationSummary:
    """계좌신청현황: one row per bank with the count in each state."""
    with reading(db, actor, contract_id) as conn:
        result = conn.execute(summary_statement(), params(contract_id, period)).all()
    rows = tuple(sorted((
        RegistrationBankRow(bank_code=row.bank_code, bank=bank_name(row.bank_code),
                            **figures_of(RegistrationFigures, row))
        for row in result
    ), key=lambda r: r.bank_code))
    grand = sum_figures(RegistrationFigures, rows)
    return RegistrationSummary(period, rows, grand)


@dataclass(frozen=True)
class RegistrationDetailRow:
    registration_id: int
    requested_on: date
    customer_no: str
    customer_name: str
    item: str
    bank: str
    account: str  # ****1234
    kind: str
    state: str
    reason: str


def details(
    db: Database, actor: Actor, contract_id: int, period: Period, bank_code: str | None = None, *,
    state: RegistrationState | None = None, offset: int = 0, limit: int | None = None,
) -> list[RegistrationDetailRow]:
    """The registrations of one bank (all banks when None), optionally of one state."""
    stmt = (
        select(A.id, A.requested_on, A.kind, A.state, A.bank_code, A.account_last4, A.reason_code,
               Customer.customer_no, Customer.name, DebitAgreement.item_id)
        .select_from(A)
        .join(DebitAgreement, DebitAgreement.id == A.agreement_id)
        .join(Customer, Customer.id == DebitAgreement.customer_id)
        .where(A.contract_id == CONTRACT_ID, A.requested_on >= START, A.requested_on <= END)
    )
    if bank_code is not None:
        stmt = stmt.where(A.bank_code == bank_code)
    if state is not None:
        stmt = stmt.where(A.state == state)
    stmt = stmt.order_by(A.requested_on, Customer.customer_no, A.id)
    with reading(db, actor, contract_id) as conn:
        items = item_names(conn, contract_id)
        result = conn.execute(paged(stmt, offset, limit), params(contract_id, period)).all()
    waiting = {row.id for row in result if row.state is RegistrationState.WAITING}
    holds: dict[int, EvidenceHold] = {}
    if waiting:  # a 신규 held for its consent evidence says why (registrations.evidence_holds)
        with db.session() as s:
            holds = evidence_holds(s, contract_id, registration_ids=waiting)
    return [
        RegistrationDetailRow(
            registration_id=row.id, requested_on=row.requested_on, customer_no=row.customer_no,
            customer_name=row.name, item=items.get(row.item_id, ""), bank=bank_name(row.bank_code),
            account=masked_last4(row.account_last4), kind=row.kind.label, state=row.state.label,
            reason=reason_text(row.reason_code) if row.reason_code else (
                holds[row.id].reason if row.id in holds else ""),
        )
        for row in result
    ]
