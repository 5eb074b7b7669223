"""Masks for personal numbers, so that no account number, holder ID or phone prints in full.

Used by error messages and by the textual view of a decoded file (``describe``). The rules keep just
enough to tell rows apart: the last 4 digits of an account or phone, the first 2 digits of a birth
date or business number (``90****``).
"""

from __future__ import annotations

from app.services.common.masking import masked_tail


def mask_account(account_no: str) -> str:
    """``'12345678901234'`` → ``'**********1234'``; 4 characters or fewer are masked entirely.

    The field's text is masked as it stands (spaces of a fixed-width field included), unlike the
    screens' `masking.masked_account`, which keeps only the digits."""
    return masked_tail(account_no)


def mask_holder_id(holder_id: str) -> str:
    """``'900101'`` → ``'90****'``; business numbers likewise keep only their first 2 digits."""
    if len(holder_id) <= 2:
        return "*" * len(holder_id)
    return holder_id[:2] + "*" * (len(holder_id) - 2)


def mask_phone(phone: str) -> str:
    """``'01012345678'`` → ``'*******5678'``."""
    return mask_account(phone)


MASKS = {
    "account": mask_account,
    "holder_id": mask_holder_id,
    "phone": mask_phone,
}
"""Mask functions by the ``mask`` name a field declares in the layout tables."""


def mask(kind: str | None, value: str) -> str:
    """Apply the named mask (``None`` = not sensitive, shown as is)."""
    if kind is None:
        return value
    return MASKS[kind](value)
