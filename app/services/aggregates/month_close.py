"""월마감: the administrator closes a month of a contract, its figures are frozen and reported; reopening
is an administrator's act with a reason.

domain.md "Apartment offices": once a month is closed its figures are frozen; a later correction is an
adjustment entry in the open month, never an edit of the closed one. What that means here:

* **When a month can close** (`readiness`): only once it is over (its last day is before today), and
  only with every request of its debit dates answered by the bank — a request still 이체의뢰대기 or
  이체의뢰중 (listed with household and debit date) would change the month after it is reported. An
  administrator may close anyway with a written reason (`override_reason`); the close then records
  how many results were missing, and a result that arrives later is refused by the lock until the
  month is reopened.
* **What closing does** (`close`): one `MonthClose` row with the month's figures
  (month_close_report.py) as JSON — what the council is given. From then on the database's triggers
  (migration 0014) refuse any change to the month's charges, requests, payments and ledger rows,
  from every screen, command and raw statement. The figures are read and the row written in one
  transaction that keeps every writer out meanwhile (SQLite: the file's write lock; PostgreSQL: SHARE
  locks on the five money tables), so the stored figures are exactly the month that was frozen.
  Two administrators closing at once: the partial unique index lets one close stand; the other is
  told so.
* **Reopening** (`reopen`): the standing close gains reopened_at/by and the reason; the row stays, so
  its report reads 재개방으로 대체됨 with the reason and date, and a later close is a new row.
* **The report** (`close_report`) prints the stored figures of one close, never recomputed ones,
  beside a 현재 다시 계산 check: the month computed again now, and every figure that moved. While a
  close stands nothing can move, so the check must say 일치.

Closing and reopening need an administrator; looking (readiness, history, reports) any user of the
institution. Every close and reopen is audited in the same unit of work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.database.engine import Database
from app.models import (
    CollectionItem,
    Customer,
    DebitAgreement,
    DebitRequest,
    MonthClose,
    RequestState,
    User,
)
from app.services.aggregates.common import ReportContext, report_context
from app.services.aggregates.month_close_report import MonthFigures, differences, figures_in
from app.services.common import audit
from app.services.common.access import contract_for
from app.services.common.errors import ConflictError, NotFoundError, ServiceError
from app.services.common.formats import stamp_text
from app.services.common.periods import first_day, last_day, month_number, year_month
from app.services.common.session import Actor

WAITING_FOR_RESULT = (RequestState.WAITING, RequestState.SENT)
LOCKED_TABLES = "charge, debit_request, debit_request_line, payment, ledger_entry"
MONTH_TEXT = re.compile(r"(20\d\d)-(0[1-9]|1[0-2])")
SUPERSEDED = "재개방으로 대체됨"
STANDING = "마감"
CLOSE_NOT_FOUND = "마감 기록을 찾을 수 없습니다. 목록을 다시 조회하세요."


def check_month(value: str) -> str:
    """'2026-09' as given, or a refusal that says how to write a month."""
    text_value = (value or "").strip()
    if not MONTH_TEXT.fullmatch(text_value):
        raise ServiceError(f"마감할 달은 YYYY-MM(예: 2026-09)으로 입력하세요: {value!r}")
    return text_value


def month_label(period: str) -> str:
    """'2026-09' → '2026년 9월'."""
    year, _month = year_month(period)
    return f"{year}년 {month_number(period)}월"


# --- what the screens get ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MissingResult:
    """A request of the month's debit dates the bank has not answered yet."""

    request_id: int
    debit_date: date
    customer_no: str
    customer_name: str
    item: str
    amount: int
    state: RequestState


