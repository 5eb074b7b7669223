"""A realistic academy to practise on: one contract, three items, a few hundred families.

Seeded, so the same command always makes the same academy (relative to today's date).

All or nothing: the institution, its administrator, the data key and every customer are written in
one transaction. A demo that fails or is killed half-way leaves the database as empty as it was, so
``demo-data --if-empty`` (which looks for an institution) makes the demo next time instead of
keeping half of one. The size is bounded (`MAX_CUSTOMERS`) because that one transaction holds every
row it writes until the end.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import Database
from app.models import (
    AccountRegistration,
    CollectionItem,
    Contract,
    Customer,
    CustomerType,
    DebitAgreement,
    RegistrationKind,
    RegistrationState,
)
from app.services import setup
from app.services.crypto import DataKey
from app.services.errors import ServiceError

DEMO_PASSPHRASE = "demo-passphrase"
DEMO_CODE = "9900012345"
DEMO_ADMIN_BIRTH = "800101"
SEED = 2026

SURNAMES = "김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진나엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모남궁"
GIVEN_FIRST = "민서지하도예시주수현준은윤채유다건우승연태성재가세아소영진혜"
GIVEN_SECOND = "준우서윤호현민아연진원빈율희은수영후린나경훈혁찬별솔"
GRADES = ("초등1", "초등2", "초등3", "초등4", "초등5", "초등6", "중등1", "중등2", "중등3")
BANK_WEIGHTS = (("004", 20), ("088", 18), ("020", 14), ("081", 12), ("011", 12), ("003", 8), ("090", 6),
                ("071", 3), ("045", 3), ("032", 2), ("023", 2))
ACCOUNT_LENGTHS = {"004": 14, "088": 12, "020": 13, "081": 14, "011": 13, "003": 14, "090": 13, "071": 14,
                   "045": 13, "032": 12, "023": 11}
REGIONS = ("서울 강남구", "서울 서초구", "서울 송파구", "경기 성남시", "경기 용인시")
STREETS = ("테헤란로", "도곡로", "남부순환로", "양재대로", "언주로", "선릉로", "역삼로")
FAILED_REASONS = ("0012", "0014", "0031")

MIN_CUSTOMERS = 1
MAX_CUSTOMERS = 5_000
"""A large academy has a few thousand students; 5,000 fills every list, page and bank file a
clerk would practise on, in about a minute and one transaction. More would only hold a long
transaction (and the memory of every row in it) for a demo."""


@dataclass(frozen=True)
class DemoResult:
    institution_code: str
    customers: int
    admin_login_id: str
    admin_birth_date: str


def existing_code(db: Database) -> str:
    with db.session() as s:
        return s.scalar(select(Contract.institution_code).order_by(Contract.id).limit(1)) or ""


def _name(rng: random.Random, surname: str | None = None) -> str:
    return (surname or rng.choice(SURNAMES[:40])) + rng.choice(GIVEN_FIRST) + rng.choice(GIVEN_SECOND)


def _phone(rng: random.Random) -> str:
    return f"010-{rng.randint(2000, 9999)}-{rng.randint(0, 9999):04d}"


def _month(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _months_before(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def check_customers(customers: int) -> None:
    """Refuse a demo size outside MIN_CUSTOMERS … MAX_CUSTOMERS (a negative one made an empty academy)."""
    if isinstance(customers, bool) or not isinstance(customers, int) or not MIN_CUSTOMERS <= customers <= MAX_CUSTOMERS:
        raise ServiceError(f"데모 고객 수는 {MIN_CUSTOMERS}명부터 {MAX_CUSTOMERS:,}명까지입니다: {customers!r}")


def create(db: Database, *, passphrase: str = DEMO_PASSPHRASE, customers: int = 300,
           today: date | None = None) -> DemoResult:
    """Make the demo academy in an empty database, setup and customers in one unit of work."""
    check_customers(customers)
    today = today or date.today()
    with db.session() as s:
        _create_in(s, passphrase, customers, today)
    return DemoResult(DEMO_CODE, customers, "admin", DEMO_ADMIN_BIRTH)


def _create_in(s: Session, passphrase: str, customers: int, today: date) -> None:
    """Everything of the demo inside the caller's transaction (`create` commits or rolls it back)."""
    key = setup.initialize_in(
        s,
        setup.SetupForm(
            institution_name="해오름수학학원",
            institution_code=DEMO_CODE,
            business_no="1248100998",
            representative="김해오",
            settlement_bank_code="088",
            settlement_account_no="140012345678",
            passbook_text="해오름학원",
            admin_login_id="admin",
            admin_name="김원장",
            admin_birth_date=DEMO_ADMIN_BIRTH,
            passphrase=passphrase,
        ),
    )
    rng = random.Random(SEED)
    contract = s.scalar(select(Contract).where(Contract.institution_code == DEMO_CODE))
    assert contract is not None
    contract.fee_per_debit, contract.fee_per_registration = 300, 200
    items = [
        CollectionItem(contract_id=contract.id, code="A01", name="수강료", collection_days="5,15,25"),
        CollectionItem(contract_id=contract.id, code="A02", name="교재비", collection_days="5,25"),
        CollectionItem(contract_id=contract.id, code="A03", name="차량비", collection_days="25"),
    ]
    s.add_all(items)
    s.flush()
    for number in range(1, customers + 1):
        _customer(s, rng, key, contract.id, items, number, today)


