"""Relay settings round-trip through JSON, hold no secret, and build the right transport."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import keyring
import pytest

from app.services.common.calendar import SEOUL, ManualClock
from app.services.exchange.relay.base import Transport
from app.services.exchange.relay.config import (
    SETTINGS_KEY,
    HostKeyInfo,
    PinnedHostKeys,
    RelayConfig,
    SftpSettings,
    SimulatorSettings,
    make_transport,
)
from app.services.exchange.relay.credentials import (
    KEYRING_SERVICE,
    KeyringSecrets,
    RelayCredential,
    keyring_account,
)
from app.services.exchange.relay.local import SimulatorTransport
from app.services.exchange.relay.sftp import SftpTransport

from .builders import INSTITUTION

KEY = HostKeyInfo("ssh-ed25519", "SHA256:abc", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL4GEohBxB5")
SFTP = SftpSettings(host="127.0.0.1", port=2222, username="kscms", institution_code=INSTITUTION)


def test_default_is_the_built_in_simulator() -> None:
    assert SETTINGS_KEY == "relay.config"
    assert RelayConfig.from_json(None) == RelayConfig()
    assert RelayConfig.from_json("").mode == "simulator"


def test_json_round_trip_with_a_pinned_key() -> None:
    pinned_at = dt.datetime(2026, 3, 9, 10, 30, tzinfo=SEOUL)
    config = RelayConfig(mode="sftp", sftp=SFTP, simulator=SimulatorSettings(10.0, 0.1, 3)).pin(
        KEY, pinned_at=pinned_at, pinned_by="admin"
    )

    text = config.to_json()
    again = RelayConfig.from_json(text)

    assert again == config
    assert again.pinned_host_key is not None and again.pinned_host_key.pinned_at == pinned_at
    assert "password" not in text.lower()


def test_a_pinned_key_only_serves_its_host_and_port() -> None:
    config = RelayConfig(mode="sftp", sftp=SFTP).pin(KEY, pinned_at=dt.datetime.now(SEOUL), pinned_by="admin")
    store = config.host_key_store()
    assert store.pinned_key("127.0.0.1", 2222) is not None
    assert store.pinned_key("127.0.0.1", 2223) is None
    assert store.pinned_key("10.0.0.1", 2222) is None
    assert config.unpinned().host_key_store().pinned_key("127.0.0.1", 2222) is None


@pytest.mark.parametrize("text", ["{", "[]", '{"mode": "ftp"}', '{"version": 99}', '{"sftp": {"host": "x"}}'])
def test_unreadable_configs_are_refused_in_korean(text: str) -> None:
    with pytest.raises(ValueError, match=r"중계 설정을 읽을 수 없습니다|알 수 없는 중계 방식"):
        RelayConfig.from_json(text)


def test_pinning_needs_sftp_settings() -> None:
    with pytest.raises(ValueError, match="SFTP 설정"):
        RelayConfig().pin(KEY, pinned_at=dt.datetime.now(SEOUL), pinned_by="admin")


def test_make_transport_simulator(tmp_path: Path) -> None:
    transport = make_transport(
        RelayConfig(), data_dir=tmp_path, clock=ManualClock.at(2026, 3, 9, 10), institution_code=INSTITUTION
    )
    assert isinstance(transport, SimulatorTransport)
    assert isinstance(transport, Transport)
    assert transport.base == tmp_path / "relay-simulator" / INSTITUTION
    assert transport.test_connection().startswith(f"내장 은행 시뮬레이터 (폴더 {transport.base})")


def test_make_transport_sftp_takes_the_contracts_code(tmp_path: Path) -> None:
    config = RelayConfig(mode="sftp", sftp=SftpSettings(host="relay.example", username="u"))
    transport = make_transport(
        config, data_dir=tmp_path, clock=ManualClock.at(2026, 3, 9), institution_code=INSTITUTION
    )
    assert isinstance(transport, SftpTransport)
    assert isinstance(transport, Transport)
    assert transport.settings.institution_code == INSTITUTION


def test_make_transport_needs_an_institution_code(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="기관코드"):
        make_transport(RelayConfig(), data_dir=tmp_path, clock=ManualClock.at(2026, 3, 9))
    with pytest.raises(ValueError, match="SFTP 설정"):
        make_transport(
            RelayConfig(mode="sftp"), data_dir=tmp_path, clock=ManualClock.at(2026, 3, 9), institution_code=INSTITUTION
        )


def test_sftp_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="포트"):
        SftpSettings(host="h", port=70000, username="u").check()
    with pytest.raises(ValueError, match="사용자"):
        SftpSettings(host="h", username="").check()
    with pytest.raises(ValueError, match="기관코드"):
        SftpSettings(host="h", username="u", institution_code="12/4567890").check()
    assert PinnedHostKeys().pinned_key("h", 22) is None


def test_credentials_live_in_the_keyring() -> None:
    secrets = KeyringSecrets()
    assert secrets.credential("kscms", "127.0.0.1", 2222) is None

    secrets.store_password("kscms", "127.0.0.1", 2222, "s3cret")

    assert keyring.get_password(KEYRING_SERVICE, "kscms@127.0.0.1:2222") == "s3cret"
    assert keyring_account("kscms", "127.0.0.1", 2222) == "kscms@127.0.0.1:2222"
    credential = secrets.credential("kscms", "127.0.0.1", 2222)
    assert credential == RelayCredential(password="s3cret")
    assert "s3cret" not in repr(credential)
    secrets.forget("kscms", "127.0.0.1", 2222)
    secrets.forget("kscms", "127.0.0.1", 2222)
    assert not secrets.has_credential("kscms", "127.0.0.1", 2222)


def test_a_private_key_is_kept_as_such() -> None:
    import asyncssh

    key_text = asyncssh.generate_private_key("ssh-ed25519").export_private_key("openssh").decode()
    secrets = KeyringSecrets()
    secrets.store_private_key("kscms", "h", 22, key_text)
    credential = secrets.credential("kscms", "h", 22)
    assert credential is not None and credential.private_key == key_text and credential.password is None
    with pytest.raises(ValueError, match="개인 키"):
        secrets.store_private_key("kscms", "h", 22, "-----BEGIN nonsense-----")
