"""The states and kinds the domain moves through, with the Korean labels the screens show.

Values are English codes (they are what the database stores); `label` is what the clerk reads,
exactly as the manual words it.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Self


class LabelledEnum(str, enum.Enum):
    """A string enum that carries its Korean screen label."""

    label: str

    if TYPE_CHECKING:
        # Once the class is built, Enum answers `Kind("CODE")` with a lookup by value: that call, not the
        # (value, label) pair the members are built from, is what the type checker has to see.
        def __new__(cls, value: str) -> Self: ...

    else:

        def __new__(cls, value: str, label: str) -> LabelledEnum:
            obj = str.__new__(cls, value)
            obj._value_ = value
            obj.label = label
            return obj

    def __str__(self) -> str:
        return self.value


class Role(LabelledEnum):
    ADMIN = ("ADMIN", "관리자")
    CLERK = ("CLERK", "담당자")
    VIEWER = ("VIEWER", "조회")


class CustomerType(LabelledEnum):
    PERSON = ("PERSON", "개인")
    BUSINESS = ("BUSINESS", "사업자")


class AgreementStatus(LabelledEnum):
    ACTIVE = ("ACTIVE", "사용")
    ENDED = ("ENDED", "해지")


class RegistrationKind(LabelledEnum):
    """EB13 신청구분: 1 신규, 3 해지, 7 임의해지 (a change is sent as 3 + 1)."""

    NEW = ("NEW", "신규")
    CANCEL = ("CANCEL", "해지")
    ARBITRARY_CANCEL = ("ARBITRARY_CANCEL", "임의해지")


class RegistrationState(LabelledEnum):
    WAITING = ("WAITING", "계좌신청대기")
    SENT = ("SENT", "계좌신청중")
    DONE = ("DONE", "계좌신청완료")
    FAILED = ("FAILED", "계좌신청미완료")
    WITHDRAWN = ("WITHDRAWN", "신청취소")


class RequestKind(LabelledEnum):
    NORMAL = ("NORMAL", "이체의뢰")
    RETRY = ("RETRY", "재처리의뢰")


class MissedRemedy(LabelledEnum):
    """What the clerk chose for a charge whose debit date's request cut-off passed unrequested."""

    MOVE = ("MOVE", "다음 출금일로 옮기기")
    CASH = ("CASH", "현금수납으로 받기")
    UNPAID = ("UNPAID", "미납으로 두기")


class RequestState(LabelledEnum):
    WAITING = ("WAITING", "이체의뢰대기")
    SENT = ("SENT", "이체의뢰중")
    DONE = ("DONE", "이체처리완료")
    FAILED = ("FAILED", "이체처리미완료")
    PARTIAL = ("PARTIAL", "부분출금")
    WITHDRAWN = ("WITHDRAWN", "의뢰취소")


class PaymentMethod(LabelledEnum):
    """How a payment came in. 계좌입금 is a payer's own transfer into the office's account, found on the
    bank statement (수납관리 > 통장입금대사); in the ledger it is money received outside the debit,
    like cash (LedgerKind.CASH), so every figure of 현금수납 counts it."""

    DEBIT = ("DEBIT", "자동이체")
    CASH = ("CASH", "현금수납")
    TRANSFER = ("TRANSFER", "계좌입금")


class LedgerKind(LabelledEnum):
    """Every won that moves is one ledger row of one of these kinds."""

    CHARGE = ("CHARGE", "청구")
    DISCOUNT = ("DISCOUNT", "할인")
    REQUEST = ("REQUEST", "이체의뢰")
    DEBIT = ("DEBIT", "출금")
    FAIL = ("FAIL", "출금불능")
    CASH = ("CASH", "현금수납")
    REVERSAL = ("REVERSAL", "수납취소")
    CARRY = ("CARRY", "이월")
    REFUND = ("REFUND", "반환")


