"""Typed records of the CMS bank files, and the decoded files that hold them.

Records are frozen dataclasses: a request file, once built, never changes (domain.md). Amounts are
``int`` won. Blank AN fields are ``''``; blank result fields (처리결과, 불능코드) are ``None``.
Sequence numbers (일련번호) are kept on data records because result files answer by them.
The institution code and the file name are file-level facts: they live on the header (and the file
object), and the codec writes and checks them in every record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar


class RegistrationKind(StrEnum):
    """신청구분 of EB13 (§2.4). A change of account is sent as CANCEL of the old + NEW of the new."""

    NEW = "1"  # 신규
    CANCEL = "3"  # 해지 (asked by the payer)
    FORCED_CANCEL = "7"  # 임의해지 (decided by the institution)


class WithdrawalMode(StrEnum):
    """출금형태 of EB21 (§3.4). Only FULL is used in practice."""

    PARTIAL = "0"  # 부분출금 허용
    FULL = "1"  # 전액출금만
    PARTIAL_1000 = "2"  # 부분출금, 1,000원 기준
    PARTIAL_2000 = "3"
    PARTIAL_3000 = "4"
    PARTIAL_4000 = "5"
    PARTIAL_5000 = "6"


REGISTRATION_ACCEPTED = "Y"
REGISTRATION_REJECTED = "N"
DEBIT_FAILED = "N"
DEBIT_PARTIAL = "P"


# ----------------------------------------------------------------------------- EB13 / EB14


@dataclass(frozen=True, slots=True)
class RegistrationHeader:
    """EB13/EB14 header: the institution and the application (send) date, whose MMDD names the file."""

    institution_code: str
    file_date: dt.date


@dataclass(slots=True)  # not frozen: a frozen init costs 1.3 µs of 2 per record (100,000 per file)
class RegistrationRecord:
    """EB13 data record (and EB14, where KFTC fills ``result_flag`` Y/N and ``reason_code``)."""

    sequence: int
    application_date: dt.date  # 신청일자: consent date, not later than the header date
    request_kind: str  # 신청구분, RegistrationKind
    customer_no: str  # 납부자번호
    bank_branch_code: str  # 은행점코드, 7 digits: bank(3) + branch(4) or bank + '0000'
    account_no: str  # 지정출금계좌번호, digits only
    holder_id: str  # 생년월일 YYMMDD or 사업자번호 (10 digits)
    handling_branch: str = ""  # 취급점코드: blank in EB13
    fund_kind: str = ""  # 자금종류
    result_flag: str | None = None  # 처리결과코드: None in EB13; 'Y' / 'N' in EB14
    reason_code: str | None = None  # 불능코드 (§4): None in EB13
    phone: str = ""  # 전화번호 (digits) or blank
    channel: str = ""  # 신청서 접수채널


@dataclass(frozen=True, slots=True)
class RegistrationTrailer:
    """EB13/EB14 trailer: counts by 신청구분. The encoder computes them; the decoder checks them."""

    total_count: int
    new_count: int
    change_count: int  # always 0: a change travels as 해지 + 신규 (§2.4)
    cancel_count: int
    forced_cancel_count: int
    mac: str = ""


# ----------------------------------------------------------------------------- EB21 / EB22


@dataclass(frozen=True, slots=True)
class DebitHeader:
    """EB21/EB22 header: the institution, the debit date (MMDD names the file), its collection account."""

    institution_code: str
    debit_date: dt.date
    bank_branch_code: str  # 주거래은행점코드 of the collection account, 7 digits
    collection_account: str  # 입금계좌번호, digits only


@dataclass(slots=True)  # not frozen: a frozen init costs 1.3 µs of 2 per record (100,000 per file)
class DebitRecord:
    """EB21 data record, and EB22 where ``amount`` means the amount NOT debited (출금불능금액).

    In EB22 ``result_flag`` is 'N' (failed) or 'P' (partially debited) and ``reason_code`` is set.
    """

    sequence: int
    bank_branch_code: str  # 출금은행점코드, 7 digits
    account_no: str  # 출금계좌번호, digits only
    amount: int  # EB21: 출금의뢰금액 (won, ≥ 140); EB22: 출금불능금액
    holder_id: str  # 생년월일 YYMMDD or 사업자번호
    passbook_text: str  # 통장기재내용, as registered with KFTC
    customer_no: str  # 납부자번호, as in EB13
    withdrawal_mode: str = WithdrawalMode.FULL  # 출금형태
    fund_kind: str = ""  # 자금종류
    free_area: str = ""  # 이용기관 사용영역 (5), echoed back
    phone: str = ""  # 전화번호 (digits) or blank
    result_flag: str | None = None  # 출금여부: None in EB21; 'N' / 'P' in EB22
    reason_code: str | None = None  # 불능코드: None in EB21


@dataclass(frozen=True, slots=True)
class DebitTrailer:
    """EB21 trailer: request totals split by 출금형태 ('1' → 전액, '0' and '2'–'6' → 부분)."""

    total_count: int
    full_count: int
    full_amount: int
    partial_count: int
    partial_amount: int
    mac: str = ""


@dataclass(frozen=True, slots=True)
class DebitResultTrailer:
    """EB22 trailer: totals of the records in the file (amounts not debited), split like EB21.

    ``center_error_count`` and the two fees are KFTC's figures; the codec reads them, it cannot check them.
    """

    total_count: int
    failed_full_count: int
    failed_full_amount: int
    failed_partial_count: int
    failed_partial_amount: int
    center_error_count: int = 0
    debit_bank_fee: int = 0
    credit_bank_fee: int = 0
    mac: str = ""


# ----------------------------------------------------------------------------- files


@dataclass(frozen=True)
class _FileBase:
    kind: ClassVar[str] = ""
    if TYPE_CHECKING:  # each file below declares its own header record as its first field
        header: RegistrationHeader | DebitHeader

    @property
    def file_name(self) -> str:
        """The logical name in header and trailer, e.g. ``EB210315``."""
        return f"{self.kind}{self._date:%m%d}"

    @property
    def _date(self) -> dt.date:
        raise NotImplementedError

    @property
    def institution_code(self) -> str:
        return self.header.institution_code


@dataclass(frozen=True)
class Eb13File(_FileBase):
    """출금이체신청 (request): institution → KFTC."""

    kind: ClassVar[str] = "EB13"
    header: RegistrationHeader
    records: tuple[RegistrationRecord, ...]
    trailer: RegistrationTrailer

    @property
    def _date(self) -> dt.date:
        return self.header.file_date


@dataclass(frozen=True)
class Eb14File(_FileBase):
    """출금이체신청결과 (result): KFTC → institution."""

    kind: ClassVar[str] = "EB14"
    header: RegistrationHeader
    records: tuple[RegistrationRecord, ...]
    trailer: RegistrationTrailer

    @property
    def _date(self) -> dt.date:
        return self.header.file_date


@dataclass(frozen=True)
class Eb21File(_FileBase):
    """출금이체의뢰 (request): institution → KFTC."""

    kind: ClassVar[str] = "EB21"
    header: DebitHeader
    records: tuple[DebitRecord, ...]
    trailer: DebitTrailer

    @property
    def _date(self) -> dt.date:
        return self.header.debit_date


@dataclass(frozen=True)
class Eb22File(_FileBase):
    """출금이체결과 (result): KFTC → institution; only failed and partial records (§3.5)."""

    kind: ClassVar[str] = "EB22"
    header: DebitHeader
    records: tuple[DebitRecord, ...]
    trailer: DebitResultTrailer

    @property
    def _date(self) -> dt.date:
        return self.header.debit_date


CmsFile = Eb13File | Eb14File | Eb21File | Eb22File
