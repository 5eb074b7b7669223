"""교육비 납입증명서: what a payer actually paid a 학원 in a year, month by month, numbered when issued.

Parents ask every January for a certificate of the fees paid (연말정산). Nothing on it is typed in:
every figure is a sum of ledger entries (app/services/collection/ledger.py), per customer — all of
the customer's agreements (items) in the contract — and per month of year Y:

* **DEBIT** entries count in the month of their ``entry_on`` (the debit date the bank took the money);
* **CASH** entries count in the month of their ``entry_on`` (the day the cash was received);
* a **REVERSAL** (현금수납 취소) is taken off the month of the CASH payment it undoes
  (``LedgerEntry.payment_id`` → ``Payment.paid_on``), not the month the mistake was found: the cash was
  never received, so that month never had it. A reversal in January of a December receipt therefore
  changes the previous year's certificate (and marks it out of date);
* a **REFUND** (반환, 학원법) is taken off the month of its ``entry_on``: the month the money went back.
  A refund paid in a month with nothing received shows that month below zero; the year's total is
  still exactly what the academy kept.

CHARGE, DISCOUNT, REQUEST, CARRY and FAIL entries move no money and are not counted. Money is
integer won throughout; the twelve months and the total come from one GROUP BY over the ledger
(contracts have thousands of students), never a loop per customer.

A certificate, once issued, is a numbered record (`FeeCertificate`): ``YYYY-NNNN``, a serial per
contract and year given under a per-(contract, year) lock with the unique constraint behind it; who
issued it and when, the total, the twelve months as printed ("1:120000,2:120000,…") and the highest
ledger entry id it counted. A counted entry of that customer and year with a higher id — a late
reversal, a refund, a cash receipt entered afterwards — makes it **out of date** (상태 "변경됨").
Issuing again never hides the earlier numbers: they are listed (`issued_for`) and returned with the
new one.

The student is `Customer.student_name` (the payer's own name when empty) and is marked **9세 미만**
when born in Y−8 or later: under 9 at the year's end, which from 2026 lets 예체능 학원비 of 초등 1·2학년
count as well. The payer's resident number prints masked; in full only when the office holds it, the
clerk asks, and the user may unmask (관리자, as 개인정보 보기), which is audited like any reveal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import (
    Charge,
    Contract,
    Customer,
    DebitAgreement,
    FeeCertificate,
    Institution,
    LedgerEntry,
    LedgerKind,
    Payment,
    User,
)
from app.services.aggregates.common import as_int, sum_if, total
from app.services.common import audit
from app.services.common.access import contract_for
from app.services.common.calendar import SEOUL, seoul_datetime
from app.services.common.crypto import NO_KEY_MESSAGE, DataKey
from app.services.common.errors import ConflictError, PermissionDeniedError, ServiceError
from app.services.common.masking import masked_resident_no
from app.services.common.search import contains_text
from app.services.common.session import Actor
from app.services.exchange.leases import serialized

FIRST_YEAR = 2000
LAST_YEAR = 2099
COUNTED = (LedgerKind.DEBIT, LedgerKind.CASH, LedgerKind.REVERSAL, LedgerKind.REFUND)
"""The ledger kinds a certificate counts: money in (DEBIT, CASH) and money back out (REVERSAL, REFUND)."""
UNDER_NINE_AGE = 9
PURPOSE = "소득세 연말정산용"
OUT_OF_DATE = "변경됨"
UP_TO_DATE = "최신"
NUMBER_RETRIES = 3


# --- rows ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EarlierCertificate:
    """A certificate already issued for the customer and year, as the screen lists it before a new one."""

    id: int
    number: str
    issued_at: datetime
    issued_by: str  # the issuing user's name (login id when the user is gone)
    total: int
    months: tuple[int, ...]
    last_entry_id: int  # the highest ledger id it counted
    out_of_date: bool

    @property
    def text(self) -> str:
        """'2026-0003 (12-02 홍길동, 변경됨)'."""
        state = OUT_OF_DATE if self.out_of_date else UP_TO_DATE
        return f"{self.number} ({self.issued_at.astimezone(SEOUL):%m-%d} {self.issued_by}, {state})"


@dataclass(frozen=True)
class CertificateRow:
    """One customer's year as the 교육비 납입증명서 list shows it."""

    customer_id: int
    customer_no: str
    payer: str
    student: str
    birth_date: date | None
    under_nine: bool
    months: tuple[int, ...]  # January … December, won (a month with only a refund is below zero)
    total: int
    last_entry_id: int  # the highest ledger id counted: what an issued certificate is compared with
    latest: EarlierCertificate | None  # the latest certificate issued for this year

    @property
    def latest_number(self) -> str:
        return self.latest.number if self.latest else ""

    @property
    def out_of_date(self) -> bool:
        """The latest certificate no longer shows the ledger: an entry was counted after it."""
        return self.latest is not None and self.latest.out_of_date

    @property
    def state_text(self) -> str:
        if self.latest is None:
            return "미발급"
        return OUT_OF_DATE if self.out_of_date else UP_TO_DATE


