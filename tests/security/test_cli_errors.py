"""Issue 13, item 7: every command that fails says so in one line, "오류: <Korean> (<English>)", exit 2.

Each row of CASES is a command an administrator or a script really ran and got a traceback from
(or an English-only argparse error): an output path that is a folder, missing or unwritable, an ID
or date or interval no database or calendar can hold, a garbage database URL, a reader that closed
the pipe, a restored database with damaged text. The test runs it against the test office and
checks what the person at the terminal sees — one non-empty stderr line with Hangul and an English
part in parentheses, no traceback, exit 2 — and that the database is exactly as it was.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect

from app.cli import main as cli
from app.cli import relay as cli_relay
from app.database.engine import Database
from app.models import DataKeyRecord
from app.services.common.calendar import SEOUL, ManualClock
from app.services.common.crypto import DataKey, KdfParams, wrap_data_key
from tests.factories import Office, make_office
from tests.security.cli import ROOT, login_env, run_cli
from tests.transmissions.helpers import add_payers, queue_registrations

PASSPHRASE = "test-passphrase"
ONE_LINE = re.compile(r"오류: (?P<korean>.*[\uac00-\ud7a3].*) \((?P<english>.*[A-Za-z].*)\)")
LOGIN_BOOKKEEPING = {"login", "cli_command"}
"""Audit rows a command adds by logging in; a failed command may leave those and nothing else."""
IGNORED_COLUMNS = {("app_user", "last_login_at"), ("app_user", "failed_attempts"), ("app_user", "version_id"),
                   ("app_user", "updated_at")}


@dataclass(frozen=True)
class Case:
    """One failing command: its arguments ({tmp}, {code}, {tid} filled in) and what its line must say."""

    id: str
    argv: tuple[str, ...]
    says: tuple[str, ...]  # the line contains at least one of these (Korean: what went wrong)
    pg: bool = False  # also run on PostgreSQL
    sqlite_only: bool = False
    needs: frozenset[str] = field(default_factory=frozenset)  # "transmission", "damaged"


FOLDER = ("폴더입니다",)
NO_FOLDER = ("폴더가 없습니다", "파일이나 폴더가 없습니다")
CANNOT_WRITE = ("쓸 수 없", "폴더가 없습니다", "파일이나 폴더가 없습니다", "권한이 없")

CASES = [
    Case("backup-out-folder", ("backup", "--out", "{tmp}"), FOLDER, sqlite_only=True),
    Case("backup-out-unwritable", ("backup", "--out", "/proc/kscms-backup.db"), CANNOT_WRITE, sqlite_only=True),
    Case("export-customers-to-folder", ("export-customers", "{tmp}", "--contract", "{code}"), FOLDER, pg=True),
    Case("export-customers-missing-folder", ("export-customers", "{tmp}/no/such/out.xlsx", "--contract", "{code}"),
         NO_FOLDER),
    Case("export-customers-to-proc", ("export-customers", "/proc/out.xlsx", "--contract", "{code}"), CANNOT_WRITE),
    Case("results-xlsx-to-folder", ("results", "--contract", "{code}", "--xlsx", "{tmp}"), FOLDER),
    Case("results-xlsx-missing-folder", ("results", "--contract", "{code}", "--xlsx", "{tmp}/no/such/r.xlsx"),
         NO_FOLDER, pg=True),
    Case("results-xlsx-to-proc", ("results", "--contract", "{code}", "--xlsx", "/proc/r.xlsx"), CANNOT_WRITE),
    Case("transmissions-save-id-2**70", ("transmissions", "save", str(2**70), "{tmp}/x.bin"), ("번호는 1부터",),
         pg=True),
    Case("transmissions-save-missing-folder", ("transmissions", "save", "{tid}", "{tmp}/no/such/x.bin"), NO_FOLDER,
         pg=True, needs=frozenset({"transmission"})),
    Case("request-date-year-1", ("request", "--contract", "{code}", "--date", "0001-01-01"), ("날짜는",), pg=True),
    Case("scheduler-interval-1e308", ("scheduler", "--interval", "1e308"), ("간격은",)),
    Case("export-customers-damaged-text", ("export-customers", "{tmp}/out.xlsx", "--contract", "{code}"),
         ("깨진 글자",), sqlite_only=True, needs=frozenset({"damaged"})),
    # argparse errors: English only before
    Case("unknown-command", ("bogus",), ("알 수 없는 명령",)),
    Case("missing-contract", ("request", "--date", "2026-03-16"), ("빠졌습니다",)),
    Case("bad-date-syntax", ("request", "--contract", "{code}", "--date", "2026-13-01"), ("YYYY-MM-DD",)),
    Case("non-integer-amount", ("cash", "--contract", "{code}", "--customer", "1", "--amount", "만원"), ("정수",)),
    Case("bad-choice", ("users", "bogus", "--contract", "{code}"), ("쓸 수 없는 값",)),
    Case("option-without-value", ("request", "--contract", "{code}", "--date"), ("다음에 값을",)),
    Case("transmission-id-not-a-number", ("transmissions", "save", "abc", "{tmp}/x.bin"), ("정수",)),
]


def _params() -> list[object]:
    params: list[object] = []
    for case in CASES:
        params.append(pytest.param(case, "sqlite", id=f"{case.id}-sqlite"))
        if case.pg and not case.sqlite_only:
            params.append(pytest.param(case, "pg", id=f"{case.id}-pg", marks=pytest.mark.pg))
    return params


# --- the database before and after ---------------------------------------------------------


def fingerprint(db: Database) -> dict[str, str]:
    """Row count and a checksum of every table, read without decoding text (a damaged name must not
    stop the comparison); the login's own bookkeeping is left out."""
    tables = {name: [c["name"] for c in inspect(db.engine).get_columns(name)]
              for name in inspect(db.engine).get_table_names()}
    if db.is_sqlite:
        conn = sqlite3.connect(db.engine.url.database or "")
        conn.text_factory = bytes
        try:
            return {name: _digest(name, cols, conn.execute(_select(name, cols)).fetchall())
                    for name, cols in tables.items()}
        finally:
            conn.close()
    with db.engine.connect() as connection:
        return {name: _digest(name, cols, connection.exec_driver_sql(_select(name, cols)).all())
                for name, cols in tables.items()}


