"""The tenancy check: a contract, a customer or any row is the actor's only when it belongs to the
actor's institution.

Several institutions can share one database, so every service that takes an id from a screen asks
this module before it reads or writes. A row of another institution is refused exactly like a row
that does not exist (`NotFoundError`), so an id typed by hand tells nothing about other tenants.
The refusal's words depend on what the clerk was looking at, so callers may pass their own message.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import Contract, Customer
from app.services.common.errors import NotFoundError
from app.services.common.session import Actor

CONTRACT_NOT_FOUND = "계약정보를 찾을 수 없습니다. 계약정보를 다시 선택하세요."
CONTRACT_MISSING = "계약정보를 찾을 수 없습니다."
"""The shorter refusal of the 계약정보 screen and the transmissions, where there is no contract to re-pick."""
CUSTOMER_NOT_FOUND = "고객을 찾을 수 없습니다. 목록을 새로 고치세요."


def require_institution(actor: Actor, institution_id: int | None, message: str = CONTRACT_NOT_FOUND) -> None:
    """Refuse (NotFoundError with `message`) unless `institution_id` is the actor's institution.

    `None` stands for a row that was not found, so a missing row and another tenant's row read the same.
    """
    if institution_id is None or institution_id != actor.institution_id:
        raise NotFoundError(message)


def contract_for(s: Session, actor: Actor, contract_id: int, message: str = CONTRACT_NOT_FOUND) -> Contract:
    """The contract, if it is the actor's institution's."""
    contract = s.get(Contract, contract_id)
    require_institution(actor, contract.institution_id if contract is not None else None, message)
    assert contract is not None  # require_institution refused a missing contract
    return contract


def customer_for(s: Session, actor: Actor, customer_id: int) -> Customer:
    """The customer, if its contract is the actor's institution's."""
    customer = s.get(Customer, customer_id)
    if customer is None:
        raise NotFoundError(CUSTOMER_NOT_FOUND)
    contract_for(s, actor, customer.contract_id)
    return customer
