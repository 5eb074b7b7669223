"""이체정보: a customer's standing debit order per item, and the account registrations it queues.

The bank debits an account only after it accepted a registration of it (계좌신청, EB13 → EB14), so
every change that matters to the bank queues one here, in the same unit of work as the change:

* a new agreement → NEW (계좌신청대기, requested today);
* a changed bank, account or holder id → CANCEL of the old account and NEW of the new one;
* an ended agreement (해지) → CANCEL.

A registration that is still WAITING was never sent, so instead of sending a pair that cancels it
the waiting one is WITHDRAWN; a FAILED one never registered anything and needs no cancel. The
account travels *copied* (encrypted) into each registration, because a cancellation must name the
old account after the agreement moved to a new one.

The database allows one agreement per customer and item, ended ones included, so adding an item
that was ended before reopens that row with the new values.

Every monthly amount written here is checked against the item's posted 교습비 (학원법 제15조), on
adding, reopening and editing alike: an amount above it is refused with the rule's own words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.database.engine import Database
from app.models import (
    AccountRegistration,
    AgreementStatus,
    Charge,
    CollectionItem,
    Customer,
    DebitAgreement,
    DebitRequest,
    Payment,
    RegistrationKind,
    RegistrationState,
    RequestState,
)
from app.services.common.access import contract_for, customer_for
from app.services.common.calendar import (
    DEFAULT_CUTOFF,
    DEFAULT_RESULT_TIME,
    BusinessCalendar,
)
from app.services.common.contract_calendar import contract_calendar
from app.services.common.crypto import NO_KEY_MESSAGE, DataKey
from app.services.common.errors import ConflictError, NotFoundError, ServiceError
from app.services.common.masking import masked_last4
from app.services.common.periods import year_month
from app.services.common.session import Actor
from app.services.common.validation import ValidationError
from app.services.customers import rules as customer_rules
from app.services.customers.rules import AgreementForm, AgreementValues
from app.services.exchange.cms.banks import BANK_NAMES, bank_name
from app.services.exchange.cms.reasons import reason_text

STALE_MESSAGE = (
    "다른 사용자가 먼저 이 이체정보를 수정했습니다. 저장하지 않았습니다. 고객 상세정보를 다시 연 뒤 수정하세요."
)
OPEN_REQUEST_STATES = (RequestState.WAITING, RequestState.SENT)


@dataclass(frozen=True)
class AgreementRow:
    """One 이체정보 as the detail window lists it; the account only masked."""

    id: int
    item_id: int
    item_name: str
    debit_limit: int
    monthly_amount: int
    discount_rate: int
    discount_amount: int
    first_month: str
    last_month: str | None
    debit_day: int
    bank_code: str
    bank_name: str
    account_masked: str
    holder_name: str
    holder_id: str
    manager_name: str
    registrant: str
    status: AgreementStatus
    ended_on: date | None
    registration_state: RegistrationState | None
    registration_kind: RegistrationKind | None
    reason_code: str | None
    version_id: int

    @property
    def net_amount(self) -> int:
        return self.monthly_amount - self.discount_amount

    @property
    def registration_text(self) -> str:
        """'계좌신청미완료 (0014 예금주 불일치)', '해지 · 계좌신청대기' …: state and, when failed, why."""
        if self.registration_state is None:
            return ""
        text = self.registration_state.label
        if self.registration_kind is RegistrationKind.CANCEL:
            text = f"해지 {text}"
        if self.reason_code:
            text += f" ({self.reason_code} {reason_text(self.reason_code)})"
        return text


@dataclass(frozen=True)
class HistoryRow:
    """One line of a customer's history: a registration, a debit request or a payment."""

    on: date
    kind: str
    item_name: str
    text: str
    amount: int | None
    state: str
    reason: str


@dataclass(frozen=True)
class SavedAgreement:
    id: int
    warnings: tuple[str, ...] = ()
    queued: tuple[str, ...] = ()  # what happened to registrations, in Korean


# --- reading ----------------------------------------------------------------------------------


def _latest_live(s: Session, agreement_id: int) -> AccountRegistration | None:
    return s.scalar(
        select(AccountRegistration)
        .where(AccountRegistration.agreement_id == agreement_id, AccountRegistration.state != RegistrationState.WITHDRAWN)
        .order_by(AccountRegistration.id.desc())
        .limit(1)
    )


