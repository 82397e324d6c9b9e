"""
Searches by words that skip the store's hooks, where skipping them cannot show.

A ranked `search(q="heathrow", limit=10)` through the hooks spends ten times SQLite's own time
around it: the hooks build the query, and SQLAlchemy compiles it and keys it, on every call. On a
store whose hooks are all the library's own (`microcosm_sqlite._hooks.search_safe`), the query
they would build follows from the keywords alone: the model's rows joined to its search index,
each auto filter an equality, the words matched, bm25 with the declared weights then the primary
key, then offset and limit. This module builds that very statement once per shape (which auto
filters are given, whether offset and limit are) and dialect, and binds each call's values to it
when `search()` is called; the rows are streamed and loaded into the session as the ORM loads
them (`_searches.Prepared`), or, when the limit fits in one batch (the autocomplete `limit=10`),
fetched at once. `first(q=...)` is the same statement with a limit of 1, and `count(q=...)` and
`len()` count it as a subquery, as `Query.count()` does.

Around a search this small, every check costs as much as a share of SQLite's work, so what a
store class allows (its hooks, keywords and model) is judged once per class, and kept while the
class keeps the same ones; only what can change between two calls is looked at on each (hooks set
on the store object, the keywords, the session and its file).

It declines, and the store builds its query through the hooks, for `match=` (raw syntax is
checked by running it first), auto filters on anything but a column of the model's table, values
that are not plain ints and strings (or that a column converts before binding), and, when the
search is iterated, whatever `_lookups.fast_connection` declines for (pending changes, listeners,
logging, a query class of the session's own).

"""

import operator
import sqlite3
import weakref
from collections.abc import Callable, Mapping
from typing import Any, Final
from weakref import WeakKeyDictionary

from sqlalchemy import Integer, bindparam, func, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapper, Session

from microcosm_sqlite import _word_search
from microcosm_sqlite._filters import store_filters
from microcosm_sqlite._fulltext import match_words
from microcosm_sqlite._hooks import ALL_HOOKS, hooks_of, search_safe
from microcosm_sqlite._lookups import PLAIN_VALUES, fast_connection, lookup_plan, mapper_of
from microcosm_sqlite._searches import CompiledSearch, Prepared, compile_search, plain_positions

__all__ = ["WordSearch", "plan_word_search"]

#: How one shape is told apart: the model, the auto-filtered columns in keyword order, and
#: whether offset and limit are given.
ShapeKey = tuple[type, tuple[Any, ...], bool, bool]

#: `Session.info` key: the session's bind, and for each searchable table whether its search may skip the hooks.
_SEARCHABLE: Final = "microcosm_sqlite.searchable"

#: A shape's statement, compiled: the search, the values the dialect binds on its own, and what
#: picks a search's parameters in the statement's order.
_Compiled = tuple[CompiledSearch, dict[str, Any], Callable[[dict[str, Any]], tuple[Any, ...]]]

#: A shape's count, compiled: its SQL, the values the dialect binds on its own, and the picker.
_CompiledCount = tuple[str, dict[str, Any], Callable[[dict[str, Any]], tuple[Any, ...]]]

# Per dialect (one per engine), so statements go away with disposed engines.
_compiled: "WeakKeyDictionary[Dialect, dict[ShapeKey, _Compiled | None]]" = WeakKeyDictionary()
_counts: "WeakKeyDictionary[Dialect, dict[ShapeKey, _CompiledCount | None]]" = WeakKeyDictionary()


