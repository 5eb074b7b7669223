"""Withdrawing a queued row (이체의뢰 의뢰취소, 계좌신청 신청취소): the one rule both queues share.

A request and a registration wait the same way for their bank file (EB21, EB13), so they are
withdrawn by the same rule: only while the row is still waiting and no file carries it, because a
file, once built, is never changed. The row is locked and checked inside the contract's money
session (`ledger.money_session`), which holds the file builder's lock shared, so a withdrawal
cannot race a file being built. Each caller keeps its own Korean words and its own record of what
happened (the ledger for a request, the audit for both).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import AccountRegistration, Contract, DebitRequest, RegistrationState, RequestState
from app.services.collection import ledger
from app.services.common.access import contract_for
from app.services.common.errors import ServiceError
from app.services.common.session import Actor

Queued = TypeVar("Queued", DebitRequest, AccountRegistration)

_WAITING: dict[type[DebitRequest] | type[AccountRegistration], RequestState | RegistrationState] = {
    DebitRequest: RequestState.WAITING, AccountRegistration: RegistrationState.WAITING,
}


def can_withdraw(row: DebitRequest | AccountRegistration) -> bool:
    """Whether `row` may still be withdrawn: waiting, and no file carries it. The lists ask this to
    offer the button; `withdrawing` refuses by the same rule, so the button never promises more."""
    return row.state is _WAITING[type(row)] and row.transmission_id is None


@contextmanager
def withdrawing(
    db: Database, actor: Actor, model: type[Queued], row_id: int, *, missing: ServiceError, not_waiting: str,
    in_file: str,
) -> Iterator[tuple[Session, Contract, Queued]]:
    """Withdraw row `row_id` of `model` and hand (session, contract, row) to the caller, whose own
    writes (ledger, audit) commit with the withdrawal in one transaction.

    Refused, with the caller's words, when the row does not exist (`missing` is raised), is no longer
    waiting (`not_waiting`, with ``{label}`` for the row's current state) or is carried by a file
    (`in_file`).
    """
    actor.require_edit()
    with db.session() as s:
        contract_id = s.scalar(select(model.contract_id).where(model.id == row_id))
    if contract_id is None:
        raise missing
    waiting = _WAITING[model]
    with ledger.money_session(db, contract_id) as s:
        contract = contract_for(s, actor, contract_id)
        row = s.scalar(select(model).where(model.id == row_id).with_for_update())
        assert row is not None
        if row.state is not waiting:
            raise ServiceError(not_waiting.format(label=row.state.label))
        if row.transmission_id is not None:
            raise ServiceError(in_file)
        if isinstance(row, DebitRequest):
            row.state = RequestState.WITHDRAWN
        else:
            row.state = RegistrationState.WITHDRAWN
        yield s, contract, row
