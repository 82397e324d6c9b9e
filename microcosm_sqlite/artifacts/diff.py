"""
Comparing two artifacts table by table, in SQLite: both files attached read-only, rows matched by key.

SQLite does the row work: a LEFT JOIN of A's rows on B's primary-key index finds the keys removed
and changed, one of B's rows on A's finds those added, each in key order, and only the keys that
differ reach Python, where the two sorted streams are merged. Memory stays flat however big the
files.

A file whose whole-file digest matches is byte for byte as built, so its recorded content hashes
are its content hashes: an unchanged table costs no read of its rows.

"""

import heapq
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, NamedTuple

from microcosm_sqlite._engines import connect_read_only, read_only_uri
from microcosm_sqlite.artifacts import reading
from microcosm_sqlite.artifacts.checks import check_artifact_file, is_damage
from microcosm_sqlite.artifacts.digest import check_digest
from microcosm_sqlite.artifacts.hashing import TableHash, hash_table
from microcosm_sqlite.artifacts.metadata import read_metadata
from microcosm_sqlite.artifacts.reading import FETCH_SIZE, blaming, quote, sort_key
from microcosm_sqlite.artifacts.undecodable import is_undecodable
from microcosm_sqlite.errors import DamagedArtifactError, MalformedMetadataError

__all__ = [
    "DEFAULT_SAMPLE_SIZE",
    "ArtifactDiff",
    "Change",
    "Side",
    "TableDiff",
    "changes",
    "compared",
    "diff_artifacts",
    "diff_table",
]


#: Keys of each kind a `TableDiff` keeps as examples.
DEFAULT_SAMPLE_SIZE = 10

#: The schema names the two files are attached under.
_SCHEMAS = ("a", "b")
#: Names of the helper columns of the join; no content column starts with the metadata prefix.
_PRESENT = quote("_microcosm_sqlite_present")
_OCCURRENCE = quote("_microcosm_sqlite_occurrence")


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
    """
    One of the two artifacts being compared: its file, the connection both are attached to, the
    schema it is attached as, and its content hashes as recorded, when its digest vouches for them.

    """

    path: str | Path
    connection: sqlite3.Connection
    schema: str
    recorded: dict[str, TableHash]

    def table_names(self) -> list[str]:
        with blaming(self.path):
            return reading.table_names(self.connection, self.schema)

    def key(self, table: str) -> list[str]:
        with blaming(self.path):
            return reading.primary_key(self.connection, table, self.schema)

    def column_names(self, table: str) -> list[str]:
        with blaming(self.path):
            return [column.name for column in reading.columns(self.connection, table, self.schema)]

    def has_primary_key(self, table: str) -> bool:
        with blaming(self.path):
            return any(column.primary_key for column in reading.columns(self.connection, table, self.schema))

    def table_hash(self, table: str) -> TableHash:
        if table in self.recorded:
            return self.recorded[table]
        with blaming(self.path, table):
            return hash_table(self.connection, table, self.schema)

    def relation(self, table: str, columns: list[str], present: bool = False) -> str:
        """
        The table as a FROM item, keeping `columns` (and a marker that is NULL only for a row an
        outer join did not find, when `present`).

        A table without a primary key is a multiset of rows: each row also gets its occurrence
        among equal rows, so that two copies of a row in A and one in B leave one removed.

        """
        name = f"{quote(self.schema)}.{quote(table)}"
        selected = [*(["1 AS " + _PRESENT] if present else []), *map(quote, columns)]
        if self.has_primary_key(table):
            if not present:
                return f"{name} AS {quote(self.schema)}"
        else:
            partition = ", ".join(quote(column) for column in self.column_names(table))
            selected.append(f"row_number() OVER (PARTITION BY {partition}) AS {_OCCURRENCE}")
        # SQLite flattens this subquery into the join and keeps its constant NULL for an unmatched
        # row (https://www.sqlite.org/optoverview.html#flattening), so the key's index still serves.
        return f"(SELECT {', '.join(selected)} FROM {name}) AS {quote(self.schema)}"


@contextmanager
def compared(a: str | Path, b: str | Path) -> Iterator[tuple[Side, Side]]:
    """
    Attach two artifacts read-only to one connection, as schemas `a` and `b`.

    Each file is checked first as any read-only artifact is. They are attached by URI with
    `mode=ro&immutable=1` (https://www.sqlite.org/uri.html): an attached file otherwise opens with
    the connection's own flags, read-write and create. The connection is in-memory, so nothing is
    written anywhere, allows no further attachment, and is `query_only`.

    """
    paths = (a, b)
    for path in paths:
        check_artifact_file(None, path)
    connection = sqlite3.connect("file::memory:", uri=True)
    try:
        for schema, path in zip(_SCHEMAS, paths, strict=True):
            with blaming(path):
                connection.execute(f"ATTACH DATABASE ? AS {quote(schema)}", (read_only_uri(path, immutable=True),))
        connection.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, len(_SCHEMAS))
        connection.execute("PRAGMA query_only = ON")
        left, right = (Side(path, connection, schema, _recorded_hashes(path)) for schema, path in zip(_SCHEMAS, paths))
        yield left, right
    finally:
        connection.close()


def _recorded_hashes(path: str | Path) -> dict[str, TableHash]:
    """
    The content hashes a file's metadata records, if its digest says its bytes are the ones built.

    A file edited after its build (or without a digest) is compared as it is, its hashes computed:
    diffing a hand-edited copy is a use of `diff`, not damage to refuse.

    """
    data_set = None
    try:
        if not check_digest(data_set, path):
            return {}
        with closing(connect_read_only(path, immutable=True)) as connection:
            info = read_metadata(connection, data_set, path)
    except (DamagedArtifactError, MalformedMetadataError, sqlite3.Error):
        return {}
    return dict(info.tables) if info else {}


