"""This PC's database choice: what a failed connection is called in Korean, probing, and the keyring password."""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path

import keyring
import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError as SAOperationalError

from app import config
from app.database import connection as db_setup

# --- naming what went wrong -------------------------------------------------------------------
from app.database import problems, server_settings
from app.database.connection import DatabaseState
from app.database.problems import ConnectionProblem, ProblemKind
from app.database.server_settings import ServerSettings
from app.services.settings.demo.data import create as create_demo

LIBPQ = 'connection failed: connection to server at "192.0.2.10", port 5432 failed: '


@pytest.mark.parametrize(
    ("text", "kind", "says"),
    [
        (LIBPQ + 'FATAL:  password authentication failed for user "kscms"', ProblemKind.AUTH, "비밀번호가 틀렸거나"),
        (LIBPQ + "fe_sendauth: no password supplied", ProblemKind.AUTH, "비밀번호"),
        (LIBPQ + '치명적오류:  사용자 "kscms"의 password 인증을 실패했습니다', ProblemKind.AUTH, "비밀번호"),
        (LIBPQ + "Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?",
         ProblemKind.REFUSED, "연결을 거부"),
        (LIBPQ + "Connection refused (0x0000274D/10061)", ProblemKind.REFUSED, "listen_addresses"),
        ("connection failed: timeout expired", ProblemKind.TIMEOUT, "시간 초과"),
        ("failed to resolve host 'office-srv': [Errno -2] Name or service not known", ProblemKind.UNREACHABLE,
         "서버 주소를 확인"),
        (LIBPQ + "No route to host", ProblemKind.UNREACHABLE, "네트워크"),
        (LIBPQ + 'FATAL:  database "kscms" does not exist', ProblemKind.NO_DATABASE, "데이터베이스가 없습니다"),
        (LIBPQ + '치명적오류:  "kscms" 데이터베이스 없음', ProblemKind.NO_DATABASE, "데이터베이스가 없습니다"),
        (LIBPQ + 'FATAL:  role "kscms" does not exist', ProblemKind.NO_ROLE, "사용자가 없습니다"),
        (LIBPQ + 'FATAL:  no pg_hba.conf entry for host "192.0.2.55", user "kscms", database "kscms", no encryption',
         ProblemKind.NOT_ALLOWED, "pg_hba.conf"),
        (LIBPQ + "FATAL:  permission denied for database \"kscms\"", ProblemKind.PERMISSION, "권한이 없습니다"),
        ("permission denied for schema public", ProblemKind.PERMISSION, "소유자"),
        ("something nobody expected", ProblemKind.OTHER, "설정을 확인하세요"),
    ],
)
def test_psycopg_errors_are_named_in_korean(text: str, kind: ProblemKind, says: str) -> None:
    error = psycopg.OperationalError(text)
    for raised in (error, SAOperationalError("connect", {}, error)):  # bare, and as SQLAlchemy wraps it
        problem = problems.describe_connection_error(raised, "192.0.2.10:5432/kscms")
        assert problem.kind is kind
        assert says in problem.message
        assert "kscms\"" not in problem.message  # the raw server text is not shown to the clerk


def test_sqlstate_wins_over_the_text() -> None:
    class Refused(psycopg.errors.InvalidPassword):
        pass

    problem = problems.describe_connection_error(Refused("로케일에 따른 알 수 없는 문장"))
    assert problem.kind is ProblemKind.AUTH


# --- the real server ------------------------------------------------------------------------


def _base(pg_server) -> ServerSettings:
    return ServerSettings.from_url(pg_server.base)


@pytest.mark.pg
def test_a_missing_database_on_the_real_server(pg_server) -> None:
    from tests.conftest import require_pg

    require_pg(pg_server)
    base = _base(pg_server)
    missing = ServerSettings(base.host, base.port, "kscms_no_such_database", base.user)
    with pytest.raises(ConnectionProblem) as refused:
        db_setup.probe(missing.url())
    assert refused.value.kind is ProblemKind.NO_DATABASE


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_closed_port_is_refused() -> None:
    with pytest.raises(ConnectionProblem) as refused:
        db_setup.probe(ServerSettings("127.0.0.1", closed_port(), "kscms", "kscms").url())
    assert refused.value.kind is ProblemKind.REFUSED
    assert "127.0.0.1" in refused.value.message


