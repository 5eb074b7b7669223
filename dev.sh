#!/usr/bin/env bash
# KSCMS desk on a fresh Linux machine, in one command each:
#   bash dev.sh run    set everything up and start the app (SQLite, built-in bank simulator, demo data if empty)
#   bash dev.sh test   set everything up, lint and type-check, and run the whole test suite (SQLite and PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")"

VENV="${KSCMS_VENV:-.venv}"
SYSTEM_PACKAGES=(fonts-nanum xvfb xauth poppler-utils libxcb-cursor0 libxkbcommon-x11-0 libegl1 libgl1
                 libfontconfig1 libdbus-1-3 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
                 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libnss3 libasound2 ffmpeg)
DEMO_PASSPHRASE="demo-passphrase"

say() { printf '[dev.sh] %s\n' "$*" >&2; }

install_system_packages() {
  command -v dpkg >/dev/null 2>&1 || { say "not a Debian-family system: install ${SYSTEM_PACKAGES[*]} yourself"; return 0; }
  local missing=()
  for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  command -v fc-cache >/dev/null 2>&1 && fc-cache -f >/dev/null 2>&1 || true
}

pick_python() {
  for candidate in python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; raise SystemExit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  say "Python 3.11 or newer is required"; exit 1
}

setup_venv() {
  local extras="$1"
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating the virtual environment in $VENV"
    "$(pick_python)" -m venv "$VENV"
  fi
  local stamp="$VENV/.kscms-installed-$extras"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    say "installing Python packages ($extras)"
    "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
    "$VENV/bin/python" -m pip install -q -e ".[$extras]"
    touch "$stamp"
  fi
}

check_postgres() {
  local url="${KSCMS_TEST_PG_URL:-postgresql://root@127.0.0.1:5432/test}"
  if ! "$VENV/bin/python" - "$url" <<'PY'
import sys
import psycopg
try:
    with psycopg.connect(sys.argv[1].replace("postgresql+psycopg", "postgresql"), connect_timeout=5) as conn:
        conn.execute("select 1")
except Exception as exc:
    print(f"PostgreSQL tests cannot run: the server at {sys.argv[1]} did not answer: {exc}", file=sys.stderr)
    raise SystemExit(1)
PY
  then
    say "start PostgreSQL (or set KSCMS_TEST_PG_URL) and run again"; exit 1
  fi
}

case "${1:-}" in
  run)
    install_system_packages
    setup_venv test
    export KSCMS_PASSPHRASE="${KSCMS_PASSPHRASE:-$DEMO_PASSPHRASE}"
    "$VENV/bin/python" -m app demo-data --if-empty
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
      say "no screen found: starting on a virtual screen (Xvfb)"
      exec xvfb-run -a -s "-screen 0 1600x1000x24" "$VENV/bin/python" -m app.gui
    fi
    exec "$VENV/bin/python" -m app.gui
    ;;
  test)
    install_system_packages
    setup_venv test
    check_postgres
    export KSCMS_REQUIRE_PG=1 QT_QPA_PLATFORM=offscreen
    shift
    say "lint (ruff) and types (mypy)"
    "$VENV/bin/ruff" check app tests db installer
    "$VENV/bin/mypy"
    # One worker per core; a module's tests stay on one worker, so module fixtures (the bundle) run once.
    exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider -n auto --dist loadfile "$@"
    ;;
  *)
    echo "usage: bash dev.sh run | bash dev.sh test [pytest args]" >&2
    exit 2
    ;;
esac
