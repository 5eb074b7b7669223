"""First start: the institution, its first contract, the first administrator and the data key, in one go."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import Contract, Institution, User
from app.services.common import keys, passwords
from app.services.common.crypto import DataKey
from app.services.common.errors import ServiceError
from app.services.common.session import Actor
from app.services.settings import contracts
from app.services.settings import users as auth


@dataclass
class SetupForm:
    institution_name: str
    institution_code: str
    business_no: str
    representative: str
    settlement_bank_code: str
    settlement_account_no: str
    passbook_text: str
    admin_login_id: str
    admin_name: str
    admin_birth_date: str
    passphrase: str
    admin_password: str = passwords.INITIAL_PASSWORD


def is_initialized(db: Database) -> bool:
    with db.session() as s:
        return s.scalar(select(Institution.id).limit(1)) is not None


def initialize(db: Database, form: SetupForm) -> DataKey:
    """All or nothing: a half-made installation (an admin without a key, say) is never left behind."""
    with db.session() as s:
        return initialize_in(s, form)


def is_database_error(error: BaseException) -> bool:
    """Whether `error` came from the database itself (a write refused, the server gone) rather than
    from a rule: setup describes it as a connection problem instead of a refusal."""
    return isinstance(error, SQLAlchemyError)


def first_admin(db: Database, form: SetupForm) -> Actor:
    """The administrator `initialize` made from `form`, as the actor of what setup writes next (the
    relay choice, pinned by them). No password is asked: the caller has just created this user."""
    with db.session() as s:
        admin = s.scalars(select(User).where(User.login_id == form.admin_login_id)).one()
        return Actor(admin.id, admin.institution_id, admin.login_id, admin.name, admin.role)


def initialize_in(s: Session, form: SetupForm) -> DataKey:
    """`initialize` inside the caller's unit of work, so demo data can be one transaction with it."""
    values = contracts.validate_contract(
        contracts.ContractForm(
            institution_code=form.institution_code,
            name=form.institution_name,
            business_no=form.business_no,
            representative=form.representative,
            settlement_bank_code=form.settlement_bank_code,
            settlement_account_no=form.settlement_account_no,
            passbook_text=form.passbook_text,
        )
    )
    if s.scalar(select(Institution.id).limit(1)) is not None:
        raise ServiceError("이미 초기 설정이 끝난 데이터베이스입니다.")
    institution = Institution(
        name=str(values["name"]), business_no=str(values["business_no"]), representative=str(values["representative"])
    )
    s.add(institution)
    s.flush()
    s.add(Contract(institution_id=institution.id, **values))
    auth.create_first_admin(
        s, institution, form.admin_login_id, form.admin_name, form.admin_birth_date, form.admin_password
    )
    return keys.create_data_key(s, form.passphrase)