@pytest.mark.pg
def test_probe_sees_an_empty_schema_then_an_initialised_one(pg_url: str) -> None:
    assert db_setup.probe(pg_url).state is DatabaseState.NEW
    db = db_setup.prepare(pg_url)
    assert db_setup.probe(pg_url).state is DatabaseState.EMPTY_SCHEMA
    create_demo(db, passphrase="demo-passphrase", customers=1)
    db.dispose()
    probe = db_setup.probe(pg_url)
    assert probe.state is DatabaseState.INITIALIZED and probe.institution_name


# --- SQLite files ---------------------------------------------------------------------------


def test_probe_of_sqlite_files(tmp_path: Path) -> None:
    fresh = tmp_path / "new" / "kscms.db"
    assert db_setup.probe(server_settings.sqlite_url(fresh)).state is DatabaseState.NEW
    assert not fresh.exists()  # probing creates nothing

    text = tmp_path / "notes.db"
    text.write_text("메모", encoding="utf-8")
    with pytest.raises(ConnectionProblem) as refused:
        db_setup.probe(server_settings.sqlite_url(text))
    assert refused.value.kind is ProblemKind.NOT_KSCMS

    other = tmp_path / "other.db"
    conn = sqlite3.connect(str(other))
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(ConnectionProblem, match="다른 프로그램"):
        db_setup.probe(server_settings.sqlite_url(other))

    newer = tmp_path / "newer.db"
    db = db_setup.prepare(server_settings.sqlite_url(newer))
    with db.engine.begin() as c:
        c.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    db.dispose()
    with pytest.raises(ConnectionProblem) as too_new:
        db_setup.probe(server_settings.sqlite_url(newer))
    assert too_new.value.kind is ProblemKind.TOO_NEW


def test_a_folder_is_not_a_database_file(tmp_path: Path) -> None:
    with pytest.raises(ConnectionProblem, match="파일 이름"):
        db_setup.probe(server_settings.sqlite_url(tmp_path))


# --- the password and this PC's settings -----------------------------------------------------


def test_the_saved_url_has_no_password_and_the_keyring_supplies_it() -> None:
    server = ServerSettings("192.0.2.10", 5432, "kscms", "clerk")
    assert make_url(server.url()).password is None
    assert server_settings.save_password(server, "pw-in-keyring-1")
    assert keyring.get_password("KSCMS desk database", "clerk@192.0.2.10:5432/kscms") == "pw-in-keyring-1"

    server_settings.save_choice(server.url().replace("clerk@", "clerk:leaked-pw@"))
    raw = (config.data_dir() / config.SETTINGS_FILE).read_text(encoding="utf-8")
    assert "leaked-pw" not in raw and "pw-in-keyring-1" not in raw
    assert json.loads(raw)["database_url"] == server.url()
    assert server_settings.has_chosen()

    db = db_setup.make_database(server.url())
    assert "pw-in-keyring-1" not in repr(db.engine.url) and db.engine.url.password is None
    params: dict[str, object] = {}
    for listener in db.engine.dialect.dispatch.do_connect:
        listener(db.engine.dialect, None, [], params)
    assert params["password"] == "pw-in-keyring-1"  # handed to the driver at connect time only


def test_an_explicit_password_wins_and_sqlite_needs_none(tmp_path: Path) -> None:
    server = ServerSettings("192.0.2.10", 5432, "kscms", "clerk")
    server_settings.save_password(server, "from-keyring")
    db = db_setup.make_database(server.url(), password="typed-in-wizard")
    params: dict[str, object] = {}
    for listener in db.engine.dialect.dispatch.do_connect:
        listener(db.engine.dialect, None, [], params)
    assert params["password"] == "typed-in-wizard"
    assert not list(db_setup.make_database(server_settings.sqlite_url(tmp_path / "a.db")).engine.dialect.dispatch.do_connect)


def test_the_default_file_is_saved_as_no_url(tmp_path: Path) -> None:
    assert not server_settings.has_chosen()
    server_settings.save_choice(config.default_sqlite_url())
    settings = config.LocalSettings.load()
    assert settings.database_url is None and settings.extra[server_settings.CHOSEN_KEY] == "1"
    assert server_settings.has_chosen()


def test_no_keyring_means_no_saved_password(monkeypatch: pytest.MonkeyPatch) -> None:
    from keyring.backends import fail

    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
    assert not server_settings.keyring_usable()
    assert server_settings.save_password(ServerSettings("h"), "pw") is False
