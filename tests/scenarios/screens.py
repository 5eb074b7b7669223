"""What the walk reads off the screens, the files and the command line, as plain text to compare with literals.

Every reader returns exactly what a clerk sees (the table cells' display text, the PDF's words, the
.xlsx cells, the lines a script reads on stdout), so the test's hand computation is written in the
clerk's own figures ("570,000원"), not in the services' numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import QApplication

from app.cli import main as cli
from app.cli import reports as cli_reports
from app.views.common.context import AppContext
from app.views.shell.home_view import METRICS, HomePage
from app.views.shell.main_window import MainWindow
from tests.aggregates.test_looking_never_writes import (
    _page_keys,
    _settle,
    _turn_controls,
)
from tests.factories import INSTITUTION_CODE
from tests.scenarios.december import December
from tests.security.cli import use_login

SHOTS = Path(__file__).resolve().parents[2] / "shots"


def table_texts(model: QAbstractItemModel) -> list[tuple[str, ...]]:
    """Every row of a table as its cells' display text."""
    return [tuple(str(model.index(r, c).data() or "") for c in range(model.columnCount()))
            for r in range(model.rowCount())]


def pdf_lines(path: Path) -> list[str]:
    """The PDF's text lines (pypdf, as tests/aggregates/test_reports.py reads it), runs of spaces made one."""
    lines: list[str] = []
    for page in PdfReader(str(path)).pages:
        lines += [" ".join(line.split()) for line in (page.extract_text() or "").splitlines()]
    return [line for line in lines if line]


def pdf_has_row(path: Path, cells: Sequence[str]) -> bool:
    """Whether a table row's cells stand in the PDF one after the other, in that order (the extractor
    puts a row on one line or a cell a line; either way its words follow each other)."""
    words = " ".join(pdf_lines(path))
    return f" {' '.join(cells)} " in f" {words} "


def home_metrics(page: HomePage) -> dict[str, tuple[str, str]]:
    """이번 달 한눈에: metric → (이번 달, 지난달) as shown."""
    return {name: (page.metric_text(name, 1), page.metric_text(name, 2)) for name, _text, _value in METRICS}


def open_page(qtbot: Any, page: Any) -> Any:
    """A page at 1366×768, shown, its first load finished."""
    qtbot.addWidget(page)
    page.resize(1366, 768)
    loaded = getattr(page, "loaded", None)
    if loaded is not None:
        with qtbot.waitSignal(loaded, timeout=20000):
            page.show()
    else:
        page.show()
        qtbot.waitExposed(page)
    return page


def shot(widget: Any, name: str, a: December) -> None:
    """The picture of a screen (the SQLite run's), to look at."""
    if not a.db.is_sqlite:
        return
    SHOTS.mkdir(exist_ok=True)
    QApplication.processEvents()
    assert widget.grab().save(str(SHOTS / name))


def browse_every_page(qtbot: Any, a: December, dates: Sequence[date]) -> list[str]:
    """Open every page of the main window as the administrator and turn each of its choices and dates."""
    ctx = AppContext(a.db, a.admin, a.cid, clock=a.clock)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    opened, turned = [], 0
    for key in _page_keys():
        if not window.open_page(key):
            continue
        opened.append(key)
        _settle(qtbot)
        turned += _turn_controls(qtbot, window.pages[key], list(dates))
    assert turned > 20
    window.close()
    return opened


def run_report(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, a: December, kind: str,
               out: Path, *extra: str) -> list[str]:
    """`python -m app report KIND --contract … --from 2026-12-01 --to TODAY --pdf OUT` as the administrator,
    the command's clock at the walk's; returns its stdout lines."""
    use_login(monkeypatch, a.db)
    monkeypatch.setattr(cli_reports, "_now", a.clock.now)
    capsys.readouterr()
    code = cli.main(["report", kind, "--contract", INSTITUTION_CODE, "--from", "2026-12-01", "--to",
                     f"{a.today():%Y-%m-%d}", *extra, "--pdf", str(out)])
    stdout, stderr = capsys.readouterr()
    assert (code, stderr) == (0, ""), stderr
    return stdout.splitlines()
