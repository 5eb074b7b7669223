"""The built-in simulator's outcome rules: which registration or debit fails, and why.

The rules are deterministic and keyed on the last four digits of the payer's account number, so a
demo, a test or a clerk practising can choose the outcome by choosing the account number. They are
a constant (``OUTCOME_RULES``) so screens and documents can list them instead of repeating them.

Account registration (EB13 → EB14), record by record in file order:

- 신규 (1) without accepted consent evidence for its (납부자번호, bank, account) received before the
  EB13 → rejected 0078 (or the code its evidence was refused with, 0101–0105); this comes first;
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

Consent evidence (EI13), record by record, checked in this order, first match wins (``evidence_problem``):

1. 동의자료구분 not 1–6 → 0101;
2. 확장자 not one of ``EVIDENCE_EXTENSIONS`` (jpg jpeg png tif tiff pdf mp3 wav der; case ignored) → 0102;
3. 확장자 that does not fit the 동의자료구분 (``EXTENSIONS_BY_KIND``: a 녹취 must be a recording, a
   서면 an image or PDF, a 전자서명 a DER, PDF or image) → 0101;
4. empty evidence → 0105;
5. larger than the simulator's limit (``evidence_max_bytes``, default 300 KB = 307,200 bytes) → 0103;
6. bytes that are not a file of that type (JPEG/PNG/TIFF/PDF/MP3/WAV signature, DER length) → 0105.

KFTC publishes neither the allowed extensions nor the size limit (cms-file-format.md §10): the set
above is what the agencies ask for (scans, recordings, signature records) and 300 KB is the figure
they publish. An EI13 with any refused record is refused as a whole (the others must come again in a
corrected file); an EI13 whose records all pass is accepted, and its evidence counts for the
(납부자번호, bank, account) of each record from the moment the file was received.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from app.services.exchange.cms import MIN_DEBIT_AMOUNT, WithdrawalMode
from app.services.exchange.cms.ei13 import EVIDENCE_KINDS

REASON_ACCOUNT_WRONG = "0012"
REASON_HOLDER_MISMATCH = "0014"
REASON_NOT_REGISTERED = "0017"
REASON_INSUFFICIENT = "0021"
REASON_CLOSED = "0031"
REASON_DUPLICATE_APPLICATION = "A016"
REASON_NO_EVIDENCE = "0078"
REASON_EVIDENCE_KIND = "0101"
REASON_EVIDENCE_EXTENSION = "0102"
REASON_EVIDENCE_SIZE = "0103"
REASON_EVIDENCE_OTHER = "0105"

EVIDENCE_MAX_BYTES = 307_200
"""The simulator's default evidence limit: 300 KB per file, the figure the agencies publish."""

_IMAGES = frozenset({"jpg", "jpeg", "png", "tif", "tiff"})
_AUDIO = frozenset({"mp3", "wav"})
EVIDENCE_EXTENSIONS: frozenset[str] = _IMAGES | _AUDIO | {"pdf", "der"}
"""Extensions the simulated agency takes in an EI13 (compared in lower case)."""

EXTENSIONS_BY_KIND: dict[str, frozenset[str]] = {
    "1": _IMAGES | {"pdf"},  # 서면: a scanned signed form
    "2": frozenset({"der", "pdf"}),  # 공인전자서명: the signature record, or a signed PDF
    "3": _IMAGES | {"pdf", "der"},  # 전자서명: signature record, signed PDF, or the signed pad's image
    "4": _AUDIO,  # 녹취: a recorded call
    "5": _AUDIO,  # ARS
    "6": EVIDENCE_EXTENSIONS,  # 기타
}
"""Which extensions fit each 동의자료구분 (EI13 §5.1 codes); a mismatch is a wrong kind (0101)."""


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

