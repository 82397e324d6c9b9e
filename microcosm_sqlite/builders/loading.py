"""
The loading engine: sources into tables, in one transaction, or not at all.

Plain functions with no graph: the `sqlite_builder` front and the artifact build both call
`load_sources`. Rows go to SQLite through SQLAlchemy Core's `exec_driver_sql` with a list of
parameter tuples, which is the DB-API `executemany` of a compiled positional INSERT: no ORM objects,
no per-row statement compilation, and no bound-variable limit (one parameter set per row).

"""
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import IO, Any

from sqlalchemy import Column, Table
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from microcosm_sqlite.builders.coercion import (
    REQUIRED,
    ColumnCoercion,
    Factory,
    MissingValue,
    column_coercion,
    has_python_default,
    is_required,
    verbatim,
)
from microcosm_sqlite.builders.foreign_keys import check_foreign_keys
from microcosm_sqlite.builders.sources import Origin, Records, Rows, open_text, reader_for, source_name
from microcosm_sqlite.errors import (
    BadValueError,
    BuildError,
    DuplicateKeyError,
    MalformedSourceError,
    MissingColumnError,
    MissingValueError,
)

#: Rows per executemany: large enough to amortise the call, small enough to keep memory flat.
DEFAULT_BATCH_SIZE = 5000

Progress = Callable[[str, int], None]

FIX_VALUE_HINT = "fix the value in the source, or change the column's type in the model"


