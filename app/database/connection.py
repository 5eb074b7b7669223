"""This PC's database: test a connection, say in Korean what is wrong, remember the choice, connect.

Why it looks like this:

* **The PostgreSQL password never touches settings.json.** settings.json holds a URL without a
  password; the password sits in the OS keyring (service ``KSCMS desk database``, account
  ``user@host:port/database``). ``make_database`` hands it to the driver at connect time through
  SQLAlchemy's ``do_connect`` event, so it is not in the engine's URL either and cannot leak into
  a log line or an error message that prints the URL.
* **Connection failures are named, not dumped.** libpq reports connection failures as text only
  (no SQLSTATE), in English or, on a Korean Windows server, in Korean; ``describe_connection_error``
  matches both and says what to do (server off, firewall, wrong password, database missing ...).
* **Probing does not change anything.** ``probe`` only reads: whether the database is empty,
  already set up by another PC (then this PC joins it with the data passphrase) or made by a newer
  program. ``prepare`` is the step that creates or upgrades the schema.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from app import config
from app.database.engine import Database, is_sqlite, make_engine, normalise_url
from app.services.common.crypto import keyring_is_trustworthy
from app.services.common.errors import ServiceError

log = logging.getLogger(__name__)

DB_KEYRING_SERVICE = "KSCMS desk database"
DEFAULT_PORT = 5432
SQLITE_HEADER = b"SQLite format 3\x00"
CHOSEN_KEY = "database_chosen"
"""LocalSettings.extra key set when this PC finished choosing its database in the setup wizard."""


class ProblemKind(str, Enum):
    UNREACHABLE = "unreachable"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    AUTH = "auth"
    NOT_ALLOWED = "not_allowed"  # pg_hba.conf has no line for this PC
    NO_ROLE = "no_role"
    NO_DATABASE = "no_database"
    PERMISSION = "permission"
    TOO_NEW = "too_new"
    NOT_KSCMS = "not_kscms"
    FILE = "file"
    OTHER = "other"


class ConnectionProblem(ServiceError):
    """Why this PC cannot use the chosen database, in Korean, with what to do about it."""

    def __init__(self, kind: ProblemKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


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


# --- connecting --------------------------------------------------------------------------------


def make_database(url: str, *, password: str | None = None) -> Database:
    """The Database for `url`. A PostgreSQL URL without a password gets `password`, else this PC's
    keyring entry, at each new connection; with neither, libpq's own sources (pgpass, PGPASSWORD) apply."""
    url = normalise_url(url)
    engine = make_engine(url)
    if not is_sqlite(url) and make_url(url).password is None:
        _supply_password(engine, ServerSettings.from_url(url), password)
    return Database(engine)


