"""`python -m app report KIND`: every 집계 of the 집계 menu as PDF or .xlsx, and the 미납 안내문, without a screen.

    report KIND --contract CODE [--from D] [--to D] [--by item|grade|bank] [--detail] (--pdf OUT | --xlsx OUT) [--force]

Each KIND calls the same `app.services.aggregates.reports.build` function the screen's [PDF 저장]/[엑셀 저장]
calls, and saves through `build.save` (output_files: 0600, an existing file only with --force, never
the database), which writes the screen's ``report_exported`` audit row ("집계 출력·저장";
``personal_data_exported`` for drill-downs and letters). So a script's file holds exactly the figures
the clerk sees. The report's 합계 line(s) are also printed to stdout, for a script to read.

Viewing and saving 집계 is open to every role, as on screen; the login is the usual one
(app/cli/login.py, the parser's default access).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from app.cli.errors import CliError

if TYPE_CHECKING:  # the services are imported when a command runs, so that --help stays light
    from app.database.engine import Database
    from app.services.aggregates.common import GroupBy
    from app.services.aggregates.reports.model import Report
    from app.services.common.periods import Period
    from app.services.common.session import Actor


@dataclass(frozen=True)
class ReportKind:
    """One KIND: its Korean name (as the 집계 menu says it) and which groupings it accepts."""

    korean: str
    groupings: tuple[str, ...] = ()  # --by values it accepts
    default_by: str | None = None  # the screen's grouping when --by is not given
    detail: bool = True  # whether --detail (every group's rows, as the drill-down prints) exists


KINDS: dict[str, ReportKind] = {
    "requests": ReportKind("이체의뢰내역집계", ("item", "grade", "bank"), "item"),
    "outstanding": ReportKind("미납내역집계", ("item", "grade", "bank"), "item"),
    "discounts": ReportKind("할인내역집계", ("item",)),  # by month; --by item is [집금항목별로 나누기]
    "registrations": ReportKind("계좌신청현황"),
    "request-status": ReportKind("이체의뢰현황"),
    "settlement": ReportKind("정산내역현황", detail=False),
    "letters": ReportKind("미납 안내문 (PDF만)", detail=False),
}
GROUP_BY = {"item": "ITEM", "grade": "GRADE", "bank": "BANK"}  # --by → the screens' GroupBy member


@dataclass(frozen=True)
class ReportQuery:
    """What one `report` run asks for, checked: the same inputs an 집계 screen's query holds."""

    db: Database
    actor: Actor
    contract_id: int
    period: Period
    group_by: GroupBy | None
    detail: bool
    now: datetime


def _now() -> datetime:
    from app.services.common.calendar import SEOUL

    return datetime.now(SEOUL)


def _group_by(kind: str, by: str | None) -> GroupBy | None:
    """--by for KIND, refused in one line where the screen has no such grouping."""
    from app.services.aggregates.common import GroupBy

    allowed = KINDS[kind].groupings
    if by is None:
        default = KINDS[kind].default_by
        return GroupBy[GROUP_BY[default]] if default else None
    if by not in allowed:
        which = "·".join(allowed) if allowed else "없음"
        raise CliError(f"{KINDS[kind].korean}에는 --by {by}가 없습니다 (가능: {which})",
                       f"--by {by} is not available for {kind}")
    return GroupBy[GROUP_BY[by]]


def _summary(r: ReportQuery, kind: str) -> Report:
    """The summary a screen shows for KIND, as its [PDF 저장] builds it."""
    from app.services.aggregates.common import GroupBy
    from app.services.aggregates.reports import build

    if kind == "requests":
        return build.requests_summary(r.db, r.actor, r.contract_id, r.period, r.group_by or GroupBy.ITEM, now=r.now)
    if kind == "outstanding":
        return build.outstanding_summary(r.db, r.actor, r.contract_id, r.period, r.group_by or GroupBy.ITEM, now=r.now)
    if kind == "discounts":
        return build.discounts_summary(r.db, r.actor, r.contract_id, r.period, by_item=r.group_by is not None,
                                       now=r.now)
    if kind == "registrations":
        return build.registrations_summary(r.db, r.actor, r.contract_id, r.period, now=r.now)
    if kind == "request-status":
        return build.bank_status_summary(r.db, r.actor, r.contract_id, r.period, now=r.now)
    return build.settlement_report(r.db, r.actor, r.contract_id, r.period, now=r.now)


def _detail(r: ReportQuery, kind: str) -> Report:
    """Every group's 상세내역 with its 소계 (the drill-down's print with no group chosen)."""
    from app.services.aggregates.common import GroupBy
    from app.services.aggregates.reports import build

    if kind == "requests":
        return build.requests_detail(r.db, r.actor, r.contract_id, r.period, r.group_by or GroupBy.ITEM, None,
                                     now=r.now)
    if kind == "outstanding":
        return build.outstanding_detail(r.db, r.actor, r.contract_id, r.period, r.group_by or GroupBy.ITEM, None,
                                        now=r.now)
    if kind == "discounts":
        return build.discounts_detail(r.db, r.actor, r.contract_id, r.period, None, None, now=r.now)
    if kind == "registrations":
        return build.registrations_detail(r.db, r.actor, r.contract_id, r.period, None, now=r.now)
    return build.bank_status_detail(r.db, r.actor, r.contract_id, r.period, None, now=r.now)


