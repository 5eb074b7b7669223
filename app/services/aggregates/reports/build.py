"""Each aggregate's report, fetched and laid out; saving a report as PDF or .xlsx, audited.

These are what a screen (in a worker thread) or the command line call: one function per summary and
per drill-down, taking the same arguments as the service behind the screen, so what prints is what
the clerk was looking at. A drill-down with ``key=None`` prints every group, each with its 소계.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from app.database.engine import Database
from app.models import RegistrationState, RequestState
from app.services.aggregates import discounts as aggregates_discounts
from app.services.aggregates import outstanding as aggregates_outstanding
from app.services.aggregates import registrations as aggregates_registrations
from app.services.aggregates import requests as aggregates_requests
from app.services.aggregates import settlement
from app.services.aggregates.common import (
    GroupBy,
    ReportContext,
    group_label,
    item_names,
    report_context,
)
from app.services.aggregates.reports import layouts, layouts_settlement, layouts_unpaid
from app.services.aggregates.reports.model import Report
from app.services.aggregates.reports.pdf import render_pdf
from app.services.aggregates.reports.xlsx import write_xlsx
from app.services.common import audit, output_files
from app.services.common.calendar import SEOUL
from app.services.common.periods import Period
from app.services.common.session import Actor
from app.services.exchange.cms.banks import bank_name

Format = Literal["pdf", "xlsx"]


def context(db: Database, actor: Actor, contract_id: int, now: datetime) -> ReportContext:
    with db.session() as s:
        return report_context(s, actor, contract_id, now)


def _groups(keys: Sequence[tuple[str, str]], fetch: Callable[[str], Sequence[Any]]) -> list[tuple[str, Sequence[Any]]]:
    """(label, rows) for each (key, label); one query per group, a handful of groups."""
    return [(label, fetch(key)) for key, label in keys]


# --- 이체의뢰내역집계 / 이체의뢰현황 -------------------------------------------------------------------


def requests_summary(db: Database, actor: Actor, contract_id: int, period: Period, group_by: GroupBy, *,
                     now: datetime) -> Report:
    summary = aggregates_requests.summarise(db, actor, contract_id, period, group_by)
    return layouts.requests_summary(context(db, actor, contract_id, now), summary)


def requests_detail(db: Database, actor: Actor, contract_id: int, period: Period, group_by: GroupBy,
                    key: str | None, *, now: datetime, state: RequestState | None = None,
                    title: str = "이체의뢰내역집계") -> Report:
    if key is None:
        summary = aggregates_requests.summarise(db, actor, contract_id, period, group_by)
        keys = [(r.key, r.label) for r in summary.rows]
    else:
        keys = [(key, _label(db, actor, contract_id, group_by, key))]

    def fetch(k: str) -> Sequence[Any]:
        return aggregates_requests.details(db, actor, contract_id, period, group_by, k, state=state)

    return layouts.requests_detail(context(db, actor, contract_id, now), period, group_by, _groups(keys, fetch),
                                   title=title, extra_filter=f"상태: {state.label}" if state else None)


def _label(db: Database, actor: Actor, contract_id: int, group_by: GroupBy, key: str) -> str:
    with db.session() as s:
        return group_label(group_by, key, item_names(s, contract_id))


def bank_status_summary(db: Database, actor: Actor, contract_id: int, period: Period, *, now: datetime) -> Report:
    status = aggregates_requests.bank_status(db, actor, contract_id, period)
    return layouts.bank_status_summary(context(db, actor, contract_id, now), status)


def bank_status_detail(db: Database, actor: Actor, contract_id: int, period: Period, bank_code: str | None, *,
                       now: datetime, state: RequestState | None = None) -> Report:
    return requests_detail(db, actor, contract_id, period, GroupBy.BANK, bank_code, now=now, state=state,
                           title="이체의뢰현황")


# --- 미납내역집계 / 할인내역집계 ---------------------------------------------------------------------


def _today(now: datetime) -> date:
    """The Seoul day of `now`: 미납 is decided as of the period's end or this day, whichever is earlier."""
    return now.astimezone(SEOUL).date()


def outstanding_summary(db: Database, actor: Actor, contract_id: int, period: Period, group_by: GroupBy, *,
                        now: datetime) -> Report:
    summary = aggregates_outstanding.summarise(db, actor, contract_id, period, group_by, today=_today(now))
    return layouts_unpaid.outstanding_summary(context(db, actor, contract_id, now), summary)


