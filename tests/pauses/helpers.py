"""The stage of the 휴원 tests: an academy in December 2026 whose students pause in January and February 2027.

Payers are registered long ago (tests/collection/helpers.py: account registration done, debit day 5,
item A01 수강료); the clerk works on Thursday 10 December 2026. The debit dates that matter are
Tuesday 5 January (cut-off Monday the 4th, 14:00), Friday 5 February (cut-off Thursday the 4th) and
Friday 5 March 2027 (cut-off Thursday the 4th; 1 March is 삼일절, which does not touch it).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.database.engine import Database
from app.models import Charge, CollectionItem, Customer, DebitAgreement
from tests.collection.helpers import KEY, add_payer, at

__all__ = ["FEB5", "FEB_NOW", "JAN5", "JAN_NOW", "KEY", "MAR5", "MAR_NOW", "NOW", "TODAY", "add_payer", "at",
           "charges_made"]

TODAY = date(2026, 12, 10)
NOW = at(TODAY)
JAN5, JAN_NOW = date(2027, 1, 5), at(date(2027, 1, 4), 10)
FEB5, FEB_NOW = date(2027, 2, 5), at(date(2027, 2, 3), 10)
MAR5, MAR_NOW = date(2027, 3, 5), at(date(2027, 3, 2), 10)


def charges_made(db: Database) -> dict[tuple[str, str, str], int]:
    """(customer number, item code, period) → the charge's amount, for every charge in the database."""
    with db.session() as s:
        return {(no, code, period): amount for no, code, period, amount in s.execute(
            select(Customer.customer_no, CollectionItem.code, Charge.period, Charge.amount)
            .join(DebitAgreement, DebitAgreement.id == Charge.agreement_id)
            .join(Customer, Customer.id == DebitAgreement.customer_id)
            .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id))}
