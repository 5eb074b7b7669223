"""Benchmark of the 집계 PDF: a 10,000-row drill-down report written in under 5 seconds.

A plain script, not a test::

    /work/main/.venv/bin/python tests/bench/bench_pdf.py [--rows 10000] [--rounds 3] [--out /tmp/bench_report.pdf]

The report is the real 이체의뢰내역집계 상세내역 layout (A4 landscape, 13 columns, Korean names, one
section per item with its 소계, the 합계, the header on every page, "x / y 쪽") filled with rows
made up here, so the figure is reportlab's and ours, not the database's. Also written: the same
rows as .xlsx, for comparison. Median of ``--rounds``, each round in this process (fonts are
registered once, as in the app).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 5.0


def make_report(rows: int):
    from app.services.aggregates.common import GroupBy, ReportContext
    from app.services.aggregates.reports import layouts
    from app.services.aggregates.requests import RequestDetailRow
    from app.services.common.periods import Period

    items = ("수강료", "교재비", "차량비", "특강비")
    states = ("이체처리완료", "이체처리완료", "이체처리완료", "이체처리미완료", "부분출금")
    groups: dict[str, list[RequestDetailRow]] = {item: [] for item in items}
    for n in range(rows):
        item = items[n % len(items)]
        state = states[n % len(states)]
        amount = 100_000 + (n % 50) * 1000
        debited = amount if state == "이체처리완료" else (amount // 2 if state == "부분출금" else 0)
        groups[item].append(RequestDetailRow(
            request_id=n, debit_date=date(2026, 11, 5) + timedelta(days=n % 20), customer_no=f"C{n:07d}",
            customer_name=f"홍길동{n % 1000:03d}", grade=("초등3", "중1", "고2")[n % 3], item=item,
            bank=("KB국민은행", "신한은행", "우리은행", "NH농협은행")[n % 4], account=f"****{n % 10000:04d}",
            kind="이체의뢰", state=state, amount=amount, debited_amount=debited,
            failed_amount=amount - debited if state != "이체처리완료" else 0,
            reason="잔액부족" if state != "이체처리완료" else "",
        ))
    ctx = ReportContext("해오름수학학원", "해오름수학학원", "9912345678", "김해오", ("담당", "과장", "원장"),
                        datetime(2026, 11, 27, 1, 0, tzinfo=UTC), "관리자(admin)", "")
    return layouts.requests_detail(ctx, Period(date(2026, 11, 1), date(2026, 11, 27)), GroupBy.ITEM,
                                   list(groups.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench_report.pdf"))
    args = parser.parse_args()
    from app.services.aggregates.reports.fonts import korean_fonts
    from app.services.aggregates.reports.pdf import render_pdf
    from app.services.aggregates.reports.xlsx import write_xlsx

    fonts = korean_fonts()
    print(f"font: {fonts.source} ({'embedded subset' if fonts.embedded else 'built-in CID, not embedded'})")
    started = time.perf_counter()
    report = make_report(args.rows)
    print(f"rows made in {time.perf_counter() - started:.2f} s")
    pdf_times, xlsx_times, pages = [], [], 0
    for _ in range(args.rounds):
        started = time.perf_counter()
        pages = render_pdf(report, args.out)
        pdf_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        write_xlsx(report, args.out.with_suffix(".xlsx"))
        xlsx_times.append(time.perf_counter() - started)
    pdf = statistics.median(pdf_times)
    size = args.out.stat().st_size / 1024 / 1024
    print(f"PDF  {args.rows:,} rows, {pages} pages, {size:.1f} MB: {pdf:.2f} s (median of {args.rounds}; "
          f"all {', '.join(f'{t:.2f}' for t in pdf_times)})  target < {TARGET_SECONDS:.0f} s: "
          f"{'ok' if pdf < TARGET_SECONDS else 'SLOW'}")
    print(f"xlsx {args.rows:,} rows: {statistics.median(xlsx_times):.2f} s")


if __name__ == "__main__":
    main()