BUILDERS: dict[bool, Callable[[ReportQuery, str], Report]] = {False: _summary, True: _detail}


def total_lines(report: Report) -> list[str]:
    """The report's 합계 rows as printed in the PDF, one tab-separated line per table ("헤더 값")."""
    from app.services.aggregates.reports.model import cell_text

    lines = []
    for table in report.tables:
        if table.total is None:
            continue
        label = str(table.total[0])
        cells = [f"{c.header} {cell_text(c.kind, v)}" for c, v in zip(table.columns[1:], table.total[1:], strict=True)
                 if cell_text(c.kind, v)]
        prefix = f"{table.caption} " if table.caption and len(report.tables) > 1 else ""
        lines.append("\t".join([f"{prefix}{label}", *cells]))
    return lines


def _write_report(args: argparse.Namespace, r: ReportQuery) -> None:
    from app.services.aggregates.reports import build

    report = BUILDERS[args.detail](r, args.kind)
    fmt: build.Format = "pdf" if args.pdf else "xlsx"
    target = build.save(r.db, r.actor, report, args.pdf or args.xlsx, fmt, force=args.force)
    print(f"{report.title}\t{report.period_text}\t{' · '.join(report.filters)}")
    for line in total_lines(report):
        print(line)
    for alert in report.alerts:  # what the PDF prints in red: a script must not miss it either
        print(f"확인 필요\t{alert}")
    print(f"저장했습니다 ({report.row_count:,}행): {target}")


def _write_letters(args: argparse.Namespace, r: ReportQuery) -> None:
    """미납 안내문 for every unpaid customer of the period, as the 미납내역집계 screen's button writes them."""
    from app.services.aggregates.common import GroupBy
    from app.services.aggregates.reports import build, letters

    if not args.pdf:
        raise CliError("미납 안내문은 PDF로만 저장합니다 (--pdf OUT)", "letters are PDF only")
    count = letters.write_letters(r.db, r.actor, r.contract_id, r.period, None, None, args.pdf, now=r.now,
                                  force=args.force)
    # the 미납내역집계 of the same period and moment (same path as the screen): the letters add up to its 미납금액
    table = build.outstanding_summary(r.db, r.actor, r.contract_id, r.period, GroupBy.ITEM, now=r.now).tables[0]
    total = {c.header: v for c, v in zip(table.columns, table.total or (), strict=False)}
    print(f"미납 안내문\t{r.period.text}")
    print(f"합계\t안내문 {count:,}장\t미납건수 {total.get('미납건수', 0):,}\t미납금액 {total.get('미납금액', 0):,}원")
    print(f"저장했습니다: {args.pdf}")


def cmd_report(args: argparse.Namespace) -> int:
    from app.services.common.periods import Period, default_period
    from app.services.settings import contracts

    caller = args.caller
    kind = args.kind
    if args.detail and not KINDS[kind].detail:
        raise CliError(f"{KINDS[kind].korean}에는 --detail이 없습니다", f"--detail is not available for {kind}")
    group_by = _group_by(kind, args.by)
    now = _now()
    default = default_period(now.date())
    period = Period(args.date_from or default.start, args.date_to or default.end)
    r = ReportQuery(caller.db, caller.user, contracts.contract_id_for_code(caller.db, args.contract), period, group_by,
                args.detail, now)
    if kind == "letters":
        _write_letters(args, r)
    else:
        _write_report(args, r)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `report` to `python -m app` (called from app.cli.main.extra_commands)."""
    from app.cli.args import cli_date

    kinds = "\n".join(f"  {name:<15} {k.korean}" for name, k in KINDS.items())
    rep = sub.add_parser(
        "report", help="집계 PDF·엑셀 저장, 미납 안내문: " + " | ".join(KINDS) + " (aggregate reports)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=f"집계 메뉴의 집계를 화면과 같은 숫자로 PDF 또는 엑셀로 저장하고 합계 줄을 출력합니다.\n\nKIND:\n{kinds}",
        epilog="--by: requests·outstanding은 item(기본)|grade|bank, discounts는 item(집금항목별로 나누기).\n"
               "--detail: 상세내역(고객별 행, 개인정보 출력으로 기록). 조회기간 기본값: 이번 달 1일 ~ 오늘.",
    )
    rep.add_argument("kind", choices=list(KINDS), metavar="KIND", help="위 KIND 중 하나")
    rep.add_argument("--contract", required=True, metavar="CODE", help="이용기관코드")
    rep.add_argument("--from", dest="date_from", type=cli_date, metavar="D", help="조회기간 시작 YYYY-MM-DD (기본: 이번 달 1일)")
    rep.add_argument("--to", dest="date_to", type=cli_date, metavar="D", help="조회기간 끝 YYYY-MM-DD (기본: 오늘)")
    rep.add_argument("--by", choices=list(GROUP_BY), help="집계기준: item 집금항목, grade 고객등급, bank 은행")
    rep.add_argument("--detail", action="store_true", help="상세내역 (모든 집계기준의 고객별 행과 소계)")
    out = rep.add_mutually_exclusive_group(required=True)
    out.add_argument("--pdf", metavar="OUT.pdf", help="PDF로 저장")
    out.add_argument("--xlsx", metavar="OUT.xlsx", help="엑셀로 저장")
    rep.add_argument("--force", action="store_true", help="OUT이 이미 있으면 덮어씀 (overwrite)")
    rep.set_defaults(handler=cmd_report)
