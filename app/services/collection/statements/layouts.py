"""The column sets of the transaction histories the banks' internet banking saves, and the words for the rest.

A clerk saves the office account's 거래내역 from internet banking as .xlsx, .xls or .csv. Every bank
names its columns its own way and puts the account number, the period and the owner above the
header; a layout is recognised by the header alone: each `Layout.signature` slot must find one of
its names in the header row (names compared without spaces and without a trailing unit "(원)"),
and the most specific layout that fits wins. Columns the layout does not name are not read; the
account-number columns (상대계좌번호, 계좌번호, 연동입금계좌번호) are named only to be ignored.

Where the column sets come from (public code that reads these exports, 2024–2026; no bank publishes
its export format, so each set is what several independent readers agree on):

* 국민은행: ``거래일시 | 적요 | 보낸분/받는분 | 송금메모 | 출금액(원) | 입금액(원) | 잔액(원) | 거래점 | 구분``
  below five title lines (CSV and .xlsx), and the newer ``No | 거래일시 | 보낸분/받는분 | 출금액(원) |
  입금액(원) | 잔액(원) | 내 통장 표시 | 적요 | 처리점 | 구분``. 거래일시 is ``2026.11.25 14:03:22``.
* 신한은행: ``거래일자 | 거래시간 | 적요 | 출금(원) | 입금(원) | 내용 | 잔액(원) | 거래점(명)``, and the
  grid export ``No | 전체체크 | 거래일시 | 적요 | 입금액 | 출금액 | 내용 | 잔액 | 거래점명 | 입금인코드 | 메모``.
  적요 is the channel (BZ뱅크, 타행IB); 내용 is who sent it.
* 우리은행: ``No. | 거래일시 | 적요 | 기재내용 | 지급(원) | 입금(원) | 거래후 잔액(원) | 취급점 | 메모``;
  older exports say 찾으신금액 / 맡기신금액.
* 하나은행: ``[No |] 거래일시 | 적요 | [추가메모 |] 의뢰인/수취인 | 입금 | 출금 | 거래후잔액 | 구분 | 거래점
  [| 거래특이사항]``.
* NH농협: ``순번 | 거래일시 | 출금금액 | 입금금액 | 거래후잔액 | 거래내용 | 거래기록사항 | 거래점 | 거래메모``,
  ``구분 | 거래일자 | 출금금액(원) | 입금금액(원) | 거래 후 잔액(원) | 거래내용 | 거래기록사항 | 거래점 |
  거래시간 | 이체메모``, and the older ``순 번 | 거래일자 | 시간 | 찾으신금액 | 맡기신금액 | 남은금액 |
  거래내용 | 기록사항 | 연동은행 | 연동입금계좌번호 | 거래점 | 은행구분``. 거래기록사항 is who sent it.
* IBK기업은행: ``No | 거래일시 | 출금 | 입금 | 거래후 잔액 | 거래내용 | [송금메시지 |] 상대계좌번호 | 상대은행 |
  [메모 |] 거래구분 | 수표어음금액 | CMS코드 | 상대계좌예금주명``. 거래내용 is what the sender had printed;
  when it is empty the account holder's name (상대계좌예금주명) is read instead.
* 카카오뱅크: ``거래일시 | 구분 | 거래금액 | 거래 후 잔액 | 거래구분 | 내용 | 메모`` from column B below ten
  title lines; 구분 says 입금/출금, 거래금액 may carry a minus sign.
* 토스뱅크: ``거래 일시 | 적요 | 거래 유형 | 거래 기관 | 계좌번호 | 거래 금액 | 거래 후 잔액 | 메모`` from
  column B; 적요 is who sent it, 거래 금액 is signed, dates may read ``2026. 1. 2. 03:04``.
* 우체국: ``거래일시 | 적요 | 입금액 | 출금액 | 거래후잔액 | 내역 | 거래국 | 메모`` below nine title lines.
* 부산은행 ``번호 | 거래일시 | 적요 | 기재내용 | 입금금액 | 출금금액 | 거래후잔액 | 취급점 | 메모내용 | 적용이율``,
  경남은행 ``번호 | 거래일시 | 거래종류 | 입지구분 | 출금금액 | 입금금액 | 거래후잔액 | 적요 | 취급점 | 메모내용``
  and iM뱅크 ``NO | 거래일시 | 거래종류 | 출금금액 | 입금금액 | 거래후잔액 | 비고 | 예금주명 | 메모 | 거래점``
  (거래일시 ``2026-11-25 [14:03:22]``) came with the same sources and cost nothing to add.
* MG새마을금고: NOT CONFIRMED. No public reader of its export was found; the layout here
  (``거래일자 | 거래시간 | 적요 | 출금금액 | 입금금액 | 잔액 | 내용 | 거래점``) is built from the pattern the
  other banks share. If a real export differs, the reader raises StatementColumnsMissing and the
  clerk connects the columns once in the mapping dialog; nothing is read wrongly.

A header no layout fits is offered to the clerk with a guess made from `SYNONYMS`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

OCCURRED_ON = "occurred_on"
OCCURRED_TIME = "occurred_time"
DEPOSITOR = "depositor"
MEMO = "memo"
DEPOSIT = "deposit"
WITHDRAWAL = "withdrawal"
BALANCE = "balance"
AMOUNT = "amount"
KIND = "kind"
IGNORE = ""

FIELDS: dict[str, str] = {
    OCCURRED_ON: "거래일(시)",
    OCCURRED_TIME: "거래시간",
    DEPOSITOR: "입금자(보낸분)",
    MEMO: "적요",
    DEPOSIT: "입금액",
    WITHDRAWAL: "출금액",
    BALANCE: "잔액",
    AMOUNT: "거래금액",
    KIND: "입출금구분",
}
"""Field key → the Korean label the clerk sees (the mapping dialog's choices, the column list)."""

IGNORE_LABEL = "사용 안 함"

MULTI_COLUMN_FIELDS = frozenset({MEMO})
"""Fields that may take several columns (joined with a space); every other field takes one."""

_UNIT = re.compile(r"\((?:원|₩|KRW|krw)\)$")


def normalize_header(text: object) -> str:
    """'거래 후 잔액(원)' → '거래후잔액'; 'No.' → 'no.': how headers are compared, never shown."""
    squeezed = "".join(str(text or "").split())
    return _UNIT.sub("", squeezed).lower()


def is_account_header(text: object) -> bool:
    """A column that holds account numbers (상대계좌번호, 계좌번호, 입금계좌번호 …): never read."""
    name = normalize_header(text)
    return "계좌번호" in name or ("계좌" in name and "번호" in name)


@dataclass(frozen=True)
class Layout:
    """One bank's export: the names that identify it and what each of its columns is read as."""

    name: str  # shown to the clerk: '국민은행'
    signature: tuple[frozenset[str], ...]  # every slot must find one of its names in the header
    columns: Mapping[str, str]  # normalized header → field key (IGNORE: known but not read)
    depositor_fallback: str | None = None  # normalized header read when the depositor cell is empty

    def fits(self, names: set[str]) -> bool:
        return all(slot & names for slot in self.signature)


def _slots(*names: str | tuple[str, ...]) -> tuple[frozenset[str], ...]:
    return tuple(frozenset({normalize_header(n)} if isinstance(n, str) else {normalize_header(x) for x in n})
                 for n in names)


def _cols(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    return {normalize_header(header): key for header, key in pairs}


_ACCOUNT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("상대계좌번호", IGNORE), ("계좌번호", IGNORE), ("연동입금계좌번호", IGNORE), ("입금계좌번호", IGNORE),
)

LAYOUTS: tuple[Layout, ...] = (
    Layout("국민은행", _slots("거래일시", "보낸분/받는분", "출금액", "입금액"), _cols((
        ("거래일시", OCCURRED_ON), ("적요", MEMO), ("보낸분/받는분", DEPOSITOR), ("송금메모", MEMO),
        ("출금액", WITHDRAWAL), ("입금액", DEPOSIT), ("잔액", BALANCE), ("거래점", IGNORE), ("처리점", IGNORE),
        ("구분", IGNORE), ("내 통장 표시", IGNORE), ("No", IGNORE), *_ACCOUNT_COLUMNS))),
    Layout("신한은행", _slots("거래일자", "거래시간", "출금", "입금", "내용"), _cols((
        ("거래일자", OCCURRED_ON), ("거래시간", OCCURRED_TIME), ("적요", MEMO), ("출금", WITHDRAWAL),
        ("입금", DEPOSIT), ("내용", DEPOSITOR), ("잔액", BALANCE), ("거래점", IGNORE), ("거래점명", IGNORE),
        *_ACCOUNT_COLUMNS))),
    Layout("신한은행", _slots("거래일시", "적요", "입금액", "출금액", "내용"), _cols((
        ("거래일시", OCCURRED_ON), ("적요", MEMO), ("입금액", DEPOSIT), ("출금액", WITHDRAWAL),
        ("내용", DEPOSITOR), ("잔액", BALANCE), ("거래점명", IGNORE), ("입금인코드", IGNORE), ("메모", MEMO),
        ("No", IGNORE), ("전체체크", IGNORE), *_ACCOUNT_COLUMNS))),
    Layout("우리은행", _slots("거래일시", "기재내용", ("지급", "찾으신금액"), ("입금", "맡기신금액")), _cols((
        ("거래일시", OCCURRED_ON), ("적요", MEMO), ("기재내용", DEPOSITOR), ("지급", WITHDRAWAL),
        ("찾으신금액", WITHDRAWAL), ("입금", DEPOSIT), ("맡기신금액", DEPOSIT), ("거래후잔액", BALANCE),
        ("잔액", BALANCE), ("취급점", IGNORE), ("메모", IGNORE), ("No.", IGNORE), ("표·어음·증권금액", IGNORE),
        *_ACCOUNT_COLUMNS))),
    Layout("하나은행", _slots("거래일시", "의뢰인/수취인", ("입금", "입금액"), ("출금", "출금액")), _cols((
        ("거래일시", OCCURRED_ON), ("적요", MEMO), ("추가메모", MEMO), ("의뢰인/수취인", DEPOSITOR),
        ("입금", DEPOSIT), ("입금액", DEPOSIT), ("출금", WITHDRAWAL), ("출금액", WITHDRAWAL),
        ("거래후잔액", BALANCE), ("구분", IGNORE), ("거래점", IGNORE), ("거래특이사항", IGNORE), ("No", IGNORE),
        *_ACCOUNT_COLUMNS))),
    Layout("농협은행", _slots(("거래일시", "거래일자"), "출금금액", "입금금액", "거래기록사항"), _cols((
        ("거래일시", OCCURRED_ON), ("거래일자", OCCURRED_ON), ("거래시간", OCCURRED_TIME), ("출금금액", WITHDRAWAL),
        ("입금금액", DEPOSIT), ("거래후잔액", BALANCE), ("거래내용", MEMO), ("거래기록사항", DEPOSITOR),
        ("거래점", IGNORE), ("거래메모", IGNORE), ("이체메모", IGNORE), ("순번", IGNORE), ("구분", IGNORE),
        *_ACCOUNT_COLUMNS))),
    Layout("농협은행", _slots("거래일자", "찾으신금액", "맡기신금액", "기록사항"), _cols((
        ("거래일자", OCCURRED_ON), ("시간", OCCURRED_TIME), ("찾으신금액", WITHDRAWAL), ("맡기신금액", DEPOSIT),
        ("남은금액", BALANCE), ("거래내용", MEMO), ("기록사항", DEPOSITOR), ("연동은행", IGNORE),
        ("거래점", IGNORE), ("은행구분", IGNORE), ("순번", IGNORE), *_ACCOUNT_COLUMNS))),
    Layout("기업은행", _slots("거래일시", "출금", "입금", "거래내용", ("상대은행", "상대계좌예금주명")), _cols((
        ("거래일시", OCCURRED_ON), ("출금", WITHDRAWAL), ("입금", DEPOSIT), ("거래후잔액", BALANCE),
        ("거래내용", DEPOSITOR), ("송금메시지", MEMO), ("상대은행", IGNORE), ("메모", IGNORE), ("거래구분", MEMO),
        ("수표어음금액", IGNORE), ("CMS코드", IGNORE), ("상대계좌예금주명", IGNORE), ("No", IGNORE),
        *_ACCOUNT_COLUMNS)), depositor_fallback=normalize_header("상대계좌예금주명")),
    Layout("카카오뱅크", _slots("거래일시", "구분", "거래금액", "거래구분", "내용"), _cols((
        ("거래일시", OCCURRED_ON), ("구분", KIND), ("거래금액", AMOUNT), ("거래후잔액", BALANCE), ("거래구분", MEMO),
        ("내용", DEPOSITOR), ("메모", IGNORE), *_ACCOUNT_COLUMNS))),
    Layout("토스뱅크", _slots("거래일시", "적요", "거래유형", "거래금액"), _cols((
        ("거래 일시", OCCURRED_ON), ("적요", DEPOSITOR), ("거래 유형", MEMO), ("거래 기관", IGNORE),
        ("거래 금액", AMOUNT), ("거래 후 잔액", BALANCE), ("메모", IGNORE), ("구분", KIND), *_ACCOUNT_COLUMNS))),
    Layout("우체국", _slots("거래일시", "적요", "입금액", "출금액", "내역", "거래국"), _cols((
        ("거래일시", OCCURRED_ON), ("적요", MEMO), ("입금액", DEPOSIT), ("출금액", WITHDRAWAL),
        ("거래후잔액", BALANCE), ("내역", DEPOSITOR), ("거래국", IGNORE), ("메모", IGNORE), *_ACCOUNT_COLUMNS))),
    Layout("부산은행", _slots("거래일시", "기재내용", "입금금액", "출금금액"), _cols((
        ("거래일시", OCCURRED_ON), ("적요", MEMO), ("기재내용", DEPOSITOR), ("입금금액", DEPOSIT),
        ("출금금액", WITHDRAWAL), ("거래후잔액", BALANCE), ("취급점", IGNORE), ("메모내용", IGNORE),
        ("적용이율", IGNORE), ("번호", IGNORE), *_ACCOUNT_COLUMNS))),
    Layout("경남은행", _slots("거래일시", "거래종류", "입지구분", "출금금액", "입금금액", "적요"), _cols((
        ("거래일시", OCCURRED_ON), ("거래종류", MEMO), ("입지구분", IGNORE), ("출금금액", WITHDRAWAL),
        ("입금금액", DEPOSIT), ("거래후잔액", BALANCE), ("적요", DEPOSITOR), ("취급점", IGNORE),
        ("메모내용", IGNORE), ("번호", IGNORE), *_ACCOUNT_COLUMNS))),
    Layout("iM뱅크", _slots("거래일시", "거래종류", "출금금액", "입금금액", "비고", "예금주명"), _cols((
        ("거래일시", OCCURRED_ON), ("거래종류", MEMO), ("출금금액", WITHDRAWAL), ("입금금액", DEPOSIT),
        ("거래후잔액", BALANCE), ("비고", DEPOSITOR), ("예금주명", IGNORE), ("메모", IGNORE), ("거래점", IGNORE),
        ("NO", IGNORE), *_ACCOUNT_COLUMNS)), depositor_fallback=normalize_header("예금주명")),
    Layout("새마을금고", _slots("거래일자", "거래시간", "출금금액", "입금금액", "내용"), _cols((
        ("거래일자", OCCURRED_ON), ("거래시간", OCCURRED_TIME), ("적요", MEMO), ("출금금액", WITHDRAWAL),
        ("입금금액", DEPOSIT), ("잔액", BALANCE), ("거래후잔액", BALANCE), ("내용", DEPOSITOR), ("거래점", IGNORE),
        *_ACCOUNT_COLUMNS))),
)

SYNONYMS: dict[str, str] = {
    normalize_header(header): key
    for key, headers in (
        (OCCURRED_ON, ("거래일시", "거래일자", "거래일", "일자", "날짜", "일시", "거래날짜", "입금일", "입금일자",
                       "입금일시", "이체일", "거래 일시")),
        (OCCURRED_TIME, ("거래시간", "시간", "시각", "거래시각", "입금시간")),
        (DEPOSITOR, ("입금자", "입금자명", "입금인", "보낸분", "보낸분/받는분", "받는분/보낸분", "의뢰인", "의뢰인/수취인",
                     "기재내용", "거래기록사항", "기록사항", "내용", "내역", "거래처", "상대방", "예금주", "상대계좌예금주명",
                     "송금인", "보낸사람", "보낸 사람", "이름", "성명")),
        (MEMO, ("적요", "거래내용", "거래구분", "거래종류", "거래유형", "송금메모", "메모", "비고", "통장메모")),
        (DEPOSIT, ("입금액", "입금", "입금금액", "맡기신금액", "받은금액", "받은돈", "들어온돈", "들어온 돈")),
        (WITHDRAWAL, ("출금액", "출금", "출금금액", "찾으신금액", "지급", "지급액", "지급금액", "보낸금액", "나간돈",
                      "나간 돈")),
        (BALANCE, ("잔액", "거래후잔액", "거래후 잔액", "잔고", "남은금액", "남은돈", "남은 돈", "통장잔액")),
        (AMOUNT, ("거래금액", "금액", "거래 금액")),
        (KIND, ("구분", "입출금구분", "입출구분", "입지구분", "거래구분(입출)")),
    )
    for header in headers
}
"""Common header words → the field they most likely are: only the mapping dialog's first guess."""


def recognise(header: Sequence[str]) -> Layout | None:
    """The most specific layout whose signature the header row fits, or None."""
    names = {normalize_header(h) for h in header if str(h or "").strip()}
    fitting = [layout for layout in LAYOUTS if layout.fits(names)]
    if not fitting:
        return None
    return max(fitting, key=lambda layout: len(layout.signature))


def layout_mapping(layout: Layout, header: Sequence[str]) -> dict[int, str]:
    """Column position → field key for a recognised header (the first column of a name wins)."""
    taken: set[str] = set()
    mapping: dict[int, str] = {}
    for position, text in enumerate(header):
        name = normalize_header(text)
        if not name or name in taken:
            continue
        taken.add(name)
        key = layout.columns.get(name, IGNORE)
        if key and is_account_header(text):
            key = IGNORE
        if key:
            mapping[position] = key
    return mapping


def guess_mapping(header: Sequence[str]) -> dict[int, str]:
    """Column position → field key by common words; one column per field (memo may take several)."""
    guess: dict[int, str] = {}
    used: set[str] = set()
    for position, text in enumerate(header):
        if is_account_header(text):
            continue
        key = SYNONYMS.get(normalize_header(text))
        if key is None or (key in used and key not in MULTI_COLUMN_FIELDS):
            continue
        guess[position] = key
        used.add(key)
    if DEPOSIT in used and AMOUNT in used:  # two amount styles at once: the separate columns win
        guess = {p: k for p, k in guess.items() if k not in (AMOUNT, KIND)}
    return guess


def header_score(cells: Sequence[object]) -> int:
    """How many cells of a row are known header words (a title line scores 0 or 1)."""
    return sum(1 for cell in cells if isinstance(cell, str) and len(cell) <= 30
               and normalize_header(cell) in SYNONYMS)
