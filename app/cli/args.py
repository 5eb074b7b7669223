"""Argument types for `python -m app` that refuse out-of-range values while parsing, in one line.

A value the program cannot even hold (an ID of 2**70 overflows SQLite's and PostgreSQL's 64-bit
integers, the year 1 overflows the business calendar, an interval of 1e308 seconds overflows the
timer) is refused here, naming the argument and the accepted range, before any database is opened.
What is sensible for the business (how far ahead a debit date may be, and so on) is the services'
to decide; these bounds only keep nonsense out.
"""

from __future__ import annotations

import math
from datetime import date

from app.cli.errors import type_error

MAX_ROW_ID = 2**63 - 1
"""The largest primary key both databases store (BIGINT / SQLite INTEGER)."""

FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2099, 12, 31)
"""Dates a bank file, the holiday calendar and the results lists can meaningfully hold."""


def row_id(text: str) -> int:
    """A row number as a list prints it: 1 … 2**63-1."""
    try:
        value = int(text.strip())
    except ValueError:
        raise type_error(f"번호는 정수로 입력하세요: {text!r}", f"not an integer: {text!r}") from None
    if not 1 <= value <= MAX_ROW_ID:
        raise type_error(f"번호는 1부터 {MAX_ROW_ID}까지입니다: {text}", f"ID out of range 1..2**63-1: {text}")
    return value


def cli_date(text: str) -> date:
    """YYYY-MM-DD between 2000-01-01 and 2099-12-31."""
    try:
        value = date.fromisoformat(text.strip())
    except ValueError:
        raise type_error(f"날짜는 YYYY-MM-DD로 입력하세요: {text!r}", f"expected YYYY-MM-DD: {text!r}") from None
    if not FIRST_DATE <= value <= LAST_DATE:
        raise type_error(f"날짜는 {FIRST_DATE}부터 {LAST_DATE}까지 입력할 수 있습니다: {text}",
                         f"date out of range {FIRST_DATE}..{LAST_DATE}: {text}")
    return value


def interval_seconds(text: str) -> float:
    """Seconds between scheduler passes, within the scheduler's own bounds (0.1 … 3600)."""
    from app.services.exchange.scheduler import MAX_INTERVAL_SECONDS as MAX_INTERVAL
    from app.services.exchange.scheduler import MIN_INTERVAL_SECONDS as MIN_INTERVAL

    try:
        value = float(text.strip())
    except ValueError:
        raise type_error(f"간격은 초 단위 숫자로 입력하세요: {text!r}", f"not a number of seconds: {text!r}") from None
    if not (math.isfinite(value) and MIN_INTERVAL <= value <= MAX_INTERVAL):
        raise type_error(f"간격은 {MIN_INTERVAL:g}초부터 {MAX_INTERVAL:g}초까지입니다: {text}",
                         f"interval out of range {MIN_INTERVAL:g}..{MAX_INTERVAL:g} seconds: {text}")
    return value


def demo_customers(text: str) -> int:
    """How many demo customers: an integer within app.services.settings.demo.data's MIN_CUSTOMERS … MAX_CUSTOMERS."""
    from app.services.settings.demo.data import MAX_CUSTOMERS, MIN_CUSTOMERS

    try:
        value = int(text.strip())
    except ValueError:
        raise type_error(f"고객 수는 정수로 입력하세요: {text!r}", f"not an integer: {text!r}") from None
    if not MIN_CUSTOMERS <= value <= MAX_CUSTOMERS:
        raise type_error(f"데모 고객 수는 {MIN_CUSTOMERS}명부터 {MAX_CUSTOMERS:,}명까지입니다: {text}",
                         f"customers out of range {MIN_CUSTOMERS}..{MAX_CUSTOMERS}: {text}")
    return value


def cli_year(text: str) -> int:
    """A year of four digits between 2000 and 2099 (what the business can be asked about is the services' to decide)."""
    try:
        value = int(text.strip())
    except ValueError:
        raise type_error(f"연도는 숫자 네 자리로 입력하세요: {text!r}", f"expected a year YYYY: {text!r}") from None
    if not FIRST_DATE.year <= value <= LAST_DATE.year:
        raise type_error(f"연도는 {FIRST_DATE.year}부터 {LAST_DATE.year}까지입니다: {text}",
                         f"year out of range {FIRST_DATE.year}..{LAST_DATE.year}: {text}")
    return value
