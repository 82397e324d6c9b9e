"""Floor: import sqlite3, connect read-only, then the same two SELECTs, timed from the start."""

import time

start = time.process_time()

import sqlite3  # noqa: E402

from common import COLUMNS, TABLE, Checksum, arguments, report  # noqa: E402

connection = sqlite3.connect(f"file:{arguments()['db']}?mode=ro&immutable=1", uri=True)
select = f"SELECT {', '.join(COLUMNS)} FROM {TABLE}"
checksum = Checksum().add(connection.execute(f"{select} WHERE id = ?", (1,)).fetchall())
checksum.add(connection.execute(f"{select} WHERE code = ?", ("A0000002",)).fetchall())
report(checksum, time.process_time() - start)
