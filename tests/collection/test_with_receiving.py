"""The whole month through the real files: 이체의뢰 → EB21 built and sent → EB22 applied by the receiving module.

Proves that what `receiving` writes keeps the ledger semantics of `ledger.py` for requests made by
`debits` (oldest charge first on a partial debit, DEBIT + FAIL = requested, lines closed), and that
the screens built on the ledger (results, retry, cash) read the outcome correctly.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlalchemy import select

from app.models import Charge, DebitRequest, RequestState, Transmission
from app.services.collection import cash, ledger, results, retries
from app.services.collection import requests as debits
from app.services.exchange import building, receiving, sending
from app.services.exchange.cms import decode_eb21, encode_eb21, encode_eb22
from app.services.exchange.transmissions import (
    load_contract,
    open_content,
    seal_content,
)
from tests.collection.helpers import KEY, add_payer, at, check_invariants, mark_sent
from tests.transmissions.fakes import FakeRelay

D = date(2026, 4, 15)
NOW = at(date(2026, 4, 10))


def test_a_month_through_eb21_and_eb22(office) -> None:
    c = office.contract_id
    a = add_payer(office.db, c, "A1", monthly=60_000, limit=100_000, day=15)
    b = add_payer(office.db, c, "B2", monthly=20_000, day=15)
    d = add_payer(office.db, c, "C3", monthly=30_000, day=15)
    march = debits.request(office.db, office.admin, c, date(2026, 3, 16), [a.agreement_id], now=at(date(2026, 3, 10)))
    mark_sent(office.db)
    with office.db.session() as s:
        ledger.apply_debit_outcome(s, march.request_ids[0], 0, "0021", at(date(2026, 3, 17), 11))
    april = debits.request(office.db, office.admin, c, D, [a.agreement_id, b.agreement_id, d.agreement_id],
                           include_outstanding=True, now=NOW)
    assert april.total_amount == 100_000 + 20_000 + 30_000

    contract = load_contract(office.db, c)
    relay = FakeRelay()
    built = building.build_request_file(office.db, contract, D, KEY)
    assert built.record_count == 3 and built.total_amount == 150_000
    sent = sending.upload_transmission(office.db, relay, built.transmission_id, key=KEY,
                                       now=lambda: at(date(2026, 4, 14), 13, 58), delays=())
    assert sent.sent
    # Our files ask for full debits; store the request as if A's record allowed a partial one (출금형태 0).
    with office.db.session() as s:
        t = s.get(Transmission, built.transmission_id)
        request = decode_eb21(open_content(t.content, t.content_sealed, KEY), t.remote_name)
        seq_of = {r.agreement_id: r.seq_no for r in s.scalars(select(DebitRequest).where(DebitRequest.debit_date == D))}
        records = [dataclasses.replace(r, withdrawal_mode="0") if r.sequence == seq_of[a.agreement_id] else r
                   for r in request.records]
        seal_content(t, encode_eb21(request.header, records), KEY)
        request = decode_eb21(open_content(t.content, t.content_sealed, KEY), t.remote_name)
    answers = [
        dataclasses.replace(request.records[seq_of[a.agreement_id] - 1], amount=30_000, result_flag="P",
                            reason_code="0021"),
        dataclasses.replace(request.records[seq_of[b.agreement_id] - 1], amount=20_000, result_flag="N",
                            reason_code="0021"),
    ]
    outcome = receiving.apply_result(office.db, contract, "EB220415_2026", encode_eb22(request.header, answers),
                                     now=at(date(2026, 4, 16), 11, 5), key=KEY)
    assert outcome.status is receiving.ApplyStatus.APPLIED, outcome.message

    outstanding = check_invariants(office.db)
    with office.db.session() as s:
        charges = {(agreement, period): cid for cid, agreement, period in
                   s.execute(select(Charge.id, Charge.agreement_id, Charge.period))}
    assert outstanding[charges[(a.agreement_id, "2026-03")]] == 0  # the partial debit paid March first
    # April: 40,000 asked (the limit), 10,000 of it debited, plus the 20,000 that did not fit.
    assert outstanding[charges[(a.agreement_id, "2026-04")]] == 50_000
    assert outstanding[charges[(b.agreement_id, "2026-04")]] == 20_000
    assert outstanding[charges[(d.agreement_id, "2026-04")]] == 0

    view = results.list_results(office.db, office.admin, c, today=date(2026, 4, 16))
    assert [(t.state_text, t.count, t.amount, t.debited) for t in view.totals] == [
        ("이체처리완료", 1, 30_000, 30_000), ("이체처리미완료", 2, 120_000, 70_000)]
    partial = next(r for r in view.rows if r.customer_no == "A1")
    assert partial.state is RequestState.PARTIAL and partial.reason_text == "부분출금 70,000원 (잔액부족)"

    retry = {r.customer_no: r.retry_amount for r in retries.list_retry(office.db, office.admin, c,
                                                                       now=at(date(2026, 4, 16), 12))}
    assert retry == {"A1": 30_000, "B2": 20_000}  # a retry asks again what failed, not what never fitted
    assert {(r.customer_no, r.period, r.outstanding) for r in cash.list_cash_candidates(office.db, office.admin, c)} == {
        ("A1", "2026-04", 50_000), ("B2", "2026-04", 20_000)}