def agreement_rows(s: Session, customer_id: int) -> list[AgreementRow]:
    rows = []
    stmt = (
        select(DebitAgreement, CollectionItem.name)
        .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
        .where(DebitAgreement.customer_id == customer_id)
        .order_by(DebitAgreement.status, CollectionItem.code)
    )
    for a, item_name in s.execute(stmt):
        latest = _latest_live(s, a.id)
        rows.append(AgreementRow(
            id=a.id, item_id=a.item_id, item_name=item_name, debit_limit=a.debit_limit,
            monthly_amount=a.monthly_amount, discount_rate=a.discount_rate, discount_amount=a.discount_amount,
            first_month=a.first_month, last_month=a.last_month, debit_day=a.debit_day, bank_code=a.bank_code,
            bank_name=bank_name(a.bank_code), account_masked=masked_last4(a.account_last4),
            holder_name=a.holder_name, holder_id=a.holder_id, manager_name=a.manager_name or "",
            registrant=a.registrant or "", status=a.status, ended_on=a.ended_on,
            registration_state=latest.state if latest else None, registration_kind=latest.kind if latest else None,
            reason_code=latest.reason_code if latest and latest.state is RegistrationState.FAILED else None,
            version_id=a.version_id,
        ))
    return rows


def history_rows(s: Session, customer_id: int) -> list[HistoryRow]:
    """Registrations, debit requests and payments of all the customer's agreements, newest first."""
    items = dict(s.execute(
        select(DebitAgreement.id, CollectionItem.name).join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
        .where(DebitAgreement.customer_id == customer_id)
    ).all())
    if not items:
        return []
    ids = list(items)
    rows: list[HistoryRow] = []
    for r in s.scalars(select(AccountRegistration).where(AccountRegistration.agreement_id.in_(ids))):
        rows.append(HistoryRow(r.requested_on, f"계좌신청({r.kind.label})", items[r.agreement_id],
                               f"{bank_name(r.bank_code)} {masked_last4(r.account_last4)}", None, r.state.label,
                               reason_text(r.reason_code) if r.state is RegistrationState.FAILED else ""))
    for q in s.scalars(select(DebitRequest).where(DebitRequest.agreement_id.in_(ids))):
        rows.append(HistoryRow(q.debit_date, q.kind.label, items[q.agreement_id], f"{bank_name(q.bank_code)}",
                               q.amount, q.state.label,
                               reason_text(q.reason_code) if q.state is RequestState.FAILED else ""))
    payments = s.execute(
        select(Payment, Charge.agreement_id, Charge.period).join(Charge, Charge.id == Payment.charge_id)
        .where(Charge.agreement_id.in_(ids))
    )
    for p, agreement_id, period in payments:
        state = "수납취소" if p.reversed_by_id else "수납"
        rows.append(HistoryRow(p.paid_on, p.method.label, items[agreement_id], f"{period} 청구분", p.amount, state, ""))
    rows.sort(key=lambda r: r.on, reverse=True)
    return rows


def calendar_for(db: Database, actor: Actor, contract_id: int) -> BusinessCalendar:
    """The bank calendar plus the institution's own closed days, for this contract."""
    with db.session() as s:
        contract = contract_for(s, actor, contract_id)
        return contract_calendar(s, contract_id, contract.year_end_closing)


@dataclass(frozen=True)
class RegistrationOutlook:
    """When a registration queued now would be complete, against the first debit's D-2 deadline."""

    first_debit: date
    deadline: date
    send_day: date
    result_at: datetime

    @property
    def in_time(self) -> bool:
        return self.result_at.date() <= self.deadline

    def message(self) -> str:
        if self.in_time:
            return (f"계좌신청은 {self.send_day:%m-%d}에 보내고 결과는 {self.result_at:%m-%d %H:%M}에 나옵니다. "
                    f"첫 출금일 {self.first_debit:%Y-%m-%d}의 마감({self.deadline:%m-%d}) 전입니다.")
        return (f"첫 출금일 {self.first_debit:%Y-%m-%d}까지 계좌신청을 마칠 수 없습니다: 마감(D-2)은 "
                f"{self.deadline:%m-%d}인데 결과가 {self.result_at:%m-%d %H:%M}에 나옵니다. "
                "최초이체년월을 다음 달로 하거나 다른 이체예정일을 고르세요.")


def registration_outlook(calendar: BusinessCalendar, now: datetime, first_month: str, debit_day: int, *,
                         cutoff: time = DEFAULT_CUTOFF, result_time: time = DEFAULT_RESULT_TIME) -> RegistrationOutlook:
    year, month = year_month(first_month)
    first_debit = calendar.debit_date_for(year, month, debit_day)
    send_day = calendar.registration_send_day(now, cutoff)
    return RegistrationOutlook(first_debit, calendar.registration_deadline(first_debit), send_day,
                               calendar.registration_result_at(send_day, result_time))


def first_registered_month(calendar: BusinessCalendar, today: date, first_month: str, debit_day: int, *,
                           running: bool) -> str:
    """The first month ("YYYY-MM") a registration queued today serves: the agreement's first month,
    or, for an agreement already in force (`running`, an edit that changes the account) whose first
    month has begun, the month of the next debit day still ahead."""
    if not running:
        return first_month
    this_month = f"{today.year:04d}-{today.month:02d}"
    if first_month > this_month:
        return first_month
    if calendar.debit_date_for(today.year, today.month, debit_day) > today:
        return this_month
    return f"{today.year + (today.month == 12):04d}-{today.month % 12 + 1:02d}"


