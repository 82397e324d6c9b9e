"""
Building an artifact: a whole dataset written to a new file, checked, then renamed into place.

Everything happens in a temporary file beside the target, so the final `os.replace` is an atomic
rename on the same file system: readers see the old file or the new one, never a half-built one,
and a build that fails (or is killed) leaves the target exactly as it was. A killed build's
temporary file is removed by the next build of the target (`leftovers`).

"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from contextlib import closing, suppress
from dataclasses import replace
from os import PathLike
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.schema import CreateIndex, CreateTable

from microcosm_sqlite._engines import EngineOptions, create_engine_for
from microcosm_sqlite._names import data_set_base
from microcosm_sqlite.artifacts.digest import placeholder, stamp_digest
from microcosm_sqlite.artifacts.fingerprint import schema_fingerprint
from microcosm_sqlite.artifacts.fulltext import create_search_indexes, fill_search_indexes
from microcosm_sqlite.artifacts.hashing import file_sha256, hash_tables, overall_hash
from microcosm_sqlite.artifacts.leftovers import create_temporary, remove_stale
from microcosm_sqlite.artifacts.metadata import ArtifactInfo, SourceInfo, same_named_sources, source_key, write_metadata
from microcosm_sqlite.constants import ARTIFACT_APPLICATION_ID, ARTIFACT_FORMAT_VERSION
from microcosm_sqlite.errors import (
    ArtifactCheckError,
    BrokenForeignKeyError,
    BuildError,
    DataSetError,
    SourceNotFoundError,
)

if TYPE_CHECKING:
    from microcosm_sqlite.builders.loading import Progress

__all__ = ["KEPT", "ArtifactBuild", "Source", "build_artifact"]


KEPT = "the previous artifact was kept"

#: A source of an artifact: the model its rows belong to and the file they come from.
Source = tuple[Any, "str | PathLike[str]"]


class ArtifactBuild:
    """
    Build one dataset's artifact in a temporary file and move it onto `target` on success.

        with ArtifactBuild("datasets/geography.db", Geography, sources=[(Country, "country.csv")]) as build:
            build.load()                  # the sources, through the builders
            ...                           # or write rows with build.engine directly
        build.info                        # what the metadata table says

    Entering creates the schema in a new file beside the target and exposes a writable `engine`.
    A clean exit checks foreign keys and integrity, analyses, writes the metadata table, stamps
    `application_id`/`user_version`, compacts into a rollback-journal file, writes the file's
    SHA-256 into it (`artifacts.digest`), fsyncs it and renames it onto the target. Any exception
    (from the block or from those steps) leaves the target untouched, removes the temporary files
    and propagates. With `ignore_columns`, `load` skips source columns the models lack rather than
    refusing them.

    """

    def __init__(
        self, target: str | PathLike[str], base: Any, sources: Sequence[Source] = (), ignore_columns: bool = False
    ) -> None:
        self.target = Path(target)
        self.ignore_columns = ignore_columns
        self.base = data_set_base(base)
        self.data_set: str = self.base.__name__
        self.sources = list(sources)
        self.info: ArtifactInfo | None = None
        self._source_infos: tuple[SourceInfo, ...] = ()
        self._engine: Engine | None = None
        self._temporary: Path | None = None
        #: Held open (and flock-ed) for the build's life: how other builds tell it is running.
        self._lock: int | None = None

    @property
    def engine(self) -> Engine:
        """A writable engine on the temporary file (only inside the `with` block)."""
        if self._engine is None:
            raise RuntimeError("ArtifactBuild.engine is only available inside its `with` block")
        return self._engine

    def __enter__(self) -> ArtifactBuild:
        if self.target.is_dir():
            # Checked first: the final rename could not replace a directory, and would fail only
            # after the whole build.
            raise DataSetError(
                "the build target is a directory, not an artifact file",
                data_set=self.data_set,
                path=self.target,
                hint="give the path of the artifact file to write (such as datasets/geography.db), not its folder",
            )
        self._check_source_names()
        # Hash the sources first: a missing file fails before anything is written.
        self._source_infos = tuple(self._hash_source(model, path) for model, path in self.sources)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        # What builds killed before this one left (nothing runs after SIGKILL) goes now.
        remove_stale(self.target)
        self._temporary, self._lock = create_temporary(self.target)
        try:
            self._engine = create_engine_for(str(self._temporary), EngineOptions(use_foreign_keys=True))
            _use_fast_settings(self._engine)
            _create_schema(self.base.metadata, self._engine)
        except BaseException:
            self._clean_up()
            raise
        return self

    def load(self, progress: Progress | None = None) -> dict[str, int]:
        """Load every source through the builders in one transaction; rows loaded per table."""
        from microcosm_sqlite.builders import load_sources

        loaded: dict[str, int] = load_sources(
            self.engine, self.sources, data_set=self.data_set, progress=progress, ignore_columns=self.ignore_columns
        )
        return loaded

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if exc is None:
                self.info = self._finish()
        finally:
            self._clean_up()

    def _finish(self) -> ArtifactInfo:
        assert self._temporary is not None
        self.engine.dispose()
        compact = self._temporary.with_name(self._temporary.name + ".compact")
        with closing(sqlite3.connect(self._temporary, isolation_level=None)) as connection:
            # Filled once every row is in (whichever way it was written), and checked with them.
            fill_search_indexes(self.base.metadata, connection)
            self._check(connection)
            tables = hash_tables(connection)
            content_hash = overall_hash(tables)
            info = ArtifactInfo(
                data_set=self.data_set,
                schema_fingerprint=schema_fingerprint(self.base.metadata),
                content_hash=content_hash,
                tables=tables,
                sources=self._source_infos,
                format_version=ARTIFACT_FORMAT_VERSION,
                # Overwritten with the file's SHA-256 once its bytes are final (artifacts.digest).
                file_sha256=placeholder(content_hash),
            )
            connection.execute("BEGIN")
            write_metadata(connection, info)
            connection.execute("COMMIT")
            connection.execute("ANALYZE")
            connection.execute(f"PRAGMA application_id = {ARTIFACT_APPLICATION_ID}")
            connection.execute(f"PRAGMA user_version = {ARTIFACT_FORMAT_VERSION}")
            connection.execute("PRAGMA journal_mode = DELETE")
            # VACUUM INTO writes the pages in canonical order into a fresh file: the same content
            # gives the same bytes however it was inserted (https://www.sqlite.org/lang_vacuum.html).
            connection.execute("VACUUM INTO ?", (str(compact),))
        info = replace(info, file_sha256=self._stamp(compact, content_hash))
        _fsync_file(compact)
        os.replace(compact, self.target)
        # The rename is durable only once the directory entry is on disk.
        _fsync_file(self.target.parent)
        return info

    def _stamp(self, compact: Path, content_hash: str) -> str:
        """Write the whole-file digest over its placeholder: the last change to the file's bytes."""
        digest, offsets = stamp_digest(compact, content_hash)
        if len(offsets) != 1:
            # The placeholder depends on the content hash, so no row can hold it: a bug, not bad input.
            raise ArtifactCheckError(
                f"the digest placeholder occurs {len(offsets)} times in the new file instead of once",
                data_set=self.data_set,
                hint=f"report this with the sources that produced it; {KEPT}",
            )
        return digest

    def _check(self, connection: sqlite3.Connection) -> None:
        broken = connection.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            # The builders check foreign keys per source; this catches rows written another way.
            table, rowid, parent, _ = broken[0]
            raise BrokenForeignKeyError(
                f"{len(broken)} row(s) refer to rows of table {parent!r} that do not exist (the first at rowid {rowid})",
                data_set=self.data_set,
                table=table,
                hint=f"add the missing {parent!r} rows to the sources, or fix the references; {KEPT}",
            )
        problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise ArtifactCheckError(
                f"the integrity check of the new file failed: {'; '.join(problems[:3])}",
                data_set=self.data_set,
                hint=f"report this with the sources that produced it; {KEPT}",
            )

    def _check_source_names(self) -> None:
        for table, name, paths in same_named_sources(self.sources):
            raise BuildError(
                f"{len(paths)} sources have the file name {name!r} ({', '.join(map(repr, paths))}); the artifact "
                "records sources by file name, so one would overwrite the other's record",
                data_set=self.data_set,
                source=paths[1],
                table=table,
                hint=f"give the files distinct names, or merge them into one source; {KEPT}",
            )

    def _hash_source(self, model: Any, path: str | PathLike[str]) -> SourceInfo:
        try:
            sha256 = file_sha256(path)
        except OSError as error:
            raise SourceNotFoundError(
                f"cannot read the source ({error.strerror})",
                data_set=self.data_set,
                source=os.fspath(path),
                table=model.__table__.name,
                hint=f"check the paths passed as sources; {KEPT}",
            ) from None
        table, name = source_key(model, path)
        return SourceInfo(table=table, name=name, sha256=sha256)

    def _clean_up(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        if self._temporary is not None:
            compact = f"{self._temporary}.compact"
            for leftover in (self._temporary, f"{self._temporary}-journal", compact, f"{compact}-journal"):
                with suppress(FileNotFoundError):
                    os.unlink(leftover)
            self._temporary = None
        if self._lock is not None:
            os.close(self._lock)  # last: the files are gone before the lock says the build is over
            self._lock = None


def build_artifact(
    target: str | PathLike[str],
    base: Any,
    sources: Sequence[Source],
    progress: Progress | None = None,
    ignore_columns: bool = False,
) -> ArtifactInfo:
    """
    Build `target` for the dataset `base` from `sources`, atomically; what its metadata says.

    A source column the models lack is an error unless `ignore_columns` is true, which skips it.

    """
    with ArtifactBuild(target, base, sources=sources, ignore_columns=ignore_columns) as build:
        build.load(progress=progress)
    assert build.info is not None
    return build.info


def _create_schema(metadata: MetaData, engine: Engine) -> None:
    """
    Create the tables, then each table's indexes in name order, then the search indexes.

    `metadata.create_all` creates a table's indexes in the iteration order of `Table.indexes`, a
    set, which changes from run to run when a table has several; SQLite records creation order in
    `sqlite_master`, so the artifact's bytes changed with it.

    """
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            connection.execute(CreateTable(table))
            for index in sorted(table.indexes, key=lambda index: str(index.name)):
                connection.execute(CreateIndex(index))
        create_search_indexes(metadata, connection)


def _use_fast_settings(engine: Engine) -> None:
    """No fsync and no journal file while loading: a failed build throws the whole file away."""

    @event.listens_for(engine, "connect")
    def set_fast_pragmas(dbapi_connection: sqlite3.Connection, record: Any) -> None:
        dbapi_connection.execute("PRAGMA synchronous = OFF")
        dbapi_connection.execute("PRAGMA journal_mode = MEMORY")


def _fsync_file(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
