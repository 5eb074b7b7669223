"""Benchmark of 일괄등록: 100,000 customers read, checked, encrypted and inserted, against calamine's bare read.

A plain script, not a test::

    /work/main/.venv/bin/python tests/bench/bench_import.py [--rows N] [--rounds R] [--openpyxl]

Each case runs in a fresh child process (so one case's memory and caches do not help another) and
reports wall seconds, CPU seconds of the process and peak memory (ru_maxrss); on PostgreSQL the
server's own work shows in the wall figure only. The cases of one round
run one after another and the rounds are interleaved, so a busy machine slows every case alike; each
figure is the best of the rounds and the ratios are taken within this one run (issue 21):

- **calamine, every cell** — the yardstick: python-calamine opening the file and handing over every
  cell of the sheet, which the import cannot do without.
- **import on SQLite / PostgreSQL** — `preview_import` (read, check) plus `run_import` (encrypt,
  write, commit) on an empty contract; goal within 2.5× calamine on SQLite and 3× on PostgreSQL,
  peak memory under 400 MB.
- **bare SQL writes** — the same rows the import writes (captured from it, untimed), sent by the
  driver alone in one transaction: ``executemany`` on SQLite, binary ``COPY`` on PostgreSQL. No
  import can write faster than this, so "calamine + bare SQL" is printed as the floor any import of
  this file reaches on that database, to read the import's ratio against.
- **openpyxl read-only, every cell** (``--openpyxl``) — the first round's yardstick, for comparison.

The file is generated once with openpyxl write-only into /tmp; SQLite files and PostgreSQL schemas
are made fresh for every case and removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

DEFAULT_ROWS = 100_000
MEMORY_LIMIT_MB = 400
GOALS = {"SQLite": 2.5, "PostgreSQL": 3.0}


def bench_file(rows: int) -> Path:
    from tests.imports.workbooks import write_customers

    path = Path(f"/tmp/kscms_bench_import_{rows}.xlsx")
    if not path.exists():
        started = time.perf_counter()
        write_customers(path.with_suffix(".part.xlsx"), rows, write_only=True)
        path.with_suffix(".part.xlsx").rename(path)
        print(f"generated {path} ({rows:,} rows) in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, value


# --- the cases, each run in a child process ------------------------------------------------------


def case_openpyxl(path: Path) -> dict[str, float]:
    from openpyxl import load_workbook

    def read() -> int:
        wb = load_workbook(path, read_only=True, data_only=True)
        cells = sum(1 for row in wb["고객목록"].iter_rows(values_only=True) for _ in row)
        wb.close()
        return cells

    wall, cpu, cells = _timed(read)
    return {"seconds": wall, "cpu": cpu, "cells": cells}


def case_calamine(path: Path) -> dict[str, float]:
    import python_calamine

    def read() -> int:
        sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("고객목록")
        return sum(len(row) for row in sheet.iter_rows())

    wall, cpu, cells = _timed(read)
    return {"seconds": wall, "cpu": cpu, "cells": cells}


def _office_db(url: str) -> Any:
    from app.database import migrate as migrations
    from app.database.engine import Database
    from app.services.common.passwords import use_fast_hashing_for_tests
    from tests.factories import make_office

    use_fast_hashing_for_tests()
    db = Database.from_url(url)
    migrations.upgrade(db.engine)
    return make_office(db)


def case_import(path: Path, url: str) -> dict[str, float]:
    from app.services.common.crypto import DataKey
    from app.services.customers.imports import flow as imports

    office = _office_db(url)
    key = DataKey.generate()
    check_wall, check_cpu, preview = _timed(
        lambda: imports.preview_import(office.db, office.admin, office.contract_id, path))
    write_wall, write_cpu, result = _timed(lambda: imports.run_import(office.db, office.admin, preview, key))
    office.db.dispose()
    return {"seconds": check_wall + write_wall, "cpu": check_cpu + write_cpu, "check_s": check_wall,
            "write_s": write_wall, "imported": result.imported, "errors": preview.error_count}


def case_bare(path: Path, url: str, target: str) -> dict[str, float]:
    """The rows the import writes (captured from a whole import into `url`, untimed), written again by
    the driver alone into the fresh database `target` (its office made the same way, so the ids match)."""
    from app.services.common.crypto import DataKey
    from app.services.customers.imports import flow as imports
    from app.services.customers.imports import writer

    office = _office_db(url)
    captured: list[tuple[Any, tuple[str, ...], list[tuple[Any, ...]]]] = []
    insert = writer._Bulk.insert

    def capture(bulk: Any, table: Any, columns: Any, rows: list[tuple[Any, ...]]) -> None:
        captured.append((table, tuple(columns), list(rows)))
        insert(bulk, table, columns, rows)

    preview = imports.preview_import(office.db, office.admin, office.contract_id, path)
    writer._Bulk.insert = capture  # type: ignore[method-assign]
    imports.run_import(office.db, office.admin, preview, DataKey.generate())
    office.db.dispose()
    fresh = _office_db(target)
    raw = fresh.db.engine.raw_connection()
    postgres = fresh.db.engine.dialect.name == "postgresql"

    def write() -> int:
        driver = raw.driver_connection
        count = 0
        for table, columns, rows in captured:
            names = ", ".join(columns)
            if postgres:
                with driver.cursor() as cur, cur.copy(f"COPY {table.name} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types([writer._pg_type(table.c[name].type) for name in columns])
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in columns)
                driver.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)
            count += len(rows)
        raw.commit()
        return count

    wall, cpu, count = _timed(write)
    raw.close()
    fresh.db.dispose()
    return {"seconds": wall, "cpu": cpu, "rows": count}


def child(case: str, path: Path, url: str, target: str) -> None:
    cases: dict[str, Callable[[], dict[str, float]]] = {
        "openpyxl": lambda: case_openpyxl(path), "calamine": lambda: case_calamine(path),
        "import": lambda: case_import(path, url), "bare": lambda: case_bare(path, url, target),
    }
    figure = cases[case]()
    print(json.dumps({**figure, "peak_mb": _peak_mb()}))


def run_child(case: str, path: Path, url: str = "", target: str = "") -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", case, "--file", str(path), "--url", url,
                          "--target", target],
                         check=True, capture_output=True, text=True, cwd=ROOT)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# --- databases ----------------------------------------------------------------------------------


def _pg_base() -> str | None:
    """The test PostgreSQL server's URL, or None when none answers."""
    base = os.environ.get("KSCMS_TEST_PG_URL", "postgresql://root@127.0.0.1:5432/test")
    try:
        import psycopg

        with psycopg.connect(base, autocommit=True, connect_timeout=5):
            pass
    except Exception as error:  # noqa: BLE001 - no server means no PostgreSQL figure
        print(f"PostgreSQL skipped: {error}")
        return None
    return base


