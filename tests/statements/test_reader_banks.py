"""Each bank's own export, as a clerk saves it from internet banking, reads into its deposits.

The files are hand-made in each bank's column set (tests/statements/bank_files.py): title lines with
the office's account number and the period above the header, withdrawals among the deposits, the
bank's 합계 or 건수 line below. What the clerk must see: the bank named, every deposit with its
day, time, amount and depositor, the withdrawals only counted, and no account number anywhere.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path

import pytest

from app.services.collection.statements.model import StatementFile
from app.services.collection.statements.reader import read_statement
from tests.statements.bank_files import (
    LAYOUTS,
    OFFICE_ACCOUNT,
    OTHER_ACCOUNT,
    XLS_FIXTURE,
    XLS_ROWS,
    StatementRow,
    write_lines,
    write_statement,
)

ROWS: list[StatementRow] = [
    (datetime(2026, 11, 24, 9, 12, 5), "김민준모", 300_000, 0, 1_300_000, "타행이체"),
    (datetime(2026, 11, 24, 13, 40, 0), "관리비", 0, 120_000, 1_180_000, "자동이체"),
    (datetime(2026, 11, 25, 10, 2, 41), "이서연", 250_000, 0, 1_430_000, "모바일"),
    (datetime(2026, 11, 26, 18, 30, 9), "박지호(3반)", 1_050_000, 0, 2_480_000, "인터넷"),
    (datetime(2026, 11, 27, 8, 0, 0), "카드대금", 0, 80_000, 2_400_000, "카드결제"),
]
DEPOSITS = [r for r in ROWS if r[2]]


def _strings(statement: StatementFile) -> list[str]:
    """Every text the reader hands on: the deposits' fields, the column list, the notices."""
    texts: list[str] = [statement.file_name, statement.layout, *statement.notices]
    texts += [part for pair in statement.columns for part in pair]
    for deposit in statement.deposits:
        texts += [str(v) for v in dataclasses.asdict(deposit).values()]
    return texts


def assert_no_account_number(statement: StatementFile) -> None:
    digits = [OFFICE_ACCOUNT.replace("-", ""), OTHER_ACCOUNT.replace("-", "")]
    for text in _strings(statement):
        squeezed = text.replace("-", "").replace(" ", "")
        for number in digits:
            assert number not in squeezed and number[-8:] not in squeezed, text


def assert_deposits(statement: StatementFile, rows: list[StatementRow], *, with_seconds: bool = True) -> None:
    assert [(d.occurred_on, d.amount, d.depositor, d.balance) for d in statement.deposits] == [
        (when.date(), dep, who, bal) for when, who, dep, _wd, bal, _memo in rows]
    times = [f"{when:%H:%M:%S}" if with_seconds else f"{when:%H:%M}:00" for when, *_ in rows]
    assert [d.occurred_time for d in statement.deposits] == times
    assert all(memo in d.memo for d, (*_, memo) in zip(statement.deposits, rows, strict=True))


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
@pytest.mark.parametrize("bank", list(LAYOUTS))
def test_each_bank_s_export_gives_its_deposits_and_counts_its_withdrawals(tmp_path: Path, bank: str,
                                                                          suffix: str) -> None:
    path = write_statement(tmp_path / f"{bank}.{suffix}", bank, ROWS)

    statement = read_statement(path)

    assert statement.layout == bank
    assert statement.file_name == f"{bank}.{suffix}"
    assert_deposits(statement, DEPOSITS)
    assert statement.withdrawals == 2
    assert statement.total == 1_600_000
    assert_no_account_number(statement)
    assert not any("입금이 없습니다" in n for n in statement.notices)
    # the title lines above the header (account, period, owner) never become a deposit or a column
    assert all(d.row > statement.header_row for d in statement.deposits)
    assert not any("계좌번호" in header and read_as != "사용 안 함" for header, read_as in statement.columns)


def test_the_header_row_and_the_clerk_s_row_numbers_are_the_file_s(tmp_path: Path) -> None:
    statement = read_statement(write_statement(tmp_path / "국민.xlsx", "국민은행", ROWS))

    assert statement.header_row == 6  # five lines of 거래내역조회, 계좌번호, 조회기간, 예금주 above
    assert [d.row for d in statement.deposits] == [7, 9, 10]
    assert ("보낸분/받는분", "입금자(보낸분)") in statement.columns
    assert ("입금액(원)", "입금액") in statement.columns and ("거래점", "사용 안 함") in statement.columns
    assert any("합계" in notice for notice in statement.notices)


@pytest.mark.parametrize("encoding", ["cp949", "euc-kr", "utf-8-sig", "utf-8"])
def test_a_csv_is_read_in_the_encoding_the_bank_saved_it(tmp_path: Path, encoding: str) -> None:
    path = write_statement(tmp_path / "신한.csv", "신한은행", ROWS, encoding=encoding)

    statement = read_statement(path)

    assert statement.layout == "신한은행"
    assert [d.depositor for d in statement.deposits] == ["김민준모", "이서연", "박지호(3반)"]