EVIDENCE_RULES: tuple[str, ...] = (
    "계좌신청(EB13) 신규는 그 전에 받은 동의자료(EI13)가 접수된 납부자번호·은행·계좌만 받습니다 — 없으면 0078 동의자료 없음",
    "동의자료(EI13)의 동의자료구분이 1~6이 아니거나 파일 형식과 맞지 않으면 0101 동의자료 구분 오류",
    "jpg·jpeg·png·tif·tiff·pdf·mp3·wav·der 말고 다른 확장자는 0102 동의자료 파일형식 오류",
    "설정한 크기(기본 300KB)를 넘는 동의자료는 0103 동의자료 크기 초과",
    "비었거나 확장자와 내용이 다른(손상된) 동의자료는 0105 동의자료 기타 오류",
    "동의자료 하나라도 받을 수 없으면 그 EI13 파일 전체를 받지 않습니다 (고쳐서 같은 이름으로 다시 보내기)",
)
"""The EI13 rules, in Korean for the settings screen and the demo."""

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


# ----------------------------------------------------------------------------- consent evidence (EI13)


@dataclass(frozen=True)
class EvidenceProblem:
    """Why the simulated agency refuses one EI13 record: the 불능코드 and a Korean detail (no bytes)."""

    code: str
    detail: str


def evidence_problem(kind: str, extension: str, content: bytes, *, max_bytes: int) -> EvidenceProblem | None:
    """The refusal of one piece of evidence (None = accepted), in the order of the module docstring."""
    ext = extension.lower()
    if kind not in EXTENSIONS_BY_KIND:
        shown = kind if kind.strip() else "공백"
        return EvidenceProblem(REASON_EVIDENCE_KIND, f"동의자료구분 '{shown}'은 1~6이 아닙니다")
    if ext not in EVIDENCE_EXTENSIONS:
        shown = extension if extension.strip() else "공백"
        allowed = ", ".join(sorted(EVIDENCE_EXTENSIONS))
        return EvidenceProblem(REASON_EVIDENCE_EXTENSION, f"확장자 '{shown}'은 받지 않습니다 (받는 형식: {allowed})")
    if ext not in EXTENSIONS_BY_KIND[kind]:
        fits = ", ".join(sorted(EXTENSIONS_BY_KIND[kind]))
        return EvidenceProblem(
            REASON_EVIDENCE_KIND, f"동의자료구분 {kind}({EVIDENCE_KINDS[kind]})에 '{ext}' 파일은 맞지 않습니다 (맞는 형식: {fits})"
        )
    if not content:
        return EvidenceProblem(REASON_EVIDENCE_OTHER, "동의자료 파일이 비어 있습니다")
    if len(content) > max_bytes:
        return EvidenceProblem(
            REASON_EVIDENCE_SIZE, f"동의자료가 {len(content):,}바이트로 한도 {max_bytes:,}바이트를 넘습니다"
        )
    if not _looks_like(ext, content):
        return EvidenceProblem(REASON_EVIDENCE_OTHER, f"동의자료가 {ext} 파일이 아닙니다 (손상되었거나 확장자가 다릅니다)")
    return None



def _looks_like(ext: str, content: bytes) -> bool:
    """Whether ``content`` starts (and, for DER, is sized) like a file of type ``ext``."""
    if ext in ("jpg", "jpeg"):
        return content.startswith(b"\xff\xd8\xff")
    if ext == "png":
        return content.startswith(b"\x89PNG\r\n\x1a\n")
    if ext in ("tif", "tiff"):
        return content.startswith((b"II*\x00", b"MM\x00*"))
    if ext == "pdf":
        return content.startswith(b"%PDF-")
    if ext == "mp3":
        return content.startswith(b"ID3") or (len(content) >= 2 and content[0] == 0xFF and content[1] & 0xE0 == 0xE0)
    if ext == "wav":
        return content.startswith(b"RIFF") and content[8:12] == b"WAVE"
    if ext == "der":
        return _der_sized(content)
    return False


def _der_sized(content: bytes) -> bool:
    """A DER signature record: one ASN.1 SEQUENCE whose definite length covers exactly the file."""
    if len(content) < 2 or content[0] != 0x30:
        return False
    first = content[1]
    if first < 0x80:
        return 2 + first == len(content)
    count = first & 0x7F
    if not 1 <= count <= 4 or len(content) < 2 + count:
        return False
    length = int.from_bytes(content[2 : 2 + count], "big")
    return 2 + count + length == len(content)
