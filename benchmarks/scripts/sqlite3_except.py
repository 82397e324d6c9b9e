"""Floor for diff: a plain EXCEPT over two artifacts attached read-only, the rows of A not in B."""

import sqlite3

from common import Checksum, Work, arguments, report

args = arguments()
with Work() as work:
    connection = sqlite3.connect(f"file:{args['a']}?mode=ro&immutable=1", uri=True)
    connection.execute("ATTACH DATABASE ? AS b", (f"file:{args['b']}?mode=ro&immutable=1",))
    checksum = Checksum()
    for (id_,) in connection.execute("SELECT id FROM (SELECT * FROM main.airport EXCEPT SELECT * FROM b.airport)"):
        checksum.rows += 1
        checksum.total += id_
report(checksum, work.seconds)
