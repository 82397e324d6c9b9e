"""
Searches run past the ORM's execution machinery, when nothing could tell the difference.

A small search through an ORM query spends most of its time around SQLite, not in it: building
the execution context, looking the compiled statement up, setting up the loading of rows. Plain
SQLAlchemy `select()` costs 4 to 6 times the stdlib for ten rows, and streaming (`yield_per`) adds
to it. Here the query the store's hooks built is still the one that runs, unchanged: its SQL is
compiled once per statement shape (keyed by the cache key SQLAlchemy's own compiled cache uses),
executed on the session's DBAPI connection with the values bound this time, and its rows loaded
into the session by `microcosm_sqlite._lookups.load_rows`, as the ORM loads them.

It declines, before running anything, whenever the ORM could do something this path does not:
everything `_lookups.fast_connection` declines for (pending changes, listeners, SQL logging...),
a mapping `_lookups.lookup_plan` cannot load, a query selecting anything but the store's whole
model (or more columns: eager joins), loader options or execution options (`populate_existing`,
`yield_per`...), values needing bind conversion or SQL rewritten at execution (`IN` lists), and
a SQLAlchemy lacking the internals (`microcosm_sqlite._sqlalchemy_internals`).

"""

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final
from weakref import WeakKeyDictionary

from sqlalchemy import Select, inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Query

from microcosm_sqlite._lookups import LookupPlan, fast_connection, load_rows, lookup_plan
from microcosm_sqlite._sqlalchemy_internals import FOUND

cache_key: Final = FOUND.cache_key
statement_options: Final = FOUND.statement_options

# Statement shapes remembered; past this many the cache starts again (SQLAlchemy's own compiled
# cache holds 500 per engine).
CACHE_SIZE: Final = 500


@dataclass(frozen=True)
class CompiledSearch:
    """One statement shape, compiled: its SQL and how to bind a statement of that shape."""

    plan: LookupPlan
    sql: str
    compiled: Any
    positions: tuple[str, ...]


class Shape:
    """What one statement shape selects (None: not a whole model), and its SQL on each dialect."""

    __slots__ = ("mapper", "model_class", "searches")

    def __init__(self, model_class: type | None) -> None:
        self.model_class = model_class
        self.mapper = None if model_class is None else inspect(model_class)
        self.searches: WeakKeyDictionary[Dialect, CompiledSearch | None] = WeakKeyDictionary()


# By cache key. A key is a large nested tuple, hashed and compared in full on every lookup: one
# lookup per search, everything a shape needs kept under it.
_shapes: dict[Any, Shape] = {}


class Prepared:
    """A search ready to run past the ORM: where, what, and with which values."""

    # A plain class with slots: made on every search, it costs a fifth of a frozen dataclass.
    __slots__ = ("connection", "parameters", "search", "session")

    def __init__(self, session: Any, connection: Any, search: CompiledSearch, parameters: tuple[Any, ...]) -> None:
        self.session = session
        self.connection = connection
        self.search = search
        self.parameters = parameters

    def rows(self, batch_size: int) -> Iterator[list[Any]]:
        """The matching instances, in batches of `batch_size` loaded as they are fetched."""
        cursor = self.connection.execute(self.search.sql, self.parameters)
        try:
            while True:
                rows = cursor.fetchmany(batch_size)
                if not rows:
                    return
                yield load_rows(self.session, self.search.plan, rows)
                if len(rows) < batch_size:
                    return  # fetchmany gives fewer rows only at the end: no need to ask again
        finally:
            cursor.close()

    def all(self) -> list[Any]:
        """Every matching instance, fetched at once."""
        cursor = self.connection.execute(self.search.sql, self.parameters)
        try:
            rows = cursor.fetchall()
        finally:
            cursor.close()
        return load_rows(self.session, self.search.plan, rows)

    def first(self) -> Any:
        """The first matching instance, or None."""
        cursor = self.connection.execute(self.search.sql, self.parameters)
        try:
            row = cursor.fetchone()
        finally:
            cursor.close()
        return None if row is None else load_rows(self.session, self.search.plan, [row])[0]


