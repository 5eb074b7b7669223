"""이체정보 rules and the account registrations (계좌신청) they queue, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from app.database.engine import Database
from app.models import (
    AccountRegistration,
    AgreementStatus,
    DebitAgreement,
    DebitRequest,
    RegistrationKind,
    RegistrationState,
    RequestState,
)
from app.services.common.calendar import SEOUL, BusinessCalendar
from app.services.common.crypto import DataKey
from app.services.common.errors import ConflictError
from app.services.common.validation import ValidationError
from app.services.customers import agreements
from app.services.customers import records as customers
from tests.customers.conftest import TODAY, agreement, item_ids, person
from tests.factories import Office


def registrations(db: Database, agreement_id: int) -> list[tuple[RegistrationKind, RegistrationState, str, str]]:
    with db.session() as s:
        rows = s.scalars(select(AccountRegistration).where(AccountRegistration.agreement_id == agreement_id)
                         .order_by(AccountRegistration.id))
        return [(r.kind, r.state, r.bank_code, r.account_last4) for r in rows]


def set_state(db: Database, agreement_id: int, state: RegistrationState) -> None:
    with db.session() as s:
        latest = s.scalars(select(AccountRegistration).where(AccountRegistration.agreement_id == agreement_id)
                           .order_by(AccountRegistration.id.desc())).first()
        assert latest is not None
        latest.state = state


def version(db: Database, agreement_id: int) -> int:
    with db.session() as s:
        row = s.get(DebitAgreement, agreement_id)
        assert row is not None
        return row.version_id


@pytest.fixture
def customer_id(office: Office, key: DataKey) -> int:
    return customers.create_customer(office.db, office.admin, office.contract_id, person(), key).id


def add(office: Office, key: DataKey, customer_id: int, **changes: object) -> int:
    item = item_ids(office.db, office)[str(changes.pop("item", "수강료"))]
    return agreements.create_agreement(office.db, office.admin, customer_id, agreement(item, **changes),
                                       data_key=key, today=TODAY).id


def test_a_new_agreement_queues_a_waiting_registration_with_an_encrypted_account_copy(
        office: Office, key: DataKey, customer_id: int) -> None:
    agreement_id = add(office, key, customer_id)
    with office.db.session() as s:
        reg = s.scalars(select(AccountRegistration).where(AccountRegistration.agreement_id == agreement_id)).one()
        assert (reg.kind, reg.state, reg.requested_on, reg.holder_id) == (RegistrationKind.NEW, RegistrationState.WAITING,
                                                                          TODAY, "700101")
        assert key.decrypt(reg.account_no_enc, "account_no") == "3560987654321"
        assert reg.contract_id == office.contract_id and reg.created_by == "admin"


def test_one_agreement_per_customer_and_item(office: Office, key: DataKey, customer_id: int) -> None:
    add(office, key, customer_id)
    with pytest.raises(ConflictError, match="이미 '수강료' 이체정보"):
        add(office, key, customer_id)
    add(office, key, customer_id, item="교재비", monthly_amount="30,000")


def test_debit_day_must_be_one_of_the_items_collection_days(office: Office, key: DataKey, customer_id: int) -> None:
    with pytest.raises(ValidationError) as info:
        add(office, key, customer_id, debit_day="15")  # the office's items collect on 5 and 25
    assert info.value.field == "이체예정일"


def test_monthly_amount_over_the_limit_is_refused_and_nothing_is_saved(
        office: Office, key: DataKey, customer_id: int) -> None:
    with pytest.raises(ValidationError, match="건당출금한도"):
        add(office, key, customer_id, debit_limit="100,000")
    with office.db.session() as s:
        assert s.scalars(select(DebitAgreement)).all() == []


def test_discount_rate_is_stored_with_the_truncated_amount(office: Office, key: DataKey, customer_id: int) -> None:
    agreement_id = add(office, key, customer_id, monthly_amount="333,333", discount_rate="10")
    with office.db.session() as s:
        row = s.get(DebitAgreement, agreement_id)
        assert row is not None and (row.discount_rate, row.discount_amount) == (10, 33_333)


def test_changing_the_account_of_a_waiting_registration_withdraws_it(
        office: Office, key: DataKey, customer_id: int) -> None:
    agreement_id = add(office, key, customer_id)
    saved = agreements.update_agreement(office.db, office.admin, agreement_id,
                                        agreement(0, bank_code="004", account_no="9876-5432-1098"),
                                        version_id=version(office.db, agreement_id), data_key=key, today=TODAY)
    assert registrations(office.db, agreement_id) == [
        (RegistrationKind.NEW, RegistrationState.WITHDRAWN, "088", "4321"),
        (RegistrationKind.NEW, RegistrationState.WAITING, "004", "1098"),
    ]
    assert "취소" in saved.queued[0]


@pytest.mark.parametrize("sent_state", [RegistrationState.SENT, RegistrationState.DONE])
def test_changing_a_registered_account_cancels_the_old_one_and_registers_the_new(
        office: Office, key: DataKey, customer_id: int, sent_state: RegistrationState) -> None:
    agreement_id = add(office, key, customer_id)
    set_state(office.db, agreement_id, sent_state)
    agreements.update_agreement(office.db, office.admin, agreement_id, agreement(0, account_no="220-333-444555"),
                                version_id=version(office.db, agreement_id), data_key=key, today=TODAY)
    assert registrations(office.db, agreement_id) == [
        (RegistrationKind.NEW, sent_state, "088", "4321"),
        (RegistrationKind.CANCEL, RegistrationState.WAITING, "088", "4321"),
        (RegistrationKind.NEW, RegistrationState.WAITING, "088", "4555"),
    ]
    with office.db.session() as s:
        cancel = s.scalars(select(AccountRegistration).where(AccountRegistration.kind == RegistrationKind.CANCEL)).one()
        assert key.decrypt(cancel.account_no_enc, "account_no") == "3560987654321"  # the OLD account


def test_a_failed_registration_needs_no_cancel_when_the_account_is_corrected(
        office: Office, key: DataKey, customer_id: int) -> None:
    agreement_id = add(office, key, customer_id)
    set_state(office.db, agreement_id, RegistrationState.FAILED)
    agreements.update_agreement(office.db, office.admin, agreement_id, agreement(0, holder_id="700102"),
                                version_id=version(office.db, agreement_id), data_key=key, today=TODAY)
    assert [k for k, *_ in registrations(office.db, agreement_id)] == [RegistrationKind.NEW, RegistrationKind.NEW]


def test_changing_only_amounts_queues_nothing_and_an_empty_account_keeps_the_stored_one(
        office: Office, key: DataKey, customer_id: int) -> None:
    agreement_id = add(office, key, customer_id)
    set_state(office.db, agreement_id, RegistrationState.DONE)
    saved = agreements.update_agreement(office.db, office.admin, agreement_id,
                                        agreement(0, account_no="", monthly_amount="350,000"),
                                        version_id=version(office.db, agreement_id), data_key=key, today=TODAY)
    assert saved.queued == () and len(registrations(office.db, agreement_id)) == 1
    with office.db.session() as s:
        row = s.get(DebitAgreement, agreement_id)
        assert row is not None and row.monthly_amount == 350_000
        assert key.decrypt(row.account_no_enc, "account_no") == "3560987654321"


def test_ending_an_agreement_queues_a_cancel(office: Office, key: DataKey, customer_id: int) -> None:
    agreement_id = add(office, key, customer_id)
    set_state(office.db, agreement_id, RegistrationState.DONE)
    agreements.end_agreement(office.db, office.admin, agreement_id, last_month="2027-02",
                             version_id=version(office.db, agreement_id), today=TODAY)
    assert registrations(office.db, agreement_id)[-1] == (RegistrationKind.CANCEL, RegistrationState.WAITING, "088", "4321")
    with office.db.session() as s:
        row = s.get(DebitAgreement, agreement_id)
        assert row is not None and (row.status, row.last_month, row.ended_on) == (AgreementStatus.ENDED, "2027-02", TODAY)


def test_ending_before_the_registration_was_sent_withdraws_it(office: Office, key: DataKey, customer_id: int) -> None:
    agreement_id = add(office, key, customer_id)
    agreements.end_agreement(office.db, office.admin, agreement_id, last_month="2026-12",
                             version_id=version(office.db, agreement_id), today=TODAY)
    assert registrations(office.db, agreement_id) == [(RegistrationKind.NEW, RegistrationState.WITHDRAWN, "088", "4321")]


def test_ending_is_refused_while_a_debit_request_is_open(office: Office, key: DataKey, customer_id: int) -> None:
    agreement_id = add(office, key, customer_id)
    with office.db.session() as s:
        s.add(DebitRequest(contract_id=office.contract_id, agreement_id=agreement_id, state=RequestState.SENT,
                           debit_date=TODAY, amount=300_000, bank_code="088"))
    with pytest.raises(ConflictError, match="이체의뢰"):
        agreements.end_agreement(office.db, office.admin, agreement_id, last_month="2026-12",
                                 version_id=version(office.db, agreement_id), today=TODAY)


def test_adding_an_ended_item_again_reopens_it_with_a_new_registration(
        office: Office, key: DataKey, customer_id: int) -> None:
    agreement_id = add(office, key, customer_id)
    set_state(office.db, agreement_id, RegistrationState.DONE)
    agreements.end_agreement(office.db, office.admin, agreement_id, last_month="2026-12",
                             version_id=version(office.db, agreement_id), today=TODAY)
    set_state(office.db, agreement_id, RegistrationState.DONE)  # the bank took the cancel
    assert add(office, key, customer_id, account_no="555-666-777888", first_month="2027-03") == agreement_id
    assert [k for k, *_ in registrations(office.db, agreement_id)] == [
        RegistrationKind.NEW, RegistrationKind.CANCEL, RegistrationKind.NEW]
    with office.db.session() as s:
        row = s.get(DebitAgreement, agreement_id)
        assert row is not None and (row.status, row.ended_on, row.last_month) == (AgreementStatus.ACTIVE, None, None)


def test_reopening_before_the_cancel_was_sent_just_withdraws_the_cancel(
        office: Office, key: DataKey, customer_id: int) -> None:
    agreement_id = add(office, key, customer_id)
    set_state(office.db, agreement_id, RegistrationState.DONE)
    agreements.end_agreement(office.db, office.admin, agreement_id, last_month="2026-12",
                             version_id=version(office.db, agreement_id), today=TODAY)
    add(office, key, customer_id)  # same account, same holder
    assert registrations(office.db, agreement_id) == [
        (RegistrationKind.NEW, RegistrationState.DONE, "088", "4321"),
        (RegistrationKind.CANCEL, RegistrationState.WITHDRAWN, "088", "4321"),
    ]


def test_two_clerks_editing_one_agreement_the_second_save_is_refused(
        office: Office, key: DataKey, customer_id: int) -> None:
    agreement_id = add(office, key, customer_id)
    seen = version(office.db, agreement_id)
    agreements.update_agreement(office.db, office.admin, agreement_id, agreement(0, monthly_amount="310,000"),
                                version_id=seen, data_key=key, today=TODAY)
    with pytest.raises(ConflictError, match="다른 사용자가 먼저"):
        agreements.update_agreement(office.db, office.admin, agreement_id, agreement(0, monthly_amount="320,000"),
                                    version_id=seen, data_key=key, today=TODAY)


def test_registration_outlook_against_the_d_minus_2_deadline() -> None:
    calendar = BusinessCalendar()
    # Friday 2026-11-27 10:30: sent today, result Monday 11-30 11:00.
    now = datetime(2026, 11, 27, 10, 30, tzinfo=SEOUL)
    in_time = agreements.registration_outlook(calendar, now, "2026-12", 5)  # Saturday 5th → Monday 7th
    assert (in_time.first_debit.isoformat(), in_time.deadline.isoformat(), in_time.in_time) == (
        "2026-12-07", "2026-12-03", True)
    late = agreements.registration_outlook(calendar, datetime(2026, 12, 2, 15, 0, tzinfo=SEOUL), "2026-12", 5)
    assert not late.in_time and "최초이체년월을 다음 달로" in late.message()


def test_a_clerk_may_add_agreements_a_viewer_may_not(office: Office, key: DataKey, customer_id: int) -> None:
    from app.models import Role
    from app.services.common.errors import PermissionDeniedError
    from tests.factories import add_user

    clerk = add_user(office, "clerk1", Role.CLERK)
    viewer = add_user(office, "viewer1", Role.VIEWER, birth="910101")
    item = item_ids(office.db, office)["수강료"]
    agreements.create_agreement(office.db, clerk, customer_id, agreement(item), data_key=key, today=TODAY)
    with pytest.raises(PermissionDeniedError):
        agreements.create_agreement(office.db, viewer, customer_id, agreement(item_ids(office.db, office)["교재비"]),
                                    data_key=key, today=TODAY)
