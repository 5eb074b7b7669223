"""할인관리: tick agreements, enter a rate, preview the amounts, apply to all at once (일괄적용); with a history.

The amount is the monthly amount × rate, truncated to the won (the payer is never charged a
fraction more; `customer_rules.discount_amount_for`). It is stored on the agreement and so applies
from the next charge on: charges already created keep the discount they were created with, so a
request already queued or sent never changes under the clerk's feet. Every change is one
`DiscountChange` row (who, when, from, to) and the batch one audit entry. Two clerks changing the
same agreement: the agreement's version column makes the later one fail whole (ConflictError).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.database.engine import Database
from app.models import (
    AgreementStatus,
    Charge,
    CollectionItem,
    Customer,
    CustomerType,
    DebitAgreement,
)
from app.models.base import utcnow
from app.models.collection_extra import DiscountChange
from app.services.common import audit
from app.services.common.access import contract_for
from app.services.common.calendar import SEOUL
from app.services.common.errors import ConflictError, ServiceError
from app.services.common.periods import month_number, year_month
from app.services.common.search import number_or_name
from app.services.common.session import Actor
from app.services.customers.rules import discount_amount_for


@dataclass(frozen=True)
class DiscountQuery:
    item_id: int | None = None
    grade: str | None = None
    customer_type: CustomerType | None = None
    text: str | None = None  # customer number or name (part of)
    only_discounted: bool = False


@dataclass(frozen=True)
class DiscountRow:
    agreement_id: int
    customer_id: int
    customer_no: str
    customer_name: str
    grade: str
    item_name: str
    monthly_amount: int
    discount_rate: int
    discount_amount: int
    net_amount: int
    version_id: int


@dataclass(frozen=True)
class DiscountPreview:
    agreement_id: int
    customer_no: str
    customer_name: str
    item_name: str
    monthly_amount: int
    old_rate: int
    old_amount: int
    new_rate: int
    new_amount: int  # monthly amount × rate, truncated to the won

    @property
    def new_net(self) -> int:
        return self.monthly_amount - self.new_amount

    @property
    def changed(self) -> bool:
        return (self.old_rate, self.old_amount) != (self.new_rate, self.new_amount)


@dataclass(frozen=True)
class DiscountApplied:
    changed: int
    unchanged: int
    message: str


@dataclass(frozen=True)
class DiscountHistoryRow:
    at: datetime
    login_id: str
    agreement_id: int
    customer_no: str
    customer_name: str
    item_name: str
    old_rate: int
    old_amount: int
    new_rate: int
    new_amount: int


def _rate(rate: int) -> int:
    if isinstance(rate, bool) or not isinstance(rate, int) or not 0 <= rate <= 100:
        raise ServiceError("할인/면제비율은 0에서 100 사이의 정수(%)로 입력하세요.")
    return rate


def _base(contract_id: int) -> Select:
    return (
        select(DebitAgreement, Customer, CollectionItem)
        .join(Customer, Customer.id == DebitAgreement.customer_id)
        .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
        .where(Customer.contract_id == contract_id, DebitAgreement.status == AgreementStatus.ACTIVE)
        .order_by(Customer.customer_no, CollectionItem.code)
    )


def list_agreements(db: Database, actor: Actor, contract_id: int, query: DiscountQuery | None = None) -> list[DiscountRow]:
    """The contract's active agreements matching the filters, with their current discount."""
    q = query or DiscountQuery()
    stmt = _base(contract_id)
    if q.item_id is not None:
        stmt = stmt.where(DebitAgreement.item_id == q.item_id)
    if q.grade:
        stmt = stmt.where(Customer.grade == q.grade)
    if q.customer_type is not None:
        stmt = stmt.where(Customer.customer_type == q.customer_type)
    if q.text and q.text.strip():
        text = q.text.strip()
        stmt = stmt.where(number_or_name(Customer.customer_no, Customer.name, text))
    if q.only_discounted:
        stmt = stmt.where(DebitAgreement.discount_amount > 0)
    with db.session() as s:
        contract_for(s, actor, contract_id)
        return [DiscountRow(a.id, c.id, c.customer_no, c.name, c.grade or "", i.name, a.monthly_amount, a.discount_rate,
                            a.discount_amount, a.monthly_amount - a.discount_amount, a.version_id)
                for a, c, i in s.execute(stmt)]


def _previews(rows: Sequence[tuple[DebitAgreement, Customer, CollectionItem]], rate: int) -> list[DiscountPreview]:
    return [DiscountPreview(a.id, c.customer_no, c.name, i.name, a.monthly_amount, a.discount_rate, a.discount_amount,
                            rate, discount_amount_for(a.monthly_amount, rate))
            for a, c, i in rows]


