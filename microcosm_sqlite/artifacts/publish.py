"""
Publishing an artifact to PostgreSQL: a whole dataset copied into a staging schema, then swapped in.

The steps, and why each is safe to be killed in:

1. The artifact is checked first (its whole-file digest): damaged bytes are never published.
2. A session advisory lock on the target schema serialises publishes of one dataset. Holding it,
   any staging schema of that dataset is a leftover of a killed publish, and is dropped.
3. In one transaction: a new staging schema, the models' tables (foreign keys left for later),
   every row with `COPY ... FROM STDIN` (streamed from SQLite in batches: memory stays flat), then
   the indexes and foreign keys (building an index once is cheaper than maintaining it per row),
   the search indexes in place of the artifact's FTS5 ones (`artifacts.server_search`),
   the artifact's metadata table copied verbatim, and `ANALYZE`. Killed in there, the server rolls
   it all back.
4. Committed, the staging schema waits under its own name; killed now, it is a leftover (step 2).
5. The swap, in one short transaction: the published tables are locked (`ACCESS EXCLUSIVE`, so no
   reader holds a mix of old and new tables, as a reader that already read an old table keeps them
   until its transaction ends), the privileges granted on the published schema and its tables are
   granted on the new ones, the published schema is renamed to `<schema>__previous_<n>`, and the
   staging schema to the published name. Readers see the old dataset or the new one.
6. Previous versions beyond `keep` are dropped; killed before, the next publish drops them.

"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData, Table

from microcosm_sqlite._names import data_set_base
from microcosm_sqlite.artifacts.checks import check_artifact_file
from microcosm_sqlite.artifacts.digest import check_digest
from microcosm_sqlite.artifacts.fingerprint import schema_fingerprint
from microcosm_sqlite.artifacts.freshness import REBUILD
from microcosm_sqlite.artifacts.metadata import METADATA_TABLE, ArtifactInfo, read_metadata
from microcosm_sqlite.artifacts.reading import FETCH_SIZE, open_artifact, quote, table_names
from microcosm_sqlite.artifacts.server import (
    connect,
    default_schema,
    first_line,
    has_table,
    masked,
    schema_exists,
    schema_in_url,
)
from microcosm_sqlite.artifacts.server import quote as quote_pg
from microcosm_sqlite.artifacts.server_search import create_server_search
from microcosm_sqlite.errors import PublishError, StaleArtifactError

if TYPE_CHECKING:
    import psycopg

__all__ = ["DEFAULT_KEEP", "LOCK_TIMEOUT", "Publication", "previous_name", "publish_artifact", "staging_prefix"]


#: Previous versions kept after a publish, unless told otherwise.
DEFAULT_KEEP = 1
#: How long the swap waits for a reader holding a published table before it lets go of every table
#: it holds and tries again. Well below PostgreSQL's deadlock_timeout (1 s by default): a reader that
#: holds one table and wants another the swap holds would otherwise wait until the server's deadlock
#: check, which may pick the reader's query as its victim.
LOCK_TIMEOUT = "100ms"
#: How long the swap keeps trying before the publish fails (readers in long transactions).
SWAP_DEADLINE_SECONDS = 30.0
#: The longest identifier PostgreSQL keeps whole (NAMEDATALEN - 1 bytes).
MAX_IDENTIFIER = 63
#: The longest suffix a publish adds to a schema name.
LONGEST_SUFFIX = len("__previous_") + 10

UNTOUCHED = "the published dataset was left as it was"

#: Called with the name of each step as it is reached (see the module docstring): "locked",
#: "created", "copied <table>", "indexed", "staged", "swapping", "published".
StepHook = Callable[[str], None]


@dataclass(frozen=True)
class Publication:
    """What a publish did: where the dataset now lives and what it holds."""

    url: str  # the password masked
    schema: str
    data_set: str
    content_hash: str
    rows: dict[str, int]
    #: The schema the replaced version is kept under (None: there was none, or `keep` is 0).
    previous: str | None = None
    #: Schemas dropped: leftovers of killed publishes, and previous versions beyond `keep`.
    dropped: list[str] = field(default_factory=list)


def staging_prefix(schema: str) -> str:
    return f"{schema}__staging_"


def previous_name(schema: str, number: int) -> str:
    return f"{schema}__previous_{number}"


def publish_artifact(
    artifact_path: str | Path,
    url: str,
    base: Any = None,
    *,
    schema: str | None = None,
    keep: int = DEFAULT_KEEP,
    on_step: StepHook | None = None,
) -> Publication:
    """
    Publish an artifact to the PostgreSQL database `url` names, atomically, as schema `schema`
    (default: the dataset's name, lower-cased).

    The tables are created from the declarative `base` (the models the artifact was built from;
    without it, from the artifact's own tables with their generic types). The previous version is
    kept as `<schema>__previous_<n>`, as are up to `keep` previous versions in all. A failure, or a
    kill, at any point leaves the published dataset as it was. `on_step` is called with the name of
    each step reached (for progress, or to stop a publish at a known point in tests).

    """
    if keep < 0:
        raise ValueError("keep must be 0 or more")
    step: StepHook = on_step or (lambda name: None)
    path = Path(artifact_path)
    data_set = data_set_base(base).__name__ if base is not None else None
    info, metadata_rows = _checked_artifact(data_set, path, base)
    data_set = info.data_set
    url, schema_named = schema_in_url(url)
    schema = schema or schema_named or default_schema(data_set)
    where = masked(url)

    def failed(problem: str) -> PublishError:
        return PublishError(
            problem, data_set=data_set, path=where, hint=f"{UNTOUCHED}; fix the cause and publish again"
        )

    if len(schema.encode()) + LONGEST_SUFFIX > MAX_IDENTIFIER:
        raise failed(f"schema name {schema!r} is too long to add a publish's suffixes to")
    staging = staging_prefix(schema) + secrets.token_hex(4)
    metadata = _metadata(base, path, staging)
    with connect(url, data_set) as connection:
        import psycopg  # installed: connect() says how to install it otherwise

        try:
            connection.execute("SELECT pg_advisory_lock(%s)", (_lock_key(schema),))
            connection.commit()
            dropped = _drop_leftovers(connection, schema)
            _check_target(connection, schema, failed)
            step("locked")
            rows = _stage(connection, path, metadata, staging, metadata_rows, step)
            connection.commit()
            step("staged")
            previous = _swap(connection, schema, staging, step)
            step("published")
            dropped += _drop_previous(connection, schema, keep)
        except psycopg.Error as error:
            # The context names the table, line and column of a row COPY refused.
            context = getattr(error.diag, "context", None)
            where_in = f"; {context.splitlines()[0]}" if context else ""
            raise failed(f"the server refused a step ({first_line(error)}{where_in})") from None
    return Publication(
        url=where,
        schema=schema,
        data_set=data_set,
        content_hash=info.content_hash,
        rows=rows,
        previous=previous if previous not in dropped else None,
        dropped=dropped,
    )


def _checked_artifact(data_set: str | None, path: Path, base: Any) -> tuple[ArtifactInfo, list[tuple[str, str]]]:
    """The artifact's metadata and its raw rows, once its bytes and its models check out."""
    check_artifact_file(data_set, path)
    check_digest(data_set, path)
    with open_artifact(path) as connection:
        info = read_metadata(connection, data_set, path)
        if info is None:
            raise PublishError(
                "the file has no microcosm-sqlite metadata to publish (it was not built by build_artifact)",
                data_set=data_set,
                path=path,
                hint="build it with build_artifact or `microcosm-sqlite build`",
            )
        rows = connection.execute(f"SELECT key, value FROM {quote(METADATA_TABLE)} ORDER BY key").fetchall()
    if base is not None and info.schema_fingerprint != schema_fingerprint(data_set_base(base).metadata):
        raise StaleArtifactError(
            "the artifact was built from other models (its schema fingerprint differs from the models')",
            data_set=data_set,
            path=path,
            hint=REBUILD,
        )
    return info, [(str(key), str(value)) for key, value in rows]


def _metadata(base: Any, path: Path, schema: str) -> MetaData:
    """The tables to create, in `schema`: the models', or the artifact's own with generic types."""
    if base is not None:
        source = data_set_base(base).metadata
    else:
        source = _reflected(path)
    metadata = MetaData(naming_convention=source.naming_convention)
    for table in source.sorted_tables:
        # Foreign keys between the dataset's tables follow them into the schema.
        table.to_metadata(metadata, schema=schema)
    return metadata


def _reflected(path: Path) -> MetaData:
    from microcosm_sqlite._engines import EngineOptions, create_engine_for

    engine = create_engine_for(str(path), EngineOptions(read_only=True, use_foreign_keys=False))
    try:
        with open_artifact(path) as connection:
            names = table_names(connection)
        metadata = MetaData()
        metadata.reflect(engine, only=names)
    finally:
        engine.dispose()
    for table in metadata.tables.values():
        for column in table.columns:
            # SQLite's own type classes (DATETIME...) compile only for SQLite.
            column.type = column.type.as_generic()
    return metadata


def _lock_key(schema: str) -> int:
    digest = hashlib.sha256(f"microcosm-sqlite publish {schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _schemas_like(connection: psycopg.Connection[Any], prefix: str) -> list[str]:
    rows = connection.execute("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", (prefix,)).fetchall()
    return sorted(name for (name,) in rows)


def _drop_leftovers(connection: psycopg.Connection[Any], schema: str) -> list[str]:
    """Drop the staging schemas of killed publishes (no publish of this schema runs: we hold the lock)."""
    leftovers = _schemas_like(connection, staging_prefix(schema))
    for name in leftovers:
        connection.execute(f"DROP SCHEMA {quote_pg(name)} CASCADE")
    connection.commit()
    return leftovers


def _check_target(connection: psycopg.Connection[Any], schema: str, failed: Callable[[str], PublishError]) -> None:
    """Refuse to move aside a schema of tables that no publish made (another application's)."""
    if not schema_exists(connection, schema) or has_table(connection, schema, METADATA_TABLE):
        return
    (tables,) = connection.execute("SELECT count(*) FROM pg_tables WHERE schemaname = %s", (schema,)).fetchone() or (0,)
    if tables:
        raise failed(f"schema {schema!r} holds tables that were not published from an artifact; choose another schema")


def _stage(
    connection: psycopg.Connection[Any],
    path: Path,
    metadata: MetaData,
    staging: str,
    metadata_rows: Sequence[tuple[str, str]],
    step: StepHook,
) -> dict[str, int]:
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import AddConstraint, CreateIndex, CreateTable

    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]

    def ddl(statement: Any) -> None:
        connection.execute(str(statement.compile(dialect=dialect)))

    connection.execute(f"CREATE SCHEMA {quote_pg(staging)}")
    tables = metadata.sorted_tables
    for table in tables:
        ddl(CreateTable(table, include_foreign_key_constraints=[]))
    step("created")
    rows = {}
    with open_artifact(path) as source:
        for table in tables:
            rows[table.name] = _copy_table(connection, source, table, staging)
            step(f"copied {table.name}")
        for table in tables:
            for index in sorted(table.indexes, key=lambda index: str(index.name)):
                ddl(CreateIndex(index))
            for constraint in sorted(table.foreign_key_constraints, key=lambda constraint: str(constraint.name)):
                ddl(AddConstraint(constraint))
        # In place of the artifact's FTS5 indexes, which are not copied: PostgreSQL's own.
        create_server_search(connection, source, metadata, staging)
    connection.execute(
        f"CREATE TABLE {quote_pg(staging)}.{quote_pg(METADATA_TABLE)} (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote_pg(staging)}.{quote_pg(METADATA_TABLE)} (key, value) VALUES (%s, %s)", metadata_rows
        )
    # Planner statistics now, so the first queries on the new version get good plans.
    for table in tables:
        connection.execute(f"ANALYZE {quote_pg(staging)}.{quote_pg(table.name)}")
    step("indexed")
    return rows


def _copy_table(connection: psycopg.Connection[Any], source: Any, table: Table, staging: str) -> int:
    names = [column.name for column in table.columns]
    target = f"{quote_pg(staging)}.{quote_pg(table.name)} ({', '.join(map(quote_pg, names))})"
    cursor = source.execute(f"SELECT {', '.join(map(quote, names))} FROM {quote(table.name)}")
    count = 0
    with connection.cursor() as server, server.copy(f"COPY {target} FROM STDIN") as copy:
        while batch := cursor.fetchmany(FETCH_SIZE):
            for row in batch:
                copy.write_row(row)
            count += len(batch)
    return count


def _swap(connection: psycopg.Connection[Any], schema: str, staging: str, step: StepHook) -> str | None:
    """Rename the published schema aside and the staging one in, in one transaction; the name it went to."""
    import psycopg

    deadline = time.monotonic() + SWAP_DEADLINE_SECONDS
    pause = 0.01
    while True:
        try:
            return _swap_once(connection, schema, staging, step)
        except (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected):
            # A reader held a published table past the timeout (or locked them in another order):
            # nothing was renamed, and the rollback frees whatever this attempt held at once.
            connection.rollback()
            if time.monotonic() + pause > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


def _swap_once(connection: psycopg.Connection[Any], schema: str, staging: str, step: StepHook) -> str | None:
    connection.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    retired = None
    if schema_exists(connection, schema):
        tables = connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", (schema,)
        )
        names = [f"{quote_pg(schema)}.{quote_pg(name)}" for (name,) in tables.fetchall()]
        if names:
            connection.execute(f"LOCK TABLE {', '.join(names)} IN ACCESS EXCLUSIVE MODE")
        _copy_grants(connection, schema, staging)
        retired = previous_name(schema, 1 + max(_previous_numbers(connection, schema), default=0))
        connection.execute(f"ALTER SCHEMA {quote_pg(schema)} RENAME TO {quote_pg(retired)}")
    connection.execute(f"ALTER SCHEMA {quote_pg(staging)} RENAME TO {quote_pg(schema)}")
    step("swapping")
    connection.commit()
    return retired


#: GRANT statements giving the staging schema, and each of its tables, the privileges the published
#: schema and its table of the same name have (PUBLIC is grantee 0; %% is psycopg's escaped %).
_GRANTS = """
SELECT format('GRANT %%s ON SCHEMA %%I TO %%s%%s', a.privilege_type, %(staging)s::text, {grantee})
FROM pg_namespace n, aclexplode(n.nspacl) a
WHERE n.nspname = %(schema)s
UNION ALL
SELECT format('GRANT %%s ON TABLE %%I.%%I TO %%s%%s', a.privilege_type, %(staging)s::text, c.relname, {grantee})
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a
WHERE n.nspname = %(schema)s AND c.relkind = 'r'
  AND EXISTS (SELECT 1 FROM pg_tables t WHERE t.schemaname = %(staging)s AND t.tablename = c.relname)
""".format(
    grantee="CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END, "
    "CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END"
)


def _copy_grants(connection: psycopg.Connection[Any], schema: str, staging: str) -> None:
    """
    Give the new version the privileges granted on the one it replaces: services often read as a
    role of their own, which would otherwise lose access to the dataset at the swap.

    """
    grants = connection.execute(_GRANTS, {"schema": schema, "staging": staging}).fetchall()
    for (grant,) in grants:
        connection.execute(grant)


def _previous_numbers(connection: psycopg.Connection[Any], schema: str) -> list[int]:
    pattern = re.compile(re.escape(previous_name(schema, 0)[:-1]) + r"(\d+)")
    matches = (pattern.fullmatch(name) for name in _schemas_like(connection, previous_name(schema, 0)[:-1]))
    return [int(match.group(1)) for match in matches if match]


def _drop_previous(connection: psycopg.Connection[Any], schema: str, keep: int) -> list[str]:
    """Drop the previous versions beyond the newest `keep`; one a reader still holds waits for the next publish."""
    import psycopg

    numbers = sorted(_previous_numbers(connection, schema), reverse=True)
    dropped = []
    for number in numbers[keep:]:
        name = previous_name(schema, number)
        try:
            with _transaction(connection):
                connection.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                connection.execute(f"DROP SCHEMA {quote_pg(name)} CASCADE")
        except psycopg.errors.LockNotAvailable:
            continue
        dropped.append(name)
    return dropped


@contextmanager
def _transaction(connection: psycopg.Connection[Any]) -> Iterator[None]:
    try:
        yield
    except BaseException:
        connection.rollback()
        raise
    connection.commit()
