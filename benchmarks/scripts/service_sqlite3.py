"""Floor: the service calls as the statements the stores run, with the stdlib cursor."""

import sqlite3

from common import Work, arguments, report
from service_common import LIMIT, Checksum, calls, workload

args = arguments()
work, call, store = workload(args), args["call"], args.get("store", "ordered")
arguments_of_calls = calls(args, work, call)
checksum = Checksum()
with Work() as timing:
    connection = sqlite3.connect(f"file:{args['db']}?mode=ro&immutable=1", uri=True)
    if call == "search":
        sql = work.search_sql(store)
        for group, minimum in arguments_of_calls:
            parameters = (group, LIMIT) if store == "ordered" else (group, minimum, LIMIT)
            checksum.add(connection.execute(sql, parameters).fetchall())
    else:
        sql = work.lookup_sql(work.primary_key if call == "one" else work.unique)
        for key in arguments_of_calls:
            checksum.add([connection.execute(sql, (key,)).fetchone()])
report(checksum, timing.seconds)
