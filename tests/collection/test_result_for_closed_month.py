"""A bank result for a debit date of a closed month waits, unapplied, until the month is reopened.

Applying it would change figures already reported at the close (issue 19); refusing it for good
would lose the bank's answer. So the receiving pass leaves it DEFERRED with the reason, changes
nothing, and applies it at the first pass after an administrator reopens the month.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.models import DebitRequest, LedgerEntry, MonthClose, RequestState, Transmission
from app.models.base import utcnow
from app.services.collection import requests as debits
from app.services.exchange import building, receiving, sending
from app.services.exchange.cms import decode_eb21, encode_eb22
from app.services.exchange.transmissions import load_contract, open_content
from tests.collection.helpers import KEY, add_payer, at
from tests.transmissions.fakes import FakeRelay

D = date(2026, 4, 15)


def test_a_result_of_a_closed_month_waits_until_the_month_is_reopened(office) -> None:
    c = office.contract_id
    payer = add_payer(office.db, c, "A1", monthly=60_000, limit=100_000, day=15)
    debits.request(office.db, office.admin, c, D, [payer.agreement_id], now=at(date(2026, 4, 10)))
    contract = load_contract(office.db, c)
    built = building.build_request_file(office.db, contract, D, KEY)
    assert sending.upload_transmission(office.db, FakeRelay(), built.transmission_id, key=KEY,
                                       now=lambda: at(date(2026, 4, 14), 13, 58), delays=()).sent
    with office.db.session() as s:
        t = s.get(Transmission, built.transmission_id)
        request = decode_eb21(open_content(t.content, t.content_sealed, KEY), t.remote_name)
        s.add(MonthClose(contract_id=c, period="2026-04", closed_by="admin", missing_results=1,
                         override_reason="결과 지연, 입주자대표회의 보고 일정", figures="{}"))
    result = encode_eb22(request.header, [])  # the bank took everything: no record comes back

    waiting = receiving.apply_result(office.db, contract, "EB220415_2026", result, now=at(date(2026, 5, 4), 11, 5),
                                     key=KEY)
    assert waiting.status is receiving.ApplyStatus.DEFERRED
    assert "마감된 달(2026-04)" in waiting.message and "마감을 다시 열면" in waiting.message
    with office.db.session() as s:
        assert s.scalar(select(DebitRequest.state)) is RequestState.SENT
        assert s.scalars(select(LedgerEntry.kind)).all() == ["CHARGE", "REQUEST"]
        close = s.scalar(select(MonthClose))
        close.reopened_at, close.reopened_by, close.reopen_reason = utcnow(), "admin", "5월 결과 반영"

    applied = receiving.apply_result(office.db, contract, "EB220415_2026", result, now=at(date(2026, 5, 4), 11, 30),
                                     key=KEY)
    assert applied.status is receiving.ApplyStatus.APPLIED, applied.message
    with office.db.session() as s:
        assert s.scalar(select(DebitRequest.state)) is RequestState.DONE