@dataclass(frozen=True)
class CloseRow:
    """One close of a month: standing (마감) or reopened since (재개방으로 대체됨)."""

    id: int
    contract_id: int
    period: str
    closed_at: datetime
    closed_by: str
    closed_by_name: str
    missing_results: int
    override_reason: str | None
    reopened_at: datetime | None
    reopened_by: str | None
    reopened_by_name: str
    reopen_reason: str | None

    @property
    def standing(self) -> bool:
        return self.reopened_at is None

    @property
    def status_text(self) -> str:
        return STANDING if self.standing else "대체됨"

    @property
    def closed_by_text(self) -> str:
        return f"{self.closed_by_name}({self.closed_by})" if self.closed_by_name else self.closed_by

    @property
    def reopened_by_text(self) -> str:
        if not self.reopened_by:
            return ""
        return f"{self.reopened_by_name}({self.reopened_by})" if self.reopened_by_name else self.reopened_by

    @property
    def reason_text(self) -> str:
        """사유 of the history list: why it was reopened, and why it closed without every result."""
        parts = []
        if self.reopen_reason:
            parts.append(f"재개방: {self.reopen_reason}")
        if self.missing_results:
            parts.append(f"결과 미수신 {self.missing_results}건 마감: {self.override_reason or ''}")
        return " / ".join(parts)


@dataclass(frozen=True)
class Readiness:
    """Whether `period` can close today, what stands in the way, and the figures it would report."""

    period: str
    last_day: date
    today: date
    missing: tuple[MissingResult, ...]
    standing: CloseRow | None
    figures: MonthFigures

    @property
    def month_over(self) -> bool:
        return self.last_day < self.today

    @property
    def can_close(self) -> bool:
        """The month is over and not closed (missing results still need an override reason)."""
        return self.month_over and self.standing is None

    @property
    def message(self) -> str:
        label = month_label(self.period)
        if self.standing is not None:
            return (f"{label}은(는) {stamp_text(self.standing.closed_at)}에 {self.standing.closed_by_text}이(가) "
                    "마감했습니다. 이 달의 자료는 바꿀 수 없습니다.")
        if not self.month_over:
            return (f"{label}은(는) 아직 끝나지 않았습니다. {self.last_day:%m-%d}이 지나야 마감할 수 있습니다. "
                    "아래 숫자는 지금까지의 집계입니다.")
        if self.missing:
            return (f"{label}의 출금일에 은행 결과가 아직 없는 이체의뢰가 {len(self.missing):,}건 있습니다. 결과를 "
                    "반영한 뒤 마감하거나, 그대로 마감하려면 사유를 적으세요.")
        return f"{label}을(를) 마감할 수 있습니다. 모든 출금일의 결과가 반영되었습니다."


@dataclass(frozen=True)
class CloseOutcome:
    close_id: int
    period: str
    missing_results: int
    figures: MonthFigures
    message: str


@dataclass(frozen=True)
class CloseReport:
    """One close as the report prints it: the stored figures, and the month computed again now."""

    row: CloseRow
    figures: MonthFigures  # stored when it was closed: what the council was given
    current: MonthFigures  # the month now
    changes: tuple[str, ...]  # what moved since (none while the close stands)
    context: ReportContext

    @property
    def recheck_text(self) -> str:
        if not self.changes:
            return "현재 다시 계산: 일치 (마감 때 보고한 숫자와 지금 다시 계산한 숫자가 같습니다)"
        head = "재개방 뒤 바뀐 내용" if not self.row.standing else "마감 뒤 달라진 내용 (관리자에게 알리세요)"
        return f"현재 다시 계산: 불일치 {len(self.changes):,}건 — {head}"


# --- reading -----------------------------------------------------------------------------------------


def _names(s: Session, institution_id: int, logins: set[str]) -> dict[str, str]:
    if not logins:
        return {}
    rows = s.execute(select(User.login_id, User.name).where(User.institution_id == institution_id,
                                                            User.login_id.in_(sorted(logins))))
    return {login: name for login, name in rows}


def _rows(s: Session, actor: Actor, closes: list[MonthClose]) -> list[CloseRow]:
    names = _names(s, actor.institution_id, {c.closed_by for c in closes} | {c.reopened_by for c in closes
                                                                                 if c.reopened_by})
    return [CloseRow(c.id, c.contract_id, c.period, c.closed_at, c.closed_by, names.get(c.closed_by, ""),
                     c.missing_results, c.override_reason, c.reopened_at, c.reopened_by,
                     names.get(c.reopened_by or "", ""), c.reopen_reason) for c in closes]


