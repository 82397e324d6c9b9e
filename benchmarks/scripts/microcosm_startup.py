"""Ours and the original: import the library, declare the model, create a graph with its sqlite component."""

import time

start = time.process_time()

from airports import create_graph  # noqa: E402
from common import Checksum, arguments, report  # noqa: E402

graph = create_graph(arguments()["db"], read_only=True)
graph.sqlite  # microcosm creates components on first access
report(Checksum(), time.process_time() - start)
