"""집계: what every aggregate shares — the three groupings, the read-only connection, SQL helpers, the report header.

The six 집계 screens (이체의뢰내역집계, 미납내역집계, 할인내역집계, 계좌신청현황, 이체의뢰현황,
정산내역현황) each live in their own module (`aggregates_requests`, `aggregates_outstanding`,
`aggregates_discounts`, `aggregates_registrations`, `settlement`) and all follow one shape:

* a *summary*: one SQL ``GROUP BY`` over the period, a few typed rows (group key, Korean label,
  counts, amounts) and a total that is the sum of those rows (a Python sum over a handful of
  groups, never a loop over the million rows underneath);
* a *drill-down*: the rows behind one group, in pages (``offset``/``limit``), so a screen can
  fetch more as the clerk scrolls and a report can stream them;
* money as integer won, accounts only ever as ``****1234`` (the last four digits are all the
  aggregates read; nothing here decrypts).

Every function takes the `Actor` and checks that the contract is the actor's institution's, the same
rule the other services apply (`common.access`); reading aggregates needs no more than the 조회 role.
The 조회기간 is `common.periods.Period`; the contract's calendar is `common.contract_calendar`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Connection,
    Select,
    bindparam,
    case,
    cast,
    func,
    select,
)
from sqlalchemy.orm import QueryableAttribute, Session

from app.database.engine import Database
from app.models import (
    CollectionItem,
    Contract,
    Customer,
    DebitAgreement,
    Institution,
    User,
)
from app.models.enums import LabelledEnum
from app.services.common.access import contract_for, require_institution
from app.services.common.calendar import SEOUL
from app.services.common.periods import Period
from app.services.common.session import Actor
from app.services.exchange.cms.banks import bank_name

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

F = TypeVar("F", bound="DataclassInstance")  # a figures dataclass

NO_GRADE_LABEL = "(등급 없음)"
"""How a customer without a 고객등급 is grouped and shown."""

DETAIL_PAGE = 500
"""Rows a screen asks for at a time when it scrolls through a drill-down."""


class GroupBy(LabelledEnum):
    """집계기준: the three ways the manual groups 이체의뢰내역 and 미납내역."""

    ITEM = ("ITEM", "집금항목")
    GRADE = ("GRADE", "고객등급")
    BANK = ("BANK", "은행")


# --- reading: the contract check, bound parameters, labels -----------------------------------------
#
# Statements are built once (cached, with bound parameters) and run on a plain Core connection:
# building an expression tree and passing it through the ORM session costs a few milliseconds per
# call, as much as the GROUP BY itself on a month of data, and the aggregates must stay within a
# small margin of the bare SQL (tests/bench/bench_aggregates.py).

CONTRACT_ID: BindParameter[int] = bindparam("contract_id")
START: BindParameter[date] = bindparam("start")
END: BindParameter[date] = bindparam("end")
FIRST_MONTH: BindParameter[str] = bindparam("first_month")
LAST_MONTH: BindParameter[str] = bindparam("last_month")

_OWNER = select(Contract.institution_id).where(Contract.id == CONTRACT_ID)
_ITEMS = select(CollectionItem.id, CollectionItem.name).where(CollectionItem.contract_id == CONTRACT_ID)


def params(contract_id: int, period: Period) -> dict[str, Any]:
    """The bound values every aggregate statement takes."""
    return {"contract_id": contract_id, "start": period.start, "end": period.end,
            "first_month": period.first_month, "last_month": period.last_month}


@contextmanager
def reading(db: Database, actor: Actor, contract_id: int) -> Iterator[Connection]:
    """A read-only connection, once the contract is known to be the actor's institution's."""
    with db.engine.connect() as conn:
        require_institution(actor, conn.execute(_OWNER, {"contract_id": contract_id}).scalar())
        yield conn


def item_names(conn: Connection | Session, contract_id: int) -> dict[int, str]:
    return {item_id: name for item_id, name in conn.execute(_ITEMS, {"contract_id": contract_id})}


def grade_label(grade: str | None) -> str:
    return grade if grade else NO_GRADE_LABEL


def group_label(group_by: GroupBy, key: str, items: dict[int, str]) -> str:
    """The Korean text of a group key: an item's name, a grade, a bank's name."""
    if group_by is GroupBy.ITEM:
        return items.get(int(key), f"항목 {key}")
    if group_by is GroupBy.GRADE:
        return grade_label(key)
    return bank_name(key)


# --- SQL helpers -----------------------------------------------------------------------------------


def sum_if(condition: ColumnElement[bool], value: Any = 1) -> ColumnElement[int]:
    """SUM(CASE WHEN condition THEN value ELSE 0 END): a conditional count or amount in one pass."""
    return cast(func.coalesce(func.sum(case((condition, value), else_=0)), 0), BigInteger)


def total(value: Any) -> ColumnElement[int]:
    """SUM as a 64-bit integer: PostgreSQL sums a BIGINT money column as NUMERIC (a Decimal in Python)."""
    return cast(func.coalesce(func.sum(value), 0), BigInteger)


def count() -> ColumnElement[int]:
    return func.count()


def group_key(group_by: GroupBy, bank_column: Any) -> ColumnElement[Any] | QueryableAttribute[Any]:
    """The SQL expression of the group key. The query must join `DebitAgreement` (item) and
    `Customer` (grade) itself; `bank_column` is the bank the aggregate means (the request's, or the
    agreement's for charges)."""
    if group_by is GroupBy.ITEM:
        return DebitAgreement.item_id
    if group_by is GroupBy.GRADE:
        return func.coalesce(Customer.grade, "")
    return bank_column


def key_filter(group_by: GroupBy, key: str, bank_column: Any) -> ColumnElement[bool]:
    """WHERE clause picking one group (for a drill-down)."""
    if group_by is GroupBy.ITEM:
        return DebitAgreement.item_id == int(key)
    if group_by is GroupBy.GRADE:
        return func.coalesce(Customer.grade, "") == key
    return bank_column == key


def needs_customer(group_by: GroupBy) -> bool:
    return group_by is GroupBy.GRADE


def as_int(value: Any) -> int:
    """SUM() is NULL on no rows and a Decimal on PostgreSQL; money here is int."""
    return int(value or 0)


def paged(stmt: Select, offset: int, limit: int | None) -> Select:
    """A page of a drill-down (the ORDER BY of `stmt` makes pages stable)."""
    if offset:
        stmt = stmt.offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return stmt


def key_text(value: Any) -> str:
    """Group keys travel as text (an item id, a grade, a bank code)."""
    return "" if value is None else str(value)


def sum_figures(cls: type[F], rows: Iterable[Any]) -> F:
    """The total of `rows` over the fields of the figures class `cls`.

    A Python sum over the handful of group rows a GROUP BY returned (never over the rows beneath).
    """
    rows = list(rows)
    return cls(**{f.name: sum(getattr(r, f.name) for r in rows) for f in fields(cls)})


def figures_of(cls: type[F], row: Any, convert: Any = as_int) -> dict[str, Any]:
    """The fields of `cls` read from a result row (SUMs come back as Decimal or None on PostgreSQL)."""
    return {f.name: convert(getattr(row, f.name)) for f in fields(cls)}


def rate_bp(part: int, whole: int) -> int:
    """part ÷ whole in basis points (1/100 of a per cent), rounded half up as a clerk rounds by hand
    (370,000 ÷ 620,000 = 59.677…% → 59.68%) and as the home screen's 수납률 does; integer, so nothing
    rounds twice."""
    return (part * 20000 + whole) // (2 * whole) if whole else 0


def rate_text(bp: int) -> str:
    return f"{bp // 100}.{bp % 100:02d}%"


# --- who prints, for the report header -------------------------------------------------------------


@dataclass(frozen=True)
class ReportContext:
    """What a report's header and a notice letter say about who made it and for whom."""

    institution: str
    contract_name: str
    institution_code: str
    representative: str
    approval_labels: tuple[str, ...]  # empty when the contract prints no 결재란
    printed_at: datetime
    printed_by: str
    contact: str  # the printing user's phone or e-mail, for a notice letter

    @property
    def printed_text(self) -> str:
        return f"{self.printed_at.astimezone(SEOUL):%Y-%m-%d %H:%M} · {self.printed_by}"


def report_context(s: Session, actor: Actor, contract_id: int, now: datetime) -> ReportContext:
    contract = contract_for(s, actor, contract_id)
    institution = s.get(Institution, contract.institution_id)
    user = s.get(User, actor.user_id) if actor.user_id else None
    labels: tuple[str, ...] = ()
    if contract.approval_box_enabled:
        labels = tuple(part.strip() for part in (contract.approval_box_labels or "").split(",") if part.strip())
    contact = ""
    if user is not None:
        contact = " / ".join(part for part in (user.phone, user.email) if part)
    return ReportContext(
        institution=institution.name if institution else contract.name,
        contract_name=contract.name,
        institution_code=contract.institution_code,
        representative=contract.representative,
        approval_labels=labels,
        printed_at=now,
        printed_by=f"{actor.name}({actor.login_id})",
        contact=contact,
    )
