"""Benchmark of the 집계: each aggregate against the bare SQL GROUP BY that computes it, 1,000,000 requests.

A plain script, not a test::

    /work/main/.venv/bin/python tests/bench/bench_aggregates.py [--requests N] [--rounds 5] [--fresh]
        [--only sqlite|pg]

The database holds N debit requests (25 months of 40,000 agreements for the default million), one
charge and one line per request and the ledger entries the ledger module would write (CHARGE,
DISCOUNT, REQUEST, DEBIT, FAIL), about 3.1 million rows; payment rows are left out because no
aggregate reads them. It is generated once with sqlite3 ``executemany`` / PostgreSQL ``COPY``
and kept (``/tmp/kscms_bench_agg_<N>.db``, schema ``bench_agg_<N>``) until ``--fresh``; the schema
is upgraded through the app's migrations, so the indexes of 0004_aggregate_indexes are there.

Each aggregate is timed three ways, interleaved, the fastest of ``--rounds`` (as timeit does):

* **service**: the service call (connection, contract check, labels, typed rows);
* **bare (hand)**: the GROUP BY written by hand here, on a raw DBAPI connection; its grand total is
  checked against the service's first, so it computes the same thing;
* **bare (same)**: the very SQL text and parameters the service sent to the driver (captured with a
  ``before_cursor_execute`` hook), GROUP BY statements only, on a raw DBAPI connection.

The hand-written SQL may get a different plan (SQLAlchemy binds the ``IN`` lists as parameters);
the second bare figure isolates what the service layer itself costs. Target: service ≤ 1.5 × each.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.aggregates.bulk import MONTHS, generate, open_database  # noqa: E402

TARGET = 1.5
NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)

# The hand-written SQL of each aggregate (:c contract, :a/:b the period, :m1/:m2 its months).
LIVE = "r.contract_id = :c AND r.debit_date >= :a AND r.debit_date <= :b AND r.state <> 'WITHDRAWN'"
REQUEST_SUMS = """count(*), sum(r.amount), sum(CASE WHEN r.debited_amount > 0 THEN 1 ELSE 0 END), sum(r.debited_amount),
 sum(CASE WHEN r.state IN ('FAILED','PARTIAL') THEN 1 ELSE 0 END),
 sum(CASE WHEN r.state IN ('FAILED','PARTIAL') THEN r.amount - r.debited_amount ELSE 0 END),
 sum(CASE WHEN r.state IN ('WAITING','SENT') THEN 1 ELSE 0 END),
 sum(CASE WHEN r.state IN ('WAITING','SENT') THEN r.amount ELSE 0 END)"""
BALANCES = """SELECT ch.id AS charge_id, ch.agreement_id AS agreement_id, ch.period AS period,
 sum(CASE WHEN l.kind = 'CHARGE' THEN l.amount WHEN l.kind = 'DISCOUNT' THEN -l.amount ELSE 0 END) AS owed,
 sum(CASE WHEN l.kind IN ('DEBIT','CASH') THEN l.amount WHEN l.kind = 'REVERSAL' THEN -l.amount ELSE 0 END) AS received
 FROM charge ch JOIN ledger_entry l ON l.charge_id = ch.id
 WHERE ch.contract_id = :c AND ch.period >= :m1 AND ch.period <= :m2 AND l.entry_on <= :b
   AND l.kind IN ('CHARGE','DISCOUNT','DEBIT','CASH','REVERSAL')
 GROUP BY ch.id, ch.agreement_id, ch.period"""
# 미납 as of :as_of (ledger's "what a charge is, as of a date"): something left, no request in flight
# (a REQUEST entry by :as_of whose result came after it, unless still waiting with its debit date
# gone), and a debit failed by :as_of or the debit date of (period, agreement's day) is before :as_of.
# :gone_days / :prev_gone_days are lists, expanded to one bound parameter per value by `_expand_lists`.
UNPAID = """b.owed - b.received > 0
 AND NOT EXISTS (SELECT 1 FROM ledger_entry e JOIN debit_request r ON r.id = e.debit_request_id
   WHERE e.charge_id = b.charge_id AND e.kind = 'REQUEST' AND e.entry_on <= :as_of
   AND (r.result_at IS NULL OR r.result_at >= :as_of_end) AND (r.state <> 'WAITING' OR r.debit_date >= :as_of))
 AND (EXISTS (SELECT 1 FROM ledger_entry e JOIN debit_request r ON r.id = e.debit_request_id
        WHERE e.charge_id = b.charge_id AND e.kind = 'FAIL' AND r.result_at < :as_of_end)
   OR b.period < :as_of_prev_period
   OR (b.period = :as_of_prev_period AND a.debit_day IN :prev_gone_days)
   OR (b.period = :as_of_period AND a.debit_day IN :gone_days))"""
UNPAID_SUMS = f"""count(*), sum(b.owed), sum(b.received), sum(CASE WHEN {UNPAID} THEN 1 ELSE 0 END),
 sum(CASE WHEN {UNPAID} THEN b.owed - b.received ELSE 0 END)"""

BARE: dict[str, list[str]] = {
    "이체의뢰내역집계 · 집금항목": [f"SELECT a.item_id, {REQUEST_SUMS} FROM debit_request r JOIN debit_agreement a "
                            f"ON a.id = r.agreement_id WHERE {LIVE} GROUP BY a.item_id"],
    "이체의뢰내역집계 · 고객등급": [f"SELECT coalesce(cu.grade, ''), {REQUEST_SUMS} FROM debit_request r JOIN debit_agreement a "
                            f"ON a.id = r.agreement_id JOIN customer cu ON cu.id = a.customer_id WHERE {LIVE} "
                            f"GROUP BY coalesce(cu.grade, '')"],
    "이체의뢰내역집계 · 은행": [f"SELECT r.bank_code, {REQUEST_SUMS} FROM debit_request r WHERE {LIVE} GROUP BY r.bank_code"],
    "이체의뢰현황": [f"""SELECT r.bank_code, count(*), sum(r.amount),
 sum(CASE WHEN r.state = 'WAITING' THEN 1 ELSE 0 END), sum(CASE WHEN r.state = 'SENT' THEN 1 ELSE 0 END),
 sum(CASE WHEN r.state = 'DONE' THEN 1 ELSE 0 END), sum(CASE WHEN r.state = 'PARTIAL' THEN 1 ELSE 0 END),
 sum(CASE WHEN r.state = 'FAILED' THEN 1 ELSE 0 END), sum(r.debited_amount),
 sum(CASE WHEN r.state IN ('FAILED','PARTIAL') THEN r.amount - r.debited_amount ELSE 0 END)
 FROM debit_request r WHERE {LIVE} GROUP BY r.bank_code"""],
    "미납내역집계 · 집금항목": [f"SELECT a.item_id, {UNPAID_SUMS} FROM ({BALANCES}) b JOIN debit_agreement a "
                          f"ON a.id = b.agreement_id GROUP BY a.item_id"],
    "미납내역집계 · 고객등급": [f"SELECT coalesce(cu.grade, ''), {UNPAID_SUMS} FROM ({BALANCES}) b JOIN debit_agreement a "
                          f"ON a.id = b.agreement_id JOIN customer cu ON cu.id = a.customer_id "
                          f"GROUP BY coalesce(cu.grade, '')"],
    "미납내역집계 · 은행": [f"SELECT a.bank_code, {UNPAID_SUMS} FROM ({BALANCES}) b JOIN debit_agreement a "
                        f"ON a.id = b.agreement_id GROUP BY a.bank_code"],
    "할인내역집계 · 월": ["""SELECT ch.period, count(*), sum(ch.amount), sum(l.amount) FROM ledger_entry l
 JOIN charge ch ON ch.id = l.charge_id WHERE l.contract_id = :c AND l.kind = 'DISCOUNT' AND ch.contract_id = :c
 AND ch.period >= :m1 AND ch.period <= :m2 GROUP BY ch.period"""],
    "할인내역집계 · 월·항목": ["""SELECT ch.period, a.item_id, count(*), sum(ch.amount), sum(l.amount) FROM ledger_entry l
 JOIN charge ch ON ch.id = l.charge_id JOIN debit_agreement a ON a.id = ch.agreement_id
 WHERE l.contract_id = :c AND l.kind = 'DISCOUNT' AND ch.contract_id = :c AND ch.period >= :m1 AND ch.period <= :m2
 GROUP BY ch.period, a.item_id"""],
    "계좌신청현황": ["""SELECT g.bank_code, count(*), sum(CASE WHEN g.state = 'WAITING' THEN 1 ELSE 0 END),
 sum(CASE WHEN g.state = 'SENT' THEN 1 ELSE 0 END), sum(CASE WHEN g.state = 'DONE' THEN 1 ELSE 0 END),
 sum(CASE WHEN g.state = 'FAILED' THEN 1 ELSE 0 END), sum(CASE WHEN g.state = 'WITHDRAWN' THEN 1 ELSE 0 END)
 FROM account_registration g WHERE g.contract_id = :c AND g.requested_on >= :a AND g.requested_on <= :b
 GROUP BY g.bank_code"""],
    "정산내역현황": [
        """SELECT r.debit_date, r.bank_code,
 sum(CASE WHEN r.state IN ('DONE','PARTIAL','FAILED') THEN 1 ELSE 0 END),
 sum(CASE WHEN r.debited_amount > 0 THEN 1 ELSE 0 END),
 sum(CASE WHEN r.state IN ('FAILED','PARTIAL') THEN 1 ELSE 0 END), sum(r.debited_amount),
 sum(CASE WHEN r.state IN ('DONE','PARTIAL','FAILED') THEN r.amount ELSE 0 END),
 sum(CASE WHEN r.state IN ('WAITING','SENT') THEN 1 ELSE 0 END),
 sum(CASE WHEN r.state IN ('WAITING','SENT') THEN r.amount ELSE 0 END)
 FROM debit_request r WHERE """ + LIVE + " GROUP BY r.debit_date, r.bank_code",
        """SELECT r.debit_date, r.bank_code, sum(CASE WHEN l.kind = 'DEBIT' THEN l.amount ELSE 0 END),
 sum(CASE WHEN l.kind = 'FAIL' THEN l.amount ELSE 0 END) FROM ledger_entry l
 JOIN debit_request r ON r.id = l.debit_request_id WHERE l.contract_id = :c AND l.kind IN ('DEBIT','FAIL')
 AND r.contract_id = :c AND r.debit_date >= :a AND r.debit_date <= :b GROUP BY r.debit_date, r.bank_code""",
        """SELECT g.bank_code, sum(CASE WHEN g.state = 'DONE' THEN 1 ELSE 0 END) FROM account_registration g
 WHERE g.contract_id = :c AND g.requested_on >= :a AND g.requested_on <= :b GROUP BY g.bank_code""",
    ],
}


def services(office: Any, period: Any) -> dict[str, Callable[[], Any]]:
    from app.services.aggregates import discounts as aggregates_discounts
    from app.services.aggregates import outstanding as aggregates_outstanding
    from app.services.aggregates import registrations as aggregates_registrations
    from app.services.aggregates import requests as aggregates_requests
    from app.services.aggregates import settlement
    from app.services.aggregates.common import GroupBy

    db, actor, cid = office.db, office.admin, office.contract_id
    return {
        "이체의뢰내역집계 · 집금항목": lambda: aggregates_requests.summarise(db, actor, cid, period, GroupBy.ITEM),
        "이체의뢰내역집계 · 고객등급": lambda: aggregates_requests.summarise(db, actor, cid, period, GroupBy.GRADE),
        "이체의뢰내역집계 · 은행": lambda: aggregates_requests.summarise(db, actor, cid, period, GroupBy.BANK),
        "이체의뢰현황": lambda: aggregates_requests.bank_status(db, actor, cid, period),
        "미납내역집계 · 집금항목": lambda: aggregates_outstanding.summarise(db, actor, cid, period, GroupBy.ITEM),
        "미납내역집계 · 고객등급": lambda: aggregates_outstanding.summarise(db, actor, cid, period, GroupBy.GRADE),
        "미납내역집계 · 은행": lambda: aggregates_outstanding.summarise(db, actor, cid, period, GroupBy.BANK),
        "할인내역집계 · 월": lambda: aggregates_discounts.summarise(db, actor, cid, period),
        "할인내역집계 · 월·항목": lambda: aggregates_discounts.summarise(db, actor, cid, period, by_item=True),
        "계좌신청현황": lambda: aggregates_registrations.summarise(db, actor, cid, period),
        "정산내역현황": lambda: settlement.settle(db, actor, cid, period, now=NOW),
    }


def _expand_lists(sqls: list[str], params: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """`IN :name` of a list value → `IN (:name_0, :name_1, …)`, one scalar parameter each (as SQLAlchemy's
    expanding parameters render); an empty list → `IN (NULL)`, which holds for no row."""
    import re

    lists = {k: v for k, v in params.items() if isinstance(v, list)}
    flat = {k: v for k, v in params.items() if k not in lists}
    for k, values in lists.items():
        flat.update({f"{k}_{i}": v for i, v in enumerate(values)})

    def expand(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in lists:
            return match.group(0)
        return "(" + (", ".join(f":{name}_{i}" for i in range(len(lists[name]))) or "NULL") + ")"

    return [re.sub(r":(\w+)", expand, sql) for sql in sqls], flat


def _as_of_params(office: Any, period: Any) -> dict[str, Any]:
    """The as-of values the 미납 state is bound with, as the service takes them: the period's last day or
    today (Seoul) when earlier, on the contract's calendar (bank holidays, its closed days, year-end)."""
    from app.services.collection.ledger import as_of_params
    from app.services.common.calendar import SEOUL
    from app.services.common.contract_calendar import contract_calendar

    with office.db.engine.connect() as conn:
        closing = bool(conn.exec_driver_sql(f"SELECT year_end_closing FROM contract WHERE id = {int(office.contract_id)}")
                       .scalar())
        calendar = contract_calendar(conn, office.contract_id, closing)
    values = as_of_params(calendar, min(period.end, datetime.now(SEOUL).date()))
    # result_at is naive UTC in the column (UtcDateTime), so the bound instant is too.
    values["as_of_end"] = values["as_of_end"].astimezone(UTC).replace(tzinfo=None)
    return values


