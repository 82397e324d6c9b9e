"""
Search indexes on PostgreSQL: what `publish` creates in place of an artifact's FTS5 indexes.

The FTS5 tables are not copied (`reading.table_names` leaves them out: they are derived from the
rows). For each of them, `publish` creates in the staging schema, before the swap:

- once per schema, the fold function (`_server_search.FOLD_FUNCTION`): an IMMUTABLE SQL function
  of PostgreSQL built-ins only. Its separator class is read from SQLite's own unicode61 tokenizer
  (every character of the Basic Multilingual Plane that tokenizer does not keep in a word), so
  both backends split text alike; its accent and case folding is `_server_search.fold`;
- the table's words table (`_server_search.words_table`): its primary key, each searchable
  column's folded words (`to_tsvector`) and their concatenation, the document, under a GIN index
  named like the FTS5 table, which searches match and rank against (`_server_search.Matches`,
  `Rank`), so the text is folded once here rather than in every search.

Which columns an index covers is read from the artifact's FTS5 tables, so a publish without the
models (`publish ARTIFACT URL`) indexes what the build indexed.

"""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Sequence
from contextlib import closing
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData

from microcosm_sqlite._fulltext import TOKENIZER, SearchIndex
from microcosm_sqlite._server_search import (
    CONFIG,
    DOCUMENT,
    FOLD_FUNCTION,
    LATIN_DIACRITICS,
    LATIN_LETTERS,
    index_name,
    words_column,
    words_table,
)
from microcosm_sqlite.artifacts.fulltext import search_index_names
from microcosm_sqlite.artifacts.server import quote

if TYPE_CHECKING:
    import psycopg

__all__ = ["create_server_search", "fold_function_sql", "missing_server_search", "search_indexes_in", "separators"]


def search_indexes_in(artifact: sqlite3.Connection) -> list[SearchIndex]:
    """The search indexes an artifact holds (its FTS5 tables), with the columns each covers."""
    indexes = []
    for name in search_index_names(artifact):
        columns = [row[1] for row in artifact.execute(f"PRAGMA table_info({quote(name)})")]
        indexes.append(SearchIndex(table=name.removesuffix("_fts"), columns=tuple(columns), weights=()))
    return indexes


@lru_cache(maxsize=1)
def separators() -> str:
    """
    A regular expression class of the characters unicode61 separates words at (BMP only: beyond it,
    PostgreSQL's parser separates symbols and emoji itself).

    Asked of the tokenizer rather than derived from Unicode categories: it keeps unassigned code
    points and drops some marks, which no category says. Letters and digits are never separators.

    """
    candidates = [
        code
        for code in range(1, 0x10000)
        if not 0xD800 <= code < 0xE000 and unicodedata.category(chr(code))[0] not in "LN"
    ]
    with closing(sqlite3.connect(":memory:")) as connection:
        connection.execute(f"CREATE VIRTUAL TABLE probe USING fts5(text, tokenize='{TOKENIZER}')")
        connection.execute("CREATE VIRTUAL TABLE terms USING fts5vocab(probe, 'instance')")
        # "a<c>a" is two words "a" exactly when <c> separates.
        connection.executemany(
            "INSERT INTO probe (rowid, text) VALUES (?, ?)", [(c, f"a{chr(c)}a") for c in candidates]
        )
        split = {doc for (doc,) in connection.execute("SELECT doc FROM terms GROUP BY doc HAVING count(*) = 2")}
    ranges: list[list[int]] = []
    for code in sorted(split):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return (
        "[" + "".join(_member(low) if low == high else f"{_member(low)}-{_member(high)}" for low, high in ranges) + "]"
    )