@dataclass(frozen=True)
class Issuer:
    """교육기관 as the certificate prints it (계약정보's 학원 fields)."""

    name: str
    business_no: str
    registration_no: str
    address: str
    representative: str
    seal_png: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class IssuedCertificate:
    """What one printed certificate shows. The resident number is kept out of repr (logs, tracebacks)."""

    id: int
    number: str
    year: int
    customer_id: int
    customer_no: str
    payer: str
    payer_resident_no: str = field(repr=False)  # masked unless shown in full on purpose
    payer_address: str = field(repr=False)
    student: str = ""
    student_birth_date: date | None = None
    under_nine: bool = False
    months: tuple[int, ...] = ()
    total: int = 0
    issued_at: datetime = field(default_factory=lambda: datetime.now(SEOUL))
    issued_by: str = ""
    issuer: Issuer = field(default_factory=lambda: Issuer("", "", "", "", ""))
    earlier: tuple[EarlierCertificate, ...] = ()

    @property
    def issued_on(self) -> date:
        return self.issued_at.astimezone(SEOUL).date()


def is_under_nine(birth: date | None, year: int) -> bool:
    """Born in Y−8 or later: under 9 on 31 December of Y (born 2018-01-01 yes, 2017-12-31 no, for 2026)."""
    return birth is not None and birth.year >= year - (UNDER_NINE_AGE - 1)


def months_text(months: tuple[int, ...]) -> str:
    """'1:120000,2:120000,…,12:0': how a certificate records what it printed."""
    return ",".join(f"{m}:{amount}" for m, amount in enumerate(months, start=1))


def months_of(text: str) -> tuple[int, ...]:
    """The twelve amounts of a `months_text` record."""
    found = dict(part.split(":") for part in text.split(",") if part)
    return tuple(int(found.get(str(m), 0)) for m in range(1, 13))


# --- the sums --------------------------------------------------------------------------------------


def _check_year(year: object, today: date | None = None) -> int:
    """A year to look at (2000 … 2099), or with `today` one that may be issued (no later than this year)."""
    if isinstance(year, bool) or not isinstance(year, int):
        raise ServiceError("연도는 숫자 네 자리(예: 2026)로 입력하세요.")
    last = today.year if today is not None else LAST_YEAR
    if not FIRST_YEAR <= year <= last:
        future = " 아직 오지 않은 해의 증명서는 발급할 수 없습니다." if today is not None and year > last else ""
        raise ServiceError(f"연도는 {FIRST_YEAR}년부터 {last}년까지 고를 수 있습니다.{future}")
    return year


def check_issue_year(year: int, today: date) -> int:
    """Refuse (ServiceError) a year that cannot be issued on `today`: before 2000 or not yet begun."""
    return _check_year(year, today)


def _attributed_day() -> ColumnElement[date]:
    """The day an entry counts on: a reversal on the day of the cash it undoes, anything else on its own day."""
    return case((LedgerEntry.kind == LedgerKind.REVERSAL, Payment.paid_on), else_=LedgerEntry.entry_on)


def _signed() -> ColumnElement[int]:
    return case((LedgerEntry.kind.in_([LedgerKind.REVERSAL, LedgerKind.REFUND]), -LedgerEntry.amount),
                else_=LedgerEntry.amount)


def _month_starts(year: int) -> list[date]:
    return [date(year, m, 1) for m in range(1, 13)] + [date(year + 1, 1, 1)]


