"""
A store's search by words: `q=` (plain words), `match=` (raw FTS5 syntax) and `prefix=`.

Given words, a store's query joins the model's search index (`_fulltext`) on the rowid, keeps the
rows that match, and, unless the store orders its rows itself, ranks them best first by bm25 with
the declared weights (ties in primary-key order, so that pages never overlap). Everything else
about the query (filters, hooks, offset, limit, streaming) is the store's as usual.

On a dataset published to PostgreSQL, `q=` goes through PostgreSQL's text search instead
(`_server_search`, branched to early in `filter_by_words`); `match=`, FTS5 syntax, stays SQLite's.

"""

import sqlite3
from collections.abc import Mapping
from typing import Any, Final
from weakref import WeakKeyDictionary

from sqlalchemy import String, Table, bindparam, column, false, func, inspect, literal_column, table, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Query, Session

from microcosm_sqlite import _server_search
from microcosm_sqlite._filters import accepted_keywords
from microcosm_sqlite._fulltext import SearchIndex, match_words, quote, search_index
from microcosm_sqlite._names import data_set_base
from microcosm_sqlite.errors import (
    SchemaMismatchError,
    SearchError,
    SearchNotDeclaredError,
    SearchNotSupportedError,
    SearchSyntaxError,
)

__all__ = [
    "KEYWORDS",
    "accepted",
    "check_applied",
    "check_can_search",
    "clauses_of",
    "engine_of",
    "filter_by_words",
    "given",
    "index_of",
    "rank_by_words",
    "search_rank",
]

#: The keywords of a search by words, accepted by every store whose model declares `__search__`.
KEYWORDS: Final = ("q", "match", "prefix")

#: An FTS5 query that matches no row: what `q` without any word searches for.
NOTHING: Final = '""'

#: Execution option naming the index a query was matched against.
_MATCHED: Final = "microcosm_sqlite_search_index"

#: Per engine, the indexes found in its file: looked up once, not on every search.
_present: "WeakKeyDictionary[Engine, set[str]]" = WeakKeyDictionary()


def given(kwargs: Mapping[str, Any]) -> bool:
    """Whether a search asks for words."""
    return kwargs.get("q") is not None or kwargs.get("match") is not None


def index_of(model: Any) -> SearchIndex | None:
    return search_index(getattr(model, "__table__", None))


def _data_set(model: Any) -> str:
    return str(getattr(data_set_base(model), "__name__", model))


def accepted(store: Any, kwargs: Mapping[str, Any]) -> tuple[str, ...]:
    """
    The word keywords the store accepts on top of its filters: all of them when its model declares
    `__search__`. Words given to a store whose model declares none are `SearchNotDeclaredError`,
    unless the store's own hooks read them (a `q` filter of its own).

    """
    if "q" not in kwargs and "match" not in kwargs and "prefix" not in kwargs:
        return ()  # the common case, on every store call: no lookup at all
    if index_of(store.model_class) is not None:
        return KEYWORDS
    if given(kwargs):
        hooks_read = accepted_keywords(store)
        unread = [name for name in ("q", "match") if kwargs.get(name) is not None]
        if hooks_read is not None and any(name not in hooks_read for name in unread):
            model = store.model_class
            raise SearchNotDeclaredError(
                f"dataset {_data_set(model)!r}: {type(store).__name__} was asked to search by words "
                f"({', '.join(f'{name}=' for name in unread)}), but {getattr(model, '__name__', model)} declares "
                "no searchable columns; declare them in the model (__search__ = ('name', ...)) and rebuild the artifact"
            )
    return ()


def filter_by_words(store: Any, query: Query[Any], kwargs: Mapping[str, Any]) -> Query[Any]:
    """The query restricted to the rows matching `q` / `match` (unchanged without words)."""
    q, match = kwargs.get("q"), kwargs.get("match")
    if q is None and match is None:
        return query
    model = store.model_class
    index = index_of(model)
    if index is None:
        return query  # the store's own hooks read `q` (see `accepted`)
    engine = engine_of(query.session, model)
    if engine.dialect.name == "postgresql":
        return _filter_on_server(query, model, index, engine, q, match, bool(kwargs.get("prefix")))
    check_can_search(query.session, model, index, engine)
    expression = _expression(model, q, match, bool(kwargs.get("prefix")))
    if expression is None:
        # Words were asked for and none was given ("", "*", "--"): nothing matches, rather than
        # every row coming back unfiltered. An empty FTS5 phrase matches no row, and keeps the
        # query a search of the index, which a store's order by `search_rank` needs.
        expression = NOTHING
    if match is not None:
        _check_syntax(query, model, index, expression)
    clauses = clauses_of(model)
    return (
        query.join(clauses.fts, clauses.join_on)
        .filter(clauses.matches)
        .params({WORDS: expression})
        .execution_options(**{_MATCHED: index.name})
    )


