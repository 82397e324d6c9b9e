"""
Is an artifact up to date with its models and sources?

`check_artifact` answers for CI, with a list of every concrete problem; `check_not_stale` is the
runtime's cheap version, run once when a read-only dataset is first used with its models.

"""

import os
import sqlite3
from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData
from sqlalchemy.engine import Engine

from microcosm_sqlite._engines import connect_read_only
from microcosm_sqlite._names import data_set_base
from microcosm_sqlite.artifacts.checks import check_artifact_file, damaged, special_file
from microcosm_sqlite.artifacts.fingerprint import schema_fingerprint
from microcosm_sqlite.artifacts.hashing import TableHash, file_sha256, hash_tables
from microcosm_sqlite.artifacts.metadata import (
    ArtifactInfo,
    SourceInfo,
    read_metadata,
    same_named_sources,
    source_key,
)
from microcosm_sqlite.constants import ARTIFACT_APPLICATION_ID, READABLE_FORMAT_VERSIONS
from microcosm_sqlite.errors import DataSetError, MalformedMetadataError, StaleArtifactError

__all__ = ["NO_METADATA", "REBUILD", "ArtifactReport", "check_artifact", "check_not_stale", "content_problems"]


NO_METADATA = "the file has no microcosm-sqlite metadata (it was not built by build_artifact)"
REBUILD = "rebuild the artifact with the current models, or deploy the artifact built for this code"


@dataclass(frozen=True)
class ArtifactReport:
    """The result of `check_artifact`: every reason the artifact is not up to date, if any."""

    path: str
    data_set: str
    problems: tuple[str, ...]
    info: ArtifactInfo | None = None

    @property
    def up_to_date(self) -> bool:
        return not self.problems


def check_artifact(
    path: str | PathLike[str],
    base: Any,
    sources: Sequence[tuple[Any, str | PathLike[str]]] | None = None,
    *,
    verify_content: bool = True,
) -> ArtifactReport:
    """
    Check an artifact against its models and, when given, its sources.

    Reports (never raises for) a missing or damaged file, a file without microcosm-sqlite metadata,
    another format version, a schema fingerprint that differs from the models', sources that
    changed, were added or were removed, and (with `verify_content`) rows edited after the build.

    """
    base = data_set_base(base)
    data_set = str(base.__name__)
    path = Path(path)

    def report(*problems: str, info: ArtifactInfo | None = None) -> ArtifactReport:
        return ArtifactReport(path=str(path), data_set=data_set, problems=tuple(problems), info=info)

    try:
        check_artifact_file(data_set, path)
    except DataSetError as error:
        return report(error.problem)
    try:
        with closing(connect_read_only(path, immutable=False)) as connection:
            application_id = connection.execute("PRAGMA application_id").fetchone()[0]
            format_version = connection.execute("PRAGMA user_version").fetchone()[0]
            info = read_metadata(connection, data_set, path)
            tables = hash_tables(connection, info.format_version) if verify_content and info is not None else None
    except MalformedMetadataError as error:
        return report(error.problem)
    except sqlite3.DatabaseError as error:
        return report(f"the metadata cannot be read ({error})")

    if info is None or application_id != ARTIFACT_APPLICATION_ID:
        return report(NO_METADATA)
    problems = []
    if format_version not in READABLE_FORMAT_VERSIONS:
        readable = ", ".join(map(str, READABLE_FORMAT_VERSIONS))
        problems.append(f"artifact format {format_version}, this library reads formats {readable}")
    if info.data_set != data_set:
        problems.append(f"it was built for dataset {info.data_set!r}")
    if info.schema_fingerprint != schema_fingerprint(base.metadata):
        problems.append("the schema fingerprint differs from the models': the models changed since the build")
    if sources is not None:
        problems.extend(_source_problems(info.sources, sources))
    if tables is not None:
        problems.extend(content_problems(info.tables, tables))
    return report(*problems, info=info)


def content_problems(recorded: Mapping[str, TableHash], tables: Mapping[str, TableHash]) -> list[str]:
    """One problem per table whose rows (hashed now) differ from what the build recorded."""
    return [
        f"table {name!r} no longer matches its recorded content hash (edited after the build?)"
        for name in sorted(set(tables) | set(recorded))
        if tables.get(name) != recorded.get(name)
    ]


def check_not_stale(data_set: str, path: str | Path, engine: Engine, metadata: MetaData) -> None:
    """
    Raise `StaleArtifactError` if the file records a schema fingerprint other than the models'.

    The whole metadata is read (a few rows), so a damaged metadata table is refused here too
    (`MalformedMetadataError`) rather than trusted for its one fingerprint.

    """
    try:
        with engine.connect() as connection:
            info = read_metadata(connection.connection.dbapi_connection, data_set, path)  # type: ignore[arg-type]
    except sqlite3.DatabaseError as error:
        raise damaged(data_set, path, error) from None
    # Files without metadata come from other tools: the schema check alone vouches for them.
    if info is not None and info.schema_fingerprint != schema_fingerprint(metadata):
        raise StaleArtifactError(
            "the artifact was built from other models (its schema fingerprint differs from the models')",
            data_set=data_set,
            path=path,
            hint=REBUILD,
        )


def _source_problems(recorded: Sequence[SourceInfo], sources: Sequence[tuple[Any, str | PathLike[str]]]) -> list[str]:
    problems = [
        f"sources {', '.join(map(repr, paths))} (table {table!r}) have the same file name, "
        "which an artifact cannot tell apart"
        for table, _, paths in same_named_sources(sources)
    ]
    recorded_by_key = {(source.table, source.name): source for source in recorded}
    given_keys = set()
    for model, source_path in sources:
        key = source_key(model, source_path)
        given_keys.add(key)
        try:
            # A FIFO given as a source would block the read until a writer appears.
            special = special_file(os.stat(source_path).st_mode)
            if special is not None:
                problems.append(f"source {str(source_path)!r} is {special}, not a regular file")
                continue
            sha256 = file_sha256(source_path)
        except OSError as error:
            problems.append(f"source {str(source_path)!r} cannot be read ({error.strerror})")
            continue
        previous = recorded_by_key.get(key)
        if previous is None:
            problems.append(f"source {key[1]!r} (table {key[0]!r}) was not part of the build")
        elif previous.sha256 != sha256:
            problems.append(
                f"source {key[1]!r} (table {key[0]!r}) changed since the build "
                f"(sha256 {previous.sha256[:12]}… then, {sha256[:12]}… now)"
            )
    problems.extend(
        f"the build used source {name!r} (table {table!r}), which was not given"
        for table, name in sorted(set(recorded_by_key) - given_keys)
    )
    return problems
