"""Writing CMS files: records in, exact bytes out — or a CmsValueError and no bytes at all.

Trailers are computed here from the data, never taken from the caller, so a file's totals cannot
disagree with its records. Request files (EB13, EB21) need data sequences 1..n (``renumber`` gives
them); result files (EB14, EB22, written by the bank simulator) carry the request's numbers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from .errors import CmsValueError
from .fields import FieldProblem
from .records import DebitHeader, DebitRecord, RegistrationHeader, RegistrationRecord
from .rules import (
    RECORD_RULES,
    debit_request_totals,
    debit_result_totals,
    registration_totals,
    sequence_problem,
)
from .tables import LAYOUTS

R = TypeVar("R", RegistrationRecord, DebitRecord)


def renumber(records: Iterable[R]) -> tuple[R, ...]:
    """Copies of ``records`` numbered 1..n in the given order, as a request file needs them."""
    return tuple(
        rec if rec.sequence == i else dataclasses.replace(rec, sequence=i)
        for i, rec in enumerate(records, start=1)
    )


def encode_eb13(header: RegistrationHeader, records: Sequence[RegistrationRecord], *, mac: str = "") -> bytes:
    """출금이체신청 file: header, one record per registration (sequences 1..n), computed trailer."""
    return _encode("EB13", header, records, lambda recs: registration_totals(recs, mac))


def encode_eb14(header: RegistrationHeader, records: Sequence[RegistrationRecord], *, mac: str = "") -> bytes:
    """출금이체신청결과 file (for the bank simulator and tests): records carry Y/N and 불능코드."""
    return _encode("EB14", header, records, lambda recs: registration_totals(recs, mac))


def encode_eb21(header: DebitHeader, records: Sequence[DebitRecord], *, mac: str = "") -> bytes:
    """출금이체의뢰 file: header, one record per debit (sequences 1..n, amounts int ≥ 140), trailer."""
    return _encode("EB21", header, records, lambda recs: debit_request_totals(recs, mac))


def encode_eb22(
    header: DebitHeader,
    records: Sequence[DebitRecord],
    *,
    center_error_count: int = 0,
    debit_bank_fee: int = 0,
    credit_bank_fee: int = 0,
    mac: str = "",
) -> bytes:
    """출금이체결과 file (for the bank simulator and tests): only failed ('N') and partial ('P') records,
    ``amount`` = amount not debited. An empty ``records`` gives the header+trailer "no failures" file."""
    return _encode(
        "EB22",
        header,
        records,
        lambda recs: debit_result_totals(
            recs,
            center_error_count=center_error_count,
            debit_bank_fee=debit_bank_fee,
            credit_bank_fee=credit_bank_fee,
            mac=mac,
        ),
    )


# ----------------------------------------------------------------------------- machinery


def _encode(kind: str, header: Any, records: Sequence[Any], totals: Callable[[Sequence[Any]], Any]) -> bytes:
    """Encode a whole file; ``totals`` builds the trailer once the records are known to be valid."""
    records = tuple(records)  # iterated more than once below; a generator would be consumed
    layouts = LAYOUTS[kind]
    header_cls: type[Any] = layouts.header.record_cls
    data_cls: type[Any] = layouts.data.record_cls
    label = _label(kind, header)

    def fail(record_no: int, problem: FieldProblem) -> CmsValueError:
        f = problem.field
        return CmsValueError(
            problem.detail_ko,
            problem.detail_en,
            kind=kind,
            file_label=label,
            record_no=record_no,
            field_ko=f.name_ko,
            field_en=f.name_en,
        )

    if header.__class__ is not header_cls:
        raise CmsValueError(
            f"헤더는 {header_cls.__name__}여야 합니다", f"header must be a {header_cls.__name__}", kind=kind
        )
    try:
        head = layouts.header.encoder({"file_name": label})(header)
        context = {"institution_code": header.institution_code, "file_name": label}
        encode_data = layouts.data.encoder(context)
    except FieldProblem as problem:
        raise fail(1, problem) from None

    rule = RECORD_RULES[kind]
    lines = [head]
    append = lines.append
    for i, rec in enumerate(records):
        try:
            if rec.__class__ is not data_cls:
                raise CmsValueError(
                    f"데이터 레코드는 {data_cls.__name__}여야 합니다",
                    f"data record must be a {data_cls.__name__}, got {type(rec).__name__}",
                    kind=kind,
                    file_label=label,
                    record_no=i + 2,
                )
            append(encode_data(rec))
            if rule is not None:
                rule(rec, header)
        except FieldProblem as problem:
            raise fail(i + 2, problem) from None

    found = sequence_problem(kind, records)
    if found is not None:
        index, bad = found
        raise fail(index + 2, bad)

    try:
        append(layouts.trailer.encoder(context)(totals(records)))
    except FieldProblem as problem:
        raise fail(len(records) + 2, problem) from None
    return "".join(lines).encode("latin-1")


def _label(kind: str, header: Any) -> str:
    day = getattr(header, "file_date", None) or getattr(header, "debit_date", None)
    try:
        return f"{kind}{day:%m%d}"
    except (TypeError, ValueError):
        return kind
