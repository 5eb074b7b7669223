"""How many digits each bank's account numbers have: a warning before a 계좌신청 the bank would refuse.

Why: the bank files carry an account number as up to 16 digits (AN 16), so the field rule
(`validation.account_no`) refuses only fewer than 6 or more than 16 digits. Inside that range a
number can still be impossible for its bank — a 6-digit KB number passes the field rule, the
계좌신청 goes out, and the bank refuses it a day later. Each bank numbers its accounts in a few
fixed lengths, so a length outside them is almost surely a typo, a lost leading zero (Excel) or
the wrong bank; it is shown as a warning (never a refusal: a bank may open a new kind of account
before this table learns of it), in the 일괄등록 preview and in the 이체정보 window.

Where the lengths come from (hyphens and spaces removed, check digit included):

* KFTC's own table for CMS participants, "CMS 참가기관별 계좌번호체계" (금융결제원, 2026-05-08,
  https://www.cmsedi.or.kr/cms/board/workdata/view/1026), as transcribed per institution in the
  open-source `korean-account` library (github.com/dydals3440/korean-account, docs/registry.md
  "자릿수" column and src/registry/*.ts, which cite the PDF page by page);
* the 2024-06-24 edition of the same KFTC table (cmsedi.or.kr/cms/board/workdata/view/991), as
  transcribed in zerobase `used_trade` (data/constant/Bank.java).

The two agree except where one transcription dropped a check digit (전북·경남 old accounts: 12
digits per the PDF's digit column, the printed boxes omit one) and for 대구/iM뱅크, whose 2024
edition lists 평생계좌 of 7–14 digits. Where they differ the union is kept: a warning must not fire
on a real account. Each bank's row lists every length its numbering uses, including 평생계좌 and
accounts of banks it absorbed (주택 → 국민, 한일·상업·평화 → 우리, 조흥 → 신한, 외환 → 하나).
Banks not in the table (수출입은행, foreign banks) get no warning.

One more thing the same table tells: NH농협은행 (011) and the 지역 농·축협 (012) are two participants,
and clerks write '농협' for both. Their 13-digit accounts start with different 과목 codes (011:
301·302·305·306·312·317 and its 적금·신탁 codes; 012: 351·352·355·356 and 354·360·384·394·398), so
a 13-digit account filed under the other 농협 is warned about too (`numbering_warning`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from app.services.exchange.cms.banks import bank_name

MIN_DIGITS = 6
MAX_DIGITS = 16
"""What the bank file's field takes (validation.account_no refuses outside it)."""

ACCOUNT_LENGTHS: Mapping[str, frozenset[int]] = MappingProxyType(
    {
        "002": frozenset({11, 14}),  # 산업: 구 11, 신 14
        "003": frozenset({10, 11, 12, 14}),  # 기업: 평생 10·11, 구 12, 신 14
        "004": frozenset({10, 11, 12, 14}),  # 국민: 고객지정 10·11, 평생 11, 구 12, (구)주택 12·14, 가상 14
        "007": frozenset({11, 12, 14}),  # 수협: 구 11, 신 12, 가상 14
        "011": frozenset({11, 12, 13, 14}),  # NH농협은행: 구 11·12, 신 13, 가상 14
        "012": frozenset({13, 14}),  # 지역 농·축협: 신 13, 구 14
        "020": frozenset({11, 12, 13, 14}),  # 우리: 신 13, (구)상업 11, (구)평화 12, (구)한일 14
        "023": frozenset({11, 14}),  # SC제일: 11, 가상 14
        "027": frozenset({10, 11, 12, 13}),  # 한국씨티: 10·12 신, 13 통합, (구)한미 11
        "031": frozenset(range(7, 15)),  # 대구/iM뱅크: 평생 7–14, 구 12, 신 13·14
        "032": frozenset({12, 13}),  # 부산
        "034": frozenset({12, 13}),  # 광주
        "035": frozenset({10, 12}),  # 제주
        "037": frozenset({12, 13}),  # 전북
        "039": frozenset({12, 13}),  # 경남
        "045": frozenset({13}),  # 새마을금고
        "048": frozenset({10, 11, 12, 13, 14}),  # 신협
        "050": frozenset({14}),  # 상호저축은행
        "064": frozenset({12, 13}),  # 산림조합
        "071": frozenset({12, 13, 14}),  # 우체국
        "081": frozenset({11, 12, 14}),  # 하나: 구 11, 신 12, (구)외환 통합 14
        "088": frozenset({11, 12, 13, 14}),  # 신한: 신 12, (구)조흥·신한 11, 가상 13·14
        "089": frozenset({10, 12, 13, 14}),  # 케이뱅크
        "090": frozenset({13}),  # 카카오뱅크
        "092": frozenset({12}),  # 토스뱅크
    }
)
"""Bank code → the digit counts its account numbers have (KFTC CMS 참가기관별 계좌번호체계)."""


