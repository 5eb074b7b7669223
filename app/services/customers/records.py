"""고객관리: the customer list (paged, sorted, searched on the server), a customer's record and detail.

The list must open at once over 100,000 customers, so it is never loaded whole: `list_page` returns
one page of rows ordered by an indexed column and `count_customers` the total for the footer. A page
is built in three small queries (the page of customers, then the agreements and the latest account
registrations of just those customers), never a join that multiplies rows before the LIMIT.

Personal numbers: resident and account numbers are stored only encrypted, with a mask beside them;
searching by account number hashes the typed digits with the data key (blind index) and compares
with `account_no_hash`, so no row is decrypted to search. Only an administrator sees a full number
(`reveal_personal_data`), one customer at a time, and each time is written to the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.exc import StaleDataError

from app.database.engine import Database
from app.models import (
    AccountRegistration,
    AgreementStatus,
    CollectionItem,
    Customer,
    CustomerType,
    DebitAgreement,
    RegistrationState,
)
from app.services.common import audit, validation
from app.services.common.access import contract_for, customer_for
from app.services.common.crypto import NO_KEY_MESSAGE, DataKey
from app.services.common.errors import ConflictError, ServiceError
from app.services.common.masking import masked_last4
from app.services.common.search import like_escape as _like_escape
from app.services.common.session import Actor
from app.services.common.validation import ValidationError
from app.services.customers import rules as customer_rules
from app.services.customers.rules import CustomerForm, CustomerValues
from app.services.exchange.cms.banks import bank_name

STALE_MESSAGE = (
    "다른 사용자가 먼저 이 고객 정보를 수정했습니다. 저장하지 않았습니다. "
    "창을 닫고 고객을 다시 연 뒤 수정하세요."
)
PAGE_SIZE = 200

# Sort keys the list offers: each is an indexed column of `customer` (see migration 0002).
SORT_COLUMNS = {
    "customer_no": Customer.customer_no,
    "name": Customer.name,
    "customer_type": Customer.customer_type,
    "grade": Customer.grade,
    "mobile": Customer.mobile,
    "joined_on": Customer.joined_on,
}

# Which registration state a customer shows when its agreements differ: what needs the clerk first.
STATE_PRIORITY = (RegistrationState.FAILED, RegistrationState.WAITING, RegistrationState.SENT, RegistrationState.DONE)


@dataclass(frozen=True)
class CustomerQuery:
    """What the list shows: a search text, filters and the sort; shared with the Excel export."""

    search: str = ""
    customer_type: CustomerType | None = None
    grade: str | None = None
    item_id: int | None = None
    registration_state: RegistrationState | None = None
    include_inactive: bool = False
    sort: str = "customer_no"
    descending: bool = False


@dataclass(frozen=True)
class CustomerListRow:
    id: int
    customer_no: str
    name: str
    customer_type: CustomerType
    grade: str
    mobile: str
    items: str
    banks: str
    accounts_masked: str
    monthly_total: int
    registration_state: RegistrationState | None
    joined_on: date | None
    active: bool
    resident_masked: str = ""
    business_no: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    agreement_ids: tuple[int, ...] = field(default=())


@dataclass(frozen=True)
class SavedCustomer:
    id: int
    customer_no: str
    warnings: tuple[str, ...] = ()


# --- the list ---------------------------------------------------------------------------------


def _customers_in_state(contract_id: int, states: Iterable[RegistrationState]) -> Select:
    """Customers with an active agreement whose latest live registration is in one of `states`.

    "Latest" is said as "no newer live registration of the same agreement", which lets the
    database start from the (contract, state) index: a rare state such as FAILED touches few rows.
    """
    newer = aliased(AccountRegistration)
    return (
        select(DebitAgreement.customer_id)
        .join(AccountRegistration, AccountRegistration.agreement_id == DebitAgreement.id)
        .where(
            AccountRegistration.contract_id == contract_id,
            AccountRegistration.state.in_(list(states)),
            DebitAgreement.status == AgreementStatus.ACTIVE,
            ~exists().where(
                newer.agreement_id == AccountRegistration.agreement_id,
                newer.id > AccountRegistration.id,
                newer.state != RegistrationState.WITHDRAWN,
            ),
        )
    )


def _phone_conditions(digits: str) -> list[ColumnElement[bool]]:
    """Phones are stored hyphenated (010-1234-5678), so typed digits are matched in that form:
    a whole number exactly, the last four ('%-5678') or the last seven or eight ('%1234-5678')."""
    try:
        whole = validation.phone(digits, required=False)
    except ValidationError:
        whole = ""
    if whole:
        return [Customer.mobile == whole, Customer.phone == whole]
    if len(digits) == 4:
        pattern = f"%-{digits}"
    elif len(digits) in (7, 8):
        pattern = f"%{digits[:-4]}-{digits[-4:]}"
    else:
        return []
    return [Customer.mobile.like(pattern), Customer.phone.like(pattern)]


def _search_condition(text: str, data_key: DataKey | None) -> ColumnElement[bool]:
    """Customer number (exact or prefix), name (contains), phone or mobile, account (blind index).

    Digits-only input is not looked for in names, and an account number is compared by its keyed
    hash alone, so a search for an account walks indexes instead of every row.
    """
    conditions: list[ColumnElement[bool]] = [Customer.customer_no == text]
    if text.isascii():
        conditions.append(Customer.customer_no.like(f"{_like_escape(text)}%", escape="\\"))
    digits = "".join(ch for ch in text if ch not in "- .")
    numeric = digits.isascii() and digits.isdigit()
    if not numeric:
        conditions.append(Customer.name.like(f"%{_like_escape(text)}%", escape="\\"))
    else:
        conditions += _phone_conditions(digits)
        if 6 <= len(digits) <= 16 and data_key is not None:
            account_hash = data_key.blind_index(digits, "account_no")
            conditions.append(
                Customer.id.in_(select(DebitAgreement.customer_id).where(DebitAgreement.account_no_hash == account_hash))
            )
    return or_(*conditions)


def _filtered(stmt: Select, contract_id: int, query: CustomerQuery, data_key: DataKey | None) -> Select:
    stmt = stmt.where(Customer.contract_id == contract_id)
    if not query.include_inactive:
        stmt = stmt.where(Customer.active.is_(True))
    if query.customer_type is not None:
        stmt = stmt.where(Customer.customer_type == query.customer_type)
    if query.grade:
        stmt = stmt.where(Customer.grade == query.grade)
    if query.item_id is not None:
        stmt = stmt.where(
            exists().where(
                DebitAgreement.customer_id == Customer.id,
                DebitAgreement.item_id == query.item_id,
                DebitAgreement.status == AgreementStatus.ACTIVE,
            )
        )
    if query.registration_state is not None:
        state = query.registration_state
        stmt = stmt.where(Customer.id.in_(_customers_in_state(contract_id, [state])))
        if state in STATE_PRIORITY:
            before = STATE_PRIORITY[: STATE_PRIORITY.index(state)]
            if before:  # shown as the more urgent state, so not listed under this one
                stmt = stmt.where(Customer.id.not_in(_customers_in_state(contract_id, before)))
    text = query.search.strip()
    if text:
        stmt = stmt.where(_search_condition(text, data_key))
    return stmt


def count_customers(db: Database, actor: Actor, contract_id: int, query: CustomerQuery,
                    data_key: DataKey | None = None) -> int:
    """The footer's 총 N명: one COUNT over the same conditions as the list."""
    with db.session() as s:
        contract_for(s, actor, contract_id)
        return int(s.scalar(_filtered(select(func.count(Customer.id)), contract_id, query, data_key)) or 0)


