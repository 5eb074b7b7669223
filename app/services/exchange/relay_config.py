"""Which relay this installation talks to, kept in the shared settings table (key ``relay.config``).

Every PC on the database uses the same relay, so the choice lives in the database (`AppSetting`),
not in a PC's own settings; it holds no secret (the SFTP credential is in each PC's OS keyring).
An installation that never chose gets the built-in bank simulator, so a fresh install works end to
end. `transport_factory` turns the stored choice into one Transport per contract (the relay keeps
one folder per 이용기관코드), reading the setting at each use so a change applies without restart.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from app import config as app_config
from app.database.engine import Database
from app.models import AppSetting
from app.services.common import audit
from app.services.common.errors import ServiceError
from app.services.common.session import Actor
from app.services.exchange.relay.base import Transport
from app.services.exchange.relay.config import SETTINGS_KEY, RelayConfig, make_transport
from app.services.exchange.transmissions import ContractInfo


def load(db: Database) -> RelayConfig:
    """The stored relay choice, or the default (built-in simulator) when none was saved."""
    with db.session() as s:
        row = s.get(AppSetting, SETTINGS_KEY)
        text = row.value if row is not None else None
    try:
        return RelayConfig.from_json(text)
    except ValueError as error:
        raise ServiceError(f"{error} 환경설정에서 중계 설정을 다시 저장하세요.") from None


def save(db: Database, actor: Actor, relay: RelayConfig) -> None:
    """Store the relay choice for every PC on this database (administrators only, audited)."""
    actor.require_admin()
    text = relay.to_json()
    with db.session() as s:
        row = s.get(AppSetting, SETTINGS_KEY)
        if row is None:
            s.add(AppSetting(key=SETTINGS_KEY, value=text, updated_by=actor.login_id))
        elif row.value != text:
            row.value = text
            row.updated_by = actor.login_id
        else:
            return
        audit.record(s, "settings_changed", actor=actor, target=SETTINGS_KEY, detail={"mode": relay.mode})


TransportFactory = Callable[[ContractInfo], Transport]


def transport_factory(
    db: Database, *, clock: Callable[[], datetime], data_dir: Path | None = None
) -> TransportFactory:
    """A function giving the Transport to a contract's relay folder under the stored relay choice."""

    def transport_for(contract: ContractInfo) -> Transport:
        relay = load(db)
        try:
            return make_transport(
                relay, data_dir=data_dir or app_config.data_dir(), clock=clock,
                institution_code=contract.institution_code,
            )
        except ValueError as error:
            raise ServiceError(f"중계 설정이 올바르지 않습니다: {error}") from None

    return transport_for
