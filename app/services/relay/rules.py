"""The built-in simulator's outcome rules: which registration or debit fails, and why.

The rules are deterministic and keyed on the last four digits of the payer's account number, so a
demo, a test or a clerk practising can choose the outcome by choosing the account number. They are
a constant (``OUTCOME_RULES``) so screens and documents can list them instead of repeating them.

Account registration (EB13 → EB14), record by record in file order:

- 신규 (1) of an account ending in 0012 / 0014 / 0031 → rejected ('N') with that code
  (계좌번호 오류 / 예금주 불일치 / 계좌해지);
- 신규 of a (납부자번호, bank, account) already registered → rejected A016 (중복 신청);
- any other 신규 → accepted ('Y'); the registration counts from the EB14's time;
- 해지 (3) / 임의해지 (7) of a registered pair → accepted, the registration ends;
  of a pair not registered → rejected 0017 (출금이체신청 없음).

Debit (EB21 → EB22), checked in this order, first match wins:

1. account ending in 0012 / 0014 / 0031 → fails with that code;
2. no registration of (납부자번호, bank, account) in force when the debit day starts → fails 0017
   (registered means: its EB14 came out before the debit day; with a processing delay, before the
   EB22 is made);
3. account ending in 0021 → fails 0021 잔액부족;
4. account ending in 9021 → partial ('P'): half the amount is debited, rounded down to the
   출금형태's unit (0 = 1원, 2–6 = 1,000–5,000원), when 출금형태 allows partial debits and that half is
   at least 140원; otherwise (전액출금 '1', or too little) it fails 0021;
5. the seeded failure rate: a debit whose draw (from seed, file and sequence) is below it fails 0021;
6. anything else is debited in full and, as in the real EB22, does not appear in the file.

Any bank works the same way; every debit needs a registration, whatever the bank.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from app.services.cms import MIN_DEBIT_AMOUNT, WithdrawalMode

REASON_ACCOUNT_WRONG = "0012"
REASON_HOLDER_MISMATCH = "0014"
REASON_NOT_REGISTERED = "0017"
REASON_INSUFFICIENT = "0021"
REASON_CLOSED = "0031"
REASON_DUPLICATE_APPLICATION = "A016"


@dataclass(frozen=True)
class AccountRule:
    """What the simulated banks do with an account number ending in ``suffix``."""

    suffix: str
    registration_reason: str | None  # None = a 신규 registration is accepted
    debit_reason: str | None  # None = the debit goes through (if registered)
    partial: bool  # half is debited when the request allows partial debits
    description: str  # Korean, for screens and the demo


OUTCOME_RULES: tuple[AccountRule, ...] = (
    AccountRule("0012", REASON_ACCOUNT_WRONG, REASON_ACCOUNT_WRONG, False, "계좌번호 오류(0012): 계좌신청 불능, 출금 불능"),
    AccountRule("0014", REASON_HOLDER_MISMATCH, REASON_HOLDER_MISMATCH, False, "예금주 불일치(0014): 계좌신청 불능, 출금 불능"),
    AccountRule("0031", REASON_CLOSED, REASON_CLOSED, False, "계좌해지(0031): 계좌신청 불능, 출금 불능"),
    AccountRule("0021", None, REASON_INSUFFICIENT, False, "잔액부족(0021): 계좌신청 정상, 출금 불능"),
    AccountRule(
        "9021",
        None,
        REASON_INSUFFICIENT,
        True,
        "부분출금: 계좌신청 정상, 부분출금 허용 의뢰는 절반만 출금(P, 0021), 전액출금 의뢰는 불능(0021)",
    ),
)
"""Account-number endings with a fixed outcome; any other account behaves normally."""

GENERAL_RULES: tuple[str, ...] = (
    "계좌신청 없이(또는 해지 후) 출금을 의뢰하면 0017 출금이체신청 없음",
    "등록되지 않은 계좌의 해지(3)·임의해지(7) 신청은 0017",
    "이미 등록된 고객번호·계좌의 신규 신청은 A016 중복 신청",
    "설정한 실패율만큼 정상 계좌의 출금도 0021 잔액부족 (시드로 항상 같은 결과)",
)
"""The rules that do not depend on the account number, in Korean for the settings screen and demo."""

_BY_SUFFIX = {rule.suffix: rule for rule in OUTCOME_RULES}

_PARTIAL_UNIT: dict[str, int] = {
    WithdrawalMode.PARTIAL: 1,
    WithdrawalMode.PARTIAL_1000: 1000,
    WithdrawalMode.PARTIAL_2000: 2000,
    WithdrawalMode.PARTIAL_3000: 3000,
    WithdrawalMode.PARTIAL_4000: 4000,
    WithdrawalMode.PARTIAL_5000: 5000,
}


def rule_for_account(account_no: str) -> AccountRule | None:
    """The fixed rule an account number falls under, if any."""
    return _BY_SUFFIX.get(account_no[-4:])


def partial_debit(amount: int, withdrawal_mode: str) -> int:
    """Won debited by a partial debit of ``amount``: half, in the mode's unit; 0 when not possible."""
    unit = _PARTIAL_UNIT.get(withdrawal_mode)  # StrEnum keys match their plain-string values
    if unit is None:
        return 0
    debited = (amount // 2) // unit * unit
    return debited if debited >= MIN_DEBIT_AMOUNT else 0


def seeded_failure(seed: int, failure_rate: float, institution_code: str, file_name: str, sequence: int) -> bool:
    """Whether the seeded random failure hits this record.

    Drawn from a generator seeded by the record's identity, not from one running sequence, so the
    answer does not depend on the order in which files are processed.
    """
    if failure_rate <= 0.0:
        return False
    draw = random.Random(f"{seed}:{institution_code}:{file_name}:{sequence}").random()
    return draw < failure_rate


@dataclass(frozen=True)
class DebitVerdict:
    """The simulated bank's answer on one EB21 record."""

    failed_amount: int  # 0 = debited in full
    reason_code: str | None
    partial: bool = False


def registration_verdict(request_kind: str, account_no: str, registered: bool) -> str | None:
    """The 불능코드 for one EB13 record (None = accepted), given whether the pair is registered now."""
    if request_kind == "1":
        rule = rule_for_account(account_no)
        if rule is not None and rule.registration_reason is not None:
            return rule.registration_reason
        return REASON_DUPLICATE_APPLICATION if registered else None
    return None if registered else REASON_NOT_REGISTERED


def debit_verdict(
    *,
    account_no: str,
    amount: int,
    withdrawal_mode: str,
    registered: bool,
    random_failure: bool,
) -> DebitVerdict:
    """The outcome of one debit, following the order in the module docstring."""
    rule = rule_for_account(account_no)
    if rule is not None and rule.registration_reason is not None and rule.debit_reason is not None:
        return DebitVerdict(amount, rule.debit_reason)
    if not registered:
        return DebitVerdict(amount, REASON_NOT_REGISTERED)
    if rule is not None and rule.debit_reason is not None:
        if rule.partial:
            debited = partial_debit(amount, withdrawal_mode)
            if debited:
                return DebitVerdict(amount - debited, rule.debit_reason, partial=True)
        return DebitVerdict(amount, rule.debit_reason)
    if random_failure:
        return DebitVerdict(amount, REASON_INSUFFICIENT)
    return DebitVerdict(0, None)
