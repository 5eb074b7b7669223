"""End to end over real SFTP: a ``python -m app.relay_sim`` child process on a free loopback port.

One server per module (started in well under a second); each test works in its own institution
folder so tests do not see each other's files. Results come at once (processing delay 0).
"""

from __future__ import annotations

import datetime as dt
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import pytest

from app.services.common.calendar import SEOUL, BusinessCalendar
from app.services.exchange.cms import (
    check_result,
    debit_outcomes,
    decode_eb13,
    decode_eb14,
    decode_eb21,
    decode_eb22,
)
from app.services.exchange.relay.base import (
    HostKeyError,
    RelayDuplicateError,
    RelayRejectedError,
    RelayUnavailableError,
)
from app.services.exchange.relay.config import (
    HostKeyInfo,
    PinnedHostKey,
    PinnedHostKeys,
    RelayConfig,
    SftpSettings,
    make_transport,
)
from app.services.exchange.relay.credentials import KeyringSecrets
from app.services.exchange.relay.launcher import RelaySimProcess, start_relay_sim
from app.services.exchange.relay.sftp import (
    SftpAuthError,
    SftpTransport,
    fetch_host_key,
)

from .builders import debit, eb13, eb21, registration, send_eb13, tamper_trailer_count

PASSWORD = "practice-pw"
CODES = [f"99000000{n:02d}" for n in range(12)]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelaySimProcess]:
    with start_relay_sim(
        tmp_path_factory.mktemp("relay_sim"), password=PASSWORD, institutions=CODES, processing_delay_seconds=0
    ) as sim:
        yield sim


