"""Relay credentials (SFTP password or private key) in the OS keyring, never in the database.

One keyring entry per relay account: service ``KSCMS desk relay``, user name
``<user>@<host>:<port>``. The secret is either the password or, when it starts with ``-----BEGIN``,
an unencrypted OpenSSH/PEM private key (the keyring is what protects it; ed25519 keys are small
enough for Windows Credential Manager's size limit, 4096-bit RSA keys may not be). A shared
PostgreSQL database is read by every PC in the office, so a secret stored there would leak to all
of them (practices.md, "Practices to avoid" 3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

import keyring
import keyring.errors

from .base import RelayUnavailableError

KEYRING_SERVICE = "KSCMS desk relay"
PRIVATE_KEY_PREFIX = "-----BEGIN"

_T = TypeVar("_T")


def keyring_account(username: str, host: str, port: int) -> str:
    """The keyring user name of a relay account, e.g. ``kscms@127.0.0.1:2222``."""
    return f"{username}@{host}:{port}"


@dataclass(frozen=True)
class RelayCredential:
    """A password or a private key (text); repr never shows either."""

    password: str | None = None
    private_key: str | None = None

    def __repr__(self) -> str:
        kind = "private key" if self.private_key else "password" if self.password else "nothing"
        return f"RelayCredential(<{kind}>)"

    @classmethod
    def from_secret(cls, secret: str) -> RelayCredential:
        if secret.lstrip().startswith(PRIVATE_KEY_PREFIX):
            return cls(private_key=secret)
        return cls(password=secret)


class SecretStore(Protocol):
    """Where the SFTP transport gets its credential; the keyring in the app, a stub in tests if wanted."""

    def credential(self, username: str, host: str, port: int) -> RelayCredential | None: ...


class KeyringSecrets:
    """Relay credentials in the OS keyring (Windows Credential Manager, macOS Keychain, Secret Service)."""

    service = KEYRING_SERVICE

    def credential(self, username: str, host: str, port: int) -> RelayCredential | None:
        secret = self._call(lambda: keyring.get_password(self.service, keyring_account(username, host, port)))
        return None if not secret else RelayCredential.from_secret(secret)

    def has_credential(self, username: str, host: str, port: int) -> bool:
        return self.credential(username, host, port) is not None

    def store_password(self, username: str, host: str, port: int, password: str) -> None:
        if not password:
            raise ValueError("비밀번호가 비어 있습니다.")
        if password.lstrip().startswith(PRIVATE_KEY_PREFIX):
            raise ValueError("개인 키는 store_private_key로 저장하세요.")
        self._call(lambda: keyring.set_password(self.service, keyring_account(username, host, port), password))

    def store_private_key(self, username: str, host: str, port: int, key_text: str) -> None:
        """Keep an unencrypted private key (OpenSSH or PEM text); checked to be readable first."""
        import asyncssh

        try:
            asyncssh.import_private_key(key_text)
        except (asyncssh.KeyImportError, ValueError) as exc:
            raise ValueError(f"개인 키를 읽을 수 없습니다 (암호 없는 OpenSSH/PEM 형식이어야 합니다): {exc}") from None
        self._call(lambda: keyring.set_password(self.service, keyring_account(username, host, port), key_text))

    def forget(self, username: str, host: str, port: int) -> None:
        """Remove the stored credential; nothing happens when there is none."""
        try:
            keyring.delete_password(self.service, keyring_account(username, host, port))
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as exc:
            raise _keyring_unavailable(exc) from exc

    @staticmethod
    def _call(fn: Callable[[], _T]) -> _T:
        try:
            return fn()
        except keyring.errors.KeyringError as exc:
            raise _keyring_unavailable(exc) from exc


def _keyring_unavailable(exc: Exception) -> RelayUnavailableError:
    return RelayUnavailableError(
        "OS 자격 증명 저장소(키링)를 열 수 없어 중계 서버 비밀번호를 읽거나 저장하지 못했습니다. "
        f"Windows 자격 증명 관리자가 동작하는지 확인하세요. ({type(exc).__name__})"
    )
