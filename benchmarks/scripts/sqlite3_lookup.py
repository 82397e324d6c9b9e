"""Floor: one primary-key SELECT per id with the stdlib cursor."""

import sqlite3

from common import COLUMNS, TABLE, Checksum, Work, arguments, lookup_ids, report

args = arguments()
ids = lookup_ids(int(args["rows"]))
with Work() as work:
    connection = sqlite3.connect(f"file:{args['db']}?mode=ro&immutable=1", uri=True)
    sql = f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE id = ?"
    checksum = Checksum().add(connection.execute(sql, (id_,)).fetchone() for id_ in ids)
report(checksum, work.seconds)
