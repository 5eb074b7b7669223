"""Hand-made bank statement exports, in each bank's column set, for the statement tests.

`write_statement(path, layout_name, rows)` writes what a clerk downloads from internet banking:
the title and period lines the bank puts above the header (with the office's account number, which
the reader must never keep), the header in the bank's words, one line per transaction in the bank's
way of writing dates and amounts, and the 합계 line some banks put below. The file kind follows the
path's suffix (.xlsx or .csv; a CSV is written in the bank's usual encoding unless told otherwise).

The column sets are those the docstring of app/services/collection/statements/layouts.py names;
they are written here independently of that module, so a test reading these files checks the
reader against the banks, not against itself.

Old .xls exports: no package of this project writes .xls, so `XLS_FIXTURE` (농협은행, the bank whose
internet banking still saves .xls) is committed. It was written by running this module by hand
with xlwt (PyPI, 1.3.0) installed outside the project's virtualenv:

    python -m pip install --target /tmp/xlwt xlwt==1.3.0
    PYTHONPATH=/tmp/xlwt:. .venv/bin/python tests/statements/bank_files.py
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook

StatementRow = tuple[datetime, str, int, int, int | None, str]
"""(when, depositor, deposit won, withdrawal won, balance after or None, memo/적요)."""

OFFICE_ACCOUNT = "123-456-789012"
"""The office's own account number, printed by every bank above the header (never to be read)."""

OTHER_ACCOUNT = "110-234-567890"
"""A counterparty account number, in the banks whose export has such a column (never to be read)."""


def _won(value: int) -> str:
    return f"{value:,}"


def _blank_zero(value: int) -> int | str:
    return value if value else ""


@dataclass(frozen=True)
class BankLayout:
    """How one bank writes its export: the lines above, the header, one row's cells, the line below."""

    name: str
    header: tuple[str | None, ...]
    cells: Callable[[int, StatementRow], list[Any]]  # (1-based line number, row) → the row's cells
    title: Callable[[Sequence[StatementRow]], list[list[Any]]]
    csv_encoding: str = "cp949"
    summary: Callable[[Sequence[StatementRow]], list[Any]] | None = None


def _period(rows: Sequence[StatementRow]) -> str:
    if not rows:
        return ""
    first, last = min(r[0] for r in rows), max(r[0] for r in rows)
    return f"{first:%Y.%m.%d} ~ {last:%Y.%m.%d}"


def _deposits(rows: Sequence[StatementRow]) -> int:
    return sum(r[2] for r in rows)


def _withdrawals(rows: Sequence[StatementRow]) -> int:
    return sum(r[3] for r in rows)


def _kb(_n: int, r: StatementRow) -> list[Any]:
    when, who, dep, wd, bal, memo = r
    return [f"{when:%Y.%m.%d %H:%M:%S}", memo, who, "", wd, dep, bal, "인터넷", "입금" if dep else "출금"]


def _shinhan(_n: int, r: StatementRow) -> list[Any]:
    when, who, dep, wd, bal, memo = r
    return [f"{when:%Y-%m-%d}", f"{when:%H:%M:%S}", memo, _won(wd), _won(dep), who, _won(bal or 0), "영업부"]


def _woori(n: int, r: StatementRow) -> list[Any]:
    when, who, dep, wd, bal, memo = r
    return [n, f"{when:%Y.%m.%d %H:%M:%S}", memo, who, _blank_zero(wd), _blank_zero(dep), bal, "인터넷", ""]


def _hana(_n: int, r: StatementRow) -> list[Any]:
    when, who, dep, wd, bal, memo = r
    return [f"{when:%Y-%m-%d %H:%M:%S}", memo, who, dep, wd, bal, "타행" if dep else "", "을지로", ""]


def _nh(n: int, r: StatementRow) -> list[Any]:
    when, who, dep, wd, bal, memo = r
    return [n, f"{when:%Y/%m/%d %H:%M:%S}", f"{wd:,}원", f"{dep:,}원", f"{bal or 0:,}원", memo, who, "인터넷", ""]


