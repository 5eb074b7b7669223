"""집계 overview: the figures behind the three charts at the top of 이체의뢰내역집계.

* 월별 수납률: for each of the last 12 months (ending with the period's month), what was asked of the
  banks and what they debited. The rate counts only requests with a result (완료, 부분출금, 미완료):
  requests still waiting would otherwise make this month look bad for a reason that is not one.
* 집금항목별 금액: 의뢰금액 and 출금금액 per item over the period (the 이체의뢰내역집계 by item).
* 불능사유별: failed and partly failed requests of the period by the bank's reason code.

Months come from one GROUP BY on the debit date (a few hundred rows for a year at most), folded into
months here, which keeps the SQL the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.database.engine import Database
from app.models import DebitRequest, RequestState
from app.services.aggregates import requests as aggregates_requests
from app.services.aggregates.common import (
    GroupBy,
    as_int,
    count,
    rate_bp,
    reading,
    sum_if,
    total,
)
from app.services.common.periods import (
    Period,
    add_months,
    first_day,
    last_day,
    month_of,
)
from app.services.common.session import Actor
from app.services.exchange.cms.reasons import reason_text

R = DebitRequest
RESULTED = (RequestState.DONE, RequestState.PARTIAL, RequestState.FAILED)
FAILED = (RequestState.FAILED, RequestState.PARTIAL)
MONTHS = 12


@dataclass(frozen=True)
class MonthRate:
    month: str  # YYYY-MM
    requested_amount: int  # of requests with a result
    debited_amount: int

    @property
    def rate_bp(self) -> int:
        return rate_bp(self.debited_amount, self.requested_amount)


@dataclass(frozen=True)
class ItemAmount:
    item: str
    requested_amount: int
    debited_amount: int


@dataclass(frozen=True)
class ReasonCount:
    code: str
    reason: str
    count: int
    amount: int  # the part not debited


@dataclass(frozen=True)
class Overview:
    period: Period
    months: tuple[MonthRate, ...]
    items: tuple[ItemAmount, ...]
    reasons: tuple[ReasonCount, ...]


def overview(db: Database, actor: Actor, contract_id: int, period: Period) -> Overview:
    first_month = add_months(period.last_month, -(MONTHS - 1))
    first, last = first_day(first_month), last_day(period.last_month)
    resulted = R.state.in_(RESULTED)
    by_day = (
        select(R.debit_date, sum_if(resulted, R.amount).label("requested"), total(R.debited_amount).label("debited"))
        .where(R.contract_id == contract_id, R.debit_date >= first, R.debit_date <= last,
               R.state != RequestState.WITHDRAWN)
        .group_by(R.debit_date)
    )
    by_reason = (
        select(R.reason_code, count().label("count"), total(R.amount - R.debited_amount).label("amount"))
        .where(R.contract_id == contract_id, R.debit_date >= period.start, R.debit_date <= period.end,
               R.state.in_(FAILED))
        .group_by(R.reason_code)
    )
    with reading(db, actor, contract_id) as conn:
        days = conn.execute(by_day).all()
        reasons = conn.execute(by_reason).all()
    months: dict[str, list[int]] = {add_months(first_month, i): [0, 0] for i in range(MONTHS)}
    for row in days:
        figures = months[month_of(row.debit_date)]
        figures[0] += as_int(row.requested)
        figures[1] += as_int(row.debited)
    by_item = aggregates_requests.summarise(db, actor, contract_id, period, GroupBy.ITEM)
    return Overview(
        period=period,
        months=tuple(MonthRate(month, req, deb) for month, (req, deb) in months.items()),
        items=tuple(ItemAmount(r.label, r.requested_amount, r.debited_amount) for r in by_item.rows),
        reasons=tuple(sorted(
            (ReasonCount(row.reason_code or "", reason_text(row.reason_code) or "사유 없음", as_int(row.count),
                         as_int(row.amount)) for row in reasons),
            key=lambda r: (-r.count, r.code),
        )),
    )