def _supply_password(engine: Engine, server: ServerSettings, password: str | None) -> None:
    def do_connect(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
        if cparams.get("password"):
            return
        secret = password if password is not None else load_password(server)
        if secret:
            cparams["password"] = secret

    event.listen(engine, "do_connect", do_connect)


# --- what went wrong ---------------------------------------------------------------------------

_PATTERNS: tuple[tuple[ProblemKind, tuple[str, ...]], ...] = (
    (ProblemKind.AUTH, ("password authentication failed", "no password supplied", "password 인증을 실패",
                        "비밀번호 인증", "암호 인증", "fe_sendauth")),
    (ProblemKind.NOT_ALLOWED, ("pg_hba.conf",)),
    (ProblemKind.NO_DATABASE, ('database "', "데이터베이스 없음")),  # checked after role: see _kind
    (ProblemKind.PERMISSION, ("permission denied", "권한 없음", "접근 권한", "must be owner")),
    (ProblemKind.REFUSED, ("connection refused", "10061", "연결을 거부")),
    (ProblemKind.TIMEOUT, ("timeout expired", "timed out", "10060", "시간 초과", "시간을 초과")),
    (ProblemKind.UNREACHABLE, ("failed to resolve host", "could not translate host name", "name or service not known",
                               "no route to host", "network is unreachable", "nodename nor servname",
                               "getaddrinfo failed", "11001", "10065", "10051")),
)


def _kind(text_lower: str) -> ProblemKind:
    if ("role \"" in text_lower or "롤 \"" in text_lower or "역할 \"" in text_lower) and (
        "does not exist" in text_lower or "없음" in text_lower
    ):
        return ProblemKind.NO_ROLE
    for kind, needles in _PATTERNS:
        if kind is ProblemKind.NO_DATABASE:
            if any(n in text_lower for n in needles) and ("does not exist" in text_lower or "없음" in text_lower):
                return kind
            continue
        if any(n in text_lower for n in needles):
            return kind
    return ProblemKind.OTHER


def describe_connection_error(error: BaseException, where: str = "") -> ConnectionProblem:
    """A Korean ConnectionProblem for a driver or SQLAlchemy error met while connecting or migrating."""
    if isinstance(error, ConnectionProblem):
        return error
    original = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    sqlstate = getattr(original, "sqlstate", None)
    detail = str(original).strip()
    kind = {"28P01": ProblemKind.AUTH, "3D000": ProblemKind.NO_DATABASE, "42501": ProblemKind.PERMISSION,
            "28000": ProblemKind.NOT_ALLOWED}.get(sqlstate or "") or _kind(detail.lower())
    at = f"({where})" if where else ""
    messages = {
        ProblemKind.REFUSED: f"서버{at}가 연결을 거부했습니다. PostgreSQL이 실행 중인지, 포트 번호가 맞는지, "
                             "서버가 사무실 네트워크의 연결을 받도록(listen_addresses) 설정되었는지 확인하세요.",
        ProblemKind.TIMEOUT: f"서버{at}가 응답하지 않습니다(시간 초과). 서버 주소와 네트워크 연결, "
                             "서버의 방화벽(포트 5432)을 확인하세요.",
        ProblemKind.UNREACHABLE: f"서버{at}를 찾거나 연결할 수 없습니다. 서버 주소를 확인하고, "
                                 "이 PC가 사무실 네트워크에 연결되어 있는지 확인하세요.",
        ProblemKind.AUTH: "비밀번호가 틀렸거나 입력되지 않았습니다. 데이터베이스 사용자 이름과 비밀번호를 확인하세요.",
        ProblemKind.NOT_ALLOWED: "서버가 이 PC의 접속을 허용하지 않습니다. 서버 관리자에게 pg_hba.conf에 사무실 "
                                 "네트워크 줄을 추가해 달라고 하세요 (docs/shared-database.md 참고).",
        ProblemKind.NO_ROLE: "서버에 그런 데이터베이스 사용자가 없습니다. 사용자 이름을 확인하거나 서버 관리자에게 "
                             "사용자(role)를 만들어 달라고 하세요.",
        ProblemKind.NO_DATABASE: "서버에 그런 이름의 데이터베이스가 없습니다. 데이터베이스 이름을 확인하거나 서버 "
                                 "관리자에게 데이터베이스를 만들어 달라고 하세요 (docs/shared-database.md 참고).",
        ProblemKind.PERMISSION: "이 사용자에게 데이터베이스를 쓸 권한이 없습니다. 서버 관리자에게 데이터베이스의 "
                                "소유자를 이 사용자로 해 달라고 하세요 (docs/shared-database.md 참고).",
    }
    message = messages.get(kind) or f"데이터베이스에 연결하지 못했습니다. 설정을 확인하세요. ({type(original).__name__})"
    log.info("database connection problem %s: %s", kind.value, type(original).__name__)
    return ConnectionProblem(kind, message)


# --- probing and preparing ----------------------------------------------------------------------


class DatabaseState(str, Enum):
    NEW = "new"  # no file yet, or no KSCMS tables: the wizard sets up a new institution
    EMPTY_SCHEMA = "empty_schema"  # KSCMS tables but no institution yet (an earlier setup was cancelled)
    INITIALIZED = "initialized"  # another PC set it up: this PC joins it with the data passphrase


@dataclass(frozen=True)
class Probe:
    state: DatabaseState
    institution_name: str | None = None
    revision: str | None = None

    @property
    def needs_setup(self) -> bool:
        return self.state is not DatabaseState.INITIALIZED


def check_sqlite_target(path: Path) -> None:
    """A file path the program can create, or an existing KSCMS SQLite file; refused otherwise."""
    path = Path(path)
    if path.is_dir():
        raise ConnectionProblem(ProblemKind.FILE, f"폴더가 아니라 파일 이름을 지정하세요: {path}")
    if path.exists():
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
        if path.stat().st_size and header != SQLITE_HEADER:
            raise ConnectionProblem(ProblemKind.NOT_KSCMS, f"이 파일은 KSCMS desk 데이터베이스가 아닙니다: {path.name}")
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        probe_file = path.parent / f".{path.name}.write-test"
        probe_file.write_bytes(b"")
        probe_file.unlink()
    except OSError as error:
        raise ConnectionProblem(
            ProblemKind.FILE, f"이 폴더에 파일을 만들 수 없습니다: {path.parent} ({error.strerror or type(error).__name__})"
        ) from None


def probe(url: str, *, password: str | None = None) -> Probe:
    """What is at `url`, without changing it; ConnectionProblem (Korean) when it cannot be used."""
    from app.database import migrate as migrations
    from app.models import Institution

    path = sqlite_file(url)
    if path is not None:
        check_sqlite_target(path)
        if not path.exists() or path.stat().st_size == 0:
            return Probe(DatabaseState.NEW)
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
            try:
                conn.execute("PRAGMA schema_version").fetchone()
            finally:
                conn.close()
        except sqlite3.DatabaseError as error:
            raise ConnectionProblem(ProblemKind.NOT_KSCMS, f"이 파일을 데이터베이스로 열 수 없습니다: {path.name} ({error})") from None
    where = "" if path is not None else ServerSettings.from_url(url).address
    # A plain engine for a file: make_engine's pragmas would switch a foreign file to WAL mode.
    db = Database(create_engine(normalise_url(url))) if path is not None else make_database(url, password=password)
    try:
        try:
            revision = migrations.check_not_newer(db.engine)
        except migrations.SchemaTooNewError as error:
            raise ConnectionProblem(ProblemKind.TOO_NEW, str(error)) from None
        if revision is None:
            with db.engine.connect() as conn:
                tables = _user_tables(conn, sqlite=path is not None)
            if tables and path is not None:
                raise ConnectionProblem(ProblemKind.NOT_KSCMS, "이 파일은 KSCMS desk 데이터베이스가 아닙니다 (다른 프로그램의 표가 있습니다).")
            if tables:
                raise ConnectionProblem(
                    ProblemKind.NOT_KSCMS,
                    "이 데이터베이스에는 KSCMS desk가 아닌 다른 프로그램의 표가 있습니다. KSCMS desk 전용 데이터베이스를 "
                    "지정하세요.",
                )
            return Probe(DatabaseState.NEW)
        with db.session() as s:
            name = s.scalar(select(Institution.name).order_by(Institution.id).limit(1))
        return Probe(DatabaseState.EMPTY_SCHEMA if name is None else DatabaseState.INITIALIZED, name, revision)
    except ConnectionProblem:
        raise
    except (SQLAlchemyError, OSError) as error:
        raise describe_connection_error(error, where) from None
    finally:
        db.dispose()


def _user_tables(conn: Any, *, sqlite: bool) -> list[str]:
    if sqlite:
        sql = "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
    else:
        sql = ("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
               "AND table_type = 'BASE TABLE'")
    return [row[0] for row in conn.execute(text(sql))]


def prepare(url: str, *, password: str | None = None) -> Database:
    """Open `url` and create or upgrade its schema (backing up a SQLite file that holds data first)."""
    from app.database import migrate as migrations

    path = sqlite_file(url)
    if path is not None:
        check_sqlite_target(path)
    db = make_database(url, password=password)
    try:
        migrations.upgrade(db.engine, backup_to=config.backup_dir() if path is not None else None)
    except migrations.SchemaTooNewError as error:
        db.dispose()
        raise ConnectionProblem(ProblemKind.TOO_NEW, str(error)) from None
    except (SQLAlchemyError, OSError) as error:
        db.dispose()
        raise describe_connection_error(error, "" if path is not None else ServerSettings.from_url(url).address) from None
    return db


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