def _ordered(stmt: Select, query: CustomerQuery) -> Select:
    column = SORT_COLUMNS.get(query.sort, Customer.customer_no)
    if query.descending:
        return stmt.order_by(column.desc(), Customer.id.desc())
    return stmt.order_by(column.asc(), Customer.id.asc())


def list_page(db: Database, actor: Actor, contract_id: int, query: CustomerQuery, *, offset: int = 0,
              limit: int = PAGE_SIZE, data_key: DataKey | None = None) -> list[CustomerListRow]:
    """One page of the list, `limit` rows from `offset`, in the query's order."""
    with db.session() as s:
        contract_for(s, actor, contract_id)
        stmt = _ordered(_filtered(select(Customer), contract_id, query, data_key), query)
        customers = list(s.scalars(stmt.offset(offset).limit(limit)))
        return rows_for(s, customers)


def rows_for(s: Session, customers: Sequence[Customer]) -> list[CustomerListRow]:
    """List rows for these customers, with their agreements summed up (two queries for the page)."""
    ids = [c.id for c in customers]
    by_customer: dict[int, list[tuple[DebitAgreement, str]]] = {i: [] for i in ids}
    states: dict[int, RegistrationState] = {}
    if ids:
        agreement_rows = s.execute(
            select(DebitAgreement, CollectionItem.name)
            .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
            .where(DebitAgreement.customer_id.in_(ids), DebitAgreement.status == AgreementStatus.ACTIVE)
            .order_by(DebitAgreement.customer_id, CollectionItem.code)
        ).all()
        for agreement, item_name in agreement_rows:
            by_customer[agreement.customer_id].append((agreement, item_name))
        agreement_ids = [a.id for a, _ in agreement_rows]
        if agreement_ids:
            latest = (
                select(func.max(AccountRegistration.id))
                .where(AccountRegistration.agreement_id.in_(agreement_ids),
                       AccountRegistration.state != RegistrationState.WITHDRAWN)
                .group_by(AccountRegistration.agreement_id)
            )
            for agreement_id, state in s.execute(
                select(AccountRegistration.agreement_id, AccountRegistration.state).where(AccountRegistration.id.in_(latest))
            ):
                states[agreement_id] = state
    rows = []
    for c in customers:
        agreements = by_customer[c.id]
        found = {states[a.id] for a, _ in agreements if a.id in states}
        shown = next((st for st in STATE_PRIORITY if st in found), None)
        rows.append(
            CustomerListRow(
                id=c.id,
                customer_no=c.customer_no,
                name=c.name,
                customer_type=c.customer_type,
                grade=c.grade or "",
                mobile=c.mobile or "",
                items=", ".join(name for _, name in agreements),
                banks=", ".join(dict.fromkeys(bank_name(a.bank_code) for a, _ in agreements)),
                accounts_masked=", ".join(dict.fromkeys(masked_last4(a.account_last4) for a, _ in agreements)),
                monthly_total=sum(a.monthly_amount for a, _ in agreements),
                registration_state=shown,
                joined_on=c.joined_on,
                active=c.active,
                resident_masked=c.resident_no_masked or "",
                business_no=c.business_no or "",
                phone=c.phone or "",
                email=c.email or "",
                address=" ".join(p for p in (c.address, c.address_detail) if p),
                agreement_ids=tuple(a.id for a, _ in agreements),
            )
        )
    return rows


