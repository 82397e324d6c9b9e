"""
The `sqlite_dumper` component of a microcosm object graph: `graph.sqlite_dumper.csv(store)`.

"""

from typing import Any

from microcosm_sqlite.dumpers.csv import CSVDumper
from microcosm_sqlite.dumpers.jsonl import JSONLinesDumper

__all__ = ["SQLiteDumper"]


class SQLiteDumper:
    """Creates dumpers for stores; one method per format."""

    def __init__(self, graph: Any) -> None:
        self.graph = graph

    def csv(self, store: Any, model_cls: Any = None) -> CSVDumper:
        return CSVDumper(store, model_cls)

    def jsonl(self, store: Any, model_cls: Any = None) -> JSONLinesDumper:
        return JSONLinesDumper(store, model_cls)
