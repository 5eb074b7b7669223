"""Small builders of realistic rows for tests: the office, its users, payers; deterministic, no randomness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select

from app.database.engine import Database
from app.models import (
    AccountRegistration,
    CollectionItem,
    Contract,
    Customer,
    DebitAgreement,
    EvidenceState,
    Institution,
    RegistrationKind,
    RegistrationState,
    Role,
)
from app.services.common.calendar import seoul_datetime
from app.services.common.crypto import DataKey
from app.services.common.session import Actor
from app.services.settings import users as auth
from tests.evidence_support import give_evidence

ADMIN_PASSWORD = "admin1234"
ADMIN_BIRTH = "800101"
INSTITUTION_CODE = "9912345678"
BUSINESS_NO = "1248100998"  # a valid 사업자등록번호 (check digit correct)


@dataclass
class Office:
    db: Database
    institution_id: int
    contract_id: int
    admin: Actor
    institution_code: str = INSTITUTION_CODE


def make_office(db: Database, *, institution_code: str = INSTITUTION_CODE) -> Office:
    with db.session() as s:
        inst = Institution(name="해오름수학학원", business_no=BUSINESS_NO, representative="김해오")
        s.add(inst)
        s.flush()
        contract = Contract(
            institution_id=inst.id,
            institution_code=institution_code,
            name="해오름수학학원",
            business_no=BUSINESS_NO,
            representative="김해오",
            settlement_bank_code="088",
            settlement_account_no="110123456789",
            passbook_text="해오름학원",
            fee_per_debit=300,
            fee_per_registration=200,
            debit_days="5,15,25",
        )
        s.add(contract)
        s.flush()
        for code, name in (("A01", "수강료"), ("A02", "교재비"), ("A03", "차량비")):
            s.add(CollectionItem(contract_id=contract.id, code=code, name=name, collection_days="5,25"))
        user = auth.create_first_admin(s, inst, "admin", "관리자", ADMIN_BIRTH, ADMIN_PASSWORD)
        user.must_change_password = False
        actor = Actor(user.id, inst.id, user.login_id, user.name, Role.ADMIN)
        return Office(db, inst.id, contract.id, actor, institution_code)


def add_user(office: Office, login_id: str, role: Role, *, password: str = "clerk1234", birth: str = "900505") -> Actor:
    user_id = auth.create_user(
        office.db, office.admin, login_id, auth.UserForm(name=f"{login_id} 담당", role=role, birth_date=birth), password
    )
    with office.db.session() as s:
        from app.models import User

        user = s.get(User, user_id)
        assert user is not None
        user.must_change_password = False
    return Actor(user_id, office.institution_id, login_id, f"{login_id} 담당", role)


@dataclass(frozen=True)
class Payer:
    customer_id: int
    agreement_id: int
    customer_no: str
    name: str
    account: str


QUEUED_AT = seoul_datetime(date(2026, 1, 5), time(10, 0))  # when a registration forced to a state was queued


class _Unsaid:
    """The default of a parameter whose None means something (no grade, no registration, no evidence)."""


UNSAID: Any = _Unsaid()


@dataclass(frozen=True)
class PayerStyle:
    """What a folder of tests means by "a payer" when a call leaves something out.

    Customers and agreements are inserted with the models (the customer screens have tests of their
    own). The folders grew three habits, each kept: the ledger tests' payer registered long ago under a
    made-up name (tests/collection/helpers.py), the screens' named payer of a 300,000원 course whose
    waiting 신규 carries its consent evidence (tests/collection_views/helpers.py), and the home tests'
    March payer whose registration is queued at a moment, as a new agreement queues one
    (tests/home/helpers.py). The rows themselves are made here only.
    """

    key: DataKey
    monthly: int
    day: int
    first: str
    grade: str | None
    account: str
    limit_times: int  # the 건당출금한도 when a call gives none: max(monthly × limit_times, limit_floor)
    limit_floor: int
    holder: str  # the 예금주, from "{name}"
    unnamed: str  # the customer's name when a call gives none, from "{no}"
    registration: RegistrationState | None
    created_by: str
    queue: bool = False  # registrations queued at a moment (created_at, requested_on), as the program does
    evidence: EvidenceState | None = None  # consent evidence given with a registration...
    evidence_only_waiting: bool = True  # ... only with a waiting one (else accepted evidence with any)
    rate_from_discount: bool = False  # 할인율 from the discount when a call gives none

    def add(
        self, db: Database, contract_id: int, customer_no: str, name: str | None = None, *,
        account: str | None = None, monthly: int | None = None, day: int | None = None, first: str | None = None,
        last: str | None = None, item: str = "A01", bank: str = "088",
        grade: str | None = UNSAID, limit: int | None = None, rate: int | None = None, discount: int = 0,
        registration: RegistrationState | None = UNSAID, reason_code: str | None = None,
        requested_on: date = date(2025, 12, 1), queued_at: datetime | None = None,
        evidence: EvidenceState | None = UNSAID,
    ) -> Payer:
        """A customer (or another item of an existing one) with an agreement and, unless None, its NEW registration."""
        account = account or self.account
        monthly = self.monthly if monthly is None else monthly
        if limit is None:
            limit = max(monthly * self.limit_times, self.limit_floor)
        if rate is None:
            rate = round(discount * 100 / monthly) if discount and self.rate_from_discount else 0
        with db.session() as s:
            item_id = s.scalar(select(CollectionItem.id).where(CollectionItem.contract_id == contract_id,
                                                               CollectionItem.code == item))
            customer = s.scalar(select(Customer).where(Customer.contract_id == contract_id,
                                                       Customer.customer_no == customer_no))
            if customer is None:
                customer = Customer(contract_id=contract_id, customer_no=customer_no,
                                    name=name or self.unnamed.format(no=customer_no),
                                    grade=self.grade if grade is UNSAID else grade)
                s.add(customer)
                s.flush()
            agreement = DebitAgreement(
                customer_id=customer.id, item_id=item_id, debit_limit=limit, monthly_amount=monthly,
                discount_rate=rate, discount_amount=discount, first_month=first or self.first,
                last_month=last, debit_day=self.day if day is None else day, bank_code=bank,
                account_no_enc=self.key.encrypt(account, "account_no"),
                account_no_hash=self.key.blind_index(account, "account_no"), account_last4=account[-4:],
                holder_name=self.holder.format(name=name) if name else "예금주", holder_id="800101",
            )
            s.add(agreement)
            s.flush()
            payer = Payer(customer.id, agreement.id, customer_no, name or "", account)
        state = self.registration if registration is UNSAID else registration
        evidence = self.evidence if evidence is UNSAID else evidence
        if self.queue:
            if state is not None or queued_at is not None:
                self.register(db, contract_id, payer, account, state=state or RegistrationState.WAITING,
                              at_=queued_at or QUEUED_AT, bank=bank, evidence=evidence)
        elif state is not None:
            self.register(db, contract_id, payer, account, state=state, requested_on=requested_on, bank=bank,
                          reason_code=reason_code, evidence=evidence)
        return payer

    def register(
        self, db: Database, contract_id: int, payer: Payer, account: str, *, state: RegistrationState,
        at_: datetime | None = None, requested_on: date | None = None, bank: str = "088",
        reason_code: str | None = None, evidence: EvidenceState | None = None,
    ) -> int:
        """A NEW registration of the payer's agreement (with its consent evidence, if any is given).

        Queued `at_` a moment, as a new agreement or 재신청 queues one, the agreement takes `account`
        and the registration that moment as its creation; otherwise it is dated `requested_on` only.
        The evidence goes with a waiting registration as the next cut-off's EI13 (a 신규 without it is
        held, issue 16); a registration in another state has accepted evidence on record."""
        if evidence is not None and (state is RegistrationState.WAITING or not self.evidence_only_waiting):
            given = evidence if state is RegistrationState.WAITING else EvidenceState.ACCEPTED
            give_evidence(db, self.key, [payer.agreement_id], state=given, at=at_)
        with db.session() as s:
            agreement = s.get(DebitAgreement, payer.agreement_id)
            assert agreement is not None
            if at_ is not None:
                agreement.account_no_enc = self.key.encrypt(account, "account_no")
                agreement.account_no_hash = self.key.blind_index(account, "account_no")
                agreement.account_last4 = account[-4:]
            stamps = {"created_at": at_, "updated_at": at_} if at_ is not None else {}
            reg = AccountRegistration(
                contract_id=contract_id, agreement_id=payer.agreement_id, kind=RegistrationKind.NEW, state=state,
                bank_code=bank, account_no_enc=agreement.account_no_enc, account_last4=account[-4:],
                holder_id="800101", requested_on=at_.date() if at_ is not None else requested_on,
                reason_code=reason_code, created_by=self.created_by, **stamps,
            )
            s.add(reg)
            s.flush()
            return reg.id
