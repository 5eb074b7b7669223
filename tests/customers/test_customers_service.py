"""고객관리 services: numbers never reused, optimistic locking, masks and audited reveals, search, paging."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.models import (
    AccountRegistration,
    AuditLog,
    Customer,
    CustomerType,
    RegistrationState,
    Role,
)
from app.services.common import access
from app.services.common.crypto import DataKey
from app.services.common.errors import ConflictError, PermissionDeniedError
from app.services.customers import agreements
from app.services.customers import records as customers
from app.services.customers.records import CustomerQuery
from tests.customers.conftest import (
    RESIDENT,
    TODAY,
    agreement,
    bulk_customers,
    item_ids,
    person,
)
from tests.factories import Office, add_user


def create(office: Office, key: DataKey, **changes: object) -> int:
    return customers.create_customer(office.db, office.admin, office.contract_id, person(**changes), key).id  # type: ignore[arg-type]


def test_customer_numbers_are_unique_and_never_reused_even_after_deactivation(office: Office, key: DataKey) -> None:
    customer_id = create(office, key)
    detail = customers.get_customer_detail(office.db, office.admin, customer_id)
    customers.set_active(office.db, office.admin, customer_id, False, version_id=detail.version_id)
    with pytest.raises(ConflictError, match=r"C-001.*이미 있습니다"):
        create(office, key, name="다른 사람")
    assert customers.count_customers(office.db, office.admin, office.contract_id, CustomerQuery()) == 0
    assert customers.count_customers(office.db, office.admin, office.contract_id,
                                     CustomerQuery(include_inactive=True)) == 1


def test_deactivation_waits_until_the_agreements_are_ended(office: Office, key: DataKey) -> None:
    customer_id = create(office, key)
    agreements.create_agreement(office.db, office.admin, customer_id, agreement(item_ids(office.db, office)["수강료"]),
                                data_key=key, today=TODAY)
    detail = customers.get_customer_detail(office.db, office.admin, customer_id)
    with pytest.raises(ConflictError, match="이체정보를 먼저 해지"):
        customers.set_active(office.db, office.admin, customer_id, False, version_id=detail.version_id)


def test_the_next_number_is_suggested_after_the_newest(office: Office, key: DataKey) -> None:
    assert customers.suggest_customer_no(office.db, office.admin, office.contract_id) == ""
    create(office, key, customer_no="2026-0099")
    assert customers.suggest_customer_no(office.db, office.admin, office.contract_id) == "2026-0100"


def test_two_clerks_edit_the_same_customer_the_second_save_is_refused(office: Office, key: DataKey) -> None:
    """Each clerk has their own session and saw version 1; the first save wins, the second is told so."""
    customer_id = create(office, key)
    clerk = add_user(office, "clerk1", Role.CLERK)
    seen_by_admin = customers.get_customer_detail(office.db, office.admin, customer_id)
    seen_by_clerk = customers.get_customer_detail(office.db, clerk, customer_id)

    form = seen_by_admin.form()
    form.mobile = "010-2222-3333"
    customers.update_customer(office.db, office.admin, customer_id, form, version_id=seen_by_admin.version_id,
                              data_key=key)
    form = seen_by_clerk.form()
    form.mobile = "010-4444-5555"
    with pytest.raises(ConflictError) as info:
        customers.update_customer(office.db, clerk, customer_id, form, version_id=seen_by_clerk.version_id,
                                  data_key=key)
    assert "다른 사용자가 먼저" in info.value.message and "저장하지 않았습니다" in info.value.message
    assert customers.get_customer_detail(office.db, clerk, customer_id).mobile == "010-2222-3333"


def test_a_save_racing_between_the_check_and_the_write_is_refused_too(
        office: Office, key: DataKey, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another PC commits in the instant after our version check: the ORM's version column stops our write."""
    customer_id = create(office, key)
    detail = customers.get_customer_detail(office.db, office.admin, customer_id)
    original = access.customer_for

    def read_then_someone_else_saves(s, actor, wanted):
        row = original(s, actor, wanted)
        with office.db.engine.begin() as other:
            other.execute(text("UPDATE customer SET name = '다른 PC', version_id = version_id + 1 WHERE id = :i"),
                          {"i": wanted})
        return row

    monkeypatch.setattr(customers, "customer_for", read_then_someone_else_saves)
    form = detail.form()
    form.name = "내 수정"
    with pytest.raises(ConflictError, match="다른 사용자가 먼저"):
        customers.update_customer(office.db, office.admin, customer_id, form, version_id=detail.version_id, data_key=key)
    monkeypatch.undo()
    assert customers.get_customer_detail(office.db, office.admin, customer_id).name == "다른 PC"