def _selected(s: Session, contract_id: int, agreement_ids: Sequence[int]) -> Sequence[Row]:
    wanted = set(agreement_ids)
    if not wanted:
        raise ServiceError("할인을 적용할 고객을 선택하세요.")
    rows = s.execute(_base(contract_id).where(DebitAgreement.id.in_(sorted(wanted)))).all()
    if len(rows) != len(wanted):
        raise ServiceError("선택한 이체정보 가운데 없거나 해지된 것이 있습니다. 목록을 다시 조회하세요.")
    return rows


def preview_discount(
    db: Database, actor: Actor, contract_id: int, agreement_ids: Sequence[int], rate: int
) -> list[DiscountPreview]:
    """What `apply_discount` would set: each amount from its monthly amount, truncated to the won."""
    rate = _rate(rate)
    with db.session() as s:
        contract_for(s, actor, contract_id)
        return _previews(_selected(s, contract_id, agreement_ids), rate)


def apply_discount(
    db: Database, actor: Actor, contract_id: int, agreement_ids: Sequence[int], rate: int, *,
    now: datetime | None = None,
) -> DiscountApplied:
    """일괄적용: set the rate (and its amount) on every ticked agreement, from the next request on; all or nothing."""
    actor.require_edit()
    rate = _rate(rate)
    at = now or utcnow()
    try:
        with db.session() as s:
            contract = contract_for(s, actor, contract_id)
            rows = _selected(s, contract_id, agreement_ids)
            changed = 0
            touched: list[int] = []
            for preview, (agreement, _c, _i) in zip(_previews(rows, rate), rows, strict=True):
                if not preview.changed:
                    continue
                agreement.discount_rate, agreement.discount_amount = rate, preview.new_amount
                s.add(DiscountChange(contract_id=contract_id, agreement_id=agreement.id, old_rate=preview.old_rate,
                                     old_amount=preview.old_amount, new_rate=rate, new_amount=preview.new_amount,
                                     monthly_amount=agreement.monthly_amount, changed_at=at,
                                     changed_by=actor.login_id, user_id=actor.user_id))
                changed += 1
                touched.append(agreement.id)
            s.flush()
            kept = _charged_from(s, touched, at)
            audit.record(s, "discount_applied", actor=actor, at=at, target=contract.institution_code,
                         detail={"rate": rate, "changed": changed, "selected": len(rows)})
    except StaleDataError as error:
        raise ConflictError("다른 사용자가 먼저 이체정보를 수정했습니다. 아무것도 바꾸지 않았습니다. 목록을 다시 조회하세요.") from error
    unchanged = len(rows) - changed
    return DiscountApplied(changed, unchanged, f"{changed}건에 할인/면제비율 {rate}%를 적용했습니다"
                           + (f" ({unchanged}건은 이미 같은 할인)" if unchanged else "")
                           + ". 다음 이체의뢰부터 할인된 금액으로 의뢰됩니다." + _kept_text(kept))


def _charged_from(s: Session, agreement_ids: Sequence[int], at: datetime) -> dict[str, int]:
    """period → how many of these agreements already have that period's charge, this month or later.

    A charge keeps the discount it was created with (see `charges`), so the clerk is told which
    months still go out at the old amount instead of finding out on the request list.
    """
    if not agreement_ids:
        return {}
    month = at.astimezone(SEOUL).strftime("%Y-%m")
    found = s.execute(select(Charge.period, func.count()).where(Charge.agreement_id.in_(agreement_ids),
                                                              Charge.period >= month).group_by(Charge.period))
    return {str(period): int(n) for period, n in found}


def _kept_text(kept: dict[str, int]) -> str:
    if not kept:
        return ""
    months = ", ".join(f"{year_month(p)[0]}년 {month_number(p)}월분 {n}건" for p, n in sorted(kept.items()))
    return f" 다만 청구가 이미 만들어진 {months}은 만들 때의 금액으로 의뢰됩니다."


def discount_history(
    db: Database, actor: Actor, contract_id: int, *, agreement_id: int | None = None,
    since: datetime | None = None, until: datetime | None = None,
) -> list[DiscountHistoryRow]:
    """Who changed which discount, when, from what to what; newest first."""
    stmt = (
        select(DiscountChange, Customer.customer_no, Customer.name, CollectionItem.name)
        .join(DebitAgreement, DebitAgreement.id == DiscountChange.agreement_id)
        .join(Customer, Customer.id == DebitAgreement.customer_id)
        .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
        .where(DiscountChange.contract_id == contract_id)
        .order_by(DiscountChange.changed_at.desc(), DiscountChange.id.desc())
    )
    if agreement_id is not None:
        stmt = stmt.where(DiscountChange.agreement_id == agreement_id)
    if since is not None:
        stmt = stmt.where(DiscountChange.changed_at >= since)
    if until is not None:
        stmt = stmt.where(DiscountChange.changed_at < until)
    with db.session() as s:
        contract_for(s, actor, contract_id)
        return [DiscountHistoryRow(d.changed_at, d.changed_by, d.agreement_id, no, name, item, d.old_rate, d.old_amount,
                                   d.new_rate, d.new_amount)
                for d, no, name, item in s.execute(stmt)]
