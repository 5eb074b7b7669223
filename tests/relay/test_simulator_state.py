"""The simulator's state file when several processes open it at once."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from app.services.exchange.relay import state
from app.services.exchange.relay.state import SimulatorState


class _Racing:
    """A connection whose switch to WAL meets another process switching too, `losses` times.

    Two processes switching at once each hold a read lock and want the file alone, so SQLite
    refuses one at once ("database is locked") without waiting its busy timeout.
    """

    def __init__(self, conn: sqlite3.Connection, losses: int) -> None:
        self.conn, self.losses = conn, losses

    def execute(self, sql: str) -> Any:
        if sql == "PRAGMA journal_mode=WAL" and self.losses:
            self.losses -= 1
            raise sqlite3.OperationalError("database is locked")
        return self.conn.execute(sql)


def test_two_schedulers_opening_a_new_state_file_together_both_go_on(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "state.db", isolation_level=None)
    state._use_wal(conn=_Racing(conn, losses=3))  # type: ignore[arg-type]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    SimulatorState(tmp_path / "state.db")  # and the file opens as usual afterwards


def test_a_state_file_that_stays_locked_is_reported(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "state.db", isolation_level=None)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        state._use_wal(conn=_Racing(conn, losses=10), tries=3)  # type: ignore[arg-type]
    conn.close()
