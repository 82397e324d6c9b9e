"""
The loading engine: sources into tables, in one transaction, or not at all.

Plain functions with no graph: the `sqlite_builder` front and the artifact build both call
`load_sources`. Rows go to SQLite through SQLAlchemy Core's `exec_driver_sql` with a list of
parameter tuples, which is the DB-API `executemany` of a compiled positional INSERT: no ORM objects,
no per-row statement compilation, and no bound-variable limit (one parameter set per row).

"""

import math
import os
import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from microcosm_sqlite._progress import observing, report_rows
from microcosm_sqlite.builders.foreign_keys import Locate, check_foreign_keys
from microcosm_sqlite.builders.rows import Converted, Target, given_by_name, plan_records, plan_rows
from microcosm_sqlite.builders.sources import Origin, Rows, SourceInput, open_text, reader_for, source_name
from microcosm_sqlite.errors import BadValueError, BuildError, DuplicateKeyError, MissingValueError

__all__ = ["DEFAULT_BATCH_SIZE", "SCHEMA_HINT", "Progress", "load_sources"]


#: Rows per executemany: large enough to amortise the call, small enough to keep memory flat.
DEFAULT_BATCH_SIZE = 5000

Progress = Callable[[str, int], None]

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

SCHEMA_HINT = "check that the schema was created from these models (Base.create_all(graph))"


def load_sources(
    engine: Engine,
    sources: Sequence[tuple[type, SourceInput]],
    *,
    data_set: str,
    defaults: Mapping[type, Mapping[str, Any]] | None = None,
    progress: Progress | None = None,
    format: str | None = None,
    delete_before_load: bool = False,
    foreign_keys: bool | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    ignore_columns: bool = False,
) -> dict[str, int]:
    """
    Load every source in ONE transaction with foreign keys deferred to commit.

    Each source is `(model class, path or file object)`; its format comes from `format` ("csv",
    "json", "jsonl") or the file name's suffix. `defaults` gives, per model, values for columns the
    source lacks or leaves empty (callables are called per row). With `delete_before_load`, the
    tables loaded are emptied first, in the same transaction. `progress(table, rows so far)` is called per batch.
    Foreign keys are checked before commit when `foreign_keys` is true, or, when it is None, when
    the connection enforces them (`PRAGMA foreign_keys`); set it to True for an engine made with a
    plain `create_engine`, which leaves them off. A source column (CSV header field, JSON key) the
    model lacks is an `UnknownColumnError` unless `ignore_columns` is true, which skips it.

    Returns the rows inserted per table. On any bad input raises a `BuildError` naming the source,
    line, column and value, after rolling everything back.

    """
    counts: dict[str, int] = {}
    tables = [_table_of(model, data_set) for model, _ in sources]
    try:
        with _observed(progress), engine.connect() as connection, connection.begin():
            _ensure_transaction(connection)
            # Rows may arrive before the rows they reference; checked below, then at COMMIT.
            # https://www.sqlite.org/pragma.html#pragma_defer_foreign_keys
            connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            if delete_before_load:
                for table in dict.fromkeys(tables):
                    connection.execute(table.delete())
            names: dict[str, str] = {}
            loads: list[_Load] = []
            for table, (model, source) in zip(tables, sources):
                given = (defaults or {}).get(model, {})
                name = source_name(source, table.name)
                names.setdefault(table.name, name)
                load = _Load(table, source, Origin(data_set, name, table.name), given, format, ignore_columns)
                loads.append(load)
                counts[table.name] = counts.get(table.name, 0) + _load_source(connection, load, batch_size)
            check_foreign_keys(connection, data_set, names, foreign_keys, locate=_locator(connection, loads))
    except DBAPIError as error:
        # Anything the checks above did not anticipate (no such table, disk full, ...).
        raise BuildError(f"SQLite refused the build ({error.orig})", data_set=data_set, hint=_hint_for(error)) from None
    return counts


def _observed(progress: Progress | None) -> AbstractContextManager[None]:
    """The `progress` callback as one more observer of the rows reported (`_progress`)."""
    if progress is None:
        return nullcontext()
    # The callback hears of batches loaded, so not of the 0 rows reported as a table starts.
    return observing(lambda _data_set, table, rows: progress(table, rows) if rows else None)


def _hint_for(error: DBAPIError) -> str:
    message = str(error.orig)
    if "no such" in message or "has no column" in message:
        return SCHEMA_HINT
    return "check that no other process holds a write lock on the file and that its disk has space"


def _table_of(model: type, data_set: str) -> Table:
    table = getattr(model, "__table__", None)
    if not isinstance(table, Table):
        raise BuildError(
            f"{model!r} is not a mapped model with a table",
            data_set=data_set,
            hint="pass model classes (subclasses of the dataset's base), not the base itself",
        )
    return table


