"""
Logical content hashes: what a table holds, independent of how SQLite laid it out on disk.

Like SQLite's `dbhash` tool, rows are read in primary-key order and every value is encoded with its
storage class, so two files with the same rows hash the same whatever their page layout, insert
order or SQLite version. This module is the only place a content hash is computed.

"""

import hashlib
import sqlite3
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from os import PathLike
from typing import Any

from microcosm_sqlite.artifacts.reading import columns, primary_key, quote, table_names

__all__ = ["TableHash", "file_sha256", "hash_table", "hash_tables", "overall_hash"]


@dataclass(frozen=True)
class TableHash:
    """The number of rows of a table and the SHA-256 of its columns and rows."""

    rows: int
    content_hash: str


def hash_tables(connection: sqlite3.Connection) -> dict[str, TableHash]:
    """The hash of every content table of a database."""
    return {table: hash_table(connection, table) for table in table_names(connection)}


def overall_hash(tables: dict[str, TableHash]) -> str:
    """One hash for a whole database, from its per-table hashes."""
    digest = hashlib.sha256()
    for name in sorted(tables):
        digest.update(_encode_text(name) + _encode_text(tables[name].content_hash))
    return digest.hexdigest()


def hash_table(connection: sqlite3.Connection, table: str, schema: str = "main") -> TableHash:
    """Hash a table's column names and its rows, read in primary-key order (`schema`: the attached file)."""
    names = [column.name for column in columns(connection, table, schema)]
    # Without a primary key, every column: an order that still depends on content only. Plain
    # ORDER BY (each column's own collation), as recorded hashes were computed.
    order = ", ".join(quote(name) for name in primary_key(connection, table, schema))
    selected = ", ".join(quote(name) for name in names)

    digest = hashlib.sha256(_encode_text(table))
    for name in names:
        digest.update(_encode_text(name))
    rows = 0
    cursor = connection.execute(f"SELECT {selected} FROM {quote(schema)}.{quote(table)} ORDER BY {order}")
    while batch := cursor.fetchmany(1000):
        rows += len(batch)
        digest.update(b"".join(_encode_row(row) for row in batch))
    return TableHash(rows=rows, content_hash=digest.hexdigest())


def file_sha256(path: str | PathLike[str]) -> str:
    """The SHA-256 of a file's bytes, read in chunks."""
    with open(path, "rb") as source:
        return hashlib.file_digest(source, "sha256").hexdigest()


def _encode_row(row: Iterable[Any]) -> bytes:
    return b"R" + b"".join(_encode_value(value) for value in row)


def _encode_value(value: Any) -> bytes:
    # One tag per SQLite storage class, and fixed-width or length-prefixed payloads, so no two
    # different rows can encode to the same bytes (https://www.sqlite.org/datatype3.html).
    if value is None:
        return b"N"
    if isinstance(value, int):
        return b"I" + struct.pack(">q", value)
    if isinstance(value, float):
        return b"F" + struct.pack(">d", value)
    if isinstance(value, str):
        return b"T" + _encode_text(value)[1:]
    return b"B" + struct.pack(">Q", len(value)) + bytes(value)


def _encode_text(text: str) -> bytes:
    data = text.encode("utf-8")
    return b"T" + struct.pack(">Q", len(data)) + data
