"""업종 (industry) list for the 업종검색 button of the customer window.

The manual's customer window picks the industry from a searchable list. The names follow the
headings of the Korean Standard Industrial Classification (한국표준산업분류, KSIC) that the kinds
of payers of a CMS institution fall under (academies, apartment offices, associations, shops),
grouped by their KSIC section so a clerk browsing finds neighbours together. The stored value is
the name only: it is a description for the institution's own lists, not sent to any bank.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Industry:
    section: str  # KSIC 대분류
    name: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.section})"


_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("교육 서비스업", (
        "교육서비스업/학원", "입시·보습학원", "외국어학원", "예술학원(음악·미술)", "스포츠·레크리에이션 교육기관",
        "컴퓨터·직업훈련학원", "유아교육기관(유치원·어린이집)", "초·중·고등학교", "대학·대학원", "온라인 교육",
        "독서실·스터디카페", "교육지원 서비스업",
    )),
    ("부동산업", (
        "부동산관리업", "아파트 관리사무소", "비주거용 건물 관리업", "부동산 임대업", "부동산 중개업",
    )),
    ("협회 및 단체, 수리 및 기타 개인 서비스업", (
        "비영리단체", "종교단체", "동호회·친목단체", "산업·전문가 단체", "노동조합", "후원회", "시민운동단체",
        "미용업", "세탁업", "자동차 수리업", "기타 개인 서비스업",
    )),
    ("보건업 및 사회복지 서비스업", (
        "의원·병원", "치과의원", "한의원", "요양병원·요양원", "사회복지 서비스업", "재가 복지 서비스업",
    )),
    ("도매 및 소매업", (
        "종합 소매업", "식료품 소매업", "의류·잡화 소매업", "서적·문구 소매업", "통신판매업(온라인 쇼핑)",
        "정수기·생활가전 렌탈", "도매업",
    )),
    ("숙박 및 음식점업", (
        "음식점업", "급식·단체급식업", "커피·음료점업", "숙박업",
    )),
    ("예술, 스포츠 및 여가관련 서비스업", (
        "헬스·피트니스센터", "수영장·체육시설 운영업", "골프연습장", "태권도·무술 도장", "문화·예술 단체",
    )),
    ("정보통신업", (
        "인터넷 호스팅·정보서비스업", "소프트웨어 개발업", "신문·잡지 발행업", "방송·케이블TV",
    )),
    ("금융 및 보험업", (
        "보험 대리·중개업", "상호금융·공제회",
    )),
    ("운수 및 창고업", (
        "통학버스·전세버스 운송업", "택배·화물 운송업",
    )),
    ("전기, 가스, 수도 및 기타", (
        "가스 공급업", "정수·수도 사업",
    )),
    ("공공행정 및 기타", (
        "공공기관", "기타(직접 입력)",
    )),
)

INDUSTRIES: tuple[Industry, ...] = tuple(Industry(section, name) for section, names in _SECTIONS for name in names)


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text).split()).casefold().replace("·", "")


def search(text: str = "") -> list[Industry]:
    """Industries whose name or section contains `text` (spaces and '·' ignored); all for ''."""
    needle = _fold(text)
    if not needle:
        return list(INDUSTRIES)
    return [i for i in INDUSTRIES if needle in _fold(i.name) or needle in _fold(i.section)]
