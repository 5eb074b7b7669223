"""SQLAlchemy 2 typed models of the whole domain, one module per aggregate root."""

from app.models.academy import FeeCertificate, Pause, Refund, RefundLine
from app.models.apartment import (
    DunningHold,
    DunningLetter,
    DunningStage,
    LateFeeBill,
    LateFeePolicy,
    LateFeeWaiver,
    MonthClose,
)
from app.models.base import Base
from app.models.collection import CollectionItem
from app.models.collection_extra import AutoRequestRun, DiscountChange  # noqa: F401 - 수납관리 tables
from app.models.customer import Customer, DebitAgreement
from app.models.enums import (
    AgreementStatus,
    CustomerType,
    Direction,
    EvidenceKind,
    EvidenceState,
    FileKind,
    LateFeeBasis,
    LedgerKind,
    MissedRemedy,
    NoticeSource,
    PaymentMethod,
    RefundKind,
    RefundMethod,
    RefundRule,
    RefundState,
    RegistrationKind,
    RegistrationState,
    RequestKind,
    RequestState,
    Role,
    StatementLineState,
    TransmissionState,
)
from app.models.evidence import ConsentEvidence
from app.models.indexes_aggregates import AGGREGATE_INDEXES  # noqa: F401 - 집계 indexes (0004)
from app.models.institution import Contract, Institution, InstitutionHoliday
from app.models.ledger import (
    Charge,
    DebitRequest,
    DebitRequestLine,
    LedgerEntry,
    Payment,
)
from app.models.notice import Notice, NoticeRead
from app.models.registration import AccountRegistration
from app.models.statement import StatementAllocation, StatementLine
from app.models.system import AppSetting, DataKeyRecord, SchedulerLease
from app.models.transmission import Transmission
from app.models.user import AuditLog, SchedulerCredential, User

__all__ = [
    "AccountRegistration",
    "AgreementStatus",
    "AppSetting",
    "AuditLog",
    "Base",
    "Charge",
    "CollectionItem",
    "ConsentEvidence",
    "Contract",
    "Customer",
    "CustomerType",
    "DataKeyRecord",
    "DebitAgreement",
    "DebitRequest",
    "DebitRequestLine",
    "Direction",
    "DunningHold",
    "DunningLetter",
    "DunningStage",
    "EvidenceKind",
    "EvidenceState",
    "FeeCertificate",
    "FileKind",
    "Institution",
    "InstitutionHoliday",
    "LateFeeBasis",
    "LateFeeBill",
    "LateFeePolicy",
    "LateFeeWaiver",
    "LedgerEntry",
    "LedgerKind",
    "MissedRemedy",
    "MonthClose",
    "Notice",
    "NoticeRead",
    "NoticeSource",
    "Pause",
    "Payment",
    "PaymentMethod",
    "Refund",
    "RefundKind",
    "RefundLine",
    "RefundMethod",
    "RefundRule",
    "RefundState",
    "RegistrationKind",
    "RegistrationState",
    "RequestKind",
    "RequestState",
    "Role",
    "SchedulerCredential",
    "SchedulerLease",
    "StatementAllocation",
    "StatementLine",
    "StatementLineState",
    "Transmission",
    "TransmissionState",
    "User",
]
