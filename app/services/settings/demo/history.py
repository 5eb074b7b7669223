"""The demo academy's last three months, lived through the real services on an injected clock.

Nothing is written around the services: the office is set up by `setup`, `contracts` and `auth`; the
families sign up through `customers` and `agreements`, which queue their 계좌신청 as the screens do,
and each 이체정보 gets its signed consent form through `evidence`; the clerk asks for every debit
date through `debits.request` before its cut-off, retries within the month (`retries.retry`),
receives cash (`cash.receive_cash`); the administrator reverses one receipt, changes discounts
(`discounts`) and posts a notice. Files go out at 13:58 (EI13, then EB13, then EB21) and results
come back from 11:00 through the embedded scheduler (`scheduler.CollectionScheduler.tick`, driven by
`Driver`) and the built-in bank simulator, so the simulator knows every registration and a practice
month after the demo succeeds except where the account's ending says otherwise (`demo_cast`).

The clock starts some business days before the first debit date of the month three months back, so
every founding family is registered in time, and stops at `end` (the real "now"). What happens
after `end` does not happen: the failures of the last results that came in are left for the clerk
(the home screen's work), and the next cut-off's debit date is asked for at `end` (what is queued).
Every debit date whose cut-off passed was asked for, so no missed cut-off stands on the home screen.

While the history runs, the simulator also fails `HISTORY_FAILURE_RATE` of otherwise good debits
with 잔액부족 (its seeded failure rate), so retries happen and mostly succeed. The relay setting the
office keeps is the plain simulator (no random failures): the practice month after the demo fails
only by the account endings.

Every move of the clock is noted with the real moment (`StampedClock.marks`), so the rows the
services stamp with the wall clock (created_at, the audit log) can be dated to the simulated moment
when the academy is copied into the real database (`demo_copy`).
"""

from __future__ import annotations

import heapq
import io
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import cache, partial
from pathlib import Path

from PIL import Image, ImageDraw
from sqlalchemy import select

from app.database.engine import Database
from app.models import (
    AppSetting,
    Contract,
    Customer,
    DebitAgreement,
    DebitRequest,
    EvidenceKind,
    NoticeSource,
    RequestKind,
    RequestState,
    Role,
    User,
)
from app.models.base import utcnow
from app.services import notices
from app.services.collection import cash, cash_receipts, charges, discounts, retries
from app.services.collection import requests as debits
from app.services.common import audit
from app.services.common.calendar import (
    SEOUL,
    BusinessCalendar,
    ManualClock,
    seoul_datetime,
)
from app.services.common.crypto import DataKey
from app.services.common.errors import ServiceError
from app.services.common.periods import add_months, month_of, year_month
from app.services.common.session import Actor
from app.services.customers import agreements
from app.services.customers import records as customers
from app.services.customers.evidence import fit as evidence_fit
from app.services.customers.evidence import sealed
from app.services.customers.rules import AgreementForm
from app.services.exchange import relay_config
from app.services.exchange.leases import SenderLease
from app.services.exchange.relay.base import Transport
from app.services.exchange.relay.config import SIMULATOR_FOLDER, RelayConfig
from app.services.exchange.relay.local import SimulatorTransport
from app.services.exchange.relay.simulator import BankSimulator
from app.services.exchange.scheduler import CollectionScheduler, plan
from app.services.exchange.transmissions import ContractInfo, load_contract
from app.services.settings import contracts, seal, setup
from app.services.settings import users as auth
from app.services.settings.demo import academy
from app.services.settings.demo.cast import (
    BOOKS,
    CONTRACT_DAYS,
    ITEMS,
    SIBLING_DISCOUNT,
    TUITION,
    Family,
    Plan,
    cast,
)
from app.services.settings.demo.cast import Role as Part

log = logging.getLogger(__name__)

DEMO_CODE = "9900012345"
ADMIN_LOGIN = "admin"
ADMIN_BIRTH = "800101"
CLERK_LOGIN = "clerk"
CLERK_BIRTH = "920315"
HISTORY_MONTHS = 3
HISTORY_FAILURE_RATE = 0.05
LEAD_BUSINESS_DAYS = 8
"""The founders sign up this many business days before the first debit date: all registered in time."""
PASSPHRASE_CONFIRMED = "setup.passphrase_confirmed"
RELAY_TESTED = "setup.relay_tested"
MAX_PASSES = 20_000
NOTICE_EVERY = timedelta(days=7)
"""The history asks for the agency's notices once a week (and once more at the end), not every hour:
each notice keeps the agency's posting time, so only the work of asking is saved."""
DEMO_SEED = 2026
"""Seed of the simulator's random 잔액부족 during the history (the same demo every time for a given day)."""
TYPO_WON = 10_000