@dataclass(frozen=True)
class FilterOptions:
    grades: list[str]
    items: list[tuple[int, str]]


def filter_options(db: Database, actor: Actor, contract_id: int) -> FilterOptions:
    """The grades in use and the contract's items, for the list's filters and the dialog's combo."""
    with db.session() as s:
        contract_for(s, actor, contract_id)
        grades = s.scalars(
            select(Customer.grade).where(Customer.contract_id == contract_id, Customer.grade.is_not(None))
            .group_by(Customer.grade).order_by(Customer.grade)
        ).all()
        items = s.execute(
            select(CollectionItem.id, CollectionItem.name).where(CollectionItem.contract_id == contract_id)
            .order_by(CollectionItem.code)
        ).all()
        return FilterOptions([g for g in grades if g], [(i, n) for i, n in items])


# --- one customer -----------------------------------------------------------------------------


def suggest_customer_no(db: Database, actor: Actor, contract_id: int) -> str:
    """The number after the newest one when it ends in digits ('202400123' → '202400124'), else ''.

    Only a suggestion: numbers are never reused, and the clerk may type any free number."""
    with db.session() as s:
        contract_for(s, actor, contract_id)
        last = s.scalar(select(Customer.customer_no).where(Customer.contract_id == contract_id)
                        .order_by(Customer.id.desc()).limit(1))
        if not last:
            return ""
        head = last.rstrip("0123456789")
        tail = last[len(head):]
        if not tail:
            return ""
        candidate = f"{head}{int(tail) + 1:0{len(tail)}d}"
        if len(candidate) > customer_rules.CUSTOMER_NO_MAX or _number_taken(s, contract_id, candidate):
            return ""
        return candidate