# --- registrations ----------------------------------------------------------------------------


def _queue(s: Session, actor: Actor, agreement: DebitAgreement, contract_id: int, kind: RegistrationKind,
           today: date, *, source: AccountRegistration | None = None) -> None:
    """A WAITING registration of `kind`; a cancel copies the account of the registration it undoes."""
    s.add(AccountRegistration(
        contract_id=contract_id, agreement_id=agreement.id, kind=kind, state=RegistrationState.WAITING,
        bank_code=source.bank_code if source else agreement.bank_code,
        account_no_enc=source.account_no_enc if source else agreement.account_no_enc,
        account_last4=source.account_last4 if source else agreement.account_last4,
        holder_id=source.holder_id if source else agreement.holder_id,
        requested_on=today, created_by=actor.login_id,
    ))


def _retire(s: Session, actor: Actor, agreement: DebitAgreement, contract_id: int, today: date) -> list[str]:
    """Undo the current account's registration: withdraw it if unsent, else queue its cancel."""
    latest = _latest_live(s, agreement.id)
    if latest is None or latest.kind is not RegistrationKind.NEW or latest.state is RegistrationState.FAILED:
        return []
    if latest.state is RegistrationState.WAITING:
        latest.state = RegistrationState.WITHDRAWN
        return ["보내기 전이던 계좌신청(신규)을 취소했습니다"]
    _queue(s, actor, agreement, contract_id, RegistrationKind.CANCEL, today, source=latest)
    return [f"이전 계좌({masked_last4(latest.account_last4)}) 해지 신청을 대기열에 넣었습니다"]


def _new(s: Session, actor: Actor, agreement: DebitAgreement, contract_id: int, today: date) -> list[str]:
    _queue(s, actor, agreement, contract_id, RegistrationKind.NEW, today)
    return [f"{bank_name(agreement.bank_code)} {masked_last4(agreement.account_last4)} 계좌신청(신규)을 대기열에 넣었습니다"]


# --- writing ----------------------------------------------------------------------------------


def _validated(s: Session, customer: Customer, form: AgreementForm, today: date | None) -> tuple[AgreementValues, CollectionItem]:
    item = s.get(CollectionItem, form.item_id) if form.item_id is not None else None
    if item is None or item.contract_id != customer.contract_id:
        raise ValidationError("집금항목명", "이 계약의 집금항목을 선택하세요.")
    values = customer_rules.validate_agreement(form, allowed_days=item.day_list or None, today=today,
                                               posted_fee=item.posted_fee)
    return values, item


def _set(agreement: DebitAgreement, values: AgreementValues, key: DataKey) -> None:
    for name in ("item_id", "debit_limit", "monthly_amount", "discount_rate", "discount_amount", "first_month",
                 "last_month", "debit_day", "bank_code", "holder_name", "holder_id", "manager_name", "registrant"):
        setattr(agreement, name, getattr(values, name))
    agreement.account_no_enc = key.encrypt(values.account_no, "account_no")
    agreement.account_no_hash = key.blind_index(values.account_no, "account_no")
    agreement.account_last4 = values.account_last4


def _same_account(agreement: DebitAgreement, values: AgreementValues, key: DataKey) -> bool:
    return (agreement.bank_code == values.bank_code and agreement.holder_id == values.holder_id
            and agreement.account_no_hash == key.blind_index(values.account_no, "account_no"))


def create_agreement(db: Database, actor: Actor, customer_id: int, form: AgreementForm, *,
                     data_key: DataKey | None, today: date) -> SavedAgreement:
    """이체정보 추가: one per customer and item; queues the account's registration (NEW)."""
    actor.require_edit()
    if data_key is None:
        raise ServiceError(NO_KEY_MESSAGE)
    with db.session() as s:
        customer = customer_for(s, actor, customer_id)
        if not customer.active:
            raise ConflictError("사용중지된 고객입니다. 먼저 사용을 재개하세요.")
        values, item = _validated(s, customer, form, today)
        existing = s.scalar(select(DebitAgreement).where(
            DebitAgreement.customer_id == customer_id, DebitAgreement.item_id == values.item_id))
        if existing is not None and existing.status is AgreementStatus.ACTIVE:
            raise ConflictError(f"이 고객에게는 이미 '{item.name}' 이체정보가 있습니다. [이체정보 수정]으로 바꾸세요.")
        queued: list[str] = []
        if existing is None:
            agreement = DebitAgreement(customer_id=customer_id)
            _set(agreement, values, data_key)
            s.add(agreement)
            s.flush()
            queued += _new(s, actor, agreement, customer.contract_id, today)
        else:  # reopen the ended one (the database keeps one row per customer and item)
            agreement = existing
            same = _same_account(agreement, values, data_key)
            latest = _latest_live(s, agreement.id)
            _set(agreement, values, data_key)
            agreement.status, agreement.ended_on = AgreementStatus.ACTIVE, None
            if same and latest is not None and latest.kind is RegistrationKind.CANCEL and latest.state is RegistrationState.WAITING:
                latest.state = RegistrationState.WITHDRAWN  # the cancel never left: the old registration stands
                queued.append("보내기 전이던 해지 신청을 취소했습니다")
                before = _latest_live(s, agreement.id)
                if before is None or before.kind is not RegistrationKind.NEW or before.state is RegistrationState.FAILED:
                    queued += _new(s, actor, agreement, customer.contract_id, today)
            else:
                queued += _new(s, actor, agreement, customer.contract_id, today)
            s.flush()
        return SavedAgreement(agreement.id, values.warnings, tuple(queued))