class Fresh:
    """A fresh database for one case: an SQLite file in /tmp or a schema on the server; removed after."""

    def __init__(self, kind: str, pg_base: str | None) -> None:
        self.kind, self.base = kind, pg_base
        self.name = f"bench_{uuid.uuid4().hex[:10]}"

    def __enter__(self) -> str:
        if self.kind == "SQLite":
            return f"sqlite:////tmp/kscms_{self.name}.db"
        import psycopg

        assert self.base is not None
        with psycopg.connect(self.base, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {self.name}")
        sep = "&" if "?" in self.base else "?"
        return f"{self.base}{sep}options=-csearch_path%3D{self.name}"

    def __exit__(self, *_exc: object) -> None:
        if self.kind == "SQLite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"/tmp/kscms_{self.name}.db{suffix}").unlink(missing_ok=True)
            return
        import psycopg

        assert self.base is not None
        with psycopg.connect(self.base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {self.name} CASCADE")


# --- the run ------------------------------------------------------------------------------------


def _keep_best(figures: dict[str, dict[str, float]], name: str, figure: dict[str, float]) -> None:
    best = figures.get(name)
    peak = max(figure["peak_mb"], best["peak_mb"] if best else 0)
    if best is None or figure["seconds"] < best["seconds"]:
        figures[name] = {**figure, "peak_mb": peak}
    else:
        best["peak_mb"] = peak


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; each figure is the best")
    parser.add_argument("--openpyxl", action="store_true", help="also time openpyxl read-only (slow)")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--child")
    parser.add_argument("--file")
    parser.add_argument("--url", default="")
    parser.add_argument("--target", default="", help="the second fresh database of the bare case")
    args = parser.parse_args()
    if args.child:
        child(args.child, Path(args.file), args.url, args.target)
        return 0
    path = bench_file(args.rows)
    from tests.imports.workbooks import HEADER

    print(f"file: {path} ({path.stat().st_size / 1e6:.1f} MB, {args.rows:,} rows × {len(HEADER)} columns), "
          f"best of {args.rounds} interleaved rounds; wall s (CPU s of the process)", flush=True)
    pg = None if args.no_pg else _pg_base()
    databases = ["SQLite"] + (["PostgreSQL"] if pg else [])
    figures: dict[str, dict[str, float]] = {}
    for round_no in range(1, args.rounds + 1):
        cases: list[tuple[str, str, str]] = [("calamine, every cell", "calamine", "")]
        if args.openpyxl:
            cases.append(("openpyxl read-only, every cell", "openpyxl", ""))
        for db in databases:
            cases += [(f"import on {db}", "import", db), (f"bare SQL writes on {db}", "bare", db)]
        for name, case, db in cases:
            if db:
                with Fresh(db, pg) as url, Fresh(db, pg) as target:
                    figure = run_child(case, path, url, target)
            else:
                figure = run_child(case, path)
            print(f"  round {round_no}: {name:32s} {figure['seconds']:6.2f} s ({figure['cpu']:5.2f} s CPU)", flush=True)
            _keep_best(figures, name, figure)
    return report(figures, databases)


def report(figures: dict[str, dict[str, float]], databases: list[str]) -> int:
    yardstick = figures["calamine, every cell"]
    base, base_cpu = yardstick["seconds"], yardstick["cpu"]
    ok = True
    print()
    for name, figure in figures.items():
        parts = [f"{figure['seconds']:6.2f} s ({figure['cpu']:5.2f} s CPU)", f"peak {figure['peak_mb']:4.0f} MB",
                 f"{figure['seconds'] / base:4.2f}× calamine (CPU {figure['cpu'] / base_cpu:4.2f}×)"]
        if "check_s" in figure:
            db = name.rsplit(" ", 1)[-1]
            within = figure["seconds"] <= GOALS[db] * base and figure["peak_mb"] < MEMORY_LIMIT_MB
            ok &= within
            parts.append(f"check {figure['check_s']:.2f} s + write {figure['write_s']:.2f} s, "
                         f"{int(figure['imported']):,} imported; goal {GOALS[db]}× and < {MEMORY_LIMIT_MB} MB → "
                         f"{'OK' if within else 'NOT MET'}")
        print(f"{name:34s} " + "  ".join(parts))
    for db in databases:
        bare = figures[f"bare SQL writes on {db}"]
        print(f"floor on {db:10s}: calamine + bare SQL = {(base + bare['seconds']) / base:4.2f}× calamine "
              f"(CPU {(base_cpu + bare['cpu']) / base_cpu:4.2f}×)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