def _bare_runner(db: Any, sqls: list[str], params: dict[str, Any]) -> Callable[[], list[list[Any]]]:
    """The SQL on a raw DBAPI connection (no ORM, no typed rows), named parameters bound natively."""
    sqls, params = _expand_lists(sqls, params)
    if db.is_sqlite:
        texts = [sql for sql in sqls]
        bound = {k: (v.isoformat(" ", "microseconds") if isinstance(v, datetime)
                     else v.isoformat() if isinstance(v, date) else v) for k, v in params.items()}
    else:
        import re

        texts = [re.sub(r":(\w+)", r"%(\1)s", sql) for sql in sqls]
        bound = params

    def run() -> list[list[Any]]:
        raw = db.engine.raw_connection()
        try:
            out = []
            for text in texts:
                cursor = raw.cursor()
                cursor.execute(text, bound)
                out.append(cursor.fetchall())
                cursor.close()
            return out
        finally:
            raw.close()

    return run


def _captured_runner(db: Any, call: Callable[[], Any]) -> Callable[[], list[list[Any]]]:
    """The GROUP BY statements `call` sends to the driver, replayed as they were on a raw connection."""
    from sqlalchemy import event

    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if "GROUP BY" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)

    def run() -> list[list[Any]]:
        raw = db.engine.raw_connection()
        try:
            out = []
            for statement, parameters in seen:
                cursor = raw.cursor()
                cursor.execute(statement, parameters)
                out.append(cursor.fetchall())
                cursor.close()
            return out
        finally:
            raw.close()

    return run


