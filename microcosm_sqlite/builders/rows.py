"""
Per-source row plans: a source's rows or records as parameter tuples for one table, in batches.

A `Target` holds what conversion needs to know about the table being loaded; `plan_rows` (CSV)
and `plan_records` (JSON) return the columns to insert and the batches of converted rows. Every
value goes through the column's `ColumnCoercion`, so both paths agree on what a value means.

"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy.engine import Dialect

from microcosm_sqlite._hints import setting
from microcosm_sqlite.builders.columns import (
    REQUIRED,
    BadDefault,
    ColumnCoercion,
    Factory,
    MissingValue,
    ValueProblem,
    column_coercion,
    has_python_default,
    is_required,
    verbatim,
)
from microcosm_sqlite.builders.sources import Origin, Records, Rows
from microcosm_sqlite.errors import (
    BadValueError,
    BuildError,
    MalformedSourceError,
    MissingColumnError,
    MissingValueError,
    UnknownColumnError,
)

__all__ = ["FIX_VALUE_HINT", "Converted", "Target", "column_for", "given_by_name", "plan_records", "plan_rows"]


FIX_VALUE_HINT = "fix the value in the source, or change the column's type in the model"

#: Converted rows in batches: (line or record number of each row, parameter tuple of each row).
Converted = Iterator[tuple[list[int], list[tuple[Any, ...]]]]


@dataclass(frozen=True)
class Target:
    """The table one source loads into, with what converting values for it needs."""

    table: Table
    origin: Origin
    dialect: Dialect
    given: Mapping[str, Any]
    server_defaults: Mapping[str, Any]
    batch_size: int
    #: Skip source columns the model lacks rather than refuse them (an explicit opt-in).
    ignore_columns: bool = False

    def coercion(self, column: Column[Any]) -> ColumnCoercion:
        try:
            return column_coercion(column, self.dialect, self.given, self.server_defaults)
        except BadDefault as error:
            # Defaults are bound once per source, before any row is read.
            raise self.origin.error(
                BadValueError,
                str(error),
                column=error.column,
                value=error.value,
                hint="give .default() (or the model's default) a value of the column's Python type, "
                "such as a date or an enum member",
            ) from None


def column_for(table: Table, field: str) -> Column[Any] | None:
    """The column a source field names: its SQL name, or its Python key when they differ."""
    if field in table.columns:
        return table.columns[field]
    return next((column for column in table.columns if column.name == field), None)


def given_by_name(table: Table, given: Mapping[str, Any]) -> dict[str, Any]:
    """`.default()` values keyed by column name, whether given by name or by Python key."""
    return {
        (column.name if (column := column_for(table, key)) is not None else key): value for key, value in given.items()
    }


def plan_rows(target: Target, content: Rows) -> tuple[list[str], Converted]:
    """Check the header against the model, then convert rows through a generated function."""
    table, origin, given = target.table, target.origin, target.given
    present: dict[str, int] = {}
    unknown = []
    for index, field in enumerate(content.fields):
        column = column_for(table, field)
        if column is None:
            unknown.append(field)
        elif column.name not in present:
            present[column.name] = index
    if unknown and not target.ignore_columns:
        raise _unknown_columns(target, unknown, "the header names", line=1)
    missing = [column.name for column in table.columns if column.name not in present and is_required(column, given)]
    if missing:
        key = table.autoincrement_column
        numbered = (
            f" (for SQLite to number the rows, declare {key.name!r} with autoincrement=True)"
            if key is not None and key.name in missing
            else ""
        )
        raise origin.error(
            MissingColumnError,
            f"the header lacks required column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))} "
            f"(it has {_listed(content.fields)})",
            line=1,
            column=missing[0],
            expected=", ".join(missing),
            hint=f"add the column to the source, {_default_hint()}"
            f"or make the column nullable or give it a default in the model{numbered}",
        )
    plan: list[tuple[int | None, ColumnCoercion]] = []
    for column in table.columns:
        coercion = target.coercion(column)
        if column.name in present:
            plan.append((present[column.name], coercion))
        elif has_python_default(column, given):
            # Filled by a Python-side default; columns left out get NULL or SQLite's default.
            plan.append((None, coercion))
    convert = _row_function(plan)
    return [coercion.name for _, coercion in plan], _convert_rows(content, convert, plan, origin, target.batch_size)


def _unknown_columns(target: Target, unknown: list[str], names: str, **where: int) -> BuildError:
    # 2.0 skipped such columns silently, which turned a misspelt key ("Id" for "id") into rows
    # numbered by SQLite; naming the model's columns makes the near miss plain to see.
    plural = "s" if len(unknown) > 1 else ""
    return target.origin.error(
        UnknownColumnError,
        f"{names} column{plural} {', '.join(map(repr, unknown))}, which table {target.table.name!r} lacks "
        f"(its columns: {', '.join(repr(column.name) for column in target.table.columns)})",
        column=unknown[0],
        hint=_skip_hint(),
        **where,
    )


def _skip_hint() -> str:
    fix = "rename or remove the column in the source"
    skip = setting("ignore_columns", "ignore_columns=True")
    if skip is None:
        return fix
    return f"{fix}, or build with {skip} to skip columns the model lacks (microcosm-sqlite 2.0 skipped them silently)"


def _default_hint() -> str:
    """The builder's defaults, where the reader has a builder (not on the command line)."""
    default = setting("default", ".default(column=value)")
    return "" if default is None else f"give the builder {default}, "


def _listed(fields: list[str], limit: int = 12) -> str:
    # Shown so that near misses (" code", "Code") are plain to see.
    shown = ", ".join(map(repr, fields[:limit]))
    return (shown + f", ... {len(fields) - limit} more") if len(fields) > limit else (shown or "no fields")


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
    namespace: dict[str, Any] = {"_missing": _raise_missing, "_bad": _raise_bad, "_float": float}
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
        elif coercion.fast == "float":
            # float() inline, then refuse NaN (the one float unequal to itself) as the strict parser does.
            parts.append(f"((v if (v := _float(row[{index}])) == v else _bad()) if row[{index}] else {empty})")
        else:
            parts.append(f"(c{n}(row[{index}]) if row[{index}] else {empty})")
    code = f"def convert(row):\n    return ({', '.join(parts)}{',' if parts else ''})\n"
    exec(compile(code, "<microcosm_sqlite row converter>", "exec"), namespace)
    return namespace["convert"]  # type: ignore[no-any-return]


def _raise_missing() -> None:
    raise MissingValue("")


def _raise_bad() -> None:
    # `_diagnose_row` then finds the column through the strict coercions and words the error.
    raise ValueError("")


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
    except ValueProblem as problem:
        return origin.error(
            BadValueError,
            problem.problem,
            column=coercion.name,
            value=value,
            expected=coercion.expected,
            hint=problem.hint,
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


def plan_records(target: Target, content: Records) -> tuple[list[str], Converted]:
    """Every column is inserted; a key a record lacks counts as an empty value."""
    plan = [(column.name, column.key, target.coercion(column)) for column in target.table.columns]
    return [name for name, _, _ in plan], _convert_records(content, plan, target)


def _convert_records(content: Records, plan: list[tuple[str, str, ColumnCoercion]], target: Target) -> Converted:
    origin, batch_size = target.origin, target.batch_size
    known = None if target.ignore_columns else {name for name, _, _ in plan} | {key for _, key, _ in plan}
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
        if known is not None and not known.issuperset(record):
            unknown = [key for key in record if key not in known]
            raise _unknown_columns(target, unknown, "the record has", **where)
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
