"""The home screen's line for 현금영수증 past their deadline.

Only overdue ones (from day 6 after the cash was received, app/services/collection/cash_receipts.py)
are work for today: one still 기한 내 is listed on the 현금영수증관리 screen, where the clerk sees its
D-n, but does not stand on the home screen before it is late. The amount shown is the penalty at
stake (20 % of each amount), the figure that makes the line worth acting on.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from app.services.collection import cash_receipts
from app.services.collection.cash_receipts import ReceiptState
from app.services.common.destinations import Destination
from app.services.home.work_item import WorkItem

EXAMPLES = 3
"""How many payments the line names; the screen it opens lists them all."""


def cash_receipts_due(s: Session, contract_id: int, today: date) -> list[WorkItem]:
    """One work item for the cash payments of 100,000원 or more with no 현금영수증 past day 5; none when there are none."""
    late = [r for r in cash_receipts.rows_in(s, contract_id, today=today, only_missing=True)
            if r.state is ReceiptState.OVERDUE]
    if not late:
        return []
    late.sort(key=lambda r: (r.paid_on, r.payment_id))
    amount = sum(r.amount for r in late)
    penalty = sum(r.penalty for r in late)
    examples = tuple(f"{r.customer_name}({r.customer_no}) {r.amount:,}원 · {r.paid_on:%m-%d} 수납 · 기한 경과 {r.days}일"
                     for r in late[:EXAMPLES])
    return [WorkItem("cash_receipts", "현금영수증 미발급 — 발급 기한(5일) 경과", len(late), penalty,
                     f"현금 {amount:,}원에 현금영수증이 발급되지 않았습니다. 금액은 걸려 있는 가산세"
                     f"({cash_receipts.PENALTY_PERCENT}%)입니다. 홈택스에서 발급(번호가 없으면 "
                     f"{cash_receipts.SELF_ISSUE_NUMBER}로 자진발급)하고 승인번호를 입력하세요.",
                     Destination.CASH_RECEIPTS, examples)]
