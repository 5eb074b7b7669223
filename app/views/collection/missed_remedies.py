"""The words of the missed cut-off remedies, shared by the home screen's red card and the 이체의뢰 screen.

Both screens offer the same three choices for the same `missed.MissedDebit`; they ask the same
question before acting and explain the move button the same way, so the clerk reads one sentence.
"""

from __future__ import annotations

from datetime import date

from app.services.collection.missed import MissedDebit, Remedy
from app.services.common import formats
from app.services.common.formats import won


def remedy_question(m: MissedDebit, remedy: Remedy, today: date) -> str:
    """What the confirmation asks before a remedy: the date, the count, the won and what will happen."""
    head = f"{m.title}\n마감을 놓친 {m.count:,}건 {won(m.amount)}"
    cancelled = (f"\n송신되지 않은 이체의뢰대기 {m.queued_count:,}건은 취소합니다." if m.queued_count else "")
    if remedy is Remedy.MOVE:
        cutoff = f"{formats.moment_text(m.move_cutoff)} 마감에 " if m.move_cutoff else ""
        return (f"{head}을 {formats.day_text(m.move_to or m.debit_date)} 출금으로 옮겨 이체의뢰대기로 넣습니다.\n"
                f"{cutoff}은행으로 보냅니다. 옮길까요?")
    if remedy is Remedy.CASH:
        return (f"{head}을 현금수납 대상으로 돌립니다. 은행에 출금을 의뢰하지 않고, 받은 날에 현금수납 화면에서 "
                f"한 건씩 기록합니다.{cancelled}\n현금수납으로 받을까요?")
    when = f"출금일 {formats.day_text(m.debit_date)}이 지나면 " if m.debit_date >= today else ""
    return (f"{head}을 미납으로 둡니다. 출금하지 않으며, {when}미납내역집계와 미납 안내문에 미납으로 나옵니다."
            f"{cancelled}\n미납으로 둘까요?")


def move_tooltip(m: MissedDebit) -> str:
    """Why [옮기기] does what it does, or why it cannot be pressed."""
    if m.move_to is None:
        return (f"{m.item_name}의 다음 출금일 가운데 이체의뢰 마감이 남은 날이 없어 옮길 수 없습니다. "
                "현금수납이나 미납으로 처리하세요.")
    cutoff = f"{formats.moment_text(m.move_cutoff)} 마감에 " if m.move_cutoff else ""
    return f"{formats.day_text(m.move_to)} 출금의 이체의뢰대기로 넣습니다. {cutoff}은행으로 보냅니다."
