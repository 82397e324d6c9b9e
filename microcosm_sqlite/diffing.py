"""
Comparing two artifacts table by table, streaming both in primary-key order.

Memory stays flat however big the files: each side is read in key order and merged like a sorted
merge-join, so only the current row of each side (and a few sample keys) is ever held.

"""
import hashlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from microcosm_sqlite import tables
from microcosm_sqlite.inspection import is_metadata_table
from microcosm_sqlite.tables import open_artifact, sort_key

#: Keys of each kind a `TableDiff` keeps as examples.
DEFAULT_SAMPLE_SIZE = 10


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
    note: str | None = None  # why rows could not be compared key by key

    @property
    def same(self) -> bool:
        return (
            self.rows_a is not None
            and self.rows_b is not None
            and self.hash_a == self.hash_b
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


def diff_artifacts(a: str | Path, b: str | Path, sample_size: int = DEFAULT_SAMPLE_SIZE) -> ArtifactDiff:
    """Compare two artifacts, opened read-only; tables only one side has are reported too."""
    with open_artifact(a) as left, open_artifact(b) as right:
        names_a = {name for name in tables.table_names(left) if not is_metadata_table(name)}
        names_b = {name for name in tables.table_names(right) if not is_metadata_table(name)}
        diffs = [
            diff_table(left if name in names_a else None, right if name in names_b else None, name, sample_size)
            for name in sorted(names_a | names_b)
        ]
    return ArtifactDiff(a=str(a), b=str(b), tables=diffs)


def diff_table(
    left: sqlite3.Connection | None,
    right: sqlite3.Connection | None,
    name: str,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
) -> TableDiff:
    """Compare one table; a missing side (None) counts every row of the other as added or removed."""
    key_a = tables.primary_key(left, name) if left else None
    key_b = tables.primary_key(right, name) if right else None
    key = key_a or key_b or []
    diff = TableDiff(name=name, key=key)
    columns_a = [column.name for column in tables.columns(left, name)] if left else []
    columns_b = [column.name for column in tables.columns(right, name)] if right else []
    if left and right:
        diff.columns_added = [column for column in columns_b if column not in columns_a]
        diff.columns_removed = [column for column in columns_a if column not in columns_b]
        if key_a != key_b:
            diff.note = f"the primary key changed ({', '.join(key_a or [])} -> {', '.join(key_b or [])})"
    # Rows are compared on the columns both sides have, but hashed on all of their own.
    shared = [column for column in columns_a if column in columns_b] if left and right else columns_a or columns_b
    hash_a, hash_b = RowHasher(), RowHasher()
    rows_a = hash_a.consume(_rows(left, name, columns_a, shared, key)) if left else iter(())
    rows_b = hash_b.consume(_rows(right, name, columns_b, shared, key)) if right else iter(())
    if diff.note:
        # Keys that mean different things cannot be joined: count and hash only.
        for _ in rows_a:
            pass
        for _ in rows_b:
            pass
    else:
        for change, row_key in merge_join(rows_a, rows_b):
            diff.counts[change.value] += 1
            samples = diff.samples[change.value]
            if len(samples) < sample_size:
                samples.append(list(row_key))
    if left:
        diff.rows_a, diff.hash_a = hash_a.rows, hash_a.hexdigest()
    if right:
        diff.rows_b, diff.hash_b = hash_b.rows, hash_b.hexdigest()
    return diff


def _rows(
    connection: sqlite3.Connection, name: str, all_columns: list[str], shared: list[str], key: list[str]
) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]]:
    """(key values, shared values, all values) of each row, in key order."""
    positions = [all_columns.index(column) for column in shared]
    key_positions = [all_columns.index(column) for column in key]
    for row in tables.stream_rows(connection, name, all_columns, order_by=key):
        yield tuple(row[i] for i in key_positions), tuple(row[i] for i in positions), row


def merge_join(
    rows_a: Iterator[tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]],
    rows_b: Iterator[tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]],
) -> Iterator[tuple[Change, tuple[Any, ...]]]:
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


class RowHasher:
    """
    Count and hash rows as they stream past.

    The hash covers every column of every row in key order, so two files with the same content
    have the same hash whatever their page layout (like SQLite's `dbhash` tool).

    """

    def __init__(self) -> None:
        self.rows = 0
        self._hash = hashlib.sha256()

    def consume(self, rows: Iterable[tuple[Any, Any, tuple[Any, ...]]]) -> Iterator[Any]:
        for row in rows:
            self.rows += 1
            self._hash.update(repr(row[2]).encode("utf-8") + b"\n")
            yield row

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
