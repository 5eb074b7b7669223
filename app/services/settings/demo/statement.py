"""A bank statement to practise 통장입금대사 on: the demo academy's own 국민은행 history of the last days.

The families whose debit failed and who still owe pay by transfer, the way parents do: most under
their own name and the exact amount (the desk matches those without help), some as '김민준모' or the
보호자's name, some only the oldest month or a part of it (the desk proposes those with reasons); the
rest of an office's account goes by too (interest, a supplier's refund, the rent going out). It is
written where the program keeps its data, as the bank's internet banking exports it (title lines,
the header in the bank's words, a 합계 line), and made from what the demo left unpaid through the
real cash service, so reading it in the demo finds real charges. No account number is in it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select

from app.database.engine import Database
from app.models import Customer
from app.services.collection import cash
from app.services.common.session import Actor

SAMPLE_NAME = "데모_통장거래내역.xlsx"
HEADER = ("거래일시", "적요", "보낸분/받는분", "송금메모", "출금액(원)", "입금액(원)", "잔액(원)", "거래점", "구분")
OPENING_BALANCE = 12_480_000
MAX_FAMILIES = 40
"""The families of the sample: enough for every kind of deposit several times, few enough to read."""

Line = tuple[datetime, str, int, int, str]
"""(when, who, deposit won, withdrawal won, 적요)."""


def _families(db: Database, actor: Actor, contract_id: int) -> list[list[cash.CashRow]]:
    """The unpaid charges cash may take, per family, oldest first; families in 고객번호 order."""
    owed: dict[int, list[cash.CashRow]] = defaultdict(list)
    for row in cash.list_cash_candidates(db, actor, contract_id):
        if row.blocked is None and row.outstanding > 0:
            owed[row.customer_id].append(row)
    families = sorted(owed.values(), key=lambda rows: rows[0].customer_no)
    return [sorted(rows, key=lambda r: r.period) for rows in families[:MAX_FAMILIES]]


def _payment(number: int, rows: list[cash.CashRow], guardian: str) -> tuple[str, int]:
    """Who the bank prints and how much, by the habit this family plays (see the module docstring)."""
    name, total = rows[0].customer_name, sum(r.outstanding for r in rows)
    habit = number % 6  # the second family already plays a habit, so even a small demo has one to confirm
    if habit == 1:
        return f"{name}모", total
    if habit == 3:
        oldest = rows[0].outstanding
        return name, oldest if len(rows) > 1 else max(oldest // 2 // 1000 * 1000, 1000)
    if habit == 4 and guardian:
        return guardian, total
    return name, total


def _lines(families: list[list[cash.CashRow]], guardians: dict[int, str], first: date, last: date) -> list[Line]:
    days = max((last - first).days, 0) + 1
    lines: list[Line] = []
    for number, rows in enumerate(families):
        who, amount = _payment(number, rows, guardians.get(rows[0].customer_id, ""))
        day = first + timedelta(days=number % days)
        lines.append((datetime.combine(day, time(9 + number % 9, (number * 7) % 60)), who, amount, 0, "타행이체"))
    others = ((0, "예금이자", 1_234, 0, "이자"), (1, "(주)교육나라", 550_000, 0, "타행이체"),
              (1, "해오름빌딩", 0, 1_800_000, "인터넷뱅킹"), (2, "케이에스넷", 0, 33_000, "CMS수수료"))
    for offset, who, deposit, withdrawal, memo in others:
        day = min(first + timedelta(days=offset), last)
        lines.append((datetime.combine(day, time(16, 30 + offset)), who, deposit, withdrawal, memo))
    return sorted(lines)


def write_sample(db: Database, actor: Actor, contract_id: int, folder: Path, today: date) -> Path | None:
    """Write the sample statement into `folder` (replacing an earlier sample); None when nobody owes."""
    families = _families(db, actor, contract_id)
    if not families:
        return None
    failed_on = max((r.last_debit_date for rows in families for r in rows if r.last_debit_date), default=today)
    first = min(failed_on + timedelta(days=1), today)
    guardians = _guardians(db, [rows[0].customer_id for rows in families])
    lines = _lines(families, guardians, first, today)
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook opens on its one worksheet
    sheet.title = "거래내역"
    sheet.append(["거래내역조회"])
    sheet.append(["계좌번호", "데모 계좌 (연습용)"])
    sheet.append(["조회기간", f"{first:%Y.%m.%d} ~ {today:%Y.%m.%d}"])
    sheet.append([])
    sheet.append(list(HEADER))
    balance = OPENING_BALANCE
    for when, who, deposit, withdrawal, memo in lines:
        balance += deposit - withdrawal
        sheet.append([f"{when:%Y.%m.%d %H:%M:%S}", memo, who, "", withdrawal, deposit, balance, "서초", ""])
    sheet.append(["합계", "", "", "", sum(x[3] for x in lines), sum(x[2] for x in lines), "", "", ""])
    for column, width in zip("ABCDEFGHI", (20, 12, 16, 12, 14, 14, 14, 8, 6), strict=True):
        sheet.column_dimensions[column].width = width
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SAMPLE_NAME
    book.save(path)
    return path


def _guardians(db: Database, ids: list[int]) -> dict[int, str]:
    """The 보호자 of each family: the name a parent may transfer under."""
    with db.session() as s:
        return {cid: rep or "" for cid, rep in s.execute(
            select(Customer.id, Customer.representative).where(Customer.id.in_(ids)))}
