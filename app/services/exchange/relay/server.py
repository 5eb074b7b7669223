"""The bank simulator behind a real SFTP server (asyncssh), run by ``python -m app.relay_sim``.

The SFTP clients see only ``<data-dir>/relay`` (a chroot): the institution folders. The host key
and the simulator's state file sit beside it in the data folder, out of the clients' reach. The
server differs from a plain SFTP server in two ways, both to behave like the agency's relay:

- a rename never overwrites (an accepted request keeps its name; a second upload of it fails), and
  it is atomic even against a concurrent upload (hard link, then unlink);
- a rename that completes an upload into ``<code>/send/`` runs the simulator before answering, so
  a refused file is already reported (``recv/<name>.err``) when the client's rename returns. The
  arrival is noted before that rename, so a server killed before its pass still takes the file at
  the upload's time. The simulator also runs every ``poll_seconds`` to publish results as they come due.

Only password and public-key logins for one configured user; no shell, exec or forwarding.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from . import layout
from .simulator import BankSimulator

log = logging.getLogger(__name__)

HOST_KEY_FILE = "ssh_host_ed25519_key"
RELAY_FOLDER = "relay"
STATE_FILE = "simulator-state.sqlite3"


def load_or_create_host_key(data_dir: Path) -> asyncssh.SSHKey:
    """The server's ed25519 host key, generated on first start and kept (mode 0600) in ``data_dir``.

    Keeping it means a client that pinned it once keeps trusting the same simulator.
    """
    path = data_dir / HOST_KEY_FILE
    if path.exists():
        return asyncssh.read_private_key(path)
    key = asyncssh.generate_private_key("ssh-ed25519", comment="kscms-relay-sim")
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.export_private_key("openssh"))
    os.replace(tmp, path)
    (data_dir / (HOST_KEY_FILE + ".pub")).write_bytes(key.export_public_key("openssh"))
    return key


@dataclass
class Login:
    """Who may log in: one user, with a password and/or any of a list of public keys."""

    username: str
    password: str | None = None
    public_keys: list[asyncssh.SSHKey] = field(default_factory=list)


class _SshServer(asyncssh.SSHServer):
    def __init__(self, login: Login) -> None:
        self._login = login

    def begin_auth(self, username: str) -> bool:
        return True  # always require authentication

    def password_auth_supported(self) -> bool:
        return self._login.password is not None

    def validate_password(self, username: str, password: str) -> bool:
        expected = self._login.password
        if expected is None:
            return False
        user_ok = hmac.compare_digest(username.encode(), self._login.username.encode())
        return hmac.compare_digest(password.encode(), expected.encode()) and user_ok

    def public_key_auth_supported(self) -> bool:
        return bool(self._login.public_keys)

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        if username != self._login.username:
            return False
        data = key.public_data
        return any(k.public_data == data for k in self._login.public_keys)


class RelaySftpServer(asyncssh.SFTPServer):
    """SFTP rooted at the relay folder, with a no-overwrite rename that triggers the simulator."""

    def __init__(self, chan: asyncssh.SSHServerChannel, *, root: Path, on_upload: Callable[[], None],
                 on_arrival: Callable[[str, str, bytes], None] | None = None) -> None:
        super().__init__(chan, chroot=os.fsencode(root))
        self._on_upload = on_upload
        self._on_arrival = on_arrival

    def rename(self, oldpath: bytes, newpath: bytes) -> None:
        source = Path(os.fsdecode(self.map_path(oldpath)))
        target = Path(os.fsdecode(self.map_path(newpath)))
        if self._on_arrival is not None and target.parent.name == layout.SEND and not target.name.startswith("."):
            try:
                self._on_arrival(target.parent.parent.name, target.name, source.read_bytes())
            except Exception:  # the upload must complete; the pass then stamps its own time
                log.warning("relay simulator: could not note the arrival of %s", target.name, exc_info=True)
        try:
            layout.rename_no_replace(source, target)
        except FileExistsError:
            raise asyncssh.SFTPFailure("File already exists") from None
        except FileNotFoundError:
            raise asyncssh.SFTPNoSuchFile("No such file") from None
        if target.parent.name == layout.SEND and not target.name.startswith("."):
            self._on_upload()


class RelaySimServer:
    """The running SFTP simulator: listener, periodic processing, shutdown."""

    def __init__(self, simulator: BankSimulator, *, login: Login, host_key: asyncssh.SSHKey, poll_seconds: float = 1.0):
        self.simulator = simulator
        self.login = login
        self.host_key = host_key
        self.poll_seconds = poll_seconds
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._poller: asyncio.Task[None] | None = None

    @property
    def fingerprint(self) -> str:
        return str(self.host_key.get_fingerprint("sha256"))

    def process(self) -> None:
        """Run the simulator once; a failure is logged and the server goes on."""
        try:
            self.simulator.process()
        except Exception:  # the server must keep serving whatever one pass hits
            log.exception("relay simulator: processing failed")

    async def start(self, host: str, port: int) -> int:
        """Listen on host:port (0 = any free port); returns the port."""
        root = self.simulator.root
        self.process()
        self._acceptor = await asyncssh.listen(
            host,
            port,
            server_host_keys=[self.host_key],
            server_factory=lambda: _SshServer(self.login),
            sftp_factory=lambda chan: RelaySftpServer(chan, root=root, on_upload=self.process,
                                                      on_arrival=self.simulator.note_arrival),
            allow_scp=False,
            agent_forwarding=False,
            x11_forwarding=False,
            config=None,
        )
        self._poller = asyncio.create_task(self._poll())
        return int(self._acceptor.get_port())

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.poll_seconds)
            self.process()

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            try:
                await self._poller
            except asyncio.CancelledError:
                pass
        if self._acceptor is not None:
            self._acceptor.close()
            await self._acceptor.wait_closed()
