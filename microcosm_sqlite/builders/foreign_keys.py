"""
Checking foreign keys at the end of a load, to name the row that breaks one.

With `PRAGMA defer_foreign_keys` SQLite would only say "FOREIGN KEY constraint failed" at COMMIT;
`PRAGMA foreign_key_check` (https://www.sqlite.org/pragma.html#pragma_foreign_key_check) lists each
offending row, so the error can name the table, the row, the value and the missing parent.

"""

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.engine import Connection

from microcosm_sqlite.errors import BrokenForeignKeyError

__all__ = ["Locate", "check_foreign_keys"]

#: Finds where a row came from: `(table, its primary key values)` -> `(source, {"line": n})`
#: (or `{"record": n}`), or None when no source can say.
Locate = Callable[[str, Mapping[str, Any]], tuple[str, dict[str, int]] | None]


def check_foreign_keys(
    connection: Connection,
    data_set: str,
    sources: Mapping[str, str],
    enabled: bool | None = None,
    locate: Locate | None = None,
) -> None:
    """
    Raise `BrokenForeignKeyError` for the first row whose parent is missing.

    `sources` names the source each table was loaded from; `locate`, when given, finds the source
    and line of the offending row, as the other build errors name them. With `enabled=None` the
    check follows the connection's `PRAGMA foreign_keys` (config sqlite.use_foreign_keys); the
    pragma itself works whether or not foreign keys are enforced.

    """
    if enabled is None:
        enabled = bool(connection.exec_driver_sql("PRAGMA foreign_keys").scalar())
    if not enabled:
        return
    violations = connection.exec_driver_sql("PRAGMA foreign_key_check")
    first = violations.first()
    if first is None:
        return
    table, rowid, parent, fk_id = first
    count = sum(1 for _ in connection.exec_driver_sql("PRAGMA foreign_key_check"))
    pairs = [
        (row[3], row[4])
        for row in connection.exec_driver_sql(f"PRAGMA foreign_key_list({_quote(connection, table)})")
        if row[0] == fk_id
    ]
    children = [child for child, _ in pairs]
    parents = [parent_column or "primary key" for _, parent_column in pairs]
    values = _row_values(connection, table, rowid, children)
    reference = ", ".join(f"{child}={values.get(child)!r}" for child in children)
    key = ", ".join(f"{parent}.{column}" for column in parents)
    primary_key = _primary_key(connection, table, rowid)
    row_label = f"row {_primary_key_label(primary_key, rowid)}"
    others = f" ({count - 1} more row{'s' if count != 2 else ''} also break foreign keys)" if count > 1 else ""
    found = None if locate is None or not primary_key else locate(table, primary_key)
    source, position = found if found is not None else (sources.get(table), {})
    raise BrokenForeignKeyError(
        f"{row_label} of table {table!r} has {reference}, which matches no {key}{others}",
        data_set=data_set,
        source=source,
        table=table,
        **position,
        column=children[0] if len(children) == 1 else None,
        value=values.get(children[0]) if len(children) == 1 else tuple(values.get(c) for c in children),
        expected=f"an existing {key}",
        hint=f"add the missing {parent} rows to the build, or fix the reference in the source",
    )


def _quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote_identifier(name)


def _row_values(connection: Connection, table: str, rowid: int | None, columns: list[str]) -> dict[str, Any]:
    if rowid is None:
        return {}  # a WITHOUT ROWID table: the pragma cannot say which row
    selected = ", ".join(_quote(connection, column) for column in columns)
    row = connection.exec_driver_sql(
        f"SELECT {selected} FROM {_quote(connection, table)} WHERE rowid = ?", (rowid,)
    ).first()
    return dict(zip(columns, row)) if row is not None else {}


def _primary_key(connection: Connection, table: str, rowid: int | None) -> dict[str, Any]:
    """The primary key values of a row (empty for a table without one, or a WITHOUT ROWID row)."""
    if rowid is None:
        return {}
    keys = [row[1] for row in connection.exec_driver_sql(f"PRAGMA table_info({_quote(connection, table)})") if row[5]]
    if not keys:
        return {}
    selected = ", ".join(_quote(connection, key) for key in keys)
    row = connection.exec_driver_sql(
        f"SELECT {selected} FROM {_quote(connection, table)} WHERE rowid = ?", (rowid,)
    ).first()
    return dict(zip(keys, row or ()))


def _primary_key_label(primary_key: Mapping[str, Any], rowid: int | None) -> str:
    if rowid is None:
        return "(without rowid)"
    if not primary_key:
        return f"rowid={rowid}"
    return ", ".join(f"{key}={value!r}" for key, value in primary_key.items())
