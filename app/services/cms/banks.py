"""Bank codes (3 digits) and 은행점코드 (7 digits), cms-file-format.md §7.

The list holds the codes collected for the spec; foreign banks and securities firms are missing
(take KFTC's 금융회사코드 list before going live), so an unknown code is not an error here.
"""

from __future__ import annotations

from collections.abc import Mapping
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