def _number_taken(s: Session, contract_id: int, number: str) -> bool:
    return bool(s.scalar(select(func.count()).select_from(Customer).where(
        Customer.contract_id == contract_id, Customer.customer_no == number)))


def _apply(customer: Customer, values: CustomerValues, data_key: DataKey | None, *, keep_resident: bool) -> None:
    """Copy validated values onto the row; the resident number only ever goes in encrypted."""
    for name in ("name", "customer_type", "grade", "business_no", "representative", "phone", "mobile", "email",
                 "industry", "joined_on", "region", "postal_code", "address", "address_detail", "memo",
                 "student_name", "student_birth_date"):
        setattr(customer, name, getattr(values, name))
    if values.customer_type is CustomerType.BUSINESS:
        customer.resident_no_enc, customer.resident_no_masked = None, None
        return
    customer.business_no = None
    if values.resident is None:
        if not keep_resident:
            customer.resident_no_enc, customer.resident_no_masked = None, None
        return
    if values.resident.full is not None:
        if data_key is None:
            raise ServiceError(NO_KEY_MESSAGE)
        customer.resident_no_enc = data_key.encrypt(values.resident.full, "resident_no")
    else:  # a birth date only: nothing secret to keep
        customer.resident_no_enc = None
    customer.resident_no_masked = values.resident.masked


def create_customer(db: Database, actor: Actor, contract_id: int, form: CustomerForm,
                    data_key: DataKey | None, *, today: date | None = None) -> SavedCustomer:
    """신규등록. A customer number is unique in its contract forever (rows are never deleted).

    `today` decides which birth dates are in the future (the screen's clock; the system date when None)."""
    actor.require_edit()
    values = customer_rules.validate_customer(form, today=today)
    try:
        with db.session() as s:
            contract_for(s, actor, contract_id)
            if _number_taken(s, contract_id, values.customer_no):
                raise ConflictError(f"고객번호 {values.customer_no}은(는) 이미 있습니다 (사용중지된 고객 포함). 다른 번호를 쓰세요.")
            customer = Customer(contract_id=contract_id, customer_no=values.customer_no)
            _apply(customer, values, data_key, keep_resident=False)
            s.add(customer)
            s.flush()
            return SavedCustomer(customer.id, customer.customer_no, values.warnings)
    except IntegrityError:
        raise ConflictError(f"고객번호 {values.customer_no}은(는) 방금 다른 사용자가 등록했습니다. 다른 번호를 쓰세요.") from None


def update_customer(db: Database, actor: Actor, customer_id: int, form: CustomerForm, *, version_id: int,
                    data_key: DataKey | None, today: date | None = None) -> SavedCustomer:
    """수정, with optimistic locking: saving over someone else's newer save is refused.

    The customer number cannot change (it is the 납부자번호 the bank registered). An empty resident
    number field keeps the stored one; six digits replace it by a birth date only.
    """
    actor.require_edit()
    try:
        with db.session() as s:
            customer = customer_for(s, actor, customer_id)
            values = customer_rules.validate_customer({**form.__dict__, "customer_no": customer.customer_no},
                                                      today=today)
            if customer.version_id != version_id:
                raise ConflictError(STALE_MESSAGE)
            _apply(customer, values, data_key, keep_resident=True)
            s.flush()
            return SavedCustomer(customer.id, customer.customer_no, values.warnings)
    except StaleDataError:
        raise ConflictError(STALE_MESSAGE) from None


def set_active(db: Database, actor: Actor, customer_id: int, active: bool, *, version_id: int) -> None:
    """사용중지 instead of deleting: the number stays taken and the history stays readable."""
    actor.require_edit()
    try:
        with db.session() as s:
            customer = customer_for(s, actor, customer_id)
            if customer.version_id != version_id:
                raise ConflictError(STALE_MESSAGE)
            if not active:
                live = s.scalar(select(func.count()).select_from(DebitAgreement).where(
                    DebitAgreement.customer_id == customer_id, DebitAgreement.status == AgreementStatus.ACTIVE))
                if live:
                    raise ConflictError("사용 중인 이체정보가 있습니다. 이체정보를 먼저 해지한 뒤 사용중지하세요.")
            customer.active = active
    except StaleDataError:
        raise ConflictError(STALE_MESSAGE) from None


