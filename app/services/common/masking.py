"""Personal numbers as screens, exports and reports show them: never in full.

Two ways to show an account, because two things are at hand: most rows keep only the account's last
four digits in plain text (`account_last4`), shown as ``****1234`` without telling the number's
length; a decrypted full number shows every digit but the last four as a star. Resident and business
numbers keep what a clerk needs to tell people apart and hide the rest.
"""

from __future__ import annotations


def _digits(value: str) -> str:
    return "".join(c for c in value if c.isascii() and c.isdigit())


def masked_last4(last4: str | None) -> str:
    """'1234' → '****1234'; nothing known → ''. The length of the number is not told either."""
    return f"****{last4}" if last4 else ""


def masked_tail(text: str) -> str:
    """'12345678901234' → '**********1234': every character but the last four starred, the text taken as
    it is; four characters or fewer are starred entirely."""
    if len(text) <= 4:
        return "*" * len(text)
    return "*" * (len(text) - 4) + text[-4:]


def masked_account(value: str) -> str:
    """'110-123-456789' → '********6789': the digits of a full number, all but the last four starred."""
    return masked_tail(_digits(value or ""))


def masked_resident_no(value: str) -> str:
    """'9001011234567' → '900101-1******': birth date and gender digit only, as screens show it.

    Anything that is not 13 digits is masked completely rather than guessed at.
    """
    digits = _digits(value or "")
    if len(digits) != 13:
        return "******-*******"
    return f"{digits[:6]}-{digits[6]}******"


def masked_business_no(value: str) -> str:
    """'1234567890' → '123-45-*****': tax office and kind are shown, the serial and check are not
    (a sole proprietor's number identifies a person)."""
    digits = _digits(value or "")
    if len(digits) != 10:
        return "***-**-*****"
    return f"{digits[:3]}-{digits[3:5]}-*****"
