"""Which page class serves which menu key. A menu entry shows only when a page serves it."""

from __future__ import annotations

from collections.abc import Callable

from app.views.common.base import Page
from app.views.common.context import AppContext

PageFactory = Callable[[AppContext], Page]


def page_factories() -> dict[str, PageFactory]:
    """Imported here, not at module top, so the login window opens without building every screen."""
    from app.views.aggregates.aggregate_status import (
        RegistrationStatusPage,
        RequestStatusPage,
        SettlementPage,
    )
    from app.views.aggregates.aggregates_view import (
        DiscountAggregatePage,
        OutstandingAggregatePage,
        RequestAggregatePage,
    )
    from app.views.aggregates.certificates_view import CertificatesPage
    from app.views.aggregates.charts_view import OverviewPage
    from app.views.aggregates.month_close_view import MonthClosePage
    from app.views.collection.cash_receipts_view import CashReceiptsPage
    from app.views.collection.cash_view import CashPage
    from app.views.collection.discounts_view import DiscountsPage
    from app.views.collection.dunning_view import DunningPage
    from app.views.collection.late_fees_view import LateFeesPage
    from app.views.collection.refunds_view import RefundsPage
    from app.views.collection.registrations_view import RegistrationsPage
    from app.views.collection.requests_view import RequestsPage
    from app.views.collection.results_view import ResultsPage
    from app.views.collection.retries_view import RetriesPage
    from app.views.collection.statement_view import StatementPage
    from app.views.collection.transmissions_view import TransmissionsPage
    from app.views.customers.customers_view import CustomersPage
    from app.views.customers.evidence_bulk_view import EvidenceBulkPage
    from app.views.customers.import_view import ImportPage
    from app.views.customers.pauses_view import PausesPage
    from app.views.notices_view import NoticesPage
    from app.views.settings.arrears_rules_view import ArrearsRulesPage
    from app.views.settings.audit_view import AuditPage
    from app.views.settings.contract_view import ContractPage
    from app.views.settings.evidence_retention_view import EvidenceRetentionPage
    from app.views.settings.items_view import ItemsPage
    from app.views.settings.users_view import UsersPage
    from app.views.shell.home_view import HomePage

    return {
        "home": HomePage,
        "settings.users": UsersPage,
        "settings.items": ItemsPage,
        "settings.contract": ContractPage,
        "settings.audit": AuditPage,
        "settings.evidence_retention": EvidenceRetentionPage,
        "settings.arrears_rules": ArrearsRulesPage,
        "customers.list": CustomersPage,
        "customers.import": ImportPage,
        "customers.evidence_bulk": EvidenceBulkPage,
        "customers.pauses": PausesPage,
        "collection.registrations": RegistrationsPage,
        "collection.requests": RequestsPage,
        "collection.retries": RetriesPage,
        "collection.results": ResultsPage,
        "collection.transmissions": TransmissionsPage,
        "collection.cash": CashPage,
        "collection.refunds": RefundsPage,
        "collection.late_fees": LateFeesPage,
        "collection.cash_receipts": CashReceiptsPage,
        "collection.discounts": DiscountsPage,
        "collection.dunning": DunningPage,
        "collection.statement": StatementPage,
        "aggregates.requests": RequestAggregatePage,
        "aggregates.outstanding": OutstandingAggregatePage,
        "aggregates.discounts": DiscountAggregatePage,
        "aggregates.registrations": RegistrationStatusPage,
        "aggregates.requests_by_bank": RequestStatusPage,
        "aggregates.settlement": SettlementPage,
        "aggregates.certificates": CertificatesPage,
        "aggregates.month_close": MonthClosePage,
        "aggregates.overview": OverviewPage,  # not in the manual's menu: a tab of 이체의뢰내역집계, and a direct link
        "notices": NoticesPage,
    }


ADMIN_ONLY = frozenset({"settings.audit", "settings.evidence_retention"})
