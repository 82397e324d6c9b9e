"""
Search indexes in artifacts: created and filled by the build, checked by `verify`.

Each model declaring `__search__` gets an FTS5 table over its own table (external content), created
with the schema and filled in one pass once every row is loaded (`'rebuild'`), then merged into a
single b-tree (`'optimize'`): the same rows give the same index pages, so two builds still give
identical bytes (https://www.sqlite.org/fts5.html#the_rebuild_command).

The index is derived from the rows, so content hashes leave it out (`reading.table_names`); it is
covered by the whole-file digest, SQLite's integrity check of its pages, the schema fingerprint
(which records the declaration), and `verify`, which checks that it agrees with the rows.

"""

import sqlite3
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from microcosm_sqlite._engines import connect_read_only
from microcosm_sqlite._fulltext import SHADOW_SUFFIXES, SearchIndex, quote, search_index
from microcosm_sqlite.artifacts.checks import REBUILD_HINT
from microcosm_sqlite.errors import DamagedArtifactError

__all__ = [
    "check_search_indexes",
    "create_search_indexes",
    "fill_search_indexes",
    "search_index_names",
    "search_indexes",
    "shadow_tables",
]


def search_indexes(metadata: MetaData) -> list[SearchIndex]:
    """The search indexes the models of `metadata` declare, by table name."""
    return [index for _, table in sorted(metadata.tables.items()) if (index := search_index(table)) is not None]


def create_search_indexes(metadata: MetaData, connection: Connection) -> None:
    """Create the (empty) FTS5 table of every declared index."""
    for index in search_indexes(metadata):
        connection.exec_driver_sql(index.create_sql())


def fill_search_indexes(metadata: MetaData, connection: sqlite3.Connection) -> None:
    """Index every row of the declaring tables, then merge each index into one b-tree."""
    for index in search_indexes(metadata):
        name = quote(index.name)
        connection.execute(f"INSERT INTO {name}({name}) VALUES ('rebuild')")
        connection.execute(f"INSERT INTO {name}({name}) VALUES ('optimize')")


def search_index_names(connection: sqlite3.Connection, schema: str = "main") -> list[str]:
    """The FTS5 tables a file holds, by name (`schema`: the name a file is attached under)."""
    quoted = '"' + schema.replace('"', '""') + '"'
    rows = connection.execute(
        f"SELECT name FROM {quoted}.sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%'"
    )
    return sorted(name for (name,) in rows)


def shadow_tables(names: Iterable[str]) -> set[str]:
    """The tables FTS5 keeps for the indexes `names`."""
    return {f"{name}{suffix}" for name in names for suffix in SHADOW_SUFFIXES}


def check_search_indexes(data_set: str | None, path: str | Path) -> list[str]:
    """
    Check that every search index of the file agrees with its table's rows; the indexes checked.

    FTS5 checks an index only through an INSERT of its 'integrity-check' command, which a
    read-only connection refuses (SQLite 3.44 added the check to PRAGMA integrity_check; older
    versions lack it), so the file is copied into memory and checked there: never written.

    """
    with closing(connect_read_only(path, immutable=False)) as source:
        names = search_index_names(source)
        if not names:
            return []
        with closing(sqlite3.connect(":memory:", isolation_level=None)) as copy:
            source.backup(copy)
            for name in names:
                try:
                    # rank 1: also compare the index with the rows of its content table.
                    copy.execute(f"INSERT INTO {quote(name)}({quote(name)}, rank) VALUES ('integrity-check', 1)")
                except sqlite3.DatabaseError as error:
                    raise DamagedArtifactError(
                        f"the search index {name!r} does not match its table's rows ({error})",
                        data_set=data_set,
                        path=path,
                        hint=REBUILD_HINT,
                    ) from None
    return names
