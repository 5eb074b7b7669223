"""Bank codes (3 digits) and 은행점코드 (7 digits), cms-file-format.md §7, and the names clerks use.

The list holds the codes collected for the spec; foreign banks and securities firms are missing
(take KFTC's 금융회사코드 list before going live), so an unknown code is not an error here.

A clerk's own customer list names the bank the way people say it: '국민', 'KB국민은행', '농협',
'NH농협은행', 'IBK', '새마을', '카카오'. `find_bank` reads such a name (or a code, '4' → '004') and
says which bank it is, or which banks it could be: a name that fits two banks is never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

BANK_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "002": "KDB산업은행",
        "003": "IBK기업은행",
        "004": "KB국민은행",
        "007": "수협은행",
        "008": "한국수출입은행",
        "011": "NH농협은행",
        "012": "지역 농·축협",
        "020": "우리은행",
        "023": "SC제일은행",
        "027": "한국씨티은행",
        "031": "대구은행",  # now iM뱅크; code unchanged (unverified, §7)
        "032": "부산은행",
        "034": "광주은행",
        "035": "제주은행",
        "037": "전북은행",
        "039": "경남은행",
        "045": "새마을금고",
        "048": "신협",
        "050": "저축은행",
        "064": "산림조합",
        "071": "우체국",
        "081": "하나은행",
        "088": "신한은행",
        "089": "케이뱅크",
        "090": "카카오뱅크",
        "092": "토스뱅크",
    }
)
"""Bank code → Korean name."""

BANK_ALIASES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "002": ("산업", "산업은행", "KDB", "KDB산업", "한국산업은행", "산은"),
        "003": ("기업", "기업은행", "IBK", "IBK기업", "중소기업은행"),
        "004": ("국민", "국민은행", "KB", "KB국민", "케이비국민은행", "주택은행"),
        "007": ("수협", "수협은행", "SH수협은행", "SH수협"),
        "008": ("수출입은행", "수은"),
        "011": ("농협", "농협은행", "NH", "NH농협", "NH은행", "엔에이치농협"),
        "012": ("지역농협", "단위농협", "농축협", "지역농축협", "축협", "농협중앙회", "회원농협"),
        "020": ("우리", "우리은행", "한일은행", "상업은행", "평화은행"),
        "023": ("SC", "SC제일", "SC은행", "제일은행", "스탠다드차타드", "스탠다드차타드은행"),
        "027": ("씨티", "씨티은행", "시티", "시티은행", "한국씨티", "CITI", "한미은행"),
        "031": ("대구", "대구은행", "DGB", "DGB대구은행", "IM뱅크", "아이엠뱅크"),
        "032": ("부산", "부산은행", "BNK부산", "BNK부산은행"),
        "034": ("광주", "광주은행", "JB광주", "JB광주은행"),
        "035": ("제주", "제주은행"),
        "037": ("전북", "전북은행", "JB전북", "JB전북은행"),
        "039": ("경남", "경남은행", "BNK경남", "BNK경남은행"),
        "045": ("새마을", "새마을금고", "MG새마을금고", "MG", "새마을금고중앙회"),
        "048": ("신협", "신용협동조합", "신협중앙회", "CU"),
        "050": ("저축은행", "상호저축은행"),
        "064": ("산림조합", "산림", "산림조합중앙회"),
        "071": ("우체국", "우체국예금", "우정사업본부", "EPOST"),
        "081": ("하나", "하나은행", "KEB하나", "KEB하나은행", "외환", "외환은행"),
        "088": ("신한", "신한은행", "조흥은행"),
        "089": ("케이뱅크", "K뱅크", "KBANK"),
        "090": ("카카오", "카카오뱅크", "카뱅", "KAKAOBANK"),
        "092": ("토스", "토스뱅크", "TOSSBANK"),
    }
)
"""Other names of each bank, as people write them (the official name is in BANK_NAMES).

