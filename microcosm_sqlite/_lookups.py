"""
Lookups by a unique column that skip the ORM query pipeline when nothing could tell the difference.

`Store.one(id=...)` through `Query.one()` spends about 100 µs building, caching, compiling and
executing an ORM statement around a 3 µs SQLite lookup: 30x the stdlib. For the commonest call of
all, one primary key or other unique column through hooks that cannot change a single-row result
(see `microcosm_sqlite._hooks`), this module runs one prepared SELECT on the session's own DBAPI
connection and puts the row into the session as a persistent instance, the way a query would have
loaded it (same identity map, lazy relationships, type conversion). `load_rows` does the same for
the rows of a search (`microcosm_sqlite._searches`).

It declines, and the caller takes the ordinary path, whenever a difference could show: pending
changes (a query would autoflush them first), a session query class of its own or a
`before_compile` listener on queries, mappers with inheritance, deferred or computed columns,
eagerly loaded relationships or `always_refresh`, reconstructors or load events, session or engine
event listeners other than the read-only guard, SQL echo or logging, values that need bind
conversion, an identity-map object with expired attributes (a query would refresh it), more than
one row, or any DBAPI error (the ordinary path then raises the library's translated error).

"""

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, NamedTuple
from weakref import WeakKeyDictionary

from sqlalchemy import Column, Table, UniqueConstraint, inspect
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Mapper, Query, Session
from sqlalchemy.orm.attributes import instance_dict, instance_state, set_committed_value

from microcosm_sqlite._sqlalchemy_internals import FOUND

# The fast paths lean on a few SQLAlchemy internals (see `load_rows`), looked up defensively in
# `_sqlalchemy_internals`. Should a SQLAlchemy release rename them, lookups quietly take the
# ordinary query path instead of failing.
IDENTITY_MAP_CLASS: Final = FOUND.identity_map_class
session_is_clean: Final = FOUND.session_is_clean
add_unpresent: Final = FOUND.add_unpresent

#: Returned by `find_unique` when the row does not exist.
NOT_FOUND: Final = object()

# Values SQLite binds exactly as SQLAlchemy would (bool is excluded by the exact type test).
PLAIN_VALUES: Final = (int, str)

# Relationship loader strategies that load nothing while a row is loaded, only on access (if
# ever). Any other (joined, selectin, subquery, immediate, noload) acts at load time, which this
# path does not: an object detached after `one()` would lack what a query had loaded.
LOADED_ON_ACCESS: Final = frozenset({"select", True, "raise", "raise_on_sql", "dynamic", "write_only"})

# Marks event listeners that never change what a SELECT returns (the read-only write guard).
SELECT_SAFE: Final = "_microcosm_sqlite_select_safe"


def select_safe(listener: Callable[..., Any]) -> Callable[..., Any]:
    """Declare that a `do_orm_execute` listener leaves SELECTs alone, so lookups may bypass it."""
    setattr(listener, SELECT_SAFE, True)
    return listener


def orm_listeners_are_select_safe(session: Session) -> bool:
    """Whether every `do_orm_execute` listener of `session` leaves SELECTs alone (or there is none)."""
    # A loop, not all() over a generator: asked on every search and lookup past the ORM.
    for listener in session.dispatch.do_orm_execute:
        if not getattr(listener, SELECT_SAFE, False):
            return False
    return True


@dataclass(frozen=True)
class LookupPlan:
    """How to load one model from a plain SELECT of its columns on one dialect: prepared once."""

    mapper: Mapper[Any]
    manager_events: Any  # the class manager's dispatch: load and refresh listeners
    #: "SELECT <every column> FROM <table>", as the dialect's compiler writes it.
    select: str
    keys: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...] | None
    primary_key_index: int
    identity_class: type
    #: By id() of a unique column or of its mapped attribute: that column, and the SELECT by it.
    unique: dict[int, tuple[Any, str]]
    #: By id() of each column the plan loads, and of its mapped attribute: that column or attribute.
    loaded: dict[int, Any]

    def loads(self, column: Any) -> bool:
        """Whether `column` (a mapped attribute or a table column) is one of the plan's own columns."""
        # By identity: == on columns builds SQL expressions.
        return self.loaded.get(id(column)) is column

    def lookup_sql(self, column: Any) -> str | None:
        """The SELECT by `column` (a mapped attribute or a table column), if it is unique."""
        found = self.unique.get(id(column))
        # By identity: == on columns builds SQL expressions.
        return found[1] if found is not None and found[0] is column else None


