"""Where the clerk goes to do a piece of work, named in the manual's words: the home screen's work
items, results and month strip, the first-setup checklist and the notifications say WHERE the work
is done with a `Destination`; which screen of the program shows it is the views' business
(`app/views/shell/destinations.py` maps each to its page).
"""

from __future__ import annotations

from enum import Enum


class Destination(Enum):
    """A menu entry of the manual (the value is its Korean name), or 홈."""

    HOME = "홈"
    ITEMS = "집금항목관리"
    CONTRACT = "계약정보"
    CUSTOMERS = "고객관리"
    IMPORT = "일괄등록"
    REGISTRATIONS = "계좌신청"
    REQUESTS = "이체의뢰"
    RETRIES = "재처리의뢰"
    RESULTS = "이체의뢰결과"
    TRANSMISSIONS = "이체송수신현황"
    CASH = "현금수납관리"
    DISCOUNTS = "할인관리"
    REQUEST_AGGREGATES = "이체의뢰내역집계"
    PAUSES = "휴원관리"
    REFUNDS = "반환관리"
    CASH_RECEIPTS = "현금영수증관리"
    CERTIFICATES = "교육비 납입증명서"
    ARREARS_RULES = "연체료·독촉 규정"
    LATE_FEES = "연체료관리"
    DUNNING = "독촉관리"
    STATEMENT = "통장입금대사"
    MONTH_CLOSE = "월마감"
    NOTICES = "공지사항"
