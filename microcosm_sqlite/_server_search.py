"""
Search by words on a dataset published to PostgreSQL: `q=` through PostgreSQL's own text search.

The server holds no FTS5 index. `publish` gives each table whose model declares `__search__` a GIN
index on one expression, the model's *document*:

    to_tsvector('simple', fold(name) || ' ' || fold(city) || ...)

where `fold` is a PL/pgSQL function `publish` creates in the dataset's schema (`FOLD_FUNCTION`). It
folds text as SQLite's `unicode61 remove_diacritics 2` tokenizer does, with PostgreSQL built-ins
only (no `unaccent` extension, which servers often lack): the characters FTS5 treats as separators
become spaces, the accents FTS5 removes from Latin letters are removed (`normalize` to NFD, drop
those combining marks after a Latin letter, back to NFC), and case is folded by `lower()`. The
`'simple'` configuration then splits on spaces and stems nothing, as FTS5 does.

A search matches that same expression (so PostgreSQL answers it from the index) against a
`tsquery` of the user's words: split exactly as on SQLite (`_fulltext.match_words`), folded here in
Python by the same rule, each quoted as a lexeme, joined by `&`, the last one a prefix (`:*`) with
`prefix=True`, and passed as a bound parameter: never query syntax, never SQL. Rows rank by the
declared weights: the weighted sum of `ts_rank` per column, negated so that smaller is better, as
bm25 is on SQLite.

"""

import re
import unicodedata
from collections.abc import Sequence
from typing import Any, Final
from weakref import WeakKeyDictionary

from sqlalchemy import Text, inspect, literal_column, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement, bindparam, func
from sqlalchemy.sql.visitors import InternalTraversal

from microcosm_sqlite._fulltext import _WORD, SearchIndex
from microcosm_sqlite.errors import SchemaMismatchError

__all__ = [
    "CONFIG",
    "FOLD_FUNCTION",
    "LATIN_DIACRITICS",
    "LATIN_LETTERS",
    "Document",
    "Rank",
    "check_index",
    "fold",
    "index_name",
    "tsquery",
    "words_query",
]

#: The PL/pgSQL function, in the dataset's schema, that folds a column's text for the index.
FOLD_FUNCTION: Final = "microcosm_sqlite_fold"
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


class _Fold(ColumnElement[str]):
    """`<schema>.microcosm_sqlite_fold(CAST(column AS TEXT))`, in the schema of the column's table."""

    type = Text()
    inherit_cache = False
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: Any) -> None:
        self.column = column


@compiles(_Fold)
def _compile_fold(element: _Fold, compiler: Any, **kw: Any) -> str:
    # The table's schema as the statement renders it: the engine's schema_translate_map applies
    # to the function as to the table, so both are read from the dataset's schema.
    function = compiler.preparer.format_table(element.column.table, name=FOLD_FUNCTION)
    return f"{function}(CAST({compiler.process(element.column, **kw)} AS TEXT))"


def _config() -> Any:
    # A literal, not a bound parameter: the index expression names the configuration as a
    # constant, and only an identical expression lets the planner use the index.
    return literal_column(f"'{CONFIG}'")


class Document(ColumnElement[Any]):
    """A model's document: the `tsvector` of its searchable columns, the expression its GIN index is on."""

    inherit_cache = False
    _traverse_internals = [("columns", InternalTraversal.dp_clauseelement_tuple)]

    def __init__(self, columns: Sequence[Any]) -> None:
        self.columns = tuple(columns)


@compiles(Document)
def _compile_document(element: Document, compiler: Any, **kw: Any) -> str:
    text: Any = _Fold(element.columns[0])
    for column in element.columns[1:]:
        text = text.op("||")(literal_column("' '")).op("||")(_Fold(column))
    return str(compiler.process(func.to_tsvector(_config(), text), **kw))


class Rank(ColumnElement[Any]):
    """
    How well a row matched the words, smaller first: the SQLite expression (bm25) on SQLite, and
    on PostgreSQL minus the declared-weight sum of each column's `ts_rank` against the words.

    """

    inherit_cache = False
    _traverse_internals = [
        ("sqlite", InternalTraversal.dp_clauseelement),
        ("columns", InternalTraversal.dp_clauseelement_tuple),
        ("weights", InternalTraversal.dp_plain_obj),
        ("words", InternalTraversal.dp_string),
    ]

    def __init__(self, sqlite: Any, columns: Sequence[Any], weights: Sequence[float], words: str) -> None:
        self.sqlite = sqlite
        self.columns = tuple(columns)
        self.weights = tuple(weights)
        self.words = words


@compiles(Rank)
def _compile_rank(element: Rank, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.sqlite, **kw))


@compiles(Rank, "postgresql")
def _compile_rank_postgresql(element: Rank, compiler: Any, **kw: Any) -> str:
    query = tsquery(element.words)
    terms: list[Any] = [
        literal_column(f"CAST({float(weight)!r} AS DOUBLE PRECISION)")
        * func.ts_rank(func.to_tsvector(_config(), _Fold(column)), query)
        for column, weight in zip(element.columns, element.weights)
    ]
    total: Any = terms[0]
    for term in terms[1:]:
        total = total + term
    return f"-({compiler.process(total, **kw)})"


def tsquery(words: str) -> Any:
    """`to_tsquery('simple', :words)`: the words of a search, from the bound parameter `words`."""
    return func.to_tsquery(_config(), bindparam(words, type_=Text()))


#: Per engine, the indexes found on its server: looked up once, not on every search.
_present: "WeakKeyDictionary[Engine, set[str]]" = WeakKeyDictionary()

_FIND = text(
    "SELECT to_regprocedure(quote_ident(target.name) || '.' || quote_ident(:function) || '(text)') IS NOT NULL, "
    "EXISTS (SELECT 1 FROM pg_catalog.pg_indexes WHERE schemaname = target.name AND tablename = :table "
    "AND indexname = :index) "
    "FROM (SELECT coalesce(CAST(:schema AS TEXT), current_schema()) AS name) AS target"
)


def check_index(session: Any, model: Any, index: SearchIndex, engine: Engine, data_set: str) -> None:
    """
    The dataset's schema has the fold function and the table's index: `SchemaMismatchError` otherwise
    (a dataset published before search by words reached PostgreSQL, or by hand), never unfiltered rows.

    """
    present = _present.setdefault(engine, set())
    if index.name in present:
        return
    translated = (engine.get_execution_options().get("schema_translate_map") or {}).get(None)
    schema = translated or model.__table__.schema
    found = session.execute(
        _FIND,
        {"function": FOLD_FUNCTION, "table": index.table, "index": index_name(index.table), "schema": schema},
        bind_arguments={"mapper": inspect(model)},
    ).one()
    if not all(found):
        raise SchemaMismatchError(
            f"table {index.table!r} has no search index ({index_name(index.table)}) on the server, though "
            f"{getattr(model, '__name__', model)}.__search__ declares one",
            data_set=data_set,
            path=session.info.get("path") or engine.url.render_as_string(hide_password=True),
            hint="publish the artifact again with this version of microcosm-sqlite (microcosm-sqlite publish "
            "ARTIFACT URL), which creates it",
        )
    present.add(index.name)
