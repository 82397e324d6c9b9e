"""Ours and the original: import, graph, then the first one() and the first small search, timed from the start."""

import time

start = time.process_time()

from airports import Airports, AirportStore, create_graph, values  # noqa: E402
from common import Checksum, arguments, report  # noqa: E402

graph = create_graph(arguments()["db"], read_only=True)
store = AirportStore()
with Airports.new_context(graph):
    checksum = Checksum().add([values(store.one(id=1))])
    checksum.add(map(values, store.search(code="A0000002")))
report(checksum, time.process_time() - start)
