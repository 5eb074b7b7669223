"""`python -m app missed`: the home screen's 마감 놓침 list and its three remedies, from the command line.

The fixture of tests/home/test_missed_cutoff.py: December 2026, 수강료 debited on the 5th, 15th and
25th, 교재비 on the 15th. The 5th is a Saturday: debit Monday 12-07, cut-off Friday 12-04 14:00.
Nobody requested it, so on Saturday morning 윤산 (80,000원) and 한솔 (60,000원 less 10,000원 할인)
are left out; 노신청 (registration never completed) is not listed; the 15th's payers are not due.
The command runs in the test's process (`app.cli.main.main`) with the login of tests/security/cli.py
and the command's clock replaced by the test's (`app.cli.missed._now`).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cli import main as cli
from app.cli import missed as cli_missed
from app.models import (
    AuditLog,
    Charge,
    Customer,
    DebitAgreement,
    DebitRequest,
    MissedRemedy,
    RegistrationState,
    RequestState,
    Role,
)
from app.services.collection import cash
from app.services.collection import requests as debits
from app.services.common.calendar import ManualClock
from tests.factories import Office, add_user
from tests.home.missed_december import december
from tests.security.cli import login_env, run_cli, use_login

DONE = RegistrationState.DONE
SATURDAY = ManualClock.at(2026, 12, 5, 10, 0)
FIFTH = date(2026, 12, 7)  # the 5th's debit date (Saturday → Monday)
FIFTEENTH = date(2026, 12, 15)
VIEWER_PASSWORD, VIEWER_BIRTH = "clerk1234", "910606"

SATURDAY_LIST = (
    "12-07(월) 출금 · 수강료\n"
    "이체의뢰 마감 12-04(금) 14:00이 지났습니다. 의뢰하지 않은 2건 130,000원은 은행에 보내지 않아 출금되지 않습니다.\n"
    "처리: --move 12-15(화) 출금으로 옮기기 · --cash 현금수납으로 받기 · --unpaid 미납으로 두기\n"
    "C005\t윤산\t2026-12\t80,000원\t미의뢰\n"
    "C006\t한솔\t2026-12\t50,000원\t미의뢰\n"
    "합계\t2건\t130,000원\t(출금일·집금항목 1곳)\n"
)
MOVED_NOTE = "12-05은 휴일이라 출금일은 12-07(월)입니다. (debit date moved)\n"


_december = december


def _agreement(office: Office, customer_no: str) -> int:
    with office.db.session() as s:
        found = s.scalar(select(DebitAgreement.id).join(Customer, Customer.id == DebitAgreement.customer_id)
                         .where(Customer.contract_id == office.contract_id, Customer.customer_no == customer_no))
    assert found is not None
    return found


def _fingerprint(office: Office) -> tuple[object, ...]:
    """What a remedy would change: charges, requests and their money, remedies chosen, remedy audit rows."""
    with office.db.session() as s:
        return (
            s.scalar(select(func.count()).select_from(Charge)),
            s.scalar(select(func.count(Charge.missed_remedy))),
            s.scalar(select(func.count()).select_from(DebitRequest)),
            s.scalar(select(func.coalesce(func.sum(DebitRequest.amount), 0))),
            tuple(s.execute(select(DebitRequest.id, DebitRequest.state, DebitRequest.debit_date)
                            .order_by(DebitRequest.id)).all()),
            s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "missed_debit_remedy")),
        )


@pytest.fixture
def desk(office: Office, monkeypatch: pytest.MonkeyPatch) -> Office:
    """The December fixture, the administrator logged in, and Saturday 12-05 10:00 as the command's clock."""
    _december(office)
    use_login(monkeypatch, office.db)
    monkeypatch.setattr(cli_missed, "_now", SATURDAY.now)
    return office


def _run(office: Office, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["missed", "--contract", office.institution_code, *args])
    out, err = capsys.readouterr()
    return code, out, err


