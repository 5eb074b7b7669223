"""Every failure of `python -m app` as one line on stderr: "오류: <Korean> (<English>)", exit 2.

The README promises a script (and a clerk reading a terminal) one line that says what went wrong,
never a traceback. `OneLineArgumentParser` does it for argument errors, `report_failure` for anything
a command raises. A failure nobody foresaw still gets one line; its traceback goes to the log file
only, with the exception messages left out, because a database driver's message can quote a row
(sqlite's "Could not decode to UTF-8 column 'name' with text '...'", PostgreSQL's "Key (x)=(...)").

Exit codes: 2 for every refusal or failure, 130 for Ctrl+C (128 + SIGINT, what a shell reports),
and 141 (128 + SIGPIPE) when whoever read our output went away (`decode FILE | head -1`): that
is not an error of ours, so nothing is printed, but a `set -o pipefail` script still sees it.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import re
import sqlite3
import sys
import traceback
from pathlib import Path
from typing import NoReturn

from app.services.common.errors import ServiceError

FAILED = 2
INTERRUPTED = 130
BROKEN_PIPE = 128 + 13

log = logging.getLogger("kscms.cli")

_HANGUL = re.compile(r"[\uac00-\ud7a3]")


class CliError(Exception):
    """A failure to report as one line: Korean first, English after."""

    def __init__(self, korean: str, english: str) -> None:
        super().__init__(f"{korean} ({english})")
        self.korean = korean
        self.english = english


def one_line(text: str) -> str:
    """`text` with every run of whitespace (newlines included) made one space."""
    return " ".join(str(text).split())


def bilingual(korean: str, english: str) -> str:
    """The message format every CLI failure uses; argparse type functions raise it too."""
    return f"{one_line(korean)} ({one_line(english)})"


def type_error(korean: str, english: str) -> argparse.ArgumentTypeError:
    """An ArgumentTypeError whose message the parser can split back into its Korean and English parts."""
    return argparse.ArgumentTypeError(bilingual(korean, english))


# --- argument errors -------------------------------------------------------------------------

_ARGPARSE_KOREAN: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"the following arguments are required: (?P<what>.+)"), "꼭 입력해야 할 인자가 빠졌습니다: {what}"),
    (re.compile(r"argument COMMAND: invalid choice: (?P<value>'[^']*')"), "알 수 없는 명령입니다: {value}"),
    (re.compile(r"argument (?P<arg>.+?): invalid choice: (?P<value>'[^']*')"), "{arg}에 쓸 수 없는 값입니다: {value}"),
    (re.compile(r"argument (?P<arg>.+?): invalid int value: (?P<value>.+)"), "{arg}에는 정수를 입력하세요: {value}"),
    (re.compile(r"argument (?P<arg>.+?): invalid float value: (?P<value>.+)"), "{arg}에는 숫자를 입력하세요: {value}"),
    (re.compile(r"argument (?P<arg>.+?): invalid \S+ value: (?P<value>.+)"), "{arg}의 값이 올바르지 않습니다: {value}"),
    (re.compile(r"argument (?P<arg>.+?): expected one argument"), "{arg} 다음에 값을 입력하세요"),
    (re.compile(r"argument (?P<arg>.+?): expected .+"), "{arg} 다음에 값을 입력하세요"),
    (re.compile(r"argument (?P<arg>.+?): not allowed with argument (?P<other>\S+)"), "{arg}와 {other}는 함께 쓸 수 없습니다"),
    (re.compile(r"argument (?P<arg>.+?): ignored explicit argument (?P<value>.+)"), "{arg}에는 값을 붙이지 않습니다: {value}"),
    (re.compile(r"unrecognized arguments: (?P<what>.+)"), "알 수 없는 인자입니다: {what}"),
    (re.compile(r"ambiguous option: (?P<what>\S+)"), "줄임말이 여러 옵션에 맞습니다: {what}"),
    (re.compile(r"one of the arguments (?P<what>.+) is required"), "다음 중 하나를 입력하세요: {what}"),
)


def argparse_line(prog: str, message: str) -> str:
    """One line for an argparse error: our own type errors keep their Korean, argparse's get one."""
    message = one_line(message)
    own = re.fullmatch(r"argument (?P<arg>.+?): (?P<korean>.*[\uac00-\ud7a3].*?) \((?P<english>[^()]*)\)", message)
    if own:
        return f"오류: {own['arg']}: {own['korean']} ({prog}: argument {own['arg']}: {own['english']})"
    for pattern, korean in _ARGPARSE_KOREAN:
        found = pattern.search(message)
        if found:
            return f"오류: {korean.format(**found.groupdict())} ({prog}: {message})"
    if _HANGUL.search(message):  # a Korean type error without an English part
        return f"오류: {message} ({prog}: invalid argument; see --help)"
    return f"오류: 명령줄 인자가 올바르지 않습니다. --help를 보세요 ({prog}: {message})"


class OneLineArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error is one Korean-and-English line and exit 2, without the usage block.

    `add_subparsers` hands this class to every sub-parser (argparse's `parser_class` default is the
    parent's class; it is also passed explicitly in app.cli.main.build_parser), so nested commands such
    as `transmissions save` answer the same way.
    """

    def error(self, message: str) -> NoReturn:
        self.exit(FAILED, argparse_line(self.prog, message) + "\n")


# --- failures of a command -------------------------------------------------------------------

_ERRNO_KOREAN = {
    errno.ENOENT: "파일이나 폴더가 없습니다",
    errno.EISDIR: "폴더입니다. 파일 이름까지 적어 주세요",
    errno.ENOTDIR: "경로 중간에 폴더가 아닌 것이 있습니다",
    errno.EACCES: "권한이 없어 쓰거나 읽을 수 없습니다",
    errno.EPERM: "권한이 없어 쓰거나 읽을 수 없습니다",
    errno.EROFS: "읽기 전용 위치여서 쓸 수 없습니다",
    errno.ENOSPC: "디스크 공간이 부족합니다",
    errno.EEXIST: "같은 이름의 파일이 이미 있습니다",
    errno.ENAMETOOLONG: "경로가 너무 깁니다",
    errno.EXDEV: "다른 디스크로는 옮길 수 없습니다. 같은 디스크의 폴더를 고르세요",
}


def _os_error_parts(error: OSError) -> tuple[str, str]:
    korean = _ERRNO_KOREAN.get(error.errno or 0, "파일을 읽거나 쓰지 못했습니다")
    paths = " -> ".join(str(p) for p in (error.filename, error.filename2) if p is not None)
    reason = error.strerror or type(error).__name__
    if paths:
        return f"{korean}: {paths}", f"{reason}: {paths}"
    return korean, reason


def _is_damaged_text(error: BaseException) -> bool:
    """A text column whose bytes are not UTF-8: sqlite3 says so in its message, psycopg raises UnicodeDecodeError."""
    for link in _chain(error):
        if isinstance(link, UnicodeDecodeError):
            return True
        if isinstance(link, sqlite3.Error) and "could not decode" in str(link).lower():
            return True
    return False


DAMAGED_TEXT = (
    "데이터베이스에 깨진 글자가 저장되어 있어 읽을 수 없습니다. 정상인 백업으로 복원하세요 (python -m app restore)",
    "the database holds text that is not valid UTF-8; restore a good backup",
)


BAD_URL = ("데이터베이스 주소(KSCMS_DATABASE_URL 또는 설정)를 알아볼 수 없거나 지원하지 않는 종류입니다. "
           "sqlite:///파일 또는 postgresql://사용자@서버/DB 형식인지 확인하세요")
"""The address is never repeated: it may hold a password."""


def _chain(error: BaseException) -> list[BaseException]:
    """The error and what caused it (SQLAlchemy keeps the driver's error in `.orig`), without loops."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not s for s in seen):
        seen.append(current)
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return seen


def _sqlite_detail(error: sqlite3.Error) -> str:
    """sqlite's own first line (no row values: the one message that quotes text is handled before)."""
    return one_line(str(error).splitlines()[0] if str(error) else type(error).__name__)


def _database_parts(error: BaseException) -> tuple[str, str]:
    """A database failure without the driver's message where it could quote a row or a password."""
    from sqlalchemy import exc as sa

    if _is_damaged_text(error):
        return DAMAGED_TEXT
    if isinstance(error, sa.ArgumentError):
        return BAD_URL, f"invalid database URL: {type(error).__name__}"
    original = getattr(error, "orig", None) or error
    if isinstance(original, sqlite3.Error):
        detail = _sqlite_detail(original)
        lowered = detail.lower()
        if "locked" in lowered or "busy" in lowered:
            korean = "다른 프로그램이 데이터베이스를 쓰는 중입니다. 잠시 뒤 다시 하세요"
        elif "malformed" in lowered or "not a database" in lowered:
            korean = "데이터베이스 파일이 손상되었습니다. 정상인 백업으로 복원하세요 (python -m app restore)"
        elif "readonly" in lowered or "unable to open" in lowered:
            korean = "데이터베이스 파일을 열거나 쓸 수 없습니다. 경로와 권한을 확인하세요"
        else:
            korean = "데이터베이스 작업이 실패했습니다"
        return korean, f"sqlite: {detail}"
    if isinstance(error, sa.OperationalError | sa.InterfaceError) or isinstance(original, ConnectionError):
        from app.database.problems import ProblemKind, describe_connection_error

        problem = describe_connection_error(error)
        korean = "데이터베이스에 연결하지 못했습니다. " + (
            "주소와 네트워크를 확인하세요" if problem.kind is ProblemKind.OTHER else problem.message)
        return korean, f"database unavailable: {problem.kind.value}, {type(original).__name__}"
    sqlstate = getattr(original, "sqlstate", None)
    code = f" SQLSTATE {sqlstate}" if sqlstate else ""
    return "데이터베이스가 작업을 거부했습니다", f"database error: {type(original).__name__}{code}"


def _is_database_error(error: BaseException) -> bool:
    from sqlalchemy import exc as sa

    return isinstance(error, sa.SQLAlchemyError | sqlite3.Error) or _is_damaged_text(error)


def _raised_reading_the_url(error: BaseException) -> bool:
    """A ValueError or ImportError raised while SQLAlchemy parsed the URL or loaded its driver
    ("postgresql://host:abc/db", "mysql://..."): the address is wrong, not the program."""
    if not isinstance(error, ValueError | ImportError):
        return False
    frames = traceback.extract_tb(error.__traceback__)
    return any(Path(f.filename).parts[-3:] in (("sqlalchemy", "engine", "url.py"), ("sqlalchemy", "engine", "create.py"))
               for f in frames)


def _stdout_reader_gone() -> bool:
    """True when stdout is a pipe whose reading end was closed (so the BrokenPipeError is ours to swallow).

    A socket's broken pipe (the relay hung up) is a real failure and must be reported; poll tells the
    two apart where it exists. Without poll (Windows), a broken pipe is taken to be stdout's.
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    poll = getattr(__import__("select"), "poll", None)
    if poll is None:
        return True
    poller = poll()
    poller.register(fd, 0x0004)  # POLLOUT; POLLERR is always reported
    return any(event & 0x0008 for _fd, event in poller.poll(0))  # POLLERR: no reader


def silence_stdout() -> None:
    """Point stdout at the null device, as the Python docs advise on SIGPIPE, so the final flush
    at interpreter exit cannot print "Exception ignored ... BrokenPipeError"."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def log_file() -> Path | None:
    """The rotating log file this process writes to (app.logging_setup), if logging was set up."""
    import logging.handlers

    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            return Path(handler.baseFilename)
    return None


def log_without_values(error: BaseException, what: str) -> None:
    """The traceback of `error` (and its causes) in the log: types and frames, no messages."""
    from app.logging_setup import safe_traceback

    log.error("%s: %s\n%s", what, type(error).__name__, safe_traceback(error))


def failure_parts(error: BaseException) -> tuple[str, str]:
    """(Korean, English) for a failure of a command; unforeseen ones are logged (without messages)."""
    from app.services.common.validation import ValidationError

    if isinstance(error, ValidationError):
        return f"{error.field}: {error.message}", f"invalid input: {error.field}"
    if isinstance(error, CliError):
        return error.korean, error.english
    if isinstance(error, ServiceError):  # some carry their own English (`english`), the rest are named
        english = getattr(error, "english", None)
        return error.message, english if isinstance(english, str) and english else f"refused: {type(error).__name__}"
    if _raised_reading_the_url(error):
        return BAD_URL, f"invalid database URL: {type(error).__name__}"
    if _is_database_error(error):
        if not _is_damaged_text(error):
            log_without_values(error, "database failure")
        return _database_parts(error)
    if isinstance(error, OSError):
        return _os_error_parts(error)
    if isinstance(error, EOFError):  # a prompt met the end of stdin (a pipe, or Ctrl+D)
        return "입력이 끝나 더 물을 수 없습니다. 환경 변수로 값을 주세요", "no input: end of stdin"
    if isinstance(error, OverflowError):
        return ("입력한 값이 너무 크거나 날짜가 범위를 벗어났습니다. 값을 확인하세요",
                f"value out of range: {one_line(str(error))}")
    log_without_values(error, "unexpected error")
    where = log_file()
    return (f"예기치 못한 오류: {type(error).__name__}",
            f"unexpected error; details in {where}" if where else "unexpected error; no log file")


def failure_line(error: BaseException) -> str:
    """The one line (without "오류: ") for a failure of a command."""
    return bilingual(*failure_parts(error))


def report_failure(error: BaseException) -> int:
    """Print the one line for `error` on stderr and return the exit code (quiet for a closed stdout)."""
    if isinstance(error, BrokenPipeError) and _stdout_reader_gone():
        silence_stdout()
        return BROKEN_PIPE
    if isinstance(error, KeyboardInterrupt):
        line, code = bilingual("사용자가 중단했습니다", "interrupted"), INTERRUPTED
    else:
        try:
            line = failure_line(error)
        except Exception as failed:  # noqa: BLE001 - describing the failure failed: still one line
            line = bilingual(f"예기치 못한 오류: {type(error).__name__}", f"unexpected error ({type(failed).__name__})")
        code = FAILED
    with contextlib.suppress(OSError, ValueError):
        print(f"오류: {line}", file=sys.stderr, flush=True)
    return code


def exit_code(done: SystemExit) -> int:
    """The status a SystemExit carries (argparse: 0 after --help, 2 after a usage error)."""
    if done.code is None:
        return 0
    return done.code if isinstance(done.code, int) else FAILED