def load_sources(
    engine: Engine,
    sources: Sequence[tuple[type, str | os.PathLike[str] | IO[str]]],
    *,
    data_set: str,
    defaults: Mapping[type, Mapping[str, Any]] | None = None,
    progress: Progress | None = None,
    format: str | None = None,
    replace: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> dict[str, int]:
    """
    Load every source in ONE transaction with foreign keys deferred to commit.

    Each source is `(model class, path or file object)`; its format comes from `format` ("csv",
    "json", "jsonl") or the file name's suffix. `defaults` gives, per model, values for columns the
    source lacks or leaves empty (callables are called per row). With `replace`, the tables loaded
    are emptied first, in the same transaction. `progress(table, rows so far)` is called per batch.

    Returns the rows inserted per table. On any bad input raises a `BuildError` naming the source,
    line, column and value, after rolling everything back.

    """
    counts: dict[str, int] = {}
    tables = [_table_of(model, data_set) for model, _ in sources]
    try:
        with engine.connect() as connection, connection.begin():
            _ensure_transaction(connection)
            # Rows may arrive before the rows they reference; checked below, then at COMMIT.
            # https://www.sqlite.org/pragma.html#pragma_defer_foreign_keys
            connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            if replace:
                for table in dict.fromkeys(tables):
                    connection.execute(table.delete())
            names: dict[str, str] = {}
            for table, (model, source) in zip(tables, sources):
                given = (defaults or {}).get(model, {})
                name = source_name(source, table.name)
                names.setdefault(table.name, name)
                origin = Origin(data_set, name, table.name)
                loaded = _load_source(connection, table, source, origin, given, format, progress, batch_size)
                counts[table.name] = counts.get(table.name, 0) + loaded
            check_foreign_keys(connection, data_set, names)
    except DBAPIError as error:
        # Anything the checks above did not anticipate (no such table, disk full, ...).
        raise BuildError(
            f"SQLite refused the build ({error.orig})",
            data_set=data_set,
            hint="check that the schema was created from these models (Base.create_all(graph))",
        ) from None
    return counts


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
    # Writable engines of this library emit BEGIN themselves (engines.py); an engine made with
    # autocommit, or by plain create_engine, leaves pysqlite to begin lazily before DML, too late
    # for the pragma and the DELETEs above. Both commit through the DB-API connection at the end.
    if not connection.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN")


def _load_source(
    connection: Connection,
    table: Table,
    source: Any,
    origin: Origin,
    given: Mapping[str, Any],
    format: str | None,
    progress: Progress | None,
    batch_size: int,
) -> int:
    _check_given_columns(table, given, origin)
    read = reader_for(origin.source, format, origin)
    with open_text(source) as stream:
        content = read(stream, origin)
        server_defaults = _server_defaults(connection, table)
        if isinstance(content, Rows):
            columns, batches = _plan_rows(table, content, connection, origin, given, server_defaults, batch_size)
        else:
            columns, batches = _plan_records(table, content, connection, origin, given, server_defaults, batch_size)
        kind = "line" if isinstance(content, Rows) else content.position
        return _insert(connection, table, columns, batches, kind, origin, progress)


def _check_given_columns(table: Table, given: Mapping[str, Any], origin: Origin) -> None:
    unknown = sorted(set(given) - set(table.columns.keys()) - {column.name for column in table.columns})
    if unknown:
        raise origin.error(
            MissingColumnError,
            f"default values were given for {', '.join(map(repr, unknown))}, which table {table.name!r} lacks",
            column=unknown[0],
            hint=f"give defaults only for columns of the model: {', '.join(column.name for column in table.columns)}",
        )


def _server_defaults(connection: Connection, table: Table) -> dict[str, Any]:
    """Server defaults evaluated once by SQLite, for empty cells of columns that have one."""
    values = {}
    compiler = connection.dialect.ddl_compiler(connection.dialect, None)
    for column in table.columns:
        if column.server_default is not None:
            expression = compiler.get_column_default_string(column)
            if expression is not None:
                values[column.name] = connection.exec_driver_sql(f"SELECT {expression}").scalar()
    return values


def column_for(table: Table, field: str) -> Column[Any] | None:
    """The column a source field names: its SQL name, or its Python key when they differ."""
    if field in table.columns:
        return table.columns[field]
    return next((column for column in table.columns if column.name == field), None)


def _given_by_name(table: Table, given: Mapping[str, Any]) -> dict[str, Any]:
    return {(column.name if (column := column_for(table, key)) is not None else key): value for key, value in given.items()}


#: Converted rows in batches: (line or record number of each row, parameter tuple of each row).
Converted = Iterator[tuple[list[int], list[tuple[Any, ...]]]]


def _plan_rows(
    table: Table,
    content: Rows,
    connection: Connection,
    origin: Origin,
    given: Mapping[str, Any],
    server_defaults: Mapping[str, Any],
    batch_size: int,
) -> tuple[list[str], Converted]:
    """Check the header against the model, then convert rows through a generated function."""
    given = _given_by_name(table, given)
    present: dict[str, int] = {}
    for index, field in enumerate(content.fields):
        column = column_for(table, field)
        if column is not None and column.name not in present:
            present[column.name] = index
    missing = [column.name for column in table.columns if column.name not in present and is_required(column, given)]
    if missing:
        raise origin.error(
            MissingColumnError,
            f"the header lacks required column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}",
            line=1,
            column=missing[0],
            expected=", ".join(missing),
            hint="add the column to the source, give the builder .default(column=value), "
            "or make the column nullable or give it a default in the model",
        )
    plan: list[tuple[int | None, ColumnCoercion]] = []
    for column in table.columns:
        coercion = column_coercion(column, connection.dialect, given, server_defaults)
        if column.name in present:
            plan.append((present[column.name], coercion))
        elif has_python_default(column, given):
            # Filled by a Python-side default; columns left out get NULL or SQLite's default.
            plan.append((None, coercion))
    convert = _row_function(plan)
    return [coercion.name for _, coercion in plan], _convert_rows(content, convert, plan, origin, batch_size)


def _convert_rows(
    content: Rows,
    convert: Callable[[list[str]], tuple[Any, ...]],
    plan: list[tuple[int | None, ColumnCoercion]],
    origin: Origin,
    batch_size: int,
) -> Converted:
    lines: list[int] = []
    batch: list[tuple[Any, ...]] = []
    for line, row in content.rows:
        try:
            batch.append(convert(row))
        except Exception:
            raise _diagnose_row(row, plan, origin, line) from None
        lines.append(line)
        if len(batch) == batch_size:
            yield lines, batch
            lines, batch = [], []
    if batch:
        yield lines, batch


def _row_function(plan: list[tuple[int | None, ColumnCoercion]]) -> Callable[[list[str]], tuple[Any, ...]]:
    """
    Generate `convert(row) -> tuple` for one source, unrolled over its columns.

    This is the CSV hot path: one expression per column with the coercion called directly (a
    builtin `int`/`float` for most columns), no loop and no per-cell dispatch, which is what keeps a
    build close to hand-written `sqlite3` code. Only names of local objects appear in the generated
    code (never column names or values). When it raises, `_diagnose_row` re-reads the row column by
    column through the same coercions to say which value was wrong.

    """
    namespace: dict[str, Any] = {"_missing": _raise_missing}
    parts = []
    for n, (index, coercion) in enumerate(plan):
        namespace[f"c{n}"] = coercion.from_text
        namespace[f"e{n}"] = coercion.empty
        namespace[f"f{n}"] = coercion.empty.make if isinstance(coercion.empty, Factory) else None
        if coercion.empty is REQUIRED:
            empty = "_missing()"
        elif isinstance(coercion.empty, Factory):
            empty = f"f{n}()"
        else:
            empty = f"e{n}"
        if index is None:
            parts.append(empty)
        elif coercion.from_text is verbatim:
            parts.append(f"(row[{index}] or {empty})")
        else:
            parts.append(f"(c{n}(row[{index}]) if row[{index}] else {empty})")
    code = f"def convert(row):\n    return ({', '.join(parts)}{',' if parts else ''})\n"
    exec(compile(code, "<microcosm_sqlite row converter>", "exec"), namespace)
    return namespace["convert"]  # type: ignore[no-any-return]


def _raise_missing() -> None:
    raise MissingValue("")


def _diagnose_row(
    row: list[str], plan: list[tuple[int | None, ColumnCoercion]], origin: Origin, line: int
) -> BuildError:
    for index, coercion in plan:
        value = None if index is None else row[index]
        error = _coercion_error(coercion, value, origin, {"line": line}, text=True)
        if error is not None:
            return error
    return origin.error(BuildError, "the row could not be converted", line=line)  # pragma: no cover


def _coercion_error(
    coercion: ColumnCoercion, value: Any, origin: Origin, position: dict[str, int], text: bool
) -> BuildError | None:
    """The error coercing `value` raises, as a build error (None if it coerces fine)."""
    try:
        if value is None and text:
            coercion.empty_value()
        elif text:
            coercion.text(value)
        else:
            coercion.json(value)
    except MissingValue:
        return origin.error(
            MissingValueError,
            "a value is required",
            column=coercion.name,
            value=value,
            expected=coercion.expected,
            hint=f"give {coercion.expected}, or give the builder .default({coercion.name}=...)",
            **position,
        )
    except Exception:
        return origin.error(
            BadValueError,
            f"{_shorten(value)} is not {coercion.expected}",
            column=coercion.name,
            value=value,
            expected=coercion.expected,
            hint=FIX_VALUE_HINT,
            **position,
        )
    return None


def _shorten(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}...(truncated)"


def _plan_records(
    table: Table,
    content: Records,
    connection: Connection,
    origin: Origin,
    given: Mapping[str, Any],
    server_defaults: Mapping[str, Any],
    batch_size: int,
) -> tuple[list[str], Converted]:
    """Every column is inserted; a key a record lacks counts as an empty value."""
    given = _given_by_name(table, given)
    plan = [
        (column.name, column.key, column_coercion(column, connection.dialect, given, server_defaults))
        for column in table.columns
    ]
    return [name for name, _, _ in plan], _convert_records(content, plan, origin, batch_size)


def _convert_records(
    content: Records, plan: list[tuple[str, str, ColumnCoercion]], origin: Origin, batch_size: int
) -> Converted:
    positions: list[int] = []
    batch: list[tuple[Any, ...]] = []
    for position, record in content.records:
        where = {content.position: position}
        if not isinstance(record, dict):
            raise origin.error(
                MalformedSourceError,
                f"the record is a JSON {type(record).__name__}, not an object",
                hint="each record must be an object of column names to values",
                **where,
            )
        values = []
        for name, key, coercion in plan:
            value = record.get(name, record.get(key))
            try:
                values.append(coercion.json(value))
            except Exception:
                error = _coercion_error(coercion, value, origin, where, text=False)
                raise (error or origin.error(BuildError, "the record could not be converted", **where)) from None
        positions.append(position)
        batch.append(tuple(values))
        if len(batch) == batch_size:
            yield positions, batch
            positions, batch = [], []
    if batch:
        yield positions, batch


def _insert(
    connection: Connection,
    table: Table,
    columns: list[str],
    batches: Converted,
    kind: str,
    origin: Origin,
    progress: Progress | None,
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
    for positions, batch in batches:
        loaded += _execute(connection, statement, batch, positions, kind, columns, origin)
        if progress is not None:
            progress(table.name, loaded)
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
    except DBAPIError as error:
        # executemany stops at the failing row and keeps the rows before it, so the change
        # counter says which row of the batch failed.
        failed = dbapi_connection.total_changes - before  # type: ignore[union-attr]
        index = min(failed, len(batch) - 1)
        raise _integrity_error(error, dict(zip(columns, batch[index])), {kind: positions[index]}, origin) from None
    return len(batch)


_CONSTRAINT = re.compile(r"^(UNIQUE|NOT NULL|CHECK) constraint failed: (.*)$")


def _integrity_error(error: DBAPIError, row: dict[str, Any], where: dict[str, int], origin: Origin) -> BuildError:
    message = str(error.orig)
    match = _CONSTRAINT.match(message)
    if match is None:
        return origin.error(
            BuildError,
            f"SQLite refused the row ({message})",
            hint="check that the schema was created from these models (Base.create_all(graph))",
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
        return origin.error(
            MissingValueError, "a value is required", column=names[0], hint="give a value in the source", **where
        )
    return origin.error(
        BadValueError,
        f"the row breaks check constraint {detail!r}",
        hint="fix the row in the source so that it satisfies the model's constraint",
        **where,
    )
