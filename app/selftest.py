"""`kscms --selftest` (or `python -m app.gui --selftest`): can this build start, here, now?

Run by the bundle smoke test on the PyInstaller output and usable on any installed PC. It proves the
parts a frozen build loses first: the migration scripts loaded from files (db/ under
sys._MEIPASS) and the modules only they import, the SQLite and PostgreSQL drivers, the keyring
backends, the holiday data, the Qt platform plugin and every screen's imports.

It works in a temporary folder that is removed afterwards: the user's data folder, settings,
window preferences and keyring are never read or written (the data key is kept in memory only and
argon2 runs with cheap parameters). Exit 0 when everything worked; otherwise 1 and one line per
failed step, `selftest FAILED: <step>: <reason>`, on stderr (and in --selftest-report FILE, for a
windowed Windows executable that has no stderr).

Options: --selftest-shot FILE saves the rendered main window as PNG.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from app import config
from app.database import schema

SELFTEST_PASSPHRASE = "selftest-passphrase-1"
_ENV_KEYS = (config.ENV_DATA_DIR, config.ENV_DATABASE_URL, config.ENV_PASSPHRASE, "QT_QPA_PLATFORM")


def _option(args: list[str], name: str) -> str | None:
    """The value after `name` (or in `name=value`) on the command line."""
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


@contextmanager
def _isolated(folder: Path) -> Iterator[None]:
    """Point the data folder and the database at `folder` for the duration; restore the environment after."""
    saved = {key: os.environ.get(key) for key in _ENV_KEYS}
    os.environ[config.ENV_DATA_DIR] = str(folder / "data")
    os.environ[config.ENV_DATABASE_URL] = f"sqlite:///{(folder / 'selftest.db').as_posix()}"
    os.environ.pop(config.ENV_PASSPHRASE, None)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class _Report:
    """Collects what each step did; never holds a secret."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.failures: list[str] = []

    def step(self, name: str, action: Callable[[], str]) -> bool:
        started = time.perf_counter()
        try:
            detail = action()
        except Exception as error:  # every failure is reported, none is fatal to the report
            logging.getLogger(__name__).debug("selftest step %s failed", name, exc_info=True)
            last = traceback.extract_tb(error.__traceback__)[-1:] if error.__traceback__ else []
            where = f" at {last[0].filename}:{last[0].lineno}" if last else ""
            self.failures.append(f"{name}: {type(error).__name__}: {error}{where}")
            return False
        self.lines.append(f"selftest ok: {name} ({time.perf_counter() - started:.2f} s){': ' + detail if detail else ''}")
        return True


