"""``SimulatorTransport``: the Transport over the built-in simulator's folder (the embedded default).

Every operation first lets the simulator catch up (``process()``), so results and notices appear
as soon as the clock says they are due, without a background thread. Uploads follow the same
protocol as over SFTP — hidden ``.<name>.part``, then a rename that never overwrites — and the
simulator validates the file while the upload call is still running, so a refused file raises
RelayRejectedError from ``upload`` itself. The arrival is noted before the rename, so a process
killed between the rename and the simulator's pass still has its file taken at the upload's time,
not at the next pass (which may be after the cut-off).

The folder lives in the user's data folder on this PC: files are 0600 and folders 0700, and a
result the application has acknowledged (applied and stored sealed in its database) is deleted,
not filed away, when the simulator purges finished files (the built-in default).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from . import layout
from .base import RelayDuplicateError, RelayNotice, RelayUnavailableError
from .simulator import BankSimulator

log = logging.getLogger(__name__)


class SimulatorTransport:
    """Transport to one institution's folder of a ``BankSimulator``."""

    def __init__(self, simulator: BankSimulator, institution_code: str) -> None:
        self.simulator = simulator
        self.institution_code = layout.check_institution_code(institution_code)
        self.base = simulator.ensure_institution(institution_code)

    def __repr__(self) -> str:
        return f"SimulatorTransport({self.base})"

    @property
    def _send(self) -> Path:
        return self.base / layout.SEND

    @property
    def _recv(self) -> Path:
        return self.base / layout.RECV

    def _process(self) -> None:
        try:
            self.simulator.process()
        except OSError as exc:
            log.exception("relay simulator: processing failed")
            raise RelayUnavailableError(
                f"내장 은행 시뮬레이터 폴더를 쓸 수 없습니다 ({self.base}): {exc.strerror or exc}. "
                "디스크 공간과 폴더 권한을 확인하세요."
            ) from exc

    # --- Transport --------------------------------------------------------------------------

    def upload(self, remote_name: str, data: bytes) -> None:
        """Put a request into send/; duplicate → RelayDuplicateError, refused → RelayRejectedError."""
        name = layout.check_file_name(remote_name)
        self._process()
        if self.is_uploaded(name):
            raise RelayDuplicateError(f"'{name}' 파일은 이미 중계기관에 보냈습니다. 같은 파일을 두 번 보낼 수 없습니다.")
        self._retire_error_report(name)
        part = self._send / layout.part_name(name)
        try:
            _write_file(part, data)
            self.simulator.note_arrival(self.institution_code, name, data)
            try:
                layout.rename_no_replace(part, self._send / name)
            except FileExistsError:
                part.unlink(missing_ok=True)
                raise RelayDuplicateError(
                    f"'{name}' 파일은 이미 중계기관에 보냈습니다. 같은 파일을 두 번 보낼 수 없습니다."
                ) from None
        except OSError as exc:
            raise RelayUnavailableError(
                f"'{name}' 파일을 시뮬레이터 폴더에 쓰지 못했습니다: {exc.strerror or exc}. 다시 시도하세요."
            ) from exc
        self._process()
        report = self._error_report(name)
        if report is not None:
            raise report.to_error()

    def is_uploaded(self, remote_name: str) -> bool:
        name = layout.check_file_name(remote_name)
        return (self._send / name).exists() or self.simulator.is_taken(self.institution_code, name)

    def list_results(self) -> list[str]:
        self._process()
        return sorted(
            entry.name for entry in self._recv.iterdir() if entry.is_file() and layout.is_result_name(entry.name)
        )

    def download(self, remote_name: str) -> bytes | None:
        """The result's bytes; None while it is not out; RelayRejectedError if its request was refused."""
        name = layout.check_file_name(remote_name)
        self._process()
        try:
            return (self._recv / name).read_bytes()
        except FileNotFoundError:
            pass
        request = layout.request_name_for(name)
        if request is not None:
            report = self._error_report(request)
            if report is not None and not report.duplicate:
                raise report.to_error()
        return None

    def acknowledge(self, remote_name: str) -> None:
        """Move a result (or, for a refused request, its error report) into recv/done/; repeatable."""
        name = layout.check_file_name(remote_name)
        done = self._recv / layout.DONE
        layout.private_dir(done)
        source = self._recv / name
        if not source.exists():
            request = layout.request_name_for(name)
            if request is None:
                return
            source = self._recv / layout.error_name(request)
            if not source.exists():
                return
        if self.simulator.purge_finished and source.name == name:
            source.unlink(missing_ok=True)  # applied and stored (sealed) by the application: no copy left here
            return
        os.replace(source, done / source.name)

    def list_notices(self) -> list[RelayNotice]:
        self._process()
        folder = self.base / layout.NOTICE
        notices = []
        for entry in sorted(folder.glob(f"*{layout.NOTICE_SUFFIX}")):
            try:
                notices.append(layout.notice_from_json(entry.read_text(encoding="utf-8")))
            except (OSError, ValueError) as exc:
                log.warning("relay simulator: unreadable notice %s: %s", entry.name, exc)
        return layout.sort_notices(notices)

    def test_connection(self) -> str:
        self._process()
        return f"내장 은행 시뮬레이터 (폴더 {self.base}) — {self.simulator.schedule_description()}"

    # --- error reports ----------------------------------------------------------------------

    def _error_report(self, request_name: str) -> layout.ErrorReport | None:
        try:
            text = (self._recv / layout.error_name(request_name)).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        return layout.parse_error_report(request_name, text)

    def _retire_error_report(self, request_name: str) -> None:
        """A new upload of a refused name: file the old refusal away so it is not read as the new one's."""
        stale = self._recv / layout.error_name(request_name)
        if stale.exists():
            done = self._recv / layout.DONE
            layout.private_dir(done)
            os.replace(stale, done / stale.name)


def _write_file(path: Path, data: bytes) -> None:
    """Write (0600) and flush to disk: the rename that follows must never publish a file still in a cache."""
    try:
        layout.write_private(path, data)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
