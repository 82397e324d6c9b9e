"""
Search by words on a dataset published to PostgreSQL: `q=` through PostgreSQL's own text search.

The server holds no FTS5 index. `publish` gives each table whose model declares `__search__` a
*words table* (`words_table`, an internal table, so content hashes leave it out): the table's
primary key, each searchable column's words as a `tsvector`

    to_tsvector('simple', fold(name))

and their concatenation, the row's *document* (`DOCUMENT`), under a GIN index named like the
artifact's FTS5 table (`index_name`). `fold` is an SQL function `publish` creates in the dataset's
schema (`FOLD_FUNCTION`). It folds text as SQLite's `unicode61 remove_diacritics 2` tokenizer does,
with PostgreSQL built-ins only (no `unaccent` extension, which servers often lack): the characters
FTS5 treats as separators become spaces, the accents FTS5 removes from Latin letters are removed
(`normalize` to NFD, drop those combining marks after a Latin letter, back to NFC), and case is
folded by `lower()`. The `'simple'` configuration then splits on spaces and stems nothing, as FTS5 does.

The words are folded once, when publishing: searches read them as stored. Folding them in every
search (an index on an expression of the fold function) cost planning on every query, the
function inlined at each of its call sites, and a common word's ranking refolded every row matched.

A search keeps the rows whose key is among those the document's index finds (`Matches`) for a
`tsquery` of the user's words: split exactly as on SQLite (`_fulltext.match_words`), folded here in
Python by the same rule, each quoted as a lexeme, joined by `&`, the last one a prefix (`:*`) with
`prefix=True`, and passed as a bound parameter: never query syntax, never SQL. Rows rank by the
declared weights (`Rank`): the weighted sum of `ts_rank` of each column's stored words, negated so
that smaller is better, as bm25 is on SQLite.

"""

import re
import unicodedata
from collections.abc import Sequence
from typing import Any, Final
from weakref import WeakKeyDictionary

from sqlalchemy import Boolean, Text, inspect, literal_column, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement, bindparam, func
from sqlalchemy.sql.visitors import InternalTraversal

from microcosm_sqlite._fulltext import _WORD, SearchIndex
from microcosm_sqlite.errors import SchemaMismatchError

__all__ = [
    "CONFIG",
    "DOCUMENT",
    "FOLD_FUNCTION",
    "LATIN_DIACRITICS",
    "LATIN_LETTERS",
    "WORDS_TABLE_PREFIX",
    "Matches",
    "Rank",
    "check_index",
    "fold",
    "index_name",
    "words_column",
    "words_query",
    "words_table",
]

#: The SQL function, in the dataset's schema, that folds a column's text for the index.
FOLD_FUNCTION: Final = "microcosm_sqlite_fold"
#: A searchable table's words table is named this and the table's name.
WORDS_TABLE_PREFIX: Final = "_microcosm_sqlite_words_"
#: The words table's column of all the searchable columns' words, which its GIN index is on.
DOCUMENT: Final = "_document"
#: The words table's alias in searches.
_ALIAS: Final = "microcosm_sqlite_words"
#: The text search configuration: splits into words and lower-cases them, stems and stops nothing.
CONFIG: Final = "simple"
#: The combining marks unicode61 removes (`remove_diacritics 2`): read from its tokenizer, which
#: drops exactly these from a word; the other marks separate words.
LATIN_DIACRITICS: Final = "\u0300-\u0304\u0306-\u030c\u030f\u0311\u031b\u0323-\u0328\u032d\u032e\u0330\u0331"
#: The letters unicode61 removes diacritics from: Latin ones (it keeps Greek and Cyrillic accents).
LATIN_LETTERS: Final = "A-Za-z\u00c0-\u024f\u1e00-\u1eff"

_ACCENTS: Final = re.compile(f"(?<=[{LATIN_LETTERS}])[{LATIN_DIACRITICS}]+")


def fold(text: str) -> str:
    """Fold a word as the server's fold function does: Latin accents removed, lower case."""
    return unicodedata.normalize("NFC", _ACCENTS.sub("", unicodedata.normalize("NFD", text))).lower()


def index_name(table: str) -> str:
    """The GIN index of a table's document: named as the table's FTS5 index is in an artifact."""
    return f"{table}_fts"


def words_query(q: str, prefix: bool = False) -> str | None:
    """
    The `tsquery` text matching rows that contain every word of `q` (None when `q` has no word).

    Words are split as on SQLite (letters and digits; everything else separates), so quotes, `&`,
    `|`, `!`, `:` and `*` never reach the query as operators.

    """
    words = [folded for word in _WORD.findall(q) if (folded := fold(word))]
    if not words:
        return None
    lexemes = ["'" + word.replace("\\", "\\\\").replace("'", "''") + "'" for word in words]
    if prefix:
        lexemes[-1] += ":*"
    return " & ".join(lexemes)


def words_table(table: str) -> str:
    """The table holding a table's words, in the dataset's schema: internal, so left out of its hashes."""
    return f"{WORDS_TABLE_PREFIX}{table}"


def words_column(column: str) -> str:
    """The column of the words table holding one searchable column's `tsvector`."""
    return f"_words_{column}"


def _config() -> Any:
    return literal_column(f"'{CONFIG}'")


