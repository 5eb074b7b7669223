"""The home screen's unit of work, in a module of its own.

`today.summary` gathers work items from several modules (failed debits, refunds due, cash receipts
overdue …); those modules build `WorkItem`s and `today` imports them, so the class cannot live in
`today` without an import cycle (tests/unit/test_import_graph.py forbids one).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.services.common.destinations import Destination


@dataclass(frozen=True)
class WorkItem:
    """Work waiting for the clerk; `destination` is where it is done."""

    key: str
    title: str
    count: int
    amount: int | None
    detail: str
    destination: Destination
    examples: tuple[str, ...] = ()