def _standing(s: Session, contract_id: int, period: str, *, lock: bool = False) -> MonthClose | None:
    stmt = select(MonthClose).where(MonthClose.contract_id == contract_id, MonthClose.period == period,
                                    MonthClose.reopened_at.is_(None))
    return s.scalar(stmt.with_for_update() if lock else stmt)


def missing_results(s: Session, contract_id: int, period: str) -> list[MissingResult]:
    """Requests of the month's debit dates still 이체의뢰대기 or 이체의뢰중, by debit date and household."""
    r, a = DebitRequest, DebitAgreement
    rows = s.execute(
        select(r.id, r.debit_date, r.amount, r.state, Customer.customer_no, Customer.name, CollectionItem.name)
        .join(a, a.id == r.agreement_id)
        .join(Customer, Customer.id == a.customer_id)
        .join(CollectionItem, CollectionItem.id == a.item_id)
        .where(r.contract_id == contract_id, r.debit_date >= first_day(period), r.debit_date <= last_day(period),
               r.state.in_(WAITING_FOR_RESULT))
        .order_by(r.debit_date, Customer.customer_no, r.id)
    ).all()
    return [MissingResult(rid, debit_date, no, name, item, int(amount), RequestState(state))
            for rid, debit_date, amount, state, no, name, item in rows]


def readiness(db: Database, actor: Actor, contract_id: int, period: str, today: date) -> Readiness:
    """Can `period` close on `today`: over or not, results missing, already closed; and its figures
    (the stored ones when it is closed, else as they would be reported now)."""
    period = check_month(period)
    with db.session() as s:
        contract_for(s, actor, contract_id)
        standing = _standing(s, contract_id, period)
        row = _rows(s, actor, [standing])[0] if standing is not None else None
        missing = missing_results(s, contract_id, period)
        figures = (MonthFigures.from_json(standing.figures) if standing is not None
                   else figures_in(s.connection(), contract_id, period, today))
    return Readiness(period, last_day(period), today, tuple(missing), row, figures)


def history(db: Database, actor: Actor, contract_id: int) -> list[CloseRow]:
    """Every close of the contract, standing and reopened, the latest month first."""
    with db.session() as s:
        contract_for(s, actor, contract_id)
        closes = list(s.scalars(select(MonthClose).where(MonthClose.contract_id == contract_id)
                                .order_by(MonthClose.period.desc(), MonthClose.closed_at.desc(),
                                          MonthClose.id.desc())))
        return _rows(s, actor, closes)


def closed_months(db: Database, actor: Actor, contract_id: int) -> set[str]:
    """The contract's months under a standing close."""
    return {r.period for r in history(db, actor, contract_id) if r.standing}


def _close_row(s: Session, actor: Actor, close_id: int) -> MonthClose:
    found = s.get(MonthClose, close_id)
    if found is None:
        raise NotFoundError(CLOSE_NOT_FOUND)
    contract_for(s, actor, found.contract_id, CLOSE_NOT_FOUND)
    return found


def close_report(db: Database, actor: Actor, close_id: int, *, today: date, now: datetime) -> CloseReport:
    """One close's report: its stored figures, the month computed again as of `today`, and who prints it."""
    with db.session() as s:
        found = _close_row(s, actor, close_id)
        row = _rows(s, actor, [found])[0]
        stored = MonthFigures.from_json(found.figures)
        current = figures_in(s.connection(), found.contract_id, found.period, today)
        context = report_context(s, actor, found.contract_id, now)
    return CloseReport(row, stored, current, tuple(differences(stored, current)), context)


# --- closing and reopening ---------------------------------------------------------------------------


def _freeze(db: Database, s: Session) -> None:
    """Keep every money writer out until this transaction ends, so the figures read are the month closed."""
    if db.is_sqlite:
        s.connection().exec_driver_sql("BEGIN IMMEDIATE")
    else:
        s.execute(text(f"LOCK TABLE {LOCKED_TABLES} IN SHARE MODE"))