class _Words(ColumnElement[Any]):
    """What a search reads of a model's table from its words table; compiled on PostgreSQL only."""

    inherit_cache = False
    # The words' parameter is an element of the construct, not made when compiled: a query's
    # .params() gives values to the bound parameters it finds in the statement, and SQLAlchemy
    # 2.0.4 (the oldest supported) left one made at compile time without its value. The
    # to_tsquery() around it is made when compiled: one made before sqlalchemy.dialects.postgresql
    # is imported is a generic function, which that dialect refuses to compile.
    _traverse_internals = [
        ("columns", InternalTraversal.dp_clauseelement_tuple),
        ("weights", InternalTraversal.dp_plain_obj),
        ("words", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, columns: Sequence[Any], weights: Sequence[float], words: str) -> None:
        self.columns = tuple(columns)
        self.weights = tuple(weights)
        self.words = bindparam(words, type_=Text())


def _words_from(element: _Words, compiler: Any, **kw: Any) -> tuple[str, list[tuple[str, str]], str]:
    """The words table as FROM renders it (aliased), its key columns paired with the model table's, the query."""
    table = element.columns[0].table
    # The table's schema as the statement renders it: the engine's schema_translate_map applies to
    # the words table as to the model's, so both are read from the dataset's schema.
    name = compiler.preparer.format_table(table, name=words_table(table.name))
    quote = compiler.preparer.quote
    keys = [(f"{_ALIAS}.{quote(key.name)}", compiler.process(key, **kw)) for key in table.primary_key.columns]
    return f"{name} AS {_ALIAS}", keys, compiler.process(func.to_tsquery(_config(), element.words), **kw)


class Matches(_Words):
    """
    The rows whose words match the search's: their keys among those the words table's GIN index
    finds for the `tsquery` (`WORDS` bound), so the planner answers from the index.

    """

    type = Boolean()
    # Its cache key is _Words's: without it, every search compiled its statement again (2 ms).
    inherit_cache = True


@compiles(Matches, "postgresql")
def _compile_matches(element: Matches, compiler: Any, **kw: Any) -> str:
    words, keys, query = _words_from(element, compiler, **kw)
    inner = ", ".join(inner for inner, _ in keys)
    outer = ", ".join(outer for _, outer in keys)
    return f"({outer}) IN (SELECT {inner} FROM {words} WHERE {_ALIAS}.{DOCUMENT} @@ {query})"


class Rank(_Words):
    """
    How well a row matched the words, smaller first: the SQLite expression (bm25) on SQLite, and
    on PostgreSQL minus the declared-weight sum of each column's `ts_rank` against the words, read
    from the row's stored `tsvector`s (nothing is folded again).

    """

    inherit_cache = False
    _traverse_internals = [("sqlite", InternalTraversal.dp_clauseelement), *_Words._traverse_internals]

    def __init__(self, sqlite: Any, columns: Sequence[Any], weights: Sequence[float], words: str) -> None:
        super().__init__(columns, weights, words)
        self.sqlite = sqlite


@compiles(Rank)
def _compile_rank(element: Rank, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.sqlite, **kw))


@compiles(Rank, "postgresql")
def _compile_rank_postgresql(element: Rank, compiler: Any, **kw: Any) -> str:
    words, keys, query = _words_from(element, compiler, **kw)
    quote = compiler.preparer.quote
    total = " + ".join(
        f"CAST({float(weight)!r} AS DOUBLE PRECISION) * ts_rank({_ALIAS}.{quote(words_column(column.name))}, {query})"
        for column, weight in zip(element.columns, element.weights)
    )
    joined = " AND ".join(f"{inner} = {outer}" for inner, outer in keys)
    return f"-(SELECT {total} FROM {words} WHERE {joined})"


#: Per engine, the indexes found on its server: looked up once, not on every search.
_present: "WeakKeyDictionary[Engine, set[str]]" = WeakKeyDictionary()

_FIND = text(
    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_indexes WHERE schemaname = target.name AND tablename = :table "
    "AND indexname = :index) "
    "FROM (SELECT coalesce(CAST(:schema AS TEXT), current_schema()) AS name) AS target"
)


def check_index(session: Any, model: Any, index: SearchIndex, engine: Engine, data_set: str) -> None:
    """
    The dataset's schema has the table's words table and its index: `SchemaMismatchError` otherwise
    (a dataset published before search by words reached PostgreSQL, or before its words were stored,
    or by hand), never unfiltered rows.

    """
    present = _present.setdefault(engine, set())
    if index.name in present:
        return
    translated = (engine.get_execution_options().get("schema_translate_map") or {}).get(None)
    schema = translated or model.__table__.schema
    found = session.execute(
        _FIND,
        {"table": words_table(index.table), "index": index_name(index.table), "schema": schema},
        bind_arguments={"mapper": inspect(model)},
    ).one()
    if not found[0]:
        raise SchemaMismatchError(
            f"table {index.table!r} has no search index ({index_name(index.table)}) on the server, though "
            f"{getattr(model, '__name__', model)}.__search__ declares one",
            data_set=data_set,
            path=session.info.get("path") or engine.url.render_as_string(hide_password=True),
            hint="publish the artifact again with this version of microcosm-sqlite (microcosm-sqlite publish "
            "ARTIFACT URL), which creates it",
        )
    present.add(index.name)
