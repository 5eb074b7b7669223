"""The page that shows each `Destination` the services name (the menu's keys, `menu.py`).

The services say where work is done in the manual's words; this table is the one place that knows
which screen of this program that is.
"""

from __future__ import annotations

from app.services.common.destinations import Destination

PAGE_KEYS: dict[Destination, str] = {
    Destination.HOME: "home",
    Destination.ITEMS: "settings.items",
    Destination.CONTRACT: "settings.contract",
    Destination.CUSTOMERS: "customers.list",
    Destination.IMPORT: "customers.import",
    Destination.REGISTRATIONS: "collection.registrations",
    Destination.REQUESTS: "collection.requests",
    Destination.RETRIES: "collection.retries",
    Destination.RESULTS: "collection.results",
    Destination.TRANSMISSIONS: "collection.transmissions",
    Destination.CASH: "collection.cash",
    Destination.DISCOUNTS: "collection.discounts",
    Destination.REQUEST_AGGREGATES: "aggregates.requests",
    Destination.PAUSES: "customers.pauses",
    Destination.REFUNDS: "collection.refunds",
    Destination.CASH_RECEIPTS: "collection.cash_receipts",
    Destination.CERTIFICATES: "aggregates.certificates",
    Destination.ARREARS_RULES: "settings.arrears_rules",
    Destination.LATE_FEES: "collection.late_fees",
    Destination.DUNNING: "collection.dunning",
    Destination.STATEMENT: "collection.statement",
    Destination.MONTH_CLOSE: "aggregates.month_close",
    Destination.NOTICES: "notices",
}


def page_key(destination: Destination) -> str:
    """The key of the page `destination` opens (what `AppSignals.open_page` carries)."""
    return PAGE_KEYS[destination]
