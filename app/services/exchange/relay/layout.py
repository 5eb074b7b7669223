"""Names and folders on the relay, shared by the simulator and both transports.

One place decides what a request, a result, an error report and a notice are called, so the
folder transport, the SFTP transport and the simulator cannot drift apart:

    <code>/send/<name>            request accepted (or waiting to be taken); stays there, so the name
                                  stays taken and a second upload of it is refused
    <code>/send/.<name>.part      upload in progress; ignored by the relay, replaced by a retry
    <code>/send/rejected/<name>   request the relay refused (its name is free again for a fixed file)
    <code>/recv/<result>          result file (EB14MMDD_YYYY, EB22MMDD_YYYY)
    <code>/recv/<name>.err        why the request <name> was refused (UTF-8 Korean text)
    <code>/recv/done/             acknowledged results and error reports
    <code>/notice/<id>.json       agency notice {id, title, body, posted_at}

An EI13 (consent evidence) gets no result file: taken means accepted, every evidence in it. One
refused for its evidence has, after the first line, one line per refused record
(``일련번호 0000002 불능코드 0102 …``), which ``parse_error_report`` reads back into ``records`` and
RelayRejectedError carries as ``record_codes``.

How a refusal reaches the clerk: the relay writes ``recv/<request>.err`` instead of a result. The
transport's ``upload`` reports it at once as RelayRejectedError when the relay validates while it
takes the file (the simulator and ``app.relay_sim`` do); otherwise the fetcher's later
``download(<expected result name>)`` raises it, because the result of a refused request never comes.
The first line of an error report is ``[tag] reason``; the tag ``[중복 파일]`` means the name had
already been taken, which transports surface as RelayDuplicateError instead.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.services.common.calendar import SEOUL
from app.services.exchange.cms import CmsError, parse_remote_name

from .base import RelayDuplicateError, RelayNotice, RelayRejectedError

SEND = "send"
RECV = "recv"
DONE = "done"
REJECTED = "rejected"
NOTICE = "notice"
PART_SUFFIX = ".part"
ERROR_SUFFIX = ".err"
NOTICE_SUFFIX = ".json"

REQUEST_KINDS = frozenset({"EB13", "EB21", "EI13"})
"""Kinds an institution uploads (EI13 consent evidence is taken without a result)."""

RESULT_OF = {"EB13": "EB14", "EB21": "EB22"}
"""Result kind answering each request kind; the result keeps the request's MMDD_YYYY."""

REQUEST_OF = {result: request for request, result in RESULT_OF.items()}

TAG_DUPLICATE = "중복 파일"
TAG_FORMAT = "형식 오류"
TAG_NAME = "파일 이름 오류"
TAG_BANK = "은행코드 오류"
TAG_INSTITUTION = "기관코드 불일치"
TAG_DEADLINE = "접수 마감"
TAG_DATE = "출금일 오류"
TAG_EVIDENCE = "동의자료 오류"

_INSTITUTION_CODE = re.compile(r"[0-9A-Za-z]{10}")
_ERROR_LINE = re.compile(r"^\[(?P<tag>[^\]]+)\]\s*(?P<reason>.*)$")
_RECORD_LINE = re.compile(r"^일련번호 (?P<sequence>\d{1,9}) 불능코드 (?P<code>[0-9A-Z]{4})(?: (?P<detail>.*))?$")


def check_institution_code(code: str) -> str:
    """The folder name of an institution: its 10-character 이용기관식별코드 (letters and digits)."""
    if not isinstance(code, str) or not _INSTITUTION_CODE.fullmatch(code):
        raise ValueError(f"기관코드는 영문·숫자 10자리여야 합니다: {code!r} (institution code must be 10 alphanumerics)")
    return code


def check_file_name(name: str) -> str:
    """Refuse anything that is not a plain file name, so no path can escape the relay folders."""
    if (
        not isinstance(name, str)
        or not name
        or name.startswith(".")
        or "/" in name
        or "\\" in name
        or "\x00" in name
        or len(name) > 100
    ):
        raise ValueError(f"중계 파일 이름으로 쓸 수 없습니다: {name!r} (not a plain relay file name)")
    return name


def part_name(name: str) -> str:
    """The temporary name an upload is written under before it is renamed into place."""
    return f".{check_file_name(name)}{PART_SUFFIX}"


def error_name(request_name: str) -> str:
    return f"{check_file_name(request_name)}{ERROR_SUFFIX}"


def result_name_for(request_name: str) -> str | None:
    """``EB210315_2026`` → ``EB220315_2026``; None for a request that gets no result (EI13)."""
    kind = request_name[:4]
    result = RESULT_OF.get(kind)
    return None if result is None else result + request_name[4:]


def request_name_for(result_name: str) -> str | None:
    """``EB220315_2026`` → ``EB210315_2026``; None when the name is no result file."""
    kind = result_name[:4]
    request = REQUEST_OF.get(kind)
    return None if request is None else request + result_name[4:]


def is_result_name(name: str) -> bool:
    """Whether a name in recv/ is a result file (not an error report, a temporary file or a folder)."""
    if name.startswith(".") or name.endswith(ERROR_SUFFIX):
        return False
    try:
        return parse_remote_name(name).kind in REQUEST_OF
    except CmsError:
        return False


def is_request_name(name: str) -> bool:
    if name.startswith("."):
        return False
    try:
        return parse_remote_name(name).kind in REQUEST_KINDS
    except CmsError:
        return False


