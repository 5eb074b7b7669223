"""Start-up of the real program, measured from fresh processes (not a timed test; prints figures).

Run:  .venv/bin/python tests/bench/bench_startup.py [--rounds 7] [--before /tmp/old-checkout]

Each round starts a fresh `python -c` that runs `app.gui.main()` itself, the program's own path, and
reports three moments of it:

  painted   the login window's first paint (what the clerk sees first);
  usable    the login button enabled: the database open, migrated, the data key unlocked;
  main      the main window's first paint after logging in the moment the button allows it.

Nothing in the program knows it is measured. The child makes the QApplication before calling main()
(main() takes an existing one, as it does under a test) and installs an application-wide event
filter, `Probe`, which watches paint events: the first paint of a LoginDialog is "painted"; a paint
inside a LoginDialog whose login button is enabled is "usable" (for a program that builds the login
window only after opening the database, both are the same moment); it then types the bench user's
answers and clicks 로그인; the first paint of a MainWindow is "main", and the child ends at once
(os._exit: Python's teardown is no part of a start-up). Each moment is printed as a line the parent
timestamps on arrival, so the figures are process wall time from the spawn, interpreter start
included; the child's own clock since its first line is printed beside them.

The yardstick, in the same run and interleaved round by round, is a bare PySide6 process painting one
QLabel, timed the same way. `--before DIR` adds a third contestant, an older checkout of the program
(e.g. `git archive HEAD app db resources | tar -x -C DIR`), so before and after are compared on the
same busy machine. Figures are the fastest of N rounds (timeit style), ratios against the bare widget.

The database is the demo academy (300 customers) in a temporary data folder, one copy per program
(each keeps its own log, window state and daily backup); the administrator's first password is
changed once so the login goes straight to the main window. KSCMS_PASSPHRASE unlocks the data key,
as there is no OS keyring here: that unlock is part of "usable", as it is on a PC without one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTRACT, USER, BIRTH = "9900012345", "admin", "800101"
PASSWORD = "bench-login-1"
PASSPHRASE = "bench-passphrase"
MOMENTS = ("painted", "usable", "main")

PROBE = """
import os, sys, time
t0 = time.perf_counter()
ANSWERS = %ANSWERS%
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

def say(moment):
    sys.stdout.write(f"{moment} {time.perf_counter() - t0:.4f}\\n")
    sys.stdout.flush()

class Probe(QObject):
    def __init__(self):
        super().__init__()
        self.seen = set()

    def eventFilter(self, obj, event):
        if event.type() != QEvent.Type.Paint or not obj.isWidgetType():
            return False
        window = obj.window()
        kind = type(window).__name__
        if kind == "LoginDialog":
            if "painted" not in self.seen:
                self.seen.add("painted")
                QTimer.singleShot(0, lambda: say("painted"))
            if "usable" not in self.seen and window.login_button.isEnabled():
                self.seen.add("usable")
                QTimer.singleShot(0, lambda: (say("usable"), self.log_in(window)))
        elif kind == "MainWindow" and "main" not in self.seen:
            self.seen.add("main")
            QTimer.singleShot(0, lambda: (say("main"), os._exit(0)))
        return False

    @staticmethod
    def log_in(dialog):
        for field, value in zip((dialog.institution_code, dialog.login_id, dialog.password, dialog.birth_date),
                                ANSWERS):
            field.setText(value)
        dialog.login_button.click()

app = QApplication(["kscms"])
probe = Probe()
app.installEventFilter(probe)
import app as package
sys.stderr.write(f"program {os.path.dirname(package.__file__)}\\n")
from app.gui import main
sys.exit(main([]))
""".replace("%ANSWERS%", repr((CONTRACT, USER, PASSWORD, BIRTH)))

BARE = """
import os, sys, time
t0 = time.perf_counter()
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel

