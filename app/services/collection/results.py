"""이체의뢰결과: each request of a period with its state and reason, totals per state, and the Excel download.

The default period is the manual's: debit dates from the 1st of this month to today. Amounts are
sums of the ledger (REQUEST, DEBIT and FAIL entries of each request), so the totals here are the
ledger's totals, whatever a request row says. Partly debited requests are 이체처리미완료 with the
debited part told in the reason. The Excel file shows accounts masked (only the last four digits are
stored in plain anyway), writes text that a spreadsheet would run as a formula as plain text, and
every download is audited.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select

from app.database.engine import Database
from app.models import (
    CollectionItem,
    Customer,
    DebitAgreement,
    DebitRequest,
    RequestKind,
    RequestState,
)
from app.services.collection import ledger
from app.services.common import audit, output_files
from app.services.common.access import contract_for
from app.services.common.calendar import SEOUL
from app.services.common.masking import masked_last4
from app.services.common.search import number_or_name
from app.services.common.session import Actor
from app.services.exchange.cms.banks import bank_name
from app.services.exchange.cms.reasons import reason_text

STATE_TEXT = {
    RequestState.DONE: "이체처리완료",
    RequestState.FAILED: "이체처리미완료",
    RequestState.PARTIAL: "이체처리미완료",
    RequestState.SENT: "이체의뢰중",
    RequestState.WAITING: "이체의뢰대기",
    RequestState.WITHDRAWN: "의뢰취소",
}
TOTAL_ORDER = ("이체처리완료", "이체처리미완료", "이체의뢰중", "이체의뢰대기", "의뢰취소")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
HEADERS = ("출금일", "구분", "고객번호", "고객명", "집금항목", "은행", "계좌번호", "의뢰금액", "출금금액", "미출금액",
           "진행상태", "미처리 사유", "결과일시")


@dataclass(frozen=True)
class ResultQuery:
    date_from: date | None = None  # debit date, inclusive; default the 1st of this month
    date_to: date | None = None  # debit date, inclusive; default today
    item_id: int | None = None
    states: tuple[RequestState, ...] = ()  # empty: every state but 의뢰취소
    bank_code: str | None = None
    customer: str | None = None  # customer number or name (part of)


@dataclass(frozen=True)
class ResultRow:
    request_id: int
    kind: RequestKind
    debit_date: date
    customer_id: int
    customer_no: str
    customer_name: str
    item_name: str
    bank_code: str
    bank_name: str
    account_masked: str
    amount: int  # requested
    debited_amount: int
    unpaid_amount: int
    state: RequestState
    state_text: str  # 이체처리완료, 이체처리미완료, 이체의뢰중, 이체의뢰대기
    reason_code: str | None
    reason_text: str
    result_at: datetime | None


@dataclass(frozen=True)
class StateTotal:
    state_text: str
    count: int
    amount: int
    debited: int


@dataclass(frozen=True)
class ResultsView:
    date_from: date
    date_to: date
    rows: tuple[ResultRow, ...]
    totals: tuple[StateTotal, ...]
    count: int
    amount: int
    debited: int


@dataclass(frozen=True)
class ResultsExport:
    path: Path
    rows: int


def default_period(today: date) -> tuple[date, date]:
    """The manual's default: from the 1st of this month to today."""
    return today.replace(day=1), today


def _reason(state: RequestState, code: str | None, debited: int) -> str:
    if state is RequestState.PARTIAL:
        return f"부분출금 {debited:,}원" + (f" ({reason_text(code)})" if code else "")
    if state is RequestState.FAILED:
        return reason_text(code)
    return ""