class WordSearch:
    """One search by words, its hooks skipped: run when iterated, declining then if it must."""

    __slots__ = ("dialect", "mapper", "parameters", "search", "session", "shape", "values")

    def __init__(
        self,
        session: Session,
        mapper: Mapper[Any],
        dialect: Dialect,
        shape: ShapeKey,
        values: dict[str, Any],
        search: CompiledSearch,
        parameters: tuple[Any, ...],
    ) -> None:
        self.session = session
        self.mapper = mapper
        self.dialect = dialect
        self.shape = shape
        self.values = values
        self.search = search
        self.parameters = parameters

    def _driver_connection(self) -> Any:
        """The session's SQLite connection, if running SQL past the ORM would go unnoticed now."""
        connection = fast_connection(self.session, self.mapper)
        if connection is None or connection.dialect is not self.dialect:
            return None
        return connection.driver

    def count(self) -> int | None:
        """How many rows the search gives (within its offset and limit), or None to decline."""
        dbapi_connection = self._driver_connection()
        if dbapi_connection is None:
            return None
        counts = _counts.get(self.dialect)
        if counts is None:
            counts = _counts[self.dialect] = {}
        try:
            counting = counts[self.shape]
        except KeyError:
            counting = counts[self.shape] = _compile_count(self.shape, self.dialect)
        if counting is None:
            return None
        sql, constants, parameters_of = counting
        try:
            row = dbapi_connection.execute(sql, parameters_of({**constants, **self.values})).fetchone()
        except sqlite3.Error:
            return None  # the ordinary path raises the library's translated error
        return int(row[0])

    def prepare(self) -> Prepared | None:
        """The search ready to run past the ORM, or None when the query must go through it."""
        dbapi_connection = self._driver_connection()
        if dbapi_connection is None:
            return None
        return Prepared(self.session, dbapi_connection, self.search, self.parameters)

    def fetch_all(self) -> list[Any] | None:
        """Every row, fetched at once past the ORM; None to decline (the query then runs)."""
        prepared = self.prepare()
        if prepared is None:
            return None
        try:
            return prepared.all()
        except sqlite3.Error:
            return None  # the ordinary path raises the library's translated error


class _StoreClass:
    """
    What a store class's word searches need to know of it, judged once: kept while the class has
    the same hooks, auto filter fields, accepted filters and model (what `search_safe` and
    `store_filters` judge by).

    """

    __slots__ = ("accepted", "checks", "declared", "fields", "hooks", "index", "mapper", "model")

    def __init__(self, store: Any) -> None:
        store_class = type(store)
        self.hooks = hooks_of(store_class)
        self.fields = store.auto_filter_fields
        self.declared = getattr(store, "accepted_filters", None)
        self.model = model = store.model_class
        accepted, self.checks = store_filters(store)
        self.index = _word_search.index_of(model)
        searchable = (
            accepted is not None and self.index is not None and isinstance(model, type) and search_safe(store_class)
        )
        # None: the class's searches run its hooks. Otherwise the keywords its searches may take.
        self.accepted = accepted | frozenset(_word_search.KEYWORDS) if searchable and accepted is not None else None
        self.mapper = mapper_of(model) if searchable else None


_store_classes: dict[type, _StoreClass] = {}


def plan_word_search(
    store: Any, offset: Any, limit: Any, kwargs: Mapping[str, Any], ignored: tuple[str, ...] = ()
) -> WordSearch | None:
    """
    The search by `q=` the store's hooks would build, without calling them; None to decline (the
    store then checks its keywords, and its hooks build the query). `ignored`: keywords the caller
    accepts and leaves out (a count's offset and limit).

    Raises as the hooks would for a search that cannot run: an SQLite file without the index.

    """
    q = kwargs.get("q")
    if type(q) is not str or kwargs.get("match") is not None:
        return None
    store_class = type(store)
    known = _store_classes.get(store_class)
    if (
        known is None
        or known.model is not store.model_class
        or known.fields is not store.auto_filter_fields
        or known.declared is not getattr(store, "accepted_filters", None)
        or known.hooks != hooks_of(store_class)
    ):
        known = _store_classes[store_class] = _StoreClass(store)
    accepted = known.accepted
    own = getattr(store, "__dict__", None)
    if accepted is None or (own and not own.keys().isdisjoint(ALL_HOOKS)):
        return None  # hooks of its class's own, or set on the store itself
    # Only keywords `check_filters` lets through without a word; any other is its to refuse.
    checks = known.checks
    for name, value in kwargs.items():
        if name not in accepted and name not in ignored:
            return None
        if checks and name in checks and value is not None:
            return None
    model, mapper = known.model, known.mapper
    assert mapper is not None  # a class whose searches may skip its hooks has one
    session = store.session
    searchable = _searchable_file(session, mapper, known.index)
    if searchable is None:
        return None
    dialect, statements = searchable
    # The very filters the library's `_auto_filter` applies: the hooks are the library's own.
    filters = store._auto_filters(kwargs) if known.fields else ()
    columns: tuple[Any, ...] = ()
    if filters:
        # Each a plain `column = ?` on a column the search loads: not a relationship or expression.
        plan = lookup_plan(model, dialect)
        if plan is None:
            return None
        for column, value in filters:
            # "\x00": the hooks ask the session's dialect about such a value (see `Store._auto_filter`).
            if not plan.loads(column) or type(value) not in PLAIN_VALUES:
                return None
            if type(value) is str and "\x00" in value:
                return None
        columns = tuple(column for column, _ in filters)
    for value in (offset, limit):
        if value is not None and type(value) is not int:
            return None  # the ordinary path binds (or refuses) anything else
    shape = (model, columns, offset is not None, limit is not None)
    try:
        statement = statements[shape]
    except KeyError:
        statement = statements[shape] = _compile(shape, dialect)
    if statement is None:
        return None
    search, constants, parameters_of = statement
    words = match_words(q, prefix=bool(kwargs.get("prefix")))
    # This search's own values; `constants` are the statement's, which its count has its own of.
    values = {_word_search.WORDS: _word_search.NOTHING if words is None else words}
    for position, (_, value) in enumerate(filters):
        values[f"filter_{position}"] = value
    if offset is not None:
        values["offset"] = offset
    if limit is not None:
        values["limit"] = limit
    return WordSearch(session, mapper, dialect, shape, values, search, parameters_of({**constants, **values}))


