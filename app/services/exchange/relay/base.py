"""The transport interface every relay implements, and the errors it raises.

Layout on the relay, per institution code (the same on the SFTP server and in the simulator):

    <code>/send/            request files the institution uploads (EB13MMDD_YYYY, EB21MMDD_YYYY)
    <code>/recv/            result files the relay publishes (EB14MMDD_YYYY, EB22MMDD_YYYY)
    <code>/recv/done/       result files the institution has acknowledged (moved there after applying)
    <code>/notice/          notices from the agency (one UTF-8 JSON file each)

Uploads go to a temporary name and are renamed when complete, so the relay never takes a half file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable


class RelayError(Exception):
    """Base of relay failures; `message` is Korean for the clerk."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RelayUnavailableError(RelayError):
    """Network down, server not answering, authentication refused: retry later."""


class RelayDuplicateError(RelayError):
    """A file of that name was already taken by the relay: never upload it twice."""


class RelayRejectedError(RelayError):
    """The relay refused the file's content (bad totals, unknown codes, wrong institution).

    ``record_codes``: the 불능코드 of each record the relay named as the cause, by 일련번호 — an EI13
    refused for its evidence lists each refused record (0101/0102/0103/0105); empty otherwise.
    """

    def __init__(self, message: str, record_codes: Mapping[int, str] | None = None) -> None:
        super().__init__(message)
        self.record_codes: dict[int, str] = dict(record_codes or {})


class HostKeyError(RelayError):
    """The SFTP server's host key differs from the pinned one (or none is pinned yet)."""


@dataclass(frozen=True)
class RelayNotice:
    notice_id: str
    title: str
    body: str
    posted_at: datetime


@runtime_checkable
class Transport(Protocol):
    """What the sender and the fetcher need from a relay; nothing more."""

    def upload(self, remote_name: str, data: bytes) -> None:
        """Put a request file under send/; RelayDuplicateError if that name was already taken."""

    def is_uploaded(self, remote_name: str) -> bool:
        """Whether send/ (or the relay's processed area) holds that request file: crash recovery asks this."""

    def list_results(self) -> list[str]:
        """Names of result files waiting in recv/ (not yet acknowledged)."""

    def download(self, remote_name: str) -> bytes | None:
        """A result file's bytes, or None when it is not (yet) there."""

    def acknowledge(self, remote_name: str) -> None:
        """Move an applied result file to recv/done/ so it is not fetched again."""

    def list_notices(self) -> list[RelayNotice]:
        """The agency's notices currently published."""

    def test_connection(self) -> str:
        """A short Korean description of what answered (for the settings screen)."""