class Probe(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            app.removeEventFilter(self)
            QTimer.singleShot(0, lambda: (sys.stdout.write(f"painted {time.perf_counter() - t0:.4f}\\n"),
                                          sys.stdout.flush(), os._exit(0)))
        return False

app = QApplication([])
probe = Probe()
app.installEventFilter(probe)
w = QLabel("로그인"); w.show()
app.exec()
"""


def run_child(code: str, tree: Path, env: dict[str, str]) -> dict[str, tuple[float, float]]:
    """The moments one fresh process reports: {moment: (process wall since the spawn, the child's own clock)}."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code], cwd=tree, env={**env, "PYTHONPATH": str(tree)},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None
    moments: dict[str, tuple[float, float]] = {}
    for line in child.stdout:
        wall = time.perf_counter() - started
        name, inner = line.split()
        moments[name] = (wall, float(inner))
    child.wait(timeout=120)
    stderr = child.stderr.read() if child.stderr else ""
    if child.returncode != 0 or not moments:
        raise SystemExit(f"the child in {tree} failed ({child.returncode}):\n{stderr}")
    if "program" in stderr and f"program {tree / 'app'}" not in stderr:
        raise SystemExit(f"the child did not run the program in {tree}:\n{stderr}")
    return moments


def prepare_data(folder: Path, env: dict[str, str]) -> None:
    """The demo academy, with the administrator's first password changed (no forced change at login)."""
    env = {**env, "KSCMS_DATA_DIR": str(folder), "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "app", "demo-data", "--customers", "300"], env=env, cwd=ROOT,
                   check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "app", "password"], cwd=ROOT, check=True, capture_output=True,
                   env={**env, "KSCMS_CONTRACT": CONTRACT, "KSCMS_USER": USER, "KSCMS_PASSWORD": "000000",
                        "KSCMS_BIRTH": BIRTH, "KSCMS_NEW_PASSWORD": PASSWORD})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--before", type=Path, help="an older checkout (app/, db/, resources/) to measure beside")
    args = parser.parse_args()
    base_env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "KSCMS_PASSPHRASE": PASSPHRASE}
    for name in ("KSCMS_DATABASE_URL", "KSCMS_CONTRACT", "KSCMS_USER", "KSCMS_PASSWORD", "KSCMS_BIRTH"):
        base_env.pop(name, None)
    programs = {"KSCMS desk": ROOT}
    if args.before:
        programs = {"before": args.before.resolve(), **programs}
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as scratch:
        demo = Path(scratch) / "demo"
        prepare_data(demo, base_env)
        envs: dict[str, dict[str, str]] = {}
        for label in programs:
            folder = Path(scratch) / label.replace(" ", "-")
            shutil.copytree(demo, folder)
            envs[label] = {**base_env, "KSCMS_DATA_DIR": str(folder)}
            run_child(PROBE, programs[label], envs[label])  # warm-up: the day's backup, the OS file cache
        run_child(BARE, ROOT, base_env)
        results: dict[str, list[dict[str, tuple[float, float]]]] = {label: [] for label in [*programs, "bare"]}
        for _ in range(args.rounds):
            for label, tree in programs.items():
                results[label].append(run_child(PROBE, tree, envs[label]))
            results["bare"].append(run_child(BARE, ROOT, base_env))
    bare = min(r["painted"][0] for r in results["bare"])
    print(f"start-up, fastest of {args.rounds} fresh processes, interleaved (process wall from the spawn; "
          "in brackets the child's own clock, median in braces)")
    print(f"  {'bare PySide6 QLabel':22s} painted {bare:5.2f} s [{min(r['painted'][1] for r in results['bare']):.2f}]"
          f" {{{statistics.median(r['painted'][0] for r in results['bare']):.2f}}}  = 1.00x")
    for label in programs:
        for moment in MOMENTS:
            walls = [r[moment][0] for r in results[label]]
            inner = min(r[moment][1] for r in results[label])
            print(f"  {label:22s} {moment:7s} {min(walls):5.2f} s [{inner:.2f}] {{{statistics.median(walls):.2f}}}"
                  f"  = {min(walls) / bare:.2f}x")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")


if __name__ == "__main__":
    main()
