"""오늘 할 일: 독촉 안내문 due for households whose automatic debit failed (관리사무소).

One work item while letters are due on or before today and not issued ("독촉 안내문 3건 발행 예정"),
with the first households as examples ("이바다 1차 안내 (09-28 출금분)"). Held households (보류) are
not counted: they get no letter while held. Nothing is issued from here; the line opens 독촉관리,
where the clerk ticks and presses [안내문 발행].

Only a contract that uses 독촉 gets the line: one with stages of its own (saved on 연체료·독촉 규정,
or by its first issued letter). An academy never set up for it is not told every morning to dun
each failed debit by the default stages; its 독촉관리 screen still lists them for whoever looks.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import DunningStage
from app.services.collection.dunning import due_in
from app.services.common.destinations import Destination
from app.services.home.work_item import WorkItem

EXAMPLES = 3


def uses_dunning(s: Session, contract_id: int) -> bool:
    """The contract has 독촉 stages of its own (saved by the office or by its first letter)."""
    return s.scalar(select(DunningStage.id).where(DunningStage.contract_id == contract_id).limit(1)) is not None


def dunning_due(s: Session, contract_id: int, today: date) -> list[WorkItem]:
    """The home screen's line of letters to issue today (none: no line)."""
    if not uses_dunning(s, contract_id):
        return []
    letters = due_in(s, contract_id, today)
    ready = [d for d in letters if d.hold is None]
    if not ready:
        return []
    held = len({d.customer_id for d in letters if d.hold is not None})
    households = len({d.customer_id for d in ready})
    examples = tuple(f"{d.customer_name} {d.stage.name} ({d.debit_date:%m-%d} 출금분)" for d in ready[:EXAMPLES])
    detail = (f"자동이체가 출금되지 않은 {households}세대에 단계별 안내문을 보낼 때입니다. 독촉관리에서 확인하고 "
              "[안내문 발행]을 누르면 PDF로 저장되고 발행 내역에 남습니다.")
    if held:
        detail += f" 보류 중인 {held}세대는 빠졌습니다."
    return [WorkItem("dunning", f"독촉 안내문 {len(ready)}건 발행 예정", len(ready), sum(d.unpaid for d in ready),
                     detail, Destination.DUNNING, examples)]
