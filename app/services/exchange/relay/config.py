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
from typing import TYPE_CHECKING, Any

from . import layout
from .base import Transport
from .sftp_settings import HostKeyInfo, HostKeyStore, PinnedHostKey, PinnedHostKeys, SftpSettings

if TYPE_CHECKING:
    from .credentials import SecretStore

__all__ = [  # SftpSettings and the host-key types are sftp_settings.py's, kept callable as config.*
    "MODES",
    "MODE_SFTP",
    "MODE_SIMULATOR",
    "SETTINGS_KEY",
    "SIMULATOR_FOLDER",
    "HostKeyInfo",
    "HostKeyStore",
    "PinnedHostKey",
    "PinnedHostKeys",
    "RelayConfig",
    "SftpSettings",
    "SimulatorSettings",
    "make_transport",
]

SETTINGS_KEY = "relay.config"
"""Key of the relay config in the database settings table."""

MODE_SIMULATOR = "simulator"
MODE_SFTP = "sftp"
MODES = (MODE_SIMULATOR, MODE_SFTP)

SIMULATOR_FOLDER = "relay-simulator"
"""Sub-folder of the data folder that holds the built-in simulator's relay."""

_CONFIG_VERSION = 1


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