class Sleeps:
    """Records the back-off instead of sleeping, so retry tests take no time."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def _transport(
    server: RelaySimProcess,
    code: str,
    *,
    pinned: HostKeyInfo | None = None,
    password: str = PASSWORD,
    port: int | None = None,
    sleeps: Sleeps | None = None,
    retry_delays: tuple[float, ...] = (1.0, 2.0, 4.0),
) -> SftpTransport:
    port = port or server.port
    KeyringSecrets().store_password("kscms", "127.0.0.1", port, password)
    key = pinned or server.host_key
    store = PinnedHostKeys(PinnedHostKey("127.0.0.1", port, *key))
    return SftpTransport(
        SftpSettings(host="127.0.0.1", port=port, username="kscms", institution_code=code),
        host_key_store=store,
        retry_delays=retry_delays,
        sleep=sleeps if sleeps is not None else Sleeps(),
    )


def _today() -> dt.date:
    return dt.datetime.now(SEOUL).date()


def _debit_day() -> dt.date:
    return BusinessCalendar().add_business_days(_today(), 3)


def _wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def test_fetch_host_key_shows_the_servers_key(server: RelaySimProcess) -> None:
    info = fetch_host_key("127.0.0.1", server.port)
    assert info == server.host_key
    assert info.key_type == "ssh-ed25519"
    assert info.fingerprint_sha256.startswith("SHA256:")


def test_full_cycle_over_sftp(server: RelaySimProcess) -> None:
    code = CODES[0]
    transport = _transport(server, code)
    assert transport.test_connection() == f"SFTP 127.0.0.1:{server.port} 연결 성공, 서버 키 {server.fingerprint}"

    # registration
    reg_name, reg_data = send_eb13(  # the consent evidence (EI13) first, then the EB13
        transport, _today(), [registration(1, "110000001234"), registration(2, "110000000031")], institution=code
    )
    assert transport.is_uploaded(reg_name) and transport.is_uploaded("EI13" + reg_name[4:])
    result_name = "EB14" + reg_name[4:]
    _wait_for(lambda: result_name in transport.list_results())
    eb14 = transport.download(result_name)
    assert eb14 is not None
    request = decode_eb13(reg_data, reg_name)
    check_result(decode_eb14(eb14, result_name), request)
    transport.acknowledge(result_name)
    transport.acknowledge(result_name)  # repeatable
    assert result_name not in transport.list_results()
    assert (server.relay_root / code / "recv" / "done" / result_name).read_bytes() == eb14

    # debit
    debit_name, debit_data = eb21(
        _debit_day(), [debit(1, "110000001234", 30_000), debit(2, "110000005555", 20_000)], institution=code
    )
    transport.upload(debit_name, debit_data)
    eb22_name = "EB22" + debit_name[4:]
    _wait_for(lambda: eb22_name in transport.list_results())
    eb22 = decode_eb22(transport.download(eb22_name) or b"", eb22_name)
    outcomes = debit_outcomes(decode_eb21(debit_data, debit_name), eb22)
    assert outcomes[1].fully_debited
    assert outcomes[2].reason_code == "0017"

    # notices
    notices = transport.list_notices()
    assert notices and all(n.title for n in notices)


def test_make_transport_builds_a_working_sftp_transport(server: RelaySimProcess, tmp_path: Path) -> None:
    KeyringSecrets().store_password("kscms", "127.0.0.1", server.port, PASSWORD)
    config = RelayConfig(mode="sftp", sftp=SftpSettings(host="127.0.0.1", port=server.port, username="kscms")).pin(
        fetch_host_key("127.0.0.1", server.port), pinned_at=dt.datetime.now(SEOUL), pinned_by="admin"
    )
    config = RelayConfig.from_json(config.to_json())  # as stored in the settings table
    transport = make_transport(
        config, data_dir=tmp_path, clock=lambda: dt.datetime.now(SEOUL), institution_code=CODES[1]
    )
    assert "연결 성공" in transport.test_connection()


def test_no_pinned_key_is_refused_before_connecting(server: RelaySimProcess) -> None:
    KeyringSecrets().store_password("kscms", "127.0.0.1", server.port, PASSWORD)
    transport = SftpTransport(
        SftpSettings(host="127.0.0.1", port=server.port, username="kscms", institution_code=CODES[2]),
        host_key_store=PinnedHostKeys(),
    )
    with pytest.raises(HostKeyError, match="서버 키가 등록되지 않았습니다"):
        transport.list_results()


def test_a_different_server_key_is_refused(server: RelaySimProcess) -> None:
    other = asyncssh.generate_private_key("ssh-ed25519")
    openssh = other.export_public_key("openssh").decode().strip()
    sleeps = Sleeps()
    transport = _transport(
        server,
        CODES[2],
        pinned=HostKeyInfo("ssh-ed25519", other.get_fingerprint("sha256"), openssh),
        sleeps=sleeps,
    )
    with pytest.raises(HostKeyError, match=r"서버 키가 등록된 키.*와 다릅니다"):
        transport.test_connection()
    assert sleeps.calls == []  # never retried


def test_a_wrong_password_is_an_auth_error_and_not_retried(server: RelaySimProcess) -> None:
    sleeps = Sleeps()
    transport = _transport(server, CODES[2], password="wrong", sleeps=sleeps)
    with pytest.raises(SftpAuthError, match="로그인이 거부되었습니다") as refused:
        transport.list_results()
    assert isinstance(refused.value, RelayUnavailableError)
    assert sleeps.calls == []


def test_a_missing_password_is_reported(server: RelaySimProcess) -> None:
    transport = _transport(server, CODES[2])
    KeyringSecrets().forget("kscms", "127.0.0.1", server.port)
    with pytest.raises(SftpAuthError, match="저장되어 있지 않습니다"):
        transport.list_results()


def test_a_private_key_login(tmp_path: Path) -> None:
    key = asyncssh.generate_private_key("ssh-ed25519")
    pub = tmp_path / "client.pub"
    pub.write_bytes(key.export_public_key("openssh"))
    with start_relay_sim(
        tmp_path / "sim", password=None, institutions=[CODES[0]], extra_args=["--authorized-key", str(pub)]
    ) as sim:
        secrets = KeyringSecrets()
        secrets.store_private_key("kscms", "127.0.0.1", sim.port, key.export_private_key("openssh").decode())
        transport = SftpTransport(
            SftpSettings(host="127.0.0.1", port=sim.port, username="kscms", institution_code=CODES[0]),
            host_key_store=PinnedHostKeys(PinnedHostKey("127.0.0.1", sim.port, *sim.host_key)),
        )
        assert "연결 성공" in transport.test_connection()


def test_duplicate_upload_is_refused(server: RelaySimProcess) -> None:
    transport = _transport(server, CODES[3])
    name, data = eb13(_today(), [registration(1, "110000001234")], institution=CODES[3])
    transport.upload(name, data)
    with pytest.raises(RelayDuplicateError):
        transport.upload(name, data)


def test_a_refused_file_is_reported_by_upload(server: RelaySimProcess) -> None:
    transport = _transport(server, CODES[4])
    name, data = eb13(_today(), [registration(1, "110000001234")], institution=CODES[4])
    with pytest.raises(RelayRejectedError, match=r"\[형식 오류\]"):
        transport.upload(name, tamper_trailer_count(data, 120))
    assert not transport.is_uploaded(name)
    with pytest.raises(RelayRejectedError):
        transport.download("EB14" + name[4:])
    transport.upload(name, data)  # fixed: the name is free again
    assert transport.is_uploaded(name)


def test_an_upload_cut_in_the_middle_leaves_only_a_part_file(
    server: RelaySimProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = CODES[5]
    transport = _transport(server, code, retry_delays=())
    name, data = eb13(_today(), [registration(i, f"1100000{i:05d}") for i in range(1, 40)], institution=code)

    async def cut(self: SftpTransport, sftp: asyncssh.SFTPClient, path: str, payload: bytes) -> None:
        async with sftp.open(path, "wb") as fh:
            await fh.write(payload[: len(payload) // 2])
        raise asyncssh.ConnectionLost("line cut")

    with monkeypatch.context() as patch:
        patch.setattr(SftpTransport, "_write_part", cut)
        with pytest.raises(RelayUnavailableError, match="연결이 끊어졌습니다"):
            transport.upload(name, data)

    send = server.relay_root / code / "send"
    assert not (send / name).exists()
    assert (send / f".{name}.part").stat().st_size == len(data) // 2
    time.sleep(0.5)  # a few simulator passes: the half file is ignored
    assert not transport.is_uploaded(name)
    assert not (server.relay_root / code / "recv" / f"{name}.err").exists()

    transport.upload(name, data)  # the retry replaces the .part
    assert (send / name).read_bytes() == data
    assert not (send / f".{name}.part").exists()


def test_a_cut_is_retried_within_the_same_call(server: RelaySimProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps = Sleeps()
    transport = _transport(server, CODES[6], sleeps=sleeps)
    name, data = eb13(_today(), [registration(1, "110000001234")], institution=CODES[6])
    original = SftpTransport._write_part
    failures = [1]

    async def flaky(self: SftpTransport, sftp: asyncssh.SFTPClient, path: str, payload: bytes) -> None:
        if failures:
            failures.pop()
            raise asyncssh.ConnectionLost("line cut")
        await original(self, sftp, path, payload)

    monkeypatch.setattr(SftpTransport, "_write_part", flaky)
    transport.upload(name, data)
    assert sleeps.calls == [1.0]
    assert transport.is_uploaded(name)


def test_relay_down_is_retried_then_unavailable(server: RelaySimProcess) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free_port = s.getsockname()[1]
    sleeps = Sleeps()
    transport = _transport(server, CODES[7], port=free_port, sleeps=sleeps)

    with pytest.raises(RelayUnavailableError) as down:
        transport.list_results()

    assert sleeps.calls == [1.0, 2.0, 4.0]
    assert "연결할 수 없습니다" in down.value.message and "4번 시도" in down.value.message
    assert not isinstance(down.value, SftpAuthError)


def test_fetch_host_key_of_a_dead_server() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free_port = s.getsockname()[1]
    with pytest.raises(RelayUnavailableError, match="서버 키를 가져오지 못했습니다"):
        fetch_host_key("127.0.0.1", free_port)


def test_missing_results_and_folders(server: RelaySimProcess) -> None:
    transport = _transport(server, CODES[8])
    assert transport.download("EB140101_2026") is None
    transport.acknowledge("EB140101_2026")  # nothing to do, no error
    lost = _transport(server, "9911111111")
    with pytest.raises(RelayUnavailableError, match="기관 폴더"):
        lost.test_connection()