def rank_by_words(store: Any, query: Query[Any]) -> Query[Any]:
    """
    Order a matched query best first (bm25 with the declared weights, then primary key), unless
    the store ordered it: a store's explicit order wins over rank.

    """
    name = query.get_execution_options().get(_MATCHED)
    # Query keeps its ORDER BY in `_order_by_clauses` (SQLAlchemy 2.0 and 2.1); no public accessor.
    if not name or tuple(getattr(query, "_order_by_clauses", ())):
        return query
    return query.order_by(*clauses_of(store.model_class).ranked)


def search_rank(model: Any) -> Any:
    """
    How well each row matched the words of a search by words, smaller first (FTS5's bm25 with the
    model's declared weights; on PostgreSQL, minus their weighted sum of `ts_rank`): for a store's
    `_order_by` that mixes rank with an order of its own.

    Valid only in a query given words (`q=` or `match=`): SQLite refuses bm25 anywhere else, and
    PostgreSQL has no words to rank by.

    """
    index = index_of(model)
    if index is None:
        raise SearchNotDeclaredError(
            f"dataset {_data_set(model)!r}: {getattr(model, '__name__', model)} declares no searchable columns, "
            "so its rows have no search rank; declare them in the model (__search__ = ('name', ...))"
        )
    return clauses_of(model).rank


def check_applied(store: Any, query: Query[Any], kwargs: Mapping[str, Any]) -> None:
    """Refuse a search by words whose query never went through the words (an overridden `_search_query`)."""
    if not given(kwargs) or index_of(store.model_class) is None:
        return
    if _MATCHED not in query.get_execution_options():
        raise SearchError(
            f"dataset {_data_set(store.model_class)!r}: {type(store).__name__}._search_query builds its own query, "
            "so the words asked for (q=, match=) were not applied; call super()._search_query() in it, "
            "or apply _word_search.filter_by_words to its query"
        )


#: The bound parameter the words are passed in.
WORDS: Final = "microcosm_sqlite_words"


class _Clauses:
    """An index's SQL pieces, built once: rebuilding them on every search cost a third of its time."""

    def __init__(self, index: SearchIndex, primary_key: list[Any], columns: Any) -> None:
        self.fts = table(index.name, column("rowid"), column(index.name))
        rowid: Any = literal_column(f"{quote(index.table)}.rowid")
        self.join_on = self.fts.c.rowid == rowid
        self.matches = self.fts.c[index.name].op("MATCH")(bindparam(WORDS, type_=String()))
        # The weights are written into the SQL, as constants of the index: bound, each would be
        # converted to a float again on every search.
        weights: Any = (literal_column(repr(weight)) for weight in index.weights)
        bm25 = func.bm25(literal_column(quote(index.name)), *weights)
        # bm25 on SQLite; on PostgreSQL, the declared-weight sum of ts_rank (`_server_search`).
        self.rank = _server_search.Rank(bm25, [columns[name] for name in index.columns], index.weights, WORDS)
        self.ranked = (self.rank, *primary_key)


#: Per model table (its own Table object: another dataset's table of the same name is another key).
_clauses: "WeakKeyDictionary[Table, _Clauses]" = WeakKeyDictionary()


def clauses_of(model: Any) -> _Clauses:
    table_ = model.__table__
    clauses = _clauses.get(table_)
    if clauses is None:
        index = search_index(table_)
        assert index is not None
        clauses = _clauses[table_] = _Clauses(index, list(table_.primary_key.columns), table_.c)
    return clauses


