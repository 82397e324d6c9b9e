"""
Reading an artifact's tables without its models: names, columns, primary keys, rows in key order.

The command line inspects, dumps and diffs files whose models it does not have, so it reads them
through the stdlib driver (several times faster than ORM objects for plain scans) on a
read-only connection, after the same file checks a read-only dataset gets.

"""

import sqlite3
from collections.abc import Generator, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from microcosm_sqlite._engines import connect_read_only
from microcosm_sqlite.artifacts.checks import check_artifact_file, damaged, is_damage
from microcosm_sqlite.artifacts.fulltext import search_index_names, shadow_tables
from microcosm_sqlite.artifacts.undecodable import is_undecodable, undecodable_text
from microcosm_sqlite.errors import TableNotFoundError

__all__ = [
    "FETCH_SIZE",
    "INTERNAL_TABLE_PREFIXES",
    "DeclaredColumn",
    "blaming",
    "columns",
    "count_rows",
    "open_artifact",
    "primary_key",
    "quote",
    "reading_table",
    "sort_key",
    "stream_rows",
    "table_names",
    "table_sql",
]


#: Rows fetched from SQLite per round trip while streaming.
FETCH_SIZE = 1000


@dataclass(frozen=True)
class DeclaredColumn:
    """One column as SQLite declares it."""

    name: str
    type: str
    nullable: bool
    primary_key: bool


@contextmanager
def open_artifact(path: str | Path) -> Iterator[sqlite3.Connection]:
    """
    Open an artifact file read-only, after checking it is a whole rollback-journal SQLite file.

    SQLite errors that mean the file is damaged, raised anywhere inside the block, become
    `DamagedArtifactError` naming the file.

    """
    check_artifact_file(None, path)
    connection = connect_read_only(path, immutable=True)
    try:
        with blaming(path):
            connection.execute("PRAGMA query_only = ON")
            yield connection
    finally:
        connection.close()


@contextmanager
def blaming(path: str | Path, table: str | None = None) -> Iterator[None]:
    """
    Turn SQLite errors that mean a file is damaged into `DamagedArtifactError` naming `path` (and
    `table`, for text that is not UTF-8, when the block reads one table).

    Code reading two files at once wraps each file's reads, so the error names the right one.

    """
    try:
        yield
    except sqlite3.DatabaseError as error:
        if is_undecodable(error):
            raise undecodable_text(None, path, error, table=table) from None
        if is_damage(error):
            raise damaged(None, path, error) from None
        raise


@contextmanager
def reading_table(
    path: str | Path, table: str
) -> Iterator[tuple[list[DeclaredColumn], Generator[tuple[Any, ...], None, None]]]:
    """Open an artifact read-only and stream one table: `(columns, rows in key order)`."""
    with open_artifact(path) as connection:
        existing = table_names(connection)
        if table not in existing:
            raise TableNotFoundError(
                f"the artifact has no table {table!r}",
                data_set=None,
                path=path,
                hint=f"choose one of: {', '.join(existing) or '(none)'}",
            )
        declared = columns(connection, table)
        names = [column.name for column in declared]
        # Closed before the connection, even when the reader stops early (a closed pipe).
        with closing(stream_rows(connection, table, names, order_by=primary_key(connection, table))) as rows:
            with blaming(path, table):
                yield declared, rows


def quote(identifier: str) -> str:
    """Quote an SQL identifier (https://www.sqlite.org/lang_keywords.html)."""
    return '"' + identifier.replace('"', '""') + '"'


#: Tables that never count as content: SQLite's own (statistics, sequences) and the metadata table.
INTERNAL_TABLE_PREFIXES = ("sqlite_", "_microcosm_sqlite_")


def table_names(connection: sqlite3.Connection, schema: str = "main") -> list[str]:
    """
    The tables whose rows are the artifact's content, sorted by name (`schema`: the attached file).

    SQLite's own tables (sqlite_sequence, sqlite_stat1, ...) and the metadata table are left out:
    they are what every command hides (inspect shows the metadata as build metadata), and what
    content hashes leave out. So are search indexes and their FTS5 tables: derived from the rows,
    not content of their own (`artifacts.fulltext`).

    """
    names = [
        row[0] for row in connection.execute(f"SELECT name FROM {quote(schema)}.sqlite_master WHERE type = 'table'")
    ]
    indexes = search_index_names(connection, schema)
    derived = {*indexes, *shadow_tables(indexes)}
    return sorted(name for name in names if not name.startswith(INTERNAL_TABLE_PREFIXES) and name not in derived)


def table_sql(connection: sqlite3.Connection, table: str) -> list[str]:
    """The CREATE statements of a table and its indexes, as stored in the file."""
    rows = connection.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type DESC, name",
        (table,),
    )
    return [sql for (sql,) in rows]


def columns(connection: sqlite3.Connection, table: str, schema: str = "main") -> list[DeclaredColumn]:
    """The columns of a table, in declaration order."""
    rows = connection.execute(f"PRAGMA {quote(schema)}.table_info({quote(table)})")
    return [
        DeclaredColumn(name=name, type=type_, nullable=not notnull and not pk, primary_key=bool(pk))
        for _cid, name, type_, notnull, _default, pk in rows
    ]


def primary_key(connection: sqlite3.Connection, table: str, schema: str = "main") -> list[str]:
    """
    The columns that identify a row: the primary key, or every column when there is none.

    Without a declared key the rowid would identify rows, but rowids are not stable across
    rebuilds, so the whole row is its identity instead.

    """
    rows = connection.execute(f"PRAGMA {quote(schema)}.table_info({quote(table)})").fetchall()
    declared = sorted((pk, name) for _cid, name, _type, _notnull, _default, pk in rows if pk)
    if declared:
        return [name for _pk, name in declared]
    return [name for _cid, name, *_rest in rows]


def count_rows(connection: sqlite3.Connection, table: str) -> int:
    (count,) = connection.execute(f"SELECT COUNT(*) FROM {quote(table)}").fetchone()
    return int(count)


def stream_rows(
    connection: sqlite3.Connection,
    table: str,
    column_names: Sequence[str],
    order_by: Sequence[str] = (),
) -> Generator[tuple[Any, ...], None, None]:
    """
    Stream a table's rows as tuples, in `order_by` order, fetching `FETCH_SIZE` at a time.

    Ordering uses the BINARY collation whatever the column declares, so that the order matches
    Python's comparison of the same values (see `sort_key`).

    """
    selected = ", ".join(quote(name) for name in column_names)
    statement = f"SELECT {selected} FROM {quote(table)}"
    if order_by:
        statement += " ORDER BY " + ", ".join(f"{quote(name)} COLLATE BINARY" for name in order_by)
    cursor = connection.execute(statement)
    try:
        while batch := cursor.fetchmany(FETCH_SIZE):
            yield from batch
    finally:
        cursor.close()


def sort_key(values: Sequence[Any]) -> tuple[tuple[int, Any], ...]:
    """
    A Python key that orders values the way SQLite's ORDER BY does.

    SQLite sorts NULL, then numbers, then text (BINARY: by UTF-8 bytes, which is code point order,
    as Python compares str), then blobs (https://www.sqlite.org/datatype3.html#sort_order).

    """
    return tuple(_value_key(value) for value in values)


def _value_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, (int, float)):
        return (1, value)
    if isinstance(value, str):
        return (2, value)
    return (3, bytes(value))
