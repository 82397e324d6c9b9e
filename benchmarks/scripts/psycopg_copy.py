"""The floor of a publish: the artifact's rows into one PostgreSQL table with a plain psycopg COPY."""

import sqlite3

import psycopg
from airports import Airport
from common import COLUMNS, TABLE, Checksum, Work, arguments, report
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable

args = arguments()
schema = args["schema"]
ddl = str(CreateTable(Airport.__table__).compile(dialect=postgresql.dialect())).replace(
    f"CREATE TABLE {TABLE}", f'CREATE TABLE "{schema}".{TABLE}', 1
)
with Work() as work:
    source = sqlite3.connect(f"file:{args['db']}?mode=ro", uri=True)
    with psycopg.connect(args["url"]) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
        connection.execute(ddl)
        cursor = source.execute(f"SELECT {', '.join(COLUMNS)} FROM {TABLE}")
        rows = 0
        with (
            connection.cursor() as server,
            server.copy(f'COPY "{schema}".{TABLE} ({", ".join(COLUMNS)}) FROM STDIN') as copy,
        ):
            while batch := cursor.fetchmany(1000):
                for row in batch:
                    copy.write_row(row)
                rows += len(batch)
    source.close()
checksum = Checksum()
checksum.rows = rows
report(checksum, work.seconds)
