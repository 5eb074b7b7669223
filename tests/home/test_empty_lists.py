"""Empty lists say what to do next; with a filter set they keep the filter's words.

A new office opens each list screen before it has anything: the message over the empty table must
say where the rows come from (with the buttons that go there), never "조건에 맞는 … 없습니다" when no
filter is set. And 이체정보 추가 in an office without 집금항목 sends the clerk to register items.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import select

from app.models import CollectionItem, CustomerType, DebitAgreement
from app.services.common.calendar import ManualClock
from app.services.common.crypto import DataKey
from app.services.common.session import Actor
from app.services.customers import records as customers
from app.services.customers.rules import CustomerForm
from app.views.collection.cash_view import CashPage
from app.views.collection.discounts_view import DiscountsPage
from app.views.collection.registrations_view import RegistrationsPage
from app.views.collection.requests_view import RequestsPage
from app.views.collection.results_view import ResultsPage
from app.views.common.base import Page
from app.views.common.context import AppContext
from app.views.common.empty_state import NO_CUSTOMERS
from app.views.common.theme import apply_theme
from app.views.customers.agreement_dialog import AgreementDialog
from app.views.customers.customer_detail import CustomerDetailDialog
from app.views.customers.customer_dialog import CustomerDialog
from app.views.customers.customers_view import CustomersPage
from app.views.settings.items_view import ItemDialog, ItemsPage
from tests.factories import Office
from tests.home.helpers import add_payer
from tests.home.test_first_setup import strip_to_fresh

SHOTS = Path("/tmp/work/shots")


@pytest.fixture(autouse=True)
def korean_and_no_boxes(qapp, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    apply_theme(qapp)
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: warnings.append(text))
    yield warnings
    assert not warnings, f"unexpected warning boxes: {warnings}"


def opened(qtbot, page: Page, size: tuple[int, int] = (1366, 768)) -> Page:
    qtbot.addWidget(page)
    page.resize(*size)
    page.show()
    qtbot.waitExposed(page)
    return page


def context(office: Office, clock: ManualClock, actor: Actor | None = None) -> tuple[AppContext, list[str]]:
    ctx = AppContext(office.db, actor or office.admin, office.contract_id, clock=clock)
    pages: list[str] = []
    ctx.signals.open_page.connect(pages.append)
    return ctx, pages


def shot(page: Page, name: str, request) -> None:
    if request.node.callspec.params.get("db") != "sqlite":
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    assert page.grab().save(str(SHOTS / name))


def test_the_customer_list_says_where_customers_come_from(qtbot, office: Office, clock: ManualClock,
                                                          viewer: Actor, request) -> None:
    ctx, pages = context(office, clock)
    page = opened(qtbot, CustomersPage(ctx))
    assert isinstance(page, CustomersPage)
    empty = page.empty
    assert empty.message == NO_CUSTOMERS == page.status.text() and empty.isVisible()
    assert set(empty.buttons) == {"신규등록", "일괄등록"}
    shot(page, "setup_empty_customers.png", request)
    empty.buttons["일괄등록"].click()
    assert pages == ["customers.import"]
    empty.buttons["신규등록"].click()
    assert isinstance(page.active_dialog, CustomerDialog)
    page.active_dialog.reject()

    page.search.setText("홍")
    page.apply_filters()
    assert empty.message == "'홍'(으)로 찾은 고객이 없습니다." == page.status.text() and not empty.buttons
    page.search.clear()
    page.type_filter.setCurrentIndex(1)
    assert empty.message == "조건에 맞는 고객이 없습니다."
    page.type_filter.setCurrentIndex(0)
    assert empty.message == NO_CUSTOMERS

    add_payer(office.db, office.contract_id, "C001", account="110000000001", name="김하늘")
    page.apply_filters()
    assert empty.isHidden() and empty.message == "" and page.status.text() == ""

    viewing = opened(qtbot, CustomersPage(AppContext(office.db, viewer, office.contract_id, clock=clock)))
    assert isinstance(viewing, CustomersPage)
    viewing.search.setText("없는이름")
    viewing.apply_filters()
    assert viewing.empty.message == "'없는이름'(으)로 찾은 고객이 없습니다."


def test_a_viewer_is_told_who_registers_customers(qtbot, office: Office, clock: ManualClock, viewer: Actor) -> None:
    ctx, _pages = context(office, clock, viewer)
    page = opened(qtbot, CustomersPage(ctx))
    assert isinstance(page, CustomersPage)
    assert page.empty.message == "아직 고객이 없습니다." and page.empty.buttons == {}
    collection = opened(qtbot, RegistrationsPage(ctx))
    assert isinstance(collection, RegistrationsPage)
    assert collection.empty.message == NO_CUSTOMERS and collection.empty.buttons == {}


def test_the_collection_lists_without_and_with_a_filter(qtbot, office: Office, clock: ManualClock,
                                                        request) -> None:
    ctx, pages = context(office, clock)
    registrations = opened(qtbot, RegistrationsPage(ctx))
    requests = opened(qtbot, RequestsPage(ctx))
    results = opened(qtbot, ResultsPage(ctx))
    cash = opened(qtbot, CashPage(ctx))
    discounts = opened(qtbot, DiscountsPage(ctx))
    assert isinstance(registrations, RegistrationsPage) and isinstance(requests, RequestsPage)
    assert isinstance(results, ResultsPage) and isinstance(cash, CashPage) and isinstance(discounts, DiscountsPage)
    for page in (registrations, requests, results, cash, discounts):
        assert page.empty.message == NO_CUSTOMERS, type(page).__name__
        assert set(page.empty.buttons) == {"고객관리 (신규등록) ›", "일괄등록 ›"}
    shot(requests, "setup_empty_requests.png", request)
    registrations.empty.buttons["일괄등록 ›"].click()
    assert pages[-1] == "customers.import"

    # A filter keeps the filter's words, and no button.
    registrations.state_filter.setCurrentIndex(1)
    registrations.refresh()
    assert registrations.empty.message == "조건에 맞는 계좌신청이 없습니다." and not registrations.empty.buttons
    requests.item_filter.setCurrentIndex(requests.item_filter.findText("수강료"))
    assert requests.empty.message.startswith("수강료 항목에는 ") and requests.empty.message.endswith(
        "출금일에 이체의뢰할 고객이 없습니다.")
    results.bank_filter.setCurrentIndex(1)
    results.refresh()
    assert results.empty.message.endswith("출금분 가운데 조건에 맞는 이체의뢰가 없습니다.")
    cash.customer_name.setText("홍")
    cash.refresh()
    assert cash.empty.message == "조건에 맞는 현금수납 대상이 없습니다."
    discounts.only_discounted.setChecked(True)
    discounts.refresh()
    assert discounts.empty.message == "할인 중인 고객이 없습니다. '할인 고객만'을 풀면 모든 이체정보가 나옵니다."

    # A customer without an agreement: the lists that need one say so.
    for _page, reset in ((registrations, lambda: registrations.state_filter.setCurrentIndex(0)),
                        (requests, lambda: requests.item_filter.setCurrentIndex(0)),
                        (results, lambda: results.bank_filter.setCurrentIndex(0)),
                        (cash, lambda: cash.customer_name.clear()),
                        (discounts, lambda: discounts.only_discounted.setChecked(False))):
        reset()
    key = DataKey.generate()
    customers.create_customer(office.db, office.admin, office.contract_id,
                              CustomerForm(customer_no="C-001", name="홍길동", customer_type=CustomerType.PERSON,
                                           mobile="010-1234-5678"), key)
    for page in (registrations, requests, results, cash, discounts):
        page.refresh()
    assert registrations.empty.message == "아직 계좌신청이 없습니다 — 고객 상세정보에서 이체정보를 추가하세요"
    assert requests.empty.message.endswith("출금일에 이체의뢰할 고객이 없습니다")
    assert results.empty.message.endswith("출금분 이체의뢰가 없습니다 — 이체의뢰 화면에서 의뢰하세요")
    assert cash.empty.message == "지금 현금수납할 청구가 없습니다"
    assert discounts.empty.message == "할인할 이체정보가 없습니다 — 고객 상세정보에서 이체정보를 추가하세요"
    results.empty.buttons["이체의뢰 ›"].click()
    assert pages[-1] == "collection.requests"
    cash.empty.buttons["이체의뢰결과 ›"].click()
    assert pages[-1] == "collection.results"

    # Rows: the message goes.
    add_payer(office.db, office.contract_id, "C002", account="110000000002", name="김하늘")
    for page in (registrations, discounts):
        page.refresh()
    assert discounts.empty.isHidden()
    assert registrations.empty.message == "아직 계좌신청이 없습니다 — 고객 상세정보에서 이체정보를 추가하세요"


def test_the_item_list_offers_to_register_the_first_item(qtbot, office: Office, clock: ManualClock,
                                                         clerk: Actor, request) -> None:
    strip_to_fresh(office)
    ctx, _pages = context(office, clock)
    page = opened(qtbot, ItemsPage(ctx))
    assert isinstance(page, ItemsPage)
    assert page.empty.message == "아직 집금항목이 없습니다 — [등록]으로 첫 항목을 만드세요"
    shot(page, "setup_empty_items.png", request)
    page.empty.buttons["집금항목 등록"].click()
    assert isinstance(page.active_dialog, ItemDialog)
    page.active_dialog.reject()
    clerks = opened(qtbot, ItemsPage(AppContext(office.db, clerk, office.contract_id, clock=clock)))
    assert isinstance(clerks, ItemsPage)
    assert clerks.empty.message == "아직 집금항목이 없습니다" and clerks.empty.buttons == {}


def test_adding_an_agreement_without_items_sends_to_the_item_screen(qtbot, office: Office,
                                                                    clock: ManualClock, request) -> None:
    strip_to_fresh(office)
    key = DataKey.generate()
    customer_id = customers.create_customer(
        office.db, office.admin, office.contract_id,
        CustomerForm(customer_no="C-001", name="홍길동", customer_type=CustomerType.PERSON, mobile="010-1234-5678"),
        key).id
    ctx = AppContext(office.db, office.admin, office.contract_id, key, clock=clock)
    pages: list[str] = []
    ctx.signals.open_page.connect(pages.append)
    detail = CustomerDetailDialog(ctx, customer_id)
    qtbot.addWidget(detail)
    detail.show()
    qtbot.waitExposed(detail)
    detail.add_button.click()
    dialog = detail.active_dialog
    assert isinstance(dialog, AgreementDialog) and dialog.isVisible()
    assert dialog.error.text().startswith("등록된 집금항목이 없습니다. 이체정보를 넣으려면 먼저 [집금항목관리 열기]를")
    assert "모든 항목의 이체정보가 있습니다" not in dialog.error.text()
    assert not dialog.save_button.isEnabled() and dialog.items_button.isVisible()
    if request.node.callspec.params.get("db") == "sqlite":
        SHOTS.mkdir(parents=True, exist_ok=True)
        QApplication.processEvents()
        assert dialog.grab().save(str(SHOTS / "setup_agreement_without_items.png"))
    dialog.items_button.click()
    assert pages == ["settings.items"]
    assert not dialog.isVisible() and not detail.isVisible()  # both make way for 집금항목관리


def test_a_customer_with_every_item_still_hears_so(qtbot, office: Office, clock: ManualClock) -> None:
    payer = add_payer(office.db, office.contract_id, "C001", account="110000000001", name="김하늘")
    with office.db.session() as s:  # 교재비 and 차량비 too: every item of the contract
        first = s.get(DebitAgreement, payer.agreement_id)
        assert first is not None
        for code in ("A02", "A03"):
            item_id = s.scalar(select(CollectionItem.id).where(CollectionItem.contract_id == office.contract_id,
                                                               CollectionItem.code == code))
            s.add(DebitAgreement(
                customer_id=payer.customer_id, item_id=item_id, debit_limit=200_000, monthly_amount=10_000,
                discount_rate=0, discount_amount=0, first_month="2026-03", debit_day=25, bank_code="088",
                account_no_enc=first.account_no_enc, account_no_hash=first.account_no_hash,
                account_last4=first.account_last4, holder_name="김하늘", holder_id="800101"))
    ctx = AppContext(office.db, office.admin, office.contract_id, DataKey.generate(), clock=clock)
    detail = CustomerDetailDialog(ctx, payer.customer_id)
    qtbot.addWidget(detail)
    detail.show()
    detail.add_button.click()
    dialog = detail.active_dialog
    assert isinstance(dialog, AgreementDialog)
    assert dialog.error.text() == "더 추가할 수 있는 집금항목이 없습니다. 이 고객은 모든 항목의 이체정보가 있습니다."
    assert dialog.items_button.isHidden()
    dialog.reject()
