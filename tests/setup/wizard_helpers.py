"""Filling the first-start wizard's pages the way a clerk would (shared by the tests and the screenshot script)."""

from __future__ import annotations

from typing import Any

INSTITUTION = {
    "institution_name": "새봄피아노학원", "institution_code": "1234567890", "business_no": "1248100998",
    "representative": "박새봄", "account": "110-123-456789", "passbook": "새봄피아노",
}
ADMIN = {"login_id": "owner", "name": "박원장", "birth": "750505", "password": "spring2026", "password_again": "spring2026"}
PASSPHRASE = "office-secret-1"


def _set(page: Any, values: dict[str, str], overrides: dict[str, str]) -> None:
    for name, value in {**values, **overrides}.items():
        if hasattr(page, name):
            getattr(page, name).setText(value)


def fill_institution(page: Any, **overrides: str) -> None:
    _set(page, INSTITUTION, overrides)
    page.bank.setCurrentIndex(page.bank.findData("088"))


def fill_admin(page: Any, **overrides: str) -> None:
    _set(page, ADMIN, overrides)


def fill_passphrase(page: Any, passphrase: str = PASSPHRASE, again: str | None = None) -> None:
    page.passphrase.setText(passphrase)
    page.passphrase_again.setText(passphrase if again is None else again)
