"""The Windows bundle, built for real: PyInstaller on installer/kscms.spec, then `kscms --selftest` in it.

Part of the default run (`bash dev.sh test`) because a frozen build breaks in ways no source test
sees: a migration script's import missing, a Qt plugin left out, data files not found under
sys._MEIPASS. Skipped only where PyInstaller cannot run at all. Run it alone with
`bash dev.sh test -m bundle`. The build takes about a minute here.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

pytestmark = [pytest.mark.bundle, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "installer" / "kscms.spec"
BUILD_TIMEOUT = 20 * 60


def pyinstaller_unavailable() -> str | None:
    """Why PyInstaller cannot build here, or None when it can."""
    if importlib.util.find_spec("PyInstaller") is None:
        return "PyInstaller is not installed (pip install -e .[build])"
    try:
        import PyInstaller
        from PyInstaller import compat
    except Exception as error:  # noqa: BLE001 - any import failure means it cannot run here
        return f"PyInstaller cannot be imported: {type(error).__name__}: {error}"
    platform = f"{compat.system}-{compat.architecture}" + (f"-{compat.machine}" if compat.machine else "")
    bootloader = Path(PyInstaller.__file__).parent / "bootloader" / platform
    if not bootloader.is_dir():
        return f"PyInstaller has no bootloader for {platform} (unsupported platform)"
    return None


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build once per run into a temporary folder; returns dist/kscms."""
    reason = pyinstaller_unavailable()
    if reason:
        print(f"bundle test skipped: {reason}")
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("bundle")
    started = time.perf_counter()
    build = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level=WARN",
         "--distpath", str(out / "dist"), "--workpath", str(out / "work"), str(SPEC)],
        cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False,
    )
    print(f"PyInstaller build took {time.perf_counter() - started:.0f} s")
    assert build.returncode == 0, f"PyInstaller failed:\n{build.stdout[-4000:]}\n{build.stderr[-8000:]}"
    return out / "dist" / "kscms"


def _exe(bundle: Path, name: str) -> Path:
    return bundle / (f"{name}.exe" if sys.platform == "win32" else name)


def test_bundled_program_passes_its_selftest(bundle: Path, tmp_path: Path) -> None:
    data = tmp_path / "user-data"
    shot = tmp_path / "selftest.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "KSCMS_DATA_DIR": str(data)}
    env.pop("PYTHONPATH", None)
    env.pop("KSCMS_DATABASE_URL", None)
    run = subprocess.run(
        [str(_exe(bundle, "kscms")), "--selftest", "--selftest-shot", str(shot)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    print(run.stdout)
    assert run.returncode == 0, f"selftest failed (exit {run.returncode}):\n{run.stdout}\n{run.stderr[-8000:]}"
    assert "selftest ok: main window" in run.stdout
    # The migrations came from the bundle, not from this checkout.
    migrations_line = next(line for line in run.stdout.splitlines() if line.startswith("selftest ok: migrations"))
    assert str(bundle) in migrations_line and str(ROOT / "db") not in migrations_line
    assert shot.stat().st_size > 10_000
    assert not data.exists() or not any(data.iterdir()), "the self-test wrote into the user's data folder"


def test_bundled_command_line_reports_the_project_version(bundle: Path, tmp_path: Path) -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    env = {**os.environ, "KSCMS_DATA_DIR": str(tmp_path / "data")}
    env.pop("PYTHONPATH", None)
    run = subprocess.run([str(_exe(bundle, "kscms-cli")), "version"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"KSCMS desk {version}"


def test_bundle_leaves_out_the_heavy_qt_modules(bundle: Path) -> None:
    """WebEngine, QML/Quick and the virtual keyboard stay out (unless a screen starts importing them)."""
    used = set(re.findall(r"PySide6\.(Qt\w+)", "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "app").rglob("*.py"))))
    unwanted = ["webengine", "virtualkeyboard", "pytest"]
    if not used & {"QtQml", "QtQuick", "QtQuickWidgets"}:
        unwanted += ["qt6quick", "qt6qml"]
    names = {path.name.lower() for path in bundle.rglob("*")}
    for part in unwanted:
        assert not any(part in name for name in names), f"{part} is in the bundle"
    assert (bundle / "_internal" / "db" / "env.py").is_file()
    assert (bundle / "_internal" / "resources" / "style.qss").is_file()