def _as_viewer(office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    add_user(office, "viewer1", Role.VIEWER, password=VIEWER_PASSWORD, birth=VIEWER_BIRTH)
    use_login(monkeypatch, office.db, user="viewer1", password=VIEWER_PASSWORD, birth=VIEWER_BIRTH)


# --- the list ------------------------------------------------------------------------------------------


def test_the_list_says_what_the_home_screen_says_and_writes_nothing(desk: Office, monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    before = _fingerprint(desk)
    # Friday 13:59: the 5th's cut-off is still ahead, nothing is missed yet.
    monkeypatch.setattr(cli_missed, "_now", ManualClock.at(2026, 12, 4, 13, 59).now)
    assert _run(desk, capsys) == (0, "마감을 놓친 출금이 없습니다.\n", "")
    monkeypatch.setattr(cli_missed, "_now", SATURDAY.now)
    assert _run(desk, capsys) == (0, SATURDAY_LIST, "")
    # The clerk says "the 5th": moved to Monday the 7th, aloud; the moved date itself needs no note.
    assert _run(desk, capsys, "--date", "2026-12-05") == (0, MOVED_NOTE + SATURDAY_LIST, "")
    assert _run(desk, capsys, "--date", "2026-12-07") == (0, SATURDAY_LIST, "")
    assert _run(desk, capsys, "--date", "2026-12-07", "--item", "A01") == (0, SATURDAY_LIST, "")
    # Narrowed to one customer, the block is recounted for that customer.
    assert _run(desk, capsys, "--customer", "C006") == (0, (
        "12-07(월) 출금 · 수강료\n"
        "이체의뢰 마감 12-04(금) 14:00이 지났습니다. 의뢰하지 않은 1건 50,000원은 은행에 보내지 않아 출금되지 않습니다.\n"
        "처리: --move 12-15(화) 출금으로 옮기기 · --cash 현금수납으로 받기 · --unpaid 미납으로 두기\n"
        "C006\t한솔\t2026-12\t50,000원\t미의뢰\n"
        "합계\t1건\t50,000원\t(출금일·집금항목 1곳)\n"), "")
    # Looking at a date or item with nothing missed is an answer, not an error.
    assert _run(desk, capsys, "--date", "2026-12-15") == (0, "출금일 12-15(화)에 마감을 놓친 출금이 없습니다.\n", "")
    assert _run(desk, capsys, "--item", "A02") == (0, "A02 집금항목에 마감을 놓친 출금이 없습니다.\n", "")
    assert _fingerprint(desk) == before


def test_a_queued_request_never_sent_is_listed_as_such(desk: Office, capsys: pytest.CaptureFixture[str]) -> None:
    debits.request(desk.db, desk.admin, desk.contract_id, FIFTH, [_agreement(desk, "C005")],
                   now=ManualClock.at(2026, 12, 4, 10).now())
    # The scheduler never ran: at 14:00 the request was still 이체의뢰대기 with no file.
    assert _run(desk, capsys) == (0, (
        "12-07(월) 출금 · 수강료\n"
        "이체의뢰 마감 12-04(금) 14:00이 지났습니다. 의뢰하지 않은 1건 50,000원 · 이체의뢰대기로 남아 송신되지 않은 1건 "
        "80,000원은 은행에 보내지 않아 출금되지 않습니다.\n"
        "처리: --move 12-15(화) 출금으로 옮기기 · --cash 현금수납으로 받기 · --unpaid 미납으로 두기\n"
        "C005\t윤산\t2026-12\t80,000원\t이체의뢰대기\n"
        "C006\t한솔\t2026-12\t50,000원\t미의뢰\n"
        "합계\t2건\t130,000원\t(출금일·집금항목 1곳)\n"), "")


# --- the remedies ------------------------------------------------------------------------------------


def test_move_queues_them_on_the_items_next_debit_date(desk: Office, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(desk, capsys, "--date", "2026-12-05", "--move")
    assert (code, err) == (0, "")
    assert out == (MOVED_NOTE + "12-07(월) 출금 · 수강료 2건 130,000원을 12-15(화) 출금으로 옮겨 이체의뢰대기로 "
                   "넣었습니다. 12-14(월) 14:00 마감에 은행으로 보냅니다.\n")
    with desk.db.session() as s:
        assert s.execute(select(DebitRequest.debit_date, DebitRequest.amount, DebitRequest.state)
                         .order_by(DebitRequest.amount)).all() == [
            (FIFTEENTH, 50_000, RequestState.WAITING), (FIFTEENTH, 80_000, RequestState.WAITING)]
        assert set(s.scalars(select(Charge.missed_remedy))) == {MissedRemedy.MOVE}
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "missed_debit_remedy")).all()
    assert [(a.login_id, a.target) for a in audit] == [("admin", f"{desk.institution_code} 2026-12-07")]
    assert _run(desk, capsys) == (0, "마감을 놓친 출금이 없습니다.\n", "")
    # Twice is refused in one line: nothing is left to move on that date.
    before = _fingerprint(desk)
    code, out, err = _run(desk, capsys, "--date", "2026-12-07", "--move")
    assert (code, out) == (2, "")
    assert err == ("오류: 출금일 12-07(월)에 마감을 놓친 출금이 없습니다. 아무것도 바꾸지 않았습니다 "
                   "(nothing missed on 2026-12-07; nothing changed)\n")
    assert _fingerprint(desk) == before


def test_cash_for_one_customer_then_unpaid_for_the_rest(desk: Office, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(desk, capsys, "--date", "2026-12-07", "--cash", "--customer", "C005")
    assert (code, err) == (0, "")
    assert out == ("12-07(월) 출금 · 수강료 1건 80,000원을 현금수납 대상으로 넣었습니다. 받은 날에 현금수납 화면에서 "
                   "한 건씩 기록하세요.\n")
    candidates = cash.list_cash_candidates(desk.db, desk.admin, desk.contract_id)
    assert [(c.customer_no, c.outstanding, c.reason_text) for c in candidates] == [("C005", 80_000, "이체의뢰 마감 놓침")]
    assert _run(desk, capsys)[1].splitlines()[3:] == ["C006\t한솔\t2026-12\t50,000원\t미의뢰", "합계\t1건\t50,000원\t"
                                                     "(출금일·집금항목 1곳)"]
    code, out, err = _run(desk, capsys, "--date", "2026-12-07", "--item", "A01", "--unpaid")
    assert (code, err) == (0, "")
    assert out == ("12-07(월) 출금 · 수강료 1건 50,000원을 미납으로 두었습니다. 출금일 12-07(월)이 지나면 미납내역집계와 "
                   "미납 안내문에 나옵니다.\n")
    with desk.db.session() as s:
        assert sorted(s.scalars(select(Charge.missed_remedy))) == sorted([MissedRemedy.CASH, MissedRemedy.UNPAID])
        assert s.scalar(select(func.count()).select_from(DebitRequest)) == 0
    assert _run(desk, capsys) == (0, "마감을 놓친 출금이 없습니다.\n", "")


def test_unpaid_withdraws_a_queued_request_never_sent(desk: Office, capsys: pytest.CaptureFixture[str]) -> None:
    debits.request(desk.db, desk.admin, desk.contract_id, FIFTH, [_agreement(desk, "C005"), _agreement(desk, "C006")],
                   now=ManualClock.at(2026, 12, 4, 10).now())
    code, out, err = _run(desk, capsys, "--date", "2026-12-05", "--unpaid", "--customer", "C005", "C006")
    assert (code, err) == (0, "")
    assert out.splitlines() == [MOVED_NOTE.strip(), "12-07(월) 출금 · 수강료 2건 130,000원을 미납으로 두었습니다. "
                                "출금일 12-07(월)이 지나면 미납내역집계와 미납 안내문에 나옵니다."]
    with desk.db.session() as s:
        assert set(s.scalars(select(DebitRequest.state))) == {RequestState.WITHDRAWN}


def test_several_dates_and_items_are_listed_and_a_remedy_takes_every_item_of_its_date(
        desk: Office, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Monday 12-14 14:30: the 15th's cut-off passed too; 수강료 moves to 12-28 (25th: 성탄절), 교재비 to 01-15."""
    monkeypatch.setattr(cli_missed, "_now", ManualClock.at(2026, 12, 14, 14, 30).now)
    fifth = (
        "12-07(월) 출금 · 수강료\n"
        "이체의뢰 마감 12-04(금) 14:00이 지났습니다. 의뢰하지 않은 2건 130,000원은 은행에 보내지 않아 출금되지 않습니다.\n"
        "처리: --move 12-28(월) 출금으로 옮기기 · --cash 현금수납으로 받기 · --unpaid 미납으로 두기\n"
        "C005\t윤산\t2026-12\t80,000원\t미의뢰\n"
        "C006\t한솔\t2026-12\t50,000원\t미의뢰\n"
    )
    assert _run(desk, capsys) == (0, fifth + (
        "12-15(화) 출금 · 수강료\n"
        "이체의뢰 마감 12-14(월) 14:00이 지났습니다. 의뢰하지 않은 1건 100,000원은 은행에 보내지 않아 출금되지 않습니다.\n"
        "처리: --move 12-28(월) 출금으로 옮기기 · --cash 현금수납으로 받기 · --unpaid 미납으로 두기\n"
        "C001\t김하늘\t2026-12\t100,000원\t미의뢰\n"
        "12-15(화) 출금 · 교재비\n"
        "이체의뢰 마감 12-14(월) 14:00이 지났습니다. 의뢰하지 않은 1건 30,000원은 은행에 보내지 않아 출금되지 않습니다.\n"
        "처리: --move 01-15(금) 출금으로 옮기기 · --cash 현금수납으로 받기 · --unpaid 미납으로 두기\n"
        "C003\t박구름\t2026-12\t30,000원\t미의뢰\n"
        "합계\t4건\t260,000원\t(출금일·집금항목 3곳)\n"), "")
    assert _run(desk, capsys, "--date", "2026-12-15", "--unpaid") == (0, (
        "12-15(화) 출금 · 수강료 1건 100,000원을 미납으로 두었습니다. 출금일 12-15(화)이 지나면 미납내역집계와 미납 "
        "안내문에 나옵니다.\n"
        "12-15(화) 출금 · 교재비 1건 30,000원을 미납으로 두었습니다. 출금일 12-15(화)이 지나면 미납내역집계와 미납 "
        "안내문에 나옵니다.\n"), "")
    assert _run(desk, capsys) == (0, fifth + "합계\t2건\t130,000원\t(출금일·집금항목 1곳)\n", "")
    with desk.db.session() as s:
        audit = s.scalars(select(AuditLog.target).where(AuditLog.action == "missed_debit_remedy")).all()
    assert audit == [f"{desk.institution_code} 2026-12-15"] * 2  # one audited remedy per item


# --- who may, and bad input ----------------------------------------------------------------------------


def test_a_viewer_may_list_but_not_choose(desk: Office, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    _as_viewer(desk, monkeypatch)
    assert _run(desk, capsys) == (0, SATURDAY_LIST, "")
    before = _fingerprint(desk)
    for remedy in ("--move", "--cash", "--unpaid"):
        assert _run(desk, capsys, "--date", "2026-12-07", remedy) == (
            2, "", "오류: 조회 권한으로는 변경할 수 없습니다. (refused: PermissionDeniedError)\n")
    assert _fingerprint(desk) == before


@pytest.mark.parametrize(("args", "err"), [
    (["--move"], "오류: 처리할 출금일을 --date로 고르세요. 마감 놓친 목록은 --date 없이 볼 수 있습니다 "
                 "(--move, --cash and --unpaid need --date)\n"),
    (["--date", "2026-12-15", "--cash"], "오류: 출금일 12-15(화)에 마감을 놓친 출금이 없습니다. 아무것도 바꾸지 않았습니다 "
                                         "(nothing missed on 2026-12-15; nothing changed)\n"),
    (["--date", "2026-12-07", "--item", "A02", "--unpaid"],
     "오류: 출금일 12-07(월) A02 집금항목에 마감을 놓친 출금이 없습니다. 아무것도 바꾸지 않았습니다 "
     "(nothing missed on 2026-12-07 for A02; nothing changed)\n"),
    (["--date", "2026-12-07", "--cash", "--customer", "C005", "C001", "C999"],
     "오류: 마감을 놓친 목록에 없는 고객번호입니다: C001, C999. 아무것도 바꾸지 않았습니다 "
     "(customer not in the missed list: C001, C999; nothing changed)\n"),
    (["--customer", "C007"], "오류: 마감을 놓친 목록에 없는 고객번호입니다: C007. 아무것도 바꾸지 않았습니다 "
                             "(customer not in the missed list: C007; nothing changed)\n"),
    (["--date", "2026-12-07", "--move", "--item", "ZZ"], "오류: 집금항목 코드 ZZ가 없습니다 (no such collection item)\n"),
    (["--date", "2026-12-07", "--move", "--cash"],
     "오류: --cash와 --move는 함께 쓸 수 없습니다 (python -m app missed: argument --cash: "
     "not allowed with argument --move)\n"),
    (["--date", "12/07"], "오류: --date: 날짜는 YYYY-MM-DD로 입력하세요: '12/07' (python -m app missed: argument "
                          "--date: expected YYYY-MM-DD: '12/07')\n"),
])
def test_bad_input_fails_in_one_line_and_writes_nothing(desk: Office, capsys: pytest.CaptureFixture[str],
                                                        args: list[str], err: str) -> None:
    before = _fingerprint(desk)
    assert _run(desk, capsys, *args) == (2, "", err)
    assert _fingerprint(desk) == before


def test_an_unknown_contract_and_a_viewers_remedy_fail_in_one_line_as_a_script_sees_it(
        office: Office, tmp_path: Path) -> None:
    """In a real process (the wall clock, whatever day it is): refusals that do not depend on the date."""
    _december(office)
    add_user(office, "viewer1", Role.VIEWER, password=VIEWER_PASSWORD, birth=VIEWER_BIRTH)
    before = _fingerprint(office)
    env = login_env(office.db, tmp_path / "data", user="viewer1", password=VIEWER_PASSWORD, birth=VIEWER_BIRTH)
    refused = run_cli("missed", "--contract", office.institution_code, "--date", "2026-12-07", "--unpaid", env=env)
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr == "오류: 조회 권한으로는 변경할 수 없습니다. (refused: PermissionDeniedError)\n"
    unknown = run_cli("missed", "--contract", "0000000000", env=login_env(office.db, tmp_path / "data"))
    assert (unknown.returncode, unknown.stdout) == (2, "")
    assert unknown.stderr.startswith("오류: ") and unknown.stderr.count("\n") == 1
    assert _fingerprint(office) == before