class FileKind(LabelledEnum):
    EB13 = ("EB13", "출금이체신청")
    EB14 = ("EB14", "출금이체신청결과")
    EB21 = ("EB21", "출금이체의뢰")
    EB22 = ("EB22", "출금이체결과")
    EI13 = ("EI13", "출금동의 증빙자료")
    NOTICE = ("NOTICE", "공지사항")


class Direction(LabelledEnum):
    SEND = ("SEND", "송신")
    RECEIVE = ("RECEIVE", "수신")


class TransmissionState(LabelledEnum):
    CREATED = ("CREATED", "생성")
    SENDING = ("SENDING", "송신중")
    SENT = ("SENT", "송신완료")
    AWAITING = ("AWAITING", "결과대기")
    RECEIVED = ("RECEIVED", "수신")
    APPLIED = ("APPLIED", "반영완료")
    ERROR = ("ERROR", "오류")


class NoticeSource(LabelledEnum):
    AGENCY = ("AGENCY", "케이에스넷")
    OFFICE = ("OFFICE", "기관 공지")


class EvidenceKind(LabelledEnum):
    """EI13 동의자료구분 (cms-file-format.md §5.1): the value is the one-digit code the file carries."""

    WRITTEN = ("1", "서면")
    CERTIFIED_SIGNATURE = ("2", "공인전자서명")
    E_SIGNATURE = ("3", "전자서명")
    RECORDING = ("4", "녹취")
    ARS = ("5", "ARS")
    OTHER = ("6", "기타")


class EvidenceState(LabelledEnum):
    """Where one piece of consent evidence stands: attached → in an EI13 → accepted (or refused)."""

    WAITING = ("WAITING", "증빙전송대기")
    SENT = ("SENT", "증빙전송중")
    ACCEPTED = ("ACCEPTED", "증빙접수완료")
    REJECTED = ("REJECTED", "증빙접수불가")
    REPLACED = ("REPLACED", "교체됨")
    DESTROYED = ("DESTROYED", "파기")


class RefundKind(LabelledEnum):
    """Why a refund arises: the student leaves (every item) or stops one course (one item)."""

    WITHDRAWAL = ("WITHDRAWAL", "퇴원")
    COURSE_STOP = ("COURSE_STOP", "수강중단")


class RefundState(LabelledEnum):
    """A refund is computed and owed (within 5 days), then paid out; a mistaken one is cancelled before payout."""

    DUE = ("DUE", "반환대기")
    PAID = ("PAID", "반환완료")
    CANCELLED = ("CANCELLED", "취소")


class RefundMethod(LabelledEnum):
    TRANSFER = ("TRANSFER", "계좌이체")
    CASH = ("CASH", "현금")


class RefundRule(LabelledEnum):
    """The line of 학원법 시행령 별표4 a month's refund follows (a month of teaching, one fee)."""

    BEFORE_START = ("BEFORE_START", "교습 시작 전: 전액")
    BEFORE_THIRD = ("BEFORE_THIRD", "총 교습시간의 1/3 경과 전: 2/3")
    BEFORE_HALF = ("BEFORE_HALF", "총 교습시간의 1/2 경과 전: 1/2")
    AFTER_HALF = ("AFTER_HALF", "총 교습시간의 1/2 경과 후: 반환하지 않음")
    LATER_MONTH = ("LATER_MONTH", "반환사유 발생 이후 달: 전액")


class LateFeeBasis(LabelledEnum):
    """How a 관리규약 states its 연체요율: per day late, or per month (each month begun) late."""

    DAY = ("DAY", "일")
    MONTH = ("MONTH", "월")


class StatementLineState(LabelledEnum):
    """A deposit of the office's bank statement: left for later, applied as 계좌입금, or set aside."""

    PENDING = ("PENDING", "미처리")
    APPLIED = ("APPLIED", "수납반영")
    DISMISSED = ("DISMISSED", "수납아님")
