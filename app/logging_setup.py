"""A rotating log in the user's log folder, with thread names; never personal numbers."""

from __future__ import annotations

import logging
import logging.handlers
import sys
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


def log_uncaught(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    logging.getLogger("kscms").critical("uncaught error", exc_info=(exc_type, exc, tb))
    sys.__excepthook__(exc_type, exc, tb)
