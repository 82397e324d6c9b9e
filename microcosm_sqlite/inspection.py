"""
Describing an artifact file: its tables, row counts, size, schema and build metadata.

"""
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from microcosm_sqlite import tables
from microcosm_sqlite.tables import Column, open_artifact


@dataclass(frozen=True)
class TableSummary:
    """One table: its row count (and where the count came from), columns and DDL."""

    name: str
    rows: int
    rows_from: str  # "metadata" (recorded at build time) or "count" (counted now)
    primary_key: list[str]
    columns: list[Column]
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
        metadata = read_build_metadata(connection)
        recorded = (metadata or {}).get("row_counts", {})
        summaries = []
        for name in tables.table_names(connection):
            if is_metadata_table(name):
                continue
            if name in recorded:
                rows, rows_from = int(recorded[name]), "metadata"
            else:
                rows, rows_from = tables.count_rows(connection, name), "count"
            summaries.append(
                TableSummary(
                    name=name,
                    rows=rows,
                    rows_from=rows_from,
                    primary_key=tables.primary_key(connection, name),
                    columns=tables.columns(connection, name),
                    sql=tables.table_sql(connection, name),
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
        metadata=metadata,
    )


def written_by(path: Path) -> str:
    """The SQLite version that last wrote the file (header offset 96, as X*1000000+Y*1000+Z)."""
    with path.open("rb") as artifact:
        artifact.seek(96)
        number = int.from_bytes(artifact.read(4), "big")
    return f"{number // 1_000_000}.{number // 1000 % 1000}.{number % 1000}"


def is_metadata_table(name: str) -> bool:
    """Whether a table holds build metadata rather than data."""
    return False


def read_build_metadata(connection: sqlite3.Connection) -> dict[str, Any] | None:
    """The metadata recorded when the artifact was built, or None for a file built without it."""
    return None
