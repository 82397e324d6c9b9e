"""
A private PostgreSQL server for the suite, from the `pgserver` package (PostgreSQL 16 bundled).

One server per test session, listening only on a Unix socket in a temporary folder, and one
database per test module, so modules never see each other's schemas.

"""

import re
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def private_server() -> Iterator[Any]:
    # A short folder of its own in /tmp, not pytest's: the server's socket path must stay under
    # the Unix limit of 107 bytes, and pgserver runs PostgreSQL as an unprivileged user when the
    # suite runs as root, who must be able to reach the folder.
    folder = Path(tempfile.mkdtemp(prefix="microcosm-pg-"))
    folder.chmod(0o755)
    with warnings.catch_warnings():
        # pgserver keeps its locks in the user's runtime folder, which containers often leave unset.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        import pgserver

        server = pgserver.get_server(folder, cleanup_mode="delete")
    try:
        yield server
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


def create_database(server: Any, name: str) -> str:
    """Create an empty database and return its URL for SQLAlchemy's psycopg 3 dialect."""
    name = re.sub(r"[^a-z0-9_]", "_", name.lower())[:63]
    server.psql(f'DROP DATABASE IF EXISTS "{name}"')
    server.psql(f'CREATE DATABASE "{name}"')
    return server.get_uri(name).replace("postgresql://", "postgresql+psycopg://", 1)


def server_rows(url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    """The rows of one query, read with plain psycopg as any other client of the server would."""
    import psycopg

    with psycopg.connect("postgresql://" + url.partition("://")[2], autocommit=True) as connection:
        return connection.execute(query, params).fetchall()  # type: ignore[arg-type]


def schemas(url: str, prefix: str) -> list[str]:
    """The schemas whose names start with `prefix`, sorted."""
    rows = server_rows(url, "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s) ORDER BY 1", prefix)
    return [name for (name,) in rows]


def server_execute(url: str, *statements: str) -> None:
    """Run statements that return no rows, each in its own transaction."""
    import psycopg

    with psycopg.connect("postgresql://" + url.partition("://")[2], autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)  # type: ignore[arg-type]


def publish_for_tests(artifact: Path, url: str, base: Any, schema: str | None = None) -> str:
    """
    Copy an artifact into the layout a published dataset has (test-only; the product publishes
    with `publish_artifact`): a schema named after the dataset (lower-cased) holding the models'
    tables made by `create_all`, every row, and the artifact's metadata table copied verbatim.

    Returns the dataset's URL (with `?schema=` when a schema is given).

    """
    from sqlalchemy import Column, MetaData, Table, Text, create_engine, inspect, text

    from microcosm_sqlite.artifacts.metadata import METADATA_TABLE

    schema = schema or base.__name__.lower()
    source = create_engine(f"sqlite:///file:{artifact}?mode=ro&uri=true")
    target = create_engine(url)
    try:
        with source.connect() as reading, target.begin() as writing:
            writing.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            writing.execute(text(f'CREATE SCHEMA "{schema}"'))
            in_schema = writing.execution_options(schema_translate_map={None: schema})
            base.metadata.create_all(in_schema)
            for table in base.metadata.sorted_tables:
                rows = [row._asdict() for row in reading.execute(table.select())]
                if rows:
                    in_schema.execute(table.insert(), rows)
            if METADATA_TABLE in inspect(reading).get_table_names():
                metadata_table = Table(
                    METADATA_TABLE,
                    MetaData(),
                    Column("key", Text, primary_key=True),
                    Column("value", Text, nullable=False),
                    schema=schema,
                )
                metadata_table.create(writing)
                rows = [row._asdict() for row in reading.execute(text(f"SELECT key, value FROM {METADATA_TABLE}"))]
                writing.execute(metadata_table.insert(), rows)
    finally:
        source.dispose()
        target.dispose()
    return url if schema == base.__name__.lower() else f"{url}&schema={schema}"


#: The first words of what a read-only reader may send: reads, transaction control (savepoints: the
#: dialect's type checks at first connect), its own settings, the pool's ping (";").
READER_STATEMENTS = (
    "SELECT",
    "WITH",
    "SHOW",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT",
    "RELEASE",
    "SET SESSION",
    "DECLARE",
    "FETCH",
    "CLOSE",
    ";",
)


@contextmanager
def statements_seen_by_server(server: Any, url: str, name: str) -> Iterator[tuple[str, list[str]]]:
    """
    Yield a URL for `url`'s dataset whose connections the server logs every statement of, and a
    list that holds, once the block ends, every statement the server received through that URL.

    The server log is the witness: a statement refused before it was sent never appears there.
    The caller must leave the connections open until the block ends, or their lines still count
    (they are matched by application_name).

    """
    import time

    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://", 1).split("&schema=")[0]
    with psycopg.connect(plain, autocommit=True) as admin:
        prefix = "%m [%p] app=%a "
        if admin.execute("SHOW log_line_prefix").fetchone()[0] != prefix:
            admin.execute(f"ALTER SYSTEM SET log_line_prefix = '{prefix}'")
            admin.execute("SELECT pg_reload_conf()")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                with psycopg.connect(plain) as fresh:
                    if fresh.execute("SHOW log_line_prefix").fetchone()[0] == prefix:
                        break
                time.sleep(0.05)
    log = Path(server.pgdata) / "log"
    start = log.stat().st_size
    seen: list[str] = []
    yield f"{url}&application_name={name}&options=-c%20log_statement%3Dall", seen
    time.sleep(0.2)  # the server writes its log asynchronously to our reading
    with log.open("rb") as lines:
        lines.seek(start)
        text = lines.read().decode("utf-8", "replace")
    # Simple-protocol statements log as "statement: ...", parametrised ones (psycopg's extended
    # protocol) as "execute <name>: ...": both are what the reader sent.
    marker = re.compile(rf"app={re.escape(name)} LOG:  (?:statement|execute [^:]*): (.*)")
    seen.extend(match.group(1) for line in text.splitlines() if (match := marker.search(line)))


def rows_on_server(url: str, schema: str, table: str) -> list[tuple]:
    """A table's rows as a second, writable connection sees them, in key order."""
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://", 1).split("&schema=")[0]
    with psycopg.connect(plain) as connection:
        return [tuple(row) for row in connection.execute(f'SELECT * FROM "{schema}"."{table}" ORDER BY 1')]
