"""The field tables of EB13/EB14 (120 bytes) and EB21/EB22 (150 bytes), copied from
cms-file-format.md §2.1–§2.3 and §3.1–§3.5. Positions are 1-based, lengths in bytes, as in the spec.

These tables are the only place positions are written down; encoders and decoders are derived from
them (``layout.Layout``), which checks at import that each table is contiguous and sums to its
record length. Result layouts (EB14, EB22) are derived from the request layouts, changing only what
the result fills in, so the shared positions cannot drift apart.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .fields import FieldSpec, Kind, Value
from .layout import Layout
from .records import (
    DebitHeader,
    DebitRecord,
    DebitResultTrailer,
    DebitTrailer,
    RegistrationHeader,
    RegistrationKind,
    RegistrationRecord,
    RegistrationTrailer,
    WithdrawalMode,
)

N, AN, H = Kind.N, Kind.AN, Kind.H
INT, DATE, DIGITS, TEXT, NUMBER, CODE, HANGUL, FIXED = (
    Value.INT,
    Value.DATE,
    Value.DIGITS,
    Value.TEXT,
    Value.NUMBER,
    Value.CODE,
    Value.HANGUL,
    Value.FIXED,
)

REGISTRATION_RECORD_LENGTH = 120
DEBIT_RECORD_LENGTH = 150
MIN_DEBIT_AMOUNT = 140
"""EB21 amounts below 140원 are refused by KFTC with 0075 (§3.4)."""

HEADER_SEQUENCE = "00000000"
TRAILER_SEQUENCE = "99999999"
MAX_DATA_SEQUENCE = 99_999_998


def _spaces(n: int) -> str:
    return " " * n


def F(  # noqa: N802 - reads like a table row
    attr: str, name_ko: str, name_en: str, start: int, length: int, kind: Kind, value: Value, **more: Any
) -> FieldSpec:
    return FieldSpec(attr, name_ko, name_en, start, length, kind, value, **more)


def _filler(attr: str, start: int, length: int, kind: Kind = AN, content: str | None = None) -> FieldSpec:
    return F(attr, "FILLER", "filler", start, length, kind, FIXED, fixed=content or _spaces(length))


def _record_type(letter: str) -> FieldSpec:
    return F("record_type", "Record 구분", "record type", 1, 1, AN, FIXED, fixed=letter)


_DATA_SEQUENCE = F("sequence", "일련번호", "sequence", 2, 8, N, INT, min_value=1)
_HEADER_SEQUENCE = F("sequence", "일련번호", "sequence", 2, 8, N, FIXED, fixed=HEADER_SEQUENCE)
_TRAILER_SEQUENCE = F("sequence", "일련번호", "sequence", 2, 8, N, FIXED, fixed=TRAILER_SEQUENCE)
_INSTITUTION = F("institution_code", "기관코드", "institution code", 10, 10, AN, TEXT, required=True)
_INSTITUTION_CTX = F("institution_code", "기관코드", "institution code", 10, 10, AN, TEXT, required=True, context=True)
_FILE_NAME = F("file_name", "파일이름", "file name", 20, 8, AN, TEXT, required=True, context=True)
_MAC = F("mac", "MAC 검증값", "MAC", 0, 10, AN, TEXT)  # start set per layout below


def _at(f: FieldSpec, start: int) -> FieldSpec:
    return dataclasses.replace(f, start=start)


# ----------------------------------------------------------------------------- EB13 / EB14 (§2)

EB13_HEADER = Layout(
    "EB13 header",
    REGISTRATION_RECORD_LENGTH,
    RegistrationHeader,
    [
        _record_type("H"),
        _HEADER_SEQUENCE,
        _INSTITUTION,
        _FILE_NAME,
        F("file_date", "신청접수일자", "application date", 28, 6, N, DATE),
        _filler("filler", 34, 87),
    ],
)

EB13_DATA = Layout(
    "EB13 data",
    REGISTRATION_RECORD_LENGTH,
    RegistrationRecord,
    [
        _record_type("R"),
        _DATA_SEQUENCE,
        _INSTITUTION_CTX,
        F("application_date", "신청일자", "application date", 20, 6, N, DATE, echo=True),
        F("request_kind", "신청구분", "request kind", 26, 1, AN, TEXT, required=True,
          choices=tuple(RegistrationKind), echo=True),
        F("customer_no", "납부자번호", "payer number", 27, 20, AN, TEXT, required=True, echo=True),
        F("bank_branch_code", "은행점코드", "bank+branch code", 47, 7, N, DIGITS, echo=True),
        F("account_no", "지정출금계좌번호", "account to debit", 54, 16, AN, NUMBER, required=True,
          mask="account", echo=True),
        F("holder_id", "생년월일/사업자번호", "holder birth date / business no.", 70, 16, AN, NUMBER,
          required=True, lengths=(6, 10), mask="holder_id", echo=True),
        F("handling_branch", "취급점코드", "handling branch", 86, 4, AN, TEXT, echo=True),
        F("fund_kind", "자금종류", "fund kind", 90, 2, AN, TEXT, echo=True),
        F("result_flag", "처리결과코드", "result flag", 92, 1, AN, CODE, choices=()),
        F("reason_code", "불능코드", "reason code", 93, 4, AN, CODE, choices=()),
        _filler("filler_97", 97, 1),
        F("phone", "전화번호", "phone", 98, 12, AN, NUMBER, mask="phone", echo=True),
        F("channel", "신청서 접수채널", "application channel", 110, 1, AN, TEXT, echo=True),
        _filler("filler_111", 111, 10),
    ],
)

EB13_TRAILER = Layout(
    "EB13 trailer",
    REGISTRATION_RECORD_LENGTH,
    RegistrationTrailer,
    [
        _record_type("T"),
        _TRAILER_SEQUENCE,
        _INSTITUTION_CTX,
        _FILE_NAME,
        F("total_count", "총 Data Record 수", "data record count", 28, 8, N, INT),
        F("new_count", "신규등록 건수", "count of new registrations", 36, 8, N, INT),
        F("change_count", "변경등록 건수", "count of changes", 44, 8, N, INT),
        F("cancel_count", "해지등록 건수", "count of cancellations", 52, 8, N, INT),
        F("forced_cancel_count", "임의해지등록 건수", "count of forced cancellations", 60, 8, N, INT),
        _filler("filler", 68, 43),
        _at(_MAC, 111),
    ],
)

EB14_HEADER = EB13_HEADER.derive("EB14 header")
EB14_DATA = EB13_DATA.derive(
    "EB14 data",
    result_flag={"choices": ("Y", "N"), "required": True},
    reason_code={"choices": None},
)
EB14_TRAILER = EB13_TRAILER.derive("EB14 trailer")


# ----------------------------------------------------------------------------- EB21 / EB22 (§3)

EB21_HEADER = Layout(
    "EB21 header",
    DEBIT_RECORD_LENGTH,
    DebitHeader,
    [
        _record_type("H"),
        _HEADER_SEQUENCE,
        _INSTITUTION,
        _FILE_NAME,
        F("debit_date", "출금일자", "debit date", 28, 6, N, DATE),
        F("bank_branch_code", "주거래은행점코드", "institution's bank+branch", 34, 7, N, DIGITS, echo=True),
        F("collection_account", "입금계좌번호", "collection account", 41, 16, AN, NUMBER, required=True,
          mask="account", echo=True),
        _filler("filler", 57, 94),
    ],
)

EB21_DATA = Layout(
    "EB21 data",
    DEBIT_RECORD_LENGTH,
    DebitRecord,
    [
        _record_type("R"),
        _DATA_SEQUENCE,
        _INSTITUTION_CTX,
        F("bank_branch_code", "출금은행점코드", "payer bank+branch", 20, 7, N, DIGITS, echo=True),
        F("account_no", "출금계좌번호", "payer account", 27, 16, AN, NUMBER, required=True, mask="account",
          echo=True),
        F("amount", "출금의뢰금액", "requested amount", 43, 13, N, INT, min_value=MIN_DEBIT_AMOUNT),
        F("holder_id", "생년월일/사업자번호", "holder ID", 56, 13, AN, NUMBER, required=True, lengths=(6, 10),
          mask="holder_id", echo=True),
        F("result_flag", "출금여부", "result flag", 69, 1, AN, CODE, choices=()),
        F("reason_code", "불능코드", "reason code", 70, 4, AN, CODE, choices=()),
        F("passbook_text", "통장기재내용", "passbook text", 74, 16, H, HANGUL, required=True, echo=True),
        F("fund_kind", "자금종류", "fund kind", 90, 2, AN, TEXT, echo=True),
        F("customer_no", "납부자번호", "payer number", 92, 20, AN, TEXT, required=True, echo=True),
        F("free_area", "이용기관 사용영역", "institution's free area", 112, 5, AN, TEXT, echo=True),
        F("withdrawal_mode", "출금형태", "withdrawal mode", 117, 1, AN, TEXT, required=True,
          choices=tuple(WithdrawalMode), echo=True),
        F("phone", "전화번호", "payer phone", 118, 12, AN, NUMBER, mask="phone", echo=True),
        _filler("filler", 130, 21),
    ],
)

EB21_TRAILER = Layout(
    "EB21 trailer",
    DEBIT_RECORD_LENGTH,
    DebitTrailer,
    [
        _record_type("T"),
        _TRAILER_SEQUENCE,
        _INSTITUTION_CTX,
        _FILE_NAME,
        F("total_count", "총 Data Record 수", "data record count", 28, 8, N, INT),
        F("full_count", "전액출금 건수", "count, full-only requests", 36, 8, N, INT),
        F("full_amount", "전액출금 금액", "amount, full-only requests", 44, 13, N, INT),
        F("partial_count", "부분출금 건수", "count, partial-allowed requests", 57, 8, N, INT),
        F("partial_amount", "부분출금 금액", "amount, partial-allowed requests", 65, 13, N, INT),
        _filler("filler", 78, 63),
        _at(_MAC, 141),
    ],
)

EB22_HEADER = EB21_HEADER.derive("EB22 header")
EB22_DATA = EB21_DATA.derive(
    "EB22 data",
    amount={"name_ko": "출금불능금액", "name_en": "amount not debited", "min_value": 1},
    result_flag={"choices": ("N", "P"), "required": True},
    reason_code={"choices": None, "required": True},
)

EB22_TRAILER = Layout(
    "EB22 trailer",
    DEBIT_RECORD_LENGTH,
    DebitResultTrailer,
    [
        _record_type("T"),
        _TRAILER_SEQUENCE,
        _INSTITUTION_CTX,
        _FILE_NAME,
        F("total_count", "총 Data Record 수", "data record count", 28, 8, N, INT),
        F("failed_full_count", "전액출금 불능건수", "failed count, full-only", 36, 8, N, INT),
        F("failed_full_amount", "전액출금 불능금액", "failed amount, full-only", 44, 13, N, INT),
        F("failed_partial_count", "부분출금 불능건수", "failed count, partial-allowed", 57, 8, N, INT),
        F("failed_partial_amount", "부분출금 불능금액", "amount not debited, partial-allowed", 65, 13, N, INT),
        F("center_error_count", "센터검증오류건수", "center validation errors", 78, 8, N, INT),
        _filler("filler_86", 86, 4, N, "0000"),
        F("debit_bank_fee", "출금은행 수수료", "debit-bank fee", 90, 11, N, INT),
        F("credit_bank_fee", "입금은행 수수료", "credit-bank fee", 101, 11, N, INT),
        _filler("filler_112", 112, 29),
        _at(_MAC, 141),
    ],
)


class FileLayouts:
    """The three layouts of one file kind."""

    def __init__(self, kind: str, header: Layout, data: Layout, trailer: Layout) -> None:
        self.kind = kind
        self.header = header
        self.data = data
        self.trailer = trailer
        self.record_length = header.length
        if not header.length == data.length == trailer.length:
            raise AssertionError(f"{kind}: record lengths differ")


LAYOUTS: dict[str, FileLayouts] = {
    "EB13": FileLayouts("EB13", EB13_HEADER, EB13_DATA, EB13_TRAILER),
    "EB14": FileLayouts("EB14", EB14_HEADER, EB14_DATA, EB14_TRAILER),
    "EB21": FileLayouts("EB21", EB21_HEADER, EB21_DATA, EB21_TRAILER),
    "EB22": FileLayouts("EB22", EB22_HEADER, EB22_DATA, EB22_TRAILER),
}
"""Layouts by file kind; the codec's single source of positions."""

REQUEST_KIND_OF = {"EB14": "EB13", "EB22": "EB21"}
"""Which request a result file answers."""
