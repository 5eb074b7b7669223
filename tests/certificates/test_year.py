"""The issue's done-when: a year of one student through the real services, and the certificate's months and total.

해오름수학학원, 2026. 김하람(student of 김보호, born 2018-04-10) pays 120,000원 a month (수강료, debit day 5), by
EB21 files the embedded scheduler sends at each cut-off and EB22 results from the built-in bank simulator
(tests/collection/academy_months.py's machinery: the simulator decides by the account's last four digits).

* January: the account ends 0021, so the 5 January debit fails (잔액부족). On 30 January the clerk records
  120,000 in cash by mistake (the parent had only phoned); the administrator reverses it on 2 February,
  and the parent really pays cash on 3 February. The reversal comes off January (the month of the cash it
  undoes), the real cash counts in February. The account is changed to one ending 0001 on 7 January.
* February to November: each 5th's debit goes through.
* November: the student withdraws on 8 November; the 학원법 table returns 2/3 of November's 120,000 =
  80,000 (7 of 30 days elapsed, under 1/3), paid by transfer on 11 November. No December charge is made.

By hand (won):  1월 120,000 − 120,000 = 0 · 2월 120,000 (debit) + 120,000 (cash) = 240,000 ·
3월–10월 120,000 each · 11월 120,000 − 80,000 = 40,000 · 12월 0  →  total 1,240,000.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.models import Customer, RefundKind, RefundMethod, RegistrationState
from app.services.aggregates import certificates
from app.services.aggregates.reports import certificate_pdf
from app.services.collection import cash, refunds
from app.services.collection import requests as debits
from app.services.common.calendar import ManualClock
from app.services.common.session import Actor
from tests.certificates.test_pdf import keep_pages
from tests.collection.academy_months import Academy
from tests.factories import Office
from tests.home.helpers import Relay, add_payer

MONTHS = (0, 240_000, 120_000, 120_000, 120_000, 120_000, 120_000, 120_000, 120_000, 120_000, 40_000, 0)
TOTAL = 1_240_000


@pytest.fixture
def year_academy(academy_office: Office, clerk: Actor, tmp_path: Path) -> Academy:
    """Monday 29 December 2025, 09:00; one student registered long ago with an account that fails."""
    clock = ManualClock.at(2025, 12, 29, 9, 0)
    a = Academy(academy_office, clerk, clock, Relay(academy_office.db, academy_office.admin, clock, tmp_path / "relay"))
    a.payers["haram"] = add_payer(a.db, a.cid, "H01", account="110000000021", name="김보호", day=5, monthly=120_000,
                                  first="2026-01", limit=200_000, queued_at=None,
                                  registration=RegistrationState.DONE)
    with a.db.session() as s:
        customer = s.get(Customer, a.payers["haram"].customer_id)
        assert customer is not None
        customer.student_name, customer.student_birth_date = "김하람", date(2018, 4, 10)
    return a


def debit_month(a: Academy, month: int) -> date:
    """Ask for the month's 5th (moved to a business day) before its cut-off; the result comes with the next run."""
    option = next(o for o in debits.debit_dates(a.db, a.clerk, a.cid, 2026, month) if o.days == (5,))
    a.run_until(option.cutoff.date(), 10)
    outcome = a.request(option.debit_date, ["haram"])
    assert (outcome.count, outcome.total_amount) == (1, 120_000)
    return option.debit_date


def test_a_year_of_one_student_gives_the_certificate_of_a_hand_computation(year_academy: Academy,
                                                                           tmp_path: Path) -> None:
    a = year_academy
    db, cid, clerk, admin = a.db, a.cid, a.clerk, a.admin

    # January: the debit fails; the account is changed; a mistaken cash receipt, reversed in February.
    debit_month(a, 1)
    a.run_until(date(2026, 1, 7), 9)
    a.change_account("haram", "110000000001")
    a.run_until(date(2026, 1, 7), 12)
    assert a.balances()[("H01", "2026-01")].failed == 120_000
    a.run_until(date(2026, 1, 30), 15)
    january = a.cash_rows()[("H01", "2026-01")].charge_id
    wrong = cash.receive_cash(db, clerk, january, 120_000, date(2026, 1, 30), today=a.today())
    debit_month(a, 2)
    a.run_until(date(2026, 2, 2), 15)
    cash.reverse_cash(db, admin, wrong.payment_id, "학부모 미방문, 입력 착오", on=date(2026, 2, 2))
    a.run_until(date(2026, 2, 3), 15)
    cash.receive_cash(db, clerk, january, 120_000, date(2026, 2, 3), today=a.today())

    # March to November: every debit goes through.
    for month in range(3, 12):
        debit_month(a, month)
    a.run_until(date(2026, 11, 8), 12)
    assert a.balances()[("H01", "2026-11")].debited == 120_000
    assert a.balances()[("H01", "2026-10")].debited == 120_000

    # 8 November: withdrawal. 7 of November's 30 days elapsed (under 1/3): 2/3 of 120,000 = 80,000.
    refund_id = refunds.record_refund(db, clerk, a.payers["haram"].customer_id, RefundKind.WITHDRAWAL,
                                      date(2026, 11, 8), today=a.today())
    a.run_until(date(2026, 11, 11), 10)
    refunds.pay_refund(db, clerk, refund_id, date(2026, 11, 11), RefundMethod.TRANSFER, today=a.today())
    assert a.balances()[("H01", "2026-11")].refunded == 80_000

    # December passes with no charge; the parent asks in January.
    a.run_until(date(2027, 1, 6), 10)
    assert ("H01", "2026-12") not in a.balances()
    [row] = certificates.certificate_rows(db, clerk, cid, 2026)
    assert (row.customer_no, row.payer, row.student, row.under_nine) == ("H01", "김보호", "김하람", True)
    assert row.months == MONTHS
    assert row.total == TOTAL

    [cert] = certificates.issue_certificates(db, clerk, cid, 2026, [row.customer_id], today=a.today(), now=a.now())
    assert (cert.number, cert.months, cert.total) == ("2026-0001", MONTHS, TOTAL)
    pdf = certificate_pdf.write_certificates_pdf(db, clerk, [cert], tmp_path / "haram.pdf")
    [text] = [p.extract_text() or "" for p in PdfReader(str(pdf)).pages]
    for shown in ("2026년 02월", "240,000원", "40,000원", "1,240,000원", "김하람", "김보호", "만 9세 미만"):
        assert shown in text, shown
    if db.is_sqlite:
        keep_pages(pdf, "certificate-year")
