"""Copy a whole database built elsewhere into an empty one, in one transaction: the demo's all-or-nothing.

The demo academy is lived through the real services, and every service commits its own unit of
work, so it cannot be one transaction of the target database. It is built in a scratch SQLite file
instead and only then copied, every table in foreign-key order, inside a single transaction of the
target. A failure or a kill at any moment before the commit leaves the target as it was; the same
code serves SQLite and PostgreSQL.

Details that make the copy faithful:

* Ids are kept, so every foreign key still points where it did. A row pointing at a later row of
  its own table (a cash receipt at the reversal that undoes it) is inserted without that column and
  pointed afterwards. Tables no other table refers to (the audit log) take the target's own ids.
* On PostgreSQL each id sequence is moved past the copied ids, so the next row the program inserts
  does not collide with them.
* Timestamps the services took from the wall clock while the history was being lived (created_at,
  the audit log) are moved to the simulated moment they belong to (`Shift`), so the lists show three
  months of history rather than twenty seconds of today.
* Settings rows (`app_setting`) replace a row of the same key; the sender lease is not copied (it
  belongs to the process that built the demo).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Integer, Table, func, inspect, select, text

from app.database.engine import Database
from app.models import Base, Institution
from app.models.base import UtcDateTime
from app.services.common.errors import ServiceError

SKIPPED = frozenset({"scheduler_lease"})
REPLACED_BY_KEY = frozenset({"app_setting"})
CHUNK = 2_000
NOT_EMPTY = "데이터베이스가 비어 있지 않습니다. 빈 데이터베이스에서만 데모 데이터를 만듭니다."


class Shift:
    """Maps a wall-clock stamp taken during the build to the simulated moment of that part of the build.

    `marks` are (real UTC, simulated) pairs noted at every move of the simulated clock, in order. A
    stamp between the first mark and `until` is given the simulated moment of the last mark before
    it; any other value (a moment the services were given explicitly) is left alone.
    """

    def __init__(self, marks: Sequence[tuple[datetime, datetime]], until: datetime) -> None:
        self._real = [real.astimezone(UTC) for real, _sim in marks]
        self._sim = [sim.astimezone(UTC) for _real, sim in marks]
        self._until = until.astimezone(UTC)

    def __call__(self, value: datetime) -> datetime:
        if not self._real or not self._real[0] <= value <= self._until:
            return value
        return self._sim[bisect_right(self._real, value) - 1]


def _tables(source: Database) -> list[Table]:
    present = set(inspect(source.engine).get_table_names())
    return [t for t in Base.metadata.sorted_tables if t.name in present and t.name not in SKIPPED]


def _referenced(tables: Sequence[Table]) -> set[str]:
    return {fk.column.table.name for t in tables for fk in t.foreign_keys if fk.column.table is not t}


def _integer_key(table: Table) -> str | None:
    keys = list(table.primary_key.columns)
    if len(keys) == 1 and isinstance(keys[0].type, Integer):
        return keys[0].name
    return None


def _refuse_unless_empty(conn: Connection, tables: Sequence[Table], referenced: set[str]) -> None:
    """Kept ids collide with rows already there: every table others refer to must be empty."""
    if conn.execute(select(func.count()).select_from(Institution)).scalar():
        raise ServiceError(NOT_EMPTY)
    for table in tables:
        if table.name in referenced and conn.execute(select(func.count()).select_from(table)).scalar():
            raise ServiceError(NOT_EMPTY)


def _rows(source: Connection, table: Table, shift: Shift) -> list[dict[str, Any]]:
    stamped = [c.name for c in table.columns if isinstance(c.type, UtcDateTime)]
    order = list(table.primary_key.columns)
    rows = [dict(r) for r in source.execute(select(table).order_by(*order)).mappings()]
    for row in rows:
        for name in stamped:
            if row[name] is not None:
                row[name] = shift(row[name])
    return rows


def _copy_table(source: Connection, target: Connection, table: Table, shift: Shift, *, keep_ids: bool) -> None:
    rows = _rows(source, table, shift)
    if not rows:
        return
    key = _integer_key(table)
    if table.name in REPLACED_BY_KEY:
        names = [row[c.name] for row in rows for c in table.primary_key.columns]
        target.execute(table.delete().where(next(iter(table.primary_key.columns)).in_(names)))
    if not keep_ids and key is not None:
        for row in rows:
            del row[key]
    self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    stamped_on_update = [c.name for c in table.columns if c.onupdate is not None]
    later: list[tuple[Any, dict[str, Any]]] = []
    for row in rows:
        pointers = {name: row[name] for name in self_refs if row[name] is not None}
        if pointers and key is not None:
            # The column's own onupdate stamp would date the row to the copy: keep the row's.
            later.append((row[key], {**pointers, **{name: row[name] for name in stamped_on_update}}))
            row.update(dict.fromkeys(pointers))
    for start in range(0, len(rows), CHUNK):
        target.execute(table.insert(), rows[start:start + CHUNK])
    if key is not None:
        column = table.c[key]
        for row_id, values in later:
            target.execute(table.update().where(column == row_id).values(values))


def _move_sequences(target: Connection, tables: Sequence[Table]) -> None:
    """PostgreSQL: the next id of each copied table comes after the copied ones."""
    for table in tables:
        key = _integer_key(table)
        if key is None:
            continue
        target.execute(
            text(f'SELECT setval(pg_get_serial_sequence(:table, :column), MAX("{key}")) FROM "{table.name}" '
                 f'HAVING MAX("{key}") IS NOT NULL'),
            {"table": table.name, "column": key},
        )


def copy_all(source: Database, target: Database, shift: Shift) -> None:
    """Every row of `source` into the empty `target`, in one transaction of the target (see the docstring)."""
    tables = _tables(source)
    referenced = _referenced(tables)
    with source.engine.connect() as read, target.engine.begin() as write:
        _refuse_unless_empty(write, tables, referenced)
        for table in tables:
            _copy_table(read, write, table, shift, keep_ids=table.name in referenced)
        if write.dialect.name == "postgresql":
            _move_sequences(write, [t for t in tables if t.name in referenced])