# Per dialect (one per engine), so plans go away with disposed engines.
_plans: "WeakKeyDictionary[Dialect, dict[type, LookupPlan | None]]" = WeakKeyDictionary()


def lookup_plan(model_class: type, dialect: Dialect) -> LookupPlan | None:
    """The plan for `model_class` on `dialect`, or None when its mapping is not a plain table."""
    plans = _plans.get(dialect)
    if plans is None:
        plans = _plans.setdefault(dialect, {})
    try:
        return plans[model_class]
    except KeyError:
        plan = plans[model_class] = _make_plan(model_class, dialect)
        return plan


def _unique_columns(table: Table) -> list[Column[Any]]:
    """The columns whose value alone picks at most one row: the primary key, and any unique one."""
    unique = [column for column in table.columns if column.primary_key or column.unique]
    if len(table.primary_key.columns) > 1:
        unique = [column for column in unique if not column.primary_key]
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint) and len(constraint.columns) == 1:
            unique += constraint.columns
    for index in table.indexes:
        # A unique index on the column itself; an expression index is no help to `column = ?`.
        if index.unique and len(index.expressions) == 1 and isinstance(index.expressions[0], Column):
            unique.append(index.expressions[0])
    return list(dict.fromkeys(unique))


def _make_plan(model_class: type, dialect: Dialect) -> LookupPlan | None:
    mapper: Mapper[Any] = inspect(model_class)
    table = mapper.local_table
    plain = (
        dialect.name == "sqlite"
        and dialect.paramstyle == "qmark"
        and isinstance(table, Table)
        and mapper.inherits is None
        and mapper.polymorphic_on is None
        and not mapper.always_refresh
        and len(mapper.primary_key) == 1
        and all(relationship.lazy in LOADED_ON_ACCESS for relationship in mapper.relationships)
    )
    if not plain:
        return None
    assert isinstance(table, Table)
    keys, columns = [], []
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if len(prop.columns) != 1 or prop.deferred or not isinstance(column, Column) or column.table is not table:
            return None
        keys.append(prop.key)
        columns.append(column)
    primary_key = mapper.primary_key[0]
    # By identity: == on columns builds SQL expressions.
    index = next((i for i, column in enumerate(columns) if column is primary_key), None)
    if index is None:
        return None
    processors = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
    quote = dialect.identifier_preparer
    # Written as SQLAlchemy's compiler writes it (qualified names, a line break before FROM), so a
    # search's compiled SQL that starts with it selects exactly these columns from this table.
    select = (
        f"SELECT {', '.join(f'{quote.format_table(table)}.{quote.format_column(column)}' for column in columns)} "
        f"\nFROM {quote.format_table(table)}"
    )
    loaded: dict[int, Any] = {}
    for key, column in zip(keys, columns):
        attribute = getattr(model_class, key)
        loaded[id(column)] = column
        loaded[id(attribute)] = attribute
    unique: dict[int, tuple[Any, str]] = {}
    for column in _unique_columns(table):
        # By identity: == on columns builds SQL expressions.
        position = next((i for i, mapped in enumerate(columns) if mapped is column), None)
        if position is None or column.type.dialect_impl(dialect).bind_processor(dialect) is not None:
            continue
        sql = f"{select} WHERE {quote.format_table(table)}.{quote.format_column(column)} = ?"
        attribute = getattr(model_class, keys[position])
        unique[id(column)] = (column, sql)
        unique[id(attribute)] = (attribute, sql)
    return LookupPlan(
        mapper=mapper,
        manager_events=mapper.class_manager.dispatch,
        select=select,
        keys=tuple(keys),
        processors=processors if any(processors) else None,
        primary_key_index=index,
        identity_class=mapper.identity_key_from_primary_key((None,))[0],
        unique=unique,
        loaded=loaded,
    )


