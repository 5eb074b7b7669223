"""What the customer detail shows of a household's arrears (issue 19): its late fees as of today,
whether 독촉 is on hold for it, and its letters and holds as lines of the customer's history.

Read from the late-fee and dunning services rather than recomputed, so the customer detail says
exactly what 연체료관리 and 독촉관리 say about the same household.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.database.engine import Database
from app.services.collection import dunning, late_fee_list
from app.services.collection.dunning_holds import HoldRow, holds_on
from app.services.collection.late_fee_list import CustomerLateFees
from app.services.common.access import customer_for
from app.services.common.calendar import SEOUL
from app.services.common.session import Actor
from app.services.customers.agreements import HistoryRow

DUNNING_KIND = "독촉"


@dataclass(frozen=True)
class CustomerArrears:
    late_fees: CustomerLateFees
    hold: HoldRow | None  # the 독촉 보류 in force today
    history: tuple[HistoryRow, ...]  # letters and holds, newest first, in the customer history's shape

    @property
    def summary(self) -> str:
        """One line for the clerk: '연체료 7,920원 (청구 가능 7,920원) · 독촉 보류: 분할납부 약정 (~2027-01-31)'."""
        parts: list[str] = []
        fees = self.late_fees
        if fees.enabled and (fees.fee or fees.waived):
            text = f"연체료 {fees.fee:,}원"
            details = [f"청구됨 {fees.billed:,}원"] if fees.billed else []
            details += [f"감면 {fees.waived:,}원"] if fees.waived else []
            details.append(f"청구 가능 {fees.billable:,}원")
            parts.append(f"{text} ({', '.join(details)}) · {fees.as_of:%Y-%m-%d} 기준")
        if self.hold is not None:
            parts.append(f"독촉 보류: {self.hold.reason} (~{self.hold.ends_on:%Y-%m-%d})")
        return " · ".join(parts)


def customer_arrears(db: Database, actor: Actor, customer_id: int, today: date) -> CustomerArrears:
    fees = late_fee_list.customer_fees(db, actor, customer_id, today)
    with db.session() as s:
        customer = customer_for(s, actor, customer_id)
        hold = holds_on(s, customer.contract_id, today, [customer_id]).get(customer_id)
    lines = tuple(HistoryRow(row.at.astimezone(SEOUL).date(), DUNNING_KIND, "",
                             f"{row.text} · {row.by}" if row.by else row.text, None, row.kind, "")
                  for row in dunning.customer_history(db, actor, customer_id))
    return CustomerArrears(fees, hold, lines)
