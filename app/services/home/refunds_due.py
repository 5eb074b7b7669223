"""오늘 할 일: refunds owed to withdrawn students (반환대기), each due 5 days after its reason (학원법 시행령 §18③).

One work item while any refund waits for its payout: how many, how much, and the most pressing ones
first ("홍길동 66,666원 · 12-10까지 (D-2)", or "기한 3일 지남" once the day has passed). It goes
away when the clerk confirms the payout on 반환관리, or an administrator cancels a mistaken refund.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Customer, Refund, RefundState
from app.services.common.destinations import Destination
from app.services.home.work_item import WorkItem

EXAMPLES = 3


def due_text(due_on: date, today: date) -> str:
    """'12-10까지 (D-2)', '오늘까지 (D-day)' or '기한 3일 지남'."""
    left = (due_on - today).days
    if left < 0:
        return f"기한 {-left}일 지남"
    if left == 0:
        return "오늘까지 (D-day)"
    return f"{due_on:%m-%d}까지 (D-{left})"


def refunds_due(s: Session, contract_id: int, today: date) -> list[WorkItem]:
    """The home screen's line of refunds not yet paid out (none: no line)."""
    rows = s.execute(
        select(Refund.amount, Refund.due_on, Customer.name, Customer.student_name)
        .join(Customer, Customer.id == Refund.customer_id)
        .where(Refund.contract_id == contract_id, Refund.state == RefundState.DUE)
        .order_by(Refund.due_on, Refund.id)).all()
    if not rows:
        return []
    overdue = sum(1 for r in rows if r.due_on < today)
    examples = tuple(f"{r.student_name or r.name} {r.amount:,}원 · {due_text(r.due_on, today)}" for r in rows[:EXAMPLES])
    detail = ("퇴원·수강중단한 학생의 교습비는 사유가 생긴 날부터 5일 안에 반환해야 합니다. 지급한 뒤 반환관리에서 "
              "[지급 확인]을 누르세요.")
    if overdue:
        detail = f"기한이 지난 반환이 {overdue}건 있습니다. " + detail
    return [WorkItem("refunds", "반환 — 지급 기한 확인", len(rows), sum(r.amount for r in rows), detail,
                     Destination.REFUNDS, examples)]