#: The events of every legacy `Query`: a listener added to the class later shows here too.
_QUERY_EVENTS: Final[Any] = Query([]).dispatch

#: `Session.info` key: the session's transaction, and what it gave for each mapper (`FastConnection`).
_CONNECTIONS: Final = "microcosm_sqlite.connections"


class FastConnection(NamedTuple):
    """A session's connection, and its SQLite driver connection when statements may run on it past the ORM."""

    connection: Connection
    dialect: Dialect
    #: None: not SQLite, or its SQL is logged (`echo`, or logging for sqlalchemy.engine configured
    #: when it was made: what SQLAlchemy decides by for the connection's life).
    driver: Any


def _connection(session: Session, mapper: Mapper[Any]) -> FastConnection:
    """`session.connection()` for `mapper`, remembered for as long as the session's transaction lasts."""
    # Session.connection() resolves the bind and walks the transaction every time: a tenth of a
    # lookup. Within one transaction it gives the same connection for the same mapper.
    # An inactive transaction (a failed flush) is Session.connection()'s to refuse.
    transaction = session.get_transaction()
    remembered: tuple[Any, dict[Mapper[Any], FastConnection]] | None = session.info.get(_CONNECTIONS)
    if transaction is not None and remembered is not None and remembered[0] is transaction and transaction.is_active:
        found = remembered[1].get(mapper)
        if found is not None and not found.connection.closed and not found.connection.invalidated:
            return found
    connection = session.connection(bind_arguments={"mapper": mapper})
    transaction = session.get_transaction()
    if remembered is None or remembered[0] is not transaction:
        remembered = session.info[_CONNECTIONS] = (transaction, {})
    echo = getattr(connection, "_echo", None)
    if echo is None:
        echo = connection.engine.logger.isEnabledFor(logging.INFO)
    sqlite = connection.dialect.name == "sqlite"  # the statements are SQLite's, run on its stdlib driver
    driver = connection.connection.driver_connection if sqlite and not echo else None
    found = remembered[1][mapper] = FastConnection(connection, connection.dialect, driver)
    return found


def fast_connection(session: Session, mapper: Mapper[Any]) -> FastConnection | None:
    """
    The session's connection for `mapper`, if a statement run past the ORM would go unnoticed.

    None when the ORM must run it: changes to flush first, a SQLAlchemy without the internals
    needed, SQL that is logged, or anything listening to statements or loads (but the read-only
    guard).

    """
    # Asked on every search and lookup past the ORM: each test is as cheap as it can be made.
    if (
        session_is_clean is None
        or type(session.identity_map) is not IDENTITY_MAP_CLASS
        or not session_is_clean(session)
    ):
        return None
    # A query's loading fires loaded_as_persistent, which this path does not (nor any attach event).
    if session.dispatch.loaded_as_persistent or not orm_listeners_are_select_safe(session):
        return None
    # A query class of the session's own, or a `before_compile` listener (the recipe for filters
    # every query gets), may change what any query returns.
    if getattr(session, "_query_cls", None) is not Query or _QUERY_EVENTS.before_compile:
        return None
    manager_events = mapper.class_manager.dispatch
    if manager_events.load or manager_events.refresh:
        return None
    found = _connection(session, mapper)
    if found.driver is None:
        return None
    connection = found.connection
    # Connection events on the engine, its class or this connection: SQLAlchemy's own test for
    # dispatching any, then the ones a statement would fire.
    if getattr(connection, "_has_events", True) or getattr(connection.engine, "_has_events", True):
        statement_events = connection.dispatch
        if (
            statement_events.before_cursor_execute
            or statement_events.after_cursor_execute
            or statement_events.before_execute
            or statement_events.after_execute
        ):
            return None
    # A dialect listener that runs statements itself (`do_execute`) sees every statement too.
    dialect = found.dialect
    if getattr(dialect, "_has_events", True):
        dialect_events = dialect.dispatch
        if dialect_events.do_execute or dialect_events.do_execute_no_params:
            return None
    return found


