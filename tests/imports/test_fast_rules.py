"""The import's remembered-by-value checks give exactly what customer_rules gives: they are its own checks."""

from __future__ import annotations

from datetime import date

import pytest

from app.services.customers import rules
from app.services.customers.imports.flow import FastRules
from app.services.customers.imports.rows import (
    HeaderMap,
    ItemChoice,
    RowChecker,
    Status,
    map_headers,
)
from tests.imports.workbooks import HEADER, as_list, row_values

TODAY = date(2026, 3, 10)
ITEMS = [ItemChoice(1, "A01", "수강료", (5, 25)), ItemChoice(2, "A02", "교재비", (5,))]


def varied_rows() -> list[list[object]]:
    rows = []
    for n in range(1, 400):
        changes: dict[str, object] = {}
        if n % 5 == 0:
            changes.update(customer_type="사업자", id_no="124-81-00998", holder_id="1248100998")
        if n % 7 == 0:
            changes.update(id_no="900101-1234568", phone="02-555-1234", last_month="2027-02")
        if n % 11 == 0:
            changes.update(discount_rate=100, item="교재비", debit_day=5, monthly_amount=40000, debit_limit=40000)
        if n % 13 == 0:
            changes.update(monthly_amount=150, debit_limit=150, discount_rate=10, bank_code="045")
        if n % 3 == 0:
            changes.update(joined_on=date(2024, 1, n % 28 + 1), first_month=date(2026, 5, 1), memo="메모 " * (n % 4))
        rows.append(as_list(row_values(n, **changes)))
    return rows


def header_map() -> HeaderMap:
    found, missing = map_headers(HEADER)
    assert not missing
    return found


def test_fast_results_equal_customer_rules() -> None:
    fast = FastRules(TODAY)
    with_fast = RowChecker(header_map(), ITEMS, TODAY, fast)
    exact = RowChecker(header_map(), ITEMS, TODAY)
    for number, cells in enumerate(varied_rows(), start=2):
        a = with_fast.check(number, cells, lambda _p: None)
        b = exact.check(number, cells, lambda _p: None)
        assert (a.status, a.customer, a.agreement, a.notes, a.errors) == (b.status, b.customer, b.agreement, b.notes,
                                                                           b.errors), number
    assert any(key[0] == "grade" for key in fast.remembered.values)  # it did remember


def test_refused_rows_carry_customer_rules_messages() -> None:
    cells = as_list(row_values(1, monthly_amount=600000, last_month="2025-01"))
    checked = RowChecker(header_map(), ITEMS, TODAY, FastRules(TODAY)).check(2, cells, lambda _p: None)
    assert checked.status is Status.ERROR
    assert [(e.column, e.message) for e in checked.errors] == [("월이체금액", "건당출금한도(500,000원)보다 같거나 작아야 합니다.")]


def test_a_change_of_the_rules_is_a_change_of_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    real = rules.validate_customer

    def changed_rules(form, *, today=None, remembered=None):
        values = real(form, today=today, remembered=remembered)
        return rules.CustomerValues(**{**values.__dict__, "grade": (values.grade or "") + "!"})

    monkeypatch.setattr(rules, "validate_customer", changed_rules)
    fast = FastRules(TODAY)
    checker = RowChecker(header_map(), ITEMS, TODAY, fast)
    first = checker.check(2, as_list(row_values(1)), lambda _p: None)
    assert first.customer is not None and first.customer.grade.endswith("!")
    second = checker.check(3, as_list(row_values(2)), lambda _p: None)
    assert second.customer is not None and second.customer.grade.endswith("!")
