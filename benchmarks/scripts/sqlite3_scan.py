"""Floor: a full scan with the stdlib cursor, over tuples, read-only and immutable like ours."""

import sqlite3

from common import COLUMNS, TABLE, Checksum, Work, arguments, report

args = arguments()
with Work() as work:
    connection = sqlite3.connect(f"file:{args['db']}?mode=ro&immutable=1", uri=True)
    checksum = Checksum().add(connection.execute(f"SELECT {', '.join(COLUMNS)} FROM {TABLE}"))
report(checksum, work.seconds)
