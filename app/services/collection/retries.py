"""재처리의뢰: asking again, within the month, for what a debit did not collect.

A failed (or partly debited) request of the current month may be asked for again on a later
business day of the same month whose cut-off is still ahead (`retry_dates`). The retry goes into
that date's EB21 beside the ordinary requests, so it obeys the same cut-off, the same "one charge in
one open request" rule and the same file capacity as `requests.request` — those checks are the
request module's, called here, not copies of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from app.database.engine import Database
from app.models import RequestKind
from app.services.collection import ledger, requests
from app.services.collection.charges import RetryRow, retry_dates_for, retry_rows
from app.services.collection.requests import RequestOutcome
from app.services.common import audit
from app.services.common.access import contract_for
from app.services.common.calendar import SEOUL
from app.services.common.errors import ServiceError
from app.services.common.session import Actor
from app.services.exchange.transmissions import contract_info

__all__ = ["RetryRow", "list_retry", "retry", "retry_dates"]


def list_retry(
    db: Database, actor: Actor, contract_id: int, *, now: datetime, item_id: int | None = None,
    customer: str | None = None,
) -> list[RetryRow]:
    """Failed (and partly debited) requests of the current month, with reason, retryable and status."""
    with db.session() as s:
        contract_for(s, actor, contract_id)
        info = contract_info(s, contract_id)
        return retry_rows(s, contract_id, info.calendar, info.request_cutoff, now, item_id=item_id, customer=customer)


def retry_dates(db: Database, actor: Actor, contract_id: int, *, now: datetime) -> list[date]:
    """Business days left this month whose cut-off is still ahead: the dates a retry may use."""
    with db.session() as s:
        contract_for(s, actor, contract_id)
        info = contract_info(s, contract_id)
    return retry_dates_for(info.calendar, info.request_cutoff, now)


def retry(
    db: Database, actor: Actor, contract_id: int, request_ids: Sequence[int], debit_date: date, *, now: datetime,
) -> RequestOutcome:
    """Queue a 재처리의뢰 for each failed request on `debit_date` (same month, before its cut-off); all or nothing."""
    actor.require_edit()
    wanted = set(request_ids)
    if not wanted:
        raise ServiceError("재처리의뢰할 건을 선택하세요.")
    today = now.astimezone(SEOUL).date()
    with ledger.money_session(db, contract_id) as s:
        contract = contract_for(s, actor, contract_id)
        info = contract_info(s, contract_id)
        if debit_date not in retry_dates_for(info.calendar, info.request_cutoff, now):
            raise ServiceError(f"{debit_date:%Y-%m-%d}에는 재처리의뢰할 수 없습니다. 이번 달의 영업일 가운데 "
                               "이체의뢰 마감 전인 날을 고르세요.")
        state = requests.cutoff_state_in(s, info, debit_date, now)
        if not state.open:
            raise ServiceError(state.message)
        requests.hold_date(s, contract_id, debit_date)
        rows = retry_rows(s, contract_id, info.calendar, info.request_cutoff, now, only=wanted)
        ledger.lock_charges(s, [line.charge_id for r in rows for line in r.lines])
        rows = retry_rows(s, contract_id, info.calendar, info.request_cutoff, now, only=wanted)
        if {r.request_id for r in rows} != wanted:
            raise ServiceError("이번 달의 이체처리미완료 건만 재처리의뢰할 수 있습니다. 목록을 다시 조회하세요.")
        bad = [r for r in rows if not r.can_retry or r.debit_date >= debit_date]
        if bad:
            listed = "; ".join(f"{r.customer_name}({r.customer_no}): {r.why_not or '원래 출금일 뒤의 날을 고르세요'}"
                               for r in bad[:5])
            raise ServiceError(f"재처리의뢰할 수 없는 건이 있어 아무것도 의뢰하지 않았습니다: {listed}")
        requests.require_room(s, contract_id, debit_date, rows)
        made = requests.queue(s, actor, contract_id, debit_date, rows, RequestKind.RETRY, today,
                      retry_of={r.agreement_id: r.request_id for r in rows})
        total = sum(r.amount for r in made)
        audit.record(s, "debit_retry_requested", actor=actor,
                     target=f"{contract.institution_code} {debit_date:%Y-%m-%d}",
                     detail={"count": len(made), "amount": total, "retry_of": sorted(wanted)})
        ids = tuple(r.id for r in made)
    return RequestOutcome(debit_date, RequestKind.RETRY, ids, len(ids), total,
                          f"출금일 {debit_date:%Y-%m-%d} 재처리의뢰 {len(ids)}건({total:,}원)을 이체의뢰대기로 넣었습니다.")
