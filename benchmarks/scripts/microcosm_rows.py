"""Ours only: the same scan in row mode, `SearchResult.rows()` (named tuples, no ORM objects)."""

from airports import Airports, AirportStore, create_graph
from common import Checksum, Work, arguments, report

args = arguments()
graph = create_graph(args["db"], read_only=True)
store = AirportStore()
with Work() as work:
    with Airports.new_context(graph):
        checksum = Checksum().add(store.search().rows())
report(checksum, work.seconds)
