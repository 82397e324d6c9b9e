"""Floor of the first-use task: read the whole artifact once, 1 MiB at a time: what any whole-file check must do."""

import sqlite3

from common import Checksum, Work, arguments, report

CHUNK_SIZE = 1 << 20

args = arguments()
with Work() as work:
    with open(args["db"], "rb", buffering=0) as artifact:
        buffer = bytearray(CHUNK_SIZE)
        while artifact.readinto(buffer):
            pass
# Untimed: the row count the harness compares across contenders (they must have read the same file).
connection = sqlite3.connect(f"file:{args['db']}?mode=ro&immutable=1", uri=True)
checksum = Checksum()
checksum.rows = connection.execute("SELECT count(*) FROM airport").fetchone()[0]
connection.close()
report(checksum, work.seconds)
