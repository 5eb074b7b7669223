"""A tiny in-memory relay for unit tests: uploads, results the test publishes, and failures on demand."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.services.exchange.relay.base import (
    RelayDuplicateError,
    RelayNotice,
    RelayRejectedError,
    RelayUnavailableError,
)


@dataclass
class FakeRelay:
    """Implements base.Transport. `down` makes the next N calls fail as unreachable; `reject` refuses uploads."""

    sent: dict[str, bytes] = field(default_factory=dict)
    results: dict[str, bytes] = field(default_factory=dict)
    done: dict[str, bytes] = field(default_factory=dict)
    uploads: list[str] = field(default_factory=list)  # every upload call that stored a file
    down: int = 0
    always_down: bool = False
    reject: str | None = None
    refused_later: dict[str, str] = field(default_factory=dict)  # result name -> reason (async refusal)

    def _check(self) -> None:
        if self.always_down:
            raise RelayUnavailableError("중계서버에 연결할 수 없습니다 (테스트)")
        if self.down > 0:
            self.down -= 1
            raise RelayUnavailableError("중계서버에 연결할 수 없습니다 (테스트)")

    def upload(self, remote_name: str, data: bytes) -> None:
        self._check()
        if remote_name in self.sent:
            raise RelayDuplicateError(f"'{remote_name}' 파일은 이미 받았습니다")
        if self.reject:
            raise RelayRejectedError(self.reject)
        self.sent[remote_name] = data
        self.uploads.append(remote_name)

    def is_uploaded(self, remote_name: str) -> bool:
        self._check()
        return remote_name in self.sent

    def list_results(self) -> list[str]:
        self._check()
        return sorted(self.results)

    def download(self, remote_name: str) -> bytes | None:
        self._check()
        if remote_name in self.refused_later:
            raise RelayRejectedError(self.refused_later[remote_name])
        return self.results.get(remote_name)

    def acknowledge(self, remote_name: str) -> None:
        self._check()
        if remote_name in self.results:
            self.done[remote_name] = self.results.pop(remote_name)

    def list_notices(self) -> list[RelayNotice]:
        return []

    def test_connection(self) -> str:
        return "테스트 중계서버"
