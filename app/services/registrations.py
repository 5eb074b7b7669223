"""계좌신청: the registrations of a contract with Korean state and reason, requeue, withdraw, and warnings.

Registrations are queued by the customer screens (a new, changed or ended agreement) and sent by
the scheduler; this is the clerk's view of them. Two actions:

* **재신청 (requeue)**: a 계좌신청미완료 (FAILED) registration, once the account was fixed, is queued
  again as a new registration of the agreement's *current* account. Only the agreement's latest
  registration can be, so an old failure is never sent beside a newer one.
* **신청취소 (withdraw)**: a 계좌신청대기 registration no file carries yet. It holds the file
  builder's lock (shared) while it does, so it cannot race a file being built.

Warnings tell the clerk in time what will go wrong: a registration that cannot be complete two
business days before the agreement's next debit (D-2, the banks then refuse the debit), and banks
that always need a complete registration (국민은행, 새마을금고).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from app.db import Database
from app.models import (
    AccountRegistration,
    AgreementStatus,
    CollectionItem,
    Customer,
    DebitAgreement,
    RegistrationKind,
    RegistrationState,
    Transmission,
)
from app.services import audit, charges, ledger
from app.services.calendar import SEOUL, BusinessCalendar
from app.services.cms.banks import bank_name, requires_registration
from app.services.cms.reasons import reason
from app.services.customers import contract_for
from app.services.search import number_or_name
from app.services.errors import NotFoundError, ServiceError
from app.services.session import Actor
from app.services.transmissions import ContractInfo, contract_info


@dataclass(frozen=True)
class RegistrationQuery:
    states: tuple[RegistrationState, ...] = ()
    bank_code: str | None = None
    item_id: int | None = None
    date_from: date | None = None  # requested_on, inclusive
    date_to: date | None = None
    customer: str | None = None  # customer number or name (part of)


@dataclass(frozen=True)
class RegistrationRow:
    id: int
    agreement_id: int
    customer_id: int
    customer_no: str
    customer_name: str
    item_name: str
    kind: RegistrationKind
    kind_text: str
    bank_code: str
    bank_name: str
    account_masked: str
    monthly_amount: int
    first_month: str
    last_month: str | None
    debit_day: int
    requested_on: date
    state: RegistrationState
    state_text: str
    reason_code: str | None
    reason_text: str
    hint: str
    result_at: datetime | None
    can_requeue: bool
    can_withdraw: bool
    warnings: tuple[str, ...]


def next_debit_date(calendar: BusinessCalendar, agreement: DebitAgreement, today: date) -> date | None:
    """The agreement's first debit date after `today` within its first/last month, if any."""
    period = max(agreement.first_month, charges.period_of(today))
    for _ in range(24):
        if agreement.last_month is not None and period > agreement.last_month:
            return None
        day = calendar.debit_date_for(int(period[:4]), int(period[5:7]), agreement.debit_day)
        if day > today:
            return day
        period = charges.add_months(period, 1)
    return None


def _completion(info: ContractInfo, reg: AccountRegistration, file_date: date | None, now: datetime) -> datetime | None:
    """When the registration's result (EB14) can be in: for one not yet accepted, else None."""
    calendar = info.calendar
    if reg.state is RegistrationState.SENT:
        return calendar.registration_result_at(file_date or now.astimezone(SEOUL).date(), info.result_time)
    if reg.state in (RegistrationState.WAITING, RegistrationState.FAILED):
        send_day = calendar.registration_send_day(now, info.registration_cutoff)
        return calendar.registration_result_at(send_day, info.result_time)
    return None


def warnings_for(info: ContractInfo, reg: AccountRegistration, agreement: DebitAgreement, file_date: date | None,
                 now: datetime) -> tuple[str, ...]:
    """The Korean warnings of one registration (see the module docstring)."""
    out: list[str] = []
    live = reg.kind is RegistrationKind.NEW and agreement.status is AgreementStatus.ACTIVE
    if not live or reg.state is RegistrationState.WITHDRAWN:
        return ()
    if reg.state is not RegistrationState.DONE and requires_registration(reg.bank_code):
        out.append(f"{bank_name(reg.bank_code)} 계좌는 계좌신청이 완료되어야만 출금할 수 있습니다.")
    done_at = _completion(info, reg, file_date, now)
    first = next_debit_date(info.calendar, agreement, now.astimezone(SEOUL).date())
    if done_at is not None and first is not None:
        deadline = info.calendar.registration_deadline(first)
        if done_at.astimezone(SEOUL).date() > deadline:
            out.append(f"다음 출금일 {first:%Y-%m-%d}의 2영업일 전({deadline:%m-%d})까지 계좌신청이 끝나지 않습니다 "
                       f"(결과 예정 {done_at.astimezone(SEOUL):%m-%d %H:%M}). 그 출금일에는 출금되지 않을 수 있습니다.")
    return tuple(out)


