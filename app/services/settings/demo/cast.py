"""Who lives in the demo academy: the families, their items and accounts, and the part each one plays.

Seeded, so the same size always gives the same families. The built-in bank simulator decides every
outcome by the account number's last four digits (app/services/exchange/relay/rules.py), so the part a
family plays is chosen here by choosing its account:

========  ==========  ===============================================================================
role      account     what the history does with it
========  ==========  ===============================================================================
founder   any other   registered before the first month, debited every month
chronic   …0021       registered; every debit fails 0021 잔액부족, the family pays in cash (one of
                      those receipts is entered wrongly and reversed by the administrator)
partial   …9021       registered; the contract allows 부분출금, so half is debited (P 0021), the rest
                      paid in cash
typo      …0012/0031  the first 계좌신청 is refused (계좌번호 오류 / 계좌해지); the clerk types the right
                      account the same afternoon and it is registered
change    any other   moves to another bank after the first month (해지 of the old account + 신규)
ends      any other   stops 교재비 after the second month (이체정보 해지)
discount  any other   gets a 10 % sibling discount through 할인관리 in the second month
joiner    any other   signs up during the months shown, first debit when its registration is in time
rejected  …0014       signs up two business days ago; the bank refused the account (예금주 불일치):
                      the clerk's work today
today     any other   signs up today; its 계좌신청 waits for the next cut-off
========  ==========  ===============================================================================

Every 이체정보 comes with the payer's signed consent form (출금동의 증빙), attached when it is made:
the EB13 takes a 신규 only once its EI13 was accepted. Small academies (``--customers`` below about
20) get only the parts there are families for.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from app.models import CustomerType
from app.services.customers.rules import CustomerForm
from app.services.exchange.relay.rules import rule_for_account
from app.services.settings.demo import academy

SEED = 2026

SURNAMES = ("김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주"
            "우구민진나엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모")
GIVEN_FIRST = "민서지하도예시주수현준은윤채유다건우승연태성재가세아소영진혜"
GIVEN_SECOND = "준우서윤호현민아연진원빈율희은수영후린나경훈혁찬별솔"
GRADES = ("초등1", "초등2", "초등3", "초등4", "초등5", "초등6", "중등1", "중등2", "중등3")
BANK_WEIGHTS = (("004", 20), ("088", 18), ("020", 14), ("081", 12), ("011", 12), ("003", 8), ("090", 6),
                ("071", 3), ("045", 3), ("032", 2), ("023", 2))
ACCOUNT_LENGTHS = {"004": 14, "088": 12, "020": 13, "081": 14, "011": 13, "003": 14, "090": 13, "071": 14,
                   "045": 13, "032": 12, "023": 11}
NH_BANK_HEADS = ("301", "302", "312", "317")
"""How NH농협은행's 13-digit accounts begin (the 지역 농·축협's begin 351, 352 …: app/services/exchange/cms/account_numbers.py)."""
REGIONS = ("서울 강남구", "서울 서초구", "서울 송파구", "경기 성남시", "경기 용인시")
STREETS = ("테헤란로", "도곡로", "남부순환로", "양재대로", "언주로", "선릉로", "역삼로")

TUITION, BOOKS, BUS = "A01", "A02", "A03"
ITEMS: tuple[tuple[str, str, str], ...] = ((TUITION, "수강료", "5,15,25"), (BOOKS, "교재비", "5,25"), (BUS, "차량비", "1"))
"""(catalogue code, name, debit days). 차량비 on the 1st gives each month an early debit date, so the
screens that open on "the 1st of this month to today" have rows from the first business days on."""
CONTRACT_DAYS = "1,5,15,25"

CHRONIC_SHARE = 0.015
"""About this share of the families have an account that is always short (잔액부족)."""
SIBLING_DISCOUNT = 10
"""형제 할인 (%), on 수강료: some families have it from the start, two get it through 할인관리."""


class Role(StrEnum):
    FOUNDER = "founder"
    CHRONIC = "chronic"
    PARTIAL = "partial"
    TYPO = "typo"
    CHANGE = "change"
    ENDS = "ends"
    DISCOUNT = "discount"
    JOINER = "joiner"
    REJECTED = "rejected"
    TODAY = "today"


@dataclass(frozen=True)
class Plan:
    """One 이체정보 a family signs: the item, the monthly amount, the day, the discount and the account.

    Each item of a family is paid from its own account. The banks register a (납부자번호, bank,
    account) once, while the program queues a 계좌신청 per 이체정보: today a second item on the same
    account is refused as 중복 신청 (A016) and never debited, and ending one item would cancel the
    registration the other relies on. Until the program registers per account, the demo does not
    show a case the next practice month could not debit.
    """

    item_code: str
    monthly: int
    day: int
    bank: str
    account: str
    discount_rate: int = 0

    @property
    def limit(self) -> int:
        """건당출금한도: the next 100,000 above the monthly amount, and 100,000 more for a carried month."""
        return (self.monthly // 100_000 + 1) * 100_000 + 100_000


@dataclass(frozen=True)
class Family:
    """A student, the parent who pays, the account, the items, and the family's part in the story."""

    number: int
    form: CustomerForm
    parent: str
    holder_id: str
    plans: tuple[Plan, ...]
    role: Role
    fixed_account: str = ""  # typo: the right account; change: the account at the new bank
    fixed_bank: str = ""

    @property
    def customer_no(self) -> str:
        return self.form.customer_no

    @property
    def days(self) -> frozenset[int]:
        return frozenset(p.day for p in self.plans)

    @property
    def founded(self) -> bool:
        """Registered before the first month shown (everyone but the families who join later)."""
        return self.role not in (Role.JOINER, Role.REJECTED, Role.TODAY)


