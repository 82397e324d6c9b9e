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
