"""
An artifact as stable, sorted text: what `git diff` shows for it (a `textconv` filter).

Git compares the text line by line, so the form is one fact per line: the metadata by key, then
each table (by name) with its columns and one row per line, in primary-key order. The same content
gives the same text whatever the file's page layout, insert order or SQLite version, and a changed
row is one line removed and one added.

Each value is written so that its type shows: integer `1`, real `1.0`, text `"1"` (JSON-quoted, so a
line break inside a value stays on its row's line), `NULL`, blob `X'00ff'`.

"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from microcosm_sqlite.artifacts.metadata import METADATA_TABLE, has_metadata
from microcosm_sqlite.artifacts.reading import (
    blaming,
    columns,
    count_rows,
    open_artifact,
    primary_key,
    quote,
    stream_rows,
    table_names,
)

__all__ = ["text_lines", "text_value"]


def text_lines(path: str | Path) -> Iterator[str]:
    """The lines of an artifact's text form (without line ends), read from the file opened read-only."""
    with open_artifact(path) as connection:
        yield from _metadata_lines(connection)
        for table in table_names(connection):
            declared = columns(connection, table)
            names = [column.name for column in declared]
            key = primary_key(connection, table)
            yield ""
            yield f"# table {table}: {count_rows(connection, table):,} rows, key ({', '.join(key)})"
            yield "columns: " + ", ".join(f"{column.name} {column.type}".rstrip() for column in declared)
            rows = stream_rows(connection, table, names, order_by=key)
            try:
                with blaming(path, table):
                    for row in rows:
                        yield "(" + ", ".join(map(text_value, row)) + ")"
            finally:
                rows.close()


def text_value(value: Any) -> str:
    """One stored value, its type visible."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (int, float)):
        return repr(value)
    return "X'" + bytes(value).hex() + "'"


def _metadata_lines(connection: Any) -> Iterator[str]:
    if not has_metadata(connection):
        yield "# metadata: none (not built by microcosm-sqlite)"
        return
    found = {column.name for column in columns(connection, METADATA_TABLE)}
    if not {"key", "value"} <= found:
        yield f"# metadata: a table {METADATA_TABLE} not written by microcosm-sqlite"
        return
    yield "# metadata"
    rows = connection.execute(f"SELECT key, value FROM {quote(METADATA_TABLE)} ORDER BY key")
    for key, value in rows:
        structured = _structured(value)
        if structured is None:
            yield f"{key}: {value}"
        else:
            # One table's hash or one source per line, so a diff points at the one that changed.
            yield f"{key}:"
            yield from ("  " + line for line in json.dumps(structured, indent=2, sort_keys=True).splitlines())


def _structured(value: Any) -> Any:
    """A JSON object or array stored as text (the tables' hashes, the sources), else None."""
    if not isinstance(value, str) or value[:1] not in ("{", "["):
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None