def _counted(contract_id: int, year: int) -> ColumnElement[bool]:
    """WHERE: the contract's counted entries attributed to `year`.

    ``entry_on >= 1 January`` holds for every counted entry of the year (a reversal comes after the cash
    it undoes), so the index on (contract, kind, entry_on) narrows the scan before the attribution.
    """
    start, end = date(year, 1, 1), date(year, 12, 31)
    day = _attributed_day()
    return and_(LedgerEntry.contract_id == contract_id, LedgerEntry.kind.in_(list(COUNTED)),
                LedgerEntry.entry_on >= start, day >= start, day <= end)


def _sums_statement(contract_id: int, year: int, customer_ids: list[int] | None, search: str | None) -> Any:
    starts = _month_starts(year)
    day, signed = _attributed_day(), _signed()
    month_columns = [sum_if(and_(day >= starts[i], day < starts[i + 1]), signed).label(f"m{i + 1}")
                     for i in range(12)]
    stmt = (
        select(Customer.id, Customer.customer_no, Customer.name, Customer.student_name, Customer.student_birth_date,
               *month_columns, total(signed).label("total"), func.max(LedgerEntry.id).label("last_entry_id"))
        .select_from(LedgerEntry)
        .join(Charge, Charge.id == LedgerEntry.charge_id)
        .join(DebitAgreement, DebitAgreement.id == Charge.agreement_id)
        .join(Customer, Customer.id == DebitAgreement.customer_id)
        .outerjoin(Payment, and_(LedgerEntry.kind == LedgerKind.REVERSAL, Payment.id == LedgerEntry.payment_id))
        .where(_counted(contract_id, year))
        .group_by(Customer.id, Customer.customer_no, Customer.name, Customer.student_name, Customer.student_birth_date)
        .order_by(Customer.customer_no)
    )
    if customer_ids is not None:
        stmt = stmt.where(Customer.id.in_(customer_ids))
    text = (search or "").strip()
    if text:
        stmt = stmt.where(or_(Customer.customer_no == text, contains_text(Customer.name, text),
                              contains_text(func.coalesce(Customer.student_name, ""), text)))
    return stmt


def _user_names(s: Session, institution_id: int) -> dict[str, str]:
    return {login: name for login, name in s.execute(
        select(User.login_id, User.name).where(User.institution_id == institution_id))}


def _earlier(s: Session, contract_id: int, year: int, customer_ids: list[int], last_ids: dict[int, int],
             names: dict[str, str], *, latest_only: bool) -> dict[int, list[EarlierCertificate]]:
    """Certificates of the year per customer, oldest first (only the latest with `latest_only`)."""
    stmt = select(FeeCertificate).where(FeeCertificate.contract_id == contract_id, FeeCertificate.year == year,
                                        FeeCertificate.customer_id.in_(customer_ids))
    if latest_only:
        newest = (select(FeeCertificate.customer_id, func.max(FeeCertificate.serial).label("serial"))
                  .where(FeeCertificate.contract_id == contract_id, FeeCertificate.year == year)
                  .group_by(FeeCertificate.customer_id).subquery())
        stmt = stmt.join(newest, and_(newest.c.customer_id == FeeCertificate.customer_id,
                                      newest.c.serial == FeeCertificate.serial))
    out: dict[int, list[EarlierCertificate]] = {}
    for cert in s.scalars(stmt.order_by(FeeCertificate.customer_id, FeeCertificate.serial)):
        out.setdefault(cert.customer_id, []).append(EarlierCertificate(
            id=cert.id, number=cert.number, issued_at=cert.issued_at,
            issued_by=names.get(cert.issued_by, cert.issued_by), total=cert.total, months=months_of(cert.months),
            last_entry_id=cert.last_entry_id, out_of_date=last_ids.get(cert.customer_id, 0) > cert.last_entry_id))
    return out


def _last_entry_of(s: Session, contract_id: int, year: int, customer_ids: list[int]) -> dict[int, int]:
    """The highest counted ledger id per customer for the year (0 when nothing is counted)."""
    rows = s.execute(
        select(DebitAgreement.customer_id, func.max(LedgerEntry.id))
        .select_from(LedgerEntry)
        .join(Charge, Charge.id == LedgerEntry.charge_id)
        .join(DebitAgreement, DebitAgreement.id == Charge.agreement_id)
        .outerjoin(Payment, and_(LedgerEntry.kind == LedgerKind.REVERSAL, Payment.id == LedgerEntry.payment_id))
        .where(_counted(contract_id, year), DebitAgreement.customer_id.in_(customer_ids))
        .group_by(DebitAgreement.customer_id))
    return {customer_id: int(last or 0) for customer_id, last in rows}