def close(db: Database, actor: Actor, contract_id: int, period: str, *, today: date, now: datetime,
          override_reason: str | None = None) -> CloseOutcome:
    """마감 (administrators): freeze `period` and store its report's figures.

    Refused, with nothing written: a month not over on `today`; a month already closed; results
    missing without `override_reason`. Two closes at once: one stands, the other is refused."""
    actor.require_admin()
    period = check_month(period)
    label = month_label(period)
    reason = (override_reason or "").strip()
    with db.session() as s:
        _freeze(db, s)
        contract = contract_for(s, actor, contract_id)
        if not last_day(period) < today:
            raise ServiceError(f"{label}은(는) 아직 끝나지 않아 마감할 수 없습니다. {last_day(period):%Y-%m-%d}이 "
                               "지난 뒤에 마감하세요.")
        standing = _standing(s, contract_id, period)
        if standing is not None:
            raise ConflictError(_already(label, _rows(s, actor, [standing])[0]))
        missing = missing_results(s, contract_id, period)
        if missing and not reason:
            raise ServiceError(f"{label}의 출금일에 은행 결과가 아직 없는 이체의뢰가 {len(missing):,}건 있어 마감하지 "
                               "않았습니다. 결과를 반영한 뒤 마감하거나, 그대로 마감하려면 사유를 적으세요.")
        figures = figures_in(s.connection(), contract_id, period, today)
        row = MonthClose(contract_id=contract_id, period=period, closed_at=now, closed_by=actor.login_id,
                         missing_results=len(missing), override_reason=reason[:1000] if missing else None,
                         figures=figures.to_json())
        s.add(row)
        try:
            s.flush()
        except IntegrityError as error:
            raise ConflictError(f"다른 관리자가 방금 {label}을(를) 먼저 마감했습니다. 마감 기록을 다시 조회하세요.") from error
        audit.record(s, "month_closed", actor=actor, at=now, target=f"{contract.institution_code} {period}",
                     detail={"close_id": row.id, "period": period, "missing_results": len(missing),
                             **({"override_reason": reason[:200]} if missing else {}),
                             "charged": figures.total.charged, "debited": figures.total.debited,
                             "unpaid": figures.total.unpaid})
        close_id = row.id
    without = f" 결과가 없는 이체의뢰 {len(missing):,}건은 사유를 남기고 마감했습니다." if missing else ""
    message = (f"{label}을(를) 마감했습니다. 청구 {figures.total.charged:,}원, 출금 {figures.total.debited:,}원, "
               f"미납 {figures.total.unpaid:,}원. 이제 이 달의 자료는 바꿀 수 없고, 정정은 열린 달에 기록됩니다.{without}")
    return CloseOutcome(close_id, period, len(missing), figures, message)


def _already(label: str, row: CloseRow) -> str:
    return (f"{label}은(는) 이미 마감되어 있습니다 ({stamp_text(row.closed_at)} {row.closed_by_text}). 다시 마감하려면 "
            "먼저 마감을 취소(재개방)하세요.")


def reopen(db: Database, actor: Actor, contract_id: int, period: str, reason: str, now: datetime) -> str:
    """마감 취소(재개방) (administrators, with a reason): the month can change again; its close stays in the
    history and its report reads 재개방으로 대체됨. Returns the sentence for the clerk."""
    actor.require_admin()
    period = check_month(period)
    label = month_label(period)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("마감을 취소(재개방)하는 사유를 입력하세요. 사유는 마감 기록과 보고서에 남습니다.")
    with db.session() as s:
        contract = contract_for(s, actor, contract_id)
        standing = _standing(s, contract_id, period, lock=True)
        if standing is None:
            raise ConflictError(f"{label}은(는) 마감되어 있지 않습니다. 마감 기록을 다시 조회하세요.")
        closed_at = standing.closed_at
        standing.reopened_at, standing.reopened_by, standing.reopen_reason = now, actor.login_id, reason[:1000]
        s.flush()
        audit.record(s, "month_reopened", actor=actor, at=now, target=f"{contract.institution_code} {period}",
                     detail={"close_id": standing.id, "period": period, "reason": reason[:200],
                             "closed_at": stamp_text(closed_at)})
    return (f"{label} 마감을 취소했습니다(재개방). 이 달의 자료를 다시 고칠 수 있고, {stamp_text(closed_at)} 마감 보고서는 "
            f"'{SUPERSEDED}'으로 표시됩니다. 고친 뒤 다시 마감하세요.")