def _agreement_for(s: Session, actor: Actor, agreement_id: int) -> tuple[DebitAgreement, Customer]:
    agreement = s.get(DebitAgreement, agreement_id)
    if agreement is None:
        raise NotFoundError("이체정보를 찾을 수 없습니다. 고객 상세정보를 다시 여세요.")
    return agreement, customer_for(s, actor, agreement.customer_id)


def update_agreement(db: Database, actor: Actor, agreement_id: int, form: AgreementForm, *, version_id: int,
                     data_key: DataKey | None, today: date) -> SavedAgreement:
    """이체정보 수정. A new bank, account or holder id re-registers (cancel old + new, or withdraw).

    An empty account number keeps the stored one, so the edit window never has to show it."""
    actor.require_edit()
    if data_key is None:
        raise ServiceError(NO_KEY_MESSAGE)
    try:
        with db.session() as s:
            agreement, customer = _agreement_for(s, actor, agreement_id)
            if agreement.status is not AgreementStatus.ACTIVE:
                raise ConflictError("해지된 이체정보는 수정할 수 없습니다. [이체정보 추가]로 다시 등록하세요.")
            if agreement.version_id != version_id:
                raise ConflictError(STALE_MESSAGE)
            form.item_id = agreement.item_id  # the item is what the agreement is; it does not move
            if not str(form.account_no or "").strip():  # left empty on screen: keep the stored account
                form.account_no = data_key.decrypt(agreement.account_no_enc, "account_no")
            values, _item = _validated(s, customer, form, today)
            queued: list[str] = []
            if not _same_account(agreement, values, data_key):
                queued += _retire(s, actor, agreement, customer.contract_id, today)
                _set(agreement, values, data_key)
                s.flush()
                queued += _new(s, actor, agreement, customer.contract_id, today)
            else:
                _set(agreement, values, data_key)
            s.flush()
            return SavedAgreement(agreement.id, values.warnings, tuple(queued))
    except StaleDataError:
        raise ConflictError(STALE_MESSAGE) from None


def end_agreement(db: Database, actor: Actor, agreement_id: int, *, last_month: str, version_id: int,
                  today: date) -> SavedAgreement:
    """이체정보 해지: no debit after `last_month`, and the account's registration cancelled.

    A `last_month` before the first month ends an agreement that never debited (signed up, then
    withdrawn before the first debit), which is why it is not refused here."""
    actor.require_edit()
    month = customer_rules.month(last_month, "최종이체년월")
    try:
        with db.session() as s:
            agreement, customer = _agreement_for(s, actor, agreement_id)
            if agreement.status is not AgreementStatus.ACTIVE:
                raise ConflictError("이미 해지된 이체정보입니다.")
            if agreement.version_id != version_id:
                raise ConflictError(STALE_MESSAGE)
            open_requests = s.scalar(select(func.count()).select_from(DebitRequest).where(
                DebitRequest.agreement_id == agreement_id, DebitRequest.state.in_(OPEN_REQUEST_STATES)))
            if open_requests:
                raise ConflictError("이체의뢰대기 또는 이체의뢰중인 건이 있어 해지할 수 없습니다. "
                                    "의뢰를 취소하거나 결과를 받은 뒤 해지하세요.")
            agreement.status = AgreementStatus.ENDED
            agreement.last_month = month
            agreement.ended_on = today
            queued = _retire(s, actor, agreement, customer.contract_id, today)
            s.flush()
            return SavedAgreement(agreement.id, (), tuple(queued))
    except StaleDataError:
        raise ConflictError(STALE_MESSAGE) from None


def bank_choices() -> list[tuple[str, str]]:
    """('004', '004 KB국민은행') for the bank combo, in code order."""
    return [(code, f"{code} {name}") for code, name in sorted(BANK_NAMES.items())]
