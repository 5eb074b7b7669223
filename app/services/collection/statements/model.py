"""The values the statement's reader, matcher, applier and screen hand each other.

A deposit is known by its identity: the day and time, the amount, the depositor as printed and the
balance after it. Two deposits of one statement that agree on all four (no balance column, the
same parent paying twice in the same minute) are told apart by their order among those alike
(`repeat`), so the same file read again gives the same identities, and an overlapping period finds
the deposits it shares with an earlier one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

from app.models.enums import LabelledEnum, StatementLineState

MAX_DEPOSITS = 20_000
"""Deposits matched or applied at once: a year of a busy office's statement, more than one sitting needs."""
MAX_NOTE = 200
"""Characters of the reason a deposit is set aside (수납아님)."""


def identity_of(occurred_on: date, occurred_time: str | None, amount: int, depositor: str, balance: int | None,
                repeat: int = 0) -> str:
    """sha256 hex of a deposit's identity; the depositor is compared without spaces, as banks pad it."""
    parts = (occurred_on.isoformat(), occurred_time or "", str(amount), "".join(depositor.split()),
             "" if balance is None else str(balance), str(repeat))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Deposit:
    """One 입금 read from a statement file (withdrawals are never kept)."""

    row: int  # the row number the clerk sees in the file (Excel's, or the CSV's line)
    occurred_on: date
    occurred_time: str | None  # "HH:MM:SS" when the statement has a time
    amount: int  # won, > 0
    depositor: str  # 입금자 / 보낸분 / 기재내용 as printed
    memo: str  # 적요 or the bank's note ('' when none)
    balance: int | None  # 잔액 after the deposit, when the statement has it
    identity: str


@dataclass(frozen=True)
class StatementFile:
    """What was read from one file: its deposits, and how the file was understood."""

    file_name: str
    layout: str  # the bank layout recognised ('국민은행', …) or '직접 연결' for the clerk's mapping
    header_row: int
    deposits: tuple[Deposit, ...]
    withdrawals: int  # rows that were withdrawals (출금) and were left out
    columns: tuple[tuple[str, str], ...]  # (the file's header, what it was read as), in the file's order
    notices: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return sum(d.amount for d in self.deposits)


class Confidence(LabelledEnum):
    """How sure a proposal is; only SURE ones are ticked before the clerk looks."""

    SURE = ("SURE", "확실")
    LIKELY = ("LIKELY", "유력")
    DOUBTFUL = ("DOUBTFUL", "확인 필요")
    NONE = ("NONE", "찾지 못함")


@dataclass(frozen=True)
class Allocation:
    """The part of a deposit proposed (or decided) for one outstanding charge."""

    charge_id: int
    customer_id: int
    customer_no: str
    customer_name: str
    item_name: str
    period: str  # YYYY-MM
    amount: int  # won applied to this charge (≤ its outstanding amount)
    outstanding: int  # the charge's outstanding amount when proposed


@dataclass(frozen=True)
class Proposal:
    """A deposit with what it most likely pays, how sure that is and why, in the clerk's words."""

    deposit: Deposit
    allocations: tuple[Allocation, ...]  # empty: nothing found
    confidence: Confidence
    reasons: tuple[str, ...]
    alternatives: tuple[tuple[Allocation, ...], ...] = ()  # other readings, best first
    excess: int = 0  # won of the deposit beyond what the allocations can take (flagged, never applied)
    known: StatementLineState | None = None  # the deposit was read before: what became of it
    known_line_id: int | None = None  # that stored line; also set (with `known` None) on a 미처리 line proposed again
    applied_before: int = 0  # won of a stored 미처리 line already applied (what is proposed is the rest)

    @property
    def preselected(self) -> bool:
        """Ticked before the clerk looks: a sure match of a deposit never seen before."""
        return self.known is None and self.confidence is Confidence.SURE and bool(self.allocations)

    @property
    def applied_total(self) -> int:
        return sum(a.amount for a in self.allocations)

    @property
    def remainder(self) -> int:
        """Won of the deposit still to place: all of it, or what a stored line has left."""
        return self.deposit.amount - self.applied_before


class Action(LabelledEnum):
    APPLY = ("APPLY", "수납반영")
    DISMISS = ("DISMISS", "수납아님")
    LATER = ("LATER", "나중에")


@dataclass(frozen=True)
class Decision:
    """The clerk's word on one deposit: apply these (charge id, won) parts, set it aside, or keep it for later."""

    identity: str
    action: Action
    parts: tuple[tuple[int, int], ...] = ()  # (charge id, won) for APPLY
    note: str = ""  # why it is set aside (DISMISS), ≤ 200 characters


@dataclass(frozen=True)
class ApplyResult:
    applied_deposits: int
    payments: int
    amount: int  # won applied as 계좌입금
    dismissed: int
    kept: int  # deposits stored as 미처리 for later
    already_known: int  # deposits of the file read before (nothing written for them)
    messages: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        return (f"입금 {self.applied_deposits:,}건 {self.amount:,}원을 계좌입금으로 수납했습니다 (수납 {self.payments:,}건). "
                f"수납아님 {self.dismissed:,}건, 미처리로 보관 {self.kept:,}건, 이미 처리된 입금 {self.already_known:,}건.")


@dataclass(frozen=True)
class StoredLine:
    """A deposit remembered from a statement read earlier, and what became of it.

    `paid` says, in the clerk's words, what each applied part became ('김민준(202400012) 2026-12 수강료
    150,000원'); a part whose 계좌입금 an administrator reversed stays listed with '(수납취소)', and
    its won are free again (`remainder`)."""

    line_id: int
    identity: str
    occurred_on: date
    occurred_time: str | None
    amount: int
    depositor: str
    memo: str
    balance: int | None
    bank: str  # the statement layout it was read as
    source_file: str
    state: StatementLineState
    applied: int  # won applied as 계좌입금 (reversed parts not counted)
    note: str  # why it was set aside, or what is left
    paid: tuple[str, ...] = ()
    created_by: str = ""
    decided_by: str = ""
    decided_at: datetime | None = None

    @property
    def remainder(self) -> int:
        """Won of the deposit neither applied nor set aside yet (0 once set aside as 수납아님)."""
        return 0 if self.state is StatementLineState.DISMISSED else self.amount - self.applied

    @property
    def deposit(self) -> Deposit:
        """The line as a Deposit, to be proposed again (row 0: it is no longer a row of an open file)."""
        return Deposit(0, self.occurred_on, self.occurred_time, self.amount, self.depositor, self.memo, self.balance,
                       self.identity)
