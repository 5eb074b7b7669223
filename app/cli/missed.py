"""`python -m app missed`: the home screen's red 마감 놓침 list, and its three remedies, without a screen.

* ``missed --contract CODE [--date D] [--item CODE] [--customer NO ...]`` lists every debit date
  whose request cut-off passed with payers left out (app/services/collection/missed.py): per item and date the
  title, what happened, the remedies, then one line per payer (고객번호, 고객명, 청구월, 금액, and
  whether it was never requested (미의뢰) or queued and never sent (이체의뢰대기)), and a 합계 line.
  Looking never writes (the login's own audit row aside), so any role may list, 조회 included.
* ``missed --contract CODE --date D (--move | --cash | --unpaid) [--item CODE] [--customer NO ...]``
  applies the clerk's choice to that date's payers, as the home screen's buttons do (the same
  `missed.apply_remedy`: all or nothing per item, under the contract's money lock, audited). It
  needs edit rights, as `request` does, and a date: a remedy is chosen for one debit date, never
  for everything at once by a script that forgot to say which.

A contracted day that falls on a closed day is taken as the clerk says it and moved, aloud, as
`request --date` does ("12-05은 휴일이라 출금일은 12-07(월)입니다"). Every refusal — a date or item with
nothing missed, a customer not in the list, a viewer choosing a remedy — is one line and exit 2
(app/cli/errors.py) before anything is written.
"""

from __future__ import annotations

import argparse
import dataclasses
from datetime import date, datetime
from typing import TYPE_CHECKING

from app.cli.errors import CliError

if TYPE_CHECKING:  # the services are imported when the command runs, so that --help stays light
    from app.models import MissedRemedy
    from app.services.collection.missed import MissedDebit

NONE_MISSED = "마감을 놓친 출금이 없습니다."

REMEDY_OPTIONS = {"move": "MOVE", "cash": "CASH", "unpaid": "UNPAID"}
"""--move / --cash / --unpaid → the MissedRemedy member (the names the home screen's buttons carry)."""


def _date(text: str) -> date:
    """YYYY-MM-DD within 2000–2099 (app.cli.args.cli_date), as `request --date` takes it."""
    from app.cli.args import cli_date

    return cli_date(text)


def _now() -> datetime:
    """The moment cut-offs are judged against: the Seoul wall clock, as `request` uses (tests replace it)."""
    from app.services.common.calendar import SEOUL

    return datetime.now(SEOUL)


def _remedy(args: argparse.Namespace) -> MissedRemedy | None:
    from app.models import MissedRemedy

    chosen = getattr(args, "remedy", None)
    return MissedRemedy[REMEDY_OPTIONS[chosen]] if chosen else None


def _state(request_id: int | None) -> str:
    """The row's 최종수납현황 word: never asked for (미의뢰), or queued and never sent (이체의뢰대기)."""
    return "이체의뢰대기" if request_id is not None else "미의뢰"


def _narrow(found: list[MissedDebit], customers: list[str] | None) -> list[MissedDebit]:
    """Only the given customers' rows (each block's message recounted for them); refuse a stranger.

    A customer number that stands in none of the blocks is refused in one line, naming it, so a
    mistyped number never turns into "the others were handled".
    """
    if not customers:
        return found
    wanted = [c.strip() for c in customers if c.strip()]
    present = {r.customer_no for m in found for r in m.rows}
    strangers = [c for c in dict.fromkeys(wanted) if c not in present]
    if strangers:
        listed = ", ".join(strangers)
        raise CliError(f"마감을 놓친 목록에 없는 고객번호입니다: {listed}. 아무것도 바꾸지 않았습니다",
                       f"customer not in the missed list: {listed}; nothing changed")
    narrowed = []
    for m in found:
        rows = tuple(r for r in m.rows if r.customer_no in wanted)
        if rows:
            narrowed.append(dataclasses.replace(m, rows=rows))
    return narrowed


def _print_list(found: list[MissedDebit]) -> None:
    from app.models import MissedRemedy

    for m in found:
        print(m.title)
        print(m.message)
        choices = " · ".join(f"--{option} {m.remedy_text(MissedRemedy[member])}" for option, member in REMEDY_OPTIONS.items())
        print(f"처리: {choices}")
        for r in m.rows:
            print(f"{r.customer_no}\t{r.customer_name}\t{r.period}\t{r.amount:,}원\t{_state(r.request_id)}")
    count = sum(m.count for m in found)
    amount = sum(m.amount for m in found)
    print(f"합계\t{count:,}건\t{amount:,}원\t(출금일·집금항목 {len(found):,}곳)")