def _member(code: int) -> str:
    character = chr(code)
    return "\\" + character if character in "\\]^-[" else character


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def fold_function_sql(schema: str) -> str:
    """The CREATE FUNCTION statement of the fold function in `schema`."""
    accents = f"(?<=[{LATIN_LETTERS}])[{LATIN_DIACRITICS}]+"
    # Separators first, on the text as stored; then the Latin accents unicode61 removes, which
    # NFD splits off their letters; NFC puts back together what stays (Greek, Cyrillic accents).
    # Printable ASCII, most text in most datasets, has no accent and only ASCII separators: it
    # takes a path of its own, which halves the work of building the index and of ranking.
    body = (
        "CASE WHEN $1 ~ '^[ -~]*$' THEN pg_catalog.lower(pg_catalog.regexp_replace($1, '[^A-Za-z0-9]', ' ', 'g')) "
        "ELSE pg_catalog.lower(normalize(pg_catalog.regexp_replace(normalize(pg_catalog.regexp_replace("
        f"coalesce($1, ''), {_literal(separators())}, ' ', 'g'), NFD), {_literal(accents)}, '', 'g'), NFC)) END"
    )
    # IMMUTABLE and not STRICT (a NULL column folds to ''), so PostgreSQL inlines it where it
    # folds every row: publish calls it once per searchable column, searches never.
    return (
        f"CREATE FUNCTION {quote(schema)}.{quote(FOLD_FUNCTION)}(text) RETURNS text "
        f"LANGUAGE sql IMMUTABLE PARALLEL SAFE AS {_literal('SELECT ' + body)}"
    )


def create_server_search(
    connection: psycopg.Connection[Any], artifact: sqlite3.Connection, metadata: MetaData, schema: str
) -> list[str]:
    """Create the fold function, and the words table and its GIN index for every search index of the artifact; their names."""
    indexes = search_indexes_in(artifact)
    if not indexes:
        return []
    connection.execute(fold_function_sql(schema))
    tables = {table.name: table for table in metadata.tables.values()}
    fold = f"{quote(schema)}.{quote(FOLD_FUNCTION)}"
    created = []
    for index in indexes:
        table = tables[index.table]
        keys = [quote(column.name) for column in table.primary_key.columns]
        words = [quote(words_column(column)) for column in index.columns]
        vectors = [
            f"to_tsvector('{CONFIG}', {fold}(CAST({quote(column)} AS TEXT))) AS {name}"
            for column, name in zip(index.columns, words)
        ]
        target = f"{quote(schema)}.{quote(words_table(table.name))}"
        # Each column folded once; the document is their concatenation, which holds the same
        # lexemes as the vector of the columns' text joined by spaces.
        connection.execute(
            f"CREATE TABLE {target} AS SELECT {', '.join(keys + words)}, {' || '.join(words)} AS {quote(DOCUMENT)} "  # type: ignore[arg-type]
            f"FROM (SELECT {', '.join(keys + vectors)} FROM {quote(schema)}.{quote(table.name)}) AS folded"
        )
        # The key, for the rank's lookup of a matched row's words.
        connection.execute(f"ALTER TABLE {target} ADD PRIMARY KEY ({', '.join(keys)})")  # type: ignore[arg-type]
        name = index_name(index.table)
        connection.execute(f"CREATE INDEX {quote(name)} ON {target} USING gin ({quote(DOCUMENT)})")  # type: ignore[arg-type]
        connection.execute(f"ANALYZE {target}")  # type: ignore[arg-type]
        created.append(name)
    return created


def missing_server_search(
    connection: psycopg.Connection[Any], schema: str, indexes: Sequence[SearchIndex]
) -> list[str]:
    """What the published dataset lacks of the search indexes `indexes` (one line each)."""
    if not indexes:
        return []
    problems = []
    (function,) = connection.execute(
        "SELECT to_regprocedure(%s) IS NOT NULL", (f"{quote(schema)}.{quote(FOLD_FUNCTION)}(text)",)
    ).fetchone() or (False,)
    if not function:
        problems.append(f"schema {schema!r} has no function {FOLD_FUNCTION}, which searches by words need")
    for index in indexes:
        name = index_name(index.table)
        found = connection.execute(
            "SELECT 1 FROM pg_catalog.pg_indexes WHERE schemaname = %s AND tablename = %s AND indexname = %s",
            (schema, words_table(index.table), name),
        ).fetchone()
        if found is None:
            problems.append(f"table {index.table!r} has no search index ({name})")
    return problems
