"""
Builders: CSV, JSON and JSON Lines sources loaded into a dataset's tables.

`load_sources` is the graph-free engine; `SQLiteBuilderFactory` (`graph.sqlite_builder`) is the
microcosm front over it, returning a `Builder` per format. `read_text` reads one text value as a
column type, exactly as a CSV cell is read (the command line's search filters use it);
`formats` maps the file name suffixes sources may have to their readers.

"""

from microcosm_sqlite.builders.columns import read_text
from microcosm_sqlite.builders.factory import Builder, SQLiteBuilderFactory
from microcosm_sqlite.builders.loading import DEFAULT_BATCH_SIZE, load_sources
from microcosm_sqlite.builders.sources import formats

__all__ = ["DEFAULT_BATCH_SIZE", "Builder", "SQLiteBuilderFactory", "formats", "load_sources", "read_text"]
