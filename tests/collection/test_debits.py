"""이체의뢰: what is due, why a row cannot be requested, the cut-off, requesting, withdrawing, pre-flight."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from app.models import (
    AgreementStatus,
    Charge,
    DebitAgreement,
    DebitRequest,
    DebitRequestLine,
    Direction,
    FileKind,
    LedgerEntry,
    LedgerKind,
    RegistrationState,
    RequestState,
    Transmission,
    TransmissionState,
)
from app.models.user import AuditLog
from app.services.collection import automatic, cash, ledger
from app.services.collection import requests as debits
from app.services.common.calendar import SEOUL, seoul_datetime
from app.services.common.errors import (
    ConflictError,
    PermissionDeniedError,
    ServiceError,
)
from app.services.exchange.transmissions import load_contract
from tests.collection.helpers import add_payer, at, check_invariants, mark_sent

D = date(2026, 4, 15)  # a Wednesday; cut-off Tuesday 14:00
NOW = at(date(2026, 4, 10))


def _due(office, **kw):
    return {r.customer_no: r for r in debits.list_due(office.db, office.admin, office.contract_id, D, now=NOW, **kw).rows}


def test_due_rows_say_why_a_payer_cannot_be_requested(office) -> None:
    c = office.contract_id
    add_payer(office.db, c, "1", monthly=30_000, day=15)
    add_payer(office.db, c, "2", day=15, registration=None)
    add_payer(office.db, c, "3", day=15, registration=RegistrationState.WAITING)
    add_payer(office.db, c, "4", day=15, registration=RegistrationState.FAILED, reason_code="0012")
    add_payer(office.db, c, "5", day=15, monthly=100)
    ended = add_payer(office.db, c, "6", day=15)
    add_payer(office.db, c, "7", day=15, monthly=20_000, discount=20_000)
    add_payer(office.db, c, "8", day=5)  # another debit day: not listed
    add_payer(office.db, c, "9", day=15, first="2026-05")  # not yet
    add_payer(office.db, c, "10", day=15, last="2026-03")  # over
    with office.db.session() as s:
        s.get(DebitAgreement, ended.agreement_id).status = AgreementStatus.ENDED
    rows = _due(office)
    assert set(rows) == {"1", "2", "3", "4", "5", "6", "7"}
    assert rows["1"].requestable and rows["1"].request_amount == 30_000
    assert "계좌신청 내역이 없습니다" in rows["2"].reason
    assert rows["3"].reason == "계좌신청이 완료되지 않았습니다 (계좌신청대기)"
    assert rows["4"].reason == "계좌신청이 완료되지 않았습니다 (계좌신청미완료: 계좌번호 오류)"
    assert rows["5"].reason == "이체금액이 140원 미만입니다 (100원)"
    assert rows["6"].reason == "이체정보가 해지되었습니다" and rows["6"].charge_id is None
    assert rows["7"].reason == "청구금액이 없습니다 (전액 할인)"
    assert all(r.request_amount == 0 for r in rows.values() if not r.requestable)


def test_charges_are_created_once_with_the_discount_in_effect(office) -> None:
    """Looking creates no charge (it shows what the charge would be); the request creates it, once."""
    p = add_payer(office.db, office.contract_id, "1", monthly=50_000, discount=5_000, rate=10, day=15)
    first = _due(office)["1"]
    again = _due(office)["1"]
    assert first.charge_id is None and again.charge_id is None
    assert (first.monthly_amount, first.discount, first.charge_amount, first.request_amount) == (50_000, 5_000, 45_000,
                                                                                                 45_000)
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Charge)) == 0
    debits.request(office.db, office.admin, office.contract_id, D, [p.agreement_id], now=NOW)
    made = _due(office)["1"]
    assert made.charge_id is not None and made.charge_amount == 45_000
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Charge)) == 1
        s.get(DebitAgreement, p.agreement_id).discount_amount = 0  # a later discount change…
    assert _due(office)["1"].charge_amount == 45_000  # …does not touch the charge already made
    check_invariants(office.db)


def test_a_viewer_lists_without_creating_charges_and_cannot_request(office, viewer) -> None:
    p = add_payer(office.db, office.contract_id, "1", monthly=30_000, day=15)
    rows = debits.list_due(office.db, viewer, office.contract_id, D, now=NOW).rows
    assert rows[0].charge_id is None and rows[0].request_amount == 30_000
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Charge)) == 0
    with pytest.raises(PermissionDeniedError):
        debits.request(office.db, viewer, office.contract_id, D, [p.agreement_id], now=NOW)


def test_only_contracted_debit_days_moved_to_business_days(office) -> None:
    options = debits.debit_dates(office.db, office.admin, office.contract_id, 2026, 4)
    # 5 April 2026 is a Sunday → Monday the 6th; 25 April a Saturday → Monday the 27th.
    assert [o.debit_date for o in options] == [date(2026, 4, 6), date(2026, 4, 15), date(2026, 4, 27)]
    assert options[0].cutoff == seoul_datetime(date(2026, 4, 3), time(14))
    add_payer(office.db, office.contract_id, "1", day=25)
    assert [r.customer_no for r in debits.list_due(office.db, office.admin, office.contract_id, date(2026, 4, 27),
                                                   now=NOW).rows] == ["1"]
    with pytest.raises(ServiceError, match="이체일이 아닙니다"):
        debits.list_due(office.db, office.admin, office.contract_id, date(2026, 4, 16), now=NOW)
    with pytest.raises(ServiceError, match="이체일이 아닙니다"):
        debits.list_due(office.db, office.admin, office.contract_id, date(2026, 4, 5), now=NOW)


def test_outstanding_of_earlier_months_is_added_oldest_first_never_above_the_limit(office) -> None:
    p = add_payer(office.db, office.contract_id, "1", monthly=60_000, limit=100_000, day=15)
    march = date(2026, 3, 16)  # 15 March 2026 is a Sunday
    out = debits.request(office.db, office.admin, office.contract_id, march, [p.agreement_id], now=at(date(2026, 3, 10)))
    mark_sent(office.db)
    with office.db.session() as s:
        ledger.apply_debit_outcome(s, out.request_ids[0], 0, "0021", at(date(2026, 3, 17), 11))
    without = _due(office)["1"]
    assert (without.earlier_outstanding, without.request_amount, without.left_outstanding) == (60_000, 60_000, 0)
    row = _due(office, include_outstanding=True)["1"]
    assert (row.request_amount, row.left_outstanding) == (100_000, 20_000)
    assert "20,000원은 미수납으로 남습니다" in row.note
    done = debits.request(office.db, office.admin, office.contract_id, D, [p.agreement_id], include_outstanding=True,
                          now=NOW)
    assert done.total_amount == 100_000
    with office.db.session() as s:
        carried = s.scalar(select(func.sum(LedgerEntry.amount)).where(LedgerEntry.kind == LedgerKind.CARRY))
        lines = s.execute(select(Charge.period, DebitRequestLine.amount)
                          .join(Charge, Charge.id == DebitRequestLine.charge_id)
                          .where(DebitRequestLine.request_id == done.request_ids[0]).order_by(DebitRequestLine.id)).all()
    assert carried == 60_000
    # line ids follow the oldest-first order
    assert [(period, amount) for period, amount in lines] == [("2026-03", 60_000), ("2026-04", 40_000)]
    # A partial debit pays the March charge first.
    mark_sent(office.db)
    with office.db.session() as s:
        ledger.apply_debit_outcome(s, done.request_ids[0], 70_000, "0021", at(date(2026, 4, 16), 11))
    outstanding = check_invariants(office.db)
    assert sorted(outstanding.values()) == [0, 50_000]
    with office.db.session() as s:
        req = s.get(DebitRequest, done.request_ids[0])
        assert req.state is RequestState.PARTIAL and req.debited_amount == 70_000


def test_requests_stop_at_the_cutoff_of_the_business_day_before(office) -> None:
    p = add_payer(office.db, office.contract_id, "1", day=15)
    info = load_contract(office.db, office.contract_id)
    cutoff = seoul_datetime(date(2026, 4, 14), time(14))
    assert debits.cutoff_state(info, D, cutoff - timedelta(microseconds=1)).open
    state = debits.cutoff_state(info, D, cutoff)
    assert not state.open and "마감(04-14(화) 14:00)이 지나" in state.message
    assert not debits.cutoff_state(info, date(2026, 4, 18), NOW).open  # a Saturday
    with pytest.raises(ServiceError, match="마감"):
        debits.request(office.db, office.admin, office.contract_id, D, [p.agreement_id], now=cutoff)
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(DebitRequest)) == 0
    out = debits.request(office.db, office.admin, office.contract_id, D, [p.agreement_id],
                         now=cutoff - timedelta(seconds=1))
    assert out.count == 1 and "이체의뢰대기" in out.message


def test_no_request_once_the_dates_file_is_built(office) -> None:
    p = add_payer(office.db, office.contract_id, "1", day=15)
    with office.db.session() as s:
        s.add(Transmission(contract_id=office.contract_id, kind=FileKind.EB21, direction=Direction.SEND,
                           state=TransmissionState.SENT, file_name="EB210415", remote_name="EB210415_2026",
                           file_date=D))
    state = debits.cutoff_state_for(office.db, office.admin, office.contract_id, D, NOW)
    assert not state.open and "파일을 이미 만들었습니다" in state.message
    with pytest.raises(ServiceError, match="파일을 이미 만들었습니다"):
        debits.request(office.db, office.admin, office.contract_id, D, [p.agreement_id], now=NOW)


def test_a_charge_is_never_requested_twice_and_requests_are_all_or_nothing(office, clerk) -> None:
    a = add_payer(office.db, office.contract_id, "1", day=15)
    b = add_payer(office.db, office.contract_id, "2", day=15, registration=None)
    with pytest.raises(ServiceError, match="계좌신청 내역이 없습니다"):
        debits.request(office.db, clerk, office.contract_id, D, [a.agreement_id, b.agreement_id], now=NOW)
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(DebitRequest)) == 0
    debits.request(office.db, clerk, office.contract_id, D, [a.agreement_id], now=NOW)
    with pytest.raises(ConflictError, match="먼저 이체의뢰한 건"):
        debits.request(office.db, office.admin, office.contract_id, D, [a.agreement_id], now=NOW)
    assert _due(office)["1"].reason == "이미 이체의뢰되었습니다 (이체의뢰대기)"
    with pytest.raises(ServiceError, match="선택하세요"):
        debits.request(office.db, clerk, office.contract_id, D, [], now=NOW)
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "debit_requested")) == 1
    check_invariants(office.db)


def test_the_partial_unique_index_refuses_a_second_open_line_as_conflict(office) -> None:
    p = add_payer(office.db, office.contract_id, "1", day=15)
    out = debits.request(office.db, office.admin, office.contract_id, D, [p.agreement_id], now=NOW)
    with office.db.session() as s:
        charge_id = s.scalar(select(DebitRequestLine.charge_id))
    with pytest.raises(ConflictError, match="다른 사용자가 같은 청구를 먼저"), office.db.session() as s:
        extra = DebitRequest(contract_id=office.contract_id, agreement_id=p.agreement_id, debit_date=D, amount=10,
                             bank_code="088", state=RequestState.WAITING)
        s.add(extra)
        s.flush()
        ledger.add_lines(s, [(extra, [ledger.LineSpec(charge_id, "2026-04", 10)], "2026-04")], D, "x")
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(DebitRequest)) == 1
    assert out.count == 1


def test_withdraw_before_the_file_and_never_after(office) -> None:
    p = add_payer(office.db, office.contract_id, "1", day=15)
    out = debits.request(office.db, office.admin, office.contract_id, D, [p.agreement_id], now=NOW)
    debits.withdraw(office.db, office.admin, out.request_ids[0], now=NOW)
    check_invariants(office.db)
    row = _due(office)["1"]
    assert row.requestable and row.status_text == "미의뢰"
    with pytest.raises(ServiceError, match="의뢰취소 상태"):
        debits.withdraw(office.db, office.admin, out.request_ids[0], now=NOW)
    again = debits.request(office.db, office.admin, office.contract_id, D, [p.agreement_id], now=NOW)
    with office.db.session() as s:
        t = Transmission(contract_id=office.contract_id, kind=FileKind.EB21, direction=Direction.SEND,
                         state=TransmissionState.CREATED, file_name="EB210415", remote_name="EB210415_2026",
                         file_date=D)
        s.add(t)
        s.flush()
        s.get(DebitRequest, again.request_ids[0]).transmission_id = t.id
    with pytest.raises(ServiceError, match="파일에 실린"):
        debits.withdraw(office.db, office.admin, again.request_ids[0], now=NOW)
    mark_sent(office.db)
    with pytest.raises(ServiceError, match="이체의뢰중 상태"):
        debits.withdraw(office.db, office.admin, again.request_ids[0], now=NOW)


def test_a_request_that_missed_its_cutoff_can_be_withdrawn_to_free_its_charge(office) -> None:
    p = add_payer(office.db, office.contract_id, "1", day=15)
    out = debits.request(office.db, office.admin, office.contract_id, D, [p.agreement_id], now=NOW)
    debits.withdraw(office.db, office.admin, out.request_ids[0], now=at(D, 9))
    with office.db.session() as s:
        assert s.get(DebitRequest, out.request_ids[0]).state is RequestState.WITHDRAWN


def test_cash_paid_rows_are_excluded_with_the_reason(office) -> None:
    p = add_payer(office.db, office.contract_id, "1", monthly=30_000, day=6)
    first = date(2026, 4, 6)
    out = debits.request(office.db, office.admin, office.contract_id, first, [p.agreement_id], now=at(date(2026, 4, 1)))
    mark_sent(office.db)
    with office.db.session() as s:
        ledger.apply_debit_outcome(s, out.request_ids[0], 0, "0021", at(date(2026, 4, 7), 11))
        charge_id = s.scalar(select(Charge.id))
    cash.receive_cash(office.db, office.admin, charge_id, 30_000, date(2026, 4, 8))
    rows = debits.list_due(office.db, office.admin, office.contract_id, first, now=at(date(2026, 4, 1))).rows
    assert rows[0].reason == "현금수납으로 완납되었습니다" and rows[0].status_text == "현금수납"


def test_preflight_compares_with_last_month(office) -> None:
    c = office.contract_id
    same = add_payer(office.db, c, "1", monthly=30_000, day=15)
    more = add_payer(office.db, c, "2", monthly=30_000, day=15)
    gone = add_payer(office.db, c, "3", monthly=30_000, day=15, last="2026-03")
    cheap = add_payer(office.db, c, "4", monthly=40_000, discount=4_000, rate=10, day=15)
    march = date(2026, 3, 16)
    debits.request(office.db, office.admin, c, march,
                   [same.agreement_id, more.agreement_id, gone.agreement_id, cheap.agreement_id],
                   now=at(date(2026, 3, 10)))
    fresh = add_payer(office.db, c, "5", monthly=10_000, day=15)
    with office.db.session() as s:
        s.get(DebitAgreement, more.agreement_id).monthly_amount = 35_000
        s.get(DebitAgreement, cheap.agreement_id).discount_amount = 0
        s.get(DebitAgreement, cheap.agreement_id).discount_rate = 0
    add_payer(office.db, c, "6", day=15, registration=None)
    pre = debits.preflight(office.db, office.admin, c, D, now=NOW)
    assert pre.last_debit_dates == (march,)
    assert [p.customer_no for p in pre.new_payers] == [fresh.customer_no]
    assert [p.customer_no for p in pre.dropped_payers] == [gone.customer_no]
    assert {p.customer_no: (p.last_amount, p.this_amount) for p in pre.amount_changes} == {
        "2": (30_000, 35_000), "4": (36_000, 40_000)}
    assert [(p.customer_no, p.last_amount, p.this_amount) for p in pre.expired_discounts] == [("4", 4_000, 0)]
    assert [r.customer_no for r in pre.excluded] == ["6"]
    assert (pre.this_count, pre.this_amount, pre.last_count, pre.last_amount) == (4, 115_000, 4, 126_000)
    text = "\n".join(pre.lines())
    assert "신규 1건" in text and "할인 종료 1건" in text and "계좌신청 내역이 없습니다" in text


def test_auto_request_runs_once_per_debit_date_at_its_lead_time(office) -> None:
    from app.models import Contract

    p = add_payer(office.db, office.contract_id, "1", day=15)
    cutoff = seoul_datetime(date(2026, 4, 14), time(14))
    assert automatic.auto_request_due(office.db, office.contract_id, cutoff - timedelta(minutes=30)).count == 0  # off
    with office.db.session() as s:
        contract = s.get(Contract, office.contract_id)
        contract.auto_request, contract.auto_request_lead_minutes = True, 60
    assert automatic.auto_request_due(office.db, office.contract_id, cutoff - timedelta(minutes=61)).count == 0
    report = automatic.auto_request_due(office.db, office.contract_id, cutoff - timedelta(minutes=30))
    assert report.count == 1 and report.outcomes[0].debit_date == D
    debits.withdraw(office.db, office.admin, report.outcomes[0].request_ids[0], now=cutoff - timedelta(minutes=20))
    assert automatic.auto_request_due(office.db, office.contract_id, cutoff - timedelta(minutes=10)).count == 0
    row = _due(office)["1"]
    assert row.requestable and row.agreement_id == p.agreement_id  # the clerk's withdrawal stands
    check_invariants(office.db)


def test_other_institutions_contract_is_not_found(office) -> None:
    from app.services.common.errors import NotFoundError
    from app.services.common.session import Actor

    stranger = Actor(None, office.institution_id + 99, "x", "x", office.admin.role)
    with pytest.raises(NotFoundError):
        debits.list_due(office.db, stranger, office.contract_id, D, now=NOW)


def test_now_must_be_timezone_aware(office) -> None:
    p = add_payer(office.db, office.contract_id, "1", day=15)
    with pytest.raises((TypeError, ValueError)):
        debits.request(office.db, office.admin, office.contract_id, D, [p.agreement_id], now=datetime(2026, 4, 10))
    aware = datetime(2026, 4, 10, 1, 0, tzinfo=SEOUL)
    assert debits.request(office.db, office.admin, office.contract_id, D, [p.agreement_id], now=aware).count == 1