def _expression(model: Any, q: Any, match: Any, prefix: bool) -> str | None:
    parts = []
    for name, value in (("q", q), ("match", match)):
        if value is not None and not isinstance(value, str):
            raise SearchError(f"dataset {_data_set(model)!r}: {name}= must be text, not {type(value).__name__}")
    if q is not None:
        words = match_words(q, prefix=prefix)
        if words is None:
            return None
        parts.append(words)
    if match is not None:
        parts.append(match)
    if len(parts) == 1:
        return parts[0]
    return " AND ".join(f"({part})" for part in parts)


def engine_of(session: Session, model: Any) -> Engine:
    """The engine the session reads the model's rows from."""
    bind = session.get_bind(mapper=inspect(model))
    return bind.engine if isinstance(bind, Connection) else bind


def _filter_on_server(
    query: Query[Any], model: Any, index: SearchIndex, engine: Engine, q: Any, match: Any, prefix: bool
) -> Query[Any]:
    """`filter_by_words` on PostgreSQL: PostgreSQL's text search (`_server_search`); `match=` is refused."""
    if match is not None:
        raise SearchNotSupportedError(
            f"dataset {_data_set(model)!r}: match= passes FTS5 query syntax, which only SQLite reads, and this "
            "dataset is on postgresql; pass the words as q= (prefix=True for autocomplete)"
        )
    if not isinstance(q, str):
        raise SearchError(f"dataset {_data_set(model)!r}: q= must be text, not {type(q).__name__}")
    _server_search.check_index(query.session, model, index, engine, _data_set(model))
    words = _server_search.words_query(q, prefix=prefix)
    table_ = model.__table__
    # Words asked for and none given ("", "*"): nothing matches, rather than every row.
    matches = (
        false()
        if words is None
        else _server_search.Matches([table_.c[name] for name in index.columns], index.weights, WORDS)
    )
    return query.filter(matches).params({WORDS: words or ""}).execution_options(**{_MATCHED: index.name})


def check_can_search(session: Session, model: Any, index: SearchIndex, engine: Engine) -> None:
    """The dataset is SQLite and its file has the index; the typed error otherwise."""
    if engine.dialect.name != "sqlite":
        raise SearchNotSupportedError(
            f"dataset {_data_set(model)!r}: searching by words (q=, match=) needs SQLite's FTS5 or PostgreSQL, and "
            f"this dataset is on {engine.dialect.name}; filter by column values instead, or read the SQLite artifact"
        )
    present = _present.setdefault(engine, set())
    if index.name in present:
        return
    # A look at the schema flushes nothing: pending changes are the search's own query's to flush,
    # or not, whichever path runs it.
    with session.no_autoflush:
        found = session.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
            {"name": index.name},
            bind_arguments={"mapper": inspect(model)},
        ).first()
    if found is None:
        raise SchemaMismatchError(
            f"table {index.table!r} has no search index ({index.name}), though "
            f"{getattr(model, '__name__', model)}.__search__ declares one",
            data_set=_data_set(model),
            path=engine.url.database,
            hint="build the dataset with build_artifact (or ArtifactBuild), which creates the index; "
            "a file made by create_all has none",
        )
    present.add(index.name)


def _check_syntax(query: Query[Any], model: Any, index: SearchIndex, expression: str) -> None:
    """
    Parse a raw FTS5 query before the search runs, so bad syntax is `SearchSyntaxError` when
    `search()` is called, not an SQLite error in the middle of iterating.

    FTS5 parses the expression whatever the other constraints, and `rowid = 0` reads no row.

    """
    statement = text(f"SELECT count(*) FROM {quote(index.name)} WHERE {quote(index.name)} MATCH :match AND rowid = 0")
    try:
        query.session.execute(statement, {"match": expression}, bind_arguments={"mapper": inspect(model)})
    except DBAPIError as error:
        # FTS5 reports every flaw of the query ("fts5: syntax error", "unterminated string", "no such
        # column") as a plain SQLITE_ERROR; a busy or damaged file has codes of its own.
        if getattr(error.orig, "sqlite_errorcode", None) != sqlite3.SQLITE_ERROR:
            raise
        message = str(error.orig)
        raise SearchSyntaxError(
            f"dataset {_data_set(model)!r}: match={expression!r} is not a valid FTS5 query ({message}); "
            f"see https://www.sqlite.org/fts5.html#full_text_query_syntax (columns: {', '.join(index.columns)}), "
            "or pass the user's words as q=, which never fails"
        ) from None