def _select(table: str, columns: list[str]) -> str:
    kept = [c for c in columns if (table, c) not in IGNORED_COLUMNS]
    return f"SELECT {', '.join(kept)} FROM {table}"


def _digest(table: str, columns: list[str], rows: list) -> str:
    kept = [c for c in columns if (table, c) not in IGNORED_COLUMNS]
    if table == "audit_log":
        at = kept.index("action")
        rows = [r for r in rows if (r[at].decode() if isinstance(r[at], bytes) else r[at]) not in LOGIN_BOOKKEEPING]
    text = "\n".join(sorted(repr(tuple(r)) for r in rows))
    return f"{len(rows)} rows {hashlib.sha256(text.encode()).hexdigest()[:16]}"


# --- the office the commands run against ---------------------------------------------------


@pytest.fixture
def cli_office(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Office:
    """The test office with a data key and two payers, and this process logged in as its administrator."""
    backend = request.param if hasattr(request, "param") else "sqlite"
    db: Database = request.getfixturevalue("sqlite_db" if backend == "sqlite" else "pg_db")
    office = make_office(db)
    key = DataKey.generate()
    wrapped = wrap_data_key(key, PASSPHRASE, params=KdfParams(time_cost=1, memory_cost=1024, parallelism=1))
    with db.session() as s:
        s.add(DataKeyRecord(key_id=key.key_id, wrapped=wrapped.to_json()))
    payers = add_payers(db, office.contract_id, key, ["123456781111", "123456782222"])
    queue_registrations(db, office.contract_id, key, payers, requested_on=date(2026, 3, 10),
                        created_at=datetime(2026, 3, 10, 9, tzinfo=SEOUL))
    for name, value in login_env(db, tmp_path / "data").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("KSCMS_PASSPHRASE", PASSPHRASE)
    clock = ManualClock.at(2026, 3, 10, 10, 0)
    monkeypatch.setattr(cli_relay, "SystemClock", lambda: clock)
    return office


def _sent_transmission(office: Office, capsys: pytest.CaptureFixture[str]) -> int:
    """The id of an EB13 the office sent (a real row to save)."""
    from sqlalchemy import func, select

    from app.models import Transmission

    assert cli.main(["send", "--contract", office.institution_code, "--now"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    with office.db.session() as s:
        return int(s.scalar(select(func.max(Transmission.id))))


def _damage_a_name(db: Database) -> None:
    """What a restored, damaged database holds: bytes that are not UTF-8 in a customer's name,
    written with sqlite3 past the ORM, as a broken disk or a foreign tool would leave them."""
    conn = sqlite3.connect(db.engine.url.database or "")
    with conn:
        conn.execute("UPDATE customer SET name = CAST(X'FFFE41' AS TEXT) WHERE id = (SELECT MIN(id) FROM customer)")
    conn.close()


def assert_one_line(stderr: str) -> re.Match[str]:
    """Exactly one non-empty line: Korean first, English in parentheses, no traceback."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1, stderr
    found = ONE_LINE.fullmatch(lines[0].strip())
    assert found, lines[0]
    return found


# --- the table -----------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "cli_office"), _params(), indirect=["cli_office"])
def test_a_failing_command_says_one_line_and_changes_nothing(
    case: Case, cli_office: Office, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    office = cli_office
    tid = _sent_transmission(office, capsys) if "transmission" in case.needs else 0
    if "damaged" in case.needs:
        _damage_a_name(office.db)
    out = tmp_path / "out"
    out.mkdir()
    before = fingerprint(office.db)
    argv = [a.format(tmp=out, code=office.institution_code, tid=tid) for a in case.argv]

    code = cli.main(argv)

    err = capsys.readouterr().err
    assert code == 2, err
    line = assert_one_line(err)
    assert any(word in line["korean"] for word in case.says), line[0]
    assert list(out.iterdir()) == []  # no file, no half file, no temporary left behind
    assert fingerprint(office.db) == before


# --- rows that need a real process -----------------------------------------------------------


@pytest.mark.parametrize("url", ["garbage://", "garbage://user:secret@host/db", "postgresql://user:secret@host:abc/db",
                                 "mysql://user:secret@host/db", "sqlite:////no/such/folder/x.db"])
def test_an_unusable_database_url_is_one_line_without_the_password(url: str, tmp_path: Path, sqlite_db: Database) -> None:
    office = make_office(sqlite_db)
    env = {**login_env(office.db, tmp_path / "data"), "KSCMS_DATABASE_URL": url}

    result = run_cli("results", "--contract", office.institution_code, env=env)

    assert result.returncode == 2, result.stderr
    found = assert_one_line(result.stderr)
    assert "데이터베이스" in found["korean"]
    assert "secret" not in result.stderr


def _big_bank_file(path: Path) -> Path:
    """An EB13 of 3,000 registrations: its decoded listing (~300 KB) outgrows any pipe buffer."""
    from app.services.exchange.cms import (
        RegistrationHeader,
        RegistrationRecord,
        encode_eb13,
    )

    records = [RegistrationRecord(i, date(2026, 3, 14), "1", f"C{i:04d}", "0040000", "12345678901234", "900101")
               for i in range(1, 3001)]
    path.write_bytes(encode_eb13(RegistrationHeader("9912345678", date(2026, 3, 15)), records))
    return path


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell pipe")
def test_decode_into_head_stops_quietly(tmp_path: Path) -> None:
    """`decode FILE | head -1`: head leaves after one line; the program stops without a word on
    stderr and exits 141 (128 + SIGPIPE, what a shell reports for `yes | head`), documented in
    app/cli/errors.py, so `set -o pipefail` scripts still notice."""
    bank_file = _big_bank_file(tmp_path / "EB130315")
    script = (f'"{sys.executable}" -m app decode "{bank_file}" | head -1; '
              'echo "exit=${PIPESTATUS[0]}" >&2')
    env = {"PYTHONPATH": str(ROOT), "KSCMS_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)

    assert result.stdout.startswith("EB130315: EB13 EB130315, 데이터 3,000건")
    assert result.stdout.count("\n") == 1
    assert result.stderr.strip() == "exit=141", result.stderr


# --- what nobody foresaw -----------------------------------------------------------------------


def test_an_unforeseen_error_is_one_line_and_the_log_has_no_personal_data(
    cli_office: Office, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug's traceback goes to the log file the line names, with the frames but not the message,
    which here quotes a resident number the way a driver error can quote a row."""
    resident, account = "-".join(["900101", "1234567"]), "".join(["110", "123456789"])

    def broken(_args: object) -> int:  # its source line holds no number: code is logged, data is not
        raise RuntimeError(f"customer {resident} account {account}")

    monkeypatch.setattr(cli_relay, "cmd_transmissions", broken)
    before = fingerprint(cli_office.db)

    assert cli.main(["transmissions"]) == 2

    err = capsys.readouterr().err
    found = assert_one_line(err)
    assert "예기치 못한 오류: RuntimeError" in found["korean"]
    log_file = Path(found["english"].split("details in ", 1)[1])
    logged = log_file.read_text(encoding="utf-8")
    assert "RuntimeError" in logged and "in broken" in logged  # the frame that failed
    assert "900101" not in logged and "110123456789" not in logged and "900101" not in err
    assert fingerprint(cli_office.db) == before


def test_ctrl_c_is_one_line_and_exit_130(cli_office: Office, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(_args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_relay, "cmd_transmissions", interrupted)
    assert cli.main(["transmissions"]) == 130
    assert "중단" in assert_one_line(capsys.readouterr().err)["korean"]


def test_a_damaged_name_never_reaches_the_screen_or_the_log(
    cli_office: Office, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """sqlite's own message quotes the undecodable text; neither the line nor the log may repeat it."""
    conn = sqlite3.connect(cli_office.db.engine.url.database or "")
    with conn:
        conn.execute("UPDATE customer SET name = CAST(X'EAB980FFEB8C80ED959C' AS TEXT)")  # 김?대한: a name, broken
    conn.close()

    assert cli.main(["export-customers", str(tmp_path / "c.xlsx"), "--contract", cli_office.institution_code]) == 2

    err = capsys.readouterr().err
    assert "깨진 글자" in assert_one_line(err)["korean"] and "김" not in err and "대한" not in err
    from app.cli.errors import log_file

    logged = log_file().read_text(encoding="utf-8") if log_file() else ""
    assert "대한" not in logged


def test_a_database_error_carries_no_row_values(office: Office) -> None:
    """The engine hides bound parameters (app/database/engine.py): a refused INSERT's message, which the log and
    the one-line error are built from, names the statement but not the name that was being saved."""
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from app.models import Customer

    row = {"contract_id": office.contract_id, "customer_no": "C0000001", "name": "비밀이름", "customer_type": "PERSON",
           "active": True, "version_id": 1}
    with office.db.session() as s:
        s.execute(insert(Customer), [row])
    with pytest.raises(IntegrityError) as refused, office.db.session() as s:
        s.execute(insert(Customer), [{**row, "name": "두번째이름"}])

    assert "두번째이름" not in str(refused.value) and "parameters hidden" in str(refused.value)
    from app.cli.errors import failure_line

    assert "두번째이름" not in failure_line(refused.value)