def test_resident_number_is_masked_and_the_edit_keeps_it_unless_retyped(office: Office, key: DataKey) -> None:
    customer_id = create(office, key, resident_no=RESIDENT)
    detail = customers.get_customer_detail(office.db, office.admin, customer_id)
    assert (detail.resident_masked, detail.has_full_resident) == ("900101-1******", True)
    customers.update_customer(office.db, office.admin, customer_id, detail.form(), version_id=detail.version_id,
                              data_key=key)
    assert customers.get_customer_detail(office.db, office.admin, customer_id).has_full_resident
    detail = customers.get_customer_detail(office.db, office.admin, customer_id)
    form = detail.form()
    form.resident_no = "900101"  # only the birth date from now on
    customers.update_customer(office.db, office.admin, customer_id, form, version_id=detail.version_id, data_key=key)
    after = customers.get_customer_detail(office.db, office.admin, customer_id)
    assert (after.resident_masked, after.has_full_resident) == ("900101", False)


def test_birth_date_only_stores_nothing_encrypted(office: Office, key: DataKey) -> None:
    customer_id = create(office, key, resident_no="900101")
    with office.db.session() as s:
        row = s.get(Customer, customer_id)
        assert row is not None and (row.resident_no_enc, row.resident_no_masked) == (None, "900101")


def test_only_an_administrator_reveals_and_each_reveal_is_audited_without_the_number(office: Office, key: DataKey) -> None:
    customer_id = create(office, key, resident_no=RESIDENT)
    agreement_id = agreements.create_agreement(office.db, office.admin, customer_id,
                                               agreement(item_ids(office.db, office)["수강료"]), data_key=key,
                                               today=TODAY).id
    revealed = customers.reveal_personal_data(office.db, office.admin, customer_id, key)
    assert revealed.resident_no == "9001011234568" and revealed.accounts == {agreement_id: "3560987654321"}
    assert "3560987654321" not in repr(revealed)
    for role, login in ((Role.CLERK, "clerk1"), (Role.VIEWER, "viewer1")):
        actor = add_user(office, login, role, birth="910101")
        with pytest.raises(PermissionDeniedError):
            customers.reveal_personal_data(office.db, actor, customer_id, key)
    with office.db.session() as s:
        logs = s.scalars(select(AuditLog).where(AuditLog.action == "personal_data_revealed")).all()
        assert [(log.login_id, log.target) for log in logs] == [("admin", "C-001")]
        assert "9001011234568" not in (logs[0].detail or "") and "3560987654321" not in (logs[0].detail or "")


def test_search_by_account_number_uses_the_blind_index_without_decrypting(
        office: Office, key: DataKey, monkeypatch: pytest.MonkeyPatch) -> None:
    bulk_customers(office.db, office, key, 30)
    monkeypatch.setattr(DataKey, "decrypt", lambda *a: pytest.fail("a search must not decrypt rows"))
    for typed in ("333300000017", "3333-0000-0017", "3333 0000 0017"):
        rows = customers.list_page(office.db, office.admin, office.contract_id, CustomerQuery(search=typed), data_key=key)
        assert [r.customer_no for r in rows] == ["B000017"]
        assert rows[0].accounts_masked == "****0017"
    no_key = customers.list_page(office.db, office.admin, office.contract_id, CustomerQuery(search="333300000017"))
    assert no_key == []  # without the key the index cannot be computed: nothing found, nothing leaked


