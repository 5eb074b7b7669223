"""Data for the 수납관리 screen tests: payers, requests and bank results, built the way the office makes them.

Customers and agreements are inserted with the models (their screens are another colleague's);
requests go through `debits.request`, and the bank's answer through `ledger.apply_debit_outcome`,
after marking the requests sent as the sender does. November 2026 is the stage: debit days 5, 15
and 25; the 5th's requests are made on 11-02 and fail or succeed on 11-05; the clerk works on 11-20.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select, update

from app.database.engine import Database
from app.models import (
    AccountRegistration,
    CollectionItem,
    Customer,
    DebitAgreement,
    DebitRequest,
    EvidenceState,
    RegistrationKind,
    RegistrationState,
    RequestState,
)
from app.services.collection import ledger
from app.services.collection import requests as debits
from app.services.common.calendar import seoul_datetime
from app.services.common.crypto import DataKey
from app.services.common.session import Actor
from tests.evidence_support import give_evidence

KEY = DataKey.generate()
FIFTH = date(2026, 11, 5)
TWENTY_FIFTH = date(2026, 11, 25)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return seoul_datetime(day, time(hour, minute))


NOW = at(date(2026, 11, 20), 10, 0)  # Friday 20 November, 10:00: the clerk's working moment


@dataclass(frozen=True)
class Payer:
    customer_id: int
    agreement_id: int
    customer_no: str
    name: str


def add_payer(
    db: Database, contract_id: int, customer_no: str, name: str, *, monthly: int = 300_000, day: int = 5,
    item: str = "A01", bank: str = "088", account: str = "110123456789", grade: str | None = "초등3",
    registration: RegistrationState | None = RegistrationState.DONE, reason_code: str | None = None,
    rate: int = 0, discount: int = 0, limit: int | None = None, first_month: str = "2026-01",
    requested_on: date = date(2025, 12, 1),
) -> Payer:
    """A customer (or another item of an existing one) with an agreement and, unless None, its NEW registration.

    A registration still waiting gets its consent evidence, waiting to go as the cut-off's EI13 (a 신규
    without it would be held, issue 16); the others get none (the evidence screens attach their own)."""
    with db.session() as s:
        item_id = s.scalar(select(CollectionItem.id).where(CollectionItem.contract_id == contract_id,
                                                           CollectionItem.code == item))
        customer = s.scalar(select(Customer).where(Customer.contract_id == contract_id,
                                                   Customer.customer_no == customer_no))
        if customer is None:
            customer = Customer(contract_id=contract_id, customer_no=customer_no, name=name, grade=grade)
            s.add(customer)
            s.flush()
        agreement = DebitAgreement(
            customer_id=customer.id, item_id=item_id, debit_limit=limit or max(monthly * 2, 100_000),
            monthly_amount=monthly, discount_rate=rate, discount_amount=discount, first_month=first_month,
            debit_day=day, bank_code=bank, account_no_enc=KEY.encrypt(account, "account_no"),
            account_no_hash=KEY.blind_index(account, "account_no"), account_last4=account[-4:],
            holder_name=f"{name} 보호자", holder_id="800101",
        )
        s.add(agreement)
        s.flush()
        if registration is not None:
            s.add(AccountRegistration(
                contract_id=contract_id, agreement_id=agreement.id, kind=RegistrationKind.NEW, state=registration,
                bank_code=bank, account_no_enc=agreement.account_no_enc, account_last4=account[-4:],
                holder_id="800101", requested_on=requested_on, reason_code=reason_code, created_by="admin",
            ))
        payer = Payer(customer.id, agreement.id, customer_no, name)
    if registration is RegistrationState.WAITING:
        give_evidence(db, KEY, [payer.agreement_id], state=EvidenceState.WAITING)
    return payer


def request(db: Database, actor: Actor, contract_id: int, debit_date: date, payers: Iterable[Payer],
            now: datetime) -> list[int]:
    """이체의뢰 through the debit service, as the clerk's button does."""
    outcome = debits.request(db, actor, contract_id, debit_date, [p.agreement_id for p in payers], now=now)
    return list(outcome.request_ids)


def mark_sent(db: Database, request_ids: list[int]) -> None:
    """What the sender does once the relay took the file: 이체의뢰대기 → 이체의뢰중."""
    with db.session() as s:
        s.execute(update(DebitRequest).where(DebitRequest.id.in_(request_ids)).values(state=RequestState.SENT)
                  .execution_options(synchronize_session=False))


def bank_answers(db: Database, outcomes: dict[int, tuple[int, str | None]], when: datetime) -> None:
    """The bank's result per request id: (debited amount, reason code)."""
    with db.session() as s:
        for request_id, (debited, code) in outcomes.items():
            ledger.apply_debit_outcome(s, request_id, debited, code, when)


def failed_fifth(db: Database, actor: Actor, contract_id: int, payers: list[Payer],
                 reasons: dict[str, str] | None = None, debited: dict[str, int] | None = None) -> list[int]:
    """Request the 5th for `payers` on 11-02, send, and apply the bank's answer of 11-06.

    `reasons` (customer number → code) fail; `debited` (customer number → won) succeed in full or
    in part; payers in neither are left 이체의뢰중.
    """
    ids = request(db, actor, contract_id, FIFTH, payers, at(date(2026, 11, 2)))
    mark_sent(db, ids)
    with db.session() as s:
        by_agreement = {r.agreement_id: (r.id, r.amount) for r in s.scalars(select(DebitRequest)
                                                                            .where(DebitRequest.id.in_(ids)))}
    outcomes: dict[int, tuple[int, str | None]] = {}
    for payer in payers:
        request_id, amount = by_agreement[payer.agreement_id]
        if reasons and payer.customer_no in reasons:
            outcomes[request_id] = (0, reasons[payer.customer_no])
        elif debited and payer.customer_no in debited:
            paid = debited[payer.customer_no]
            outcomes[request_id] = (paid, None if paid == amount else "0021")
    bank_answers(db, outcomes, at(date(2026, 11, 6), 11, 0))
    return ids