def _check(name: str, service_result: Any, bare: list[list[Any]]) -> None:
    """The bare SQL must compute what the service shows (its grand total), or the timing means nothing."""
    first = bare[0]
    if name.startswith("정산"):
        want, got = service_result.total.debited_amount, sum(int(r[5] or 0) for r in first)
    elif name.startswith("계좌신청"):
        want, got = service_result.total.total_count, sum(int(r[1] or 0) for r in first)
    elif name.startswith("할인"):
        want, got = service_result.total.discount_amount, sum(int(r[-1] or 0) for r in first)
    elif name.startswith("미납"):
        want, got = service_result.total.unpaid_amount, sum(int(r[5] or 0) for r in first)
    else:
        want, got = service_result.total.requested_amount, sum(int(r[2] or 0) for r in first)
    if want != got:
        raise SystemExit(f"{name}: bare SQL total {got:,} ≠ service total {want:,}")


def _timed(run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def bench(label: str, office: Any, period: Any, rounds: int) -> list[tuple[str, float, float]]:
    """Returns (name, service seconds, the faster bare seconds) per aggregate."""
    params = {"c": office.contract_id, "a": period.start, "b": period.end, "m1": period.first_month,
              "m2": period.last_month, **_as_of_params(office, period)}
    results = []
    for name, call in services(office, period).items():
        hand = _bare_runner(office.db, BARE[name], params)
        _check(name, call(), hand())  # also the warm-up of both
        same = _captured_runner(office.db, call)
        same()
        times: dict[str, list[float]] = {"service": [], "hand": [], "same": []}
        for _ in range(rounds):
            times["hand"].append(_timed(hand))
            times["same"].append(_timed(same))
            times["service"].append(_timed(call))
        # The fastest round of each, as timeit does: on a shared machine interference only adds time,
        # so the minimum is the steadiest estimate of what the work itself costs.
        s, h, b = (min(times[k]) for k in ("service", "hand", "same"))
        fastest = min(h, b)
        results.append((name, s, fastest))
        verdict = "ok" if s <= TARGET * fastest else "SLOW"
        print(f"  {label:<24} {name:<16} service {s * 1000:8.1f} ms | bare hand {h * 1000:8.1f} ms "
              f"same {b * 1000:8.1f} ms | ratio {s / fastest:4.2f} {verdict}", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="generate the data again")
    parser.add_argument("--only", choices=("sqlite", "pg"))
    args = parser.parse_args()
    from app.services.common.periods import Period

    worst = 0.0
    for kind in ("sqlite", "pg"):
        if args.only and kind != args.only:
            continue
        office = open_database(kind, args.requests)
        if args.fresh or not office.generated:
            generate(office, args.requests)
        print(f"{kind}: {args.requests:,} debit requests over {MONTHS} months", flush=True)
        for label, period in (("this month (11-01~11-27)", Period(date(2026, 11, 1), date(2026, 11, 27))),
                              (f"all {MONTHS} months", Period(date(2024, 11, 1), date(2026, 11, 30)))):
            for _name, s, b in bench(label, office, period, args.rounds):
                worst = max(worst, s / b)
        office.db.dispose()
    print(f"worst ratio service / faster bare SQL: {worst:.2f} (target ≤ {TARGET})")


if __name__ == "__main__":
    main()
