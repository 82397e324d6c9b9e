"""
Dumpers: write a store's rows to files the builders read back to the same values.

One module per format; `graph.sqlite_dumper` (factory.py) is the graph's front for them.

"""
from microcosm_sqlite.dumpers.base import Dumper
from microcosm_sqlite.dumpers.csv import CSVDumper
from microcosm_sqlite.dumpers.factory import SQLiteDumper
from microcosm_sqlite.dumpers.jsonl import JSONLinesDumper

__all__ = ["CSVDumper", "Dumper", "JSONLinesDumper", "SQLiteDumper"]
