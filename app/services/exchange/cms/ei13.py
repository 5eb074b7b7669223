"""EI13 출금동의 증빙자료 (consent evidence): a pure codec for the 1,024-byte block file of §5.1.

Unlike the 120/150-byte EB records, an EI13 is cut into 1,024-byte blocks and carries binary
payload: one header block, then per payer a data record — a 119-byte text prefix, the evidence
file's raw bytes, spaces up to the next multiple of 1,024 — and one trailer block
(``/work/shared/cms-file-format.md`` §5.1). The text parts are positions like any other record, so
they are written down once, as ``FieldSpec`` tables below, and compiled by the same ``Layout`` the
EB codec uses: the table is checked at import (contiguous, sums to its length), AN fields are
printable ASCII left-aligned space-filled, N fields digits zero-filled, and every error names the
file, the record (1-based; header = 1) and the field, with account numbers masked.

Every EI13 record starts with 업무구분코드 ``AE1112``; Record 구분 is ``11`` / ``22`` / ``33``;
일련번호 ``0000000`` / ``0000001``… / ``9999999``. 총 Data Block 수 counts the data blocks only
(file size / 1,024 − 2), as [A] does (§5.1). There is no MAC and no file name inside the file: the
name ``EI13MMDD_YYYY`` (MMDD = 신청일) lives only on the relay.

Writing is strict (a value that cannot be written raises ``CmsValueError`` before any byte is
produced)::

    encode_ei13(header: Ei13Header, records: Sequence[Ei13Record]) -> bytes

Reading is strict too; ``lenient=True`` is how a relay reads a file it must judge record by record:
동의자료구분 and 확장자 may then hold anything printable and the evidence may be empty, so the relay
can answer 0101/0102/0105 per record instead of refusing the layout::

    decode_ei13(data: bytes, file_label: str, *, lenient: bool = False) -> Ei13File
    is_ei13(data) -> bool                   # the first block is an EI13 header
    describe_ei13(file) -> list[dict[str, str]]   # masked rows; never the evidence bytes

Evidence bytes are never put in a message, a description or a log: only their length and SHA-256.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from .errors import CmsFormatError, CmsValueError
from .fields import FieldProblem, FieldSpec, Kind, Value
from .layout import Layout

BLOCK = 1024
"""Every part of an EI13 is a whole number of 1,024-byte blocks."""

PREFIX_LENGTH = 119
"""Text part of a data record, before the evidence bytes."""

WORK_CODE = "AE1112"
HEADER_TYPE, DATA_TYPE, TRAILER_TYPE = "11", "22", "33"
HEADER_SEQUENCE, TRAILER_SEQUENCE = "0000000", "9999999"
MAX_SEQUENCE = 9_999_998
MAX_EVIDENCE_BYTES = 9_999_999
"""동의자료 길이 is N 7: the most one record can carry (an agency's own limit is far lower)."""

INSTITUTION_CODE_LENGTH = 10
"""The 이용기관식별코드 is 10 characters, left-aligned in the 20-byte 기관코드 field."""

EVIDENCE_KINDS: dict[str, str] = {
    "1": "서면",
    "2": "공인전자서명",
    "3": "전자서명",
    "4": "녹취",
    "5": "ARS",
    "6": "기타",
}
"""동의자료구분 (§5.1) → the label screens use (as ``app.models.enums.EvidenceKind``)."""

MAX_EXTENSION_LENGTH = 5
_EXTENSION_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


# ----------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Ei13Header:
    """The institution and the 신청일 (the send date; its MMDD names the file ``EI13MMDD_YYYY``)."""

    institution_code: str
    application_date: dt.date


@dataclass(frozen=True, slots=True)
class Ei13Record:
    """One payer's consent evidence: who it is for and the evidence file itself (``content``, raw)."""

    sequence: int  # 일련번호: 1..n in file order
    customer_no: str  # 납부자번호 (AN 30), the same as in the EB13 that relies on this evidence
    bank_code: str  # 은행코드, 3 digits
    account_no: str  # 계좌번호 (AN 20), digits only
    application_date: dt.date  # 신청일: not later than the header's
    kind: str  # 동의자료구분 '1'..'6' (EVIDENCE_KINDS); EvidenceKind values are accepted as they are
    extension: str  # 동의자료 확장자: 1–5 lower-case letters/digits, no dot ('jpg', 'pdf', 'mp3', 'der')
    content: bytes  # the evidence file; its length is written as 동의자료 길이

    def __repr__(self) -> str:  # never the account number or the evidence bytes
        return (
            f"Ei13Record(sequence={self.sequence}, customer_no={self.customer_no!r}, bank_code={self.bank_code!r}, "
            f"kind={self.kind!r}, extension={self.extension!r}, size={len(self.content)})"
        )


@dataclass(frozen=True, slots=True)
class Ei13Trailer:
    """Totals; the encoder computes them, the decoder checks them against the data."""

    total_count: int  # 총 Data Record 수
    block_count: int  # 총 Data Block 수: data blocks only (header and trailer not counted)


@dataclass(frozen=True)
class Ei13File:
    """A decoded (or to-be-encoded) EI13: header, records, trailer."""

    kind: ClassVar[str] = "EI13"
    header: Ei13Header
    records: tuple[Ei13Record, ...]
    trailer: Ei13Trailer

    @property
    def file_name(self) -> str:
        """``EI13MMDD`` (the remote name adds ``_YYYY``)."""
        return f"EI13{self.header.application_date:%m%d}"

    @property
    def institution_code(self) -> str:
        return self.header.institution_code


# ----------------------------------------------------------------------------- field tables (§5.1)
# The codec's own rows: the layout compiles them; public records are built from them.


@dataclass(frozen=True, slots=True)
class _HeaderRow:
    application_date: str
    institution_code: str
    evidence_count: int


@dataclass(frozen=True, slots=True)
class _DataRow:
    sequence: int
    institution_code: str
    customer_no: str
    bank_code: str
    account_no: str
    application_date: str
    kind: str
    extension: str
    length: int


@dataclass(frozen=True, slots=True)
class _TrailerRow:
    institution_code: str
    total_count: int
    block_count: int


N, AN = Kind.N, Kind.AN


def _f(attr: str, name_ko: str, name_en: str, start: int, length: int, kind: Kind, value: Value,
       **more: Any) -> FieldSpec:
    return FieldSpec(attr, name_ko, name_en, start, length, kind, value, **more)


def _fixed(attr: str, name_ko: str, name_en: str, start: int, content: str, kind: Kind = AN) -> FieldSpec:
    return _f(attr, name_ko, name_en, start, len(content), kind, Value.FIXED, fixed=content)


def _work_code() -> FieldSpec:
    return _fixed("work_code", "업무구분코드", "work code", 1, WORK_CODE)


def _record_type(content: str) -> FieldSpec:
    return _fixed("record_type", "Record 구분", "record type", 7, content)


def _institution(start: int) -> FieldSpec:
    return _f("institution_code", "기관코드", "institution code", start, 20, AN, Value.TEXT, required=True)


EI13_HEADER = Layout(
    "EI13 header",
    BLOCK,
    _HeaderRow,
    [
        _work_code(),
        _record_type(HEADER_TYPE),
        _fixed("sequence", "일련번호", "sequence", 9, HEADER_SEQUENCE, N),
        _f("application_date", "신청일", "application date", 16, 8, N, Value.DIGITS),
        _institution(24),
        _f("evidence_count", "총 동의자료 수", "evidence count", 44, 7, N, Value.INT),
        _fixed("filler", "FILLER", "filler", 51, " " * 974),
    ],
)

EI13_DATA = Layout(
    "EI13 data",
    PREFIX_LENGTH,
    _DataRow,
    [
        _work_code(),
        _record_type(DATA_TYPE),
        _f("sequence", "일련번호", "sequence", 9, 7, N, Value.INT, min_value=1),
        _fixed("filler", "FILLER", "filler", 16, " " * 10),
        _institution(26),
        _f("customer_no", "납부자번호", "payer number", 46, 30, AN, Value.TEXT, required=True),
        _f("bank_code", "은행코드", "bank code", 76, 3, N, Value.DIGITS),
        _f("account_no", "계좌번호", "account number", 79, 20, AN, Value.NUMBER, required=True, mask="account"),
        _f("application_date", "신청일", "application date", 99, 8, N, Value.DIGITS),
        _f("kind", "동의자료구분", "evidence kind", 107, 1, AN, Value.TEXT, required=True,
           choices=tuple(EVIDENCE_KINDS)),
        _f("extension", "동의자료 확장자", "evidence extension", 108, 5, AN, Value.TEXT, required=True),
        _f("length", "동의자료 길이", "evidence length", 113, 7, N, Value.INT),
    ],
)

EI13_DATA_LENIENT = EI13_DATA.derive(
    "EI13 data (as a relay reads it)",
    kind={"required": False, "choices": None},
    extension={"required": False},
)
"""The same positions; 동의자료구분 and 확장자 take any printable content (or blank), judged later."""

EI13_TRAILER = Layout(
    "EI13 trailer",
    BLOCK,
    _TrailerRow,
    [
        _work_code(),
        _record_type(TRAILER_TYPE),
        _fixed("sequence", "일련번호", "sequence", 9, TRAILER_SEQUENCE, N),
        _institution(16),
        _f("total_count", "총 Data Record 수", "data record count", 36, 7, N, Value.INT),
        _f("block_count", "총 Data Block 수", "data block count", 43, 10, N, Value.INT),
        _fixed("filler", "FILLER", "filler", 53, " " * 972),
    ],
)

_PADDING = FieldSpec("padding", "FILLER(동의자료 뒤)", "padding after the evidence", PREFIX_LENGTH + 1, 0,
                     AN, Value.FIXED)
"""Names the spaces after the evidence in messages (its length varies, so it is no table row)."""

_HEADER_MAGIC = (WORK_CODE + HEADER_TYPE).encode("ascii")
_DATA_MAGIC = (WORK_CODE + DATA_TYPE).encode("ascii")


def blocks_for(evidence_size: int) -> int:
    """Blocks one data record takes for evidence of ``evidence_size`` bytes (at least 1)."""
    return -(-(PREFIX_LENGTH + evidence_size) // BLOCK)


def is_ei13(data: bytes | bytearray | memoryview) -> bool:
    """Whether ``data`` starts like an EI13 (업무구분코드 AE1112, Record 구분 11)."""
    return bytes(data[: len(_HEADER_MAGIC)]) == _HEADER_MAGIC


# ----------------------------------------------------------------------------- value rules


def _date_text(field: FieldSpec, value: Any) -> str:
    if type(value) is not dt.date:
        raise FieldProblem(field, f"날짜(date) 값이어야 합니다 ({type(value).__name__} 값이 왔습니다)",
                           f"expected a datetime.date, got {type(value).__name__}")
    if not 2000 <= value.year <= 2099:
        raise FieldProblem(field, f"2000~2099년 밖의 날짜입니다: {value}", f"year outside 2000-2099: {value}")
    return f"{value:%Y%m%d}"


def _date_value(field: FieldSpec, text: str) -> dt.date:
    try:
        day = dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise FieldProblem(field, f"없는 날짜입니다: {text}", "not a valid YYYYMMDD date") from None
    if not 2000 <= day.year <= 2099:
        raise FieldProblem(field, f"2000~2099년 밖의 날짜입니다: {text}", f"year outside 2000-2099: {text}")
    return day


def _check_institution(field: FieldSpec, code: str) -> None:
    if len(code) > INSTITUTION_CODE_LENGTH:
        raise FieldProblem(
            field,
            f"이용기관식별코드는 {INSTITUTION_CODE_LENGTH}자 이내여야 합니다 ({len(code)}자)",
            f"the institution code has at most {INSTITUTION_CODE_LENGTH} characters, got {len(code)}",
        )


def extension_problem(extension: str) -> str | None:
    """Why ``extension`` cannot be an EI13 확장자 (Korean), or None: 1–5 lower-case letters/digits."""
    if not extension:
        return "확장자가 비어 있습니다"
    if len(extension) > MAX_EXTENSION_LENGTH:
        return f"확장자는 {MAX_EXTENSION_LENGTH}자 이내여야 합니다 ({len(extension)}자)"
    if not set(extension) <= _EXTENSION_CHARS:
        return f"확장자는 영문 소문자·숫자만 쓸 수 있습니다 (점 없이, 예: jpg): '{extension}'"
    return None


def _check_extension(field: FieldSpec, extension: str) -> None:
    problem = extension_problem(extension)
    if problem is not None:
        raise FieldProblem(field, problem, "extension must be 1-5 lower-case ASCII letters/digits, no dot")


def _later_than_header(field: FieldSpec, day: dt.date, header_day: dt.date) -> FieldProblem:
    return FieldProblem(
        field,
        f"신청일({day})이 헤더의 신청일({header_day})보다 늦습니다",
        "application date is later than the header's",
    )


# ----------------------------------------------------------------------------- encoding


def encode_ei13(header: Ei13Header, records: Sequence[Ei13Record]) -> bytes:
    """The EI13 file: header block, one data record per evidence (sequences 1..n), trailer block.

    Totals (총 동의자료 수, 총 Data Record 수, 총 Data Block 수) are computed here, never taken from the
    caller. Raises CmsValueError naming the record and field of the first value that cannot be
    written; nothing is returned then.
    """
    records = tuple(records)
    label = _label(header)

    def fail(record_no: int, problem: FieldProblem) -> CmsValueError:
        return CmsValueError(problem.detail_ko, problem.detail_en, kind="EI13", file_label=label,
                             record_no=record_no, field_ko=problem.field.name_ko, field_en=problem.field.name_en)

    if not isinstance(header, Ei13Header):
        raise CmsValueError("헤더는 Ei13Header여야 합니다", "header must be an Ei13Header", kind="EI13")
    if len(records) > MAX_SEQUENCE:
        raise CmsValueError(f"한 파일에 {MAX_SEQUENCE:,}건까지 보낼 수 있습니다 ({len(records):,}건)",
                            f"at most {MAX_SEQUENCE} records per file", kind="EI13", file_label=label)
    header_fields = EI13_HEADER
    try:
        day_text = _date_text(header_fields.field("application_date"), header.application_date)
        head = header_fields.encoder()(_HeaderRow(day_text, header.institution_code, len(records)))
        _check_institution(header_fields.field("institution_code"), header.institution_code)
    except FieldProblem as problem:
        raise fail(1, problem) from None

    encode_prefix = EI13_DATA.encoder()
    date_field = EI13_DATA.field("application_date")
    length_field = EI13_DATA.field("length")
    parts: list[bytes] = [head.encode("latin-1")]
    blocks = 0
    for index, rec in enumerate(records):
        record_no = index + 2
        if not isinstance(rec, Ei13Record):
            raise CmsValueError("데이터 레코드는 Ei13Record여야 합니다",
                                f"data record must be an Ei13Record, got {type(rec).__name__}",
                                kind="EI13", file_label=label, record_no=record_no)
        try:
            if rec.sequence != index + 1:
                raise FieldProblem(
                    EI13_DATA.field("sequence"),
                    f"{index + 1}이어야 하는데 {rec.sequence}입니다 (데이터 일련번호는 1부터 빠짐없이 이어져야 합니다)",
                    f"expected {index + 1}, found {rec.sequence}; data sequence must run 1..n",
                )
            content = rec.content
            if not isinstance(content, bytes):
                raise FieldProblem(length_field, f"동의자료는 bytes여야 합니다 ({type(content).__name__} 값이 왔습니다)",
                                   "evidence content must be bytes")
            if not content:
                raise FieldProblem(length_field, "동의자료 파일이 비어 있습니다", "evidence content is empty")
            if len(content) > MAX_EVIDENCE_BYTES:
                raise FieldProblem(length_field,
                                   f"동의자료가 {MAX_EVIDENCE_BYTES:,}바이트를 넘습니다 ({len(content):,}바이트)",
                                   f"evidence of {len(content)} bytes exceeds {MAX_EVIDENCE_BYTES}")
            rec_day = _date_text(date_field, rec.application_date)
            if rec.application_date > header.application_date:
                raise _later_than_header(date_field, rec.application_date, header.application_date)
            prefix = encode_prefix(_DataRow(rec.sequence, header.institution_code, rec.customer_no, rec.bank_code,
                                            rec.account_no, rec_day, rec.kind, rec.extension, len(content)))
            _check_extension(EI13_DATA.field("extension"), rec.extension)
        except FieldProblem as problem:
            raise fail(record_no, problem) from None
        used = PREFIX_LENGTH + len(content)
        padding = -used % BLOCK
        parts += [prefix.encode("latin-1"), content, b" " * padding]
        blocks += (used + padding) // BLOCK

    try:
        tail = EI13_TRAILER.encoder()(_TrailerRow(header.institution_code, len(records), blocks))
    except FieldProblem as problem:
        raise fail(len(records) + 2, problem) from None
    parts.append(tail.encode("latin-1"))
    return b"".join(parts)


def renumber_ei13(records: Sequence[Ei13Record]) -> tuple[Ei13Record, ...]:
    """Copies of ``records`` numbered 1..n in the given order, as ``encode_ei13`` needs them."""
    return tuple(rec if rec.sequence == i else dataclasses.replace(rec, sequence=i)
                 for i, rec in enumerate(records, start=1))


def _label(header: Any) -> str:
    day = getattr(header, "application_date", None)
    try:
        return f"EI13{day:%m%d}"
    except (TypeError, ValueError):
        return "EI13"


# ----------------------------------------------------------------------------- decoding


class _Reader:
    def __init__(self, label: str) -> None:
        self.label = label

    def error(self, record_no: int, field: FieldSpec | None, detail_ko: str, detail_en: str) -> CmsFormatError:
        return CmsFormatError(
            detail_ko,
            detail_en,
            kind="EI13",
            file_label=self.label,
            record_no=record_no,
            field_ko=field.name_ko if field else "파일 길이",
            field_en=field.name_en if field else "file length",
        )

    def problem(self, record_no: int, problem: FieldProblem) -> CmsFormatError:
        return self.error(record_no, problem.field, problem.detail_ko, problem.detail_en)


def decode_ei13(data: bytes | bytearray | memoryview, file_label: str, *, lenient: bool = False) -> Ei13File:
    """Read an EI13 strictly: block structure, every field of every record, the institution code
    repeated in every record, sequences 1..n, 신청일 not after the header's, spaces after each
    evidence up to its block end, and the three totals. Raises CmsFormatError naming the record and
    the field.

    ``lenient``: 동의자료구분 and 확장자 are read as any printable text (or blank) and an empty
    evidence is allowed — for a relay that answers such records one by one (0101/0102/0105).
    """
    if not isinstance(data, bytes):
        data = bytes(data)
    reader = _Reader(file_label)
    total = len(data)
    if total == 0:
        raise reader.error(1, None, "파일이 비어 있습니다", "empty file")
    if total % BLOCK:
        raise reader.error(
            total // BLOCK + 1,
            None,
            f"파일 길이 {total}바이트가 블록 길이 {BLOCK}바이트의 배수가 아닙니다 (마지막 블록이 잘렸습니다)",
            f"file length {total} is not a multiple of {BLOCK}: last block truncated",
        )
    if total < 2 * BLOCK:
        raise reader.error(2, EI13_TRAILER.field("record_type"), "트레일러 블록이 없습니다",
                           "file ends without a trailer block")

    # header
    try:
        head, _ = EI13_HEADER.decode(EI13_HEADER.split(data[:BLOCK]))
        header_day = _date_value(EI13_HEADER.field("application_date"), head.application_date)
        _check_institution(EI13_HEADER.field("institution_code"), head.institution_code)
    except FieldProblem as problem:
        raise reader.problem(1, problem) from None
    institution = head.institution_code
    header = Ei13Header(institution, header_day)

    # data
    layout = EI13_DATA_LENIENT if lenient else EI13_DATA
    date_field = layout.field("application_date")
    length_field = layout.field("length")
    end = total - BLOCK
    position = BLOCK
    records: list[Ei13Record] = []
    while position < end:
        record_no = len(records) + 2
        if data[position : position + len(_DATA_MAGIC)] != _DATA_MAGIC:
            # Said without quoting the bytes: after a wrong 동의자료 길이 they may be someone's evidence.
            raise reader.error(
                record_no,
                layout.field("record_type"),
                f"{position // BLOCK + 1}번째 블록이 데이터 레코드('{WORK_CODE}'+'{DATA_TYPE}')로 시작하지 않습니다 "
                "(앞 레코드의 동의자료 길이나 총 동의자료 수가 맞지 않을 수 있습니다)",
                f"block {position // BLOCK + 1} does not start a data record ({WORK_CODE}{DATA_TYPE})",
            )
        try:
            row, _ = layout.decode(layout.split(data[position : position + PREFIX_LENGTH]))
            if row.sequence != len(records) + 1:
                raise FieldProblem(
                    layout.field("sequence"),
                    f"{len(records) + 1}이어야 하는데 {row.sequence}입니다 (데이터 일련번호는 1부터 빠짐없이 이어져야 합니다)",
                    f"expected {len(records) + 1}, found {row.sequence}",
                )
            if row.institution_code != institution:
                raise FieldProblem(
                    layout.field("institution_code"),
                    f"헤더의 기관코드 '{institution}'와 다릅니다: '{row.institution_code}'",
                    "institution code differs from the header",
                )
            day = _date_value(date_field, row.application_date)
            if day > header_day:
                raise _later_than_header(date_field, day, header_day)
            if not lenient:
                _check_extension(layout.field("extension"), row.extension)
                if row.length == 0:
                    raise FieldProblem(length_field, "동의자료 길이가 0입니다 (빈 파일)", "evidence length is 0")
            start = position + PREFIX_LENGTH
            stop = start + row.length
            if stop > end:
                raise FieldProblem(
                    length_field,
                    f"동의자료 길이 {row.length:,}바이트가 트레일러 앞까지의 남은 {end - start:,}바이트보다 깁니다",
                    f"evidence length {row.length} runs past the last data block",
                )
            following = position + blocks_for(row.length) * BLOCK
            if data[stop:following].strip(b" "):
                raise FieldProblem(
                    _PADDING,
                    f"동의자료 {row.length:,}바이트 뒤가 블록 끝까지 공백이어야 하는데 다른 바이트가 있습니다",
                    "the rest of the block after the evidence must be spaces",
                )
        except FieldProblem as problem:
            raise reader.problem(record_no, problem) from None
        records.append(Ei13Record(row.sequence, row.customer_no, row.bank_code, row.account_no, day, row.kind,
                                  row.extension, data[start:stop]))
        position = following

    # trailer
    trailer_no = len(records) + 2
    try:
        tail, _ = EI13_TRAILER.decode(EI13_TRAILER.split(data[end:]))
    except FieldProblem as problem:
        raise reader.problem(trailer_no, problem) from None
    if tail.institution_code != institution:
        raise reader.error(trailer_no, EI13_TRAILER.field("institution_code"),
                           f"헤더의 기관코드 '{institution}'와 다릅니다: '{tail.institution_code}'",
                           "institution code differs from the header")
    checks = (
        (1, EI13_HEADER.field("evidence_count"), head.evidence_count, len(records), "데이터 레코드 수"),
        (trailer_no, EI13_TRAILER.field("total_count"), tail.total_count, len(records), "데이터 레코드 수"),
        (trailer_no, EI13_TRAILER.field("block_count"), tail.block_count, total // BLOCK - 2, "데이터 블록 수"),
    )
    for record_no, field, got, want, what in checks:
        if got != want:
            raise reader.error(record_no, field, f"값 {got:,}이 실제 {what} {want:,}와 다릅니다",
                               f"says {got}, the file holds {want}")
    return Ei13File(header, tuple(records), Ei13Trailer(tail.total_count, tail.block_count))


# ----------------------------------------------------------------------------- display


RECORD_KIND_KEY = "레코드"
SHA256_KEY = "동의자료 SHA-256"
DATA_COLUMNS: tuple[str, ...] = (
    RECORD_KIND_KEY, "일련번호", "납부자번호", "은행코드", "계좌번호", "신청일", "동의자료구분", "동의자료 확장자",
    "동의자료 길이", SHA256_KEY,
)
"""Columns of the data rows for a file viewer, without what every record repeats (업무구분코드,
Record 구분, 기관코드): the header line shows those once (as ``transmissions.data_columns`` does)."""


def describe_ei13(file: Ei13File) -> list[dict[str, str]]:
    """Rows for the ``decode`` command and a screen, keyed by the spec's 항목 names, FILLER left out.

    The account number is masked; the evidence is shown as its length and SHA-256, never its bytes.
    """
    inst = file.header.institution_code
    rows = [{
        RECORD_KIND_KEY: "헤더",
        "업무구분코드": WORK_CODE,
        "Record 구분": HEADER_TYPE,
        "일련번호": HEADER_SEQUENCE,
        "신청일": file.header.application_date.isoformat(),
        "기관코드": inst,
        "총 동의자료 수": f"{len(file.records):,}",
    }]
    account = EI13_DATA.field("account_no")
    for rec in file.records:
        kind_name = EVIDENCE_KINDS.get(rec.kind)
        rows.append({
            RECORD_KIND_KEY: "데이터",
            "업무구분코드": WORK_CODE,
            "Record 구분": DATA_TYPE,
            "일련번호": str(rec.sequence),
            "기관코드": inst,
            "납부자번호": rec.customer_no,
            "은행코드": rec.bank_code,
            "계좌번호": account.show(rec.account_no),
            "신청일": rec.application_date.isoformat(),
            "동의자료구분": f"{rec.kind} {kind_name}" if kind_name else rec.kind,
            "동의자료 확장자": rec.extension,
            "동의자료 길이": f"{len(rec.content):,}",
            SHA256_KEY: hashlib.sha256(rec.content).hexdigest(),
        })
    rows.append({
        RECORD_KIND_KEY: "트레일러",
        "업무구분코드": WORK_CODE,
        "Record 구분": TRAILER_TYPE,
        "일련번호": TRAILER_SEQUENCE,
        "기관코드": inst,
        "총 Data Record 수": f"{file.trailer.total_count:,}",
        "총 Data Block 수": f"{file.trailer.block_count:,}",
    })
    return rows