def test_a_tab_separated_utf16_text_saved_by_excel_is_read(tmp_path: Path) -> None:
    lines = [["우리은행 거래내역조회"], ["No.", "거래일시", "적요", "기재내용", "지급(원)", "입금(원)", "거래후 잔액(원)"],
             ["1", "2026.11.25 10:02:41", "모바일", "이서연", "", "250,000", "1,430,000"]]
    path = tmp_path / "우리.csv"
    path.write_text("\r\n".join("\t".join(line) for line in lines), encoding="utf-16")

    statement = read_statement(path)

    assert statement.layout == "우리은행"
    assert [(d.depositor, d.amount) for d in statement.deposits] == [("이서연", 250_000)]


def test_an_old_xls_export_is_read() -> None:
    statement = read_statement(XLS_FIXTURE)

    assert statement.layout == "농협은행"
    assert_deposits(statement, [r for r in XLS_ROWS if r[2]])
    assert statement.withdrawals == 1
    assert_no_account_number(statement)


def test_an_html_table_saved_with_an_xls_name_is_read(tmp_path: Path) -> None:
    """Several banks' '엑셀 저장' writes an HTML table named .xls, in EUC-KR."""
    cells = "".join
    rows = [("거래일시", "적요", "의뢰인/수취인", "입금", "출금", "거래후잔액", "구분", "거래점"),
            ("2026-11-25 10:02", "타행이체", "이서연", "250,000", "0", "1,430,000", "타행", "을지로"),
            ("2026-11-25 11:30", "CMS", "통신요금", "0", "33,000", "1,397,000", "", "")]
    body = cells(f"<tr>{cells(f'<td>{c}</td>' for c in row)}</tr>" for row in rows)
    html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=euc-kr"></head><body>'
            f'<table><tr><td colspan="8">하나은행 거래내역 계좌번호 {OFFICE_ACCOUNT}</td></tr>{body}</table>'
            "</body></html>")
    path = tmp_path / "하나_거래내역.xls"
    path.write_bytes(html.encode("cp949"))

    statement = read_statement(path)

    assert statement.layout == "하나은행"
    assert [(d.depositor, d.amount, d.occurred_time) for d in statement.deposits] == [("이서연", 250_000, "10:02:00")]
    assert statement.withdrawals == 1
    assert_no_account_number(statement)


VARIANTS = [
    ("국민은행", ["No", "거래일시", "보낸분/받는분", "출금액(원)", "입금액(원)", "잔액(원)", "내 통장 표시", "적요", "처리점", "구분"],
     ["1", "2026.11.25 10:02:41", "이서연", "0", "250000", "1430000", "이서연", "모바일", "", "입금"]),
    ("신한은행", ["No", "전체체크", "거래일시", "적요", "입금액", "출금액", "내용", "잔액", "거래점명", "입금인코드", "메모"],
     ["1", "", "2026-11-25 10:02:41", "모바일", "250,000", "0", "이서연", "1,430,000", "", "", ""]),
    ("농협은행", ["구분", "거래일자", "출금금액(원)", "입금금액(원)", "거래 후 잔액(원)", "거래내용", "거래기록사항", "거래점",
              "거래시간", "이체메모"],
     ["1", "2026/11/25", "0", "250,000", "1,430,000", "모바일", "이서연", "", "10:02:41", ""]),
    ("농협은행", ["순 번", "거래일자", "시간", "찾으신금액", "맡기신금액", "남은금액", "거래내용", "기록사항", "연동은행",
              "연동입금계좌번호", "거래점", "은행구분"],
     ["1", "2026-11-25", "10:02:41", "", "250,000", "1,430,000", "모바일", "이서연", "국민", OTHER_ACCOUNT, "", ""]),
    ("하나은행", ["No", "거래일시", "적요", "추가메모", "의뢰인/수취인", "입금", "출금", "거래후잔액", "구분", "거래점",
              "거래특이사항"],
     ["1", "2026-11-25 10:02:41", "모바일", "11월 수강료", "이서연", "250,000", "0", "1,430,000", "", "", ""]),
    ("우리은행", ["거래일시", "적요", "기재내용", "찾으신금액", "맡기신금액", "거래후 잔액"],
     ["2026.11.25 10:02:41", "모바일", "이서연", "", "250,000", "1,430,000"]),
    ("기업은행", ["", "거래일시", "출금", "입금", "거래후 잔액", "거래내용", "상대계좌번호", "상대은행", "메모", "거래구분",
              "수표어음금액", "CMS코드", "상대계좌예금주명"],
     ["1", "2026-11-25 10:02:41", "0", "250000", "1430000", "", OTHER_ACCOUNT, "우체국", "", "모바일", "0", "",
      "이서연"]),
]


@pytest.mark.parametrize(("bank", "header", "row"), VARIANTS, ids=[f"{v[0]}-{v[1][0] or 'blank'}" for v in VARIANTS])
def test_the_other_column_sets_a_bank_has_used_are_known_too(tmp_path: Path, bank: str, header: list[str],
                                                            row: list[str]) -> None:
    path = write_lines(tmp_path / "variant.xlsx", [[f"{bank} 거래내역"], [f"계좌번호 {OFFICE_ACCOUNT}"], header, row])

    statement = read_statement(path)

    assert statement.layout == bank
    assert [(d.occurred_on, d.occurred_time, d.amount, d.depositor, d.balance) for d in statement.deposits] == [
        (date(2026, 11, 25), "10:02:41", 250_000, "이서연", 1_430_000)]
    assert "모바일" in statement.deposits[0].memo
    assert_no_account_number(statement)
