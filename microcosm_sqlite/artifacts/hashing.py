"""
Logical content hashes: what a table holds, independent of the engine that stores it.

Like SQLite's `dbhash` tool, rows are read in primary-key order and every value is encoded with a
type tag, so two databases with the same rows hash the same whatever their page layout, insert
order or SQLite version. From artifact format 3 on, values are encoded in a canonical form of the
model's value rather than as one engine stores it: a JSON document by its meaning (keys sorted), a
date or time as its ISO text, a boolean as 0 or 1, a UUID as its 32 hex digits, a decimal as the
integer or float it equals. So an artifact and its copy on PostgreSQL (`artifacts.server`), which
hands back typed values, hash identically. Formats 1 and 2 hashed SQLite's stored values as they
are, in each column's own collation order: their hashes are still computed that way.

This module is the only place a content hash is computed.

"""

import hashlib
import json
import sqlite3
import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from os import PathLike
from typing import Any
from uuid import UUID

from microcosm_sqlite.artifacts.reading import columns, primary_key, quote, table_names
from microcosm_sqlite.constants import ARTIFACT_FORMAT_VERSION, TYPED_HASH_FORMAT_VERSION

__all__ = [
    "Encoder",
    "TableHash",
    "encode_json",
    "encode_value",
    "file_sha256",
    "hash_rows",
    "hash_table",
    "hash_tables",
    "overall_hash",
]

#: Encodes one value of a column into the bytes the hash reads.
Encoder = Callable[[Any], bytes]


@dataclass(frozen=True)
class TableHash:
    """The number of rows of a table and the SHA-256 of its columns and rows."""

    rows: int
    content_hash: str


def hash_tables(connection: sqlite3.Connection, format_version: int = ARTIFACT_FORMAT_VERSION) -> dict[str, TableHash]:
    """The hash of every content table of a database, as artifacts of `format_version` record it."""
    return {table: hash_table(connection, table, format_version=format_version) for table in table_names(connection)}


def overall_hash(tables: dict[str, TableHash]) -> str:
    """One hash for a whole database, from its per-table hashes."""
    digest = hashlib.sha256()
    for name in sorted(tables):
        digest.update(_encode_text(name) + _encode_text(tables[name].content_hash))
    return digest.hexdigest()


def hash_table(
    connection: sqlite3.Connection, table: str, schema: str = "main", *, format_version: int = ARTIFACT_FORMAT_VERSION
) -> TableHash:
    """Hash a table's column names and its rows, read in primary-key order (`schema`: the attached file)."""
    declared = columns(connection, table, schema)
    names = [column.name for column in declared]
    typed = format_version >= TYPED_HASH_FORMAT_VERSION
    # Without a primary key, every column: an order that still depends on content only. Formats
    # 1 and 2 used plain ORDER BY (each column's own collation); typed hashes use BINARY, which
    # orders text by code point as PostgreSQL's "C" collation does.
    collation = " COLLATE BINARY" if typed else ""
    order = ", ".join(quote(name) + collation for name in primary_key(connection, table, schema))
    selected = ", ".join(quote(name) for name in names)
    encoders = [_stored_encoder(column.type) if typed else _encode_stored for column in declared]
    cursor = connection.execute(f"SELECT {selected} FROM {quote(schema)}.{quote(table)} ORDER BY {order}")

    def rows() -> Iterable[Sequence[Any]]:
        while batch := cursor.fetchmany(1000):
            yield from batch

    return hash_rows(table, names, encoders, rows())


def hash_rows(
    table: str, names: Sequence[str], encoders: Sequence[Encoder], rows: Iterable[Sequence[Any]]
) -> TableHash:
    """
    The hash of a table from its column names and its rows in key order, each value through the
    encoder of its column: what every engine's hashing comes down to.

    """
    digest = hashlib.sha256(_encode_text(table))
    for name in names:
        digest.update(_encode_text(name))
    count = 0
    batch: list[bytes] = []
    for row in rows:
        count += 1
        batch.append(b"R" + b"".join([encode(value) for encode, value in zip(encoders, row)]))
        if len(batch) == 1000:
            digest.update(b"".join(batch))
            batch.clear()
    digest.update(b"".join(batch))
    return TableHash(rows=count, content_hash=digest.hexdigest())


def file_sha256(path: str | PathLike[str]) -> str:
    """The SHA-256 of a file's bytes, read in chunks."""
    with open(path, "rb") as source:
        return hashlib.file_digest(source, "sha256").hexdigest()


def encode_value(value: Any) -> bytes:
    """
    A value in its canonical form: one tag per kind of value, fixed-width or length-prefixed
    payloads, so no two different rows encode to the same bytes.

    The tags are SQLite's storage classes (https://www.sqlite.org/datatype3.html), and typed values
    are encoded as SQLAlchemy stores them in SQLite: what the builders wrote hashes the same read
    back from either engine.

    """
    if value is None:
        return b"N"
    if isinstance(value, int):  # booleans too: SQLite stores them as 0 and 1
        return b"I" + struct.pack(">q", value)
    if isinstance(value, float):
        return b"F" + struct.pack(">d", value)
    if isinstance(value, str):
        return _encode_text(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return b"B" + struct.pack(">Q", len(value)) + bytes(value)
    if isinstance(value, Decimal):
        # SQLite's NUMERIC affinity keeps a whole number as an integer, anything else as a float.
        if value.is_finite() and value == value.to_integral_value():
            return encode_value(int(value))
        return encode_value(float(value))
    if isinstance(value, datetime):
        return _encode_text(value.isoformat(sep=" ", timespec="microseconds"))
    if isinstance(value, date):
        return _encode_text(value.isoformat())
    if isinstance(value, time):
        return _encode_text(value.isoformat(timespec="microseconds"))
    if isinstance(value, UUID):
        return _encode_text(value.hex)
    return _encode_text(str(value))


def encode_json(value: Any) -> bytes:
    """A JSON document (as text) by its meaning: parsed, then written with sorted keys and no spaces."""
    if not isinstance(value, str):
        return encode_value(value)
    try:
        document = json.loads(value)
    except ValueError:
        return encode_value(value)  # not JSON: hashed as the text it is
    return _encode_text(json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False))


def _stored_encoder(declared: str) -> Encoder:
    """How a value stored in SQLite under the declared type `declared` is read back as its model value."""
    kind = declared.split("(", 1)[0].strip().upper()
    if kind == "JSON":
        return encode_json
    parse = _TEMPORAL.get(kind)
    if parse is None:
        return encode_value

    def encode_temporal(value: Any) -> bytes:
        # Text another tool wrote in another ISO form ('T' separator, no microseconds) is the same value.
        if isinstance(value, str):
            try:
                return encode_value(parse(value))
            except ValueError:
                pass
        return encode_value(value)

    return encode_temporal


_TEMPORAL: dict[str, Callable[[str], Any]] = {
    "DATE": date.fromisoformat,
    "DATETIME": datetime.fromisoformat,
    "TIMESTAMP": datetime.fromisoformat,
    "TIME": time.fromisoformat,
}


def _encode_stored(value: Any) -> bytes:
    """Formats 1 and 2: a value as SQLite stores it."""
    if value is None:
        return b"N"
    if isinstance(value, int):
        return b"I" + struct.pack(">q", value)
    if isinstance(value, float):
        return b"F" + struct.pack(">d", value)
    if isinstance(value, str):
        return _encode_text(value)
    return b"B" + struct.pack(">Q", len(value)) + bytes(value)


def _encode_text(text: str) -> bytes:
    data = text.encode("utf-8")
    return b"T" + struct.pack(">Q", len(data)) + data
