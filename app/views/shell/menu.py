"""The menu tree, exactly as the manual lays it out; each leaf names the page that serves it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MenuEntry:
    label: str
    key: str


@dataclass(frozen=True)
class MenuGroup:
    label: str
    key: str
    entries: tuple[MenuEntry, ...]


MANUAL_MENU: tuple[MenuGroup, ...] = (
    MenuGroup(
        "환경설정",
        "settings",
        (
            MenuEntry("사용자관리", "settings.users"),
            MenuEntry("집금항목관리", "settings.items"),
            MenuEntry("계약정보", "settings.contract"),
        ),
    ),
    MenuGroup(
        "고객관리",
        "customers",
        (
            MenuEntry("고객관리", "customers.list"),
            MenuEntry("일괄등록", "customers.import"),
        ),
    ),
    MenuGroup(
        "수납관리",
        "collection",
        (
            MenuEntry("계좌신청", "collection.registrations"),
            MenuEntry("이체의뢰", "collection.requests"),
            MenuEntry("재처리의뢰", "collection.retries"),
            MenuEntry("이체의뢰결과", "collection.results"),
            MenuEntry("이체송수신현황", "collection.transmissions"),
            MenuEntry("현금수납관리", "collection.cash"),
            MenuEntry("할인관리", "collection.discounts"),
        ),
    ),
    MenuGroup(
        "집계",
        "aggregates",
        (
            MenuEntry("이체의뢰내역집계", "aggregates.requests"),
            MenuEntry("미납내역집계", "aggregates.outstanding"),
            MenuEntry("할인내역집계", "aggregates.discounts"),
            MenuEntry("계좌신청현황", "aggregates.registrations"),
            MenuEntry("이체의뢰현황", "aggregates.requests_by_bank"),
            MenuEntry("정산내역현황", "aggregates.settlement"),
        ),
    ),
    MenuGroup("공지사항", "notices", ()),
)

# Screens beyond the manual, listed after the manual's entries of their group (pages.ADMIN_ONLY says
# which only administrators see): 감사기록 and the 동의자료 screens of issue 16, and the 학원 paperwork
# of issue 18 (휴원, 반환, 현금영수증, 교육비 납입증명서), and the 관리사무소 rules of issue 19 (연체료,
# 독촉, 월마감), and the bank statement's deposits matched to what is unpaid of issue 20 (통장입금대사).
BEYOND_MANUAL: dict[str, tuple[MenuEntry, ...]] = {
    "settings": (MenuEntry("감사기록", "settings.audit"), MenuEntry("동의자료 보관·파기", "settings.evidence_retention"),
                 MenuEntry("연체료·독촉 규정", "settings.arrears_rules")),
    "customers": (MenuEntry("동의자료 일괄첨부", "customers.evidence_bulk"), MenuEntry("휴원관리", "customers.pauses")),
    "collection": (MenuEntry("반환관리", "collection.refunds"), MenuEntry("현금영수증관리", "collection.cash_receipts"),
                   MenuEntry("연체료관리", "collection.late_fees"), MenuEntry("독촉관리", "collection.dunning"),
                   MenuEntry("통장입금대사", "collection.statement")),
    "aggregates": (MenuEntry("교육비 납입증명서", "aggregates.certificates"), MenuEntry("월마감", "aggregates.month_close")),
}
