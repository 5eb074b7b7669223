"""The December 2026 academy of the missed cut-off tests (service, home card, command line).

수강료 on the 5th, 15th and 25th, 교재비 on the 15th. The 5th is a Saturday: its debit is Monday the
7th, its cut-off Friday the 4th at 14:00. 윤산 (80,000원) and 한솔 (60,000원 less 10,000원 할인) pay
on the 5th with completed registrations; 노신청 pays on the 5th but was never registered; 김하늘 and
박구름 (교재비) pay on the 15th.
"""

from __future__ import annotations

from sqlalchemy import update

from app.models import CollectionItem, RegistrationState
from tests.factories import Office
from tests.home.helpers import add_payer

DONE = RegistrationState.DONE


def set_days(office: Office, code: str, days: str) -> None:
    with office.db.session() as s:
        s.execute(update(CollectionItem).where(CollectionItem.contract_id == office.contract_id,
                                               CollectionItem.code == code).values(collection_days=days))


def december(office: Office) -> dict[str, int]:
    """The five payers; name → agreement id."""
    db, cid = office.db, office.contract_id
    set_days(office, "A01", "5,15,25")
    set_days(office, "A02", "15")
    made = {
        "yoon": add_payer(db, cid, "C005", account="110000000005", name="윤산", day=5, monthly=80_000, first="2026-12",
                          registration=DONE),
        "han": add_payer(db, cid, "C006", account="110000000006", name="한솔", day=5, monthly=60_000, discount=10_000,
                         first="2026-12", registration=DONE),
        "noreg": add_payer(db, cid, "C007", account="110000000007", name="노신청", day=5, monthly=70_000, first="2026-12"),
        "kim": add_payer(db, cid, "C001", account="110000000001", name="김하늘", day=15, monthly=100_000, first="2026-12",
                         registration=DONE),
        "park": add_payer(db, cid, "C003", account="110000000003", name="박구름", day=15, monthly=30_000, first="2026-12",
                          item="A02", registration=DONE),
    }
    return {k: p.agreement_id for k, p in made.items()}
