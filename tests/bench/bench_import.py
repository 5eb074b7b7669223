"""Benchmark of 일괄등록: 100,000 customers read, checked, encrypted and inserted, against the bare readers.

A plain script, not a test: ``/work/main/.venv/bin/python tests/bench/bench_import.py [--rows N]``.

Each case runs in a fresh child process (so one case's memory and caches do not help another) and
reports wall seconds and peak memory (ru_maxrss). The figure that matters is the ratio measured
in the same run: the whole import on SQLite and on PostgreSQL must finish within the time
openpyxl in read-only mode takes merely to read every cell of the same file, with peak memory
under 500 MB. The file is generated once with openpyxl write-only into /tmp.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

DEFAULT_ROWS = 100_000
MEMORY_LIMIT_MB = 500


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


def case_openpyxl(path: Path) -> dict[str, float]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    cells = sum(1 for row in wb["고객목록"].iter_rows(values_only=True) for _ in row)
    wb.close()
    return {"cells": cells}


def case_calamine(path: Path) -> dict[str, float]:
    import python_calamine

    sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("고객목록")
    return {"cells": sum(len(row) for row in sheet.iter_rows())}


def _office_db(url: str):
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
    started = time.perf_counter()
    preview = imports.preview_import(office.db, office.admin, office.contract_id, path)
    checked = time.perf_counter()
    result = imports.run_import(office.db, office.admin, preview, key)
    done = time.perf_counter()
    office.db.dispose()
    return {"preview_s": checked - started, "write_s": done - checked, "imported": result.imported,
            "errors": preview.error_count}


def child(case: str, path: Path, url: str) -> None:
    started = time.perf_counter()
    if case == "openpyxl":
        extra = case_openpyxl(path)
    elif case == "calamine":
        extra = case_calamine(path)
    else:
        extra = case_import(path, url)
    seconds = extra["preview_s"] + extra["write_s"] if "preview_s" in extra else time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "peak_mb": _peak_mb(), **extra}))


def run_child(case: str, path: Path, url: str = "") -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", case, "--file", str(path), "--url", url],
                         check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _pg_schema() -> tuple[str, str] | None:
    """A fresh schema on the test PostgreSQL server, or None when none answers."""
    base = os.environ.get("KSCMS_TEST_PG_URL", "postgresql://root@127.0.0.1:5432/test")
    try:
        import psycopg

        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(base, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
    except Exception as error:  # noqa: BLE001 - no server means no PostgreSQL figure
        print(f"PostgreSQL skipped: {error}")
        return None
    sep = "&" if "?" in base else "?"
    return base, f"{base}{sep}options=-csearch_path%3D{schema}"


def _reset_schema(base: str, url: str) -> None:
    """An empty schema again for the next round (the same name, so the URL stays valid)."""
    _drop_schema(base, url)
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {url.rsplit('%3D', 1)[1]}")


def _drop_schema(base: str, url: str) -> None:
    import psycopg

    schema = url.rsplit("%3D", 1)[1]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--child")
    parser.add_argument("--file")
    parser.add_argument("--url", default="")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds; each figure is the best")
    args = parser.parse_args()
    if args.child:
        child(args.child, Path(args.file), args.url)
        return 0
    path = bench_file(args.rows)
    print(f"file: {path} ({path.stat().st_size / 1e6:.1f} MB, {args.rows:,} rows × 28 columns), "
          f"best of {args.rounds} interleaved rounds")
    pg = _pg_schema()
    figures: dict[str, dict[str, float]] = {}
    try:
        for round_no in range(1, args.rounds + 1):
            cases = [("openpyxl read-only, every cell", "openpyxl", ""), ("calamine, every cell", "calamine", "")]
            sqlite_file = Path(f"/tmp/kscms_bench_import_{uuid.uuid4().hex[:8]}.db")
            cases.append(("import on SQLite", "import", f"sqlite:///{sqlite_file}"))
            if pg:
                _reset_schema(*pg)
                cases.append(("import on PostgreSQL", "import", pg[1]))
            for name, case, url in cases:
                figure = run_child(case, path, url)
                print(f"  round {round_no}: {name:32s} {figure['seconds']:6.2f} s", flush=True)
                best = figures.get(name)
                if best is None or figure["seconds"] < best["seconds"]:
                    figures[name] = {**figure, "peak_mb": max(figure["peak_mb"], best["peak_mb"] if best else 0)}
                else:
                    best["peak_mb"] = max(best["peak_mb"], figure["peak_mb"])
            for suffix in ("", "-wal", "-shm"):
                Path(f"{sqlite_file}{suffix}").unlink(missing_ok=True)
    finally:
        if pg:
            _drop_schema(*pg)
    baseline = figures["openpyxl read-only, every cell"]["seconds"]
    ok = True
    for name, figure in figures.items():
        parts = [f"{figure['seconds']:6.2f} s", f"peak {figure['peak_mb']:6.0f} MB"]
        if "preview_s" in figure:
            parts.append(f"(check {figure['preview_s']:.2f} s + write {figure['write_s']:.2f} s, "
                         f"{int(figure['imported']):,} imported)")
            within = figure["seconds"] <= baseline and figure["peak_mb"] < MEMORY_LIMIT_MB
            ok &= within
            parts.append(f"{figure['seconds'] / baseline:.2f}× openpyxl → {'OK' if within else 'TOO SLOW/BIG'}")
        print(f"{name:34s} " + "  ".join(parts))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
