"""A busy day for the home screen, built the way the office would have lived it since February.

Fri 13 March 2026, 13:20 — forty minutes before the cut-off of Monday the 16th's debits:

- 20 Feb: five payers' registrations go out; the 25 Feb debits are requested; 이바다's fails
  (잔액부족) and, February being over, is waiting for a cash receipt;
- 5 Mar: 윤산's debit goes through;
- 12 Mar: 박구름 registers with a wrong account number (rejected in today's 11:00 result), and 정바람
  signs up after the cut-off for a first debit on the 16th (at risk);
- 강들's debit on the 16th is due and not requested yet; 최별's discount ends this month;
- the agency's notices and an office notice are unread.
"""

from __future__ import annotations

from datetime import date

from app.services import notices
from app.services.collection import requests as debits
from app.services.common.calendar import ManualClock
from app.services.common.session import Actor
from app.services.exchange.transmissions import load_contract
from tests.factories import Office
from tests.home.helpers import Relay, add_payer, at

BUSY_MOMENT = (date(2026, 3, 13), 13, 20)


def busy_day(office: Office, clerk: Actor, relay: Relay, clock: ManualClock) -> None:
    db, cid = office.db, office.contract_id
    clock.set(at(date(2026, 2, 20), 9))
    queued = clock.now()
    feb = dict(first="2026-02", queued_at=queued)
    ok = add_payer(db, cid, "C001", account="110000000001", name="김하늘", **feb)  # type: ignore[arg-type]
    poor = add_payer(db, cid, "C002", account="110000000021", name="이바다", **feb)  # type: ignore[arg-type]
    disc = add_payer(db, cid, "C005", account="110000000005", name="최별", discount=10_000, last="2026-03",
                     **feb)  # type: ignore[arg-type]
    fifth = add_payer(db, cid, "C006", account="110000000006", name="윤산", day=5, monthly=80_000, **feb)  # type: ignore[arg-type]
    add_payer(db, cid, "C007", account="110000000007", name="강들", day=15, monthly=120_000, **feb)  # type: ignore[arg-type]

    relay.run_until(at(date(2026, 2, 24), 10))
    debits.request(db, clerk, cid, date(2026, 2, 25), [ok.agreement_id, poor.agreement_id, disc.agreement_id],
                   now=clock.now())
    relay.run_until(at(date(2026, 3, 4), 10))
    debits.request(db, clerk, cid, date(2026, 3, 5), [fifth.agreement_id], now=clock.now())
    relay.run_until(at(date(2026, 3, 12), 10))
    add_payer(db, cid, "C003", account="110000000012", name="박구름", queued_at=clock.now())
    relay.run_until(at(date(2026, 3, 12), 15))
    add_payer(db, cid, "C004", account="110000000004", name="정바람", day=15, queued_at=clock.now())
    relay.run_until(at(*BUSY_MOMENT))

    notices.fetch_from_relay(db, relay.factory(load_contract(db, cid)), office.institution_id)
    notices.post_office_notice(db, office.admin, "3월 현금수납 마감 안내",
                               "2월 미납분 현금수납은 3월 24일(화)까지 받습니다.\n"
                               "그 뒤에는 3월 이체의뢰에 미수납액으로 함께 청구합니다.", now=clock.now())
