"""The stage of the 통장입금대사 screen tests: payers whose debit of 5 November failed, and what they paid in.

Built on the 수납관리 screens' helpers (tests/collection_views/helpers.py): the 5th's requests fail on
11-06 for 김민준, 이서연 and 박지호 and succeed for 최하은; the clerk works on Friday 20 November. The
statement's deposits come between the two: 김민준 pays exactly, 이서연's mother pays under her own
habit ('이서연모'), 박지호 pays 20,000원 too much, and a company's deposit is nobody's charge.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from app.models.enums import StatementLineState
from app.services.collection import cash
from app.services.collection.cash import CashRow
from app.services.collection.statements.model import (
    Allocation,
    Confidence,
    Deposit,
    Proposal,
    StatementFile,
    identity_of,
)
from app.services.common.session import Actor
from tests.collection_views.helpers import add_payer, failed_fifth
from tests.factories import Office
from tests.statements.bank_files import write_statement

StatementRow = tuple[datetime, str, int, int, int | None, str]

ROWS: list[StatementRow] = [
    (datetime(2026, 11, 9, 10, 15, 0), "김민준", 300_000, 0, 1_300_000, "타행이체"),
    (datetime(2026, 11, 10, 11, 0, 0), "이서연모", 250_000, 0, 1_550_000, "타행이체"),
    (datetime(2026, 11, 11, 9, 0, 0), "관리비출금", 0, 50_000, 1_500_000, "자동이체"),
    (datetime(2026, 11, 12, 9, 30, 0), "박지호", 300_000, 0, 1_800_000, "타행이체"),
    (datetime(2026, 11, 13, 15, 45, 0), "(주)대한상사", 1_500_000, 0, 3_300_000, "타행이체"),
]
"""Four deposits and one withdrawal (출금, left out), in the bank's order."""


def failed_payers(office: Office, clerk: Actor) -> None:
    db, cid = office.db, office.contract_id
    payers = [add_payer(db, cid, "2024001", "김민준"), add_payer(db, cid, "2024002", "이서연", monthly=250_000),
              add_payer(db, cid, "2024003", "박지호", monthly=280_000), add_payer(db, cid, "2024004", "최하은")]
    failed_fifth(db, clerk, cid, payers, reasons={"2024001": "0021", "2024002": "0021", "2024003": "0031"},
                 debited={"2024004": 300_000})


def statement_file(folder: Path, rows: list[StatementRow] | None = None, name: str = "국민은행_거래내역.xlsx",
                   layout: str = "국민은행") -> Path:
    """The statement as the clerk downloads it from internet banking (a real export, title lines and all)."""
    return write_statement(folder / name, layout, rows if rows is not None else ROWS)


# --- a statement and proposals made by hand, for the screen's own behaviour -------------------------------


def deposit(row: int, depositor: str, amount: int, day: date = date(2026, 11, 12), time: str | None = "10:00:00",
            memo: str = "타행이체") -> Deposit:
    return Deposit(row, day, time, amount, depositor, memo, None, identity_of(day, time, amount, depositor, None))


def part(row: CashRow, amount: int | None = None) -> Allocation:
    return Allocation(row.charge_id, row.customer_id, row.customer_no, row.customer_name, row.item_name, row.period,
                      row.outstanding if amount is None else amount, row.outstanding)


def hand_made(office: Office, actor: Actor) -> tuple[StatementFile, list[Proposal]]:
    """Six deposits, one of each kind the screen must show: sure, likely, doubtful with an alternative,
    an overpayment (20,000원 flagged), nothing found, and one applied before."""
    rows = {r.customer_no: r for r in cash.list_cash_candidates(office.db, actor, office.contract_id)}
    kim, lee, park = rows["2024001"], rows["2024002"], rows["2024003"]
    made = [deposit(5, "김민준", 300_000), deposit(6, "이서연모", 250_000), deposit(7, "홍길동", 300_000),
            deposit(8, "박지호", 300_000), deposit(9, "(주)대한상사", 1_500_000), deposit(10, "정우진", 410_000)]
    proposals = [
        Proposal(made[0], (part(kim),), Confidence.SURE, ("입금자명 김민준 = 고객명", "금액 300,000원 = 2026-11 미납")),
        Proposal(made[1], (part(lee),), Confidence.LIKELY, ("입금자명 이서연모 ≈ 이서연",)),
        Proposal(made[2], (part(kim),), Confidence.DOUBTFUL, ("같은 금액의 미납 고객이 2명",),
                 alternatives=((part(lee, 250_000),),)),
        Proposal(made[3], (part(park),), Confidence.LIKELY, ("입금자명 박지호 = 고객명",), excess=20_000),
        Proposal(made[4], (), Confidence.NONE, ("입금자명과 금액에 맞는 미납이 없습니다",)),
        Proposal(made[5], (), Confidence.NONE, ("이미 수납반영한 입금입니다",), known=StatementLineState.APPLIED,
                 known_line_id=1),
    ]
    return StatementFile("국민은행_거래내역.xlsx", "국민은행", 5, tuple(made), 3, (("거래일시", "occurred_on"),)), proposals


