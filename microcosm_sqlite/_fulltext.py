"""
Search by words: what a model's `__search__` declares, and the FTS5 index and query text it implies.

A model names its searchable columns, optionally with a weight each:

    class Airport(Airports):
        __tablename__ = "airport"
        __search__ = {"name": 10.0, "city": 5.0, "iata": 1.0, "icao": 1.0}   # or ("name", "city")

The declaration is read once, when SQLAlchemy maps the class, and kept on the `Table`
(`Table.info`): the schema fingerprint, the artifact build and the stores all read it from there,
so the metadata alone says which tables carry a search index.

The index is an FTS5 table over the model's table (external content: the text is not stored twice)
named `<table>_fts`, with the `unicode61` tokenizer folding accents (`remove_diacritics 2`) and
prefix indexes for autocomplete (https://www.sqlite.org/fts5.html).

"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Table, event
from sqlalchemy.orm import Mapper

from microcosm_sqlite.errors import SearchDeclarationError

__all__ = [
    "INFO_KEY",
    "PREFIX_LENGTHS",
    "SHADOW_SUFFIXES",
    "TOKENIZER",
    "SearchIndex",
    "match_words",
    "quote",
    "search_index",
]

#: `Table.info` key of a table's `SearchIndex`.
INFO_KEY: Final = "microcosm_sqlite.search"
#: Folds case and accents ("Zürich" is found by "zurich"); 2 also folds what 1 leaves (https://www.sqlite.org/fts5.html#unicode61_tokenizer).
TOKENIZER: Final = "unicode61 remove_diacritics 2"
#: Prefix lengths with an index of their own: "he*", "hea*" are answered from it, longer prefixes
#: from the term index. Measured on the 1M-row benchmark, the index stays under the table's size.
PREFIX_LENGTHS: Final = (2, 3)
#: The tables FTS5 creates beside an index `x`: `x_data`, `x_idx`, ... (https://www.sqlite.org/fts5.html#fts5_table_creation_and_initialization).
SHADOW_SUFFIXES: Final = ("_data", "_idx", "_content", "_docsize", "_config")

#: What the unicode61 tokenizer keeps as token characters: letters and digits; the rest separates.
_WORD: Final = re.compile(r"[^\W_]+")


def quote(identifier: str) -> str:
    """Quote an SQL identifier (https://www.sqlite.org/lang_keywords.html)."""
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class SearchIndex:
    """The search index a model declares: its table, the columns it indexes and their weights."""

    table: str
    columns: tuple[str, ...]
    weights: tuple[float, ...]

    @property
    def name(self) -> str:
        """The FTS5 table's name."""
        return f"{self.table}_fts"

    def describe(self) -> dict[str, Any]:
        """What the schema fingerprint records: any change to it changes what the file must hold."""
        return {
            "columns": list(self.columns),
            "weights": list(self.weights),
            "tokenizer": TOKENIZER,
            "prefix": list(PREFIX_LENGTHS),
        }

    def create_sql(self) -> str:
        """The CREATE VIRTUAL TABLE statement of the index."""
        columns = ", ".join(quote(column) for column in self.columns)
        options = (
            f"content={_literal(self.table)}",
            "content_rowid='rowid'",
            f"tokenize={_literal(TOKENIZER)}",
            f"prefix={_literal(' '.join(map(str, PREFIX_LENGTHS)))}",
        )
        return f"CREATE VIRTUAL TABLE {quote(self.name)} USING fts5({columns}, {', '.join(options)})"


def search_index(table: Any) -> SearchIndex | None:
    """The search index a table's model declares, or None."""
    info = getattr(table, "info", None)
    return None if info is None else info.get(INFO_KEY)


def match_words(q: str, prefix: bool = False) -> str | None:
    """
    An FTS5 query matching rows that contain every word of `q` (None when `q` has no word).

    `q` is user input: each word is quoted as an FTS5 string, so quotes, `*`, `-`, `:`, `NEAR`,
    `OR`, parentheses and SQL are words or separators, never query syntax. With `prefix`, the
    last word also matches longer words ("heath" finds "Heathrow").

    """
    # Most queries are a word or a few, whole: told by str.isalnum(), which accepts exactly the
    # characters `_WORD` matches, they need no regular expression (this runs on every search).
    if q.isalnum():
        quoted = '"' + q + '"'
    else:
        words = q.split()
        if not "".join(words).isalnum():
            words = _WORD.findall(q)
        if not words:
            return None
        quoted = '"' + '" "'.join(words) + '"'
    return quoted + " *" if prefix else quoted


def _declared(class_: type, table: Table) -> SearchIndex:
    declared = class_.__search__  # type: ignore[attr-defined]
    where = f"{class_.__name__}.__search__"
    if isinstance(declared, str):
        declared = (declared,)  # ("name") for ("name",): one column, not its letters
    if isinstance(declared, Mapping):
        items = list(declared.items())
    else:
        try:
            items = [(name, 1.0) for name in declared]
        except TypeError:
            raise SearchDeclarationError(
                f"{where} must be column names or a mapping of column name to weight, not {declared!r}"
            ) from None
    if not items:
        raise SearchDeclarationError(f"{where} names no column; name the columns to search, or remove it")
    columns, weights = [], []
    for name, weight in items:
        column = table.c.get(name) if isinstance(name, str) else None
        if column is None:
            raise SearchDeclarationError(
                f"{where} names {name!r}, which is not a column of table {table.name!r}; "
                f"choose from {', '.join(column.key for column in table.c)}"
            )
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not weight > 0:
            raise SearchDeclarationError(f"{where}: the weight of {name!r} must be a positive number, not {weight!r}")
        if column.name in columns:
            raise SearchDeclarationError(f"{where} names {name!r} twice")
        columns.append(column.name)
        weights.append(float(weight))
    return SearchIndex(table=table.name, columns=tuple(columns), weights=tuple(weights))


@event.listens_for(Mapper, "after_mapper_constructed")
def _record_declaration(mapper: Mapper[Any], class_: type) -> None:
    # Read as the class is mapped, so a bad declaration fails where the model is defined, and
    # kept on the table, which is what the metadata (and so the fingerprint and the build) sees.
    if getattr(class_, "__search__", None) is None or not isinstance(mapper.local_table, Table):
        return
    mapper.local_table.info[INFO_KEY] = _declared(class_, mapper.local_table)