# inspect() on a class costs a microsecond, a sizeable part of a lookup.
_mappers: dict[type, Mapper[Any]] = {}


def mapper_of(model_class: type) -> Mapper[Any]:
    """`inspect(model_class)`, remembered."""
    mapper = _mappers.get(model_class)
    if mapper is None:
        mapper = _mappers[model_class] = inspect(model_class)
    return mapper


def find_unique(session: Session, model_class: type, column: Any, value: Any) -> Any:
    """
    The instance whose unique `column` equals `value`, `NOT_FOUND`, or None to decline.

    `column` is what the store filters on (a mapped attribute or a table column): the primary key
    or any column with a unique constraint or unique index of its own.

    """
    if type(value) not in PLAIN_VALUES:
        return None
    connection = fast_connection(session, mapper_of(model_class))
    if connection is None:
        return None
    plan = lookup_plan(model_class, connection.dialect)
    sql = None if plan is None else plan.lookup_sql(column)
    if plan is None or sql is None:
        return None
    dbapi_connection = connection.driver
    try:
        rows = dbapi_connection.execute(sql, (value,)).fetchmany(2)
    except sqlite3.Error:
        return None
    if not rows:
        return NOT_FOUND
    if len(rows) > 1:
        return None
    row = rows[0]
    if plan.processors is not None:
        row = tuple(value if process is None else process(value) for process, value in zip(plan.processors, row))
    identity = (plan.identity_class, (row[plan.primary_key_index],), None)
    identity_map = session.identity_map
    existing = identity_map.get(identity)
    if existing is not None:
        # A query returns the object already in the session; it would also refresh expired attributes.
        return None if instance_state(existing).expired_attributes else existing
    # As `load_rows` does for a new identity, inlined: this is most of a lookup's own work.
    instance = plan.mapper.class_manager.new_instance()
    state = instance_state(instance)
    state.key = identity
    state.identity_token = None
    state.session_id = session.hash_key
    add_unpresent(identity_map, state, identity)  # type: ignore[misc]
    instance_dict(instance).update(zip(plan.keys, row))
    return instance


def load_rows(session: Session, plan: LookupPlan, rows: list[tuple[Any, ...]]) -> list[Any]:
    """
    The instances for `rows` (every column of the plan, in its order), as a query loads them.

    What a query does with each row, step for step (sqlalchemy/orm/loading.py, `_instance`): an
    identity already in the session gives the object there, its unloaded (expired) attributes
    filled from the row; a new one becomes a persistent instance in the identity map, its values
    set as loaded (no history). The public detour through make_transient_to_detached and
    Session.add costs more than the SELECT itself (cascades, history, attach events).

    """
    assert add_unpresent is not None
    processors = plan.processors
    if processors is not None:
        rows = [
            tuple(value if process is None else process(value) for process, value in zip(processors, row))
            for row in rows
        ]
    identity_map = session.identity_map
    get = identity_map.get
    new_instance = plan.mapper.class_manager.new_instance
    identity_class, index, keys = plan.identity_class, plan.primary_key_index, plan.keys
    session_id = session.hash_key
    instances: list[Any] = []
    append = instances.append
    for row in rows:
        identity = (identity_class, (row[index],), None)
        existing = get(identity)
        if existing is not None:
            unloaded = instance_state(existing).unloaded
            if unloaded:
                for key, value in zip(keys, row):
                    if key in unloaded:
                        set_committed_value(existing, key, value)
            append(existing)
            continue
        instance = new_instance()
        state = instance_state(instance)
        state.key = identity
        state.identity_token = None
        state.session_id = session_id
        add_unpresent(identity_map, state, identity)
        # Loaded values go straight into the instance dict, as column loaders do: no attribute history.
        instance_dict(instance).update(zip(keys, row))
        append(instance)
    return instances