def _ibk(n: int, r: StatementRow) -> list[Any]:
    when, who, dep, wd, bal, memo = r
    holder = who.rstrip("모부")
    return [n, when, wd, dep, bal, who, "", OTHER_ACCOUNT, "국민", memo, 0, "", holder]


def _kakao(_n: int, r: StatementRow) -> list[Any]:
    when, who, dep, wd, bal, memo = r
    amount = dep if dep else -wd
    return [None, f"{when:%Y.%m.%d %H:%M:%S}", "입금" if dep else "출금", _won(amount), _won(bal or 0),
            memo or "일반입금", who, ""]


def _toss(_n: int, r: StatementRow) -> list[Any]:
    when, who, dep, wd, bal, memo = r
    amount = dep if dep else -wd
    return [None, f"{when.year}. {when.month}. {when.day}. {when:%H:%M:%S}", who, memo or ("입금" if dep else "출금"),
            "국민은행", OTHER_ACCOUNT, amount, bal, ""]


def _mg(_n: int, r: StatementRow) -> list[Any]:
    when, who, dep, wd, bal, memo = r
    return [f"{when:%Y%m%d}", f"{when:%H%M%S}", memo, wd, dep, bal, who, "본점"]


def _post(_n: int, r: StatementRow) -> list[Any]:
    when, who, dep, wd, bal, memo = r
    return [f"{when:%Y.%m.%d %H:%M:%S}", memo, _won(dep), _won(wd), _won(bal or 0), who, "서울중앙우체국", ""]


def _busan(n: int, r: StatementRow) -> list[Any]:
    when, who, dep, wd, bal, memo = r
    return [n, f"{when:%Y/%m/%d %H:%M:%S}", memo, who, dep, wd, bal, "서면", "", "0.1"]


def _kyongnam(n: int, r: StatementRow) -> list[Any]:
    when, who, dep, wd, bal, memo = r
    return [n, f"{when:%Y-%m-%d %H:%M:%S}", memo, "입금" if dep else "지급", wd, dep, bal, who, "창원", ""]


def _im(n: int, r: StatementRow) -> list[Any]:
    when, who, dep, wd, bal, memo = r
    return [n, f"{when:%Y-%m-%d} [{when:%H:%M:%S}]", memo, wd, dep, bal, who, who, "", "수성"]


def _title(title: str, *, lines: int = 4, column_b: bool = False) -> Callable[[Sequence[StatementRow]], list[list[Any]]]:
    """`lines` lines above the header: the bank's title, account, period, owner, then blanks."""
    def make(rows: Sequence[StatementRow]) -> list[list[Any]]:
        made: list[list[Any]] = [[title], [f"계좌번호 : {OFFICE_ACCOUNT}"], [f"조회기간 : {_period(rows)}"],
                                 ["예금주", "해오름수학학원"], [f"조회일시 : {datetime(2026, 12, 1, 9, 0):%Y-%m-%d %H:%M:%S}"]]
        made = (made + [[] for _ in range(lines)])[:lines]
        return [[None, *line] if column_b and line else line for line in made]
    return make


def _kb_title(rows: Sequence[StatementRow]) -> list[list[Any]]:
    return [["거래내역조회"], [], ["계좌번호", OFFICE_ACCOUNT, "", "예금종류", "기업자유예금"],
            ["조회기간", _period(rows)], ["예금주", "해오름수학학원"]]


def _kakao_title(rows: Sequence[StatementRow]) -> list[list[Any]]:
    lines: list[list[Any]] = [[None, "카카오뱅크 거래내역"], [], [None, "성명", "해오름수학학원"],
                              [None, "계좌번호", OFFICE_ACCOUNT.replace("-", "")], [None, "조회기간", _period(rows)],
                              [None, "구분", "전체"], [], [None, "입금합계", _won(_deposits(rows))],
                              [None, "출금합계", _won(_withdrawals(rows))], []]
    return lines


