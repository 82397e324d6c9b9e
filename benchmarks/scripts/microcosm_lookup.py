"""Ours and the original: `store.one(id=...)` for each id, from a read-only graph."""

from airports import Airports, AirportStore, create_graph, values
from common import Checksum, Work, arguments, lookup_ids, report

args = arguments()
ids = lookup_ids(int(args["rows"]))
graph = create_graph(args["db"], read_only=True)
store = AirportStore()
with Work() as work:
    with Airports.new_context(graph):
        checksum = Checksum().add(values(store.one(id=id_)) for id_ in ids)
report(checksum, work.seconds)