def test_search_by_number_name_and_phone(office: Office, key: DataKey) -> None:
    bulk_customers(office.db, office, key, 30)
    create(office, key, customer_no="X-100", name="김해오름", mobile="010-5555-7777")

    def found(text: str) -> list[str]:
        return [r.customer_no for r in customers.list_page(office.db, office.admin, office.contract_id,
                                                           CustomerQuery(search=text), data_key=key)]
    assert found("X-100") == ["X-100"]
    assert found("해오름") == ["X-100"]
    assert found("01055557777") == ["X-100"] == found("5555-7777")
    assert found("B00001") == [f"B{n:06d}" for n in range(10, 20)]
    assert found("100%") == []  # LIKE wildcards are searched as text


def test_pages_counts_sorting_and_filters(office: Office, key: DataKey) -> None:
    bulk_customers(office.db, office, key, 45)
    q = CustomerQuery()
    assert customers.count_customers(office.db, office.admin, office.contract_id, q) == 45
    first = customers.list_page(office.db, office.admin, office.contract_id, q, offset=0, limit=20)
    second = customers.list_page(office.db, office.admin, office.contract_id, q, offset=20, limit=20)
    assert [r.customer_no for r in first + second] == [f"B{n:06d}" for n in range(1, 41)]
    newest = customers.list_page(office.db, office.admin, office.contract_id,
                                 CustomerQuery(sort="customer_no", descending=True), limit=2)
    assert [r.customer_no for r in newest] == ["B000045", "B000044"]
    grade = CustomerQuery(grade="등급1")
    assert customers.count_customers(office.db, office.admin, office.contract_id, grade) == 9
    items = item_ids(office.db, office)
    assert customers.count_customers(office.db, office.admin, office.contract_id, CustomerQuery(item_id=items["교재비"])) == 0
    assert customers.count_customers(office.db, office.admin, office.contract_id,
                                     CustomerQuery(customer_type=CustomerType.BUSINESS)) == 0
    assert first[0].monthly_total == 100_001 and first[0].items == "수강료" and first[0].banks == "신한은행"


def test_registration_state_filter_shows_the_most_urgent_state(office: Office, key: DataKey) -> None:
    items = item_ids(office.db, office)
    a = create(office, key, customer_no="A")
    b = create(office, key, customer_no="B")
    for customer_id in (a, b):
        agreements.create_agreement(office.db, office.admin, customer_id, agreement(items["수강료"]), data_key=key, today=TODAY)
    agreements.create_agreement(office.db, office.admin, a, agreement(items["교재비"], monthly_amount="30,000"),
                                data_key=key, today=TODAY)
    with office.db.session() as s:
        for reg in s.scalars(select(AccountRegistration)):
            reg.state = RegistrationState.DONE
        s.flush()
        failed = s.scalars(select(AccountRegistration).order_by(AccountRegistration.id.desc())).first()
        assert failed is not None
        failed.state, failed.reason_code = RegistrationState.FAILED, "0014"

    def numbers(state: RegistrationState) -> list[str]:
        return [r.customer_no for r in customers.list_page(office.db, office.admin, office.contract_id,
                                                           CustomerQuery(registration_state=state))]
    assert numbers(RegistrationState.FAILED) == ["A"]
    assert numbers(RegistrationState.DONE) == ["B"]
    rows = customers.list_page(office.db, office.admin, office.contract_id, CustomerQuery())
    assert [r.registration_state for r in rows] == [RegistrationState.FAILED, RegistrationState.DONE]
    detail = customers.get_customer_detail(office.db, office.admin, a)
    assert any("0014" in r.registration_text and "예금주" in r.registration_text for r in detail.agreements)


def test_another_institutions_clerk_cannot_see_the_customers(office: Office, key: DataKey) -> None:
    from app.services.common.errors import NotFoundError
    from app.services.common.session import Actor

    customer_id = create(office, key)
    stranger = Actor(None, office.institution_id + 100, "x", "x", Role.ADMIN)
    with pytest.raises(NotFoundError):
        customers.get_customer_detail(office.db, stranger, customer_id)
    with pytest.raises(NotFoundError):
        customers.count_customers(office.db, stranger, office.contract_id, CustomerQuery())
