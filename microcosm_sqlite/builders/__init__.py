"""
Builders: CSV, JSON and JSON Lines sources loaded into a dataset's tables.

`load_sources` is the graph-free engine; `SQLiteBuilderFactory` (graph.sqlite_builder) is the
microcosm front over it.

"""
from microcosm_sqlite.builders.loading import load_sources

__all__ = ["load_sources"]