def run(argv: list[str] | None = None) -> int:
    """The self-test; returns the process exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    report = _Report()
    with tempfile.TemporaryDirectory(prefix="kscms-selftest-", ignore_cleanup_errors=True) as tmp, _isolated(Path(tmp)):
        _run_steps(report, Path(tmp), shot=_option(args, "--selftest-shot"))
    _emit(report, _option(args, "--selftest-report"))
    return 1 if report.failures else 0


def _run_steps(report: _Report, folder: Path, *, shot: str | None) -> None:
    state: dict[str, Any] = {}
    if not report.step("isolation", lambda: _check_isolation(folder)):
        return
    report.step("drivers", _check_drivers)
    if not report.step("migrations", lambda: _migrate(state)):
        return
    if not report.step("first setup", lambda: _initialize(state)):
        return
    report.step("main window", lambda: _render(state, shot))
    state["db"].dispose()


def _check_isolation(folder: Path) -> str:
    """Refuse to go on unless the data folder and the database are inside the temporary folder."""
    data = config.data_dir().resolve()
    database = Path(config.database_url().removeprefix("sqlite:///")).resolve()
    for what, path in (("data folder", data), ("database", database)):
        if not path.is_relative_to(folder.resolve()):
            raise RuntimeError(f"the {what} is not in the temporary folder: {path}")
    return str(folder)


def _check_drivers() -> str:
    """Import what a frozen build may have left out: the PostgreSQL driver and its libpq, keyring, holidays."""
    import keyring
    import psycopg

    from app.database.engine import make_engine
    from app.services.common.calendar import BusinessCalendar

    engine = make_engine("postgresql://selftest@127.0.0.1:1/selftest")  # builds the dialect; no connection
    dbapi = engine.dialect.loaded_dbapi.__name__
    engine.dispose()
    backend = f"{type(keyring.get_keyring()).__module__}.{type(keyring.get_keyring()).__name__}"
    calendar = BusinessCalendar()
    from datetime import date

    new_year = calendar.holiday_name(date(2026, 1, 1)) or "?"
    return f"psycopg {psycopg.__version__} ({psycopg.pq.__impl__}, libpq {psycopg.pq.version()}), {dbapi}, " \
           f"keyring {backend}, 2026-01-01 {new_year}"


def _migrate(state: dict[str, Any]) -> str:
    from app.database import migrate as migrations
    from app.database.engine import Database
    from app.resources import migrations_dir

    db = Database.from_url(config.database_url())
    state["db"] = db
    migrations.upgrade(db.engine)
    head, current = schema.head_revision(), schema.current_revision(db.engine)
    if current != head:
        raise RuntimeError(f"schema at {current}, expected {head}")
    return f"{current} from {migrations_dir()}"


def _initialize(state: dict[str, Any]) -> str:
    from sqlalchemy import select

    from app.models import Institution
    from app.services.common import passwords
    from app.services.settings import setup

    passwords.use_fast_hashing_for_tests()  # a throwaway administrator: no need for a costly hash
    form = setup.SetupForm(
        institution_name="자가진단학원", institution_code="9900000001", business_no="1248100998",
        representative="홍길동", settlement_bank_code="088", settlement_account_no="110123456789",
        passbook_text="자가진단", admin_login_id="selftest", admin_name="자가진단", admin_birth_date="800101",
        passphrase=SELFTEST_PASSPHRASE,
    )
    state["key"] = setup.initialize(state["db"], form)
    with state["db"].session() as s:
        state["institution_id"] = s.scalar(select(Institution.id).limit(1))
    return f"institution {state['institution_id']}"


def _render(state: dict[str, Any], shot: str | None) -> str:
    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QApplication

    from app.services.common.session import system_actor
    from app.views.common.context import AppContext
    from app.views.common.theme import apply_theme, korean_family
    from app.views.shell.main_window import MainWindow

    # instance() is typed as the core application; here it can only be a QApplication
    app = cast("QApplication | None", QApplication.instance()) or QApplication(
        [sys.argv[0] if sys.argv else "kscms", "-platform", "offscreen"])
    apply_theme(app)
    ctx = AppContext(db=state["db"], actor=system_actor(state["institution_id"]), data_key=state["key"])
    window = MainWindow(ctx)
    window.resize(1280, 800)
    window.show()
    opened = []
    for _group, entries in window.visible_entries():
        for entry in entries:
            if window.open_page(entry.key):
                opened.append(entry.key)
            app.processEvents()
    image = window.grab().toImage()
    if image.isNull() or image.width() < 600 or image.height() < 400:
        raise RuntimeError(f"the main window rendered as {image.width()}x{image.height()}")
    colours = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 37)}
    if len(colours) < 3:
        raise RuntimeError("the main window rendered blank")
    if shot:
        from app.services.common import output_files

        def save(temp: Path) -> None:
            # PySide6 stubs type the format as bytes, but the binding refuses bytes and takes str
            if not image.save(str(temp), "PNG"):  # type: ignore[call-overload]  # see the line above
                raise RuntimeError(f"could not save the screenshot to {shot}")

        # rewritten on every run of the installer's smoke test, hence force; never the database or a backup
        output_files.write_output(shot, save, force=True)
    window.close()
    app.processEvents()
    QThreadPool.globalInstance().waitForDone(10_000)
    platform = app.platformName()
    window.deleteLater()
    app.processEvents()
    return f"{len(opened)} screens on '{platform}', font {korean_family() or 'none (no Korean font installed)'}"


def _emit(report: _Report, report_file: str | None) -> None:
    lines = report.lines + [f"selftest FAILED: {failure}" for failure in report.failures]
    lines.append("selftest: " + ("FAILED" if report.failures else "all steps passed"))
    if sys.stdout is not None:
        for line in report.lines:
            print(line, file=sys.stdout)
    if sys.stderr is not None:
        for failure in report.failures:
            print(f"selftest FAILED: {failure}", file=sys.stderr)
    if report_file:
        from app.services.common import output_files

        try:  # rewritten on every run of the installer's smoke test, hence force; never the database or a backup
            output_files.write_output(report_file, ("\n".join(lines) + "\n").encode("utf-8"), force=True)
        except output_files.OutputRefusedError as error:
            if sys.stderr is not None:
                print(f"selftest: {error.english}", file=sys.stderr)
