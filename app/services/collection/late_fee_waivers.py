"""연체료 감면: a manager (관리자) waives a household's late fees, or one charge's, with the reason.

Why it is shaped like this (domain.md "Apartment offices"):

* Only an administrator waives or revokes: the 관리규약 gives the waiver to the manager, and a clerk
  who could waive could also bill less than the rule says. Every waiver and revocation writes an
  audit row (who, household, charge, reason) in the same unit of work.
* A waiver keeps the fee visible: `late_fees.fees_as_of` still computes it and marks it waived
  (`LateFee.waived` with the reason), and billing never turns it into a charge (`LateFee.billable` 0).
* Revoking keeps the row (revoked_at/by/reason), so a waiver once granted stays in the history.
* A fee already billed stays billed: the waiver covers what is not yet a charge. The answer says how
  much was billed before, so the manager knows what is still on the household's account.
* One standing waiver per household, and per charge; a charge waiver under a standing household
  waiver would add nothing, so it is refused too. A 연체료 charge itself owes no late fee, so it
  cannot be waived.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import Charge, CollectionItem, Customer, DebitAgreement, LateFeeBill, LateFeeWaiver
from app.services.collection.late_fees import LATE_FEE_ITEM_CODE
from app.services.common import audit
from app.services.common.access import contract_for, customer_for
from app.services.common.errors import ConflictError, NotFoundError, ServiceError
from app.services.common.session import Actor

REASON_MAX = 500
WAIVER_NOT_FOUND = "감면 내역을 찾을 수 없습니다. 목록을 다시 조회하세요."
CHARGE_NOT_HOUSEHOLDS = "이 세대의 청구가 아닙니다. 목록을 다시 조회한 뒤 고르세요."


@dataclass(frozen=True)
class WaiverRow:
    """One waiver as the screens list it (standing or revoked)."""

    id: int
    customer_id: int
    customer_no: str
    customer_name: str
    charge_id: int | None
    period: str  # the charge's 청구년월, '' for the whole household
    item_name: str  # the charge's item, '' for the whole household
    reason: str
    waived_by: str
    waived_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None
    revoke_reason: str | None

    @property
    def standing(self) -> bool:
        return self.revoked_at is None

    @property
    def scope_text(self) -> str:
        """'세대 전체' or '2026-09 관리비'."""
        return "세대 전체" if self.charge_id is None else f"{self.period} {self.item_name}"


@dataclass(frozen=True)
class WaiverOutcome:
    waiver_id: int
    message: str


def _reason(text: str | None, what: str) -> str:
    reason = (text or "").strip()
    if not reason:
        raise ServiceError(f"{what} 사유를 입력하세요.")
    if len(reason) > REASON_MAX:
        raise ServiceError(f"{what} 사유는 {REASON_MAX}자 이내로 입력하세요 (지금 {len(reason):,}자).")
    return reason


def _charge_of(s: Session, customer_id: int, charge_id: int) -> tuple[str, str]:
    """(period, item name) of the household's charge; refused when it is another's or a 연체료 charge."""
    found = s.execute(
        select(Charge.period, CollectionItem.name, CollectionItem.code)
        .join(DebitAgreement, DebitAgreement.id == Charge.agreement_id)
        .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
        .where(Charge.id == charge_id, DebitAgreement.customer_id == customer_id)).first()
    if found is None:
        raise NotFoundError(CHARGE_NOT_HOUSEHOLDS)
    period, name, code = found
    if code == LATE_FEE_ITEM_CODE:
        raise ServiceError("연체료 청구에는 연체료가 붙지 않으므로 감면할 것이 없습니다.")
    return period, name


def _standing(s: Session, customer_id: int) -> list[LateFeeWaiver]:
    return list(s.scalars(select(LateFeeWaiver).where(LateFeeWaiver.customer_id == customer_id,
                                                      LateFeeWaiver.revoked_at.is_(None))
                          .order_by(LateFeeWaiver.id).with_for_update()))


def _billed_before(s: Session, customer_id: int, charge_id: int | None) -> int:
    stmt = select(func.coalesce(func.sum(LateFeeBill.amount), 0)).where(LateFeeBill.customer_id == customer_id)
    if charge_id is not None:
        stmt = stmt.where(LateFeeBill.charge_id == charge_id)
    return int(s.scalar(stmt) or 0)


def waive(db: Database, actor: Actor, customer_id: int, charge_id: int | None, reason: str,
          now: datetime) -> WaiverOutcome:
    """감면 (관리자): the household's late fees (charge_id None) or one charge's are waived from now on."""
    actor.require_admin()
    reason = _reason(reason, "감면")
    with db.session() as s:
        customer = customer_for(s, actor, customer_id)
        contract = contract_for(s, actor, customer.contract_id)
        scope = "세대 전체"
        if charge_id is not None:
            period, item_name = _charge_of(s, customer_id, charge_id)
            scope = f"{period} {item_name}"
        # Locked (PostgreSQL) so two managers pressing at once do not both add the same waiver.
        s.scalars(select(Customer.id).where(Customer.id == customer_id).with_for_update()).all()
        for w in _standing(s, customer_id):
            if w.charge_id is None:
                raise ConflictError(f"{customer.name}({customer.customer_no}) 세대는 이미 연체료 전체가 감면되어 "
                                    f"있습니다 (사유: {w.reason}).")
            if w.charge_id == charge_id:
                raise ConflictError(f"{customer.name}({customer.customer_no})의 {scope} 연체료는 이미 감면되어 "
                                    f"있습니다 (사유: {w.reason}).")
        waiver = LateFeeWaiver(contract_id=customer.contract_id, customer_id=customer_id, charge_id=charge_id,
                               reason=reason, waived_by=actor.login_id, waived_at=now)
        s.add(waiver)
        s.flush()
        billed = _billed_before(s, customer_id, charge_id)
        audit.record(s, "late_fee_waived", actor=actor, target=f"{contract.institution_code} 연체료 감면 {waiver.id}",
                     detail={"waiver_id": waiver.id, "customer_id": customer_id, "customer_no": customer.customer_no,
                             "charge_id": charge_id, "scope": scope, "reason": reason[:200]}, at=now)
        waiver_id, who = waiver.id, f"{customer.name}({customer.customer_no})"
    kept = (f" 이미 연체료로 청구한 {billed:,}원은 그 청구대로 남습니다 (필요하면 그 청구를 정리하세요)."
            if billed else "")
    return WaiverOutcome(waiver_id, f"{who} {scope} 연체료를 감면했습니다. 연체료는 계속 계산되어 '감면'으로 "
                                    f"표시되고 청구되지 않습니다.{kept}")


def revoke(db: Database, actor: Actor, waiver_id: int, reason: str, now: datetime) -> WaiverOutcome:
    """감면 취소 (관리자): the waiver stops; its row stays with who revoked it, when and why."""
    actor.require_admin()
    reason = _reason(reason, "감면 취소")
    with db.session() as s:
        waiver = s.scalar(select(LateFeeWaiver).where(LateFeeWaiver.id == waiver_id).with_for_update())
        if waiver is None:
            raise NotFoundError(WAIVER_NOT_FOUND)
        contract = contract_for(s, actor, waiver.contract_id, WAIVER_NOT_FOUND)
        if waiver.revoked_at is not None:
            raise ConflictError(f"이미 취소된 감면입니다 ({waiver.revoked_by}, 사유: {waiver.revoke_reason}).")
        customer = s.get(Customer, waiver.customer_id)
        assert customer is not None  # the foreign key keeps it
        scope = "세대 전체"
        if waiver.charge_id is not None:
            period, item_name = _charge_of(s, waiver.customer_id, waiver.charge_id)
            scope = f"{period} {item_name}"
        waiver.revoked_at, waiver.revoked_by, waiver.revoke_reason = now, actor.login_id, reason
        s.flush()
        audit.record(s, "late_fee_waiver_revoked", actor=actor,
                     target=f"{contract.institution_code} 연체료 감면 {waiver_id}",
                     detail={"waiver_id": waiver_id, "customer_id": waiver.customer_id,
                             "customer_no": customer.customer_no, "charge_id": waiver.charge_id, "scope": scope,
                             "waiver_reason": waiver.reason[:200], "reason": reason[:200]}, at=now)
        who = f"{customer.name}({customer.customer_no})"
    return WaiverOutcome(waiver_id, f"{who} {scope} 연체료 감면을 취소했습니다. 다음 계산부터 연체료가 다시 "
                                    "청구 가능 금액에 들어갑니다 (감면 기록은 남습니다).")


def waivers(db: Database, actor: Actor, contract_id: int, *, customer_id: int | None = None,
            include_revoked: bool = True) -> list[WaiverRow]:
    """The contract's waivers (or one household's), standing ones first, each newest first."""
    stmt = (select(LateFeeWaiver, Customer.customer_no, Customer.name, Charge.period, CollectionItem.name)
            .join(Customer, Customer.id == LateFeeWaiver.customer_id)
            .outerjoin(Charge, Charge.id == LateFeeWaiver.charge_id)
            .outerjoin(DebitAgreement, DebitAgreement.id == Charge.agreement_id)
            .outerjoin(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
            .where(LateFeeWaiver.contract_id == contract_id))
    if customer_id is not None:
        stmt = stmt.where(LateFeeWaiver.customer_id == customer_id)
    if not include_revoked:
        stmt = stmt.where(LateFeeWaiver.revoked_at.is_(None))
    with db.session() as s:
        contract_for(s, actor, contract_id)
        rows = [WaiverRow(w.id, w.customer_id, no, name, w.charge_id, period or "", item or "", w.reason, w.waived_by,
                          w.waived_at, w.revoked_at, w.revoked_by, w.revoke_reason)
                for w, no, name, period, item in s.execute(stmt)]
    rows.sort(key=lambda r: r.id, reverse=True)
    rows.sort(key=lambda r: not r.standing)
    return rows
