"""`python -m app report KIND` prints every 집계 with the screen's figures (issue 14, command line part).

Run in-process through `app.cli.main.main` with the environment a script sets, on SQLite and PostgreSQL,
over the seeded 집계 dataset. Each file is read back (pypdf, openpyxl) and its 합계 compared with the
service behind the screen for the same period; the stdout 합계 line must carry the same figure.
"""

from __future__ import annotations

import inspect
import io
import re
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from app.cli import main as cli
from app.cli import reports as cli_reports
from app.models import AuditLog, Role
from app.services.aggregates import discounts as aggregates_discounts
from app.services.aggregates import outstanding as aggregates_outstanding
from app.services.aggregates import registrations as aggregates_registrations
from app.services.aggregates import requests as aggregates_requests
from app.services.aggregates import settlement
from app.services.aggregates.common import GroupBy
from app.services.aggregates.reports import letters
from app.services.common.calendar import SEOUL
from tests.aggregates.seed import NOW, TODAY, Seeded
from tests.aggregates.test_reports import QUARTER, pdf_pages, total_row, xlsx_rows
from tests.factories import INSTITUTION_CODE, Office, add_user
from tests.security.cli import use_login

PERIOD = ["--from", "2026-09-01", "--to", "2026-11-27"]
VIEWER_PASSWORD, VIEWER_BIRTH = "viewer1234", "910203"


@pytest.fixture
def office_cli(seeded: tuple[Office, Seeded], monkeypatch: pytest.MonkeyPatch) -> Office:
    """The seeded office, logged in as its administrator, with the command line's clock at the seed's NOW."""
    office, _ = seeded
    use_login(monkeypatch, office.db)
    monkeypatch.setattr(cli_reports, "_now", lambda: NOW.astimezone(SEOUL))
    return office


def as_of_seed(service: Callable[..., object]) -> dict[str, object]:
    """`today=` for a 미납 service that decides 미납 as of a day (issue 14's ledger definition): the seed's
    day, the day the command's clock is set to, so the comparison never hangs on the wall clock."""
    return {"today": TODAY} if "today" in inspect.signature(service).parameters else {}


def outstanding_summary(o: Office, group_by: GroupBy = GroupBy.ITEM):
    summarise = aggregates_outstanding.summarise
    return summarise(o.db, o.admin, o.contract_id, QUARTER, group_by, **as_of_seed(summarise))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["report", *argv])
    out, err = capsys.readouterr()
    return code, out, err


# (KIND, the 합계 label, the column whose figure is compared, the service's figure for QUARTER)
Expected = Callable[[Office], int]
CASES: list[tuple[str, str, str, Expected]] = [
    ("requests", "합계", "의뢰금액", lambda o: aggregates_requests.summarise(
        o.db, o.admin, o.contract_id, QUARTER, GroupBy.ITEM).total.requested_amount),
    ("outstanding", "합계", "미납금액", lambda o: outstanding_summary(o).total.unpaid_amount),
    ("discounts", "합계", "할인금액", lambda o: aggregates_discounts.summarise(
        o.db, o.admin, o.contract_id, QUARTER, by_item=False).total.discount_amount),
    ("registrations", "합계", "신청건수", lambda o: aggregates_registrations.summarise(
        o.db, o.admin, o.contract_id, QUARTER).total.total_count),
    ("request-status", "합계", "의뢰금액", lambda o: aggregates_requests.bank_status(
        o.db, o.admin, o.contract_id, QUARTER).total.requested_amount),
    ("settlement", "정산예정액", "금액", lambda o: settlement.settle(
        o.db, o.admin, o.contract_id, QUARTER, now=NOW).net_total),
]


def column_of(rows: list[tuple[object, ...]], header: str, label: str) -> object:
    """The value under `header` in the 합계 row `label` (the header row is the last one above it naming it)."""
    total = total_row(rows, label)
    heads = [r for r in rows[: rows.index(total)] if r and header in r]
    return total[heads[-1].index(header)]