def digits_of(account: str) -> str:
    """'123-45-678901' → '12345678901' (hyphens, spaces and dots removed; nothing else changed)."""
    return "".join(ch for ch in account if ch not in "- .\u00a0\t")


def plausible_lengths(bank_code: str) -> frozenset[int] | None:
    """The lengths this bank's numbering uses, or None when the table does not know the bank."""
    return ACCOUNT_LENGTHS.get(bank_code)


def _listed(lengths: frozenset[int]) -> str:
    ordered = sorted(lengths)
    if len(ordered) > 3 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]}~{ordered[-1]}"
    return "·".join(str(n) for n in ordered)


def length_warning(bank_code: str, account: str) -> str | None:
    """A Korean warning when the account's digit count is not one its bank uses; None otherwise.

    Silent for what the field rule refuses anyway (empty, not digits, under 6 or over 16 digits)
    and for banks the table does not know.
    """
    lengths = ACCOUNT_LENGTHS.get(bank_code)
    if lengths is None:
        return None
    digits = account if account.isdigit() else digits_of(account or "")
    if not digits.isascii() or not digits.isdigit():
        return None
    count = len(digits)
    if not MIN_DIGITS <= count <= MAX_DIGITS or count in lengths:
        return None
    return (f"{bank_name(bank_code)} 계좌번호는 {_listed(lengths)}자리인데 {count}자리입니다. 통장이나 출금동의서에서 "
            "계좌번호와 은행을 다시 확인하세요. 이대로 계좌신청을 보내면 은행이 거절할 수 있습니다.")


NH_BANK_PREFIXES = frozenset({"301", "302", "305", "306", "312", "317", "304", "310", "314", "321", "324", "334",
                              "345", "347", "349", "359", "380"})
"""First three digits of NH농협은행's (011) 13-digit accounts (KFTC table: 보통 301 … 기업자유 317, 적금)."""
NH_COOP_PREFIXES = frozenset({"351", "352", "355", "356", "354", "360", "384", "394", "398"})
"""First three digits of the 지역 농·축협's (012) 13-digit accounts (KFTC table: 보통 351 … 기업자유 355, 적금)."""


def numbering_warning(bank_code: str, account: str) -> str | None:
    """`length_warning`, or, for a 13-digit 농협 account, a warning when its first digits are the other
    농협's (011 NH농협은행 / 012 지역 농·축협): the 계좌신청 would go to the wrong participant."""
    by_length = length_warning(bank_code, account)
    if by_length or bank_code not in ("011", "012"):
        return by_length
    digits = account if account.isdigit() else digits_of(account or "")
    if len(digits) != 13:
        return None
    head = digits[:3]
    if bank_code == "011" and head in NH_COOP_PREFIXES:
        other = "012"
    elif bank_code == "012" and head in NH_BANK_PREFIXES:
        other = "011"
    else:
        return None
    return (f"{head}(으)로 시작하는 13자리 계좌번호는 {bank_name(other)}({other}) 계좌입니다. 이체은행이 "
            f"{bank_name(bank_code)}({bank_code})이면 은행이 계좌신청을 거절할 수 있습니다. 통장에서 은행을 확인하세요.")
