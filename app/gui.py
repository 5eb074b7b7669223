"""`kscms`: the desktop program. Shows the login window, opens the database and unlocks the data key
behind it, logs in, shows the main window (app/views/shell/startup.py).

Only what the first paint needs is imported before it: Qt, the theme, the login window. SQLAlchemy,
the models and the services come in on the worker that opens the database once the window is up.
"""

from __future__ import annotations

import sys
import time
from typing import cast

from app import __version__
from app.logging_setup import log_uncaught, setup_logging


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--selftest" in args:  # before logging: the self-test must not write into the user's data folder
        from app.selftest import run as selftest

        return selftest(args)
    started = time.perf_counter()
    setup_logging(verbose="--verbose" in args)
    sys.excepthook = log_uncaught

    from PySide6.QtWidgets import QApplication

    from app.views.common.theme import apply_theme
    from app.views.shell.startup import Startup

    # instance() is typed as the core application; in this process it can only be the QApplication made here
    app = cast("QApplication | None", QApplication.instance()) or QApplication(sys.argv[:1])
    app.setApplicationName("KSCMS desk")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("KSCMS")
    apply_theme(app)

    return Startup(started=started).run(app)


if __name__ == "__main__":
    raise SystemExit(main())
