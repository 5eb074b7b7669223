"""Reading CMS files strictly: bytes in, typed file out — or a CmsFormatError that says where.

Checked, in this order: the file kind (파일이름 in the header), the total length (a whole number of
records, at least header + trailer), every field of every record against its table (record type,
sequence, digits in N fields, printable ASCII in AN fields, strict KS X 1001 in H fields, FILLER
contents), the institution code repeated in every record, the file name repeated in the trailer and
matching the header date, the data sequence rule, the cross-field rules, and finally the trailer
totals against the data. Given the request a result answers, the result is also checked against it
(``matching.check_result``), raising CmsMismatchError.
"""

from __future__ import annotations

from typing import Any

from .ei13 import Ei13File, decode_ei13, is_ei13
from .errors import CmsFormatError
from .fields import FieldProblem, FieldSpec
from .matching import check_result
from .records import CmsFile, Eb13File, Eb14File, Eb21File, Eb22File
from .rules import RECORD_RULES, TOTAL_FIELDS, expected_totals, sequence_problem
from .tables import LAYOUTS

_FILE_CLASSES: dict[str, type] = {"EB13": Eb13File, "EB14": Eb14File, "EB21": Eb21File, "EB22": Eb22File}
_NAME_SLICE = slice(19, 23)  # 파일이름 starts at byte 20 in every header (§2.1, §3.1)


def decode_eb13(data: bytes, file_label: str) -> Eb13File:
    """Read an 출금이체신청 file."""
    result: Eb13File = _decode("EB13", data, file_label)
    return result


def decode_eb14(data: bytes, file_label: str, request: Eb13File | None = None) -> Eb14File:
    """Read an 출금이체신청결과 file; with ``request``, also check that it answers that EB13."""
    result: Eb14File = _decode("EB14", data, file_label)
    if request is not None:
        check_result(result, request, file_label)
    return result


def decode_eb21(data: bytes, file_label: str) -> Eb21File:
    """Read an 출금이체의뢰 file."""
    result: Eb21File = _decode("EB21", data, file_label)
    return result


def decode_eb22(data: bytes, file_label: str, request: Eb21File | None = None) -> Eb22File:
    """Read an 출금이체결과 file; with ``request``, also check that it answers that EB21."""
    result: Eb22File = _decode("EB22", data, file_label)
    if request is not None:
        check_result(result, request, file_label)
    return result


def sniff_kind(data: bytes) -> str | None:
    """The kind named in a file's header (``'EB21'`` ...), if it is one this codec reads."""
    kind = bytes(data[_NAME_SLICE]).decode("latin-1")
    return kind if kind in LAYOUTS else None


def decode_file(data: bytes, file_label: str) -> CmsFile:
    """Read any of EB13, EB14, EB21, EB22, choosing the layout from the header's 파일이름."""
    kind = sniff_kind(data)
    if kind is None:
        shown = bytes(data[_NAME_SLICE]).decode("latin-1", errors="replace")
        raise CmsFormatError(
            f"EB13/EB14/EB21/EB22 파일이 아닙니다 (헤더 파일이름 '{shown}')",
            "not an EB13/EB14/EB21/EB22 file (file name in header)",
            file_label=file_label,
            record_no=1,
            field_ko="파일이름",
            field_en="file name",
        )
    decoded: CmsFile = _decode(kind, data, file_label)
    return decoded


def decode_any(data: bytes, file_label: str) -> CmsFile | Ei13File:
    """Read an EI13 (recognised by its first block, ``AE1112`` + ``11``) or any kind ``decode_file`` reads."""
    if is_ei13(data):
        return decode_ei13(data, file_label)
    return decode_file(data, file_label)


# ----------------------------------------------------------------------------- machinery


class _Reader:
    """Error construction for one file being read."""

    def __init__(self, kind: str, label: str) -> None:
        self.kind = kind
        self.label = label

    def error(self, record_no: int, field: FieldSpec | None, detail_ko: str, detail_en: str) -> CmsFormatError:
        return CmsFormatError(
            detail_ko,
            detail_en,
            kind=self.kind,
            file_label=self.label,
            record_no=record_no,
            field_ko=field.name_ko if field else "레코드 길이",
            field_en=field.name_en if field else "record length",
        )

    def problem(self, record_no: int, problem: FieldProblem) -> CmsFormatError:
        return self.error(record_no, problem.field, problem.detail_ko, problem.detail_en)


