"""``SftpTransport``: the Transport over SFTP (asyncssh), for the agency's relay or ``app.relay_sim``.

Why it is built this way:

- **Blocking API, private event loop.** Callers are Qt worker threads and the CLI, not asyncio
  code, so each operation runs its coroutine on a fresh event loop (``asyncio.run``; on a helper
  thread if the calling thread already runs a loop) and opens its own short SSH session. A few
  files a day do not need a pooled connection, and nothing is shared between threads.
- **The host key is pinned, never learned.** No key pinned, or the server shows another key →
  HostKeyError before any credential is sent (asyncssh checks the key during key exchange, against
  a known-hosts list built from the pinned key only; ``~/.ssh`` is never read).
- **Credentials from the OS keyring only** (``credentials``): a password, or a private key.
- **Timeouts:** connect (TCP + SSH handshake + login) 10 s, each operation 60 s.
- **Retries only where a retry can help:** network failures (refused, reset, timeout, lost
  connection) are retried with back-off (1, 2, 4 s; the sleep is injectable). Authentication,
  host-key and server-side refusals are not.
- **Uploads are atomic:** written to ``send/.<name>.part``, then renamed with the standard SFTP
  rename, which does not overwrite: an existing name is RelayDuplicateError, and a half-written
  ``.part`` (connection cut) is ignored by the relay and replaced by the next attempt.
- **Acknowledge = rename into recv/done/.**

Errors: RelayUnavailableError (network; ``SftpAuthError``, a subclass, when the user name or
password/key is refused — not retried), HostKeyError, RelayDuplicateError, RelayRejectedError,
all with Korean messages. Refusals are reported as described in ``layout``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import posixpath
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, TypeVar

import asyncssh

from . import layout
from .base import (
    HostKeyError,
    RelayDuplicateError,
    RelayError,
    RelayNotice,
    RelayUnavailableError,
)
from .credentials import KeyringSecrets, RelayCredential, SecretStore
from .sftp_settings import HostKeyInfo, HostKeyStore, PinnedHostKey, SftpSettings

__all__ = [
    "CONNECT_TIMEOUT",
    "OPERATION_TIMEOUT",
    "RETRY_DELAYS",
    "HostKeyInfo",
    "SftpAuthError",
    "SftpSettings",
    "SftpTransport",
    "fetch_host_key",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

CONNECT_TIMEOUT = 10.0
OPERATION_TIMEOUT = 60.0
RETRY_DELAYS: tuple[float, ...] = (1.0, 2.0, 4.0)
_CHUNK = 64 * 1024


class SftpAuthError(RelayUnavailableError):
    """The server refused the user name, password or key: fix the settings; retrying cannot help."""


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on a private event loop, whatever thread we are on."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="relay-sftp") as pool:
        return pool.submit(asyncio.run, coro).result()


def _host_key_info(key: asyncssh.SSHKey) -> HostKeyInfo:
    openssh = key.export_public_key("openssh").decode("ascii").strip()
    # Drop the comment: the key type and the base64 body identify the key.
    openssh = " ".join(openssh.split()[:2])
    return HostKeyInfo(key.get_algorithm(), key.get_fingerprint("sha256"), openssh)


def fetch_host_key(host: str, port: int = 22, *, timeout: float = CONNECT_TIMEOUT) -> HostKeyInfo:
    """The key the server at host:port presents, to show an administrator before pinning it.

    Nothing is trusted or stored here, and no credential is sent. The administrator compares the
    fingerprint with the one the agency published and then pins it (``RelayConfig.pin``).
    """

    async def fetch() -> asyncssh.SSHKey | None:
        return await asyncio.wait_for(asyncssh.get_server_host_key(host, port, config=None), timeout)

    try:
        key = _run(fetch())
    except (TimeoutError, OSError, asyncssh.Error) as exc:
        raise RelayUnavailableError(
            f"SFTP 서버 {host}:{port}에 연결할 수 없어 서버 키를 가져오지 못했습니다: {_describe(exc)}"
        ) from exc
    if key is None:
        raise HostKeyError(f"SFTP 서버 {host}:{port}가 서버 키를 보내지 않았습니다. 중계기관에 문의하세요.")
    return _host_key_info(key)


def _describe(exc: BaseException) -> str:
    """A short Korean reason for a network failure (the details go to the log)."""
    if isinstance(exc, ConnectionRefusedError):
        return "서버가 연결을 거부했습니다 (서버가 꺼져 있거나 포트가 다릅니다)"
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return "응답 시간이 초과되었습니다"
    if isinstance(exc, (asyncssh.ConnectionLost, ConnectionResetError, asyncssh.SFTPConnectionLost)):
        return "연결이 끊어졌습니다"
    if isinstance(exc, OSError) and exc.strerror:
        return f"네트워크 오류 ({exc.strerror})"
    return f"통신 오류 ({type(exc).__name__})"


class SftpTransport:
    """Transport over SFTP to ``<remote_root>/<institution_code>/`` on one server."""

    def __init__(
        self,
        settings: SftpSettings,
        *,
        host_key_store: HostKeyStore,
        secrets: SecretStore | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        operation_timeout: float = OPERATION_TIMEOUT,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        settings.check()
        layout.check_institution_code(settings.institution_code)
        self.settings = settings
        self.host_key_store = host_key_store
        self.secrets: SecretStore = secrets if secrets is not None else KeyringSecrets()
        self.connect_timeout = connect_timeout
        self.operation_timeout = operation_timeout
        self.retry_delays = tuple(retry_delays)
        self.sleep = sleep

    def __repr__(self) -> str:
        s = self.settings
        return f"SftpTransport({s.username}@{s.host}:{s.port}/{self._base})"

    # --- paths --------------------------------------------------------------------------------

    @property
    def _base(self) -> str:
        return posixpath.join(self.settings.remote_root or ".", self.settings.institution_code)

    def _path(self, *parts: str) -> str:
        return posixpath.join(self._base, *parts)

    # --- Transport ----------------------------------------------------------------------------

    def upload(self, remote_name: str, data: bytes) -> None:
        """Put a request into send/; duplicate → RelayDuplicateError, refused → RelayRejectedError."""
        name = layout.check_file_name(remote_name)
        final = self._path(layout.SEND, name)
        part = self._path(layout.SEND, layout.part_name(name))

        async def op(sftp: asyncssh.SFTPClient, attempt: int) -> None:
            if await self._exists(sftp, final):
                # A previous attempt of this very call may have renamed before the line dropped.
                if attempt > 1 and await self._read(sftp, final) == data:
                    return
                raise self._duplicate(name)
            can_check = await self._retire_error_report(sftp, name)
            await self._write_part(sftp, part, data)
            try:
                await sftp.rename(part, final)
            except asyncssh.SFTPError:
                if await self._exists(sftp, final):
                    raise self._duplicate(name) from None
                raise
            report = await self._error_report(sftp, name) if can_check else None
            if report is not None:
                raise report.to_error()

        self._call("upload", op)

    def is_uploaded(self, remote_name: str) -> bool:
        name = layout.check_file_name(remote_name)

        async def op(sftp: asyncssh.SFTPClient, attempt: int) -> bool:
            return await self._exists(sftp, self._path(layout.SEND, name))

        return self._call("is_uploaded", op)

    def list_results(self) -> list[str]:
        async def op(sftp: asyncssh.SFTPClient, attempt: int) -> list[str]:
            names = await sftp.listdir(self._path(layout.RECV))
            return sorted(str(n) for n in names if layout.is_result_name(str(n)))

        return self._call("list_results", op)

    def download(self, remote_name: str) -> bytes | None:
        """The result's bytes; None while it is not out; RelayRejectedError if its request was refused."""
        name = layout.check_file_name(remote_name)

        async def op(sftp: asyncssh.SFTPClient, attempt: int) -> bytes | None:
            path = self._path(layout.RECV, name)
            try:
                size = (await sftp.stat(path)).size
                data = await self._read(sftp, path)
            except asyncssh.SFTPNoSuchFile:
                request = layout.request_name_for(name)
                if request is not None:
                    report = await self._error_report(sftp, request)
                    if report is not None and not report.duplicate:
                        raise report.to_error() from None
                return None
            if size is not None and len(data) != size:
                # The relay may drop the session right after a transfer (§6.3): retry the read.
                raise asyncssh.ConnectionLost(f"short read: {len(data)} of {size} bytes")
            return data

        return self._call("download", op)

    def acknowledge(self, remote_name: str) -> None:
        """Move a result (or, for a refused request, its error report) into recv/done/; repeatable."""
        name = layout.check_file_name(remote_name)

        async def op(sftp: asyncssh.SFTPClient, attempt: int) -> None:
            source = self._path(layout.RECV, name)
            if not await self._exists(sftp, source):
                request = layout.request_name_for(name)
                if request is None:
                    return
                source = self._path(layout.RECV, layout.error_name(request))
                if not await self._exists(sftp, source):
                    return
            await self._move_to_done(sftp, source)

        self._call("acknowledge", op)

    def list_notices(self) -> list[RelayNotice]:
        async def op(sftp: asyncssh.SFTPClient, attempt: int) -> list[RelayNotice]:
            folder = self._path(layout.NOTICE)
            try:
                names = sorted(str(n) for n in await sftp.listdir(folder))
            except asyncssh.SFTPNoSuchFile:
                return []
            notices = []
            for n in names:
                if n.startswith(".") or not n.endswith(layout.NOTICE_SUFFIX):
                    continue
                raw = await self._read(sftp, posixpath.join(folder, n))
                try:
                    notices.append(layout.notice_from_json(raw.decode("utf-8")))
                except (UnicodeDecodeError, ValueError) as exc:
                    log.warning("relay: unreadable notice %s: %s", n, exc)
            return layout.sort_notices(notices)

        return self._call("list_notices", op)

    def test_connection(self) -> str:
        """Log in, check the institution folders, and say what answered (Korean one-liner)."""
        pinned = self._pinned()

        async def op(sftp: asyncssh.SFTPClient, attempt: int) -> None:
            missing = [sub for sub in (layout.SEND, layout.RECV) if not await self._exists(sftp, self._path(sub))]
            if missing:
                raise RelayUnavailableError(
                    f"SFTP {self.settings.address}에 로그인했지만 기관 폴더 '{self._base}/{missing[0]}'가 없습니다. "
                    "이용기관코드와 원격 폴더 설정을 확인하세요."
                )

        self._call("test_connection", op)
        return f"SFTP {self.settings.address} 연결 성공, 서버 키 {pinned.fingerprint_sha256}"

    # --- the session and its errors -----------------------------------------------------------

    def _pinned(self) -> PinnedHostKey:
        s = self.settings
        pinned = self.host_key_store.pinned_key(s.host, s.port)
        if pinned is None:
            raise HostKeyError(
                f"SFTP 서버 {s.address}의 서버 키가 등록되지 않았습니다. 관리자가 환경설정에서 서버 키 지문을 "
                "중계기관이 알려 준 값과 비교한 뒤 등록해야 연결할 수 있습니다."
            )
        return pinned

    def _credential(self) -> RelayCredential:
        s = self.settings
        credential = self.secrets.credential(s.username, s.host, s.port)
        if credential is None:
            raise SftpAuthError(
                f"SFTP {s.username}@{s.address}의 비밀번호(또는 개인 키)가 이 PC에 저장되어 있지 않습니다. "
                "환경설정에서 입력하세요."
            )
        return credential

    def _connect_options(self, pinned: PinnedHostKey, credential: RelayCredential) -> dict[str, Any]:
        try:
            trusted = asyncssh.import_public_key(pinned.openssh_public_key)
        except (asyncssh.KeyImportError, ValueError) as exc:
            raise HostKeyError(f"등록된 서버 키를 읽을 수 없습니다. 서버 키를 다시 등록하세요. ({exc})") from None
        options: dict[str, Any] = {
            "host": self.settings.host,
            "port": self.settings.port,
            "username": self.settings.username,
            "known_hosts": ([trusted], [], []),
            "config": None,
            "agent_path": None,
            "connect_timeout": self.connect_timeout,
            "login_timeout": self.connect_timeout,
        }
        if credential.private_key:
            try:
                options["client_keys"] = [asyncssh.import_private_key(credential.private_key)]
            except (asyncssh.KeyImportError, ValueError):
                raise SftpAuthError("저장된 개인 키를 읽을 수 없습니다. 환경설정에서 다시 저장하세요.") from None
            options["password"] = None
        else:
            options["client_keys"] = None
            options["password"] = credential.password
        return options

    def _call(self, what: str, op: Callable[[asyncssh.SFTPClient, int], Awaitable[T]]) -> T:
        """Run ``op`` in a fresh session, retrying network failures with back-off."""
        s = self.settings
        options = self._connect_options(self._pinned(), self._credential())
        attempts = len(self.retry_delays) + 1
        last: BaseException | None = None
        for attempt in range(1, attempts + 1):
            try:
                return _run(self._session(options, op, attempt))
            except RelayError:
                raise
            except asyncssh.HostKeyNotVerifiable as exc:
                log.warning("relay sftp %s: host key of %s not verifiable: %s", what, s.address, exc)
                raise HostKeyError(
                    f"SFTP 서버 {s.address}의 서버 키가 등록된 키({self._pinned().fingerprint_sha256})와 다릅니다. "
                    "서버가 바뀌었거나 다른 서버가 응답하고 있습니다. 연결하지 않았습니다. 중계기관에 확인한 뒤 "
                    "관리자가 서버 키를 다시 등록하세요."
                ) from exc
            except asyncssh.PermissionDenied as exc:
                raise SftpAuthError(
                    f"SFTP {s.username}@{s.address} 로그인이 거부되었습니다. 사용자 ID와 비밀번호(개인 키)를 확인하세요."
                ) from exc
            except (asyncssh.SFTPConnectionLost, asyncssh.SFTPNoConnection) as exc:
                last = exc
            except asyncssh.SFTPError as exc:
                log.warning("relay sftp %s refused by %s: %s", what, s.address, exc)
                raise RelayUnavailableError(
                    f"SFTP 서버 {s.address}가 요청을 처리하지 못했습니다 ({exc.reason or type(exc).__name__}). "
                    f"원격 폴더 '{self._base}' 설정을 확인하세요."
                ) from exc
            except (TimeoutError, OSError, asyncssh.Error) as exc:
                last = exc
            log.warning("relay sftp %s to %s failed (attempt %d/%d): %r", what, s.address, attempt, attempts, last)
            if attempt < attempts:
                self.sleep(self.retry_delays[attempt - 1])
        assert last is not None
        raise RelayUnavailableError(
            f"중계 서버 {s.address}에 연결할 수 없습니다: {_describe(last)}. {attempts}번 시도했습니다. "
            "네트워크 연결을 확인하고 잠시 후 다시 시도하세요."
        ) from last

    async def _session(
        self, options: dict[str, Any], op: Callable[[asyncssh.SFTPClient, int], Awaitable[T]], attempt: int
    ) -> T:
        async with asyncssh.connect(**options) as conn:

            async def run() -> T:
                async with conn.start_sftp_client() as sftp:
                    return await op(sftp, attempt)

            return await asyncio.wait_for(run(), self.operation_timeout)

    # --- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _duplicate(name: str) -> RelayDuplicateError:
        return RelayDuplicateError(f"'{name}' 파일은 이미 중계기관에 보냈습니다. 같은 파일을 두 번 보낼 수 없습니다.")

    @staticmethod
    async def _exists(sftp: asyncssh.SFTPClient, path: str) -> bool:
        try:
            await sftp.stat(path)
        except asyncssh.SFTPNoSuchFile:
            return False
        return True

    @staticmethod
    async def _read(sftp: asyncssh.SFTPClient, path: str) -> bytes:
        async with sftp.open(path, "rb") as fh:
            data: bytes = await fh.read()
        return data

    async def _write_part(self, sftp: asyncssh.SFTPClient, path: str, data: bytes) -> None:
        """Write the whole file under its temporary name (truncating what a failed attempt left)."""
        async with sftp.open(path, "wb") as fh:
            for start in range(0, len(data), _CHUNK):
                await fh.write(data[start : start + _CHUNK])

    async def _move_to_done(self, sftp: asyncssh.SFTPClient, source: str) -> None:
        done = self._path(layout.RECV, layout.DONE)
        if not await self._exists(sftp, done):
            await sftp.mkdir(done)
        target = posixpath.join(done, posixpath.basename(source))
        try:
            await sftp.posix_rename(source, target)
        except asyncssh.SFTPOpUnsupported:
            if await self._exists(sftp, target):
                await sftp.remove(target)
            await sftp.rename(source, target)

    async def _error_report(self, sftp: asyncssh.SFTPClient, request_name: str) -> layout.ErrorReport | None:
        try:
            raw = await self._read(sftp, self._path(layout.RECV, layout.error_name(request_name)))
        except asyncssh.SFTPNoSuchFile:
            return None
        return layout.parse_error_report(request_name, raw.decode("utf-8", errors="replace"))

    async def _retire_error_report(self, sftp: asyncssh.SFTPClient, request_name: str) -> bool:
        """File away the error report of an earlier, refused upload of this name.

        Returns whether a report found after the new upload can only be the new one's: False when
        an old report is there and the server would not let us move it (then the fetcher's later
        ``download`` decides).
        """
        stale = self._path(layout.RECV, layout.error_name(request_name))
        if not await self._exists(sftp, stale):
            return True
        try:
            await self._move_to_done(sftp, stale)
        except (asyncssh.SFTPPermissionDenied, asyncssh.SFTPFailure) as exc:
            log.warning("relay sftp: cannot move the old error report of %s: %s", request_name, exc)
            return False
        return True
