"""Peer: sqlite-utils `insert_all` of the typed CSV records, as dicts, into the same table."""

import sqlite_utils
from common import COLUMNS, DDL, TABLE, Checksum, Work, arguments, convert, read_csv, report

args = arguments()
with Work() as work:
    db = sqlite_utils.Database(args["out"])
    db.execute(DDL)
    db[TABLE].insert_all(dict(zip(COLUMNS, convert(record))) for record in read_csv(args["csv"]))
    db.close()
report(Checksum(), work.seconds)