def _ensure_transaction(connection: Connection) -> None:
    # Writable engines of this library emit BEGIN themselves (_engines.py); an engine made with
    # autocommit, or by plain create_engine, leaves pysqlite to begin lazily before DML, too late
    # for the pragma and the DELETEs above. Both commit through the DB-API connection at the end.
    if not connection.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN")


@dataclass(frozen=True)
class _Load:
    """One source loaded into one table, and how it is read."""

    table: Table
    source: SourceInput
    origin: Origin
    given: Mapping[str, Any]
    format: str | None
    ignore_columns: bool


def _load_source(connection: Connection, load: _Load, batch_size: int) -> int:
    _check_given_columns(load.table, load.given, load.origin)
    with _planned(connection, load, batch_size) as (columns, batches, kind):
        return _insert(connection, load.table, columns, batches, kind, load.origin)


@contextmanager
def _planned(connection: Connection, load: _Load, batch_size: int) -> Iterator[tuple[list[str], Converted, str]]:
    """The source open and read: its columns, its converted rows in batches, and what positions count."""
    read = reader_for(load.origin.source, load.format, load.origin)
    with open_text(load.source, load.origin) as stream:
        content = read(stream, load.origin)
        target = Target(
            load.table,
            load.origin,
            connection.dialect,
            given_by_name(load.table, load.given),
            _server_defaults(connection, load.table),
            batch_size,
            load.ignore_columns,
        )
        if isinstance(content, Rows):
            columns, batches = plan_rows(target, content)
        else:
            columns, batches = plan_records(target, content)
        yield columns, batches, "line" if isinstance(content, Rows) else content.position


def _locator(connection: Connection, loads: Sequence[_Load]) -> Locate:
    """
    Find the source and line of a loaded row by its primary key, reading the sources of its table
    again (only when a foreign key is broken): SQLite's check names the row, not where it came from.

    Sources given as file objects were read once and are not read again: the error names the source only.

    """

    def locate(table: str, key: Mapping[str, Any]) -> tuple[str, dict[str, int]] | None:
        for load in loads:
            if load.table.name == table and isinstance(load.source, (str, os.PathLike)):
                position = _position_of(connection, load, key)
                if position is not None:
                    return load.origin.source, position
        return None

    return locate


def _position_of(connection: Connection, load: _Load, key: Mapping[str, Any]) -> dict[str, int] | None:
    with _planned(connection, load, DEFAULT_BATCH_SIZE) as (columns, batches, kind):
        if not set(key) <= set(columns):
            return None  # a key SQLite assigned (autoincrement): the source does not hold it
        wanted = [(columns.index(name), value) for name, value in key.items()]
        for positions, batch in batches:
            for position, row in zip(positions, batch):
                if all(row[index] == value for index, value in wanted):
                    return {kind: position}
    return None


def _check_given_columns(table: Table, given: Mapping[str, Any], origin: Origin) -> None:
    unknown = sorted(set(given) - set(table.columns.keys()) - {column.name for column in table.columns})
    if unknown:
        raise origin.error(
            BuildError,
            f"default values were given for {', '.join(map(repr, unknown))}, which table {table.name!r} lacks",
            column=unknown[0],
            hint=f"give defaults only for columns of the model: {', '.join(column.name for column in table.columns)}",
        )


def _server_defaults(connection: Connection, table: Table) -> dict[str, Any]:
    """Server defaults evaluated once by SQLite, for empty cells of columns that have one."""
    values = {}
    # A DDL compiler with no statement is only used for its column-default rendering helper.
    compiler = connection.dialect.ddl_compiler(connection.dialect, None)  # type: ignore[arg-type]
    for column in table.columns:
        if column.server_default is not None:
            expression = compiler.get_column_default_string(column)
            if expression is not None:
                values[column.name] = connection.exec_driver_sql(f"SELECT {expression}").scalar()
    return values


def _insert(
    connection: Connection,
    table: Table,
    columns: list[str],
    batches: Converted,
    kind: str,
    origin: Origin,
) -> int:
    """Insert converted rows batch by batch; returns how many were inserted."""
    preparer = connection.dialect.identifier_preparer
    if columns:
        statement = (
            f"INSERT INTO {preparer.format_table(table)} ({', '.join(map(preparer.quote, columns))}) "
            f"VALUES ({', '.join('?' * len(columns))})"
        )
    else:
        statement = f"INSERT INTO {preparer.format_table(table)} DEFAULT VALUES"
    loaded = 0
    report_rows(origin.data_set, table.name, loaded)  # the start, so observers can time the load
    for positions, batch in batches:
        loaded += _execute(connection, statement, batch, positions, kind, columns, origin)
        report_rows(origin.data_set, table.name, loaded)
    return loaded