def _searchable_file(session: Session, mapper: Mapper[Any], index: Any) -> tuple[Dialect, dict[Any, Any]] | None:
    """
    The dialect, and its compiled statements, when the model's rows are in an SQLite file with its
    search index (None: elsewhere); looked up once per session and table. An SQLite file without
    the index raises, as the hooks' query would.

    """
    known = session.info.get(_SEARCHABLE)
    if known is None or known[0]() is not session.bind:
        # A weak reference: a session repointed to another file must not keep the old engine.
        known = session.info[_SEARCHABLE] = (_reference(session.bind), dict[Any, Any]())
    table = mapper.local_table
    try:
        return known[1][table]  # type: ignore[no-any-return]
    except KeyError:
        pass
    engine = _word_search.engine_of(session, mapper.class_)
    searchable = None
    if engine.dialect.name == "sqlite":  # a server's search is its own (see `_word_search`)
        _word_search.check_can_search(session, mapper.class_, index, engine)
        statements = _compiled.get(engine.dialect)
        if statements is None:
            statements = _compiled[engine.dialect] = {}
        searchable = (engine.dialect, statements)
    known[1][table] = searchable
    return searchable


def _reference(bind: Any) -> Callable[[], Any]:
    return (lambda: None) if bind is None else weakref.ref(bind)


def _compile(shape: ShapeKey, dialect: Dialect) -> _Compiled | None:
    """
    The shape's statement compiled; the values the dialect binds for it on its own (OFFSET 0); and
    what picks the statement's parameters, in its order, from those and a search's values.

    """
    search = compile_search(shape[0], _statement(shape), dialect)
    if search is None:
        return None
    return search, *_binding(search.compiled, search.positions, shape)


def _compile_count(shape: ShapeKey, dialect: Dialect) -> _CompiledCount | None:
    """The count of a shape's rows, as `Query.count()` counts them: the search as a subquery."""
    model, columns, has_offset, has_limit = shape
    statement = _statement(shape)
    if not (has_offset or has_limit):
        statement = statement.order_by(None)  # an order changes no count, and costs bm25 per row
    compiled = select(func.count()).select_from(statement.subquery()).compile(dialect=dialect)
    positions = plain_positions(compiled, dialect)
    if positions is None:
        return None
    return compiled.string, *_binding(compiled, positions, shape)


def _binding(
    compiled: Any, positions: tuple[str, ...], shape: ShapeKey
) -> tuple[dict[str, Any], Callable[[dict[str, Any]], tuple[Any, ...]]]:
    """The values a compiled shape binds on its own, and what picks its parameters in order."""
    model, columns, has_offset, has_limit = shape
    per_call = [_word_search.WORDS, *(f"filter_{position}" for position in range(len(columns)))]
    per_call += ["offset"] * has_offset + ["limit"] * has_limit
    constants = compiled.construct_params(dict.fromkeys(per_call))
    pick = operator.itemgetter(*positions)
    if len(positions) == 1:
        return constants, lambda values: (pick(values),)
    return constants, pick


def _statement(shape: ShapeKey) -> Any:
    """The statement the library's hooks build for a search of this shape (see `Store._search_query`)."""
    model, columns, has_offset, has_limit = shape
    clauses = _word_search.clauses_of(model)
    statement: Any = (
        select(model)
        .where(*(column == bindparam(f"filter_{position}") for position, column in enumerate(columns)))
        .join(clauses.fts, clauses.join_on)
        .where(clauses.matches)
        .order_by(*clauses.ranked)
    )
    if has_limit:
        statement = statement.limit(bindparam("limit", type_=Integer()))
    if has_offset:
        statement = statement.offset(bindparam("offset", type_=Integer()))
    return statement