def outstanding_detail(db: Database, actor: Actor, contract_id: int, period: Period, group_by: GroupBy,
                       key: str | None, *, now: datetime) -> Report:
    if key is None:
        summary = aggregates_outstanding.summarise(db, actor, contract_id, period, group_by, today=_today(now))
        keys = [(r.key, r.label) for r in summary.rows if r.unpaid_count]
    else:
        keys = [(key, _label(db, actor, contract_id, group_by, key))]

    def fetch(k: str) -> Sequence[Any]:
        return aggregates_outstanding.details(db, actor, contract_id, period, group_by, k, today=_today(now))

    return layouts_unpaid.outstanding_detail(context(db, actor, contract_id, now), period, group_by,
                                             _groups(keys, fetch))


def discounts_summary(db: Database, actor: Actor, contract_id: int, period: Period, *, by_item: bool,
                      now: datetime) -> Report:
    summary = aggregates_discounts.summarise(db, actor, contract_id, period, by_item=by_item)
    return layouts_unpaid.discounts_summary(context(db, actor, contract_id, now), summary)


def discounts_detail(db: Database, actor: Actor, contract_id: int, period: Period, month: str | None,
                     item_id: int | None, *, now: datetime) -> Report:
    rows = aggregates_discounts.details(db, actor, contract_id, period, month, item_id)
    months = sorted({r.period for r in rows}) or ([month] if month else [])
    groups = []
    for m in months:
        subset = [r for r in rows if r.period == m]
        item = f" {subset[0].item}" if subset and item_id is not None else ""
        groups.append((f"{m}월분{item}", subset))
    if not groups:
        groups = [("전체", [])]
    return layouts_unpaid.discounts_detail(context(db, actor, contract_id, now), period, groups)


# --- 계좌신청현황 / 정산내역현황 ---------------------------------------------------------------------


def registrations_summary(db: Database, actor: Actor, contract_id: int, period: Period, *,
                          now: datetime) -> Report:
    summary = aggregates_registrations.summarise(db, actor, contract_id, period)
    return layouts_settlement.registrations_summary(context(db, actor, contract_id, now), summary)


def registrations_detail(db: Database, actor: Actor, contract_id: int, period: Period, bank_code: str | None, *,
                         now: datetime, state: RegistrationState | None = None) -> Report:
    if bank_code is None:
        summary = aggregates_registrations.summarise(db, actor, contract_id, period)
        keys = [(r.bank_code, r.bank) for r in summary.rows]
    else:
        keys = [(bank_code, bank_name(bank_code))]

    def fetch(k: str) -> Sequence[Any]:
        return aggregates_registrations.details(db, actor, contract_id, period, k, state=state)

    return layouts_settlement.registrations_detail(context(db, actor, contract_id, now), period, _groups(keys, fetch),
                                                   state_filter=state.label if state else None)


def settlement_report(db: Database, actor: Actor, contract_id: int, period: Period, *, now: datetime) -> Report:
    result = settlement.settle(db, actor, contract_id, period, now=now)
    return layouts_settlement.settlement_report(context(db, actor, contract_id, now), result)


def settlement_detail(db: Database, actor: Actor, contract_id: int, debit_date: date, bank_code: str, *,
                      now: datetime) -> Report:
    """The requests behind one settlement row (one debit date at one bank)."""
    return requests_detail(db, actor, contract_id, Period(debit_date, debit_date), GroupBy.BANK, bank_code, now=now,
                           title="정산내역현황")


# --- saving ----------------------------------------------------------------------------------------


def save(db: Database, actor: Actor, report: Report, path: str | os.PathLike[str], fmt: Format, *,
         force: bool = False) -> Path:
    """Write the report as PDF or .xlsx and audit it (any aggregate leaving the program is recorded).

    An existing file is replaced only with `force`; the database and the backups never. The audit
    row follows the file: a refused or failed save records nothing.
    """
    target = Path(path)
    protected = output_files.protected_for(db)
    if fmt == "pdf":
        render_pdf(report, target, force=force, protected=protected)
    else:
        write_xlsx(report, target, force=force, protected=protected)
    record(db, actor, report, fmt)
    return target


def record(db: Database, actor: Actor, report: Report, how: str) -> None:
    """Audit one saved or printed report: what, which period, how many rows (never the rows)."""
    action = "personal_data_exported" if report.personal else "report_exported"
    with db.session() as s:
        audit.record(s, action, actor=actor, target=report.title,
                     detail={"format": how, "period": report.period_text, "rows": report.row_count,
                             "filters": " · ".join(report.filters)})
