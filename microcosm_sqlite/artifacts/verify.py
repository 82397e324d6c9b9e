"""
Verifying that an artifact is sound and current: the checks CI runs before a file ships.

Each check is the library's own (file checks, integrity, schema, `check_artifact`); this module
runs them all and collects every failure rather than stopping at the first, so one CI run reports
everything wrong with a file.

"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from microcosm_sqlite._engines import EngineOptions, create_engine_for
from microcosm_sqlite._names import data_set_base
from microcosm_sqlite.artifacts.checks import check_artifact_file, check_integrity, check_schema
from microcosm_sqlite.artifacts.digest import check_digest
from microcosm_sqlite.artifacts.fingerprint import schema_fingerprint
from microcosm_sqlite.artifacts.freshness import NO_METADATA, REBUILD, check_artifact, content_problems
from microcosm_sqlite.artifacts.fulltext import check_search_indexes, search_indexes
from microcosm_sqlite.artifacts.hashing import hash_table
from microcosm_sqlite.artifacts.leftovers import leftovers
from microcosm_sqlite.artifacts.metadata import METADATA_TABLE, ArtifactInfo, read_metadata
from microcosm_sqlite.artifacts.reading import blaming, open_artifact, table_names
from microcosm_sqlite.artifacts.server import connect, default_schema, is_server_url, masked, schema_in_url
from microcosm_sqlite.artifacts.server import hash_tables as published_hashes
from microcosm_sqlite.artifacts.server import read_metadata as published_metadata
from microcosm_sqlite.artifacts.server_search import missing_server_search
from microcosm_sqlite.errors import DataSetError, StaleArtifactError

__all__ = ["NO_DIGEST", "Verification", "source_pairs", "verify_artifact", "verify_published"]


NO_DIGEST = "no digest"
REPUBLISH = "publish the dataset's artifact again (microcosm-sqlite publish)"


@dataclass
class Verification:
    """The outcome of verifying one artifact: the checks that passed and one line per failure."""

    path: str
    data_set: str | None
    passed: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    #: Temporary files of builds beside the artifact (running or killed): listed, not failures.
    leftovers: list[str] = field(default_factory=list)
    #: What was not checked, and why ("no digest": an artifact of format 1).
    notes: list[str] = field(default_factory=list)

    @property
    def sound(self) -> bool:
        return not self.failures

    def run(self, name: str, check: Callable[[], None]) -> bool:
        try:
            check()
        except DataSetError as error:
            self.failures.append(str(error))
            return False
        self.passed.append(name)
        return True

    def report(self, name: str, problems: Sequence[str], hint: str = REBUILD) -> None:
        """Record a check that reports problems rather than raising: one failure line per problem."""
        for problem in problems:
            error = StaleArtifactError(problem, data_set=self.data_set, path=self.path, hint=hint)
            self.failures.append(str(error))
        if not problems:
            self.passed.append(name)


def verify_artifact(
    path: str | Path,
    base: Any = None,
    sources: Sequence[str | Path] | None = None,
    full: bool = True,
    schema: str | None = None,
) -> Verification:
    """
    Check an artifact: a whole single-file (rollback journal) SQLite file whose bytes match the
    SHA-256 it carries (artifacts of format 1 carry none: noted "no digest"), that passes the integrity
    check, carries microcosm-sqlite metadata and still holds the content it recorded; given the
    dataset's declarative `base`, built from these models (schema fingerprint) with every table and
    column they declare; given `sources`, built from these source files.

    `sources` are files, or folders in which the sources the build recorded are looked up by name.
    `full` runs SQLite's complete integrity check rather than the quicker page check; the digest
    is checked either way. Temporary files of builds found beside the artifact are listed in
    `leftovers`.

    `path` may also be the URL of a PostgreSQL database a dataset was published to (`schema`, by
    default the name of `base` lower-cased, or the one published dataset the database holds): its
    tables must hash as its metadata records, identically to the artifact it came from (and, given
    `base`, it must come from these models, with a search index for each model declaring `__search__`).

    """
    if is_server_url(path):
        if sources is not None:
            raise ValueError("sources cannot be checked on a server: verify the artifact the dataset came from")
        return verify_published(str(path), base, schema)
    data_set = data_set_base(base).__name__ if hasattr(base, "resolve") else None
    verification = Verification(path=str(path), data_set=data_set, leftovers=list(map(str, leftovers(path))))
    if not verification.run("file", lambda: check_artifact_file(data_set, path)):
        return verification  # SQL checks on a file that is not a whole SQLite file only add noise
    # A file whose bytes changed is still checked on: the other checks say what changed.
    try:
        has_digest = check_digest(data_set, path)
    except DataSetError as error:
        verification.failures.append(str(error))
    else:
        if has_digest:
            verification.passed.append("digest")
        else:
            verification.notes.append(NO_DIGEST)
    engine = create_engine_for(str(path), EngineOptions(read_only=True, use_foreign_keys=False))
    try:
        if not verification.run("integrity", lambda: check_integrity(data_set, path, engine, full=full)):
            return verification
        if full:
            _run_search_check(verification, data_set, path)
        if base is not None:
            verification.run("schema", lambda: check_schema(data_set, path, engine, base.metadata))
    finally:
        engine.dispose()
    try:
        info = _read_metadata(path, data_set)
    except DataSetError as error:
        # Without readable metadata, the freshness and content checks have nothing to compare.
        verification.failures.append(str(error))
        return verification
    try:
        if base is None:
            if info is not None:
                verification.data_set = info.data_set
            verification.report("metadata", _content_problems(path, info))
        else:
            pairs, unknown = (None, []) if sources is None else source_pairs(base, info, sources)
            report = check_artifact(path, base, pairs, verify_content=True)
            verification.report("metadata", [*report.problems, *unknown])
    except DataSetError as error:
        # Hashing every row reads every value: damage the page checks cannot see (text that is
        # not UTF-8) surfaces here, as one more failure.
        verification.failures.append(str(error))
    return verification


def _run_search_check(verification: Verification, data_set: str | None, path: str | Path) -> None:
    """Check the search indexes against their rows; "search index" passes only for a file that has one."""
    try:
        checked = check_search_indexes(data_set, path)
    except DataSetError as error:
        verification.failures.append(str(error))
        return
    if checked:
        verification.passed.append("search index")


def verify_published(url: str, base: Any = None, schema: str | None = None) -> Verification:
    """`verify_artifact` for a dataset published on a PostgreSQL server."""
    url, schema_named = schema_in_url(url)
    schema = schema or schema_named
    data_set = data_set_base(base).__name__ if base is not None else (schema or "")
    verification = Verification(path=masked(url), data_set=data_set)
    try:
        with connect(url, data_set or None) as connection:
            schema = schema or (default_schema(data_set) if data_set else _only_published(connection, url))
            verification.data_set = verification.data_set or schema
            info = published_metadata(connection, schema, verification.data_set, url)
            if info is None:
                verification.failures.append(
                    str(
                        DataSetError(
                            f"schema {schema!r} holds no published dataset (no {METADATA_TABLE} table)",
                            data_set=verification.data_set,
                            path=verification.path,
                            hint="publish the artifact there (microcosm-sqlite publish), or name its schema",
                        )
                    )
                )
                return verification
            verification.passed.append("metadata")
            verification.data_set = info.data_set
            problems = content_problems(info.tables, published_hashes(connection, schema, info.format_version))
            if base is not None and info.schema_fingerprint != schema_fingerprint(data_set_base(base).metadata):
                problems.insert(
                    0, "the schema fingerprint differs from the models': it was published from other models"
                )
            verification.report("content", problems, hint=REPUBLISH)
            if base is not None:
                indexes = search_indexes(data_set_base(base).metadata)
                if indexes:
                    missing = missing_server_search(connection, schema, indexes)
                    verification.report("search index", missing, hint=REPUBLISH)
    except DataSetError as error:
        verification.failures.append(str(error))
    return verification


def _only_published(connection: Any, url: str) -> str:
    """The one schema of the database that holds a published dataset (previous versions aside)."""
    rows = connection.execute(
        "SELECT schemaname FROM pg_tables WHERE tablename = %s ORDER BY schemaname", (METADATA_TABLE,)
    ).fetchall()
    schemas = [name for (name,) in rows if "__previous_" not in name and "__staging_" not in name]
    if len(schemas) != 1:
        raise DataSetError(
            f"the database holds {len(schemas)} published datasets ({', '.join(schemas) or 'none'})",
            data_set=None,
            path=masked(url),
            hint="name the schema to verify (--schema), or give the models (--models)",
        )
    return str(schemas[0])


def source_pairs(
    base: Any, info: ArtifactInfo | None, paths: Sequence[str | Path]
) -> tuple[list[tuple[Any, Path]], list[str]]:
    """
    `(model, file)` pairs for `check_artifact`, and problems: paths that do not exist, files that
    were not part of the build.

    Folders are searched for the sources the build recorded; a file is matched to the recorded
    source of the same name.

    """
    recorded = {} if info is None else {source.name: source.table for source in info.sources}
    models = {mapper.local_table.name: mapper.class_ for mapper in base.registry.mappers}
    pairs, unknown = [], []
    for path in map(Path, paths):
        if not path.exists():
            unknown.append(f"source path {str(path)!r} does not exist; check the path given for the sources")
            continue
        for file in [path / name for name in sorted(recorded)] if path.is_dir() else [path]:
            model = models.get(recorded.get(file.name, ""))
            if model is None:
                unknown.append(f"source {str(file)!r} was not part of the build")
            else:
                pairs.append((model, file))
    return pairs, unknown


def _read_metadata(path: str | Path, data_set: str | None) -> ArtifactInfo | None:
    with open_artifact(path) as connection:
        return read_metadata(connection, data_set, path)


def _content_problems(path: str | Path, info: ArtifactInfo | None) -> list[str]:
    """Without models: the file has metadata, and its tables still hold what the build recorded."""
    if info is None:
        return [NO_METADATA]
    tables = {}
    with open_artifact(path) as connection:
        for table in table_names(connection):
            with blaming(path, table):
                tables[table] = hash_table(connection, table, format_version=info.format_version)
    return content_problems(info.tables, tables)
