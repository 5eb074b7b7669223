"""Relay settings: which relay (built-in simulator or SFTP), where, and the pinned server key.

``RelayConfig`` is what the settings screen edits and the database keeps (settings table, key
``relay.config``, as JSON). It holds no secret: the SFTP password or key lives in the OS keyring
(``credentials``). The SFTP server's host key is pinned here by an administrator after comparing
its fingerprint (``sftp.fetch_host_key``) with the one the agency gave; a transport never trusts a
key on its own.

``make_transport`` turns a config into a Transport for one institution code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from . import layout
from .base import Transport

if TYPE_CHECKING:
    from .credentials import SecretStore

SETTINGS_KEY = "relay.config"
"""Key of the relay config in the database settings table."""

MODE_SIMULATOR = "simulator"
MODE_SFTP = "sftp"
MODES = (MODE_SIMULATOR, MODE_SFTP)

SIMULATOR_FOLDER = "relay-simulator"
"""Sub-folder of the data folder that holds the built-in simulator's relay."""

_CONFIG_VERSION = 1


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


@dataclass(frozen=True)
class SimulatorSettings:
    """Options of the built-in simulator; ``processing_delay_seconds`` None = the real bank schedule;
    ``evidence_max_bytes``: the largest consent evidence (EI13) it takes per record (0103 above it)."""

    processing_delay_seconds: float | None = None
    failure_rate: float = 0.0
    seed: int = 0
    evidence_max_bytes: int = 307_200

    @property
    def processing_delay(self) -> timedelta | None:
        if self.processing_delay_seconds is None:
            return None
        return timedelta(seconds=self.processing_delay_seconds)


@dataclass(frozen=True)
class RelayConfig:
    """The relay this installation uses; stored as JSON under ``SETTINGS_KEY``."""

    mode: str = MODE_SIMULATOR
    sftp: SftpSettings | None = None
    pinned_host_key: PinnedHostKey | None = None
    simulator: SimulatorSettings = field(default_factory=SimulatorSettings)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"알 수 없는 중계 방식입니다: {self.mode!r} ('simulator' 또는 'sftp')")

    # --- pinning ------------------------------------------------------------------------------

    def pin(self, key: HostKeyInfo, *, pinned_at: datetime, pinned_by: str) -> RelayConfig:
        """A copy that trusts ``key`` for the configured SFTP host and port."""
        if self.sftp is None:
            raise ValueError("SFTP 설정이 없어 서버 키를 등록할 수 없습니다.")
        pinned = PinnedHostKey(
            self.sftp.host,
            self.sftp.port,
            key.key_type,
            key.fingerprint_sha256,
            key.openssh_public_key.strip(),
            pinned_at,
            pinned_by,
        )
        return replace(self, pinned_host_key=pinned)

    def unpinned(self) -> RelayConfig:
        return replace(self, pinned_host_key=None)

    def host_key_store(self) -> PinnedHostKeys:
        """The pinned key, valid only for the host and port it was pinned for."""
        return PinnedHostKeys(self.pinned_host_key)

    # --- JSON ---------------------------------------------------------------------------------

    def to_json(self) -> str:
        pinned: dict[str, Any] | None = None
        if self.pinned_host_key is not None:
            pinned = asdict(self.pinned_host_key)
            at = self.pinned_host_key.pinned_at
            pinned["pinned_at"] = None if at is None else at.isoformat()
        payload = {
            "version": _CONFIG_VERSION,
            "mode": self.mode,
            "sftp": None if self.sftp is None else asdict(self.sftp),
            "pinned_host_key": pinned,
            "simulator": asdict(self.simulator),
        }
        return json.dumps(payload, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> RelayConfig:
        """Read a stored config; empty → the default (built-in simulator). Bad JSON → ValueError."""
        if not text:
            return cls()
        try:
            raw = json.loads(text)
            if not isinstance(raw, dict):
                raise TypeError("not an object")
            version = raw.get("version", 1)
            if version > _CONFIG_VERSION:
                raise ValueError(f"이 프로그램보다 새 버전의 중계 설정입니다 (version {version})")
            sftp = raw.get("sftp")
            pinned = raw.get("pinned_host_key")
            sim = raw.get("simulator") or {}
            if pinned is not None:
                at = pinned.get("pinned_at")
                pinned = PinnedHostKey(**{**pinned, "pinned_at": datetime.fromisoformat(at) if at else None})
            return cls(
                mode=raw.get("mode", MODE_SIMULATOR),
                sftp=None if sftp is None else SftpSettings(**sftp),
                pinned_host_key=pinned,
                simulator=SimulatorSettings(**sim),
            )
        except ValueError as exc:
            raise ValueError(f"중계 설정을 읽을 수 없습니다: {exc}") from exc
        except (TypeError, KeyError) as exc:
            raise ValueError(f"중계 설정을 읽을 수 없습니다: {exc}") from exc


def make_transport(
    config: RelayConfig,
    *,
    data_dir: Path,
    clock: Callable[[], datetime],
    institution_code: str | None = None,
    secrets: SecretStore | None = None,
) -> Transport:
    """The Transport for ``config`` and one institution (contract).

    ``institution_code`` is the contract's 이용기관코드 and names the institution's folder on the
    relay; when omitted, the SFTP settings' ``institution_code`` is used. Simulator mode keeps its
    relay in ``data_dir/relay-simulator`` and follows ``clock``; SFTP mode needs the server's key
    pinned in the config and the credential in the keyring (``secrets``, default the OS keyring).
    """
    code = institution_code or (config.sftp.institution_code if config.sftp else "")
    if not code:
        raise ValueError("기관코드가 없어 중계 폴더를 정할 수 없습니다. 계약정보의 이용기관코드를 확인하세요.")
    layout.check_institution_code(code)
    if config.mode == MODE_SIMULATOR:
        from .local import SimulatorTransport
        from .simulator import BankSimulator

        sim = config.simulator
        simulator = BankSimulator(
            Path(data_dir) / SIMULATOR_FOLDER,
            clock,
            processing_delay=sim.processing_delay,
            failure_rate=sim.failure_rate,
            seed=sim.seed,
            evidence_max_bytes=sim.evidence_max_bytes,
            purge_finished=True,  # on this PC, inside the user's data folder: keep no bank file needlessly
        )
        return SimulatorTransport(simulator, code)
    if config.sftp is None:
        raise ValueError("SFTP 중계 방식인데 SFTP 설정이 없습니다. 환경설정에서 서버 주소를 입력하세요.")
    from .sftp import SftpTransport

    settings = replace(config.sftp, institution_code=code)
    return SftpTransport(settings, host_key_store=config.host_key_store(), secrets=secrets)
