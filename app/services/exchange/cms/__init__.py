"""KFTC CMS bank files EB13/EB14 (계좌신청) and EB21/EB22 (이체의뢰): a pure codec.

No database, no network, no Qt: records in, exact bytes out, and back, as
``/work/shared/cms-file-format.md`` §1–§3 lays them out (fixed 120/150-byte records, H/R/T, EUC-KR,
no separators). Positions live only in the field tables of ``tables.py``; encoders and decoders
are derived from them. Everything is strict: a value that cannot be written raises
``CmsValueError`` before any byte is produced, and a file that breaks the layout raises
``CmsFormatError`` naming the file, the record (1-based; header = 1) and the field (Korean 항목 and
English name). Personal numbers are masked in every message.

Writing (trailers are computed from the data)::

    encode_eb13(header: RegistrationHeader, records: Sequence[RegistrationRecord], *, mac="") -> bytes
    encode_eb21(header: DebitHeader, records: Sequence[DebitRecord], *, mac="") -> bytes
    encode_eb14(header, records, *, mac="") -> bytes                  # bank simulator / tests
    encode_eb22(header, records, *, center_error_count=0, debit_bank_fee=0, credit_bank_fee=0,
                mac="") -> bytes                                     # bank simulator / tests
    renumber(records) -> tuple[...]                                  # sequences 1..n for a request

Reading (``file_label`` is how the file is named in error messages, e.g. its remote name)::

    decode_eb13(data: bytes, file_label: str) -> Eb13File
    decode_eb14(data: bytes, file_label: str, request: Eb13File | None = None) -> Eb14File
    decode_eb21(data: bytes, file_label: str) -> Eb21File
    decode_eb22(data: bytes, file_label: str, request: Eb21File | None = None) -> Eb22File
    decode_file(data: bytes, file_label: str) -> CmsFile             # kind taken from the header
    sniff_kind(data: bytes) -> str | None

Consent evidence (EI13, §5.1: 1,024-byte blocks with the evidence files inside; module ``ei13``)::

    encode_ei13(header: Ei13Header, records: Sequence[Ei13Record]) -> bytes
    decode_ei13(data: bytes, file_label: str, *, lenient=False) -> Ei13File
    decode_any(data: bytes, file_label: str) -> CmsFile | Ei13File   # EI13 or any kind above

Results against requests (raise ``CmsMismatchError`` for a result that does not answer the request)::

    check_result(result: Eb14File | Eb22File, request: Eb13File | Eb21File, file_label=None) -> None
    registration_outcomes(request: Eb13File, result: Eb14File) -> dict[int, RegistrationOutcome]
        # per EB13 sequence: (accepted: bool, reason_code: str | None); absent from EB14 = accepted
    debit_outcomes(request: Eb21File, result: Eb22File) -> dict[int, DebitOutcome]
        # per EB21 sequence: (debited_amount: int, failed_amount: int, reason_code: str | None);
        # absent from EB22 = debited in full; header+trailer-only EB22 = no failures

Records: ``RegistrationHeader``, ``RegistrationRecord``, ``RegistrationTrailer``, ``DebitHeader``,
``DebitRecord`` (in EB22 ``amount`` is the amount NOT debited), ``DebitTrailer``,
``DebitResultTrailer``; files ``Eb13File``, ``Eb14File``, ``Eb21File``, ``Eb22File`` (``.header``,
``.records``, ``.trailer``, ``.file_name``, ``.kind``). Amounts are ``int`` won.

Also: ``reasons`` (불능코드 → text, retryable, hint: ``reason(code)``), ``banks`` (``BANK_NAMES``,
``branch_code(bank) -> bank + '0000'``, ``REGISTRATION_REQUIRED_BANKS``), ``names``
(``remote_name(kind, day) -> 'EB210315_2026'``, ``parse_remote_name``, ``logical_name``),
``describe(file) -> list[dict[str, str]]`` (masked rows for display) and ``text.encoded_length``
(bytes a text takes, for input checks on screens).
"""

from __future__ import annotations

from .banks import (
    BANK_NAMES,
    REGISTRATION_REQUIRED_BANKS,
    bank_name,
    branch_code,
    requires_registration,
)
from .decode import (
    decode_any,
    decode_eb13,
    decode_eb14,
    decode_eb21,
    decode_eb22,
    decode_file,
    sniff_kind,
)
from .describe import describe
from .ei13 import (
    Ei13File,
    Ei13Header,
    Ei13Record,
    Ei13Trailer,
    decode_ei13,
    encode_ei13,
    renumber_ei13,
)
from .encode import encode_eb13, encode_eb14, encode_eb21, encode_eb22, renumber
from .errors import CmsError, CmsFormatError, CmsMismatchError, CmsValueError
from .matching import check_result
from .names import logical_name, parse_remote_name, remote_name
from .reasons import REASONS, Reason, reason
from .records import (
    CmsFile,
    DebitHeader,
    DebitRecord,
    DebitResultTrailer,
    DebitTrailer,
    Eb13File,
    Eb14File,
    Eb21File,
    Eb22File,
    RegistrationHeader,
    RegistrationKind,
    RegistrationRecord,
    RegistrationTrailer,
    WithdrawalMode,
)
from .results import (
    DebitOutcome,
    RegistrationOutcome,
    debit_outcomes,
    registration_outcomes,
)
from .tables import MIN_DEBIT_AMOUNT
from .text import encoded_length

__all__ = [
    "BANK_NAMES",
    "MIN_DEBIT_AMOUNT",
    "REASONS",
    "REGISTRATION_REQUIRED_BANKS",
    "CmsError",
    "CmsFile",
    "CmsFormatError",
    "CmsMismatchError",
    "CmsValueError",
    "DebitHeader",
    "DebitOutcome",
    "DebitRecord",
    "DebitResultTrailer",
    "DebitTrailer",
    "Eb13File",
    "Eb14File",
    "Eb21File",
    "Eb22File",
    "Ei13File",
    "Ei13Header",
    "Ei13Record",
    "Ei13Trailer",
    "Reason",
    "RegistrationHeader",
    "RegistrationKind",
    "RegistrationOutcome",
    "RegistrationRecord",
    "RegistrationTrailer",
    "WithdrawalMode",
    "bank_name",
    "branch_code",
    "check_result",
    "debit_outcomes",
    "decode_any",
    "decode_eb13",
    "decode_eb14",
    "decode_eb21",
    "decode_eb22",
    "decode_ei13",
    "decode_file",
    "describe",
    "encode_eb13",
    "encode_eb14",
    "encode_eb21",
    "encode_eb22",
    "encode_ei13",
    "encoded_length",
    "logical_name",
    "parse_remote_name",
    "reason",
    "registration_outcomes",
    "remote_name",
    "renumber",
    "renumber_ei13",
    "requires_registration",
    "sniff_kind",
]
