"""
Comparing two artifacts table by table, streaming both in primary-key order.

Memory stays flat however big the files: each side is read in key order and merged like a sorted
merge-join, so only the current row of each side (and a few sample keys) is ever held.

"""

import sqlite3
from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, NamedTuple

from microcosm_sqlite.artifacts import reading
from microcosm_sqlite.artifacts.hashing import TableHash, hash_table
from microcosm_sqlite.artifacts.reading import blaming, open_artifact, sort_key

__all__ = [
    "DEFAULT_SAMPLE_SIZE",
    "ArtifactDiff",
    "Change",
    "KeyedRow",
    "KeyedRows",
    "Side",
    "TableDiff",
    "diff_artifacts",
    "diff_table",
    "empty",
    "merge_join",
]


#: Keys of each kind a `TableDiff` keeps as examples.
DEFAULT_SAMPLE_SIZE = 10

#: A row as the merge-join sees it: (key values, values compared, every value).
KeyedRow = tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]
KeyedRows = Generator[KeyedRow, None, None]


class Change(Enum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass
class TableDiff:
    """How one table differs between artifact A and artifact B."""

    name: str
    key: list[str]
    rows_a: int | None = None  # None: the table is not in A
    rows_b: int | None = None
    hash_a: str | None = None
    hash_b: str | None = None
    counts: dict[str, int] = field(default_factory=lambda: {change.value: 0 for change in Change})
    samples: dict[str, list[list[Any]]] = field(default_factory=lambda: {change.value: [] for change in Change})
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    key_changed: bool = False  # the primary key is not the same columns on both sides
    note: str | None = None  # why rows could not be compared key by key

    @property
    def same(self) -> bool:
        # A changed key is a difference even when the rows hash alike: it changes what a lookup
        # by key finds and which rows may be added.
        return (
            self.rows_a is not None
            and self.rows_b is not None
            and self.hash_a == self.hash_b
            and not self.key_changed
            and not self.columns_added
            and not self.columns_removed
        )


@dataclass
class ArtifactDiff:
    """Every table of two artifacts, compared."""

    a: str
    b: str
    tables: list[TableDiff]

    @property
    def same(self) -> bool:
        return all(table.same for table in self.tables)


class Side(NamedTuple):
    """One of the two artifacts being compared."""

    path: str | Path
    connection: sqlite3.Connection

    def key(self, table: str) -> list[str]:
        with blaming(self.path):
            return reading.primary_key(self.connection, table)

    def column_names(self, table: str) -> list[str]:
        with blaming(self.path):
            return [column.name for column in reading.columns(self.connection, table)]

    def table_hash(self, table: str) -> TableHash:
        with blaming(self.path):
            return hash_table(self.connection, table)

    def rows(self, table: str, all_columns: list[str], shared: list[str], key: list[str]) -> KeyedRows:
        """(key values, shared values, all values) of each row, in key order."""
        positions = [all_columns.index(column) for column in shared]
        key_positions = [all_columns.index(column) for column in key]
        with blaming(self.path):
            for row in reading.stream_rows(self.connection, table, all_columns, order_by=key):
                yield tuple(row[i] for i in key_positions), tuple(row[i] for i in positions), row


def diff_artifacts(a: str | Path, b: str | Path, sample_size: int = DEFAULT_SAMPLE_SIZE) -> ArtifactDiff:
    """Compare two artifacts, opened read-only; tables only one side has are reported too."""
    with open_artifact(a) as connection_a, open_artifact(b) as connection_b:
        left, right = Side(a, connection_a), Side(b, connection_b)
        with blaming(a):
            names_a = set(reading.table_names(connection_a))
        with blaming(b):
            names_b = set(reading.table_names(connection_b))
        diffs = [
            diff_table(left if name in names_a else None, right if name in names_b else None, name, sample_size)
            for name in sorted(names_a | names_b)
        ]
    return ArtifactDiff(a=str(a), b=str(b), tables=diffs)


def diff_table(left: Side | None, right: Side | None, name: str, sample_size: int = DEFAULT_SAMPLE_SIZE) -> TableDiff:
    """Compare one table; a missing side (None) counts every row of the other as added or removed."""
    key_a = left.key(name) if left else None
    key_b = right.key(name) if right else None
    key = key_a or key_b or []
    diff = TableDiff(name=name, key=key)
    columns_a = left.column_names(name) if left else []
    columns_b = right.column_names(name) if right else []
    if left and right:
        diff.columns_added = [column for column in columns_b if column not in columns_a]
        diff.columns_removed = [column for column in columns_a if column not in columns_b]
        if key_a != key_b:
            diff.key_changed = True
            diff.note = f"the primary key changed ({', '.join(key_a or [])} -> {', '.join(key_b or [])})"
    # The content hashes are the build's own (a second, cheap pass), so they match the metadata.
    if left:
        hash_a = left.table_hash(name)
        diff.rows_a, diff.hash_a = hash_a.rows, hash_a.content_hash
    if right:
        hash_b = right.table_hash(name)
        diff.rows_b, diff.hash_b = hash_b.rows, hash_b.content_hash
    if diff.note or diff.same:
        return diff
    # Rows are compared on the columns both sides have.
    shared = [column for column in columns_a if column in columns_b] if left and right else columns_a or columns_b
    rows_a = left.rows(name, columns_a, shared, key) if left else empty()
    rows_b = right.rows(name, columns_b, shared, key) if right else empty()
    # Close both streams before their connections close, even when the other side fails.
    with closing(rows_a), closing(rows_b):
        for change, row_key in merge_join(rows_a, rows_b):
            diff.counts[change.value] += 1
            samples = diff.samples[change.value]
            if len(samples) < sample_size:
                samples.append(list(row_key))
    return diff


def merge_join(rows_a: Iterator[KeyedRow], rows_b: Iterator[KeyedRow]) -> Iterator[tuple[Change, tuple[Any, ...]]]:
    """
    Walk two streams sorted by key, yielding each key added (only in B), removed (only in A) or changed.

    Rows are `(key, compared values, full row)`.

    """
    a = next(rows_a, None)
    b = next(rows_b, None)
    while a is not None or b is not None:
        if b is None or (a is not None and sort_key(a[0]) < sort_key(b[0])):
            assert a is not None
            yield Change.REMOVED, a[0]
            a = next(rows_a, None)
        elif a is None or sort_key(b[0]) < sort_key(a[0]):
            yield Change.ADDED, b[0]
            b = next(rows_b, None)
        else:
            if a[1] != b[1]:
                yield Change.CHANGED, a[0]
            a = next(rows_a, None)
            b = next(rows_b, None)


def empty() -> KeyedRows:
    """The rows of a table a side does not have."""
    yield from ()
