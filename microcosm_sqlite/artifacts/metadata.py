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

METADATA_TABLE = "_microcosm_sqlite_metadata"
DISTRIBUTION = "microcosm-sqlite"


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
        return cls(
            data_set=items["data_set"],
            format_version=int(items["format_version"]),
            schema_fingerprint=items["schema_fingerprint"],
            content_hash=items["content_hash"],
            tables={name: TableHash(**table) for name, table in json.loads(items["tables"]).items()},
            sources=tuple(SourceInfo(**source) for source in json.loads(items["sources"])),
            library_version=items["library_version"],
            sqlite_version=items["sqlite_version"],
            file_sha256=items.get("file_sha256"),
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


def read_metadata_value(connection: sqlite3.Connection, key: str) -> str | None:
    """One value of the metadata table, or None when the file has no metadata (or not that key)."""
    if not has_metadata(connection):
        return None
    row = connection.execute(f"SELECT value FROM {quote(METADATA_TABLE)} WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def read_metadata(connection: sqlite3.Connection) -> ArtifactInfo | None:
    """The whole metadata of an artifact, or None for a file built by another tool."""
    if not has_metadata(connection):
        return None
    rows = connection.execute(f"SELECT key, value FROM {quote(METADATA_TABLE)}").fetchall()
    return ArtifactInfo.from_items({str(key): str(value) for key, value in rows})


def _to_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
