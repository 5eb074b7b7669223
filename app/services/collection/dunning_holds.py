"""독촉 보류 (hold): a household kept out of 독촉 for a while — a payment plan, a dispute.

A hold starts the day it is registered and ends on its end day (after today, at most a year out); a
household has one hold at a time (end it and register again to change it). [보류 해제] ends it early,
its reason kept in the audit log (the row has no column for it) and shown in the household's history.
A household is held on a day when ``starts_on ≤ day ≤ ends_on`` and the hold was not ended by then
(ended during a day: that day counts as ended). dunning.py lists a held household's letters greyed and
refuses to issue them; once the hold is over they are due again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import Customer, DunningHold
from app.models.base import utcnow
from app.services.common import audit
from app.services.common.access import contract_for, customer_for
from app.services.common.calendar import SEOUL
from app.services.common.errors import ConflictError, NotFoundError, ServiceError
from app.services.common.session import Actor

REASON_MAX = 200
HOLD_NOT_FOUND = "보류 내역을 찾을 수 없습니다. 목록을 다시 조회하세요."


def day_end(day: date) -> datetime:
    """The first moment after `day` in Seoul."""
    return datetime.combine(day + timedelta(days=1), time(0), SEOUL)


def seoul_day(moment: datetime) -> date:
    return moment.astimezone(SEOUL).date()


@dataclass(frozen=True)
class HoldRow:
    id: int
    customer_id: int
    customer_no: str
    customer_name: str
    reason: str
    starts_on: date
    ends_on: date
    created_by: str
    created_at: datetime
    ended_at: datetime | None
    ended_by: str | None

    @property
    def text(self) -> str:
        """'보류: 분납 약정 (~2026-12-31)', as the list shows a held household."""
        return f"보류: {self.reason} (~{self.ends_on:%Y-%m-%d})"


def a_year_after(day: date) -> date:
    """The same day a year later (29 February → 28 February): the furthest a hold may end."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return date(day.year + 1, 2, 28)


# --- holds in force ---------------------------------------------------------------------------------


def hold_row(hold: DunningHold, customer: Customer) -> HoldRow:
    return HoldRow(hold.id, customer.id, customer.customer_no, customer.name, hold.reason, hold.starts_on,
                   hold.ends_on, hold.created_by, hold.created_at, hold.ended_at, hold.ended_by)


def holds_on(s: Session, contract_id: int, day: date, customer_ids: Iterable[int] | None = None
              ) -> dict[int, HoldRow]:
    """customer id → the hold in force on `day` (started, not past its end, not ended by then)."""
    stmt = (select(DunningHold, Customer).join(Customer, Customer.id == DunningHold.customer_id)
            .where(DunningHold.contract_id == contract_id, DunningHold.starts_on <= day, DunningHold.ends_on >= day,
                   (DunningHold.ended_at.is_(None)) | (DunningHold.ended_at >= day_end(day)))
            .order_by(DunningHold.id))
    if customer_ids is not None:
        stmt = stmt.where(DunningHold.customer_id.in_(sorted(set(customer_ids))))
    return {customer.id: hold_row(hold, customer) for hold, customer in s.execute(stmt)}


# --- holds ------------------------------------------------------------------------------------------


def _reason(reason: str | None, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ServiceError(f"{what} 사유를 입력하세요.")
    if len(text) > REASON_MAX:
        raise ServiceError(f"{what} 사유는 {REASON_MAX}자까지 입력할 수 있습니다 (지금 {len(text)}자).")
    return text


def hold(db: Database, actor: Actor, customer_id: int, reason: str, ends_on: date, today: date, *,
         now: datetime | None = None) -> HoldRow:
    """[보류 등록]: no letter for the household from today to `ends_on` (a payment plan, a dispute).
    `now` (on `today`) is when it was registered, for the household's history; the wall clock if not given."""
    actor.require_edit()
    text = _reason(reason, "보류")
    if isinstance(ends_on, datetime) or not isinstance(ends_on, date):
        raise ServiceError("보류 종료일을 날짜(YYYY-MM-DD)로 입력하세요.")
    if ends_on <= today:
        raise ServiceError(f"보류 종료일은 오늘({today:%Y-%m-%d}) 다음 날부터 고를 수 있습니다.")
    if ends_on > a_year_after(today):
        raise ServiceError(f"보류는 1년 뒤({a_year_after(today):%Y-%m-%d})까지만 등록할 수 있습니다. "
                           "더 길어지면 끝날 때 다시 등록하세요.")
    with db.session() as s:
        customer = customer_for(s, actor, customer_id)
        s.scalar(select(Customer.id).where(Customer.id == customer_id).with_for_update())
        standing = holds_on(s, customer.contract_id, today, [customer_id]).get(customer_id)
        if standing is not None:
            raise ConflictError(f"{customer.name}은(는) 이미 독촉 보류 중입니다 ({standing.text}). "
                                "기간이나 사유를 바꾸려면 [보류 해제] 뒤 다시 등록하세요.")
        row = DunningHold(contract_id=customer.contract_id, customer_id=customer_id, reason=text, starts_on=today,
                          ends_on=ends_on, created_by=actor.login_id, created_at=now or utcnow())
        s.add(row)
        s.flush()
        audit.record(s, "dunning_hold_added", actor=actor, target=f"독촉 보류 {row.id}",
                     detail={"hold_id": row.id, "customer_id": customer_id, "ends_on": ends_on.isoformat(),
                             "reason": text})
        return hold_row(row, customer)


def end_hold(db: Database, actor: Actor, hold_id: int, reason: str, now: datetime) -> str:
    """[보류 해제]: the hold ends now (its letters are due again); the reason is kept on the hold and audited."""
    actor.require_edit()
    text = _reason(reason, "보류 해제")
    today = seoul_day(now)
    with db.session() as s:
        row = s.scalar(select(DunningHold).where(DunningHold.id == hold_id).with_for_update())
        if row is None:
            raise NotFoundError(HOLD_NOT_FOUND)
        contract_for(s, actor, row.contract_id, HOLD_NOT_FOUND)
        customer = s.get(Customer, row.customer_id)
        assert customer is not None
        if row.ended_at is not None:
            raise ConflictError(f"이미 {seoul_day(row.ended_at):%Y-%m-%d}에 해제한 보류입니다.")
        if row.ends_on < today:
            raise ConflictError(f"이 보류는 {row.ends_on:%Y-%m-%d}에 이미 끝났습니다.")
        row.ended_at, row.ended_by, row.end_reason = now, actor.login_id, text
        s.flush()
        audit.record(s, "dunning_hold_ended", actor=actor, target=f"독촉 보류 {row.id}",
                     detail={"hold_id": row.id, "customer_id": row.customer_id, "reason": text})
        name = customer.name
    return f"{name}의 독촉 보류를 해제했습니다. 밀린 안내문이 있으면 발행 예정 목록에 다시 나옵니다."


def holds(db: Database, actor: Actor, contract_id: int, today: date) -> list[HoldRow]:
    """The holds in force today, the soonest to end first."""
    with db.session() as s:
        contract_for(s, actor, contract_id)
        return sorted(holds_on(s, contract_id, today).values(), key=lambda h: (h.ends_on, h.customer_no))