def _kb_summary(rows: Sequence[StatementRow]) -> list[Any]:
    return ["합계", "", "", "", _withdrawals(rows), _deposits(rows), "", "", ""]


def _nh_summary(rows: Sequence[StatementRow]) -> list[Any]:
    return ["", "합계", f"{_withdrawals(rows):,}원", f"{_deposits(rows):,}원", "", "", "", "", ""]


def _ibk_summary(rows: Sequence[StatementRow]) -> list[Any]:
    return ["", "총 건수", len(rows), "", "", "", "", "", "", "", "", "", ""]


def _footnote(_rows: Sequence[StatementRow]) -> list[Any]:
    return ["※ 본 거래내역은 조회 시점의 내역이며 법적 증빙자료로 사용할 수 없습니다."]


LAYOUTS: dict[str, BankLayout] = {
    layout.name: layout
    for layout in (
        BankLayout("국민은행",
                   ("거래일시", "적요", "보낸분/받는분", "송금메모", "출금액(원)", "입금액(원)", "잔액(원)", "거래점", "구분"),
                   _kb, _kb_title, summary=_kb_summary),
        BankLayout("신한은행", ("거래일자", "거래시간", "적요", "출금(원)", "입금(원)", "내용", "잔액(원)", "거래점"),
                   _shinhan, _title("신한은행 거래내역조회", lines=5)),
        BankLayout("우리은행",
                   ("No.", "거래일시", "적요", "기재내용", "지급(원)", "입금(원)", "거래후 잔액(원)", "취급점", "메모"),
                   _woori, _title("우리은행 거래내역조회", lines=3), csv_encoding="utf-8-sig", summary=_footnote),
        BankLayout("하나은행",
                   ("거래일시", "적요", "의뢰인/수취인", "입금", "출금", "거래후잔액", "구분", "거래점", "거래특이사항"),
                   _hana, _title("하나은행 거래내역", lines=6)),
        BankLayout("농협은행",
                   ("순번", "거래일시", "출금금액", "입금금액", "거래후잔액", "거래내용", "거래기록사항", "거래점",
                    "거래메모"),
                   _nh, _title("NH농협 입출금거래내역", lines=7), summary=_nh_summary),
        BankLayout("기업은행",
                   ("No", "거래일시", "출금", "입금", "거래후 잔액", "거래내용", "송금메시지", "상대계좌번호", "상대은행",
                    "거래구분", "수표어음금액", "CMS코드", "상대계좌예금주명"),
                   _ibk, _title("IBK기업은행 거래내역조회", lines=5), summary=_ibk_summary),
        BankLayout("카카오뱅크", (None, "거래일시", "구분", "거래금액", "거래 후 잔액", "거래구분", "내용", "메모"),
                   _kakao, _kakao_title, csv_encoding="utf-8-sig"),
        BankLayout("토스뱅크",
                   (None, "거래 일시", "적요", "거래 유형", "거래 기관", "계좌번호", "거래 금액", "거래 후 잔액", "메모"),
                   _toss, _title("토스뱅크 거래내역서", lines=8, column_b=True), csv_encoding="utf-8-sig"),
        BankLayout("새마을금고", ("거래일자", "거래시간", "적요", "출금금액", "입금금액", "잔액", "내용", "거래점"),
                   _mg, _title("MG새마을금고 거래내역", lines=4)),
        BankLayout("우체국", ("거래일시", "적요", "입금액", "출금액", "거래후잔액", "내역", "거래국", "메모"),
                   _post, _title("우체국예금 거래내역조회", lines=9)),
        BankLayout("부산은행",
                   ("번호", "거래일시", "적요", "기재내용", "입금금액", "출금금액", "거래후잔액", "취급점", "메모내용",
                    "적용이율"),
                   _busan, _title("BNK부산은행 거래내역", lines=5)),
        BankLayout("경남은행",
                   ("번호", "거래일시", "거래종류", "입지구분", "출금금액", "입금금액", "거래후잔액", "적요", "취급점",
                    "메모내용"),
                   _kyongnam, _title("BNK경남은행 거래내역", lines=1)),
        BankLayout("iM뱅크",
                   ("NO", "거래일시", "거래종류", "출금금액", "입금금액", "거래후잔액", "비고", "예금주명", "메모", "거래점"),
                   _im, _title("iM뱅크 거래내역조회", lines=2)),
    )
}
"""The bank exports `write_statement` can write, by the layout name the reader reports."""


