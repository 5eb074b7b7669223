"""The month drawn on the home screen: the six steps of a debit, where today is, and what comes next.

A new clerk does not yet know the rhythm the banks impose: payers are registered, their accounts
registered with the bank (계좌신청) and complete two business days before the first debit, the
debit requested by 14:00 of the business day before, the result read the next business day from
11:00, failures retried within the month or received in cash, and the month counted and printed.
`flow` draws that rhythm for the contract's next debit date, with each step's concrete date, and
marks two things on it:

* **today** — the step the calendar is at: 등록 while there is nobody to debit; 결과 on a day a
  result file is due; 계좌신청 until the next debit's registration deadline (D-2), 이체의뢰 after
  it; once this month's last debit date has passed, 재처리 또는 현금수납 while failures wait, else
  집계·출력.
* **next** — what the clerk should do now, from the home summary, most urgent first: a cut-off
  today with payers not yet requested, a result due today not yet in, a rejected or late
  registration, failures waiting, payers not yet requested, registrations queued, the month's close.

Pure reading over `home.HomeSummary` and the contract's calendar; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.database.engine import Database
from app.services.common.access import contract_for
from app.services.common.calendar import SEOUL
from app.services.common.destinations import Destination
from app.services.common.formats import day_text, moment_text, won
from app.services.common.session import Actor
from app.services.exchange.transmissions import ContractInfo, contract_info
from app.services.home import today as home
from app.services.home.today import HomeSummary

REGISTER = "register"
REGISTRATION = "registration"
REQUEST = "request"
RESULT = "result"
FOLLOWUP = "followup"
CLOSE = "close"



@dataclass(frozen=True)
class FlowStage:
    key: str
    title: str  # '계좌신청'
    rule: str  # the rule the banks set: 'D-2까지 완료'
    when: str  # the rule applied to the drawn debit date: '03-11(수)까지'
    destination: Destination


@dataclass(frozen=True)
class MonthFlow:
    debit_date: date  # the debit date whose steps are drawn (the next one with its cut-off ahead)
    stages: tuple[FlowStage, ...]
    today: str  # key of the stage the calendar is at
    next_step: str  # key of the stage to act on now
    next_text: str  # what to do, in one Korean sentence with its figures
    next_destination: Destination  # where it is done

    def stage(self, key: str) -> FlowStage:
        return next(s for s in self.stages if s.key == key)


def flow(db: Database, actor: Actor, contract_id: int, summary: HomeSummary, *, has_payers: bool) -> MonthFlow:
    """The month of `summary`'s contract (read-only): one short read of the contract's calendar."""
    with db.session() as s:
        contract_for(s, actor, contract_id)
        info = contract_info(s, contract_id)
    return build(info, summary, has_payers=has_payers)


def build(info: ContractInfo, summary: HomeSummary, *, has_payers: bool) -> MonthFlow:
    """The six stages for the next debit date, with today and the next step marked."""
    cal = info.calendar
    cut = summary.cutoff
    debit = cut.debit_date
    today = summary.day.today
    try:
        deadline: date | None = cal.registration_deadline(debit)
        result_at = moment_text(info.result_due("EB21", debit))
    except ValueError:  # not a business day: only when the contract has no debit day at all
        deadline, result_at = None, ""
    month_end = cal.last_business_day_of_month(debit.year, debit.month)
    retry_page = Destination.RETRIES if summary.item("retries") or not summary.item("cash") else Destination.CASH
    stages = (
        FlowStage(REGISTER, "등록", "고객·이체정보", "언제든", Destination.CUSTOMERS),
        FlowStage(REGISTRATION, "계좌신청", "D-2까지 완료",
                  f"{day_text(deadline)}까지" if deadline else "", Destination.REGISTRATIONS),
        FlowStage(REQUEST, "이체의뢰", f"출금일 전 영업일 {info.request_cutoff:%H:%M}까지",
                  moment_text(cut.at), Destination.REQUESTS),
        FlowStage(RESULT, "결과", f"다음 영업일 {info.result_time:%H:%M}", result_at, Destination.RESULTS),
        FlowStage(FOLLOWUP, "재처리 또는 현금수납", "같은 달 안에", f"{day_text(month_end)}까지", retry_page),
        FlowStage(CLOSE, "집계·출력", "월말", f"{debit.month}월 말", Destination.REQUEST_AGGREGATES),
    )
    due_today = [r for r in summary.results if r.due_at.astimezone(SEOUL).date() == today]
    failures = sum(w.count for w in (summary.item("retries"), summary.item("cash")) if w is not None)
    this_month_over = (debit.year, debit.month) != (today.year, today.month)

    if not has_payers:
        now_at = REGISTER
    elif due_today:
        now_at = RESULT
    elif this_month_over:
        now_at = FOLLOWUP if failures else CLOSE
    elif deadline is not None and today <= deadline:
        now_at = REGISTRATION
    else:
        now_at = REQUEST

    step, text = _next(summary, today, due_today, failures, has_payers=has_payers, month_over=this_month_over)
    page = next(s.destination for s in stages if s.key == step)
    if step == REGISTRATION and summary.item("at_risk") and not summary.item("registrations"):
        page = Destination.CUSTOMERS  # the late ones are fixed on the customer (first month, account)
    return MonthFlow(debit, stages, now_at, step, text, page)


def _next(summary: HomeSummary, today: date, due_today: list[home.ExpectedResult], failures: int, *,
          has_payers: bool, month_over: bool) -> tuple[str, str]:
    """(stage key, sentence): the most urgent thing to do now."""
    cut = summary.cutoff
    at = moment_text(cut.at)
    if not has_payers:
        return REGISTER, "고객을 등록하세요 — 한 명씩은 신규등록, 여러 명은 일괄등록(엑셀 양식)."
    if cut.at.astimezone(SEOUL).date() == today and cut.unrequested_count:
        return REQUEST, (f"오늘 {cut.at.astimezone(SEOUL):%H:%M}까지 이체의뢰 — 아직 의뢰하지 않은 "
                         f"{cut.unrequested_count:,}건 · {won(cut.unrequested_amount)}")
    pending = [r for r in due_today if not r.arrived]
    if pending:
        first = pending[0]
        return RESULT, f"{first.label}: {moment_text(first.due_at)}부터 받아 확인합니다."
    rejected = summary.item("registrations")
    if rejected is not None:
        return REGISTRATION, f"계좌신청미완료 {rejected.count:,}건 — 계좌를 고쳐 다시 신청하세요."
    unevidenced = summary.item("registrations_evidence")  # held 신규 (issue 16): the clerk attaches the evidence
    if unevidenced is not None:
        return REGISTRATION, f"동의자료 없는 계좌신청 {unevidenced.count:,}건 — 이체정보에서 출금동의 증빙을 첨부하세요."
    late = summary.item("at_risk")
    if late is not None:
        return REGISTRATION, f"첫 출금 전에 계좌신청이 끝나지 않는 이체정보 {late.count:,}건 — 서둘러 신청하세요."
    if failures:
        amount = sum(w.amount or 0 for w in (summary.item("retries"), summary.item("cash")) if w is not None)
        return FOLLOWUP, f"이체처리미완료 {failures:,}건 · {won(amount)} — 재처리의뢰하거나 현금수납을 기록하세요."
    if cut.unrequested_count:
        return REQUEST, (f"{at}까지 이체의뢰 — 아직 의뢰하지 않은 {cut.unrequested_count:,}건 · "
                         f"{won(cut.unrequested_amount)}")
    if cut.queued_registrations:
        return REGISTRATION, (f"계좌신청대기 {cut.queued_registrations:,}건 — "
                              f"{moment_text(cut.registration_at)} 마감에 은행으로 보냅니다.")
    if month_over:
        return CLOSE, "이번 달 출금이 끝났습니다 — 집계를 확인하고 출력하세요."
    if cut.queued_requests:
        return REQUEST, f"{at} 마감에 이체의뢰대기 {cut.queued_requests:,}건 · {won(cut.queued_amount)}을 보냅니다."
    return REQUEST, f"다음 이체의뢰 마감 {at} (출금일 {day_text(cut.debit_date)})"
