"""Startup to the login window, measured from a fresh process (not a timed test; prints figures).

Run: .venv/bin/python tests/bench/bench_startup.py
Each round starts `python -c` that imports the GUI, opens and migrates a demo SQLite database,
and paints the login window offscreen; the baseline round only imports PySide6, makes a
QApplication and paints one widget (baselines.md: ~0.3 s).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

APP_CODE = """
import time; t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication
from app.views.common.theme import apply_theme
from app.views.shell.startup import Startup
from app.views.shell.login_dialog import LoginDialog
app = QApplication([])
apply_theme(app)
db = Startup().open_database()
dialog = LoginDialog(db)
dialog.show(); app.processEvents(); dialog.grab()
print(time.perf_counter() - t0)
"""

BASELINE_CODE = """
import time; t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
w = QLabel("로그인"); w.show(); app.processEvents(); w.grab()
print(time.perf_counter() - t0)
"""


def measure(code: str, env: dict[str, str]) -> tuple[float, float]:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, float(out.stdout.strip().splitlines()[-1])


def main(rounds: int = 5) -> None:
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "KSCMS_DATA_DIR": data, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT),
               "KSCMS_PASSPHRASE": "bench-passphrase"}
        env.pop("KSCMS_DATABASE_URL", None)
        subprocess.run([sys.executable, "-m", "app", "demo-data", "--customers", "300"], env=env, cwd=ROOT,
                       check=True, capture_output=True)
        app_rounds, base_rounds = [], []
        for _ in range(rounds):
            app_rounds.append(measure(APP_CODE, env))
            base_rounds.append(measure(BASELINE_CODE, env))
    app_wall = statistics.median(r[0] for r in app_rounds)
    app_inner = statistics.median(r[1] for r in app_rounds)
    base_wall = statistics.median(r[0] for r in base_rounds)
    base_inner = statistics.median(r[1] for r in base_rounds)
    print(f"startup to a painted login window (median of {rounds}):")
    print(f"  KSCMS desk : {app_wall:.2f} s process wall, {app_inner:.2f} s in-process")
    print(f"  baseline   : {base_wall:.2f} s process wall, {base_inner:.2f} s in-process (bare PySide6 widget)")
    print(f"  ratio      : {app_wall / base_wall:.2f}x wall")


if __name__ == "__main__":
    main()
