"""`kscms --selftest` from the source tree: passes, reports each step, and leaves the user's files alone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import selftest

ROOT = Path(__file__).resolve().parents[2]


def test_selftest_passes_and_touches_no_user_data(tmp_path: Path) -> None:
    user_data = tmp_path / "user-data"
    report = tmp_path / "report.txt"
    env = {**os.environ, "KSCMS_DATA_DIR": str(user_data), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("KSCMS_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "app.gui", "--selftest", "--selftest-report", str(report)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    text = report.read_text(encoding="utf-8")
    for step in ("isolation", "drivers", "migrations", "first setup", "main window"):
        assert f"selftest ok: {step}" in text
    assert text.rstrip().endswith("selftest: all steps passed")
    assert not user_data.exists() or not any(user_data.iterdir())


def test_a_failing_step_exits_non_zero_with_the_reason(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    def broken(_state: dict[str, object]) -> str:
        raise FileNotFoundError("db/env.py is missing")

    monkeypatch.setattr(selftest, "_migrate", broken)
    before = dict(os.environ)
    assert selftest.run([]) == 1
    assert "selftest FAILED: migrations: FileNotFoundError: db/env.py is missing" in capsys.readouterr().err
    assert dict(os.environ) == before  # the temporary data folder was only borrowed
