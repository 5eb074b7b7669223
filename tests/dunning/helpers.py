"""Small readers over the dunning service for the tests: what a clerk would read off the list."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from app.services.collection import dunning
from app.services.collection.dunning import DueLetter, IssueOutcome
from app.services.common.session import Actor
from tests.apartment.complex import Complex, at

LEE, PARK, CHOI = "이바다", "박산들", "최들녘"


def due(place: Complex, day: date, actor: Actor | None = None) -> list[DueLetter]:
    return dunning.due_letters(place.db, actor or place.clerk, place.contract_id, day)


def listed(place: Complex, day: date) -> list[tuple[str, str, str, int, str]]:
    """(name, stage, debit date, unpaid, 비고) of each row of the list on `day`."""
    return [(d.customer_name, d.stage.name, f"{d.debit_date:%m-%d}", d.unpaid, d.hold.text if d.hold else "")
            for d in due(place, day)]


def issue(place: Complex, day: date, folder: Path, *names: str, actor: Actor | None = None) -> IssueOutcome:
    """Issue, at 10:00 on `day`, the letters of those households (every one listed when none is named)."""
    letters = [d for d in due(place, day) if d.hold is None and (not names or d.customer_name in names)]
    return dunning.issue(place.db, actor or place.clerk, place.contract_id, [d.key for d in letters], day,
                         folder / f"letters-{day:%m%d}-{len(list(folder.iterdir()))}.pdf", now=at(day))
