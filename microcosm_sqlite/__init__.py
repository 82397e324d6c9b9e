"""
microcosm-sqlite: read-only reference data for microcosm services.

Datasets are built offline into SQLite files, shipped like code, and streamed by `Store.search()`.

"""
from microcosm_sqlite.dataset import DataSet, dispose_sqlite_connections
from microcosm_sqlite.factories import SQLiteBindFactory
from microcosm_sqlite.stores import GetOrCreateSession, Store

__all__ = [
    "DataSet",
    "GetOrCreateSession",
    "SQLiteBindFactory",
    "Store",
    "dispose_sqlite_connections",
]
