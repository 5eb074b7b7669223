"""File names, cms-file-format.md §6.1.

The logical name ``EBxxMMDD`` is written in header and trailer; over the SFTP channel the remote
file carries the year as well, ``EBxxMMDD_YYYY`` ("연도 suffix 필수"). MMDD is the debit date for
EB21/EB22 and the application (send) date for EB13/EB14/EI13.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from .errors import CmsError

FILE_KINDS = frozenset({"EB11", "EB12", "EB13", "EB14", "EB21", "EB22", "EI13", "EC21", "EC22"})
"""Kinds that travel under these names (the codec itself reads and writes EB13/EB14/EB21/EB22)."""

_REMOTE = re.compile(r"(?P<kind>E[BIC]\d\d)(?P<mm>\d\d)(?P<dd>\d\d)_(?P<yyyy>\d{4})")


class RemoteName(NamedTuple):
    kind: str
    day: dt.date


def _check_kind(kind: str) -> None:
    if kind not in FILE_KINDS:
        raise CmsError(f"알 수 없는 파일 종류입니다: {kind!r}", f"unknown file kind {kind!r}")


def logical_name(kind: str, day: dt.date) -> str:
    """``logical_name('EB21', date(2026, 3, 15))`` → ``'EB210315'`` (header and trailer 파일이름)."""
    _check_kind(kind)
    return f"{kind}{day:%m%d}"


def remote_name(kind: str, day: dt.date) -> str:
    """``remote_name('EB21', date(2026, 3, 15))`` → ``'EB210315_2026'`` (the SFTP file name)."""
    return f"{logical_name(kind, day)}_{day:%Y}"


def parse_remote_name(name: str) -> RemoteName:
    """``'EB210315_2026'`` → ``RemoteName('EB21', date(2026, 3, 15))``; raises CmsError otherwise."""
    match = _REMOTE.fullmatch(name)
    if match is None or match["kind"] not in FILE_KINDS:
        raise CmsError(
            f"CMS 파일 이름이 아닙니다: {name!r} (형식: EB210315_2026)",
            f"not a CMS remote file name: {name!r}; expected like EB210315_2026",
        )
    try:
        day = dt.date(int(match["yyyy"]), int(match["mm"]), int(match["dd"]))
    except ValueError:
        raise CmsError(f"파일 이름의 날짜가 없는 날짜입니다: {name!r}", f"invalid date in file name {name!r}") from None
    return RemoteName(match["kind"], day)