def list_registrations(
    db: Database, actor: Actor, contract_id: int, query: RegistrationQuery | None = None, *, now: datetime
) -> list[RegistrationRow]:
    """The contract's registrations matching the filters, newest first, with state, reason and warnings."""
    q = query or RegistrationQuery()
    reg_ = AccountRegistration
    stmt = (
        select(reg_, DebitAgreement, Customer, CollectionItem.name, Transmission.file_date)
        .join(DebitAgreement, DebitAgreement.id == reg_.agreement_id)
        .join(Customer, Customer.id == DebitAgreement.customer_id)
        .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
        .outerjoin(Transmission, Transmission.id == reg_.transmission_id)
        .where(reg_.contract_id == contract_id)
        .order_by(reg_.requested_on.desc(), reg_.id.desc())
    )
    if q.states:
        stmt = stmt.where(reg_.state.in_(list(q.states)))
    if q.bank_code:
        stmt = stmt.where(reg_.bank_code == q.bank_code)
    if q.item_id is not None:
        stmt = stmt.where(DebitAgreement.item_id == q.item_id)
    if q.date_from is not None:
        stmt = stmt.where(reg_.requested_on >= q.date_from)
    if q.date_to is not None:
        stmt = stmt.where(reg_.requested_on <= q.date_to)
    if q.customer and q.customer.strip():
        text = q.customer.strip()
        stmt = stmt.where(number_or_name(Customer.customer_no, Customer.name, text))
    with db.session() as s:
        contract_for(s, actor, contract_id)
        info = contract_info(s, contract_id)
        found = s.execute(stmt).all()
        latest = set(s.scalars(select(func.max(reg_.id)).where(reg_.contract_id == contract_id,
                                                               reg_.state != RegistrationState.WITHDRAWN)
                               .group_by(reg_.agreement_id)))
    rows = []
    for r, a, c, item_name, file_date in found:
        why = reason(r.reason_code) if r.state is RegistrationState.FAILED and r.reason_code else None
        rows.append(RegistrationRow(
            id=r.id, agreement_id=a.id, customer_id=c.id, customer_no=c.customer_no, customer_name=c.name,
            item_name=item_name, kind=r.kind, kind_text=r.kind.label, bank_code=r.bank_code,
            bank_name=bank_name(r.bank_code), account_masked=f"****{r.account_last4}", monthly_amount=a.monthly_amount,
            first_month=a.first_month, last_month=a.last_month, debit_day=a.debit_day, requested_on=r.requested_on,
            state=r.state, state_text=r.state.label, reason_code=r.reason_code if why else None,
            reason_text=why.text if why else "", hint=why.hint if why else "", result_at=r.result_at,
            can_requeue=_requeue_problem(r, a, r.id in latest) is None,
            can_withdraw=r.state is RegistrationState.WAITING and r.transmission_id is None,
            warnings=warnings_for(info, r, a, file_date, now),
        ))
    return rows


def _requeue_problem(reg: AccountRegistration, agreement: DebitAgreement, is_latest: bool) -> str | None:
    if reg.state is not RegistrationState.FAILED:
        return f"계좌신청미완료인 건만 다시 신청할 수 있습니다 (현재 {reg.state.label})."
    if reg.kind is not RegistrationKind.NEW:
        return "해지 신청은 다시 신청하지 않습니다. 이체정보를 확인하세요."
    if agreement.status is not AgreementStatus.ACTIVE:
        return "해지된 이체정보입니다."
    if not is_latest:
        return "이 이체정보에는 더 최근의 계좌신청이 있습니다."
    return None


def requeue(db: Database, actor: Actor, registration_id: int, *, now: datetime) -> int:
    """Queue again (계좌신청대기) a failed registration with the agreement's current account; the new id."""
    actor.require_edit()
    with db.session() as s:
        contract_id = s.scalar(select(AccountRegistration.contract_id).where(AccountRegistration.id == registration_id))
    if contract_id is None:
        raise NotFoundError("계좌신청 내역을 찾을 수 없습니다. 목록을 다시 조회하세요.")
    with ledger.money_session(db, contract_id) as s:
        contract = contract_for(s, actor, contract_id)
        reg = s.get(AccountRegistration, registration_id)
        assert reg is not None
        agreement = s.get(DebitAgreement, reg.agreement_id)
        assert agreement is not None
        newest = s.scalar(select(func.max(AccountRegistration.id)).where(
            AccountRegistration.agreement_id == agreement.id, AccountRegistration.state != RegistrationState.WITHDRAWN))
        problem = _requeue_problem(reg, agreement, newest == reg.id)
        if problem:
            raise ServiceError(problem)
        fresh = AccountRegistration(
            contract_id=contract_id, agreement_id=agreement.id, kind=RegistrationKind.NEW,
            state=RegistrationState.WAITING, bank_code=agreement.bank_code, account_no_enc=agreement.account_no_enc,
            account_last4=agreement.account_last4, holder_id=agreement.holder_id,
            requested_on=now.astimezone(SEOUL).date(), created_by=actor.login_id,
        )
        s.add(fresh)
        s.flush()
        audit.record(s, "registration_requeued", actor=actor, target=contract.institution_code,
                     detail={"registration_id": registration_id, "new_id": fresh.id, "agreement_id": agreement.id})
        return fresh.id


def withdraw(db: Database, actor: Actor, registration_id: int) -> None:
    """신청취소: a queued registration that no file carries yet is withdrawn."""
    actor.require_edit()
    with db.session() as s:
        contract_id = s.scalar(select(AccountRegistration.contract_id).where(AccountRegistration.id == registration_id))
    if contract_id is None:
        raise NotFoundError("계좌신청 내역을 찾을 수 없습니다. 목록을 다시 조회하세요.")
    with ledger.money_session(db, contract_id) as s:
        contract = contract_for(s, actor, contract_id)
        reg = s.scalar(select(AccountRegistration).where(AccountRegistration.id == registration_id).with_for_update())
        assert reg is not None
        if reg.state is not RegistrationState.WAITING:
            raise ServiceError(f"계좌신청대기인 건만 취소할 수 있습니다 (현재 {reg.state.label}).")
        if reg.transmission_id is not None:
            raise ServiceError("이미 계좌신청 파일에 실린 건이라 취소할 수 없습니다.")
        reg.state = RegistrationState.WITHDRAWN
        audit.record(s, "registration_withdrawn", actor=actor, target=contract.institution_code,
                     detail={"registration_id": registration_id, "agreement_id": reg.agreement_id})
