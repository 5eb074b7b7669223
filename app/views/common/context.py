"""What every screen is handed: the database, the logged-in actor, the chosen contract, the clock.

Passed explicitly to each page (no global registry), so a test can build any screen on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from PySide6.QtCore import QObject, Signal

from app.database.engine import Database
from app.services.common.calendar import SEOUL
from app.services.common.crypto import DataKey
from app.services.common.session import Actor


def seoul_now() -> datetime:
    return datetime.now(SEOUL)


class AppSignals(QObject):
    """The few app-level events screens care about."""

    contract_changed = Signal(int)
    data_changed = Signal(str)  # a topic: "users", "items", "contract", "customers", ...
    status_message = Signal(str)
    open_page = Signal(str)  # a page key, e.g. "settings.users"


@dataclass
class AppContext:
    db: Database
    actor: Actor
    contract_id: int | None = None
    data_key: DataKey | None = None
    clock: Callable[[], datetime] = seoul_now
    signals: AppSignals = field(default_factory=AppSignals)

    def set_contract(self, contract_id: int) -> None:
        if contract_id != self.contract_id:
            self.contract_id = contract_id
            self.signals.contract_changed.emit(contract_id)
