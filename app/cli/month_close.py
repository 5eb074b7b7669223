"""`python -m app close-month | reopen-month`: 월마감 without a screen, for an administrator or a script.

    close-month --contract CODE --month YYYY-MM [--override-reason TEXT] [--pdf OUT] [--xlsx OUT] [--force]
    reopen-month --contract CODE --month YYYY-MM --reason TEXT

`close-month` closes the month through the same service as the 집계 > 월마감 screen
(app/services/aggregates/month_close.py): it prints every request of the month still without a bank
result, refuses (exit 2, nothing written) while there are any unless --override-reason gives why it
closes anyway, then prints the figures by item and what was closed, and saves the close report as
PDF and/or .xlsx. The report paths are checked before anything is closed, so a refused path closes
nothing. `reopen-month` reopens a closed month with the reason, which the close's report then shows
beside 재개방으로 대체됨.

Both are an administrator's, as on screen; the login is the usual one (app/cli/login.py) and every
refusal is one line and exit 2 (app/cli/errors.py).
"""

from __future__ import annotations

import argparse
from datetime import datetime

from app.cli.errors import type_error


def _now() -> datetime:
    """The moment of the close: the Seoul wall clock (tests replace it)."""
    from app.services.common.calendar import SEOUL

    return datetime.now(SEOUL)


def cli_month(text: str) -> str:
    """YYYY-MM between 2000-01 and 2099-12."""
    from app.services.aggregates.month_close import MONTH_TEXT

    value = text.strip()
    if not MONTH_TEXT.fullmatch(value):
        raise type_error(f"달은 YYYY-MM(예: 2026-09)으로 입력하세요: {text!r}", f"expected a month YYYY-MM: {text!r}")
    return value


def cmd_close_month(args: argparse.Namespace) -> int:
    from app.services.aggregates import month_close
    from app.services.aggregates.reports import month_close_pdf, month_close_xlsx
    from app.services.common import output_files
    from app.services.common.calendar import SEOUL
    from app.services.settings import contracts

    caller = args.caller
    db, actor = caller.db, caller.user
    actor.require_admin()
    now = _now().astimezone(SEOUL)
    contract_id = contracts.contract_id_for_code(db, args.contract)
    protected = output_files.protected_for(db)
    for path in (args.pdf, args.xlsx):
        if path:
            output_files.check_target(path, force=args.force, protected=protected)
    ready = month_close.readiness(db, actor, contract_id, args.month, now.date())
    for m in ready.missing:
        print(f"결과 미수신\t{m.debit_date:%Y-%m-%d}\t{m.customer_no}\t{m.customer_name}\t{m.item}\t{m.amount:,}원\t"
              f"{m.state.label}")
    outcome = month_close.close(db, actor, contract_id, args.month, today=now.date(), now=now,
                                override_reason=args.override_reason)
    figures = outcome.figures
    for name, f in [*((i.item, i) for i in figures.items), ("합계", figures.total)]:
        print(f"{name}\t청구 {f.charged:,}원\t할인 {f.discount:,}원\t출금 {f.debited:,}원\t현금수납 {f.cash:,}원\t"
              f"수납취소 {f.reversed:,}원\t반환 {f.refunded:,}원\t미납 {f.unpaid_count:,}건 {f.unpaid:,}원")
    for a in figures.adjustments:
        print(f"정정\t{a.period}\t{a.count:,}건\t현금수납 {a.cash:,}원\t수납취소 {a.reversed:,}원")
    print(outcome.message)
    if args.pdf:
        saved = month_close_pdf.write_close_pdf(db, actor, outcome.close_id, args.pdf, now=now, force=args.force)
        print(f"보고서 PDF를 저장했습니다: {saved}")
    if args.xlsx:
        saved = month_close_xlsx.write_close_xlsx(db, actor, outcome.close_id, args.xlsx, now=now, force=args.force)
        print(f"보고서 엑셀을 저장했습니다: {saved}")
    return 0


def cmd_reopen_month(args: argparse.Namespace) -> int:
    from app.services.aggregates import month_close
    from app.services.common.calendar import SEOUL
    from app.services.settings import contracts

    caller = args.caller
    db, actor = caller.db, caller.user
    actor.require_admin()
    contract_id = contracts.contract_id_for_code(db, args.contract)
    print(month_close.reopen(db, actor, contract_id, args.month, args.reason, _now().astimezone(SEOUL)))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `close-month` and `reopen-month` to `python -m app` (called from app.cli.main.extra_commands)."""
    from app.cli.login import ADMIN

    close = sub.add_parser(
        "close-month", help="월마감: 달의 숫자를 확정하고 보고서 PDF·엑셀 저장; 관리자 (close a month)",
        description="지난 달을 마감합니다. 마감한 달의 청구·이체의뢰·수납·원장은 바꿀 수 없고, 정정은 열린 달에 "
                    "기록됩니다. 은행 결과가 없는 이체의뢰가 있으면 --override-reason 없이는 마감하지 않습니다.",
    )
    close.add_argument("--contract", required=True, metavar="CODE", help="이용기관코드")
    close.add_argument("--month", required=True, type=cli_month, metavar="YYYY-MM", help="마감할 달")
    close.add_argument("--override-reason", metavar="TEXT", help="결과가 없는 이체의뢰가 있어도 마감하는 사유")
    close.add_argument("--pdf", metavar="OUT.pdf", help="마감 보고서 PDF 저장 경로 (선택)")
    close.add_argument("--xlsx", metavar="OUT.xlsx", help="마감 보고서 엑셀 저장 경로 (선택)")
    close.add_argument("--force", action="store_true", help="OUT이 이미 있으면 덮어씀 (overwrite)")
    close.set_defaults(handler=cmd_close_month, access=ADMIN)

    reopen = sub.add_parser(
        "reopen-month", help="월마감 취소(재개방): 사유를 남기고 달을 다시 엶; 관리자 (reopen a month)",
        description="마감한 달을 다시 엽니다. 마감 기록은 남고 그 보고서는 '재개방으로 대체됨'으로 표시됩니다.",
    )
    reopen.add_argument("--contract", required=True, metavar="CODE", help="이용기관코드")
    reopen.add_argument("--month", required=True, type=cli_month, metavar="YYYY-MM", help="다시 열 달")
    reopen.add_argument("--reason", required=True, metavar="TEXT", help="재개방 사유 (마감 기록과 보고서에 남음)")
    reopen.set_defaults(handler=cmd_reopen_month, access=ADMIN)
