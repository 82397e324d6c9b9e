"""Floor: stdlib `executemany` of the typed CSV records, in one transaction."""

import sqlite3

from common import COLUMNS, DDL, TABLE, Checksum, Work, arguments, convert, read_csv, report

args = arguments()
with Work() as work:
    connection = sqlite3.connect(args["out"])
    connection.execute(DDL)
    with connection:
        placeholders = ", ".join("?" * len(COLUMNS))
        connection.executemany(f"INSERT INTO {TABLE} VALUES ({placeholders})", map(convert, read_csv(args["csv"])))
    connection.close()
report(Checksum(), work.seconds)
