"""Benchmark of the CMS codec: encode and decode an EB21 and an EB22 of 100,000 records each.

A plain script, not a test: ``/work/main/.venv/bin/python tests/bench/bench_codec.py``.
Prints seconds and records per second for each step (best of a few rounds, since these shared
machines move by ±15 %). The target is EB21 encoding well under 1.5 s for 100,000 records.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.services.exchange.cms import (
    DebitHeader,
    DebitRecord,
    debit_outcomes,
    decode_eb21,
    decode_eb22,
    encode_eb21,
    encode_eb22,
)

COUNT = 100_000
ROUNDS = 3
DAY = dt.date(2026, 3, 16)
HEADER = DebitHeader("9912345678", DAY, "0880000", "1002003004005")
PASSBOOKS = ("케이에스학원", "KSCMS", "관리비", "후원회비")
BANKS = ("0040000", "0880000", "0200000", "0810000", "0110000")


def requests(n: int) -> list[DebitRecord]:
    return [
        DebitRecord(
            sequence=i,
            bank_branch_code=BANKS[i % len(BANKS)],
            account_no=f"{1000000000 + i * 7919:014d}",
            amount=10_000 + (i % 500) * 100,
            holder_id=f"{80 + i % 20:02d}{1 + i % 12:02d}{1 + i % 28:02d}",
            passbook_text=PASSBOOKS[i % len(PASSBOOKS)],
            customer_no=f"C{i:09d}",
            phone="01012345678" if i % 3 else "",
        )
        for i in range(1, n + 1)
    ]


def results(reqs: list[DebitRecord]) -> list[DebitRecord]:
    """Every request failed (0021), so the EB22 holds as many records as the EB21."""
    return [
        DebitRecord(
            sequence=r.sequence,
            bank_branch_code=r.bank_branch_code,
            account_no=r.account_no,
            amount=r.amount,
            holder_id=r.holder_id,
            passbook_text=r.passbook_text,
            customer_no=r.customer_no,
            phone=r.phone,
            result_flag="N",
            reason_code="0021",
        )
        for r in reqs
    ]


def best(label: str, fn: Callable[[], Any], count: int = COUNT) -> Any:
    times = []
    value = None
    for _ in range(ROUNDS):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    seconds = min(times)
    print(f"{label:<34} {seconds:7.3f} s   {count / seconds:>10,.0f} records/s   (rounds: "
          + ", ".join(f"{t:.3f}" for t in times) + ")")
    return value


def main() -> None:
    reqs = requests(COUNT)
    res = results(reqs)
    print(f"CMS codec, {COUNT:,} records, best of {ROUNDS} rounds, Python {sys.version.split()[0]}")
    eb21 = best("encode EB21", lambda: encode_eb21(HEADER, reqs))
    request = best("decode EB21", lambda: decode_eb21(eb21, "EB210316_2026"))
    eb22 = best("encode EB22", lambda: encode_eb22(HEADER, res))
    best("decode EB22", lambda: decode_eb22(eb22, "EB220316_2026"))
    result = decode_eb22(eb22, "EB220316_2026")
    best("decode EB22 + check against EB21", lambda: decode_eb22(eb22, "EB220316_2026", request))
    best("outcomes (check + 100k outcomes)", lambda: debit_outcomes(request, result))
    print(f"EB21 size {len(eb21):,} bytes, EB22 size {len(eb22):,} bytes")


if __name__ == "__main__":
    main()
