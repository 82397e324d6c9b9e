"""
The metadata table every artifact carries: what it was built from and what it holds.

A key/value table, readable with plain SQL (`SELECT * FROM _microcosm_sqlite_metadata`). It holds
no wall-clock time, so two builds of the same sources are byte-identical.

"""

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from os import PathLike
from pathlib import Path
from typing import Any

from microcosm_sqlite.artifacts.hashing import TableHash
from microcosm_sqlite.artifacts.reading import quote
from microcosm_sqlite.errors import MalformedMetadataError

__all__ = [
    "DISTRIBUTION",
    "MALFORMED_HINT",
    "METADATA_KEYS",
    "METADATA_TABLE",
    "ArtifactInfo",
    "SourceInfo",
    "has_metadata",
    "library_version",
    "read_metadata",
    "same_named_sources",
    "source_key",
    "write_metadata",
]


METADATA_TABLE = "_microcosm_sqlite_metadata"
DISTRIBUTION = "microcosm-sqlite"

#: Every key a build writes (`ArtifactInfo.to_items`).
METADATA_KEYS = (
    "content_hash",
    "data_set",
    "format_version",
    "library_version",
    "schema_fingerprint",
    "sources",
    "sqlite_version",
    "tables",
)
MALFORMED_HINT = "rebuild the artifact from its sources or restore it from source control"


@dataclass(frozen=True)
class SourceInfo:
    """A source file an artifact was built from: its table, file name and SHA-256."""

    table: str
    name: str
    sha256: str


def source_key(model: Any, path: "str | PathLike[str]") -> tuple[str, str]:
    """How an artifact records a source: its table and its file name (folders are not recorded)."""
    return model.__table__.name, Path(path).name


def same_named_sources(sources: Iterable[tuple[Any, "str | PathLike[str]"]]) -> list[tuple[str, str, list[str]]]:
    """
    `(table, file name, paths)` for each file name given more than once for one table.

    The metadata records sources by file name, so such sources would overwrite each other's
    record (and `verify --sources` could not tell them apart).

    """
    paths: dict[tuple[str, str], list[str]] = {}
    for model, path in sources:
        paths.setdefault(source_key(model, path), []).append(str(path))
    return [(table, name, given) for (table, name), given in paths.items() if len(given) > 1]


@dataclass(frozen=True)
class ArtifactInfo:
    """What an artifact's metadata table says about it."""

    data_set: str
    schema_fingerprint: str
    content_hash: str
    tables: dict[str, TableHash]
    sources: tuple[SourceInfo, ...] = ()
    format_version: int = 1
    library_version: str = field(default_factory=lambda: library_version())
    sqlite_version: str = sqlite3.sqlite_version
    #: The SHA-256 of the whole file (see `artifacts.digest`); None in artifacts of format 1.
    file_sha256: str | None = None

    def to_items(self) -> dict[str, str]:
        """The metadata as key/value strings, JSON for the structured values."""
        digest = {} if self.file_sha256 is None else {"file_sha256": self.file_sha256}
        return digest | {
            "data_set": self.data_set,
            "format_version": str(self.format_version),
            "schema_fingerprint": self.schema_fingerprint,
            "content_hash": self.content_hash,
            "tables": _to_json({name: asdict(table) for name, table in self.tables.items()}),
            "sources": _to_json([asdict(source) for source in self.sources]),
            "library_version": self.library_version,
            "sqlite_version": self.sqlite_version,
        }

    @classmethod
    def from_items(cls, items: dict[str, str]) -> "ArtifactInfo":
        """
        The metadata from its key/value strings.

        Raises `ValueError` saying which value is missing or malformed: the metadata of a damaged
        file, or of a file whose metadata table another tool wrote.

        """
        missing = [key for key in METADATA_KEYS if key not in items]
        if missing:
            raise ValueError(f"it has no {', '.join(map(repr, missing))} row{'s' if len(missing) > 1 else ''}")
        try:
            format_version = int(items["format_version"])
        except ValueError:
            raise ValueError(f"'format_version' is not a whole number: {items['format_version']!r}") from None
        tables = _from_json(items, "tables")
        if not isinstance(tables, dict) or not all(map(_is_table_hash, tables.values())):
            raise ValueError("'tables' is not an object of table names to row counts and hashes")
        sources = _from_json(items, "sources")
        if not isinstance(sources, list) or not all(map(_is_source, sources)):
            raise ValueError("'sources' is not a list of sources with table, name and sha256")
        return cls(
            data_set=items["data_set"],
            format_version=format_version,
            schema_fingerprint=items["schema_fingerprint"],
            content_hash=items["content_hash"],
            tables={name: TableHash(**table) for name, table in tables.items()},
            sources=tuple(SourceInfo(**source) for source in sources),
            library_version=items["library_version"],
            sqlite_version=items["sqlite_version"],
            file_sha256=items.get("file_sha256"),
        )


def _from_json(items: dict[str, str], key: str) -> Any:
    try:
        return json.loads(items[key])
    except ValueError:
        raise ValueError(f"{key!r} is not JSON") from None


def _is_table_hash(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == {"rows", "content_hash"}
        and type(value["rows"]) is int
        and isinstance(value["content_hash"], str)
    )


def _is_source(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == {"table", "name", "sha256"}
        and all(isinstance(item, str) for item in value.values())
    )


def library_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "unknown"


def write_metadata(connection: sqlite3.Connection, info: ArtifactInfo) -> None:
    """Create the metadata table and fill it (the caller owns the transaction)."""
    connection.execute(
        f"CREATE TABLE {quote(METADATA_TABLE)} (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID"
    )
    connection.executemany(
        f"INSERT INTO {quote(METADATA_TABLE)} (key, value) VALUES (?, ?)",
        sorted(info.to_items().items()),
    )


def has_metadata(connection: sqlite3.Connection) -> bool:
    row = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (METADATA_TABLE,)
    ).fetchone()
    return row is not None


def read_metadata(
    connection: sqlite3.Connection, data_set: str | None = None, path: "str | PathLike[str] | None" = None
) -> ArtifactInfo | None:
    """
    The whole metadata of an artifact, or None for a file built by another tool.

    A metadata table that is damaged, or that another tool wrote under our table's name, is a
    `MalformedMetadataError` naming `data_set` and `path` (by default the connection's file and
    its stem).

    """
    if not has_metadata(connection):
        return None
    if path is None:
        path = connection.execute("PRAGMA database_list").fetchone()[2]
    columns = [str(name) for (name,) in connection.execute("SELECT name FROM pragma_table_info(?)", (METADATA_TABLE,))]
    if not {"key", "value"} <= set(columns):
        raise MalformedMetadataError(
            f"its table {METADATA_TABLE} was not written by microcosm-sqlite "
            f"(its columns are {', '.join(columns)}; expected key, value)",
            data_set=data_set,
            path=path,
            hint=MALFORMED_HINT,
        )
    rows = connection.execute(f"SELECT key, value FROM {quote(METADATA_TABLE)}").fetchall()
    try:
        return ArtifactInfo.from_items({str(key): str(value) for key, value in rows if value is not None})
    except ValueError as error:
        raise MalformedMetadataError(
            f"its metadata table is malformed ({error})", data_set=data_set, path=path, hint=MALFORMED_HINT
        ) from None


def _to_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
