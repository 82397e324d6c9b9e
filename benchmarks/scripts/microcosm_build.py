"""Ours and the original: the compat builder, `graph.sqlite_builder.csv(Airport).build(fileobj)`."""

from airports import Airport, Airports, create_graph
from common import Checksum, Work, arguments, report

args = arguments()
graph = create_graph(args["out"], read_only=False)
with Work() as work:
    Airports.create_all(graph)
    with Airports.new_context(graph) as context:
        with open(args["csv"], newline="", encoding="utf-8") as source:
            graph.sqlite_builder.csv(Airport).build(source)
        # Harmless if the builder committed itself; needed if it left that to the caller.
        context.commit()
report(Checksum(), work.seconds)