def _execute(
    connection: Connection,
    statement: str,
    batch: list[tuple[Any, ...]],
    positions: list[int],
    kind: str,
    columns: list[str],
    origin: Origin,
) -> int:
    dbapi_connection = connection.connection.driver_connection
    before = dbapi_connection.total_changes  # type: ignore[union-attr]
    try:
        if columns:
            connection.exec_driver_sql(statement, batch)  # type: ignore[arg-type]
        else:
            for _ in batch:
                connection.exec_driver_sql(statement)
    except (DBAPIError, OverflowError, UnicodeEncodeError) as error:
        if isinstance(error, DBAPIError) and isinstance(error.orig, sqlite3.OperationalError):
            # About the database (no such table, disk full), not about a row.
            raise origin.error(BuildError, f"SQLite refused the build ({error.orig})", hint=_hint_for(error)) from None
        # executemany stops at the failing row and keeps the rows before it, so the change
        # counter says which row of the batch failed.
        failed = dbapi_connection.total_changes - before  # type: ignore[union-attr]
        index = min(failed, len(batch) - 1)
        row, where = dict(zip(columns, batch[index])), {kind: positions[index]}
        if isinstance(error, OverflowError):
            raise _overflow_error(row, where, origin) from None
        if isinstance(error, UnicodeEncodeError):
            raise _unencodable_error(row, where, origin) from None
        raise _row_error(error, row, where, origin) from None
    return len(batch)


def _overflow_error(row: dict[str, Any], where: dict[str, int], origin: Origin) -> BuildError:
    # Python integers are unbounded; SQLite's are 64-bit, and the driver raises OverflowError
    # while binding. Checked here rather than per value, to keep the hot path free of range tests.
    column, value = next(
        (
            (name, value)
            for name, value in row.items()
            if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX
        ),
        (None, None),
    )
    return origin.error(
        BadValueError,
        f"{value!r} is out of SQLite's integer range",
        column=column,
        value=value,
        expected=f"an integer from {INT64_MIN} to {INT64_MAX}",
        hint="fix the value in the source, or store it in a Numeric or String column",
        **where,
    )


def _unencodable_error(row: dict[str, Any], where: dict[str, int], origin: Origin) -> BuildError:
    # JSON escapes can spell lone surrogates ("\ud800"), which are not Unicode characters:
    # the driver cannot encode them to UTF-8 and raises UnicodeEncodeError while binding.
    column, value = next(((name, value) for name, value in row.items() if _unencodable(value)), (None, None))
    return origin.error(
        BadValueError,
        f"{value!r} is not valid Unicode text (it holds a lone surrogate)",
        column=column,
        value=value,
        expected="text of Unicode characters",
        hint="fix the value in the source (a \\uXXXX escape of half a surrogate pair?)",
        **where,
    )


def _unencodable(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


_CONSTRAINT = re.compile(r"^(UNIQUE|NOT NULL|CHECK) constraint failed: (.*)$")


def _row_error(error: DBAPIError, row: dict[str, Any], where: dict[str, int], origin: Origin) -> BuildError:
    message = str(error.orig)
    match = _CONSTRAINT.match(message)
    if match is None:
        return origin.error(
            BuildError,
            f"SQLite refused the row ({message})",
            hint=SCHEMA_HINT,
            **where,
        )
    kind, detail = match.groups()
    names = [part.strip().rsplit(".", 1)[-1] for part in detail.split(",")]
    if kind == "UNIQUE":
        key = ", ".join(f"{name}={row.get(name)!r}" for name in names)
        return origin.error(
            DuplicateKeyError,
            f"a row with {key} is already in table {origin.table!r}",
            column=names[0] if len(names) == 1 else None,
            value=row.get(names[0]) if len(names) == 1 else tuple(row.get(name) for name in names),
            hint="remove the duplicate from the sources, or build with delete_before_load=True "
            "to replace rows already in the table",
            **where,
        )
    if kind == "NOT NULL":
        value = row.get(names[0])
        if isinstance(value, float) and math.isnan(value):
            # SQLite stores a NaN as NULL (https://www.sqlite.org/floatingpoint.html), so the value
            # was there: name it rather than say that none was given.
            return origin.error(
                BadValueError,
                "nan is not a number SQLite can store (it stores NaN as NULL)",
                column=names[0],
                value=value,
                expected="a number",
                hint="give a number in the source, or make the column nullable",
                **where,
            )
        return origin.error(
            MissingValueError, "a value is required", column=names[0], hint="give a value in the source", **where
        )
    return origin.error(
        BadValueError,
        f"the row breaks check constraint {detail!r}",
        hint="fix the row in the source so that it satisfies the model's constraint",
        **where,
    )
