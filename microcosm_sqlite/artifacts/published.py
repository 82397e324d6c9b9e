"""
A dataset published on a PostgreSQL server: its layout, and the checks before it is first queried.

The layout, shared by the publisher and the readers: the dataset lives in one schema of the
database (see `microcosm_sqlite._locations`), which holds the models' tables as `create_all`
makes them (translated to that schema) and the artifact's metadata table,
`_microcosm_sqlite_metadata`, copied verbatim: the same `key` and `value` text columns, the
same rows. The schema fingerprint, content hashes and sources recorded at the build therefore
travel with the data.

"""

from typing import Any

from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection, Engine

from microcosm_sqlite.artifacts.fingerprint import schema_fingerprint
from microcosm_sqlite.artifacts.freshness import REBUILD
from microcosm_sqlite.artifacts.metadata import MALFORMED_HINT, METADATA_TABLE, ArtifactInfo
from microcosm_sqlite.errors import MalformedMetadataError, SchemaMismatchError, SchemaNotFoundError, StaleArtifactError

__all__ = ["PUBLISH_HINT", "check_published", "read_published_metadata", "schema_exists"]

PUBLISH_HINT = (
    "publish the artifact there (microcosm-sqlite publish ARTIFACT URL), or point the dataset's URL at the schema "
    "that holds it (?schema=...)"
)


def schema_exists(connection: Connection, schema: str) -> bool:
    found = connection.execute(
        text("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = :schema"), {"schema": schema}
    )
    return found.first() is not None


def read_published_metadata(
    connection: Connection, schema: str, data_set: str, location: str, tables: Any = None
) -> ArtifactInfo | None:
    """
    The metadata a published dataset carries, or None when its schema has no metadata table.

    A damaged metadata table, or another tool's of the same name, is `MalformedMetadataError`.

    """
    if tables is None:
        tables = inspect(connection).get_table_names(schema=schema)
    if METADATA_TABLE not in tables:
        return None
    columns = {column["name"] for column in inspect(connection).get_columns(METADATA_TABLE, schema=schema)}
    if not {"key", "value"} <= columns:
        raise MalformedMetadataError(
            f"its table {METADATA_TABLE} was not written by microcosm-sqlite "
            f"(its columns are {', '.join(sorted(columns))}; expected key, value)",
            data_set=data_set,
            path=location,
            hint=MALFORMED_HINT,
        )
    quote = connection.dialect.identifier_preparer.quote
    rows = connection.execute(text(f"SELECT key, value FROM {quote(schema)}.{quote(METADATA_TABLE)}"))
    try:
        return ArtifactInfo.from_items({str(key): str(value) for key, value in rows if value is not None})
    except ValueError as error:
        raise MalformedMetadataError(
            f"its metadata table is malformed ({error})", data_set=data_set, path=location, hint=MALFORMED_HINT
        ) from None


def check_published(
    data_set: str, location: str, schema: str, engine: Engine, metadata: MetaData, refuse_stale: bool = True
) -> None:
    """
    Check, once, that the server holds the dataset as these models expect it.

    No schema of its name: `SchemaNotFoundError`. A metadata fingerprint other than the models':
    `StaleArtifactError` (with `refuse_stale`). Tables or columns the models declare and the
    schema lacks: `SchemaMismatchError`. Column types are not compared: the publisher creates the
    tables from the models themselves.

    """
    with engine.connect() as connection:
        if not schema_exists(connection, schema):
            raise SchemaNotFoundError(
                f"the database has no schema {schema!r}: the dataset was not published there",
                data_set=data_set,
                path=location,
                hint=PUBLISH_HINT,
            )
        inspector = inspect(connection)
        existing = set(inspector.get_table_names(schema=schema))
        info = read_published_metadata(connection, schema, data_set, location, tables=existing)
        if refuse_stale and info is not None and info.schema_fingerprint != schema_fingerprint(metadata):
            raise StaleArtifactError(
                "the published dataset was built from other models (its schema fingerprint differs from the models')",
                data_set=data_set,
                path=location,
                hint=REBUILD.replace("deploy the artifact", "publish the artifact"),
            )
        missing_tables = sorted(name for name in metadata.tables if name not in existing)
        missing_columns: list[str] = []
        for name, table in sorted(metadata.tables.items()):
            if name in existing:
                columns = {column["name"] for column in inspector.get_columns(name, schema=schema)}
                missing_columns.extend(
                    f"{name}.{column.name}" for column in table.columns if column.name not in columns
                )
        connection.rollback()
    problems = []
    if missing_tables:
        problems.append(f"missing tables {', '.join(missing_tables)}")
    if missing_columns:
        problems.append(f"missing columns {', '.join(missing_columns)}")
    if problems:
        raise SchemaMismatchError(
            f"the published dataset does not match the models ({'; '.join(problems)})",
            data_set=data_set,
            path=location,
            hint="publish the artifact built with the current models, or deploy the code it was built for",
        )