def _rows(s: Session, actor: Actor, contract_id: int, year: int, customer_ids: list[int] | None,
          search: str | None) -> list[CertificateRow]:
    found = s.execute(_sums_statement(contract_id, year, customer_ids, search)).all()
    last_ids = {r.id: int(r.last_entry_id or 0) for r in found}
    latest = _earlier(s, contract_id, year, list(last_ids), last_ids, _user_names(s, actor.institution_id),
                      latest_only=True) if found else {}
    rows = []
    for r in found:
        mine = latest.get(r.id, [])
        rows.append(CertificateRow(
            customer_id=r.id, customer_no=r.customer_no, payer=r.name, student=r.student_name or r.name,
            birth_date=r.student_birth_date, under_nine=is_under_nine(r.student_birth_date, year),
            months=tuple(as_int(getattr(r, f"m{m}")) for m in range(1, 13)), total=as_int(r.total),
            last_entry_id=last_ids[r.id], latest=mine[-1] if mine else None))
    return rows


def certificate_rows(db: Database, actor: Actor, contract_id: int, year: int, *,
                     search: str | None = None) -> list[CertificateRow]:
    """Every customer with a counted entry in `year` (by customer number): the months, the total and the
    latest certificate. `search` is a customer number, or part of the payer's or the student's name.

    Looking never writes; any role may look.
    """
    year = _check_year(year)
    with db.session() as s:
        contract_for(s, actor, contract_id)
        return _rows(s, actor, contract_id, year, None, search)


def issued_for(db: Database, actor: Actor, contract_id: int, customer_id: int, year: int) -> list[EarlierCertificate]:
    """The certificates already issued for one customer and year, oldest first, each marked 최신/변경됨."""
    year = _check_year(year)
    with db.session() as s:
        contract_for(s, actor, contract_id)
        last = _last_entry_of(s, contract_id, year, [customer_id])
        return _earlier(s, contract_id, year, [customer_id], last, _user_names(s, actor.institution_id),
                        latest_only=False).get(customer_id, [])


def earlier_for(db: Database, actor: Actor, contract_id: int, customer_ids: list[int],
                year: int) -> dict[int, list[EarlierCertificate]]:
    """`issued_for` of several customers at once (what the screen shows before issuing again)."""
    year = _check_year(year)
    with db.session() as s:
        contract_for(s, actor, contract_id)
        last = _last_entry_of(s, contract_id, year, customer_ids)
        return _earlier(s, contract_id, year, customer_ids, last, _user_names(s, actor.institution_id),
                        latest_only=False)


# --- issuing ---------------------------------------------------------------------------------------


def issuer_of(s: Session, contract: Contract) -> Issuer:
    institution = s.get(Institution, contract.institution_id)
    return Issuer(name=institution.name if institution else contract.name, business_no=contract.business_no or "",
                  registration_no=contract.academy_registration_no or "", address=contract.academy_address or "",
                  representative=contract.representative or "", seal_png=contract.seal_png)


def _resident_no(customer: Customer, data_key: DataKey | None, full: bool) -> tuple[str, bool]:
    """(what prints, whether it is the full number)."""
    if full and customer.resident_no_enc:
        assert data_key is not None  # checked before anything is read
        digits = data_key.decrypt(customer.resident_no_enc, "resident_no")
        digits = "".join(c for c in digits if c.isdigit())
        if len(digits) == 13:
            return f"{digits[:6]}-{digits[6:]}", True
    if customer.resident_no_masked:
        return customer.resident_no_masked, False
    if customer.resident_no_enc and data_key is not None:
        return masked_resident_no(data_key.decrypt(customer.resident_no_enc, "resident_no")), False
    return "", False


def _address(customer: Customer) -> str:
    return " ".join(part for part in (customer.address, customer.address_detail) if part)


def _next_serial(s: Session, contract_id: int, year: int) -> int:
    return int(s.scalar(select(func.coalesce(func.max(FeeCertificate.serial), 0))
                        .where(FeeCertificate.contract_id == contract_id, FeeCertificate.year == year)) or 0) + 1


