"""Work off the UI thread, one way for every screen: `Job` (a call on Qt's thread pool, optionally
reporting progress and cancellable), `Background` (a screen's stream of loads of which only the
latest matters) and `Worker` (a call on its own thread, for a caller that must wait for it).

Why three and no more: a page that starts one export or one scheduler pass holds its `Job` and
forgets it when the answer arrives; a 집계 screen restarts its load on every filter change and
must drop stale answers, which `Background`'s tokens do; the setup wizard and the backup dialog
cannot close while their call runs and so need a thread they can `wait()` for, which the pool does
not give. In all three a failure comes back to the UI thread as a value (never lost in a pool
thread), and results always arrive as queued signals on the UI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal
from PySide6.QtWidgets import QWidget

Progress = Callable[..., None]
"""What a reporting job's work calls with its progress (the values the screen's handler takes)."""
Cancelled = Callable[[], bool]
"""What a reporting job's work asks between steps: has the clerk cancelled?"""


def _outcome(work: Callable[[], Any], catch: type[BaseException] = BaseException) -> tuple[bool, Any]:
    """(True, result) or (False, the exception): a failure goes back to the screen as a value.

    `Job` hands back anything raised; `Background` and `Worker` hand back `Exception`s (their
    screens show them with `show_error`), as they always have.
    """
    try:
        return True, work()
    except catch as error:  # handed to the UI thread, never lost
        return False, error


class JobSignals(QObject):
    progress = Signal(object)  # a tuple: the values the work reported
    finished = Signal(object)  # the work's result
    failed = Signal(object)  # the exception


class Job(QRunnable):
    """One call on the shared thread pool; its outcome comes back to the UI thread as a signal.

    The caller keeps the job (an attribute of its page) until `finished` or `failed` arrives: the
    pool does not own it (`autoDelete` off), so the signals stay alive for the answer.
    """

    def __init__(self, work: Callable[[], Any]) -> None:
        super().__init__()
        self.work = work
        self.signals = JobSignals()
        self._cancel = threading.Event()
        self.setAutoDelete(False)

    @classmethod
    def reporting(cls, work: Callable[[Progress, Cancelled], Any]) -> Job:
        """A job whose work takes `(progress, cancelled)`: `progress(*values)` reaches
        `signals.progress` as a tuple (see `on_progress`), `cancelled()` turns true after `cancel()`."""
        job = cls(lambda: None)
        job.work = lambda: work(job.report, job.cancelled)
        return job

    def on_progress(self, handler: Progress) -> None:
        """Connect a handler taking the reported values as arguments."""
        self.signals.progress.connect(lambda values: handler(*values))

    def report(self, *values: Any) -> None:
        self.signals.progress.emit(values)

    def cancel(self) -> None:
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def start(self) -> Job:
        QThreadPool.globalInstance().start(self)
        return self

    def run(self) -> None:
        ok, value = _outcome(self.work)
        (self.signals.finished if ok else self.signals.failed).emit(value)


class _TokenTask(QRunnable):
    """A `Background` call; the pool owns and deletes it, the answer goes to the `Background`."""

    def __init__(self, runner: Background, token: int, work: Callable[[], Any]) -> None:
        super().__init__()
        self.runner, self.token, self.work = runner, token, work

    def run(self) -> None:
        ok, value = _outcome(self.work, Exception)
        try:
            (self.runner.finished if ok else self.runner.failed).emit(self.token, value)
        except RuntimeError:  # the screen was closed while this ran: nobody is waiting any more
            pass


class Background(QObject):
    """Runs one kind of work off the UI thread; answers arrive as (token, result) on the UI thread.

    `start` returns the token of the call; `is_current` tells whether an answer is the latest
    call's, so a screen shows only what its last filter asked for.
    """

    finished = Signal(int, object)
    failed = Signal(int, object)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._token = 0

    def start(self, work: Callable[[], Any]) -> int:
        self._token += 1
        QThreadPool.globalInstance().start(_TokenTask(self, self._token, work))
        return self._token

    def is_current(self, token: int) -> bool:
        return token == self._token


class Worker(QThread):
    """Runs one blocking call on its own thread and reports its result or its exception; for a
    caller that must `wait()` for it before closing (the setup wizard, the shared-database backup)."""

    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, call: Callable[[], Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._call = call

    def run(self) -> None:
        ok, value = _outcome(self._call, Exception)
        (self.succeeded if ok else self.failed).emit(value)
