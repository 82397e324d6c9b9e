"""
Dumpers: write a store's rows to files the builders read back to the same values.

One module per format; `graph.sqlite_dumper` (factory.py) is the graph's front for them, and
`dump_rows` (rows.py) writes plain rows, without a model, in the same formats.

"""

from microcosm_sqlite.dumpers.base import Dumper
from microcosm_sqlite.dumpers.csv import CSVDumper
from microcosm_sqlite.dumpers.factory import SQLiteDumper
from microcosm_sqlite.dumpers.jsonl import JSONLinesDumper
from microcosm_sqlite.dumpers.rows import ROW_FORMATS, dump_rows
from microcosm_sqlite.dumpers.values import csv_encoder, jsonl_encoder, portable_value

__all__ = [
    "ROW_FORMATS",
    "CSVDumper",
    "Dumper",
    "JSONLinesDumper",
    "SQLiteDumper",
    "csv_encoder",
    "dump_rows",
    "jsonl_encoder",
    "portable_value",
]
