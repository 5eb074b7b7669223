"""Small builders of realistic rows for tests; deterministic, no randomness."""

from __future__ import annotations

from dataclasses import dataclass

from app.database.engine import Database
from app.models import CollectionItem, Contract, Institution, Role
from app.services.common.session import Actor
from app.services.settings import users as auth

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