def cell(model: Any, row: int, header: str, role: Any = None) -> Any:
    """A cell of a table by its Korean header (DisplayRole unless told)."""
    index = model.index(row, 0 if header == "선택" else model.column_of(header))
    return index.data() if role is None else index.data(role)


def read(qtbot: Any, page: Any, path: str | Path, mapping: dict[str, str] | None = None) -> None:
    """Read a statement on the page and wait until its proposals are on screen."""
    with qtbot.waitSignal(page.loaded, check_params_cb=lambda kind: kind == "read", timeout=30_000):
        page.read_file(str(path), mapping)


def apply(qtbot: Any, page: Any, panel: Any) -> None:
    """Press the list's apply button (the confirmation answers yes) and wait for the list to come back."""
    kind = "read" if panel is page.read_list else "pending"
    with qtbot.waitSignal(page.loaded, check_params_cb=lambda k: k == kind, timeout=30_000):
        panel.apply_button.click()


# --- an academy of ten payers and a statement of eleven lines, for the screenshots and the layout check ----

ACADEMY_PAYERS = [("2024001", "김민준", 320_000), ("2024002", "이서연", 280_000), ("2024003", "박지호", 350_000),
          ("2024004", "최하은", 300_000), ("2024005", "정우진", 410_000), ("2024006", "강서준", 260_000),
          ("2024007", "조예은", 330_000), ("2024008", "윤도현", 290_000), ("2024009", "남궁서윤", 300_000),
          ("2024010", "황보민재", 300_000)]

ACADEMY_DEPOSITS: list[StatementRow] = [
    (datetime(2026, 11, 9, 9, 12, 5), "김민준", 320_000, 0, None, "타행이체"),
    (datetime(2026, 11, 9, 13, 40, 0), "이서연모", 280_000, 0, None, "인터넷뱅킹"),
    (datetime(2026, 11, 10, 8, 2, 44), "박지호", 370_000, 0, None, "타행이체"),
    (datetime(2026, 11, 10, 10, 0, 0), "사무실 임대료", 0, 1_100_000, None, "자동이체"),
    (datetime(2026, 11, 11, 16, 21, 9), "최하은아빠", 150_000, 0, None, "모바일"),
    (datetime(2026, 11, 12, 11, 30, 0), "정우진", 410_000, 0, None, "타행이체"),
    (datetime(2026, 11, 12, 19, 45, 13), "홍길동", 300_000, 0, None, "타행이체"),
    (datetime(2026, 11, 13, 9, 0, 0), "(주)대한상사", 1_500_000, 0, None, "타행이체"),
    (datetime(2026, 11, 16, 14, 5, 31), "강서준", 260_000, 0, None, "ATM"),
    (datetime(2026, 11, 17, 10, 45, 0), "조예은", 330_000, 0, None, "타행이체"),
    (datetime(2026, 11, 18, 15, 12, 0), "남궁서윤어머니", 300_000, 0, None, "인터넷뱅킹"),
]


def _balanced(rows: list[StatementRow]) -> list[StatementRow]:
    balance, out = 2_000_000, list[StatementRow]()
    for when, who, deposit, withdrawal, _none, memo in rows:
        balance += deposit - withdrawal
        out.append((when, who, deposit, withdrawal, balance, memo))
    return out


def academy(office: Office, clerk: Actor, folder: Path) -> Path:
    """Ten payers whose debit of 5 November failed, and the office's 국민은행 export of 9–18 November:
    sure ones, habits ('이서연모', '최하은아빠'), an overpayment, a partial payment, a deposit that fits only
    by amount, a company's deposit and a withdrawal."""
    db, cid = office.db, office.contract_id
    payers = [add_payer(db, cid, no, name, monthly=amount) for no, name, amount in ACADEMY_PAYERS]
    failed_fifth(db, clerk, cid, payers, reasons={no: "0021" for no, _n, _a in ACADEMY_PAYERS})
    return write_statement(folder / "국민은행_거래내역_20261118.xlsx", "국민은행", _balanced(ACADEMY_DEPOSITS))
