"""Running `python -m app` as an attacker or a script would, logged in as a user of the test office."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.database.engine import Database
from tests.factories import ADMIN_BIRTH, ADMIN_PASSWORD, INSTITUTION_CODE

ROOT = Path(__file__).resolve().parents[2]


def db_url(db: Database) -> str:
    """The URL a subprocess opens the same database with (password-free: trust auth in tests)."""
    return db.engine.url.render_as_string(hide_password=False)


def login_env(db: Database, data_dir: Path, *, user: str = "admin", password: str = ADMIN_PASSWORD,
              birth: str = ADMIN_BIRTH, contract: str = INSTITUTION_CODE) -> dict[str, str]:
    """The environment a script sets to run commands as `user` of the office made by tests.factories."""
    return {
        "KSCMS_DATABASE_URL": db_url(db),
        "KSCMS_DATA_DIR": str(data_dir),
        "KSCMS_PASSPHRASE": "test-passphrase",
        "KSCMS_CONTRACT": contract,
        "KSCMS_USER": user,
        "KSCMS_PASSWORD": password,
        "KSCMS_BIRTH": birth,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }


def run_cli(*args: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """`python -m app ARGS` in a fresh process with no terminal, as a script runs it."""
    full_env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    for name in ("KSCMS_USER", "KSCMS_PASSWORD", "KSCMS_BIRTH", "KSCMS_CONTRACT", "KSCMS_SCHEDULER_TOKEN"):
        if name not in env:
            full_env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True, env=full_env,
                          cwd=ROOT, stdin=subprocess.DEVNULL, timeout=timeout)


def use_login(monkeypatch, db: Database, *, user: str = "admin", password: str = ADMIN_PASSWORD,
              birth: str = ADMIN_BIRTH, contract: str = INSTITUTION_CODE) -> None:
    """For `app.cli.main.main([...])` in the test's own process: the same login as `login_env`, on `db`."""
    monkeypatch.setenv("KSCMS_DATABASE_URL", db_url(db))
    for name, value in (("KSCMS_CONTRACT", contract), ("KSCMS_USER", user), ("KSCMS_PASSWORD", password),
                        ("KSCMS_BIRTH", birth)):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("KSCMS_SCHEDULER_TOKEN", raising=False)