Old names of merged banks lead to the bank that keeps their accounts (주택 → 국민, 한일·상업 →
우리, 조흥 → 신한, 외환 → 하나, 한미 → 씨티; the KFTC account-number table lists them so).
'농협' alone is NH농협은행 (011), the bank most people mean; a 지역농협/단위농협 account (012) is
named as such. Each spelling belongs to one bank only (tests/imports check that)."""

REGISTRATION_REQUIRED_BANKS: Mapping[str, str] = MappingProxyType({"004": "KB국민은행", "045": "새마을금고"})
"""Banks that always require an account registration (계좌신청) before a debit (the manual names them)."""

UNKNOWN_BRANCH = "0000"
"""Branch part sent when the branch is not known (§1.3, §7)."""


def _check_bank_code(bank_code: str) -> None:
    if not (isinstance(bank_code, str) and len(bank_code) == 3 and bank_code.isascii() and bank_code.isdigit()):
        raise ValueError(f"은행코드는 숫자 3자리여야 합니다: {bank_code!r} (bank code must be 3 digits)")


def bank_name(bank_code: str) -> str:
    """Korean name of a bank; an unlisted code is shown as ``'알 수 없는 은행(054)'``."""
    return BANK_NAMES.get(bank_code, f"알 수 없는 은행({bank_code})")


def branch_code(bank_code: str) -> str:
    """은행점코드 for a bank whose branch is unknown: the bank code followed by ``0000``."""
    _check_bank_code(bank_code)
    return bank_code + UNKNOWN_BRANCH


def bank_of(bank_branch_code: str) -> str:
    """The bank code (first 3 digits) of a 7-digit 은행점코드."""
    if not (len(bank_branch_code) == 7 and bank_branch_code.isascii() and bank_branch_code.isdigit()):
        raise ValueError(f"은행점코드는 숫자 7자리여야 합니다: {bank_branch_code!r} (must be 7 digits)")
    return bank_branch_code[:3]


def requires_registration(bank_code: str) -> bool:
    """Whether debits from this bank always need an accepted account registration first."""
    return bank_code in REGISTRATION_REQUIRED_BANKS


# --- a bank from what a clerk wrote --------------------------------------------------------------

_NAME_NOISE = re.compile(r"[\s()\[\]·.,_/-]|주식회사|\(주\)")


def _name_key(text: str) -> str:
    """'KB 국민은행(주)' → 'KB국민은행': spaces, brackets and company marks go, Latin letters upper-case."""
    return _NAME_NOISE.sub("", text.replace("(주)", "")).upper()


def _spellings() -> dict[str, str]:
    spellings: dict[str, str] = {}
    for code, name in BANK_NAMES.items():
        for alias in (name, *BANK_ALIASES.get(code, ())):
            key = _name_key(alias)
            spellings.setdefault(key, code)
            if not key.endswith(("은행", "뱅크", "금고", "협", "조합", "국")):
                spellings.setdefault(key + "은행", code)
    return spellings


_SPELLINGS: Mapping[str, str] = MappingProxyType(_spellings())


@dataclass(frozen=True)
class BankMatch:
    """What a written bank name or code points at.

    ``code`` is set when exactly one bank fits; ``candidates`` (codes) when the name fits several;
    ``guessed`` when the name was not one of the known spellings but contained one (the clerk
    should see which bank was read, e.g. '국민은행 강남지점' → 004)."""

    code: str | None
    candidates: tuple[str, ...] = ()
    guessed: bool = False


def find_bank(text: str) -> BankMatch:
    """The bank a clerk meant by '국민', 'KB국민은행', '004', '4', '004 KB국민은행' or '농협 (011)'.

    A leading number is the code (1–3 digits, zero-padded); a name after it must not name another
    bank. A name is looked up among the known spellings first, then by the longest known spelling
    it contains, then among spellings that contain it ('카카' → 카카오뱅크); several banks at the
    same step make it ambiguous. Nothing here raises: the caller words the message.
    """
    raw = text.strip()
    number = re.match(r"\(?([0-9]{1,3})\)?(?![0-9])", raw)
    if number:
        code = number.group(1).zfill(3)
        rest = raw[number.end():].strip()
        if not rest or code not in BANK_NAMES:
            return BankMatch(code if code in BANK_NAMES else None)
        named = find_bank(rest)
        if named.code in (None, code) or code in named.candidates:
            return BankMatch(code)
        return BankMatch(None, tuple(sorted({code, named.code})))
    trailing = re.search(r"\(([0-9]{1,3})\)$", raw)
    if trailing:  # '농협 (011)': the code decides, the name must agree
        return find_bank(f"{trailing.group(1)} {raw[:trailing.start()]}")
    key = _name_key(raw)
    if not key:
        return BankMatch(None)
    exact = _SPELLINGS.get(key)
    if exact:
        return BankMatch(exact)
    contained: dict[str, int] = {}
    for spelling, code in _SPELLINGS.items():
        if len(spelling) >= 2 and spelling in key:
            contained[code] = max(contained.get(code, 0), len(spelling))
    if contained:
        longest = max(contained.values())
        best = tuple(sorted(code for code, size in contained.items() if size == longest))
        return BankMatch(best[0], guessed=True) if len(best) == 1 else BankMatch(None, best)
    if len(key) >= 2:
        within = tuple(sorted({code for spelling, code in _SPELLINGS.items() if key in spelling}))
        if len(within) == 1:
            return BankMatch(within[0], guessed=True)
        return BankMatch(None, within)
    return BankMatch(None)
