"""The agency's catalogue of collection items (the manual: items come from the catalogue KSNET keeps).

Institutions pick from it; an item the catalogue lacks can be added as the institution's own.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CatalogueItem:
    code: str
    name: str
    hint: str


CATALOGUE: tuple[CatalogueItem, ...] = (
    CatalogueItem("A01", "수강료", "학원·교습소"),
    CatalogueItem("A02", "교재비", "학원·교습소"),
    CatalogueItem("A03", "차량비", "학원·어린이집"),
    CatalogueItem("A04", "급식비", "학원·어린이집"),
    CatalogueItem("A05", "특강비", "학원·교습소"),
    CatalogueItem("B01", "관리비", "아파트·상가"),
    CatalogueItem("B02", "임대료", "상가·오피스텔"),
    CatalogueItem("B03", "주차비", "아파트·상가"),
    CatalogueItem("C01", "회비", "협회·동호회"),
    CatalogueItem("C02", "후원금", "후원회·단체"),
    CatalogueItem("C03", "정기기부금", "후원회·단체"),
    CatalogueItem("D01", "월정료", "정기 서비스"),
    CatalogueItem("D02", "렌탈료", "정기 서비스"),
    CatalogueItem("D03", "보험료", "정기 서비스"),
)

CUSTOM_PREFIX = "Z"


def by_code(code: str) -> CatalogueItem | None:
    return next((item for item in CATALOGUE if item.code == code), None)