def _decode(kind: str, data: Any, label: str) -> Any:
    if not isinstance(data, bytes):
        data = bytes(data)
    layouts = LAYOUTS[kind]
    size = layouts.record_length
    reader = _Reader(kind, label)
    name_field = layouts.header.field("file_name")

    other = sniff_kind(data) if len(data) >= _NAME_SLICE.stop else None
    if other is not None and other != kind:
        raise reader.error(
            1, name_field, f"{other} 파일입니다 ({kind} 파일이 필요합니다)", f"this is an {other} file, not {kind}"
        )
    total = len(data)
    if total == 0:
        raise reader.error(1, None, "파일이 비어 있습니다", "empty file")
    if total % size:
        raise reader.error(
            total // size + 1,
            None,
            f"파일 길이 {total}바이트가 레코드 길이 {size}의 배수가 아닙니다 (마지막 레코드가 잘렸습니다)",
            f"file length {total} is not a multiple of {size}: last record truncated",
        )
    if total < 2 * size:
        raise reader.error(
            2, layouts.trailer.field("record_type"), "트레일러 레코드가 없습니다", "file ends without a trailer"
        )

    # header
    header_parts = layouts.header.split(data[:size])
    try:
        header, (header_name,) = layouts.header.decode(header_parts)
    except FieldProblem as problem:
        raise reader.problem(1, problem) from None
    day = header.file_date if kind in ("EB13", "EB14") else header.debit_date
    expected_name = f"{kind}{day:%m%d}".encode("ascii")
    if header_name != expected_name:
        date_attr = "file_date" if kind in ("EB13", "EB14") else "debit_date"
        date_field = layouts.header.field(date_attr)
        raise reader.error(
            1,
            name_field,
            f"파일이름 '{header_name.decode('latin-1')}'이 {date_field.name_ko}({day:%y%m%d})와 맞지 않습니다 "
            f"('{expected_name.decode()}'이어야 합니다)",
            f"file name does not match the {date_field.name_en}; expected {expected_name.decode()!r}",
        )
    institution_raw = header_parts[layouts.header.fields.index(layouts.header.field("institution_code"))]

    # data
    data_layout = layouts.data
    decode_record = data_layout.decode
    inst_field = data_layout.field("institution_code")
    rule = RECORD_RULES[kind]
    records: list[Any] = []
    append = records.append
    record_no = 1
    for parts in data_layout.struct.iter_unpack(data[size:-size]):
        record_no += 1
        try:
            rec, (inst,) = decode_record(parts)
            if rule is not None:
                rule(rec, header)
        except FieldProblem as problem:
            raise reader.problem(record_no, problem) from None
        if inst != institution_raw:
            raise _institution_mismatch(reader, record_no, inst_field, institution_raw, inst)
        append(rec)
    found = sequence_problem(kind, records)
    if found is not None:
        index, bad = found
        raise reader.problem(index + 2, bad)

    # trailer
    trailer_no = len(records) + 2
    trailer_layout = layouts.trailer
    try:
        trailer, (inst, trailer_name) = trailer_layout.decode(trailer_layout.split(data[-size:]))
    except FieldProblem as problem:
        raise reader.problem(trailer_no, problem) from None
    if inst != institution_raw:
        raise _institution_mismatch(reader, trailer_no, trailer_layout.field("institution_code"), institution_raw, inst)
    if trailer_name != header_name:
        raise reader.error(
            trailer_no,
            trailer_layout.field("file_name"),
            f"트레일러의 파일이름 '{trailer_name.decode('latin-1')}'이 헤더의 '{header_name.decode()}'와 다릅니다",
            "file name in the trailer differs from the header",
        )
    expected = expected_totals(kind, records)
    for attr in TOTAL_FIELDS[kind]:
        got, want = getattr(trailer, attr), getattr(expected, attr)
        if got != want:
            f = trailer_layout.field(attr)
            raise reader.error(
                trailer_no,
                f,
                f"트레일러 값 {got:,}이 데이터 레코드의 합계 {want:,}와 다릅니다",
                f"trailer says {got}, data records add up to {want}",
            )
    return _FILE_CLASSES[kind](header, tuple(records), trailer)


def _institution_mismatch(
    reader: _Reader, record_no: int, field: FieldSpec, expected: bytes, found: bytes
) -> CmsFormatError:
    return reader.error(
        record_no,
        field,
        f"헤더의 기관코드 '{expected.decode('latin-1').rstrip()}'와 다릅니다: '{found.decode('latin-1').rstrip()}'",
        "institution code differs from the header",
    )
