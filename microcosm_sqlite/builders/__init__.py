"""
Builders: CSV, JSON and JSON Lines sources loaded into a dataset's tables.

`load_sources` is the graph-free engine; `SQLiteBuilderFactory` (`graph.sqlite_builder`) is the
microcosm front over it, returning a `Builder` per format.

"""
from microcosm_sqlite.builders.factory import Builder, SQLiteBuilderFactory
from microcosm_sqlite.builders.loading import DEFAULT_BATCH_SIZE, load_sources

__all__ = ["DEFAULT_BATCH_SIZE", "Builder", "SQLiteBuilderFactory", "load_sources"]
