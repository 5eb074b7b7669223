"""할인관리 (preview, 일괄적용, history), 이체의뢰결과 (states, totals, Excel) and 계좌신청 (list, requeue, withdraw, warnings)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.models import (
    AccountRegistration,
    DebitAgreement,
    RegistrationState,
    RequestState,
)
from app.models.collection_extra import DiscountChange
from app.models.user import AuditLog
from app.services.collection import discounts, ledger, registrations, results
from app.services.collection import requests as debits
from app.services.common.errors import ConflictError, ServiceError
from tests.collection.helpers import add_payer, at, check_invariants, mark_sent

D = date(2026, 4, 15)
NOW = at(date(2026, 4, 10))


# --- 할인관리 ---------------------------------------------------------------------------------------


def test_discount_preview_truncates_to_the_won_and_applies_from_the_next_charge(office, clerk) -> None:
    a = add_payer(office.db, office.contract_id, "1", monthly=33_333, day=15, grade="초등")
    b = add_payer(office.db, office.contract_id, "2", monthly=50_000, day=15, grade="중등")
    # April's charges exist already: requested (that creates them), then withdrawn.
    asked = debits.request(office.db, clerk, office.contract_id, D, [a.agreement_id, b.agreement_id], now=NOW)
    for request_id in asked.request_ids:
        debits.withdraw(office.db, clerk, request_id, now=NOW)
    listed = discounts.list_agreements(office.db, clerk, office.contract_id, discounts.DiscountQuery(grade="초등"))
    assert [r.agreement_id for r in listed] == [a.agreement_id]
    preview = discounts.preview_discount(office.db, clerk, office.contract_id, [a.agreement_id, b.agreement_id], 15)
    assert [(p.new_amount, p.new_net) for p in preview] == [(4_999, 28_334), (7_500, 42_500)]  # 4,999.95 → 4,999
    with pytest.raises(ServiceError, match="0에서 100"):
        discounts.preview_discount(office.db, clerk, office.contract_id, [a.agreement_id], 101)
    applied = discounts.apply_discount(office.db, clerk, office.contract_id, [a.agreement_id, b.agreement_id], 15,
                                       now=NOW)
    assert (applied.changed, applied.unchanged) == (2, 0) and "다음 이체의뢰부터" in applied.message
    assert "청구가 이미 만들어진 2026년 4월분 2건은 만들 때의 금액으로" in applied.message  # said, not hidden
    again = discounts.apply_discount(office.db, clerk, office.contract_id, [a.agreement_id], 15)
    assert (again.changed, again.unchanged) == (0, 1)
    april = {r.customer_no: r for r in debits.list_due(office.db, clerk, office.contract_id, D, now=NOW).rows}
    assert april["1"].discount == 0 and april["1"].request_amount == 33_333  # created before: untouched
    may = {r.customer_no: r for r in debits.list_due(office.db, clerk, office.contract_id, date(2026, 5, 15),
                                                     now=at(date(2026, 5, 6))).rows}
    assert (may["1"].discount, may["1"].request_amount) == (4_999, 28_334)
    history = discounts.discount_history(office.db, office.admin, office.contract_id)
    assert {(h.customer_no, h.old_rate, h.old_amount, h.new_rate, h.new_amount, h.login_id) for h in history} == {
        ("1", 0, 0, 15, 4_999, "clerk1"), ("2", 0, 0, 15, 7_500, "clerk1")}
    only = discounts.list_agreements(office.db, clerk, office.contract_id, discounts.DiscountQuery(only_discounted=True))
    assert len(only) == 2
    check_invariants(office.db)


def test_discount_apply_refuses_a_bad_selection(office) -> None:
    a = add_payer(office.db, office.contract_id, "1", monthly=10_000)
    with pytest.raises(ServiceError, match="선택하세요"):
        discounts.apply_discount(office.db, office.admin, office.contract_id, [], 10)
    with pytest.raises(ServiceError, match="없거나 해지된"):
        discounts.apply_discount(office.db, office.admin, office.contract_id, [a.agreement_id, 999], 10)


@pytest.mark.pg
def test_discount_apply_is_all_or_nothing_against_a_concurrent_edit(pg_db) -> None:
    """Another clerk saves the agreement between our read and our write: nothing changes, ConflictError."""
    from sqlalchemy import event

    from tests.factories import make_office

    office = make_office(pg_db)
    a = add_payer(pg_db, office.contract_id, "1", monthly=10_000)
    b = add_payer(pg_db, office.contract_id, "2", monthly=10_000)

    def bump(_mapper, _conn, target) -> None:
        if target.id == b.agreement_id:
            with pg_db.engine.connect() as other:
                other.execute(DebitAgreement.__table__.update().where(DebitAgreement.id == b.agreement_id)
                              .values(version_id=DebitAgreement.version_id + 1))
                other.commit()

    event.listen(DebitAgreement, "before_update", bump)
    try:
        with pytest.raises(ConflictError, match="다른 사용자가 먼저"):
            discounts.apply_discount(pg_db, office.admin, office.contract_id, [a.agreement_id, b.agreement_id], 10)
    finally:
        event.remove(DebitAgreement, "before_update", bump)
    with pg_db.session() as s:
        assert s.scalar(select(func.count()).select_from(DiscountChange)) == 0
        assert s.get(DebitAgreement, a.agreement_id).discount_rate == 0


# --- 이체의뢰결과 -----------------------------------------------------------------------------------


def _month_of_results(office):
    c = office.contract_id
    ids = [add_payer(office.db, c, str(i), monthly=10_000 * i, day=15 if i < 5 else 25, name=f"고객{i}").agreement_id
           for i in range(1, 6)]
    add_payer(office.db, c, "6", monthly=99_000, day=15, name="=HYPERLINK(\"x\")")
    out = debits.request(office.db, office.admin, c, D, ids[:4], now=NOW)
    mark_sent(office.db, list(out.request_ids[:3]))
    with office.db.session() as s:
        ledger.apply_debit_outcome(s, out.request_ids[0], 10_000, None, at(date(2026, 4, 16), 11))
        ledger.apply_debit_outcome(s, out.request_ids[1], 0, "0021", at(date(2026, 4, 16), 11))
    later = debits.request(office.db, office.admin, c, date(2026, 4, 27), [ids[4]], now=NOW)
    debits.withdraw(office.db, office.admin, later.request_ids[0], now=NOW)
    six = debits.list_due(office.db, office.admin, c, D, now=NOW).rows[-1]
    debits.request(office.db, office.admin, c, D, [six.agreement_id], now=NOW)
    return out


def test_results_list_states_reasons_and_totals_from_the_ledger(office) -> None:
    _month_of_results(office)
    assert results.default_period(date(2026, 4, 20)) == (date(2026, 4, 1), date(2026, 4, 20))
    view = results.list_results(office.db, office.admin, office.contract_id, today=date(2026, 4, 20))
    assert [(r.customer_no, r.state_text, r.reason_text) for r in view.rows] == [
        ("1", "이체처리완료", ""), ("2", "이체처리미완료", "잔액부족"), ("3", "이체의뢰중", ""), ("4", "이체의뢰대기", ""),
        ("6", "이체의뢰대기", "")]
    assert [(t.state_text, t.count, t.amount, t.debited) for t in view.totals] == [
        ("이체처리완료", 1, 10_000, 10_000), ("이체처리미완료", 1, 20_000, 0), ("이체의뢰중", 1, 30_000, 0),
        ("이체의뢰대기", 2, 139_000, 0)]
    assert (view.count, view.amount, view.debited) == (5, 199_000, 10_000)
    failed = results.list_results(office.db, office.admin, office.contract_id,
                                  results.ResultQuery(states=(RequestState.FAILED,)), today=date(2026, 4, 20))
    assert [r.customer_no for r in failed.rows] == ["2"]
    early = results.list_results(office.db, office.admin, office.contract_id, today=date(2026, 4, 14))
    assert early.rows == ()
    check_invariants(office.db)


def test_results_download_masks_accounts_and_neutralises_formulas(office, tmp_path: Path) -> None:
    _month_of_results(office)
    out = results.export_results_xlsx(office.db, office.admin, office.contract_id, tmp_path / "결과.xlsx",
                                      today=date(2026, 4, 20))
    assert out.rows == 5
    sheet = load_workbook(out.path).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:4] == ["출금일", "구분", "고객번호", "고객명"]
    assert all(v[6] == "****6789" for v in values[1:6])
    formula_cell = sheet.cell(row=6, column=4)
    assert formula_cell.value == '=HYPERLINK("x")' and formula_cell.data_type == "s"
    assert not any(isinstance(v, str) and "110123456789" in v for row in values for v in row)
    assert values[-1][:2] == ["총계", "5건"] and values[-1][7] == 199_000
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "personal_data_exported", AuditLog.target == "이체의뢰결과")) == 1


# --- 계좌신청 --------------------------------------------------------------------------------------


def test_registrations_list_requeue_and_withdraw(office, clerk) -> None:
    c = office.contract_id
    bad = add_payer(office.db, c, "1", day=15, registration=RegistrationState.FAILED, reason_code="0014")
    add_payer(office.db, c, "2", day=15, registration=RegistrationState.WAITING, bank="004")
    add_payer(office.db, c, "3", day=15)
    rows = {r.customer_no: r for r in registrations.list_registrations(office.db, clerk, c, now=NOW)}
    assert (rows["1"].state_text, rows["1"].reason_text, rows["1"].can_requeue) == ("계좌신청미완료", "예금주 불일치", True)
    assert "생년월일" in rows["1"].hint
    assert (rows["2"].state_text, rows["2"].can_withdraw, rows["2"].can_requeue) == ("계좌신청대기", True, False)
    assert rows["3"].state_text == "계좌신청완료" and rows["3"].warnings == ()
    assert "KB국민은행 계좌는 계좌신청이 완료되어야만" in rows["2"].warnings[0]
    failed_only = registrations.list_registrations(office.db, clerk, c, registrations.RegistrationQuery(
        states=(RegistrationState.FAILED,)), now=NOW)
    assert [r.customer_no for r in failed_only] == ["1"]
    with office.db.session() as s:  # the clerk fixes the holder id on the agreement
        s.get(DebitAgreement, bad.agreement_id).holder_id = "900202"
    new_id = registrations.requeue(office.db, clerk, rows["1"].id, now=NOW)
    with office.db.session() as s:
        fresh = s.get(AccountRegistration, new_id)
        assert (fresh.state, fresh.holder_id, fresh.requested_on) == (RegistrationState.WAITING, "900202", NOW.date())
    with pytest.raises(ServiceError, match="더 최근의 계좌신청"):
        registrations.requeue(office.db, clerk, rows["1"].id, now=NOW)
    with pytest.raises(ServiceError, match="계좌신청미완료인 건만"):
        registrations.requeue(office.db, clerk, rows["2"].id, now=NOW)
    registrations.withdraw(office.db, clerk, rows["2"].id)
    with pytest.raises(ServiceError, match="계좌신청대기인 건만"):
        registrations.withdraw(office.db, clerk, rows["2"].id)
    due = {r.customer_no: r for r in debits.list_due(office.db, clerk, c, D, now=NOW).rows}
    assert "계좌신청 내역이 없습니다" in due["2"].reason
    assert due["1"].reason == "계좌신청이 완료되지 않았습니다 (계좌신청대기)"


def test_registration_warns_when_it_cannot_be_complete_two_business_days_before_the_debit(office) -> None:
    add_payer(office.db, office.contract_id, "1", day=15, registration=RegistrationState.WAITING)
    # Queued Friday 10 April before 14:00: sent that day, result Monday 13th 11:00; D-2 of the 15th is the 13th.
    ok = registrations.list_registrations(office.db, office.admin, office.contract_id, now=NOW)[0]
    assert ok.warnings == ()
    late = registrations.list_registrations(office.db, office.admin, office.contract_id, now=at(date(2026, 4, 10), 15))[0]
    assert "다음 출금일 2026-04-15의 2영업일 전(04-13)까지 계좌신청이 끝나지 않습니다" in late.warnings[0]