def prepare(query: Query[Any]) -> Prepared | None:
    """The query ready to run past the ORM, or None when only the ORM may run it."""
    if cache_key is None or query.load_options is not type(query).load_options:
        return None  # load options: populate_existing, yield_per, identity token...
    statement = query.statement
    if not isinstance(statement, Select) or statement.get_execution_options():
        return None
    key = cache_key(statement)
    if key is None:
        return None
    shape = _shapes.get(key.key)
    if shape is None:
        if len(_shapes) >= CACHE_SIZE:
            _shapes.clear()
        shape = _shapes[key.key] = Shape(_entity(query))
    model_class, mapper = shape.model_class, shape.mapper
    if model_class is None or mapper is None:
        return None
    session = query.session
    connection = fast_connection(session, mapper)
    if connection is None:
        return None
    dialect = connection.dialect
    try:
        search = shape.searches[dialect]
    except KeyError:
        search = shape.searches[dialect] = compile_search(model_class, statement, dialect, key)
    if search is None:
        return None
    dbapi_connection = connection.driver
    values = search.compiled.construct_params(extracted_parameters=key.bindparams)
    return Prepared(session, dbapi_connection, search, tuple(values[name] for name in search.positions))


def _entity(query: Query[Any]) -> type | None:
    descriptions = query.column_descriptions
    if len(descriptions) != 1:
        return None
    model_class = descriptions[0]["entity"]
    if descriptions[0]["expr"] is not model_class or not isinstance(model_class, type):
        return None  # a column, an aliased class, or no entity at all
    return model_class


def compile_search(
    model_class: type, statement: Select[Any], dialect: Dialect, key: Any = None
) -> CompiledSearch | None:
    """
    `statement` compiled for running past the ORM, or None when it must not: it selects more than
    the model's columns, binds values SQLAlchemy would convert or rewrites SQL at execution.
    `key`: the statement's cache key, when it has one already.

    """
    if statement_options is None:
        return None
    plan = lookup_plan(model_class, dialect)
    if plan is None or statement_options(statement):
        return None
    compiled = statement.compile(dialect=dialect, cache_key=key)
    sql = compiled.string
    # Every column of the model, from its table, and nothing more (an eager join would add some).
    if not (sql.startswith(plan.select) and sql[len(plan.select) : len(plan.select) + 1] in ("", " ", "\n")):
        return None
    positions = plain_positions(compiled, dialect)
    if positions is None:
        return None
    return CompiledSearch(plan, sql, compiled, positions)


def plain_positions(compiled: Any, dialect: Dialect) -> tuple[str, ...] | None:
    """
    The names of a compiled statement's parameters in the order its SQL takes them, or None when
    running its SQL with those values as given would not be what SQLAlchemy runs: values it
    converts before binding, or SQL it rewrites at execution (`IN` lists, literal values).

    """
    if compiled.literal_execute_params or compiled.post_compile_params or compiled.escaped_bind_names:
        return None
    binds = compiled.binds.values()
    if any(bind.type.dialect_impl(dialect).bind_processor(dialect) is not None for bind in binds):
        return None
    positions = compiled.positiontup
    return None if positions is None else tuple(positions)


#: `one_of` found nothing.
NONE: Final = object()
#: `one_of` found more than one distinct instance.
SEVERAL: Final = object()


def one_of(query: Query[Any]) -> Any:
    """
    What `query.one()` would return (`NONE`, `SEVERAL` or the instance), or None to decline.

    A legacy `Query` returns each object once, whatever joins repeat it: the instances are told
    apart by identity, and reading stops at the second distinct one, as `Query.one()` does.

    """
    prepared = prepare(query)
    if prepared is None:
        return None
    found: Any = NONE
    try:
        for batch in prepared.rows(2):
            for instance in batch:
                if found is NONE:
                    found = instance
                elif instance is not found:
                    return SEVERAL
    except sqlite3.Error:
        return None  # the ordinary path raises the library's translated error
    return found
