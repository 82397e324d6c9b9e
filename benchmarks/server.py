"""
A private PostgreSQL server for the benchmarks on a server (pgserver bundles PostgreSQL 16), and
the generated rows published on it the way a dataset is: schema `airports` (the `Airports`
dataset's name, lower-cased), the table as the model declares it, rows copied in with `COPY`.

"""

import os
import shutil
import sqlite3
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.data import DataFiles

SCHEMA = "airports"


@contextmanager
def private_server(parent: Path) -> Iterator[object]:
    """A server in a new folder under `parent` (traversable: pgserver runs it as its own user under root)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        import pgserver

        folder = Path(tempfile.mkdtemp(prefix="microcosm-sqlite-bench-postgres-", dir=parent))
        os.chmod(folder, 0o755)
        server = pgserver.get_server(folder / "data", cleanup_mode="delete")
    try:
        yield server
    finally:
        server.cleanup()  # removes the data folder
        shutil.rmtree(folder, ignore_errors=True)


def publish(server: object, data: DataFiles) -> str:
    """Copy the generated SQLite table into database `bench_<rows>`; the dataset's URL."""
    import psycopg

    database = f"bench_{data.rows}"
    server.psql(f"DROP DATABASE IF EXISTS {database}")  # type: ignore[attr-defined]
    server.psql(f"CREATE DATABASE {database}")  # type: ignore[attr-defined]
    url: str = server.get_uri(database)  # type: ignore[attr-defined]
    source = sqlite3.connect(f"file:{data.db}?mode=ro", uri=True)
    with psycopg.connect(url) as connection:
        connection.execute(f"CREATE SCHEMA {SCHEMA}")
        # The DDL SQLAlchemy's create_all emits for `airports.Airport` on PostgreSQL.
        connection.execute(
            f"CREATE TABLE {SCHEMA}.airport (id SERIAL NOT NULL, code VARCHAR NOT NULL, iata VARCHAR, "
            "name VARCHAR NOT NULL, city VARCHAR NOT NULL, country VARCHAR NOT NULL, region VARCHAR NOT NULL, "
            "timezone VARCHAR NOT NULL, latitude FLOAT NOT NULL, longitude FLOAT NOT NULL, elevation INTEGER NOT NULL, "
            "CONSTRAINT pk_airport PRIMARY KEY (id), CONSTRAINT uq_airport_code UNIQUE (code))"
        )
        with connection.cursor().copy(f"COPY {SCHEMA}.airport FROM STDIN") as copy:
            for row in source.execute("SELECT * FROM airport ORDER BY id"):
                copy.write_row(row)
        connection.execute(f"ANALYZE {SCHEMA}.airport")
    source.close()
    return url.replace("postgresql://", "postgresql+psycopg://", 1)