@cache
def consent_form() -> bytes:
    """A scanned 출금이체 동의서 as a small greyscale JPEG: a form of boxes and lines, a signature, a seal.

    Drawn, not read from a file, so the demo needs no resource; small enough (a few KB) to go to the
    agency as it is (`evidence_fit` keeps an upright JPEG under the limit byte for byte)."""
    page = Image.new("L", (420, 594), 255)
    draw = ImageDraw.Draw(page)
    draw.rectangle((30, 30, 390, 70), fill=60)  # the title band
    for top in range(100, 400, 36):  # the form's rows: payer, bank, account, amount, period …
        draw.rectangle((30, top, 390, top + 28), outline=90)
        draw.line((130, top, 130, top + 28), fill=90)
        draw.line((140, top + 18, 140 + (top * 7) % 200, top + 18), fill=40, width=2)
    draw.line((240, 500, 262, 470, 280, 505, 300, 468, 330, 498, 360, 480), fill=20, width=3)  # the signature
    draw.ellipse((340, 455, 385, 500), outline=120, width=3)  # the seal
    out = io.BytesIO()
    page.save(out, "JPEG", quality=70)
    return out.getvalue()


class StampedClock(ManualClock):
    """A ManualClock that notes, at every move, the real moment it was moved: (real UTC, simulated)."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self.marks: list[tuple[datetime, datetime]] = [(utcnow(), self.now())]

    def set(self, moment: datetime) -> None:
        super().set(moment)
        self.marks.append((utcnow(), self.now()))


@dataclass(order=True)
class _Event:
    at: datetime
    seq: int
    what: str = field(compare=False)
    run: Callable[[], None] = field(compare=False)


class Driver:
    """Moves a clock through time and lets the embedded scheduler do what is due, as the app's
    background job would: it ticks only at the moments the scheduler has work (`scheduler.plan`:
    a cut-off with something queued, a result due), so three months take a few hundred passes.

    A pass that reports a problem (a file refused, the relay unreachable) stops the demo: a demo
    that would start with a broken month is not made.
    """

    def __init__(self, db: Database, info: ContractInfo, clock: ManualClock, scheduler: CollectionScheduler) -> None:
        self.db, self.info, self.clock, self.scheduler = db, info, clock, scheduler

    def advance(self, to: datetime) -> None:
        """Every scheduler pass due up to `to` (files at 13:58, results from 11:00); the clock ends at `to`."""
        last: datetime | None = None
        for _ in range(MAX_PASSES):
            now = self.clock.now()
            due = [m for m, _text in plan(self.db, self.info, now, self.scheduler.send_lead) if m <= to]
            if not due:
                break
            at = max(min(due), now)
            if last is not None and at <= last:
                at = last + self.scheduler.fetch_every  # the last pass at this moment found nothing new
                if at > to:
                    break
            self.tick(at)
            last = at
        else:
            raise RuntimeError("the demo's scheduler passes do not end")
        if to > self.clock.now():
            self.clock.set(to)

    def tick(self, at: datetime) -> None:
        self.clock.set(at)
        report = self.scheduler.tick(at)
        if report.problems or report.skipped:
            raise ServiceError("데모 학원을 만드는 중 송수신이 실패했습니다: "
                               + " / ".join(report.problems or [report.skipped or ""]))


class History:
    """Sets the office up at the start of the history and lives it until `end`; see the module docstring."""

    def __init__(self, db: Database, data_dir: Path, end: datetime, customers: int, passphrase: str) -> None:
        self.db = db
        self.end = end.astimezone(SEOUL)
        self.customers = customers
        self.passphrase = passphrase
        self.data_dir = data_dir
        self.clock: StampedClock
        self.key: DataKey
        self.admin: Actor
        self.clerk: Actor
        self.cid = 0
        self.items: dict[str, int] = {}
        self.info: ContractInfo
        self.scheduler: CollectionScheduler
        self.driver: Driver
        self.transport: Transport
        self._queue: list[_Event] = []
        self._seq = itertools.count()
        self._handled: set[int] = set()
        self._handles: set[date] = set()
        self.agreements: dict[int, tuple[Family, Plan]] = {}
        self.families: dict[str, list[int]] = {}
        self._reversed = False
        self.final: date | None = None
        self._form: evidence_fit.Fitted | None = None

    # --- the calendar of the story -----------------------------------------------------------

    def _dates(self, first_period: str) -> list[date]:
        """Every debit date of the contract's days from `first_period` to the month after `end`."""
        cal = self.info.calendar
        days = [int(d) for d in CONTRACT_DAYS.split(",")]
        last = add_months(month_of(self.end.date()), 1)
        period, found = first_period, set[date]()
        while period <= last:
            year, month = year_month(period)
            found.update(cal.debit_date_for(year, month, d) for d in days)
            period = add_months(period, 1)
        return sorted(found)

    def _last_answered(self, first_period: str) -> date | None:
        """The last debit date whose results are in by `end`: its failures are left for today's clerk."""
        answered = [d for d in self._dates(first_period) if self.info.result_due("EB21", d) <= self.end]
        return max(answered) if answered else None

    def _at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return seoul_datetime(day, time(hour, minute))

    def _result_day(self, debit_date: date) -> date:
        return self.info.result_due("EB21", debit_date).date()

    def schedule(self, at: datetime, what: str, run: Callable[[], None]) -> None:
        if at <= self.end:
            heapq.heappush(self._queue, _Event(at, next(self._seq), what, run))

    # --- living it ----------------------------------------------------------------------------

    def live(self) -> None:
        first_period = add_months(month_of(self.end.date()), -HISTORY_MONTHS)
        cal = BusinessCalendar()
        year, month = year_month(first_period)
        first_debit = min(cal.debit_date_for(year, month, int(d)) for d in CONTRACT_DAYS.split(","))
        start_day = cal.add_business_days(first_debit, -LEAD_BUSINESS_DAYS)
        self.clock = StampedClock(self._at(start_day, 9))
        self._set_up()
        final = self.final = self._last_answered(first_period)
        failing = {d for days in charges.days_on(self.info.calendar, final).values() for d in days} if final else set()
        cast_ = cast(self.customers, start_day, failing)
        self.clock.set(self._at(start_day, 10))
        for family in cast_:
            if family.founded:
                self._sign_up(family, first_period)
        self._plan_story(cast_, first_period, start_day)
        passes = 0
        while self._queue:
            event = heapq.heappop(self._queue)
            self.advance(event.at)
            log.debug("demo %s: %s", event.at.isoformat(), event.what)
            event.run()
            passes += 1
            if passes > MAX_PASSES:
                raise RuntimeError("demo history does not end")
        self.advance(self.end)
        self._tick(self.end)  # what is due at the very moment (a file whose cut-off is minutes away)
        founders = [(self._customer_id(f), self.families[f.customer_no]) for f in cast_ if f.role is Part.FOUNDER]
        academy.pause_one(self.db, self.clerk, [c for c, _a in founders[1::2]], self.clock.today())
        academy.withdraw_one(self.db, self.clerk, founders[::2], self.clock.today())
        notices.fetch_from_relay(self.db, self.transport, self.admin.institution_id)  # the agency's notices of today
        self._read_old_notices()
        self.scheduler.lease.release()

    def advance(self, to: datetime) -> None:
        self.driver.advance(to)

    def _tick(self, at: datetime) -> None:
        self.driver.tick(at)

    # --- the office ---------------------------------------------------------------------------

    def _set_up(self) -> None:
        self.key = setup.initialize(self.db, setup.SetupForm(
            institution_name="해오름수학학원", institution_code=DEMO_CODE, business_no="1248100998",
            representative="김해오", settlement_bank_code="088", settlement_account_no="140012345678",
            passbook_text="해오름학원", admin_login_id=ADMIN_LOGIN, admin_name="김원장",
            admin_birth_date=ADMIN_BIRTH, passphrase=self.passphrase,
        ))
        with self.db.session() as s:
            user = s.scalar(select(User).where(User.login_id == ADMIN_LOGIN))
            contract = s.scalar(select(Contract).where(Contract.institution_code == DEMO_CODE))
            assert user is not None and contract is not None
            self.admin = Actor(user.id, user.institution_id, user.login_id, user.name, Role.ADMIN)
            self.cid = contract.id
        row = contracts.get_contract(self.db, self.admin, self.cid)
        contracts.update_contract(self.db, self.admin, self.cid, contracts.ContractForm(
            institution_code=row.institution_code, name=row.name, business_no=row.business_no,
            representative=row.representative, settlement_bank_code=row.settlement_bank_code,
            settlement_account_no=row.settlement_account_no, passbook_text=row.passbook_text,
            fee_per_debit="300", fee_per_registration="200", debit_days=CONTRACT_DAYS, partial_debit=True,
            version_id=row.version_id, academy_registration_no=academy.REGISTRATION_NO,
            academy_address=academy.ADDRESS,
        ))
        drawn_seal = academy.seal_png()
        if drawn_seal is not None:
            seal.set_seal(self.db, self.admin, self.cid, drawn_seal)
        for code, name, days in ITEMS:
            contracts.create_item(self.db, self.admin, self.cid,
                                  contracts.ItemForm(name=name, collection_days=days, catalogue_code=code,
                                                     posted_fee=academy.POSTED_FEES[code]))
        self.items = {i.code: i.id for i in contracts.list_items(self.db, self.admin, self.cid)}
        clerk_id = auth.create_user(self.db, self.admin, CLERK_LOGIN,
                                    auth.UserForm(name="이담당", role=Role.CLERK, birth_date=CLERK_BIRTH))
        self.clerk = Actor(clerk_id, self.admin.institution_id, CLERK_LOGIN, "이담당", Role.CLERK)
        relay_config.save(self.db, self.admin, RelayConfig())
        self.info = load_contract(self.db, self.cid)
        simulator = BankSimulator(self.data_dir / SIMULATOR_FOLDER, self.clock, failure_rate=HISTORY_FAILURE_RATE,
                                  seed=DEMO_SEED, purge_finished=True)
        transport: Transport = SimulatorTransport(simulator, DEMO_CODE)
        transport.test_connection()
        # The two setup steps that leave no other trace (the home screen's checklist reads them).
        stamp = f"{self.clock.now().isoformat(timespec='seconds')} {ADMIN_LOGIN}"
        with self.db.session() as s:
            for key, what in ((PASSPHRASE_CONFIRMED, "데이터 암호 문구 보관 확인"), (RELAY_TESTED, "중계 연결 시험 성공")):
                s.add(AppSetting(key=key, value=stamp, updated_by=ADMIN_LOGIN))
                audit.record(s, "settings_changed", actor=self.admin, target=key, detail={"what": what})
        self.scheduler = CollectionScheduler(self.db, clock=self.clock, transport_for=lambda _c: transport,
                                             data_key=self.key, lease=SenderLease(self.db), upload_delays=(),
                                             notice_every=NOTICE_EVERY, sleep=lambda _s: None)
        self.transport = transport
        self.driver = Driver(self.db, self.info, self.clock, self.scheduler)

    # --- families -----------------------------------------------------------------------------

    def _first_month(self, plan_: Plan) -> str:
        """The first month whose debit on the plan's day the registration queued now can make (D-2)."""
        period = add_months(month_of(self.clock.today()), 1)
        while not agreements.registration_outlook(self.info.calendar, self.clock.now(), period, plan_.day,
                                                  cutoff=self.info.registration_cutoff,
                                                  result_time=self.info.result_time).in_time:
            period = add_months(period, 1)
        return period

    def _agreement_form(self, family: Family, plan_: Plan, first_month: str, bank: str, account: str) -> AgreementForm:
        return AgreementForm(
            item_id=self.items[plan_.item_code], debit_limit=plan_.limit, monthly_amount=plan_.monthly,
            discount_rate=plan_.discount_rate or "", first_month=first_month, debit_day=plan_.day, bank_code=bank,
            account_no=account, holder_name=family.parent, holder_id=family.holder_id, manager_name="김원장",
            registrant=CLERK_LOGIN,
        )

    def _sign_up(self, family: Family, first_month: str | None = None) -> None:
        """신규등록 and 이체정보 추가: each agreement queues its 계좌신청 (NEW) as the screen does."""
        form = family.form if family.founded else replace(family.form, joined_on=self.clock.today())
        saved = customers.create_customer(self.db, self.clerk, self.cid, form, self.key)
        ids = []
        for plan_ in family.plans:
            month = first_month or self._first_month(plan_)
            made = agreements.create_agreement(
                self.db, self.clerk, saved.id, self._agreement_form(family, plan_, month, plan_.bank,
                                                                    plan_.account),
                data_key=self.key, today=self.clock.today())
            self.agreements[made.id] = (family, plan_)
            ids.append(made.id)
            self._consent(made.id, family)
        self.families[family.customer_no] = ids

    def _consent(self, agreement_id: int, family: Family) -> None:
        """출금동의 증빙: the signed form, scanned and attached; it goes as the cut-off's EI13 before the EB13.

        Every family's scan is the same drawing, so it is fitted to the contract's limit once
        (`evidence.attach` is `fit` then `store_fitted`) and stored for each agreement."""
        scan = consent_form()
        if self._form is None:
            self._form = evidence_fit.fit(scan, "출금이체동의서.jpg",
                                          limit=sealed.limit_for(self.db, self.clerk, agreement_id))
        sealed.store_fitted(self.db, self.clerk, self.key, agreement_id, self._form,
                              name=f"출금이체동의서_{family.customer_no}.jpg", original_size=len(scan),
                              kind=EvidenceKind.WRITTEN, now=self.clock.now())

    def _change_account(self, family: Family, bank: str, account: str) -> None:
        """이체정보 수정 with another account: the old registration is cancelled, the new one queued."""
        for agreement_id in self.families[family.customer_no]:
            _family, plan_ = self.agreements[agreement_id]
            with self.db.session() as s:
                a = s.get(DebitAgreement, agreement_id)
                assert a is not None
                first, version = a.first_month, a.version_id
            agreements.update_agreement(self.db, self.clerk, agreement_id,
                                        self._agreement_form(family, plan_, first, bank, account),
                                        version_id=version, data_key=self.key, today=self.clock.today())
            self._consent(agreement_id, family)  # a new account needs the payer's consent for it

    def _busy(self, agreement_ids: list[int]) -> bool:
        """An agreement with a request queued or at the bank: its account must not change under it."""
        with self.db.session() as s:
            return s.scalar(select(DebitRequest.id).where(
                DebitRequest.agreement_id.in_(agreement_ids),
                DebitRequest.state.in_([RequestState.WAITING, RequestState.SENT])).limit(1)) is not None

    def _when_idle(self, at: datetime, what: str, agreement_ids: list[int], run: Callable[[], None]) -> None:
        """`run` at `at`, or on a later business day when one of the agreements has an open request."""
        def attempt() -> None:
            if self._busy(agreement_ids):
                nxt = self.info.calendar.next_business_day(self.clock.today())
                self.schedule(self._at(nxt, 16), what, attempt)
            else:
                run()

        self.schedule(at, what, attempt)

    # --- the story ----------------------------------------------------------------------------

    def _plan_story(self, cast_: list[Family], first_period: str, start_day: date) -> None:
        cal = self.info.calendar
        fixed_at = self.info.result_due("EB13", start_day) + timedelta(hours=4)
        for family in cast_:
            if family.role is Part.TYPO:
                self.schedule(fixed_at, f"fix {family.customer_no}",
                              partial(self._change_account, family, family.fixed_bank, family.fixed_account))
        dates = self._dates(first_period)
        closed = [d for d in dates if self.info.calendar.request_cutoff(d, self.info.request_cutoff) <= self.end]
        ahead = [d for d in dates if d not in closed]
        final = self.final
        for d in closed:
            cutoff = cal.request_cutoff(d, self.info.request_cutoff)
            self.schedule(cutoff - timedelta(hours=4), f"request {d}", partial(self._request, d, True))
            if d != final:
                self._handle_later(d)
        if ahead:
            nearest = min(cal.request_cutoff(d, self.info.request_cutoff) for d in ahead)
            for d in ahead:
                if cal.request_cutoff(d, self.info.request_cutoff) == nearest:
                    self.schedule(min(nearest - timedelta(hours=4), self.end), f"request {d}",
                                  partial(self._request, d, False))
        self._plan_families(cast_, first_period)
        second = add_months(first_period, 1)
        year, month = year_month(second)
        self.schedule(self._at(cal.business_day_on_or_after(date(year, month, 10)), 17), "discounts",
                      lambda: self._discounts(cast_))
        this_month = month_of(self.end.date())
        year, month = year_month(this_month)
        self.schedule(min(self._at(cal.business_day_on_or_after(date(year, month, 1)), 9), self.end),
                      "office notice", self._office_notice)

    def _plan_families(self, cast_: list[Family], first_period: str) -> None:
        cal = self.info.calendar
        second, third = add_months(first_period, 1), add_months(first_period, 2)
        joiners = [f for f in cast_ if f.role is Part.JOINER]
        for n, family in enumerate(joiners):
            year, month = year_month((second, third)[n % 2])
            day = cal.business_day_on_or_after(date(year, month, 6 + (n * 5) % 15))
            self.schedule(self._at(day, 10, 30), f"join {family.customer_no}", partial(self._sign_up, family))
        for family in cast_:
            if family.role is Part.REJECTED:
                send_day = cal.business_day_on_or_before(self.end.date())
                while cal.registration_result_at(send_day, self.info.result_time) > self.end - timedelta(minutes=30):
                    send_day = cal.previous_business_day(send_day)
                self.schedule(self._at(send_day, 10), f"join {family.customer_no}",
                              partial(self._sign_up, family))
            elif family.role is Part.TODAY:
                self.schedule(self.end, f"join {family.customer_no}", partial(self._sign_up, family))
            elif family.role is Part.CHANGE:
                year, month = year_month(second)
                debit = cal.debit_date_for(year, month, family.plans[0].day)
                at = self._at(cal.next_business_day(self._result_day(debit)), 16)
                self._when_idle(at, f"change {family.customer_no}", self.families[family.customer_no],
                                partial(self._change_account, family, family.fixed_bank, family.fixed_account))
            elif family.role is Part.ENDS:
                ids = [i for i in self.families[family.customer_no] if self.agreements[i][1].item_code == BOOKS]
                year, month = year_month(second)
                debit = cal.debit_date_for(year, month, self.agreements[ids[0]][1].day)
                at = self._at(cal.next_business_day(self._result_day(debit)), 16)
                self._when_idle(at, f"end {family.customer_no}", ids,
                                partial(self._end, ids[0], second))

    def _customer_id(self, family: Family) -> int:
        with self.db.session() as s:
            found = s.scalar(select(Customer.id).where(Customer.contract_id == self.cid,
                                                       Customer.customer_no == family.customer_no))
        assert found is not None
        return found

    def _end(self, agreement_id: int, last_month: str) -> None:
        with self.db.session() as s:
            a = s.get(DebitAgreement, agreement_id)
            assert a is not None
            version = a.version_id
        agreements.end_agreement(self.db, self.clerk, agreement_id, last_month=last_month, version_id=version,
                                 today=self.clock.today())

    def _discounts(self, cast_: list[Family]) -> None:
        """할인관리 일괄적용: two families' 수강료 get the sibling discount from the next request."""
        ids = [i for f in cast_ if f.role is Part.DISCOUNT for i in self.families.get(f.customer_no, [])
               if self.agreements[i][1].item_code == TUITION]
        if ids:
            discounts.apply_discount(self.db, self.admin, self.cid, ids, SIBLING_DISCOUNT, now=self.clock.now())

    def _office_notice(self) -> None:
        month = self.clock.today().month
        notices.post_office_notice(
            self.db, self.admin, f"{month}월 현금수납 안내",
            "지난달 출금되지 않은 원비는 이번 달 이체의뢰 마감 전까지 학원에서 현금으로 받습니다.\n"
            "마감이 지나면 이번 달 이체의뢰에 미수납액으로 함께 청구합니다.\n"
            "현금영수증은 10만원 이상이면 요청이 없어도 5일 안에 발급하세요.", now=self.clock.now())

    def _read_old_notices(self) -> None:
        """The administrator has read the agency's older notices; the two newest wait on the home screen."""
        rows = [r for r in notices.list_notices(self.db, self.admin) if r.source is NoticeSource.AGENCY]
        for row in sorted(rows, key=lambda r: r.posted_at)[:-2]:
            if not row.is_read:
                notices.open_notice(self.db, self.admin, row.id, now=self.clock.now())

    # --- money --------------------------------------------------------------------------------

    def _request(self, debit_date: date, include_outstanding: bool) -> None:
        """이체의뢰: every payer due on the date that can be asked for (with earlier months' 미수납액)."""
        now = self.clock.now()
        due = debits.list_due(self.db, self.clerk, self.cid, debit_date, include_outstanding=include_outstanding,
                              now=now)
        ids = [r.agreement_id for r in due.requestable]
        if ids:
            debits.request(self.db, self.clerk, self.cid, debit_date, ids, include_outstanding=include_outstanding,
                           now=now)

    def _handle_later(self, debit_date: date) -> None:
        if debit_date not in self._handles:
            self._handles.add(debit_date)
            at = self.info.result_due("EB21", debit_date) + timedelta(hours=4)
            self.schedule(at, f"handle {debit_date}", lambda: self._handle(debit_date))

    def _handle(self, debit_date: date) -> None:
        """The afternoon after the results: retry a good account's failure this month, else cash in two days."""
        with self.db.session() as s:
            failed = list(s.execute(select(DebitRequest.id, DebitRequest.agreement_id, DebitRequest.kind).where(
                DebitRequest.contract_id == self.cid, DebitRequest.debit_date == debit_date,
                DebitRequest.state.in_([RequestState.FAILED, RequestState.PARTIAL]))))
        # The last results before "now" are today's work: a retry landing on that date is handled, its own
        # failures are not.
        failed = [f for f in failed if f[0] not in self._handled
                  and not (debit_date == self.final and f[2] == RequestKind.NORMAL)]
        if not failed:
            return
        self._handled.update(f[0] for f in failed)
        now = self.clock.now()
        retry_rows = {r.request_id: r for r in retries.list_retry(self.db, self.clerk, self.cid, now=now)}
        dates = [d for d in retries.retry_dates(self.db, self.clerk, self.cid, now=now) if d > debit_date]
        retry, in_cash = [], []
        for request_id, agreement_id, kind in failed:
            family, _plan = self.agreements[agreement_id]
            row = retry_rows.get(request_id)
            if (family.role not in (Part.CHRONIC, Part.PARTIAL) and kind == RequestKind.NORMAL and dates
                    and row is not None and row.can_retry):
                retry.append(request_id)
            else:
                in_cash.append(agreement_id)
        if retry:
            retries.retry(self.db, self.clerk, self.cid, retry, dates[0], now=now)
            self._handle_later(dates[0])
        if in_cash:
            day = self.info.calendar.add_business_days(self.clock.today(), 2)
            self.schedule(self._at(day, 16), f"cash {debit_date}", lambda: self._receive(in_cash))

    def _receive(self, agreement_ids: list[int]) -> None:
        """현금수납 of what those agreements still owe on failed debits (not what is in a request).

        The first receipt of a 잔액부족 family is typed 10,000원 short; the administrator reverses it
        the next morning and the clerk enters the right amount (현금수납 취소 is the administrator's)."""
        today = self.clock.today()
        wanted = set(agreement_ids)
        for row in cash.list_cash_candidates(self.db, self.clerk, self.cid):
            if row.agreement_id not in wanted or row.blocked or row.outstanding <= 0:
                continue
            family, _plan = self.agreements[row.agreement_id]
            if not self._reversed and family.role is Part.CHRONIC and row.outstanding > TYPO_WON:
                self._reversed = True
                wrong = cash.receive_cash(self.db, self.clerk, row.charge_id, row.outstanding - TYPO_WON, today,
                                          today=today)
                nxt = self.info.calendar.next_business_day(today)
                self.schedule(self._at(nxt, 9, 30), "reverse",
                              partial(self._reverse, wrong.payment_id, row.charge_id, row.outstanding, today))
                continue
            paid = cash.receive_cash(self.db, self.clerk, row.charge_id, row.outstanding, today, today=today)
            if family.number % academy.RECEIPT_SKIPPED_EVERY:  # 현금영수증 issued the same day, as it should be
                cash_receipts.record_cash_receipt(self.db, self.clerk, paid.payment_id,
                                                  approval_no=academy.approval_no(paid.payment_id), issued_on=today,
                                                  self_issued=False, today=today)

    def _reverse(self, payment_id: int, charge_id: int, amount: int, received_on: date) -> None:
        """The administrator cancels the mistyped receipt; the clerk enters the amount really received."""
        cash.reverse_cash(self.db, self.admin, payment_id,
                          f"금액 오입력 ({amount - TYPO_WON:,}원으로 입력, 받은 금액 {amount:,}원). 바른 금액으로 다시 입력합니다.")
        cash.receive_cash(self.db, self.clerk, charge_id, amount, received_on, today=self.clock.today())
