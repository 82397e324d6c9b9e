"""Ours and the original: a full `Store.search()` scan over models, from a read-only graph."""

from airports import Airports, AirportStore, create_graph, values
from common import Checksum, Work, arguments, report

args = arguments()
graph = create_graph(args["db"], read_only=True)
store = AirportStore()
with Work() as work:
    with Airports.new_context(graph):
        checksum = Checksum().add(map(values, store.search()))
report(checksum, work.seconds)