def _name(rng: random.Random, surname: str) -> str:
    return surname + rng.choice(GIVEN_FIRST) + rng.choice(GIVEN_SECOND)


def _account(rng: random.Random, bank: str, ending: str | None = None) -> str:
    """A plausible number for the bank (its length in KFTC's numbering, NH농협은행's 13 digits opening
    with one of its own 과목 codes); `ending` forces the simulator outcome, else none is triggered."""
    length = ACCOUNT_LENGTHS[bank]
    while True:
        head = rng.choice(NH_BANK_HEADS) if bank == "011" else ""
        digits = head + "".join(str(rng.randint(0, 9)) for _ in range(length - len(head)))
        if ending is not None:
            return digits[: length - len(ending)] + ending
        if digits[0] != "0" and rule_for_account(digits) is None:
            return digits


def _bank(rng: random.Random) -> str:
    return rng.choices([b for b, _ in BANK_WEIGHTS], weights=[w for _, w in BANK_WEIGHTS])[0]


def _plan(rng: random.Random, item_code: str, monthly: int, day: int, discount_rate: int = 0) -> Plan:
    bank = _bank(rng)
    return Plan(item_code, monthly, day, bank, _account(rng, bank), discount_rate)


def _plans(rng: random.Random) -> tuple[Plan, ...]:
    tuition_day = rng.choice((5, 15, 25))
    plans = [_plan(rng, TUITION, rng.randrange(250_000, 460_000, 10_000), tuition_day,
                   SIBLING_DISCOUNT if rng.random() < 0.12 else 0)]
    if rng.random() < 0.45:
        plans.append(_plan(rng, BOOKS, rng.choice((30_000, 40_000, 50_000)),
                           tuition_day if tuition_day in (5, 25) else rng.choice((5, 25))))
    if rng.random() < 0.3:
        plans.append(_plan(rng, BUS, 60_000, 1))
    return tuple(plans)


def _ending(rng: random.Random, family: Family, ending: str) -> Family:
    """Every account of the family ends in `ending`: each of its items meets the same outcome."""
    return replace(family, plans=tuple(replace(p, account=_account(rng, p.bank, ending)) for p in family.plans))


