"""교육비 납입증명서: the months a certificate counts, numbering, re-issue, out of date, 9세 미만, resident numbers.

Money is made through the request service, the ledger's result writer and the cash service
(tests/certificates/helpers.py); every expected figure is worked out by hand and written as a literal.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.models import AuditLog, FeeCertificate
from app.services.aggregates import certificates
from app.services.collection import cash
from app.services.common.calendar import SEOUL
from app.services.common.errors import PermissionDeniedError, ServiceError
from app.services.common.session import Actor
from tests.certificates.helpers import KEY, debit, pay_cash, student
from tests.factories import Office

TODAY = date(2027, 1, 6)
NOW = datetime(2027, 1, 6, 10, 30, tzinfo=SEOUL)
ZERO = (0,) * 12


def rows_by_no(office: Office, year: int = 2026, **kw: object) -> dict[str, certificates.CertificateRow]:
    rows = certificates.certificate_rows(office.db, office.admin, office.contract_id, year, **kw)  # type: ignore[arg-type]
    return {r.customer_no: r for r in rows}


def issue(office: Office, *payers: int, actor: Actor | None = None, **kw: object) -> list[certificates.IssuedCertificate]:
    return certificates.issue_certificates(office.db, actor or office.admin, office.contract_id, 2026, list(payers),
                                           today=TODAY, now=NOW, **kw)  # type: ignore[arg-type]


def test_months_count_debits_and_cash_and_a_reversal_in_the_month_of_its_cash(academy_office: Office) -> None:
    """January and February debited; March failed and paid in cash on 03-20; April's cash of 04-28 reversed
    on 05-04 comes off April, not May; May debited."""
    o = academy_office
    p = student(o, "S01", "김부모", student_name="김아이", birth=date(2018, 3, 2))
    debit(o, p, date(2026, 1, 5))
    debit(o, p, date(2026, 2, 5))
    march = debit(o, p, date(2026, 3, 5), debited=0)
    pay_cash(o, march, 120_000, date(2026, 3, 20))
    april = debit(o, p, date(2026, 4, 6), debited=0)  # 5 April 2026 is a Sunday
    wrong = pay_cash(o, april, 120_000, date(2026, 4, 28))
    cash.reverse_cash(o.db, o.admin, wrong, "입력 착오", on=date(2026, 5, 4))
    debit(o, p, date(2026, 5, 6))  # 5 May is 어린이날

    row = rows_by_no(o)["S01"]
    assert row.months == (120_000, 120_000, 120_000, 0, 120_000, 0, 0, 0, 0, 0, 0, 0)
    assert row.total == 480_000
    assert (row.payer, row.student, row.birth_date, row.under_nine) == ("김부모", "김아이", date(2018, 3, 2), True)
    assert (row.latest_number, row.state_text) == ("", "미발급")
    assert rows_by_no(o, 2025) == {}


def test_numbering_and_re_issue_show_the_earlier_ones(academy_office: Office) -> None:
    o = academy_office
    a = student(o, "S01", "김부모", student_name="김아이")
    b = student(o, "S02", "이부모")
    for p in (a, b):
        debit(o, p, date(2026, 1, 5))
    first = issue(o, b.customer_id, a.customer_id)
    assert [(c.number, c.customer_no, c.student, c.total) for c in first] == [
        ("2026-0001", "S01", "김아이", 120_000), ("2026-0002", "S02", "이부모", 120_000)]
    assert all(c.earlier == () for c in first)
    with o.db.session() as s:
        stored = s.scalars(select(FeeCertificate).order_by(FeeCertificate.serial)).all()
        assert [(f.serial, f.year, f.total, f.issued_by) for f in stored] == [(1, 2026, 120_000, "admin"),
                                                                              (2, 2026, 120_000, "admin")]
        assert stored[0].months == "1:120000,2:0,3:0,4:0,5:0,6:0,7:0,8:0,9:0,10:0,11:0,12:0"
    again = issue(o, a.customer_id)
    assert again[0].number == "2026-0003"
    assert [e.text for e in again[0].earlier] == ["2026-0001 (01-06 관리자, 최신)"]
    shown = certificates.issued_for(o.db, o.admin, o.contract_id, a.customer_id, 2026)
    assert [e.number for e in shown] == ["2026-0001", "2026-0003"]
    assert (rows_by_no(o)["S01"].latest_number, rows_by_no(o)["S01"].state_text) == ("2026-0003", "최신")


def test_a_later_reversal_of_that_years_cash_marks_the_certificate_out_of_date(academy_office: Office) -> None:
    """December's debit failed and was paid in cash on 12-21; issued on 2027-01-06; the cash is reversed on
    2027-01-08: December drops to 0, the certificate reads 변경됨, and the 2027 list is untouched."""
    o = academy_office
    p = student(o, "S01", "김부모")
    debit(o, p, date(2026, 11, 5))
    december = debit(o, p, date(2026, 12, 7), debited=0)  # 5 December 2026 is a Saturday
    payment = pay_cash(o, december, 120_000, date(2026, 12, 21))
    [cert] = issue(o, p.customer_id)
    assert (cert.number, cert.months[10:], cert.total) == ("2026-0001", (120_000, 120_000), 240_000)
    assert rows_by_no(o)["S01"].state_text == "최신"

    cash.reverse_cash(o.db, o.admin, payment, "이중 입력", on=date(2027, 1, 8))
    row = rows_by_no(o)["S01"]
    assert (row.months[10:], row.total) == ((120_000, 0), 120_000)
    assert (row.latest_number, row.out_of_date, row.state_text) == ("2026-0001", True, "변경됨")
    [earlier] = certificates.issued_for(o.db, o.admin, o.contract_id, p.customer_id, 2026)
    assert (earlier.total, earlier.out_of_date, earlier.text) == (240_000, True, "2026-0001 (01-06 관리자, 변경됨)")
    [again] = issue(o, p.customer_id)
    assert (again.number, again.total, [e.number for e in again.earlier]) == ("2026-0002", 120_000, ["2026-0001"])
    assert rows_by_no(o)["S01"].state_text == "최신"


@pytest.mark.parametrize(("birth", "under_nine"), [
    (date(2018, 1, 1), True), (date(2017, 12, 31), False), (date(2020, 6, 15), True), (None, False)])
def test_under_nine_at_the_years_end(academy_office: Office, birth: date | None, under_nine: bool) -> None:
    o = academy_office
    p = student(o, "S01", "김부모", student_name="김아이", birth=birth)
    debit(o, p, date(2026, 1, 5))
    assert rows_by_no(o)["S01"].under_nine is under_nine
    assert issue(o, p.customer_id)[0].under_nine is under_nine


def test_search_by_number_payer_or_student(academy_office: Office) -> None:
    o = academy_office
    for no, payer, child in (("S01", "김부모", "김아이"), ("S02", "이부모", None), ("S03", "박부모", "박_별")):
        debit(o, student(o, no, payer, student_name=child), date(2026, 1, 5))
    assert list(rows_by_no(o, search="S02")) == ["S02"]
    assert list(rows_by_no(o, search="김아")) == ["S01"]
    assert list(rows_by_no(o, search="부모")) == ["S01", "S02", "S03"]
    assert list(rows_by_no(o, search="_")) == ["S03"]  # typed literally, not a wildcard


def test_resident_number_masked_unless_an_administrator_asks_and_it_is_audited(academy_office: Office,
                                                                              clerk: Actor) -> None:
    o = academy_office
    p = student(o, "S01", "김부모", resident_no="8001011234567")
    q = student(o, "S02", "이부모")  # no resident number on record
    for payer in (p, q):
        debit(o, payer, date(2026, 1, 5))
    masked = issue(o, p.customer_id, actor=clerk)
    assert masked[0].payer_resident_no == "800101-1******"
    assert "1234567" not in repr(masked[0])
    with pytest.raises(PermissionDeniedError, match="관리자만"):
        issue(o, p.customer_id, actor=clerk, show_resident_no=True, data_key=KEY)
    with pytest.raises(ServiceError, match="데이터 암호 키"):
        issue(o, p.customer_id, show_resident_no=True)
    full = issue(o, p.customer_id, q.customer_id, show_resident_no=True, data_key=KEY)
    assert [c.payer_resident_no for c in full] == ["800101-1234567", ""]
    assert [c.number for c in full] == ["2026-0002", "2026-0003"]  # the refusals numbered nothing
    with o.db.session() as s:
        audits = s.scalars(select(AuditLog).where(AuditLog.action.in_(["certificate_issued", "personal_data_revealed"]))
                           .order_by(AuditLog.id)).all()
    assert [(a.action, a.login_id) for a in audits] == [
        ("certificate_issued", "clerk1"), ("certificate_issued", "admin"), ("personal_data_revealed", "admin")]
    assert json.loads(audits[2].detail or "{}")["resident_no"] == 1
    assert all("1234567" not in (a.detail or "") and "800101" not in (a.detail or "") for a in audits)


def test_refusals_write_nothing(academy_office: Office, viewer: Actor) -> None:
    o = academy_office
    p = student(o, "S01", "김부모")
    idle = student(o, "S02", "이부모")
    debit(o, p, date(2026, 1, 5))
    with pytest.raises(PermissionDeniedError):
        issue(o, p.customer_id, actor=viewer)
    with pytest.raises(ServiceError, match="납입한 교육비가 없는 고객이 있습니다: S02"):
        issue(o, p.customer_id, idle.customer_id)
    with pytest.raises(ServiceError, match="고객을 고르세요"):
        issue(o)
    with pytest.raises(ServiceError, match="아직 오지 않은 해"):
        certificates.issue_certificates(o.db, o.admin, o.contract_id, 2028, [p.customer_id], today=TODAY)
    with pytest.raises(ServiceError, match="이 계약에 없는 고객"):
        issue(o, 999_999)
    with o.db.session() as s:
        assert s.scalars(select(FeeCertificate)).all() == []
    assert rows_by_no(o)["S01"].total == 120_000  # a viewer may look
    assert certificates.certificate_rows(o.db, viewer, o.contract_id, 2026)[0].customer_no == "S01"
