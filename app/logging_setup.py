"""A rotating log in the user's log folder, with thread names; never personal numbers."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import traceback
from types import TracebackType

from app.config import log_dir

FORMAT = "%(asctime)s %(levelname)s [%(threadName)s] %(name)s: %(message)s"


def setup_logging(*, verbose: bool = False) -> None:
    root = logging.getLogger()
    if any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        return
    handler = logging.handlers.RotatingFileHandler(
        log_dir() / "kscms.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)


def safe_traceback(error: BaseException) -> str:
    """A traceback of `error` and its causes with the exception messages left out.

    The frames (file, line, function, source line) say where it failed; a message could quote a
    row (sqlite: "Could not decode ... with text '<name>'"; PostgreSQL: "Key (account)=(...)") or
    a value a clerk typed, and no personal data may reach the log.
    """
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = "".join(traceback.format_tb(current.__traceback__))
        parts.append(f"Traceback (most recent call last):\n{frames}{type(current).__module__}.{type(current).__qualname__}"
                     " (message not logged)")
        current = current.__cause__ or current.__context__
    return "\n\nwhich was raised while handling:\n".join(parts)


def log_uncaught(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """sys.excepthook of the desktop program: the traceback without messages to the log, then Python's own."""
    if exc.__traceback__ is None:
        exc = exc.with_traceback(tb)
    logging.getLogger("kscms").critical("uncaught error %s\n%s", exc_type.__name__, safe_traceback(exc))
    sys.__excepthook__(exc_type, exc, tb)
