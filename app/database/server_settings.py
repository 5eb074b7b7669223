"""Where this PC's database is: the office server's settings, its password in the OS keyring, and the
choice remembered in settings.json.

The PostgreSQL password never touches settings.json: settings.json holds a URL without a password;
the password sits in the OS keyring (service ``KSCMS desk database``, account
``user@host:port/database``). Apart from app/database/connection.py (which connects, probes and
upgrades) so that the backups and output_files can ask where the database is without importing the
upgrade; it imports only small modules that import nothing back.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import keyring
import keyring.errors
from sqlalchemy.engine import URL, make_url

from app import config
from app.database.engine import normalise_url
from app.database.problems import ConnectionProblem, ProblemKind
from app.services.common.crypto import keyring_is_trustworthy
from app.services.common.errors import ServiceError

log = logging.getLogger(__name__)

DB_KEYRING_SERVICE = "KSCMS desk database"
DEFAULT_PORT = 5432
CHOSEN_KEY = "database_chosen"
"""LocalSettings.extra key set when this PC finished choosing its database in the setup wizard."""


# --- where -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerSettings:
    """The office PostgreSQL server as the wizard asks for it; no password (that goes to the keyring)."""

    host: str
    port: int = DEFAULT_PORT
    database: str = "kscms"
    user: str = "kscms"

    def check(self) -> None:
        """Raise ConnectionProblem when a field cannot work, before any network traffic."""
        if not self.host.strip() or any(c.isspace() for c in self.host.strip()):
            raise ConnectionProblem(ProblemKind.OTHER, "서버 주소를 입력하세요 (예: 192.168.0.10).")
        if not 1 <= int(self.port) <= 65535:
            raise ConnectionProblem(ProblemKind.OTHER, f"포트는 1~65535 사이의 숫자여야 합니다: {self.port}")
        if not self.database.strip():
            raise ConnectionProblem(ProblemKind.OTHER, "데이터베이스 이름을 입력하세요 (예: kscms).")
        if not self.user.strip():
            raise ConnectionProblem(ProblemKind.OTHER, "사용자 이름을 입력하세요 (예: kscms).")

    def url(self) -> str:
        """The URL saved in settings.json: driver, user, host, port, database, never a password."""
        return URL.create(
            "postgresql+psycopg",
            username=self.user.strip(),
            host=self.host.strip(),
            port=int(self.port),
            database=self.database.strip(),
        ).render_as_string(hide_password=False)

    @property
    def keyring_account(self) -> str:
        return f"{self.user.strip()}@{self.host.strip()}:{int(self.port)}/{self.database.strip()}"

    @property
    def address(self) -> str:
        return f"{self.host.strip()}:{int(self.port)}/{self.database.strip()}"

    @classmethod
    def from_url(cls, url: str) -> ServerSettings:
        parsed = make_url(url)
        return cls(
            host=parsed.host or "localhost",
            port=parsed.port or DEFAULT_PORT,
            database=parsed.database or "",
            user=parsed.username or "",
        )


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).as_posix()}"


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL or an in-memory database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def display_url(url: str) -> str:
    """A URL as shown to people: never with a password."""
    return make_url(url).render_as_string(hide_password=True)


# --- the password in the keyring --------------------------------------------------------------


def keyring_usable() -> bool:
    """Whether this PC has an OS keyring the password may be kept in (not a plaintext file)."""
    return keyring_is_trustworthy(keyring.get_keyring())


def save_password(server: ServerSettings, password: str) -> bool:
    """Keep the server password in this PC's keyring; False when there is no trustworthy keyring."""
    if not password or not keyring_usable():
        return False
    try:
        keyring.set_password(DB_KEYRING_SERVICE, server.keyring_account, password)
    except keyring.errors.KeyringError as error:
        raise ServiceError(
            "OS 자격 증명 저장소(키링)에 데이터베이스 비밀번호를 저장하지 못했습니다. "
            f"Windows 자격 증명 관리자가 동작하는지 확인하세요. ({type(error).__name__})"
        ) from None
    return True


def load_password(server: ServerSettings) -> str | None:
    if not keyring_usable():
        return None
    try:
        return keyring.get_password(DB_KEYRING_SERVICE, server.keyring_account)
    except keyring.errors.KeyringError as error:
        log.warning("keyring unreadable for the database password: %s", type(error).__name__)
        return None


def forget_password(server: ServerSettings) -> None:
    try:
        keyring.delete_password(DB_KEYRING_SERVICE, server.keyring_account)
    except keyring.errors.KeyringError:
        pass


# --- this PC's choice ---------------------------------------------------------------------------


def save_choice(url: str) -> None:
    """Remember the database in settings.json (without any password) and that the choice was made."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.password is not None:
        url = parsed._replace(password=None).render_as_string(hide_password=False)  # .set(password=None) keeps it
    settings = config.LocalSettings.load()
    settings.database_url = None if url == normalise_url(config.default_sqlite_url()) else url
    settings.extra[CHOSEN_KEY] = "1"
    settings.save()


def has_chosen() -> bool:
    """Whether this PC already knows its database: the environment, a saved choice, or the default file."""
    if os.environ.get(config.ENV_DATABASE_URL):
        return True
    settings = config.LocalSettings.load()
    if settings.database_url or settings.extra.get(CHOSEN_KEY):
        return True
    default = sqlite_file(config.default_sqlite_url())
    return default is not None and default.exists()