def _apply(args: argparse.Namespace, contract_id: int, chosen: list[MissedDebit], listed: list[MissedDebit],
           remedy: MissedRemedy, now: datetime) -> None:
    """Apply `remedy` to each block in turn; a refusal after the first names what was already done.

    Each block is one `apply_remedy` (one item's rows, all or nothing). The one refusal foreseeable
    before writing — nowhere to move an item to — is checked for every block first. A block whose
    rows were all chosen is passed without a customer list (`listed`: the blocks before --customer).
    """
    from app.services.collection import missed
    from app.services.collection.missed import Remedy
    from app.services.common.errors import ServiceError

    caller = args.caller
    if remedy is Remedy.MOVE:
        stuck = [m for m in chosen if m.move_to is None]
        if stuck:
            raise CliError(f"{stuck[0].item_name}의 다음 출금일을 찾을 수 없어 옮길 수 없습니다. --cash나 --unpaid로 "
                           "처리하세요. 아무것도 바꾸지 않았습니다",
                           "no next debit date to move to; nothing changed")
    whole = {m.key: m.count for m in listed}
    done: list[str] = []
    for m in chosen:
        agreement_ids = None if m.count == whole[m.key] else sorted({r.agreement_id for r in m.rows})
        try:
            outcome = missed.apply_remedy(caller.db, caller.user, contract_id, m.debit_date, m.item_id, remedy,
                                          now=now, agreement_ids=agreement_ids)
        except ServiceError as error:
            if not done:
                raise
            raise CliError(f"{m.title}: {error.message} 앞의 {len(done)}곳({', '.join(done)})은 이미 처리했습니다",
                           f"stopped at {m.key}; {len(done)} earlier item(s) already handled") from None
        print(outcome.message)
        done.append(m.title)


def cmd_missed(args: argparse.Namespace) -> int:
    from app.cli.collection import _contract, _item_id
    from app.services.collection import missed
    from app.services.common import debit_days, formats

    db, actor, contract_id = _contract(args)
    remedy = _remedy(args)
    if remedy is not None:
        if args.date is None:
            raise CliError("처리할 출금일을 --date로 고르세요. 마감 놓친 목록은 --date 없이 볼 수 있습니다",
                           "--move, --cash and --unpaid need --date")
        actor.require_edit()  # as the home screen's buttons: 조회 may look, not choose
    item_id = _item_id(db, contract_id, args.item)
    now = _now()
    debit_date: date | None = None
    if args.date is not None:
        # The clerk says the contracted day ("the 5th"); a closed day moves to its debit date, said aloud.
        moved = debit_days.resolve(db, actor, contract_id, args.date)
        if moved.moved:
            print(f"{moved.note}. (debit date moved)")
        debit_date = moved.debit_date
    found = [m for m in missed.missed_debits(db, actor, contract_id, now=now, debit_date=debit_date)
             if item_id is None or m.item_id == item_id]
    if not found:
        where = f"출금일 {formats.day_text(debit_date)}" if debit_date else ""
        what = f"{args.item.strip()} 집금항목" if args.item else ""
        scope = " ".join(p for p in (where, what) if p)
        if remedy is not None:
            raise CliError(f"{scope}에 {NONE_MISSED[:-1]}. 아무것도 바꾸지 않았습니다",
                           f"nothing missed on {debit_date}{' for ' + args.item.strip() if args.item else ''}; "
                           "nothing changed")
        print(f"{scope}에 {NONE_MISSED}" if scope else NONE_MISSED)
        return 0
    chosen = _narrow(found, args.customer)
    if remedy is None:
        _print_list(chosen)
        return 0
    _apply(args, contract_id, chosen, found, remedy, now)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `missed` to `python -m app` (called from app.cli.main.extra_commands)."""
    from app.cli.login import USER

    cmd = sub.add_parser(
        "missed",
        help="이체의뢰 마감을 놓친 출금 목록; --date와 --move/--cash/--unpaid로 처리 (missed cut-offs and remedies)",
        description="이체의뢰 마감이 지났는데 의뢰하지 않았거나 송신되지 않은 출금을 보여 줍니다. 처리는 --date와 함께 "
                    "--move(다음 출금일로 옮기기), --cash(현금수납으로 받기), --unpaid(미납으로 두기) 중 하나; "
                    "조회 사용자는 목록만 볼 수 있습니다.",
    )
    cmd.add_argument("--contract", required=True, help="이용기관코드")
    cmd.add_argument("--date", type=_date, help="출금일 YYYY-MM-DD (약정일이 휴일이면 실제 출금일로 옮깁니다)")
    cmd.add_argument("--item", help="집금항목 코드 (없으면 전체)")
    cmd.add_argument("--customer", nargs="+", action="extend", metavar="NO", help="고객번호 (없으면 목록의 전체)")
    remedies = cmd.add_mutually_exclusive_group()
    remedies.add_argument("--move", dest="remedy", action="store_const", const="move",
                          help="집금항목의 다음 출금일로 옮겨 이체의뢰대기로 넣기 (move to the next debit date)")
    remedies.add_argument("--cash", dest="remedy", action="store_const", const="cash",
                          help="현금수납 대상으로 넣기 (receive in cash)")
    remedies.add_argument("--unpaid", dest="remedy", action="store_const", const="unpaid",
                          help="미납으로 두기 (leave unpaid)")
    # USER: any logged-in user may list, 조회 included; a remedy checks edit rights itself, as `request` does
    cmd.set_defaults(handler=cmd_missed, access=USER)