def diff_artifacts(a: str | Path, b: str | Path, sample_size: int = DEFAULT_SAMPLE_SIZE) -> ArtifactDiff:
    """Compare two artifacts, opened read-only; tables only one side has are reported too."""
    with compared(a, b) as (left, right):
        names_a, names_b = set(left.table_names()), set(right.table_names())
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
    for change, row_key in changes(left, right, name, key, shared):
        diff.counts[change.value] += 1
        samples = diff.samples[change.value]
        if len(samples) < sample_size:
            samples.append(list(row_key))
    return diff


def changes(
    left: Side | None, right: Side | None, table: str, key: list[str], shared: list[str]
) -> Iterator[tuple[Change, tuple[Any, ...]]]:
    """
    Each key added (only in B), removed (only in A) or changed (a `shared` value differs), in key order.

    Rows match when their keys are equal as SQLite compares them (NULL matching NULL). A matched
    row is changed when a value differs, its type included: integer 1 and real 1.0, or text '1' and
    integer 1, are equal to `=` but not the same value (https://www.sqlite.org/datatype3.html).

    """
    if left is None or right is None:
        side = left or right
        assert side is not None
        kind = Change.ADDED if left is None else Change.REMOVED
        statement = f"SELECT {_columns(side.schema, key)} FROM {side.relation(table, key)} {_order(side.schema, key)}"
        for row in _stream(side, side, statement):
            yield kind, row
        return
    yield from heapq.merge(
        _removed_or_changed(left, right, table, key, shared),
        _added(left, right, table, key),
        key=lambda item: sort_key(item[1]),
    )


def _removed_or_changed(
    left: Side, right: Side, table: str, key: list[str], shared: list[str]
) -> Iterator[tuple[Change, tuple[Any, ...]]]:
    a, b = quote(left.schema), quote(right.schema)
    # IS: NULL is NULL; COLLATE BINARY: 'a' and 'A' differ whatever the column's collation.
    same = " AND ".join(
        f"{a}.{column} IS {b}.{column} COLLATE BINARY AND typeof({a}.{column}) = typeof({b}.{column})"
        for column in map(quote, shared)
    )
    statement = (
        f"SELECT {b}.{_PRESENT} IS NULL, {_columns(left.schema, key)} "
        f"FROM {left.relation(table, shared)} "
        f"LEFT JOIN {right.relation(table, shared, present=True)} ON {_match(left, right, table, key)} "
        f"WHERE {b}.{_PRESENT} IS NULL OR NOT ({same or '1'}) {_order(left.schema, key)}"
    )
    for removed, *row_key in _stream(left, right, statement):
        yield Change.REMOVED if removed else Change.CHANGED, tuple(row_key)


def _added(left: Side, right: Side, table: str, key: list[str]) -> Iterator[tuple[Change, tuple[Any, ...]]]:
    a = quote(left.schema)
    statement = (
        f"SELECT {_columns(right.schema, key)} FROM {right.relation(table, key)} "
        f"LEFT JOIN {left.relation(table, key, present=True)} ON {_match(right, left, table, key)} "
        f"WHERE {a}.{_PRESENT} IS NULL {_order(right.schema, key)}"
    )
    for row_key in _stream(right, left, statement):
        yield Change.ADDED, row_key


def _columns(schema: str, names: list[str]) -> str:
    return ", ".join(f"{quote(schema)}.{quote(name)}" for name in names)


def _match(scanned: Side, looked_up: Side, table: str, key: list[str]) -> str:
    """Rows with the same key; in a table without a primary key, also the same occurrence."""
    s, o = quote(scanned.schema), quote(looked_up.schema)
    # The looked-up side on the left of IS: the comparison then takes its column's collation and
    # affinity, those of its key's index, so the index serves the lookup.
    terms = [f"{o}.{quote(column)} IS {s}.{quote(column)}" for column in key]
    if not scanned.has_primary_key(table):
        terms.append(f"{o}.{_OCCURRENCE} = {s}.{_OCCURRENCE}")
    return " AND ".join(terms)


def _order(schema: str, key: list[str]) -> str:
    # BINARY, the order `sort_key` reproduces, so that the two streams merge; it is also the
    # collation of a key's index unless the column declares another.
    return "ORDER BY " + ", ".join(f"{quote(schema)}.{quote(column)} COLLATE BINARY" for column in key)


def _stream(scanned: Side, looked_up: Side, statement: str) -> Iterator[tuple[Any, ...]]:
    """The rows of a query over both files; an error that means damage names the damaged file."""
    with _blaming_either(scanned, looked_up):
        cursor = scanned.connection.execute(statement)
    try:
        while True:
            with _blaming_either(scanned, looked_up):
                batch = cursor.fetchmany(FETCH_SIZE)
            if not batch:
                return
            yield from batch
    finally:
        cursor.close()


@contextmanager
def _blaming_either(scanned: Side, looked_up: Side) -> Iterator[None]:
    """
    Name the damaged file in an error from a query that reads both.

    The files' own checks say which one is damaged; when neither check finds it, the scanned file,
    whose values the query returned, is named.

    """
    try:
        yield
    except sqlite3.DatabaseError as error:
        if not (is_damage(error) or is_undecodable(error)):
            raise
        culprit = next((side for side in (looked_up, scanned) if _fails_quick_check(side)), scanned)
        with blaming(culprit.path):
            raise error from None


def _fails_quick_check(side: Side) -> bool:
    with suppress(sqlite3.DatabaseError):
        (result,) = side.connection.execute(f"PRAGMA {quote(side.schema)}.quick_check(1)").fetchone()
        return bool(result != "ok")
    return True
