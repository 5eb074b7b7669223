"""An agreement without a registration of its own stands on its sibling's for the same account.

The bank registers the pair (납부자번호, account) and the 납부자번호 is the customer's, so a second
item of the same customer debited from the same account (the 연체료 an apartment office bills) needs
no EB13 of its own — and sending one would be refused as a duplicate (A016).
"""

from __future__ import annotations

from datetime import date

from app.models import AccountRegistration, RegistrationKind, RegistrationState
from app.services.collection import charges
from tests.collection.helpers import KEY, add_payer
from tests.factories import Office


def _states(office: Office, *agreement_ids: int) -> dict[int, tuple[RegistrationKind, RegistrationState] | None]:
    with office.db.session() as s:
        found = charges.registration_states(s, list(agreement_ids))
        return {a: (found[a].kind, found[a].state) if a in found else None for a in agreement_ids}


def test_a_second_item_on_the_same_account_is_debitable_on_the_first_ones_registration(office: Office) -> None:
    first = add_payer(office.db, office.contract_id, "1011002", "이바다", item="A01")
    second = add_payer(office.db, office.contract_id, "1011002", "이바다", item="A02", registration=None)
    assert _states(office, second.agreement_id) == {
        second.agreement_id: (RegistrationKind.NEW, RegistrationState.DONE)}
    with office.db.session() as s:
        reg = charges.registration_states(s, [second.agreement_id])[second.agreement_id]
        assert reg.agreement_id == first.agreement_id
        assert charges.registration_problem(reg) is None


def test_another_account_or_a_pending_registration_lends_nothing(office: Office) -> None:
    add_payer(office.db, office.contract_id, "1011003", "박산들", item="A01", registration=RegistrationState.SENT)
    waiting = add_payer(office.db, office.contract_id, "1011003", "박산들", item="A02", registration=None)
    add_payer(office.db, office.contract_id, "1011004", "최들녘", item="A01")
    elsewhere = add_payer(office.db, office.contract_id, "1011004", "최들녘", item="A02", registration=None,
                          account="220987654321")
    assert _states(office, waiting.agreement_id, elsewhere.agreement_id) == {
        waiting.agreement_id: None, elsewhere.agreement_id: None}


def test_a_cancelled_registration_lends_nothing(office: Office) -> None:
    first = add_payer(office.db, office.contract_id, "1011005", "김하늘", item="A01")
    second = add_payer(office.db, office.contract_id, "1011005", "김하늘", item="A02", registration=None)
    with office.db.session() as s:
        s.add(AccountRegistration(contract_id=office.contract_id, agreement_id=first.agreement_id,
                                  kind=RegistrationKind.CANCEL, state=RegistrationState.DONE, bank_code="088",
                                  account_no_enc=KEY.encrypt(first.account, "account_no"),
                                  account_last4=first.account[-4:], holder_id="800101",
                                  requested_on=date(2026, 3, 2)))
    assert _states(office, second.agreement_id) == {second.agreement_id: None}
