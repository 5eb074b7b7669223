"""Which page class serves which menu key. A menu entry shows only when a page serves it."""

from __future__ import annotations

from collections.abc import Callable

from app.views.base import Page
from app.views.context import AppContext

PageFactory = Callable[[AppContext], Page]


def page_factories() -> dict[str, PageFactory]:
    """Imported here, not at module top, so the login window opens without building every screen."""
    from app.views.audit_view import AuditPage
    from app.views.contract_view import ContractPage
    from app.views.customers_view import CustomersPage
    from app.views.import_view import ImportPage
    from app.views.items_view import ItemsPage
    from app.views.users_view import UsersPage

    return {
        "settings.users": UsersPage,
        "settings.items": ItemsPage,
        "settings.contract": ContractPage,
        "settings.audit": AuditPage,
        "customers.list": CustomersPage,
        "customers.import": ImportPage,
    }


ADMIN_ONLY = frozenset({"settings.audit"})
