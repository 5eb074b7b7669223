"""Reading a statement: the values banks write, each deposit's identity, and what is refused whole.

A clerk notices: a deposit read twice (the same file again, an overlapping period, the same file
saved as .csv instead of .xlsx) keeps its identity, so it is never applied twice; two equal deposits
in the same minute stay two; a bad cell refuses the whole file with its row, column and reason; an
unknown bank is asked about once and then read as told; nothing too big, encrypted or not a
statement is read at all, and every refusal says in Korean what to do.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from app.services.collection.statements import reader
from app.services.collection.statements.layouts import IGNORE
from app.services.collection.statements.reader import (
    StatementColumnsMissing,
    StatementFileError,
    read_statement,
)
from tests.imports.workbooks import compound_file
from tests.statements.bank_files import OFFICE_ACCOUNT, StatementRow, write_lines, write_statement

WEEK: list[StatementRow] = [
    (datetime(2026, 11, 23, 9, 0, 0), "김민준모", 300_000, 0, 1_300_000, "타행이체"),
    (datetime(2026, 11, 24, 10, 0, 0), "이서연", 250_000, 0, 1_550_000, "모바일"),
    (datetime(2026, 11, 25, 11, 0, 0), "관리비", 0, 50_000, 1_500_000, "자동이체"),
    (datetime(2026, 11, 26, 12, 0, 0), "박지호", 320_000, 0, 1_820_000, "인터넷"),
    (datetime(2026, 11, 27, 13, 0, 0), "최유나", 280_000, 0, 2_100_000, "타행이체"),
]

UNKNOWN_HEADER = ["일자", "보낸 사람", "적요", "들어온 돈", "나간 돈", "남은 돈", "상대 계좌번호"]


def unknown_bank(tmp_path: Path, rows: list[list[Any]] | None = None) -> Path:
    """A 신협-like export no layout knows: a title, the account, then its own column names."""
    body = rows if rows is not None else [
        ["2026-11-09 10:15:00", "김민준모", "타행", "300,000", "", "1,300,000", "110-234-567890"],
        ["2026-11-11 09:00:00", "관리비출금", "자동", "", "50,000", "1,250,000", ""],
        ["2026-11-12 14:20:00", "이서연", "모바일", "250,000", "", "1,500,000", "3333-01-2345678"],
    ]
    return write_lines(tmp_path / "신협.xlsx", [["신협 거래내역"], ["계좌번호", OFFICE_ACCOUNT], UNKNOWN_HEADER, *body])


UNKNOWN_MAPPING = {"일자": "occurred_on", "보낸 사람": "depositor", "적요": "memo", "들어온 돈": "deposit",
                   "나간 돈": "withdrawal", "남은 돈": "balance", "상대 계좌번호": IGNORE}


# --- identities ---------------------------------------------------------------------------------------


def test_the_same_statement_read_twice_or_in_another_format_keeps_every_identity(tmp_path: Path) -> None:
    first = read_statement(write_statement(tmp_path / "a.xlsx", "국민은행", WEEK))
    again = read_statement(write_statement(tmp_path / "b.xlsx", "국민은행", WEEK))
    as_csv = read_statement(write_statement(tmp_path / "c.csv", "국민은행", WEEK))

    identities = [d.identity for d in first.deposits]
    assert len(set(identities)) == 4
    assert [d.identity for d in again.deposits] == identities
    assert [d.identity for d in as_csv.deposits] == identities


def test_an_overlapping_period_finds_the_deposits_it_shares_with_the_earlier_one(tmp_path: Path) -> None:
    earlier = read_statement(write_statement(tmp_path / "1.xlsx", "신한은행", WEEK[:3]))
    later = read_statement(write_statement(tmp_path / "2.xlsx", "신한은행", WEEK[1:]))

    shared = {d.identity for d in earlier.deposits} & {d.identity for d in later.deposits}
    assert shared == {d.identity for d in earlier.deposits if d.depositor == "이서연"}


def test_two_equal_deposits_in_the_same_minute_stay_two_and_keep_their_order(tmp_path: Path) -> None:
    """No balance column, no seconds: a parent paying twice at 14:03 is two deposits, read the same each time."""
    header = ["날짜", "입금자명", "입금액", "출금액"]
    rows = [["2026.11.25 14:03", "김민준모", "300,000", ""], ["2026.11.25 14:03", "김 민준모", "300,000", ""],
            ["2026.11.25 14:03", "이서연", "300,000", ""]]
    mapping = {"날짜": "occurred_on", "입금자명": "depositor", "입금액": "deposit", "출금액": "withdrawal"}
    path = write_lines(tmp_path / "same.csv", [header, *rows])

    first = read_statement(path, mapping=mapping)
    second = read_statement(path, mapping=mapping)

    ids = [d.identity for d in first.deposits]
    assert len(ids) == 3 and len(set(ids)) == 3
    assert ids == [d.identity for d in second.deposits]
    assert [d.occurred_time for d in first.deposits] == ["14:03:00"] * 3
    assert first.deposits[1].depositor == "김 민준모"  # as printed; the identity ignores the bank's spaces


# --- values --------------------------------------------------------------------------------------------


def test_amounts_dates_and_times_in_every_way_banks_write_them(tmp_path: Path) -> None:
    header = ["거래일", "시간", "입금자", "입금", "출금", "잔액"]
    rows: list[list[Any]] = [
        ["2026.11.25 14:03:22", "", "가", "1,234,000", "", "1,234,000"],
        ["2026-11-25", "14:03", "나", "1234000원", "0", "-5,000"],
        ["20261125", "140322", "다", 1_234_000.0, None, None],
        ["2026/11/25", 90_501, "라", 1_234_000, "", ""],
        [datetime(2026, 11, 25, 8, 7, 6), "", "마", " 1,234,000 ", "-", ""],
        [date(2026, 11, 25), "", "바", "₩1,234,000", "", ""],
        ["2026. 11. 25. 07:08", "", "사", "+1,234,000", "", ""],
        ["2026년 11월 25일", "", "아", "1234000.00", "", ""],
        ["2026-11-25 [23:59:59]", "", "자", "1,234,000", "", ""],
    ]
    path = write_lines(tmp_path / "values.xlsx", [header, *rows])
    mapping = {"거래일": "occurred_on", "시간": "occurred_time", "입금자": "depositor", "입금": "deposit",
               "출금": "withdrawal", "잔액": "balance"}

    statement = read_statement(path, mapping=mapping)

    assert statement.layout == "직접 연결"
    assert {d.occurred_on for d in statement.deposits} == {date(2026, 11, 25)}
    assert {d.amount for d in statement.deposits} == {1_234_000}
    assert [d.occurred_time for d in statement.deposits] == [
        "14:03:22", "14:03:00", "14:03:22", "09:05:01", "08:07:06", None, "07:08:00", None, "23:59:59"]
    assert [d.balance for d in statement.deposits][:3] == [1_234_000, -5_000, None]


def test_an_excel_serial_date_and_time_fraction_are_read(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "serial.xlsx", [["거래일", "입금자", "입금"], [46351.5, "김민준", 10_000]])

    statement = read_statement(path, mapping={"거래일": "occurred_on", "입금자": "depositor", "입금": "deposit"})

    assert (statement.deposits[0].occurred_on, statement.deposits[0].occurred_time) == (date(2026, 11, 25), "12:00:00")


def test_one_amount_column_with_a_kind_or_a_sign_keeps_only_the_deposits(tmp_path: Path) -> None:
    kakao = write_lines(tmp_path / "kakao.xlsx", [
        ["거래일시", "구분", "거래금액", "거래 후 잔액", "거래구분", "내용", "메모"],
        ["2026.11.25 10:00:00", "입금", "300,000", "1,300,000", "일반입금", "김민준모", ""],
        ["2026.11.25 11:00:00", "출금", "50,000", "1,250,000", "체크카드", "편의점", ""],
        ["2026.11.25 12:00:00", "출금", "-20,000", "1,230,000", "이체", "관리비", ""],
    ])
    toss = write_lines(tmp_path / "toss.csv", [
        ["거래 일시", "적요", "거래 유형", "거래 기관", "계좌번호", "거래 금액", "거래 후 잔액", "메모"],
        ["2026.11.25 10:00:00", "이서연", "입금", "국민은행", "110-234-567890", "250000", "1250000", ""],
        ["2026.11.25 11:00:00", "관리비", "출금", "국민은행", "110-234-567890", "−50,000", "1200000", ""],
    ])

    from_kakao = read_statement(kakao)
    from_toss = read_statement(toss)

    assert [(d.depositor, d.amount, d.memo) for d in from_kakao.deposits] == [("김민준모", 300_000, "일반입금")]
    assert from_kakao.withdrawals == 2
    assert [(d.depositor, d.amount) for d in from_toss.deposits] == [("이서연", 250_000)]
    assert from_toss.withdrawals == 1


def test_a_cancelled_deposit_is_not_a_deposit_and_the_clerk_is_told(tmp_path: Path) -> None:
    path = write_statement(tmp_path / "취소.xlsx", "하나은행", [
        (datetime(2026, 11, 25, 10, 0), "김민준모", 300_000, 0, 1_300_000, "타행이체"),
        (datetime(2026, 11, 25, 10, 5), "김민준모", -300_000, 0, 1_000_000, "입금취소"),
    ])

    statement = read_statement(path)

    assert len(statement.deposits) == 1 and statement.withdrawals == 1
    assert any("입금 취소" in notice and "9행" in notice for notice in statement.notices)


def test_long_texts_are_cut_and_numbers_that_look_like_accounts_are_masked(tmp_path: Path) -> None:
    who = "김민준모 110-234-567890 " + "가" * 200
    memo = "적요 " + "나" * 300 + " 010-1234-5678"
    path = write_statement(tmp_path / "long.xlsx", "국민은행", [(datetime(2026, 11, 25, 9, 0), who, 10_000, 0, 10_000, memo)])

    deposit = read_statement(path).deposits[0]

    assert deposit.depositor.startswith("김민준모 ********7890 ")
    assert len(deposit.depositor) == 100 and len(deposit.memo) <= 200
    assert "110-234-567890" not in deposit.depositor and "1234-5678" not in deposit.memo


def test_summary_notes_and_a_header_repeated_on_each_page_are_not_transactions(tmp_path: Path) -> None:
    header = ["거래일시", "적요", "보낸분/받는분", "송금메모", "출금액(원)", "입금액(원)", "잔액(원)", "거래점", "구분"]
    path = write_lines(tmp_path / "pages.csv", [
        ["거래내역조회"], header,
        ["2026.11.25 09:00:00", "타행이체", "김민준모", "", "0", "300,000", "1,300,000", "", "입금"],
        [], ["- 1 -"], header,
        ["2026.11.26 09:00:00", "모바일", "이서연", "", "0", "250,000", "1,550,000", "", "입금"],
        ["합계", "", "", "", "0", "550,000", "", "", ""],
        ["총 2건", "", "", "", "", "", "", "", ""],
        ["※ 본 내역은 법적 증빙자료로 사용할 수 없습니다."],
    ], encoding="cp949")

    statement = read_statement(path)

    assert [d.depositor for d in statement.deposits] == ["김민준모", "이서연"]
    assert statement.withdrawals == 0


def test_a_file_without_deposits_reads_and_says_so(tmp_path: Path) -> None:
    path = write_statement(tmp_path / "out.xlsx", "우리은행", [WEEK[2]])

    statement = read_statement(path)

    assert statement.deposits == () and statement.withdrawals == 1
    assert any("입금이 없습니다" in notice for notice in statement.notices)


# --- bad cells: the whole file is refused --------------------------------------------------------------


def test_a_bad_amount_names_its_row_and_column_and_nothing_is_read(tmp_path: Path) -> None:
    rows = [(datetime(2026, 11, 20 + i % 5, 9, i), f"학부모{i}", 10_000 + i, 0, None, "이체") for i in range(8)]
    lines = write_statement(tmp_path / "ok.csv", "국민은행", rows)
    text = lines.read_text(encoding="cp949").replace(",10005,", ',"12,3a0",')
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="cp949")

    with pytest.raises(StatementFileError) as refused:
        read_statement(path)

    assert "12행 [입금액(원)] '12,3a0'은 금액이 아닙니다" in refused.value.message
    assert "아무것도 읽지 않았습니다" in refused.value.message


def test_at_most_ten_bad_cells_are_listed_with_the_count_of_the_rest(tmp_path: Path) -> None:
    body = [[f"2026-11-{d:02d}", "김민준", "삼만원", "", ""] for d in range(1, 16)]
    body.append(["2026-11-31", "이서연", "10,000", "", ""])
    body.append(["", "박지호", "10,000", "", ""])
    body.append(["2026-11-20", "최유나", "10,000", "5,000", ""])
    path = write_lines(tmp_path / "bad.xlsx", [["거래일", "입금자", "입금", "출금", "잔액"], *body])

    with pytest.raises(StatementFileError) as refused:
        read_statement(path, mapping={"거래일": "occurred_on", "입금자": "depositor", "입금": "deposit",
                                      "출금": "withdrawal"})

    message = refused.value.message
    assert "읽을 수 없는 칸이 18곳" in message
    assert "2행 [입금] '삼만원'은 금액이 아닙니다" in message
    assert message.count("\n") == 11 and message.endswith("… 외 8곳")


@pytest.mark.parametrize(("row", "reason"), [
    (["2026-11-31", "이서연", "10,000", ""], "3행 [거래일] '2026-11-31'은 날짜가 아닙니다"),
    (["", "이서연", "10,000", ""], "3행 [거래일] 거래일이 비어 있습니다"),
    (["2026-11-20", "이서연", "10,000", "5,000"], "3행 [입금] '10,000'은 입금과 출금이 한 줄에 함께 있습니다"),
    (["2026-11-20", "이서연", "10,000.5", ""], "3행 [입금] '10,000.5'는 원 단위의 정수 금액이 아닙니다"),
    (["2026-11-20 25:00", "이서연", "10,000", ""], "3행 [거래일] '2026-11-20 25:00'은 날짜가 아닙니다"),
])
def test_each_kind_of_bad_cell_is_named(tmp_path: Path, row: list[str], reason: str) -> None:
    path = write_lines(tmp_path / "one.csv", [["거래일", "입금자", "입금", "출금"],
                                              ["2026-11-19", "김민준", "10,000", ""], row])

    with pytest.raises(StatementFileError) as refused:
        read_statement(path, mapping={"거래일": "occurred_on", "입금자": "depositor", "입금": "deposit",
                                      "출금": "withdrawal"})

    assert reason in refused.value.message


def test_a_deposit_kind_with_a_negative_amount_is_refused(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "kakao.csv", [
        ["거래일시", "구분", "거래금액", "거래 후 잔액", "거래구분", "내용", "메모"],
        ["2026.11.25 10:00:00", "입금", "-300,000", "1,300,000", "일반입금", "김민준모", ""]])

    with pytest.raises(StatementFileError, match=r"2행 \[거래금액\] '-300,000'은 입금인데 음수입니다"):
        read_statement(path)


# --- an unknown bank: asked once, then read as told ----------------------------------------------------


def test_an_unknown_header_is_asked_about_with_a_guess_and_masked_samples(tmp_path: Path) -> None:
    with pytest.raises(StatementColumnsMissing) as asked:
        read_statement(unknown_bank(tmp_path))

    error = asked.value
    assert error.header == UNKNOWN_HEADER and error.header_row == 3
    assert error.guess == {0: "occurred_on", 1: "depositor", 2: "memo", 3: "deposit", 4: "withdrawal", 5: "balance"}
    assert error.samples[0][:2] == ["2026-11-09 10:15:00", "김민준모"]
    assert error.samples[0][6] == "********7890" and error.samples[1][4] == "50,000"
    assert "신협.xlsx" in error.message and "정해 주세요" in error.message


def test_an_unknown_header_reads_with_the_clerk_s_mapping(tmp_path: Path) -> None:
    statement = read_statement(unknown_bank(tmp_path), mapping=UNKNOWN_MAPPING)

    assert statement.layout == "직접 연결" and statement.header_row == 3
    assert [(d.depositor, d.amount, d.memo, d.balance) for d in statement.deposits] == [
        ("김민준모", 300_000, "타행", 1_300_000), ("이서연", 250_000, "모바일", 1_500_000)]
    assert statement.withdrawals == 1
    assert ("상대 계좌번호", "사용 안 함") in statement.columns
    assert ("보낸 사람", "입금자(보낸분)") in statement.columns


@pytest.mark.parametrize(("mapping", "words"), [
    ({**UNKNOWN_MAPPING, "상대 계좌번호": "memo"}, "계좌번호여서 읽지 않습니다"),
    ({**UNKNOWN_MAPPING, "보낸 사람": IGNORE}, "입금자(보낸분)"),
    ({**UNKNOWN_MAPPING, "적요": "depositor"}, "열이 2개"),
    ({**UNKNOWN_MAPPING, "나간 돈": "amount"}, "하나만 고르세요"),
    ({**UNKNOWN_MAPPING, "적요": "what"}, "알 수 없습니다"),
    ({"거래일": "occurred_on", "입금자": "depositor", "입금": "deposit"}, "찾을 수 없습니다"),
])
def test_a_mapping_that_cannot_be_read_is_refused_with_the_reason(tmp_path: Path, mapping: dict[str, str],
                                                                 words: str) -> None:
    with pytest.raises(StatementFileError, match=re.escape(words)):
        read_statement(unknown_bank(tmp_path), mapping=mapping)


def test_a_file_with_no_header_at_all_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "memo.csv"
    path.write_text("오늘 할 일\n은행 다녀오기\n", encoding="utf-8")

    with pytest.raises(StatementFileError, match="열 이름"):
        read_statement(path)


# --- files that are not read at all --------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_statement(tmp_path / "big.csv", "국민은행", WEEK)
    monkeypatch.setattr(reader, "MAX_FILE_BYTES", path.stat().st_size - 1)

    with pytest.raises(StatementFileError, match=r"너무 큽니다.*조회 기간을 나누어"):
        read_statement(path)


def test_more_deposits_than_one_file_may_hold_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_DEPOSITS", 3)

    with pytest.raises(StatementFileError, match="입금이 3건을 넘습니다"):
        read_statement(write_statement(tmp_path / "many.xlsx", "국민은행", WEEK))


def test_more_lines_than_one_file_may_hold_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_LINES", 3)

    with pytest.raises(StatementFileError, match="3줄을 넘습니다"):
        read_statement(write_lines(tmp_path / "lines.csv", [["a"]] * 40))


def test_an_encrypted_workbook_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = compound_file(tmp_path / "암호.xlsx", ["EncryptionInfo", "EncryptedPackage"])

    with pytest.raises(StatementFileError, match=r"암호가 걸린 엑셀 파일입니다.*암호를 지우고"):
        read_statement(path)


def test_a_zip_bomb_is_refused_in_the_statement_s_words(tmp_path: Path) -> None:
    path = write_statement(tmp_path / "bomb.xlsx", "국민은행", WEEK)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet9.xml", b"\0" * 12_000_000)

    with pytest.raises(StatementFileError) as refused:
        read_statement(path)

    assert "압축을 풀면 지나치게 커집니다" in refused.value.message
    assert "은행 거래내역으로 볼 수 없는" in refused.value.message and "고객" not in refused.value.message


@pytest.mark.parametrize(("name", "content", "words"), [
    ("사진.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "은행 거래내역 파일(.xlsx, .xls, .csv)이 아닙니다"),
    ("내역.pdf", b"%PDF-1.7\n1 0 obj\n", "PDF 거래내역은 읽을 수 없습니다"),
    ("빈파일.csv", b"", "빈 파일입니다"),
    ("바이너리.csv", "거래일시,입금액\n".encode() + b"\xff\xfe\xfa\xfb\x81\x00", "거래내역 파일(.xlsx, .xls, .csv)이 아닙니다"),
    ("cp949가아님.csv", b"\x81\x20\xc8\x81\xff\xff,\xfe\xfe\n", "인코딩을 알 수 없습니다"),
])
def test_what_is_not_a_statement_is_refused_in_korean(tmp_path: Path, name: str, content: bytes, words: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(StatementFileError, match=re.escape(words)):
        read_statement(path)


def test_a_word_document_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "문서.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")

    with pytest.raises(StatementFileError, match="엑셀 통합 문서"):
        read_statement(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(StatementFileError, match=re.escape("파일을 찾을 수 없습니다: 없는파일.xlsx")):
        read_statement(tmp_path / "없는파일.xlsx")
