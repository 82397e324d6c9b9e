"""
Primary-key lookups that skip the ORM query pipeline when nothing could tell the difference.

`Store.one(id=...)` through `Query.one()` spends about 100 µs building, caching, compiling and
executing an ORM statement around a 3 µs SQLite lookup: 30x the stdlib. For the commonest call of
all, one primary key through the default hooks, this module runs one prepared SELECT on the
session's own DBAPI connection and puts the row into the session as a persistent instance, the way
a query would have loaded it (same identity map, lazy relationships, type conversion).

It declines, and the caller takes the ordinary path, whenever a difference could show: pending
changes (a query would autoflush them first), mappers with inheritance, deferred or computed
columns, eagerly loaded relationships or `always_refresh`, reconstructors or load events, session
or engine event listeners other than the read-only guard, SQL echo or logging, values that need
bind conversion, an identity-map object with expired attributes (a query would refresh it), more
than one row, or any DBAPI error (the ordinary path then raises the library's translated error).

"""

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final
from weakref import WeakKeyDictionary

from sqlalchemy import Column, ColumnElement, Table, inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.attributes import instance_dict, instance_state

from microcosm_sqlite._sqlalchemy_internals import FOUND

# The fast path leans on a few SQLAlchemy internals (see `_instance`), looked up defensively in
# `_sqlalchemy_internals`. Should a SQLAlchemy release rename them, lookups quietly take the
# ordinary query path instead of failing.
IDENTITY_MAP_CLASS: Final = FOUND.identity_map_class
session_is_clean: Final = FOUND.session_is_clean
add_unpresent: Final = FOUND.add_unpresent

#: Returned by `find_by_primary_key` when the row does not exist.
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
    listeners = session.dispatch.do_orm_execute
    return not listeners or all(getattr(listener, SELECT_SAFE, False) for listener in listeners)


@dataclass(frozen=True)
class LookupPlan:
    """How to fetch one model by primary key on one dialect: prepared once, used per call."""

    mapper: Mapper[Any]
    manager_events: Any  # the class manager's dispatch: load and refresh listeners
    sql: str
    keys: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...] | None
    primary_key: ColumnElement[Any]
    primary_key_attribute: Any
    primary_key_index: int


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
    if index is None or primary_key.type.dialect_impl(dialect).bind_processor(dialect) is not None:
        return None
    processors = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
    quote = dialect.identifier_preparer
    sql = (
        f"SELECT {', '.join(quote.format_column(column) for column in columns)} "
        f"FROM {quote.format_table(table)} WHERE {quote.format_column(primary_key)} = ?"
    )
    return LookupPlan(
        mapper=mapper,
        manager_events=mapper.class_manager.dispatch,
        sql=sql,
        keys=tuple(keys),
        processors=processors if any(processors) else None,
        primary_key=primary_key,
        primary_key_attribute=getattr(model_class, keys[index]),
        primary_key_index=index,
    )


def find_by_primary_key(session: Session, model_class: type, column: Any, value: Any) -> Any:
    """
    The instance whose primary key `column` equals `value`, `NOT_FOUND`, or None to decline.

    `column` is what the store filters on (a mapped attribute or a table column).

    """
    if (
        session_is_clean is None
        or add_unpresent is None
        or type(value) not in PLAIN_VALUES
        or type(session.identity_map) is not IDENTITY_MAP_CLASS
        or not session_is_clean(session)
    ):
        return None
    events = session.dispatch
    # A query's loading fires loaded_as_persistent, which this path does not (nor any attach event).
    if events.loaded_as_persistent or (events.do_orm_execute and not orm_listeners_are_select_safe(session)):
        return None
    connection = session.connection()
    plan = lookup_plan(model_class, connection.dialect)
    if plan is None or (column is not plan.primary_key_attribute and column is not plan.primary_key):
        return None
    manager_events = plan.manager_events
    engine = connection.engine
    if (
        manager_events.load
        or manager_events.refresh
        # `echo` or logging configured for sqlalchemy.engine: the statement must be logged.
        or engine.logger.isEnabledFor(logging.INFO)
        or engine.dispatch.before_cursor_execute
        or engine.dispatch.after_cursor_execute
    ):
        return None
    dbapi_connection = connection.connection.driver_connection
    if dbapi_connection is None:
        return None
    try:
        rows = dbapi_connection.execute(plan.sql, (value,)).fetchmany(2)
    except sqlite3.Error:
        return None
    if not rows:
        return NOT_FOUND
    if len(rows) > 1:
        return None
    return _instance(session, plan, rows[0], add_unpresent)


def _instance(
    session: Session, plan: LookupPlan, row: tuple[Any, ...], add_unpresent: Callable[[Any, Any, Any], None]
) -> Any:
    if plan.processors is not None:
        row = tuple(value if process is None else process(value) for process, value in zip(plan.processors, row))
    identity = plan.mapper.identity_key_from_primary_key((row[plan.primary_key_index],))
    identity_map = session.identity_map
    existing = identity_map.get(identity)
    if existing is not None:
        # A query returns the object already in the session; it would also refresh expired attributes.
        return None if instance_state(existing).expired_attributes else existing
    # What a query does with a row whose identity is new to the session, step for step
    # (sqlalchemy/orm/loading.py, `_instance`): the public detour through make_transient_to_detached
    # and Session.add costs more than the SELECT itself (cascades, history, attach events).
    instance = plan.mapper.class_manager.new_instance()
    state = instance_state(instance)
    state.key = identity
    state.identity_token = None
    state.session_id = session.hash_key
    add_unpresent(identity_map, state, identity)
    # Loaded values go straight into the instance dict, as column loaders do: no attribute history.
    instance_dict(instance).update(zip(plan.keys, row))
    return instance