@dataclass(frozen=True)
class CustomerDetail:
    """고객 상세정보: the record with masked numbers, its agreements and its history."""

    id: int
    contract_id: int
    customer_no: str
    name: str
    customer_type: CustomerType
    grade: str
    resident_masked: str
    has_full_resident: bool
    business_no: str
    representative: str
    phone: str
    mobile: str
    email: str
    industry: str
    joined_on: date | None
    region: str
    postal_code: str
    address: str
    address_detail: str
    memo: str
    active: bool
    version_id: int
    agreements: tuple[Any, ...] = ()  # agreements.AgreementRow
    history: tuple[Any, ...] = ()  # agreements.HistoryRow
    student_name: str = ""  # 학원: the student when not the payer
    student_birth_date: date | None = None

    def form(self) -> CustomerForm:
        """The edit dialog's starting values; the resident field starts empty (= keep the stored one)."""
        return CustomerForm(
            customer_no=self.customer_no, name=self.name, customer_type=self.customer_type, grade=self.grade,
            resident_no="", business_no=self.business_no, representative=self.representative, phone=self.phone,
            mobile=self.mobile, email=self.email, industry=self.industry, joined_on=self.joined_on,
            region=self.region, postal_code=self.postal_code, address=self.address,
            address_detail=self.address_detail, memo=self.memo, student_name=self.student_name,
            student_birth_date=self.student_birth_date,
        )


def get_customer_detail(db: Database, actor: Actor, customer_id: int) -> CustomerDetail:
    # Imported here: agreements builds on this module's access checks, so it imports us first.
    from app.services.customers.agreements import agreement_rows, history_rows

    with db.session() as s:
        c = customer_for(s, actor, customer_id)
        return CustomerDetail(
            id=c.id, contract_id=c.contract_id, customer_no=c.customer_no, name=c.name, customer_type=c.customer_type,
            grade=c.grade or "", resident_masked=c.resident_no_masked or "", has_full_resident=c.resident_no_enc is not None,
            business_no=c.business_no or "", representative=c.representative or "", phone=c.phone or "",
            mobile=c.mobile or "", email=c.email or "", industry=c.industry or "", joined_on=c.joined_on,
            region=c.region or "", postal_code=c.postal_code or "", address=c.address or "",
            address_detail=c.address_detail or "", memo=c.memo or "", active=c.active, version_id=c.version_id,
            agreements=tuple(agreement_rows(s, c.id)), history=tuple(history_rows(s, c.id)),
            student_name=c.student_name or "", student_birth_date=c.student_birth_date,
        )


@dataclass(frozen=True)
class RevealedNumbers:
    """Full numbers of one customer, for an administrator's eyes only; never logged or stored."""

    customer_no: str
    resident_no: str | None
    accounts: dict[int, str] = field(repr=False, default_factory=dict)  # agreement id → digits

    def __repr__(self) -> str:  # a traceback or log line must not carry the numbers
        return f"RevealedNumbers(customer_no={self.customer_no!r}, accounts={len(self.accounts)})"


def reveal_personal_data(db: Database, actor: Actor, customer_id: int, data_key: DataKey | None) -> RevealedNumbers:
    """개인정보 보기 (관리자 only): one customer's full resident and account numbers, audited."""
    actor.require_admin()
    if data_key is None:
        raise ServiceError(NO_KEY_MESSAGE)
    with db.session() as s:
        customer = customer_for(s, actor, customer_id)
        resident = data_key.decrypt(customer.resident_no_enc, "resident_no") if customer.resident_no_enc else None
        agreements = s.scalars(select(DebitAgreement).where(DebitAgreement.customer_id == customer_id)).all()
        accounts = {a.id: data_key.decrypt(a.account_no_enc, "account_no") for a in agreements}
        audit.record(s, "personal_data_revealed", actor=actor, target=customer.customer_no,
                     detail={"resident_no": resident is not None, "accounts": len(accounts)})
        return RevealedNumbers(customer.customer_no, resident, accounts)

