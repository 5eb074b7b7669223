"""Rules that span more than one field: sequences, cross-field consistency and trailer totals.

Field tables say what each field may hold; these rules say how fields of a record, and records of a
file, must agree. Encoder and decoder apply the same rules, so a file the codec writes is a file the
codec reads, and a file it reads is one it could have written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .fields import FieldProblem
from .records import (
    DEBIT_PARTIAL,
    REGISTRATION_ACCEPTED,
    REGISTRATION_REJECTED,
    DebitRecord,
    DebitResultTrailer,
    DebitTrailer,
    RegistrationKind,
    RegistrationRecord,
    RegistrationTrailer,
    WithdrawalMode,
)
from .tables import LAYOUTS, MAX_DATA_SEQUENCE

REQUEST_KINDS = frozenset({"EB13", "EB21"})
RESULT_KINDS = frozenset({"EB14", "EB22"})

ACCEPTED_REASON_ON_Y = (None, "0000")
"""불능코드 values tolerated on an EB14 'Y' record (blank, or an all-zero 'no error' code)."""


# ----------------------------------------------------------------------------- sequences


def sequence_problem(kind: str, records: Sequence[Any]) -> tuple[int, FieldProblem] | None:
    """The first data record (0-based index) whose 일련번호 breaks the file's rule, if any.

    Requests number their data 1..n without gaps (§1.1). Results carry the request's numbers
    (§2.5, §3.2) and usually only some records, so there the rule is: unique, 1..99999998.
    """
    field = LAYOUTS[kind].data.field("sequence")
    if kind in REQUEST_KINDS:
        for i, rec in enumerate(records):
            if rec.sequence != i + 1:
                return i, FieldProblem(
                    field,
                    f"{i + 1}이어야 하는데 {rec.sequence}입니다 (데이터 일련번호는 1부터 빠짐없이 이어져야 합니다)",
                    f"expected {i + 1}, found {rec.sequence}; data sequence must run 1..n",
                )
        return None
    seen: set[int] = set()
    for i, rec in enumerate(records):
        seq = rec.sequence
        if type(seq) is int and seq > MAX_DATA_SEQUENCE:
            return i, FieldProblem(field, f"데이터 일련번호가 너무 큽니다: {seq}", f"data sequence {seq} too large")
        if seq in seen:
            return i, FieldProblem(field, f"일련번호 {seq}가 두 번 나옵니다", f"duplicate sequence {seq}")
        seen.add(seq)
    return None


# ----------------------------------------------------------------------------- record rules


def _registration_rule(kind: str) -> Callable[[RegistrationRecord, Any], None]:
    layout = LAYOUTS[kind].data
    date_field = layout.field("application_date")
    flag_field = layout.field("result_flag")
    reason_field = layout.field("reason_code")
    is_result = kind in RESULT_KINDS

    def rule(rec: RegistrationRecord, header: Any) -> None:
        if rec.application_date > header.file_date:
            raise FieldProblem(
                date_field,
                f"신청일자({rec.application_date})가 신청접수일자({header.file_date})보다 늦습니다",
                "application date is later than the file's date (A011)",
            )
        if is_result:
            if rec.result_flag == REGISTRATION_REJECTED and rec.reason_code is None:
                raise FieldProblem(reason_field, "처리결과가 N인데 불능코드가 없습니다", "flag N without a reason code")
            if rec.result_flag == REGISTRATION_ACCEPTED and rec.reason_code not in ACCEPTED_REASON_ON_Y:
                raise FieldProblem(
                    flag_field,
                    f"처리결과가 Y인데 불능코드 {rec.reason_code}가 있습니다",
                    "flag Y together with a reason code",
                )

    return rule


def _debit_rule(kind: str) -> Callable[[DebitRecord, Any], None]:
    flag_field = LAYOUTS[kind].data.field("result_flag")

    def rule(rec: DebitRecord, header: Any) -> None:
        if rec.result_flag == DEBIT_PARTIAL and rec.withdrawal_mode == WithdrawalMode.FULL:
            raise FieldProblem(
                flag_field,
                "출금형태가 전액출금(1)인데 부분출금(P) 결과입니다",
                "partial result on a full-only request",
            )

    return rule


RECORD_RULES: dict[str, Callable[[Any, Any], None] | None] = {
    "EB13": _registration_rule("EB13"),
    "EB14": _registration_rule("EB14"),
    "EB21": None,
    "EB22": _debit_rule("EB22"),
}
"""Per kind, a check of one data record against itself and the header; raises FieldProblem."""


# ----------------------------------------------------------------------------- totals


def registration_totals(records: Sequence[RegistrationRecord], mac: str = "") -> RegistrationTrailer:
    """EB13/EB14 trailer from the data: counts by 신청구분 (변경 is always 0, §2.4)."""
    counts = {k.value: 0 for k in RegistrationKind}
    for rec in records:
        if rec.request_kind in counts:
            counts[rec.request_kind] += 1
    return RegistrationTrailer(
        total_count=len(records),
        new_count=counts[RegistrationKind.NEW],
        change_count=0,
        cancel_count=counts[RegistrationKind.CANCEL],
        forced_cancel_count=counts[RegistrationKind.FORCED_CANCEL],
        mac=mac,
    )


def _split_amounts(records: Sequence[DebitRecord]) -> tuple[int, int, int, int]:
    full_count = full_amount = partial_count = partial_amount = 0
    for rec in records:
        if rec.withdrawal_mode == "1":
            full_count += 1
            full_amount += rec.amount
        else:
            partial_count += 1
            partial_amount += rec.amount
    return full_count, full_amount, partial_count, partial_amount


def debit_request_totals(records: Sequence[DebitRecord], mac: str = "") -> DebitTrailer:
    """EB21 trailer: counts and amounts by 출금형태 ('1' → 전액, '0', '2'–'6' → 부분)."""
    full_count, full_amount, partial_count, partial_amount = _split_amounts(records)
    return DebitTrailer(len(records), full_count, full_amount, partial_count, partial_amount, mac)


def debit_result_totals(
    records: Sequence[DebitRecord],
    *,
    center_error_count: int = 0,
    debit_bank_fee: int = 0,
    credit_bank_fee: int = 0,
    mac: str = "",
) -> DebitResultTrailer:
    """EB22 trailer: the records' amounts not debited, split by 출금형태 like EB21 (our inference, §3.3)."""
    full_count, full_amount, partial_count, partial_amount = _split_amounts(records)
    return DebitResultTrailer(
        len(records),
        full_count,
        full_amount,
        partial_count,
        partial_amount,
        center_error_count,
        debit_bank_fee,
        credit_bank_fee,
        mac,
    )


TOTAL_FIELDS: dict[str, tuple[str, ...]] = {
    "EB13": ("total_count", "new_count", "change_count", "cancel_count", "forced_cancel_count"),
    "EB14": ("total_count", "new_count", "change_count", "cancel_count", "forced_cancel_count"),
    "EB21": ("total_count", "full_count", "full_amount", "partial_count", "partial_amount"),
    "EB22": ("total_count", "failed_full_count", "failed_full_amount", "failed_partial_count",
             "failed_partial_amount"),
}
"""Trailer fields that must equal what the data records add up to."""


def expected_totals(kind: str, records: Sequence[Any]) -> Any:
    """The trailer the data implies (free fields such as fees and MAC left at their defaults)."""
    if kind in ("EB13", "EB14"):
        return registration_totals(records)
    if kind == "EB21":
        return debit_request_totals(records)
    return debit_result_totals(records)