def _family(rng: random.Random, number: int, founded_on: date) -> Family:
    surname = rng.choice(SURNAMES[:40])
    parent = _name(rng, surname)
    street = rng.choice(STREETS)
    form = CustomerForm(
        customer_no=f"2024{number:05d}",
        name=_name(rng, surname),
        customer_type=CustomerType.PERSON,
        grade=rng.choice(GRADES),
        representative=parent,
        mobile=f"010-{rng.randint(2000, 9999)}-{rng.randint(0, 9999):04d}",
        phone=f"02-{rng.randint(500, 599)}-{rng.randint(0, 9999):04d}" if rng.random() < 0.3 else "",
        email=f"parent{number:04d}@example.kr" if rng.random() < 0.5 else "",
        joined_on=founded_on - timedelta(days=rng.randint(0, 900)),
        region=rng.choice(REGIONS),
        postal_code=f"06{rng.randint(100, 999)}",
        address=f"{rng.choice(REGIONS)} {street} {rng.randint(1, 500)}",
        address_detail=f"{rng.randint(101, 120)}동 {rng.randint(1, 25)}{rng.randint(1, 4):02d}호",
    )
    # After every draw of the family, so the rest of the cast stays as it was before students had birth dates.
    form = replace(form, student_birth_date=academy.birth_date(number, form.grade, founded_on.year))
    holder_id = f"{rng.randint(72, 90):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    return Family(number, form, parent, holder_id, _plans(rng), Role.FOUNDER)


def _pays_on(day: int) -> Callable[[Family], bool]:
    return lambda family: day in family.days


def cast(customers: int, founded_on: date, failing_days: Iterable[int] = ()) -> list[Family]:
    """`customers` families, numbered 1…; the later numbers join during the months shown.

    `founded_on` is the day the founders sign up (their 최초가입일 lie before it). `failing_days` are
    the debit days of the last results before "now": a 잔액부족 family is chosen on each of them, so
    today's home screen has a failure to retry or to receive in cash.
    """
    rng = random.Random(SEED)
    families = [_family(rng, n, founded_on) for n in range(1, customers + 1)]
    tail = customers
    if customers >= 10:
        tail -= 1
        families[tail] = replace(families[tail], role=Role.TODAY)
    if customers >= 8:
        tail -= 1
        one = families[tail].plans[:1]  # one 이체정보: one 계좌신청 to fix today
        families[tail] = _ending(rng, replace(families[tail], role=Role.REJECTED, plans=one), "0014")
    joiners = customers // 25
    for index in range(tail - joiners, tail):
        families[index] = replace(families[index], role=Role.JOINER)
    founders = list(range(0, tail - joiners))
    rng.shuffle(founders)
    free = [i for i in founders if families[i].role is Role.FOUNDER]

    def take(role: Role, want: int, fits: Callable[[Family], bool] = lambda _f: True,
             ending: str | None = None) -> list[int]:
        chosen = [i for i in free if fits(families[i])][:want]
        for i in chosen:
            free.remove(i)
            families[i] = replace(families[i], role=role)
            if ending:
                families[i] = _ending(rng, families[i], ending)
        return chosen

    if customers >= 6:
        chosen = 0
        for day in sorted(set(failing_days)):
            chosen += len(take(Role.CHRONIC, 1, _pays_on(day), "0021"))
        take(Role.CHRONIC, max(0, round(customers * CHRONIC_SHARE) - chosen), ending="0021")
    if customers >= 12:
        take(Role.PARTIAL, 1, lambda f: len(f.plans) == 1, "9021")
    if customers >= 20:
        for n, i in enumerate(take(Role.TYPO, max(1, customers // 100), lambda f: len(f.plans) == 1)):
            f = _ending(rng, families[i], ("0012", "0031")[n % 2])
            bank = f.plans[0].bank
            families[i] = replace(f, fixed_account=_account(rng, bank), fixed_bank=bank)
    if customers >= 15:
        for i in take(Role.CHANGE, 1, lambda f: len(f.plans) == 1):
            new_bank = "088" if families[i].plans[0].bank != "088" else "004"
            families[i] = replace(families[i], fixed_bank=new_bank, fixed_account=_account(rng, new_bank))
        take(Role.ENDS, 1, lambda f: any(p.item_code == BOOKS for p in f.plans))
        take(Role.DISCOUNT, 2, lambda f: f.plans[0].discount_rate == 0)
    return families