def list_results(
    db: Database, actor: Actor, contract_id: int, query: ResultQuery | None = None, *, today: date
) -> ResultsView:
    """The requests whose debit date is in the period, with state, reason and totals per state."""
    q = query or ResultQuery()
    first, last = default_period(today)
    date_from, date_to = q.date_from or first, q.date_to or last
    stmt = (
        select(DebitRequest, DebitAgreement.account_last4, Customer, CollectionItem.name)
        .join(DebitAgreement, DebitAgreement.id == DebitRequest.agreement_id)
        .join(Customer, Customer.id == DebitAgreement.customer_id)
        .join(CollectionItem, CollectionItem.id == DebitAgreement.item_id)
        .where(DebitRequest.contract_id == contract_id, DebitRequest.debit_date >= date_from,
               DebitRequest.debit_date <= date_to)
        .order_by(DebitRequest.debit_date, Customer.customer_no, DebitRequest.id)
    )
    states = q.states or tuple(s for s in RequestState if s is not RequestState.WITHDRAWN)
    stmt = stmt.where(DebitRequest.state.in_(list(states)))
    if q.item_id is not None:
        stmt = stmt.where(DebitAgreement.item_id == q.item_id)
    if q.bank_code:
        stmt = stmt.where(DebitRequest.bank_code == q.bank_code)
    if q.customer and q.customer.strip():
        text = q.customer.strip()
        stmt = stmt.where(number_or_name(Customer.customer_no, Customer.name, text))
    with db.session() as s:
        contract_for(s, actor, contract_id)
        found = s.execute(stmt).all()
        money = ledger.request_money(s, [r.id for r, _l, _c, _i in found])
    rows = []
    for r, last4, customer, item in found:
        m = money[r.id]
        rows.append(ResultRow(
            request_id=r.id, kind=r.kind, debit_date=r.debit_date, customer_id=customer.id,
            customer_no=customer.customer_no, customer_name=customer.name, item_name=item, bank_code=r.bank_code,
            bank_name=bank_name(r.bank_code), account_masked=masked_last4(last4), amount=m.requested, debited_amount=m.debited,
            unpaid_amount=m.failed, state=r.state, state_text=STATE_TEXT[r.state], reason_code=r.reason_code,
            reason_text=_reason(r.state, r.reason_code, m.debited), result_at=r.result_at,
        ))
    sums: dict[str, list[int]] = {}
    for row in rows:
        acc = sums.setdefault(row.state_text, [0, 0, 0])
        acc[0] += 1
        acc[1] += row.amount
        acc[2] += row.debited_amount
    totals = tuple(StateTotal(t, *sums[t]) for t in TOTAL_ORDER if t in sums)
    return ResultsView(date_from, date_to, tuple(rows), totals, len(rows), sum(r.amount for r in rows),
                       sum(r.debited_amount for r in rows))


def _cell(sheet: Worksheet, value: Any) -> Any:
    """Numbers and dates as themselves; text a spreadsheet would run as a formula, stored as text."""
    if value is None or value == "":
        return None
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, int):
        cell.number_format = "#,##0"
    else:
        text = str(value)
        cell = WriteOnlyCell(sheet, value=text)
        if text.startswith(FORMULA_PREFIXES):
            cell.data_type = "s"  # openpyxl would store '=…' as a formula
            cell.quotePrefix = True
    return cell


def export_results_xlsx(
    db: Database, actor: Actor, contract_id: int, path: str | os.PathLike[str], query: ResultQuery | None = None,
    *, today: date, force: bool = False,
) -> ResultsExport:
    """The list of `list_results` as an .xlsx file (accounts masked; totals per state below the rows).

    Written through output_files: an existing file is replaced only with `force`, the database
    and the backups never; the audit row is written only once the file is in place.
    """
    protected = output_files.protected_for(db)
    output_files.check_target(path, force=force, protected=protected)
    view = list_results(db, actor, contract_id, query, today=today)

    def write(temp: Path) -> None:
        with output_files.write_only_workbook() as book:
            sheet = book.create_sheet("이체의뢰결과")
            sheet.freeze_panes = "A2"
            header = []
            for text in HEADERS:
                cell = WriteOnlyCell(sheet, value=text)
                cell.font = Font(bold=True)
                cell.fill = PatternFill("solid", fgColor="DDE6F0")
                header.append(cell)
            sheet.append(header)
            for r in view.rows:
                result_at = r.result_at.astimezone(SEOUL).replace(tzinfo=None) if r.result_at else None
                sheet.append([_cell(sheet, v) for v in (
                    r.debit_date, r.kind.label, r.customer_no, r.customer_name, r.item_name, r.bank_name,
                    r.account_masked, r.amount, r.debited_amount, r.unpaid_amount, r.state_text, r.reason_text,
                    result_at)])
            sheet.append([])
            for t in view.totals:
                sheet.append([_cell(sheet, v) for v in (f"{t.state_text} 합계", f"{t.count}건", None, None, None, None,
                                                         None, t.amount, t.debited)])
            sheet.append([_cell(sheet, v) for v in ("총계", f"{view.count}건", None, None, None, None, None, view.amount,
                                                    view.debited)])
            book.save(temp)

    target = output_files.write_output(path, write, force=force, protected=protected)
    with db.session() as s:  # recorded only once the file is in place
        audit.record(s, "personal_data_exported", actor=actor, target="이체의뢰결과",
                     detail={"rows": len(view.rows), "unmasked": False, "from": view.date_from.isoformat(),
                             "to": view.date_to.isoformat()})
    return ResultsExport(target, len(view.rows))