@pytest.mark.parametrize(("kind", "label", "header", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_kind_writes_a_pdf_and_an_xlsx_with_the_services_totals(
        office_cli: Office, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, label: str, header: str,
        expected: Expected) -> None:
    """The figure a clerk checks (합계) is the service's, in the PDF text, the .xlsx cell and on stdout."""
    figure = expected(office_cli)
    assert figure > 0, "the seed must give each aggregate something to add up"
    shown = f"{figure:,}원" if header != "신청건수" else f"{figure:,}"

    code, out, err = run(capsys, kind, "--contract", INSTITUTION_CODE, *PERIOD, "--pdf", str(tmp_path / "r.pdf"))
    assert (code, err) == (0, "")
    pages = pdf_pages(tmp_path / "r.pdf")
    assert len(pages) >= 1 and shown in pages[-1]
    total_lines = [line for line in out.splitlines() if label in line.split("\t")[0]]
    assert any(f"{header} {shown}" in line for line in total_lines), out
    if kind == "settlement":  # the seed leaves results overdue: the PDF's red 확인 lines reach the script too
        assert "확인 필요\t2026-11-25" in out and "케이에스넷 고객센터" in out

    code, out, err = run(capsys, kind, "--contract", INSTITUTION_CODE, *PERIOD, "--xlsx", str(tmp_path / "r.xlsx"))
    assert (code, err) == (0, "")
    assert column_of(xlsx_rows(tmp_path / "r.xlsx"), header, label) == figure
    assert stat.S_IMODE((tmp_path / "r.xlsx").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "r.pdf").stat().st_mode) == 0o600


@pytest.mark.parametrize("kind", ["requests", "outstanding"])
def test_by_grade_and_bank_change_the_grouping(office_cli: Office, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str], kind: str) -> None:
    """--by grade lists the 고객등급 of the screen's 고객등급별 집계, --by bank its 은행, with the same 합계."""
    totals = set()
    for by, group_by, heading in (("item", GroupBy.ITEM, "집금항목"), ("grade", GroupBy.GRADE, "고객등급"),
                                  ("bank", GroupBy.BANK, "은행")):
        summary = (aggregates_requests.summarise(office_cli.db, office_cli.admin, office_cli.contract_id, QUARTER,
                                                 group_by)
                   if kind == "requests" else outstanding_summary(office_cli, group_by))
        out_file = tmp_path / f"{by}.xlsx"
        code, _out, err = run(capsys, kind, "--contract", INSTITUTION_CODE, *PERIOD, "--by", by, "--xlsx",
                              str(out_file))
        assert (code, err) == (0, "")
        rows = xlsx_rows(out_file)
        head = next(r for r in rows if r and r[0] == heading)
        body = rows[rows.index(head) + 1: rows.index(total_row(rows))]
        assert [r[0] for r in body] == [r.label for r in summary.rows]
        totals.add(total_row(rows)[head.index("의뢰금액" if kind == "requests" else "미납금액")])
    assert len(totals) == 1  # regrouping moves the figures between rows, never changes the 합계


