"""Checking that a result file answers the request file it claims to answer.

A result file that does not match what was sent must be refused whole (domain.md: "a file whose
records or totals do not match what was sent is refused with a clear error and nothing changes").
Results are matched to requests by 일련번호, which KFTC keeps from the request (§2.5, §3.5), and every
field the result echoes (``FieldSpec.echo`` in the tables) must equal the request's value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import CmsMismatchError
from .fields import FieldSpec, Value
from .records import DEBIT_FAILED, DEBIT_PARTIAL, Eb13File, Eb14File, Eb21File, Eb22File
from .tables import LAYOUTS, REQUEST_KIND_OF


def check_result(
    result: Eb14File | Eb22File, request: Eb13File | Eb21File, file_label: str | None = None
) -> None:
    """Raise CmsMismatchError unless ``result`` (EB14/EB22) answers ``request`` (EB13/EB21).

    Checks: kinds pair up (EB14 ↔ EB13, EB22 ↔ EB21); same institution code; same MMDD and date;
    for EB22 the same collection account; every result sequence exists in the request; echoed
    fields equal; EB22 amounts not debited consistent with the flag (N = all of the request,
    P = part of it).
    """
    kind = result.kind
    label = file_label or result.file_name
    layouts = LAYOUTS[kind]

    def mismatch(record_no: int, field: FieldSpec, detail_ko: str, detail_en: str) -> CmsMismatchError:
        return CmsMismatchError(
            detail_ko,
            detail_en,
            kind=kind,
            file_label=label,
            record_no=record_no,
            field_ko=field.name_ko,
            field_en=field.name_en,
        )

    wanted = REQUEST_KIND_OF.get(kind)
    if wanted is None or request.kind != wanted:
        raise mismatch(
            1,
            layouts.header.field("file_name"),
            f"{kind} 파일은 {wanted} 파일의 결과입니다 ({request.kind} 파일 '{request.file_name}'과 맞춰 볼 수 없습니다)",
            f"{kind} answers {wanted}, not {request.kind}",
        )

    # header
    header_layout = layouts.header
    if result.header.institution_code != request.header.institution_code:
        raise mismatch(
            1,
            header_layout.field("institution_code"),
            f"다른 기관의 결과 파일입니다: 결과 '{result.header.institution_code}', "
            f"요청 '{request.header.institution_code}'",
            "result belongs to another institution",
        )
    if result.file_name[4:] != request.file_name[4:]:
        raise mismatch(
            1,
            header_layout.field("file_name"),
            f"요청 파일 '{request.file_name}'의 결과가 아닙니다 (파일이름 '{result.file_name}')",
            "file name MMDD differs from the request's",
        )
    for f in header_layout.fields:
        if f.value is Value.DATE or f.echo:
            got, want = getattr(result.header, f.attr), getattr(request.header, f.attr)
            if got != want:
                raise mismatch(
                    1,
                    f,
                    f"요청 파일의 값과 다릅니다: 요청 '{f.show(want)}', 결과 '{f.show(got)}'",
                    "differs from the request file",
                )

    # records
    requested: Sequence[Any] = request.records
    answered: Sequence[Any] = result.records
    by_sequence: dict[int, Any] = {rec.sequence: rec for rec in requested}
    data_layout = layouts.data
    echo_fields = [f for f in data_layout.fields if f.echo]
    sequence_field = data_layout.field("sequence")
    amount_field = data_layout.field("amount") if kind == "EB22" else None
    for index, rec in enumerate(answered):
        record_no = index + 2
        asked = by_sequence.get(rec.sequence)
        if asked is None:
            raise mismatch(
                record_no,
                sequence_field,
                f"요청 파일 '{request.file_name}'에 없는 일련번호 {rec.sequence}입니다",
                f"sequence {rec.sequence} is not in the request",
            )
        for f in echo_fields:
            got, want = getattr(rec, f.attr), getattr(asked, f.attr)
            if got != want:
                raise mismatch(
                    record_no,
                    f,
                    f"요청 레코드(일련번호 {rec.sequence})의 값과 다릅니다: 요청 '{f.show(want)}', 결과 '{f.show(got)}'",
                    f"differs from request record {rec.sequence}",
                )
        if amount_field is not None:
            # called before the loop moves on, so the late-bound record_no is this record's
            _check_amount(rec, asked, lambda ko, en: mismatch(record_no, amount_field, ko, en))  # noqa: B023 - called at once


def _check_amount(rec: Any, asked: Any, fail: Any) -> None:
    """EB22: N means nothing was debited (불능금액 = 의뢰금액); P means part was (0 < 불능금액 < 의뢰금액)."""
    if rec.result_flag == DEBIT_FAILED and rec.amount != asked.amount:
        raise fail(
            f"출금불능(N)인데 불능금액 {rec.amount:,}원이 의뢰금액 {asked.amount:,}원과 다릅니다",
            "flag N but the amount not debited differs from the requested amount",
        )
    if rec.result_flag == DEBIT_PARTIAL and not 0 < rec.amount < asked.amount:
        raise fail(
            f"부분출금(P)인데 불능금액 {rec.amount:,}원이 의뢰금액 {asked.amount:,}원보다 작지 않습니다",
            "flag P but the amount not debited is not below the requested amount",
        )
