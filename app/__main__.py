"""`python -m app <command>`: the program without a screen.

stdout and stderr replace what the console cannot show (a Korean line on a console set to another
code page) instead of failing on it, so the one-line error of app.cli.main.main always reaches the
person at the terminal.
"""

import logging
import sys

logging.raiseExceptions = False  # a log file that cannot be written must not print a traceback over the one line
for _stream in (sys.stdout, sys.stderr):
    reconfigure = getattr(_stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="backslashreplace")

from app.cli.main import main  # noqa: E402 - after the streams are made safe

raise SystemExit(main())
