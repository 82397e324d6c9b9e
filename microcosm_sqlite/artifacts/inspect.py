"""
Describing an artifact file: its tables, row counts, size, schema and build metadata.

"""

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from microcosm_sqlite.artifacts import reading
from microcosm_sqlite.artifacts.metadata import ArtifactInfo, read_metadata
from microcosm_sqlite.artifacts.reading import DeclaredColumn, open_artifact

__all__ = ["ArtifactSummary", "TableSummary", "build_metadata", "describe_artifact", "written_by"]


@dataclass(frozen=True)
class TableSummary:
    """One table: its row count (and where the count came from), columns and DDL."""

    name: str
    rows: int
    rows_from: str  # "metadata" (recorded at build time) or "count" (counted now)
    content_hash: str | None  # as recorded at build time
    primary_key: list[str]
    columns: list[DeclaredColumn]
    sql: list[str]


@dataclass(frozen=True)
class ArtifactSummary:
    """What `describe_artifact` reports about one file."""

    path: str
    size: int
    page_size: int
    journal_mode: str
    sqlite_version: str
    tables: list[TableSummary] = field(default_factory=list)
    metadata: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def describe_artifact(path: str | Path) -> ArtifactSummary:
    """
    Describe an artifact, opened read-only.

    Row counts come from the build metadata when the file has it, which is instant however big the
    file; otherwise each table is counted.

    """
    path = Path(path)
    with open_artifact(path) as connection:
        info = read_metadata(connection, None, path)
        recorded = {} if info is None else info.tables
        summaries = []
        for name in reading.table_names(connection):
            table_hash = recorded.get(name)
            summaries.append(
                TableSummary(
                    name=name,
                    rows=reading.count_rows(connection, name) if table_hash is None else table_hash.rows,
                    rows_from="count" if table_hash is None else "metadata",
                    content_hash=None if table_hash is None else table_hash.content_hash,
                    primary_key=reading.primary_key(connection, name),
                    columns=reading.columns(connection, name),
                    sql=reading.table_sql(connection, name),
                )
            )
        (page_size,) = connection.execute("PRAGMA page_size").fetchone()
        (journal_mode,) = connection.execute("PRAGMA journal_mode").fetchone()
    return ArtifactSummary(
        path=str(path),
        size=path.stat().st_size,
        page_size=int(page_size),
        journal_mode=str(journal_mode),
        sqlite_version=written_by(path),
        tables=summaries,
        metadata=None if info is None else build_metadata(info),
    )


def written_by(path: Path) -> str:
    """The SQLite version that last wrote the file (header offset 96, as X*1000000+Y*1000+Z)."""
    with path.open("rb") as artifact:
        artifact.seek(96)
        number = int.from_bytes(artifact.read(4), "big")
    return f"{number // 1_000_000}.{number // 1000 % 1000}.{number % 1000}"


def build_metadata(info: ArtifactInfo) -> dict[str, Any]:
    """What the metadata table says about the whole build (per-table figures are in the tables)."""
    return {
        "data_set": info.data_set,
        "format_version": info.format_version,
        "schema_fingerprint": info.schema_fingerprint,
        "content_hash": info.content_hash,
        "file_sha256": info.file_sha256,
        "library_version": info.library_version,
        "sqlite_version": info.sqlite_version,
        "sources": [asdict(source) for source in info.sources],
    }
