"""Build the Windows installer in one go (run from anywhere with the project's Python):

    python installer/build.py                 # bundle, self-test, then the Inno Setup installer (Windows)
    python installer/build.py --no-installer  # bundle and self-test only (any platform)

1. PyInstaller builds dist/kscms from installer/kscms.spec (one folder, kscms + kscms-cli).
2. The bundled program runs its self-test offscreen; a failing bundle never becomes an installer.
3. On Windows, ISCC compiles installer/kscms.iss with /DAppVersion=<version from pyproject.toml> into
   dist/installer/KSCMS-desk-<version>-setup.exe.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def find_iscc() -> Path | None:
    """ISCC.exe on PATH or in Inno Setup 6's usual folders (per machine or per user)."""
    found = shutil.which("iscc")
    if found:
        return Path(found)
    # Windows spells these with capitals inside; its os.environ ignores case anyway
    for base in (os.environ.get("ProgramFiles(x86)"), os.environ.get("ProgramFiles"),  # noqa: SIM112
                 os.path.join(os.environ.get("LOCALAPPDATA", ""), "Programs")):
        if base and (candidate := Path(base, "Inno Setup 6", "ISCC.exe")).is_file():
            return candidate
    return None


def run(args: list[str], **kwargs: object) -> None:
    print("+", " ".join(args), flush=True)
    subprocess.run(args, check=True, cwd=ROOT, **kwargs)  # type: ignore[call-overload]


def build_bundle() -> Path:
    started = time.perf_counter()
    run([sys.executable, "-m", "PyInstaller", "--noconfirm", "installer/kscms.spec"])
    print(f"bundle built in {time.perf_counter() - started:.0f} s: {ROOT / 'dist' / 'kscms'}")
    return ROOT / "dist" / "kscms"


def selftest(bundle: Path) -> None:
    exe = bundle / ("kscms.exe" if sys.platform == "win32" else "kscms")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "selftest.txt"
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        done = subprocess.run([str(exe), "--selftest", "--selftest-report", str(report)], env=env,
                              capture_output=True, text=True, check=False)
        print(report.read_text(encoding="utf-8") if report.exists() else f"{done.stdout}\n{done.stderr}")
        if done.returncode != 0:
            raise SystemExit(f"the bundled program failed its self-test (exit {done.returncode})")


def build_installer() -> None:
    iscc = find_iscc()
    if iscc is None:
        raise SystemExit("ISCC.exe not found: install Inno Setup 6.3 or newer (https://jrsoftware.org/isdl.php)")
    run([str(iscc), f"/DAppVersion={version()}", str(ROOT / "installer" / "kscms.iss")])
    print(f"installer: {ROOT / 'dist' / 'installer' / f'KSCMS-desk-{version()}-setup.exe'}")


def main() -> int:
    parser = argparse.ArgumentParser(description="Build the KSCMS desk bundle and Windows installer.")
    parser.add_argument("--no-installer", action="store_true", help="stop after the bundle and its self-test")
    args = parser.parse_args()
    bundle = build_bundle()
    selftest(bundle)
    if not args.no_installer:
        if sys.platform != "win32":
            raise SystemExit("the Inno Setup installer is built on Windows; use --no-installer here")
        build_installer()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
