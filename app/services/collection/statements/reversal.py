"""A reversed 계좌입금 gives its won back to the deposit it came from.

When an administrator reverses a 계좌입금 payment (`cash.reverse_cash`: it was applied to the wrong
payer, or the deposit was not a payment at all), the part of the deposit it took is free again: the
line's applied amount drops by it and the line is 미처리 once more, so the clerk places it again
or sets it aside. The allocation stays, pointing at the reversed payment, so the deposit's history
still shows where it went first. Called inside the reversal's own unit of work, after the ledger's
REVERSAL, so both commit or neither does. Kept apart from `applying` so that `cash` can call it
without importing what imports `cash`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import StatementAllocation, StatementLine, StatementLineState
from app.models.base import utcnow


def free_reversed_part(s: Session, payment_id: int, by: str) -> StatementLine | None:
    """The deposit line whose part became `payment_id`, with that part freed (None: not a 계좌입금 of a statement)."""
    part = s.scalar(select(StatementAllocation).where(StatementAllocation.payment_id == payment_id))
    if part is None:
        return None
    line = s.scalar(select(StatementLine).where(StatementLine.id == part.line_id).with_for_update())
    if line is None:  # the foreign key keeps it; a line cannot vanish under its allocation
        return None
    line.applied_amount = max(line.applied_amount - part.amount, 0)
    line.state = StatementLineState.PENDING
    line.note = f"계좌입금 {part.amount:,}원 수납취소: 남은 {line.amount - line.applied_amount:,}원 미처리"
    line.decided_by = by
    line.decided_at = utcnow()
    s.flush()
    return line
