"""What a clerk types in a search box, as SQL: literally, on SQLite and PostgreSQL alike.

A name search is a LIKE '%text%'. Without escaping, a typed ``%`` or ``_`` is a wildcard, so a
search for ``_`` lists every customer and ``김_수`` finds 김민수; every list that searches by name
uses these helpers so that what is typed is what is looked for. The escape character is a
backslash on both databases (named explicitly: PostgreSQL defaults to it, SQLite has none).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlalchemy.orm import InstrumentedAttribute

LIKE_ESCAPE = "\\"


def like_escape(text: str) -> str:
    """`text` with LIKE's wildcards (and the escape character itself) made literal."""
    return text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")


def contains_text(column: InstrumentedAttribute[str] | ColumnElement[str], text: str) -> ColumnElement[bool]:
    """`column` contains `text` as typed (a ``%`` or ``_`` in it matches only itself)."""
    return column.like(f"%{like_escape(text)}%", escape=LIKE_ESCAPE)


def number_or_name(number: InstrumentedAttribute[str], name: InstrumentedAttribute[str],
                   text: str) -> ColumnElement[bool]:
    """The customer filter of the collection lists: the exact customer number, or a name containing `text`."""
    return (number == text) | contains_text(name, text)
