"""`python -m app request | results | cash`: 수납관리 without a screen, for administrators and scripts.

* ``request --contract CODE --date YYYY-MM-DD [--item CODE] [--include-outstanding]`` lists what is
  due on the date (a contracted day on a closed day is moved to its debit date, and says so),
  prints every excluded payer with the reason, and queues all requestable ones
  (the same service as the 이체의뢰 button, with the same cut-off). Exit 1 when nothing was queued.
* ``results --contract CODE [--from D] [--to D] [--xlsx OUT]`` prints the 이체의뢰결과 rows and the
  totals per state (default period: the 1st of this month to today), optionally to Excel.
* ``cash --contract CODE --customer NO --amount N [--item CODE] [--period YYYY-MM] [--date D]``
  records cash against the customer's one failed, outstanding charge (narrow with --item/--period
  when there are several).

Commands run as the user who logged in (app/cli/login.py), with that user's role, and are audited
like the screens.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime
from typing import TYPE_CHECKING

from app.cli.errors import CliError

if TYPE_CHECKING:  # the services are imported when the command runs, so that --help stays light
    from app.database.engine import Database
    from app.services.common.session import Actor

NOTHING_DONE = 1


def _date(text: str) -> date:
    """YYYY-MM-DD within 2000–2099 (app.cli.args.cli_date): the year 1 would overflow the calendar."""
    from app.cli.args import cli_date

    return cli_date(text)


def _contract(args: argparse.Namespace) -> tuple[Database, Actor, int]:
    """(database, the logged-in user, contract id) of --contract, which the user logged in to."""
    from app.services.settings import contracts

    caller = args.caller
    return caller.db, caller.user, contracts.contract_id_for_code(caller.db, args.contract)


def _item_id(db: Database, contract_id: int, code: str | None) -> int | None:
    from sqlalchemy import select

    from app.models import CollectionItem

    if not code:
        return None
    with db.session() as s:
        found = s.scalar(select(CollectionItem.id).where(CollectionItem.contract_id == contract_id,
                                                         CollectionItem.code == code.strip()))
    if found is None:
        raise CliError(f"집금항목 코드 {code}가 없습니다", "no such collection item")
    return found


def _now() -> datetime:
    from app.services.common.calendar import SEOUL

    return datetime.now(SEOUL)


def cmd_request(args: argparse.Namespace) -> int:
    from app.services.collection import requests as debits
    from app.services.common import debit_days

    db, actor, contract_id = _contract(args)
    actor.require_edit()  # as the 이체의뢰 button: 조회 is refused before the list is even made
    item_id = _item_id(db, contract_id, args.item)
    now = _now()
    # The clerk says the contracted day ("the 5th"); a closed day moves to its debit date, said aloud.
    moved = debit_days.resolve(db, actor, contract_id, args.date)
    if moved.moved:
        print(f"{moved.note}. (debit date moved)")
    args.date = moved.debit_date
    due = debits.list_due(db, actor, contract_id, args.date, item_id, args.include_outstanding, now=now)
    for row in due.rows:
        if not row.requestable:
            print(f"제외\t{row.customer_no}\t{row.customer_name}\t{row.item_name}\t{row.reason}")
    print(f"출금일 {args.date:%Y-%m-%d}: {due.totals.text}")  # the 이체의뢰 screen's footer, before asking
    ready = due.requestable
    if not due.cutoff.open:
        print(f"이체의뢰하지 않았습니다: {due.cutoff.message} (cut-off passed)")
        return NOTHING_DONE
    if not ready:
        print(f"출금일 {args.date:%Y-%m-%d}에 이체의뢰할 건이 없습니다. (nothing to request)")
        return NOTHING_DONE
    outcome = debits.request(db, actor, contract_id, args.date, [r.agreement_id for r in ready],
                             include_outstanding=args.include_outstanding, now=now, item_id=item_id)
    print(outcome.message)
    return 0


def cmd_results(args: argparse.Namespace) -> int:
    from app.services.collection import results

    db, actor, contract_id = _contract(args)
    today = _now().date()
    query = results.ResultQuery(date_from=args.date_from, date_to=args.date_to)
    view = results.list_results(db, actor, contract_id, query, today=today)
    for r in view.rows:
        print(f"{r.debit_date:%Y-%m-%d}\t{r.customer_no}\t{r.customer_name}\t{r.item_name}\t{r.bank_name}\t"
              f"{r.amount}\t{r.debited_amount}\t{r.state_text}\t{r.reason_text}")
    for t in view.totals:
        print(f"{t.state_text}\t{t.count}건\t의뢰 {t.amount:,}원\t출금 {t.debited:,}원")
    print(f"합계\t{view.count}건\t의뢰 {view.amount:,}원\t출금 {view.debited:,}원 "
          f"({view.date_from:%Y-%m-%d} ~ {view.date_to:%Y-%m-%d})")
    if args.xlsx:
        saved = results.export_results_xlsx(db, actor, contract_id, args.xlsx, query, today=today, force=args.force)
        print(f"{saved.rows:,}건을 저장했습니다 (계좌번호는 가림): {saved.path}")
    return 0


def cmd_cash(args: argparse.Namespace) -> int:
    from app.services.collection import cash

    db, actor, contract_id = _contract(args)
    actor.require_edit()  # as the 현금수납 screen: 조회 cannot record a receipt
    item_id = _item_id(db, contract_id, args.item)
    rows = cash.list_cash_candidates(db, actor, contract_id, item_id=item_id, customer_no=args.customer)
    if args.period:
        rows = [r for r in rows if r.period == args.period]
    if not rows:
        raise CliError(f"고객번호 {args.customer}에 현금수납할 이체처리미완료 청구가 없습니다", "nothing to receive")
    if len(rows) > 1:
        for r in rows:
            print(f"{r.item_name}\t{r.period}\t미수납 {r.outstanding:,}원")
        raise CliError("현금수납할 청구가 여럿입니다. --item 또는 --period로 하나를 고르세요", "several charges match")
    today = _now().date()
    receipt = cash.receive_cash(db, actor, rows[0].charge_id, args.amount, args.date or today, today=today)
    print(receipt.message)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `request`, `results` and `cash` to `python -m app` (called from app.cli.main.extra_commands)."""
    req = sub.add_parser("request", help="출금일의 청구를 이체의뢰 (이체의뢰대기로 넣음) (debit request)")
    req.add_argument("--contract", required=True, help="이용기관코드")
    req.add_argument("--date", required=True, type=_date, help="출금일 YYYY-MM-DD")
    req.add_argument("--item", help="집금항목 코드 (없으면 전체)")
    req.add_argument("--include-outstanding", action="store_true", help="이전 달 미수납액 포함")
    req.set_defaults(handler=cmd_request)

    res = sub.add_parser("results", help="이체의뢰결과 조회 / 엑셀 저장 (debit results)")
    res.add_argument("--contract", required=True, help="이용기관코드")
    res.add_argument("--from", dest="date_from", type=_date, help="출금일 시작 (기본: 이번 달 1일)")
    res.add_argument("--to", dest="date_to", type=_date, help="출금일 끝 (기본: 오늘)")
    res.add_argument("--xlsx", metavar="OUT.xlsx", help="엑셀로 저장")
    res.add_argument("--force", action="store_true", help="--xlsx 파일이 이미 있으면 덮어씀 (overwrite)")
    res.set_defaults(handler=cmd_results)

    cas = sub.add_parser("cash", help="이체처리미완료 청구의 현금수납 (cash receipt)")
    cas.add_argument("--contract", required=True, help="이용기관코드")
    cas.add_argument("--customer", required=True, help="고객번호")
    cas.add_argument("--amount", required=True, type=int, help="수납금액 (원)")
    cas.add_argument("--item", help="집금항목 코드")
    cas.add_argument("--period", help="청구년월 YYYY-MM")
    cas.add_argument("--date", type=_date, help="수납일 (기본: 오늘)")
    cas.set_defaults(handler=cmd_cash)