def issue_certificates(db: Database, actor: Actor, contract_id: int, year: int, customer_ids: list[int], *,
                       show_resident_no: bool = False, data_key: DataKey | None = None, today: date,
                       now: datetime | None = None) -> list[IssuedCertificate]:
    """Number and record one certificate per customer (in customer-number order) and return what each prints.

    Every customer must have a counted entry in `year`; otherwise nothing is issued. Each certificate
    carries the earlier ones of its customer and year (`earlier`). `show_resident_no` prints the payer's
    full resident number — only for a user who may unmask (관리자) with the data key open; refused
    otherwise — and is audited as a reveal. Serials are given under a lock per contract and year; two
    clerks issuing at once get consecutive numbers, never the same one.
    """
    actor.require_edit()
    year = _check_year(year, today)
    wanted = sorted({int(c) for c in customer_ids})
    if not wanted:
        raise ServiceError("증명서를 발급할 고객을 고르세요.")
    if show_resident_no:
        if not actor.is_admin:
            raise PermissionDeniedError("주민등록번호 전체 표시는 관리자만 할 수 있습니다. 가린 번호로 발급하세요.")
        if data_key is None:
            raise ServiceError(NO_KEY_MESSAGE)
    when = now or seoul_datetime(today, datetime.now(SEOUL).time().replace(microsecond=0))
    for attempt in range(NUMBER_RETRIES):
        try:
            return _issue(db, actor, contract_id, year, wanted, show_resident_no, data_key, when)
        except IntegrityError:  # a serial taken between our read and write (the lock makes this rare)
            if attempt == NUMBER_RETRIES - 1:
                raise ConflictError("다른 사용자가 같은 때 증명서를 발급해 번호가 겹쳤습니다. 다시 발급하세요.") from None
    raise AssertionError("unreachable")


def _issue(db: Database, actor: Actor, contract_id: int, year: int, wanted: list[int], full: bool,
           data_key: DataKey | None, when: datetime) -> list[IssuedCertificate]:
    with serialized(db, f"fee_certificate:{contract_id}:{year}") as s:
        contract = contract_for(s, actor, contract_id)
        customers = {c.id: c for c in s.scalars(select(Customer).where(Customer.id.in_(wanted),
                                                                       Customer.contract_id == contract_id))}
        if len(customers) != len(wanted):
            raise ServiceError("고른 고객 중 이 계약에 없는 고객이 있습니다. 목록을 다시 조회하세요.")
        rows = {r.customer_id: r for r in _rows(s, actor, contract_id, year, wanted, None)}
        missing = [customers[c].customer_no for c in wanted if c not in rows]
        if missing:
            raise ServiceError(f"{year}년에 납입한 교육비가 없는 고객이 있습니다: {', '.join(missing)}. "
                               "납입 내역이 있는 고객만 발급할 수 있습니다.")
        names = _user_names(s, actor.institution_id)
        earlier = _earlier(s, contract_id, year, wanted, {c: r.last_entry_id for c, r in rows.items()}, names,
                           latest_only=False)
        issuer = issuer_of(s, contract)
        serial = _next_serial(s, contract_id, year)
        issued: list[IssuedCertificate] = []
        revealed = 0
        for customer_id in sorted(wanted, key=lambda c: customers[c].customer_no):
            row, customer = rows[customer_id], customers[customer_id]
            cert = FeeCertificate(contract_id=contract_id, customer_id=customer_id, year=year, serial=serial,
                                  total=row.total, months=months_text(row.months), last_entry_id=row.last_entry_id,
                                  issued_at=when, issued_by=actor.login_id)
            s.add(cert)
            s.flush()
            serial += 1
            printed, is_full = _resident_no(customer, data_key, full)
            revealed += is_full
            issued.append(IssuedCertificate(
                id=cert.id, number=cert.number, year=year, customer_id=customer_id, customer_no=customer.customer_no,
                payer=customer.name, payer_resident_no=printed, payer_address=_address(customer),
                student=row.student, student_birth_date=row.birth_date, under_nine=row.under_nine, months=row.months,
                total=row.total, issued_at=when, issued_by=names.get(actor.login_id, actor.name), issuer=issuer,
                earlier=tuple(earlier.get(customer_id, ()))))
        audit.record(s, "certificate_issued", actor=actor, target=f"{contract.institution_code} 교육비 납입증명서 {year}",
                     detail={"year": year, "count": len(issued), "numbers": [c.number for c in issued],
                             "total": sum(c.total for c in issued), "resident_no_full": revealed})
        if revealed:
            audit.record(s, "personal_data_revealed", actor=actor, target="교육비 납입증명서",
                         detail={"year": year, "resident_no": revealed, "numbers": [c.number for c in issued]})
        return issued