# ----------------------------------------------------------------------------- error reports


@dataclass(frozen=True)
class RecordRefusal:
    """One record named in an error report: its 일련번호, 불능코드 and why (Korean, no personal number)."""

    sequence: int
    code: str
    detail: str = ""

    def render(self) -> str:
        return f"일련번호 {self.sequence:07d} 불능코드 {self.code} {self.detail}".rstrip()


@dataclass(frozen=True)
class ErrorReport:
    """A parsed ``<request>.err``: the tag says what kind of refusal, the reason says why, in Korean;
    ``records`` names the refused records when the relay judged them one by one (EI13)."""

    request_name: str
    tag: str
    reason: str
    records: tuple[RecordRefusal, ...] = ()

    @property
    def duplicate(self) -> bool:
        return self.tag == TAG_DUPLICATE

    def render(self, received_at: datetime) -> str:
        """The file's text: first line machine-readable, the rest for a person reading the folder."""
        return (
            f"[{self.tag}] {self.reason}\n"
            + "".join(f"{record.render()}\n" for record in self.records)
            + f"파일: {self.request_name}\n"
            f"접수 시각: {received_at.astimezone(SEOUL):%Y-%m-%d %H:%M:%S}\n"
            "결과 파일은 만들어지지 않습니다. 내용을 고쳐 같은 이름으로 다시 보내거나 고객센터에 문의하세요.\n"
        )

    def to_error(self) -> RelayRejectedError | RelayDuplicateError:
        """The exception a transport raises for this report (clerk-facing Korean message)."""
        if self.duplicate:
            return RelayDuplicateError(
                f"'{self.request_name}' 파일은 이미 접수되었습니다. 같은 파일을 두 번 보낼 수 없습니다. ({self.reason})"
            )
        return RelayRejectedError(
            f"중계기관이 '{self.request_name}' 파일을 받지 않았습니다 [{self.tag}]: {self.reason}",
            {record.sequence: record.code for record in self.records},
        )


def parse_error_report(request_name: str, text: str) -> ErrorReport:
    lines = text.strip().splitlines()
    first = lines[0] if lines else ""
    records = tuple(
        RecordRefusal(int(found["sequence"]), found["code"], found["detail"] or "")
        for line in lines[1:]
        if (found := _RECORD_LINE.match(line.strip())) is not None
    )
    match = _ERROR_LINE.match(first)
    if match is None:
        return ErrorReport(request_name, "거절", first or "사유가 적혀 있지 않습니다", records)
    return ErrorReport(request_name, match["tag"], match["reason"], records)


# ----------------------------------------------------------------------------- notices


def notice_to_json(notice: RelayNotice) -> str:
    return json.dumps(
        {
            "id": notice.notice_id,
            "title": notice.title,
            "body": notice.body,
            "posted_at": notice.posted_at.astimezone(SEOUL).isoformat(),
        },
        ensure_ascii=False,
        indent=2,
    )


def notice_from_json(text: str) -> RelayNotice:
    """Read a notice file; raises ValueError (with the reason) when it is not one."""
    raw = json.loads(text)
    if not isinstance(raw, dict):
        raise ValueError("notice is not a JSON object")
    try:
        posted_at = datetime.fromisoformat(str(raw["posted_at"]))
        notice = RelayNotice(str(raw["id"]), str(raw["title"]), str(raw["body"]), posted_at)
    except KeyError as missing:
        raise ValueError(f"notice lacks {missing}") from None
    if posted_at.tzinfo is None:
        notice = RelayNotice(notice.notice_id, notice.title, notice.body, posted_at.replace(tzinfo=SEOUL))
    return notice


def sort_notices(notices: list[RelayNotice]) -> list[RelayNotice]:
    """Newest first, as a notice board shows them."""
    return sorted(notices, key=lambda n: (n.posted_at, n.notice_id), reverse=True)


# ----------------------------------------------------------------------------- local files


PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
"""Modes of everything the relay folders hold on this PC: bank files carry full account numbers, so
another account on a shared PC must not read them (the umask is not trusted to say so)."""


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) and make it 0700, also when it already existed."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    if os.name != "nt":
        os.chmod(path, PRIVATE_DIR)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Create or truncate ``path`` as 0600 from its first byte (never readable by others, not even
    for a moment), write and flush it to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), PRIVATE_FILE)
    with os.fdopen(fd, "wb") as fh:
        if os.name != "nt":
            os.fchmod(fh.fileno(), PRIVATE_FILE)  # an existing file keeps its mode through O_CREAT
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``path`` (0600) through a hidden temporary file and a rename, so readers never see half a file."""
    tmp = path.with_name(f".{path.name}{PART_SUFFIX}")
    try:
        write_private(tmp, data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # no stray copy of a bank file
        raise


def rename_no_replace(src: Path, dst: Path) -> None:
    """Move ``src`` to ``dst`` atomically, failing with FileExistsError when ``dst`` exists.

    ``os.rename`` overwrites on POSIX, which would let a second upload replace an accepted request;
    a hard link cannot overwrite, and on Windows ``os.rename`` already refuses.
    """
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        os.rename(src, dst)
        return
    try:
        os.link(src, dst)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links (some network shares): check, then rename
        if dst.exists():
            raise FileExistsError(dst) from None
        os.rename(src, dst)
        return
    os.unlink(src)
