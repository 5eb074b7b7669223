"""What each request became, given the request file and its result file.

Both readings of EB14 are handled (§2.5): a request present with 'Y' is accepted, with 'N' rejected,
and a request absent from the EB14 is accepted (the result file's trailer already checked out).
EB22 carries only failures (§3.5): absent = debited in full; 'N' = nothing debited; 'P' = partly
debited, its amount field being the part NOT debited. A header+trailer-only EB22 means no failures.
The result is always checked against the request first, so a wrong pair never yields outcomes.
"""

from __future__ import annotations

from typing import NamedTuple

from .matching import check_result
from .records import (
    DEBIT_PARTIAL,
    REGISTRATION_REJECTED,
    Eb13File,
    Eb14File,
    Eb21File,
    Eb22File,
)


class RegistrationOutcome(NamedTuple):
    """The bank's verdict on one EB13 record."""

    accepted: bool
    reason_code: str | None  # 불능코드 when rejected


class DebitOutcome(NamedTuple):
    """What happened to one EB21 record, in won: debited + failed = requested."""

    debited_amount: int
    failed_amount: int
    reason_code: str | None  # 불능코드 when something was not debited

    @property
    def fully_debited(self) -> bool:
        return self.failed_amount == 0

    @property
    def partial(self) -> bool:
        return self.debited_amount > 0 and self.failed_amount > 0


def registration_outcomes(
    request: Eb13File, result: Eb14File, file_label: str | None = None
) -> dict[int, RegistrationOutcome]:
    """Per EB13 sequence number, accepted or not and why. Raises CmsMismatchError for a wrong pair."""
    check_result(result, request, file_label)
    outcomes = {rec.sequence: RegistrationOutcome(True, None) for rec in request.records}
    for rec in result.records:
        if rec.result_flag == REGISTRATION_REJECTED:
            outcomes[rec.sequence] = RegistrationOutcome(False, rec.reason_code)
    return outcomes


def debit_outcomes(request: Eb21File, result: Eb22File, file_label: str | None = None) -> dict[int, DebitOutcome]:
    """Per EB21 sequence number, (debited_amount, failed_amount, reason_code).

    Raises CmsMismatchError when ``result`` does not answer ``request``.
    """
    check_result(result, request, file_label)
    outcomes = {rec.sequence: DebitOutcome(rec.amount, 0, None) for rec in request.records}
    for rec in result.records:
        requested = outcomes[rec.sequence].debited_amount
        if rec.result_flag == DEBIT_PARTIAL:
            outcomes[rec.sequence] = DebitOutcome(requested - rec.amount, rec.amount, rec.reason_code)
        else:
            outcomes[rec.sequence] = DebitOutcome(0, requested, rec.reason_code)
    return outcomes
