"""Agency notices: posted when their time comes, as JSON files, listed newest first, never twice."""

from __future__ import annotations

import json
from pathlib import Path

from app.services.common.calendar import SEOUL, BusinessCalendar, ManualClock
from app.services.exchange.relay.local import SimulatorTransport
from app.services.exchange.relay.notices import (
    TAX_INVOICE_STEPS,
    holiday_run,
    maintenance_day,
    notices_due,
)


def test_notices_are_listed_newest_first(transport: SimulatorTransport, clock: ManualClock) -> None:
    clock.set(clock.now().replace(month=2, day=2, hour=12))
    notices = transport.list_notices()

    ids = [n.notice_id for n in notices]
    assert "seollal-2026" in ids
    assert {"tax-invoice-2026-01", "maintenance-2026-01"} <= set(ids)
    assert [n.posted_at for n in notices] == sorted((n.posted_at for n in notices), reverse=True)
    assert all(n.posted_at.tzinfo is not None for n in notices)


def test_the_seollal_notice_gives_the_real_schedule(transport: SimulatorTransport, clock: ManualClock) -> None:
    clock.set(clock.now().replace(month=2, day=2, hour=12))
    [seollal] = [n for n in transport.list_notices() if n.notice_id == "seollal-2026"]

    assert seollal.title == "2026년 설 연휴 이체 일정 안내"
    assert "2026년 2월 14일(토) ~ 2월 18일(수)" in seollal.body
    assert "2월 19일(목)에 출금" in seollal.body
    assert "이체의뢰 마감: 2월 13일(금) 14:00" in seollal.body
    assert "결과 확인: 2월 20일(금) 11:00부터" in seollal.body
    assert seollal.posted_at == seollal.posted_at.replace(year=2026, month=1, day=31, hour=10, minute=0)


def test_chuseok_tax_invoice_and_maintenance_notices() -> None:
    now = ManualClock.at(2026, 9, 20, 12).now()
    notices = {n.notice_id: n for n in notices_due(now, BusinessCalendar())}

    chuseok = notices["chuseok-2026"]
    assert chuseok.title == "2026년 추석 연휴 처리 일정 안내"
    assert "9월 24일(목) ~ 9월 27일(일)" in chuseok.body
    tax = notices["tax-invoice-2026-09"]
    assert "2026년 8월분" in tax.body
    for step in TAX_INVOICE_STEPS:
        assert step in tax.body
    assert "www.ksnet.co.kr" in tax.body and "매입세금계산서" in tax.body
    maintenance = notices["maintenance-2026-09"]
    assert "2026년 9월 19일(토) 22:00 ~ 9월 20일(일) 06:00" in maintenance.body
    assert "시스템 점검" in maintenance.title
    assert all(n.posted_at <= now for n in notices.values())


def test_future_notices_are_not_posted_early() -> None:
    before = ManualClock.at(2026, 1, 31, 9, 59).now()
    assert "seollal-2026" not in {n.notice_id for n in notices_due(before, BusinessCalendar())}
    after = ManualClock.at(2026, 1, 31, 10, 0).now()
    assert "seollal-2026" in {n.notice_id for n in notices_due(after, BusinessCalendar())}


def test_notice_files_are_json_and_posted_once(transport: SimulatorTransport, inst_dir: Path) -> None:
    transport.list_notices()
    files = sorted((inst_dir / "notice").glob("*.json"))
    assert files
    raw = json.loads(files[0].read_text(encoding="utf-8"))
    assert set(raw) == {"id", "title", "body", "posted_at"}

    files[0].unlink()  # the agency took it down: it is not posted again
    transport.list_notices()
    assert not files[0].exists()


def test_holiday_runs_and_maintenance_days() -> None:
    cal = BusinessCalendar()
    run = holiday_run(cal, 2027, "설날")
    assert run is not None and (run[0].isoformat(), run[1].isoformat()) == ("2027-02-06", "2027-02-09")
    assert maintenance_day(ManualClock.at(2026, 3, 1).today()).isoformat() == "2026-03-21"
    assert SEOUL is not None
