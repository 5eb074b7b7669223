"""오늘 할 일: deposits read from the bank statement and still 미처리 ('통장 미처리 입금 3건').

A deposit the clerk read and neither applied as 계좌입금 nor set aside as 수납아님 waits in the
통장입금대사 list; a payer's money may be sitting there while the payer is shown 미납 and dunned.
One line while any waits, with what is left of them and the oldest first as examples
('11-27 김민준모 150,000원'); nothing is decided from here, the line opens 통장입금대사.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import StatementLine, StatementLineState
from app.services.common.destinations import Destination
from app.services.home.work_item import WorkItem

EXAMPLES = 3


def statement_due(s: Session, contract_id: int, today: date) -> list[WorkItem]:
    """The home screen's line of 미처리 deposits (none: no line)."""
    rows = s.execute(
        select(StatementLine.occurred_on, StatementLine.depositor, StatementLine.amount, StatementLine.applied_amount)
        .where(StatementLine.contract_id == contract_id, StatementLine.state == StatementLineState.PENDING)
        .order_by(StatementLine.occurred_on, StatementLine.occurred_time, StatementLine.id)).all()
    if not rows:
        return []
    left = sum(amount - applied for _on, _who, amount, applied in rows)
    oldest = (today - rows[0].occurred_on).days
    examples = tuple(f"{on:%m-%d} {who.strip()} {amount - applied:,}원" for on, who, amount, applied in rows[:EXAMPLES])
    detail = ("통장 거래내역에서 읽었지만 아직 수납반영하거나 수납아님으로 정하지 않은 입금입니다. 통장입금대사에서 "
              "미납 청구와 맞춰 계좌입금으로 반영하세요.")
    if oldest >= 7:
        detail = f"가장 오래된 입금은 {oldest}일 전의 것입니다. " + detail
    return [WorkItem("statement", f"통장 미처리 입금 {len(rows)}건", len(rows), left, detail, Destination.STATEMENT,
                     examples)]
