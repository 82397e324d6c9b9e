"""
Column affinities: whether a model's column type can read what a file's column holds.

SQLite stores any value in any column, but converts values on their way in by the column's
*affinity*, which it derives from the declared type by five rules
(https://www.sqlite.org/datatype3.html#determination_of_column_affinity): a column declared TEXT
keeps 'not-a-float' as text, one declared INTEGER turns '007' into 7. A file made by another tool
whose declared types disagree with the models holds values the models cannot read; the declared
types are cheap to compare (one PRAGMA per table), the values would need a scan.

"""

from typing import Any

from sqlalchemy.types import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Time,
    TypeDecorator,
    TypeEngine,
    Uuid,
)

from microcosm_sqlite.types import Truthy

__all__ = ["BLOB", "INTEGER", "NUMERIC", "READABLE", "REAL", "TEXT", "affinity", "can_read", "readable_affinities"]


INTEGER = "INTEGER"
TEXT = "TEXT"
BLOB = "BLOB"
REAL = "REAL"
NUMERIC = "NUMERIC"

#: The affinities whose values each model type reads, most specific type first (Float is a
#: Numeric, Enum and Text are Strings). Our builder declares columns with the models' own SQLite
#: types, which always fall in these sets: BOOLEAN, DATE, DATETIME, TIME and JSON have NUMERIC
#: affinity, which keeps text that does not look like a number (ISO dates, JSON) as text.
READABLE: tuple[tuple[type[TypeEngine[Any]], frozenset[str]], ...] = (
    (Boolean, frozenset({INTEGER, NUMERIC})),
    (Integer, frozenset({INTEGER, NUMERIC})),
    (Float, frozenset({INTEGER, REAL, NUMERIC})),
    (Numeric, frozenset({INTEGER, REAL, NUMERIC})),
    (String, frozenset({TEXT})),
    (Uuid, frozenset({TEXT})),
    (Date, frozenset({TEXT, NUMERIC})),
    (DateTime, frozenset({TEXT, NUMERIC})),
    (Time, frozenset({TEXT, NUMERIC})),
    (JSON, frozenset({TEXT, NUMERIC})),
    (LargeBinary, frozenset({BLOB})),
)


def affinity(declared: str) -> str:
    """The affinity SQLite gives a column declared as `declared` (rules 1 to 5, in their order)."""
    upper = declared.upper()
    if "INT" in upper:
        return INTEGER
    if "CHAR" in upper or "CLOB" in upper or "TEXT" in upper:
        return TEXT
    if "BLOB" in upper or not upper:
        return BLOB
    if "REAL" in upper or "FLOA" in upper or "DOUB" in upper:
        return REAL
    return NUMERIC


def readable_affinities(type_: TypeEngine[Any]) -> frozenset[str] | None:
    """The affinities whose values a model column of `type_` can read, or None when unknown."""
    if isinstance(type_, Truthy):
        # Truthy parses the text other tools write ('yes', 'false') as well as numbers.
        return frozenset({INTEGER, REAL, NUMERIC, TEXT})
    while isinstance(type_, TypeDecorator):
        # A decorator stores what its implementation type stores (EnumType: a VARCHAR).
        type_ = type_.impl_instance
    return next((readable for kind, readable in READABLE if isinstance(type_, kind)), None)


def can_read(type_: TypeEngine[Any], declared: str) -> bool:
    """
    Whether a model column of `type_` can read a file column declared as `declared`.

    A column declared without a type (affinity BLOB, values kept as given) declares nothing to
    disagree with, and types this module does not know are not judged.

    """
    readable = readable_affinities(type_)
    return not declared.strip() or readable is None or affinity(declared) in readable