def _customer(s, rng: random.Random, key: DataKey, contract_id: int, items: list[CollectionItem],  # type: ignore[no-untyped-def]
              number: int, today: date) -> None:
    surname = rng.choice(SURNAMES[:40])
    parent = _name(rng, surname)
    joined = today - timedelta(days=rng.randint(20, 900))
    street = rng.choice(STREETS)
    customer = Customer(
        contract_id=contract_id,
        customer_no=f"2024{number:05d}",
        name=_name(rng, surname),
        customer_type=CustomerType.PERSON,
        grade=rng.choice(GRADES),
        representative=parent,
        mobile=_phone(rng),
        phone=f"02-{rng.randint(500, 599)}-{rng.randint(0, 9999):04d}" if rng.random() < 0.3 else None,
        email=f"parent{number:04d}@example.kr" if rng.random() < 0.5 else None,
        joined_on=joined,
        region=rng.choice(REGIONS),
        postal_code=f"06{rng.randint(100, 999)}",
        address=f"{rng.choice(REGIONS)} {street} {rng.randint(1, 500)}",
        address_detail=f"{rng.randint(101, 120)}동 {rng.randint(1, 25)}{rng.randint(1, 4):02d}호",
    )
    s.add(customer)
    s.flush()
    bank = rng.choices([b for b, _ in BANK_WEIGHTS], weights=[w for _, w in BANK_WEIGHTS])[0]
    account = "".join(str(rng.randint(0, 9)) for _ in range(ACCOUNT_LENGTHS[bank]))
    holder_id = f"{rng.randint(72, 90):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    first = _months_before(joined, -1) if joined.day > 20 else date(joined.year, joined.month, 1)
    chosen = [items[0]] + ([items[1]] if rng.random() < 0.45 else []) + ([items[2]] if rng.random() < 0.3 else [])
    sibling_discount = rng.random() < 0.12
    for item in chosen:
        monthly = {"A01": rng.randrange(250_000, 460_000, 10_000), "A02": rng.choice((30_000, 40_000, 50_000)),
                   "A03": 60_000}[item.code]
        rate = 10 if sibling_discount and item.code == "A01" else 0
        agreement = DebitAgreement(
            customer_id=customer.id,
            item_id=item.id,
            debit_limit=(monthly // 100_000 + 1) * 100_000 + 100_000,
            monthly_amount=monthly,
            discount_rate=rate,
            discount_amount=monthly * rate // 100,
            first_month=_month(first),
            debit_day=rng.choice(item.day_list),
            bank_code=bank,
            account_no_enc=key.encrypt(account, "account_no"),
            account_no_hash=key.blind_index(account, "account_no"),
            account_last4=account[-4:],
            holder_name=parent,
            holder_id=holder_id,
            manager_name="김원장",
            registrant="admin",
        )
        s.add(agreement)
        s.flush()
        recent = (today - joined).days < 3
        failed = not recent and rng.random() < 0.02
        state = RegistrationState.WAITING if recent else RegistrationState.FAILED if failed else RegistrationState.DONE
        s.add(
            AccountRegistration(
                contract_id=contract_id,
                agreement_id=agreement.id,
                kind=RegistrationKind.NEW,
                state=state,
                bank_code=bank,
                account_no_enc=key.encrypt(account, "account_no"),
                account_last4=account[-4:],
                holder_id=holder_id,
                requested_on=joined,
                reason_code=rng.choice(FAILED_REASONS) if failed else None,
                result_at=None if recent else datetime.combine(joined + timedelta(days=1), datetime.min.time(), UTC),
                created_by="admin",
            )
        )
