"""
microcosm-sqlite: read-only reference data for microcosm services.

Datasets are built offline into SQLite files, shipped like code, and streamed by `Store.search()`.

"""

from typing import Any

from microcosm_sqlite.dataset import DataSet, dispose_sqlite_connections
from microcosm_sqlite.factories import SQLiteBindFactory
from microcosm_sqlite.stores import GetOrCreateSession, Store

__all__ = [
    "DataSet",
    "GetOrCreateSession",
    "SQLiteBindFactory",
    "SQLiteBuilder",
    "SQLiteDumper",
    "Store",
    "dispose_sqlite_connections",
]


def __getattr__(name: str) -> Any:
    # The names the 1.0 line exported for the builder and dumper components, imported when first
    # asked for: they pull in every format's machinery, which a service that only reads never needs.
    if name == "SQLiteBuilder":
        from microcosm_sqlite.builders.factory import SQLiteBuilderFactory

        return SQLiteBuilderFactory
    if name == "SQLiteDumper":
        from microcosm_sqlite.dumpers.factory import SQLiteDumper

        return SQLiteDumper
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
