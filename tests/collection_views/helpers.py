"""Data for the 수납관리 screen tests: payers, requests and bank results, built the way the office makes them.

Customers and agreements are inserted with the models (their screens are another colleague's);
requests go through `debits.request`, and the bank's answer through `ledger.apply_debit_outcome`,
after marking the requests sent as the sender does. November 2026 is the stage: debit days 5, 15
and 25; the 5th's requests are made on 11-02 and fail or succeed on 11-05; the clerk works on 11-20.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time

from sqlalchemy import select, update

from app.database.engine import Database
from app.models import (
    DebitRequest,
    EvidenceState,
    RegistrationState,
    RequestState,
)
from app.services.collection import ledger
from app.services.collection import requests as debits
from app.services.common.calendar import seoul_datetime
from app.services.common.crypto import DataKey
from app.services.common.session import Actor
from tests.factories import Payer, PayerStyle

KEY = DataKey.generate()
FIFTH = date(2026, 11, 5)
TWENTY_FIFTH = date(2026, 11, 25)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return seoul_datetime(day, time(hour, minute))


NOW = at(date(2026, 11, 20), 10, 0)  # Friday 20 November, 10:00: the clerk's working moment


PAYERS = PayerStyle(KEY, monthly=300_000, day=5, first="2026-01", grade="초등3", account="110123456789",
                    limit_times=2, limit_floor=100_000, holder="{name} 보호자", unnamed="{no}",
                    registration=RegistrationState.DONE, created_by="admin", evidence=EvidenceState.WAITING)
# A named payer of a 300,000원 course. A registration still waiting gets its consent evidence, waiting to go
# as the cut-off's EI13 (a 신규 without it would be held, issue 16); the others get none (the evidence screens
# attach their own).
add_payer = PAYERS.add


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
