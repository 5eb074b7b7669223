"""Where the SFTP relay is and which host key it must show: the settings the SFTP transport needs.

``SftpSettings`` (server, port, user, folder root), ``HostKeyInfo`` (a key as shown before pinning),
``PinnedHostKey`` and the ``HostKeyStore`` the transport asks for it. Apart from ``config`` (the whole
relay choice, which builds the transport: ``make_transport``) so that ``sftp`` can use them without
importing ``config`` back; ``config`` keeps their names for its callers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol

from . import layout


@dataclass(frozen=True, kw_only=True)
class SftpSettings:
    """Where the SFTP relay is. ``remote_root`` holds the ``<institution_code>/send|recv|notice`` folders."""

    host: str
    port: int = 22
    username: str
    remote_root: str = "."
    institution_code: str = ""

    def check(self) -> None:
        """Raise ValueError (Korean) when a field cannot work."""
        if not self.host or any(c.isspace() for c in self.host):
            raise ValueError("SFTP 서버 주소를 입력하세요.")
        if not isinstance(self.port, int) or not 1 <= self.port <= 65535:
            raise ValueError(f"SFTP 포트는 1~65535 사이여야 합니다: {self.port}")
        if not self.username:
            raise ValueError("SFTP 사용자 ID를 입력하세요.")
        if self.institution_code:
            layout.check_institution_code(self.institution_code)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


class HostKeyInfo(NamedTuple):
    """A server's host key as shown to the administrator before pinning it."""

    key_type: str  # e.g. 'ssh-ed25519'
    fingerprint_sha256: str  # 'SHA256:...' as OpenSSH prints it
    openssh_public_key: str  # 'ssh-ed25519 AAAA...'


@dataclass(frozen=True)
class PinnedHostKey:
    """The host key an administrator accepted for one host and port."""

    host: str
    port: int
    key_type: str
    fingerprint_sha256: str
    openssh_public_key: str
    pinned_at: datetime | None = None
    pinned_by: str | None = None

    def matches(self, host: str, port: int) -> bool:
        return self.host == host and self.port == port


class HostKeyStore(Protocol):
    """Where the SFTP transport finds the pinned key of a server."""

    def pinned_key(self, host: str, port: int) -> PinnedHostKey | None: ...


class PinnedHostKeys:
    """A HostKeyStore over a fixed set of pinned keys (from the config, or built in tests)."""

    def __init__(self, *keys: PinnedHostKey | None) -> None:
        self._keys = [k for k in keys if k is not None]

    def pinned_key(self, host: str, port: int) -> PinnedHostKey | None:
        for key in self._keys:
            if key.matches(host, port):
                return key
        return None