def test_discounts_by_item_splits_each_month(office_cli: Office, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """discounts --by item is the screen's [집금항목별로 나누기]: one 소계 per month, the items under it."""
    code, _out, _err = run(capsys, "discounts", "--contract", INSTITUTION_CODE, *PERIOD, "--by", "item", "--xlsx",
                           str(tmp_path / "d.xlsx"))
    rows = xlsx_rows(tmp_path / "d.xlsx")
    assert code == 0 and len([r for r in rows if r and r[0] == "소계"]) == 3
    code, _out, err = run(capsys, "discounts", "--contract", INSTITUTION_CODE, *PERIOD, "--by", "bank", "--xlsx",
                          str(tmp_path / "e.xlsx"))
    assert code == 2 and err.count("\n") == 1 and "할인내역집계에는 --by bank가 없습니다" in err
    assert not (tmp_path / "e.xlsx").exists()


def test_letters_go_to_each_unpaid_customer(office_cli: Office, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """One page per customer with something unpaid; the amounts due add up to the 미납내역집계's 미납금액."""
    details = aggregates_outstanding.details
    rows = details(office_cli.db, office_cli.admin, office_cli.contract_id, QUARTER, None, None, **as_of_seed(details))
    expected = letters.letters_for(rows)
    unpaid = outstanding_summary(office_cli).total.unpaid_amount
    code, out, err = run(capsys, "letters", "--contract", INSTITUTION_CODE, *PERIOD, "--pdf", str(tmp_path / "l.pdf"))
    assert (code, err) == (0, "")
    pages = pdf_pages(tmp_path / "l.pdf")
    assert len(pages) == len(expected) > 3
    due = [int(m.replace(",", "")) for p in pages for m in re.findall(r"납부하실 금액: ([\d,]+)원", p)]
    assert sum(due) == unpaid
    assert f"안내문 {len(expected):,}장" in out and f"미납금액 {unpaid:,}원" in out
    with office_cli.db.session() as s:
        logs = list(s.scalars(select(AuditLog).where(AuditLog.target == "미납 안내문")))
    assert [log.action for log in logs] == ["personal_data_exported"]
    code, _out, err = run(capsys, "letters", "--contract", INSTITUTION_CODE, *PERIOD, "--xlsx",
                          str(tmp_path / "l.xlsx"))
    assert code == 2 and "PDF로만" in err and err.count("\n") == 1


def test_an_existing_file_is_replaced_only_with_force(office_cli: Office, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "keep.pdf"
    target.write_bytes(b"the clerk's own file")
    code, out, err = run(capsys, "outstanding", "--contract", INSTITUTION_CODE, *PERIOD, "--pdf", str(target))
    assert code == 2 and err.startswith("오류: ") and err.count("\n") == 1 and out == ""
    assert target.read_bytes() == b"the clerk's own file"
    with office_cli.db.session() as s:
        assert s.scalar(select(AuditLog).where(AuditLog.action == "report_exported")) is None
    code, _out, err = run(capsys, "outstanding", "--contract", INSTITUTION_CODE, *PERIOD, "--pdf", str(target),
                          "--force")
    assert (code, err) == (0, "") and target.read_bytes().startswith(b"%PDF")


def test_a_viewer_may_print_and_the_save_is_audited_as_on_screen(
        office_cli: Office, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """조회 may save 집계 as on screen; the summary is '집계 출력·저장', the customer rows personal data."""
    add_user(office_cli, "viewer", Role.VIEWER, password=VIEWER_PASSWORD, birth=VIEWER_BIRTH)
    use_login(monkeypatch, office_cli.db, user="viewer", password=VIEWER_PASSWORD, birth=VIEWER_BIRTH)
    code, _out, err = run(capsys, "requests", "--contract", INSTITUTION_CODE, *PERIOD, "--by", "bank", "--pdf",
                          str(tmp_path / "v.pdf"))
    assert (code, err) == (0, "")
    code, out, err = run(capsys, "outstanding", "--contract", INSTITUTION_CODE, *PERIOD, "--detail", "--xlsx",
                         str(tmp_path / "v.xlsx"))
    assert (code, err) == (0, "") and "미납내역집계 상세내역" in out
    with office_cli.db.session() as s:
        logs = [(a.login_id, a.action, a.target) for a in s.scalars(
            select(AuditLog).where(AuditLog.action.in_(["report_exported", "personal_data_exported"]))
            .order_by(AuditLog.id))]
    assert logs == [("viewer", "report_exported", "이체의뢰내역집계"),
                    ("viewer", "personal_data_exported", "미납내역집계 상세내역")]
    from app.services.common import audit

    shown = audit.search(office_cli.db, office_cli.admin, action="report_exported")
    assert [r.action_label for r in shown] == ["집계 출력·저장"]


def test_without_a_login_nothing_is_written(office_cli: Office, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KSCMS_USER", "KSCMS_PASSWORD", "KSCMS_BIRTH", "KSCMS_CONTRACT"):
        monkeypatch.delenv(name)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code, out, err = run(capsys, "requests", "--contract", INSTITUTION_CODE, *PERIOD, "--pdf", str(tmp_path / "n.pdf"))
    assert code == 2 and out == "" and err.count("\n") == 1 and "KSCMS_USER" in err
    assert not (tmp_path / "n.pdf").exists()


@pytest.mark.parametrize("argv", [
    ["totals", "--contract", INSTITUTION_CODE, "--pdf", "x.pdf"],
    ["settlement", "--contract", INSTITUTION_CODE, "--by", "grade", "--pdf", "x.pdf"],
    ["settlement", "--contract", INSTITUTION_CODE, "--detail", "--pdf", "x.pdf"],
    ["requests", "--contract", INSTITUTION_CODE, "--from", "2026-11-30", "--to", "2026-11-01", "--pdf", "x.pdf"],
    ["requests", "--contract", INSTITUTION_CODE, "--from", "1999-12-31", "--pdf", "x.pdf"],
    ["requests", "--contract", INSTITUTION_CODE],
], ids=["bad-kind", "by-not-offered", "no-detail", "reversed-period", "date-out-of-range", "no-output"])
def test_a_wrong_request_is_one_line_and_exit_2(office_cli: Office, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.startswith("오류: ") and err.count("\n") == 1
    assert not (tmp_path / "x.pdf").exists()