def statement_lines(layout_name: str, rows: Sequence[StatementRow], *, title: bool = True,
                    summary: bool = True) -> list[list[Any]]:
    """Every line of the export, as cells: title lines, header, transactions, then the summary line."""
    layout = LAYOUTS[layout_name]
    lines: list[list[Any]] = layout.title(rows) if title else []
    lines.append(list(layout.header))
    lines.extend(layout.cells(n, row) for n, row in enumerate(rows, start=1))
    if summary and layout.summary is not None:
        lines.append(layout.summary(rows))
    return lines


def header_row_of(layout_name: str, *, title: bool = True) -> int:
    """The 1-based line of the header in what `write_statement` writes."""
    return (len(LAYOUTS[layout_name].title([])) if title else 0) + 1


def write_lines(path: Path, lines: Sequence[Sequence[Any]], *, encoding: str = "utf-8-sig") -> Path:
    """Write `lines` as they are: .xlsx (one sheet '거래내역') or .csv in `encoding`."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "거래내역"
        for line in lines:
            ws.append([None if value == "" else value for value in line])
        wb.save(path)
    elif path.suffix.lower() == ".csv":
        with path.open("w", encoding=encoding, newline="") as fh:
            writer = csv.writer(fh)
            for line in lines:
                writer.writerow(["" if value is None else value for value in line])
    else:
        raise ValueError(f"write_statement writes .xlsx or .csv, not {path.suffix}")
    return path


def write_statement(path: str | Path, layout_name: str, rows: Sequence[StatementRow], *,
                    encoding: str | None = None, title: bool = True, summary: bool = True) -> Path:
    """Write `rows` as `layout_name`'s export ('국민은행', '신한은행', …, see LAYOUTS) to `path` (.xlsx or .csv).

    rows: (datetime, depositor, deposit, withdrawal, balance, memo); a deposit has withdrawal 0 and a
    withdrawal deposit 0; balance None is written as 0 by banks that always print one.
    """
    layout = LAYOUTS[layout_name]
    lines = statement_lines(layout_name, rows, title=title, summary=summary)
    return write_lines(Path(path), lines, encoding=encoding or layout.csv_encoding)


XLS_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "nh_statement.xls"
XLS_LAYOUT = "농협은행"
XLS_ROWS: tuple[StatementRow, ...] = (
    (datetime(2026, 11, 24, 9, 12, 5), "김민준모", 300000, 0, 1_300_000, "타행이체"),
    (datetime(2026, 11, 24, 13, 40, 0), "관리비", 0, 120000, 1_180_000, "자동이체"),
    (datetime(2026, 11, 25, 10, 2, 41), "이서연", 250000, 0, 1_430_000, "모바일"),
)
"""What the committed .xls holds (the test compares the reader's deposits with these)."""


def write_xls(path: Path, layout_name: str, rows: Sequence[StatementRow]) -> Path:
    """Write the export as an old .xls with xlwt (run by hand only; see the module docstring)."""
    import xlwt  # type: ignore[import-not-found]  # installed outside the virtualenv, on purpose

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("거래내역")
    for row, line in enumerate(statement_lines(layout_name, rows)):
        for column, value in enumerate(line):
            if value not in ("", None):
                ws.write(row, column, value)
    path.parent.mkdir(exist_ok=True)
    wb.save(str(path))
    return path


if __name__ == "__main__":
    written = write_xls(XLS_FIXTURE, XLS_LAYOUT, XLS_ROWS)
    print(f"wrote {written} ({written.stat().st_size:,} bytes)")
