"""Personal numbers at rest: the database, read raw below the application, holds no plaintext number."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.database.engine import Database
from app.services.common.crypto import DataKey
from app.services.customers import agreements, exports
from app.services.customers import records as customers
from tests.customers.conftest import RESIDENT, TODAY, agreement, item_ids, person
from tests.factories import Office

SECRETS = ("9001011234568", "900101-1234568", "1234568", "3560987654321", "356-0987-6543-21", "35609876",
           "220333444555", "22033344")


def _sqlite_values(path: str) -> Iterator[tuple[str, str, Any]]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                for column, value in zip(columns, row, strict=True):
                    yield table, column, value
    finally:
        conn.close()


def _postgres_values(url: str) -> Iterator[tuple[str, str, Any]]:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")]
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            columns = [d.name for d in cursor.description or ()]
            for row in cursor:
                for column, value in zip(columns, row, strict=True):
                    yield table, column, value


def _found(value: Any, secret: str) -> bool:
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        return secret.encode("ascii") in raw or secret.encode("utf-16-le") in raw
    return value is not None and secret in str(value)


def test_no_plaintext_resident_or_account_number_anywhere_in_the_database(
        office: Office, key: DataKey, tmp_path: Path) -> None:
    db: Database = office.db
    customer_id = customers.create_customer(db, office.admin, office.contract_id,
                                            person(resident_no=RESIDENT, memo="학부모 상담 메모"), key).id
    agreement_id = agreements.create_agreement(db, office.admin, customer_id,
                                               agreement(item_ids(db, office)["수강료"]), data_key=key, today=TODAY).id
    with db.session() as s:  # sent and accepted, so that the change below queues a cancel with a copy
        from sqlalchemy import update

        from app.models import AccountRegistration, RegistrationState

        s.execute(update(AccountRegistration).values(state=RegistrationState.DONE))
    version = customers.get_customer_detail(db, office.admin, customer_id).agreements[0].version_id
    agreements.update_agreement(db, office.admin, agreement_id, agreement(0, account_no="220-333-444555"),
                                version_id=version, data_key=key, today=TODAY)
    customers.reveal_personal_data(db, office.admin, customer_id, key)
    exports.export_customers(db, office.admin, office.contract_id, tmp_path / "all.xlsx", unmasked=True, data_key=key)

    url = db.engine.url
    if db.is_sqlite:
        values = list(_sqlite_values(str(url.database)))
        db.dispose()  # checkpoints the WAL into the file that would be copied
        for file in Path(str(url.database)).parent.glob(Path(str(url.database)).name + "*"):
            # the file itself (and its WAL), as copied off the PC
            content = file.read_bytes()
            assert not [s for s in SECRETS if s.encode("ascii") in content], f"plaintext in {file.name}"
    else:
        values = list(_postgres_values(url.render_as_string(hide_password=False)))
    assert values, "the scan read nothing"
    leaks = [(table, column, secret) for table, column, value in values for secret in SECRETS if _found(value, secret)]
    assert leaks == []
    # …while the masks the screens need are there, and the key opens the numbers again.
    masks = {str(v) for _t, c, v in values if c in ("resident_no_masked", "account_last4")}
    assert {"900101-1******", "4555", "4321"} <= masks
