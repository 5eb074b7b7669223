"""`kscms`: the desktop program. Opens the database, unlocks the data key, logs in, shows the window."""

from __future__ import annotations

import logging
import sys
import time
from typing import cast

from app import __version__
from app.logging_setup import log_uncaught, setup_logging

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--selftest" in args:  # before logging: the self-test must not write into the user's data folder
        from app.selftest import run as selftest

        return selftest(args)
    started = time.perf_counter()
    setup_logging(verbose="--verbose" in args)
    sys.excepthook = log_uncaught

    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.views.common.theme import apply_theme
    from app.views.shell.startup import Startup, StartupCancelled

    # instance() is typed as the core application; in this process it can only be the QApplication made here
    app = cast("QApplication | None", QApplication.instance()) or QApplication(sys.argv[:1])
    app.setApplicationName("KSCMS desk")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("KSCMS")
    apply_theme(app)

    startup = Startup()
    try:
        db = startup.open_database()
    except StartupCancelled:  # the clerk closed the setup wizard
        return 0
    except Exception as error:  # shown to the clerk, details in the log
        log.exception("could not open the database")
        QMessageBox.critical(None, "KSCMS desk", str(error))
        return 1
    log.info("login window after %.2f s", time.perf_counter() - started)
    return startup.run(app, db)


if __name__ == "__main__":
    raise SystemExit(main())
